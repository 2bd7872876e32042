'use strict';
// Run by soak.test.js in a child process started with --expose-gc (fork, IPC). Sends
// MSTOCK_SOAK_COUNT messages to one mstock-funds node in waves; before each wave a seeded random
// fault (or none) is put on the sandbox's fund summary for one answer. Messages of a wave are sent
// together, so they share one upstream call and must all end the same way. Every message must
// end in exactly one output or one Catch. Reports per-message outcomes, upstream calls, heap after
// GC at checkpoints, unhandled rejections and uncaught exceptions.
const { helper, allNodes, Sandbox, SANDBOX_ACCOUNT, credentialsFor, flow, closeAllSessions } = require('./support');

const COUNT = Number(process.env.MSTOCK_SOAK_COUNT || 1000);
const SEED = Number(process.env.MSTOCK_SOAK_SEED || 20260525);
const TIMEOUT_MS = 250;

/** mulberry32: a small seeded PRNG, so a run can be repeated exactly. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault menu: [name, weight, sandbox fault or undefined, the code every message of the wave must end with]. */
const MENU = [
  ['none', 40, undefined, 'success'],
  ['slow within the timeout', 4, { kind: 'slow', delayMs: 30 }, 'success'],
  ['timeout', 2, { kind: 'slow', delayMs: TIMEOUT_MS + 250 }, 'MSTOCK_TIMEOUT'],
  ['unauthorized (401 IA401)', 3, { kind: 'unauthorized' }, 'MSTOCK_SESSION_EXPIRED'],
  ['api-key-suspended', 3, { kind: 'api-key-suspended' }, 'MSTOCK_API_KEY_INVALID'],
  ['html-502', 3, { kind: 'html-502' }, 'MSTOCK_BAD_RESPONSE'],
  ['html-503', 3, { kind: 'html-503' }, 'MSTOCK_BAD_RESPONSE'],
  ['truncated-json', 3, { kind: 'truncated-json' }, 'MSTOCK_BAD_RESPONSE'],
  ['empty-body', 3, { kind: 'empty-body' }, 'MSTOCK_BAD_RESPONSE'],
  ['wrong-shape', 3, { kind: 'wrong-shape' }, 'MSTOCK_BAD_RESPONSE'],
  ['drop', 3, { kind: 'drop' }, 'MSTOCK_NETWORK'],
  ['reset-mid-body', 3, { kind: 'reset-mid-body' }, 'MSTOCK_NETWORK'],
  ['status-false', 3, { kind: 'status-false' }, 'MSTOCK_SERVER_ERROR'],
  ['status-error', 3, { kind: 'status-error' }, 'MSTOCK_SERVER_ERROR'],
  ['status-False', 3, { kind: 'status-False' }, 'MSTOCK_SERVER_ERROR'],
  ['server-error (500 MA500)', 3, { kind: 'server-error' }, 'MSTOCK_SERVER_ERROR'],
  ['rate-limit (429)', 3, { kind: 'rate-limit' }, 'MSTOCK_RATE_LIMITED'],
];
const TOTAL_WEIGHT = MENU.reduce((a, m) => a + m[1], 0);

const PAYLOADS = [() => 'tick', () => Date.now(), () => null, () => ({ a: 1 }), () => JSON.parse('{"__proto__":{"polluted":1}}'), () => 'x'.repeat(1000), () => NaN];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

async function main() {
  const random = prng(SEED);
  const problems = { unhandledRejection: [], uncaughtException: [] };
  process.on('unhandledRejection', (r) => problems.unhandledRejection.push(String(r && r.stack ? r.stack : r)));
  process.on('uncaughtException', (e) => problems.uncaughtException.push(String(e && e.stack ? e.stack : e)));

  const sandbox = new Sandbox({ fixedOtp: '123456' });
  await sandbox.start();
  await helper.startServer();
  await helper.load(allNodes, flow(sandbox.url, { timeout: TIMEOUT_MS }), { c1: credentialsFor(SANDBOX_ACCOUNT) });
  const funds = helper.getNode('funds1');
  const session = helper.getNode('c1').session;

  // outcomes per message, in arrays sized up front so the bookkeeping does not grow the heap
  const CODES = ['success', 'malformed output', 'MSTOCK_NO_CREDENTIALS', 'MSTOCK_INVALID_INPUT', 'MSTOCK_NO_PENDING_LOGIN', 'MSTOCK_NOT_LOGGED_IN',
    'MSTOCK_SESSION_EXPIRED', 'MSTOCK_AUTH_FAILED', 'MSTOCK_OTP_REJECTED', 'MSTOCK_API_KEY_INVALID', 'MSTOCK_RATE_LIMITED', 'MSTOCK_TIMEOUT',
    'MSTOCK_NETWORK', 'MSTOCK_BAD_RESPONSE', 'MSTOCK_SERVER_ERROR', 'something else'];
  const codeIndex = (code) => (CODES.includes(code) ? CODES.indexOf(code) : CODES.length - 1);
  const outcomeCount = new Uint8Array(COUNT + 1);
  const firstOutcome = new Uint8Array(COUNT + 1);
  const wantFault = new Uint8Array(COUNT + 1);
  let unknown = 0;
  const note = (msg, outcome) => {
    const n = typeof msg._msgid === 'string' && msg._msgid.startsWith('soak-') ? Number(msg._msgid.slice(5)) : NaN;
    if (!(n >= 1 && n <= COUNT)) {
      unknown += 1;
      return;
    }
    if (outcomeCount[n] === 0) firstOutcome[n] = codeIndex(outcome);
    if (outcomeCount[n] < 255) outcomeCount[n] += 1;
  };
  let setupPending = 0;
  helper.getNode('out').on('input', (msg) => {
    if (msg._msgid.startsWith('setup-')) setupPending -= 1;
    else note(msg, Array.isArray(msg.payload) && msg.payload.length === 2 && msg.payload[0].seg === 'A' ? 'success' : 'malformed output');
  });
  helper.getNode('caught').on('input', (msg) => {
    if (msg._msgid.startsWith('setup-')) setupPending -= 1;
    else note(msg, msg.error.code);
  });

  let setupSeq = 0;
  let logins = 0;
  async function setup(id, payload) {
    setupPending += 1;
    setupSeq += 1;
    helper.getNode(id).receive({ _msgid: `setup-${setupSeq}`, payload });
    const start = Date.now();
    while (setupPending > 0) {
      if (Date.now() - start > 5000) throw new Error(`setup step ${id} got no answer`);
      await sleep(1);
    }
  }
  async function goLive() {
    logins += 1;
    await setup('login1', 'go');
    await setup('otp1', '123456');
    if (session.state !== 'live') throw new Error(`could not go live: ${session.state}`);
  }
  await goLive();

  const pick = () => {
    let r = random() * TOTAL_WEIGHT;
    for (const m of MENU) {
      r -= m[1];
      if (r < 0) return m;
    }
    return MENU[0];
  };

  const perFault = new Map(MENU.map((m) => [m[0], { waves: 0, messages: 0, expected: m[3] }]));
  const heapSamples = [];
  const checkpoints = new Set([Math.max(100, Math.floor(COUNT / 10))]);
  for (let i = 2; i <= 10; i++) checkpoints.add(Math.floor((COUNT * i) / 10));
  let sent = 0;
  let waves = 0;
  let slowWaves = 0;
  const started = Date.now();
  const callsAtStart = sandbox.calls.fundSummary ?? 0;
  let nextCheckpoint = Math.min(...checkpoints);

  while (sent < COUNT) {
    const size = Math.min(COUNT - sent, 1 + Math.floor(random() * 24));
    const [name, , fault] = pick();
    waves += 1;
    const stats = perFault.get(name);
    stats.waves += 1;
    stats.messages += size;
    // a dropped read is sent once more on a new connection: the wave's fault answers that one too
    sandbox.setFault(fault ? { ...fault, endpoints: ['fundSummary'], times: fault.kind === 'drop' ? 2 : 1 } : undefined);
    const first = sent + 1;
    const menuIndex = MENU.findIndex((m) => m[0] === name);
    for (let k = 0; k < size; k++) {
      sent += 1;
      wantFault[sent] = menuIndex;
      funds.receive({ _msgid: `soak-${sent}`, payload: PAYLOADS[Math.floor(random() * PAYLOADS.length)](), n: sent });
    }
    // the wave ends when each of its messages has an outcome
    const waveStart = Date.now();
    const waveDone = () => {
      for (let n = first; n <= sent; n++) if (outcomeCount[n] === 0) return false;
      return true;
    };
    while (!waveDone()) {
      if (Date.now() - waveStart > 5000) break; // lost messages are counted at the end
      await tick();
      if (Date.now() - waveStart > 2) await sleep(1);
    }
    if (Date.now() - waveStart > 200) slowWaves += 1;
    sandbox.setFault(undefined);
    if (session.state !== 'live') await goLive();
    // keep the test helper's spies from holding every call (they would look like a leak)
    for (const method of ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send']) helper._NodePrototype[method].resetHistory?.();
    helper.log().resetHistory();
    if (sent >= nextCheckpoint && global.gc) {
      heapSamples.push({ messages: sent, heapUsed: heap() });
      checkpoints.delete(nextCheckpoint);
      nextCheckpoint = checkpoints.size ? Math.min(...checkpoints) : Infinity;
    }
  }
  await sleep(TIMEOUT_MS + 500); // late or second outcomes would arrive now
  const durationMs = Date.now() - started;
  const upstreamCalls = (sandbox.calls.fundSummary ?? 0) - callsAtStart;

  let lost = 0;
  let twice = 0;
  let mismatched = 0;
  const byObserved = {};
  const mismatches = [];
  const perFaultObserved = {};
  for (let n = 1; n <= sent; n++) {
    const [fault, , , code] = MENU[wantFault[n]];
    const times = outcomeCount[n];
    if (times === 0) lost += 1;
    if (times > 1) twice += 1;
    const observed = times === 1 ? CODES[firstOutcome[n]] : times === 0 ? 'lost' : `${times} outcomes`;
    byObserved[observed] = (byObserved[observed] ?? 0) + 1;
    perFaultObserved[fault] = perFaultObserved[fault] ?? {};
    perFaultObserved[fault][observed] = (perFaultObserved[fault][observed] ?? 0) + 1;
    if (observed !== code) {
      mismatched += 1;
      if (mismatches.length < 10) mismatches.push({ n, fault, expected: code, observed });
    }
  }

  await helper.unload();
  closeAllSessions();
  await sandbox.stop();
  await helper.stopServer();

  process.send({
    type: 'report',
    count: COUNT,
    seed: SEED,
    sent,
    waves,
    slowWaves,
    durationMs,
    upstreamCalls,
    logins,
    lost,
    twice,
    unknown,
    mismatched,
    mismatches,
    byObserved,
    perFault: Object.fromEntries([...perFault].map(([name, s]) => [name, { ...s, observed: perFaultObserved[name] ?? {} }])),
    heapSamples,
    gc: typeof global.gc === 'function',
    unhandledRejections: problems.unhandledRejection.length,
    uncaughtExceptions: problems.uncaughtException.length,
    problems: [...problems.unhandledRejection, ...problems.uncaughtException].slice(0, 5),
    polluted: ({}).polluted !== undefined,
    node: process.version,
  });
  process.disconnect();
}

main().catch((err) => {
  process.send({ type: 'error', error: String(err && err.stack ? err.stack : err) });
  process.disconnect();
});
