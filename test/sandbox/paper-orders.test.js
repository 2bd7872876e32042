'use strict';
// Paper trading over real HTTP: orders placed, modified and cancelled on the sandbox's paper
// account fill at the sandbox Market's prices on the sandbox's (manual) clock, and show in the
// order book, trade book, positions, holdings and funds; refusals and the order faults answer as
// FACTS-TRADING.md §2.1–2.4 says, in the shapes of the vendor's samples.
const assert = require('node:assert/strict');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { MStockClient } = require('../../dist/src/api/client');
const { docsDraftSample } = require('../api/_samples');
const { manualClock } = require('../manual-clock');

/** Tuesday 4 February 2025, 12:00 India time: a trading day, the market open until 15:30. */
const NOON_IST = Date.parse('2025-02-04T12:00:00+05:30');
const MARKET_CLOSE = Date.parse('2025-02-04T15:30:00+05:30');
const SBIN = '3045';

const paise = (rupees) => Math.round(rupees * 100);
/** Rupees on the 0.05 tick, as a body sends them: "784.15". */
const onTick = (rupees, round = Math.round) => (round(rupees * 20) / 20).toFixed(2);
const keysOf = (value) => Object.keys(value);

describe('sandbox: paper trading over HTTP', function () {
  this.timeout(30_000);
  let clock;
  let sandbox;
  let client;
  let token;

  beforeEach(async function () {
    clock = manualClock(NOON_IST);
    sandbox = new Sandbox({ fixedOtp: '123456', clock });
    await sandbox.start();
    client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 5000 });
    const { loginToken } = await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
    ({ sessionToken: token } = await client.sessionToken(loginToken, '123456'));
  });

  afterEach(async function () {
    sandbox.setFault(undefined);
    client.close();
    await sandbox.stop();
  });

  /** A raw call, to see the status and the body exactly as the sandbox sends them. */
  async function call(method, path, body, { signal } = {}) {
    const res = await fetch(`${sandbox.url}/openapi/typeb/${path}`, {
      method,
      headers: { 'X-Mirae-Version': '1', 'X-PrivateKey': SANDBOX_ACCOUNT.apiKey, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  const order = (fields = {}) => ({
    variety: 'NORMAL', tradingsymbol: 'SBIN-EQ', symboltoken: SBIN, exchange: 'NSE', transactiontype: 'BUY', ordertype: 'MARKET', quantity: '10',
    producttype: 'INTRADAY', price: '0', triggerprice: '0', squareoff: '0', stoploss: '0', trailingStopLoss: '', disclosedquantity: '', duration: 'DAY', ordertag: '',
    ...fields,
  });
  const place = (fields) => call('POST', 'orders/regular', order(fields));
  /** Places an order that must be accepted; its order id. */
  async function placed(fields) {
    const answer = await place(fields);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json[0].status, true, answer.text);
    return answer.json[0].data.orderid;
  }
  const rows = async (path) => (await call('GET', path)).json.data ?? [];
  const bookRow = async (orderid) => (await rows('orders')).find((o) => o.orderid === orderid);
  const funds = async () => (await call('GET', 'user/fundsummary')).json.data[0];
  const priceNow = () => sandbox.market.priceAt(SBIN, clock.now());

  /** The first second after now, before the close, whose price meets `test`. */
  function firstSecond(test) {
    for (let at = clock.now() + 1000; at < MARKET_CLOSE; at += 1000) if (test(sandbox.market.priceAt(SBIN, at))) return at;
    throw new Error('the price never gets there before the close');
  }
  /** The lowest and highest price from now to the close. */
  function range() {
    let low = Infinity;
    let high = -Infinity;
    for (let at = clock.now(); at < MARKET_CLOSE; at += 1000) {
      const price = sandbox.market.priceAt(SBIN, at);
      low = Math.min(low, price);
      high = Math.max(high, price);
    }
    return { low, high };
  }

  describe('fills', function () {
    it('a market order fills at once at the Market\'s price and shows in the order book, trade book, positions and funds', async function () {
      const before = await funds();
      const price = priceNow();
      const answer = await place({ quantity: '10' });

      assert.equal(answer.status, 200);
      assert.ok(Array.isArray(answer.json) && answer.json.length === 1, `a list of one: ${answer.text}`);
      const [envelope] = answer.json;
      assert.deepEqual(keysOf(envelope), ['status', 'message', 'errorcode', 'data']);
      assert.deepEqual(keysOf(envelope.data), keysOf(docsDraftSample('PlaceOrderTypeB', 'SuccessResponseJson').data));
      assert.deepEqual({ ...envelope, data: { ...envelope.data, orderid: 'id' } }, {
        status: true, message: 'SUCCESS', errorcode: '', data: { script: 'SBIN-EQ', orderid: 'id', uniqueorderid: '' },
      });
      const { orderid } = envelope.data;
      assert.match(orderid, /^1131250204\d{3}$/);

      const booked = await bookRow(orderid);
      assert.deepEqual(
        [booked.status, booked.orderstatus, booked.ordertype, booked.quantity, booked.filledshares, booked.unfilledshares, booked.averageprice, booked.text],
        ['Traded', 'Traded', 'MARKET', '10', '10', '0', String(price), 'CONFIRMED'],
      );
      assert.equal(booked.updatetime, '2025-Feb-04 12:00:00');
      const trade = (await rows('tradebook')).find((t) => t.ORDER_NUMBER === orderid);
      assert.deepEqual([trade.SEC_ID, trade.SYMBOL, trade.BUY_SELL, trade.QUANTITY, trade.PRICE, trade.TRADE_VALUE], [
        SBIN, 'SBIN', 'Buy', '10', price.toFixed(2), (price * 10).toFixed(2),
      ]);
      const position = (await rows('portfolio/positions')).find((p) => p.symboltoken === SBIN && p.producttype === 'INTRADAY');
      assert.deepEqual([position.buyqty, position.netqty, position.buyavgprice], ['10', '10', String(price)]);

      // an INTRADAY order blocks a fifth of its value
      const margin = paise(price) * 10 * 0.2;
      const after = await funds();
      assert.equal(paise(Number(after.AMOUNT_UTILIZED)) - paise(Number(before.AMOUNT_UTILIZED)), margin);
      assert.equal(paise(Number(before.AVAILABLE_BALANCE)) - paise(Number(after.AVAILABLE_BALANCE)), margin);
      assert.equal(sandbox.calls.placeOrder, 1);
    });

    it('selling an intraday position back releases its margin and realises the profit', async function () {
      const before = await funds();
      const bought = priceNow();
      await placed({ quantity: '4' });
      clock.advance(20 * 60_000);
      const sold = priceNow();
      await placed({ quantity: '4', transactiontype: 'SELL' });
      const after = await funds();
      const profit = (paise(sold) - paise(bought)) * 4;
      assert.equal(paise(Number(after.REALISED_PROFITS)), profit);
      assert.equal(after.AMOUNT_UTILIZED, before.AMOUNT_UTILIZED);
      assert.equal(paise(Number(after.AVAILABLE_BALANCE)), paise(Number(before.AVAILABLE_BALANCE)) + profit);
      const position = (await rows('portfolio/positions')).find((p) => p.symboltoken === SBIN && p.producttype === 'INTRADAY');
      assert.deepEqual([position.buyqty, position.sellqty, position.netqty], ['4', '4', '0']);
    });

    it('a DELIVERY buy adds to holdings at once, counted as T1, and takes its whole value from the funds', async function () {
      const before = await funds();
      const held = (await rows('portfolio/holdings')).find((h) => h.symboltoken === SBIN);
      const price = priceNow();
      await placed({ quantity: '5', producttype: 'DELIVERY' });
      const holding = (await rows('portfolio/holdings')).find((h) => h.symboltoken === SBIN);
      assert.equal(holding.quantity, held.quantity + 5);
      assert.equal(holding.t1quantity, 5);
      assert.equal(holding.ltp, price, 'the last traded price is the fill\'s');
      const average = (held.quantity * held.averageprice + 5 * price) / (held.quantity + 5);
      assert.ok(Math.abs(holding.averageprice - average) < 0.01, `${holding.averageprice} vs ${average}`);
      const after = await funds();
      assert.equal(paise(Number(before.AVAILABLE_BALANCE)) - paise(Number(after.AVAILABLE_BALANCE)), paise(price) * 5);

      // a DELIVERY sale takes from the holding; more than is held is the RMS's refusal
      await placed({ quantity: '3', producttype: 'DELIVERY', transactiontype: 'SELL' });
      assert.equal((await rows('portfolio/holdings')).find((h) => h.symboltoken === SBIN).quantity, held.quantity + 2);
      const oversold = await place({ quantity: String(held.quantity + 3), producttype: 'DELIVERY', transactiontype: 'SELL' });
      assert.equal(oversold.status, 200);
      assert.equal(oversold.json[0].status, false);
      assert.match(oversold.json[0].message, /^RMS:\d{13}:NSE,EQUITY,3045,SBIN,DELIVERY,,EQ,SANDBOX1,S,\d+,.*HOLDING QUANTITY INSUFFICIENT/);
    });

    it('a limit buy below the price is Pending, blocks its margin, and fills at its limit when the price comes down to it', async function () {
      const now = priceNow();
      const { low } = range();
      assert.ok(now - low >= 1, `the price falls ${now - low} rupees before the close`);
      const limit = onTick((now + low) / 2, Math.ceil);
      const crossing = firstSecond((price) => price <= Number(limit));
      const before = await funds();
      const orderid = await placed({ ordertype: 'LIMIT', price: limit, quantity: '10' });
      let booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.price, booked.filledshares, booked.unfilledshares], ['Pending', limit, '0', '10']);
      assert.equal(paise(Number((await funds()).AMOUNT_UTILIZED)) - paise(Number(before.AMOUNT_UTILIZED)), paise(Number(limit)) * 10 * 0.2);

      clock.advanceTo(crossing - 1000);
      assert.equal((await bookRow(orderid)).status, 'Pending', 'not yet: the price is above the limit');
      // the sandbox's own timer finds the crossing, with no request in between
      clock.advanceTo(crossing);
      assert.equal(sandbox.paper.state.orders.find((o) => o.orderid === orderid).status, 'Traded');
      booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.averageprice, booked.filledshares], ['Traded', String(Number(limit)), '10']);
      const trade = (await rows('tradebook')).find((t) => t.ORDER_NUMBER === orderid);
      assert.equal(trade.PRICE, limit);
      assert.equal(booked.filltime, new Date(crossing + 5.5 * 3600_000).toISOString().slice(11, 19));
    });

    it('a limit order already in reach fills at once at the better price of the moment', async function () {
      const price = priceNow();
      const orderid = await placed({ ordertype: 'LIMIT', price: onTick(price * 1.01), quantity: '2' });
      const booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.averageprice], ['Traded', String(price)]);
    });

    it('a stop-loss sell (SL-M) waits for the price to fall to its trigger, then sells at the market', async function () {
      await placed({ quantity: '10' });
      const now = priceNow();
      const { low } = range();
      const trigger = onTick((now + low) / 2, Math.ceil);
      const crossing = firstSecond((price) => price <= Number(trigger));
      const orderid = await placed({ ordertype: 'STOPLOSS_MARKET', transactiontype: 'SELL', triggerprice: trigger, quantity: '10' });
      let booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.ordertype, booked.triggerprice], ['Pending', 'SL-M', String(Number(trigger))]);
      clock.advanceTo(crossing - 1000);
      assert.equal((await bookRow(orderid)).status, 'Pending');
      clock.advanceTo(crossing);
      booked = await bookRow(orderid);
      assert.equal(booked.status, 'Traded');
      assert.equal(Number(booked.averageprice), sandbox.market.priceAt(SBIN, crossing));
      assert.ok(Number(booked.averageprice) <= Number(trigger));
      const position = (await rows('portfolio/positions')).find((p) => p.symboltoken === SBIN && p.producttype === 'INTRADAY');
      assert.equal(position.netqty, '0');
    });

    it('a stop-loss buy (SL, STOPLOSS_LIMIT) triggers when the price rises to its trigger, then buys up to its limit', async function () {
      const now = priceNow();
      const { high } = range();
      assert.ok(high - now >= 1, `the price rises ${high - now} rupees before the close`);
      const trigger = onTick((now + high) / 2, Math.floor);
      const limit = onTick(Number(trigger) + 2);
      const crossing = firstSecond((price) => price >= Number(trigger));
      const orderid = await placed({ ordertype: 'STOPLOSS_LIMIT', triggerprice: trigger, price: limit, quantity: '3' });
      assert.equal((await bookRow(orderid)).ordertype, 'SL');
      clock.advanceTo(crossing - 1000);
      assert.equal((await bookRow(orderid)).status, 'Pending');
      clock.advanceTo(crossing);
      const booked = await bookRow(orderid);
      assert.equal(booked.status, 'Traded');
      const filled = Number(booked.averageprice);
      assert.ok(filled >= Number(trigger) && filled <= Number(limit), `${filled} between ${trigger} and ${limit}`);
    });

    it('an IOC limit order out of reach is cancelled at once; a limit outside the day\'s price band is rejected by the exchange', async function () {
      const price = priceNow();
      const ioc = await placed({ ordertype: 'LIMIT', price: onTick(price * 0.95), duration: 'IOC' });
      assert.equal((await bookRow(ioc)).status, 'Cancelled');
      const far = await placed({ ordertype: 'LIMIT', price: onTick(price * 0.5) });
      const booked = await bookRow(far);
      assert.deepEqual([booked.status, booked.text], ['Rejected', 'EXCH:16284:The order price is out of the days price range.']);
    });

    it('an NFO future is traded in lots and booked under NSE with its instrument type', async function () {
      const future = sandbox.market.masterRows().find((r) => r.exch_seg === 'NFO' && r.instrumenttype === 'FUTSTK' && r.symbol === 'SBIN');
      const lot = Number(future.lotsize);
      const odd = await place({ exchange: 'NFO', symboltoken: future.token, tradingsymbol: future.name, quantity: String(lot + 1), producttype: 'CARRYFORWARD' });
      assert.equal(odd.status, 400);
      assert.match(odd.json.message, new RegExp(`multiples of the lot size ${lot}\\.$`));
      const orderid = await placed({ exchange: 'NFO', symboltoken: future.token, tradingsymbol: future.name, quantity: String(lot), producttype: 'CARRYFORWARD' });
      const booked = await bookRow(orderid);
      assert.deepEqual([booked.exchange, booked.instrumenttype, booked.tradingsymbol, booked.status], ['NSE', 'FUTSTK', future.name, 'Traded']);
      assert.equal(Number(booked.averageprice), sandbox.market.priceAt(future.token, clock.now()));
    });
  });

  describe('modify and cancel', function () {
    it('modifies a pending order\'s quantity and price (the id comes back after a space, as the docs\' sample has it)', async function () {
      const price = priceNow();
      const orderid = await placed({ ordertype: 'LIMIT', price: onTick(price * 0.9), quantity: '10' });
      const newPrice = onTick(price * 0.88);
      const answer = await call('PUT', `orders/regular/${orderid}`, {
        variety: 'NORMAL', tradingsymbol: 'SBIN-EQ', symboltoken: SBIN, exchange: 'NSE', transactiontype: 'BUY', orderid, ordertype: 'LIMIT',
        quantity: '4', producttype: 'INTRADAY', duration: 'DAY', price: newPrice, triggerprice: '0', disclosedquantity: '', modqty_remng: '0',
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(keysOf(answer.json.data), keysOf(docsDraftSample('ModifyOrderTypeB', 'SuccessResponseJson').data));
      assert.deepEqual(answer.json, { status: true, message: 'SUCCESS', errorcode: '', data: { orderid: ` ${orderid}`, uniqueorderid: '' } });
      let booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.quantity, booked.price, booked.unfilledshares], ['Pending', '4', newPrice, '4']);

      // a modify that brings the limit within reach fills it then and there
      clock.advance(1000);
      const reachable = onTick(priceNow() * 1.01);
      assert.equal((await call('PUT', `orders/regular/${orderid}`, { ordertype: 'LIMIT', price: reachable })).status, 200);
      booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.quantity, booked.averageprice], ['Traded', '4', String(priceNow())]);
    });

    it('a stop-loss order\'s modify must send the trigger price, as the broker\'s answer to the Python SDK shows', async function () {
      const price = priceNow();
      const orderid = await placed({ ordertype: 'STOPLOSS_MARKET', transactiontype: 'SELL', triggerprice: onTick(price * 0.9) });
      const answer = await call('PUT', `orders/regular/${orderid}`, { ordertype: 'STOPLOSS_MARKET', quantity: '5' });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.json, { status: false, message: 'Trigger price can not be blank.', errorcode: 'IA400', data: null });
      assert.equal((await bookRow(orderid)).quantity, '10', 'nothing changed');
    });

    it('cancels a pending order: the book shows it Cancelled and its blocked margin is free again', async function () {
      const before = await funds();
      const orderid = await placed({ ordertype: 'LIMIT', price: onTick(priceNow() * 0.9), quantity: '10' });
      assert.notEqual((await funds()).AMOUNT_UTILIZED, before.AMOUNT_UTILIZED);
      const answer = await call('DELETE', `orders/regular/${orderid}`, { variety: 'NORMAL', orderid });
      assert.equal(answer.status, 200);
      assert.deepEqual(keysOf(answer.json.data), keysOf(docsDraftSample('CancelOrderTypeB', 'SuccessResponseJson').data));
      assert.deepEqual(answer.json, { status: true, message: 'SUCCESS', errorcode: '', data: { orderid, uniqueorderid: '' } });
      const booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.cancelsize, booked.unfilledshares], ['Cancelled', '10', '0']);
      assert.deepEqual(await funds(), before);
    });

    it('refuses to cancel or modify an order that is no longer open, or not in the book, in the broker\'s words (HTTP 200, status false)', async function () {
      const filled = await placed({ quantity: '1' });
      const cancelFilled = await call('DELETE', `orders/regular/${filled}`, { variety: 'NORMAL', orderid: filled });
      assert.equal(cancelFilled.status, 200);
      assert.deepEqual(cancelFilled.json, { status: false, message: 'Order is Traded.Kindly refresh your OrderBook', errorcode: 'RS-00093', data: null });
      assert.equal((await bookRow(filled)).status, 'Traded');

      const pending = await placed({ ordertype: 'LIMIT', price: onTick(priceNow() * 0.9) });
      await call('DELETE', `orders/regular/${pending}`, {});
      const modifyCancelled = await call('PUT', `orders/regular/${pending}`, { ordertype: 'LIMIT', price: onTick(priceNow() * 0.91) });
      const verbatim = docsDraftSample('ModifyOrderTypeB', 'FailureOrderIdJson');
      assert.deepEqual(modifyCancelled.json, { ...verbatim, status: false });
      const cancelAgain = await call('DELETE', `orders/regular/${pending}`, {});
      assert.deepEqual(cancelAgain.json, { ...docsDraftSample('CancelOrderTypeB', 'FailureOrderIdJson'), status: false });

      const unknown = await call('DELETE', 'orders/regular/1131250204999', {});
      assert.equal(unknown.status, 200);
      assert.equal(unknown.json.status, false);
      assert.equal(unknown.json.message, docsDraftSample('CancelAllTypeB', 'FailureInputJson').message);
    });

    it('cancel-all cancels every open order, the seed\'s too, and leaves the others as they were', async function () {
      const filled = await placed({ quantity: '1' });
      const open = [
        await placed({ ordertype: 'LIMIT', price: onTick(priceNow() * 0.9) }),
        await placed({ ordertype: 'STOPLOSS_MARKET', transactiontype: 'SELL', triggerprice: onTick(priceNow() * 0.9) }),
      ];
      const seededOpen = (await rows('orders')).filter((o) => o.status === 'Pending' && !open.includes(o.orderid));
      assert.equal(seededOpen.length, 1);
      const answer = await call('POST', 'orders/cancelall');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { status: true, message: 'SUCCESS', errorcode: '', data: null });
      const book = await rows('orders');
      assert.deepEqual(book.filter((o) => o.status === 'Pending'), []);
      for (const id of [...open, seededOpen[0].orderid]) assert.equal(book.find((o) => o.orderid === id).status, 'Cancelled');
      assert.equal(book.find((o) => o.orderid === filled).status, 'Traded');
    });

    it('the seed\'s open order is a fixed picture: the price does not fill it, and the funds start as the seed had them', async function () {
      const start = await funds();
      assert.deepEqual([start.AVAILABLE_BALANCE, start.AMOUNT_UTILIZED, start.REALISED_PROFITS], ['180000.5', '44999.5', '0']);
      const seeded = sandbox.paper.state.orders.find((o) => o.status === 'Pending');
      // a limit the price of the moment is within: any other open buy would fill now
      const price = sandbox.market.priceAt(seeded.instrument.token, clock.now());
      seeded.price = paise(price) + 500;
      clock.advance(5000);
      await rows('orders');
      assert.equal(seeded.status, 'Pending', `still open with the price at ${price}`);
      // once modified it is the user's order like any other
      const answer = await call('PUT', `orders/regular/${seeded.orderid}`, { ordertype: 'LIMIT', price: onTick(price + 5) });
      assert.equal(answer.json.status, true);
      assert.equal(seeded.status, 'Traded');
    });
  });

  describe('refusals', function () {
    it('an order whose margin is more than the funds is the RMS\'s refusal, in a list of one, and booked Rejected', async function () {
      sandbox.setAvailableBalance('100');
      const price = priceNow();
      const answer = await place({ quantity: '10', producttype: 'DELIVERY' });
      assert.equal(answer.status, 200);
      assert.equal(answer.json.length, 1);
      const [refusal] = answer.json;
      assert.deepEqual(keysOf(refusal), keysOf(docsDraftSample('PlaceOrderTypeB', 'FailureMarketCloseJson')));
      assert.equal(refusal.status, false);
      assert.equal(refusal.errorcode, 'RS-0111');
      const margin = price * 10;
      assert.match(refusal.message, new RegExp(
        `^RMS:(\\d{13}):NSE,EQUITY,3045,SBIN,DELIVERY,,EQ,SANDBOX1,B,10,I,3045,SBIN,DELIVERY,${price},FUND LIMIT INSUFFICIENT,`
          + `AVAILABLE FUND=100,ADDITIONAL REQUIRED FUND=${Math.round((margin - 100) * 100) / 100},CALCULATED MARGIN FOR ORDER=${margin}$`,
      ));
      const orderid = /^RMS:(\d{13}):/.exec(refusal.message)[1];
      const booked = await bookRow(orderid);
      assert.deepEqual([booked.status, booked.text, booked.filledshares], ['Rejected', refusal.message, '0']);
      assert.equal((await funds()).AVAILABLE_BALANCE, '100', 'a rejected order uses nothing');
    });

    it('the RMS switch rejects the next N orders only, whatever the funds', async function () {
      sandbox.setFault({ kind: 'rms-rejection', times: 2 });
      for (let i = 0; i < 2; i += 1) {
        const answer = await place({ quantity: '1' });
        assert.equal(answer.status, 200);
        assert.equal(answer.json[0].errorcode, 'RS-0111');
        assert.match(answer.json[0].message, /^RMS:\d{13}:NSE,EQUITY,3045,SBIN,INTRADAY,.*,FUND LIMIT INSUFFICIENT,AVAILABLE FUND=0,/);
      }
      // other calls do not use up the switch
      await rows('orders');
      const third = await place({ quantity: '1' });
      assert.equal(third.json[0].status, true);
      const mine = sandbox.paper.state.orders.slice(-3);
      assert.deepEqual(mine.map((o) => o.status), ['Rejected', 'Rejected', 'Traded']);
    });

    const BAD = [
      ['quantity 0', { quantity: '0' }, /^Invalid quantity\./],
      ['quantity -1', { quantity: '-1' }, /^Invalid quantity\./],
      ['quantity 1.5', { quantity: '1.5' }, /^Invalid quantity\./],
      ['quantity "ten"', { quantity: 'ten' }, /^Invalid quantity\./],
      ['no quantity', { quantity: undefined }, /^Invalid quantity\./],
      ['exchange NSX', { exchange: 'NSX' }, /^Invalid exchange\./],
      ['exchange CDS', { exchange: 'CDS' }, /does not trade CDS instruments\.$/],
      ['unknown token', { symboltoken: '99999999' }, /^Invalid symboltoken: 99999999 is not an instrument of NSE\.$/],
      ['NSE token on BSE', { exchange: 'BSE' }, /^Invalid symboltoken: 3045 is not an instrument of BSE\.$/],
      ['no token', { symboltoken: '' }, /^Invalid symboltoken: symboltoken can not be blank\.$/],
      ['another symbol', { tradingsymbol: 'ACC-EQ' }, /^Invalid tradingsymbol: ACC-EQ is not symboltoken 3045 \(SBIN-EQ\)\.$/],
      ['side "buy"', { transactiontype: 'buy' }, /^Invalid transaction type\./],
      ['side HOLD', { transactiontype: 'HOLD' }, /^Invalid transaction type\./],
      ['order type STOP', { ordertype: 'STOP' }, /^Invalid order type\./],
      ['product CNC', { producttype: 'CNC' }, /^Invalid product\. valid product types allowed are DELIVERY, INTRADAY and CARRYFORWARD\.$/],
      ['LIMIT without price', { ordertype: 'LIMIT', price: '' }, /^Price can not be blank\.$/],
      ['LIMIT price 0', { ordertype: 'LIMIT', price: '0' }, /^Enter valid price\.$/],
      ['LIMIT price -1', { ordertype: 'LIMIT', price: '-1' }, /^Enter valid price\.$/],
      ['LIMIT price off the tick', { ordertype: 'LIMIT', price: '780.03' }, /^Enter valid price: it should be in multiples of the tick size 0\.05\.$/],
      ['STOPLOSS_LIMIT without trigger', { ordertype: 'STOPLOSS_LIMIT', price: '790', triggerprice: '' }, /^Trigger price can not be blank\.$/],
      ['STOPLOSS_MARKET without trigger', { ordertype: 'SL-M', triggerprice: undefined }, /^Trigger price can not be blank\.$/],
      ['ordertag of 20 characters', { ordertag: 'x'.repeat(20) }, /less than 20 characters\.$/],
      ['duration GTC', { duration: 'GTC' }, /^Invalid duration\./],
      ['variety X', { variety: 'X' }, /^Invalid variety\./],
      ['disclosed quantity all of it', { disclosedquantity: '10' }, /^Invalid disclosed quantity\./],
    ];
    for (const [name, fields, message] of BAD) {
      it(`refuses ${name}: HTTP 400 IA400 in the broker's words, nothing booked`, async function () {
        const orders = sandbox.paper.state.orders.length;
        const answer = await place(fields);
        assert.equal(answer.status, 400, answer.text);
        assert.deepEqual(keysOf(answer.json), ['status', 'message', 'errorcode', 'data']);
        assert.equal(answer.json.status, false);
        assert.equal(answer.json.errorcode, 'IA400');
        assert.match(answer.json.message, message);
        assert.equal(answer.json.data, null);
        assert.equal(sandbox.paper.state.orders.length, orders);
      });
    }

    it('refuses a stop-loss buy whose trigger is above its limit with the docs\' "Enter valid trigger price." (errorcode "400")', async function () {
      const answer = await place({ ordertype: 'STOPLOSS_LIMIT', price: '790', triggerprice: '791' });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.json, { ...docsDraftSample('ModifyOrderTypeB', 'FailureValidJson'), status: false });
    });

    it('order calls need the session: without one, 401 IA401 and nothing booked', async function () {
      const orders = sandbox.paper.state.orders.length;
      token = 'not-a-session';
      const answer = await place({});
      assert.equal(answer.status, 401);
      assert.equal(answer.json.errorcode, 'IA401');
      assert.equal(sandbox.paper.state.orders.length, orders);
    });
  });

  describe('order faults: the call takes effect, the answer does not come as it should', function () {
    it('a late answer: the order is placed at once; a patient client gets the answer after delayMs, an impatient one nothing', async function () {
      sandbox.setFault({ kind: 'late-answer', delayMs: 600, times: 1 });
      const orders = sandbox.paper.state.orders.length;
      const started = Date.now();
      const patient = place({ quantity: '1' });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(sandbox.paper.state.orders.length, orders + 1, 'placed before the answer');
      const answer = await patient;
      assert.ok(Date.now() - started >= 550, `answered after ${Date.now() - started} ms`);
      assert.equal(answer.json[0].status, true);
      assert.equal(answer.json[0].data.orderid, sandbox.paper.state.orders.at(-1).orderid);
    });

    it('a late answer the client gave up on: the order exists all the same, and the sandbox carries on', async function () {
      sandbox.setFault({ kind: 'late-answer', delayMs: 800 });
      const orders = sandbox.paper.state.orders.length;
      await assert.rejects(call('POST', 'orders/regular', order({ quantity: '2' }), { signal: globalThis.AbortSignal.timeout(200) }), (err) => err.name === 'TimeoutError');
      assert.equal(sandbox.paper.state.orders.length, orders + 1);
      assert.equal(sandbox.paper.state.orders.at(-1).status, 'Traded');
      await new Promise((resolve) => setTimeout(resolve, 900));
      sandbox.setFault(undefined);
      assert.equal((await call('GET', 'orders')).status, 200);
      assert.equal(sandbox.calls.placeOrder, 1);
    });

    it('a reset after the request was read: the client gets no answer, the order is in the book', async function () {
      sandbox.setFault({ kind: 'reset-after-read', times: 1 });
      await assert.rejects(place({ quantity: '3' }), (err) => err instanceof TypeError && /fetch failed/.test(err.message));
      const [newest] = await rows('orders');
      assert.deepEqual([newest.quantity, newest.status], ['3', 'Traded']);
      assert.equal(sandbox.calls.placeOrder, 1);
    });

    it('a 502 page after the call took effect: the cancellation happened all the same', async function () {
      const orderid = await placed({ ordertype: 'LIMIT', price: onTick(priceNow() * 0.9) });
      sandbox.setFault({ kind: 'bad-gateway-after', times: 1 });
      const answer = await call('DELETE', `orders/regular/${orderid}`, {});
      assert.equal(answer.status, 502);
      assert.match(answer.text, /<h1>502 Bad Gateway<\/h1>/);
      assert.equal((await bookRow(orderid)).status, 'Cancelled');
    });

    it('the order faults leave the other calls alone', async function () {
      sandbox.setFault({ kind: 'reset-after-read' });
      assert.equal((await call('GET', 'orders')).status, 200);
      assert.equal((await call('GET', 'user/fundsummary')).status, 200);
    });
  });

  it('the matching timer runs on the sandbox\'s clock while it is started, and is cleared when it stops', async function () {
    assert.equal(clock.armed, 1);
    assert.equal(clock.pending()[0].ms, 1000);
    clock.advance(5000);
    assert.equal(clock.armed, 1, 'one timer, re-armed each second');
    await sandbox.stop();
    assert.equal(clock.armed, 0);
  });
});
