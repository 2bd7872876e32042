'use strict';
// The live feed's parser on its own, in a plain Node.js process (no Node-RED, no socket): our
// parseFeedFrame (src/api/feed-parser.ts, from dist/) against a plain DataView loop written here
// in the style of mStock's Node SDK (one getUint32 / getFloat64 per field per packet, as
// FACTS-TRADING.md §3.3 describes it), on the same frames. Run after the build:
//
//   node bench/feed-parser.js            prints the figures
//   node bench/feed-parser.js --json     one JSON line (bench/run.js reads it)
//   node bench/feed-parser.js --runs 21  more timed runs of each (default 15, after 2 not counted)
//
// The frames are what the sandbox sends (src/sandbox/feed-packets.ts): packets of the three modes
// mixed, most behind little-endian headers of up to 4 packets, some bare. Both readers must give
// the same ticks for every frame before anything is timed.
const assert = require('node:assert/strict');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { median } = require('./lib/stats');

const dist = path.join(__dirname, '..', 'dist', 'src');
const { parseFeedFrame } = require(path.join(dist, 'api', 'feed-parser'));
const { encodePacket, headerFrame } = require(path.join(dist, 'sandbox', 'feed-packets'));

const FRAMES = 20_000;
const PACKETS_PER_FRAME = 4;
const BARE_SHARE = 0.2;
/** Of the packets: LTP, quote, snap. */
const MODE_SHARE = [['ltp', 0.5], ['quote', 0.35], ['snap', 0.15]];

function args(argv) {
  const out = { json: false, runs: 15 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') out.json = true;
    else if (argv[i] === '--runs') out.runs = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return out;
}

/** mulberry32: the same frames on every run. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeFrames() {
  const random = prng(42);
  const startMs = Date.parse('2025-02-04T10:00:00+05:30');
  const pickMode = () => {
    let x = random();
    for (const [mode, share] of MODE_SHARE) if ((x -= share) < 0) return mode;
    return 'ltp';
  };
  let sequence = 1;
  const packet = (mode) => {
    const ltp = Math.round((100 + random() * 4000) * 100) / 100;
    const level = (side, i) => ({ price: Math.round((ltp + side * (i + 1) * 0.05) * 100) / 100, quantity: Math.floor(random() * 5000), orders: 1 + Math.floor(random() * 40) });
    return encodePacket({
      mode,
      exchangeType: random() < 0.8 ? 1 : 2,
      token: String(1000 + Math.floor(random() * 60000)),
      sequence: sequence++,
      timeMs: startMs + Math.floor(sequence / 50) * 1000,
      ltp,
      lastTradedQty: Math.floor(random() * 500),
      averagePrice: ltp - 1.25,
      volume: Math.floor(random() * 5e6),
      totalBuyQty: Math.floor(random() * 1e5),
      totalSellQty: Math.floor(random() * 1e5),
      open: ltp - 3,
      high: ltp + 5.5,
      low: ltp - 6.25,
      close: ltp - 2,
      lastTradedTimeMs: startMs + Math.floor(sequence / 50) * 1000,
      openInterest: Math.floor(random() * 1e6),
      openInterestPercent: Math.round((random() - 0.5) * 1000) / 100,
      depth: { bids: [0, 1, 2, 3, 4].map((i) => level(-1, i)), asks: [0, 1, 2, 3, 4].map((i) => level(1, i)) },
      upperCircuit: ltp * 1.2,
      lowerCircuit: ltp * 0.8,
      yearHigh: ltp * 1.4,
      yearLow: ltp * 0.6,
    });
  };
  const frames = [];
  let packets = 0;
  while (frames.length < FRAMES) {
    const mode = pickMode();
    if (random() < BARE_SHARE) {
      frames.push(packet(mode));
      packets += 1;
    } else {
      const count = 1 + Math.floor(random() * PACKETS_PER_FRAME);
      frames.push(headerFrame(Array.from({ length: count }, () => packet(mode))));
      packets += count;
    }
  }
  return { frames, packets, bytes: frames.reduce((n, f) => n + f.length, 0) };
}

// ---- the comparison: a DataView loop in the vendor SDK's style ----

const SIZES = { 51: 'ltp', 123: 'quote', 379: 'snap' };
const EXCHANGES = { 1: 'NSE', 2: 'NFO', 3: 'BSE', 4: 'BFO', 5: 'MCX', 13: 'CDS' };
const EPOCH_1980_MS = Date.UTC(1980, 0, 1);
const IST_MS = 330 * 60 * 1000;

/** A 64-bit little-endian integer as two 32-bit reads. */
const long = (view, at) => view.getUint32(at, true) + view.getInt32(at + 4, true) * 4294967296;
const time = (seconds) => (seconds > 0 ? new Date(EPOCH_1980_MS + seconds * 1000 + IST_MS).toISOString().replace(/\.\d{3}Z$/, '+05:30') : null);

function sdkPacket(view, bytes, at, mode) {
  let token = '';
  for (let i = 2; i < 27; i++) {
    const c = view.getUint8(at + i);
    if (c === 0) break;
    token += String.fromCharCode(c);
  }
  const tick = {
    exchange: EXCHANGES[view.getUint8(at + 1)],
    token,
    mode,
    ltp: long(view, at + 43) / 100,
    time: time(long(view, at + 35)),
    sequence: long(view, at + 27),
  };
  if (mode === 'ltp') return tick;
  tick.lastTradedQty = long(view, at + 51);
  tick.averagePrice = long(view, at + 59) / 100;
  tick.volume = long(view, at + 67);
  tick.totalBuyQty = view.getFloat64(at + 75, true);
  tick.totalSellQty = view.getFloat64(at + 83, true);
  tick.open = long(view, at + 91) / 100;
  tick.high = long(view, at + 99) / 100;
  tick.low = long(view, at + 107) / 100;
  tick.close = long(view, at + 115) / 100;
  if (mode === 'quote') return tick;
  tick.lastTradedTime = time(long(view, at + 123));
  tick.openInterest = long(view, at + 131);
  // the sandbox sends hundredths in an integer (a double would read as a tiny subnormal)
  const asDouble = view.getFloat64(at + 139, true);
  tick.openInterestPercent = asDouble === 0 || (Math.abs(asDouble) >= 1e-6 && Math.abs(asDouble) < 1e9) ? asDouble : long(view, at + 139) / 100;
  const bids = [];
  const asks = [];
  for (let i = 0; i < 10; i++) {
    const entry = at + 147 + i * 20;
    (i < 5 ? bids : asks).push({ price: long(view, entry + 10) / 100, quantity: long(view, entry + 2), orders: view.getUint16(entry + 18, true) });
  }
  tick.depth = { bids, asks };
  tick.upperCircuit = long(view, at + 347) / 100;
  tick.lowerCircuit = long(view, at + 355) / 100;
  tick.yearHigh = long(view, at + 363) / 100;
  tick.yearLow = long(view, at + 371) / 100;
  return tick;
}

/** The frame's ticks: a bare packet, or a little-endian header of count and size, then the packets. */
function sdkFrame(frame) {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const ticks = [];
  const bare = SIZES[frame.length];
  if (bare) {
    ticks.push(sdkPacket(view, frame, 0, bare));
    return ticks;
  }
  const count = view.getUint16(0, true);
  const size = view.getUint16(2, true);
  const mode = SIZES[size];
  for (let i = 0; i < count; i++) ticks.push(sdkPacket(view, frame, 4 + i * size, mode));
  return ticks;
}

// ---- timing ----

function timeAll(frames, read) {
  let ticks = 0;
  const start = performance.now();
  for (let i = 0; i < frames.length; i++) ticks += read(frames[i]).length;
  return { ms: performance.now() - start, ticks };
}

const ours = (frame) => parseFeedFrame(frame).ticks;

function main() {
  const options = args(process.argv.slice(2));
  const { frames, packets, bytes } = makeFrames();
  // the same job: both read every frame to the same ticks
  for (const frame of frames) assert.deepEqual(sdkFrame(frame), ours(frame));
  const oursMs = [];
  const sdkMs = [];
  for (let r = -2; r < options.runs; r++) {
    const pair = [() => oursMs.push(timeAll(frames, ours).ms), () => sdkMs.push(timeAll(frames, sdkFrame).ms)];
    if (r % 2) pair.reverse();
    pair[0]();
    pair[1]();
    if (r < 0) {
      oursMs.length = 0;
      sdkMs.length = 0;
    }
  }
  const ratios = oursMs.map((ms, i) => ms / sdkMs[i]);
  const figures = {
    node: process.version,
    runs: options.runs,
    frames: frames.length,
    packets,
    bytes,
    modeShare: Object.fromEntries(MODE_SHARE),
    bareShare: BARE_SHARE,
    oursMs: median(oursMs),
    sdkMs: median(sdkMs),
    oursNsPerTick: (median(oursMs) * 1e6) / packets,
    sdkNsPerTick: (median(sdkMs) * 1e6) / packets,
    ratio: median(oursMs) / median(sdkMs),
    ratioPerRun: median(ratios),
    ratios,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const f = figures;
  console.log(`${f.frames.toLocaleString('en-US')} frames, ${f.packets.toLocaleString('en-US')} packets, ${(f.bytes / 1e6).toFixed(2)} MB (Node ${f.node}); both read them to the same ticks`);
  console.log(`parseFeedFrame (median of ${f.runs}):         ${f.oursMs.toFixed(2)} ms, ${f.oursNsPerTick.toFixed(0)} ns a tick`);
  console.log(`SDK-style DataView loop (median of ${f.runs}): ${f.sdkMs.toFixed(2)} ms, ${f.sdkNsPerTick.toFixed(0)} ns a tick`);
  console.log(`ratio of the medians ${f.ratio.toFixed(2)}; median of the per-run ratios ${f.ratioPerRun.toFixed(2)} (target ≤ 1.0)`);
}

main();
