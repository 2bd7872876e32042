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

module.exports = { benchFlow, HEADERS_FUNCTION, NUMBERS_FUNCTION };
