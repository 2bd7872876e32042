'use strict';
// The sandbox's market: a deterministic instrument master in the broker's form and one price path
// per instrument, with candles and quotes cut from it that agree with each other and with the
// vendor's samples.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Market, MASTER_COLUMNS, MAX_CANDLES, CANDLE_LIMIT_MESSAGE, INTERVAL_MINUTES } = require('../../dist/src/sandbox/market');
const { PaperAccount, PaperAccountRefusal } = require('../../dist/src/sandbox/paper-account');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');
const { docsDraftSample, factsTrading } = require('../api/_samples');
const { manualClock } = require('../manual-clock');

/** Epoch ms of an India wall-clock time. */
const india = (year, month, day, hour = 0, minute = 0, second = 0) => Date.UTC(year, month - 1, day, hour, minute, second) - IST_OFFSET_MS;
const MINUTE_MS = 60_000;
const typeOf = (value) => (value === null ? 'null' : typeof value);
const MARKET_JS = path.resolve(__dirname, '../../dist/src/sandbox/market.js');

// Tuesday 11 Feb 2025, 11:00 India time, mid-session
const NOW = india(2025, 2, 11, 11, 0);
const clock = manualClock(NOW);
const market = new Market(clock);
const rows = market.masterRows();
const firstOf = (predicate) => {
  const row = rows.find(predicate);
  assert.ok(row, 'no such row in the master');
  return row;
};
const SBIN = '3045';
const niftyFuture = firstOf((r) => r.symbol === 'NIFTY' && r.instrumenttype === 'FUTIDX');
const stockOption = firstOf((r) => r.symbol === 'RELIANCE' && r.instrumenttype === 'OPTSTK');
const crudeFuture = firstOf((r) => r.symbol === 'CRUDEOIL' && r.instrumenttype === 'FUTCOM');
const usdFuture = firstOf((r) => r.symbol === 'USDINR' && r.instrumenttype === 'FUTCUR');
const bseEquity = firstOf((r) => r.exch_seg === 'BSE' && r.instrumenttype === 'EQUITY');
const SAMPLE_TOKENS = [SBIN, '22', '11536', '26000', niftyFuture.token, stockOption.token, crudeFuture.token, usdFuture.token, bseEquity.token];

/** Minute candles of one session, straight from the market. */
const minutesOf = (token, year, month, day) => market.candles(token, 'ONE_MINUTE', india(year, month, day, 9, 15), india(year, month, day, 15, 29));

/** The minute candles folded into buckets of `size` minutes from 09:15, as the broker's longer candles. */
function fold(minutes, size) {
  const out = [];
  minutes.forEach((m, i) => {
    if (i % size === 0) out.push([...m]);
    else {
      const bucket = out[out.length - 1];
      bucket[2] = Math.max(bucket[2], m[2]);
      bucket[3] = Math.min(bucket[3], m[3]);
      bucket[4] = m[4];
      bucket[5] += m[5];
    }
  });
  return out;
}

describe('sandbox market: the instrument master', function () {
  it('is the same in a fresh process: same bytes, same prices', function () {
    this.timeout(60_000);
    const script = `const { Market } = require(${JSON.stringify(MARKET_JS)});
      const m = new Market({ now: () => ${NOW} });
      const hash = require('node:crypto').createHash('sha256').update(m.masterJson()).digest('hex');
      console.log(JSON.stringify({ hash, prices: ${JSON.stringify(SAMPLE_TOKENS)}.map((t) => m.priceAt(t, ${NOW - 7 * 60_000 - 1234})) }));`;
    const fresh = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    assert.equal(fresh.hash, crypto.createHash('sha256').update(market.masterJson()).digest('hex'));
    assert.deepEqual(fresh.prices, SAMPLE_TOKENS.map((t) => market.priceAt(t, NOW - 7 * 60_000 - 1234)));
  });

  it('two markets on the same day agree on every price and candle', function () {
    const other = new Market(manualClock(NOW));
    for (const token of SAMPLE_TOKENS) {
      assert.equal(other.priceAt(token, NOW - 123_456), market.priceAt(token, NOW - 123_456));
      assert.deepEqual(other.candles(token, 'FIVE_MINUTE', india(2025, 2, 10), NOW), market.candles(token, 'FIVE_MINUTE', india(2025, 2, 10), NOW));
    }
  });

  it('is about 100,000 rows of every kind the broker lists, tokens unique', function () {
    assert.ok(rows.length >= 90_000 && rows.length <= 110_000, `${rows.length} rows`);
    const kinds = new Map();
    for (const row of rows) kinds.set(`${row.exch_seg} ${row.instrumenttype}`, (kinds.get(`${row.exch_seg} ${row.instrumenttype}`) ?? 0) + 1);
    const atLeast = {
      'NSE EQUITY': 2000, 'BSE EQUITY': 4000, 'NFO FUTIDX': 3, 'NFO OPTIDX': 2000, 'NFO FUTSTK': 100, 'NFO OPTSTK': 20_000, 'BFO FUTIDX': 1, 'BFO OPTIDX': 1000,
      'NSE FUTCUR': 10, 'NSE OPTCUR': 100, 'MCX FUTCOM': 10, 'MCX OPTFUT': 100,
    };
    for (const [kind, least] of Object.entries(atLeast)) assert.ok((kinds.get(kind) ?? 0) >= least, `${kind}: ${kinds.get(kind)}`);
    assert.equal(new Set(rows.map((r) => r.token)).size, rows.length);
    assert.equal(rows.filter((r) => r.exch_seg === 'NSE' && ['Nifty 50', 'NIFTY'].includes(r.name)).length, 0, 'NSE indices are not master rows');
  });

  it('has the columns of the FACTS sample row, in its order, every value a string', function () {
    const section = factsTrading().split('### 2.16')[1].split('### 2.17')[0];
    const sample = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)[1]);
    assert.deepEqual([...MASTER_COLUMNS], Object.keys(sample));
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), Object.keys(sample));
      for (const value of Object.values(row)) assert.equal(typeof value, 'string');
    }
  });

  it('writes contracts as the broker does: names, expiries on or after today, CE and PE pairs', function () {
    const today = india(2025, 2, 11);
    for (const row of rows.filter((r) => r.expiry !== '')) {
      assert.match(row.expiry, /^\d{2}[A-Z][a-z]{2}\d{4}$/);
      assert.ok(Date.parse(`${row.expiry} 00:00 UTC`) - IST_OFFSET_MS >= today, `${row.name} expired ${row.expiry}`);
    }
    assert.ok(rows.some((r) => /^NIFTY25FEB\d+CE$/.test(r.name) && r.instrumenttype === 'OPTIDX'), 'a monthly NIFTY call like NIFTY25FEB24000CE');
    assert.ok(rows.some((r) => /^SENSEX25[1-9OND]\d{2}\d+PE$/.test(r.name) && r.exch_seg === 'BFO'), 'a weekly SENSEX put like SENSEX25O2382700PE');
    assert.ok(rows.some((r) => r.name === 'NIFTY25FEBFUT' && r.strike === '0'));
    const options = rows.filter((r) => r.instrumenttype.startsWith('OPT'));
    const names = new Set(options.map((r) => r.name));
    for (const row of options) {
      assert.equal(row.name, `${row.name.slice(0, -2 - row.strike.length)}${row.strike}${row.name.slice(-2)}`, `${row.name} ends in its strike ${row.strike}`);
      assert.ok(names.has(row.name.replace(/CE$/, 'XX').replace(/PE$/, 'CE').replace(/XX$/, 'PE')), `${row.name} has no pair`);
    }
  });

  it('holds the paper account\'s instruments with the same tokens', function () {
    const paper = new PaperAccount(manualClock(NOW));
    const books = [...paper.orderBook(), ...paper.holdings(), ...paper.positions()];
    assert.deepEqual([...new Set(books.map((r) => r.symboltoken))].sort(), ['11536', '1594', '22', '2885', '3045']);
    for (const order of paper.orderBook()) {
      const row = rows.find((r) => r.exch_seg === 'NSE' && r.token === order.symboltoken);
      assert.ok(row, `no NSE row for token ${order.symboltoken}`);
      assert.equal(row.symbol, order.tradingsymbol);
      assert.equal(row.name, `${order.tradingsymbol}-EQ`);
    }
    assert.equal(rows.find((r) => r.token === SBIN).name, 'SBIN-EQ');
  });

  it('keeps a contract\'s token from one day to the next', function () {
    const tomorrow = new Market(manualClock(NOW + 24 * 60 * 60 * 1000)).masterRows();
    const today = new Map(rows.map((r) => [`${r.exch_seg} ${r.name}`, r.token]));
    let both = 0;
    let kept = 0;
    for (const row of tomorrow) {
      const token = today.get(`${row.exch_seg} ${row.name}`);
      if (token === undefined) continue;
      both += 1;
      if (token === row.token) kept += 1;
    }
    assert.ok(both > 90_000, `${both} rows on both days`);
    assert.equal(kept, both, `${both - kept} of ${both} rows changed token overnight`);
  });

  it('gives the same rows as CSV, header first', function () {
    const lines = market.masterCsv().toString('utf8').trimEnd().split('\n');
    assert.equal(lines[0], MASTER_COLUMNS.join(','));
    assert.equal(lines.length, rows.length + 1);
    for (const i of [0, 1, 5000, rows.length - 1]) assert.equal(lines[i + 1], MASTER_COLUMNS.map((c) => rows[i][c]).join(','));
    assert.deepEqual(JSON.parse(market.masterJson().toString('utf8')), rows);
  });
});

describe('sandbox market: prices and candles', function () {
  it('prices are on the instrument\'s tick and move smoothly', function () {
    for (const token of SAMPLE_TOKENS) {
      const tick = Number(rows.find((r) => r.token === token)?.tick_size ?? '0.05');
      for (let t = india(2025, 2, 10, 9, 15); t < india(2025, 2, 10, 15, 30); t += 7 * MINUTE_MS + 1111) {
        const price = market.priceAt(token, t);
        assert.ok(Math.abs(price / tick - Math.round(price / tick)) < 1e-6, `${token} ${price} not on tick ${tick}`);
        const next = market.priceAt(token, t + 1000);
        assert.ok(Math.abs(next - price) <= Math.max(2 * tick, price * 0.002), `${token} jumped from ${price} to ${next} in a second`);
      }
    }
  });

  it('stands still while the market is shut: the next session opens at the last close', function () {
    const fridayClose = market.priceAt(SBIN, india(2025, 2, 7, 15, 30));
    for (const shut of [india(2025, 2, 7, 15, 31), india(2025, 2, 7, 23, 0), india(2025, 2, 8, 12, 0), india(2025, 2, 10, 8, 0)]) {
      assert.equal(market.priceAt(SBIN, shut), fridayClose, new Date(shut).toISOString());
    }
    assert.equal(market.priceAt(SBIN, india(2025, 2, 10, 9, 15)), fridayClose);
    assert.notEqual(market.priceAt(SBIN, india(2025, 2, 10, 9, 45)), fridayClose, 'the price should move in a session');
  });

  it('has no candles on weekends and exchange holidays', function () {
    for (const interval of ['ONE_MINUTE', 'ONE_HOUR', 'ONE_DAY']) {
      assert.deepEqual(market.candles(SBIN, interval, india(2025, 2, 8), india(2025, 2, 9, 23, 59)), [], `weekend ${interval}`);
      assert.deepEqual(market.candles(SBIN, interval, india(2024, 12, 25), india(2024, 12, 25, 23, 59)), [], `Christmas ${interval}`);
    }
    const week = market.candles(SBIN, 'ONE_DAY', india(2024, 12, 23), india(2024, 12, 29));
    assert.deepEqual(week.map((c) => c[0]), ['2024-12-23 09:15', '2024-12-24 09:15', '2024-12-26 09:15', '2024-12-27 09:15']);
  });

  it('minute candles open and close at priceAt and enclose both', function () {
    for (const token of SAMPLE_TOKENS) {
      const minutes = minutesOf(token, 2025, 2, 10);
      assert.equal(minutes.length, 375);
      assert.equal(minutes[0][0], '2025-02-10 09:15');
      assert.equal(minutes[374][0], '2025-02-10 15:29');
      minutes.forEach(([time, open, high, low, close, volume], k) => {
        const start = india(2025, 2, 10, 9, 15) + k * MINUTE_MS;
        assert.equal(open, market.priceAt(token, start), `${token} ${time} open`);
        assert.equal(close, market.priceAt(token, start + MINUTE_MS), `${token} ${time} close`);
        assert.ok(high >= Math.max(open, close) && low <= Math.min(open, close), `${token} ${time}`);
        assert.ok(Number.isInteger(volume) && volume >= 0);
        if (k > 0) assert.equal(open, minutes[k - 1][4], 'each minute opens at the last close');
      });
      const upper = minutes.filter(([, open, high, , close]) => high > Math.max(open, close)).length;
      const lower = minutes.filter(([, open, , low, close]) => low < Math.min(open, close)).length;
      assert.ok(upper > 50 && lower > 50, `${token}: only ${upper} minutes trade above and ${lower} below their open and close`);
    }
  });

  it('every interval is the minute candles folded, and the day holds every minute', function () {
    for (const token of [SBIN, niftyFuture.token, stockOption.token]) {
      const minutes = minutesOf(token, 2025, 2, 10);
      for (const [interval, size] of Object.entries(INTERVAL_MINUTES)) {
        const longer = market.candles(token, interval, india(2025, 2, 10, 9, 15), india(2025, 2, 10, 15, 29));
        assert.deepEqual(longer, fold(minutes, size), `${token} ${interval}`);
      }
      const [day] = market.candles(token, 'ONE_DAY', india(2025, 2, 10), india(2025, 2, 10));
      for (const m of minutes) assert.ok(day[2] >= m[2] && day[3] <= m[3]);
      assert.equal(day[5], minutes.reduce((sum, m) => sum + m[5], 0));
    }
  });

  it('moves less than 20% in any day', function () {
    for (const token of [SBIN, '22', '26000', niftyFuture.token, crudeFuture.token, usdFuture.token, bseEquity.token]) {
      const days = market.candles(token, 'ONE_DAY', india(2024, 8, 1), india(2025, 2, 7));
      assert.ok(days.length > 100);
      for (const [time, open, high, low] of days) assert.ok(high <= open * 1.2 && low >= open * 0.8, `${token} ${time}`);
    }
  });

  it('stops at now: the current candle is cut at the clock and closes at the last price', function () {
    const today = market.candles(SBIN, 'FIFTEEN_MINUTE', india(2025, 2, 11, 9, 15), india(2025, 2, 11, 15, 30));
    assert.equal(today.length, 7); // 09:15 … 10:45; 11:00 has not begun
    const late = new Market(manualClock(NOW + 90_000));
    const cut = late.candles(SBIN, 'FIFTEEN_MINUTE', india(2025, 2, 11, 11, 0), india(2025, 2, 11, 15, 30));
    assert.equal(cut.length, 1);
    assert.equal(cut[0][4], late.priceAt(SBIN, NOW + 90_000));
    assert.equal(cut[0][1], late.priceAt(SBIN, NOW));
  });

  it('refuses more than 1,000 candles in one request with IA400, and gives exactly 1,000', function () {
    // two whole sessions (750 minutes) and 250 minutes of the third
    const from = india(2025, 2, 5, 9, 15);
    assert.equal(market.candles(SBIN, 'ONE_MINUTE', from, india(2025, 2, 7, 9, 15 + 249)).length, MAX_CANDLES);
    assert.throws(() => market.candles(SBIN, 'ONE_MINUTE', from, india(2025, 2, 7, 9, 15 + 250)), (err) => {
      assert.ok(err instanceof PaperAccountRefusal);
      assert.equal(err.errorcode, 'IA400');
      assert.equal(err.message, CANDLE_LIMIT_MESSAGE);
      return true;
    });
  });

  it('refuses an unknown interval or token and a range that runs backwards', function () {
    const ia400 = (err) => err instanceof PaperAccountRefusal && err.errorcode === 'IA400';
    assert.throws(() => market.candles(SBIN, 'TWO_MINUTE', india(2025, 2, 10), NOW), ia400);
    assert.throws(() => market.candles('999999999', 'ONE_DAY', india(2025, 2, 10), NOW), ia400);
    assert.throws(() => market.candles(SBIN, 'ONE_DAY', NOW, india(2025, 2, 10)), ia400);
  });
});

describe('sandbox market: quotes', function () {
  const keysAndTypes = (row) => Object.entries(row).map(([k, v]) => [k, typeOf(v)]);

  it('LTP and OHLC rows have the docs samples\' keys, order and types', function () {
    for (const [mode, component, sampleName] of [['LTP', 'LTPDataTypeB', 'SuccessLTPResponseJson'], ['OHLC', 'OHLCDataTypeB', 'OHLCSuccessResponseJson']]) {
      const sample = docsDraftSample(component, sampleName).data;
      const answer = market.quote(mode, { NSE: [SBIN] });
      assert.deepEqual(Object.keys(answer), Object.keys(sample));
      assert.deepEqual(answer.unfetched, []);
      assert.deepEqual(keysAndTypes(answer.fetched[0]), keysAndTypes(sample.fetched[0]));
      assert.equal(answer.fetched[0].exchange, 'NSE');
      assert.equal(answer.fetched[0].tradingSymbol, 'SBIN-EQ');
      assert.equal(answer.fetched[0].symbolToken, SBIN);
    }
  });

  it('prices a quote from the same path as the candles', function () {
    const [row] = market.quote('OHLC', { NSE: [SBIN] }).fetched;
    assert.equal(row.ltp, market.priceAt(SBIN, NOW));
    const session = market.candles(SBIN, 'ONE_MINUTE', india(2025, 2, 11, 9, 15), NOW);
    assert.equal(row.open, session[0][1]);
    assert.equal(row.high, Math.max(...session.map((c) => c[2])));
    assert.equal(row.low, Math.min(...session.map((c) => c[3])));
    assert.equal(row.close, market.candles(SBIN, 'ONE_DAY', india(2025, 2, 10), india(2025, 2, 10))[0][4], 'close is the previous session\'s');
  });

  it('FULL adds the fields FACTS infers after the OHLC ones, with a five-level book', function () {
    const [row] = market.quote('FULL', { NFO: [niftyFuture.token] }).fetched;
    assert.deepEqual(Object.keys(row), [
      'exchange', 'tradingSymbol', 'symbolToken', 'ltp', 'open', 'high', 'low', 'close', 'netChange', 'percentChange', 'avgPrice', 'lastTradeQty',
      'tradeVolume', 'opnInterest', 'totBuyQuan', 'totSellQuan', '52WeekHigh', '52WeekLow', 'lowerCircuit', 'upperCircuit', 'exchFeedTime',
      'exchTradeTime', 'depth',
    ]);
    assert.equal(row.tradingSymbol, niftyFuture.name);
    assert.ok(row['52WeekHigh'] >= row.high && row['52WeekLow'] <= row.low);
    assert.ok(row.opnInterest > 0);
    assert.equal(row.depth.buy.length, 5);
    assert.equal(row.depth.sell.length, 5);
    assert.ok(row.depth.buy[0].price < row.ltp && row.depth.sell[0].price > row.ltp);
    assert.equal(row.netChange, Number((row.ltp - row.close).toFixed(4)));
  });

  it('puts unknown tokens, and known ones asked on the wrong exchange, in unfetched with a message', function () {
    const answer = market.quote('LTP', { NSE: ['999999999', SBIN], BSE: [SBIN], CDS: [usdFuture.token], MCX: [crudeFuture.token] });
    assert.deepEqual(answer.fetched.map((r) => [r.exchange, r.symbolToken]), [['NSE', SBIN], ['CDS', usdFuture.token], ['MCX', crudeFuture.token]]);
    assert.deepEqual(answer.unfetched.map((r) => [r.exchange, r.symbolToken]), [['NSE', '999999999'], ['BSE', SBIN]]);
    for (const row of answer.unfetched) assert.match(row.message, /token/);
  });

  it('quotes the NSE indices, which are not master rows', function () {
    const [row] = market.quote('LTP', { NSE: ['26000'] }).fetched;
    assert.equal(row.tradingSymbol, 'Nifty 50');
    assert.ok(row.ltp > 15_000 && row.ltp < 35_000);
  });

  it('refuses an unknown mode with IA400', function () {
    assert.throws(() => market.quote('DEPTH', { NSE: [SBIN] }), (err) => err instanceof PaperAccountRefusal && err.errorcode === 'IA400');
  });
});
