'use strict';
// A real Node-RED (4.1 on this Node.js) with the package installed from its packed tarball, console
// logging at trace level (test/e2e/harness.js). Two parts:
//   1. the secret scan: distinctive credentials and a TOTP secret through login, a wrong OTP, OTP,
//      TOTP, funds, faults, logout; then Node-RED's whole output, every status and debug event on
//      the editor's websocket, GET /flows and the files in the user directory (the encrypted
//      credentials file aside) are searched for the secrets and the tokens the sandbox issued;
//   2. redeploys and a stop in the middle of calls: no output from the old calls, no "Close timed
//      out", deploy and stop well within Node-RED's 15 s.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRed } = require('../e2e/harness');
const { Sandbox } = require('../../dist/src/sandbox/server');
const record = require('./record');

const secretsRecord = record.section('secrets');
const lifecycleRecord = record.section('lifecycle');

const hex = (n) => crypto.randomBytes(n).toString('hex');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const base32 = (n) => Array.from(crypto.randomBytes(n), (b) => BASE32[b % 32]).join('');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** "Stopped node <type>:<id> (N ms)" lines Node-RED logs at trace level, from `text`. */
function closeTimes(text) {
  return [...text.matchAll(/Stopped node ([\w-]+):([\w-]+) \((\d+)ms\)/g)].map((m) => ({ type: m[1], id: m[2], ms: Number(m[3]) }));
}

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

function scan(texts, secrets) {
  const hits = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [name, secret] of Object.entries(secrets)) {
      for (const [what, needle] of needles(name, secret)) if (text.includes(needle)) hits.push(`${what} in ${where}`);
    }
  }
  return hits;
}

function harvestTokens(requests, into) {
  for (const r of requests) {
    const auth = /^Bearer (.+)$/.exec(r.headers.authorization || '');
    if (auth) into.add(auth[1]);
    try {
      const body = r.body ? JSON.parse(r.body) : {};
      if (typeof body.refreshToken === 'string' && body.refreshToken) into.add(body.refreshToken);
    } catch {
      // not JSON
    }
  }
}

/** Every file of the user directory but the installed modules and the encrypted credentials. */
function userDirFiles(dir) {
  const out = {};
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(p);
      } else if (!/_cred\.json(\.backup)?$/.test(entry.name) && !/^\.flows_cred/.test(entry.name)) {
        out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
      }
    }
  };
  walk(dir);
  return out;
}

const T = 'rel-tab';
const inject = (id, name, payload, target) => ({
  id, type: 'inject', z: T, name, props: [{ p: 'payload' }], payload, payloadType: 'str', repeat: '', crontab: '', once: false, topic: '', x: 100, y: 40, wires: [[target]],
});
const injectJson = (id, name, payload, target) => ({ ...inject(id, name, JSON.stringify(payload), target), payloadType: 'json' });
const MARKET_BUY = { instrument: 'NSE:SBIN-EQ', transactiontype: 'BUY', ordertype: 'MARKET', quantity: 1, producttype: 'INTRADAY' };
const debug = (id, name) => ({ id, type: 'debug', z: T, name, active: true, tosidebar: true, console: true, tostatus: false, complete: 'true', targetType: 'full', x: 500, y: 40, wires: [] });

function flows(url, { timeout = 600, renamed = '' } = {}) {
  const node = (id, type, account, extra = {}) => ({ id, type, z: T, name: '', account, x: 300, y: 40, ...extra, wires: [['dbg-out']] });
  return [
    { id: T, type: 'tab', label: 'reliability' },
    { id: 'cfg-a', type: 'mstock-config', name: 'OTP account', baseUrl: url, timeout: String(timeout), orders: true, maxOrdersPerDay: '20' },
    { id: 'cfg-b', type: 'mstock-config', name: 'TOTP account', baseUrl: url, timeout: String(timeout) },
    { id: 'cfg-c', type: 'mstock-config', name: 'slow account', baseUrl: url, timeout: '10000' },
    inject('in-login-a', 'login A', 'go', 'login-a'),
    inject('in-otp-a', 'OTP A', '123456', 'otp-a'),
    inject('in-wrong-otp-a', 'wrong OTP A', '000000', 'otp-a'),
    inject('in-funds-a', 'funds A', 'tick', 'funds-a'),
    inject('in-logout-a', 'logout A', 'bye', 'logout-a'),
    inject('in-login-b', 'login B', 'go', 'login-b'),
    inject('in-funds-b', 'funds B', 'tick', 'funds-b'),
    inject('in-logout-b', 'logout B', 'bye', 'logout-b'),
    inject('in-login-c', 'login C', 'go', 'login-c'),
    injectJson('in-order-a', 'order A', MARKET_BUY, 'order-a'),
    injectJson('in-bad-order-a', 'bad order A', { ...MARKET_BUY, quantity: 0 }, 'order-a'),
    injectJson('in-order-c', 'order C (orders off)', MARKET_BUY, 'order-c'),
    inject('in-book-a', 'order book A', 'go', 'book-a'),
    inject('in-positions-a', 'positions A', 'go', 'positions-a'),
    node('login-a', 'mstock-login', 'cfg-a'),
    node('otp-a', 'mstock-otp', 'cfg-a', { mode: 'otp' }),
    node('funds-a', 'mstock-funds', 'cfg-a', { output: 'parsed', name: renamed }),
    node('logout-a', 'mstock-logout', 'cfg-a'),
    node('login-b', 'mstock-login', 'cfg-b'),
    node('funds-b', 'mstock-funds', 'cfg-b', { output: 'raw' }),
    node('logout-b', 'mstock-logout', 'cfg-b'),
    node('login-c', 'mstock-login', 'cfg-c'),
    node('order-a', 'mstock-order', 'cfg-a', { action: 'place' }),
    node('order-c', 'mstock-order', 'cfg-c', { action: 'place' }),
    node('book-a', 'mstock-orders', 'cfg-a', { view: 'orders', output: 'parsed' }),
    node('positions-a', 'mstock-portfolio', 'cfg-a', { view: 'positions', output: 'parsed' }),
    { id: 'session-a', type: 'mstock-session', z: T, account: 'cfg-a', x: 300, y: 400, wires: [['dbg-session']] },
    { id: 'session-b', type: 'mstock-session', z: T, account: 'cfg-b', x: 300, y: 440, wires: [['dbg-session']] },
    { id: 'catch-all', type: 'catch', z: T, scope: null, uncaught: false, x: 100, y: 480, wires: [['dbg-caught']] },
    debug('dbg-out', 'out'),
    debug('dbg-session', 'session'),
    debug('dbg-caught', 'caught'),
  ];
}

describe('reliability: a real Node-RED at trace level (installed from the packed tarball)', function () {
  this.timeout(120_000);
  let sandbox;
  let red;
  let comms;
  const secret = {
    apiKey: `APIKEY-${hex(12)}`,
    password: `PASSWD-${hex(12)}`,
    totpSecret: base32(32),
  };
  const clientCode = `CL${hex(6).toUpperCase()}`;
  const credentials = () => ({
    'cfg-a': { apiKey: secret.apiKey, clientCode, password: secret.password },
    'cfg-b': { apiKey: secret.apiKey, clientCode, password: secret.password, totpSecret: secret.totpSecret },
    'cfg-c': { apiKey: secret.apiKey, clientCode, password: secret.password },
  });
  const tokens = new Set();

  before(async function () {
    sandbox = new Sandbox({ fixedOtp: '123456' });
    Object.assign(sandbox.account, { apiKey: secret.apiKey, password: secret.password, totpSecret: secret.totpSecret, clientCode });
    await sandbox.start();
    red = new NodeRed({ flavour: 'nr4' });
    await red.start();
    const version = (re) => (re.exec(red.output) || [])[1];
    secretsRecord.figures({ realRuntime: { nodeRed: version(/Node-RED version: (v[\w.-]+)/), node: version(/Node\.js\s+version: (v[\w.-]+)/) } });
    await red.deploy(flows(sandbox.url), credentials());
    comms = await red.comms();
  });

  after(async function () {
    if (comms) comms.close();
    if (red) {
      await red.stop();
      red.cleanUp();
    }
    if (sandbox) await sandbox.stop();
  });

  /** Injects and resolves with the next debug event of `out` or `caught` after it. */
  async function press(injectId, ms = 5000) {
    const from = comms.events.length;
    await red.inject(injectId);
    const started = Date.now();
    for (;;) {
      const hit = comms.events.slice(from).find((e) => e.topic === 'debug' && (e.data.name === 'out' || e.data.name === 'caught'));
      if (hit) {
        harvestTokens(sandbox.requests, tokens);
        return hit;
      }
      if (Date.now() - started > ms) throw new Error(`no output after inject ${injectId}`);
      await sleep(10);
    }
  }

  /** A deploy through the Admin API, timed until Node-RED says the flows (or nodes) started again. */
  async function deploy(flowList, type) {
    const current = await red.getFlows();
    const from = red.output.length;
    const started = Date.now();
    await red.admin('POST', '/flows', { flows: flowList, rev: current.rev }, { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type });
    while (!/Started (modified )?(flows|nodes)/.test(red.output.slice(from))) {
      if (Date.now() - started > 15_000) throw new Error('the deploy did not finish');
      await sleep(5);
    }
    return { ms: Date.now() - started, output: red.output.slice(from) };
  }

  const isLive = async () => {
    sandbox.resetCounters();
    const hit = await press('in-funds-a');
    return hit.data.name === 'out';
  };

  it('secret scan: no API key, password, TOTP secret, login or session token in the output, websocket, GET /flows or files', async function () {
    assert.equal((await press('in-login-a')).data.name, 'out');
    assert.equal((await press('in-wrong-otp-a')).data.name, 'caught');
    assert.equal((await press('in-otp-a')).data.name, 'out');
    assert.equal((await press('in-funds-a')).data.name, 'out');
    // orders: one placed, one refused by the node, one by the RMS, one whose answer came too late,
    // one on the account with orders off; then the order book and the positions
    const orderCodes = [];
    const orderOutcome = async (injectId) => {
      const hit = await press(injectId, 8000);
      orderCodes.push(hit.data.name === 'out' ? 'success' : (/MSTOCK_[A-Z_]+/.exec(JSON.stringify(hit.data.msg)) || ['?'])[0]);
    };
    await orderOutcome('in-order-a');
    await orderOutcome('in-bad-order-a');
    sandbox.setFault({ kind: 'rms-rejection', endpoints: ['placeOrder'], times: 1 });
    await orderOutcome('in-order-a');
    sandbox.setFault({ kind: 'late-answer', endpoints: ['placeOrder'], times: 1, delayMs: 1200 });
    await orderOutcome('in-order-a');
    await orderOutcome('in-order-c');
    await sleep(800); // the late answer
    assert.deepEqual(orderCodes, ['success', 'MSTOCK_INVALID_INPUT', 'MSTOCK_ORDER_REJECTED', 'MSTOCK_ORDER_UNCERTAIN', 'MSTOCK_ORDERS_DISABLED']);
    assert.equal((await press('in-book-a')).data.name, 'out');
    assert.equal((await press('in-positions-a')).data.name, 'out');
    const kinds = ['status-false', 'status-error', 'status-False', 'server-error', 'rate-limit', 'html-502', 'truncated-json', 'empty-body', 'wrong-shape',
      'drop', 'reset-mid-body', 'api-key-suspended', 'slow', 'unauthorized'];
    for (const kind of kinds) {
      // a dropped read is sent once more on a new connection: drop that one too
      sandbox.setFault({ kind, endpoints: ['fundSummary'], times: kind === 'drop' ? 2 : 1, delayMs: 1200 });
      assert.equal((await press('in-funds-a')).data.name, 'caught', kind);
    }
    sandbox.setFault(undefined);
    // the 401 ended the session: log in again, then a logout the broker refuses (IA403)
    assert.equal((await press('in-login-a')).data.name, 'out');
    assert.equal((await press('in-otp-a')).data.name, 'out');
    sandbox.setFault({ kind: 'api-key-suspended', endpoints: ['logout'], times: 1 });
    assert.equal((await press('in-logout-a')).data.name, 'caught');
    // the TOTP account: login completes the session itself
    assert.equal((await press('in-login-b')).data.name, 'out');
    assert.equal((await press('in-funds-b')).data.name, 'out');
    assert.equal((await press('in-logout-b')).data.name, 'out');
    await sleep(300);

    const loginTokens = [...tokens].filter((t) => t.split('.').length !== 3);
    const sessionTokens = [...tokens].filter((t) => t.split('.').length === 3);
    assert.ok(loginTokens.length >= 2 && sessionTokens.length >= 2, `tokens harvested: ${loginTokens.length} login, ${sessionTokens.length} session`);
    const all = { ...secret };
    loginTokens.forEach((t, i) => (all[`login token ${i + 1}`] = t));
    sessionTokens.forEach((t, i) => (all[`session token ${i + 1}`] = t));

    const exported = JSON.stringify(await red.getFlows());
    assert.match(exported, /"type":"mstock-order"/, 'the exported flow has the order nodes');
    const files = userDirFiles(red.userDir);
    assert.ok(files['flows.json'], 'the flow file is there');
    const texts = {
      'Node-RED output (trace)': red.output,
      'websocket status and debug events': JSON.stringify(comms.events),
      'GET /flows': exported,
      ...Object.fromEntries(Object.entries(files).map(([name, text]) => [`file ${name}`, text])),
    };
    const hits = scan(texts, all);
    // the client code is a credential too: it must stay out of the exported flow and the files
    const codeHits = scan({ 'GET /flows': exported, ...Object.fromEntries(Object.entries(files).map(([n, t]) => [`file ${n}`, t])) }, { 'client code': clientCode });
    const debugCount = comms.debug().length;
    const statusCount = comms.events.filter((e) => e.topic.startsWith('status/')).length;
    assert.match(red.output, /\[trace\]/, 'trace logging was on');
    assert.match(red.output, /MSTOCK_SESSION_EXPIRED|session expired/i, 'the output holds the failures');
    secretsRecord.row({
      fault: `real Node-RED, orders included (placed, invalid, rejected, uncertain, orders off, then book and positions): ${red.output.length} chars of trace output, ${debugCount} debug + ${statusCount} status events, GET /flows, ${Object.keys(files).length} files`,
      node: 'all nodes (real runtime, trace logging)',
      expected: `0 of ${Object.keys(all).length + 1} secrets found`,
      observed: `${hits.length + codeHits.length} hits`,
      pass: hits.length + codeHits.length === 0,
    });
    assert.deepEqual([...hits, ...codeHits], [], 'a secret leaked');
    // the credentials file is encrypted
    const encrypted = fs.readFileSync(path.join(red.userDir, 'flows_cred.json'), 'utf8');
    assert.ok(!encrypted.includes(secret.password) && /"\$"/.test(encrypted), 'flows_cred.json is encrypted');
  });

  it('a full redeploy in the middle of calls: no output from the old calls, no "Close timed out", quick', async function () {
    if (!(await isLive())) {
      await press('in-login-a');
      await press('in-otp-a');
    }
    sandbox.setFault({ kind: 'slow', endpoints: ['fundSummary'], delayMs: 1500 });
    const calls = sandbox.calls.fundSummary ?? 0;
    for (let i = 0; i < 5; i++) await red.inject('in-funds-a');
    while ((sandbox.calls.fundSummary ?? 0) === calls) await sleep(5);
    const from = comms.events.length;
    const outputFrom = red.output.length;
    const { ms: deployMs } = await deploy(flows(sandbox.url, { renamed: 'renamed' }), 'full');
    sandbox.setFault(undefined);
    await sleep(1200); // the client gives up at 600 ms: anything the old calls would send comes now
    const after = comms.events.slice(from).filter((e) => e.topic === 'debug');
    const output = red.output.slice(outputFrom);
    const closes = closeTimes(output).filter((c) => c.type.startsWith('mstock-'));
    const slowest = Math.max(...closes.map((c) => c.ms));
    const pass = after.length === 0 && !/Close timed out|stopping-error/.test(output) && slowest < 1000;
    lifecycleRecord.row({ fault: 'full redeploy while 5 funds messages wait on a slow answer', node: 'all mstock nodes (real runtime)', expected: 'no send after close, close < 15 s', observed: `${after.length} sends after close; ${closes.length} closes, slowest ${slowest} ms; deploy ${deployMs} ms`, pass });
    assert.deepEqual(after.map((e) => e.data.msg), [], 'nothing reached a debug node from the old calls');
    assert.doesNotMatch(output, /Close timed out|stopping-error/);
    assert.ok(closes.length >= 10, `Node-RED logged the closes (${closes.length})`);
    assert.ok(slowest < 1000, `the slowest close took ${slowest} ms`);
    assert.ok(deployMs < 5000, `the redeploy took ${deployMs} ms`);
    // and the session survived the redeploy (same credentials): the next call works
    assert.equal(await isLive(), true);
  });

  it('a "modified nodes" deploy of the funds node in the middle of its call', async function () {
    sandbox.setFault({ kind: 'slow', endpoints: ['fundSummary'], delayMs: 1500 });
    const calls = sandbox.calls.fundSummary ?? 0;
    await red.inject('in-funds-a');
    while ((sandbox.calls.fundSummary ?? 0) === calls) await sleep(5);
    const from = comms.events.length;
    const { ms: deployMs, output } = await deploy(flows(sandbox.url, { renamed: 'renamed again' }), 'nodes');
    sandbox.setFault(undefined);
    await sleep(1200);
    const after = comms.events.slice(from).filter((e) => e.topic === 'debug');
    const closes = closeTimes(output);
    const pass = after.length === 0 && closes.length === 1 && closes[0].ms < 1000 && deployMs < 5000;
    lifecycleRecord.row({ fault: '"modified nodes" deploy of the funds node during its call', node: 'mstock-funds (real runtime)', expected: 'no send after close, close < 15 s', observed: `${after.length} sends after close; close ${closes.map((c) => c.ms).join(', ')} ms; deploy ${deployMs} ms`, pass });
    assert.deepEqual(after.map((e) => e.data.msg), []);
    assert.deepEqual(closes.map((c) => c.id), ['funds-a'], 'only the changed node was stopped');
    assert.ok(closes[0].ms < 1000, `its close took ${closes[0].ms} ms`);
    assert.ok(deployMs < 5000, `the deploy took ${deployMs} ms`);
    assert.equal(await isLive(), true);
  });

  it('stopping Node-RED (Ctrl+C) while calls are in flight: it exits well within 15 s', async function () {
    sandbox.setFault({ kind: 'slow', delayMs: 3000 });
    const calls = sandbox.calls.fundSummary ?? 0;
    await red.inject('in-funds-a');
    await red.inject('in-login-c');
    while ((sandbox.calls.fundSummary ?? 0) === calls) await sleep(5);
    comms.close();
    comms = undefined;
    const outputFrom = red.output.length;
    const stopMs = await red.stop();
    sandbox.setFault(undefined);
    const clean = !/Close timed out|stopping-error/.test(red.output);
    const closes = closeTimes(red.output.slice(outputFrom)).filter((c) => c.type.startsWith('mstock-'));
    lifecycleRecord.figures({ realRuntimeStopMs: stopMs, realRuntimeSlowestCloseMs: Math.max(0, ...closes.map((c) => c.ms)) });
    lifecycleRecord.row({ fault: 'Node-RED stopped (SIGINT) with a funds and a login call in flight', node: 'mstock-funds, mstock-login (real runtime)', expected: 'exit < 15 s', observed: `exit after ${stopMs} ms`, pass: stopMs < 15_000 && clean });
    assert.ok(stopMs < 3000, `Node-RED took ${stopMs} ms to stop`);
    assert.ok(clean, 'no close timed out');
    assert.equal(red.child.exitCode !== null || red.child.signalCode !== null, true);
  });
});
