'use strict';
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, portfolioAndOrdersFlow, collect, until, lastStatus, SANDBOX_ACCOUNT, send, failureOf, goLive, bearerOf } =
  require('./support');
const { JWT_LIKE } = require('../api/_helpers');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');

const LIVE = { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' };
const EXPIRED = { fill: 'red', shape: 'ring', text: 'session expired' };

/** An instant as the parsed output writes it: ISO-8601 to the second, India offset. */
const indiaIso = (ms) => `${new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19)}+05:30`;
/** Today's India date, "YYYY-MM-DD". */
const indiaToday = () => new Date(Date.now() + IST_OFFSET_MS).toISOString().slice(0, 10);

/** The views, the endpoint each calls, and a message that asks for it. */
const VIEWS = {
  orders: { endpoint: 'orderBook', msg: () => ({ payload: 'tick' }) },
  trades: { endpoint: 'tradeBook', msg: () => ({ payload: 'tick' }) },
  order: { endpoint: 'orderDetails', msg: (sandbox) => ({ payload: { orderid: sandbox.paper.state.orders[0].orderid } }) },
  'trade-history': { endpoint: 'tradeHistory', msg: () => ({ payload: { from: indiaToday(), to: indiaToday() } }) },
};

describe('mstock-orders: order book, trade book, order details and trade history against the sandbox', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  const load = (orders = {}) => helper.load(allNodes, portfolioAndOrdersFlow(url, { orders }), sandboxCredentials());
  const order = (seq) => sandbox.paper.state.orders.find((o) => o.orderid.endsWith(String(seq)));

  it('the order book arrives parsed: order ids strings as sent, prices and quantities numbers, times ISO in India time', async function () {
    await load({ view: 'orders' });
    await goLive(sandbox);
    const msg = await send('orders1', { _msgid: 'o-1', payload: 'tick', keep: 1 });
    assert.equal(msg.topic, 'mstock/orders');
    assert.equal(msg._msgid, 'o-1');
    assert.equal(msg.keep, 1);
    assert.equal(sandbox.calls.orderBook, 1);
    // newest first: the open RELIANCE limit order, the ACC sale, the rejected INFY order, TCS, the ACC purchase
    assert.deepEqual(msg.payload.map((o) => [o.tradingsymbol, o.transactiontype, o.status]), [
      ['RELIANCE', 'BUY', 'Pending'], ['ACC', 'SELL', 'Traded'], ['INFY', 'BUY', 'Rejected'], ['TCS', 'BUY', 'Traded'], ['ACC', 'BUY', 'Traded'],
    ]);
    const open = msg.payload[0];
    const seeded = order(104);
    assert.equal(open.orderid, seeded.orderid);
    assert.equal(typeof open.orderid, 'string');
    assert.equal(open.exchangeorderid, seeded.exchangeorderid);
    assert.equal(open.symboltoken, '2885');
    assert.equal(open.price, 1250);
    assert.equal(open.quantity, 5);
    assert.equal(open.unfilledshares, 5);
    assert.equal(open.triggerprice, 0);
    assert.equal(open.variety, null);
    assert.equal(open.updatetime, indiaIso(seeded.updatedAt));
    assert.equal(open.expirydate, `${indiaIso(seeded.placedAt).slice(0, 10)}T00:00:00+05:30`);
    assert.equal(open.fillid, null);
    assert.equal(msg.payload[2].text, 'EXCH:16284:The order price is out of the days price range.');
    assert.equal(msg.payload[4].averageprice, 1950.46);
    assert.deepEqual(lastStatus('orders1'), LIVE);
  });

  it('an order id past 2^53, or with a space before it, reaches the flow exactly as a string', async function () {
    await load({ view: 'orders' });
    await goLive(sandbox);
    order(104).orderid = '9007199254740993';
    order(103).orderid = ' 1000000000016254';
    const msg = await send('orders1');
    assert.equal(msg.payload[0].orderid, '9007199254740993');
    assert.equal(msg.payload[1].orderid, '1000000000016254');
  });

  it('the trade book arrives parsed: its UPPER_SNAKE keys in lowerCamel, SEC_ID and ORDER_NUMBER strings', async function () {
    await load({ view: 'trades' });
    await goLive(sandbox);
    const msg = await send('orders1');
    assert.equal(msg.topic, 'mstock/trades');
    assert.equal(sandbox.calls.tradeBook, 1);
    // newest first: the ACC sale, TCS, then the ACC purchase's two fills
    assert.deepEqual(msg.payload.map((t) => [t.symbol, t.buySell, t.quantity, t.price]), [
      ['ACC', 'Sell', 10, 1962], ['TCS', 'Buy', 2, 4101.5], ['ACC', 'Buy', 8, 1950.55], ['ACC', 'Buy', 12, 1950.4],
    ]);
    const sale = msg.payload[0];
    assert.deepEqual(Object.keys(sale), ['secId', 'symbol', 'exchange', 'instrumentName', 'product', 'buySell', 'quantity', 'price', 'tradeValue', 'orderNumber', 'orderDateTime']);
    assert.equal(sale.secId, '22');
    assert.equal(sale.orderNumber, order(103).orderid);
    assert.equal(sale.tradeValue, 19620);
    assert.equal(sale.orderDateTime, indiaIso(sandbox.paper.state.fills[3].at));
  });

  it('one order: the details of msg.payload.orderid, its 12-hour time as ISO, its numbers numbers', async function () {
    await load({ view: 'order' });
    await goLive(sandbox);
    const seeded = order(100);
    const msg = await send('orders1', { payload: { orderid: ` ${seeded.orderid} ` } });
    assert.equal(msg.topic, 'mstock/order');
    assert.equal(sandbox.calls.orderDetails, 1);
    assert.equal(msg.payload.length, 1);
    const [details] = msg.payload;
    assert.equal(details.orderid, seeded.orderid);
    assert.equal(details.status, 'Traded');
    assert.equal(details.filledshares, 20);
    assert.equal(details.averageprice, 1950.46);
    assert.equal(details.price, 0);
    assert.equal(details.ordertag, null);
    assert.equal(details.fillid, '68334427');
    // "06-01-2025 10:20:34 AM" as mStock writes it here
    assert.equal(details.updatetime, indiaIso(seeded.updatedAt));
  });

  it('one order given as a safe number works; an order id mStock does not know is no rows', async function () {
    await load({ view: 'order' });
    await goLive(sandbox);
    const seeded = order(101);
    const msg = await send('orders1', { payload: { orderid: Number(seeded.orderid) } });
    assert.equal(msg.payload[0].orderid, seeded.orderid);
    assert.equal(JSON.parse(sandbox.requests.at(-1).body).order_no, seeded.orderid, 'sent as the string of its digits');
    const unknown = await send('orders1', { payload: { orderid: '1' } });
    assert.deepEqual(unknown.payload, []);
  });

  it('trades between two dates: the fills of those India days, fill ids strings, fill times ISO times of day', async function () {
    await load({ view: 'trade-history' });
    await goLive(sandbox);
    const msg = await send('orders1', { payload: { from: indiaToday(), to: new Date() } });
    assert.equal(msg.topic, 'mstock/trade-history');
    assert.equal(sandbox.calls.tradeHistory, 1);
    assert.deepEqual(msg.payload.map((t) => [t.tradingsymbol, t.transactiontype, t.fillsize, t.fillprice, t.fillid]), [
      ['ACC LIMITED', 'SELL', 10, 1962, '68334429'],
      ['TATA CONSULTANCY SERVICES', 'BUY', 2, 4101.5, '68334428'],
      ['ACC LIMITED', 'BUY', 8, 1950.55, '68334427'],
      ['ACC LIMITED', 'BUY', 12, 1950.4, '68334426'],
    ]);
    const sale = msg.payload[0];
    assert.equal(sale.orderid, order(103).orderid);
    assert.equal(sale.filltime, indiaIso(sandbox.paper.state.fills[3].at).slice(11));
    assert.match(sale.filltime, /^\d\d:\d\d:\d\d\+05:30$/);
    assert.equal(sale.expirydate, null);
  });

  for (const output of ['parsed', 'raw']) {
    it(`${output}: trades between two days with none (data: null) are an empty array`, async function () {
      await load({ view: 'trade-history', output });
      await goLive(sandbox);
      const msg = await send('orders1', { payload: { from: '2020-01-06', to: '2020-01-07' } });
      assert.deepEqual(msg.payload, []);
      assert.equal(sandbox.calls.tradeHistory, 1);
      assert.deepEqual(sandbox.paper.tradeHistory('2020-01-06', '2020-01-07'), [], 'the sandbox has none (and answers data: null)');
    });
  }

  it('raw: the broker\'s data untouched, for each view', async function () {
    await load({ view: 'msg', output: 'raw' });
    await goLive(sandbox);
    const seeded = order(104);
    const book = await send('orders1', { view: 'orders' });
    assert.deepEqual(book.payload, sandbox.paper.orderBook());
    assert.equal(book.payload[0].price, '1250.00');
    const trades = await send('orders1', { view: 'trades' });
    assert.deepEqual(trades.payload, sandbox.paper.tradeBook());
    assert.equal(trades.payload[0].SEC_ID, '22');
    const details = await send('orders1', { view: 'order', payload: { orderid: seeded.orderid } });
    assert.deepEqual(details.payload, sandbox.paper.orderDetails(seeded.orderid));
    assert.match(details.payload[0].updatetime, /^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d [AP]M$/);
    const history = await send('orders1', { view: 'trade-history', payload: { from: indiaToday(), to: indiaToday() } });
    assert.deepEqual(history.payload, sandbox.paper.tradeHistory(indiaToday(), indiaToday()));
    assert.equal(history.payload[0].fillprice, '1962.00');
  });

  it('"set by msg.view" takes each view from msg.view, in any case', async function () {
    await load({ view: 'msg' });
    await goLive(sandbox);
    const topics = [];
    for (const [view, { msg }] of Object.entries(VIEWS)) topics.push((await send('orders1', { ...msg(sandbox), view: ` ${view.toUpperCase()}` })).topic);
    assert.deepEqual(topics, ['mstock/orders', 'mstock/trades', 'mstock/order', 'mstock/trade-history']);
    assert.deepEqual([sandbox.calls.orderBook, sandbox.calls.tradeBook, sandbox.calls.orderDetails, sandbox.calls.tradeHistory], [1, 1, 1, 1]);
  });

  /** Sends `msg` to orders1 and checks that it fails with MSTOCK_INVALID_INPUT and nothing reached the sandbox. */
  async function refused(msg, pattern) {
    const before = sandbox.requests.length;
    const out = collect(helper.getNode('out'));
    const failed = await failureOf('orders1', msg);
    assert.equal(failed.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(failed.error.message, pattern);
    assert.match(failed.error.message, /Nothing was sent to mStock\.$/);
    assert.equal(sandbox.requests.length, before, 'no request reached the sandbox');
    assert.deepEqual(out, []);
    assert.deepEqual(lastStatus('orders1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
    return failed;
  }

  for (const view of ['positions', 'order-book', 'tradehistory', '', null]) {
    it(`msg.view ${JSON.stringify(view)} is MSTOCK_INVALID_INPUT naming the choices, and nothing is sent`, async function () {
      await load({ view: 'msg' });
      await goLive(sandbox);
      await refused({ view, payload: { orderid: '1' } }, /^msg\.view must be one of "orders", "trades", "order", "trade-history", but it was /);
    });
  }

  it('one order with no usable msg.payload.orderid is MSTOCK_INVALID_INPUT naming the field, and nothing is sent', async function () {
    await load({ view: 'order' });
    await goLive(sandbox);
    await refused({ payload: {} }, /^msg\.payload\.orderid must be mStock's order id, a string of digits/);
    await refused({ payload: { orderid: 'ABC' } }, /^msg\.payload\.orderid must be/);
    await refused({ payload: '1131250211100' }, /^msg\.payload must be an object with orderid/);
    const big = await refused({ payload: { orderid: 2 ** 60 } }, /^msg\.payload\.orderid 1152921504606847000 is too large/);
    assert.match(big.error.message, /Send the order id as a string\./);
    assert.equal(sandbox.calls.orderDetails, undefined);
  });

  it('trades between two dates with a date missing, unreadable or the wrong way round are MSTOCK_INVALID_INPUT naming the field', async function () {
    await load({ view: 'trade-history' });
    await goLive(sandbox);
    await refused({ payload: { from: '2025-01-06' } }, /^msg\.payload\.to is missing/);
    await refused({ payload: { to: '2025-01-06' } }, /^msg\.payload\.from is missing/);
    await refused({ payload: { from: '06/01/2025', to: '2025-01-07' } }, /^msg\.payload\.from must be a date/);
    await refused({ payload: { from: '2025-01-06', to: '2025-02-30' } }, /^msg\.payload\.to must be a date/);
    await refused({ payload: { from: '2025-01-07', to: '2025-01-06' } }, /^msg\.payload\.from \(2025-01-07\) is after msg\.payload\.to \(2025-01-06\)/);
    assert.equal(sandbox.calls.tradeHistory, undefined);
  });

  for (const [view, { endpoint, msg }] of Object.entries(VIEWS)) {
    it(`${view} without a session is MSTOCK_NOT_LOGGED_IN, and nothing is sent`, async function () {
      await load({ view });
      const failed = await failureOf('orders1', msg(sandbox));
      assert.equal(failed.error.code, 'MSTOCK_NOT_LOGGED_IN');
      assert.deepEqual(sandbox.calls, {});
      assert.deepEqual(lastStatus('orders1'), { fill: 'red', shape: 'ring', text: 'not logged in' });
    });

    it(`a 401 on ${view} (${endpoint}) expires the session for every node of the account`, async function () {
      await load({ view });
      await goLive(sandbox);
      const events = collect(helper.getNode('events'));
      sandbox.expireSessions();
      const failed = await failureOf('orders1', msg(sandbox));
      assert.equal(failed.error.code, 'MSTOCK_SESSION_EXPIRED');
      assert.match(failed.error.message, /\(IA401\): Invalid request\. Please try again\. Log in again/);
      assert.equal(sandbox.calls[endpoint], 1);
      assert.deepEqual(events.map((m) => [m.payload.state, m.payload.previous, m.payload.reason]), [['expired', 'live', 'rejected']]);
      for (const id of ['funds1', 'portfolio1', 'logout1', 'orders1']) assert.deepEqual(lastStatus(id), EXPIRED, id);
      assert.equal((await failureOf('orders1', msg(sandbox))).error.code, 'MSTOCK_SESSION_EXPIRED');
      assert.equal(sandbox.calls[endpoint], 1, 'an expired session is refused without a call');
    });
  }

  it('a burst of 100 identical trade-book messages makes one call, and each message gets its own copy', async function () {
    await load({ view: 'trades' });
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', delayMs: 100, endpoints: ['tradeBook'], times: 1 });
    const answers = collect(helper.getNode('out'));
    for (let i = 0; i < 100; i++) helper.getNode('orders1').receive({ _msgid: `burst-${i}`, payload: i, n: i });
    await until(() => answers.length === 100, 5000, '100 answers');
    assert.equal(sandbox.calls.tradeBook, 1);
    assert.deepEqual(answers.map((m) => m.n).sort((a, b) => a - b), [...Array(100).keys()]);
    assert.ok(answers.every((m) => m.topic === 'mstock/trades' && m.payload.length === 4));
    answers[0].payload[0].price = -1;
    assert.equal(answers[1].payload[0].price, 1962, 'each message has its own copy');
  });

  describe('what mStock receives, as FACTS-TRADING says', function () {
    const headersOf = (request) => {
      assert.equal(request.headers['x-mirae-version'], '1');
      assert.equal(request.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      assert.match(bearerOf(request), JWT_LIKE, 'the session JWT as Bearer');
    };

    it('the order book: GET /openapi/typeb/orders, no body; the trade book: GET /openapi/typeb/tradebook, no body', async function () {
      await load({ view: 'msg' });
      await goLive(sandbox);
      await send('orders1', { view: 'orders' });
      await send('orders1', { view: 'trades' });
      const [book, trades] = sandbox.requests.slice(-2);
      assert.deepEqual([book.endpoint, book.method, book.path, book.body], ['orderBook', 'GET', '/openapi/typeb/orders', '']);
      assert.deepEqual([trades.endpoint, trades.method, trades.path, trades.body], ['tradeBook', 'GET', '/openapi/typeb/tradebook', '']);
      for (const request of [book, trades]) {
        headersOf(request);
        assert.equal(request.headers['content-type'], undefined);
      }
    });

    it('one order: GET /openapi/typeb/order/details with the JSON body { order_no, segment: "E" } (§2.6)', async function () {
      await load({ view: 'order' });
      await goLive(sandbox);
      await send('orders1', { payload: { orderid: '\t1131250106100 ' } });
      const request = sandbox.requests.at(-1);
      assert.deepEqual([request.endpoint, request.method, request.path], ['orderDetails', 'GET', '/openapi/typeb/order/details']);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.body, '{"order_no":"1131250106100","segment":"E"}');
      headersOf(request);
    });

    it('trades between two dates: GET /openapi/typeb/trades with the JSON body { fromdate, todate } as India days (§2.8)', async function () {
      await load({ view: 'trade-history' });
      await goLive(sandbox);
      // 20:00 UTC on 5 January is 01:30 on 6 January in India
      await send('orders1', { payload: { from: Date.UTC(2025, 0, 5, 20, 0), to: '2025-01-07T23:59:59+05:30' } });
      const request = sandbox.requests.at(-1);
      assert.deepEqual([request.endpoint, request.method, request.path], ['tradeHistory', 'GET', '/openapi/typeb/trades']);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.body, '{"fromdate":"2025-01-06","todate":"2025-01-07"}');
      headersOf(request);
    });
  });
});
