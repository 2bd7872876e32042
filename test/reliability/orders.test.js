'use strict';
// Orders are real money: mstock-order in a real Node-RED runtime (node-red-node-test-helper)
// against the sandbox's paper account over HTTP on 127.0.0.1, every request counted.
//   - bad order messages a new user would send: MSTOCK_INVALID_INPUT naming the field, not one
//     request to the sandbox (the instrument master is read before, so even the unknown symbol
//     needs none), Object.prototype untouched; the lenient forms the contract allows are one order;
//   - place outcomes under every fault: exactly one place call, never a second one, the code the
//     contract asks for (ORDER_UNCERTAIN when the order may have reached mStock, ORDER_REJECTED for
//     the broker's refusal), and what the paper order book shows afterwards;
//   - a burst of identical messages, orders off, the daily cap across redeploys, and redeploys
//     and stops while a place call is in flight.
// Rows go to the input, faults and lifecycle sections of docs/RELIABILITY.md.
const assert = require('node:assert/strict');
const {
  helper, allNodes, SANDBOX_ACCOUNT, STATUS_TEXT, credentialsFor, flow, collect, sleep, until, prototypeClean, totalCalls,
  OTP,
  sandboxAndGuardPerTest,
} = require('./support');
const { statusOf } = require('../nodes/support');
const record = require('./record');

const inputRecord = record.section('input');
const faultsRecord = record.section('faults');
const lifecycleRecord = record.section('lifecycle');

const MARKET_BUY = { instrument: 'NSE:SBIN-EQ', transactiontype: 'BUY', ordertype: 'MARKET', quantity: 1, producttype: 'DELIVERY' };
const UNCERTAIN = /the order may have reached mStock: check the order book before sending it again\.$/;
const NOT_SENT = /Nothing was sent to mStock\.$/;
/** The order nodes of the flow, by id: what each one does. */
const ORDER_NODES = { place1: 'place', modify1: 'modify', cancel1: 'cancel', cancelall1: 'cancel-all', any1: 'msg' };
const labelOf = (id) => `mstock-order (${ORDER_NODES[id] === 'msg' ? 'set by msg.action' : ORDER_NODES[id]})`;

/**
 * The reliability flow with one mstock-order node per action and an instruments node; `account`
 * is the account's order settings (none: as a new account node, orders off).
 */
function ordersFlow(url, { account = { orders: true }, timeout = 2000, placeName = '' } = {}) {
  const configExtra = account;
  const extra = Object.entries(ORDER_NODES).map(([id, action]) => ({ id, type: 'mstock-order', account: 'c1', action, name: id === 'place1' ? placeName : '', wires: [['out']] }));
  extra.push({ id: 'inst1', type: 'mstock-instruments', account: 'c1', query: '', limit: 5, wires: [['out']] });
  return flow(url, { timeout, configExtra, extra });
}

const without = (order, ...keys) => Object.fromEntries(Object.entries(order).filter(([k]) => !keys.includes(k)));
const place = (change) => ({ payload: { ...MARKET_BUY, ...change } });

/**
 * Bad order messages: [what, node, msg, the words naming the field]. Each must be refused with
 * MSTOCK_INVALID_INPUT before anything is sent.
 */
const BAD_ORDERS = [
  ['quantity 0', 'place1', place({ quantity: 0 }), /msg\.payload\.quantity must be a whole number of 1 or more/],
  ['quantity -1', 'place1', place({ quantity: -1 }), /msg\.payload\.quantity/],
  ['quantity 1.5', 'place1', place({ quantity: 1.5 }), /msg\.payload\.quantity/],
  ['quantity "ten"', 'place1', place({ quantity: 'ten' }), /msg\.payload\.quantity.*"ten"/],
  ['quantity "" (empty)', 'place1', place({ quantity: '' }), /msg\.payload\.quantity/],
  ['quantity 1e21', 'place1', place({ quantity: 1e21 }), /msg\.payload\.quantity/],
  ['quantity 2^53 + 2 (not exact)', 'place1', place({ quantity: 2 ** 53 + 2 }), /msg\.payload\.quantity/],
  ['quantity NaN', 'place1', place({ quantity: NaN }), /msg\.payload\.quantity/],
  ['quantity "1e3"', 'place1', place({ quantity: '1e3' }), /msg\.payload\.quantity/],
  ['no quantity', 'place1', { payload: without(MARKET_BUY, 'quantity') }, /msg\.payload\.quantity/],
  ['side "HOLD"', 'place1', place({ transactiontype: 'HOLD' }), /msg\.payload\.transactiontype must be one of "BUY", "SELL".*"HOLD"/],
  ['side "B"', 'place1', place({ transactiontype: 'B' }), /msg\.payload\.transactiontype/],
  ['side missing', 'place1', { payload: without(MARKET_BUY, 'transactiontype') }, /msg\.payload\.transactiontype is missing/],
  ['side 1 (a number)', 'place1', place({ transactiontype: 1 }), /msg\.payload\.transactiontype/],
  ['ordertype "STOP" (unknown)', 'place1', place({ ordertype: 'STOP' }), /msg\.payload\.ordertype.*"STOP"/],
  ['ordertype missing', 'place1', { payload: without(MARKET_BUY, 'ordertype') }, /msg\.payload\.ordertype is missing/],
  ['ordertype "SL" without price or trigger', 'place1', place({ ordertype: 'SL' }), /msg\.payload\.price must be more than 0 for a STOPLOSS_LIMIT order/],
  ['LIMIT without price', 'place1', place({ ordertype: 'LIMIT' }), /msg\.payload\.price must be more than 0 for a LIMIT order/],
  ['LIMIT price -5', 'place1', place({ ordertype: 'LIMIT', price: -5 }), /msg\.payload\.price.*-5/],
  ['LIMIT price "abc"', 'place1', place({ ordertype: 'LIMIT', price: 'abc' }), /msg\.payload\.price.*"abc"/],
  ['LIMIT price "1,000.50"', 'place1', place({ ordertype: 'LIMIT', price: '1,000.50' }), /msg\.payload\.price/],
  ['LIMIT price Infinity', 'place1', place({ ordertype: 'LIMIT', price: Infinity }), /msg\.payload\.price/],
  ['a price on a MARKET order', 'place1', place({ price: 500 }), /msg\.payload\.price must be 0 or left out for a MARKET order/],
  ['STOPLOSS_LIMIT without trigger', 'place1', place({ ordertype: 'STOPLOSS_LIMIT', price: 800 }), /msg\.payload\.triggerprice must be more than 0/],
  ['SL-M without trigger', 'place1', place({ ordertype: 'SL-M' }), /msg\.payload\.triggerprice must be more than 0 for a STOPLOSS_MARKET order/],
  ['a trigger on a LIMIT order', 'place1', place({ ordertype: 'LIMIT', price: 800, triggerprice: 790 }), /msg\.payload\.triggerprice is only for stop-loss orders/],
  ['ordertag of 20 characters', 'place1', place({ ordertag: 'x'.repeat(20) }), /msg\.payload\.ordertag must be under 20 characters/],
  ['ordertag of 1,000,000 characters', 'place1', place({ ordertag: 'x'.repeat(1_000_000) }), /msg\.payload\.ordertag must be under 20 characters/],
  ['ordertag a number', 'place1', place({ ordertag: 7 }), /msg\.payload\.ordertag must be text/],
  ['unknown exchange "NYSE:SBIN-EQ"', 'place1', place({ instrument: 'NYSE:SBIN-EQ' }), /exchange of msg\.payload\.instrument.*"NYSE"/],
  ['unknown exchange field "LSE"', 'place1', { payload: { ...without(MARKET_BUY, 'instrument'), exchange: 'LSE', tradingsymbol: 'SBIN-EQ' } }, /msg\.payload\.exchange.*"LSE"/],
  ['instrument "SBIN-EQ" (no exchange)', 'place1', place({ instrument: 'SBIN-EQ' }), /exchange of msg\.payload\.instrument is missing/],
  ['unknown symbol "NSE:NOSUCH-EQ"', 'place1', place({ instrument: 'NSE:NOSUCH-EQ' }), /instrument.*NOSUCH-EQ/],
  ['unknown token { exchange: "NSE", token: 99999991 }', 'place1', place({ instrument: { exchange: 'NSE', token: 99999991 } }), /instrument.*99999991/],
  ['token a number too large to be exact (2^60)', 'place1', { payload: { ...without(MARKET_BUY, 'instrument'), exchange: 'NSE', symboltoken: 2 ** 60 } }, /token .* is not a whole number that can be kept exactly/],
  ['token a fraction (3045.5)', 'place1', { payload: { ...without(MARKET_BUY, 'instrument'), exchange: 'NSE', symboltoken: 3045.5 } }, /token/],
  ['producttype "CNC"', 'place1', place({ producttype: 'CNC' }), /msg\.payload\.producttype.*"CNC"/],
  ['producttype missing', 'place1', { payload: without(MARKET_BUY, 'producttype') }, /msg\.payload\.producttype is missing/],
  ['variety "BRACKET"', 'place1', place({ variety: 'BRACKET' }), /msg\.payload\.variety.*"BRACKET"/],
  ['duration "GTC"', 'place1', place({ duration: 'GTC' }), /msg\.payload\.duration.*"GTC"/],
  ['disclosed quantity above the quantity', 'place1', place({ quantity: 2, disclosedquantity: 3 }), /msg\.payload\.disclosedquantity \(3\) must not be more than the quantity \(2\)/],
  ['instrument {}', 'place1', place({ instrument: {} }), /exchange of msg\.payload\.instrument is missing/],
  ['instrument []', 'place1', place({ instrument: [] }), /exchange of msg\.payload\.instrument is missing/],
  ['instrument and tradingsymbol both', 'place1', place({ tradingsymbol: 'SBIN-EQ' }), /both instrument and tradingsymbol/],
  ['no instrument at all', 'place1', { payload: without(MARKET_BUY, 'instrument') }, /msg\.payload\.exchange is missing/],
  ['payload a string "BUY 1 SBIN"', 'place1', { payload: 'BUY 1 SBIN' }, /msg\.payload must be an object with the order/],
  ['payload an array of one order', 'place1', { payload: [MARKET_BUY] }, /msg\.payload must be an object with the order/],
  ['payload null', 'place1', { payload: null }, /msg\.payload must be an object with the order/],
  ['no payload', 'place1', {}, /msg\.payload must be an object with the order/],
  ['payload with a __proto__ key (and no quantity)', 'place1', { payload: JSON.parse(`{"__proto__":{"polluted":1,"quantity":1},${JSON.stringify(without(MARKET_BUY, 'quantity')).slice(1)}`) }, /msg\.payload\.quantity/],
  ['modify without orderid', 'modify1', { payload: { price: 700 } }, /msg\.payload\.orderid must be mStock's order id/],
  ['modify with orderid "12 34"', 'modify1', { payload: { orderid: '12 34', price: 700 } }, /msg\.payload\.orderid.*"12 34"/],
  ['modify with orderid an object', 'modify1', { payload: { orderid: { id: '1191241106101' }, price: 700 } }, /msg\.payload\.orderid/],
  ['modify with orderid 1e20 (a number)', 'modify1', { payload: { orderid: 1e20, price: 700 } }, /msg\.payload\.orderid .* too large .* Send the order id as a string/],
  ['modify with nothing to change', 'modify1', { payload: { orderid: '1191241106101' } }, /msg\.payload has nothing to change/],
  ['modify to quantity 0', 'modify1', { payload: { orderid: '1191241106101', quantity: 0 } }, /msg\.payload\.quantity/],
  ['modify to price "abc"', 'modify1', { payload: { orderid: '1191241106101', price: 'abc' } }, /msg\.payload\.price.*"abc"/],
  ['modify to ordertype "STOP"', 'modify1', { payload: { orderid: '1191241106101', ordertype: 'STOP' } }, /msg\.payload\.ordertype.*"STOP"/],
  ['cancel with orderid 1e20 (a number)', 'cancel1', { payload: { orderid: 1e20 } }, /msg\.payload\.orderid .* too large/],
  ['cancel with orderid -5', 'cancel1', { payload: { orderid: -5 } }, /msg\.payload\.orderid/],
  ['cancel with orderid ""', 'cancel1', { payload: { orderid: '' } }, /msg\.payload\.orderid/],
  ['cancel with orderid ["1191241106101"]', 'cancel1', { payload: { orderid: ['1191241106101'] } }, /msg\.payload\.orderid/],
  ['cancel with the order id as the payload itself', 'cancel1', { payload: '1191241106101' }, /msg\.payload must be an object with orderid/],
  ['msg.action "buy"', 'any1', { action: 'buy', ...place({}) }, /msg\.action must be one of "place", "modify", "cancel", "cancel-all".*"buy"/],
  ['msg.action missing', 'any1', place({}), /msg\.action must be one of .* but it was nothing/],
  ['msg.action ["place"]', 'any1', { action: ['place'], ...place({}) }, /msg\.action must be one of .* but it was a list/],
];

/** Forms the contract accepts that a new user might think wrong: each is one order, as written. */
const LENIENT_ORDERS = [
  ['side "buy " (lower case, a space after)', 'place1', () => place({ transactiontype: 'buy ' }), (body) => body.transactiontype === 'BUY'],
  ['quantity "2" (a numeric string)', 'place1', () => place({ quantity: '2' }), (body) => body.quantity === '2'],
  ['token as a number { exchange: "NSE", symboltoken: 3045 }', 'place1', () => ({ payload: { ...without(MARKET_BUY, 'instrument'), exchange: 'NSE', symboltoken: 3045 } }), (body) => body.symboltoken === '3045' && body.tradingsymbol === 'SBIN-EQ'],
  ['instrument "NSE:3045" (exchange and token)', 'place1', () => place({ instrument: 'NSE:3045' }), (body) => body.symboltoken === '3045' && body.tradingsymbol === 'SBIN-EQ'],
  ['ordertype "SL" (STOPLOSS_LIMIT) with price and trigger', 'place1', (sandbox) => {
    // a stop-loss BUY above the market: its trigger 2% up, its limit 3% up, on the 0.05 tick
    const now = sandbox.market.priceAt('3045', Date.now());
    const tick = (share) => (Math.round(now * share * 20) / 20).toFixed(2);
    return place({ ordertype: 'SL', producttype: 'INTRADAY', triggerprice: tick(1.02), price: tick(1.03) });
  }, (body) => body.ordertype === 'STOPLOSS_LIMIT' && body.variety === 'STOPLOSS'],
  ['msg.action " Place " on a node set by msg.action', 'any1', () => ({ action: ' Place ', ...place({}) }), (body) => body.transactiontype === 'BUY'],
];

describe('reliability: orders (mstock-order on the paper account)', function () {
  this.timeout(30_000);
  let sandbox;
  let options;
  let guard;
  let out;
  let caught;
  let seq = 0;

  sandboxAndGuardPerTest((set) => ({ sandbox, options, guard } = set));

  function listen() {
    out = collect(helper.getNode('out'));
    caught = collect(helper.getNode('caught'));
  }

  /** Loads the flow, logs in, and reads the instrument master once; the sandbox's counters start at 0. */
  async function boot(settings = {}) {
    await helper.load(allNodes, ordersFlow(sandbox.url, settings), { c1: credentialsFor(SANDBOX_ACCOUNT) });
    listen();
    await goLive();
    await ok('inst1', { payload: 'SBIN' });
    sandbox.resetCounters();
  }

  async function goLive() {
    await ok('login1', { payload: 'go' });
    await ok('otp1', { payload: OTP });
  }

  /** Sends `msg` to node `id`; resolves with its one outcome. */
  async function outcomeOf(id, msg, ms = 5000, settle = 20) {
    seq += 1;
    const msgid = `orders-${seq}`;
    Object.defineProperty(msg, '_msgid', { value: msgid, enumerable: true, writable: true, configurable: true });
    helper.getNode(id).receive(msg);
    await until(() => out.some((m) => m._msgid === msgid) || caught.some((m) => m._msgid === msgid), ms, `an outcome of ${id}`);
    await sleep(settle);
    const outs = out.filter((m) => m._msgid === msgid);
    const errs = caught.filter((m) => m._msgid === msgid);
    assert.equal(outs.length + errs.length, 1, `exactly one outcome (outputs ${outs.length}, catches ${errs.length})`);
    return outs.length ? { kind: 'out', msg: outs[0] } : { kind: 'caught', msg: errs[0] };
  }

  async function ok(id, msg) {
    const result = await outcomeOf(id, msg, 5000, 0);
    assert.equal(result.kind, 'out', `expected ${id} to succeed: ${result.msg.error && result.msg.error.message}`);
    return result.msg;
  }

  const codeOf = (result) => (result.kind === 'out' ? 'success' : result.msg.error.code);
  const bookSize = () => sandbox.paper.orderBook().length;

  it(`refuses each of ${BAD_ORDERS.length} bad order messages with MSTOCK_INVALID_INPUT naming the field, and sends nothing at all`, async function () {
    await boot();
    const failures = [];
    for (const [what, id, msg, words] of BAD_ORDERS) {
      const calls = totalCalls(sandbox);
      const result = await outcomeOf(id, { ...msg, kept: 1 }, 5000, 5);
      const observed = codeOf(result);
      const message = result.msg.error ? result.msg.error.message : '';
      const problems = [
        observed !== 'MSTOCK_INVALID_INPUT' && `observed ${observed}`,
        totalCalls(sandbox) !== calls && `${totalCalls(sandbox) - calls} request(s) reached the sandbox`,
        observed !== 'success' && !words.test(message) && `the message does not name the field: ${message.slice(0, 300)}`,
        observed !== 'success' && !NOT_SENT.test(message) && 'the message does not say nothing was sent',
        message.length >= 600 && `the message echoes the input (${message.length} chars)`,
        result.msg.kept !== 1 && 'not the msg sent',
        !prototypeClean() && 'Object.prototype polluted',
        JSON.stringify(statusOf(id)) !== JSON.stringify({ fill: 'red', shape: 'ring', text: STATUS_TEXT.MSTOCK_INVALID_INPUT }) && `status ${JSON.stringify(statusOf(id))}`,
      ].filter(Boolean);
      inputRecord.row({ fault: what, node: labelOf(id), expected: 'MSTOCK_INVALID_INPUT', observed, pass: problems.length === 0, note: problems.join('; ') || undefined });
      if (problems.length) failures.push(`${what}: ${problems.join('; ')}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(sandbox.calls, {}, 'not one request of any kind reached the sandbox');
    // and the same node places the next good order
    const placed = await ok('place1', place({}));
    assert.match(placed.payload.orderid, /^\d+$/);
    assert.equal(sandbox.calls.placeOrder, 1);
    assert.deepEqual(guard.seen, []);
  });

  it(`places each of ${LENIENT_ORDERS.length} forms the contract accepts as exactly one order, as written`, async function () {
    await boot();
    const failures = [];
    for (const [what, id, make, check] of LENIENT_ORDERS) {
      const places = sandbox.calls.placeOrder ?? 0;
      const before = bookSize();
      const result = await outcomeOf(id, make(sandbox));
      const observed = codeOf(result);
      const request = sandbox.requests.filter((r) => r.endpoint === 'placeOrder').at(-1);
      const body = request ? JSON.parse(request.body) : {};
      const problems = [
        observed !== 'success' && `observed ${observed}: ${result.msg.error && result.msg.error.message}`,
        (sandbox.calls.placeOrder ?? 0) - places !== 1 && `${(sandbox.calls.placeOrder ?? 0) - places} place calls`,
        bookSize() - before !== 1 && `${bookSize() - before} new orders in the paper book`,
        observed === 'success' && !check(body) && `sent ${JSON.stringify(body)}`,
        observed === 'success' && !sandbox.paper.orderBook().some((row) => row.orderid === result.msg.payload.orderid) && 'the order id is not in the paper book',
      ].filter(Boolean);
      inputRecord.row({ fault: `accepted: ${what}`, node: labelOf(id), expected: 'success', observed, pass: problems.length === 0, note: problems.join('; ') || undefined });
      if (problems.length) failures.push(`${what}: ${problems.join('; ')}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(guard.seen, []);
  });

  /**
   * Place outcomes, one fault on the next place call each. `booked`: whether the paper book holds
   * the order afterwards (the faults marked "after" let the order take effect first).
   */
  const PLACE_FAULTS = [
    { fault: 'answer later than the timeout (late-answer 1500 ms, timeout 800 ms)', set: { kind: 'late-answer', delayMs: 1500 }, timeout: 800, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/did not answer the order within 800 ms/, UNCERTAIN], booked: 1, settle: 1000 },
    { fault: 'connection reset after the order was read (it took effect)', set: { kind: 'reset-after-read' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/failed after the order was sent/, UNCERTAIN], booked: 1 },
    { fault: 'HTML 502 from the gateway after the order took effect', set: { kind: 'bad-gateway-after' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/HTTP 502 and an HTML page/, UNCERTAIN], booked: 1 },
    { fault: 'HTTP 500 with an MA code', set: { kind: 'server-error' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/HTTP 500 \(MA500\)/, UNCERTAIN], booked: 0 },
    { fault: 'HTML 502 page', set: { kind: 'html-502' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/HTTP 502 and an HTML page/, UNCERTAIN], booked: 0 },
    { fault: 'HTML 503 page', set: { kind: 'html-503' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/HTTP 503 and an HTML page/, UNCERTAIN], booked: 0 },
    { fault: 'connection dropped without an answer, once', set: { kind: 'drop' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/failed after the order was sent/, UNCERTAIN], booked: 0 },
    { fault: 'connection reset in the middle of the body', set: { kind: 'reset-mid-body' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [UNCERTAIN], booked: 0 },
    { fault: 'truncated JSON (HTTP 200)', set: { kind: 'truncated-json' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/not valid JSON/, UNCERTAIN], booked: 0 },
    { fault: 'empty body (HTTP 200)', set: { kind: 'empty-body' }, expect: 'MSTOCK_ORDER_UNCERTAIN', words: [/an empty body/, UNCERTAIN], booked: 0 },
    { fault: 'RMS rejection (HTTP 200, RS-0111, booked Rejected)', set: { kind: 'rms-rejection' }, expect: 'MSTOCK_ORDER_REJECTED', words: [/^mStock refused the order \(RS-0111\): RMS:.*FUND LIMIT INSUFFICIENT/], booked: 1, bookStatus: 'Rejected' },
    { fault: 'HTTP 200 with status "false" (MA500)', set: { kind: 'status-false' }, expect: 'MSTOCK_ORDER_REJECTED', words: [/^mStock refused the order \(MA500\): Something went wrong/], booked: 0 },
    { fault: 'HTTP 429', set: { kind: 'rate-limit' }, expect: 'MSTOCK_RATE_LIMITED', words: [/Too many requests/], booked: 0 },
    { fault: 'HTTP 401 IA401', set: { kind: 'unauthorized' }, expect: 'MSTOCK_SESSION_EXPIRED', words: [/\(IA401\)/, /Log in again/], booked: 0 },
    { fault: 'API key suspended (HTTP 403 IA403 on logout, 403/400 elsewhere)', set: { kind: 'api-key-suspended' }, expect: 'MSTOCK_API_KEY_INVALID', words: [/suspended\/expired/], booked: 0 },
    { fault: 'slow answer within the timeout (150 ms of 2000 ms)', set: { kind: 'slow', delayMs: 150 }, expect: 'success', booked: 1 },
    { fault: 'connection refused', special: 'refused', expect: 'MSTOCK_NETWORK', words: [/ECONNREFUSED/, /The order was not sent to mStock\./], booked: 0, calls: 0 },
  ];

  for (const f of PLACE_FAULTS) {
    it(`place, ${f.fault}: ${f.expect} after ${f.calls ?? 1} request(s), never a second`, async function () {
      await boot({ timeout: f.timeout ?? 2000 });
      const before = bookSize();
      const known = new Set(sandbox.paper.orderBook().map((row) => row.orderid));
      const port = sandbox.port;
      if (f.special === 'refused') {
        await sandbox.stop();
        await sleep(100);
      } else {
        sandbox.setFault({ ...f.set, endpoints: ['placeOrder'], times: 1 });
      }
      const result = await outcomeOf('place1', place({ ordertag: 'reliability' }), 6000, f.settle ?? 300);
      const observed = codeOf(result);
      const message = result.msg.error ? result.msg.error.message : '';
      if (f.special === 'refused') {
        options.port = port;
        await sandbox.start();
      }
      sandbox.setFault(undefined);
      const calls = sandbox.calls.placeOrder ?? 0;
      const booked = bookSize() - before;
      const rows = sandbox.paper.orderBook().filter((row) => !known.has(row.orderid));
      const problems = [
        observed !== f.expect && `observed ${observed}: ${message}`,
        calls !== (f.calls ?? 1) && `${calls} place calls`,
        booked !== f.booked && `${booked} new orders in the paper book`,
        f.bookStatus && rows[0] && rows[0].status !== f.bookStatus && `booked as ${rows[0].status}`,
        ...(f.words ?? []).filter((w) => !w.test(message)).map((w) => `the message does not match ${w}: ${message}`),
        f.expect !== 'success' && JSON.stringify(statusOf('place1')) !== JSON.stringify({ fill: 'red', shape: 'ring', text: STATUS_TEXT[f.expect] }) && `status ${JSON.stringify(statusOf('place1'))}`,
      ].filter(Boolean);
      faultsRecord.row({
        fault: f.fault, node: 'mstock-order (place)', expected: f.expect, observed, pass: problems.length === 0,
        note: problems.join('; ') || `${calls} place call(s); ${booked ? 'the order is in the paper book' : 'no order in the paper book'}`,
      });
      assert.deepEqual(problems, []);
      // the next order through the same node goes through, once
      if (helper.getNode('c1').session.state !== 'live') await goLive();
      const next = await ok('place1', place({}));
      assert.match(next.payload.orderid, /^\d+$/);
      assert.equal(sandbox.calls.placeOrder, calls + 1);
      assert.deepEqual(guard.seen, [], 'no unhandled rejection or uncaught exception');
    });
  }

  it('5 identical place messages at once are 5 orders: 5 place calls, 5 order ids, 5 rows in the paper book', async function () {
    await boot();
    const before = bookSize();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => outcomeOf('place1', place({}), 8000, 0)));
    await sleep(200);
    const ids = new Set(outcomes.filter((r) => r.kind === 'out').map((r) => r.msg.payload.orderid));
    const booked = bookSize() - before;
    const pass = ids.size === 5 && sandbox.calls.placeOrder === 5 && booked === 5;
    faultsRecord.row({ fault: '5 identical place messages at once', node: 'mstock-order (place)', expected: '5 orders', observed: `${ids.size} order ids, ${sandbox.calls.placeOrder} place calls, ${booked} in the book`, count: 5, pass });
    assert.equal(ids.size, 5);
    assert.equal(sandbox.calls.placeOrder, 5);
    assert.equal(booked, 5);
    for (const id of ids) assert.ok(sandbox.paper.orderBook().some((row) => row.orderid === id), `order ${id} is in the paper book`);
  });

  it('orders off (the default): every action fails with MSTOCK_ORDERS_DISABLED, nothing is sent, every order node says "orders off"', async function () {
    await boot({ account: {} });
    const statusBefore = Object.fromEntries(Object.keys(ORDER_NODES).map((id) => [id, statusOf(id)]));
    const asks = [
      ['place1', place({})],
      ['modify1', { payload: { orderid: '1191241106101', price: 700 } }],
      ['cancel1', { payload: { orderid: '1191241106101' } }],
      ['cancelall1', { payload: 'now' }],
      ['any1', { action: 'place', ...place({}) }],
      ['any1', { action: 'cancel-all' }],
    ];
    const failures = [];
    for (const [id, msg] of asks) {
      const result = await outcomeOf(id, msg);
      const observed = codeOf(result);
      const problems = [
        observed !== 'MSTOCK_ORDERS_DISABLED' && `observed ${observed}`,
        result.msg.error && !/Orders from flows are off.*"Allow orders from flows"/.test(result.msg.error.message) && `message ${result.msg.error.message}`,
        JSON.stringify(statusBefore[id]) !== JSON.stringify({ fill: 'grey', shape: 'ring', text: 'orders off' }) && `status before ${JSON.stringify(statusBefore[id])}`,
        totalCalls(sandbox) !== 0 && `${totalCalls(sandbox)} requests`,
      ].filter(Boolean);
      const action = msg.action ? `, msg.action "${msg.action}"` : '';
      faultsRecord.row({ fault: `orders off (the account default)${action}`, node: labelOf(id), expected: 'MSTOCK_ORDERS_DISABLED', observed, pass: problems.length === 0, note: problems.join('; ') || undefined });
      if (problems.length) failures.push(`${id}${action}: ${problems.join('; ')}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(sandbox.calls, {}, 'nothing at all reached the sandbox');
    assert.deepEqual(statusOf('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' }, 'the other nodes show the session');
  });

  it('the daily cap holds across a full redeploy, a "modified nodes" deploy and orders switched off and on', async function () {
    const settings = { account: { orders: true, maxOrdersPerDay: 2 } };
    await boot(settings);
    const creds = { c1: credentialsFor(SANDBOX_ACCOUNT) };
    await ok('place1', place({}));
    await ok('place1', place({}));
    const steps = [];
    const third = async (what) => {
      listen();
      const result = await outcomeOf('place1', place({}));
      steps.push({ what, observed: codeOf(result), status: statusOf('place1'), places: sandbox.calls.placeOrder });
    };
    await third('the third place');
    await helper.setFlows(ordersFlow(sandbox.url, settings), 'full', creds);
    await third('after a full redeploy');
    await helper.setFlows(ordersFlow(sandbox.url, { ...settings, placeName: 'renamed' }), 'nodes', creds);
    await third('after a "modified nodes" deploy of the order node');
    await helper.setFlows(ordersFlow(sandbox.url, { account: { orders: false, maxOrdersPerDay: 2 } }), 'full', creds);
    await helper.setFlows(ordersFlow(sandbox.url, settings), 'full', creds);
    await third('after orders were switched off and on again');
    const failures = [];
    for (const step of steps) {
      const pass = step.observed === 'MSTOCK_ORDERS_DISABLED' && step.places === 2;
      lifecycleRecord.row({ fault: `daily cap 2 reached, ${step.what}`, node: 'mstock-order (place)', expected: 'MSTOCK_ORDERS_DISABLED, 2 place calls', observed: `${step.observed}, ${step.places} place calls`, pass });
      if (!pass) failures.push(`${step.what}: ${step.observed}, ${step.places} place calls`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(statusOf('modify1'), { fill: 'red', shape: 'ring', text: 'orders off: 2 placed today' }, 'every order node shows the cap');
    assert.equal(sandbox.calls.placeOrder, 2, 'no third place call ever');
    assert.deepEqual(guard.seen, []);
  });

  /** Wraps the node's send, error and status: anything it does once `closed` is set. Warnings are kept apart. */
  function watch(id) {
    const state = { closed: false, after: [], warned: [] };
    const node = helper.getNode(id);
    for (const method of ['send', 'error', 'status', 'warn']) {
      const original = node[method].bind(node);
      node[method] = (...args) => {
        if (method === 'warn') state.warned.push(String(args[0]));
        else if (state.closed) state.after.push(`${id}.${method}(${method === 'status' ? JSON.stringify(args[0]) : ''})`);
        return original(...args);
      };
    }
    return state;
  }

  const creds = () => ({ c1: credentialsFor(SANDBOX_ACCOUNT) });
  /**
   * Redeploys and stops while a place call waits for its answer. `logged`: the warning the node
   * leaves in the log, the one place left to say what became of the order.
   */
  const REDEPLOYS = [
    { name: 'full redeploy, same flow and credentials', act: () => helper.setFlows(ordersFlow(sandbox.url), 'full', creds()), next: true, logged: UNCERTAIN },
    { name: 'deploy of an empty flow (every node removed)', act: () => helper.setFlows([], 'full', {}).catch(() => {}), logged: UNCERTAIN },
    { name: 'stop of the flows (helper.unload, as a runtime stop)', act: () => helper.unload(), logged: UNCERTAIN },
    {
      // The account and its connection stay, so the call is not cancelled: mStock answers, the
      // order is placed, and the closed node can send nothing on: the log says what was done.
      name: '"modified nodes" deploy of the order node',
      act: () => helper.setFlows(ordersFlow(sandbox.url, { placeName: 'renamed' }), 'nodes', creds()),
      next: true,
      logged: 'order id',
    },
  ];

  for (const c of REDEPLOYS) {
    const title = c.bug
      ? `BUG: ${c.name} while a place call waits for its answer: ${c.bug}`
      : `${c.name} while a place call waits for its answer: no second request, nothing sent after close, the outcome in the log`;
    it(title, async function () {
      await boot();
      const before = bookSize();
      const known = new Set(sandbox.paper.orderBook().map((row) => row.orderid));
      sandbox.setFault({ kind: 'late-answer', endpoints: ['placeOrder'], times: 1, delayMs: 600 });
      const watched = watch('place1');
      const outBefore = out.length;
      const caughtBefore = caught.length;
      helper.getNode('place1').receive({ _msgid: 'in-flight', payload: { ...MARKET_BUY } });
      await until(() => sandbox.calls.placeOrder === 1, 4000, 'the place call');
      const started = Date.now();
      await c.act();
      const closeMs = Date.now() - started;
      watched.closed = true;
      await sleep(1200); // the late answer comes at 600 ms
      const stray = [...watched.after, ...out.slice(outBefore).map((m) => `out:${m.topic}`), ...caught.slice(caughtBefore).map((m) => `caught:${m.error.code}`)];
      const placed = sandbox.paper.orderBook().find((row) => !known.has(row.orderid));
      const logged = c.logged === UNCERTAIN ? UNCERTAIN : new RegExp(placed ? placed.orderid : 'no order placed');
      const logLines = watched.warned.filter((w) => logged.test(w));
      const booked = bookSize() - before;
      const pass = sandbox.calls.placeOrder === 1 && stray.length === 0 && logLines.length === 1 && guard.seen.length === 0 && closeMs < 1000;
      lifecycleRecord.row({
        fault: `${c.name}, while a place call waits 600 ms for its answer`,
        node: 'mstock-order (place)',
        expected: `1 place call, no send after close, ${c.logged === UNCERTAIN ? 'ORDER_UNCERTAIN' : 'the order id'} in the log`,
        observed: `${sandbox.calls.placeOrder} place call(s), ${stray.length} sends after close, ${logLines.length} such log line(s) of ${watched.warned.length}, close ${closeMs} ms, ${booked} in the book`,
        pass,
        note: c.bug && !pass ? `${c.bug} (nodes/mstock-order.ts logs only an ORDER_UNCERTAIN failure after close; src/nodered/flow-node.ts drops the reply of a closed node)` : undefined,
      });
      assert.equal(sandbox.calls.placeOrder, 1, 'never sent again');
      assert.deepEqual(stray, [], 'a closed node sent, reported or showed something');
      assert.deepEqual(guard.seen, [], 'no unhandled rejection or uncaught exception');
      assert.ok(closeMs < 1000, `closing took ${closeMs} ms`);
      assert.equal(booked, 1, 'the order reached the paper book');
      assert.equal(logLines.length, 1, `what became of the order is written to the log once: ${JSON.stringify(watched.warned)}`);
      if (!c.next) return;
      // the flow deployed after places the next order, once
      listen();
      const next = await ok('place1', place({}));
      assert.match(next.payload.orderid, /^\d+$/);
      assert.equal(sandbox.calls.placeOrder, 2);
    });
  }
});
