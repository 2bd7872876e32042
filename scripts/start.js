#!/usr/bin/env node
// `npm start`: the embedded sandbox, and a real Node-RED with this package installed from its
// packed tarball (as users install it) and a demo flow wired to the sandbox.
'use strict';
/* global AbortSignal */
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.resolve(process.env.MSTOCK_DEMO_DIR || path.join(root, '.demo'));
const uiHost = process.env.NODE_RED_HOST || '127.0.0.1';
const demoOtp = '123456';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// npm scripts put node_modules/.bin first on PATH, where Node-RED's own older npm sits: use the
// system's npm, as a user would
const npmEnv = {
  ...process.env,
  PATH: (process.env.PATH || '').split(path.delimiter).filter((dir) => !/node_modules[/\\]\.bin[/\\]?$/.test(dir)).join(path.delimiter),
};
// Node-RED answers /settings with this header carrying the token this script gave the Node-RED it
// started (see writeSettings); the demo is deployed only to the Node-RED that answers with it.
const TOKEN_HEADER = 'X-Mstock-Demo-Token';
const TOKEN_VARIABLE = 'MSTOCK_DEMO_TOKEN';

function portFrom(variable, fallback) {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable}=${text} is not a port: give a number from 1 to 65535.`);
  return port;
}

/** What to tell the user when Node-RED or the sandbox cannot listen where it should. */
function listenError(err, { name, hint, host, port, variable }) {
  if (err.code === 'EADDRINUSE') {
    return new Error(
      `Port ${port} is already in use${hint}, so ${name} cannot listen on it; npm start has stopped and left it alone.\n` +
        `Set ${variable} to a free port, e.g. ${variable}=${port + 1} npm start`,
    );
  }
  if (err.code === 'EACCES') return new Error(`${name} may not listen on port ${port} (ports below 1024 need extra rights): set ${variable} to another port.`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    return new Error(`${name} cannot listen on ${host}: NODE_RED_HOST must be an address of this machine, such as 127.0.0.1 or 0.0.0.0.`);
  }
  return new Error(`${name} cannot listen on ${host}:${port}: ${err.message}`);
}

/** Fails unless host:port is free, by listening there for a moment. */
function checkFree(where) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) => reject(listenError(err, where)));
    server.listen(where.port, where.host, () => server.close(() => resolve()));
  });
}

function installPackage() {
  fs.mkdirSync(userDir, { recursive: true });
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', userDir], { cwd: root, encoding: 'utf8', env: npmEnv }),
  );
  const tarball = path.join(userDir, packed[0].filename);
  const digest = crypto.createHash('sha256').update(fs.readFileSync(tarball)).digest('hex');
  const stamp = path.join(userDir, '.installed');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return;
  if (!fs.existsSync(path.join(userDir, 'package.json'))) {
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'mstock-demo', private: true }, null, 2));
  }
  console.log(`Installing ${packed[0].filename} into ${path.relative(root, userDir)}/ …`);
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: userDir, stdio: 'inherit', env: npmEnv });
  fs.writeFileSync(stamp, digest);
}

/** A settings.js written by an earlier version of this script lacks the token: ask for a fresh start. */
function checkSettings() {
  const file = path.join(userDir, 'settings.js');
  if (fs.existsSync(file) && !fs.readFileSync(file, 'utf8').includes(TOKEN_VARIABLE)) {
    throw new Error(`${file} was written by an older npm start. Delete ${userDir} and run npm start again.`);
  }
}

function writeSettings() {
  const file = path.join(userDir, 'settings.js');
  if (fs.existsSync(file)) return;
  const secret = crypto.randomBytes(24).toString('hex');
  fs.writeFileSync(
    file,
    `module.exports = {
  uiHost: process.env.NODE_RED_HOST || '127.0.0.1',
  flowFile: 'flows.json',
  credentialSecret: '${secret}',
  // npm start deploys the demo only to the Node-RED answering with the token it gave this process
  httpAdminMiddleware: (req, res, next) => {
    if (process.env.${TOKEN_VARIABLE}) res.setHeader('${TOKEN_HEADER}', process.env.${TOKEN_VARIABLE});
    next();
  },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, palette: { catalogues: [] } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
  );
}

const readExample = (name) => JSON.parse(fs.readFileSync(path.join(root, 'examples', name), 'utf8'));
const CONFIG_TYPES = new Set(['mstock-config', 'ui-base', 'ui-theme', 'ui-page', 'ui-group']);

/** What the Order ticket tab's comment says first in the demo: its orders are paper money. */
const PAPER_MONEY =
  '**In this demo orders are on, and they are paper money**: the account allows orders from flows, ' +
  "and every order goes to the sandbox's paper account (market orders fill at once at the " +
  "sandbox's price, limit orders when the price reaches them), never to mStock.\n\n";

/**
 * Examples 01 (inject buttons), 02 (the dashboard), 08 (the Portfolio page on 02's dashboard), 09
 * (the Watch list page on it), 11 (the Order ticket page on it) and 13 (the Live prices page on it,
 * from the sandbox's live feed), each on its own tab, sharing one account pointed at the sandbox,
 * which allows orders: they go to the sandbox's paper account.
 */
function demoFlow(sandboxUrl, feedUrl, account) {
  const buttons = readExample('01 Log in and read funds.json');
  const dashboard = readExample('02 OTP entry on a dashboard.json');
  const portfolio = readExample('08 Portfolio dashboard.json');
  const watchlist = readExample('09 Watch list dashboard.json');
  const orderTicket = readExample('11 Order ticket dashboard.json');
  const livePrices = readExample('13 Live prices dashboard.json');
  const config = buttons.find((n) => n.type === 'mstock-config');
  Object.assign(config, { baseUrl: sandboxUrl, feedUrl, name: 'Sandbox account', orders: true });
  const ticketNote = orderTicket.find((n) => n.type === 'comment');
  ticketNote.info = PAPER_MONEY + ticketNote.info;
  const dashboardConfig = dashboard.find((n) => n.type === 'mstock-config');
  const tabs = [
    { id: 'mstock-demo-tab', type: 'tab', label: 'mStock demo (sandbox)' },
    { id: 'mstock-demo-dashboard-tab', type: 'tab', label: 'mStock dashboard (sandbox)' },
    { id: 'mstock-demo-portfolio-tab', type: 'tab', label: 'mStock portfolio (sandbox)' },
    { id: 'mstock-demo-watchlist-tab', type: 'tab', label: 'mStock watch list (sandbox)' },
    { id: 'mstock-demo-order-ticket-tab', type: 'tab', label: 'mStock order ticket (sandbox, paper money)' },
    { id: 'mstock-demo-live-prices-tab', type: 'tab', label: 'mStock live prices (sandbox)' },
  ];
  const flows = [...tabs];
  const added = new Set();
  for (const [nodes, tab] of [[buttons, tabs[0]], [dashboard, tabs[1]], [portfolio, tabs[2]], [watchlist, tabs[3]], [orderTicket, tabs[4]], [livePrices, tabs[5]]]) {
    for (const node of nodes) {
      // one account, the demo's; 08, 09, 11 and 13 bring 02's account and dashboard again, by the same ids
      if ((node.type === 'mstock-config' && node !== config) || added.has(node.id)) continue;
      if (node.account === dashboardConfig.id) node.account = config.id;
      if (!CONFIG_TYPES.has(node.type)) node.z = tab.id;
      flows.push(node);
      added.add(node.id);
    }
  }
  const credentials = {
    [config.id]: { apiKey: account.apiKey, clientCode: account.clientCode, password: account.password },
  };
  const base = dashboard.find((n) => n.type === 'ui-base');
  const page = dashboard.find((n) => n.type === 'ui-page');
  return { flows, credentials, dashboardPath: `${base.path}${page.path}` };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const listensEverywhere = uiHost === '0.0.0.0' || uiHost === '::';

/** The host for links to Node-RED: an address it listens on, as a URL wants it. */
function linkHost() {
  const reachable = listensEverywhere ? '127.0.0.1' : uiHost;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
}

/**
 * Resolves true once the Node-RED at `url` answers with `token`, i.e. it is the one this script
 * started; false if that one exits first (its `close` handler says why).
 */
async function waitForOwnNodeRed(url, token, child, place) {
  const started = Date.now();
  let answeredWithoutToken = false;
  while (Date.now() - started < 60_000) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/settings`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok && res.headers.get(TOKEN_HEADER) === token) return true;
      answeredWithoutToken = true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  if (answeredWithoutToken) throw listenError({ code: 'EADDRINUSE' }, place);
  throw new Error('Node-RED did not start within 60 s; its log is above.');
}

async function deployDemo(url, demo) {
  const flowFile = path.join(userDir, 'flows.json');
  if (fs.existsSync(flowFile) && fs.readFileSync(flowFile, 'utf8').trim().length > 2) return false;
  const res = await fetch(`${url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows: demo.flows, credentials: demo.credentials }),
  });
  if (!res.ok) throw new Error(`deploying the demo flow failed: HTTP ${res.status} ${await res.text()}`);
  return true;
}

/** Waits (up to 20 s) until the dashboard page answers, so the address printed works when clicked. */
async function waitForDashboard(url) {
  const started = Date.now();
  while (Date.now() - started < 20_000) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // the dashboard registers its page a moment after the deploy
    }
    await sleep(200);
  }
}

let sandbox;
let child;
let shuttingDown = false;

/** Stops Node-RED (if this script started it) and the sandbox, then exits with `code`. */
async function shutDown(code, message) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (message) console.error(message);
  if (child && child.exitCode === null && child.signalCode === null) {
    const closed = new Promise((resolve) => child.once('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.kill('SIGINT');
    await closed;
    clearTimeout(timer);
  }
  if (sandbox) await sandbox.stop();
  process.exit(code);
}

async function main() {
  const nodeRedPlace = { name: 'Node-RED', hint: ' (another Node-RED?)', host: uiHost, port: portFrom('NODE_RED_PORT', 1880), variable: 'NODE_RED_PORT' };
  const sandboxPlace = { name: 'the mStock sandbox', hint: '', host: '127.0.0.1', port: portFrom('MSTOCK_SANDBOX_PORT', 8729), variable: 'MSTOCK_SANDBOX_PORT' };
  // before anything is built, installed or started
  await checkFree(nodeRedPlace);
  await checkFree(sandboxPlace);
  checkSettings();

  execFileSync(process.execPath, [path.join(__dirname, 'build.js'), '--if-needed'], { stdio: 'inherit' });
  const { Sandbox, SANDBOX_ACCOUNT } = require('../dist/src/sandbox/server');
  installPackage();
  writeSettings();
  sandbox = new Sandbox({ port: sandboxPlace.port, fixedOtp: demoOtp, log: (line) => console.log(line) });
  const sandboxUrl = await sandbox.start().catch((err) => {
    throw listenError(err, sandboxPlace);
  });

  const uiPort = nodeRedPlace.port;
  const token = crypto.randomBytes(16).toString('hex');
  child = spawn(process.execPath, [require.resolve('node-red/red.js'), '-u', userDir, '-p', String(uiPort)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_HOST: uiHost, [TOKEN_VARIABLE]: token },
  });
  let recentLog = '';
  const forward = (to) => (chunk) => {
    to.write(chunk);
    recentLog = (recentLog + chunk).slice(-2000);
  };
  child.stdout.on('data', forward(process.stdout));
  child.stderr.on('data', forward(process.stderr));
  let ready = false;
  child.on('close', (code, signal) => {
    if (ready) void shutDown(code ?? 0);
    else if (/port in use/i.test(recentLog)) void shutDown(1, listenError({ code: 'EADDRINUSE' }, nodeRedPlace).message);
    else void shutDown(1, `Node-RED stopped (${signal ?? `exit code ${code}`}) before it was ready; its log is above.`);
  });
  process.on('SIGINT', () => void shutDown(0));
  process.on('SIGTERM', () => void shutDown(0));

  const editorUrl = `http://${linkHost()}:${uiPort}`;
  if (!(await waitForOwnNodeRed(editorUrl, token, child, nodeRedPlace))) return;
  const demo = demoFlow(sandboxUrl, sandbox.feedUrl, SANDBOX_ACCOUNT);
  const deployed = await deployDemo(editorUrl, demo);
  await waitForDashboard(`${editorUrl}${demo.dashboardPath}`);
  ready = true;
  console.log(`
  mStock sandbox    ${sandboxUrl}   (OTP for every login: ${demoOtp})
  Node-RED editor   ${editorUrl}/   ${deployed ? '(demo flows deployed)' : '(your saved flows)'}
  Dashboard         ${editorUrl}${demo.dashboardPath}
${listensEverywhere ? `  Node-RED listens on ${uiHost} (NODE_RED_HOST): other machines reach it at this machine's address.\n` : ''}
  On the dashboard: Log in, type the OTP ${demoOtp}, and the funds appear. Its menu has four more
  pages: Portfolio (holdings and positions), Watch list (quotes of the symbols you type),
  Order ticket (orders after a confirmation, and the order book) and Live prices (the
  sandbox's live feed, a row per symbol updated every second).
  Orders are on in this demo, and they are paper money: they go to the sandbox's paper account,
  never to mStock.
  Or in the editor, on the "mStock demo (sandbox)" tab, click the inject buttons in order:
  Log in → Send OTP → Get funds → Log out. The Debug sidebar shows each answer.
  Press Ctrl+C to stop.
`);
}

main().catch((err) => {
  void shutDown(1, err instanceof Error ? err.message : String(err));
});
