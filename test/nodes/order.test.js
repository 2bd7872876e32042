'use strict';
// mstock-order end to end: a real Node-RED runtime, the sandbox's paper account over real HTTP.
// Every test counts what reached the sandbox: an order that must not be sent is never sent.
const assert = require('node:assert/strict');
const { helper, allNodes, sandboxCredentials, orderFlow, sandboxPerTest, send, failureOf, goLive, collect, until, statusOf, recordNodes } = require('./support');

const ORDER_CALLS = ['placeOrder', 'modifyOrder', 'cancelOrder', 'cancelAll'];
const MARKET_BUY = { instrument: 'NSE:SBIN-EQ', transactiontype: 'BUY', ordertype: 'MARKET', quantity: 1, producttype: 'DELIVERY' };
const UNCERTAIN = /the order may have reached mStock: check the order book before sending it again\.$/;

describe('mstock-order', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  /** order1 (place), order2 (set by msg.action) and orders1 (mstock-orders, the order book), with the account's order settings. */
  function flow(config = {}, timeout = 2000) {
    return [
      ...orderFlow(url, { order1: { action: 'place' }, order2: { action: 'msg' } }, { configExtra: config, timeout }),
      { id: 'orders1', type: 'mstock-orders', z: 'tab1', account: 'c1', view: 'orders', output: 'parsed', wires: [['out']] },
    ];
  }

  async function load(config = { orders: true }, timeout) {
    await helper.load(allNodes, flow(config, timeout), sandboxCredentials());
    await goLive(sandbox);
    sandbox.resetCounters();
  }

  /** Requests that reached the sandbox since the counters were reset, other than `except`. */
  const requestsBut = (...except) => sandbox.requests.filter((r) => !except.includes(r.endpoint));
  const orderRequests = () => sandbox.requests.filter((r) => ORDER_CALLS.includes(r.endpoint));
  const orderBook = async () => (await send('orders1', { payload: 'book' })).payload;

  describe('orders off (the default)', function () {
    it('every action fails with MSTOCK_ORDERS_DISABLED, nothing is sent, and every order node says "orders off"', async function () {
      await load({});
      for (const id of ['order1', 'order2']) assert.deepEqual(statusOf(id), { fill: 'grey', shape: 'ring', text: 'orders off' }, id);
      const asks = [
        ['order1', { payload: MARKET_BUY }],
        ['order2', { action: 'modify', payload: { orderid: '1191241106101', price: 700 } }],
        ['order2', { action: 'cancel', payload: { orderid: '1191241106101' } }],
        ['order2', { action: 'cancel-all' }],
      ];
      for (const [id, msg] of asks) {
        const failure = await failureOf(id, msg);
        assert.equal(failure.error.code, 'MSTOCK_ORDERS_DISABLED', `${id} ${msg.action || 'place'}`);
        assert.match(failure.error.message, /Orders from flows are off.*"Allow orders from flows"/);
      }
      assert.deepEqual(sandbox.requests, [], 'nothing at all reached the sandbox');
      assert.deepEqual(statusOf('order1'), { fill: 'red', shape: 'ring', text: 'orders off' });
      assert.deepEqual(statusOf('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' }, 'the other nodes show the session');
    });
  });

  describe('place', function () {
    it('a market BUY of 1 NSE:SBIN-EQ: the order id as a string, and the order in the order book', async function () {
      await load();
      assert.deepEqual(statusOf('order1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
      const msg = await send('order1', { payload: MARKET_BUY, keep: 'me' });
      assert.equal(msg.topic, 'mstock/order');
      assert.equal(msg.keep, 'me');
      assert.deepEqual(Object.keys(msg.payload).sort(), ['action', 'message', 'orderid']);
      assert.equal(msg.payload.action, 'place');
      assert.match(msg.payload.orderid, /^\d{10,20}$/);
      assert.equal(typeof msg.payload.message, 'string');
      const [placed] = orderRequests();
      assert.equal(orderRequests().length, 1);
      const body = JSON.parse(placed.body);
      assert.deepEqual(
        { ...body },
        {
          variety: 'NORMAL', tradingsymbol: 'SBIN-EQ', symboltoken: '3045', exchange: 'NSE', transactiontype: 'BUY', ordertype: 'MARKET',
          quantity: '1', producttype: 'DELIVERY', price: '0', triggerprice: '0', squareoff: '0', stoploss: '0', trailingStopLoss: '',
          disclosedquantity: '0', duration: 'DAY', ordertag: '',
        },
      );
      const row = (await orderBook()).find((r) => r.orderid === msg.payload.orderid);
      assert.ok(row, 'the order is in the order book');
      assert.equal(row.symboltoken, '3045');
      assert.equal(row.transactiontype, 'BUY');
    });

    it("the broker's field names, numeric strings, a token as a number and words in any case are read the same", async function () {
      await load();
      const msg = await send('order1', {
        payload: { exchange: 'nse', symboltoken: 3045, transactiontype: 'buy ', ordertype: 'market', quantity: '2', producttype: 'Delivery' },
      });
      assert.match(msg.payload.orderid, /^\d+$/);
      const body = JSON.parse(orderRequests()[0].body);
      assert.equal(body.tradingsymbol, 'SBIN-EQ', 'the trading symbol came from the master');
      assert.equal(body.symboltoken, '3045');
      assert.equal(body.transactiontype, 'BUY');
      assert.equal(body.quantity, '2');
    });

    it('5 identical messages at once are 5 orders: 5 place calls, 5 order ids', async function () {
      await load();
      const out = collect(helper.getNode('out'));
      for (let i = 0; i < 5; i += 1) helper.getNode('order1').receive({ payload: { ...MARKET_BUY } });
      await until(() => out.length === 5, 8000, 'five answers');
      assert.equal(sandbox.calls.placeOrder, 5);
      assert.equal(new Set(out.map((m) => m.payload.orderid)).size, 5);
    });
  });

  describe('the daily cap', function () {
    it('with a cap of 2 the third place is refused, also after a redeploy and after switching orders off and on', async function () {
      const config = { orders: true, maxOrdersPerDay: 2 };
      await load(config);
      await send('order1', { payload: MARKET_BUY });
      await send('order1', { payload: MARKET_BUY });
      assert.deepEqual(statusOf('order2'), { fill: 'red', shape: 'ring', text: 'orders off: 2 placed today' });
      const third = await failureOf('order1', { payload: MARKET_BUY });
      assert.equal(third.error.code, 'MSTOCK_ORDERS_DISABLED');
      assert.match(third.error.message, /placed its 2 orders for today/);
      assert.equal(sandbox.calls.placeOrder, 2);

      await helper.unload();
      await helper.load(allNodes, flow(config), sandboxCredentials());
      assert.deepEqual(statusOf('order1'), { fill: 'red', shape: 'ring', text: 'orders off: 2 placed today' });
      assert.equal((await failureOf('order1', { payload: MARKET_BUY })).error.code, 'MSTOCK_ORDERS_DISABLED');

      await helper.unload();
      await helper.load(allNodes, flow({ ...config, orders: false }), sandboxCredentials());
      await helper.unload();
      await helper.load(allNodes, flow(config), sandboxCredentials());
      assert.equal((await failureOf('order1', { payload: MARKET_BUY })).error.code, 'MSTOCK_ORDERS_DISABLED');
      assert.equal(sandbox.calls.placeOrder, 2, 'no third place call ever');
    });

    it('past the cap, modify and cancel-all still go through (they do not count)', async function () {
      await load({ orders: true, maxOrdersPerDay: 1 });
      await send('order1', { payload: MARKET_BUY });
      const msg = await send('order2', { action: 'cancel-all' });
      assert.deepEqual(msg.payload, { action: 'cancel-all', message: msg.payload.message });
      assert.equal(sandbox.calls.cancelAll, 1);
    });
  });

  describe('modify, cancel, cancel-all', function () {
    /** A price on the tick, `share` of the sandbox's price of SBIN now. */
    const belowMarket = (share) => (Math.round(sandbox.market.priceAt('3045', Date.now()) * share * 20) / 20).toFixed(2);

    /** A limit BUY 10% below the market (inside the day's band): it stays open. */
    async function openOrder() {
      const msg = await send('order1', { payload: { ...MARKET_BUY, ordertype: 'LIMIT', price: belowMarket(0.9) } });
      return msg.payload.orderid;
    }

    it('modify: only the fields to change are given; the rest comes from the order book', async function () {
      await load();
      const orderid = await openOrder();
      const price = belowMarket(0.91);
      const msg = await send('order2', { action: 'modify', payload: { orderid, price, quantity: 3 } });
      assert.deepEqual(msg.payload, { action: 'modify', orderid, message: msg.payload.message });
      const [modify] = sandbox.requests.filter((r) => r.endpoint === 'modifyOrder');
      assert.ok(modify.path.endsWith(`/orders/regular/${orderid}`));
      const body = JSON.parse(modify.body);
      assert.equal(body.orderid, orderid);
      assert.equal(body.price, String(Number(price)));
      assert.equal(body.quantity, '3');
      assert.equal(body.ordertype, 'LIMIT');
      assert.equal(body.tradingsymbol, 'SBIN-EQ');
      const row = (await orderBook()).find((r) => r.orderid === orderid);
      assert.equal(row.price, Number(price));
      assert.equal(row.status, 'Pending');
      assert.equal(row.quantity, 3);
    });

    it('cancel: the order is cancelled in the order book', async function () {
      await load();
      const orderid = await openOrder();
      const msg = await send('order2', { action: 'cancel', payload: { orderid: ` ${orderid} ` } });
      assert.deepEqual(msg.payload, { action: 'cancel', orderid, message: msg.payload.message });
      const row = (await orderBook()).find((r) => r.orderid === orderid);
      assert.match(row.status, /cancel/i);
    });

    it('cancel-all: every open order is cancelled; the payload has no order id', async function () {
      await load();
      const ids = [await openOrder(), await openOrder()];
      const msg = await send('order2', { action: 'cancel-all' });
      assert.equal(msg.payload.action, 'cancel-all');
      assert.equal('orderid' in msg.payload, false);
      const book = await orderBook();
      for (const id of ids) assert.match(book.find((r) => r.orderid === id).status, /cancel/i);
    });

    it('modify of an order not in the order book: MSTOCK_INVALID_INPUT, no order call', async function () {
      await load();
      const failure = await failureOf('order2', { action: 'modify', payload: { orderid: '999999999999', price: 5 } });
      assert.equal(failure.error.code, 'MSTOCK_INVALID_INPUT');
      assert.match(failure.error.message, /no order 999999999999 in today's order book/);
      assert.deepEqual(orderRequests(), []);
    });
  });

  describe('every bad message is refused before anything is sent', function () {
    const bad = [
      ['quantity 0', { quantity: 0 }, /msg\.payload\.quantity/],
      ['quantity -1', { quantity: -1 }, /msg\.payload\.quantity/],
      ['quantity 1.5', { quantity: 1.5 }, /msg\.payload\.quantity/],
      ['quantity "ten"', { quantity: 'ten' }, /msg\.payload\.quantity.*"ten"/],
      ['quantity "1e3"', { quantity: '1e3' }, /msg\.payload\.quantity/],
      ['no quantity', { quantity: undefined }, /msg\.payload\.quantity/],
      ['unknown exchange', { instrument: 'NYSE:SBIN-EQ' }, /exchange of msg\.payload\.instrument.*"NYSE"/],
      ['unknown exchange field', { instrument: undefined, exchange: 'LSE', tradingsymbol: 'SBIN-EQ' }, /msg\.payload\.exchange.*"LSE"/],
      ['side "HOLD"', { transactiontype: 'HOLD' }, /msg\.payload\.transactiontype.*"HOLD"/],
      ['no side', { transactiontype: undefined }, /msg\.payload\.transactiontype is missing/],
      ['order type "STOP"', { ordertype: 'STOP' }, /msg\.payload\.ordertype.*"STOP"/],
      ['LIMIT without price', { ordertype: 'LIMIT' }, /msg\.payload\.price must be more than 0 for a LIMIT order/],
      ['price -1', { ordertype: 'LIMIT', price: -1 }, /msg\.payload\.price.*-1/],
      ['price "abc"', { ordertype: 'LIMIT', price: 'abc' }, /msg\.payload\.price.*"abc"/],
      ['a price on a MARKET order', { price: 500 }, /msg\.payload\.price must be 0 or left out for a MARKET order/],
      ['STOPLOSS_LIMIT without trigger', { ordertype: 'STOPLOSS_LIMIT', price: 800 }, /msg\.payload\.triggerprice must be more than 0/],
      ['SL-M without trigger', { ordertype: 'SL-M' }, /msg\.payload\.triggerprice must be more than 0 for a STOPLOSS_MARKET order/],
      ['a trigger on a LIMIT order', { ordertype: 'LIMIT', price: 800, triggerprice: 790 }, /msg\.payload\.triggerprice is only for stop-loss orders/],
      ['ordertag of 20 characters', { ordertag: 'x'.repeat(20) }, /msg\.payload\.ordertag must be under 20 characters/],
      ['ordertag a number', { ordertag: 7 }, /msg\.payload\.ordertag must be text/],
      ['producttype "CNC"', { producttype: 'CNC' }, /msg\.payload\.producttype.*"CNC"/],
      ['duration "GTC"', { duration: 'GTC' }, /msg\.payload\.duration.*"GTC"/],
      ['variety "BRACKET"', { variety: 'BRACKET' }, /msg\.payload\.variety.*"BRACKET"/],
      ['disclosed quantity above the quantity', { quantity: 2, disclosedquantity: 3 }, /msg\.payload\.disclosedquantity \(3\) must not be more than the quantity \(2\)/],
      ['no instrument and no exchange', { instrument: undefined }, /msg\.payload\.exchange is missing/],
      ['an exchange and no instrument', { instrument: undefined, exchange: 'NSE' }, /names no instrument/],
      ['instrument and tradingsymbol both', { tradingsymbol: 'SBIN-EQ' }, /both instrument and tradingsymbol/],
      ['a token too large to be exact', { instrument: undefined, exchange: 'NSE', symboltoken: 2 ** 60 }, /token/],
    ];
    for (const [name, change, words] of bad) {
      it(`${name}: MSTOCK_INVALID_INPUT naming the field, zero requests`, async function () {
        await load();
        const payload = { ...MARKET_BUY, ...change };
        for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
        const failure = await failureOf('order1', { payload });
        assert.equal(failure.error.code, 'MSTOCK_INVALID_INPUT', failure.error.message);
        assert.match(failure.error.message, words);
        assert.match(failure.error.message, /Nothing was sent to mStock\.$/);
        // a token as a number is only refused once the master has been read: it is a lookup
        assert.deepEqual(requestsBut('scripMaster'), []);
      });
    }

    for (const [name, instrument] of [['unknown symbol', 'NSE:NOSUCH-EQ'], ['unknown token', { exchange: 'NSE', token: 99999991 }]]) {
      it(`${name}: MSTOCK_INVALID_INPUT naming it, no order call`, async function () {
        await load();
        const failure = await failureOf('order1', { payload: { ...MARKET_BUY, instrument } });
        assert.equal(failure.error.code, 'MSTOCK_INVALID_INPUT');
        assert.match(failure.error.message, /NOSUCH-EQ|99999991/);
        assert.match(failure.error.message, /Nothing was sent to mStock\.$/);
        assert.deepEqual(requestsBut('scripMaster'), []);
      });
    }

    it('msg.action not one of the actions: MSTOCK_INVALID_INPUT, zero requests', async function () {
      await load();
      const failure = await failureOf('order2', { action: 'buy', payload: MARKET_BUY });
      assert.equal(failure.error.code, 'MSTOCK_INVALID_INPUT');
      assert.match(failure.error.message, /msg\.action must be one of "place", "modify", "cancel", "cancel-all"/);
      assert.deepEqual(sandbox.requests, []);
    });

    for (const [action, payload, words] of [
      ['modify', { orderid: '1191241106101' }, /nothing to change/],
      ['modify', { orderid: '1191241106101', quantity: 0 }, /msg\.payload\.quantity/],
      ['cancel', { orderid: 'abc' }, /msg\.payload\.orderid/],
      ['cancel', {}, /msg\.payload\.orderid/],
    ]) {
      it(`${action} with ${JSON.stringify(payload)}: MSTOCK_INVALID_INPUT, zero requests`, async function () {
        await load();
        const failure = await failureOf('order2', { action, payload });
        assert.equal(failure.error.code, 'MSTOCK_INVALID_INPUT');
        assert.match(failure.error.message, words);
        assert.deepEqual(sandbox.requests, []);
      });
    }
  });

  describe("the broker's refusals and lost answers", function () {
    it('an RMS rejection: MSTOCK_ORDER_REJECTED with the RMS words', async function () {
      await load();
      sandbox.setFault({ kind: 'rms-rejection', endpoints: ['placeOrder'], times: 1 });
      const failure = await failureOf('order1', { payload: MARKET_BUY });
      assert.equal(failure.error.code, 'MSTOCK_ORDER_REJECTED');
      assert.match(failure.error.message, /^mStock refused the order \(RS-0111\): RMS:.*FUND LIMIT INSUFFICIENT/);
      assert.equal(sandbox.calls.placeOrder, 1);
      assert.deepEqual(statusOf('order1'), { fill: 'red', shape: 'ring', text: 'order rejected' });
    });

    it('an answer later than the timeout: MSTOCK_ORDER_UNCERTAIN after exactly one request', async function () {
      await load({ orders: true }, 800);
      sandbox.setFault({ kind: 'late-answer', endpoints: ['placeOrder'], times: 1, delayMs: 1500 });
      const failure = await failureOf('order1', { payload: MARKET_BUY }, 5000);
      assert.equal(failure.error.code, 'MSTOCK_ORDER_UNCERTAIN');
      assert.match(failure.error.message, /did not answer the order within 800 ms/);
      assert.match(failure.error.message, UNCERTAIN);
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(sandbox.calls.placeOrder, 1, 'never sent again');
      assert.deepEqual(statusOf('order1'), { fill: 'red', shape: 'ring', text: 'order outcome unknown' });
    });

    it('a reset after the order was read: MSTOCK_ORDER_UNCERTAIN after exactly one request, and the order did reach the book', async function () {
      await load();
      const before = (await orderBook()).length;
      sandbox.resetCounters();
      sandbox.setFault({ kind: 'reset-after-read', endpoints: ['placeOrder'], times: 1 });
      const failure = await failureOf('order1', { payload: MARKET_BUY });
      assert.equal(failure.error.code, 'MSTOCK_ORDER_UNCERTAIN');
      assert.match(failure.error.message, UNCERTAIN);
      assert.equal(sandbox.calls.placeOrder, 1);
      assert.equal((await orderBook()).length, before + 1, 'which is why the message says to look at the order book');
    });

    it('a redeploy while a place call is in flight: no second request, no message, no crash, no unhandled rejection', async function () {
      await load();
      const unhandled = [];
      const onUnhandled = (reason) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        sandbox.setFault({ kind: 'late-answer', endpoints: ['placeOrder'], times: 1, delayMs: 600 });
        const out = collect(helper.getNode('out'));
        const caught = collect(helper.getNode('caught'));
        const record = recordNodes(['order1']);
        helper.getNode('order1').receive({ payload: MARKET_BUY });
        await until(() => sandbox.calls.placeOrder === 1, 4000, 'the place call');
        await helper.unload();
        await helper.load(allNodes, flow({ orders: true }), sandboxCredentials());
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(sandbox.calls.placeOrder, 1);
        assert.deepEqual(out, []);
        assert.deepEqual(caught, []);
        assert.deepEqual(unhandled, []);
        const warned = record.logs.filter((l) => l.level === 'warn').map((l) => String(l.args[0]));
        assert.equal(warned.length, 1, 'the lost answer is written to the log');
        assert.match(warned[0], UNCERTAIN);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });
});
