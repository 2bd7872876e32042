'use strict';
// The sandbox's paper account: its answers have the broker's exact shapes (read from the vendor's
// verbatim samples at test time) and agree with one another.
const assert = require('node:assert/strict');
const { PaperAccount, PaperAccountRefusal } = require('../../dist/src/sandbox/paper-account');
const { parseRows } = require('../../dist/src/api/rows');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');
const { vendorMock, docsDraftSample, tradeBookKeys } = require('../api/_samples');
const { manualClock } = require('../manual-clock');

/** Epoch ms of an India wall-clock time. */
const india = (year, month, day, hour, minute, second = 0) => Date.UTC(year, month - 1, day, hour, minute, second) - IST_OFFSET_MS;
const DAY_MS = 24 * 60 * 60 * 1000;
const typeOf = (value) => (value === null ? 'null' : typeof value);
/** "2024-Nov-06 12:42:18" → "9999-aaa-99 99:99:99": a format without its values. */
const shape = (text) => text.replace(/[0-9]/g, '9').replace(/[A-Za-z]/g, 'a');
const DATE_KEYS = ['updatetime', 'exchorderupdatetime', 'expirydate', 'filltime'];

function account(at = india(2025, 2, 11, 11, 0)) {
  const clock = manualClock(at);
  return { clock, paper: new PaperAccount(clock) };
}

const { paper } = account();
const answers = {
  'order book': { rows: paper.orderBook(), samples: [docsDraftSample('OrderBookTypeB', 'SuccessResponseJson').data, vendorMock('get_order_book').data] },
  'order details': {
    rows: paper.orderBook().flatMap((o) => paper.orderDetails(o.orderid)),
    samples: [docsDraftSample('IndiviualOrderDetailsTypeB', 'SuccessResponseJson').data],
  },
  'trade history': { rows: paper.tradeHistory('2025-02-11', '2025-02-11'), samples: [docsDraftSample('TradeHistoryTypeB', 'SuccessResponseJson').data] },
  positions: { rows: paper.positions(), samples: [docsDraftSample('Net_PositionTypeB', 'SuccessResponseJson').data] },
  holdings: { rows: paper.holdings(), samples: [docsDraftSample('Holdings_TypeB', 'SuccessResponseJson').data] },
};

describe('paper account: the broker\'s shapes', function () {
  for (const [name, { rows, samples }] of Object.entries(answers)) {
    it(`${name}: every row has the sample's keys in the sample's order`, function () {
      assert.ok(rows.length > 0, `the seed has no ${name} rows`);
      for (const sampleRows of samples) {
        const keys = Object.keys(sampleRows[0]);
        for (const sampleRow of sampleRows) assert.deepEqual(Object.keys(sampleRow), keys, 'the sample rows disagree');
        for (const row of rows) assert.deepEqual(Object.keys(row), keys);
      }
    });

    it(`${name}: every value has the type the docs sample gives it`, function () {
      const sample = samples[0][0];
      for (const row of rows) {
        for (const key of Object.keys(sample)) assert.equal(typeOf(row[key]), typeOf(sample[key]), `${key}: ${JSON.stringify(row[key])} vs ${JSON.stringify(sample[key])}`);
      }
    });

    it(`${name}: dates and times are written as the sample writes them`, function () {
      const sample = samples[0][0];
      let compared = 0;
      for (const row of rows) {
        for (const key of DATE_KEYS) {
          if (!sample[key] || !row[key]) continue;
          assert.equal(shape(row[key]), shape(sample[key]), `${key}: ${row[key]} vs ${sample[key]}`);
          compared += 1;
        }
      }
      if (name !== 'holdings' && name !== 'positions') assert.ok(compared > 0, 'no date was compared');
    });
  }

  it('trade book: UPPER_CASE keys as FACTS-TRADING.md §2.7 lists them, strings throughout', function () {
    const rows = paper.tradeBook();
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), tradeBookKeys());
      for (const value of Object.values(row)) assert.equal(typeof value, 'string');
      assert.match(row.ORDER_DATE_TIME, /^\d{4}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.match(row.BUY_SELL, /^(Buy|Sell)$/);
    }
  });

  it('order ids are 13-digit strings like the samples\', one per order; fill ids are distinct', function () {
    const ids = paper.orderBook().map((o) => o.orderid);
    for (const id of ids) assert.match(id, /^\d{13}$/);
    assert.equal(new Set(ids).size, ids.length);
    const fillIds = paper.tradeHistory('2025-02-11', '2025-02-11').map((t) => t.fillid);
    assert.equal(new Set(fillIds).size, fillIds.length);
  });

  it('its answers parse by the Part 2 rule into India ISO times and numbers', function () {
    const [order] = parseRows(paper.orderBook());
    assert.match(order.updatetime, /^2025-02-11T\d{2}:\d{2}:\d{2}\+05:30$/);
    assert.equal(typeof order.quantity, 'number');
    assert.equal(typeof order.orderid, 'string');
    const [details] = parseRows(paper.orderDetails(order.orderid));
    assert.equal(details.updatetime, order.updatetime);
  });
});

describe('paper account: the seed', function () {
  it('has filled orders, one open limit order and one rejected order', function () {
    const book = paper.orderBook();
    assert.ok(book.filter((o) => o.status === 'Traded').length >= 2);
    const open = book.filter((o) => o.status === 'Pending');
    assert.equal(open.length, 1);
    assert.equal(open[0].ordertype, 'LIMIT');
    assert.equal(open[0].unfilledshares, open[0].quantity);
    const rejected = book.filter((o) => o.status === 'Rejected');
    assert.equal(rejected.length, 1);
    assert.match(rejected[0].text, /EXCH:/);
    assert.equal(rejected[0].filledshares, '0');
  });

  it('holds three NSE equities', function () {
    const holdings = paper.holdings();
    assert.equal(holdings.length, 3);
    assert.equal(new Set(holdings.map((h) => h.symboltoken)).size, 3);
    for (const h of holdings) {
      assert.match(h.isin, /^INE[0-9A-Z]{9}$/);
      assert.ok(h.quantity > 0);
      assert.ok(Math.abs(h.profitandloss - (h.ltp - h.averageprice) * h.quantity) < 0.01, JSON.stringify(h));
    }
  });
});

describe('paper account: consistency', function () {
  const book = paper.orderBook();
  const trades = paper.tradeBook();

  it('every trade belongs to a filled order of the book, and the fills add up to its filled shares and average price', function () {
    const byOrder = new Map();
    for (const t of trades) {
      const order = book.find((o) => o.orderid === t.ORDER_NUMBER);
      assert.ok(order, `trade of unknown order ${t.ORDER_NUMBER}`);
      assert.equal(order.status, 'Traded');
      assert.equal(t.SEC_ID, order.symboltoken);
      assert.equal(t.BUY_SELL.toUpperCase(), order.transactiontype);
      assert.equal(t.PRODUCT, order.producttype);
      const sums = byOrder.get(order.orderid) ?? { quantity: 0, value: 0 };
      sums.quantity += Number(t.QUANTITY);
      sums.value += Number(t.QUANTITY) * Number(t.PRICE);
      byOrder.set(order.orderid, sums);
    }
    for (const order of book.filter((o) => o.status === 'Traded')) {
      const sums = byOrder.get(order.orderid);
      assert.ok(sums, `filled order ${order.orderid} has no trades`);
      assert.equal(sums.quantity, Number(order.filledshares));
      assert.equal(sums.quantity, Number(order.quantity));
      assert.ok(Math.abs(sums.value / sums.quantity - Number(order.averageprice)) < 0.01);
    }
    assert.ok([...byOrder.values()].some((s) => s.quantity > 0) && trades.length > byOrder.size, 'no order was filled in parts');
  });

  it('each position\'s quantities are the sums of today\'s fills of its instrument and product', function () {
    const positions = paper.positions();
    const keyOf = (token, product) => `${token}|${product}`;
    const expected = new Map();
    for (const t of trades) {
      const key = keyOf(t.SEC_ID, t.PRODUCT);
      const e = expected.get(key) ?? { buy: 0, sell: 0, buyValue: 0, sellValue: 0 };
      if (t.BUY_SELL === 'Buy') {
        e.buy += Number(t.QUANTITY);
        e.buyValue += Number(t.TRADE_VALUE);
      } else {
        e.sell += Number(t.QUANTITY);
        e.sellValue += Number(t.TRADE_VALUE);
      }
      expected.set(key, e);
    }
    assert.equal(positions.length, expected.size);
    for (const p of positions) {
      const e = expected.get(keyOf(p.symboltoken, p.producttype));
      assert.ok(e, `a position without fills: ${p.symboltoken}`);
      assert.equal(Number(p.buyqty), e.buy);
      assert.equal(Number(p.sellqty), e.sell);
      assert.equal(Number(p.netqty), e.buy - e.sell);
      assert.ok(Math.abs(Number(p.netvalue) - (e.sellValue - e.buyValue)) < 0.01);
      assert.ok(Math.abs(Number(p.totalbuyvalue) - e.buyValue) < 0.01);
    }
  });

  it('today\'s trade history holds the trade book\'s fills', function () {
    const history = paper.tradeHistory('2025-02-11', '2025-02-11');
    assert.deepEqual(
      history.map((h) => [h.orderid, h.fillsize, h.fillprice, h.transactiontype]),
      trades.map((t) => [t.ORDER_NUMBER, t.QUANTITY, t.PRICE, t.BUY_SELL.toUpperCase()]),
    );
    // the broker cuts company names to 25 characters here, not in holdings
    assert.ok(history.some((h) => h.tradingsymbol === 'TATA CONSULTANCY SERVICES'), history.map((h) => h.tradingsymbol).join());
    assert.ok(paper.holdings().some((h) => h.tradingsymbol === 'TATA CONSULTANCY SERVICES LIMITED'));
  });

  it('order details answer the book\'s order, a padded id too; an unknown id is no rows', function () {
    for (const order of book) {
      const [details] = paper.orderDetails(` ${order.orderid}`);
      assert.equal(details.orderid, order.orderid);
      assert.equal(details.status, order.status);
      assert.equal(details.filledshares, order.filledshares);
    }
    assert.deepEqual(paper.orderDetails('1000000000000000'), []);
  });
});

describe('paper account: time from its clock', function () {
  it('places the seed on the clock\'s India day, before the clock\'s time, newest first', function () {
    const now = india(2025, 2, 11, 11, 0);
    for (const row of paper.orderBook()) {
      assert.match(row.updatetime, /^2025-Feb-11 /);
      assert.ok(Date.parse(parseRows([row])[0].updatetime) <= now);
    }
    const times = parseRows(paper.orderBook()).map((o) => Date.parse(o.updatetime));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
  });

  it('seeds just after midnight without going back to the day before or ahead of the clock', function () {
    const now = india(2025, 3, 1, 0, 0, 30);
    const { paper: early } = account(now);
    const book = parseRows(early.orderBook());
    assert.equal(book.length, 5);
    for (const o of book) {
      assert.ok(o.updatetime.startsWith('2025-03-01T'), o.updatetime);
      assert.ok(Date.parse(o.updatetime) <= now);
    }
  });

  it('on the next India day the books and positions are empty, holdings stay, and the trade history still finds the fills', function () {
    const { clock, paper: paperNextDay } = account();
    const holdings = paperNextDay.holdings();
    clock.advance(DAY_MS);
    assert.deepEqual(paperNextDay.orderBook(), []);
    assert.deepEqual(paperNextDay.tradeBook(), []);
    assert.deepEqual(paperNextDay.positions(), []);
    assert.deepEqual(paperNextDay.holdings(), holdings);
    assert.equal(paperNextDay.tradeHistory('2025-02-10', '2025-02-12').length, 4);
    assert.deepEqual(paperNextDay.tradeHistory('2025-02-12', '2025-02-12'), []);
    assert.equal(paperNextDay.tradeHistory('11-02-2025', '11-Feb-2025').length, 4);
  });

  for (const [from, to] of [['', '2025-02-11'], ['2025-02-11', 'tomorrow'], ['10:00:00', '2025-02-11']]) {
    it(`refuses trade history dates ${JSON.stringify(from)}…${JSON.stringify(to)} with IA400`, function () {
      assert.throws(() => paper.tradeHistory(from, to), (err) => err instanceof PaperAccountRefusal && err.errorcode === 'IA400');
    });
  }
});
