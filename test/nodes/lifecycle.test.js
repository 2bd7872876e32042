'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { helper, sandboxPerTest, bearerOf, allNodes, sandboxCredentials, standardFlow, nextMessage, collect, until, lastStatus, recordNodes, SANDBOX_ACCOUNT, send, goLive } =
  require('./support');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');
const { manualClock } = require('../manual-clock');

describe('mStock nodes: session lifecycle', function () {
  let sandbox;
  let url;

  afterEach(function () {
    helper.settings({});
  });

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });



  it('a session made at 23:59:30 India time expires 30 s later, and mstock-session says so then', async function () {
    // 2026-11-25 23:59:30 in India
    const manual = manualClock(Date.UTC(2026, 10, 25, 23, 59, 30) - IST_OFFSET_MS);
    helper.settings({ mstockClock: manual });
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const live = await goLive(sandbox);
    assert.equal(live.payload.expiresAt, '2026-11-26T00:00:00.000+05:30');
    const midnightTimer = manual.pending().find((t) => t.ms === 30_000);
    assert.ok(midnightTimer, 'a timer is set for exactly 30 s');
    const events = collect(helper.getNode('events'));
    manual.advance(29_999);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.length, 0, 'still live a millisecond before midnight');
    assert.deepEqual(lastStatus('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
    manual.advance(1);
    await until(() => events.length > 0, 1000, 'the expiry event');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.length, 1, 'expired once, at midnight, without any message being sent');
    assert.equal(events[0].payload.state, 'expired');
    assert.equal(events[0].payload.previous, 'live');
    assert.equal(events[0].payload.reason, 'midnight');
    assert.equal(events[0].payload.at, '2026-11-25T18:30:00.000Z');
    for (const id of ['login1', 'otp1', 'funds1', 'logout1', 'session1']) {
      assert.deepEqual(lastStatus(id), { fill: 'red', shape: 'ring', text: 'session expired' }, id);
    }
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('funds1').receive({ payload: 'tick' });
    const msg = await caught;
    assert.equal(msg.error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.match(msg.error.message, /midnight India time/);
    assert.equal(sandbox.calls.fundSummary, undefined, 'the broker was not called');
  });

  it('a session is expired when used after midnight even if no timer fired', async function () {
    const manual = manualClock(Date.UTC(2026, 10, 25, 15, 0, 0) - IST_OFFSET_MS);
    helper.settings({ mstockClock: manual });
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    manual.dropTimers(); // as if the process had been suspended past midnight
    manual.now = () => Date.UTC(2026, 10, 26, 0, 0, 1) - IST_OFFSET_MS;
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('funds1').receive({});
    assert.equal((await caught).error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.equal(sandbox.calls.fundSummary, undefined);
  });

  it('an account with 30 funds and 30 order nodes: no "possible EventEmitter memory leak" warning', async function () {
    const warnings = [];
    const onWarning = (warning) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const flow = standardFlow(url);
      for (let i = 0; i < 30; i++) {
        flow.push({ id: `many-funds-${i}`, type: 'mstock-funds', z: 'tab1', account: 'c1', output: 'parsed', wires: [[]] });
        flow.push({ id: `many-order-${i}`, type: 'mstock-order', z: 'tab1', account: 'c1', action: 'place', wires: [[]] });
      }
      await helper.load(allNodes, flow, sandboxCredentials());
      await goLive(sandbox);
      // process warnings are emitted on the next tick
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a redeploy with the same credentials and URL keeps the live session', async function () {
    const flow = standardFlow(url);
    await helper.load(allNodes, flow, sandboxCredentials());
    await goLive(sandbox);
    await helper.unload();
    await helper.load(allNodes, flow, sandboxCredentials());
    assert.deepEqual(lastStatus('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
    const msg = await send('funds1');
    assert.equal(msg.payload[0].seg, 'A');
    assert.equal(sandbox.calls.login, 1, 'no new login was needed');
  });

  it('a redeploy with changed credentials drops the session', async function () {
    const flow = standardFlow(url);
    await helper.load(allNodes, flow, sandboxCredentials());
    await goLive(sandbox);
    await helper.unload();
    await helper.load(allNodes, flow, sandboxCredentials({ password: 'a-new-password' }));
    assert.deepEqual(lastStatus('funds1'), { fill: 'grey', shape: 'ring', text: 'logged out' });
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('funds1').receive({});
    assert.equal((await caught).error.code, 'MSTOCK_NOT_LOGGED_IN');
  });

  it('shows a yellow "requesting…" ring while a slow call is in flight, then the session again', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', delayMs: 600, endpoints: ['fundSummary'], times: 1 });
    const answer = send('funds1');
    await new Promise((r) => setTimeout(r, 350));
    assert.deepEqual(lastStatus('funds1'), { fill: 'yellow', shape: 'ring', text: 'requesting…' });
    await answer;
    assert.deepEqual(lastStatus('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
  });

  it('quick calls one after another do not flood the editor with status updates', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    const funds = helper.getNode('funds1');
    const before = funds.status.callCount;
    for (let i = 0; i < 20; i++) await send('funds1', { payload: i });
    assert.ok(funds.status.callCount - before <= 4, `${funds.status.callCount - before} status updates for 20 quick calls`);
    assert.deepEqual(lastStatus('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
  });

  it('a burst of 100 funds requests makes one upstream call and answers each message', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', delayMs: 100, endpoints: ['fundSummary'], times: 1 });
    const answers = collect(helper.getNode('out'));
    for (let i = 0; i < 100; i++) helper.getNode('funds1').receive({ _msgid: `burst-${i}`, payload: i, n: i });
    await until(() => answers.length === 100, 5000, '100 answers');
    assert.equal(sandbox.calls.fundSummary, 1);
    assert.deepEqual(answers.map((m) => m.n).sort((a, b) => a - b), [...Array(100).keys()]);
    assert.equal(new Set(answers.map((m) => m._msgid)).size, 100);
    answers[0].payload[0].availableBalance = -1;
    assert.equal(answers[1].payload[0].availableBalance, 180000.5, 'each message has its own copy');
  });

  it('closing the nodes during a call in flight is clean: no send, no unhandled rejection', async function () {
    const rejections = [];
    const onRejection = (reason) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      await helper.load(allNodes, standardFlow(url), sandboxCredentials());
      await goLive(sandbox);
      sandbox.setFault({ kind: 'slow', delayMs: 400, endpoints: ['fundSummary'] });
      const answers = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      helper.getNode('funds1').receive({ payload: 'tick' });
      await until(() => sandbox.calls.fundSummary === 1, 2000, 'the call to start');
      const started = Date.now();
      await helper.unload();
      assert.ok(Date.now() - started < 300, 'close did not wait for the slow answer');
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(answers.length, 0);
      assert.equal(caught.length, 0);
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('no secret reaches a msg, status, log line or error', async function () {
    const secrets = {
      apiKey: 'APIKEY-7f3a9c-distinct',
      password: 'PASSWORD-b81e-distinct',
      totpSecret: SANDBOX_ACCOUNT.totpSecret,
    };
    Object.assign(sandbox.account, { apiKey: secrets.apiKey, password: secrets.password });
    await helper.load(allNodes, standardFlow(url), { c1: { apiKey: secrets.apiKey, clientCode: 'SANDBOX1', password: secrets.password } });
    const record = recordNodes(['c1', 'login1', 'otp1', 'funds1', 'logout1', 'session1']);
    const seen = [];
    for (const id of ['out', 'caught', 'events']) helper.getNode(id).on('input', (m) => seen.push(m));
    await goLive(sandbox);
    await send('funds1');
    sandbox.setFault({ kind: 'status-false', times: 1 });
    helper.getNode('funds1').receive({ payload: 'fail once' });
    await until(() => seen.some((m) => m.error), 2000, 'the failure');
    const wrongOtp = nextMessage(helper.getNode('caught'));
    helper.getNode('otp1').receive({ payload: '999999' });
    await wrongOtp;
    await send('logout1');
    // the tokens the broker handed out during this test
    const tokens = sandbox.requests.flatMap((r) => {
      const auth = /^Bearer (.+)$/.exec(r.headers.authorization || '');
      const body = r.body ? JSON.parse(r.body) : {};
      return [auth && auth[1], body.refreshToken].filter(Boolean);
    });
    assert.ok(tokens.length >= 3, 'tokens were collected to scan for');
    const everything = JSON.stringify({ seen, statuses: record.statuses, logs: record.logs.map((l) => l.args.map(String)) });
    for (const secret of [secrets.apiKey, secrets.password, secrets.totpSecret, ...tokens]) {
      assert.ok(!everything.includes(secret), `a secret leaked: ${secret.slice(0, 6)}…`);
    }
    assert.ok(seen.length >= 5, 'the scan saw the messages');
  });
});

describe('mStock nodes: the session kept in a context store (opt-in)', function () {
  let sandbox;
  let url;

  before(function () {
    helper.settings({ contextStorage: { default: { module: 'memory' }, keep: { module: 'memory' } } });
  });

  after(function () {
    helper.settings({});
  });

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });


  const stored = () => helper.getNode('c1').context().get('mstockSession', 'keep');


  it('a live session is written to the named store, and logout removes it', async function () {
    await helper.load(allNodes, standardFlow(url, { configExtra: { store: 'keep' } }), sandboxCredentials());
    assert.equal(stored(), undefined);
    const live = await goLive(sandbox);
    const saved = stored();
    assert.equal(saved.version, 2);
    assert.equal(saved.sessionToken, undefined, 'the token is sealed, not kept in plain text');
    assert.equal(saved.expiresAt, Date.parse(live.payload.expiresAt));
    assert.match(saved.fingerprint, /^[0-9a-f]{64}$/);
    await send('logout1');
    assert.equal(stored(), undefined);
  });

  it('a session the broker ended is removed from the store', async function () {
    await helper.load(allNodes, standardFlow(url, { configExtra: { store: 'keep' } }), sandboxCredentials());
    await goLive(sandbox);
    sandbox.expireSessions();
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('funds1').receive({});
    assert.equal((await caught).error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.equal(stored(), undefined);
  });

  it('without a store named, nothing is written to any store', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    assert.equal(stored(), undefined);
    assert.equal(helper.getNode('c1').context().get('mstockSession'), undefined);
  });

  it('the stored session is sealed: neither the token nor a hash of the credentials in readable form (test/session/sealed-session.test.js tests the seal)', async function () {
    await helper.load(allNodes, standardFlow(url, { configExtra: { store: 'keep' } }), sandboxCredentials());
    await goLive(sandbox);
    await send('funds1');
    const token = bearerOf(sandbox.requests.find((r) => r.endpoint === 'fundSummary'));
    const text = JSON.stringify(stored());
    assert.equal(stored().version, 2);
    assert.ok(token && token.length > 20);
    assert.ok(!text.includes(token), 'no plain token');
    assert.ok(!text.includes(token.split('.')[1]), 'no part of the token');
    // the fingerprint version 0.1 wrote: an unsalted SHA-256 of the settings and every credential
    const legacy = crypto.createHash('sha256');
    for (const part of [url, 2000, SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password, undefined]) legacy.update(`${part ?? ''}\u0000`);
    assert.ok(!text.includes(legacy.digest('hex')), 'no unsalted hash of the credentials');
    for (const secret of [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password]) assert.ok(!text.includes(secret));
  });
});
