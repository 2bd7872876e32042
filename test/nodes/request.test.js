'use strict';
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, requestFlow, collect, until, lastStatus, recordNodes, send, failureOf, goLive, bearerOf, SANDBOX_ACCOUNT } =
  require('./support');

const CATALOGUE = require('../../nodes/locales/en-US/mstock-request.json');
const QUOTE = { mode: 'LTP', exchangeTokens: { NSE: ['3045'] } };

describe('mstock-request: any Type B call by method and path, in a real Node-RED against the sandbox', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  /** Loads the standard flow plus the given mstock-request nodes and makes the session live. */
  async function live(requests) {
    await helper.load(allNodes, requestFlow(url, requests), sandboxCredentials());
    await goLive(sandbox);
    sandbox.resetCounters();
  }

  /** What the sandbox was sent to call that endpoint: the recorded requests for it. */
  const sent = (endpoint) => sandbox.requests.filter((r) => r.endpoint === endpoint);

  it('GET getoptionchainmaster/2 answers the broker\'s data untouched, reusing the incoming msg', async function () {
    await live({ req1: { method: 'GET', path: 'getoptionchainmaster/2' } });
    const msg = await send('req1', { _msgid: 'm-7', payload: 1767225600000, keep: 'me' });
    assert.equal(msg.topic, 'mstock/request');
    assert.equal(msg._msgid, 'm-7');
    assert.equal(msg.keep, 'me');
    assert.deepEqual(msg.payload, {
      dctExp: { 1: 1796063400, 2: 1798482600, 3: 1800901800 },
      OPTIDX: ['NIFTY,26000,1,2,3', 'BANKNIFTY,26009,1,2,3'],
      OPTSTK: ['ACC,22,1,2,3', 'SBIN,3045,1,2,3'],
      FUTIDX: ['NIFTY,26000,1,2,3'],
    });
    const [request] = sent('optionChainMaster');
    assert.deepEqual([request.method, request.path, request.body], ['GET', '/openapi/typeb/getoptionchainmaster/2', ''], 'a timestamp payload is not a body');
    assert.equal(request.headers['content-type'], undefined);
    assert.equal(sandbox.requests.length, 1);
    assert.deepEqual(lastStatus('req1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
  });

  it('"- set by msg.method -" and an empty Path take msg.method and msg.path, in any of the accepted forms', async function () {
    await live({ req1: { method: 'msg', path: '' } });
    for (const path of ['portfolio/holdings', '/portfolio/holdings', '/openapi/typeb/portfolio/holdings']) {
      const msg = await send('req1', { method: 'get', path });
      assert.deepEqual(msg.payload, sandbox.paper.holdings(), path);
    }
    assert.deepEqual(sent('holdings').map((r) => `${r.method} ${r.path}`), Array(3).fill('GET /openapi/typeb/portfolio/holdings'));
    const order = sandbox.paper.orderBook()[0];
    const details = await send('req1', { method: 'POST', path: 'order/details', payload: { order_no: order.orderid, segment: 'E' } });
    assert.equal(details.payload[0].orderid, order.orderid);
    assert.equal(sent('orderDetails')[0].method, 'POST');
  });

  it('the node\'s own Path and Method win over msg.path and msg.method, and it warns once that it ignores them', async function () {
    await live({ req1: { method: 'GET', path: 'getoptionchainmaster/2' } });
    const record = recordNodes(['req1']);
    for (let i = 0; i < 3; i++) {
      const msg = await send('req1', { method: 'DELETE', path: 'portfolio/holdings' });
      assert.ok(msg.payload.dctExp, 'the option chain master, not the holdings');
    }
    assert.deepEqual(sandbox.requests.map((r) => `${r.method} ${r.path}`), Array(3).fill('GET /openapi/typeb/getoptionchainmaster/2'));
    // the test runtime answers catalogue keys as they are; the words are the en-US catalogue's
    const warnings = record.logs.filter((l) => l.level === 'warn');
    assert.deepEqual(warnings.map((w) => w.args[0]), ['mstock-request.warn.ignored']);
    assert.match(CATALOGUE['mstock-request'].warn.ignored, /^msg\.path or msg\.method is ignored: the node's own Path or Method is set\./);
  });

  it('a ?query in the path is sent as the query', async function () {
    await live({ req1: { method: 'GET', path: '' } });
    const order = sandbox.paper.orderBook()[0];
    const msg = await send('req1', { path: `order/details?order_no=${order.orderid}&segment=E` });
    assert.equal(msg.payload.length, 1);
    assert.equal(msg.payload[0].orderid, order.orderid);
    assert.equal(sent('orderDetails')[0].path, '/openapi/typeb/order/details');
  });

  const REFUSED_PATHS = [
    'https://evil.example/openapi/typeb/portfolio/holdings',
    'http://127.0.0.1:1/x',
    '//evil.example/portfolio/holdings',
    '../user/fundsummary',
    'portfolio/../../openapi/typeb/user/fundsummary',
    'portfolio/./holdings',
    '%2e%2e/user/fundsummary',
    '%2E./user/fundsummary',
    '%252e%252e/user/fundsummary',
    'portfolio\\..\\holdings',
    'portfolio%5c..%5choldings',
    'portfolio%255choldings',
    'portfolio/holdings\u0000',
    'portfolio/holdings%00',
    'portfolio/holdings%0d%0aX-Injected:%201',
    'portfolio/holdings\n',
    'portfolio/holdings%7f',
    'portfolio//holdings',
    'portfolio%2f%2fholdings',
    'portfolio/holdings#x',
    'portfolio/holdings?x=%0a',
    '',
    42,
    { path: 'portfolio/holdings' },
  ];

  it('every path that could leave /openapi/typeb/ is MSTOCK_INVALID_INPUT, and nothing reaches the sandbox', async function () {
    await live({ req1: { method: 'msg', path: '' } });
    const caught = collect(helper.getNode('caught'));
    const out = collect(helper.getNode('out'));
    for (const path of REFUSED_PATHS) helper.getNode('req1').receive({ method: 'GET', path, payload: {} });
    await until(() => caught.length === REFUSED_PATHS.length, 4000, 'every refusal');
    for (const [i, msg] of caught.entries()) {
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT', JSON.stringify(REFUSED_PATHS[i]));
      assert.match(msg.error.message, /^msg\.path .*Nothing was sent to mStock\.$/s, msg.error.message);
    }
    assert.deepEqual(out, []);
    assert.deepEqual(sandbox.requests, []);
    assert.deepEqual(sandbox.calls, {});
    assert.deepEqual(lastStatus('req1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
  });

  it('a path set on the node is checked as msg.path is: nothing is sent', async function () {
    await live({ req1: { method: 'GET', path: '../user/fundsummary' }, req2: { method: 'GET', path: 'https://evil.example/x' } });
    for (const id of ['req1', 'req2']) {
      const msg = await failureOf(id, { payload: 'go' });
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
      assert.match(msg.error.message, /^The node's path "/);
    }
    assert.deepEqual(sandbox.requests, []);
  });

  it('a method that is not GET, POST, PUT or DELETE, or no path at all, is MSTOCK_INVALID_INPUT', async function () {
    await live({ req1: { method: 'msg', path: '' } });
    for (const method of ['PATCH', 'HEAD', undefined, 7]) {
      const msg = await failureOf('req1', { method, path: 'portfolio/holdings' });
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
      assert.match(msg.error.message, /^msg\.method must be one of "GET", "POST", "PUT", "DELETE"/);
    }
    const none = await failureOf('req1', { method: 'GET' });
    assert.equal(none.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(none.error.message, /^No path to call: the node's Path is empty and msg\.path is not set/);
    assert.deepEqual(sandbox.requests, []);
  });

  it('orders are real money: placing, modifying, cancelling and cancelling all are refused with a live session, nothing sent', async function () {
    await live({ req1: { method: 'msg', path: '' } });
    const calls = [
      ['POST', 'orders/regular', { tradingsymbol: 'SBIN-EQ', exchange: 'NSE', transactiontype: 'BUY', ordertype: 'MARKET', quantity: '1', producttype: 'DELIVERY' }],
      ['PUT', 'orders/regular/1181250130106', { quantity: '2' }],
      ['DELETE', 'orders/regular/1181250130106', { variety: 'NORMAL', orderid: '1181250130106' }],
      ['POST', 'orders/cancelall', {}],
      ['POST', '/openapi/typeb/Orders/Regular', {}],
      ['POST', 'orders/regular/', {}],
      ['POST', 'ord%65rs/regular', {}],
      ['POST', 'orders/regular;x=1', {}],
      ['GET', 'orders/regular', {}],
    ];
    for (const [method, path, payload] of calls) {
      const msg = await failureOf('req1', { method, path, payload });
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT', `${method} ${path}`);
      assert.match(msg.error.message, /places, modifies or cancels orders, which is never sent by method and path: orders are real money\. Use the mStock order node, which sends orders only while the account node allows orders from flows\./);
    }
    assert.deepEqual(sandbox.requests, []);
    assert.equal(helper.getNode('req1') && lastStatus('req1').text, 'invalid input');
  });

  it('convert position is a request-node call: it is sent', async function () {
    await live({ req1: { method: 'POST', path: 'portfolio/convertposition' } });
    const body = { exchange: 'NSE', symboltoken: '3045', transactiontype: 'BUY', quantity: 1, type: 'DAY', oldproducttype: 'INTRADAY', newproducttype: 'DELIVERY' };
    helper.getNode('req1').receive({ payload: body });
    await until(() => sent('convertPosition').length === 1, 4000, 'the conversion at the sandbox');
    assert.deepEqual(JSON.parse(sent('convertPosition')[0].body), body);
  });

  it('the wire: a GET with a JSON body and a POST carry the method, exact path, body, API key and session', async function () {
    await live({ quote: { method: 'GET', path: 'instruments/quote' }, details: { method: 'POST', path: 'order/details' } });
    const quote = await send('quote', { payload: QUOTE });
    assert.deepEqual(quote.payload, { fetched: [{ exchange: 'NSE', tradingSymbol: 'SBIN-EQ', symbolToken: '3045', ltp: quote.payload.fetched[0].ltp }], unfetched: [] });
    assert.equal(typeof quote.payload.fetched[0].ltp, 'number');
    const order = sandbox.paper.orderBook()[0];
    await send('details', { payload: { order_no: order.orderid, segment: 'E' } });

    const [get, post] = sandbox.requests;
    const token = bearerOf(get);
    assert.ok(token && sandbox.liveSessionCount === 1);
    assert.deepEqual([get.endpoint, get.method, get.path, JSON.parse(get.body)], ['quote', 'GET', '/openapi/typeb/instruments/quote', QUOTE]);
    assert.deepEqual([post.endpoint, post.method, post.path, JSON.parse(post.body)], ['orderDetails', 'POST', '/openapi/typeb/order/details', { order_no: order.orderid, segment: 'E' }]);
    for (const request of [get, post]) {
      assert.equal(request.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      assert.equal(request.headers.authorization, `Bearer ${token}`);
      assert.equal(request.headers['x-mirae-version'], '1');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers.host, new URL(url).host);
    }
    assert.equal(sandbox.requests.length, 2);
  });

  it('msg.payload: POST and PUT need an object or array; a Buffer or a self-referring object is refused; nothing sent', async function () {
    await live({ req1: { method: 'msg', path: 'order/details' } });
    const circular = { a: 1 };
    circular.self = circular;
    const cases = [
      ['POST', 1767225600000, /msg\.payload must be an object or an array for POST: .*send \{\} for an empty one\), but it was a number\. A JSON string is not parsed/],
      ['POST', '{"order_no":"1"}', /but it was a string\. A JSON string is not parsed: put a json node before this one/],
      ['PUT', undefined, /for PUT: .*but it was nothing/],
      ['POST', null, /but it was null/],
      ['GET', Buffer.from('{}'), /msg\.payload is a Buffer, which cannot be sent as a JSON body/],
      ['POST', new Date(0), /msg\.payload is a Date object/],
      ['POST', circular, /cannot be sent as JSON: it refers to itself/],
      ['POST', { n: 10n }, /cannot be sent as JSON: .*BigInt/],
    ];
    for (const [method, payload, why] of cases) {
      const msg = await failureOf('req1', { method, payload });
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT', `${method} ${String(payload)}`);
      assert.match(msg.error.message, why);
      assert.match(msg.error.message, /Nothing was sent to mStock\.$/);
    }
    assert.deepEqual(sandbox.requests, []);
    // an array is a body too
    await send('req1', { method: 'POST', payload: [] });
    assert.deepEqual(sandbox.requests.map((r) => [r.method, r.body]), [['POST', '[]']]);
  });

  it('a 401 on the call expires the session for every node of the account', async function () {
    await live({ req1: { method: 'GET', path: 'getoptionchainmaster/2' } });
    const events = collect(helper.getNode('events'));
    sandbox.setFault({ kind: 'unauthorized', endpoints: ['optionChainMaster'], times: 1 });
    const msg = await failureOf('req1', { payload: 'go' });
    assert.equal(msg.error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.match(msg.error.message, /^mStock refused the option chain master request \(IA401\): Invalid request\. Please try again\. Log in again and enter a new OTP\.$/);
    await until(() => events.some((e) => e.payload.state === 'expired'), 2000, 'the expired event');
    assert.equal(events.find((e) => e.payload.state === 'expired').payload.reason, 'rejected');
    for (const id of ['req1', 'funds1', 'login1']) assert.deepEqual(lastStatus(id), { fill: 'red', shape: 'ring', text: 'session expired' }, id);
    // the next call is refused here, with no request
    const before = sandbox.requests.length;
    const again = await failureOf('req1', { payload: 'go' });
    assert.equal(again.error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.equal(sandbox.requests.length, before);
  });

  it('30 quote calls in a burst are paced by the account\'s limiter: 20 reach the sandbox, the other 10 about a second later; none refused', async function () {
    this.timeout(15_000);
    await live({ quote: { method: 'GET', path: 'instruments/quote' } });
    // when each request reached the sandbox: its own record of requests, timed as it grows
    const arrivals = [];
    const record = sandbox.requests.push;
    sandbox.requests.push = function (...requests) {
      for (const request of requests) arrivals.push({ at: Date.now(), endpoint: request.endpoint });
      return record.apply(this, requests);
    };
    const out = collect(helper.getNode('out'));
    const caught = collect(helper.getNode('caught'));
    // different instruments of the sandbox's market: identical reads in flight would share one call
    const tokens = [...new Set(sandbox.market.masterRows().filter((row) => row.exch_seg === 'NSE').map((row) => row.token))].slice(0, 30);
    for (let i = 0; i < 30; i++) helper.getNode('quote').receive({ payload: { mode: 'LTP', exchangeTokens: { NSE: [tokens[i]] } }, i });
    await until(() => out.length + caught.length === 30, 8000, 'thirty answers');

    assert.equal(arrivals.length, 30);
    assert.ok(arrivals.every((a) => a.endpoint === 'quote'));
    const offsets = `arrivals (ms after the first): ${arrivals.map((a) => a.at - arrivals[0].at).join(' ')}`;
    const gaps = arrivals.slice(1).map((a, i) => a.at - arrivals[i].at);
    assert.equal(gaps.indexOf(Math.max(...gaps)), 19, `the long wait comes after the 20th request; ${offsets}`);
    // the sandbox, as mStock does, counts requests as they arrive: never 21 within one second
    for (let i = 20; i < arrivals.length; i++) {
      assert.ok(arrivals[i].at - arrivals[i - 20].at >= 1000, `request ${i + 1} arrived less than 1 s after request ${i - 19}; ${offsets}`);
    }
    assert.equal(sandbox.limits.refused.quote, 0, `the sandbox answered none with 429; ${offsets}`);
    assert.deepEqual(caught.map((m) => m.error.message), [], 'none refused');
    // every answer came back to its own message
    assert.deepEqual(out.map((m) => m.payload.fetched[0].symbolToken).sort(), out.map((m) => tokens[m.i]).sort());
    assert.equal(new Set(out.map((m) => m.i)).size, 30);
  });

  it('not logged in: MSTOCK_NOT_LOGGED_IN and no request', async function () {
    await helper.load(allNodes, requestFlow(url, { req1: { method: 'GET', path: 'getoptionchainmaster/2' } }), sandboxCredentials());
    const msg = await failureOf('req1', { payload: 'go' });
    assert.equal(msg.error.code, 'MSTOCK_NOT_LOGGED_IN');
    assert.deepEqual(sandbox.requests, []);
  });
});
