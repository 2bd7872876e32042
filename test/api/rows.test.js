'use strict';
// The Part 2 row parser (PRODUCT.md "Values in parsed output") on the vendor's verbatim samples.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { parseRows, parseIndiaTime, unwrapReply, DEFAULT_IDENTIFIERS } = require('../../dist/src/api/rows');
const { parseFunds } = require('../../dist/src/api/funds');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');
const { vendorMock, docsDraftSample, tradeBookKeys } = require('./_samples');

describe('list rows parsing', function () {
  it('order book (docs sample): ids stay strings, prices and quantities become numbers, times become India ISO', function () {
    const [rejected, pending] = parseRows(docsDraftSample('OrderBookTypeB', 'SuccessResponseJson').data);
    assert.equal(rejected.orderid, '1142241106106');
    assert.equal(rejected.exchangeorderid, '1000000000017285');
    assert.equal(rejected.symboltoken, '75307');
    assert.equal(rejected.price, 2400);
    assert.equal(rejected.triggerprice, 2390);
    assert.equal(rejected.quantity, 900);
    assert.equal(rejected.strikeprice, 2400);
    assert.equal(rejected.variety, null);
    assert.equal(rejected.lotsize, null);
    assert.equal(rejected.fillid, null);
    assert.equal(rejected.exchtime, null);
    assert.equal(rejected.updatetime, '2024-11-06T12:42:18+05:30');
    assert.equal(rejected.exchorderupdatetime, '2024-11-06T12:42:18+05:30');
    assert.equal(rejected.expirydate, '2024-11-28T00:00:00+05:30');
    assert.equal(rejected.tradingsymbol, 'ACC-28Nov2024-2400-CE');
    assert.equal(rejected.text, 'EXCH:16284:The order price is out of the days price range.');
    assert.equal(rejected.status, 'Rejected');
    assert.equal(pending.strikeprice, -0.01);
    assert.equal(pending.optiontype, 'XX');
    assert.equal(pending.orderid, '1132241106107');
  });

  it('order book (Python SDK mock): "None" becomes null, "10: 20: 34" is read, exchange order id "0" stays a string', function () {
    const [row] = parseRows(vendorMock('get_order_book').data);
    assert.equal(row.variety, null);
    assert.equal(row.updatetime, '2025-02-11T10:20:34+05:30');
    assert.equal(row.expirydate, '2025-02-11T00:00:00+05:30');
    assert.equal(row.exchangeorderid, '0');
    assert.equal(row.orderid, '1131250211100');
    assert.equal(row.price, 0);
    assert.equal(row.quantity, 20);
    assert.equal(row.status, 'Transit');
  });

  it('order details: JSON numbers kept, the 12-hour "03:14:25 PM" read as 15:14:25', function () {
    const [row] = parseRows(docsDraftSample('IndiviualOrderDetailsTypeB', 'SuccessResponseJson').data);
    assert.equal(row.orderid, '1000000000016254');
    assert.equal(row.price, 0);
    assert.equal(row.filledshares, 20);
    assert.equal(row.ordertag, null);
    assert.equal(row.updatetime, '2025-01-23T15:14:25+05:30');
    assert.equal(row.expirydate, '2025-01-23T00:00:00+05:30');
  });

  it('trade history: fill and order ids stay strings, the fill time is an ISO time of day', function () {
    const rows = parseRows(docsDraftSample('TradeHistoryTypeB', 'SuccessResponseJson').data);
    assert.deepEqual(
      rows.map((r) => [r.orderid, r.fillid, r.fillprice, r.fillsize, r.filltime]),
      [
        ['1300000040250500', '68346395', 145.45, 1, '14:48:23+05:30'],
        ['1300000040194885', '68334426', 145.6, 1, '14:47:53+05:30'],
      ],
    );
    assert.equal(rows[0].tradingsymbol, 'RASHTRIYA CHEMICALS & FER');
    assert.equal(rows[0].tradevalue, null);
  });

  it('positions: net quantity a signed number, the empty trading symbol null, the expiry "07-Nov-2024" read', function () {
    const [intraday, carry] = parseRows(docsDraftSample('Net_PositionTypeB', 'SuccessResponseJson').data);
    assert.equal(intraday.netqty, -500);
    assert.equal(carry.netqty, 50);
    assert.equal(carry.netvalue, -40025);
    assert.equal(intraday.symboltoken, '50374');
    assert.equal(intraday.tradingsymbol, null);
    assert.equal(intraday.symbolname, 'NIFTY-07Nov2024-24000-CE');
    assert.equal(intraday.expirydate, '2024-11-07T00:00:00+05:30');
    assert.equal(intraday.buyamount, 800.1);
  });

  it('holdings: the ISIN and token stay strings, JSON numbers and nulls pass through', function () {
    const [row] = parseRows(docsDraftSample('Holdings_TypeB', 'SuccessResponseJson').data);
    assert.equal(row.isin, 'INE457A01014');
    assert.equal(row.symboltoken, '11377');
    assert.equal(row.exchange, null);
    assert.equal(row.product, null);
    assert.equal(row.quantity, 10);
    assert.equal(row.ltp, 84.7);
    assert.equal(row.tradingsymbol, 'BANK OF MAHARASHTRA');
  });

  it('data null, "None" and [] are no rows, not an error', function () {
    for (const name of ['get_net_positions', 'holdings', 'order_details', 'trade_history']) {
      assert.deepEqual(parseRows(vendorMock(name).data), [], name);
    }
    assert.deepEqual(parseRows(null), []);
    assert.deepEqual(parseRows(undefined), []);
  });

  it('trade book keys in UPPER_SNAKE (as FACTS-TRADING.md §2.7 lists them) become lowerCamel; SEC_ID and ORDER_NUMBER stay strings', function () {
    const keys = tradeBookKeys();
    assert.ok(keys.includes('SEC_ID') && keys.includes('ORDER_NUMBER') && keys.includes('ORDER_DATE_TIME'), keys.join());
    const values = {
      SEC_ID: '3045', SYMBOL: 'SBIN', EXCHANGE: 'NSE', INSTRUMENT_NAME: 'EQUITY', PRODUCT: 'INTRADAY', BUY_SELL: 'Buy',
      QUANTITY: '20', PRICE: '571.80', TRADE_VALUE: '11436.00', ORDER_NUMBER: '0001131250211100', ORDER_DATE_TIME: '2025-Feb-11 10:20:34',
    };
    const [row] = parseRows([Object.fromEntries(keys.map((k) => [k, values[k] ?? 'x']))]);
    assert.deepEqual(row, {
      secId: '3045', symbol: 'SBIN', exchange: 'NSE', instrumentName: 'EQUITY', product: 'INTRADAY', buySell: 'Buy',
      quantity: 20, price: 571.8, tradeValue: 11436, orderNumber: '0001131250211100', orderDateTime: '2025-02-11T10:20:34+05:30',
    });
  });

  it('trims the leading space off an order id and keeps it a string (modify order sample)', function () {
    const data = docsDraftSample('ModifyOrderTypeB', 'SuccessResponseJson').data;
    assert.equal(data.orderid, ' 1191241106101');
    assert.deepEqual(parseRows(data), [{ orderid: '1191241106101', uniqueorderid: null }]);
  });

  it('a list-wrapped write answer is unwrapped to its envelope (Python SDK place order mock)', function () {
    const envelope = unwrapReply(vendorMock('place_order'));
    assert.equal(envelope.status, 'success');
    assert.deepEqual(parseRows(envelope.data), [{ order_id: '1111250206114' }]);
    const plain = docsDraftSample('PlaceOrderTypeB', 'SuccessResponseJson');
    assert.equal(unwrapReply(plain), plain);
  });

  it('a "__proto__" key stays an own property and pollutes nothing', function () {
    const [row] = parseRows(JSON.parse('[{"__proto__": {"polluted": "yes"}, "ORDER_NUMBER": "7"}]'));
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(row, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(row, '__proto__').value, { polluted: 'yes' });
    assert.equal({}.polluted, undefined);
    assert.equal(row.orderNumber, '7');
  });

  it('parses the fund summary mock exactly as the funds parser does', function () {
    const data = vendorMock('fund_summary').data;
    assert.deepEqual(parseRows(data), parseFunds(data));
  });

  it('takes the identifier and date keys of an endpoint from the caller, on top of the shared ones', function () {
    const raw = [{ clientref: '00123', placedat: '11-Feb-2025', orderid: '0042', qty: '5' }];
    assert.deepEqual(parseRows(raw), [{ clientref: 123, placedat: '11-Feb-2025', orderid: '0042', qty: 5 }]);
    assert.deepEqual(parseRows(raw, { identifiers: ['clientRef'], dates: ['PLACED_AT'] }), [
      { clientref: '00123', placedat: '2025-02-11T00:00:00+05:30', orderid: '0042', qty: 5 },
    ]);
  });

  it('with a list of number keys, converts only those', function () {
    const [row] = parseRows([{ price: '10.50', series: '01', note: '' }], { numbers: ['price'] });
    assert.deepEqual(row, { price: 10.5, series: '01', note: null });
  });

  it('keeps a date it cannot read as sent, and a date sent as a number as it is', function () {
    const [row] = parseRows([{ updatetime: 'yesterday', expiry: 1432996200 }]);
    assert.deepEqual(row, { updatetime: 'yesterday', expiry: 1432996200 });
  });

  it('parses nested objects and arrays by the same rule', function () {
    const [row] = parseRows([{ DEPTH: { BUY: [{ PRICE: '1.5', ORDERS: '3' }] }, tokens: [' 22', '1333'] }]);
    assert.deepEqual(row, { depth: { buy: [{ price: 1.5, orders: 3 }] }, tokens: ['22', '1333'] });
  });

  it('does not change the data it was given', function () {
    const data = docsDraftSample('OrderBookTypeB', 'SuccessResponseJson').data;
    const copy = structuredClone(data);
    parseRows(data);
    assert.deepEqual(data, copy);
  });

  for (const [label, data] of [
    ['a number', 42],
    ['a string', 'rows'],
    ['a list of numbers', [1, 2]],
    ['a list with a null row', [{ orderid: '1' }, null]],
    ['a list of lists', [[{ orderid: '1' }]]],
  ]) {
    it(`refuses ${label} as data with MSTOCK_BAD_RESPONSE`, function () {
      const err = throwsWith(() => parseRows(data, { what: 'the order book' }), ErrorCode.BAD_RESPONSE);
      assert.match(err.message, /order book/);
    });
  }

  it('refuses data nested without end with MSTOCK_BAD_RESPONSE, not a stack overflow', function () {
    let deep = { orderid: '1' };
    for (let i = 0; i < 10_000; i += 1) deep = { inner: [deep] };
    throwsWith(() => parseRows([deep]), ErrorCode.BAD_RESPONSE);
  });

  it('property: a numeric identifier of up to 25 digits comes back unchanged, white space trimmed', function () {
    const digits = fc.stringMatching(/^[0-9]{1,25}$/);
    const space = fc.constantFrom('', ' ', '  ', '\t');
    const keys = fc.constantFrom(...DEFAULT_IDENTIFIERS);
    fc.assert(
      fc.property(digits, space, space, keys, (id, before, after, key) => {
        const [row] = parseRows([{ [key]: `${before}${id}${after}` }]);
        return Object.values(row)[0] === id;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('India time parsing', function () {
  for (const [text, iso, where] of [
    ['2024-Nov-06 12:42:18', '2024-11-06T12:42:18+05:30', 'order book (docs)'],
    ['2025-Feb-11 10: 20: 34', '2025-02-11T10:20:34+05:30', 'order book (Python SDK mock)'],
    ['2024-Nov-28', '2024-11-28T00:00:00+05:30', 'order book expiry'],
    ['23-01-2025 03:14:25 PM', '2025-01-23T15:14:25+05:30', 'order details'],
    ['23-01-2025 12:05:00 AM', '2025-01-23T00:05:00+05:30', 'order details, just after midnight'],
    ['07-Nov-2024', '2024-11-07T00:00:00+05:30', 'positions expiry'],
    ['14:48:23', '14:48:23+05:30', 'trade history fill time'],
    ['2025-02-01 09:45', '2025-02-01T09:45:00+05:30', 'historical candles (Python SDK mock)'],
    ['2024-01-01T09:15:00+05', '2024-01-01T09:15:00+05:30', 'historical candles (docs)'],
    ['2024-01-01T03:45:00Z', '2024-01-01T09:15:00+05:30', 'an explicit UTC time'],
    ['2024-12-31T20:00:00-05:00', '2025-01-01T06:30:00+05:30', 'another offset, across the year'],
    ['2024-01-06', '2024-01-06T00:00:00+05:30', 'trades fromdate (docs)'],
    ['02-02-2025', '2025-02-02T00:00:00+05:30', 'trades todate (Python example)'],
    ['23Oct2025', '2025-10-23T00:00:00+05:30', 'instrument master expiry'],
    ['  2024-Nov-06   12:42:18 ', '2024-11-06T12:42:18+05:30', 'with stray white space'],
  ]) {
    it(`reads ${JSON.stringify(text)} (${where})`, function () {
      assert.equal(parseIndiaTime(text), iso);
    });
  }

  for (const text of ['', 'None', '2025-02-30', '2025-13-01', '2025-Foo-11', '25:00:00', '13:00:00 PM', '10:61', '1739249434', 'soon', '2024-11-06 12:42:18 12:42:18']) {
    it(`answers null for ${JSON.stringify(text)}`, function () {
      assert.equal(parseIndiaTime(text), null);
    });
  }
});
