'use strict';
// The per-account rate limiter (PRODUCT.md "Rate limits"), on a clock moved by hand.
const assert = require('node:assert/strict');
const { getEventListeners } = require('node:events');
const { RateLimiter, PUBLISHED_LIMITS } = require('../../dist/src/account/rate-limiter');
const { ErrorCode, MStockError } = require('../../dist/src/api/errors');
const { systemClock } = require('../../dist/src/session/clock');
const { rejectsWith, throwsWith } = require('../api/_helpers');
const { manualClock, flush } = require('../manual-clock');

/** A limiter on a manual clock, and a way to schedule calls that note when they were sent. */
function setUp(maxWaitMs = 10_000) {
  const clock = manualClock(0);
  const limiter = new RateLimiter({ clock, maxWaitMs });
  const sent = [];
  const outcomes = [];
  function call(category, id, options) {
    const promise = limiter.schedule(
      category,
      () => {
        sent.push({ category, id, at: clock.now() });
        return id;
      },
      options,
    );
    const outcome = { id };
    outcomes.push(outcome);
    promise.then(
      (value) => (outcome.value = value),
      (err) => (outcome.error = err),
    );
    return promise;
  }
  const sentAt = (category) => sent.filter((s) => s.category === category).map((s) => s.at);
  return { clock, limiter, sent, outcomes, call, sentAt };
}

/**
 * Moves the clock on by `ms` the way time passes for the limiter: each timer due on the way fires
 * at its own time, and the answers of the calls it sent (which come back at once here) are in
 * before time moves on, as a call counts until its answer is in.
 */
async function advance(clock, ms) {
  const end = clock.now() + ms;
  await flush();
  for (;;) {
    const due = clock.pending().filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
    if (!due) break;
    clock.advanceTo(due.at);
    await flush();
  }
  clock.advanceTo(end);
  await flush();
}

const advanceTo = (clock, at) => advance(clock, at - clock.now());

/** Counts of equal values, e.g. { 0: 20, 1000: 10 }. */
function tally(values) {
  const counts = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

describe('rate limiter', function () {
  it('publishes the broker\'s limits: orders 30/s 250/min 1000/h, data 1/s 1000/min 5000/h, quotes 20/s, the rest unlimited', function () {
    const perSpan = (windows) => windows.map((w) => `${w.limit}/${w.spanMs}`);
    assert.deepEqual(perSpan(PUBLISHED_LIMITS.order), ['30/1000', '250/60000', '1000/3600000']);
    assert.deepEqual(perSpan(PUBLISHED_LIMITS.data), ['1/1000', '1000/60000', '5000/3600000']);
    assert.deepEqual(perSpan(PUBLISHED_LIMITS.quote), ['20/1000']);
    assert.deepEqual(PUBLISHED_LIMITS.other, []);
  });

  it('30 quote calls in a burst: the first 20 go at t=0, the next 10 at t=1000, in the order they came', async function () {
    const { clock, call, sent, sentAt } = setUp();
    const calls = Array.from({ length: 30 }, (_, i) => call('quote', i));
    assert.deepEqual(tally(sentAt('quote')), { 0: 20 });
    await advance(clock, 999);
    assert.equal(sent.length, 20);
    await advance(clock, 1);
    assert.deepEqual(tally(sentAt('quote')), { 0: 20, 1000: 10 });
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual(sent.map((s) => s.id), Array.from({ length: 30 }, (_, i) => i));
    assert.equal(clock.armed, 0);
  });

  it('a call counts until its answer is in: with answers 300 ms late, the 21st quote goes at 1300, not 1000', async function () {
    // the broker counts a request when it arrives, which may be as late as its answer
    const { clock, limiter } = setUp();
    const sent = [];
    const answerLater = (id) => () => {
      sent.push({ id, at: clock.now() });
      return new Promise((resolve) => clock.setTimer(() => resolve(id), 300));
    };
    const calls = Array.from({ length: 21 }, (_, i) => limiter.schedule('quote', answerLater(i)));
    await advance(clock, 1299);
    assert.equal(sent.length, 20, 'the 21st waits while the 20 before it count');
    await advance(clock, 1);
    assert.deepEqual(sent.at(-1), { id: 20, at: 1300 });
    await advance(clock, 300);
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 21 }, (_, i) => i));
    assert.equal(clock.armed, 0);
  });

  it('calls in flight that fill a window hold the next one until an answer comes, within its wait bound', async function () {
    const { clock, limiter } = setUp(5000);
    let release;
    const slow = new Promise((resolve) => (release = resolve));
    for (let i = 0; i < 20; i += 1) void limiter.schedule('quote', () => slow);
    let sentAt;
    const next = limiter.schedule('quote', () => (sentAt = clock.now()));
    await advance(clock, 3000);
    assert.equal(sentAt, undefined, 'not sent while 20 are unanswered');
    release('done');
    await advance(clock, 1000);
    assert.equal(sentAt, 4000, 'sent a second after the answers came in');
    await next;
    const stuck = setUp(2000);
    for (let i = 0; i < 20; i += 1) void stuck.limiter.schedule('quote', () => new Promise(() => {}));
    const refused = rejectsWith(stuck.limiter.schedule('quote', () => 'never'), ErrorCode.RATE_LIMITED);
    await advance(stuck.clock, 2000);
    await refused;
  });

  it('data calls go one a second, first come first sent', async function () {
    const { clock, call, sent } = setUp();
    const calls = ['a', 'b', 'c', 'd'].map((id) => call('data', id));
    await advance(clock, 5000);
    await Promise.all(calls);
    assert.deepEqual(sent.map((s) => [s.id, s.at]), [['a', 0], ['b', 1000], ['c', 2000], ['d', 3000]]);
    assert.equal(clock.armed, 0);
  });

  it('a sliding window: a slot freed at t=1000 is taken at t=1000, not at the next whole second', async function () {
    const { clock, call, sentAt } = setUp();
    await advanceTo(clock, 400);
    for (let i = 0; i < 20; i += 1) call('quote', i);
    await advanceTo(clock, 900);
    call('quote', 'late');
    assert.deepEqual(tally(sentAt('quote')), { 400: 20 });
    await advanceTo(clock, 1400);
    assert.deepEqual(tally(sentAt('quote')), { 400: 20, 1400: 1 });
  });

  it('categories queue apart: a waiting data call does not hold up quotes or other calls', function () {
    const { call, sent } = setUp();
    call('data', 'd1');
    call('data', 'd2');
    call('quote', 'q1');
    call('other', 'o1');
    assert.deepEqual(sent.map((s) => s.id), ['d1', 'q1', 'o1']);
  });

  it('other calls are not limited and arm no timer', function () {
    const { clock, call, sent } = setUp();
    for (let i = 0; i < 1000; i += 1) call('other', i);
    assert.equal(sent.length, 1000);
    assert.equal(clock.armed, 0);
  });

  it('an order call waits for its turn up to 1 s: the 31st of a burst goes at t=1000', async function () {
    const { clock, call, sentAt, outcomes } = setUp();
    for (let i = 0; i < 31; i += 1) call('order', i);
    await advance(clock, 1000);
    await flush();
    assert.deepEqual(tally(sentAt('order')), { 0: 30, 1000: 1 });
    assert.ok(outcomes.every((o) => o.error === undefined));
  });

  it('an order call that cannot go within 1 s is rejected at 1 s with MSTOCK_RATE_LIMITED and never sent', async function () {
    const { clock, call, sent, sentAt } = setUp(10_000);
    // 240 orders in the first 8 seconds, 30 a second
    for (let s = 0; s < 8; s += 1) {
      await advanceTo(clock, s * 1000);
      for (let i = 0; i < 30; i += 1) call('order', `${s}-${i}`);
    }
    await advanceTo(clock, 7500);
    const late = Array.from({ length: 11 }, (_, i) => call('order', `late-${i}`));
    // the second's window opens at 8000: 10 go, reaching 250 in the minute; the 11th must wait
    await advanceTo(clock, 8499);
    assert.equal(sent.length, 250);
    assert.deepEqual(tally(sentAt('order').slice(240)), { 8000: 10 });
    await advanceTo(clock, 8500);
    const err = await rejectsWith(late[10], ErrorCode.RATE_LIMITED);
    assert.match(err.message, /^The order call was not sent: mStock allows 30 order calls a second, 250 a minute, 1000 an hour, and no slot opened within the 1000 ms it may wait\.$/);
    await advance(clock, 120_000);
    assert.equal(sent.length, 250, 'the rejected order was sent after all');
    assert.equal(clock.armed, 0);
  });

  it('a call that could not go within its bound even with nothing ahead is rejected at once, saying when the next slot opens', async function () {
    const { clock, call, sent } = setUp();
    for (let s = 0; s < 9; s += 1) {
      await advanceTo(clock, s * 1000);
      for (let i = 0; i < (s < 8 ? 30 : 10); i += 1) call('order', `${s}-${i}`);
    }
    assert.equal(sent.length, 250);
    await advanceTo(clock, 8500);
    const err = await rejectsWith(call('order', 'one too many'), ErrorCode.RATE_LIMITED);
    assert.match(err.message, /not sent: .*the next slot opens in 52 s, later than it may wait \(1000 ms\)\./);
    assert.equal(clock.now(), 8500);
    assert.equal(clock.armed, 0);
  });

  it('keeps the hour window too: after 1000 orders in an hour the next is refused, and data calls still go', async function () {
    const { clock, call, sent } = setUp();
    for (let m = 0; m < 4; m += 1) {
      for (let s = 0; s < 9; s += 1) {
        await advanceTo(clock, m * 60_000 + s * 1000);
        for (let i = 0; i < (s < 8 ? 30 : 10); i += 1) call('order', `${m}-${s}-${i}`);
      }
    }
    assert.equal(sent.length, 1000);
    await advanceTo(clock, 4 * 60_000);
    const err = await rejectsWith(call('order', 'x'), ErrorCode.RATE_LIMITED);
    assert.match(err.message, /next slot opens in 56 min/);
    await call('data', 'candles');
    assert.equal(sent.at(-1).id, 'candles');
    await advanceTo(clock, 3_600_000);
    assert.equal(await call('order', 'next hour'), 'next hour');
  });

  it('a queued call waits at most the account timeout, then is rejected unsent; the calls before it are sent', async function () {
    const { clock, call, sent, outcomes } = setUp(1500);
    const calls = Array.from({ length: 70 }, (_, i) => call('quote', i));
    await advanceTo(clock, 1499);
    assert.equal(sent.length, 40);
    assert.equal(outcomes.filter((o) => o.error).length, 0);
    await advanceTo(clock, 1500);
    await flush();
    const refused = outcomes.filter((o) => o.error);
    assert.deepEqual(refused.map((o) => o.id), Array.from({ length: 30 }, (_, i) => 40 + i));
    for (const o of refused) {
      assert.ok(o.error instanceof MStockError);
      assert.equal(o.error.code, ErrorCode.RATE_LIMITED);
      assert.match(o.error.message, /quote call was not sent: .*no slot opened within the 1500 ms it may wait/);
    }
    await advance(clock, 10_000);
    assert.equal(sent.length, 40);
    await Promise.all(calls.slice(0, 40));
    assert.equal(clock.armed, 0);
  });

  it('data calls beyond the account timeout are refused: with 2.5 s, three of five go', async function () {
    const { clock, call, sent } = setUp(2500);
    const calls = [1, 2, 3, 4, 5].map((id) => call('data', id));
    await advance(clock, 10_000);
    const settled = await Promise.allSettled(calls);
    assert.deepEqual(sent.map((s) => s.at), [0, 1000, 2000]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    assert.equal(settled[3].reason.code, ErrorCode.RATE_LIMITED);
  });

  it('close() rejects every waiting call with a clear error, sends none of them, and refuses later calls', async function () {
    const { clock, limiter, call, sent } = setUp();
    const waiting = [call('data', 'a'), call('data', 'b'), call('data', 'c')];
    assert.equal(limiter.waiting('data'), 2);
    limiter.close();
    assert.equal(await waiting[0], 'a');
    for (const p of waiting.slice(1)) {
      const err = await rejectsWith(p, ErrorCode.NETWORK);
      assert.equal(err.message, 'The call was not sent to mStock: the account was closed.');
    }
    await rejectsWith(call('other', 'after'), ErrorCode.NETWORK);
    await advance(clock, 10_000);
    assert.deepEqual(sent.map((s) => s.id), ['a']);
    assert.equal(clock.armed, 0);
    assert.equal(limiter.waiting(), 0);
  });

  it('close(reason) rejects with the reason given', async function () {
    const { limiter, call } = setUp();
    call('data', 'a');
    const waiting = call('data', 'b');
    limiter.close(new MStockError(ErrorCode.NOT_LOGGED_IN, 'logged out'));
    const err = await rejectsWith(waiting, ErrorCode.NOT_LOGGED_IN);
    assert.equal(err.message, 'logged out');
  });

  it('cancelWaiting(reason) rejects the waiting calls but stays open and keeps counting what was sent', async function () {
    const { clock, limiter, call, sent } = setUp();
    for (let i = 0; i < 25; i += 1) call('quote', i);
    const waitingBefore = limiter.waiting('quote');
    limiter.cancelWaiting(new MStockError(ErrorCode.SESSION_EXPIRED, 'expired'));
    await flush();
    assert.equal(waitingBefore, 5);
    assert.equal(clock.armed, 0);
    const after = call('quote', 'after');
    assert.equal(sent.length, 20, 'the window still holds the 20 sent at t=0');
    await advance(clock, 1000);
    assert.equal(await after, 'after');
    assert.equal(sent.at(-1).at, 1000);
  });

  it('an aborted waiting call leaves the queue unsent; the ones behind it move up', async function () {
    const { clock, call, sent } = setUp();
    const controller = new AbortController();
    call('data', 'first');
    const aborted = call('data', 'aborted', { signal: controller.signal });
    call('data', 'third');
    controller.abort();
    const err = await rejectsWith(aborted, ErrorCode.NETWORK);
    assert.match(err.message, /cancelled before it was sent/);
    await advance(clock, 5000);
    assert.deepEqual(sent.map((s) => [s.id, s.at]), [['first', 0], ['third', 1000]]);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('aborting the only waiting call leaves no timer behind', async function () {
    const { clock, call } = setUp();
    const controller = new AbortController();
    call('data', 'sent');
    const waiting = call('data', 'waiting', { signal: controller.signal });
    assert.equal(clock.armed, 1);
    controller.abort();
    await rejectsWith(waiting, ErrorCode.NETWORK);
    assert.equal(clock.armed, 0);
  });

  it('an already aborted signal rejects at once; an MStockError reason is passed on; a sent call lets go of its signal', async function () {
    const { call, sent } = setUp();
    const abortedFirst = new AbortController();
    abortedFirst.abort();
    await rejectsWith(call('quote', 'x', { signal: abortedFirst.signal }), ErrorCode.NETWORK);
    const controller = new AbortController();
    controller.abort(new MStockError(ErrorCode.SESSION_EXPIRED, 'the session ended'));
    await rejectsWith(call('quote', 'y', { signal: controller.signal }), ErrorCode.SESSION_EXPIRED);
    const shared = new AbortController();
    await Promise.all(Array.from({ length: 5 }, (_, i) => call('quote', i, { signal: shared.signal })));
    assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
    assert.deepEqual(sent.map((s) => s.id), [0, 1, 2, 3, 4]);
  });

  it('a call that throws as it is sent rejects with its own error and still used its slot', async function () {
    const { clock, limiter, call, sent } = setUp();
    const boom = new Error('boom');
    await assert.rejects(
      limiter.schedule('data', () => {
        throw boom;
      }),
      (err) => err === boom,
    );
    const next = call('data', 'next');
    assert.equal(sent.length, 0);
    await advance(clock, 1000);
    assert.equal(await next, 'next');
  });

  it('passes on the answer or the failure of the call it sent', async function () {
    const { limiter } = setUp();
    assert.deepEqual(await limiter.schedule('other', async () => ({ ok: 1 })), { ok: 1 });
    await rejectsWith(
      limiter.schedule('other', async () => {
        throw new MStockError(ErrorCode.TIMEOUT, 't');
      }),
      ErrorCode.TIMEOUT,
    );
  });

  it('refuses an unknown category and a bad wait bound with MSTOCK_INVALID_INPUT', async function () {
    const { limiter } = setUp();
    await rejectsWith(limiter.schedule('orders', () => 1), ErrorCode.INVALID_INPUT);
    await rejectsWith(limiter.schedule('__proto__', () => 1), ErrorCode.INVALID_INPUT);
    for (const maxWaitMs of [0, -1, NaN, Infinity, 2 ** 31]) {
      throwsWith(() => new RateLimiter({ clock: manualClock(), maxWaitMs }), ErrorCode.INVALID_INPUT);
    }
  });

  it('on the system clock: 22 quote calls, 20 at once and 2 about a second later', async function () {
    const limiter = new RateLimiter({ clock: systemClock, maxWaitMs: 5000 });
    const start = Date.now();
    const times = await Promise.all(Array.from({ length: 22 }, () => limiter.schedule('quote', () => Date.now() - start)));
    assert.ok(times.slice(0, 20).every((t) => t < 200), times.join());
    assert.ok(times.slice(20).every((t) => t >= 1000 && t < 1800), times.join());
    assert.equal(limiter.waiting(), 0);
  });
});
