'use strict';
// Faults, table-driven: every sandbox fault switch (plus a refused connection and a host name
// that never resolves) against every node that calls the broker, in a real Node-RED runtime
// (node-red-node-test-helper) talking HTTP to the embedded sandbox on 127.0.0.1.
//
// Each row checks: the documented code, a message a person can act on (with the broker's own
// words where it gave some), a red status with the code's short text, the original msg kept,
// exactly one outcome, no automatic retry, the session state the contract asks for, no unhandled
// rejection, and that the next good call through the same node works.
const assert = require('node:assert/strict');
const {
  helper, allNodes, SANDBOX_ACCOUNT, STATUS_TEXT, credentialsFor, flow, collect, sleep, until, lastStatus,
  OTP,
  sandboxAndGuardPerTest,
} = require('./support');
const record = require('./record').section('faults');

const TARGETS = {
  login: { node: 'login1', endpoint: 'login', label: 'mstock-login' },
  otp: { node: 'otp1', endpoint: 'sessionToken', label: 'mstock-otp (otp)', otpMode: 'otp' },
  totp: { node: 'otp1', endpoint: 'verifyTotp', label: 'mstock-otp (totp)', otpMode: 'totp' },
  funds: { node: 'funds1', endpoint: 'fundSummary', label: 'mstock-funds' },
  logout: { node: 'logout1', endpoint: 'logout', label: 'mstock-logout' },
};

const BROKER_FAILURE = /\(MA500\): Something went wrong\. Please try again\./;
const byTarget = (codes) => (t) => codes[t] ?? codes.other;

/** The table. `expect(target)` is the documented code, or 'success'. `words` what the message must say (or a function of the target giving it). */
const FAULTS = [
  {
    fault: 'timeout (answer after 1500 ms, timeout 300 ms)',
    set: { kind: 'slow', delayMs: 1500 },
    timeout: 300,
    expect: () => 'MSTOCK_TIMEOUT',
    words: [/did not answer within 300 ms/, /raise the timeout/],
  },
  { fault: 'slow answer within the timeout (150 ms of 2000 ms)', set: { kind: 'slow', delayMs: 150 }, expect: () => 'success' },
  { fault: 'connection refused', special: 'refused', expect: () => 'MSTOCK_NETWORK', words: [/the connection was refused \(ECONNREFUSED\)/, /Check the network/] },
  { fault: 'connection reset in the middle of the body', set: { kind: 'reset-mid-body' }, expect: () => 'MSTOCK_NETWORK', words: [/Could not reach mStock/, /Check the network/] },
  // a read that lost a kept-alive connection before any byte of the answer is sent once more, on a
  // new connection; nothing else is
  {
    fault: 'connection dropped without an answer, once',
    set: { kind: 'drop' },
    expect: byTarget({ funds: 'success', other: 'MSTOCK_NETWORK' }),
    calls: byTarget({ funds: 2, other: 1 }),
    words: [/Could not reach mStock/, /Check the network/],
  },
  {
    fault: 'connection dropped without an answer, twice',
    set: { kind: 'drop' },
    times: 2,
    expect: () => 'MSTOCK_NETWORK',
    calls: byTarget({ funds: 2, other: 1 }),
    words: [/Could not reach mStock/, /Check the network/],
  },
  { fault: 'HTML 502 page', set: { kind: 'html-502' }, expect: () => 'MSTOCK_BAD_RESPONSE', words: [/HTTP 502 and an HTML page/, /try again later/] },
  { fault: 'HTML 503 page', set: { kind: 'html-503' }, expect: () => 'MSTOCK_BAD_RESPONSE', words: [/HTTP 503 and an HTML page/, /try again later/] },
  { fault: 'truncated JSON (HTTP 200)', set: { kind: 'truncated-json' }, expect: () => 'MSTOCK_BAD_RESPONSE', words: [/HTTP 200 and a body that is not valid JSON/] },
  { fault: 'empty body (HTTP 200)', set: { kind: 'empty-body' }, expect: () => 'MSTOCK_BAD_RESPONSE', words: [/HTTP 200 and an empty body/] },
  {
    fault: 'JSON of the wrong shape (status true, data a string)',
    set: { kind: 'wrong-shape' },
    // logout reads no data: a success is a success
    expect: byTarget({ logout: 'success', other: 'MSTOCK_BAD_RESPONSE' }),
    words: byTarget({ funds: [/The fund summary answer had no data array\./], other: [/mStock reported success for .* but sent no data object\./] }),
  },
  ...['false', 'error', 'False'].map((status) => ({
    fault: `HTTP 200 with status "${status}" (MA500)`,
    set: { kind: `status-${status}` },
    expect: byTarget({ login: 'MSTOCK_AUTH_FAILED', otp: 'MSTOCK_OTP_REJECTED', totp: 'MSTOCK_OTP_REJECTED', other: 'MSTOCK_SERVER_ERROR' }),
    words: [BROKER_FAILURE],
  })),
  { fault: 'HTTP 500 with an MA code', set: { kind: 'server-error' }, expect: () => 'MSTOCK_SERVER_ERROR', words: [BROKER_FAILURE] },
  {
    fault: 'HTTP 401 IA401',
    set: { kind: 'unauthorized' },
    // the contract: a session the broker already ended counts as logged out
    expect: byTarget({ logout: 'success', other: 'MSTOCK_SESSION_EXPIRED' }),
    words: [/\(IA401\): Invalid request\. Please try again\./, /Log in again/],
  },
  {
    fault: 'API key suspended (HTTP 403 IA403 on logout, 403/400 elsewhere)',
    set: { kind: 'api-key-suspended' },
    expect: () => 'MSTOCK_API_KEY_INVALID',
    words: [/API is suspended\/expired for use/, /Check the API key/],
  },
  { fault: 'HTTP 429', set: { kind: 'rate-limit' }, expect: () => 'MSTOCK_RATE_LIMITED', words: [/Too many requests/, /less often/] },
];

/** The session state each node leaves behind, by outcome (the product contract's Session section). */
function stateAfter(target, outcome) {
  switch (target) {
    case 'login':
      return outcome === 'success' ? 'otp-pending' : 'logged-out';
    case 'otp':
    case 'totp':
      return outcome === 'success' ? 'live' : 'otp-pending';
    case 'funds':
      return outcome === 'MSTOCK_SESSION_EXPIRED' ? 'expired' : 'live';
    default:
      return 'logged-out';
  }
}

/** The session events the faulted message causes. */
function eventsAfter(target, outcome) {
  if (target === 'login') return outcome === 'success' ? ['otp-pending'] : [];
  if (target === 'otp' || target === 'totp') return outcome === 'success' ? ['live'] : [];
  if (target === 'funds') return outcome === 'MSTOCK_SESSION_EXPIRED' ? ['expired'] : [];
  return ['logged-out'];
}

describe('reliability: faults through the nodes, one row per fault and node', function () {
  this.timeout(20_000);
  let sandbox;
  let options;
  let guard;
  let out;
  let caught;
  let events;
  let seq = 0;

  sandboxAndGuardPerTest((set) => ({ sandbox, options, guard } = set));

  async function boot({ otpMode = 'otp', timeout = 2000, extra = [], credentials = {} } = {}) {
    await helper.load(allNodes, flow(sandbox.url, { otpMode, timeout, extra }), { c1: credentialsFor(SANDBOX_ACCOUNT), ...credentials });
    out = collect(helper.getNode('out'));
    caught = collect(helper.getNode('caught'));
    events = collect(helper.getNode('events'));
  }

  /** Sends msg to node id and resolves with its single outcome: { kind: 'out'|'caught', msg }. */
  async function outcomeOf(id, payload, ms = 5000, settle = 30) {
    seq += 1;
    const msgid = `reliability-${seq}`;
    const msg = { _msgid: msgid, payload, tag: 'kept' };
    helper.getNode(id).receive(msg);
    await until(() => out.some((m) => m._msgid === msgid) || caught.some((m) => m._msgid === msgid), ms, `an outcome of ${id}`);
    await sleep(settle); // a second outcome would show up here
    const outs = out.filter((m) => m._msgid === msgid);
    const errs = caught.filter((m) => m._msgid === msgid);
    assert.equal(outs.length + errs.length, 1, `exactly one outcome for one msg (outputs ${outs.length}, catches ${errs.length})`);
    return outs.length ? { kind: 'out', msg: outs[0], msgid } : { kind: 'caught', msg: errs[0], msgid };
  }

  const codeFor = (target) => (target === 'totp' ? sandbox.currentTotp() : OTP);

  async function ok(id, payload) {
    const result = await outcomeOf(id, payload, 5000, 0);
    assert.equal(result.kind, 'out', `expected ${id} to succeed, got ${result.msg.error && result.msg.error.message}`);
    return result.msg;
  }

  async function prepare(target) {
    if (target === 'login') return;
    await ok('login1', 'go');
    if (target === 'otp' || target === 'totp') return;
    await ok('otp1', OTP);
  }

  /** The next good call through the same node. */
  async function recover(target) {
    const session = helper.getNode('c1').session;
    if (target === 'login') {
      assert.equal((await ok('login1', 'again')).payload.state, 'otp-sent');
      assert.deepEqual(lastStatus('login1'), { fill: 'blue', shape: 'ring', text: 'waiting for OTP' });
    } else if (target === 'otp' || target === 'totp') {
      // after a failure the pending login survives: the same login token takes the right code now
      const pending = session.state === 'otp-pending';
      if (!pending) await ok('login1', 'again');
      const logins = sandbox.calls.login;
      assert.equal((await ok('otp1', codeFor(target))).payload.state, 'live');
      assert.equal(sandbox.calls.login, logins, 'no new login was needed');
      assert.equal(lastStatus('otp1').fill, 'green');
    } else if (target === 'funds') {
      if (session.state !== 'live') await prepare('funds');
      const msg = await ok('funds1', 'again');
      assert.equal(msg.payload[0].seg, 'A');
      assert.equal(lastStatus('funds1').fill, 'green');
    } else {
      await prepare('logout');
      assert.deepEqual((await ok('logout1', 'again')).payload, { state: 'logged-out' });
      assert.deepEqual(lastStatus('logout1'), { fill: 'grey', shape: 'ring', text: 'logged out' });
    }
  }

  for (const f of FAULTS) {
    for (const [target, t] of Object.entries(TARGETS)) {
      const expected = f.expect(target);
      it(`${f.fault} → ${t.label}: ${expected}`, async function () {
        await boot({ otpMode: t.otpMode, timeout: f.timeout });
        await prepare(target);
        const callsBefore = sandbox.calls[t.endpoint] ?? 0;
        const eventsBefore = events.length;
        const port = sandbox.port;
        if (f.special === 'refused') {
          await sandbox.stop();
          await sleep(100); // let the client see its kept-alive connections close
        } else sandbox.setFault({ ...f.set, endpoints: [t.endpoint], times: f.times ?? 1 });

        const payload = target === 'otp' || target === 'totp' ? codeFor(target) : 'tick';
        const started = Date.now();
        const result = await outcomeOf(t.node, payload);
        const elapsed = Date.now() - started;
        const observed = result.kind === 'out' ? 'success' : result.msg.error && result.msg.error.code;
        record.row({ fault: f.fault, node: t.label, expected, observed });

        assert.equal(observed, expected, `message: ${result.msg.error && result.msg.error.message}`);
        assert.equal(result.msg._msgid, result.msgid, 'the msg keeps its _msgid');
        assert.equal(result.msg.tag, 'kept', 'the user\'s own properties survive');
        if (expected === 'success') {
          assert.notEqual(lastStatus(t.node).fill, 'red');
        } else {
          const { message, source } = result.msg.error;
          assert.equal(typeof message, 'string');
          const words = typeof f.words === 'function' ? f.words(target) : f.words;
          for (const pattern of words ?? []) assert.match(message, pattern);
          assert.match(message, /[.!?]$/, 'a whole sentence');
          assert.doesNotMatch(message, /undefined|\[object |null\b/, 'no placeholder words');
          assert.ok(message.length < 600, `short enough to read (${message.length} chars)`);
          if (target === 'logout') assert.match(message, /^Logged out here, but mStock's logout call failed: /);
          assert.equal(source.id, t.node, 'the Catch node names the node');
          assert.deepEqual(lastStatus(t.node), { fill: 'red', shape: 'ring', text: STATUS_TEXT[expected] });
        }
        if (f.special !== 'refused') {
          const calls = f.calls ? f.calls(target) : 1;
          assert.equal((sandbox.calls[t.endpoint] ?? 0) - callsBefore, calls, calls === 1 ? 'one upstream call: nothing was retried' : 'sent once more, once');
        }
        if (expected === 'MSTOCK_TIMEOUT') assert.ok(elapsed < 1200, `gave up at the timeout (${elapsed} ms)`);
        assert.equal(helper.getNode('c1').session.state, stateAfter(target, expected), 'session state');
        assert.deepEqual(events.slice(eventsBefore).map((m) => m.payload.state), eventsAfter(target, expected), 'session events');

        // Node-RED carries on: the flow is still deployed with every node in it
        assert.ok(helper._redNodes.getFlows(), 'flows still deployed');
        for (const id of ['c1', 'login1', 'otp1', 'funds1', 'logout1', 'session1', 'catch1', 'out']) assert.ok(helper.getNode(id), `${id} still running`);

        if (f.special === 'refused') {
          options.port = port; // the same sandbox (its pending logins and sessions) back on the same port
          await sandbox.start();
        }
        sandbox.setFault(undefined);
        await recover(target);
        assert.deepEqual(guard.seen, [], 'no unhandled rejection or uncaught exception');
      });
    }
  }

  it('a host name that never resolves (https://mstock-nonexistent.invalid) → mstock-login: MSTOCK_NETWORK', async function () {
    // .invalid never resolves (RFC 6761). The account's timeout is longer than a resolver that
    // does not answer takes to give up (glibc: 2 tries of 5 s), so the failure is the lookup's.
    this.timeout(40_000);
    const extra = [
      { id: 'c2', type: 'mstock-config', name: 'nowhere', baseUrl: 'https://mstock-nonexistent.invalid', timeout: 25_000 },
      { id: 'login2', type: 'mstock-login', account: 'c2', wires: [['out']] },
    ];
    await boot({ extra, credentials: { c2: credentialsFor(SANDBOX_ACCOUNT) } });
    const result = await outcomeOf('login2', 'go', 30_000);
    const observed = result.kind === 'out' ? 'success' : result.msg.error.code;
    record.row({ fault: 'host name that never resolves (.invalid)', node: 'mstock-login', expected: 'MSTOCK_NETWORK', observed });
    assert.equal(observed, 'MSTOCK_NETWORK', result.msg.error && result.msg.error.message);
    assert.match(result.msg.error.message, /^Could not reach mStock at mstock-nonexistent\.invalid: the host name could not be resolved.*\((ENOTFOUND|EAI_AGAIN)\)\. Check the network and the API URL on the account node\.$/);
    assert.deepEqual(lastStatus('login2'), { fill: 'red', shape: 'ring', text: STATUS_TEXT.MSTOCK_NETWORK });
    assert.equal(sandbox.calls.login, undefined, 'nothing reached the sandbox');
    // the runtime and the other account carry on
    await recover('login');
    assert.deepEqual(guard.seen, []);
  });
});
