'use strict';
// The account's live feed (src/account/feed.ts) against the sandbox over a real WebSocket on
// loopback: one socket per account, merged subscriptions, reconnects, the session's ends and
// returns, backoff, silence, malformed frames, and no secret in what subscribers are told.
const assert = require('node:assert/strict');
const { WebSocketServer } = require('ws');
const { systemClock } = require('../../dist/src/session/clock');
const { ErrorCode } = require('../../dist/src/api/errors');
const { MStockClient } = require('../../dist/src/api/client');
const { AccountSession } = require('../../dist/src/session/session');
const { manualClock } = require('../manual-clock');
const { freePort, throwsWith } = require('../api/_helpers');
const { MARKET_HOURS, startSandbox, newSession, logIn, waitFor, recorder, SANDBOX_ACCOUNT } = require('./support');

const SBIN = { exchange: 'NSE', token: '3045' };
const RELIANCE = { exchange: 'NSE', token: '2885' };
const NIFTY_FUT = { exchange: 'NFO', token: '38963' };
/** Timers that keep quiet unless a test is about them. */
const NO_PINGS = { pingEveryMs: 3_600_000 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('account live feed: one WebSocket per account, against the sandbox', function () {
  this.timeout(30_000);
  let sandbox;
  const sessions = [];

  before(async function () {
    sandbox = await startSandbox(manualClock(MARKET_HOURS));
  });

  after(async function () {
    await sandbox.stop();
  });

  beforeEach(function () {
    sandbox.feed.ticksPerSecond = 20;
    sandbox.feed.handshakes = 0;
  });

  afterEach(async function () {
    for (const session of sessions.splice(0)) session.close();
    sandbox.feed.refuseHandshakes(false);
    sandbox.feed.hangHandshakes(false);
    sandbox.feed.mute(false);
    await waitFor(() => sandbox.feed.connections === 0, 'the sockets of the test to close');
  });

  function session(clock = systemClock, feed = {}, on = sandbox) {
    const made = newSession(on, clock, feed);
    sessions.push(made);
    return made;
  }

  /** Text frames the sandbox received on its connection `id`. */
  const textsOn = (id) => sandbox.feed.received.filter((r) => r.connection === id).map((r) => r.text);
  const subscribed = () => sandbox.feed.subscriptions().map((s) => `${s.mode} ${s.exchange}:${s.token}`).sort();

  it('opens one socket on the first subscription, logs in, streams the ticks asked for, and closes with the last subscriber', async function () {
    const account = session();
    const token = await logIn(account);
    const seen = recorder();
    const subscriber = account.feed.subscriber(seen.listener);
    assert.equal(sandbox.feed.handshakes, 0, 'no socket before a subscription');
    subscriber.subscribe([SBIN, RELIANCE], 'ltp');
    assert.deepEqual(seen.states[0], { state: 'connecting', instruments: 2 });

    await waitFor(() => new Set(seen.ticks.map((t) => t.token)).size === 2, 'ticks of both instruments');
    assert.deepEqual(seen.last(), { state: 'streaming', instruments: 2 });
    assert.equal(sandbox.feed.connections, 1);
    const [connection] = sandbox.feed.subscriptions().map((s) => s.connection);
    const texts = textsOn(connection);
    assert.equal(texts[0], `LOGIN:${token}`, 'LOGIN first, without waiting for an answer');
    assert.deepEqual(JSON.parse(texts[1]), { action: 1, params: { mode: 1, tokenList: [{ exchangeType: 1, tokens: ['3045', '2885'] }] } });
    for (const tick of seen.ticks) {
      assert.equal(tick.mode, 'ltp');
      assert.equal(tick.ltp, sandbox.market.priceAt(tick.token, MARKET_HOURS));
    }

    const other = account.feed.subscriber(recorder().listener);
    other.subscribe([SBIN], 'ltp');
    await sleep(100);
    assert.equal(sandbox.feed.handshakes, 1, 'a second subscriber shares the socket');
    subscriber.close();
    await sleep(100);
    assert.equal(sandbox.feed.connections, 1, 'still needed by the other subscriber');
    other.unsubscribe();
    await waitFor(() => sandbox.feed.connections === 0, 'the socket to close when no one needs it');
    assert.deepEqual(account.feed.state, { state: 'idle', instruments: 0 });
  });

  it('waits for a session without opening anything, and starts by itself once the session is live', async function () {
    const account = session();
    const seen = recorder();
    account.feed.subscriber(seen.listener).subscribe([SBIN], 'quote');
    assert.deepEqual(seen.last(), { state: 'waiting', instruments: 1 });
    await sleep(200);
    assert.equal(sandbox.feed.handshakes, 0);
    await logIn(account);
    await waitFor(() => seen.ticks.length > 0, 'a tick after the login');
    assert.equal(seen.ticks[0].mode, 'quote');
    assert.equal(typeof seen.ticks[0].volume, 'number');
    assert.equal(seen.last().state, 'streaming');
  });

  it('comes back within 3 s after the socket drops, logged in and with the same subscriptions', async function () {
    const account = session();
    const token = await logIn(account);
    const seen = recorder();
    const subscriber = account.feed.subscriber(seen.listener);
    subscriber.subscribe([SBIN], 'ltp');
    subscriber.subscribe([NIFTY_FUT], 'snap');
    await waitFor(() => subscribed().length === 2 && seen.ticks.length > 0, 'the first socket streaming');
    const first = sandbox.feed.subscriptions()[0].connection;

    const droppedAt = Date.now();
    sandbox.feed.dropConnections();
    await waitFor(() => seen.last().state === 'connecting', 'the feed to notice the drop');
    assert.match(seen.last().message, /closed the connection \(code 1006\)/);
    await waitFor(() => sandbox.feed.subscriptions().some((s) => s.connection !== first) && subscribed().length === 2, 'the subscriptions on a new socket', 3000);
    const second = sandbox.feed.subscriptions()[0].connection;
    const texts = textsOn(second);
    assert.equal(texts[0], `LOGIN:${token}`);
    assert.deepEqual(texts.slice(1).map((t) => JSON.parse(t).params.mode).sort(), [1, 3]);
    seen.ticks.length = 0;
    await waitFor(() => seen.ticks.length > 0, 'ticks again');
    assert.ok(Date.now() - droppedAt < 3000, `back after ${Date.now() - droppedAt} ms`);
    assert.equal(seen.last().state, 'streaming');
    assert.equal(seen.last().message, undefined, 'the drop is forgotten once ticks flow again');
  });

  it('closes the socket when the session ends at midnight, waits, and resumes with the new session', async function () {
    const clock = manualClock(Date.parse('2025-02-04T23:59:00+05:30'));
    const night = await startSandbox(clock);
    try {
      const account = session(clock, { timings: NO_PINGS }, night);
      await logIn(account);
      const seen = recorder();
      account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
      await waitFor(() => seen.last().state === 'streaming' && night.feed.subscriptions().length === 1, 'streaming before midnight');

      clock.advanceTo(Date.parse('2025-02-05T00:00:00+05:30'));
      assert.equal(account.state, 'expired');
      assert.deepEqual(seen.last(), { state: 'waiting', instruments: 1 });
      await waitFor(() => night.feed.connections === 0, 'the socket to close');
      await sleep(1500);
      assert.equal(night.feed.handshakes, 1, 'no reconnect while there is no session');

      const token = await logIn(account);
      await waitFor(() => night.feed.subscriptions().length === 1, 'the subscription on a new socket');
      const connection = night.feed.subscriptions()[0].connection;
      assert.equal(night.feed.received.find((r) => r.connection === connection).text, `LOGIN:${token}`, 'LOGIN with the new token');
      await waitFor(() => seen.last().state === 'streaming', 'streaming again');
      // (the sandbox's order matcher runs on this clock too, every 1 s)
      const feedTimers = clock.pending().filter((t) => t.ms === 3_600_000 || t.ms === 10_000).map((t) => t.ms);
      assert.deepEqual(feedTimers, [3_600_000], 'one ping timer, no handshake timer left behind');
    } finally {
      await night.stop();
    }
  });

  it('a refused handshake (401) is an error, retried after 1, 2, 4 … s up to 60 s while the session is live', async function () {
    const clock = manualClock(MARKET_HOURS);
    const account = session(clock, { timings: NO_PINGS });
    await logIn(account);
    const seen = recorder();
    sandbox.feed.refuseHandshakes();
    account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
    const retries = [];
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      await waitFor(() => sandbox.feed.handshakes === attempt && seen.last().state === 'error' && clock.pending().length === 2, `attempt ${attempt} to fail`);
      const retry = clock.pending().find((t) => t.ms !== 3_600_000 && t.at - clock.now() < 3_600_000);
      retries.push(retry.ms);
      assert.match(seen.last().message, /refused the live feed connection \(HTTP 401\)/);
      if (attempt === 8) sandbox.feed.refuseHandshakes(false);
      clock.advance(retry.ms);
    }
    assert.deepEqual(retries, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    assert.equal(account.state, 'live', 'a refused feed does not end the session');

    await waitFor(() => seen.ticks.length > 0, 'ticks once the handshake is accepted');
    assert.deepEqual(seen.last(), { state: 'streaming', instruments: 1 });

    // once ticks flowed, the next failure starts the backoff afresh
    sandbox.feed.dropConnections();
    await waitFor(() => seen.last().state === 'connecting' && clock.pending().some((t) => t.ms === 1000), 'a retry after 1 s');

    await account.logout();
    assert.deepEqual(seen.last(), { state: 'waiting', instruments: 1 });
    assert.deepEqual(clock.pending(), [], 'stood down: no retry, no timer');
  });

  it('a handshake that is never answered is given up after 10 s and retried', async function () {
    const clock = manualClock(MARKET_HOURS);
    const account = session(clock, { timings: NO_PINGS });
    await logIn(account);
    const seen = recorder();
    sandbox.feed.hangHandshakes();
    account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
    await waitFor(() => sandbox.feed.handshakes === 1, 'the handshake to reach the sandbox');
    clock.advance(10_000);
    assert.equal(seen.last().state, 'error');
    assert.match(seen.last().message, /did not answer the connection within 10 s/);
    sandbox.feed.hangHandshakes(false);
    clock.advance(1000);
    await waitFor(() => seen.ticks.length > 0, 'ticks after the retry');
  });

  it('drops a socket that stays silent 10 s after a ping, and keeps one that answers', async function () {
    const clock = manualClock(MARKET_HOURS);
    const account = session(clock);
    await logIn(account);
    const seen = recorder();
    account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
    await waitFor(() => seen.ticks.length > 0, 'streaming');

    clock.advance(20_000); // the ping
    await sleep(200); // ticks (and the pong) arrive meanwhile
    clock.advance(10_000);
    assert.equal(seen.last().state, 'streaming', 'a socket that answers is kept');
    assert.equal(sandbox.feed.handshakes, 1);

    sandbox.feed.mute();
    await sleep(100); // frames already on the way arrive before the next ping
    clock.advance(10_000); // the next ping, 20 s after the last
    await sleep(200);
    clock.advance(10_000);
    assert.equal(seen.last().state, 'connecting');
    assert.match(seen.last().message, /sent nothing for \d+ s, not even an answer to a ping/);
    sandbox.feed.mute(false);
    clock.advance(1000);
    await waitFor(() => sandbox.feed.handshakes === 2 && seen.last().state === 'streaming', 'a new socket');
  });

  it('two subscribers of one instrument in ltp and snap: subscribed once in snap, each gets its own mode', async function () {
    const account = session();
    await logIn(account);
    const light = recorder();
    const full = recorder();
    const ltpSubscriber = account.feed.subscriber(light.listener);
    const snapSubscriber = account.feed.subscriber(full.listener);
    ltpSubscriber.subscribe([SBIN], 'ltp');
    snapSubscriber.subscribe([SBIN], 'snap');
    snapSubscriber.subscribe([RELIANCE], 'quote');
    await waitFor(() => light.ticks.length > 2 && full.ticks.filter((t) => t.token === '3045').length > 2, 'ticks for both');
    assert.deepEqual(subscribed(), ['quote NSE:2885', 'snap NSE:3045']);
    assert.deepEqual(account.feed.subscriptions().map((s) => `${s.mode} ${s.token}`).sort(), ['quote 2885', 'snap 3045']);

    assert.deepEqual([...new Set(light.ticks.map((t) => t.token))], ['3045'], 'only the instrument it asked for');
    for (const tick of light.ticks) assert.deepEqual(Object.keys(tick).sort(), ['exchange', 'ltp', 'mode', 'sequence', 'time', 'token']);
    const snap = full.ticks.find((t) => t.token === '3045');
    assert.equal(snap.mode, 'snap');
    assert.equal(snap.depth.bids.length, 5);
    assert.equal(full.ticks.find((t) => t.token === '2885').mode, 'quote');
    assert.deepEqual(light.last(), { state: 'streaming', instruments: 1 });
    assert.deepEqual(full.last(), { state: 'streaming', instruments: 2 });

    // the snap subscriber leaves: SBIN's highest mode drops to ltp, RELIANCE is no longer wanted
    const connection = sandbox.feed.subscriptions()[0].connection;
    const before = textsOn(connection).length;
    snapSubscriber.close();
    await waitFor(() => subscribed().join() === 'ltp NSE:3045', 'SBIN in ltp alone');
    const changes = textsOn(connection).slice(before).map((t) => JSON.parse(t));
    assert.deepEqual(changes.slice(0, 2).map((c) => [c.action, c.params.mode]).sort(), [[0, 2], [0, 3]], 'unsubscribed first, in the modes they had');
    assert.deepEqual(changes.slice(2).map((c) => [c.action, c.params.mode]), [[1, 1]], 'then subscribed anew');
    assert.equal(sandbox.feed.handshakes, 1, 'on the same socket');
  });

  it('counts malformed frames without a crash: reported at once, then at most once a minute', async function () {
    const clock = manualClock(MARKET_HOURS);
    const account = session(clock, { timings: NO_PINGS });
    await logIn(account);
    const seen = recorder();
    account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
    await waitFor(() => seen.ticks.length > 0, 'streaming');

    sandbox.feed.sendMalformed();
    await waitFor(() => seen.malformed.length === 1, 'the first report');
    assert.equal(seen.malformed[0].count, 1);
    assert.match(seen.malformed[0].problem, /a frame of 6 bytes whose header says 3 packets of 51 bytes/);
    sandbox.feed.sendMalformed(Buffer.alloc(1024 * 1024, 0xff));
    sandbox.feed.sendMalformed(Buffer.alloc(0));
    await sleep(300);
    assert.equal(seen.malformed.length, 1, 'not again within the minute');
    const ticksBefore = seen.ticks.length;
    await waitFor(() => seen.ticks.length > ticksBefore, 'ticks still flowing');
    clock.advance(60_000);
    assert.deepEqual(seen.malformed[1], { count: 2, problem: 'an empty frame' });
    assert.equal(seen.last().state, 'streaming');
    assert.equal(sandbox.feed.handshakes, 1, 'the socket was kept');
  });

  it('never shows the API key or the session token: refusals, network failures, a close reason that echoes them', async function () {
    const port = await freePort();
    // a feed that closes every socket with a reason that repeats the query it was opened with
    const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    echo.on('connection', (ws, req) => ws.close(4000, `bad key ${new URL(req.url, 'ws://x').searchParams.get('API_KEY')}`));
    await new Promise((resolve) => echo.once('listening', resolve));
    try {
      const messages = [];
      const cases = [
        { url: sandbox.feedUrl, before: () => sandbox.feed.refuseHandshakes(), expect: /HTTP 401/ },
        { url: `ws://127.0.0.1:${port}`, expect: /could not be reached: the connection was refused/ },
        { url: `ws://127.0.0.1:${echo.address().port}`, expect: /closed the connection \(code 4000: bad key \[redacted\]\)/ },
      ];
      for (const { url, before, expect } of cases) {
        before?.();
        const account = session(systemClock, { url });
        const token = await logIn(account);
        const seen = recorder();
        account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
        await waitFor(() => seen.last().message, `a failure from ${url}`);
        assert.match(seen.last().message, expect);
        for (const state of seen.states) messages.push(JSON.stringify(state), token);
        sandbox.feed.refuseHandshakes(false);
      }
      const tokens = messages.filter((_, i) => i % 2 === 1);
      const texts = messages.filter((_, i) => i % 2 === 0).join('\n');
      for (const secret of [SANDBOX_ACCOUNT.apiKey, ...tokens]) {
        for (const form of [secret, encodeURIComponent(secret)]) assert.ok(!texts.includes(form), `a secret in: ${texts}`);
      }
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it('refuses a bad instrument or mode, and an account without feed settings', function () {
    const account = session();
    const subscriber = account.feed.subscriber({});
    throwsWith(() => subscriber.subscribe([{ exchange: 'NASDAQ', token: '1' }], 'ltp'), ErrorCode.INVALID_INPUT);
    throwsWith(() => subscriber.subscribe([{ exchange: 'NSE', token: '' }], 'ltp'), ErrorCode.INVALID_INPUT);
    throwsWith(() => subscriber.subscribe([SBIN], 'full'), ErrorCode.INVALID_INPUT);
    assert.deepEqual(subscriber.instruments, [], 'nothing half-subscribed');
    throwsWith(() => newSession(sandbox, systemClock, { url: 'ws://ws.mstock.trade' }), ErrorCode.INVALID_INPUT);
    const client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey });
    const withoutFeed = new AccountSession(client, { clientCode: 'X', password: 'y' });
    sessions.push(withoutFeed);
    throwsWith(() => withoutFeed.feed, ErrorCode.NO_CREDENTIALS);
  });

  it('closes its socket when the account session is closed', async function () {
    const account = session();
    await logIn(account);
    const seen = recorder();
    account.feed.subscriber(seen.listener).subscribe([SBIN], 'ltp');
    await waitFor(() => sandbox.feed.connections === 1, 'the socket');
    account.close();
    await waitFor(() => sandbox.feed.connections === 0, 'the socket to close');
    throwsWith(() => account.feed, ErrorCode.NETWORK);
  });
});
