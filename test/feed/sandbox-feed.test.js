'use strict';
// The sandbox's live feed over a real WebSocket on loopback, from a bare client: the handshake,
// LOGIN, subscribe and unsubscribe, ticks from the market's price path, and the fault switches.
const assert = require('node:assert/strict');
const { parseFeedFrame } = require('../../dist/src/api/feed-parser');
const { loginFrame, subscribeFrame, unsubscribeFrame } = require('../../dist/src/api/feed-messages');
const { feedConnectUrl } = require('../../dist/src/api/feed-url');
const { manualClock } = require('../manual-clock');
const { MARKET_HOURS, startSandbox, newSession, logIn, waitFor, openSocket, SANDBOX_ACCOUNT } = require('./support');

const SBIN = { exchange: 'NSE', token: '3045' };
const RELIANCE = { exchange: 'NSE', token: '2885' };
const NIFTY_FUT = { exchange: 'NFO', token: '38963' };

describe('sandbox live feed: a WebSocket on the sandbox port', function () {
  this.timeout(20_000);
  let clock;
  let sandbox;
  let session;
  let token;
  const sockets = [];

  before(async function () {
    clock = manualClock(MARKET_HOURS);
    sandbox = await startSandbox(clock);
    session = newSession(sandbox, clock);
    token = await logIn(session);
  });

  after(async function () {
    session.close();
    await sandbox.stop();
  });

  afterEach(function () {
    for (const socket of sockets.splice(0)) socket.terminate();
    sandbox.feed.refuseHandshakes(false);
    sandbox.feed.hangHandshakes(false);
    sandbox.feed.mute(false);
    sandbox.feed.ticksPerSecond = 2;
    sandbox.feed.loginTimeoutMs = 10_000;
  });

  async function connect(apiKey = SANDBOX_ACCOUNT.apiKey, accessToken = token) {
    const opened = await openSocket(feedConnectUrl(sandbox.feedUrl, apiKey, accessToken));
    if (opened.socket) sockets.push(opened.socket);
    return opened;
  }

  const ticksOf = (socket) => socket.frames.filter((f) => Buffer.isBuffer(f)).flatMap((f) => parseFeedFrame(f).ticks);

  it('refuses the handshake with 401 for a wrong API key or a token that is no session', async function () {
    assert.equal((await connect('wrong-key')).status, 401);
    assert.equal((await connect(undefined, 'not-a-session')).status, 401);
    assert.ok((await connect()).socket, 'the right key and a live token open the socket');
  });

  it('sends ticks only after LOGIN, for what is subscribed, priced as the quote endpoint prices them', async function () {
    sandbox.feed.ticksPerSecond = 20;
    const { socket } = await connect();
    socket.send(subscribeFrame('ltp', [SBIN]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(socket.frames.length, 0, 'a subscribe before LOGIN is not answered');
    assert.deepEqual(sandbox.feed.subscriptions(), [], 'nor kept for later');

    socket.send(loginFrame(token));
    socket.send(subscribeFrame('ltp', [SBIN, RELIANCE]));
    await waitFor(() => new Set(ticksOf(socket).map((t) => t.token)).size === 2, 'ticks of both instruments');
    const ticks = ticksOf(socket);
    const quote = sandbox.market.quote('LTP', { NSE: ['3045', '2885'] }).fetched;
    for (const tick of ticks) {
      assert.equal(tick.mode, 'ltp');
      assert.equal(tick.exchange, 'NSE');
      assert.equal(tick.ltp, quote.find((q) => q.symbolToken === tick.token).ltp);
      assert.equal(tick.time, '2025-02-04T11:00:00+05:30');
    }
    const sequences = ticks.map((t) => t.sequence);
    assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b), 'sequence numbers rise');
    assert.equal(new Set(sequences).size, sequences.length);
  });

  it('batches packets behind little-endian headers and now and then sends them bare', async function () {
    sandbox.feed.ticksPerSecond = 50;
    const { socket } = await connect();
    socket.send(loginFrame(token));
    socket.send(subscribeFrame('quote', [SBIN, RELIANCE]));
    await waitFor(() => socket.frames.filter((f) => Buffer.isBuffer(f) && f.length === 123).length >= 2, 'bare quote packets');
    const headed = socket.frames.find((f) => Buffer.isBuffer(f) && f.length === 4 + 2 * 123);
    assert.ok(headed, 'a frame of two quote packets behind a header');
    assert.equal(headed.readUInt16LE(0), 2);
    assert.equal(headed.readUInt16LE(2), 123);
    for (const frame of socket.frames) assert.equal(parseFeedFrame(frame).malformed, 0);
  });

  it('keeps its tick rate when its timer cannot fire that often: 1,000 ticks a second of one instrument', async function () {
    sandbox.feed.ticksPerSecond = 1000;
    const { socket } = await connect();
    socket.send(loginFrame(token));
    socket.send(subscribeFrame('ltp', [SBIN]));
    await waitFor(() => ticksOf(socket).length > 0, 'the first tick');
    const first = ticksOf(socket).length;
    const from = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const perSecond = ((ticksOf(socket).length - first) * 1000) / (Date.now() - from);
    // the sandbox's timer fires every 5 ms at the most: 200 rounds a second, so several rounds go at each
    assert.ok(perSecond >= 800 && perSecond <= 1100, `${perSecond.toFixed(0)} ticks a second`);
  });

  it('sends snap packets with depth around the price, and stops what is unsubscribed', async function () {
    sandbox.feed.ticksPerSecond = 20;
    const { socket } = await connect();
    socket.send(loginFrame(token));
    socket.send(subscribeFrame('snap', [NIFTY_FUT]));
    socket.send(subscribeFrame('ltp', [SBIN]));
    await waitFor(() => ticksOf(socket).some((t) => t.mode === 'snap'), 'a snap tick');
    const snap = ticksOf(socket).find((t) => t.mode === 'snap');
    assert.equal(snap.exchange, 'NFO');
    assert.equal(snap.ltp, sandbox.market.priceAt('38963', clock.now()));
    assert.ok(snap.depth.bids.every((b) => b.price < snap.ltp) && snap.depth.asks.every((a) => a.price > snap.ltp), 'bids under, asks over the price');
    assert.ok(snap.low <= snap.ltp && snap.ltp <= snap.high);
    assert.ok(snap.openInterest > 0, 'a future has open interest');
    assert.deepEqual(sandbox.feed.subscriptions().map((s) => `${s.mode} ${s.exchange}:${s.token}`).sort(), ['ltp NSE:3045', 'snap NFO:38963']);

    socket.send(unsubscribeFrame('snap', [NIFTY_FUT]));
    await waitFor(() => sandbox.feed.subscriptions().length === 1, 'the unsubscribe');
    socket.frames.length = 0;
    await waitFor(() => ticksOf(socket).length >= 4, 'more ticks');
    assert.deepEqual([...new Set(ticksOf(socket).map((t) => t.token))], ['3045']);
  });

  it('closes a socket that does not send LOGIN in time', async function () {
    sandbox.feed.loginTimeoutMs = 200;
    const { socket } = await connect();
    const closed = await new Promise((resolve) => socket.on('close', (code) => resolve(code)));
    assert.equal(closed, 1008);
  });

  it('closes a socket whose LOGIN names no session', async function () {
    const { socket } = await connect();
    socket.send(loginFrame('not-a-session'));
    assert.equal(await new Promise((resolve) => socket.on('close', (code) => resolve(code))), 1008);
  });

  it('answers pings, and not while muted', async function () {
    const { socket } = await connect();
    socket.send(loginFrame(token));
    const pong = () => new Promise((resolve) => {
      socket.once('pong', () => resolve('pong'));
      setTimeout(() => resolve('silence'), 500);
    });
    socket.ping();
    assert.equal(await pong(), 'pong');
    sandbox.feed.mute();
    socket.ping();
    assert.equal(await pong(), 'silence');
  });

  it('switches: refuse with 401, hang the handshake, drop sockets, send a malformed frame or text frames', async function () {
    sandbox.feed.refuseHandshakes();
    assert.equal((await connect()).status, 401);
    sandbox.feed.refuseHandshakes(false);

    sandbox.feed.hangHandshakes();
    const hung = await Promise.race([connect(), new Promise((resolve) => setTimeout(() => resolve('no answer'), 500))]);
    assert.equal(hung, 'no answer');
    sandbox.feed.hangHandshakes(false);

    const { socket } = await connect();
    socket.send(loginFrame(token));
    await waitFor(() => sandbox.feed.connections >= 1, 'the open socket');
    sandbox.feed.sendMalformed();
    await waitFor(() => socket.frames.length > 0, 'the malformed frame');
    assert.equal(parseFeedFrame(socket.frames[0]).malformed, 1);
    sandbox.feed.sendText('{"type":"error","data":"x"}', 3);
    await waitFor(() => socket.frames.length === 4, 'three text frames');
    assert.deepEqual(socket.frames.slice(1), ['{"type":"error","data":"x"}', '{"type":"error","data":"x"}', '{"type":"error","data":"x"}']);
    const closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
    sandbox.feed.dropConnections();
    assert.equal(await closed, 1006, 'dropped without a closing handshake');
  });
});
