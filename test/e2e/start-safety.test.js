'use strict';
// `npm start` on a machine where its ports are taken: it must never deploy to a Node-RED it did not
// start (a full deploy would replace that Node-RED's flows), and it must start nothing and say
// which variable picks another port.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { NodeRed, freePort, cleanEnv, root } = require('./harness');

/** Runs scripts/start.js until it exits; resolves with its exit code and everything it printed. */
function runStart(env, ms = 110_000) {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not exit within ${ms} ms:\n${output}`));
    }, ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** Whether anything accepts connections on 127.0.0.1:port. */
function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const USER_FLOWS = [
  { id: 'user-tab', type: 'tab', label: 'My own flows' },
  { id: 'user-inject', type: 'inject', z: 'user-tab', name: 'mine', props: [{ p: 'payload' }], payload: '', payloadType: 'date', x: 120, y: 80, wires: [['user-debug']] },
  { id: 'user-debug', type: 'debug', z: 'user-tab', name: 'mine', active: true, complete: 'payload', x: 300, y: 80, wires: [] },
];

describe('npm start when its ports are taken', function () {
  this.timeout(150_000);
  let demoDir;

  beforeEach(function () {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-demo-'));
  });

  afterEach(function () {
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  describe('another Node-RED on NODE_RED_PORT', function () {
    let other;
    let flowFile;
    let flowsBefore;

    before(async function () {
      other = new NodeRed();
      await other.start();
      await other.deploy(USER_FLOWS);
      flowFile = path.join(other.userDir, 'flows.json');
      flowsBefore = fs.readFileSync(flowFile);
    });

    after(async function () {
      if (other) {
        await other.stop();
        other.cleanUp();
      }
    });

    it('leaves its flows.json byte for byte, exits non-zero naming NODE_RED_PORT, and starts nothing', async function () {
      const sandboxPort = await freePort();
      const { code, output } = await runStart({ MSTOCK_DEMO_DIR: demoDir, NODE_RED_PORT: String(other.port), MSTOCK_SANDBOX_PORT: String(sandboxPort) });
      assert.notEqual(code, 0, output);
      assert.match(output, /NODE_RED_PORT/);
      assert.match(output, new RegExp(`\\b${other.port}\\b`));
      assert.ok(fs.readFileSync(flowFile).equals(flowsBefore), `the other Node-RED's flows.json changed:\n${fs.readFileSync(flowFile, 'utf8')}`);
      const flows = await other.getFlows();
      assert.deepEqual(flows.flows.filter((n) => n.type === 'tab').map((n) => n.label), ['My own flows']);
      assert.equal(await listening(sandboxPort), false, 'a sandbox was left listening');
      assert.deepEqual(fs.readdirSync(demoDir), [], 'it installed or wrote something before finding the port taken');
    });
  });

  it('with MSTOCK_SANDBOX_PORT taken: exits non-zero naming MSTOCK_SANDBOX_PORT, and starts no Node-RED', async function () {
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const sandboxPort = squatter.address().port;
    const uiPort = await freePort();
    try {
      const { code, output } = await runStart({ MSTOCK_DEMO_DIR: demoDir, NODE_RED_PORT: String(uiPort), MSTOCK_SANDBOX_PORT: String(sandboxPort) });
      assert.notEqual(code, 0, output);
      assert.match(output, /MSTOCK_SANDBOX_PORT/);
      assert.match(output, new RegExp(`\\b${sandboxPort}\\b`));
      assert.doesNotMatch(output, /Node-RED editor/);
      assert.equal(await listening(uiPort), false, 'a Node-RED was left listening');
      assert.deepEqual(fs.readdirSync(demoDir), [], 'it installed or wrote something before finding the port taken');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('when the port is taken between its check and Node-RED listening: deploys nowhere, stops the sandbox, exits non-zero naming NODE_RED_PORT', async function () {
    const uiPort = await freePort();
    const sandboxPort = await freePort();
    // Loaded into every Node.js process of the run through NODE_OPTIONS; in the Node-RED process it
    // takes Node-RED's port (after start.js found it free) with a server that answers like a
    // Node-RED, and records any deploy it receives.
    const deployed = path.join(os.tmpdir(), `mstock-squatter-deploy-${process.pid}-${uiPort}`);
    const preload = path.join(os.tmpdir(), `mstock-squatter-${process.pid}-${uiPort}.js`);
    fs.writeFileSync(
      preload,
      `if (/red\\.js$/.test(process.argv[1] || '')) {
  require('node:http')
    .createServer((req, res) => {
      if (req.method === 'POST') require('node:fs').writeFileSync(${JSON.stringify(deployed)}, req.url);
      res.setHeader('Content-Type', 'application/json');
      res.end(req.url === '/flows' ? '{"rev":"x"}' : '{}');
    })
    .listen(${uiPort}, '127.0.0.1');
}
`,
    );
    try {
      const { code, output } = await runStart({
        MSTOCK_DEMO_DIR: demoDir,
        NODE_RED_PORT: String(uiPort),
        MSTOCK_SANDBOX_PORT: String(sandboxPort),
        NODE_OPTIONS: `--require ${preload}`,
      });
      assert.notEqual(code, 0, output);
      assert.match(output, /port in use/i, 'Node-RED itself did not meet the taken port');
      assert.match(output, /NODE_RED_PORT/);
      assert.ok(!fs.existsSync(deployed), `it deployed to the server on port ${uiPort}, which is not the Node-RED it started`);
      assert.doesNotMatch(output, /Node-RED editor/);
      assert.equal(await listening(sandboxPort), false, 'the sandbox was left listening');
      assert.equal(await listening(uiPort), false);
    } finally {
      fs.rmSync(preload, { force: true });
      fs.rmSync(deployed, { force: true });
    }
  });

  it('with a demo settings.js from an older npm start (no ownership token): asks to delete the demo directory, and starts nothing', async function () {
    const old = "module.exports = {\n  uiHost: '127.0.0.1',\n  flowFile: 'flows.json',\n  credentialSecret: 'abc',\n};\n";
    fs.writeFileSync(path.join(demoDir, 'settings.js'), old);
    const uiPort = await freePort();
    const sandboxPort = await freePort();
    const { code, output } = await runStart({ MSTOCK_DEMO_DIR: demoDir, NODE_RED_PORT: String(uiPort), MSTOCK_SANDBOX_PORT: String(sandboxPort) });
    assert.notEqual(code, 0, output);
    assert.match(output, new RegExp(`Delete ${demoDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(fs.readFileSync(path.join(demoDir, 'settings.js'), 'utf8'), old);
    assert.deepEqual(fs.readdirSync(demoDir), ['settings.js']);
    assert.equal(await listening(sandboxPort), false);
    assert.equal(await listening(uiPort), false);
  });
});

describe('npm start with NODE_RED_HOST', function () {
  this.timeout(150_000);
  let demoDir;
  let child;

  after(async function () {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    if (demoDir) fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('makes Node-RED listen on that address only, prints it, and stops both servers on Ctrl+C', async function () {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-demo-'));
    const uiPort = await freePort();
    const sandboxPort = await freePort();
    child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
      cwd: root,
      env: cleanEnv({ MSTOCK_DEMO_DIR: demoDir, NODE_RED_PORT: String(uiPort), MSTOCK_SANDBOX_PORT: String(sandboxPort), NODE_RED_HOST: '127.0.0.2' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const started = Date.now();
    while (!/Dashboard\s+http/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      if (Date.now() - started > 110_000) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(output, new RegExp(`Node-RED editor\\s+http://127\\.0\\.0\\.2:${uiPort}/ `));
    assert.match(output, new RegExp(`Dashboard\\s+http://127\\.0\\.0\\.2:${uiPort}/dashboard/mstock`));
    assert.equal((await fetch(`http://127.0.0.2:${uiPort}/dashboard/mstock`)).status, 200);
    assert.equal(await listening(uiPort), false, 'Node-RED also listens on 127.0.0.1');

    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.equal(await listening(sandboxPort), false, 'the sandbox was left listening');
  });
});
