#!/usr/bin/env node
'use strict';
// Benchmark: mstock-funds (A) against the same job wired with core nodes (B), against a raw
// keep-alive http.request loop in a plain Node.js process (C, the floor) and against mstock-funds
// of an earlier commit (A₀, default 49eab4f: Part 1 before the rate limiter), on real Node-RED 4.1
// processes and the embedded sandbox with no added latency. Then the Part 2 figures: a burst of
// trade-book reads (mstock-orders), a burst of quotes (mstock-request) paced by the account's rate
// limiter, and the limiter itself on order calls (bench/limiter.js, a plain Node.js process).
// Then the live feed: its parser against an SDK-style loop (bench/feed-parser.js, plain Node.js)
// and ticks end to end into a third Node-RED process, every tick and through a throttle (bench/feed.js).
//
//   node bench/run.js            full run (5 runs per figure, ~5 min); writes docs/BENCHMARKS.md
//   node bench/run.js --quick    small counts, 1 run, no load starts, < 60 s; prints only (add --write to write)
//
// Options: --write (quick mode: write docs/BENCHMARKS.md too), --no-write, --no-profile,
// --profile (quick mode: profile too), --runs N, --out FILE (instead of docs/BENCHMARKS.md),
// --keep-profile DIR (keep the .cpuprofile there), --base REV (the commit A₀ comes from),
// --no-base (no A₀: its target is then a miss), --load / --no-load (the Node-RED starts without
// and with the package; off in quick mode).
//
// Messages are generated inside Node-RED by the bench-driver node (bench/nodered/): the Admin
// API and this process are outside every measured window. See docs/BENCHMARKS.md for the method.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { BenchNodeRed, root } = require('./lib/nodered');
const { installedTemplate } = require('../test/e2e/harness');
const { benchFlow } = require('./lib/flow');
const { median } = require('./lib/stats');
const { analyse } = require('./lib/cpuprofile');
const { renderMarkdown, renderConsole } = require('./lib/report');
const { prepareBase, DEFAULT_BASE } = require('./lib/base');
const { feedPhase } = require('./feed');

const { Sandbox, SANDBOX_ACCOUNT } = require(path.join(root, 'dist', 'src', 'sandbox', 'server'));
const { MStockClient } = require(path.join(root, 'dist', 'src', 'api', 'client'));

const OTP = '123456';

function parseArgs(argv) {
  const args = { quick: false, write: undefined, profile: undefined, runs: undefined, out: path.join(root, 'docs', 'BENCHMARKS.md'), keepProfile: undefined, base: DEFAULT_BASE, load: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--write') args.write = true;
    else if (a === '--no-write') args.write = false;
    else if (a === '--profile') args.profile = true;
    else if (a === '--no-profile') args.profile = false;
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--out') args.out = path.resolve(argv[++i]);
    else if (a === '--keep-profile') args.keepProfile = path.resolve(argv[++i]);
    else if (a === '--base') args.base = argv[++i];
    else if (a === '--no-base') args.base = undefined;
    else if (a === '--load') args.load = true;
    else if (a === '--no-load') args.load = false;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(path.join(__dirname, 'run.js'), 'utf8').split('\n').slice(2, 20).join('\n').replace(/^\/\/ ?/gm, '') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (args.write === undefined) args.write = !args.quick;
  if (args.profile === undefined) args.profile = !args.quick;
  if (args.load === undefined) args.load = !args.quick;
  return args;
}

function countsFor(args) {
  const c = args.quick
    ? { mode: 'quick', runs: 1, seqN: 300, seqWarmup: 150, burstN: 1000, burstWarmup: 100, memN: 1000, memRounds: 1, memWarmup: 200, loadRuns: 1, profileN: 1000, profileBursts: 1 }
    : { mode: 'full', runs: 5, seqN: 2000, seqWarmup: 500, burstN: 1000, burstWarmup: 200, memN: 20000, memRounds: 3, memWarmup: 2000, loadRuns: 5, profileN: 3000, profileBursts: 3 };
  if (Number.isInteger(args.runs) && args.runs > 0) c.runs = args.runs;
  if (!args.load) c.loadRuns = 0;
  // Part 2: the issue's figures, the same in both modes
  Object.assign(c, { tradesN: 100, quotesN: 30, limiterBurst: 40, limiterQueued: 300 });
  // market data: a year of 5-minute candles (29 calls at 1/s) once; in quick mode 60 days (5 calls)
  Object.assign(c, { candleDays: args.quick ? 60 : 365, candleInterval: 'FIVE_MINUTE', quoteListN: 50 });
  // the instrument master: load and JSON.parse each this many times, alternated
  c.masterRuns = args.quick ? 7 : 21;
  // the live feed's parser: timed runs of each, alternated; the ticks end to end: bench/feed.js's counts
  c.parserRuns = args.quick ? 7 : 21;
  return c;
}

const log = (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function environment() {
  const cpus = os.cpus();
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const redPkg = require(path.join(path.dirname(require.resolve('node-red/red.js', { paths: [root] })), 'package.json'));
  const distStat = fs.statSync(path.join(root, 'dist', 'nodes', 'mstock-funds.js'));
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model?.trim() || 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeRed: redPkg.version,
    axios: require(path.join(root, 'node_modules', 'axios', 'package.json')).version,
    package: `${require(path.join(root, 'package.json')).name}@${require(path.join(root, 'package.json')).version}`,
    commit: git('describe', '--always', '--dirty', '--abbrev=12') || 'unknown',
    distBuilt: distStat.mtime.toISOString(),
    loadAverageAtStart: os.loadavg(),
  };
}

/** A session token for B, C, D and E, obtained outside the flow with this package's client. */
async function sessionToken(sandboxUrl) {
  const client = new MStockClient({ baseUrl: sandboxUrl, apiKey: SANDBOX_ACCOUNT.apiKey });
  try {
    const { loginToken } = await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
    const { sessionToken: token } = await client.sessionToken(loginToken, OTP);
    return token;
  } finally {
    client.close();
  }
}

/** Whether this package has the Part 2 nodes the T and Q figures need. */
function hasPartTwoNodes() {
  return ['mstock-orders', 'mstock-request'].every((name) => fs.existsSync(path.join(root, 'dist', 'nodes', `${name}.js`)));
}

/** Whether this package has the market-data nodes the K and L figures need. */
function hasMarketNodes() {
  return ['mstock-candles', 'mstock-quote'].every((name) => fs.existsSync(path.join(root, 'dist', 'nodes', `${name}.js`)));
}

/**
 * Starts Node-RED, deploys the bench flow, logs A in (login + OTP) and gives B/E the token.
 * With `tarball`, the package installed is that one (another commit's) instead of this one.
 */
async function startNodeRed({ sandboxUrl, token, nodeArgs, tarball, partTwo = false, market = false }) {
  const nr = new BenchNodeRed({ nodeArgs, tarball });
  await nr.start();
  const { flows, credentials } = benchFlow({ sandboxUrl, account: SANDBOX_ACCOUNT, partTwo, market });
  await nr.deploy(flows, credentials);
  const login = await nr.call('/bench/login', {});
  if (login.state !== 'otp-sent') throw new Error(`login: ${JSON.stringify(login)}`);
  const otp = await nr.call('/bench/otp', OTP);
  if (otp.state !== 'live') throw new Error(`otp: ${JSON.stringify(otp)}`);
  await nr.call('/bench/auth', { apiKey: SANDBOX_ACCOUNT.apiKey, token });
  return nr;
}

async function command(nr, cmd) {
  const result = await nr.call('/bench/cmd', cmd);
  if (result.error && !result.mode) throw new Error(`${JSON.stringify(cmd)}: ${result.error}`);
  if (result.errors > 0) log(`  ${cmd.cmd} ${cmd.target}: ${result.errors} error(s), last: ${result.lastError}`);
  return result;
}

function floor(mode, { sandboxUrl, token, n, warmup }) {
  const options = JSON.stringify({ mode, url: sandboxUrl, apiKey: SANDBOX_ACCOUNT.apiKey, token, n, warmup });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'floor.js'), options], { cwd: root, timeout: 300_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`floor ${mode}: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

function sameJob(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** mStock's published limit for quotes (PRODUCT.md "Rate limits"). */
const QUOTES_PER_SECOND = 20;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The JSON bodies of the quote burst: one instrument each, all different (identical reads in flight would share one call). */
function quoteBodies(n) {
  return Array.from({ length: n }, (_, i) => ({ mode: 'LTP', exchangeTokens: { NSE: [String(3045 + i)] } }));
}

/** The instrument master on its own, in a plain Node.js process with --expose-gc (bench/instruments.js). */
function instrumentFigures(counts) {
  const argv = ['--expose-gc', path.join(__dirname, 'instruments.js'), '--json', '--runs', String(counts.masterRuns)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { cwd: root, timeout: 300_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`instruments: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

/** The live feed's parser on its own, in a plain Node.js process (bench/feed-parser.js). */
function feedParserFigures(counts) {
  const argv = [path.join(__dirname, 'feed-parser.js'), '--json', '--runs', String(counts.parserRuns)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { cwd: root, timeout: 300_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`feed parser: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

/** The limiter on its own, in a plain Node.js process (bench/limiter.js). */
function limiterFigures(counts) {
  // the account's timeout (10 s, the account node's default) is longer than the 1 s bound of order calls
  const options = JSON.stringify({ burst: counts.limiterBurst, queued: counts.limiterQueued, maxWaitMs: 10_000 });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'limiter.js'), options], { cwd: root, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`limiter: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

async function mainPhases({ counts, sandbox, sandboxUrl, token, base }) {
  const partTwo = hasPartTwoNodes();
  const market = hasMarketNodes();
  log('packing this package and installing the tarball …');
  installedTemplate();
  log('starting Node-RED (--expose-gc) with the package installed from its packed tarball …');
  const nrPromise = startNodeRed({ sandboxUrl, token, nodeArgs: ['--expose-gc'], partTwo, market });
  // A₀ in a second Node-RED process, started beside the first; idle while the others are measured
  const basePromise = base.then((b) => {
    if (b.error) return undefined;
    log(`starting a second Node-RED with the package of ${b.commit.slice(0, 7)} (A₀) …`);
    return startNodeRed({ sandboxUrl, token, nodeArgs: ['--expose-gc'], tarball: b.tarball });
  });
  const [started, startedBase] = await Promise.allSettled([nrPromise, basePromise]);
  if (started.status === 'rejected' || startedBase.status === 'rejected') {
    for (const s of [started, startedBase]) {
      if (s.status === 'fulfilled' && s.value) {
        await s.value.stop();
        s.value.cleanUp();
      }
    }
    throw started.status === 'rejected' ? started.reason : startedBase.reason;
  }
  const nr = started.value;
  const nrBase = startedBase.value;
  const results = {
    seq: { A: [], A0: [], B: [], E: [], C: [], D: [] },
    burst: { A: [], B: [] },
    memory: { n: counts.memN, rounds: [] },
    base: await base,
    partTwo: partTwo ? { trades: [], quotes: [] } : undefined,
    market: market ? { candles: [], quoteLists: [] } : undefined,
  };
  const systems = nrBase ? ['A', 'A0', 'B', 'E'] : ['A', 'B', 'E'];
  // A₀ is target A of the second process
  const seqOn = (target, n) => (target === 'A0' ? command(nrBase, { cmd: 'seq', target: 'A', n }) : command(nr, { cmd: 'seq', target, n }));
  try {
    // the same job: A's and B's (and A₀'s) payloads for the same answer must be equal
    const a = await command(nr, { cmd: 'sample', target: 'A' });
    const b = await command(nr, { cmd: 'sample', target: 'B' });
    results.sameJob = sameJob(a.sample?.payload, b.sample?.payload);
    if (!results.sameJob) log(`WARNING: A and B payloads differ:\nA ${JSON.stringify(a.sample)}\nB ${JSON.stringify(b.sample)}`);
    if (nrBase) {
      const a0 = await command(nrBase, { cmd: 'sample', target: 'A' });
      results.sameAsBase = sameJob(a.sample?.payload, a0.sample?.payload);
      if (!results.sameAsBase) log(`WARNING: A and A₀ payloads differ:\nA ${JSON.stringify(a.sample)}\nA₀ ${JSON.stringify(a0.sample)}`);
    }

    log(`warm-up: ${counts.seqWarmup} sequential messages each for ${systems.join(', ')}`);
    for (const target of systems) await seqOn(target, counts.seqWarmup);

    // after the same warm-up for A and A₀ (the memory rounds come later), and A₀ before A every other run
    log(`sequential: ${counts.runs} run(s) of ${counts.seqN} messages for ${systems.join(', ')} (in Node-RED), C and D (plain Node.js)`);
    for (let r = 0; r < counts.runs; r++) {
      const order = r % 2 === 1 && nrBase ? ['A0', 'A', 'B', 'E'] : systems;
      for (const target of order) {
        const res = await seqOn(target, counts.seqN);
        results.seq[target].push({ ...res.latencyMs, totalMs: res.totalMs, errors: res.errors });
      }
      for (const [key, mode] of [['C', 'raw'], ['D', 'client']]) {
        const res = await floor(mode, { sandboxUrl, token, n: counts.seqN, warmup: counts.seqWarmup });
        results.seq[key].push({ ...res.latencyMs, totalMs: res.totalMs, errors: 0 });
      }
      const m = (k) => results.seq[k][r]?.median.toFixed(3) ?? '-';
      log(`  run ${r + 1}: median ms A ${m('A')}  A₀ ${m('A0')}  B ${m('B')}  C ${m('C')}  D ${m('D')}  E ${m('E')}`);
    }
    if (nrBase) {
      await nrBase.stop();
      nrBase.cleanUp();
    }

    log(`burst: ${counts.runs} run(s) of ${counts.burstN} triggers at once for A and B`);
    for (const target of ['A', 'B']) await command(nr, { cmd: 'burst', target, n: counts.burstWarmup });
    for (let r = 0; r < counts.runs; r++) {
      for (const target of ['A', 'B']) {
        const before = sandbox.calls.fundSummary ?? 0;
        const res = await command(nr, { cmd: 'burst', target, n: counts.burstN });
        const calls = (sandbox.calls.fundSummary ?? 0) - before;
        results.burst[target].push({ totalMs: res.totalMs, firstMs: res.firstMs, calls, errors: res.errors, answered: res.n });
      }
      log(`  run ${r + 1}: A ${results.burst.A[r].totalMs.toFixed(1)} ms / ${results.burst.A[r].calls} call(s), B ${results.burst.B[r].totalMs.toFixed(1)} ms / ${results.burst.B[r].calls} call(s)`);
    }

    log(`memory: ${counts.memWarmup} A messages of warm-up, then ${counts.memRounds} round(s) of ${counts.memN}`);
    await command(nr, { cmd: 'seq', target: 'A', n: counts.memWarmup });
    for (let r = 0; r < counts.memRounds; r++) {
      const before = await command(nr, { cmd: 'memory' });
      if (!before.gcExposed) throw new Error('global.gc is not exposed in the Node-RED process');
      const run = await command(nr, { cmd: 'seq', target: 'A', n: counts.memN });
      const after = await command(nr, { cmd: 'memory' });
      results.memory.rounds.push({ before, after, heapGrowth: after.heapUsed - before.heapUsed, rssGrowth: after.rss - before.rss, errors: run.errors, msPerMsg: run.totalMs / counts.memN });
      log(`  round ${r + 1}: heap ${(before.heapUsed / 2 ** 20).toFixed(2)} → ${(after.heapUsed / 2 ** 20).toFixed(2)} MiB, rss ${(before.rss / 2 ** 20).toFixed(1)} → ${(after.rss / 2 ** 20).toFixed(1)} MiB`);
    }

    if (partTwo) await partTwoPhase({ counts, sandbox, nr, results: results.partTwo });
    else log('Part 2: this package has no mstock-orders / mstock-request: T and Q not measured');
    if (market) await marketPhase({ counts, sandbox, nr, results: results.market });
    else log('market data: this package has no mstock-candles / mstock-quote: K and L not measured');
  } finally {
    for (const n of [nr, nrBase]) {
      if (!n) continue;
      await n.stop();
      n.cleanUp();
    }
  }
  return results;
}

/**
 * T: bursts of trade-book reads through mstock-orders (identical reads in flight: one call).
 * Q: bursts of quotes through mstock-request, each a different instrument, paced by the account's
 * limiter to mStock's 20 a second; the sandbox answers 429 past that.
 */
async function partTwoPhase({ counts, sandbox, nr, results }) {
  const calls = (endpoint) => sandbox.calls[endpoint] ?? 0;
  log(`Part 2: ${counts.runs} burst(s) of ${counts.tradesN} trade-book reads (T), then of ${counts.quotesN} quotes (Q), after one of each to warm up`);
  for (let r = -1; r < counts.runs; r++) {
    const before = calls('tradeBook');
    const res = await command(nr, { cmd: 'burst', target: 'T', n: counts.tradesN });
    if (r >= 0) results.trades.push({ totalMs: res.totalMs, calls: calls('tradeBook') - before, errors: res.errors, lastError: res.lastError });
  }
  // when each quote call reached the sandbox (its limits count arrivals): observed, not changed
  const arrivals = [];
  const limits = sandbox.limits;
  const admit = limits.admit;
  limits.admit = function (category) {
    if (category === 'quote') arrivals.push(performance.now());
    return admit.call(this, category);
  };
  try {
    for (let r = -1; r < counts.runs; r++) {
      // the account's limiter and the sandbox count the last second: start each burst with it empty
      if (r >= 0) await sleep(1100);
      const before = calls('quote');
      const refusedBefore = limits.refused.quote;
      arrivals.length = 0;
      // warm-up: as many as go at once (no wait for the window)
      const n = r < 0 ? QUOTES_PER_SECOND : counts.quotesN;
      const res = await command(nr, { cmd: 'burst', target: 'Q', n, payloads: quoteBodies(n) });
      if (r >= 0) {
        results.quotes.push({
          totalMs: res.totalMs,
          firstMs: res.firstMs,
          calls: calls('quote') - before,
          refused: limits.refused.quote - refusedBefore,
          errors: res.errors,
          lastError: res.lastError,
          // the first second's calls reach the sandbox over this span
          firstSecondSpreadMs: arrivals[QUOTES_PER_SECOND - 1] - arrivals[0],
          // under 1,000 ms: 21 calls within one second as the sandbox counts them
          shortestTwentyApartMs: Math.min(...arrivals.slice(QUOTES_PER_SECOND).map((t, i) => t - arrivals[i])),
        });
      }
    }
  } finally {
    limits.admit = admit;
  }
  const t = results.trades.at(-1);
  const q = results.quotes.at(-1);
  log(`  last: T ${t.totalMs.toFixed(1)} ms / ${t.calls} call(s); Q ${q.totalMs.toFixed(1)} ms / ${q.calls} call(s), ${q.refused} answered 429`);
}

/** mStock's data limit: one candle call a second (PRODUCT.md "Rate limits"). */
const CANDLE_CALLS_PER_SECOND = 1;

/** `n` NSE equities of the sandbox's instrument master, as "NSE:<symbol>". */
function nseEquities(sandbox, n) {
  const rows = JSON.parse(sandbox.market.masterJson().toString('utf8'));
  return rows.filter((r) => r.exch_seg === 'NSE' && /-EQ$/.test(r.name)).slice(0, n).map((r) => `NSE:${r.name}`);
}

/**
 * L: one message of `quoteListN` instruments to mstock-quote (after one to load the instrument
 * master). K: one message for a span of 5-minute candles to mstock-candles: its time against the
 * least the data limit allows, (calls − 1) seconds, as the node's calls go one at a time.
 */
async function marketPhase({ counts, sandbox, nr, results }) {
  const calls = (endpoint) => sandbox.calls[endpoint] ?? 0;
  const symbols = nseEquities(sandbox, counts.quoteListN);
  log(`market data: the instrument master, then ${counts.runs} message(s) of ${symbols.length} instruments to mstock-quote (L)`);
  for (let r = -1; r < counts.runs; r++) {
    const before = calls('quote');
    const started = performance.now();
    const answer = await nr.call('/bench/quote', symbols);
    const totalMs = performance.now() - started;
    if (answer.error) throw new Error(`quote: ${JSON.stringify(answer.error)}`);
    if (r >= 0) results.quoteLists.push({ totalMs, calls: calls('quote') - before, ...answer });
  }
  const from = new Date(Date.now() - counts.candleDays * 24 * 3600 * 1000).toISOString();
  log(`market data: ${counts.candleDays} days of ${counts.candleInterval} candles from mstock-candles (K)`);
  // the account's limiter and the sandbox count the last second: start with it empty
  await sleep(1100);
  const before = calls('historical');
  const refusedBefore = sandbox.limits.refused.data;
  const started = performance.now();
  const answer = await nr.call('/bench/candles', { instrument: symbols[0], interval: counts.candleInterval, from });
  const totalMs = performance.now() - started;
  if (answer.error) throw new Error(`candles: ${JSON.stringify(answer.error)}`);
  const made = calls('historical') - before;
  results.candles.push({ totalMs, calls: made, leastMs: ((made - 1) * 1000) / CANDLE_CALLS_PER_SECOND, refused: sandbox.limits.refused.data - refusedBefore, ...answer });
  const k = results.candles[0];
  log(`  K: ${k.count} candles in ${made} calls, ${(totalMs / 1000).toFixed(2)} s; L: ${results.quoteLists.at(-1).count} quotes in ${results.quoteLists.at(-1).calls} call(s)`);
}

async function loadPhase({ counts }) {
  log(`load: ${counts.loadRuns} start(s) each without and with the package, alternating`);
  const runs = { baseline: [], withPackage: [] };
  for (let r = 0; r < counts.loadRuns; r++) {
    for (const withPackage of [false, true]) {
      const nr = new BenchNodeRed({ withPackage, benchNodes: false }).prepare();
      const probeFile = path.join(nr.userDir, 'probe.json');
      nr.nodeArgs = ['-r', path.join(__dirname, 'lib', 'load-probe.js')];
      nr.env = { BENCH_PROBE_OUT: probeFile, BENCH_PROBE_PKG: withPackage ? nr.packageDir : '' };
      try {
        await nr.start();
        if (withPackage) {
          const set = await nr.nodeSet();
          if (set.length === 0 || set.some((s) => s.err || !s.enabled)) throw new Error(`the node set did not load: ${JSON.stringify(set)}`);
        }
      } finally {
        await nr.stop();
      }
      const probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
      nr.cleanUp();
      const sum = (key) => probe.files.reduce((total, f) => total + f[key], 0);
      (withPackage ? runs.withPackage : runs.baseline).push({
        paletteMs: probe.paletteMs,
        paletteCpuMs: probe.paletteCpuMs,
        startupMs: probe.startupMs,
        requireMs: sum('requireMs'),
        requireCpuMs: sum('requireCpuMs'),
        registerMs: sum('registerMs'),
        registerCpuMs: sum('registerCpuMs'),
        files: probe.files,
        deps: probe.deps,
      });
    }
    const [b, w] = [runs.baseline[r], runs.withPackage[r]];
    log(`  run ${r + 1}: palette phase ${b.paletteMs.toFixed(0)} ms (CPU ${b.paletteCpuMs.toFixed(0)}) without, ${w.paletteMs.toFixed(0)} ms (CPU ${w.paletteCpuMs.toFixed(0)}) with; require+register ${(w.requireMs + w.registerMs).toFixed(1)} ms (CPU ${(w.requireCpuMs + w.registerCpuMs).toFixed(1)})`);
  }
  return runs;
}

/** Frames whose inclusive time the profile section reports, matched against "function url:line". */
const KEY_FRAMES = {
  'MStockClient.call (whole client call)': /^call @nr-mstock\/node-red-mstock\/dist\/src\/api\/client\.js/,
  'axios Axios._request (axios JS and the Node.js work it starts)': /^_request axios\//,
  'Socket.setKeepAlive (setsockopt)': /^Socket\.setKeepAlive node:net/,
  'parseFunds': /^parseFunds @nr-mstock/,
  'toLowerCamel': /^toLowerCamel @nr-mstock/,
  'classifyResponse (JSON.parse included)': /^classifyResponse @nr-mstock/,
  'structuredClone (output "raw" only)': /^structuredClone/,
  'AbortController / AbortSignal': /node:internal\/abort_controller/,
  'Node.status (status updates)': /^Node\.status @node-red\/runtime/,
  'socket write (kernel, loopback)': /^writeGeneric node:internal\/stream_base_commons/,
};

async function profilePhase({ counts, sandboxUrl, token, keepDir }) {
  const dir = keepDir || fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-bench-prof-'));
  fs.mkdirSync(dir, { recursive: true });
  const intervalUs = 250;
  log(`profile: Node-RED with --cpu-prof (every ${intervalUs} µs): ${counts.profileN} sequential A, then E, then ${counts.profileBursts} bursts of ${counts.burstN} A`);
  const nr = await startNodeRed({ sandboxUrl, token, nodeArgs: ['--cpu-prof', '--cpu-prof-interval', String(intervalUs), '--cpu-prof-dir', dir] });
  const windows = {};
  try {
    for (const target of ['A', 'E']) await command(nr, { cmd: 'seq', target, n: counts.seqWarmup });
    await command(nr, { cmd: 'burst', target: 'A', n: counts.burstWarmup });
    for (const target of ['A', 'E']) {
      const res = await command(nr, { cmd: 'seq', target, n: counts.profileN });
      windows[target] = { windows: [{ startUs: res.hrStart, endUs: res.hrEnd }], messages: counts.profileN, medianMs: res.latencyMs.median };
    }
    windows.burstA = { windows: [], messages: 0, totalMs: [] };
    for (let i = 0; i < counts.profileBursts; i++) {
      const res = await command(nr, { cmd: 'burst', target: 'A', n: counts.burstN });
      windows.burstA.windows.push({ startUs: res.hrStart, endUs: res.hrEnd });
      windows.burstA.messages += counts.burstN;
      windows.burstA.totalMs.push(res.totalMs);
    }
  } finally {
    await nr.stop();
    nr.cleanUp();
  }
  const file = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (windows.A.windows[0].startUs < profile.startTime || windows.A.windows[0].endUs > profile.endTime) {
    log('WARNING: the A window lies outside the profile; do the clocks differ?');
  }
  const result = { intervalUs, file: keepDir ? file : undefined };
  for (const [key, w] of Object.entries(windows)) {
    result[key] = { ...analyse(profile, { windows: w.windows, messages: w.messages, keyFrames: KEY_FRAMES }), medianMs: w.medianMs, totalMs: w.totalMs };
  }
  if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  else fs.writeFileSync(path.join(dir, 'windows.json'), JSON.stringify(windows, null, 2));
  return result;
}

function summarise({ counts, env, main, load, profile, limiter, instruments, feed }) {
  const seq = {};
  for (const [k, runs] of Object.entries(main.seq)) {
    seq[k] = { runs, median: median(runs.map((r) => r.median)), p99: median(runs.map((r) => r.p99)), errors: runs.reduce((s, r) => s + r.errors, 0) };
  }
  const base = main.base;
  const ratio = (x, y, f = 'median') => seq[x][f] / seq[y][f];
  const ratios = { AB: ratio('A', 'B'), AC: ratio('A', 'C'), ABp99: ratio('A', 'B', 'p99'), ACp99: ratio('A', 'C', 'p99'), DC: ratio('D', 'C'), EC: ratio('E', 'C'), AE: ratio('A', 'E'), AD: ratio('A', 'D') };
  // the same ratio within each run (its systems ran back to back): shows how much the machine moved
  const perRun = (x, y) => seq[x].runs.map((r, i) => r.median / seq[y].runs[i].median);
  ratios.perRun = { AB: perRun('A', 'B'), AC: perRun('A', 'C'), DC: perRun('D', 'C'), EC: perRun('E', 'C'), AE: perRun('A', 'E') };
  if (seq.A0.runs.length > 0) {
    // C ran once per run for both, so A/C ÷ A₀/C is A/A₀: one figure, shown with both A/C
    Object.assign(ratios, { A0C: ratio('A0', 'C'), AA0: ratio('A', 'A0'), A0B: ratio('A0', 'B'), AA0p99: ratio('A', 'A0', 'p99') });
    Object.assign(ratios.perRun, { AA0: perRun('A', 'A0'), A0C: perRun('A0', 'C') });
  }
  const burst = {};
  for (const [k, runs] of Object.entries(main.burst)) {
    burst[k] = { runs, totalMs: median(runs.map((r) => r.totalMs)), calls: median(runs.map((r) => r.calls)), maxCalls: Math.max(...runs.map((r) => r.calls)), errors: runs.reduce((s, r) => s + r.errors, 0) };
  }
  burst.speedup = burst.B.totalMs / burst.A.totalMs;
  const heapGrowths = main.memory.rounds.map((r) => r.heapGrowth);
  const memory = { ...main.memory, heapGrowth: median(heapGrowths), maxHeapGrowth: Math.max(...heapGrowths), rssGrowth: median(main.memory.rounds.map((r) => r.rssGrowth)) };
  const loadSummary = load && {
    runs: load,
    baselinePaletteMs: median(load.baseline.map((r) => r.paletteMs)),
    withPaletteMs: median(load.withPackage.map((r) => r.paletteMs)),
    baselinePaletteCpuMs: median(load.baseline.map((r) => r.paletteCpuMs)),
    withPaletteCpuMs: median(load.withPackage.map((r) => r.paletteCpuMs)),
    baselineStartupMs: median(load.baseline.map((r) => r.startupMs)),
    withStartupMs: median(load.withPackage.map((r) => r.startupMs)),
    requireMs: median(load.withPackage.map((r) => r.requireMs)),
    requireCpuMs: median(load.withPackage.map((r) => r.requireCpuMs)),
    registerMs: median(load.withPackage.map((r) => r.registerMs)),
    registerCpuMs: median(load.withPackage.map((r) => r.registerCpuMs)),
    deps: {},
    files: {},
  };
  if (loadSummary) {
    loadSummary.paletteDeltaMs = loadSummary.withPaletteMs - loadSummary.baselinePaletteMs;
    loadSummary.paletteCpuDeltaMs = loadSummary.withPaletteCpuMs - loadSummary.baselinePaletteCpuMs;
    loadSummary.startupDeltaMs = loadSummary.withStartupMs - loadSummary.baselineStartupMs;
    for (const dep of Object.keys(load.withPackage[0]?.deps ?? {})) {
      loadSummary.deps[dep] = {
        ms: median(load.withPackage.map((r) => r.deps[dep]?.ms ?? 0)),
        cpuMs: median(load.withPackage.map((r) => r.deps[dep]?.cpuMs ?? 0)),
      };
    }
  }
  const MiB = 2 ** 20;
  const perRunText = (list) => `per run ${list.map((v) => v.toFixed(2)).join(' · ')}`;
  const baseName = base.commit ? base.commit.slice(0, 7) : base.rev ?? DEFAULT_BASE;
  const targets = [
    { name: 'sequential median A/B', required: '≤ 0.55', measured: `${ratios.AB.toFixed(2)} (${perRunText(ratios.perRun.AB)})`, pass: ratios.AB <= 0.55 },
    { name: 'sequential median A/C', required: '≤ 1.25', measured: `${ratios.AC.toFixed(2)} (${perRunText(ratios.perRun.AC)})`, pass: ratios.AC <= 1.25 },
    ratios.AA0 !== undefined
      ? {
          name: `funds path against ${baseName} (A₀, run beside it): A/C ÷ A₀/C`,
          required: '≤ 1.10',
          measured: `${ratios.AA0.toFixed(2)} (A/C ${ratios.AC.toFixed(2)}, A₀/C ${ratios.A0C.toFixed(2)}; A/A₀ ${perRunText(ratios.perRun.AA0)})`,
          pass: ratios.AA0 <= 1.1,
        }
      : { name: `funds path against ${baseName} (A₀, run beside it): A/C ÷ A₀/C`, required: '≤ 1.10', measured: `not measured: ${base.error}`, pass: false },
    { name: `burst of ${counts.burstN}: upstream calls by A`, required: '≤ 2', measured: `${burst.A.maxCalls} (most in any run)`, pass: burst.A.maxCalls <= 2 },
    { name: `burst of ${counts.burstN}: B time / A time`, required: '≥ 5×', measured: `${burst.speedup.toFixed(1)}×`, pass: burst.speedup >= 5 },
    {
      name: `heap growth over ${counts.memN.toLocaleString('en-US')} A messages`,
      required: '< 2 MB',
      measured: `${(memory.heapGrowth / MiB).toFixed(2)} MiB (median of ${memory.rounds.length}; most ${(memory.maxHeapGrowth / MiB).toFixed(2)})`,
      pass: memory.heapGrowth < 2e6,
      note: counts.memN < 20000 ? `quick mode: ${counts.memN} messages, not 20,000` : undefined,
    },
    ...partTwoTargets({ counts, partTwo: main.partTwo }),
    ...marketTargets({ counts, market: main.market }),
    ...limiterTargets({ counts, limiter }),
    ...instrumentTargets(instruments),
    ...feedTargets(feed),
  ];
  return { counts, env, seq, ratios, burst, memory, load: loadSummary, profile, sameJob: main.sameJob, sameAsBase: main.sameAsBase, base, partTwo: main.partTwo, market: main.market, limiter, instruments, feed, targets };
}

function partTwoTargets({ counts, partTwo }) {
  const tradesName = `burst of ${counts.tradesN} trade-book reads (mstock-orders): upstream calls`;
  const quotes429Name = `burst of ${counts.quotesN} quotes (mstock-request): answered 429 by the sandbox`;
  const quotesTimeName = `burst of ${counts.quotesN} quotes: time ÷ the least mStock's ${QUOTES_PER_SECOND}/s allows (${(Math.ceil(counts.quotesN / QUOTES_PER_SECOND) - 1).toFixed(1)} s)`;
  if (!partTwo) {
    const measured = 'not measured: this package has no mstock-orders / mstock-request';
    return [
      [tradesName, '1'],
      [quotes429Name, '0'],
      [quotesTimeName, '≤ 1.10'],
    ].map(([name, required]) => ({ name, required, measured, pass: false }));
  }
  const { trades, quotes } = partTwo;
  const list = (runs, f) => runs.map(f).join(' · ');
  const maxCalls = Math.max(...trades.map((r) => r.calls));
  const tradeErrors = trades.reduce((sum, r) => sum + r.errors, 0);
  const refused = quotes.reduce((sum, r) => sum + r.refused, 0);
  const quoteErrors = quotes.reduce((sum, r) => sum + r.errors, 0);
  // the 21st to 30th quote can go when the first second has passed: 1.0 s after the first
  const minimumMs = (Math.ceil(counts.quotesN / QUOTES_PER_SECOND) - 1) * 1000;
  const quoteMs = median(quotes.map((r) => r.totalMs));
  const quoteRatio = quoteMs / minimumMs;
  return [
    {
      name: tradesName,
      required: '1',
      measured: `${maxCalls} (most in any run; per run ${list(trades, (r) => r.calls)}; all answered in ${list(trades, (r) => `${r.totalMs.toFixed(1)} ms`)})${tradeErrors ? `; ${tradeErrors} error(s): ${trades.find((r) => r.errors).lastError}` : ''}`,
      pass: maxCalls === 1 && tradeErrors === 0,
    },
    {
      name: quotes429Name,
      required: '0',
      measured: `${refused} (calls per run ${list(quotes, (r) => r.calls)})${quoteErrors ? `; ${quoteErrors} error(s): ${quotes.find((r) => r.errors).lastError}` : ''}`,
      pass: refused === 0 && quoteErrors === 0 && quotes.every((r) => r.calls === counts.quotesN),
    },
    {
      name: quotesTimeName,
      required: '≤ 1.10',
      measured: `${quoteRatio.toFixed(3)} (all answered in ${list(quotes, (r) => `${r.totalMs.toFixed(1)} ms`)})${quoteErrors ? `, but ${quoteErrors} of the calls failed, so not all were paced` : ''}`,
      pass: quoteRatio <= 1.1 && quoteErrors === 0,
    },
  ];
}

function marketTargets({ counts, market }) {
  const candleName = `${counts.candleDays} days of ${counts.candleInterval} candles (mstock-candles): time ÷ the least the data limit allows`;
  const quoteName = `quotes for ${counts.quoteListN} instruments (mstock-quote): calls`;
  if (!market) return [[candleName, '≤ 1.10'], [quoteName, '1']].map(([name, required]) => ({ name, required, measured: 'not measured: no market-data nodes', pass: false }));
  const k = market.candles[0];
  const ratio = k.totalMs / k.leastMs;
  const callsPerRun = market.quoteLists.map((r) => r.calls);
  return [
    {
      name: candleName,
      required: '≤ 1.10',
      measured: `${ratio.toFixed(3)} (${k.count.toLocaleString('en-US')} candles, oldest first ${k.oldestFirst ? 'yes' : 'NO'}, in ${k.calls} calls: ${(k.totalMs / 1000).toFixed(2)} s against ${(k.leastMs / 1000).toFixed(0)} s; 429s ${k.refused})`,
      pass: ratio <= 1.1 && k.oldestFirst && k.refused === 0,
    },
    {
      name: quoteName,
      required: '1',
      measured: `${callsPerRun.join(' · ')} per message (${market.quoteLists.at(-1).priced} of ${counts.quoteListN} priced; ${market.quoteLists.map((r) => `${r.totalMs.toFixed(1)} ms`).join(' · ')})`,
      pass: callsPerRun.every((n) => n === 1) && market.quoteLists.every((r) => r.priced === counts.quoteListN),
    },
  ];
}

/** The slack allowed over the 1 s bound for the event loop to fire the limiter's timer. */
const TIMER_SLACK_MS = 50;

/** The instrument master's three targets (bench/instruments.js). */
function instrumentTargets(instruments) {
  const names = [
    ['instrument master: load+index vs JSON.parse (ratio, target < 1.5)', '< 1.5'],
    ['instrument master: heap added (MB, target ≤ 60)', '≤ 60 MB'],
    ['instrument master: lookup µs (target < 20)', '< 20 µs'],
  ];
  if (instruments.error) return names.map(([name, required]) => ({ name, required, measured: `not measured: ${instruments.error}`, pass: false }));
  const f = instruments;
  const heapMB = f.heapMasterBytes / 1e6;
  return [
    {
      name: names[0][0],
      required: names[0][1],
      measured: `${f.ratio.toFixed(2)} (load ${f.loadMs.toFixed(1)} ms, JSON.parse ${f.parseMs.toFixed(1)} ms: medians of ${f.runs} alternated runs; per-run ratios' median ${f.ratioPerRun.toFixed(2)})`,
      pass: f.ratio < 1.5,
    },
    {
      name: names[1][0],
      required: names[1][1],
      measured: `${heapMB.toFixed(1)} MB, the text it reads included${f.gc ? '' : ' (without --expose-gc: not meaningful)'}`,
      pass: f.gc && heapMB <= 60,
    },
    {
      name: names[2][0],
      required: names[2][1],
      measured: `${f.lookupSymbolUs.toFixed(2)} µs (resolve "EXCHANGE:symbol" of random rows; by token ${f.lookupTokenUs.toFixed(2)} µs)`,
      pass: f.lookupSymbolUs < 20,
    },
  ];
}

/** Lag at the end may exceed lag at the start by this much and still count as not growing (timer and scheduling noise). */
const LAG_GROWTH_ALLOWED_MS = 50;

/** The live feed's targets: the parser (bench/feed-parser.js), S and T (bench/feed.js). */
function feedTargets(feed) {
  const parserName = 'live feed parser: parseFeedFrame time ÷ an SDK-style DataView loop, same frames';
  const rateName = 'live feed S: ticks a second delivered through one mstock-ticks node, sustained';
  const lagName = 'live feed S: lag (sandbox send → function node), end vs start';
  const heapName = 'live feed S: heap after GC, end − start';
  const throttleName = 'live feed T: throttle 1000 ms on 500 instruments: messages in any second';
  const parser = feed.parser;
  const out = [];
  if (parser.error) out.push({ name: parserName, required: '≤ 1.00', measured: `not measured: ${parser.error}`, pass: false });
  else {
    out.push({
      name: parserName,
      required: '≤ 1.00',
      measured: `${parser.ratio.toFixed(2)} (${parser.oursNsPerTick.toFixed(0)} ns against ${parser.sdkNsPerTick.toFixed(0)} ns a tick; per-run ratios' median ${parser.ratioPerRun.toFixed(2)})`,
      pass: parser.ratio <= 1,
    });
  }
  if (feed.ticks.error) {
    for (const [name, required] of [[rateName, '≥ 20,000/s'], [lagName, 'not growing'], [heapName, '< 5 MB'], [throttleName, '≤ 500']]) {
      out.push({ name, required, measured: `not measured: ${feed.ticks.error}`, pass: false });
    }
    return out;
  }
  const { stream: st, throttle: th } = feed.ticks;
  const MiB = 2 ** 20;
  const counted = `${st.counted.toLocaleString('en-US')} ticks in ${st.seconds.toFixed(1)} s`;
  out.push(
    {
      name: rateName,
      required: '≥ 20,000/s',
      measured: `${st.deliveredPerSecond.toFixed(0)}/s (${counted}; offered ${st.offeredPerSecond.toLocaleString('en-US')}/s, sent ${st.sentPerSecond.toFixed(0)}/s)`,
      pass: st.deliveredPerSecond >= 20000,
    },
    {
      name: lagName,
      required: `not growing (end ≤ start + ${LAG_GROWTH_ALLOWED_MS} ms)`,
      measured: `${st.lagStartMs} ms at the start, ${st.lagEndMs} ms at the end (medians of the first and last tenth of ${st.lagSamples} samples); p99 ${st.lagP99Ms} ms, most ${st.lagMaxMs} ms`,
      pass: st.lagEndMs <= st.lagStartMs + LAG_GROWTH_ALLOWED_MS,
    },
    {
      name: heapName,
      required: '< 5 MB',
      measured: `${(st.heapGrowth / MiB).toFixed(2)} MiB (${(st.heapStart / MiB).toFixed(1)} → ${(st.heapEnd / MiB).toFixed(1)} MiB over ${counted})`,
      pass: st.heapGrowth < 5e6,
    },
    {
      name: throttleName,
      required: '≤ 500',
      measured: `${th.mostInASecond} (per second ${th.perSecond.join(' · ')}, over ${th.seconds} s; ~${th.ticksSentPerSecond.toFixed(0)} ticks/s sent)`,
      pass: th.mostInASecond <= 500 && th.topics === th.instruments,
    },
  );
  return out;
}

function limiterTargets({ counts, limiter }) {
  const burstName = `limiter, ${counts.limiterBurst} order calls at once: sent at once / after the first second`;
  const holdName = `limiter, ${counts.limiterQueued} order calls at once: longest hold in the queue (sent or refused)`;
  const holdRequired = `≤ 1000 ms + timer slack (${TIMER_SLACK_MS} ms); the rest refused (MSTOCK_RATE_LIMITED)`;
  if (limiter.error) {
    return [
      [burstName, '30 / 10 at ~1 s'],
      [holdName, holdRequired],
    ].map(([name, required]) => ({ name, required, measured: `not measured: ${limiter.error}`, pass: false }));
  }
  const { burst, queued, orderMaxWaitMs, orderPerSecond } = limiter;
  const ms = (v) => `${v.toFixed(1)} ms`;
  // the burst stays under two seconds' worth: one second's sends at once, the rest after it
  const atOnce = Math.min(burst.n, orderPerSecond);
  const later = burst.n - atOnce;
  const burstPass =
    burst.sentAtOnce === atOnce && burst.sentLater === later && burst.refused === 0 && (later === 0 || (burst.laterFirstMs >= orderMaxWaitMs - 10 && burst.laterLastMs <= orderMaxWaitMs + TIMER_SLACK_MS));
  // how many more go at ~1 s depends on when the first ones were answered (the window counts a
  // call from its answer) and when each was queued: every call is either sent or refused, none held
  const sent = queued.sentAtOnce + queued.sentLater;
  const holdPass =
    queued.longestInQueueMs <= orderMaxWaitMs + TIMER_SLACK_MS &&
    queued.sentAtOnce === Math.min(queued.n, orderPerSecond) &&
    sent <= 2 * orderPerSecond &&
    sent + queued.refused === queued.n &&
    queued.refusedCodes.length === 1 &&
    queued.refusedCodes[0] === 'MSTOCK_RATE_LIMITED';
  return [
    {
      name: burstName,
      required: `${atOnce} / ${later} at ~1 s`,
      measured: `${burst.sentAtOnce} within ${ms(burst.atOnceLastMs)} / ${burst.sentLater} at ${ms(burst.laterFirstMs)}–${ms(burst.laterLastMs)}; ${burst.refused} refused`,
      pass: burstPass,
    },
    {
      name: holdName,
      required: holdRequired,
      measured:
        `${ms(queued.longestInQueueMs)}; ${sent} sent (${queued.sentAtOnce} at once, ${queued.sentLater} at ~1 s), ` +
        `${queued.refused} refused (${queued.refusedCodes.join(', ') || 'none'}) at ${ms(queued.refusedFirstMs)}–${ms(queued.refusedLastMs)}; a plain 1 s timer fired ${ms(queued.timerLateMs)} late`,
      pass: holdPass,
    },
  ];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const counts = countsFor(args);
  const started = Date.now();
  const env = environment();
  log(`${counts.mode} mode on ${env.cpu} (${env.cores} cores), Node ${env.node}, Node-RED ${env.nodeRed}`);
  // built (once per commit, kept in the system's temporary folder) while this package is packed and installed
  const base = args.base
    ? prepareBase(args.base).catch((err) => {
        log(`A₀: the package of ${args.base} could not be had: ${err.message.split('\n')[0]}`);
        return { rev: args.base, error: `the package of ${args.base} could not be had (${err.message.split('\n')[0]})` };
      })
    : Promise.resolve({ error: 'no base commit (--no-base)' });
  const sandbox = new Sandbox({ fixedOtp: OTP, latencyMs: 0 });
  const sandboxUrl = await sandbox.start();
  let summary;
  try {
    const token = await sessionToken(sandboxUrl);
    const main = await mainPhases({ counts, sandbox, sandboxUrl, token, base });
    log(`limiter: ${counts.limiterBurst}, then ${counts.limiterQueued} order calls at once (plain Node.js, system clock)`);
    const limiter = await limiterFigures(counts).catch((err) => ({ error: err.message.split('\n')[0] }));
    log(`instrument master: the sandbox's, loaded and JSON.parse'd ${counts.masterRuns} times each, alternated (plain Node.js)`);
    const instruments = await instrumentFigures(counts).catch((err) => ({ error: err.message.split('\n')[0] }));
    log(`live feed parser: ${counts.parserRuns} timed runs each of ours and an SDK-style loop, alternated (plain Node.js)`);
    const parser = await feedParserFigures(counts).catch((err) => ({ error: err.message.split('\n')[0] }));
    log('live feed: ticks end to end into a third Node-RED process (bench/feed.js)');
    const ticks = await feedPhase({ quick: args.quick, log }).catch((err) => {
      log(`live feed: ${err.message.split('\n')[0]}`);
      return { error: err.message.split('\n')[0] };
    });
    const feed = { parser, ticks };
    const load = counts.loadRuns > 0 ? await loadPhase({ counts }) : undefined;
    const profile = args.profile ? await profilePhase({ counts, sandboxUrl, token, keepDir: args.keepProfile }) : undefined;
    summary = summarise({ counts, env, main, load, profile, limiter, instruments, feed });
  } finally {
    await sandbox.stop();
    // the packed tarball and its install, made once by the harness for every Node-RED started here
    fs.rmSync(installedTemplate().dir, { recursive: true, force: true });
  }
  summary.elapsedS = (Date.now() - started) / 1000;
  summary.env.loadAverageAtEnd = os.loadavg();
  process.stdout.write(renderConsole(summary));
  if (args.write) {
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, renderMarkdown(summary));
    log(`wrote ${path.relative(process.cwd(), args.out) || args.out}`);
  } else {
    log(args.quick ? `not written (quick mode; add --write to write ${path.relative(root, args.out)})` : 'not written (--no-write)');
  }
  log(`done in ${summary.elapsedS.toFixed(1)} s`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
