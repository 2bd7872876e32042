'use strict';
// Soak: MSTOCK_SOAK_COUNT funds messages (default 1000; the full run is 10,000:
//   MSTOCK_SOAK_COUNT=10000 npx mocha --no-config --timeout 600000 test/reliability/soak.test.js)
// with a seeded random mix of faults (MSTOCK_SOAK_SEED), in a child process started with
// --expose-gc (test/reliability/soak-child.js). Every message ends in exactly one output or one
// Catch, with the code its wave's fault calls for; none lost, none twice; no unhandled rejection;
// the heap after GC does not grow; the child exits by itself.
const assert = require('node:assert/strict');
const path = require('node:path');
const { fork } = require('node:child_process');
const record = require('./record').section('soak');

const COUNT = Number(process.env.MSTOCK_SOAK_COUNT || 1000);
const SEED = Number(process.env.MSTOCK_SOAK_SEED || 20260525);
const MB = 1024 * 1024;

function runSoak() {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'soak-child.js'), [], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '', MSTOCK_SOAK_COUNT: String(COUNT), MSTOCK_SOAK_SEED: String(SEED) },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let report;
    let reportedAt;
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000 + COUNT * 50);
    child.on('message', (m) => {
      if (m.type === 'report') {
        report = m;
        reportedAt = Date.now();
      } else if (m.type === 'error') {
        reject(new Error(`${m.error}\n${output}`));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(kill);
      if (!report) return reject(new Error(`the soak child exited (${code ?? signal}) without a report:\n${output}`));
      resolve({ report, exitMs: Date.now() - reportedAt, code, output });
    });
  });
}

describe(`reliability: soak, ${COUNT} funds messages with a seeded mix of faults (child process, --expose-gc)`, function () {
  this.timeout(120_000 + COUNT * 60);

  it(`every one of ${COUNT} messages ends in exactly one output or Catch with its wave's code; no leak, no unhandled rejection`, async function () {
    const { report: r, exitMs, code } = await runSoak();
    const samples = r.heapSamples;
    const baseline = samples.length ? samples[0].heapUsed : undefined;
    const final = samples.length ? samples[samples.length - 1].heapUsed : undefined;
    const growth = samples.length ? final - baseline : undefined;
    // a leak grows with the messages; noise does not: allow 4 MB or 25 % of the baseline
    const allowed = baseline === undefined ? undefined : Math.max(4 * MB, baseline * 0.25);
    const heapOk = baseline === undefined || growth <= allowed;

    for (const [fault, s] of Object.entries(r.perFault)) {
      const observed = Object.entries(s.observed).map(([k, v]) => (Object.keys(s.observed).length > 1 ? `${k} ×${v}` : k)).join(', ') || '—';
      record.row({ fault, node: 'mstock-funds', expected: s.expected, observed, count: s.messages, pass: s.messages === 0 || (Object.keys(s.observed).length === 1 && s.observed[s.expected] === s.messages), note: `${s.waves} waves` });
    }
    record.figures({
      count: r.count,
      seed: r.seed,
      sent: r.sent,
      waves: r.waves,
      durationMs: r.durationMs,
      messagesPerSecond: Math.round((r.sent / r.durationMs) * 1000),
      upstreamCalls: r.upstreamCalls,
      logins: r.logins,
      lost: r.lost,
      twice: r.twice,
      unknown: r.unknown,
      mismatched: r.mismatched,
      byObserved: r.byObserved,
      unhandledRejections: r.unhandledRejections,
      uncaughtExceptions: r.uncaughtExceptions,
      prototypePolluted: r.polluted,
      heap: samples.length
        ? { baselineMB: +(baseline / MB).toFixed(2), finalMB: +(final / MB).toFixed(2), growthMB: +(growth / MB).toFixed(2), allowedMB: +(allowed / MB).toFixed(2), samples: samples.map((s) => [s.messages, +(s.heapUsed / MB).toFixed(2)]) }
        : 'not measured (no global.gc)',
      childExitMs: exitMs,
      node: r.node,
      pass: r.lost === 0 && r.twice === 0 && r.unknown === 0 && r.mismatched === 0 && r.unhandledRejections === 0 && r.uncaughtExceptions === 0 && heapOk,
    });

    assert.equal(r.sent, COUNT);
    assert.equal(r.lost, 0, 'messages lost');
    assert.equal(r.twice, 0, 'messages with more than one outcome');
    assert.equal(r.unknown, 0, 'outcomes for messages never sent');
    assert.deepEqual(r.mismatches, [], `${r.mismatched} messages ended with another code than their wave's fault calls for`);
    assert.equal(r.unhandledRejections + r.uncaughtExceptions, 0, r.problems.join('\n'));
    assert.equal(r.polluted, false, 'Object.prototype polluted');
    assert.ok(r.upstreamCalls <= r.waves + r.logins, `one upstream call per wave at most (${r.upstreamCalls} calls, ${r.waves} waves)`);
    assert.ok(r.gc, 'the child ran with --expose-gc');
    assert.ok(samples.length >= 2, 'heap samples were taken');
    assert.ok(heapOk, `the heap grew by ${(growth / MB).toFixed(2)} MB after GC (allowed ${(allowed / MB).toFixed(2)} MB): ${JSON.stringify(samples)}`);
    assert.equal(code, 0);
    assert.ok(exitMs < 3000, `the child took ${exitMs} ms to exit after its report`);
  });
});
