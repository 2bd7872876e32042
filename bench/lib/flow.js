'use strict';
// The bench flow: one driver, three systems under test, and http-in endpoints for setup and for
// commands (only ever outside the measured window).
//
//   POST /bench/cmd ─► bench-driver ─1─► A: mstock-funds ───────────────────────────────────────┐
//                          │││││└──2─► B: function (3 headers) ─► http request ─► function (numbers) ─┤
//                          ││││└───3─► E: bench-raw (raw http.request inside Node-RED) ─────────────┤
//                          │││└────4─► T: mstock-orders (view "trades")     [Part 2 nodes only] ────┤
//                          ││└─────5─► Q: mstock-request (GET instruments/quote) [Part 2 only] ─────┤
//                          │└──────6─► http response           catch (A, B, E, T, Q) ──────────────┤
//                          ◄──────────────────────────────────────────────────────────────────────────┘
//   POST /bench/login ─► mstock-login ─► http response
//   POST /bench/otp   ─► mstock-otp   ─► http response      (catch: login/otp failures → HTTP 500)
//   POST /bench/auth  ─► function (flow.set 'mstock' = { apiKey, token } for B and E) ─► http response
//   POST /bench/candles ─► mstock-candles ─► function (count, order) ─► http response   [market nodes only]
//   POST /bench/quote   ─► mstock-quote (LTP) ─► function (count)     ─► http response   [market nodes only]

const TAB = 'bench-tab';

/** The code of B's first function node: the three headers mStock wants. */
const HEADERS_FUNCTION = `const auth = flow.get('mstock');
msg.headers = {
  'X-Mirae-Version': '1',
  'X-PrivateKey': auth.apiKey,
  Authorization: 'Bearer ' + auth.token,
};
return msg;`;

/**
 * The code of B's last function node: the same job mstock-funds does on the answer (parseFunds):
 * check the envelope, lowerCamel keys, numeric strings to numbers, "", "None" and null to null.
 */
const NUMBERS_FUNCTION = `const body = msg.payload;
const ok = body && (body.status === true || String(body.status).trim().toLowerCase() === 'true');
if (msg.statusCode !== 200 || !ok || !Array.isArray(body.data)) {
  node.error('mStock refused the fund summary request', msg);
  return null;
}
const camel = (k) => /^[A-Z0-9_]+$/.test(k) ? k.toLowerCase().replace(/_+([a-z0-9])/g, (m, c) => c.toUpperCase()) : k;
const value = (v) => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (t === '' || t === 'None') return null;
  return /^[+-]?(?:\\d+\\.?\\d*|\\.\\d+)$/.test(t) && Number.isFinite(Number(t)) ? Number(t) : v;
};
msg.topic = 'mstock/funds';
msg.payload = body.data.map((segment) => {
  const out = {};
  for (const key of Object.keys(segment)) out[camel(key)] = value(segment[key]);
  return out;
});
return msg;`;

const AUTH_FUNCTION = `flow.set('mstock', { apiKey: msg.payload.apiKey, token: msg.payload.token });
msg.payload = { ok: true };
return msg;`;

/** What the bench judges of a candle answer, small enough to send back whole. */
const CANDLES_SUMMARY_FUNCTION = `const times = msg.payload.map((c) => Date.parse(c.time));
msg.payload = {
  count: times.length,
  first: msg.payload.length ? msg.payload[0].time : null,
  last: msg.payload.length ? msg.payload[msg.payload.length - 1].time : null,
  oldestFirst: times.every((t, i) => i === 0 || t > times[i - 1]),
};
return msg;`;

const QUOTE_SUMMARY_FUNCTION = `msg.payload = { count: msg.payload.length, priced: msg.payload.filter((q) => Number.isFinite(q.ltp)).length, unfetched: msg.unfetched.length };
return msg;`;

const ERROR_REPLY_FUNCTION = `msg.statusCode = 500;
msg.payload = { error: msg.error };
return msg;`;

/**
 * @param {object} o
 * @param {string} o.sandboxUrl
 * @param {object} o.account SANDBOX_ACCOUNT
 * @param {boolean} [o.partTwo] add T and Q (mstock-orders, mstock-request): only for a package that has them
 * @param {boolean} [o.market] add the candle and quote endpoints (mstock-candles, mstock-quote)
 * @returns {{ flows: object[], credentials: object }}
 */
function benchFlow({ sandboxUrl, account, partTwo = false, market = false }) {
  let y = 40;
  const at = (n, x) => ({ ...n, z: TAB, x, y: n.y ?? y });
  const fundsUrl = `${sandboxUrl}/openapi/typeb/user/fundsummary`;
  const nodes = [
    { id: TAB, type: 'tab', label: 'mStock benchmark' },
    { id: 'acct', type: 'mstock-config', name: 'sandbox', baseUrl: sandboxUrl, timeout: '10000', store: '' },

    at({ id: 'cmd-in', type: 'http in', url: '/bench/cmd', method: 'post', upload: false, swaggerDoc: '', wires: [['driver']] }, 120),
    at({ id: 'driver', type: 'bench-driver', name: 'driver', wires: [['funds'], ['b-headers'], ['raw'], partTwo ? ['trades'] : [], partTwo ? ['quote'] : [], ['cmd-out']] }, 320),
    at({ id: 'cmd-out', type: 'http response', statusCode: '', headers: {}, wires: [] }, 560),

    at({ id: 'funds', type: 'mstock-funds', name: 'A: funds', account: 'acct', output: 'parsed', y: 120, wires: [['driver']] }, 560),

    at({ id: 'b-headers', type: 'function', name: 'B: headers', func: HEADERS_FUNCTION, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], y: 180, wires: [['b-http']] }, 560),
    at({
      id: 'b-http',
      type: 'http request',
      name: 'B: GET fundsummary',
      method: 'GET',
      ret: 'obj',
      paytoqs: 'ignore',
      url: fundsUrl,
      tls: '',
      persist: true,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: true,
      headers: [],
      y: 180,
      wires: [['b-numbers']],
    }, 760),
    at({ id: 'b-numbers', type: 'function', name: 'B: numbers', func: NUMBERS_FUNCTION, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], y: 180, wires: [['driver']] }, 960),

    at({ id: 'raw', type: 'bench-raw', name: 'E: raw http', url: fundsUrl, y: 240, wires: [['driver']] }, 560),
    at({ id: 'run-catch', type: 'catch', name: 'run errors', scope: ['funds', 'b-headers', 'b-http', 'b-numbers', 'raw', ...(partTwo ? ['trades', 'quote'] : [])], uncaught: false, y: 300, wires: [['driver']] }, 120),
  ];
  if (partTwo) {
    nodes.push(
      at({ id: 'trades', type: 'mstock-orders', name: 'T: trades', account: 'acct', view: 'trades', output: 'parsed', y: 300, wires: [['driver']] }, 560),
      at({ id: 'quote', type: 'mstock-request', name: 'Q: quote', account: 'acct', method: 'GET', path: 'instruments/quote', y: 340, wires: [['driver']] }, 560),
    );
  }
  y = 380;
  nodes.push(
    at({ id: 'login-in', type: 'http in', url: '/bench/login', method: 'post', upload: false, swaggerDoc: '', wires: [['login']] }, 120),
    at({ id: 'login', type: 'mstock-login', name: 'login', account: 'acct', wires: [['setup-out']] }, 320),
    at({ id: 'otp-in', type: 'http in', url: '/bench/otp', method: 'post', upload: false, swaggerDoc: '', y: 440, wires: [['otp']] }, 120),
    at({ id: 'otp', type: 'mstock-otp', name: 'otp', account: 'acct', mode: 'otp', y: 440, wires: [['setup-out']] }, 320),
    at({ id: 'auth-in', type: 'http in', url: '/bench/auth', method: 'post', upload: false, swaggerDoc: '', y: 500, wires: [['auth']] }, 120),
    at({ id: 'auth', type: 'function', name: 'flow.mstock', func: AUTH_FUNCTION, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], y: 500, wires: [['setup-out']] }, 320),
    at({ id: 'setup-catch', type: 'catch', name: 'setup errors', scope: ['login', 'otp', 'auth', ...(market ? ['candles', 'quote-list'] : [])], uncaught: false, y: 560, wires: [['setup-error']] }, 120),
    at({ id: 'setup-error', type: 'function', name: '500', func: ERROR_REPLY_FUNCTION, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], y: 560, wires: [['setup-out']] }, 320),
    at({ id: 'setup-out', type: 'http response', statusCode: '', headers: {}, wires: [] }, 560),
  );
  if (market) {
    const fn = (id, name, func, y2, wires) => at({ id, type: 'function', name, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], y: y2, wires }, 560);
    nodes.push(
      at({ id: 'candles-in', type: 'http in', url: '/bench/candles', method: 'post', upload: false, swaggerDoc: '', y: 620, wires: [['candles']] }, 120),
      at({ id: 'candles', type: 'mstock-candles', name: 'candles', account: 'acct', interval: 'msg', y: 620, wires: [['candles-summary']] }, 320),
      fn('candles-summary', 'count, order', CANDLES_SUMMARY_FUNCTION, 620, [['setup-out']]),
      at({ id: 'quote-list-in', type: 'http in', url: '/bench/quote', method: 'post', upload: false, swaggerDoc: '', y: 680, wires: [['quote-list']] }, 120),
      at({ id: 'quote-list', type: 'mstock-quote', name: 'quotes', account: 'acct', mode: 'LTP', instruments: '', y: 680, wires: [['quote-summary']] }, 320),
      fn('quote-summary', 'count', QUOTE_SUMMARY_FUNCTION, 680, [['setup-out']]),
    );
  }
  const credentials = { acct: { apiKey: account.apiKey, clientCode: account.clientCode, password: account.password } };
  return { flows: nodes, credentials };
}

/** Every this-many-th sequence number is timed on arrival (the sandbox times the same ones when it sends them). */
const LAG_SAMPLE_EVERY = 1000;

/** The end-to-end counter: every tick counted, every LAG_SAMPLE_EVERY-th sequence number's arrival noted. */
const COUNT_ALL_FUNCTION = `let s = flow.get('allTicks');
if (!s) { s = { count: 0, samples: [] }; flow.set('allTicks', s); }
s.count += 1;
const seq = msg.payload.sequence;
if (seq % ${LAG_SAMPLE_EVERY} === 0) s.samples.push([seq, Date.now()]);
return null;`;

/** The throttled node's counter: each message's arrival, and the shortest gap between two of one instrument. */
const COUNT_THROTTLED_FUNCTION = `let s = flow.get('throttledTicks');
if (!s) { s = { count: 0, arrivals: [], last: {}, minGapMs: null, topics: 0 }; flow.set('throttledTicks', s); }
const now = Date.now();
s.count += 1;
s.arrivals.push(now);
const last = s.last[msg.topic];
if (last === undefined) s.topics += 1;
else if (s.minGapMs === null || now - last < s.minGapMs) s.minGapMs = now - last;
s.last[msg.topic] = now;
return null;`;

/** What the counters hold; the samples and arrivals are handed over and forgotten, so the flow's heap stays flat. */
const TICK_STATS_FUNCTION = `const all = flow.get('allTicks') || { count: 0, samples: [] };
const throttled = flow.get('throttledTicks') || { count: 0, arrivals: [], minGapMs: null, topics: 0 };
const errors = flow.get('tickErrors') || [];
flow.set('tickErrors', []);
msg.payload = {
  at: Date.now(),
  errors,
  all: { count: all.count, samples: all.samples.splice(0) },
  throttled: { count: throttled.count, arrivals: throttled.arrivals.splice(0), minGapMs: throttled.minGapMs, topics: throttled.topics },
};
return msg;`;

/** A failed subscribe: kept for the next stats answer (its http-in was answered already). */
const TICK_ERROR_FUNCTION = `const errors = flow.get('tickErrors') || [];
errors.push(msg.error);
flow.set('tickErrors', errors);
return null;`;

const ACK_FUNCTION = `msg.payload = { ok: true };
return msg;`;

/**
 * The live-feed bench flow: one account on the sandbox (its feedUrl the sandbox's), the login and
 * OTP endpoints, the bench driver (for heap after GC), and two mstock-ticks nodes, each fed its
 * subscribe and unsubscribe messages by an http-in endpoint and wired to a counting function:
 *
 *   POST /bench/ticks/all       ─► mstock-ticks (quote, every tick)   ─► function: count, time samples
 *   POST /bench/ticks/throttled ─► mstock-ticks (quote, throttle 1 s) ─► function: arrivals
 *   POST /bench/ticks/stats     ─► function: the counters            ─► http response
 *
 * @param {object} o
 * @param {string} o.sandboxUrl
 * @param {object} o.account SANDBOX_ACCOUNT
 * @param {number} [o.throttleMs] the second node's throttle
 */
function feedFlow({ sandboxUrl, account, throttleMs = 1000 }) {
  const at = (n, x, y) => ({ ...n, z: TAB, x, y });
  const fn = (id, name, func, x, y, wires) => at({ id, type: 'function', name, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires }, x, y);
  const httpIn = (id, url, y, wires) => at({ id, type: 'http in', url, method: 'post', upload: false, swaggerDoc: '', wires }, 120, y);
  const nodes = [
    { id: TAB, type: 'tab', label: 'mStock live feed benchmark' },
    { id: 'acct', type: 'mstock-config', name: 'sandbox', baseUrl: sandboxUrl, feedUrl: sandboxUrl.replace(/^http:/, 'ws:'), timeout: '10000', store: '' },
    httpIn('login-in', '/bench/login', 40, [['login']]),
    at({ id: 'login', type: 'mstock-login', name: 'login', account: 'acct', wires: [['setup-out']] }, 320, 40),
    httpIn('otp-in', '/bench/otp', 100, [['otp']]),
    at({ id: 'otp', type: 'mstock-otp', name: 'otp', account: 'acct', mode: 'otp', wires: [['setup-out']] }, 320, 100),
    httpIn('cmd-in', '/bench/cmd', 160, [['driver']]),
    at({ id: 'driver', type: 'bench-driver', name: 'driver (memory)', wires: [[], [], [], [], [], ['setup-out']] }, 320, 160),
    at({ id: 'setup-catch', type: 'catch', name: 'errors', scope: ['login', 'otp'], uncaught: false, wires: [['setup-error']] }, 120, 220),
    at({ id: 'ticks-catch', type: 'catch', name: 'tick errors', scope: ['all', 'throttled'], uncaught: false, wires: [['ticks-error']] }, 120, 540),
    fn('ticks-error', 'keep', TICK_ERROR_FUNCTION, 320, 540, []),
    fn('setup-error', '500', ERROR_REPLY_FUNCTION, 320, 220, [['setup-out']]),
    at({ id: 'setup-out', type: 'http response', statusCode: '', headers: {}, wires: [] }, 560, 100),

    httpIn('all-in', '/bench/ticks/all', 300, [['all', 'ack']]),
    at({ id: 'all', type: 'mstock-ticks', name: 'every tick', account: 'acct', mode: 'quote', instruments: '', throttle: '0', wires: [['count-all']] }, 320, 300),
    fn('count-all', 'count', COUNT_ALL_FUNCTION, 560, 300, []),
    httpIn('throttled-in', '/bench/ticks/throttled', 360, [['throttled', 'ack']]),
    at({ id: 'throttled', type: 'mstock-ticks', name: `throttle ${throttleMs} ms`, account: 'acct', mode: 'quote', instruments: '', throttle: String(throttleMs), wires: [['count-throttled']] }, 320, 360),
    fn('count-throttled', 'arrivals', COUNT_THROTTLED_FUNCTION, 560, 360, []),
    fn('ack', 'ok', ACK_FUNCTION, 320, 420, [['ticks-out']]),
    httpIn('stats-in', '/bench/ticks/stats', 480, [['stats']]),
    fn('stats', 'counters', TICK_STATS_FUNCTION, 320, 480, [['ticks-out']]),
    at({ id: 'ticks-out', type: 'http response', statusCode: '', headers: {}, wires: [] }, 560, 450),
  ];
  const credentials = { acct: { apiKey: account.apiKey, clientCode: account.clientCode, password: account.password } };
  return { flows: nodes, credentials };
}

module.exports = { benchFlow, feedFlow, LAG_SAMPLE_EVERY, HEADERS_FUNCTION, NUMBERS_FUNCTION };
