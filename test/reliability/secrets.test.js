'use strict';
// Secret scan in the test-helper runtime: distinctive API key, password, TOTP secret (and a wrong
// password and API key) go through every node and every fault; everything the nodes give out —
// messages, Catch messages with error stacks, session events, statuses, node log calls and the
// runtime's log — is scanned for them and for the login and session tokens the sandbox issued
// (harvested from sandbox.requests). A second test points the nodes at a hostile broker on
// 127.0.0.1 that echoes what it received (password, API key, tokens) into its answers.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const util = require('node:util');
const {
  helper, allNodes, Sandbox, collect, sleep, until, recordNodes, processGuard, closeAllSessions,
} = require('./support');
const record = require('./record').section('secrets');

const hex = (n) => crypto.randomBytes(n).toString('hex');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const base32 = (n) => Array.from(crypto.randomBytes(n), (b) => BASE32[b % 32]).join('');

/** Everything a test saw, as one searchable text (util.inspect shows error messages and stacks). */
function dump(value) {
  return util.inspect(value, { depth: 30, maxArrayLength: null, maxStringLength: null, breakLength: Infinity, getters: false });
}

/** The distinctive pieces of a secret worth searching for: itself, its random core, its case variants. */
function needles(name, secret) {
  const out = [[name, secret], [`${name} (lower case)`, secret.toLowerCase()]];
  const core = /[0-9a-f]{16,}|[A-Z2-7]{16,}/.exec(secret);
  if (core && core[0] !== secret) out.push([`${name} (core)`, core[0]]);
  if (secret.split('.').length === 3) {
    const [, payload, signature] = secret.split('.');
    out.push([`${name} (JWT payload)`, payload], [`${name} (JWT signature)`, signature]);
  }
  return out.filter(([, n]) => n.length >= 8);
}

/** Scans each named text for each secret; returns the hits. */
function scan(texts, secrets) {
  const hits = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [name, secret] of Object.entries(secrets)) {
      for (const [what, needle] of needles(name, secret)) {
        if (text.includes(needle)) hits.push(`${what} in ${where}`);
      }
    }
  }
  return hits;
}

/** Login and session tokens the sandbox handed out, read from the requests the nodes made with them. */
function harvestTokens(requests, into) {
  for (const r of requests) {
    const auth = /^Bearer (.+)$/.exec(r.headers.authorization || '');
    if (auth) into.add(auth[1]);
    if (r.body) {
      try {
        const body = JSON.parse(r.body);
        if (typeof body.refreshToken === 'string' && body.refreshToken) into.add(body.refreshToken);
      } catch {
        // not JSON
      }
    }
  }
}

describe('reliability: no secret in anything the nodes give out (test-helper runtime)', function () {
  this.timeout(60_000);
  let guard;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(function () {
    guard = processGuard();
    guard.install();
  });
  afterEach(function () {
    guard.remove();
  });

  it('every node, every fault, OTP and TOTP: no API key, password, TOTP secret, login or session token leaks', async function () {
    const secret = {
      apiKey: `APIKEY-${hex(12)}`,
      password: `PASSWD-${hex(12)}`,
      totpSecret: base32(32),
      wrongPassword: `WRONGPW-${hex(12)}`,
      wrongApiKey: `BADKEY-${hex(12)}`,
    };
    const sandbox = new Sandbox({ fixedOtp: '123456' });
    Object.assign(sandbox.account, { apiKey: secret.apiKey, password: secret.password, totpSecret: secret.totpSecret });
    await sandbox.start();
    const tokens = new Set();
    let runtimeLog;
    let record_;
    const seen = [];
    try {
      const z = 'tab1';
      const creds = { apiKey: secret.apiKey, clientCode: 'SANDBOX1', password: secret.password };
      const flowNodes = [
        { id: z, type: 'tab', label: 'secrets' },
        { id: 'c1', type: 'mstock-config', baseUrl: sandbox.url, timeout: 500 },
        { id: 'c2', type: 'mstock-config', baseUrl: sandbox.url, timeout: 500 },
        { id: 'c3', type: 'mstock-config', baseUrl: sandbox.url, timeout: 500 },
        { id: 'c4', type: 'mstock-config', baseUrl: sandbox.url, timeout: 500 },
        { id: 'c5', type: 'mstock-config', baseUrl: sandbox.url, timeout: 500 },
        ...[
          ['login1', 'mstock-login', 'c1'], ['otp1', 'mstock-otp', 'c1'], ['totp1', 'mstock-otp', 'c1', { mode: 'totp' }],
          ['funds1', 'mstock-funds', 'c1'], ['raw1', 'mstock-funds', 'c1', { output: 'raw' }], ['logout1', 'mstock-logout', 'c1'],
          ['login2', 'mstock-login', 'c2'], ['funds2', 'mstock-funds', 'c2'], ['logout2', 'mstock-logout', 'c2'],
          ['login3', 'mstock-login', 'c3'], ['login4', 'mstock-login', 'c4'], ['otp4', 'mstock-otp', 'c4'],
          ['login5', 'mstock-login', 'c5'],
        ].map(([id, type, account, extra = {}]) => ({ id, type, z, account, ...extra, wires: [['out']] })),
        { id: 'session1', type: 'mstock-session', z, account: 'c1', wires: [['events']] },
        { id: 'session2', type: 'mstock-session', z, account: 'c2', wires: [['events']] },
        { id: 'catch1', type: 'catch', z, scope: null, uncaught: false, wires: [['caught']] },
        { id: 'out', type: 'helper', z },
        { id: 'caught', type: 'helper', z },
        { id: 'events', type: 'helper', z },
      ];
      await helper.load(allNodes, flowNodes, {
        c1: creds,
        c2: { ...creds, totpSecret: secret.totpSecret },
        c3: { ...creds, password: secret.wrongPassword },
        c4: { ...creds, apiKey: secret.wrongApiKey },
        // a TOTP secret that is not base32: the refusal must not quote it
        c5: { ...creds, totpSecret: `not-base32-${secret.password}` },
      });
      const ids = flowNodes.filter((n) => n.type.startsWith('mstock-')).map((n) => n.id);
      record_ = recordNodes(ids);
      for (const id of ['out', 'caught', 'events']) helper.getNode(id).on('input', (m) => seen.push(m));
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));

      let n = 0;
      const send = async (id, payload) => {
        n += 1;
        const msgid = `secret-${n}`;
        helper.getNode(id).receive({ _msgid: msgid, payload });
        await until(() => out.some((m) => m._msgid === msgid) || caught.some((m) => m._msgid === msgid), 5000, `outcome of ${id}`);
        harvestTokens(sandbox.requests, tokens);
        return out.find((m) => m._msgid === msgid) ?? caught.find((m) => m._msgid === msgid);
      };
      const live = async () => {
        if (helper.getNode('c1').session.state === 'live') return;
        await send('login1', 'go');
        await send('otp1', '123456');
      };

      // the happy path, a wrong OTP, a wrong authenticator code
      await send('login1', 'go');
      await send('otp1', '000000');
      await send('totp1', '000000');
      await send('otp1', '123456');
      await send('funds1', 'tick');
      await send('raw1', 'tick');
      await send('logout1', 'bye');
      await send('login1', 'go');
      await send('totp1', sandbox.currentTotp());
      await send('logout1', 'bye');
      // every fault on every endpoint
      const faults = ['unauthorized', 'api-key-suspended', 'html-502', 'html-503', 'slow', 'drop', 'reset-mid-body', 'truncated-json',
        'empty-body', 'wrong-shape', 'status-false', 'status-error', 'status-False', 'server-error', 'rate-limit'];
      let tried = 0;
      for (const kind of faults) {
        for (const [endpoint, node] of [['login', 'login1'], ['sessionToken', 'otp1'], ['fundSummary', 'funds1'], ['logout', 'logout1']]) {
          if (endpoint === 'sessionToken') await send('login1', 'go');
          else if (endpoint !== 'login') await live();
          sandbox.setFault({ kind, endpoints: [endpoint], times: 1, delayMs: 800 });
          await send(node, endpoint === 'sessionToken' ? '123456' : 'tick');
          sandbox.setFault(undefined);
          tried += 1;
        }
      }
      // the session the broker ended, then used again
      await live();
      sandbox.expireSessions();
      await send('funds1', 'tick');
      await send('funds1', 'tick');
      await send('logout1', 'bye');
      // TOTP secret on the account: login makes the session itself
      await send('login2', 'go');
      await send('funds2', 'tick');
      await send('logout2', 'bye');
      // wrong password, wrong API key, a TOTP secret that is not base32
      await send('login3', 'go');
      await send('login4', 'go');
      await send('otp4', '123456');
      await send('login5', 'go');
      await sleep(50);
      runtimeLog = helper.log().args.map((a) => a[0]);
      harvestTokens(sandbox.requests, tokens);

      const loginTokens = [...tokens].filter((t) => t.split('.').length !== 3);
      const sessionTokens = [...tokens].filter((t) => t.split('.').length === 3);
      assert.ok(loginTokens.length >= 5, `login tokens harvested (${loginTokens.length})`);
      assert.ok(sessionTokens.length >= 3, `session tokens harvested (${sessionTokens.length})`);
      const all = { ...secret };
      loginTokens.forEach((t, i) => (all[`login token ${i + 1}`] = t));
      sessionTokens.forEach((t, i) => (all[`session token ${i + 1}`] = t));
      const texts = {
        'messages (out, Catch, session events)': dump(seen) + JSON.stringify(seen, (k, v) => (typeof v === 'bigint' ? String(v) : v)),
        'error messages and stacks': caught.map((m) => `${m.error.message}\n${m.error.stack}`).join('\n'),
        statuses: dump(record_.statuses),
        'node log calls (log, warn, error, debug, trace)': dump(record_.logs),
        'runtime log': dump(runtimeLog),
      };
      const hits = scan(texts, all);
      const scanned = Object.values(texts).reduce((a, t) => a + t.length, 0);
      record.row({
        fault: `${faults.length} faults × 4 endpoints (${tried} failures) + OTP, TOTP, wrong password, wrong API key, bad TOTP secret: ${seen.length} msgs, ${record_.statuses.length} statuses, ${record_.logs.length + runtimeLog.length} log calls (${scanned} chars)`,
        node: 'all nodes (test-helper runtime)',
        expected: `0 of ${Object.keys(all).length} secrets found`,
        observed: `${hits.length} hits`,
        pass: hits.length === 0,
      });
      assert.ok(caught.length >= 50, `failures were produced to scan (${caught.length})`);
      assert.deepEqual(hits, [], 'a secret leaked');
      assert.deepEqual(guard.seen, []);
    } finally {
      await helper.unload();
      closeAllSessions();
      await sandbox.stop();
    }
  });

  it('orders: place, modify, cancel, cancel-all, every order code, a node closed mid-call, then the book, trades and positions: no API key, password, TOTP secret, login or session token leaks', async function () {
    const secret = { apiKey: `APIKEY-${hex(12)}`, password: `PASSWD-${hex(12)}`, totpSecret: base32(32) };
    const sandbox = new Sandbox({ fixedOtp: '123456' });
    Object.assign(sandbox.account, { apiKey: secret.apiKey, password: secret.password, totpSecret: secret.totpSecret });
    await sandbox.start();
    const tokens = new Set();
    const seen = [];
    const z = 'tab1';
    const creds = { apiKey: secret.apiKey, clientCode: 'SANDBOX1', password: secret.password };
    const flowNodes = (placeName = '') => [
      { id: z, type: 'tab', label: 'order secrets' },
      // c1 allows 10 orders a day, c2 has orders off (the default)
      { id: 'c1', type: 'mstock-config', baseUrl: sandbox.url, timeout: 700, orders: true, maxOrdersPerDay: 10 },
      { id: 'c2', type: 'mstock-config', baseUrl: sandbox.url, timeout: 700 },
      ...[
        ['login1', 'mstock-login', 'c1'], ['otp1', 'mstock-otp', 'c1'],
        ['place1', 'mstock-order', 'c1', { action: 'place', name: placeName }], ['any1', 'mstock-order', 'c1', { action: 'msg' }],
        ['book1', 'mstock-orders', 'c1', { view: 'orders' }], ['trades1', 'mstock-orders', 'c1', { view: 'trades' }],
        ['positions1', 'mstock-portfolio', 'c1', { view: 'positions' }], ['holdings1', 'mstock-portfolio', 'c1', { view: 'holdings', output: 'raw' }],
        ['login2', 'mstock-login', 'c2'], ['otp2', 'mstock-otp', 'c2'], ['place2', 'mstock-order', 'c2', { action: 'place' }],
      ].map(([id, type, account, extra = {}]) => ({ id, type, z, account, ...extra, wires: [['out']] })),
      { id: 'catch1', type: 'catch', z, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'out', type: 'helper', z },
      { id: 'caught', type: 'helper', z },
    ];
    const credentials = { c1: creds, c2: { ...creds, totpSecret: secret.totpSecret } };
    const ids = flowNodes().filter((n) => n.type.startsWith('mstock-')).map((n) => n.id);
    const statuses = [];
    const logs = [];
    let out;
    let caught;
    const attach = () => {
      // what every deployed node said, kept across the redeploy
      for (const id of ids) {
        const node = helper.getNode(id);
        for (const level of ['log', 'warn', 'error', 'debug', 'trace']) {
          const original = node[level].bind(node);
          node[level] = (...args) => {
            logs.push({ id, level, args });
            return original(...args);
          };
        }
        const status = node.status.bind(node);
        node.status = (st) => {
          statuses.push({ id, status: st });
          return status(st);
        };
      }
      for (const id of ['out', 'caught']) helper.getNode(id).on('input', (m) => seen.push(m));
      out = collect(helper.getNode('out'));
      caught = collect(helper.getNode('caught'));
    };
    let n = 0;
    const send = async (id, msg) => {
      n += 1;
      const msgid = `order-secret-${n}`;
      helper.getNode(id).receive({ _msgid: msgid, ...msg });
      await until(() => out.some((m) => m._msgid === msgid) || caught.some((m) => m._msgid === msgid), 5000, `outcome of ${id}`);
      harvestTokens(sandbox.requests, tokens);
      return out.find((m) => m._msgid === msgid) ?? caught.find((m) => m._msgid === msgid);
    };
    const MARKET_BUY = { instrument: 'NSE:SBIN-EQ', transactiontype: 'BUY', ordertype: 'MARKET', quantity: 1, producttype: 'INTRADAY' };
    const codes = new Set();
    const order = async (id, msg) => {
      const result = await send(id, msg);
      codes.add(result.error ? result.error.code : 'success');
      return result;
    };
    try {
      await helper.load(allNodes, flowNodes(), credentials);
      attach();
      await send('login1', { payload: 'go' });
      await send('otp1', { payload: '123456' });
      await send('login2', { payload: 'go' });
      // the lot: a fill, an open limit order modified then cancelled, another cancelled with all the rest
      await order('place1', { payload: MARKET_BUY });
      const limit = (share) => (Math.round(sandbox.market.priceAt('3045', Date.now()) * share * 20) / 20).toFixed(2);
      const open = await order('place1', { payload: { ...MARKET_BUY, ordertype: 'LIMIT', price: limit(0.9), ordertag: 'secret-scan' } });
      await order('any1', { action: 'modify', payload: { orderid: open.payload.orderid, price: limit(0.91) } });
      await order('any1', { action: 'cancel', payload: { orderid: open.payload.orderid } });
      await order('place1', { payload: { ...MARKET_BUY, ordertype: 'LIMIT', price: limit(0.9) } });
      await order('any1', { action: 'cancel-all' });
      // every order code
      await order('place1', { payload: { ...MARKET_BUY, quantity: 0 } });
      await order('place2', { payload: MARKET_BUY });
      sandbox.setFault({ kind: 'rms-rejection', endpoints: ['placeOrder'], times: 1 });
      await order('place1', { payload: MARKET_BUY });
      await order('any1', { action: 'cancel', payload: { orderid: '1191241106101' } });
      for (const kind of ['late-answer', 'reset-after-read', 'bad-gateway-after', 'server-error']) {
        sandbox.setFault({ kind, endpoints: ['placeOrder'], times: 1, delayMs: 1200 });
        await order('place1', { payload: MARKET_BUY });
      }
      sandbox.setFault(undefined);
      // a full redeploy while a place call waits: the lost outcome goes to the log
      sandbox.setFault({ kind: 'late-answer', endpoints: ['placeOrder'], times: 1, delayMs: 600 });
      const placed = sandbox.calls.placeOrder;
      helper.getNode('place1').receive({ _msgid: 'in-flight', payload: MARKET_BUY });
      await until(() => sandbox.calls.placeOrder === placed + 1, 4000, 'the place call');
      await helper.setFlows(flowNodes('renamed'), 'full', credentials);
      attach();
      await sleep(1000);
      assert.ok(logs.some((l) => l.level === 'warn' && /may have reached mStock/.test(String(l.args[0]))), 'the lost outcome was logged');
      await order('place1', { payload: MARKET_BUY }); // the tenth
      await order('place1', { payload: MARKET_BUY }); // past the cap
      await send('any1', { action: 'cancel-all' });
      // the reads after the orders
      for (const id of ['book1', 'trades1', 'positions1', 'holdings1']) await send(id, { payload: 'after' });
      await sleep(1500);
      const runtimeLog = helper.log().args.map((a) => a[0]);
      harvestTokens(sandbox.requests, tokens);

      assert.deepEqual([...codes].sort(), ['MSTOCK_INVALID_INPUT', 'MSTOCK_ORDERS_DISABLED', 'MSTOCK_ORDER_REJECTED', 'MSTOCK_ORDER_UNCERTAIN', 'success'], 'every order code was produced');
      assert.ok(sandbox.calls.placeOrder >= 8 && sandbox.calls.modifyOrder === 1 && sandbox.calls.cancelOrder === 2 && sandbox.calls.cancelAll === 2, `the order calls: ${JSON.stringify(sandbox.calls)}`);
      const sessionTokens = [...tokens].filter((t) => t.split('.').length === 3);
      const loginTokens = [...tokens].filter((t) => t.split('.').length !== 3);
      assert.ok(sessionTokens.length >= 1 && loginTokens.length >= 1, `tokens harvested: ${loginTokens.length} login, ${sessionTokens.length} session`);
      const all = { ...secret };
      loginTokens.forEach((t, i) => (all[`login token ${i + 1}`] = t));
      sessionTokens.forEach((t, i) => (all[`session token ${i + 1}`] = t));
      const texts = {
        'messages (out, Catch)': dump(seen) + JSON.stringify(seen),
        'error messages and stacks': caught.map((m) => `${m.error.message}\n${m.error.stack}`).join('\n'),
        statuses: dump(statuses),
        'node log calls (log, warn, error, debug, trace)': dump(logs),
        'runtime log': dump(runtimeLog),
      };
      const hits = scan(texts, all);
      const scanned = Object.values(texts).reduce((a, t) => a + t.length, 0);
      record.row({
        fault: `orders: place, modify, cancel, cancel-all, ${[...codes].filter((c) => c !== 'success').join(', ')}, a node closed mid-call, then order book, trade book, positions, holdings: ${seen.length} msgs, ${statuses.length} statuses, ${logs.length + runtimeLog.length} log calls (${scanned} chars)`,
        node: 'mstock-order, mstock-orders, mstock-portfolio (test-helper runtime)',
        expected: `0 of ${Object.keys(all).length} secrets found`,
        observed: `${hits.length} hits`,
        pass: hits.length === 0,
      });
      assert.deepEqual(hits, [], 'a secret leaked');
      assert.deepEqual(guard.seen, []);
    } finally {
      await helper.unload();
      closeAllSessions();
      await sandbox.stop();
    }
  });

  /**
   * A broker that answers each call with `mode[endpoint]`: 'ok' (with the secrets it received
   * echoed in its success message), 'echo' (a failure quoting what it received) or 'echo-json' (a
   * failure quoting the raw JSON body it received).
   */
  async function echoBroker(issued) {
    const mode = { login: 'ok', sessionToken: 'ok', fundSummary: 'ok', logout: 'ok' };
    const routes = { '/openapi/typeb/connect/login': 'login', '/openapi/typeb/session/token': 'sessionToken', '/openapi/typeb/user/fundsummary': 'fundSummary', '/openapi/typeb/logout': 'logout' };
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const endpoint = routes[req.url];
        const body = text ? JSON.parse(text) : {};
        const key = req.headers['x-privatekey'];
        const auth = req.headers.authorization;
        const received = `clientcode ${body.clientcode}, password ${body.password}, refreshToken ${body.refreshToken}, otp ${body.otp}, X-PrivateKey ${key}, Authorization ${auth}`;
        const answer = (status, json) => {
          const out = JSON.stringify(json);
          res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
          res.end(out);
        };
        if (mode[endpoint] === 'echo') return answer(400, { status: 'false', message: `Rejected request (${received})`, errorcode: 'MA500', data: null });
        if (mode[endpoint] === 'echo-json') return answer(400, { status: 'false', message: `Rejected request body ${text}`, errorcode: 'MA500', data: null });
        switch (endpoint) {
          case 'login':
            return answer(200, { status: 'true', message: `OTP sent. Your reference is ${issued.loginToken} (${received})`, errorcode: '', data: { jwtToken: issued.loginToken, refreshToken: '', feedToken: '' } });
          case 'sessionToken':
            return answer(200, { status: 'true', message: `SUCCESS ${received}`, errorcode: '', data: { jwtToken: issued.sessionToken, refreshToken: 'r', feedToken: 'f', state: 'live' } });
          case 'fundSummary':
            return answer(200, { status: true, message: `SUCCESS ${received}`, errorcode: '', data: [{ SEG: 'A', AVAILABLE_BALANCE: '1.5' }] });
          default:
            return answer(200, { status: true, message: `Success ${received}`, errorcode: null, data: null });
        }
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, mode, url: `http://127.0.0.1:${server.address().port}` };
  }

  async function echoRun(password, modes) {
    const issued = { loginToken: crypto.randomUUID(), sessionToken: `eyJhbGciOiJIUzI1NiJ9.${hex(24)}.${hex(16)}` };
    const broker = await echoBroker(issued);
    const apiKey = `ECHOKEY-${hex(12)}`;
    const z = 'tab1';
    await helper.load(allNodes, [
      { id: z, type: 'tab' },
      { id: 'c1', type: 'mstock-config', baseUrl: broker.url, timeout: 2000 },
      { id: 'login1', type: 'mstock-login', z, account: 'c1', wires: [['out']] },
      { id: 'otp1', type: 'mstock-otp', z, account: 'c1', wires: [['out']] },
      { id: 'funds1', type: 'mstock-funds', z, account: 'c1', wires: [['out']] },
      { id: 'logout1', type: 'mstock-logout', z, account: 'c1', wires: [['out']] },
      { id: 'catch1', type: 'catch', z, scope: null, uncaught: false, wires: [['out']] },
      { id: 'out', type: 'helper', z },
    ], { c1: { apiKey, clientCode: 'ECHO1', password } });
    const rec = recordNodes(['c1', 'login1', 'otp1', 'funds1', 'logout1']);
    const out = collect(helper.getNode('out'));
    try {
      let n = 0;
      const send = async (id, payload) => {
        n += 1;
        const msgid = `echo-${n}`;
        helper.getNode(id).receive({ _msgid: msgid, payload });
        await until(() => out.some((m) => m._msgid === msgid), 4000, `outcome of ${id}`);
        return out.find((m) => m._msgid === msgid);
      };
      const results = [];
      for (const [endpoint, node, payload, before] of modes) {
        Object.keys(broker.mode).forEach((k) => (broker.mode[k] = 'ok'));
        if (before) await before(send);
        broker.mode[endpoint] = 'echo';
        results.push(await send(node, payload));
      }
      Object.keys(broker.mode).forEach((k) => (broker.mode[k] = 'ok'));
      // the success paths, whose broker messages also quote the secrets
      results.push(await send('login1', 'go'));
      results.push(await send('otp1', '123456'));
      results.push(await send('funds1', 'tick'));
      results.push(await send('logout1', 'bye'));
      const texts = { 'messages and errors': dump(out), statuses: dump(rec.statuses), 'node log calls': dump(rec.logs) };
      return { hits: scan(texts, { apiKey, password, 'login token': issued.loginToken, 'session token': issued.sessionToken }), out };
    } finally {
      await helper.unload();
      closeAllSessions();
      await new Promise((resolve) => broker.server.close(resolve));
    }
  }

  const loginFirst = async (send) => send('login1', 'go');
  const liveFirst = async (send) => {
    await send('login1', 'go');
    await send('otp1', '123456');
  };
  const ECHO_STEPS = [
    ['login', 'login1', 'go', null],
    ['sessionToken', 'otp1', '123456', loginFirst],
    ['fundSummary', 'funds1', 'tick', liveFirst],
    ['logout', 'logout1', 'bye', liveFirst],
  ];

  it('a broker that echoes the password, API key and tokens in its failure messages: all redacted', async function () {
    const { out } = await echoRun(`PASSWD-${hex(12)}`, ECHO_STEPS);
    const failures = out.filter((m) => m.error);
    // what the failures (and the statuses and logs) carry; the login success message is the next test
    const texts = { 'msg.error': dump(failures) };
    const leaked = failures.filter((m) => !/\[redacted\]/.test(m.error.message) || /ECHOKEY-|PASSWD-/.test(m.error.message));
    record.row({ fault: 'hostile broker echoing password, API key, login and session token in its failure answers', node: 'login, otp, funds, logout', expected: '0 hits', observed: `${leaked.length} hits`, pass: leaked.length === 0 });
    assert.equal(failures.length, 4, `the four echoed failures were produced: ${texts['msg.error']}`);
    assert.deepEqual(leaked.map((m) => m.error.message), [], 'a secret leaked');
  });

  it('a login token the broker quotes in its login success message is redacted from msg.payload.message', async function () {
    // The client redacts the password and API key from the login message, but not the login
    // token it has just been handed (src/api/client.ts, login(): redact(message, [password, apiKey])).
    // The contract: no message carries the login token.
    const { out } = await echoRun(`PASSWD-${hex(12)}`, []);
    const login = out[0];
    const leaked = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.test(login.payload.message);
    record.row({
      fault: 'broker quotes the login token in its login success message',
      node: 'mstock-login',
      expected: 'token redacted',
      observed: leaked ? 'token in msg.payload.message' : 'token redacted',
      note: leaked ? 'src/api/client.ts login(): the message is redacted for the password and API key only, not for data.jwtToken' : undefined,
    });
    assert.equal(leaked, false, `msg.payload.message: ${login.payload.message}`);
  });

  it('a password with quotes or backslashes, echoed inside the raw JSON request body, is redacted in its escaped form', async function () {
    // redact() (src/api/errors.ts) looks for the password as typed; inside JSON text a " or \ in it
    // is escaped, so the echoed form is not found and the rest of the password stays readable
    const password = `PW"\\${hex(12)}"\\x`;
    const steps = ECHO_STEPS.filter(([e]) => e === 'login');
    const run = await echoRunJson(password, steps);
    record.row({
      fault: 'hostile broker echoing the raw JSON request body (password with " and \\)',
      node: 'mstock-login',
      expected: '0 hits',
      observed: `${run.hits.length} hits`,
      pass: run.hits.length === 0,
      note: run.hits.length ? 'src/api/errors.ts redact(): matches the secret as typed only, not its JSON-escaped form' : undefined,
    });
    assert.deepEqual(run.hits, [], `the JSON-escaped password leaked: ${run.message}`);
  });

  async function echoRunJson(password, steps) {
    const issued = { loginToken: crypto.randomUUID(), sessionToken: `a.${hex(8)}.${hex(8)}` };
    const broker = await echoBroker(issued);
    const apiKey = `ECHOKEY-${hex(12)}`;
    const z = 'tab1';
    await helper.load(allNodes, [
      { id: z, type: 'tab' },
      { id: 'c1', type: 'mstock-config', baseUrl: broker.url, timeout: 2000 },
      { id: 'login1', type: 'mstock-login', z, account: 'c1', wires: [['out']] },
      { id: 'catch1', type: 'catch', z, scope: null, uncaught: false, wires: [['out']] },
      { id: 'out', type: 'helper', z },
    ], { c1: { apiKey, clientCode: 'ECHO1', password } });
    const out = collect(helper.getNode('out'));
    try {
      broker.mode.login = 'echo-json';
      helper.getNode('login1').receive({ payload: steps[0][2] });
      await until(() => out.length > 0, 4000, 'the refusal');
      const message = out[0].error ? out[0].error.message : '';
      const core = /[0-9a-f]{24}/.exec(password)[0];
      const hits = message.includes(core) ? ['password (core) in msg.error.message'] : [];
      return { hits, message };
    } finally {
      await helper.unload();
      closeAllSessions();
      await new Promise((resolve) => broker.server.close(resolve));
    }
  }
});
