'use strict';
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, standardFlow, nextMessage, collect, lastStatus, SANDBOX_ACCOUNT, send, failureOf, goLive } =
  require('./support');
const { nextIndiaMidnight, toIndiaIso } = require('../../dist/src/session/india-time');

describe('mStock nodes: the happy path against the sandbox', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });


  it('login answers the broker\'s message, reusing the incoming msg', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const next = nextMessage(helper.getNode('out'));
    helper.getNode('login1').receive({ _msgid: 'm-1', payload: 'go', dashboardUser: 'asha', topic: 'button' });
    const msg = await next;
    assert.equal(msg._msgid, 'm-1');
    assert.equal(msg.dashboardUser, 'asha');
    assert.equal(msg.topic, 'mstock/login');
    assert.deepEqual(Object.keys(msg.payload).sort(), ['message', 'state']);
    assert.equal(msg.payload.state, 'otp-sent');
    assert.match(msg.payload.message, /^Please enter the OTP that we sent on XXXXXXX452/);
    assert.equal(sandbox.calls.login, 1);
    assert.deepEqual(lastStatus('login1'), { fill: 'blue', shape: 'ring', text: 'waiting for OTP' });
  });

  it('the OTP makes a live session that ends at the next midnight in India', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const before = Date.now();
    const msg = await goLive(sandbox);
    assert.equal(msg.topic, 'mstock/session');
    assert.equal(msg.payload.state, 'live');
    assert.equal(msg.payload.expiresAt, toIndiaIso(nextIndiaMidnight(before)));
    assert.match(msg.payload.expiresAt, /^\d{4}-\d\d-\d\dT00:00:00\.000\+05:30$/);
    assert.equal(sandbox.calls.sessionToken, 1);
    for (const id of ['login1', 'otp1', 'funds1', 'logout1', 'session1']) {
      assert.deepEqual(lastStatus(id), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' }, id);
    }
  });

  it('the OTP may be a number or a string with white space around it', async function () {
    await helper.load(allNodes, standardFlow(url), { c1: { ...sandboxCredentials().c1 } });
    const out = helper.getNode('out');
    let next = nextMessage(out);
    helper.getNode('login1').receive({ payload: '' });
    await next;
    next = nextMessage(out);
    const otp = sandbox.lastOtp;
    helper.getNode('otp1').receive({ payload: otp.startsWith('0') ? `  ${otp}\n` : Number(otp) });
    assert.equal((await next).payload.state, 'live');
    assert.equal(JSON.parse(sandbox.requests.at(-1).body).otp, otp);
  });

  it('funds arrive parsed: lowerCamel keys, numbers, nulls and words', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    const next = nextMessage(helper.getNode('out'));
    helper.getNode('funds1').receive({ payload: 'tick', keep: 1 });
    const msg = await next;
    assert.equal(msg.topic, 'mstock/funds');
    assert.equal(msg.keep, 1);
    assert.ok(Array.isArray(msg.payload));
    assert.equal(msg.payload.length, 2);
    const [equity, commodity] = msg.payload;
    assert.equal(equity.availableBalance, 180000.5);
    assert.equal(equity.amountUtilized, 44999.5);
    assert.equal(equity.optBuyPrimiumUtilize, 0);
    assert.equal(equity.limitType, 'CAPITAL');
    assert.equal(equity.seg, 'A');
    assert.equal(equity.sumOfAll, 225000);
    assert.equal(commodity.additionalMargin, null);
    assert.equal(commodity.mtmCombined, null);
    assert.equal(commodity.availableBalance, 25000.5);
    assert.ok(!('AVAILABLE_BALANCE' in equity));
  });

  it('funds arrive raw when the node says so: the broker\'s data array untouched', async function () {
    await helper.load(allNodes, standardFlow(url, { fundsOutput: 'raw' }), sandboxCredentials());
    await goLive(sandbox);
    sandbox.setAvailableBalance('1234.50');
    const next = nextMessage(helper.getNode('out'));
    helper.getNode('funds1').receive({ payload: 'tick' });
    const msg = await next;
    assert.equal(msg.payload[0].AVAILABLE_BALANCE, '1234.50');
    assert.equal(msg.payload[1].ADDITIONAL_MARGIN, 'None');
    assert.equal(msg.payload[1].MTM_COMBINED, '');
  });

  it('logout ends the session on the broker and here', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    assert.equal(sandbox.liveSessionCount, 1);
    const next = nextMessage(helper.getNode('out'));
    helper.getNode('logout1').receive({ payload: 'bye', who: 'cron' });
    const msg = await next;
    assert.equal(msg.topic, 'mstock/logout');
    assert.deepEqual(msg.payload, { state: 'logged-out' });
    assert.equal(msg.who, 'cron');
    assert.equal(sandbox.calls.logout, 1);
    assert.equal(sandbox.liveSessionCount, 0);
    assert.deepEqual(lastStatus('funds1'), { fill: 'grey', shape: 'ring', text: 'logged out' });
  });

  it('logout with "no session is not an error" on: no session sends { state: "logged-out" }, with no error and no call', async function () {
    const flow = standardFlow(url);
    flow.find((n) => n.id === 'logout1').noSessionOk = true;
    await helper.load(allNodes, flow, sandboxCredentials());
    const caught = collect(helper.getNode('caught'));
    const events = collect(helper.getNode('events'));
    const msg = await send('logout1', { payload: 'after close', who: 'cron' });
    assert.equal(msg.topic, 'mstock/logout');
    assert.deepEqual(msg.payload, { state: 'logged-out' });
    assert.equal(msg.who, 'cron');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(caught, [], 'no error reaches the Catch node');
    assert.deepEqual(events, [], 'the session did not change');
    assert.deepEqual(sandbox.calls, {}, 'nothing was sent to mStock');
    assert.deepEqual(lastStatus('logout1'), { fill: 'grey', shape: 'ring', text: 'logged out' });

    // a live session is still ended on the broker
    await goLive(sandbox);
    assert.deepEqual((await send('logout1')).payload, { state: 'logged-out' });
    assert.equal(sandbox.calls.logout, 1);
    assert.equal(sandbox.liveSessionCount, 0);
  });

  it('logout with "no session is not an error" off (the default): no session is MSTOCK_NOT_LOGGED_IN and nothing is sent on', async function () {
    const flow = standardFlow(url);
    flow.find((n) => n.id === 'logout1').noSessionOk = false;
    await helper.load(allNodes, flow, sandboxCredentials());
    const out = collect(helper.getNode('out'));
    assert.equal((await failureOf('logout1')).error.code, 'MSTOCK_NOT_LOGGED_IN');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(out, [], 'no output');
    assert.deepEqual(lastStatus('logout1'), { fill: 'red', shape: 'ring', text: 'not logged in' });
  });

  it('an OTP node in totp mode sends the authenticator code to verifytotp', async function () {
    await helper.load(allNodes, standardFlow(url, { otpMode: 'totp' }), sandboxCredentials());
    const out = helper.getNode('out');
    let next = nextMessage(out);
    helper.getNode('login1').receive({ payload: 1 });
    await next;
    next = nextMessage(out);
    helper.getNode('otp1').receive({ payload: sandbox.currentTotp() });
    const msg = await next;
    assert.equal(msg.payload.state, 'live');
    assert.equal(sandbox.calls.verifyTotp, 1);
    assert.equal(sandbox.calls.sessionToken, undefined);
  });

  it('with a TOTP secret, login alone makes the session live', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials({ totpSecret: SANDBOX_ACCOUNT.totpSecret }));
    const next = nextMessage(helper.getNode('out'));
    helper.getNode('login1').receive({ payload: 'morning' });
    const msg = await next;
    assert.equal(msg.topic, 'mstock/session');
    assert.equal(msg.payload.state, 'live');
    assert.match(msg.payload.expiresAt, /T00:00:00\.000\+05:30$/);
    assert.equal(sandbox.calls.login, 1);
    assert.equal(sandbox.calls.verifyTotp, 1);
    const funds = nextMessage(helper.getNode('out'));
    helper.getNode('funds1').receive({});
    assert.equal((await funds).payload[0].seg, 'A');
  });

  it('the session node reports each change with previous state, time and reason', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const events = [];
    helper.getNode('events').on('input', (msg) => events.push(msg));
    await goLive(sandbox);
    const next = nextMessage(helper.getNode('out'));
    helper.getNode('logout1').receive({});
    await next;
    assert.deepEqual(
      events.map((m) => [m.topic, m.payload.state, m.payload.previous, m.payload.reason]),
      [
        ['mstock/session', 'otp-pending', 'logged-out', 'login'],
        ['mstock/session', 'live', 'otp-pending', 'otp'],
        ['mstock/session', 'logged-out', 'live', 'logout'],
      ],
    );
    for (const m of events) assert.ok(!Number.isNaN(Date.parse(m.payload.at)), m.payload.at);
  });

  it('the session node sends the current state at start only when asked to', async function () {
    const flow = standardFlow(url);
    flow.find((n) => n.id === 'session1').initial = true;
    const events = [];
    await helper.load(allNodes, flow, sandboxCredentials());
    helper.getNode('events').on('input', (msg) => events.push(msg));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(events.length, 1);
    assert.equal(events[0].topic, 'mstock/session');
    assert.equal(events[0].payload.state, 'logged-out');
    assert.equal(events[0].payload.previous, 'logged-out');
    assert.equal(events[0].payload.reason, 'start');
    assert.ok(!Number.isNaN(Date.parse(events[0].payload.at)));
  });

  it('the session node sends nothing at start by default', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const events = [];
    helper.getNode('events').on('input', (msg) => events.push(msg));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(events, []);
  });
});
