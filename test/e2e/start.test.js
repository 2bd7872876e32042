'use strict';
// The README's first promise: `npm start` runs the sandbox and a real Node-RED with the package
// installed from its tarball and the demo flows, and the demo works.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const WebSocket = require('ws');
const { freePort, cleanEnv, root } = require('./harness');

describe('npm start', function () {
  this.timeout(120_000);
  let child;
  let output = '';
  let demoDir;
  let uiPort;

  before(async function () {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-demo-'));
    uiPort = await freePort();
    const sandboxPort = await freePort();
    child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
      cwd: root,
      env: cleanEnv({ MSTOCK_DEMO_DIR: demoDir, NODE_RED_PORT: String(uiPort), MSTOCK_SANDBOX_PORT: String(sandboxPort) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const started = Date.now();
    while (!/Dashboard\s+http/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      if (Date.now() - started > 100_000) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async function () {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    if (demoDir) fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('prints the sandbox, editor and dashboard addresses and the demo OTP', function () {
    assert.match(output, new RegExp(`Node-RED editor\\s+http://127\\.0\\.0\\.1:${uiPort}/`));
    assert.match(output, new RegExp(`Dashboard\\s+http://127\\.0\\.0\\.1:${uiPort}/dashboard/mstock`));
    assert.match(output, /OTP for every login: 123456/);
  });

  it('installed the package from its tarball into the demo user directory', function () {
    const installed = path.join(demoDir, 'node_modules', '@nr-mstock', 'node-red-mstock', 'package.json');
    assert.equal(JSON.parse(fs.readFileSync(installed, 'utf8')).name, '@nr-mstock/node-red-mstock');
    assert.ok(!fs.existsSync(path.join(demoDir, 'node_modules', '@nr-mstock', 'node-red-mstock', 'src')), 'only the built files ship');
  });

  it('deployed both demo tabs on one sandbox account, and the dashboard page answers', async function () {
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    assert.deepEqual(flows.filter((n) => n.type === 'tab').map((n) => n.label), ['mStock demo (sandbox)', 'mStock dashboard (sandbox)']);
    const accounts = flows.filter((n) => n.type === 'mstock-config');
    assert.equal(accounts.length, 1);
    const users = flows.filter((n) => n.account);
    assert.ok(users.length >= 6 && users.every((n) => n.account === accounts[0].id));
    assert.equal((await fetch(`http://127.0.0.1:${uiPort}/dashboard/mstock`)).status, 200);
  });

  it('the demo buttons log in with the printed OTP and show the funds', async function () {
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const inject = (name) => flows.find((n) => n.type === 'inject' && n.name === name).id;
    const socket = new WebSocket(`ws://127.0.0.1:${uiPort}/comms`);
    const debug = [];
    socket.on('message', (data) => {
      for (const event of JSON.parse(String(data))) if (event.topic === 'debug') debug.push(event.data);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ subscribe: 'debug' }));
    const waitFor = async (name) => {
      const started = Date.now();
      while (!debug.some((d) => d.name === name)) {
        if (Date.now() - started > 5000) throw new Error(`no ${name} output; debug: ${JSON.stringify(debug)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return debug.find((d) => d.name === name);
    };
    try {
      await new Promise((r) => setTimeout(r, 100));
      for (const [button, name] of [['Log in', 'login'], ['Send OTP', 'session'], ['Get funds', 'funds']]) {
        await fetch(`http://127.0.0.1:${uiPort}/inject/${inject(button)}`, { method: 'POST' });
        await waitFor(name);
      }
      assert.match((await waitFor('session')).msg, /"state":"live"/);
      assert.match((await waitFor('funds')).msg, /"availableBalance":180000.5,/);
    } finally {
      socket.terminate();
    }
  });
});
