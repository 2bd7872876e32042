'use strict';
// Measures the instrument master by hand (no assertions): building it from 100,000 rows against
// JSON.parse of the same bytes, and the time of one lookup and one search. Run after the build:
//
//   node --expose-gc bench/instruments.js [rows]
//
// With --expose-gc each timed run starts after a full collection, so one run's garbage is not
// charged to the next.
const { performance } = require('node:perf_hooks');
const { parseScripMaster, InstrumentMaster } = require('../dist/src/api/instruments');

const ROWS = Number(process.argv[2] || 100000);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Rows shaped like the master: a fifth cash, the rest options and futures with a few dozen expiries. */
function masterRows(n) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const underlying = `STOCK${i % 2000}`;
    const kind = i % 5;
    if (kind === 0) {
      rows.push({ token: String(10000 + i), symbol: underlying, name: `${underlying}-EQ`, expiry: '', strike: '', lotsize: '1', instrumenttype: '', exch_seg: i % 2 ? 'NSE' : 'BSE', tick_size: '0.05' });
      continue;
    }
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = MONTHS[i % 12];
    const strike = String(100 + (i % 400) * 5);
    const side = kind % 2 ? 'CE' : 'PE';
    rows.push({
      token: String(10000 + i), symbol: underlying, name: `${underlying}${day}${month.toUpperCase()}${strike}${side}`, expiry: `${day}${month}2026`,
      strike, lotsize: String(25 * (1 + (i % 8))), instrumenttype: kind === 4 ? 'FUTSTK' : 'OPTSTK', exch_seg: i % 3 ? 'NFO' : 'BFO', tick_size: '0.05',
    });
  }
  return rows;
}

function toCsv(rows) {
  const cols = ['token', 'symbol', 'name', 'expiry', 'strike', 'lotsize', 'instrumenttype', 'exch_seg', 'tick_size'];
  return `${cols.join(',')}\n${rows.map((r) => cols.map((c) => r[c]).join(',')).join('\n')}\n`;
}

/** The median of `runs` timings of `fn`, in ms. */
function median(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    if (global.gc) global.gc();
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rows = masterRows(ROWS);
const json = JSON.stringify(rows);
const csv = toCsv(rows);
const RUNS = 15;

const jsonParse = median(RUNS, () => JSON.parse(json));
const buildFromRows = median(RUNS, () => new InstrumentMaster(parseScripMaster(JSON.parse(json))));
const fromJsonText = median(RUNS, () => InstrumentMaster.fromDownload(json));
const fromCsvText = median(RUNS, () => InstrumentMaster.fromDownload(csv));
const parsed = JSON.parse(json);
const buildOnly = median(RUNS, () => new InstrumentMaster(parseScripMaster(parsed)));
const rowsOnly = median(RUNS, () => parseScripMaster(parsed));
const ourRows = parseScripMaster(parsed);
const indexOnly = median(RUNS, () => new InstrumentMaster(ourRows));

const master = InstrumentMaster.fromDownload(json);
const asks = rows.filter((_r, i) => i % 97 === 0).map((r) => {
  const exchange = r.exch_seg;
  return [`${exchange}:${r.name.toLowerCase()}`, `${exchange}:${r.token}`, { exchange, symbol: r.name }, { exchange, token: Number(r.token) }];
}).flat();
const LOOKUPS = 200000;
let sink = 0;
const lookupMs = median(5, () => {
  for (let i = 0; i < LOOKUPS; i++) sink += master.resolve(asks[i % asks.length]).strike;
});
const searchMs = median(RUNS, () => {
  sink += master.search('STOCK1999').length + master.search({ name: 'stock7' }).length;
}) / 2;

const ms = (v) => `${v.toFixed(1)} ms`;
console.log(`rows: ${master.size}; JSON ${(json.length / 1e6).toFixed(1)} MB, CSV ${(csv.length / 1e6).toFixed(1)} MB (node ${process.version})`);
console.log(`JSON.parse of the JSON text:                     ${ms(jsonParse)}`);
console.log(`build from the parsed rows (no JSON.parse):      ${ms(buildOnly)}  = ${(buildOnly / jsonParse).toFixed(2)}x JSON.parse`);
console.log(`  of which rows ${ms(rowsOnly)}, indexes ${ms(indexOnly)}`);
console.log(`JSON.parse + build:                              ${ms(buildFromRows)}  = ${(buildFromRows / jsonParse).toFixed(2)}x JSON.parse`);
console.log(`fromDownload(JSON text):                         ${ms(fromJsonText)}  = ${(fromJsonText / jsonParse).toFixed(2)}x JSON.parse`);
console.log(`fromDownload(CSV text):                          ${ms(fromCsvText)}  = ${(fromCsvText / jsonParse).toFixed(2)}x JSON.parse`);
console.log(`resolve, mixed four forms:                       ${((lookupMs * 1000) / LOOKUPS).toFixed(2)} µs each`);
console.log(`search over the whole master:                    ${ms(searchMs)} each`);
if (sink === -1) console.log(sink);
