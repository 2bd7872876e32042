'use strict';
// mstock-candles against the sandbox, the runtime and the sandbox on one manual clock: the
// account's limiter spaces the candle calls a second apart on that clock, and the test moves it
// on, so a fetch of 29 calls takes no 29 real seconds.
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, candlesFlow, collect, until, recordNodes, lastStatus, goLive } = require('./support');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');
const { manualClock } = require('../manual-clock');
const CATALOGUE = require('../../nodes/locales/en-US/mstock-candles.json');

// Thursday 2026-01-15, 12:00 India time: a trading day, the market open
const NOW = Date.UTC(2026, 0, 15, 12, 0) - IST_OFFSET_MS;
const INDIA_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/;

describe('mStock nodes: mstock-candles', function () {
  let sandbox;
  let url;
  let clock;

  sandboxPerTest(
    (s, u) => {
      sandbox = s;
      url = u;
    },
    () => {
      clock = manualClock(NOW);
      helper.settings({ mstockClock: clock });
      return { clock };
    },
  );

  afterEach(function () {
    helper.settings({});
  });

  async function start(candles = {}) {
    // the instrument master's download takes a while on a busy machine
    await helper.load(allNodes, candlesFlow(url, candles, { timeout: 15_000 }), sandboxCredentials());
    await goLive(sandbox);
  }

  const historicalBodies = () => sandbox.requests.filter((r) => r.endpoint === 'historical').map((r) => JSON.parse(r.body));

  /**
   * Sends `payload` to candles1 and moves the clock on in steps while real time lets the calls
   * go, until the message comes out or fails. Notes when each historical call reached the
   * sandbox, on the clock (the clock stands still between steps, so that is exact).
   * `onCall(n)` runs when the sandbox has seen n historical calls, before the clock moves on.
   */
  async function fetchWithClock(msg, { onCall = () => {}, stepMs = 250, realMs = 20_000 } = {}) {
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    const arrivals = [];
    helper.getNode('candles1').receive(msg);
    const began = Date.now();
    while (out.length + caught.length === 0) {
      if (Date.now() - began > realMs) throw new Error(`no answer after ${arrivals.length} historical calls`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      while (arrivals.length < (sandbox.calls.historical ?? 0)) {
        arrivals.push(clock.now());
        await onCall(arrivals.length);
      }
      clock.advance(stepMs);
    }
    return { msg: out[0], error: caught[0] && caught[0].error, out, caught, arrivals };
  }

  /** Sends a message that is refused at once; resolves with msg.error. */
  async function refusal(msg) {
    const { error, out } = await fetchWithClock(msg);
    assert.equal(out.length, 0, 'nothing came out');
    assert.ok(error, 'the message failed');
    return error;
  }

  it('a year of 5-minute candles: 29 calls a second apart on the clock, ≈18,500 candles oldest first, no duplicates, no 429, the progress in the status', async function () {
    this.timeout(60_000);
    await start();
    const record = recordNodes(['candles1']);
    const { msg, error, arrivals } = await fetchWithClock({
      payload: { instrument: 'NSE:SBIN-EQ', interval: 'FIVE_MINUTE', from: '2025-01-01', to: '2025-12-31' },
    });
    assert.equal(error, undefined, error && error.message);
    assert.equal(msg.topic, 'mstock/candles');
    const candles = msg.payload;
    // 2025: 261 weekdays, 14 of them the sandbox's exchange holidays; 75 five-minute candles a session
    assert.equal(candles.length, 247 * 75);
    assert.deepEqual(candles[0], { ...candles[0], time: '2025-01-01T09:15:00+05:30' });
    assert.equal(candles.at(-1).time, '2025-12-31T15:25:00+05:30');
    const times = candles.map((c) => c.time);
    assert.ok(times.every((t) => INDIA_TIME.test(t)), 'every time is ISO with +05:30');
    assert.equal(new Set(times).size, times.length, 'no duplicates');
    const instants = times.map((t) => Date.parse(t));
    assert.ok(instants.every((t, i) => i === 0 || t > instants[i - 1]), 'oldest first');
    for (const key of ['open', 'high', 'low', 'close', 'volume']) assert.equal(typeof candles[100][key], 'number', key);

    assert.equal(sandbox.calls.historical, 29);
    assert.equal(sandbox.limits.refused.data, 0, 'no call was answered 429');
    const bodies = historicalBodies();
    assert.deepEqual(bodies[0], { exchange: 'NSE', symboltoken: '3045', interval: 'FIVE_MINUTE', fromdate: '2025-01-01 00:00', todate: '2025-01-14 00:00' });
    assert.equal(bodies.at(-1).todate, '2025-12-31 23:59');
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]);
    assert.ok(Math.min(...gaps) >= 1000, `calls at least a second apart on the clock, the closest ${Math.min(...gaps)} ms`);

    const texts = record.statuses.candles1.map((s) => s.text);
    const progress = texts.filter((t) => /^candles \d+\/29$/.test(t));
    assert.deepEqual(progress, Array.from({ length: 29 }, (_, i) => `candles ${i + 1}/29`));
    assert.deepEqual(record.statuses.candles1.find((s) => s.text === 'candles 3/29'), { fill: 'yellow', shape: 'ring', text: 'candles 3/29' });
    assert.deepEqual(record.statuses.candles1.at(-1), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
  });

  it('closed in the middle, with the next call waiting for its turn: no further historical call, nothing sent on', async function () {
    await start();
    const node = helper.getNode('candles1');
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    node.receive({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2025-06-02', to: '2025-06-30' } });
    while ((sandbox.calls.historical ?? 0) < 3) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      clock.advance(250);
    }
    // the third answer comes in and the fourth call waits in the limiter, the clock standing still
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(sandbox.calls.historical, 3);
    await node.close();
    for (let i = 0; i < 40; i += 1) {
      clock.advance(500);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(sandbox.calls.historical, 3, 'no call after the close');
    assert.equal(out.length, 0, 'nothing sent on');
    assert.equal(caught.length, 0, 'no error reported after the close');
  });

  it('closed while a call is in flight: its answer is dropped, no further call, nothing sent on', async function () {
    await start();
    const node = helper.getNode('candles1');
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    node.receive({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2025-06-02', to: '2025-06-30' } });
    while ((sandbox.calls.historical ?? 0) < 2) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if ((sandbox.calls.historical ?? 0) === 1) sandbox.setFault({ kind: 'slow', delayMs: 300, endpoints: ['historical'], times: 1 });
      clock.advance(250);
    }
    await node.close();
    for (let i = 0; i < 40; i += 1) {
      clock.advance(500);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(sandbox.calls.historical, 2, 'no call after the close');
    assert.equal(out.length, 0, 'nothing sent on');
    assert.equal(caught.length, 0, 'no error reported after the close');
  });

  it('calls that meet at a market minute: the candle there comes once', async function () {
    await start();
    const { msg, error } = await fetchWithClock({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2025-06-02 09:15', to: '2025-06-05 15:29' } });
    assert.equal(error, undefined, error && error.message);
    assert.deepEqual(historicalBodies().map((b) => [b.fromdate, b.todate]), [['2025-06-02 09:15', '2025-06-04 09:15'], ['2025-06-04 09:15', '2025-06-05 15:29']]);
    const times = msg.payload.map((c) => c.time);
    assert.equal(times.filter((t) => t === '2025-06-04T09:15:00+05:30').length, 1);
    assert.equal(times.length, 4 * 375);
  });

  it('a failed call fails the message with its code, the broker\'s words and which call it was; no candles, no further call', async function () {
    await start();
    const { error, out, arrivals } = await fetchWithClock(
      { payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2025-06-02', to: '2025-06-11' } },
      { onCall: (n) => n === 3 && sandbox.setFault({ kind: 'status-false', endpoints: ['historical'], times: 1 }) },
    );
    assert.equal(out.length, 0);
    assert.equal(error.code, 'MSTOCK_SERVER_ERROR');
    assert.match(error.message, /Something went wrong\. Please try again/);
    assert.match(error.message, /call 4 of 5/);
    assert.equal(arrivals.length, 4, 'the fifth call was not sent');
    assert.deepEqual(lastStatus('candles1'), { fill: 'red', shape: 'ring', text: 'server error' });
  });

  it('without from: today\'s candles from the intraday call, with the numeric exchange "1" and the token on the wire', async function () {
    await start();
    // the clock stands still: the sandbox answers up to 12:00:00, the node's now
    const { msg, error } = await fetchWithClock({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'FIVE_MINUTE' } }, { stepMs: 0 });
    assert.equal(error, undefined, error && error.message);
    const intraday = sandbox.requests.filter((r) => r.endpoint === 'intraday');
    assert.equal(intraday.length, 1);
    assert.deepEqual(JSON.parse(intraday[0].body), { exchange: '1', symboltoken: '3045', interval: 'FIVE_MINUTE' });
    assert.equal(sandbox.calls.historical, undefined);
    // 09:15 to 11:55 by five minutes, the last one still running at 12:00
    assert.equal(msg.payload.length, 33);
    assert.equal(msg.payload[0].time, '2026-01-15T09:15:00+05:30');
    assert.equal(msg.payload.at(-1).time, '2026-01-15T11:55:00+05:30');
  });

  it('without from, up to a given to: today\'s candles up to it', async function () {
    await start();
    const { msg } = await fetchWithClock({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'FIFTEEN_MINUTE', to: '2026-01-15 10:00' } }, { stepMs: 0 });
    assert.deepEqual(msg.payload.map((c) => c.time), ['09:15', '09:30', '09:45', '10:00'].map((t) => `2026-01-15T${t}:00+05:30`));
  });

  for (const [form, from] of [
    ['a day', '2025-01-06'],
    ['a day and time in India time', '2025-01-06 09:15'],
    ['ISO with an offset', '2025-01-06T09:15:00+05:30'],
    ['epoch milliseconds', Date.UTC(2025, 0, 6, 3, 45)],
  ]) {
    it(`from as ${form}: the candles from 09:15 that day`, async function () {
      await start();
      const { msg, error } = await fetchWithClock({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'THIRTY_MINUTE', from, to: '2025-01-06T04:45:00Z' } });
      assert.equal(error, undefined, error && error.message);
      assert.deepEqual(msg.payload.map((c) => c.time), ['09:15', '09:45', '10:15'].map((t) => `2025-01-06T${t}:00+05:30`));
      assert.equal(sandbox.calls.historical, 1);
    });
  }

  it('20 years of daily candles: 8 calls, every session once', async function () {
    this.timeout(120_000);
    await start();
    const { msg, error } = await fetchWithClock({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_DAY', from: '2006-01-01', to: '2025-12-31' } });
    assert.equal(error, undefined, error && error.message);
    assert.equal(sandbox.calls.historical, 8);
    const times = msg.payload.map((c) => c.time);
    assert.equal(new Set(times).size, times.length);
    assert.ok(times.length > 4900 && times.length < 5300, `${times.length} sessions in 20 years`);
    assert.equal(times[0], '2006-01-02T09:15:00+05:30');
    assert.equal(times.at(-1), '2025-12-31T09:15:00+05:30');
  });

  it('20 years of 1-minute candles: refused, saying how many calls and how long, nothing sent', async function () {
    await start();
    const error = await refusal({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2006-01-01', to: '2025-12-31' } });
    assert.equal(error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(error.message, /need 3,653 calls to mStock/);
    assert.match(error.message, /about 61 minutes/);
    assert.match(error.message, /at most 1,000 calls' worth at a time \(for ONE_MINUTE, 2,000 days\)/);
    assert.match(error.message, /Nothing was sent to mStock\./);
    assert.equal(sandbox.calls.historical, undefined);
    assert.equal(sandbox.calls.scripMaster, undefined, 'not even the instrument master');
  });

  it('1,001 calls is refused; the bound is 1,000', async function () {
    await start();
    // 2,002 days of 1-minute candles, two days a call
    const error = await refusal({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2020-01-01', to: Date.UTC(2020, 0, 1) - IST_OFFSET_MS + 2002 * 86_400_000 } });
    assert.match(error.message, /need 1,001 calls/);
    assert.equal(sandbox.calls.historical, undefined);
  });

  it('from after to: refused, nothing sent', async function () {
    await start();
    const error = await refusal({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_HOUR', from: '2025-02-10', to: '2025-02-03' } });
    assert.equal(error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(error.message, /msg\.payload\.from \(2025-02-10 00:00\) is after msg\.payload\.to/);
    assert.equal(sandbox.calls.historical, undefined);
    assert.deepEqual(lastStatus('candles1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
  });

  it('an unknown symbol: refused naming it, no candle call', async function () {
    await start();
    const error = await refusal({ payload: { instrument: 'NSE:NOSUCHCO-EQ', interval: 'ONE_HOUR', from: '2025-02-03' } });
    assert.equal(error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(error.message, /NOSUCHCO-EQ/);
    assert.equal(sandbox.calls.historical, undefined);
  });

  it('a token given as a number and an exchange in lower case are the same instrument', async function () {
    await start();
    for (const instrument of [{ exchange: 'nse', token: 3045 }, 'nse:sbin-eq']) {
      const { msg, error } = await fetchWithClock({ payload: { instrument, interval: 'ONE_HOUR', from: '2025-02-03', to: '2025-02-03' } });
      assert.equal(error, undefined, error && error.message);
      assert.equal(msg.payload.length, 7);
    }
    assert.deepEqual(historicalBodies().map((b) => [b.exchange, b.symboltoken]), [['NSE', '3045'], ['NSE', '3045']]);
  });

  it('with "set by msg.interval", msg.interval wins over msg.payload.interval; one not among the intervals is refused', async function () {
    await start();
    const { msg } = await fetchWithClock({ interval: 'one_hour', payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_MINUTE', from: '2025-02-03', to: '2025-02-03' } });
    assert.equal(msg.payload.length, 7);
    assert.equal(historicalBodies()[0].interval, 'ONE_HOUR');
    const error = await refusal({ interval: 'TWO_MINUTE', payload: { instrument: 'NSE:SBIN-EQ', from: '2025-02-03' } });
    assert.equal(error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(error.message, /msg\.interval must be one of .*"ONE_MINUTE"/);
    assert.equal(sandbox.calls.historical, 1);
  });

  it('the node\'s own interval wins over the message\'s, and the node warns once that the message\'s was ignored', async function () {
    await start({ interval: 'ONE_HOUR' });
    const record = recordNodes(['candles1']);
    // the node reuses the msg: each send gets a new one
    const asked = () => ({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'FIVE_MINUTE', from: '2025-02-03', to: '2025-02-03' } });
    const { msg } = await fetchWithClock(asked());
    assert.equal(msg.payload.length, 7);
    const again = await fetchWithClock({ ...asked(), interval: 'ONE_MINUTE' });
    assert.equal(again.error, undefined, again.error && again.error.message);
    assert.deepEqual(historicalBodies().map((b) => b.interval), ['ONE_HOUR', 'ONE_HOUR']);
    const warnings = record.logs.filter((l) => l.level === 'warn');
    // the test runtime answers RED._ with the key
    assert.deepEqual(warnings.map((w) => w.args[0]), ['mstock-candles.warn.ignored']);
    assert.match(CATALOGUE['mstock-candles'].warn.ignored, /^The message's interval is ignored: the node's own Interval \(__interval__\) is set\./);
  });

  it('the node\'s own interval and a message with the same one: no warning', async function () {
    await start({ interval: 'ONE_HOUR' });
    const record = recordNodes(['candles1']);
    await fetchWithClock({ payload: { instrument: 'NSE:SBIN-EQ', interval: '1h', from: '2025-02-03', to: '2025-02-03' } });
    assert.equal(record.logs.filter((l) => l.level === 'warn').length, 0);
  });

  it('without a live session: MSTOCK_NOT_LOGGED_IN, nothing sent', async function () {
    await helper.load(allNodes, candlesFlow(url), sandboxCredentials());
    await until(() => lastStatus('candles1'), 1000, 'the first status');
    const error = await refusal({ payload: { instrument: 'NSE:SBIN-EQ', interval: 'ONE_HOUR', from: '2025-02-03' } });
    assert.equal(error.code, 'MSTOCK_NOT_LOGGED_IN');
    assert.equal(sandbox.calls.scripMaster, undefined);
    assert.equal(sandbox.calls.historical, undefined);
  });
});
