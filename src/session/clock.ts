/**
 * Time as the package sees it. Each session, limiter and sandbox takes one in its constructor, so
 * a test can put them at 23:59:30 India time and move time on without waiting.
 */
export interface Clock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // a session waiting for midnight must not keep Node.js alive on its own
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
