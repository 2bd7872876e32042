'use strict';
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, portfolioAndOrdersFlow, collect, lastStatus, SANDBOX_ACCOUNT, send, failureOf, goLive, bearerOf } =
  require('./support');
const { JWT_LIKE } = require('../api/_helpers');

const LIVE = { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' };
const EXPIRED = { fill: 'red', shape: 'ring', text: 'session expired' };

/** Asks the sandbox once more with the headers of the last request to `endpoint`: the broker's body as the node got it. */
async function brokerAnswer(sandbox, url, endpoint) {
  const request = sandbox.requests.filter((r) => r.endpoint === endpoint).at(-1);
  const headers = { 'X-Mirae-Version': '1', 'X-PrivateKey': request.headers['x-privatekey'], Authorization: request.headers.authorization };
  return (await fetch(`${url}${request.path}`, { headers })).json();
}

describe('mstock-portfolio: positions and holdings against the sandbox', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  const load = (portfolio = {}) => helper.load(allNodes, portfolioAndOrdersFlow(url, { portfolio }), sandboxCredentials());

  it('positions arrive parsed: tokens stay strings, quantities and prices become numbers, an empty symbol is null', async function () {
    await load({ view: 'positions' });
    await goLive(sandbox);
    const msg = await send('portfolio1', { _msgid: 'p-1', payload: 'tick', keep: 'me' });
    assert.equal(msg.topic, 'mstock/positions');
    assert.equal(msg._msgid, 'p-1');
    assert.equal(msg.keep, 'me');
    assert.equal(sandbox.calls.positions, 1);
    // the seed: ACC bought 12 @ 1950.40 and 8 @ 1950.55, sold 10 @ 1962; TCS bought 2 @ 4101.50
    assert.deepEqual(msg.payload.map((p) => [p.symbolname, p.producttype, p.netqty]), [['ACC', 'INTRADAY', 10], ['TCS', 'INTRADAY', 2]]);
    const acc = msg.payload[0];
    assert.equal(acc.symboltoken, '22');
    assert.equal(acc.exchange, 'NSE');
    assert.equal(acc.tradingsymbol, null, 'live answers leave the trading symbol empty');
    assert.equal(acc.buyqty, 20);
    assert.equal(acc.sellqty, 10);
    assert.equal(acc.buyavgprice, 1950.46);
    assert.equal(acc.sellavgprice, 1962);
    assert.equal(acc.totalbuyvalue, 39009.2);
    assert.equal(acc.netvalue, -19389.2);
    assert.equal(acc.cfbuyamount, null);
    assert.equal(acc.optiontype, 'XX');
    assert.equal(acc.multiplier, 1);
    assert.deepEqual(lastStatus('portfolio1'), LIVE);
  });

  it('holdings arrive parsed: ISINs and tokens strings, JSON numbers kept, the nulls of the answer kept', async function () {
    await load({ view: 'holdings' });
    await goLive(sandbox);
    const msg = await send('portfolio1');
    assert.equal(msg.topic, 'mstock/holdings');
    assert.equal(sandbox.calls.holdings, 1);
    assert.deepEqual(msg.payload.map((h) => [h.tradingsymbol, h.isin, h.symboltoken, h.quantity]), [
      ['STATE BANK OF INDIA', 'INE062A01020', '3045', 10],
      ['TATA CONSULTANCY SERVICES LIMITED', 'INE467B01029', '11536', 5],
      ['INFOSYS LIMITED', 'INE009A01021', '1594', 12],
    ]);
    const sbin = msg.payload[0];
    assert.equal(sbin.averageprice, 545.3);
    assert.equal(sbin.ltp, 784.1);
    assert.equal(sbin.close, 779.8);
    assert.equal(sbin.profitandloss, 2388);
    assert.equal(sbin.exchange, null);
    assert.equal(sbin.product, null);
  });

  it('raw: the broker\'s data untouched, strings and all', async function () {
    await load({ view: 'positions', output: 'raw' });
    await goLive(sandbox);
    const positions = await send('portfolio1');
    assert.deepEqual(positions.payload, sandbox.paper.positions());
    assert.equal(positions.payload[0].netqty, '10');
    assert.equal(positions.payload[0].symboltoken, '22');
    assert.equal(positions.payload[0].tradingsymbol, '');
  });

  it('raw holdings are the broker\'s data untouched too, a quantity sent as a string included', async function () {
    await load({ view: 'holdings', output: 'raw' });
    await goLive(sandbox);
    // live answers send the quantity as a number or as a string (FACTS-TRADING §2.11)
    sandbox.paper.state.holdings[0].quantity = '10';
    const holdings = await send('portfolio1');
    assert.deepEqual(holdings.payload, sandbox.paper.holdings());
    assert.equal(holdings.payload[0].quantity, '10');
  });

  for (const output of ['parsed', 'raw']) {
    it(`${output}: no positions and no holdings (data: null) are an empty array, not an error`, async function () {
      await load({ view: 'msg', output });
      await goLive(sandbox);
      sandbox.paper.state.fills.length = 0;
      sandbox.paper.state.holdings.length = 0;
      const caught = collect(helper.getNode('caught'));
      for (const view of ['positions', 'holdings']) {
        const msg = await send('portfolio1', { view });
        assert.equal(msg.topic, `mstock/${view}`);
        assert.deepEqual(msg.payload, []);
        assert.deepEqual(await brokerAnswer(sandbox, url, view), { status: true, message: 'SUCCESS', errorcode: '', data: null }, `the broker sent ${view} data: null`);
      }
      assert.deepEqual(caught, []);
    });
  }

  it('"set by msg.view" takes msg.view, in any case', async function () {
    await load({ view: 'msg' });
    await goLive(sandbox);
    assert.equal((await send('portfolio1', { view: 'holdings' })).topic, 'mstock/holdings');
    assert.equal((await send('portfolio1', { view: ' Positions ' })).topic, 'mstock/positions');
    assert.equal((await send('portfolio1', { view: 'HOLDINGS' })).topic, 'mstock/holdings');
    assert.deepEqual([sandbox.calls.positions, sandbox.calls.holdings], [1, 2]);
  });

  it('the node\'s own view wins over msg.view', async function () {
    await load({ view: 'holdings' });
    await goLive(sandbox);
    assert.equal((await send('portfolio1', { view: 'positions' })).topic, 'mstock/holdings');
    assert.equal(sandbox.calls.positions, undefined);
  });

  for (const view of ['orders', 'trades', '', 5, undefined]) {
    it(`msg.view ${JSON.stringify(view)} is MSTOCK_INVALID_INPUT naming the choices, and nothing is sent`, async function () {
      await load({ view: 'msg' });
      await goLive(sandbox);
      const before = sandbox.requests.length;
      const out = collect(helper.getNode('out'));
      const msg = await failureOf('portfolio1', { payload: 'x', view });
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
      assert.match(msg.error.message, /^msg\.view must be one of "positions", "holdings", but it was .+\. Nothing was sent to mStock\.$/);
      assert.equal(sandbox.requests.length, before, 'no request reached the sandbox');
      assert.equal(sandbox.calls.positions, undefined);
      assert.equal(sandbox.calls.holdings, undefined);
      assert.deepEqual(out, []);
      assert.deepEqual(lastStatus('portfolio1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
    });
  }

  for (const view of ['positions', 'holdings']) {
    it(`${view} without a session is MSTOCK_NOT_LOGGED_IN, and nothing is sent`, async function () {
      await load({ view });
      const msg = await failureOf('portfolio1');
      assert.equal(msg.error.code, 'MSTOCK_NOT_LOGGED_IN');
      assert.deepEqual(sandbox.calls, {});
      assert.deepEqual(lastStatus('portfolio1'), { fill: 'red', shape: 'ring', text: 'not logged in' });
    });

    it(`a 401 on ${view} expires the session for every node of the account`, async function () {
      await load({ view });
      await goLive(sandbox);
      const events = collect(helper.getNode('events'));
      sandbox.expireSessions();
      const msg = await failureOf('portfolio1');
      assert.equal(msg.error.code, 'MSTOCK_SESSION_EXPIRED');
      assert.match(msg.error.message, /^mStock refused the \w+ request \(IA401\): Invalid request\. Please try again\. Log in again/);
      assert.equal(sandbox.calls[view], 1);
      assert.deepEqual(events.map((m) => [m.payload.state, m.payload.previous, m.payload.reason]), [['expired', 'live', 'rejected']]);
      for (const id of ['funds1', 'orders1', 'login1', 'portfolio1']) assert.deepEqual(lastStatus(id), EXPIRED, id);
      // the next message is refused here, without a call
      assert.equal((await failureOf('portfolio1')).error.code, 'MSTOCK_SESSION_EXPIRED');
      assert.equal(sandbox.calls[view], 1);
    });

    it(`${view} go to mStock as FACTS-TRADING says: GET, the path, no body, the API key and the Bearer session`, async function () {
      await load({ view });
      const live = await goLive(sandbox);
      assert.equal(live.payload.state, 'live');
      await send('portfolio1');
      const request = sandbox.requests.at(-1);
      assert.equal(request.endpoint, view);
      assert.equal(request.method, 'GET');
      assert.equal(request.path, `/openapi/typeb/portfolio/${view}`);
      assert.equal(request.body, '');
      assert.equal(request.headers['content-type'], undefined);
      assert.equal(request.headers['x-mirae-version'], '1');
      assert.equal(request.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      // the session's JWT, not the login token (a UUID in the sandbox)
      assert.match(bearerOf(request), JWT_LIKE);
    });
  }
});
