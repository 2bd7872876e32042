'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRed, FLAVOURS, onTab, readExample } = require('./harness');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');

const EXAMPLE = '01 Log in and read funds.json';

/** The first example pointed at the sandbox, with the ids of its inject nodes by name. */
function exampleFlow(sandboxUrl, configExtra = {}) {
  const nodes = readExample(EXAMPLE);
  const config = nodes.find((n) => n.type === 'mstock-config');
  Object.assign(config, { baseUrl: sandboxUrl }, configExtra);
  const inject = Object.fromEntries(nodes.filter((n) => n.type === 'inject').map((n) => [n.name, n.id]));
  const credentials = { [config.id]: { apiKey: SANDBOX_ACCOUNT.apiKey, clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password } };
  return { flows: onTab(nodes), credentials, inject, config };
}

const bearerOf = (request) => (/^Bearer (.+)$/.exec(request.headers.authorization || '') || [])[1];

/** The files of a user directory's file context store that hold `key`. */
function contextFilesHolding(userDir, key) {
  const dir = path.join(userDir, 'context');
  return fs
    .readdirSync(dir, { recursive: true })
    .map((name) => path.join(dir, name))
    .filter((file) => fs.statSync(file).isFile() && fs.readFileSync(file, 'utf8').includes(`"${key}"`));
}

const debugFrom = (comms, name) => (e) => e.topic === 'debug' && e.data.name === name;

for (const flavour of Object.keys(FLAVOURS)) {
  describe(`end to end in a real ${FLAVOURS[flavour].label}`, function () {
    this.timeout(90_000);
    let sandbox;
    let red;

    before(async function () {
      sandbox = new Sandbox({ fixedOtp: '123456' });
      await sandbox.start();
      red = new NodeRed({ flavour });
      await red.start();
    });

    after(async function () {
      if (red) {
        await red.stop();
        red.cleanUp();
      }
      if (sandbox) await sandbox.stop();
    });

    it(`really is ${FLAVOURS[flavour].label}`, function () {
      const nodeRed = /Node-RED version: (\S+)/.exec(red.output);
      const node = /Node\.js\s+version: (\S+)/.exec(red.output);
      assert.ok(nodeRed && node, red.output.slice(0, 500));
      assert.match(nodeRed[1], FLAVOURS[flavour].versions.nodeRed);
      assert.match(node[1], FLAVOURS[flavour].versions.node);
    });

    it('loads every node type from the installed tarball', async function () {
      const sets = await red.nodeSet();
      assert.deepEqual(sets.map((s) => s.name).sort(), Object.keys(require('../../package.json')['node-red'].nodes).sort());
      assert.ok(sets.length >= 9, 'the Part 2 nodes are there too');
      for (const set of sets) {
        assert.equal(set.enabled, true);
        assert.equal(set.err, undefined, `${set.name}: ${set.err}`);
      }
    });

    it('runs the example: log in, OTP, funds, log out, with statuses and session events', async function () {
      const { flows, credentials, inject } = exampleFlow(sandbox.url);
      await red.deploy(flows, credentials);
      const comms = await red.comms();
      await red.inject(inject['Log in']);
      const login = await comms.waitFor(debugFrom(comms, 'login'), 5000, 'login output');
      assert.match(login.data.msg, /otp-sent/);
      await red.inject(inject['Send OTP']);
      const session = await comms.waitFor(debugFrom(comms, 'session'), 5000, 'session output');
      assert.match(session.data.msg, /"state":"live"/);
      assert.match(session.data.msg, /T00:00:00\.000\+05:30/);
      await red.inject(inject['Get funds']);
      const funds = await comms.waitFor(debugFrom(comms, 'funds'), 5000, 'funds output');
      assert.equal(funds.data.format, 'array[2]');
      assert.match(funds.data.msg, /"availableBalance":180000.5,/);
      const fundsNode = flows.find((n) => n.type === 'mstock-funds');
      await comms.waitFor((e) => e.topic === `status/${fundsNode.id}` && e.data.text === 'live until 00:00 IST', 5000, 'green status');
      await red.inject(inject['Log out']);
      const logout = await comms.waitFor(debugFrom(comms, 'logout'), 5000, 'logout output');
      assert.match(logout.data.msg, /logged-out/);
      const changes = comms.debug().filter((d) => d.name === 'session changes').map((d) => JSON.parse(d.msg).state);
      assert.deepEqual(changes, ['otp-pending', 'live', 'logged-out']);
      assert.equal(sandbox.liveSessionCount, 0);
      comms.close();
    });

    it('an error reaches the example\'s Catch node, and the debug sidebar shows its message', async function () {
      const { flows, credentials, inject } = exampleFlow(sandbox.url);
      await red.deploy(flows, credentials);
      const comms = await red.comms();
      await red.inject(inject['Get funds']);
      const error = await comms.waitFor(debugFrom(comms, 'error'), 5000, 'the caught error');
      assert.match(error.data.format, /^string/, 'the message itself, not the error object');
      assert.match(error.data.msg, /^Not logged in to mStock\./);
      comms.close();
    });

    it('a redeploy through the Admin API keeps the live session; changed credentials drop it', async function () {
      const { flows, credentials, inject } = exampleFlow(sandbox.url);
      await red.deploy(flows, credentials);
      let comms = await red.comms();
      await red.inject(inject['Log in']);
      await comms.waitFor(debugFrom(comms, 'login'), 5000, 'login output');
      await red.inject(inject['Send OTP']);
      await comms.waitFor(debugFrom(comms, 'session'), 5000, 'live');
      comms.close();
      const logins = sandbox.calls.login;
      // a full deploy of the same flow (credentials are kept by Node-RED when not sent again)
      await red.deploy(flows, {});
      comms = await red.comms();
      await red.inject(inject['Get funds']);
      await comms.waitFor(debugFrom(comms, 'funds'), 5000, 'funds after redeploy');
      assert.equal(sandbox.calls.login, logins);
      comms.close();
      const changed = JSON.parse(JSON.stringify(credentials));
      changed[Object.keys(changed)[0]].password = 'changed-password';
      await red.deploy(flows, changed);
      comms = await red.comms();
      await red.inject(inject['Get funds']);
      const error = await comms.waitFor(debugFrom(comms, 'error'), 5000, 'the refusal');
      assert.match(error.data.msg, /^Not logged in to mStock\./);
      comms.close();
    });

    it('keeps secrets out of GET /flows and the flow file on disk', async function () {
      const { flows, credentials } = exampleFlow(sandbox.url);
      await red.deploy(flows, credentials);
      const exported = JSON.stringify(await red.getFlows());
      const onDisk = fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8');
      const encrypted = fs.readFileSync(path.join(red.userDir, 'flows_cred.json'), 'utf8');
      for (const secret of [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password, SANDBOX_ACCOUNT.clientCode]) {
        assert.ok(!exported.includes(secret), 'GET /flows carries a credential');
        assert.ok(!onDisk.includes(secret), 'flows.json carries a credential');
        assert.ok(!encrypted.includes(secret), 'flows_cred.json is not encrypted');
      }
    });
  });
}

describe('end to end: the session across a real Node-RED restart', function () {
  this.timeout(90_000);
  let sandbox;
  let red;

  before(async function () {
    sandbox = new Sandbox({ fixedOtp: '123456' });
    await sandbox.start();
  });

  after(async function () {
    if (red) {
      await red.stop();
      red.cleanUp();
    }
    await sandbox.stop();
  });

  it('with a file context store named on the account, a restart keeps the session; without, it does not', async function () {
    red = new NodeRed({ settings: { contextStorage: { default: { module: 'memory' }, disk: { module: 'localfilesystem' } } } });
    await red.start();
    const kept = exampleFlow(sandbox.url, { store: 'disk' });
    await red.deploy(kept.flows, kept.credentials);
    let comms = await red.comms();
    await red.inject(kept.inject['Log in']);
    await comms.waitFor(debugFrom(comms, 'login'), 5000, 'login output');
    await red.inject(kept.inject['Send OTP']);
    await comms.waitFor(debugFrom(comms, 'session'), 5000, 'live');
    comms.close();
    const stopMs = await red.stop();
    assert.ok(stopMs < 15_000, `stopping took ${stopMs} ms`);

    const logins = sandbox.calls.login;
    red = new NodeRed({ userDir: red.userDir });
    await red.start();
    comms = await red.comms();
    await red.inject(kept.inject['Get funds']);
    const funds = await comms.waitFor(debugFrom(comms, 'funds'), 5000, 'funds after the restart');
    assert.match(funds.data.msg, /availableBalance/);
    assert.equal(sandbox.calls.login, logins, 'no new login after the restart');
    comms.close();

    // on disk the token is sealed; an entry in 0.1's plain form is read once and sealed
    const token = bearerOf(sandbox.requests.filter((r) => r.endpoint === 'fundSummary').pop());
    const [file] = contextFilesHolding(red.userDir, 'mstockSession');
    assert.ok(file, 'the session was written to the file store');
    assert.match(fs.readFileSync(file, 'utf8'), /"version": ?2/);
    assert.ok(!fs.readFileSync(file, 'utf8').includes(token), 'no plain token on disk');
    await red.stop();
    const entries = JSON.parse(fs.readFileSync(file, 'utf8'));
    const timeout = Number(kept.config.timeout || 10000);
    const parts = [sandbox.url, timeout, SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password, undefined];
    const legacy = crypto.createHash('sha256');
    for (const part of parts) legacy.update(`${part ?? ''}\u0000`);
    entries.mstockSession = { fingerprint: legacy.digest('hex'), sessionToken: token, expiresAt: entries.mstockSession.expiresAt };
    fs.writeFileSync(file, JSON.stringify(entries));
    red = new NodeRed({ userDir: red.userDir });
    await red.start();
    comms = await red.comms();
    await red.inject(kept.inject['Get funds']);
    assert.match((await comms.waitFor(debugFrom(comms, 'funds'), 5000, 'funds from the plain entry')).data.msg, /availableBalance/);
    assert.equal(sandbox.calls.login, logins, 'no new login after the plain entry was read');
    assert.equal(bearerOf(sandbox.requests.filter((r) => r.endpoint === 'fundSummary').pop()), token);
    comms.close();
    await red.stop();
    assert.ok(!fs.readFileSync(file, 'utf8').includes(token), 'the plain entry was written sealed');
    red = new NodeRed({ userDir: red.userDir });
    await red.start();

    // the same account without a store: a restart starts logged out
    const memoryOnly = exampleFlow(sandbox.url);
    await red.deploy(memoryOnly.flows, memoryOnly.credentials);
    await red.stop();
    red = new NodeRed({ userDir: red.userDir });
    await red.start();
    comms = await red.comms();
    await red.inject(memoryOnly.inject['Get funds']);
    const error = await comms.waitFor(debugFrom(comms, 'error'), 5000, 'the refusal');
    assert.match(error.data.msg, /^Not logged in to mStock\./);
    comms.close();
  });
});
