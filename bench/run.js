#!/usr/bin/env node
'use strict';
// Benchmark: mstock-funds (A) against the same job wired with core nodes (B) and against a raw
// keep-alive http.request loop in a plain Node.js process (C, the floor), on one real Node-RED 4.1
// process and the embedded sandbox with no added latency.
//
//   node bench/run.js            full run (5 runs per figure, ~5 min); writes docs/BENCHMARKS.md
//   node bench/run.js --quick    small counts, 1 run, < 60 s; prints only (add --write to write)
//
// Options: --write (quick mode: write docs/BENCHMARKS.md too), --no-write, --no-profile,
// --profile (quick mode: profile too), --runs N, --out FILE (instead of docs/BENCHMARKS.md),
// --keep-profile DIR (keep the .cpuprofile there).
//
// Messages are generated inside Node-RED by the bench-driver node (bench/nodered/): the Admin
// API and this process are outside every measured window. See docs/BENCHMARKS.md for the method.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync } = require('node:child_process');
const { BenchNodeRed, root } = require('./lib/nodered');
const { installedTemplate } = require('../test/e2e/harness');
const { benchFlow } = require('./lib/flow');
const { median } = require('./lib/stats');
const { analyse } = require('./lib/cpuprofile');
const { renderMarkdown, renderConsole } = require('./lib/report');

const { Sandbox, SANDBOX_ACCOUNT } = require(path.join(root, 'dist', 'src', 'sandbox', 'server'));
const { MStockClient } = require(path.join(root, 'dist', 'src', 'api', 'client'));

const OTP = '123456';

function parseArgs(argv) {
  const args = { quick: false, write: undefined, profile: undefined, runs: undefined, out: path.join(root, 'docs', 'BENCHMARKS.md'), keepProfile: undefined };
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
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(path.join(__dirname, 'run.js'), 'utf8').split('\n').slice(2, 15).join('\n').replace(/^\/\/ ?/gm, '') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (args.write === undefined) args.write = !args.quick;
  if (args.profile === undefined) args.profile = !args.quick;
  return args;
}

function countsFor(args) {
  const c = args.quick
    ? { mode: 'quick', runs: 1, seqN: 300, seqWarmup: 200, burstN: 1000, burstWarmup: 100, memN: 2000, memRounds: 1, memWarmup: 500, loadRuns: 1, profileN: 1000, profileBursts: 1 }
    : { mode: 'full', runs: 5, seqN: 2000, seqWarmup: 500, burstN: 1000, burstWarmup: 200, memN: 20000, memRounds: 3, memWarmup: 2000, loadRuns: 5, profileN: 3000, profileBursts: 3 };
  if (Number.isInteger(args.runs) && args.runs > 0) c.runs = args.runs;
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

/** Starts Node-RED, deploys the bench flow, logs A in (login + OTP) and gives B/E the token. */
async function startNodeRed({ sandboxUrl, token, nodeArgs }) {
  const nr = new BenchNodeRed({ nodeArgs });
  await nr.start();
  const { flows, credentials } = benchFlow({ sandboxUrl, account: SANDBOX_ACCOUNT });
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

async function mainPhases({ counts, sandbox, sandboxUrl, token }) {
  log('starting Node-RED (--expose-gc) with the package installed from its packed tarball …');
  const nr = await startNodeRed({ sandboxUrl, token, nodeArgs: ['--expose-gc'] });
  const results = { seq: { A: [], B: [], E: [], C: [], D: [] }, burst: { A: [], B: [] }, memory: { n: counts.memN, rounds: [] } };
  try {
    // the same job: A's and B's payloads for the same answer must be equal
    const a = await command(nr, { cmd: 'sample', target: 'A' });
    const b = await command(nr, { cmd: 'sample', target: 'B' });
    results.sameJob = sameJob(a.sample?.payload, b.sample?.payload);
    if (!results.sameJob) log(`WARNING: A and B payloads differ:\nA ${JSON.stringify(a.sample)}\nB ${JSON.stringify(b.sample)}`);

    log(`warm-up: ${counts.seqWarmup} sequential messages each for A, B, E`);
    for (const target of ['A', 'B', 'E']) await command(nr, { cmd: 'seq', target, n: counts.seqWarmup });

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

    log(`sequential: ${counts.runs} run(s) of ${counts.seqN} messages for A, B, E (in Node-RED), C and D (plain Node.js)`);
    for (let r = 0; r < counts.runs; r++) {
      for (const target of ['A', 'B', 'E']) {
        const res = await command(nr, { cmd: 'seq', target, n: counts.seqN });
        results.seq[target].push({ ...res.latencyMs, totalMs: res.totalMs, errors: res.errors });
      }
      for (const [key, mode] of [['C', 'raw'], ['D', 'client']]) {
        const res = await floor(mode, { sandboxUrl, token, n: counts.seqN, warmup: counts.seqWarmup });
        results.seq[key].push({ ...res.latencyMs, totalMs: res.totalMs, errors: 0 });
      }
      const m = (k) => results.seq[k][r].median.toFixed(3);
      log(`  run ${r + 1}: median ms A ${m('A')}  B ${m('B')}  C ${m('C')}  D ${m('D')}  E ${m('E')}`);
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
  } finally {
    await nr.stop();
    nr.cleanUp();
  }
  return results;
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

function summarise({ counts, env, main, load, profile }) {
  const seq = {};
  for (const [k, runs] of Object.entries(main.seq)) {
    seq[k] = { runs, median: median(runs.map((r) => r.median)), p99: median(runs.map((r) => r.p99)), errors: runs.reduce((s, r) => s + r.errors, 0) };
  }
  const ratio = (x, y, f = 'median') => seq[x][f] / seq[y][f];
  const ratios = { AB: ratio('A', 'B'), AC: ratio('A', 'C'), ABp99: ratio('A', 'B', 'p99'), ACp99: ratio('A', 'C', 'p99'), DC: ratio('D', 'C'), EC: ratio('E', 'C'), AE: ratio('A', 'E'), AD: ratio('A', 'D') };
  // the same ratio within each run (its systems ran back to back): shows how much the machine moved
  const perRun = (x, y) => seq[x].runs.map((r, i) => r.median / seq[y].runs[i].median);
  ratios.perRun = { AB: perRun('A', 'B'), AC: perRun('A', 'C'), DC: perRun('D', 'C'), EC: perRun('E', 'C'), AE: perRun('A', 'E') };
  const burst = {};
  for (const [k, runs] of Object.entries(main.burst)) {
    burst[k] = { runs, totalMs: median(runs.map((r) => r.totalMs)), calls: median(runs.map((r) => r.calls)), maxCalls: Math.max(...runs.map((r) => r.calls)), errors: runs.reduce((s, r) => s + r.errors, 0) };
  }
  burst.speedup = burst.B.totalMs / burst.A.totalMs;
  const heapGrowths = main.memory.rounds.map((r) => r.heapGrowth);
  const memory = { ...main.memory, heapGrowth: median(heapGrowths), maxHeapGrowth: Math.max(...heapGrowths), rssGrowth: median(main.memory.rounds.map((r) => r.rssGrowth)) };
  const loadSummary = {
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
  loadSummary.paletteDeltaMs = loadSummary.withPaletteMs - loadSummary.baselinePaletteMs;
  loadSummary.paletteCpuDeltaMs = loadSummary.withPaletteCpuMs - loadSummary.baselinePaletteCpuMs;
  loadSummary.startupDeltaMs = loadSummary.withStartupMs - loadSummary.baselineStartupMs;
  for (const dep of Object.keys(load.withPackage[0]?.deps ?? {})) {
    loadSummary.deps[dep] = {
      ms: median(load.withPackage.map((r) => r.deps[dep]?.ms ?? 0)),
      cpuMs: median(load.withPackage.map((r) => r.deps[dep]?.cpuMs ?? 0)),
    };
  }
  const MiB = 2 ** 20;
  const targets = [
    { name: 'sequential median A/B', required: '≤ 0.50', measured: `${ratios.AB.toFixed(2)} (per run ${ratios.perRun.AB.map((v) => v.toFixed(2)).join(' · ')})`, pass: ratios.AB <= 0.5 },
    { name: 'sequential median A/C', required: '≤ 1.25', measured: `${ratios.AC.toFixed(2)} (per run ${ratios.perRun.AC.map((v) => v.toFixed(2)).join(' · ')})`, pass: ratios.AC <= 1.25 },
    { name: `burst of ${counts.burstN}: upstream calls by A`, required: '≤ 2', measured: `${burst.A.maxCalls} (most in any run)`, pass: burst.A.maxCalls <= 2 },
    { name: `burst of ${counts.burstN}: B time / A time`, required: '≥ 5×', measured: `${burst.speedup.toFixed(1)}×`, pass: burst.speedup >= 5 },
    {
      name: `heap growth over ${counts.memN.toLocaleString('en-US')} A messages`,
      required: '< 2 MB',
      measured: `${(memory.heapGrowth / MiB).toFixed(2)} MiB (median of ${memory.rounds.length}; most ${(memory.maxHeapGrowth / MiB).toFixed(2)})`,
      pass: memory.heapGrowth < 2e6,
      note: counts.memN < 20000 ? `quick mode: ${counts.memN} messages, not 20,000` : undefined,
    },
  ];
  return { counts, env, seq, ratios, burst, memory, load: loadSummary, profile, sameJob: main.sameJob, targets };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const counts = countsFor(args);
  const started = Date.now();
  const env = environment();
  log(`${counts.mode} mode on ${env.cpu} (${env.cores} cores), Node ${env.node}, Node-RED ${env.nodeRed}`);
  const sandbox = new Sandbox({ fixedOtp: OTP, latencyMs: 0 });
  const sandboxUrl = await sandbox.start();
  let summary;
  try {
    const token = await sessionToken(sandboxUrl);
    const main = await mainPhases({ counts, sandbox, sandboxUrl, token });
    const load = await loadPhase({ counts });
    const profile = args.profile ? await profilePhase({ counts, sandboxUrl, token, keepDir: args.keepProfile }) : undefined;
    summary = summarise({ counts, env, main, load, profile });
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
    log(`not written (quick mode; add --write to write ${path.relative(root, args.out)})`);
  }
  log(`done in ${summary.elapsedS.toFixed(1)} s`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
