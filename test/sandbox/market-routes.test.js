'use strict';
// The sandbox's market over real HTTP: the instrument master (a bare JSON array, or CSV), quotes,
// historical and intraday candles, all cut from the sandbox's one Market on the sandbox's clock.
const assert = require('node:assert/strict');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { MStockClient } = require('../../dist/src/api/client');
const { InstrumentMaster } = require('../../dist/src/api/instruments');
const { CANDLE_LIMIT_MESSAGE } = require('../../dist/src/sandbox/market');
const { manualClock } = require('../manual-clock');

/** Tuesday 4 February 2025, 12:00 India time: a trading day, the market open. */
const NOON_IST = Date.parse('2025-02-04T12:00:00+05:30');
const MINUTE = 60_000;

async function liveSandbox(options) {
  const sandbox = new Sandbox({ fixedOtp: '123456', ...options });
  await sandbox.start();
  const client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 15_000 });
  const { loginToken } = await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
  const { sessionToken } = await client.sessionToken(loginToken, '123456');
  return { sandbox, client, token: sessionToken };
}

describe('sandbox: the market routes (master, quote, historical, intraday)', function () {
  this.timeout(30_000);
  let clock;
  let sandbox;
  let client;
  let token;

  before(async function () {
    clock = manualClock(NOON_IST);
    ({ sandbox, client, token } = await liveSandbox({ clock }));
  });

  after(async function () {
    client.close();
    await sandbox.stop();
  });

  // the data limit is one call a second: each test starts a second later
  beforeEach(function () {
    clock.advance(1000);
  });

  /** A raw request, to see the status and body the sandbox sends (fetch sends no body with GET: POST, which the sandbox accepts too). */
  async function raw(method, path, body, bearer = token) {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'X-Mirae-Version': '1', 'X-PrivateKey': SANDBOX_ACCOUNT.apiKey, Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  it('the scrip master is the market\'s rows as a bare JSON array; NSE:SBIN-EQ is token 3045', async function () {
    const answer = await raw('GET', '/openapi/typeb/instruments/OpenAPIScripMaster');
    assert.equal(answer.status, 200);
    assert.match(answer.type, /^application\/json/);
    const rows = JSON.parse(answer.text);
    assert.ok(Array.isArray(rows));
    assert.deepEqual(rows, JSON.parse(JSON.stringify(sandbox.market.masterRows())));
    const master = InstrumentMaster.fromDownload((await client.request('scripMaster', token)).data);
    assert.equal(master.size > 10_000, true, `a master of ${master.size} instruments`);
    assert.equal(master.resolve('NSE:SBIN-EQ').token, '3045');
  });

  it('the scrip master needs the session: without one it is HTTP 401', async function () {
    assert.equal((await raw('GET', '/openapi/typeb/instruments/OpenAPIScripMaster', undefined, 'no-such-session')).status, 401);
  });

  it('a quote is the market\'s price at the sandbox\'s time; an unknown token is unfetched', async function () {
    const { data } = await client.request('quote', token, { body: { mode: 'LTP', exchangeTokens: { NSE: ['3045', '999999'] } } });
    assert.deepEqual(data.fetched, [{ exchange: 'NSE', tradingSymbol: 'SBIN-EQ', symbolToken: '3045', ltp: sandbox.market.priceAt('3045', clock.now()) }]);
    assert.deepEqual(data.unfetched.map((u) => u.symbolToken), ['999999']);
    clock.advance(10 * MINUTE);
    const later = await client.request('quote', token, { body: { mode: 'OHLC', exchangeTokens: { NSE: ['3045'] } } });
    assert.equal(later.data.fetched[0].ltp, sandbox.market.priceAt('3045', clock.now()));
    assert.equal(typeof later.data.fetched[0].open, 'number');
  });

  it('a quote with an unknown mode or no exchangeTokens is HTTP 400 IA400', async function () {
    for (const body of [{ mode: 'DEEP', exchangeTokens: { NSE: ['3045'] } }, { mode: 'LTP' }, { mode: 'LTP', exchangeTokens: { NSE: '3045' } }]) {
      const answer = await raw('POST', '/openapi/typeb/instruments/quote', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(JSON.parse(answer.text).errorcode, 'IA400');
    }
  });

  it('historical candles for {exchange, symboltoken, interval, fromdate, todate} are the market\'s, in { candles }', async function () {
    const body = { exchange: 'NSE', symboltoken: '3045', interval: 'ONE_HOUR', fromdate: '2025-02-03 09:15', todate: '2025-02-03 15:30' };
    const { data } = await client.request('historical', token, { body });
    const from = Date.parse('2025-02-03T09:15:00+05:30');
    const to = Date.parse('2025-02-03T15:30:00+05:30');
    assert.deepEqual(data.candles, sandbox.market.candles('3045', 'ONE_HOUR', from, to));
    assert.deepEqual(data.candles.map((c) => c[0]), ['2025-02-03 09:15', '2025-02-03 10:15', '2025-02-03 11:15', '2025-02-03 12:15', '2025-02-03 13:15', '2025-02-03 14:15', '2025-02-03 15:15']);
  });

  it('a date alone as todate takes in that whole day', async function () {
    const body = { exchange: 'NSE', symboltoken: '3045', interval: 'ONE_HOUR', fromdate: '2025-02-03', todate: '2025-02-03' };
    const { data } = await client.request('historical', token, { body });
    assert.equal(data.candles.length, 7);
    assert.deepEqual([data.candles[0][0], data.candles[6][0]], ['2025-02-03 09:15', '2025-02-03 15:15']);
  });

  it('more than 1,000 candles is HTTP 400 IA400 with the broker\'s words', async function () {
    const body = { exchange: 'NSE', symboltoken: '3045', interval: 'ONE_MINUTE', fromdate: '2025-01-27 09:15', todate: '2025-01-31 15:30' };
    const answer = await raw('POST', '/openapi/typeb/instruments/historical', body);
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.text), { status: false, message: CANDLE_LIMIT_MESSAGE, errorcode: 'IA400', data: null });
  });

  it('a bad date, exchange, token or interval is HTTP 400 IA400', async function () {
    const good = { exchange: 'NSE', symboltoken: '3045', interval: 'ONE_HOUR', fromdate: '2025-02-03 09:15', todate: '2025-02-03 15:30' };
    for (const change of [{ fromdate: 'yesterday' }, { exchange: 'XYZ' }, { symboltoken: '999999' }, { interval: 'TWO_MINUTE' }, { symboltoken: undefined }]) {
      clock.advance(1000);
      const answer = await raw('POST', '/openapi/typeb/instruments/historical', { ...good, ...change });
      assert.equal(answer.status, 400, JSON.stringify(change));
      assert.equal(JSON.parse(answer.text).errorcode, 'IA400');
    }
  });

  it('the data limit holds for candles: a second call within the second is HTTP 429', async function () {
    const body = { exchange: 'NSE', symboltoken: '3045', interval: 'ONE_DAY', fromdate: '2025-02-03', todate: '2025-02-03' };
    assert.equal((await raw('POST', '/openapi/typeb/instruments/historical', body)).status, 200);
    assert.equal((await raw('POST', '/openapi/typeb/instruments/intraday', { exchange: '1', symboltoken: '3045', interval: 'ONE_MINUTE' })).status, 429);
  });

  it('intraday with the numeric exchange gives today\'s candles up to the sandbox\'s now, the last one partial', async function () {
    clock.advanceTo(Date.parse('2025-02-04T12:20:30+05:30'));
    const { data } = await client.request('intraday', token, { body: { exchange: '1', symboltoken: '3045', interval: 'FIVE_MINUTE' } });
    const now = clock.now();
    assert.deepEqual(data.candles, sandbox.market.candles('3045', 'FIVE_MINUTE', Date.parse('2025-02-04T00:00:00+05:30'), now));
    // 09:15 to 12:20:30: 37 whole five-minute buckets and the one begun at 12:20
    assert.equal(data.candles.length, 38);
    assert.equal(data.candles[37][0], '2025-02-04 12:20');
    assert.equal(data.candles[0][0], '2025-02-04 09:15');
    assert.equal(data.candles[data.candles.length - 1][4], sandbox.market.priceAt('3045', now));
  });

  it('intraday with an exchange name instead of its code is HTTP 400 IA400', async function () {
    const answer = await raw('POST', '/openapi/typeb/instruments/intraday', { exchange: 'NSE', symboltoken: '3045', interval: 'FIVE_MINUTE' });
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.text).errorcode, 'IA400');
  });
});

describe('sandbox: the scrip master as CSV', function () {
  this.timeout(30_000);

  it('with masterFormat "csv" the master is CSV text with the column header, and resolves the same', async function () {
    const { sandbox, client, token } = await liveSandbox({ clock: manualClock(NOON_IST), masterFormat: 'csv' });
    try {
      const { data } = await client.request('scripMaster', token);
      assert.equal(typeof data, 'string');
      assert.ok(data.startsWith('token,symbol,name,expiry,strike,lotsize,instrumenttype,exch_seg,tick_size\n'));
      const master = InstrumentMaster.fromDownload(data);
      assert.equal(master.size, InstrumentMaster.fromDownload(sandbox.market.masterRows()).size);
      assert.equal(master.resolve('NSE:SBIN-EQ').token, '3045');
    } finally {
      client.close();
      await sandbox.stop();
    }
  });
});
