'use strict';
// A clock the tests move by hand, with the shape of src/session/clock.ts's Clock. Its timers fire
// in time order (ties in the order they were armed) when the clock passes their time; `armed`
// says how many are still waiting, so a test can check that nothing was left behind.

function manualClock(startMs = 0) {
  let now = startMs;
  let armedCount = 0;
  const timers = new Set();

  function nextDue(until) {
    let next;
    for (const timer of timers) {
      if (timer.at <= until && (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order))) next = timer;
    }
    return next;
  }

  return {
    now: () => now,
    setTimer(callback, ms) {
      armedCount += 1;
      const timer = { at: now + Math.max(0, ms), ms, order: armedCount, callback };
      timers.add(timer);
      return timer;
    },
    clearTimer(timer) {
      timers.delete(timer);
    },
    /** Timers armed and neither fired nor cleared. */
    get armed() {
      return timers.size;
    },
    /** The waiting timers: when each is due, and the delay it was armed with. */
    pending() {
      return [...timers].map(({ at, ms }) => ({ at, ms }));
    },
    /** Forgets every waiting timer, as if the process had slept through them. */
    dropTimers() {
      timers.clear();
    },
    /** Moves time on by `ms`, firing each timer due on the way at its own time. */
    advance(ms) {
      const end = now + ms;
      let firedAtThisTime = 0;
      for (let timer = nextDue(end); timer; timer = nextDue(end)) {
        timers.delete(timer);
        firedAtThisTime = timer.at === now ? firedAtThisTime + 1 : 0;
        // code that re-arms a timer for "now" over and over would spin for ever on a real clock too
        if (firedAtThisTime > 10_000) throw new Error(`timers keep firing at ${now} ms without time moving on`);
        now = timer.at;
        timer.callback();
      }
      now = end;
    },
    /** Moves time on to `ms` (absolute), firing the timers due on the way. */
    advanceTo(ms) {
      this.advance(ms - now);
    },
  };
}

/** Lets promise callbacks that are ready run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

module.exports = { manualClock, flush };
