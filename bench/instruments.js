'use strict';
// The instrument master on its own, in a plain Node.js process (no Node-RED), on the sandbox's own
// master (src/sandbox/market.ts masterJson(): ~100,000 rows, ~17 MB of JSON). Run after the build:
//
//   node --expose-gc bench/instruments.js            prints the figures
//   node --expose-gc bench/instruments.js --json     one JSON line (bench/run.js reads it)
//   node --expose-gc bench/instruments.js --runs 21  more timed runs of each (default 15, after 2 not counted)
//
// Load: from the body's text, as the client has it, to a master that answers lookups. That is
// classifyResponse (the client's reading of the answer, asked for the text as the account's
// download asks) and InstrumentMaster.fromDownload of what it hands over; timed against JSON.parse
// of the same text, the two alternated in one process, each run after a full collection.
// Heap added: what a master retains once built, the text it reads included, after collections.
const { performance } = require('node:perf_hooks');
const path = require('node:path');
const { median } = require('./lib/stats');

const dist = path.join(__dirname, '..', 'dist', 'src');
const { InstrumentMaster, parseScripMaster } = require(path.join(dist, 'api', 'instruments'));
const { classifyResponse } = require(path.join(dist, 'api', 'classify'));
const { Market } = require(path.join(dist, 'sandbox', 'market'));

const MiB = 2 ** 20;
const LOOKUPS = 100_000;

function args(argv) {
  const out = { json: false, runs: 15 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') out.json = true;
    else if (argv[i] === '--runs') out.runs = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return out;
}

function collect() {
  if (!global.gc) return;
  global.gc();
  global.gc();
}

function timed(fn) {
  collect();
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** From the body's text to the master, as the account's download does it. */
function load(text) {
  const envelope = classifyResponse('scripMaster', 200, text, 'application/json', { bareText: true });
  return InstrumentMaster.fromDownload(envelope.data);
}

function heapNow() {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Bytes retained by what `build` returns: the body's text decoded inside, so it is counted when kept. */
function retained(body, build) {
  const before = heapNow();
  const kept = build(body.toString('utf8'));
  const after = heapNow();
  // used after the collections, so kept through them
  if (kept === undefined) throw new Error('nothing built');
  return after - before;
}

/** A small deterministic generator, so every run asks for the same symbols. */
function randomIndexes(count, below) {
  let x = 0x9e3779b9;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % below;
  }
  return out;
}

function main() {
  const options = args(process.argv.slice(2));
  const market = new Market({ now: () => Date.parse('2025-02-04T12:00:00+05:30') });
  const body = market.masterJson();
  const text = body.toString('utf8');

  // the first load of the process, before the JIT compiled the scanner (a master loads once a day)
  const coldLoadMs = timed(() => load(text)).ms;
  const coldParseMs = timed(() => JSON.parse(text)).ms;
  // the two alternated, parse first in even runs, load first in odd ones, after two pairs not counted
  const parseMs = [];
  const loadMs = [];
  let master;
  for (let r = -2; r < options.runs; r++) {
    const pair = [() => parseMs.push(timed(() => JSON.parse(text)).ms), () => {
      const t = timed(() => load(text));
      loadMs.push(t.ms);
      master = t.result;
    }];
    if (r % 2) pair.reverse();
    pair[0]();
    pair[1]();
    if (r < 0) {
      parseMs.length = 0;
      loadMs.length = 0;
    }
  }
  const ratios = loadMs.map((ms, i) => ms / parseMs[i]);

  const heapMaster = retained(body, load);
  const heapParsed = retained(body, (t) => JSON.parse(t));

  // lookups: random rows, asked by "EXCHANGE:symbol" in lower case, and by "EXCHANGE:token"
  const rows = parseScripMaster(JSON.parse(text));
  const picks = randomIndexes(LOOKUPS, rows.length);
  const bySymbol = Array.from(picks, (i) => `${rows[i].exchange}:${rows[i].symbol.toLowerCase()}`);
  const byToken = Array.from(picks, (i) => `${rows[i].exchange}:${rows[i].token}`);
  let sink = 0;
  const perLookupUs = (asks) => {
    const t = timed(() => {
      for (let i = 0; i < asks.length; i++) sink += master.resolve(asks[i]).lotSize;
    });
    return (t.ms * 1000) / asks.length;
  };
  for (let i = 0; i < 2000; i++) sink += master.resolve(bySymbol[i]).lotSize;
  const symbolUs = [];
  const tokenUs = [];
  for (let r = 0; r < 5; r++) {
    symbolUs.push(perLookupUs(bySymbol));
    tokenUs.push(perLookupUs(byToken));
  }
  const wrong = picks.findIndex((i, k) => k < 1000 && master.resolve(bySymbol[k]).token !== rows[i].token);
  if (wrong >= 0) throw new Error(`lookup ${bySymbol[wrong]} answered the wrong row`);

  // search: the first one also makes the upper-case columns it scans
  const fresh = load(text);
  const firstSearchMs = timed(() => (sink += fresh.search('SBIN').length)).ms;
  const searchMs = median(Array.from({ length: options.runs }, () => timed(() => (sink += master.search('SBIN').length)).ms));
  const searchNameMs = median(Array.from({ length: options.runs }, () => timed(() => (sink += master.search({ exchange: 'NFO', name: 'NIFTY' }).length)).ms));
  const heapAfterSearch = retained(body, (t) => {
    const m = load(t);
    m.search('SBIN');
    return m;
  });

  // the other forms, for comparison (not the download's path)
  const fromParsedMs = median(Array.from({ length: 5 }, () => timed(() => InstrumentMaster.fromDownload(JSON.parse(text))).ms));
  const csv = market.masterCsv().toString('utf8');
  const fromCsvMs = median(Array.from({ length: 5 }, () => timed(() => InstrumentMaster.fromDownload(csv)).ms));

  const figures = {
    node: process.version,
    gc: Boolean(global.gc),
    runs: options.runs,
    rows: master.size,
    jsonBytes: body.length,
    parseMs: median(parseMs),
    loadMs: median(loadMs),
    ratio: median(loadMs) / median(parseMs),
    ratioPerRun: median(ratios),
    ratios,
    coldLoadMs,
    coldParseMs,
    heapMasterBytes: heapMaster,
    heapParsedBytes: heapParsed,
    heapAfterSearchBytes: heapAfterSearch,
    lookupSymbolUs: median(symbolUs),
    lookupTokenUs: median(tokenUs),
    lookups: LOOKUPS,
    firstSearchMs,
    searchMs,
    searchNameMs,
    fromParsedMs,
    csvBytes: csv.length,
    fromCsvMs,
  };
  if (sink === -1) process.stderr.write('\n');
  if (options.json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const f = figures;
  const ms = (v) => `${v.toFixed(1)} ms`;
  const mb = (v) => `${(v / MiB).toFixed(1)} MiB`;
  console.log(`sandbox master: ${f.rows} rows, JSON ${mb(f.jsonBytes)}, CSV ${mb(f.csvBytes)} (Node ${f.node}${f.gc ? '' : ', without --expose-gc: no collections between runs, heap figures meaningless'})`);
  console.log(`JSON.parse of the text (median of ${f.runs}):              ${ms(f.parseMs)}`);
  console.log(`load + index from the text (median of ${f.runs}):          ${ms(f.loadMs)}`);
  console.log(`  ratio of the medians ${f.ratio.toFixed(2)}; median of the per-run ratios ${f.ratioPerRun.toFixed(2)} (target < 1.5)`);
  console.log(`  the process's first load, before the JIT: ${ms(f.coldLoadMs)}, then its first JSON.parse ${ms(f.coldParseMs)}`);
  console.log(`heap retained by the master, its text included:       ${mb(f.heapMasterBytes)} (target ≤ 60; JSON.parse's rows alone: ${mb(f.heapParsedBytes)}; after a first search: ${mb(f.heapAfterSearchBytes)})`);
  console.log(`resolve("NSE:symbol"), random rows, any case:          ${f.lookupSymbolUs.toFixed(2)} µs (target < 20); by token ${f.lookupTokenUs.toFixed(2)} µs`);
  console.log(`search("SBIN"):                                        ${ms(f.searchMs)} (the first, which makes its upper-case columns: ${ms(f.firstSearchMs)}); { exchange: "NFO", name: "NIFTY" } ${ms(f.searchNameMs)}`);
  console.log(`for comparison: JSON.parse + fromDownload(rows) ${ms(f.fromParsedMs)}, fromDownload(CSV text) ${ms(f.fromCsvMs)}`);
}

main();
