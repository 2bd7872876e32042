'use strict';
// Kept-alive connections that the server has just closed, and idle connections the client drops.
// A real HTTP server on 127.0.0.1 plays the API and cuts connections at the moments that matter.
const assert = require('node:assert/strict');
const http = require('node:http');
const { MStockClient } = require('../../dist/src/api/client');
const { ErrorCode } = require('../../dist/src/api/errors');
const { rejectsWith } = require('./_helpers');

const API_KEY = 'keep-alive-test-api-key';
const SESSION_TOKEN = 'keep-alive-test-session-token';

const ANSWERS = {
  '/openapi/typeb/connect/login': { status: true, message: 'OTP sent', errorcode: '', data: { jwtToken: 'login-token-0001' } },
  '/openapi/typeb/session/token': { status: true, message: 'SUCCESS', errorcode: '', data: { jwtToken: 'session-token-0001', refreshToken: '', feedToken: '' } },
  '/openapi/typeb/user/fundsummary': { status: true, message: 'SUCCESS', errorcode: '', data: [{ AVAILABLE_BALANCE: '100.50' }] },
  '/openapi/typeb/logout': { status: true, message: 'SUCCESS', errorcode: '', data: null },
};

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The API on 127.0.0.1. `onReused` says what happens to a request that arrives on a connection
 * which has already answered one: 'answer', 'reset' (TCP RST before any byte of the answer),
 * 'close' (FIN before any byte), 'reset-after-headers' (status line and headers sent, then RST)
 * or 'slow' (answered after `slowMs`). `onFresh` does the same for the first request of a
 * connection ('answer' or 'reset'). Every request that arrives is recorded.
 */
class ApiServer {
  constructor({ keepAliveTimeout = 60_000 } = {}) {
    this.keepAliveTimeout = keepAliveTimeout;
    this.requests = [];
    this.connections = 0;
    this.onReused = 'answer';
    this.onFresh = 'answer';
    this.slowMs = 0;
    this.served = new WeakMap();
    this.sockets = new Set();
  }

  async start() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = this.keepAliveTimeout;
    this.server.on('connection', (socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Forgets what arrived so far; the connections stay as they are. */
  clear() {
    this.requests = [];
  }

  handle(req, res) {
    const socket = req.socket;
    const count = (this.served.get(socket) ?? 0) + 1;
    this.served.set(socket, count);
    const reused = count > 1;
    this.requests.push({ method: req.method, path: req.url, reused });
    req.resume();
    const action = reused ? this.onReused : this.onFresh;
    if (action === 'reset') return socket.resetAndDestroy();
    if (action === 'close') return socket.destroy();
    const body = JSON.stringify(ANSWERS[req.url] ?? { status: false, message: 'no such path', errorcode: 'IA404' });
    if (action === 'reset-after-headers') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.flushHeaders();
      setTimeout(() => socket.resetAndDestroy(), 50);
      return undefined;
    }
    const answer = () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (action === 'slow') setTimeout(answer, this.slowMs);
    else answer();
    return undefined;
  }
}

describe('kept-alive connections', function () {
  this.timeout(20_000);
  let server;
  let client;

  beforeEach(async function () {
    server = new ApiServer();
    await server.start();
    client = new MStockClient({ baseUrl: server.url, apiKey: API_KEY, timeout: 10_000 });
  });

  afterEach(async function () {
    client.close();
    await server.stop();
  });

  /** One answered call, so that the client holds a kept-alive connection the server can cut. */
  async function openConnection() {
    await client.fundSummary(SESSION_TOKEN);
    assert.equal(server.connections, 1);
    server.clear();
  }

  const reusedThenFresh = [
    { method: 'GET', path: '/openapi/typeb/user/fundsummary', reused: true },
    { method: 'GET', path: '/openapi/typeb/user/fundsummary', reused: false },
  ];

  describe('a reused connection that dies before any byte of the answer', function () {
    for (const cut of ['reset', 'close']) {
      it(`fund summary is sent once more on a new connection and succeeds (server ${cut === 'reset' ? 'resets' : 'closes'} the reused connection)`, async function () {
        await openConnection();
        server.onReused = cut;
        const funds = await client.fundSummary(SESSION_TOKEN);
        assert.deepEqual(funds, ANSWERS['/openapi/typeb/user/fundsummary'].data);
        assert.deepEqual(server.requests, reusedThenFresh);
        assert.equal(server.connections, 2);
      });
    }

    it('logout is not sent again: MSTOCK_NETWORK after exactly one request', async function () {
      await openConnection();
      server.onReused = 'reset';
      const err = await rejectsWith(client.logout(SESSION_TOKEN), ErrorCode.NETWORK);
      assert.match(err.message, /connection was reset/);
      assert.deepEqual(server.requests, [{ method: 'GET', path: '/openapi/typeb/logout', reused: true }]);
    });

    it('login and the OTP (POST) are not sent again: MSTOCK_NETWORK after exactly one request each', async function () {
      await openConnection();
      server.onReused = 'reset';
      await rejectsWith(client.login('CLIENT1', 'not-a-real-password'), ErrorCode.NETWORK);
      assert.deepEqual(server.requests, [{ method: 'POST', path: '/openapi/typeb/connect/login', reused: true }]);

      server.onReused = 'answer';
      await client.fundSummary(SESSION_TOKEN); // a new kept-alive connection
      server.clear();
      server.onReused = 'reset';
      await rejectsWith(client.sessionToken('login-token-0001', '123456'), ErrorCode.NETWORK);
      assert.deepEqual(server.requests, [{ method: 'POST', path: '/openapi/typeb/session/token', reused: true }]);
    });

    it('is retried at most once: when the new connection fails too, MSTOCK_NETWORK after exactly two requests', async function () {
      await openConnection();
      server.onReused = 'reset';
      server.onFresh = 'reset';
      await rejectsWith(client.fundSummary(SESSION_TOKEN), ErrorCode.NETWORK);
      assert.deepEqual(server.requests, reusedThenFresh);
    });

    it('the retry goes on a new connection, not on another idle one that is just as old', async function () {
      await Promise.all([client.fundSummary(SESSION_TOKEN), client.fundSummary(SESSION_TOKEN)]);
      assert.equal(server.connections, 2, 'two calls at once open two kept-alive connections');
      server.clear();
      server.onReused = 'reset';
      await client.fundSummary(SESSION_TOKEN);
      assert.deepEqual(server.requests, reusedThenFresh);
      assert.equal(server.connections, 3);
    });
  });

  it('a reset after the status line and headers arrived is not retried: MSTOCK_NETWORK after one request', async function () {
    await openConnection();
    server.onReused = 'reset-after-headers';
    await rejectsWith(client.fundSummary(SESSION_TOKEN), ErrorCode.NETWORK);
    assert.deepEqual(server.requests, [reusedThenFresh[0]]);
  });

  it('a call that takes longer than the idle limit on a reused connection still gets its answer', async function () {
    await openConnection();
    server.onReused = 'slow';
    server.slowMs = 4_600;
    const funds = await client.fundSummary(SESSION_TOKEN);
    assert.deepEqual(funds, ANSWERS['/openapi/typeb/user/fundsummary'].data);
    assert.deepEqual(server.requests, [reusedThenFresh[0]]);
    assert.equal(server.connections, 1);
  });
});

describe('idle kept-alive connections', function () {
  this.timeout(20_000);

  it('are closed by the client after about 4 s, before common server keep-alive timeouts (5 s and up)', async function () {
    // keepAliveTimeout 0: the server never closes and sends no "Keep-Alive: timeout" hint, like
    // nginx's default; only the client's own limit can end the idle connection
    const server = new ApiServer({ keepAliveTimeout: 0 });
    await server.start();
    const client = new MStockClient({ baseUrl: server.url, apiKey: API_KEY });
    try {
      await client.fundSummary(SESSION_TOKEN);
      const answeredAt = Date.now();
      const [socket] = server.sockets;
      assert.ok(socket, 'the connection is open after the answer');
      const closedAfter = await Promise.race([
        new Promise((resolve) => socket.once('close', () => resolve(Date.now() - answeredAt))),
        delay(7_000).then(() => undefined),
      ]);
      assert.ok(closedAfter !== undefined, 'the idle connection was still open 7 s after the answer');
      assert.ok(closedAfter >= 3_500 && closedAfter <= 5_000, `closed ${closedAfter} ms after the answer`);
      assert.equal(server.requests.length, 1);
    } finally {
      client.close();
      await server.stop();
    }
  });
});
