'use strict';
// The sandbox over real HTTP: every call of the endpoint table is routed by the table (a wrong
// method is 405, an unknown path 404), the Part 2 reads answer from the paper account in the
// broker's envelope, and the published rate limits are enforced with HTTP 429.
const assert = require('node:assert/strict');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { MStockClient } = require('../../dist/src/api/client');
const { manualClock } = require('../manual-clock');

describe('sandbox: routes from the endpoint table, paper account reads, published limits', function () {
  let sandbox;
  let client;
  let token;

  before(async function () {
    sandbox = new Sandbox({ fixedOtp: '123456' });
    await sandbox.start();
    client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 3000 });
    const { loginToken } = await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
    ({ sessionToken: token } = await client.sessionToken(loginToken, '123456'));
  });

  after(async function () {
    client.close();
    await sandbox.stop();
  });

  /** A raw request, to see the status and body the sandbox sends. */
  async function raw(method, path, { body, bearer = token } = {}) {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'X-Mirae-Version': '1', 'X-PrivateKey': SANDBOX_ACCOUNT.apiKey, Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  for (const [endpoint, key] of [['positions', 'netqty'], ['holdings', 'isin'], ['orderBook', 'orderid'], ['tradeBook', 'ORDER_NUMBER']]) {
    it(`${endpoint}: the paper account's rows in a boolean-status envelope`, async function () {
      const envelope = await client.request(endpoint, token);
      assert.equal(envelope.status, true);
      assert.ok(Array.isArray(envelope.data) && envelope.data.length > 0);
      for (const row of envelope.data) assert.ok(key in row, `${endpoint} row has ${key}`);
    });
  }

  it('order details: GET with a JSON body {order_no, segment} answers that one order', async function () {
    const [first] = (await client.request('orderBook', token)).data;
    const envelope = await client.request('orderDetails', token, { body: { order_no: first.orderid, segment: 'E' } });
    assert.equal(envelope.data.length, 1);
    assert.equal(envelope.data[0].orderid, first.orderid);
    const last = sandbox.requests[sandbox.requests.length - 1];
    assert.equal(last.method, 'GET');
    assert.deepEqual(JSON.parse(last.body), { order_no: first.orderid, segment: 'E' });
  });

  it('order details of an unknown order is data: null; POST is accepted too, as the Node SDK sends it', async function () {
    assert.equal((await client.request('orderDetails', token, { body: { order_no: '1', segment: 'E' } })).data, null);
    const posted = await raw('POST', '/openapi/typeb/order/details', { body: { order_no: '1', segment: 'E' } });
    assert.equal(posted.status, 200);
  });

  it('trade history takes fromdate/todate in the body; a bad date is IA400', async function () {
    const today = new Date(Date.now() + 5.5 * 3600_000).toISOString().slice(0, 10);
    const envelope = await client.request('tradeHistory', token, { body: { fromdate: today, todate: today } });
    assert.ok(Array.isArray(envelope.data) && envelope.data.length > 0);
    const bad = await raw('POST', '/openapi/typeb/trades', { body: { fromdate: 'soon', todate: today } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errorcode, 'IA400');
  });

  it('a known path with a method it does not take is 405; an unknown path is 404', async function () {
    assert.equal((await raw('DELETE', '/openapi/typeb/portfolio/holdings')).status, 405);
    assert.equal((await raw('GET', '/openapi/typeb/no/such/call')).status, 404);
  });

  it('paths of the table are matched without regard to case, as the SDKs spell them differently', async function () {
    assert.equal((await raw('GET', '/openapi/typeb/GETOPTIONCHAINMASTER/2')).status, 200);
  });

  it('every read without a live session is 401 IA401', async function () {
    const { status, json } = await raw('GET', '/openapi/typeb/portfolio/positions', { bearer: 'not-a-session' });
    assert.equal(status, 401);
    assert.equal(json.errorcode, 'IA401');
  });

  it('the quote limit (20 a second) is enforced with 429 past it, and counted per category', async function () {
    const clock = manualClock(Date.now());
    const limited = new Sandbox({ fixedOtp: '123456', clock });
    await limited.start();
    const quick = new MStockClient({ baseUrl: limited.url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 3000 });
    try {
      const { loginToken } = await quick.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
      const { sessionToken } = await quick.sessionToken(loginToken, '123456');
      const body = { mode: 'LTP', exchangeTokens: { NSE: ['3045'] } };
      for (let i = 0; i < 20; i += 1) await quick.request('quote', sessionToken, { body });
      await assert.rejects(quick.request('quote', sessionToken, { body }), (err) => err.code === 'MSTOCK_RATE_LIMITED');
      assert.equal(limited.limits.refused.quote, 1);
      // other categories are not held by the quote window
      await quick.request('holdings', sessionToken);
      clock.advance(1000);
      await quick.request('quote', sessionToken, { body });
      assert.equal(limited.limits.refused.quote, 1, 'a second later the window has room again');
    } finally {
      quick.close();
      await limited.stop();
    }
  });
});
