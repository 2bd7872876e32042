'use strict';
// Calls that overlap a change of session: what was in flight for one session never answers for
// the next, and every message says what really happened.
const assert = require('node:assert/strict');
const { helper, allNodes, sandboxCredentials, standardFlow, nextMessage, collect, until, send, failureOf, goLive, bearerOf, sandboxPerTest } = require('./support');

describe('mStock nodes: calls that overlap a logout, a new login or a second OTP', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  const load = () => helper.load(allNodes, standardFlow(url, { timeout: 6000 }), sandboxCredentials());

  it('a funds call made after logout and a new login is its own call, with the new session token', async function () {
    await load();
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', endpoints: ['fundSummary'], times: 1, delayMs: 1500 });
    const caught = nextMessage(helper.getNode('caught'), 5000);
    helper.getNode('funds1').receive({ payload: 'A' });
    await new Promise((r) => setTimeout(r, 100));
    await send('logout1');
    await goLive(sandbox);
    const second = await send('funds1', { which: 'B' });
    assert.equal(second.which, 'B');
    assert.equal(second.topic, 'mstock/funds');
    assert.ok(Array.isArray(second.payload) && second.payload.length > 0, 'B got the fund summary');
    const fundCalls = sandbox.requests.filter((r) => r.endpoint === 'fundSummary');
    assert.equal(fundCalls.length, 2, 'B made a call of its own');
    assert.notEqual(bearerOf(fundCalls[0]), bearerOf(fundCalls[1]), 'B used the new session token');
    const first = await caught;
    assert.equal(first.payload, 'A');
    assert.equal(first.error.code, 'MSTOCK_SESSION_EXPIRED', 'A was made with the ended session');
    assert.equal(helper.getNode('c1').session.state, 'live', "A's answer did not end the new session");
  });

  it('a funds call made after a new login while live is its own call, with the new session token', async function () {
    await load();
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', endpoints: ['fundSummary'], times: 1, delayMs: 1500 });
    const seen = collect(helper.getNode('out'));
    helper.getNode('funds1').receive({ which: 'A' });
    await new Promise((r) => setTimeout(r, 100));
    await goLive(sandbox);
    helper.getNode('funds1').receive({ which: 'B' });
    await until(() => seen.some((m) => m.which === 'B'), 5000, "B's answer");
    const fundCalls = sandbox.requests.filter((r) => r.endpoint === 'fundSummary');
    assert.equal(fundCalls.length, 2, 'B made a call of its own');
    assert.notEqual(bearerOf(fundCalls[0]), bearerOf(fundCalls[1]), 'B used the new session token');
    await until(() => seen.some((m) => m.which === 'A'), 5000, "A's answer");
  });

  it('identical funds calls within one session still share one broker call', async function () {
    await load();
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', endpoints: ['fundSummary'], times: 1, delayMs: 300 });
    const answers = [send('funds1', { payload: 1 })];
    await new Promise((r) => setTimeout(r, 50));
    helper.getNode('funds1').receive({ payload: 2 });
    await answers[0];
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sandbox.requests.filter((r) => r.endpoint === 'fundSummary').length, 1);
  });

  it('of two OTPs sent at once, the second is not sent and says the session is already live', async function () {
    await load();
    await send('login1');
    sandbox.setFault({ kind: 'slow', endpoints: ['sessionToken'], times: 1, delayMs: 300 });
    const live = send('otp1', { payload: sandbox.lastOtp });
    const caught = nextMessage(helper.getNode('caught'), 5000);
    helper.getNode('otp1').receive({ payload: sandbox.lastOtp, second: true });
    assert.equal((await live).payload.state, 'live');
    const loser = await caught;
    assert.equal(loser.second, true);
    assert.equal(loser.error.code, 'MSTOCK_NO_PENDING_LOGIN');
    assert.match(loser.error.message, /already live/);
    assert.doesNotMatch(loser.error.message, /still waiting/);
    assert.equal(sandbox.requests.filter((r) => r.endpoint === 'sessionToken').length, 1, 'the second code was not sent');
  });

  it('an OTP sent while live says the session is already live', async function () {
    await load();
    await goLive(sandbox);
    const msg = await failureOf('otp1', { payload: '123456' });
    assert.equal(msg.error.code, 'MSTOCK_NO_PENDING_LOGIN');
    assert.match(msg.error.message, /already live/);
  });

  it('a wrong OTP and a right one sent at once: the right one makes the session live', async function () {
    await load();
    await send('login1');
    const wrong = sandbox.lastOtp === '000000' ? '111111' : '000000';
    const caught = nextMessage(helper.getNode('caught'), 5000);
    helper.getNode('otp1').receive({ payload: wrong });
    const live = await send('otp1', { payload: sandbox.lastOtp });
    assert.equal(live.payload.state, 'live');
    const rejected = await caught;
    assert.equal(rejected.error.code, 'MSTOCK_OTP_REJECTED');
  });

  it('a logout while the OTP is checked closes the session mStock opened for it', async function () {
    await load();
    await send('login1');
    sandbox.setFault({ kind: 'slow', endpoints: ['sessionToken'], times: 1, delayMs: 500 });
    const caught = nextMessage(helper.getNode('caught'), 5000);
    helper.getNode('otp1').receive({ payload: sandbox.lastOtp });
    await new Promise((r) => setTimeout(r, 100));
    await send('logout1');
    const msg = await caught;
    assert.equal(msg.error.code, 'MSTOCK_NO_PENDING_LOGIN');
    assert.match(msg.error.message, /logged out/);
    const deadline = Date.now() + 3000;
    while (sandbox.liveSessionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sandbox.liveSessionCount, 0, "mStock's session was logged out too");
    assert.equal(sandbox.calls.logout, 1);
    assert.equal(helper.getNode('c1').session.state, 'logged-out');
  });
});
