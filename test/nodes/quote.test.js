'use strict';
const assert = require('node:assert/strict');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, quoteFlow, collect, until, lastStatus, send, failureOf, goLive } =
  require('./support');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');
const { manualClock } = require('../manual-clock');

// a message's first quote downloads the instrument master (about 100,000 rows), which the sandbox
// first builds for the day: a few seconds on a busy machine, so the account allows 10 s a call
const ACCOUNT = { timeout: 10000 };
const FIRST_CALL_MS = 15000;
const LIVE = { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' };
const CURRENCY_TYPES = new Set(['OPTCUR', 'FUTCUR', 'OPTIRC', 'FUTIRC', 'FUTIRT']);

/** The quote calls the sandbox received, with their bodies read back. */
const quoteCalls = (sandbox) => sandbox.requests.filter((r) => r.endpoint === 'quote').map((r) => ({ method: r.method, body: JSON.parse(r.body) }));

/** What the node makes of one of the sandbox market's own quote rows: the master's names first, then the rest. */
function asOutput(raw, symbol) {
  const rest = Object.fromEntries(Object.entries(raw).filter(([key]) => !['exchange', 'symbolToken', 'tradingSymbol'].includes(key)));
  return { exchange: raw.exchange, token: raw.symbolToken, symbol, ...rest };
}

/** The sandbox master's rows other than currency contracts (the package lists those under CDS, the master under NSE). */
const masterRows = (sandbox) => sandbox.market.masterRows().filter((r) => !CURRENCY_TYPES.has(r.instrumenttype));

/** Counts the quote calls the sandbox is answering at once, over real HTTP. */
function watchConcurrency(sandbox) {
  const seen = { now: 0, most: 0 };
  sandbox.server.on('request', (req, res) => {
    if (!/instruments\/quote/i.test(req.url)) return;
    seen.now += 1;
    seen.most = Math.max(seen.most, seen.now);
    res.on('close', () => {
      seen.now -= 1;
    });
  });
  return seen;
}

describe('mstock-quote: quotes for one or many instruments against the sandbox', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  const load = (quotes = { quote1: {} }) => helper.load(allNodes, quoteFlow(url, quotes, ACCOUNT), sandboxCredentials());

  it('answers the instruments in the order asked, in any of the four forms, with one call', async function () {
    await load();
    await goLive(sandbox);
    const bseSbin = sandbox.market.masterRows().find((r) => r.exch_seg === 'BSE' && r.name === 'SBIN');
    const infy = sandbox.market.masterRows().find((r) => r.exch_seg === 'NSE' && r.name === 'INFY-EQ');
    const msg = await send('quote1', {
      _msgid: 'q-1', keep: 'me',
      payload: ['NSE:SBIN-EQ', 'NSE:3045', { exchange: 'nse', token: 3045 }, { exchange: 'BSE', symbol: 'sbin' }, 'nse:infy-eq'],
    }, FIRST_CALL_MS);
    assert.equal(msg.topic, 'mstock/quote');
    assert.equal(msg._msgid, 'q-1');
    assert.equal(msg.keep, 'me');
    assert.deepEqual(msg.payload.map((q) => [q.exchange, q.token, q.symbol]), [
      ['NSE', '3045', 'SBIN-EQ'], ['NSE', '3045', 'SBIN-EQ'], ['NSE', '3045', 'SBIN-EQ'], ['BSE', bseSbin.token, 'SBIN'], ['NSE', infy.token, 'INFY-EQ'],
    ]);
    for (const quote of msg.payload) assert.ok(typeof quote.ltp === 'number' && quote.ltp > 0, JSON.stringify(quote));
    assert.equal(msg.payload[1].ltp, msg.payload[0].ltp);
    assert.notEqual(msg.payload[1], msg.payload[0]);
    assert.deepEqual(msg.unfetched, []);
    assert.equal(sandbox.calls.quote, 1);
    assert.deepEqual(quoteCalls(sandbox), [{ method: 'GET', body: { mode: 'LTP', exchangeTokens: { NSE: ['3045', infy.token], BSE: [bseSbin.token] } } }]);
    assert.deepEqual(lastStatus('quote1'), LIVE);
  });

  it('asks for 50 instruments in one call, in LTP mode when the node names no mode', async function () {
    await load({ quote1: { mode: undefined } });
    await goLive(sandbox);
    const rows = masterRows(sandbox).filter((r) => r.exch_seg === 'NSE').slice(0, 50);
    const msg = await send('quote1', { payload: rows.map((r) => `NSE:${r.name}`) }, FIRST_CALL_MS);
    assert.equal(sandbox.calls.quote, 1);
    assert.equal(quoteCalls(sandbox)[0].body.mode, 'LTP');
    assert.deepEqual(msg.payload.map((q) => q.token), rows.map((r) => r.token));
    assert.deepEqual(msg.unfetched, []);
  });

  it('quotes 10,000 instruments in 20 calls of at most 500, one at a time, within the quote limit, all in the order asked', async function () {
    this.timeout(60000);
    await load();
    await goLive(sandbox);
    const rows = masterRows(sandbox).slice(0, 10000);
    assert.equal(rows.length, 10000);
    const exchanges = new Set(rows.map((r) => r.exch_seg));
    const payload = rows.map((r, i) => (i % 2 === 0 ? { exchange: r.exch_seg, token: r.token } : `${r.exch_seg}:${r.name}`));
    const inFlight = watchConcurrency(sandbox);
    // each answer held back a little, so calls sent together would be seen in flight together
    sandbox.setFault({ kind: 'slow', delayMs: 20, endpoints: ['quote'] });
    const started = Date.now();
    const msg = await send('quote1', { payload }, 60000);
    const took = Date.now() - started;
    assert.equal(sandbox.calls.quote, 20);
    assert.equal(sandbox.limits.refused.quote, 0, 'no call was answered 429');
    assert.equal(inFlight.most, 1, 'never two quote calls in flight at once');
    const calls = quoteCalls(sandbox);
    assert.equal(calls.length, 20);
    for (const call of calls) assert.equal(Object.values(call.body.exchangeTokens).flat().length, 500);
    assert.deepEqual(msg.payload.map((q) => `${q.exchange}:${q.token}`), rows.map((r) => `${r.exch_seg}:${r.token}`));
    assert.deepEqual(msg.payload.map((q) => q.symbol), rows.map((r) => r.name));
    assert.ok(msg.payload.every((q) => typeof q.ltp === 'number'));
    assert.deepEqual(msg.unfetched, []);
    console.log(`      10,000 instruments over ${exchanges.size} exchanges: ${took} ms`);
  });

  it('refuses a list of 3 with an unknown symbol, naming it and its place, and asks for no quote', async function () {
    await load();
    await goLive(sandbox);
    const msg = await failureOf('quote1', { payload: ['NSE:SBIN-EQ', 'NSE:NOSUCH-EQ', 'BSE:SBIN'] }, FIRST_CALL_MS);
    assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
    assert.equal(msg.error.message, "Instrument 2 of 3 in msg.payload: NSE:NOSUCH-EQ is not in mStock's instrument master: no NSE instrument has that trading symbol. Nothing was sent to mStock.");
    assert.equal(sandbox.calls.scripMaster, 1);
    assert.equal(sandbox.calls.quote, undefined);
    assert.deepEqual(lastStatus('quote1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
  });

  it('takes the mode from msg.mode when set so, and refuses one that is not a mode before anything is sent', async function () {
    await load({ quote1: { mode: 'msg' } });
    await goLive(sandbox);
    const bad = await failureOf('quote1', { payload: 'NSE:SBIN-EQ', mode: 'DEPTH' }, FIRST_CALL_MS);
    assert.equal(bad.error.code, 'MSTOCK_INVALID_INPUT');
    assert.equal(bad.error.message, 'msg.mode must be one of "LTP", "OHLC", "FULL", but it was "DEPTH". Nothing was sent to mStock.');
    const missing = await failureOf('quote1', { payload: 'NSE:SBIN-EQ' }, FIRST_CALL_MS);
    assert.match(missing.error.message, /^msg\.mode must be one of .* but it was nothing\./);
    assert.equal(sandbox.calls.scripMaster, undefined);
    assert.equal(sandbox.calls.quote, undefined);
    const msg = await send('quote1', { payload: 'NSE:SBIN-EQ', mode: 'ohlc' }, FIRST_CALL_MS);
    assert.deepEqual(Object.keys(msg.payload[0]), ['exchange', 'token', 'symbol', 'ltp', 'open', 'high', 'low', 'close']);
    assert.deepEqual(quoteCalls(sandbox).map((c) => c.body.mode), ['OHLC']);
  });

  it('quotes the node\'s own list when msg.payload is an inject timestamp, and msg.payload\'s instruments otherwise', async function () {
    await load({ quote1: { instruments: 'NSE:SBIN-EQ,\nBSE:SBIN\n' } });
    await goLive(sandbox);
    const own = await send('quote1', { payload: Date.now() }, FIRST_CALL_MS);
    assert.deepEqual(own.payload.map((q) => `${q.exchange}:${q.symbol}`), ['NSE:SBIN-EQ', 'BSE:SBIN']);
    const given = await send('quote1', { payload: 'NSE:INFY-EQ' }, FIRST_CALL_MS);
    assert.deepEqual(given.payload.map((q) => `${q.exchange}:${q.symbol}`), ['NSE:INFY-EQ']);
    assert.equal(sandbox.calls.quote, 2);
  });

  it('answers an empty list with [] and sends nothing; a trigger with an empty own list is refused', async function () {
    await load();
    await goLive(sandbox);
    const before = sandbox.requests.length;
    const msg = await send('quote1', { payload: [] }, FIRST_CALL_MS);
    assert.equal(msg.topic, 'mstock/quote');
    assert.deepEqual(msg.payload, []);
    assert.deepEqual(msg.unfetched, []);
    const refused = await failureOf('quote1', { payload: 1764578400000 }, FIRST_CALL_MS);
    assert.equal(refused.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(refused.error.message, /the node's Instruments list is empty/);
    assert.equal(sandbox.requests.length, before, 'no call of any kind');
  });

  it('is MSTOCK_NOT_LOGGED_IN without a session, and sends nothing', async function () {
    await load({ quote1: { instruments: 'NSE:SBIN-EQ' } });
    const msg = await failureOf('quote1', { payload: Date.now() }, FIRST_CALL_MS);
    assert.equal(msg.error.code, 'MSTOCK_NOT_LOGGED_IN');
    assert.deepEqual(sandbox.requests, []);
    assert.deepEqual(lastStatus('quote1'), { fill: 'red', shape: 'ring', text: 'not logged in' });
  });

  it('fails the whole message with the broker\'s refusal of any call of a long list, sending no partial list', async function () {
    await load();
    await goLive(sandbox);
    const rows = masterRows(sandbox).slice(0, 1200);
    sandbox.setFault({ kind: 'status-false', endpoints: ['quote'], times: 1 });
    // the fault answers the first call; the others are not made
    const msg = await failureOf('quote1', { payload: rows.map((r) => ({ exchange: r.exch_seg, token: r.token })) }, FIRST_CALL_MS);
    assert.equal(msg.error.code, 'MSTOCK_SERVER_ERROR');
    assert.match(msg.error.message, /Something went wrong\. Please try again\./);
    assert.equal(sandbox.calls.quote, 1);
  });

  it('is MSTOCK_BAD_RESPONSE when the answer\'s data is not { fetched, unfetched }', async function () {
    await load();
    await goLive(sandbox);
    sandbox.setFault({ kind: 'wrong-shape', endpoints: ['quote'], times: 1 });
    const msg = await failureOf('quote1', { payload: 'NSE:SBIN-EQ' }, FIRST_CALL_MS);
    assert.equal(msg.error.code, 'MSTOCK_BAD_RESPONSE');
    assert.match(msg.error.message, /^mStock's answer to the quote request held a string data/);
  });

  it('stops between calls when the node is closed midway: no more calls, no message, no unhandled rejection', async function () {
    await load();
    await goLive(sandbox);
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      sandbox.setFault({ kind: 'slow', delayMs: 300, endpoints: ['quote'] });
      const out = collect(helper.getNode('out'));
      const caught = collect(helper.getNode('caught'));
      const rows = masterRows(sandbox).slice(0, 1500);
      helper.getNode('quote1').receive({ payload: rows.map((r) => ({ exchange: r.exch_seg, token: r.token })) });
      await until(() => sandbox.calls.quote === 1, 10000, 'the first quote call');
      await helper.getNode('quote1').close(true);
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(sandbox.calls.quote, 1, 'no call after the node closed');
      assert.deepEqual(out, []);
      assert.deepEqual(caught, []);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      sandbox.setFault(undefined);
    }
  });
});

describe('mstock-quote: quotes at a fixed instant, equal to the sandbox market\'s own', function () {
  // Wednesday 2026-11-25, 11:00 India time: the market is open
  const START = Date.UTC(2026, 10, 25, 11, 0, 0) - IST_OFFSET_MS;
  const options = {};
  let manual;
  let sandbox;
  let url;

  beforeEach(function () {
    manual = manualClock(START);
    options.clock = manual;
    helper.settings({ mstockClock: manual });
  });
  afterEach(function () {
    helper.settings({});
  });
  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  }, options);

  const load = () =>
    helper.load(allNodes, quoteFlow(url, { quoteL: { mode: 'LTP' }, quoteO: { mode: 'OHLC' }, quoteF: { mode: 'FULL' } }, ACCOUNT), sandboxCredentials());

  it('LTP, OHLC and FULL for NSE:SBIN-EQ are the market\'s quote at that instant, with the master\'s names and times in ISO', async function () {
    this.timeout(30000);
    await load();
    await goLive(sandbox);
    for (const [id, mode] of [['quoteL', 'LTP'], ['quoteO', 'OHLC'], ['quoteF', 'FULL']]) {
      const msg = await send(id, { payload: 'NSE:SBIN-EQ' }, FIRST_CALL_MS);
      const { fetched: [raw] } = sandbox.market.quote(mode, { NSE: ['3045'] });
      const expected = asOutput(raw, 'SBIN-EQ');
      if (mode === 'FULL') {
        assert.equal(raw.exchFeedTime, '25-Nov-2026 11:00:00');
        expected.exchFeedTime = '2026-11-25T11:00:00+05:30';
        expected.exchTradeTime = '2026-11-25T11:00:00+05:30';
        assert.equal(msg.payload[0].depth.buy.length, 5);
      }
      assert.deepEqual(msg.payload, [expected], mode);
      assert.deepEqual(Object.keys(msg.payload[0]).slice(0, 4), ['exchange', 'token', 'symbol', 'ltp']);
      assert.deepEqual(msg.unfetched, []);
      assert.deepEqual(quoteCalls(sandbox).at(-1), { method: 'GET', body: { mode, exchangeTokens: { NSE: ['3045'] } } });
    }
    assert.equal(sandbox.calls.quote, 3);
    assert.equal(sandbox.calls.scripMaster, 1, 'the master is downloaded once for all three nodes');
  });

  it('lists in msg.unfetched, in mStock\'s words, a contract that expired since the day\'s master was downloaded', async function () {
    this.timeout(30000);
    // Tuesday 2026-11-17, a weekly NIFTY expiry, at 15:00: the master is downloaded with a quote
    manual.advanceTo(Date.UTC(2026, 10, 17, 15, 0, 0) - IST_OFFSET_MS);
    const expiring = sandbox.market.masterRows().find((r) => r.exch_seg === 'NFO' && r.instrumenttype === 'OPTIDX' && r.expiry === '17Nov2026');
    await load();
    await goLive(sandbox);
    const before = await send('quoteL', { payload: [`NFO:${expiring.name}`] }, FIRST_CALL_MS);
    assert.deepEqual(before.payload.map((q) => q.symbol), [expiring.name]);
    // 01:00 the next day: a new session, and the master kept until 08:30 still lists the contract
    manual.advanceTo(Date.UTC(2026, 10, 18, 1, 0, 0) - IST_OFFSET_MS);
    assert.equal(sandbox.market.knows(expiring.token), false, 'the market no longer has the contract');
    await goLive(sandbox);
    const msg = await send('quoteL', { payload: ['NSE:SBIN-EQ', { exchange: 'NFO', symbol: expiring.name }] }, FIRST_CALL_MS);
    assert.deepEqual(msg.payload.map((q) => q.symbol), ['SBIN-EQ']);
    assert.deepEqual(msg.unfetched, [{ exchange: 'NFO', token: expiring.token, symbol: expiring.name, message: `No instrument with token ${expiring.token} on NFO` }]);
    assert.equal(sandbox.calls.scripMaster, 1);
    assert.deepEqual(quoteCalls(sandbox).at(-1).body, { mode: 'LTP', exchangeTokens: { NSE: ['3045'], NFO: [expiring.token] } });
  });
});
