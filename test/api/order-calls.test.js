'use strict';
// Order calls are sent exactly once, and every way one can end says what happened to the order:
// refused (MSTOCK_ORDER_REJECTED, the broker's words), unknown (MSTOCK_ORDER_UNCERTAIN: sent, no
// answer), or not sent at all (its usual code). A real HTTP server on 127.0.0.1 plays the API and
// counts every request that reaches it.
const assert = require('node:assert/strict');
const http = require('node:http');
const { MStockClient } = require('../../dist/src/api/client');
const { ErrorCode } = require('../../dist/src/api/errors');
const { AccountSession } = require('../../dist/src/session/session');
const { rejectsWith, freePort } = require('./_helpers');

const API_KEY = 'order-calls-test-api-key';
const SESSION_TOKEN = 'order-calls-test-session-token';
const PLACE_PATH = '/openapi/typeb/orders/regular';
const UNCERTAIN = /the order may have reached mStock: check the order book before sending it again\.$/;
const ORDER = {
  variety: 'NORMAL', tradingsymbol: 'SBIN-EQ', symboltoken: '3045', exchange: 'NSE', transactiontype: 'BUY', ordertype: 'MARKET',
  quantity: '1', producttype: 'DELIVERY', price: '0', triggerprice: '0', duration: 'DAY',
};
const RMS = 'RMS:1141241105101:NSE,EQUITY,22,ACC,INTRADAY,,EQ,SATYA,B,1,I,22,ACC,INTRADAY,89.44995,FUND LIMIT INSUFFICIENT,AVAILABLE FUND=0';

/** The API on 127.0.0.1: `answer(req, res, body)` answers each request; login and OTP always succeed. */
class OrderServer {
  constructor() {
    this.requests = [];
    this.sockets = new Set();
    this.answer = (req, res) => json(res, 200, { status: true, message: 'SUCCESS', errorcode: '', data: { orderid: '1191241106101' } });
  }

  async start() {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url.endsWith('/connect/login')) return json(res, 200, { status: true, message: 'OTP sent', errorcode: '', data: { jwtToken: 'login-token-0001' } });
        if (req.url.endsWith('/session/token')) {
          return json(res, 200, { status: true, message: 'SUCCESS', errorcode: '', data: { jwtToken: SESSION_TOKEN, refreshToken: '', feedToken: '' } });
        }
        this.requests.push({ method: req.method, path: req.url, body, reused: this.served(req.socket) > 1 });
        return this.answer(req, res, body);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  served(socket) {
    socket.servedCount = (socket.servedCount ?? 0) + 1;
    return socket.servedCount;
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function json(res, status, value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function html(res, status) {
  const page = `<html><body><h1>${status}</h1></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
  res.end(page);
}

describe('order calls: sent exactly once, and the outcome said', function () {
  this.timeout(20_000);
  let server;
  let client;

  beforeEach(async function () {
    server = new OrderServer();
    await server.start();
    client = new MStockClient({ baseUrl: server.url, apiKey: API_KEY, timeout: 1500 });
  });

  afterEach(async function () {
    client.close();
    await server.stop();
  });

  const place = () => client.request('placeOrder', SESSION_TOKEN, { body: ORDER });

  function sentOnce() {
    assert.equal(server.requests.length, 1, `expected exactly one request, got ${server.requests.length}`);
    assert.equal(server.requests[0].path, PLACE_PATH);
    assert.deepEqual(JSON.parse(server.requests[0].body), ORDER);
  }

  describe("refused: MSTOCK_ORDER_REJECTED with mStock's own words", function () {
    it('HTTP 200 status false (RMS, RS-0111)', async function () {
      server.answer = (req, res) => json(res, 200, { status: 'false', message: RMS, errorcode: 'RS-0111', data: null });
      const err = await rejectsWith(place(), ErrorCode.ORDER_REJECTED);
      assert.equal(err.message, `mStock refused the order (RS-0111): ${RMS}.`);
      assert.equal(err.brokerCode, 'RS-0111');
      sentOnce();
    });

    it('HTTP 200 status false inside the one-element list the broker wraps order answers in', async function () {
      server.answer = (req, res) => json(res, 200, [{ status: false, message: 'Order is Cancelled.Kindly refresh your OrderBook', errorcode: 'RS-0034', data: null }]);
      const err = await rejectsWith(place(), ErrorCode.ORDER_REJECTED);
      assert.match(err.message, /\(RS-0034\): Order is Cancelled\.Kindly refresh your OrderBook\.$/);
      sentOnce();
    });

    it('HTTP 400 IA400', async function () {
      server.answer = (req, res) => json(res, 400, { status: 'False', message: 'Trigger price can not be blank.', errorcode: 'IA400', data: 'None' });
      const err = await rejectsWith(place(), ErrorCode.ORDER_REJECTED);
      assert.equal(err.message, 'mStock refused the order (IA400): Trigger price can not be blank.');
      sentOnce();
    });

    it('HTTP 400 ASP.NET ProblemDetails', async function () {
      server.answer = (req, res) =>
        json(res, 400, { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.1', title: 'One or more validation errors occurred.', status: 400, errors: { quantity: ['The quantity field is required.'] } });
      const err = await rejectsWith(place(), ErrorCode.ORDER_REJECTED);
      assert.equal(err.message, 'mStock refused the order (HTTP 400): One or more validation errors occurred: quantity: The quantity field is required.');
      sentOnce();
    });

    it("HTTP 404 with the broker's envelope (an order id it does not know)", async function () {
      server.answer = (req, res) => json(res, 404, { status: false, message: 'Order not found.', errorcode: 'IA404', data: null });
      const err = await rejectsWith(client.request('cancelOrder', SESSION_TOKEN, { pathParams: { orderid: '1' }, body: { variety: 'NORMAL', orderid: '1' } }), ErrorCode.ORDER_REJECTED);
      assert.equal(err.message, 'mStock refused the cancellation (IA404): Order not found.');
      assert.equal(server.requests.length, 1);
    });

    it('cancel-all refused with HTTP 200 status "False" MA500', async function () {
      server.answer = (req, res) => json(res, 200, { status: 'False', message: 'something went wrong', errorcode: 'MA500' });
      const err = await rejectsWith(client.request('cancelAll', SESSION_TOKEN), ErrorCode.ORDER_REJECTED);
      assert.equal(err.message, 'mStock refused the cancellation of all open orders (MA500): something went wrong.');
      assert.equal(server.requests.length, 1);
    });
  });

  describe('sent and no answer: MSTOCK_ORDER_UNCERTAIN', function () {
    it('no answer within the timeout', async function () {
      server.answer = () => undefined;
      const err = await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN);
      assert.match(err.message, /^mStock at 127\.0\.0\.1:\d+ did not answer the order within 1500 ms, so /);
      assert.match(err.message, UNCERTAIN);
      sentOnce();
    });

    for (const cut of ['reset', 'close']) {
      it(`the server ${cut === 'reset' ? 'resets' : 'closes'} the connection after reading the order`, async function () {
        server.answer = (req) => (cut === 'reset' ? req.socket.resetAndDestroy() : req.socket.destroy());
        const err = await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN);
        assert.match(err.message, /failed after the order was sent/);
        assert.match(err.message, UNCERTAIN);
        sentOnce();
      });
    }

    it('a reset halfway through the answer', async function () {
      server.answer = (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 200 });
        res.write('{"status":true,"message":"SUCC');
        setTimeout(() => req.socket.resetAndDestroy(), 20);
      };
      assert.match((await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN)).message, UNCERTAIN);
      sentOnce();
    });

    for (const status of [502, 503]) {
      it(`an HTML ${status} page`, async function () {
        server.answer = (req, res) => html(res, status);
        const err = await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN);
        assert.match(err.message, new RegExp(`^mStock answered the order with HTTP ${status} and an HTML page, not the JSON the API documents, so `));
        assert.match(err.message, UNCERTAIN);
        sentOnce();
      });
    }

    it("HTTP 500 without the broker's envelope", async function () {
      server.answer = (req, res) => json(res, 500, '');
      assert.match((await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN)).message, UNCERTAIN);
      sentOnce();
    });

    it("HTTP 500 with the broker's envelope keeps its words", async function () {
      server.answer = (req, res) => json(res, 500, { status: false, message: 'Something went wrong.', errorcode: 'MA500', data: null });
      const err = await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN);
      assert.match(err.message, /^mStock answered the order with HTTP 500 \(MA500\): "Something went wrong", so /);
      assert.match(err.message, UNCERTAIN);
      sentOnce();
    });

    it('HTTP 200 with JSON cut short', async function () {
      server.answer = (req, res) => json(res, 200, '{"status":true,"message":"SUCCESS","data":{"orderid":"11');
      assert.match((await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN)).message, UNCERTAIN);
      sentOnce();
    });

    it('a kept-alive connection that dies under the order is not tried again (unlike a read)', async function () {
      await client.request('orderBook', SESSION_TOKEN);
      server.requests = [];
      server.answer = (req, res) => (server.requests.length === 1 && server.requests[0].reused ? req.socket.resetAndDestroy() : json(res, 200, { status: true, data: { orderid: '1' } }));
      const err = await rejectsWith(place(), ErrorCode.ORDER_UNCERTAIN);
      assert.match(err.message, UNCERTAIN);
      sentOnce();
      assert.equal(server.requests[0].reused, true);
    });

    it('the node closing while the order waits for its answer', async function () {
      server.answer = () => undefined;
      const pending = place();
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      client.abortCalls();
      const err = await rejectsWith(pending, ErrorCode.ORDER_UNCERTAIN);
      assert.match(err.message, /^The call was cancelled after the order was sent, because the node was stopped or redeployed, so /);
      sentOnce();
    });
  });

  describe('not sent, or refused before it was acted on: the usual code, and says so', function () {
    it('connection refused: MSTOCK_NETWORK, not sent', async function () {
      const nowhere = new MStockClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, apiKey: API_KEY, timeout: 1500 });
      try {
        const err = await rejectsWith(nowhere.request('placeOrder', SESSION_TOKEN, { body: ORDER }), ErrorCode.NETWORK);
        assert.match(err.message, /the connection was refused \(ECONNREFUSED\)\..* The order was not sent to mStock\.$/);
        assert.equal(err.notSent, true);
      } finally {
        nowhere.close();
      }
    });

    it('a closed client: MSTOCK_NETWORK, not sent', async function () {
      client.close();
      const err = await rejectsWith(place(), ErrorCode.NETWORK);
      assert.match(err.message, /The order was not sent to mStock\.$/);
      assert.equal(server.requests.length, 0);
    });

    it('HTTP 401 IA401: MSTOCK_SESSION_EXPIRED, and the order was not placed', async function () {
      server.answer = (req, res) => json(res, 401, { status: 'false', message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null });
      const err = await rejectsWith(place(), ErrorCode.SESSION_EXPIRED);
      assert.match(err.message, /The order was not placed\. Log in again/);
      sentOnce();
    });

    it('HTTP 429: MSTOCK_RATE_LIMITED, and the order was not placed', async function () {
      server.answer = (req, res) => json(res, 429, { status: 'false', message: 'Too many requests.', errorcode: '429', data: null });
      const err = await rejectsWith(place(), ErrorCode.RATE_LIMITED);
      assert.match(err.message, /The order was not placed\./);
      sentOnce();
    });

    it('an HTML 404 page (a wrong API URL): MSTOCK_BAD_RESPONSE, and the order was not placed', async function () {
      server.answer = (req, res) => html(res, 404);
      const err = await rejectsWith(place(), ErrorCode.BAD_RESPONSE);
      assert.match(err.message, /The order was not placed\./);
      sentOnce();
    });
  });

  describe('through the account session', function () {
    let session;

    beforeEach(async function () {
      session = new AccountSession(client, { clientCode: 'C1', password: 'secret-password' });
      await session.login();
      await session.submitCode('123456', 'otp');
      server.requests = [];
    });

    afterEach(function () {
      session.close();
    });

    it('identical orders at the same time are each their own call, never merged', async function () {
      const answers = await Promise.all([1, 2, 3].map(() => session.call('placeOrder', { body: ORDER })));
      assert.equal(answers.length, 3);
      assert.equal(server.requests.filter((r) => r.path === PLACE_PATH).length, 3);
    });

    it('a refused order is one request, and a second identical one is sent afresh', async function () {
      server.answer = (req, res) => json(res, 200, { status: 'false', message: RMS, errorcode: 'RS-0111', data: null });
      await rejectsWith(session.call('placeOrder', { body: ORDER }), ErrorCode.ORDER_REJECTED);
      await rejectsWith(session.call('placeOrder', { body: ORDER }), ErrorCode.ORDER_REJECTED);
      assert.equal(server.requests.length, 2);
    });
  });
});
