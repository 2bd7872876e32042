'use strict';
const assert = require('node:assert/strict');
const { parseOrderId, parseTradeDates, parsePlaceOrder, placeOrderBody, parseModifyOrder, modifyOrderBody, findBookOrder, orderOutcome } = require('../../dist/src/api/order-inputs');
const { throwsWith } = require('./_helpers');

const NOTHING_SENT = /Nothing was sent to mStock\.$/;

describe('parseOrderId: msg.payload.orderid for the order details', function () {
  it('a string of digits is kept exactly, leading zeros and all, without the white space around it', function () {
    assert.equal(parseOrderId({ orderid: '1131250211100' }), '1131250211100');
    assert.equal(parseOrderId({ orderid: ' 1000000000016254\n' }), '1000000000016254');
    assert.equal(parseOrderId({ orderid: '0012' }), '0012');
    // past 2^53, where a number would have lost digits
    assert.equal(parseOrderId({ orderid: '9007199254740993' }), '9007199254740993');
  });

  it('a number is accepted while it is a safe integer', function () {
    assert.equal(parseOrderId({ orderid: 1131250211100 }), '1131250211100');
    assert.equal(parseOrderId({ orderid: Number.MAX_SAFE_INTEGER }), '9007199254740991');
  });

  it('a number past 2^53 is refused: it may have lost digits; send it as a string', function () {
    for (const orderid of [2 ** 53, Number('9007199254740993'), 1.2e21]) {
      const err = throwsWith(() => parseOrderId({ orderid }), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload\.orderid \S+ is too large .* lost .* Send the order id as a string\. Nothing was sent to mStock\.$/);
    }
  });

  const refused = [
    ['missing', {}],
    ['empty', { orderid: '' }],
    ['blank', { orderid: '   ' }],
    ['letters', { orderid: 'ABC123' }],
    ['a sign', { orderid: '-1131250211100' }],
    ['a fraction as text', { orderid: '1131.5' }],
    ['digits with a space inside', { orderid: '1131 250211100' }],
    ['too long', { orderid: '1'.repeat(25) }],
    ['a huge text', { orderid: '9'.repeat(10_000) }],
    ['a negative number', { orderid: -5 }],
    ['a fraction', { orderid: 1.5 }],
    ['NaN', { orderid: NaN }],
    ['Infinity', { orderid: Infinity }],
    ['an object', { orderid: { id: '1' } }],
    ['a list', { orderid: ['1131250211100'] }],
    ['a boolean', { orderid: true }],
    ['null', { orderid: null }],
  ];
  for (const [what, payload] of refused) {
    it(`an order id that is ${what} is MSTOCK_INVALID_INPUT naming msg.payload.orderid`, function () {
      const err = throwsWith(() => parseOrderId(payload), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload\.orderid must be mStock's order id, a string of digits/);
      assert.match(err.message, NOTHING_SENT);
      assert.ok(err.message.length < 220, err.message);
    });
  }

  for (const payload of [undefined, null, '1131250211100', 1131250211100, ['1131250211100'], new Date()]) {
    it(`a payload that is not an object (${Object.prototype.toString.call(payload)}) is refused, showing the form wanted`, function () {
      const err = throwsWith(() => parseOrderId(payload), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload must be an object with orderid, e\.g\. \{ "orderid": "1131250211100" \}, but it was .+\. Nothing was sent to mStock\.$/);
    });
  }
});

describe('parseTradeDates: msg.payload.from and .to for the trade history', function () {
  const days = (from, to) => parseTradeDates({ from, to });

  it('"YYYY-MM-DD" is that day, as written', function () {
    assert.deepEqual(days('2025-01-06', '2025-01-07'), { fromdate: '2025-01-06', todate: '2025-01-07' });
    assert.deepEqual(days(' 2024-02-29 ', '2024-02-29'), { fromdate: '2024-02-29', todate: '2024-02-29' });
  });

  it('an ISO time with Z or an offset is the India day of that instant', function () {
    // 18:29:59Z is 23:59:59 in India; 18:30Z is already the next day there
    assert.deepEqual(days('2025-01-05T18:29:59Z', '2025-01-05T18:30:00.000Z'), { fromdate: '2025-01-05', todate: '2025-01-06' });
    assert.deepEqual(days('2025-01-06T00:10:00+05:30', '2025-01-06T00:10:00+0530'), { fromdate: '2025-01-06', todate: '2025-01-06' });
    // 20:00 in New York is 06:30 the next morning in India
    assert.deepEqual(days('2025-01-06T20:00:00-05:00', '2025-01-07T20:00:00-05:00'), { fromdate: '2025-01-07', todate: '2025-01-08' });
    // 02:00 in Tokyo is 22:30 the evening before in India
    assert.deepEqual(days('2025-01-06T02:00:00+09:00', '2025-01-06T02:00:00+0900'), { fromdate: '2025-01-05', todate: '2025-01-05' });
  });

  it('an ISO time without an offset is India time', function () {
    assert.deepEqual(days('2025-01-06T23:30', '2025-01-07 00:15:00'), { fromdate: '2025-01-06', todate: '2025-01-07' });
  });

  it('a Date and epoch milliseconds are the India day of that instant', function () {
    const lateUtc = Date.UTC(2025, 0, 5, 19, 0); // 00:30 on 6 January in India
    assert.deepEqual(days(new Date(lateUtc), lateUtc), { fromdate: '2025-01-06', todate: '2025-01-06' });
    assert.deepEqual(days(Date.UTC(2025, 0, 5, 18, 0), Date.UTC(2025, 0, 5, 18, 0)), { fromdate: '2025-01-05', todate: '2025-01-05' });
  });

  it('the same day for both is one day; forms may be mixed', function () {
    assert.deepEqual(days('2025-01-06', new Date('2025-01-06T10:00:00+05:30')), { fromdate: '2025-01-06', todate: '2025-01-06' });
  });

  it('from after to is MSTOCK_INVALID_INPUT naming both, with the days it read', function () {
    const err = throwsWith(() => days('2025-01-07', '2025-01-06'), 'MSTOCK_INVALID_INPUT');
    assert.equal(err.message, 'msg.payload.from (2025-01-07) is after msg.payload.to (2025-01-06): the first day must come first. Nothing was sent to mStock.');
    // one minute apart, but on two India days, the wrong way round
    throwsWith(() => days('2025-01-05T18:30:00Z', '2025-01-05T18:29:00Z'), 'MSTOCK_INVALID_INPUT');
  });

  for (const field of ['from', 'to']) {
    for (const gap of [undefined, null, '']) {
      it(`a missing ${field} (${JSON.stringify(gap)}) is MSTOCK_INVALID_INPUT naming msg.payload.${field}`, function () {
        const payload = { from: '2025-01-06', to: '2025-01-07', [field]: gap };
        if (gap === undefined) delete payload[field];
        const err = throwsWith(() => parseTradeDates(payload), 'MSTOCK_INVALID_INPUT');
        assert.match(err.message, new RegExp(`^msg\\.payload\\.${field} is missing: give the (first|last) day`));
        assert.match(err.message, NOTHING_SENT);
      });
    }
  }

  const unreadable = [
    ['a day that does not exist', '2025-02-30'],
    ['29 February of a common year', '2025-02-29'],
    ['month 13', '2025-13-01'],
    ['day-month-year', '06-01-2025'],
    ['month names', '2025-Jan-06'],
    ['a time past 23:59', '2025-01-06T24:00'],
    ['an offset past 14 hours', '2025-01-06T10:00+15:00'],
    ['words', 'yesterday'],
    ['a long text', `2025-01-06${' '.repeat(100)}`],
    ['a year before 1900', '0099-01-01'],
    ['an invalid Date', new Date('nonsense')],
    ['epoch seconds', 1736150400],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a year past 9999', 8.64e15],
    ['an object', { day: 6 }],
    ['a list', ['2025-01-06']],
    ['a boolean', true],
  ];
  for (const [what, value] of unreadable) {
    for (const field of ['from', 'to']) {
      it(`${field} as ${what} is MSTOCK_INVALID_INPUT naming msg.payload.${field}`, function () {
        const payload = { from: '2025-01-06', to: '2025-01-07', [field]: value };
        const err = throwsWith(() => parseTradeDates(payload), 'MSTOCK_INVALID_INPUT');
        assert.match(err.message, new RegExp(`^msg\\.payload\\.${field} `));
        assert.match(err.message, NOTHING_SENT);
        assert.ok(err.message.length < 260, err.message);
      });
    }
  }

  it('epoch seconds are named as the likely mistake', function () {
    const err = throwsWith(() => days(1736150400, 1736236800), 'MSTOCK_INVALID_INPUT');
    assert.match(err.message, /^msg\.payload\.from 1736150400 is not a date in epoch milliseconds \(is it in seconds\?\)/);
  });

  for (const payload of [undefined, null, '2025-01-06', 20250106, ['2025-01-06', '2025-01-07'], new Date()]) {
    it(`a payload that is not an object (${Object.prototype.toString.call(payload)}) is refused, showing the form wanted`, function () {
      const err = throwsWith(() => parseTradeDates(payload), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload must be an object with from and to, e\.g\. \{ "from": "2025-01-06", "to": "2025-01-07" \}, but it was .+\. Nothing was sent to mStock\.$/);
    });
  }
});

const SBIN = { exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', name: 'SBIN', type: '', expiry: null, strike: 0, lotSize: 1, tickSize: 0.05 };

describe('parsePlaceOrder and placeOrderBody: the order mstock-order sends', function () {
  it('fills the defaults: variety NORMAL, duration DAY, price and trigger 0, and the master\'s symbol and token', function () {
    const request = parsePlaceOrder({ instrument: 'nse:sbin-eq', transactiontype: 'sell', ordertype: 'MARKET', quantity: '5', producttype: 'intraday' });
    assert.equal(request.instrument, 'nse:sbin-eq');
    assert.deepEqual(placeOrderBody(request, SBIN), {
      variety: 'NORMAL', tradingsymbol: 'SBIN-EQ', symboltoken: '3045', exchange: 'NSE', transactiontype: 'SELL', ordertype: 'MARKET',
      quantity: '5', producttype: 'INTRADAY', price: '0', triggerprice: '0', squareoff: '0', stoploss: '0', trailingStopLoss: '',
      disclosedquantity: '0', duration: 'DAY', ordertag: '',
    });
  });

  it('stop-loss types: variety STOPLOSS, and "SL" / "SL-M" are sent as the broker-accepted STOPLOSS_LIMIT / STOPLOSS_MARKET', function () {
    const limit = parsePlaceOrder({ instrument: 'NSE:3045', transactiontype: 'BUY', ordertype: 'SL', quantity: 1, producttype: 'DELIVERY', price: '801.5', triggerprice: 800 });
    assert.deepEqual([limit.fields.ordertype, limit.fields.variety, limit.fields.price, limit.fields.triggerprice], ['STOPLOSS_LIMIT', 'STOPLOSS', '801.5', '800']);
    const market = parsePlaceOrder({ instrument: 'NSE:3045', transactiontype: 'BUY', ordertype: 'sl-m', quantity: 1, producttype: 'DELIVERY', triggerprice: '800' });
    assert.deepEqual([market.fields.ordertype, market.fields.variety, market.fields.price], ['STOPLOSS_MARKET', 'STOPLOSS', '0']);
  });

  it("the broker's field names give the instrument to look up: exchange with symbol and/or token", function () {
    const order = { exchange: 'NSE', transactiontype: 'BUY', ordertype: 'MARKET', quantity: 1, producttype: 'DELIVERY' };
    assert.deepEqual(parsePlaceOrder({ ...order, tradingsymbol: 'SBIN-EQ', symboltoken: 3045 }).instrument, { exchange: 'NSE', symbol: 'SBIN-EQ', token: 3045 });
    assert.deepEqual(parsePlaceOrder({ ...order, symboltoken: '3045' }).instrument, { exchange: 'NSE', token: '3045' });
  });

  it('an ordertag of 19 characters is taken; 20 is refused', function () {
    const order = { instrument: 'NSE:3045', transactiontype: 'BUY', ordertype: 'MARKET', quantity: 1, producttype: 'DELIVERY' };
    assert.equal(parsePlaceOrder({ ...order, ordertag: 'x'.repeat(19) }).fields.ordertag, 'x'.repeat(19));
    assert.match(throwsWith(() => parsePlaceOrder({ ...order, ordertag: 'x'.repeat(20) }), 'MSTOCK_INVALID_INPUT').message, NOTHING_SENT);
  });
});

describe('modifyOrderBody: the change laid over the order as the order book shows it', function () {
  // the docs' order book row (FACTS-TRADING §2.5): an option shown with exchange NSE and ordertype SL
  const ROW = {
    variety: null, ordertype: 'SL', producttype: 'MARGIN', duration: 'DAY', price: '2400.00', triggerprice: '2390', quantity: '900', disclosedquantity: '0',
    tradingsymbol: 'ACC-28Nov2024-2400-CE', transactiontype: 'BUY', exchange: 'NSE', symboltoken: '75307', instrumenttype: 'OPTSTK', orderid: '1142241106106',
  };

  it('keeps what is not changed, reads SL as STOPLOSS_LIMIT and an NSE option as NFO', function () {
    const request = parseModifyOrder({ orderid: '1142241106106', price: 2410 });
    assert.deepEqual(modifyOrderBody(request, ROW), {
      variety: 'STOPLOSS', tradingsymbol: 'ACC-28Nov2024-2400-CE', symboltoken: '75307', exchange: 'NFO', transactiontype: 'BUY', orderid: '1142241106106',
      ordertype: 'STOPLOSS_LIMIT', quantity: '900', producttype: 'MARGIN', duration: 'DAY', price: '2410', triggerprice: '2390', disclosedquantity: '0',
      modqty_remng: '0',
    });
  });

  it('a change to MARKET drops the old price and trigger; a change to LIMIT without a price is refused', function () {
    const market = modifyOrderBody(parseModifyOrder({ orderid: '1142241106106', ordertype: 'MARKET' }), ROW);
    assert.deepEqual([market.ordertype, market.price, market.triggerprice, market.variety], ['MARKET', '0', '0', 'NORMAL']);
    const limitRow = { ...ROW, ordertype: 'MARKET', price: '0', triggerprice: '0' };
    throwsWith(() => modifyOrderBody(parseModifyOrder({ orderid: '1142241106106', ordertype: 'LIMIT' }), limitRow), 'MSTOCK_INVALID_INPUT');
  });

  it('finds the row by its trimmed order id', function () {
    assert.equal(findBookOrder([{ orderid: ' 1 ' }, { orderid: '1142241106106' }], '1142241106106').orderid, '1142241106106');
    assert.equal(findBookOrder([{ orderid: ' 7 ' }], '7').orderid, ' 7 ');
    assert.equal(findBookOrder(null, '7'), undefined);
  });
});

describe('orderOutcome: what mstock-order sends on', function () {
  it('the order id trimmed, as a string, from any of the shapes mStock answers with', function () {
    assert.deepEqual(orderOutcome('modify', { message: 'SUCCESS', data: { orderid: ' 1191241106101', uniqueorderid: '' } }), { action: 'modify', orderid: '1191241106101', message: 'SUCCESS' });
    assert.deepEqual(orderOutcome('place', { data: [{ order_id: '1111250206114' }] }), { action: 'place', orderid: '1111250206114', message: 'SUCCESS' });
    assert.deepEqual(orderOutcome('cancel', { message: 'SUCCESS', data: null }, '201020000000080'), { action: 'cancel', orderid: '201020000000080', message: 'SUCCESS' });
  });

  it('a place accepted without an order id is MSTOCK_ORDER_UNCERTAIN: which order it is, only the order book says', function () {
    const err = throwsWith(() => orderOutcome('place', { message: 'SUCCESS', data: { orderid: '', uniqueorderid: '' } }), 'MSTOCK_ORDER_UNCERTAIN');
    assert.match(err.message, /check the order book before sending it again\.$/);
  });
});
