'use strict';
// Runs in its own plain Node.js process (no Node-RED, no HTTP), started by bench/run.js:
//
//   node bench/limiter.js '{"burst":40,"queued":300,"maxWaitMs":10000}'
//
// The account's rate limiter (dist/src/account/rate-limiter.js) on the system clock, as the
// account node makes it, with order-category sends that note the time and answer at once (the
// limiter counts a call in its window from its answer):
//
// - burst:  `burst` order sends scheduled at once. mStock allows 30 a second: 30 go at once, the
//           rest when the first second has passed.
// - queued: `queued` order sends scheduled at once on a fresh limiter. An order call never waits
//           more than 1 s: those that cannot go by then are refused (MSTOCK_RATE_LIMITED), not held.
//           How many go at ~1 s depends on when the first 30 were answered and when each was queued.
//
// The account's own wait bound (`maxWaitMs`, its timeout) is longer than 1 s on purpose: the 1 s
// is the order category's. Beside each scenario a plain setTimeout of the same 1 s is timed: how
// late the event loop fires a 1 s timer while the limiter works (the "timer slack").
// Prints one JSON line.
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const dist = path.join(__dirname, '..', 'dist', 'src');
const { RateLimiter, ORDER_MAX_WAIT_MS, PUBLISHED_LIMITS } = require(path.join(dist, 'account', 'rate-limiter'));
const { systemClock } = require(path.join(dist, 'session', 'clock'));

async function scenario(n, maxWaitMs) {
  const limiter = new RateLimiter({ clock: systemClock, maxWaitMs });
  const t0 = performance.now();
  let timerLateMs;
  const reference = new Promise((resolve) =>
    setTimeout(() => {
      timerLateMs = performance.now() - t0 - ORDER_MAX_WAIT_MS;
      resolve();
    }, ORDER_MAX_WAIT_MS),
  );
  const calls = [];
  for (let i = 0; i < n; i++) {
    const queuedAt = performance.now();
    calls.push(
      limiter.schedule('order', () => performance.now()).then(
        (sentAt) => ({ sent: true, atMs: sentAt - t0, heldMs: sentAt - queuedAt }),
        (err) => {
          const now = performance.now();
          return { sent: false, code: err.code, message: err.message, atMs: now - t0, heldMs: now - queuedAt };
        },
      ),
    );
  }
  const queuedInMs = performance.now() - t0;
  const results = await Promise.all(calls);
  await reference;
  limiter.close();
  const sent = results.filter((r) => r.sent);
  const refused = results.filter((r) => !r.sent);
  const max = (list, key) => (list.length ? Math.max(...list.map((r) => r[key])) : NaN);
  const min = (list, key) => (list.length ? Math.min(...list.map((r) => r[key])) : NaN);
  // "at once": sent in the first tenth of the second; the rest waited for the window
  const atOnce = sent.filter((r) => r.atMs < 100);
  const later = sent.filter((r) => r.atMs >= 100);
  return {
    n,
    maxWaitMs,
    queuedInMs,
    sentAtOnce: atOnce.length,
    atOnceLastMs: max(atOnce, 'atMs'),
    sentLater: later.length,
    laterFirstMs: min(later, 'atMs'),
    laterLastMs: max(later, 'atMs'),
    refused: refused.length,
    refusedCodes: [...new Set(refused.map((r) => r.code))],
    refusedMessage: refused[0]?.message,
    refusedFirstMs: min(refused, 'atMs'),
    refusedLastMs: max(refused, 'atMs'),
    // in the queue, from its scheduling until it was sent or refused
    longestInQueueMs: max(results, 'heldMs'),
    longestHoldMs: max(sent, 'heldMs'),
    longestWaitBeforeRefusalMs: max(refused, 'heldMs'),
    timerLateMs,
  };
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  // the limiter's timers are unref'd (a waiting call must not keep Node-RED alive): this one keeps
  // the process up while calls wait
  const keepAlive = setInterval(() => {}, 1000);
  const burst = await scenario(options.burst, options.maxWaitMs);
  const queued = await scenario(options.queued, options.maxWaitMs);
  clearInterval(keepAlive);
  const orderPerSecond = PUBLISHED_LIMITS.order.find((w) => w.spanMs === 1000).limit;
  process.stdout.write(`${JSON.stringify({ orderMaxWaitMs: ORDER_MAX_WAIT_MS, orderPerSecond, burst, queued })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
