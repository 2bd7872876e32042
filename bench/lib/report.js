'use strict';
// Turns the bench summary into the tables printed to stdout and into docs/BENCHMARKS.md.

const MiB = 2 ** 20;
const ms = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}` : 'n/a');
const mib = (v) => `${(v / MiB).toFixed(2)} MiB`;
const passMiss = (t) => (t.pass ? '**pass**' : '**miss**');

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const SYSTEMS = {
  A: 'A: `mstock-funds` (after login + OTP in the flow)',
  A0: 'A₀: `mstock-funds` of the base commit, in a second Node-RED process (same flow)',
  B: 'B: core nodes: function (3 headers) → `http request` (GET, parsed JSON, keep-alive) → function (numbers)',
  C: 'C: raw `http.request` keep-alive loop, plain Node.js (the floor)',
  D: 'D: `MStockClient.fundSummary` + `parseFunds` loop, plain Node.js (diagnostic)',
  E: 'E: raw `http.request` in a bench node inside Node-RED (diagnostic)',
};

function sequentialTable(s) {
  const systems = ['A', 'A0', 'B', 'C', 'D', 'E'].filter((k) => s.seq[k].runs.length > 0);
  return table(
    ['system', 'median ms', 'p99 ms', 'median per run (ms)', 'errors'],
    systems.map((k) => [SYSTEMS[k], ms(s.seq[k].median), ms(s.seq[k].p99), s.seq[k].runs.map((r) => ms(r.median)).join(' · '), String(s.seq[k].errors)]),
  );
}

function ratiosTable(s) {
  const r = s.ratios;
  const runs = (key) => r.perRun[key].map(x).join(' · ');
  return table(
    ['ratio', 'of the medians', 'within each run', 'p99'],
    [
      ['**A/B** (ours vs core nodes)', `**${x(r.AB)}**`, runs('AB'), x(r.ABp99)],
      ['**A/C** (ours vs the raw floor)', `**${x(r.AC)}**`, runs('AC'), x(r.ACp99)],
      ['D/C (our client without Node-RED vs the floor)', x(r.DC), runs('DC'), ''],
      ['E/C (Node-RED message passing + raw HTTP vs the floor)', x(r.EC), runs('EC'), ''],
      ['A/E (ours vs raw HTTP, both inside Node-RED)', x(r.AE), runs('AE'), ''],
      ...(r.AA0 !== undefined
        ? [
            ['**A/A₀** (this commit vs the base; = A/C ÷ A₀/C)', `**${x(r.AA0)}**`, runs('AA0'), x(r.AA0p99)],
            ['A₀/C (the base vs the raw floor)', x(r.A0C), runs('A0C'), ''],
            ['A₀/B (the base vs core nodes)', x(r.A0B), '', ''],
          ]
        : []),
    ],
  );
}

function baseLine(s) {
  const b = s.base;
  if (!b || b.error) return `A₀ (the base commit) was not measured: ${b?.error ?? 'no base'}.`;
  return (
    `A₀ is \`mstock-funds\` of commit ${b.commit.slice(0, 12)} ("${b.subject}"), built from \`git archive\` and installed from its packed tarball beside the same dependencies, ` +
    `in a second Node-RED process with the same flow, logged in to the same sandbox; it was measured in each run beside A. ` +
    `A's and A₀'s \`msg.payload\` for the same answer are ${s.sameAsBase ? 'identical' : '**not identical**'}.`
  );
}

function partTwoSection(s) {
  const p = s.partTwo;
  if (!p) return '_Not measured: this package has no `mstock-orders` / `mstock-request`._';
  const c = s.counts;
  return [
    table(
      ['burst', 'all answered (ms, per run)', 'upstream calls (per run)', 'answered 429 (per run)', 'errors'],
      [
        [`T: ${c.tradesN} × \`mstock-orders\` view "trades"`, p.trades.map((r) => ms(r.totalMs, 1)).join(' · '), p.trades.map((r) => r.calls).join(' · '), '', String(p.trades.reduce((n, r) => n + r.errors, 0))],
        [`Q: ${c.quotesN} × \`mstock-request\` GET instruments/quote`, p.quotes.map((r) => ms(r.totalMs, 1)).join(' · '), p.quotes.map((r) => r.calls).join(' · '), p.quotes.map((r) => r.refused).join(' · '), String(p.quotes.reduce((n, r) => n + r.errors, 0))],
      ],
    ),
    '',
    table(
      ['Q: when the calls reached the sandbox', 'ms, per run'],
      [
        ['the first 20 (sent at once) arrived within', p.quotes.map((r) => ms(r.firstSecondSpreadMs, 1)).join(' · ')],
        ['shortest time from a call to the 20th after it (under 1,000: 21 calls in one second)', p.quotes.map((r) => ms(r.shortestTwentyApartMs, 1)).join(' · ')],
      ],
    ),
  ].join('\n');
}

function marketSection(s) {
  const m = s.market;
  if (!m) return '_Not measured: this package has no `mstock-candles` / `mstock-quote`._';
  const c = s.counts;
  const k = m.candles[0];
  return table(
    ['message', 'answered in (ms, per run)', 'upstream calls', 'least the limit allows', 'answer'],
    [
      [
        `K: ${c.candleDays} days of ${c.candleInterval} candles to \`mstock-candles\``,
        m.candles.map((r) => ms(r.totalMs, 1)).join(' · '),
        String(k.calls),
        `${ms(k.leastMs, 0)} ms (${k.calls - 1} × 1 s)`,
        `${k.count.toLocaleString('en-US')} candles, ${k.first} … ${k.last}, oldest first: ${k.oldestFirst ? 'yes' : 'NO'}; 429s: ${k.refused}`,
      ],
      [
        `L: ${c.quoteListN} instruments to \`mstock-quote\` (LTP)`,
        m.quoteLists.map((r) => ms(r.totalMs, 1)).join(' · '),
        m.quoteLists.map((r) => r.calls).join(' · '),
        '1 call (up to 500 instruments a call)',
        `${m.quoteLists.at(-1).priced} priced, ${m.quoteLists.at(-1).unfetched} unfetched`,
      ],
    ],
  );
}

function limiterSection(s) {
  const l = s.limiter;
  if (!l || l.error) return `_Not measured: ${l?.error ?? 'no figures'}._`;
  const row = (name, r) => [
    name,
    `${r.sentAtOnce} (last at ${ms(r.atOnceLastMs, 1)} ms)`,
    r.sentLater ? `${r.sentLater} at ${ms(r.laterFirstMs, 1)}–${ms(r.laterLastMs, 1)} ms` : '0',
    r.refused ? `${r.refused} (${r.refusedCodes.join(', ')}) at ${ms(r.refusedFirstMs, 1)}–${ms(r.refusedLastMs, 1)} ms` : '0',
    `**${ms(r.longestInQueueMs, 1)} ms**`,
    r.sentLater ? `${ms(r.longestHoldMs, 1)} ms` : '',
    r.refused ? `${ms(r.longestWaitBeforeRefusalMs, 1)} ms` : '',
    `${ms(r.queuedInMs, 1)} ms`,
    `${ms(r.timerLateMs, 1)} ms`,
  ];
  return table(
    ['order calls scheduled at once', 'sent at once', 'sent later', 'refused', 'longest hold in the queue', 'of a call then sent', 'of a call then refused', 'time to schedule them all', 'a plain 1 s timer fired late by'],
    [row(String(l.burst.n), l.burst), row(String(l.queued.n), l.queued)],
  );
}

function instrumentsSection(s) {
  const f = s.instruments;
  if (!f || f.error) return `_Not measured: ${f?.error ?? 'no figures'}._`;
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  return table(
    ['the sandbox\'s master', 'measured'],
    [
      ['rows kept / JSON text', `${f.rows.toLocaleString('en-US')} / ${mb(f.jsonBytes)}`],
      [`JSON.parse of the text (median of ${f.runs})`, `${ms(f.parseMs, 1)} ms`],
      [`**load + index from the text** (median of ${f.runs}, alternated with JSON.parse)`, `**${ms(f.loadMs, 1)} ms**`],
      ['**ratio** of the medians; median of the per-run ratios; each run', `**${x(f.ratio)}**; ${x(f.ratioPerRun)}; ${f.ratios.map(x).join(' · ')}`],
      ['the process\'s first load, before the JIT compiled it / its first JSON.parse', `${ms(f.coldLoadMs, 1)} ms / ${ms(f.coldParseMs, 1)} ms`],
      ['**heap retained by the master** (its text included) / by JSON.parse\'s rows alone', `**${mb(f.heapMasterBytes)}** / ${mb(f.heapParsedBytes)}`],
      ['heap retained by a master after its first search (its search columns made)', mb(f.heapAfterSearchBytes)],
      [`**resolve("EXCHANGE:symbol")**, ${f.lookups.toLocaleString('en-US')} random rows, any case / by token`, `**${f.lookupSymbolUs.toFixed(2)} µs** / ${f.lookupTokenUs.toFixed(2)} µs`],
      ['search("SBIN") / the first search of a master / search({ exchange: "NFO", name: "NIFTY" })', `${ms(f.searchMs, 2)} ms / ${ms(f.firstSearchMs, 1)} ms / ${ms(f.searchNameMs, 2)} ms`],
      [`for comparison, not the download's path: JSON.parse + fromDownload(rows) / fromDownload(CSV text, ${mb(f.csvBytes)})`, `${ms(f.fromParsedMs, 1)} ms / ${ms(f.fromCsvMs, 1)} ms`],
    ],
  );
}

function feedSection(s) {
  const f = s.feed;
  if (!f) return '_Not measured._';
  const lines = [];
  const p = f.parser;
  if (p && !p.error) {
    lines.push(
      table(
        ['parser (plain Node.js)', 'median time', 'a tick', 'ratio (ours ÷ SDK-style)'],
        [
          [`**\`parseFeedFrame\`** (ours), ${p.frames.toLocaleString('en-US')} frames, ${p.packets.toLocaleString('en-US')} packets`, `${ms(p.oursMs, 2)} ms`, `**${p.oursNsPerTick.toFixed(0)} ns**`, `**${x(p.ratio)}** (per run: median ${x(p.ratioPerRun)}; ${p.ratios.map(x).join(' · ')})`],
          ['SDK-style DataView loop (`bench/feed-parser.js`)', `${ms(p.sdkMs, 2)} ms`, `${p.sdkNsPerTick.toFixed(0)} ns`, ''],
        ],
      ),
    );
  } else lines.push(`_Parser not measured: ${p?.error ?? 'no figures'}._`);
  lines.push('');
  const t = f.ticks;
  if (!t || t.error) {
    lines.push(`_Ticks end to end not measured: ${t?.error ?? 'no figures'}._`);
    return lines.join('\n');
  }
  const st = t.stream;
  const th = t.throttle;
  lines.push(
    table(
      ['S: every tick through one `mstock-ticks` node', 'measured'],
      [
        ['instruments × ticks a second each (offered)', `${st.instruments} × ${st.ratePerInstrument} = ${st.offeredPerSecond.toLocaleString('en-US')}/s`],
        ['ticks counted in the function node / over', `${st.counted.toLocaleString('en-US')} / ${st.seconds.toFixed(2)} s`],
        ['**delivered a second** / sent by the sandbox a second', `**${st.deliveredPerSecond.toFixed(0)}** / ${st.sentPerSecond.toFixed(0)}`],
        [`**lag**, median of the first / last tenth of ${st.lagSamples} samples`, `**${st.lagStartMs} ms / ${st.lagEndMs} ms**`],
        ['lag median / p99 / most', `${st.lagMedianMs} / ${st.lagP99Ms} / ${st.lagMaxMs} ms`],
        ['**heap after GC**, start → end (growth)', `${mib(st.heapStart)} → ${mib(st.heapEnd)} (**${mib(st.heapEnd - st.heapStart)}**)`],
        ['RSS, start → end', `${mib(st.rssStart)} → ${mib(st.rssEnd)}`],
      ],
    ),
  );
  lines.push('');
  lines.push(
    table(
      [`T: throttle ${th.throttleMs} ms`, 'measured'],
      [
        ['instruments × ticks a second each', `${th.instruments} × ${th.ratePerInstrument} (~${th.ticksSentPerSecond.toFixed(0)} ticks/s sent)`],
        [`**messages per second** reaching the function, ${th.seconds} s`, `**${th.perSecond.join(' · ')}** (${th.messages.toLocaleString('en-US')} in all; ${th.topics} instruments)`],
        ['shortest time between two messages of one instrument, on arrival', `${th.minGapMs} ms`],
      ],
    ),
  );
  return lines.join('\n');
}

function burstTable(s) {
  const b = s.burst;
  return table(
    ['system', 'all answered (median ms)', 'per run (ms)', 'upstream calls per burst (per run)', 'errors'],
    ['A', 'B'].map((k) => [SYSTEMS[k].split(':')[0], ms(b[k].totalMs, 1), b[k].runs.map((r) => ms(r.totalMs, 1)).join(' · '), b[k].runs.map((r) => r.calls).join(' · '), String(b[k].errors)]),
  );
}

function memoryTable(s) {
  const m = s.memory;
  return table(
    ['round', 'heap after GC, before', 'after', 'growth', 'RSS before', 'RSS after', 'RSS growth', 'ms per message'],
    m.rounds.map((r, i) => [String(i + 1), mib(r.before.heapUsed), mib(r.after.heapUsed), `**${mib(r.heapGrowth)}**`, mib(r.before.rss), mib(r.after.rss), mib(r.rssGrowth), ms(r.msPerMsg)]),
  );
}

function loadTable(s) {
  const l = s.load;
  if (!l) return '_Not measured in this run (quick mode without `--load`, or `--no-load`)._';
  const rows = [
    ['palette-load phase without the package', `${ms(l.baselinePaletteMs, 0)} ms`, `${ms(l.baselinePaletteCpuMs, 0)} ms`],
    ['palette-load phase with the package', `${ms(l.withPaletteMs, 0)} ms`, `${ms(l.withPaletteCpuMs, 0)} ms`],
    ['difference (the whole cost, but within the phase\'s noise)', `${ms(l.paletteDeltaMs, 0)} ms`, `${ms(l.paletteCpuDeltaMs, 0)} ms`],
    ['process start → "Started flows", without / with', `${ms(l.baselineStartupMs, 0)} / ${ms(l.withStartupMs, 0)} ms`, ''],
    [`**require() of the ${l.runs.withPackage[0]?.files.length ?? '?'} node files, everything they pull in included**`, `**${ms(l.requireMs, 1)} ms**`, `**${ms(l.requireCpuMs, 1)} ms**`],
    ['**the calls of their exported functions (registerType …)**', `**${ms(l.registerMs, 2)} ms**`, `**${ms(l.registerCpuMs, 2)} ms**`],
  ];
  for (const [dep, v] of Object.entries(l.deps)) rows.push([`of the require() time: first require('${dep}')`, `${ms(v.ms, 1)} ms`, `${ms(v.cpuMs, 1)} ms`]);
  return table(['what (median of the starts)', 'wall time', 'CPU time'], rows);
}

function targetsTable(s) {
  return table(
    ['target', 'required', 'measured', 'result'],
    s.targets.map((t) => [t.name, t.required, t.measured + (t.note ? ` (${t.note})` : ''), passMiss(t)]),
  );
}

function sideBySide(tables, names, skip = ['idle']) {
  const keys = [];
  for (const t of tables) for (const r of t) if (!keys.includes(r.key) && !skip.includes(r.key)) keys.push(r.key);
  const value = (t, key) => t.find((r) => r.key === key)?.usPerMsg ?? 0;
  const rows = keys.map((key) => [key, ...tables.map((t) => value(t, key).toFixed(1))]);
  rows.push(['**busy, all owners**', ...tables.map((t) => `**${t.filter((r) => !skip.includes(r.key)).reduce((sum, r) => sum + r.usPerMsg, 0).toFixed(1)}**`)]);
  return table(['', ...names], rows);
}

function profileSection(s) {
  const p = s.profile;
  if (!p) return '_Not profiled in this run (`--no-profile`, or quick mode without `--profile`)._';
  const { A, E, burstA } = p;
  const pct = (v) => `${(v * 100).toFixed(1)} %`;
  const lines = [];
  lines.push(
    `A second Node-RED process ran with \`--cpu-prof --cpu-prof-interval ${p.intervalUs}\` (µs; the profiler slows it a little). ` +
      `The profile is cut to the driver's own start and end of ${A.messages} sequential A messages (median ${ms(A.medianMs)} ms there), ` +
      `of ${E.messages} sequential E messages (raw \`http.request\` in a bench node: ${ms(E.medianMs)} ms), and of ${burstA.totalMs.length} ` +
      `burst(s) of ${s.counts.burstN} A messages (${burstA.totalMs.map((v) => ms(v, 1)).join(' · ')} ms). Figures are µs per message of the Node-RED ` +
      `main thread not idle (the rest of each window it waits for the sandbox in the bench process). The profiler samples wall-clock ticks: on a ` +
      `machine busy with other work a sample also lands where the thread waited for a CPU, typically right after a socket write woke the ` +
      `sandbox, so the busy totals exceed CPU time; the shares are what to read.`,
  );
  lines.push('');
  lines.push(
    'By **owner**: each sample is charged to the nearest library or application frame on its stack, so the Node.js `http` work a client ' +
      'starts counts for that client (axios in A, the bench node in E); "Node.js core" is what runs with no library above it (event loop, timers, stream plumbing).',
  );
  lines.push('');
  lines.push(sideBySide([A.ownerByCategory, E.ownerByCategory, burstA.ownerByCategory], ['A sequential', 'E sequential', `A burst of ${s.counts.burstN}`]));
  lines.push('');
  lines.push('By **self time** (where the CPU actually was):');
  lines.push('');
  lines.push(sideBySide([A.selfByCategory, E.selfByCategory, burstA.selfByCategory], ['A sequential', 'E sequential', `A burst of ${s.counts.burstN}`]));
  lines.push('');
  lines.push('Key frames, **inclusive** (the frame and everything it called), µs per message:');
  lines.push('');
  lines.push(
    table(
      ['frame', 'A sequential', 'share of A busy', `A burst of ${s.counts.burstN}`],
      A.keyFrames.map((r) => [r.key, r.usPerMsg.toFixed(1), pct(r.shareOfBusy), (burstA.keyFrames.find((b) => b.key === r.key)?.usPerMsg ?? 0).toFixed(1)]),
    ),
  );
  lines.push('');
  lines.push('Heaviest functions of sequential A by self time:');
  lines.push('');
  lines.push(table(['function', 'µs / message', 'share of busy'], A.topSelfFrames.slice(0, 15).map((r) => [`\`${r.key}\``, r.usPerMsg.toFixed(1), pct(r.shareOfBusy)])));
  return lines.join('\n');
}

function machineTable(s) {
  const e = s.env;
  return table(
    ['', ''],
    [
      ['date', e.date],
      ['CPU', `${e.cpu}, ${e.cores} cores`],
      ['memory', `${e.memoryGiB.toFixed(1)} GiB`],
      ['OS', e.os],
      ['Node.js', e.node],
      ['Node-RED', e.nodeRed],
      ['package', `${e.package} (commit ${e.commit}; dist/ built ${e.distBuilt}), axios ${e.axios}`],
      ['base (A₀)', s.base?.commit ? `commit ${s.base.commit.slice(0, 12)}: ${s.base.subject}` : `not measured: ${s.base?.error}`],
      ['load average (1 min) at start / end', `${e.loadAverageAtStart[0].toFixed(2)} / ${(e.loadAverageAtEnd ?? [NaN])[0].toFixed(2)} (other work on the machine shows here; it makes absolute times noisy)`],
      ['mode', `${s.counts.mode}: ${s.counts.runs} run(s); ${s.counts.seqN} sequential, ${s.counts.burstN} burst, ${s.counts.memN} × ${s.counts.memRounds} memory messages; ${s.counts.loadRuns ? `${s.counts.loadRuns} load start(s) each` : 'no load starts'}; ${s.elapsedS.toFixed(0)} s in all`],
    ],
  );
}

function renderConsole(s) {
  return [
    '',
    `mStock benchmark (${s.counts.mode}) — ${s.env.date}, ${s.env.cpu} × ${s.env.cores}, Node ${s.env.node}, Node-RED ${s.env.nodeRed}`,
    '',
    'Sequential (one message after another, per-message latency):',
    sequentialTable(s),
    '',
    ratiosTable(s),
    '',
    `A and B give the same payload for the same answer: ${s.sameJob ? 'yes' : 'NO'}`,
    baseLine(s),
    '',
    `Burst (${s.counts.burstN} triggers at once):`,
    burstTable(s),
    `B/A: ${s.burst.speedup.toFixed(1)}×`,
    '',
    'Part 2 bursts (T: trade book, Q: quotes):',
    partTwoSection(s),
    '',
    'Market data (K: candles, L: quotes):',
    marketSection(s),
    '',
    'Rate limiter, order calls (plain Node.js, system clock):',
    limiterSection(s),
    '',
    'Instrument master (plain Node.js, the sandbox\'s master):',
    instrumentsSection(s),
    '',
    'Live feed (parser in plain Node.js; S and T end to end in Node-RED):',
    feedSection(s),
    '',
    `Memory (Node-RED process, heap after global.gc(); ${s.counts.memN} A messages per round):`,
    memoryTable(s),
    '',
    'Load (this package\'s node set):',
    loadTable(s),
    '',
    'Targets:',
    targetsTable(s),
    '',
    'Profile of A:',
    profileSection(s),
    '',
  ].join('\n');
}

function renderMarkdown(s) {
  const c = s.counts;
  return `# Benchmarks

<!-- GENERATED by \`node bench/run.js\` (${c.mode} mode) on ${s.env.date}. Do not edit by hand: run it again. -->

How fast is **mstock-funds** compared with the same job wired with Node-RED's core nodes, with
the least any Node.js program has to do for it, and with mstock-funds of the commit before the
rate limiter? Measured in real Node-RED processes against the embedded sandbox with no added
latency, so the figures are the cost of the software, not of the network. Absolute times depend
on the machine; **the ratios are the figures that matter**. Then the Part 2 foundation: identical
reads merged, quotes paced to mStock's published limit, order calls never held more than 1 s; and
the live feed: its parser, 20,000 ticks a second through one node, the throttle.

## Machine

${machineTable(s)}

## Targets

${targetsTable(s)}

## Sequential: ${c.seqN.toLocaleString('en-US')} fund-summary requests, one after another

Each message is sent when the previous answer is back; the time is from the driver sending the
message to the answer arriving back at the driver. Median over ${c.runs} run(s) of each run's
median and p99, after ${c.seqWarmup} warm-up messages per system.

${sequentialTable(s)}

${ratiosTable(s)}

A's and B's \`msg.payload\` for the same sandbox answer are ${s.sameJob ? 'identical (checked by the script)' : '**not identical** (see the run log)'}.

${baseLine(s)} The floor C ran once per run for both, so A/C ÷ A₀/C is A/A₀. A₀ ran before A in every other run.

## Burst: ${c.burstN.toLocaleString('en-US')} triggers at once

The driver sends ${c.burstN.toLocaleString('en-US')} messages in one go; the time is until every one of them has its
answer. Upstream calls are the sandbox's own count of fund-summary requests during the burst.

${burstTable(s)}

B takes **${s.burst.speedup.toFixed(1)}×** as long as A.

## Part 2: bursts through mstock-orders and mstock-request

In the same Node-RED process and flow, after the funds figures: ${c.runs} burst(s) of ${c.tradesN} messages at once to
\`mstock-orders\` (view "trades", output parsed), then ${c.runs} of ${c.quotesN} to \`mstock-request\` (GET
\`instruments/quote\`, \`msg.payload\` the JSON body \`{ mode: "LTP", exchangeTokens: { NSE: ["3045"] } }\`
with the token 3045, 3046, … ${3045 + c.quotesN - 1}: identical reads in flight would share one call, so each asks for
another instrument), after one burst of warm-up each (for the quotes, 20: as many as go at once). The time is from the driver's first send to
the last answer back. Upstream calls and 429 answers are the sandbox's own counts; the sandbox
answers HTTP 429 past mStock's published limits, counted on its own clock. Each quote burst starts
after 1.1 s of quiet, so the account's limiter and the sandbox start with an empty second: 20
quotes can go at once and the 21st to ${c.quotesN}th when the first second has passed, so 1.0 s is the least
any client keeping to the limit can take. The limiter counts a call when it sends it; the sandbox,
as a server does, when it arrives (in whole milliseconds). The second table shows the arrivals: a
call arriving less than 1,000 ms after the call 20 places before it is a 21st call within one
second as the sandbox counts, and is answered 429.

${partTwoSection(s)}

## Market data: candles and quotes

K is one message to \`mstock-candles\` for ${c.candleDays} days of ${c.candleInterval} candles of one NSE equity, from the bench
process to the Node-RED flow and back (an http-in node; the answer is summed up in the flow so that
only a few hundred bytes come back). The node splits the span into calls of at most 1,000 candles and
sends them one at a time through the account's limiter, which keeps to mStock's data limit of one
call a second; the sandbox answers 429 past it. So no client keeping to the limit can take less
than (calls − 1) seconds; the target is the measured time over that least time. The instrument
master is loaded before (by L), and the fetch starts after 1.1 s of quiet. L is one message of
${c.quoteListN} NSE equities (as "NSE:<symbol>") to \`mstock-quote\`, once to warm up and then once per run:
the upstream calls are the sandbox's count.

${marketSection(s)}

## Rate limiter: order calls

The account's limiter (\`src/account/rate-limiter.ts\` from \`dist/\`) in a plain Node.js process
(\`bench/limiter.js\`) on the system clock, as the account node makes it, with a wait bound (the account's
timeout) of 10 s; each send notes the time and answers at once. mStock allows 30 order calls a second, 250 a minute
and 1,000 an hour, and an order call waits at most 1 s: ${c.limiterBurst} calls at once, then ${c.limiterQueued} at once on a fresh
limiter. Times are from the first call scheduled; the hold of a call is from its own scheduling to
its send (or its refusal). The limiter counts a call in its window from its answer, and the answers
of the first 30 come after the synchronous loop that schedules all the calls: the window opens again
that long after 1 s, and only the calls queued late enough in the loop to wait till then are sent; the
others are refused at their own 1 s. A plain \`setTimeout\` of 1 s set at the start shows how late the event
loop fires a timer meanwhile.

${limiterSection(s)}

## Instrument master: load, heap, lookups

The sandbox's own master (\`src/sandbox/market.ts\` \`masterJson()\`, the bare JSON array the broker
sends) in a plain Node.js process started with \`--expose-gc\` (\`bench/instruments.js\`). **Load** starts from
what the account's download has in hand, the body's text: \`classifyResponse\` as the client calls it for the
account's master (\`bareText\`, so a JSON array is handed over unparsed) and \`InstrumentMaster.fromDownload\` of
what it hands over, until the master answers lookups. It is timed against \`JSON.parse\` of the same text in the
same process, the two alternated (JSON.parse first in even runs, the load first in odd ones), each run after
two full collections, after two pairs not counted; the ratio is of the two medians. The process's very first
load (before the JIT compiled the scanner: a master loads once a day) is shown apart. **Heap** is heap used plus array buffers after two full
collections, with the master kept, less the same before: the text is decoded inside the measured window, so
the text the master keeps is counted. **Lookups** resolve \`"EXCHANGE:symbol"\` (lower case) of
${s.instruments && !s.instruments.error ? s.instruments.lookups.toLocaleString('en-US') : 'N'} rows drawn at random from the master, median of 5 passes after a warm-up;
search is timed on the same master (its first search makes the columns it scans, timed apart on a fresh master).

${instrumentsSection(s)}

## Live feed: the parser, every tick end to end, the throttle

**Parser.** \`bench/feed-parser.js\`, a plain Node.js process: ${s.feed?.parser && !s.feed.parser.error ? `${s.feed.parser.frames.toLocaleString('en-US')} frames of ${s.feed.parser.packets.toLocaleString('en-US')} packets` : 'frames'}
made by the sandbox's own encoder (\`src/sandbox/feed-packets.ts\`) from seeded random values: packets of the three modes
mixed (half LTP, 35 % quote, 15 % snap), four in five frames behind a little-endian header of 1 to 4 packets, the rest
bare. Ours is \`parseFeedFrame\` from \`dist/\`; the comparison is a loop written in the bench in the style of mStock's
Node SDK: a \`DataView\` on the frame, one \`getUint32\` (two for a 64-bit field) or \`getFloat64\` per field per packet,
the token read byte by byte, the same conversions (rupees, India time). Both must read every frame to the same
ticks (checked before timing). The two are timed over all the frames alternately (ours first in even runs),
${c.parserRuns} runs after two not counted; the ratio is of the medians.

**S, every tick.** A third Node-RED 4.1 process (\`--expose-gc\`, the package from its tarball, \`bench/lib/flow.js\`
\`feedFlow\`) and a sandbox of its own in the bench process, logged in by the flow's own login and OTP nodes. One
\`mstock-ticks\` node (mode quote, throttle 0) gets a subscribe message of ${s.feed?.ticks?.stream ? s.feed.ticks.stream.instruments : 'N'} NSE equities and
is wired to a function node that counts every tick; the sandbox is set to ${s.feed?.ticks?.stream ? s.feed.ticks.stream.ratePerInstrument : 'N'} ticks a second
for each, more than the 20,000 a second of the target, so the rate measured is what the node delivers, not what it
was offered. After a warm-up the count is read (over an http-in endpoint, outside the measured path) until
${s.feed?.ticks?.counts ? s.feed.ticks.counts.streamTicks.toLocaleString('en-US') : 'N'} more ticks have arrived. **Lag**: the sandbox numbers the ticks of a socket 1, 2, 3 …; the bench notes when
the sandbox's round sending each 1,000th number ends, the function node when that number arrives (both
\`Date.now()\` on one machine). Lag at the start and at the end are the medians of the first and the last tenth of
the samples: a node that falls behind shows a lag that grows. **Heap** after two \`global.gc()\` (the bench driver
node) after the warm-up and after the count; the samples are handed over and dropped as they are read.

**T, the throttle.** Then a second \`mstock-ticks\` node (throttle ${s.feed?.ticks?.throttle ? s.feed.ticks.throttle.throttleMs : 1000} ms) subscribes
${s.feed?.ticks?.throttle ? s.feed.ticks.throttle.instruments : 500} equities at ${s.feed?.ticks?.throttle ? s.feed.ticks.throttle.ratePerInstrument : 20} ticks a second each; its function node notes each message's
arrival. Each instrument's newest tick goes out once a second, and all of them at about the same moment, which
Node-RED delivers over a few milliseconds; the seconds are therefore counted from half a second after the first
message, between two such moments.

${feedSection(s)}

## Memory: ${c.memN.toLocaleString('en-US')} A messages per round

Heap used after \`global.gc()\` (twice; Node-RED started with \`--expose-gc\`) and RSS of the Node-RED
process, before and after each round of ${c.memN.toLocaleString('en-US')} sequential A messages, after ${c.memWarmup} warm-up messages.

${memoryTable(s)}

## Load: this package's node set at Node-RED start

${loadTable(s)}${s.load ? `

Method: Node-RED is started ${c.loadRuns} time(s) without and with the package (alternating, fresh
user directories, the package installed from its packed tarball) with a preload
(\`bench/lib/load-probe.js\`). The preload timestamps Node-RED's own log lines: the *palette-load
phase* runs from "Loading palette nodes" to the next line, logged when \`redNodes.load()\` has
scanned, parsed (.html, locales), required and registered every node set. Its difference with and
without the package is the whole cost (shown as wall time and as the process's CPU time), but the
phase takes about a second of mostly core nodes and varies from start to start by more than the
package costs, on a 2-core machine shared with other work. The preload therefore also
times, inside that phase, each \`require()\` of the package's node files that the registry makes
(including everything they pull in the first time) and each call of the function they export
(which runs \`RED.nodes.registerType\`): that sum is the package's own share.` : ''}

## Where A's time goes (CPU profile)

${profileSection(s)}

## Method

- **One Node-RED 4.1 process** for everything but A₀ (\`node --expose-gc red.js\`, log level info, no editor connected)
  with this package installed from the tarball \`npm pack\` makes, as users install it
  (\`bench/lib/nodered.js\`, built on \`test/e2e/harness.js\`). The sandbox runs in the bench
  process with \`latencyMs: 0\` and a fixed OTP.
- **Messages are generated inside Node-RED** by a \`bench-driver\` node (\`bench/nodered/\`, loaded
  through \`nodesDir\`, never packed). An http-in command starts a run; the driver then sends fresh
  messages to A, B or E and takes their answers (and any Catch) back on its input, timing with
  \`performance.now()\`. Neither the Admin API nor the bench process is in a measured window.
- **A**: \`mstock-funds\` (output *parsed*), its account logged in by the flow's own \`mstock-login\` and
  \`mstock-otp\` nodes. **B**: a function node setting \`X-Mirae-Version\`, \`X-PrivateKey\` and
  \`Authorization: Bearer <token>\` (the token from this package's client, outside the flow, kept in
  flow context), the core \`http request\` node (GET, *a parsed JSON object*, *keep-alive* on,
  errors to Catch), and a function node that does what \`parseFunds\` does (checks the envelope,
  lowerCamel keys, numeric strings to numbers, "" / "None" to null). **C**: a plain Node.js process,
  \`http.request\` with a keep-alive agent, body read whole and \`JSON.parse\`d. **D** and **E** are
  diagnostics that split A − C into the client's cost (D) and Node-RED's message passing (E).
- **A₀**: \`mstock-funds\` of the base commit (\`--base\`, default 49eab4f, Part 1 before the rate
  limiter): \`bench/lib/base.js\` extracts it with \`git archive\` into the system's temporary folder
  (kept per commit), builds it with its own \`scripts/build.js\` (type check off: the emitted
  JavaScript is the same) and packs it; a second Node-RED 4.1 process gets that tarball beside the
  same dependencies and the same flow, and stays idle while the first is measured.
- **Fixed counts and warm-up**; ${c.runs} run(s), the median of the runs reported; runs of A, A₀, B, E, C and D
  interleaved so drift hits all alike (A₀ before A every other run). A and A₀ have had the same
  ${c.seqWarmup} warm-up messages when the sequential runs start: the memory rounds come after them and the bursts.
- **The instrument master** is measured in its own plain Node.js process (\`bench/instruments.js\`, run
  alone with \`node --expose-gc bench/instruments.js\`), after the limiter; see its section for the method.
- Reproduce: \`node bench/run.js\` (this file), \`node bench/run.js --quick\` (CI: small counts, prints
  only). See \`node bench/run.js --help\`.
`;
}

module.exports = { renderMarkdown, renderConsole };
