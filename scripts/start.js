#!/usr/bin/env node
// `npm start`: the embedded sandbox, and a real Node-RED with this package installed from its
// packed tarball (as users install it) and a demo flow wired to the sandbox.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.resolve(process.env.MSTOCK_DEMO_DIR || path.join(root, '.demo'));
const uiPort = Number(process.env.NODE_RED_PORT || 1880);
const sandboxPort = Number(process.env.MSTOCK_SANDBOX_PORT || 8729);
const demoOtp = '123456';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// npm scripts put node_modules/.bin first on PATH, where Node-RED's own npm 10 sits (it would run
// `prepare` despite --ignore-scripts): use the system's npm
const npmEnv = {
  ...process.env,
  PATH: (process.env.PATH || '').split(path.delimiter).filter((dir) => !/node_modules[/\\]\.bin[/\\]?$/.test(dir)).join(path.delimiter),
};

execFileSync(process.execPath, [path.join(__dirname, 'build.js'), '--if-needed'], { stdio: 'inherit' });
const { Sandbox, SANDBOX_ACCOUNT } = require('../dist/src/sandbox/server');

function installPackage() {
  fs.mkdirSync(userDir, { recursive: true });
  // built just above: packing needs no `prepare`
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

function writeSettings() {
  const file = path.join(userDir, 'settings.js');
  if (fs.existsSync(file)) return;
  const secret = crypto.randomBytes(24).toString('hex');
  fs.writeFileSync(
    file,
    `module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  credentialSecret: '${secret}',
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, palette: { catalogues: [] } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
  );
}

const readExample = (name) => JSON.parse(fs.readFileSync(path.join(root, 'examples', name), 'utf8'));
const CONFIG_TYPES = new Set(['mstock-config', 'ui-base', 'ui-theme', 'ui-page', 'ui-group']);

/**
 * Examples 01 (inject buttons) and 02 (the dashboard), each on its own tab, sharing one account
 * pointed at the sandbox.
 */
function demoFlow(sandboxUrl) {
  const buttons = readExample('01 Log in and read funds.json');
  const dashboard = readExample('02 OTP entry on a dashboard.json');
  const config = buttons.find((n) => n.type === 'mstock-config');
  Object.assign(config, { baseUrl: sandboxUrl, name: 'Sandbox account' });
  const dashboardConfig = dashboard.find((n) => n.type === 'mstock-config');
  const tabs = [
    { id: 'mstock-demo-tab', type: 'tab', label: 'mStock demo (sandbox)' },
    { id: 'mstock-demo-dashboard-tab', type: 'tab', label: 'mStock dashboard (sandbox)' },
  ];
  const flows = [...tabs];
  for (const [nodes, tab] of [[buttons, tabs[0]], [dashboard.filter((n) => n !== dashboardConfig), tabs[1]]]) {
    for (const node of nodes) {
      if (node.account === dashboardConfig.id) node.account = config.id;
      if (!CONFIG_TYPES.has(node.type)) node.z = tab.id;
      flows.push(node);
    }
  }
  const credentials = {
    [config.id]: { apiKey: SANDBOX_ACCOUNT.apiKey, clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password },
  };
  const base = dashboard.find((n) => n.type === 'ui-base');
  const page = dashboard.find((n) => n.type === 'ui-page');
  return { flows, credentials, dashboardPath: `${base.path}${page.path}` };
}

async function waitForEditor(child) {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${uiPort}/settings`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('Node-RED did not start within 60 s');
}

async function deployDemo(sandboxUrl) {
  const flowFile = path.join(userDir, 'flows.json');
  if (fs.existsSync(flowFile) && fs.readFileSync(flowFile, 'utf8').trim().length > 2) return false;
  const { flows, credentials } = demoFlow(sandboxUrl);
  const res = await fetch(`http://127.0.0.1:${uiPort}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows, credentials }),
  });
  if (!res.ok) throw new Error(`deploying the demo flow failed: HTTP ${res.status} ${await res.text()}`);
  return true;
}

async function main() {
  installPackage();
  writeSettings();
  const sandbox = new Sandbox({ port: sandboxPort, fixedOtp: demoOtp, log: (line) => console.log(line) });
  const sandboxUrl = await sandbox.start();
  const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '-u', userDir, '-p', String(uiPort)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () => {
    child.kill('SIGINT');
    void sandbox.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => {
    void sandbox.stop().then(() => process.exit(code ?? 0));
  });
  await waitForEditor(child);
  const deployed = await deployDemo(sandboxUrl);
  const { dashboardPath } = demoFlow(sandboxUrl);
  console.log(`
  mStock sandbox    ${sandboxUrl}   (OTP for every login: ${demoOtp})
  Node-RED editor   http://127.0.0.1:${uiPort}/   ${deployed ? '(demo flows deployed)' : '(your saved flows)'}
  Dashboard         http://127.0.0.1:${uiPort}${dashboardPath}

  On the dashboard: Log in, type the OTP ${demoOtp}, and the funds appear.
  Or in the editor, on the "mStock demo (sandbox)" tab, click the inject buttons in order:
  Log in → Send OTP → Get funds → Log out. The Debug sidebar shows each answer.
  Press Ctrl+C to stop.
`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
