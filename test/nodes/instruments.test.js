'use strict';
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, instrumentsFlow, collect, nextMessage, until, lastStatus, failureOf, goLive } = require('./support');

const LIVE = { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' };
const FIELDS = ['exchange', 'token', 'symbol', 'name', 'type', 'expiry', 'strike', 'lotSize', 'tickSize'];
// the first download parses the sandbox's whole master: give it more than support.js's 4 s
const FIRST_ANSWER_MS = 15_000;

describe('mstock-instruments: searching the instrument master, in a real Node-RED against the sandbox', function () {
  this.timeout(30_000);
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  /** Loads the standard flow plus the given mstock-instruments nodes; live unless told otherwise. */
  async function load(nodes = { inst1: {} }, { live = true } = {}) {
    await helper.load(allNodes, instrumentsFlow(url, nodes), sandboxCredentials());
    if (live) await goLive(sandbox);
    sandbox.resetCounters();
  }

  /** Sends `msg` to node `id` and resolves with what arrives at `out`, the first download included. */
  async function search(id, msg) {
    const out = nextMessage(helper.getNode('out'), FIRST_ANSWER_MS);
    helper.getNode(id).receive(msg);
    return out;
  }

  const at = (row) => `${row.exchange}:${row.token}`;

  it('"NSE:SBIN" finds NSE:SBIN-EQ first, as an instrument of the nine fields, the incoming msg reused', async function () {
    await load();
    const msg = await search('inst1', { _msgid: 'i-1', payload: 'NSE:SBIN', keep: 'me' });
    assert.equal(msg.topic, 'mstock/instruments');
    assert.equal(msg._msgid, 'i-1');
    assert.equal(msg.keep, 'me');
    assert.ok(Array.isArray(msg.payload) && msg.payload.length >= 1 && msg.payload.length <= 20, `${msg.payload.length} rows`);
    const [first] = msg.payload;
    assert.deepEqual(Object.keys(first), FIELDS);
    assert.deepEqual({ ...first, tickSize: undefined }, {
      exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', name: 'SBIN', type: 'EQUITY', expiry: null, strike: 0, lotSize: 1, tickSize: undefined,
    });
    assert.equal(typeof first.tickSize, 'number');
    assert.ok(first.tickSize > 0);
    for (const row of msg.payload) assert.ok(row.exchange === 'NSE' && (row.symbol.includes('SBIN') || row.name.includes('SBIN')), `${at(row)} ${row.symbol} matches NSE:SBIN`);
    assert.equal(sandbox.calls.scripMaster, 1);
    assert.deepEqual(lastStatus('inst1'), LIVE);
  });

  it('"SBIN" on every exchange: the equity, NSE:SBIN-EQ then BSE:SBIN, first, then the rest that hold SBIN', async function () {
    await load();
    const msg = await search('inst1', { payload: 'SBIN' });
    assert.deepEqual(msg.payload.slice(0, 2).map((r) => `${at(r)} ${r.symbol}`), ['NSE:3045 SBIN-EQ', 'BSE:544353 SBIN']);
    assert.equal(msg.payload.length, 20);
    for (const row of msg.payload) assert.ok(row.symbol.includes('SBIN') || row.name.includes('SBIN'), `${at(row)} ${row.symbol} matches SBIN`);
    assert.ok(new Set(msg.payload.map((r) => r.exchange)).size > 1, 'every exchange is searched');
  });

  it('"NSE:3045", 3045 as a number, { exchange: "nse", token: "3045" } and "nse:sbin-eq" all find NSE:SBIN-EQ first', async function () {
    await load();
    for (const payload of ['NSE:3045', 3045, { exchange: 'nse', token: '3045' }, { exchange: 'NSE', token: 3045 }, 'nse:sbin-eq', { exchange: 'NSE', symbol: 'SBIN-EQ' }]) {
      const msg = await search('inst1', { payload });
      assert.ok(msg.payload.length >= 1, `${JSON.stringify(payload)} found something`);
      assert.equal(at(msg.payload[0]), 'NSE:3045', JSON.stringify(payload));
      assert.equal(msg.payload[0].symbol, 'SBIN-EQ', JSON.stringify(payload));
    }
    assert.equal(sandbox.calls.scripMaster, 1, 'one download for every search of the day');
  });

  it('{ exchange: "NFO", name: "NIFTY" } lists NIFTY futures and options: numbers for strike, lot and tick, ISO expiries', async function () {
    await load();
    const msg = await search('inst1', { payload: { exchange: 'NFO', name: 'NIFTY' }, limit: 500 });
    const rows = msg.payload;
    assert.ok(rows.length > 20, `${rows.length} rows`);
    assert.ok(rows.every((r) => r.exchange === 'NFO' && r.name === 'NIFTY'), 'only NFO rows of NIFTY itself come first');
    const types = new Set(rows.map((r) => r.type));
    assert.ok(types.has('FUTIDX') && types.has('OPTIDX'), [...types].join(', '));
    for (const row of rows) {
      assert.match(row.expiry, /^\d{4}-\d{2}-\d{2}$/, `${row.symbol} expiry ${row.expiry}`);
      assert.equal(new Date(`${row.expiry}T00:00:00Z`).toISOString().slice(0, 10), row.expiry);
      for (const key of ['strike', 'lotSize', 'tickSize']) assert.equal(typeof row[key], 'number', `${row.symbol} ${key}`);
      assert.equal(row.lotSize, 75);
      assert.match(row.token, /^\d+$/);
      assert.equal(row.strike > 0, row.type === 'OPTIDX', `${row.symbol} strike ${row.strike}`);
    }
  });

  it('the node\'s limit caps the answer; msg.limit, as a number or digits, overrides it', async function () {
    await load({ inst1: { limit: 5 } });
    const wide = await search('inst1', { payload: 'SBI', limit: 50 });
    assert.ok(wide.payload.length > 5, `${wide.payload.length} matches for SBI`);
    const capped = await search('inst1', { payload: 'SBI' });
    assert.equal(capped.payload.length, 5);
    assert.deepEqual(capped.payload, wide.payload.slice(0, 5), 'the best five');
    assert.equal((await search('inst1', { payload: 'SBI', limit: 2 })).payload.length, 2);
    assert.equal((await search('inst1', { payload: 'SBI', limit: ' 3 ' })).payload.length, 3);
    assert.equal((await search('inst1', { payload: 'SBI', limit: null })).payload.length, 5, 'null is no msg.limit');
  });

  it('a search nothing matches is an empty list, not an error', async function () {
    await load();
    assert.deepEqual((await search('inst1', { payload: 'NOSUCHTHINGXYZ' })).payload, []);
    assert.deepEqual((await search('inst1', { payload: { exchange: 'MCX', token: '3045' } })).payload, []);
  });

  it('the node\'s Query is searched when msg.payload is empty or an inject node\'s timestamp', async function () {
    await load({ inst1: { query: 'NSE:SBIN-EQ' } });
    for (const payload of [undefined, null, '', '   ', Date.now(), new Date(), new Date().toISOString()]) {
      const msg = await search('inst1', payload === undefined ? {} : { payload });
      assert.equal(at(msg.payload[0]), 'NSE:3045', `payload ${String(payload)}`);
    }
    const own = await search('inst1', { payload: 'NSE:INFY-EQ' });
    assert.equal(own.payload[0].symbol, 'INFY-EQ', 'a payload that asks for something wins over the Query');
  });

  it('a search the node cannot read is MSTOCK_INVALID_INPUT, and nothing is downloaded', async function () {
    await load({ inst1: {}, inst2: { limit: 0 } });
    const cases = [
      [{ payload: {} }, /gives no symbol, token or name/],
      [{ payload: { exchange: 'XYZ', symbol: 'A' } }, /Unknown exchange "XYZ"/],
      [{ payload: ['NSE:SBIN-EQ'] }, /is not a text, a token or/],
      [{ payload: true }, /is not a text, a token or/],
      [{ payload: { exchange: 'NSE', token: 30.45 } }, /not a whole number/],
      [{ payload: 'SBIN', limit: 0 }, /msg\.limit must be a whole number of 1 or more, but it was 0/],
      [{ payload: 'SBIN', limit: -1 }, /msg\.limit must be a whole number of 1 or more, but it was -1/],
      [{ payload: 'SBIN', limit: 'x' }, /msg\.limit must be a whole number of 1 or more, but it was "x"/],
      [{ payload: 'SBIN', limit: 2.5 }, /msg\.limit must be/],
      [{ payload: 1767225600000 }, /Nothing to search for/],
    ];
    for (const [msg, words] of cases) {
      const failed = await failureOf('inst1', msg);
      assert.equal(failed.error.code, 'MSTOCK_INVALID_INPUT', JSON.stringify(msg));
      assert.match(failed.error.message, words, failed.error.message);
      assert.match(failed.error.message, /Nothing was sent to mStock\.$/);
    }
    const ownLimit = await failureOf('inst2', { payload: 'SBIN' });
    assert.equal(ownLimit.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(ownLimit.error.message, /The node's limit must be a whole number of 1 or more, but it was 0/);
    assert.deepEqual(lastStatus('inst1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
    assert.equal(sandbox.calls.scripMaster, undefined);
    assert.equal(sandbox.requests.length, 0);
  });

  it('two nodes of one account searching at once download the master once; later searches that day download nothing', async function () {
    await load({ inst1: {}, inst2: {} });
    const answers = collect(helper.getNode('out'));
    helper.getNode('inst1').receive({ payload: 'NSE:SBIN-EQ' });
    helper.getNode('inst2').receive({ payload: 'NSE:INFY-EQ' });
    await until(() => answers.length === 2, FIRST_ANSWER_MS, 'both answers');
    assert.deepEqual(answers.map((m) => m.payload[0].symbol).sort(), ['INFY-EQ', 'SBIN-EQ']);
    assert.equal(sandbox.calls.scripMaster, 1);
    await search('inst2', { payload: 'ACC' });
    await search('inst1', { payload: 3045 });
    assert.equal(sandbox.calls.scripMaster, 1, 'the same day: answered from memory');
    answers[0].payload[0].token = 'changed';
    assert.equal((await search('inst1', { payload: answers[0].payload[0].symbol })).payload[0].token === 'changed', false, 'a flow that changes a row does not change the master');
  });

  it('without a session it fails with MSTOCK_NOT_LOGGED_IN and sends nothing', async function () {
    await load({ inst1: {} }, { live: false });
    const failed = await failureOf('inst1', { payload: 'SBIN' });
    assert.equal(failed.error.code, 'MSTOCK_NOT_LOGGED_IN');
    assert.equal(sandbox.calls.scripMaster, undefined);
    assert.equal(sandbox.requests.length, 0);
    assert.deepEqual(lastStatus('inst1'), { fill: 'red', shape: 'ring', text: 'not logged in' });
  });

  for (const [fault, code, words] of [
    ['server-error', 'MSTOCK_SERVER_ERROR', /Something went wrong\. Please try again\./],
    ['html-503', 'MSTOCK_BAD_RESPONSE', /HTML/],
  ]) {
    it(`a failed download (${fault}) fails the message with ${code} and mStock's words; the next message tries again, nothing in between`, async function () {
      await load();
      sandbox.setFault({ kind: fault, endpoints: ['scripMaster'], times: 1 });
      const failed = await failureOf('inst1', { payload: 'NSE:SBIN-EQ' });
      assert.equal(failed.error.code, code);
      assert.match(failed.error.message, words);
      assert.equal(sandbox.calls.scripMaster, 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sandbox.calls.scripMaster, 1, 'no download retried by itself');
      const msg = await search('inst1', { payload: 'NSE:SBIN-EQ' });
      assert.equal(at(msg.payload[0]), 'NSE:3045');
      assert.equal(sandbox.calls.scripMaster, 2);
      assert.deepEqual(lastStatus('inst1'), LIVE);
    });
  }

  it('says "loading instruments…" while the master downloads, and the session again once it is there', async function () {
    await load();
    sandbox.setFault({ kind: 'slow', delayMs: 800, endpoints: ['scripMaster'], times: 1 });
    const answer = search('inst1', { payload: 'SBIN' });
    await until(() => (lastStatus('inst1') || {}).text === 'loading instruments…', 2000, 'the loading status');
    assert.deepEqual(lastStatus('inst1'), { fill: 'yellow', shape: 'ring', text: 'loading instruments…' });
    await answer;
    assert.deepEqual(lastStatus('inst1'), LIVE);
  });

  it('closing the nodes while the master downloads is clean: no send, no unhandled rejection', async function () {
    const rejections = [];
    const onRejection = (reason) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      await load();
      sandbox.setFault({ kind: 'slow', delayMs: 500, endpoints: ['scripMaster'], times: 1 });
      const answers = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      helper.getNode('inst1').receive({ payload: 'SBIN' });
      await until(() => sandbox.calls.scripMaster === 1, 2000, 'the download to start');
      await helper.unload();
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(answers.length, 0);
      assert.equal(caught.length, 0);
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
