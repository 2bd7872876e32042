'use strict';
// A row of the endpoint table may have its own timeout (the instrument master: megabytes that take
// longer than the account's 10 s on a slow line). A real HTTP server on loopback sends the answer
// a piece at a time, so the last byte arrives after the account's timeout.
const assert = require('node:assert/strict');
const http = require('node:http');
const { MStockClient } = require('../../dist/src/api/client');
const { ENDPOINTS } = require('../../dist/src/api/endpoints');
const { ErrorCode } = require('../../dist/src/api/errors');
const { rejectsWith } = require('./_helpers');

const ROWS = Array.from({ length: 40 }, (_, i) => ({
  token: String(3000 + i), symbol: `S${i}`, name: `S${i}-EQ`, expiry: '', strike: '', lotsize: '1', instrumenttype: 'EQ', exch_seg: 'NSE', tick_size: '0.05',
}));
const BODY = JSON.stringify(ROWS);
const PIECES = 10;
const ACCOUNT_TIMEOUT_MS = 300;

describe('client: a row\'s own timeout (the instrument master download)', function () {
  this.timeout(10_000);
  let server;
  let baseUrl;
  /** How long the server takes from the headers to the last byte of the body. */
  let spreadMs;
  const clients = [];

  before(async function () {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) });
        const size = Math.ceil(BODY.length / PIECES);
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          res.write(BODY.slice(sent, sent + size));
          sent += size;
          if (sent >= BODY.length) {
            clearInterval(timer);
            res.end();
          }
        }, spreadMs / PIECES);
        res.on('close', () => clearInterval(timer));
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${server.address().port}`;
  });

  after(async function () {
    for (const client of clients) client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function newClient(timeout = ACCOUNT_TIMEOUT_MS) {
    const client = new MStockClient({ baseUrl, apiKey: 'k-row-timeout', timeout });
    clients.push(client);
    return client;
  }

  it('the scrip master row allows 60 s, as the broker\'s own client does', function () {
    assert.equal(ENDPOINTS.scripMaster.timeoutMs, 60_000);
  });

  it('a master whose body arrives over longer than the account\'s timeout, within the row\'s, is accepted', async function () {
    spreadMs = 1000;
    const started = Date.now();
    const envelope = await newClient().request('scripMaster', 'session-1');
    assert.ok(Date.now() - started >= 3 * ACCOUNT_TIMEOUT_MS, `the body took ${Date.now() - started} ms`);
    assert.deepEqual(envelope.data, ROWS);
  });

  it('the same row without its own timeout fails after the account\'s: the row\'s timeout is what lets it through', async function () {
    spreadMs = 1000;
    const { timeoutMs, ...withoutOwn } = ENDPOINTS.scripMaster;
    assert.ok(timeoutMs > 0);
    const started = Date.now();
    const err = await rejectsWith(newClient().requestPath(withoutOwn, 'session-1'), ErrorCode.TIMEOUT);
    assert.match(err.message, new RegExp(`within ${ACCOUNT_TIMEOUT_MS} ms`));
    assert.ok(Date.now() - started < 800, `gave up after ${Date.now() - started} ms`);
  });

  it('past the row\'s own timeout the download fails with MSTOCK_TIMEOUT naming that timeout', async function () {
    spreadMs = 2000;
    const row = { ...ENDPOINTS.scripMaster, timeoutMs: 600 };
    const started = Date.now();
    const err = await rejectsWith(newClient().requestPath(row, 'session-1'), ErrorCode.TIMEOUT);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 550 && elapsed < 1500, `gave up after ${elapsed} ms`);
    assert.match(err.message, /did not answer within 600 ms/);
  });

  it('an account timeout longer than the row\'s is kept: the row\'s timeout only ever gives more time', async function () {
    spreadMs = 600;
    const row = { ...ENDPOINTS.scripMaster, timeoutMs: 200 };
    const envelope = await newClient(1500).requestPath(row, 'session-1');
    assert.deepEqual(envelope.data, ROWS);
  });
});
