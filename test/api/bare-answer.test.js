'use strict';
// Rows whose answer is `bare` (the instrument master, FACTS-TRADING §2.16): the client answers the
// body itself as `data` (a parsed JSON array, or the CSV text), with the row's own size cap, while
// failures read as for every other row. A real HTTP server on loopback answers what each test sets.
const assert = require('node:assert/strict');
const http = require('node:http');
const { MStockClient } = require('../../dist/src/api/client');
const { ENDPOINTS } = require('../../dist/src/api/endpoints');
const { ErrorCode } = require('../../dist/src/api/errors');
const { rejectsWith } = require('./_helpers');

const MASTER_ROWS = [
  { token: '3045', symbol: 'SBIN', name: 'SBIN-EQ', expiry: '', strike: '', lotsize: '1', instrumenttype: 'EQ', exch_seg: 'NSE', tick_size: '0.05' },
  { token: '877966', symbol: 'SENSEX', name: 'SENSEX25O2382700CE', expiry: '23Oct2025', strike: '82700', lotsize: '20', instrumenttype: 'OPTIDX', exch_seg: 'BFO', tick_size: '0.05' },
];
const MASTER_CSV = 'token,symbol,name,expiry,strike,lotsize,instrumenttype,exch_seg,tick_size\n3045,SBIN,SBIN-EQ,,,1,EQ,NSE,0.05\n';

describe('client: rows answered by a bare body (the instrument master)', function () {
  let server;
  let client;
  /** What the server sends next: status, content type, body. */
  let answer;
  const received = [];

  before(async function () {
    server = http.createServer((req, res) => {
      received.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'Content-Type': answer.type, 'Content-Length': Buffer.byteLength(answer.body) });
        res.end(answer.body);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new MStockClient({ baseUrl: `http://127.0.0.1:${server.address().port}`, apiKey: 'k-bare', timeout: 5000 });
  });

  after(async function () {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(function () {
    received.length = 0;
  });

  it('a JSON array is answered parsed, as data, from the scrip master path with the session', async function () {
    answer = { status: 200, type: 'application/json', body: JSON.stringify(MASTER_ROWS) };
    const envelope = await client.request('scripMaster', 'session-1');
    assert.deepEqual(envelope.data, MASTER_ROWS);
    assert.deepEqual(received, [{ method: 'GET', url: '/openapi/typeb/instruments/OpenAPIScripMaster', authorization: 'Bearer session-1' }]);
  });

  it('a one-row master is the row, not taken for the one-envelope list other answers come as', async function () {
    answer = { status: 200, type: 'application/json', body: JSON.stringify(MASTER_ROWS.slice(0, 1)) };
    assert.deepEqual((await client.request('scripMaster', 'session-1')).data, MASTER_ROWS.slice(0, 1));
  });

  it('CSV text is answered as the text itself (a byte-order mark dropped)', async function () {
    answer = { status: 200, type: 'text/csv', body: `\uFEFF${MASTER_CSV}` };
    assert.equal((await client.request('scripMaster', 'session-1')).data, MASTER_CSV);
  });

  it('a JSON array after a byte-order mark is still parsed', async function () {
    answer = { status: 200, type: 'application/json', body: `\uFEFF${JSON.stringify(MASTER_ROWS)}` };
    assert.deepEqual((await client.request('scripMaster', 'session-1')).data, MASTER_ROWS);
  });

  it('a master over 1 MiB is accepted: the row has its own cap', async function () {
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ ...MASTER_ROWS[0], token: String(100_000 + i), name: `S${i}-EQ` }));
    answer = { status: 200, type: 'application/json', body: JSON.stringify(rows) };
    assert.ok(Buffer.byteLength(answer.body) > 1024 * 1024);
    assert.equal((await client.request('scripMaster', 'session-1')).data.length, 12_000);
  });

  it('a body over the row\'s cap is MSTOCK_BAD_RESPONSE naming the cap', async function () {
    answer = { status: 200, type: 'application/json', body: JSON.stringify(MASTER_ROWS) };
    const capped = { ...ENDPOINTS.scripMaster, maxBytes: 100 };
    const err = await rejectsWith(client.requestPath(capped, 'session-1'), ErrorCode.BAD_RESPONSE);
    assert.match(err.message, /larger than 100 bytes/);
  });

  it('an HTML page with HTTP 200 is MSTOCK_BAD_RESPONSE, not a master', async function () {
    answer = { status: 200, type: 'text/html', body: '<html><body>Service under maintenance</body></html>' };
    const err = await rejectsWith(client.request('scripMaster', 'session-1'), ErrorCode.BAD_RESPONSE);
    assert.match(err.message, /the instrument master download with HTTP 200 and an HTML page/);
  });

  it('an empty body is MSTOCK_BAD_RESPONSE', async function () {
    answer = { status: 200, type: 'application/json', body: '' };
    await rejectsWith(client.request('scripMaster', 'session-1'), ErrorCode.BAD_RESPONSE);
  });

  it('HTTP 401 is MSTOCK_SESSION_EXPIRED, with or without an envelope', async function () {
    answer = { status: 401, type: 'application/json', body: JSON.stringify({ status: false, message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null }) };
    await rejectsWith(client.request('scripMaster', 'session-1'), ErrorCode.SESSION_EXPIRED);
    answer = { status: 401, type: 'text/plain', body: 'Unauthorized' };
    await rejectsWith(client.request('scripMaster', 'session-1'), ErrorCode.SESSION_EXPIRED);
  });

  it('a refusal envelope with HTTP 200 is the refusal; a JSON array with HTTP 500 is not a master', async function () {
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ status: 'false', message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null }) };
    await rejectsWith(client.request('scripMaster', 'session-1'), ErrorCode.SESSION_EXPIRED);
    answer = { status: 500, type: 'application/json', body: JSON.stringify(MASTER_ROWS) };
    await rejectsWith(client.request('scripMaster', 'session-1'), ErrorCode.BAD_RESPONSE);
  });

  it('with bareText, a JSON array is answered as its text, unparsed; CSV as without it', async function () {
    const body = ` ${JSON.stringify(MASTER_ROWS)}`;
    answer = { status: 200, type: 'application/json', body };
    assert.equal((await client.request('scripMaster', 'session-1', { bareText: true })).data, body);
    answer = { status: 200, type: 'text/csv', body: MASTER_CSV };
    assert.equal((await client.request('scripMaster', 'session-1', { bareText: true })).data, MASTER_CSV);
  });

  it('with bareText, an array that may be the one-envelope list is read as before: a refusal stays a refusal', async function () {
    const refusal = { status: false, message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null };
    answer = { status: 200, type: 'application/json', body: JSON.stringify([refusal]) };
    await rejectsWith(client.request('scripMaster', 'session-1', { bareText: true }), ErrorCode.SESSION_EXPIRED);
    // the key spelled with an escape is still "status" to JSON.parse
    answer = { status: 200, type: 'application/json', body: JSON.stringify([refusal]).replace('"status"', '"st\\u0061tus"') };
    await rejectsWith(client.request('scripMaster', 'session-1', { bareText: true }), ErrorCode.SESSION_EXPIRED);
    // a master with a "status" column is parsed, and is the master
    const rows = [{ ...MASTER_ROWS[0], status: 'listed' }, MASTER_ROWS[1]];
    answer = { status: 200, type: 'application/json', body: JSON.stringify(rows) };
    assert.deepEqual((await client.request('scripMaster', 'session-1', { bareText: true })).data, rows);
    answer = { status: 500, type: 'application/json', body: JSON.stringify(MASTER_ROWS) };
    await rejectsWith(client.request('scripMaster', 'session-1', { bareText: true }), ErrorCode.BAD_RESPONSE);
  });

  it('every other row keeps the envelope: a bare array or text from the quote path is MSTOCK_BAD_RESPONSE', async function () {
    answer = { status: 200, type: 'application/json', body: JSON.stringify(MASTER_ROWS) };
    await rejectsWith(client.request('quote', 'session-1', { body: { mode: 'LTP', exchangeTokens: { NSE: ['3045'] } } }), ErrorCode.BAD_RESPONSE);
    answer = { status: 200, type: 'text/csv', body: MASTER_CSV };
    await rejectsWith(client.request('quote', 'session-1', { body: { mode: 'LTP', exchangeTokens: { NSE: ['3045'] } } }), ErrorCode.BAD_RESPONSE);
  });
});
