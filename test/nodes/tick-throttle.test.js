'use strict';
// The per-instrument throttle of mstock-ticks on a manual clock: the first value at once, then at
// most one per period, always the newest, and nothing after drop().
const assert = require('node:assert/strict');
const { TickThrottle } = require('../../dist/src/nodered/tick-throttle');
const { manualClock } = require('../manual-clock');

describe('TickThrottle: at most one value per key per period, the newest', function () {
  function throttled(everyMs) {
    const clock = manualClock(1_000_000);
    const sent = [];
    const throttle = new TickThrottle(everyMs, (key, value) => sent.push([clock.now() - 1_000_000, key, value]), clock);
    return { clock, sent, throttle };
  }

  it('sends the first value at once, holds the rest back and sends only the newest when the period is over', function () {
    const { clock, sent, throttle } = throttled(200);
    throttle.offer('NSE:3045', 1);
    clock.advance(50);
    throttle.offer('NSE:3045', 2);
    clock.advance(50);
    throttle.offer('NSE:3045', 3);
    assert.deepEqual(sent, [[0, 'NSE:3045', 1]]);
    assert.equal(throttle.held, 1);
    clock.advance(100);
    assert.deepEqual(sent, [[0, 'NSE:3045', 1], [200, 'NSE:3045', 3]]);
    // the next one waits for 200 ms after the last sent, not after it came
    clock.advance(150);
    throttle.offer('NSE:3045', 4);
    clock.advance(49);
    assert.equal(sent.length, 2);
    clock.advance(1);
    assert.deepEqual(sent.at(-1), [400, 'NSE:3045', 4]);
    // after a quiet period the next value goes at once
    clock.advance(500);
    throttle.offer('NSE:3045', 5);
    assert.deepEqual(sent.at(-1), [900, 'NSE:3045', 5]);
    assert.equal(clock.armed, 0);
  });

  it('waits the whole period when the timer fires a millisecond early, as Node.js timers may', function () {
    const clock = manualClock(0);
    const early = { ...clock, setTimer: (callback, ms) => clock.setTimer(callback, ms > 1 ? ms - 1 : ms) };
    const sent = [];
    const throttle = new TickThrottle(200, (key, value) => sent.push([clock.now(), value]), early);
    throttle.offer('a', 1);
    throttle.offer('a', 2);
    clock.advance(199);
    assert.deepEqual(sent, [[0, 1]]);
    clock.advance(1);
    assert.deepEqual(sent, [[0, 1], [200, 2]]);
  });

  it('keeps each key to its own period', function () {
    const { clock, sent, throttle } = throttled(100);
    throttle.offer('a', 1);
    throttle.offer('b', 1);
    throttle.offer('a', 2);
    clock.advance(100);
    assert.deepEqual(sent, [[0, 'a', 1], [0, 'b', 1], [100, 'a', 2]]);
  });

  it('drop() forgets what is held back: nothing is sent later, and no timer is left', function () {
    const { clock, sent, throttle } = throttled(100);
    throttle.offer('a', 1);
    throttle.offer('a', 2);
    throttle.offer('b', 1);
    throttle.offer('b', 2);
    throttle.drop('a');
    clock.advance(100);
    assert.deepEqual(sent, [[0, 'a', 1], [0, 'b', 1], [100, 'b', 2]]);
    throttle.offer('b', 3);
    throttle.drop();
    clock.advance(1000);
    assert.equal(sent.length, 3);
    assert.equal(clock.armed, 0);
  });

  it('with a period of 0 sends every value at once', function () {
    const { sent, throttle, clock } = throttled(0);
    for (let i = 0; i < 5; i++) throttle.offer('a', i);
    assert.deepEqual(sent.map(([, , v]) => v), [0, 1, 2, 3, 4]);
    assert.equal(clock.armed, 0);
  });
});
