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

/**
 * The Part 2 read nodes on one account that logs in by itself (a TOTP secret): inject → mStock
 * node → debug for holdings, the order book, GET portfolio/positions by request, and funds; the
 * session's events and a Catch node showing each error object.
 */
function part2Flow(sandboxUrl) {
  const account = { id: 'p2-account', type: 'mstock-config', name: 'Part 2 account', baseUrl: sandboxUrl, timeout: '10000' };
  const debug = (name, complete = 'payload') => ({ id: `p2-${name.replace(/ /g, '-')}-debug`, type: 'debug', name, active: true, tosidebar: true, complete, targetType: 'msg', x: 600, y: 0, wires: [] });
  const chain = (name, node, y) => [
    { id: `p2-${name}-inject`, type: 'inject', name, props: [{ p: 'payload' }], payload: '', payloadType: 'date', x: 140, y, wires: [[`p2-${name}`]] },
    { id: `p2-${name}`, account: account.id, name: '', x: 360, y, wires: [[`p2-${name}-debug`]], ...node },
    { ...debug(name), y },
  ];
  const nodes = [
    account,
    ...chain('login', { type: 'mstock-login' }, 40),
    ...chain('holdings', { type: 'mstock-portfolio', view: 'holdings', output: 'parsed' }, 80),
    ...chain('orders', { type: 'mstock-orders', view: 'orders', output: 'parsed' }, 120),
    ...chain('request', { type: 'mstock-request', method: 'GET', path: 'portfolio/positions' }, 160),
    ...chain('funds', { type: 'mstock-funds', output: 'parsed' }, 200),
    { id: 'p2-session', type: 'mstock-session', account: account.id, name: '', x: 140, y: 240, wires: [['p2-session-changes-debug']] },
    { ...debug('session changes'), y: 240 },
    { id: 'p2-catch', type: 'catch', name: '', scope: null, uncaught: false, x: 140, y: 280, wires: [['p2-error-debug']] },
    { ...debug('error', 'error'), y: 280 },
  ];
  const credentials = { [account.id]: { apiKey: SANDBOX_ACCOUNT.apiKey, clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password, totpSecret: SANDBOX_ACCOUNT.totpSecret } };
  return { flows: onTab(nodes, 'p2-tab', 'Part 2'), credentials };
}

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

    /** Logs the Part 2 flow's account in (by its TOTP secret) and waits for the live session. */
    async function logIn(comms) {
      await red.inject('p2-login-inject');
      const login = await comms.waitFor(debugFrom(comms, 'login'), 5000, 'the login');
      assert.equal(JSON.parse(login.data.msg).state, 'live');
    }

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

    it('loads every node type of package.json from the installed tarball, the Part 2 ones too', async function () {
      const sets = await red.nodeSet();
      const names = sets.map((s) => s.name).sort();
      assert.deepEqual(names, Object.keys(require('../../package.json')['node-red'].nodes).sort());
      for (const type of ['mstock-config', 'mstock-login', 'mstock-otp', 'mstock-funds', 'mstock-logout', 'mstock-session', 'mstock-portfolio', 'mstock-orders', 'mstock-request', 'mstock-instruments', 'mstock-quote', 'mstock-candles', 'mstock-order', 'mstock-ticks']) {
        assert.ok(names.includes(type), `${type} is not registered`);
      }
      for (const set of sets) {
        assert.equal(set.enabled, true);
        assert.equal(set.err, undefined, `${set.name}: ${set.err}`);
        assert.deepEqual(set.types, [set.name]);
      }
    });

    it('the Part 2 nodes answer through debug nodes: holdings (portfolio), the order book (orders), GET portfolio/positions (request)', async function () {
      const { flows, credentials } = part2Flow(sandbox.url);
      await red.deploy(flows, credentials);
      const comms = await red.comms();
      await logIn(comms);
      const from = sandbox.requests.length;

      await red.inject('p2-holdings-inject');
      const holdings = await comms.waitFor(debugFrom(comms, 'holdings'), 5000, 'the holdings');
      assert.equal(holdings.data.topic, 'mstock/holdings');
      const rows = JSON.parse(holdings.data.msg);
      assert.equal(rows.length, 3);
      // parsed: numbers are numbers, identifiers stay strings as sent
      assert.deepEqual(
        [rows[0].tradingsymbol, rows[0].quantity, rows[0].averageprice, rows[0].ltp, rows[0].isin, rows[0].symboltoken],
        ['STATE BANK OF INDIA', 10, 545.3, 784.1, 'INE062A01020', '3045'],
      );

      await red.inject('p2-orders-inject');
      const orders = await comms.waitFor(debugFrom(comms, 'orders'), 5000, 'the order book');
      assert.equal(orders.data.topic, 'mstock/orders');
      const book = JSON.parse(orders.data.msg);
      assert.deepEqual(book.map((o) => o.orderid), sandbox.paper.orderBook().map((o) => o.orderid));
      assert.ok(book.length >= 5 && book.every((o) => typeof o.orderid === 'string' && /^\d+$/.test(o.orderid)), orders.data.msg);
      assert.equal(typeof book[0].price, 'number');
      assert.match(book[0].updatetime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);

      await red.inject('p2-request-inject');
      const request = await comms.waitFor(debugFrom(comms, 'request'), 5000, 'the request answer');
      assert.equal(request.data.topic, 'mstock/request');
      // the broker's data untouched: numbers still the strings it sent
      assert.deepEqual(JSON.parse(request.data.msg), sandbox.paper.positions());
      assert.equal(JSON.parse(request.data.msg)[0].netqty, '10');

      const sent = sandbox.requests.slice(from).map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(sent, ['GET /openapi/typeb/portfolio/holdings', 'GET /openapi/typeb/orders', 'GET /openapi/typeb/portfolio/positions']);
      assert.deepEqual(comms.debug().filter((d) => d.name === 'error'), []);
      comms.close();
      sandbox.expireSessions(); // the tests after count the sandbox's live sessions
    });

    for (const [endpoint, trigger, node] of [['holdings', 'holdings', 'mstock-portfolio'], ['orderBook', 'orders', 'mstock-orders'], ['positions', 'request', 'mstock-request']]) {
      it(`a 401 on ${node}'s call (${endpoint}) expires the session for every node: the session node says so, and funds fail MSTOCK_SESSION_EXPIRED with no request`, async function () {
        const { flows, credentials } = part2Flow(sandbox.url);
        await red.deploy([], {}); // a fresh session for each endpoint
        await red.deploy(flows, credentials);
        const comms = await red.comms();
        await logIn(comms);
        sandbox.setFault({ kind: 'unauthorized', endpoints: [endpoint], times: 1 });
        try {
          await red.inject(`p2-${trigger}-inject`);
          const first = await comms.waitFor(debugFrom(comms, 'error'), 5000, 'the 401');
          assert.equal(JSON.parse(first.data.msg).code, 'MSTOCK_SESSION_EXPIRED');
          assert.equal(JSON.parse(first.data.msg).source.type, node);
          const expired = await comms.waitFor((e) => debugFrom(comms, 'session changes')(e) && JSON.parse(e.data.msg).state === 'expired', 5000, 'the expired event');
          assert.equal(JSON.parse(expired.data.msg).previous, 'live');
          for (const other of flows.filter((n) => /^mstock-(portfolio|orders|request|funds)$/.test(n.type))) {
            await comms.waitFor((e) => e.topic === `status/${other.id}` && e.data.text === 'session expired', 5000, `${other.type} showing the expiry`);
          }

          const funds = sandbox.calls.fundSummary || 0;
          const requests = sandbox.requests.length;
          await red.inject('p2-funds-inject');
          await comms.waitFor((e) => debugFrom(comms, 'error')(e) && JSON.parse(e.data.msg).source.type === 'mstock-funds', 5000, 'the funds refusal');
          const refusal = comms.debug().filter((d) => d.name === 'error').map((d) => JSON.parse(d.msg)).find((err) => err.source.type === 'mstock-funds');
          assert.equal(refusal.code, 'MSTOCK_SESSION_EXPIRED');
          assert.equal(sandbox.calls.fundSummary || 0, funds, 'no fund summary request');
          assert.equal(sandbox.requests.length, requests, 'no request at all');
        } finally {
          sandbox.setFault(undefined);
          sandbox.expireSessions(); // the 401 came from the fault: the sandbox still held the session
          comms.close();
        }
      });
    }

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
