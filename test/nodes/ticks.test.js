'use strict';
// mstock-ticks in a real Node-RED runtime against the sandbox's live feed, a real WebSocket on
// loopback: what ticks look like in each mode, the node's own list, subscribing by message, the
// throttle, drops, the session's end and return, malformed, truncated and huge frames, floods of
// text frames, a refused or unanswered handshake, close, and no secret in anything the node says.
const assert = require('node:assert/strict');
const { URLSearchParams } = require('node:url');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, ticksFlow, collect, until, recordNodes, statusOf, failureOf, goLive, bearerOf, SANDBOX_ACCOUNT } =
  require('./support');
const { manualClock } = require('../manual-clock');
const { encodePacket, headerFrame } = require('../../dist/src/sandbox/feed-packets');

/** Tuesday 4 February 2025, 11:00 India time: the market is open. The sandbox's clock stays there, so every tick has the same price. */
const MARKET_HOURS = Date.parse('2025-02-04T11:00:00+05:30');
const TICK_TIME = '2025-02-04T11:00:00+05:30';
// a first lookup downloads the instrument master (about 100,000 rows): the account allows 10 s a call
const ACCOUNT = { timeout: 10000 };
const FIRST_CALL_MS = 15000;

const LTP_KEYS = ['exchange', 'token', 'symbol', 'mode', 'ltp', 'time', 'sequence'];
const QUOTE_KEYS = [...LTP_KEYS, 'lastTradedQty', 'averagePrice', 'volume', 'totalBuyQty', 'totalSellQty', 'open', 'high', 'low', 'close'];
const SNAP_KEYS = [...QUOTE_KEYS, 'lastTradedTime', 'openInterest', 'openInterestPercent', 'depth', 'upperCircuit', 'lowerCircuit', 'yearHigh', 'yearLow'];

const STREAMING = (n) => ({ fill: 'green', shape: 'dot', text: `streaming ${n} instrument${n === 1 ? '' : 's'}` });
const WAITING = { fill: 'grey', shape: 'ring', text: 'waiting for session' };
const LIVE = { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mstock-ticks: the live feed in a flow, against the sandbox', function () {
  this.timeout(40000);
  let sandbox;
  let url;

  sandboxPerTest(
    (s, u) => {
      sandbox = s;
      url = u;
      s.market.knows('3045'); // the sandbox builds its master before the first socket or download needs it
    },
    () => ({ clock: manualClock(MARKET_HOURS) }),
  );

  const load = (ticks, options = {}) => helper.load(allNodes, ticksFlow(url, ticks, { ...ACCOUNT, ...options }), sandboxCredentials());
  const master = (exchange, symbol) => sandbox.market.masterRows().find((r) => r.exch_seg === exchange && r.name === symbol);
  const subscribed = () => sandbox.feed.subscriptions().map((s) => `${s.mode} ${s.exchange}:${s.token}`).sort();
  const isTick = (msg) => /^mstock\/tick\//.test(msg.topic);

  /** Every tick message arriving at helper `id` (which the login and OTP nodes share), with when it came. */
  function ticksAt(id = 'out') {
    const seen = [];
    helper.getNode(id).on('input', (msg) => isTick(msg) && seen.push({ at: Date.now(), msg }));
    return seen;
  }

  it('ticks flow with the topic and fields of each mode, at the sandbox price path\'s price', async function () {
    await load({ ticks1: { mode: 'msg' } });
    await goLive(sandbox);
    const seen = ticksAt();
    const caught = collect(helper.getNode('caught'));
    helper.getNode('ticks1').receive({ payload: { action: 'subscribe', mode: 'ltp', instruments: 'NSE:SBIN-EQ' } });
    helper.getNode('ticks1').receive({ payload: { action: 'subscribe', instruments: ['nse:infy-eq'] }, mode: 'QUOTE' });
    helper.getNode('ticks1').receive({ payload: { action: 'subscribe', mode: 'snap', instruments: [{ exchange: 'nse', token: 2885 }] } });
    await until(() => new Set(seen.map((s) => s.msg.topic)).size === 3, FIRST_CALL_MS, 'ticks of all three');
    assert.deepEqual(caught, []);
    const infy = master('NSE', 'INFY-EQ');
    const reliance = master('NSE', 'RELIANCE-EQ');
    assert.equal(reliance.token, '2885');
    const expected = {
      'mstock/tick/NSE/3045': { symbol: 'SBIN-EQ', mode: 'ltp', keys: LTP_KEYS },
      [`mstock/tick/NSE/${infy.token}`]: { symbol: 'INFY-EQ', mode: 'quote', keys: QUOTE_KEYS },
      'mstock/tick/NSE/2885': { symbol: 'RELIANCE-EQ', mode: 'snap', keys: SNAP_KEYS },
    };
    for (const { msg } of seen) {
      const want = expected[msg.topic];
      assert.ok(want, msg.topic);
      const [, , exchange, token] = msg.topic.split('/');
      assert.deepEqual(Object.keys(msg.payload), want.keys, msg.topic);
      assert.deepEqual([msg.payload.exchange, msg.payload.token, msg.payload.symbol, msg.payload.mode], [exchange, token, want.symbol, want.mode]);
      assert.equal(msg.payload.ltp, sandbox.market.priceAt(token, MARKET_HOURS));
      assert.equal(msg.payload.time, TICK_TIME);
      assert.ok(Number.isInteger(msg.payload.sequence) && msg.payload.sequence > 0);
      if (want.mode !== 'ltp') {
        assert.ok(msg.payload.high >= msg.payload.ltp && msg.payload.low <= msg.payload.ltp, JSON.stringify(msg.payload));
        assert.equal(typeof msg.payload.volume, 'number');
      }
      if (want.mode === 'snap') {
        assert.equal(msg.payload.depth.bids.length, 5);
        assert.equal(msg.payload.depth.asks.length, 5);
        assert.ok(msg.payload.depth.bids[0].price < msg.payload.depth.asks[0].price);
        assert.equal(msg.payload.lastTradedTime, TICK_TIME);
      }
    }
    assert.deepEqual(subscribed(), [`ltp NSE:3045`, `quote NSE:${infy.token}`, 'snap NSE:2885'].sort());
    assert.deepEqual(statusOf('ticks1'), STREAMING(3));
  });

  it('the own list is subscribed once the session is live; until then the status waits for it', async function () {
    await load({ ticks1: { instruments: 'NSE:SBIN-EQ\nnse:3045, NSE:INFY-EQ' } });
    assert.deepEqual(statusOf('ticks1'), WAITING);
    await sleep(300);
    assert.equal(sandbox.feed.handshakes, 0, 'no socket without a session');
    const seen = ticksAt();
    await goLive(sandbox);
    const infy = master('NSE', 'INFY-EQ');
    await until(() => new Set(seen.map((s) => s.msg.topic)).size === 2, FIRST_CALL_MS, 'ticks of both instruments');
    assert.deepEqual(subscribed(), ['ltp NSE:3045', `ltp NSE:${infy.token}`].sort());
    assert.deepEqual(statusOf('ticks1'), STREAMING(2));
    assert.equal(sandbox.feed.connections, 1);
  });

  it('an own list with an unknown instrument subscribes nothing: red status, and the log names it', async function () {
    await load({ ticks1: { instruments: 'NSE:SBIN-EQ, NSE:NOSUCHSYMBOL-EQ' } });
    const record = recordNodes(['ticks1']);
    await goLive(sandbox);
    await until(() => record.logs.some((l) => l.level === 'error'), FIRST_CALL_MS, 'the refusal in the log');
    assert.match(String(record.logs[0].args[0]), /Instrument 2 of 2 in the node's Instruments list: NSE:NOSUCHSYMBOL-EQ is not in mStock's instrument master/);
    assert.deepEqual(record.statuses.ticks1.at(-1), { fill: 'red', shape: 'ring', text: 'invalid input' });
    await sleep(300);
    assert.equal(sandbox.feed.handshakes, 0, 'nothing subscribed');
  });

  it('subscribes and unsubscribes by message; unsubscribing everything closes the socket', async function () {
    await load({ ticks1: {} });
    await goLive(sandbox);
    const infy = master('NSE', 'INFY-EQ');
    const seen = ticksAt();
    helper.getNode('ticks1').receive({ payload: { action: 'subscribe', instruments: ['NSE:SBIN-EQ', { exchange: 'NSE', symbol: 'infy-eq' }] } });
    await until(() => new Set(seen.map((s) => s.msg.topic)).size === 2, FIRST_CALL_MS, 'ticks of both');
    assert.deepEqual(statusOf('ticks1'), STREAMING(2));

    helper.getNode('ticks1').receive({ payload: { action: 'unsubscribe', instruments: `NSE:${infy.token}` } });
    await until(() => subscribed().length === 1, 3000, 'the unsubscribe to reach the sandbox');
    assert.deepEqual(subscribed(), ['ltp NSE:3045']);
    assert.deepEqual(statusOf('ticks1'), STREAMING(1));
    await sleep(100); // ticks sent before the unsubscribe may still be on their way
    const from = Date.now();
    await sleep(600);
    const after = seen.filter((s) => s.at > from);
    assert.ok(after.length > 0, 'SBIN still ticks');
    assert.deepEqual([...new Set(after.map((s) => s.msg.topic))], ['mstock/tick/NSE/3045']);

    helper.getNode('ticks1').receive({ payload: { action: 'unsubscribe' } });
    await until(() => sandbox.feed.connections === 0, 3000, 'the socket to close');
    assert.deepEqual(statusOf('ticks1'), LIVE);
  });

  it('refuses what it cannot use with MSTOCK_INVALID_INPUT, naming it, and subscribes nothing', async function () {
    await load({ ticks1: { mode: 'msg' }, ticks2: { mode: 'ltp' } });
    await goLive(sandbox);
    const cases = [
      ['ticks2', { payload: { action: 'subscribe', instruments: ['NSE:SBIN-EQ', 'NSE:NOSUCHSYMBOL-EQ'] } }, /Instrument 2 of 2 in msg\.payload\.instruments: NSE:NOSUCHSYMBOL-EQ is not in mStock's instrument master/],
      ['ticks2', { payload: { action: 'subscribe', instruments: 'SBIN-EQ' } }, /names no exchange/],
      ['ticks2', { payload: 'NSE:SBIN-EQ' }, /msg\.payload must be \{ "action"/],
      ['ticks2', { payload: { action: 'watch', instruments: 'NSE:SBIN-EQ' } }, /action must be "subscribe" or "unsubscribe", but it was "watch"/],
      ['ticks2', { payload: { action: 'subscribe' } }, /names no instrument to subscribe to/],
      ['ticks1', { payload: { action: 'subscribe', instruments: 'NSE:SBIN-EQ' } }, /neither msg\.mode nor msg\.payload\.mode/],
      ['ticks1', { payload: { action: 'subscribe', mode: 'full', instruments: 'NSE:SBIN-EQ' } }, /msg\.payload\.mode must be one of "ltp", "quote", "snap", but it was "full"/],
      ['ticks1', { payload: { action: 'subscribe', instruments: 'NSE:SBIN-EQ' }, mode: 3 }, /msg\.mode must be one of/],
    ];
    for (const [id, msg, message] of cases) {
      const failed = await failureOf(id, { ...msg, mine: 'kept' }, FIRST_CALL_MS);
      assert.equal(failed.error.code, 'MSTOCK_INVALID_INPUT', message.source);
      assert.match(failed.error.message, message);
      assert.match(failed.error.message, /Nothing was sent to mStock\.$/);
      assert.equal(failed.mine, 'kept');
    }
    assert.deepEqual(statusOf('ticks2'), { fill: 'red', shape: 'ring', text: 'invalid input' });
    await sleep(300);
    assert.equal(sandbox.feed.handshakes, 0, 'nothing was subscribed');
  });

  it('the node\'s own mode wins over the message\'s, with one warning', async function () {
    await load({ ticks1: { mode: 'quote' } });
    await goLive(sandbox);
    const record = recordNodes(['ticks1']);
    const seen = ticksAt();
    helper.getNode('ticks1').receive({ payload: { action: 'subscribe', mode: 'ltp', instruments: 'NSE:SBIN-EQ' } });
    helper.getNode('ticks1').receive({ payload: { action: 'subscribe', instruments: 'NSE:SBIN-EQ' }, mode: 'snap' });
    await until(() => seen.length > 0, FIRST_CALL_MS, 'a tick');
    assert.equal(seen[0].msg.payload.mode, 'quote');
    assert.deepEqual(subscribed(), ['quote NSE:3045']);
    const warnings = record.logs.filter((l) => l.level === 'warn').map((l) => l.args[0]);
    assert.deepEqual(warnings, ['The message\'s mode is ignored: the node\'s own Mode (quote) is set. Set Mode to "set by msg.mode" to take it from the message.']);
  });

  it('two nodes, one instrument, two modes: one subscription in the higher mode, each node gets the fields of its own', async function () {
    const flow = ticksFlow(url, { ticks1: { mode: 'ltp', instruments: 'NSE:SBIN-EQ' }, ticks2: { mode: 'snap', instruments: 'NSE:3045' } }, ACCOUNT);
    flow.find((n) => n.id === 'ticks2').wires = [['snaps']];
    flow.push({ id: 'snaps', type: 'helper', z: 'tab1' });
    await helper.load(allNodes, flow, sandboxCredentials());
    await goLive(sandbox);
    const ltp = ticksAt('out');
    const snap = ticksAt('snaps');
    await until(() => ltp.length >= 3 && snap.length >= 3, FIRST_CALL_MS, 'ticks at both nodes');
    assert.deepEqual(subscribed(), ['snap NSE:3045']);
    assert.equal(sandbox.feed.connections, 1, 'one socket for the account');
    for (const { msg } of ltp) assert.deepEqual(Object.keys(msg.payload), LTP_KEYS);
    for (const { msg } of snap) assert.deepEqual(Object.keys(msg.payload), SNAP_KEYS);
    assert.deepEqual([ltp[0].msg.topic, snap[0].msg.topic], ['mstock/tick/NSE/3045', 'mstock/tick/NSE/3045']);
    assert.equal(ltp[0].msg.payload.ltp, snap[0].msg.payload.ltp);
  });

  it('throttle 200 ms on a fast feed: at most one message per instrument per 200 ms, always the newest tick', async function () {
    sandbox.feed.ticksPerSecond = 50;
    const list = 'NSE:SBIN-EQ, NSE:INFY-EQ';
    const flow = ticksFlow(url, { ticks1: { instruments: list, throttle: '200' }, ticks2: { instruments: list, throttle: 0 } }, ACCOUNT);
    flow.find((n) => n.id === 'ticks2').wires = [['every']];
    flow.push({ id: 'every', type: 'helper', z: 'tab1' });
    await helper.load(allNodes, flow, sandboxCredentials());
    // one log of both nodes' messages, in the order and at the time the nodes send them
    const log = [];
    for (const [id, throttled] of [['ticks1', true], ['ticks2', false]]) {
      const node = helper.getNode(id);
      const send = node.send.bind(node);
      node.send = (msg) => {
        log.push({ throttled, at: Date.now(), topic: msg.topic, sequence: msg.payload.sequence });
        return send(msg);
      };
    }
    await goLive(sandbox);
    await until(() => log.length > 0, FIRST_CALL_MS, 'the first ticks');
    await sleep(2000);
    const topics = [...new Set(log.map((e) => e.topic))];
    assert.equal(topics.length, 2);
    for (const topic of topics) {
      const throttled = log.filter((e) => e.throttled && e.topic === topic);
      const every = log.filter((e) => !e.throttled && e.topic === topic);
      assert.ok(every.length >= 3 * throttled.length, `the feed is fast (${every.length} ticks) and the throttle lets few through (${throttled.length})`);
      assert.ok(throttled.length >= 5, `${throttled.length} messages in about 2 s`);
      for (let i = 1; i < throttled.length; i++) {
        // Date.now() is read a moment after the throttle reads it: the readings may be 1 ms closer
        assert.ok(throttled[i].at - throttled[i - 1].at >= 199, `${topic}: ${throttled[i].at - throttled[i - 1].at} ms apart`);
      }
      const sequences = new Set(every.map((e) => e.sequence));
      for (const message of throttled) {
        assert.ok(sequences.has(message.sequence), 'a tick the feed sent');
        const before = log.slice(0, log.indexOf(message)).filter((e) => !e.throttled && e.topic === topic).map((e) => e.sequence);
        assert.ok(before.every((s) => s <= message.sequence), `${topic}: tick ${message.sequence} went out after the newer ${Math.max(...before)}`);
      }
    }
  });

  describe('when the feed or the session fails', function () {
    /** The secrets of the account and every session token the sandbox handed out. */
    function secrets() {
      const tokens = new Set(sandbox.requests.map(bearerOf).filter(Boolean));
      for (const { text } of sandbox.feed.received) if (text.startsWith('LOGIN:')) tokens.add(text.slice('LOGIN:'.length));
      assert.ok(tokens.size > 0, 'a session token to look for');
      return [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password, ...tokens];
    }

    /** Nothing the nodes said (statuses, log lines, warnings, errors) nor any message holds a secret. */
    function assertNoSecrets(record, messages = []) {
      const said = JSON.stringify({ statuses: record.statuses, logs: record.logs.map((l) => l.args.map(String)), messages });
      for (const secret of secrets()) {
        for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
          assert.ok(!said.includes(form), 'a secret was in what the nodes said');
        }
      }
    }

    it('after the socket drops, ticks flow again within 3 s with the same subscriptions', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ', mode: 'quote' }, ticks2: { mode: 'snap' } });
      const record = recordNodes(['ticks1', 'ticks2', 'c1']);
      await goLive(sandbox);
      const seen = ticksAt();
      helper.getNode('ticks2').receive({ payload: { action: 'subscribe', instruments: 'NSE:INFY-EQ' } });
      await until(() => new Set(seen.map((s) => s.msg.topic)).size === 2, FIRST_CALL_MS, 'ticks of both');
      const before = subscribed();
      const handshakes = sandbox.feed.handshakes;

      sandbox.feed.dropConnections();
      const droppedAt = Date.now();
      await until(() => sandbox.feed.handshakes > handshakes && sandbox.feed.connections === 1, 3000, 'a new socket');
      const reconnectedAt = Date.now();
      await until(() => new Set(seen.filter((s) => s.at > reconnectedAt).map((s) => s.msg.topic)).size === 2, 3000 - (reconnectedAt - droppedAt), 'ticks of both on the new socket');
      assert.ok(Date.now() - droppedAt < 3000, `${Date.now() - droppedAt} ms`);
      assert.deepEqual(subscribed(), before);
      assert.ok(record.statuses.ticks1.some((st) => st.text === 'connecting'), 'connecting while it reconnected');
      assert.deepEqual(record.statuses.ticks1.at(-1), STREAMING(1));
      assert.deepEqual(record.logs.filter((l) => l.level === 'error'), []);
      assertNoSecrets(record, seen);
    });

    it('when the session expires the feed stops ("waiting for session", no ticks); a new login resumes it without a redeploy', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ, NSE:INFY-EQ' } });
      const record = recordNodes(['ticks1', 'c1']);
      await goLive(sandbox);
      const seen = ticksAt();
      await until(() => seen.length > 2, FIRST_CALL_MS, 'ticks');
      const before = subscribed();

      sandbox.setFault({ kind: 'unauthorized', endpoints: ['fundSummary'], times: 1 });
      const expired = await failureOf('funds1');
      assert.equal(expired.error.code, 'MSTOCK_SESSION_EXPIRED');
      assert.deepEqual(record.statuses.ticks1.at(-1), WAITING);
      await until(() => sandbox.feed.connections === 0, 3000, 'the socket to close');
      await sleep(100);
      const quietFrom = Date.now();
      await sleep(1200);
      assert.deepEqual(seen.filter((s) => s.at > quietFrom), [], 'no tick without a session');
      assert.deepEqual(record.statuses.ticks1.at(-1), WAITING);

      const handshakes = sandbox.feed.handshakes;
      await goLive(sandbox);
      const liveAt = Date.now();
      await until(() => new Set(seen.filter((s) => s.at > liveAt).map((s) => s.msg.topic)).size === 2, 3000, 'ticks again');
      assert.equal(sandbox.feed.handshakes, handshakes + 1, 'one new socket');
      assert.deepEqual(subscribed(), before);
      assert.deepEqual(record.statuses.ticks1.at(-1), STREAMING(2));
      assertNoSecrets(record, seen);
    });

    it('malformed frames: one warning, not one per frame, and the ticks go on', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ' } });
      const record = recordNodes(['ticks1']);
      await goLive(sandbox);
      const seen = ticksAt();
      await until(() => seen.length > 0, FIRST_CALL_MS, 'ticks');
      for (let i = 0; i < 5; i++) {
        sandbox.feed.sendMalformed();
        await sleep(20);
      }
      await until(() => record.logs.some((l) => l.level === 'warn'), 3000, 'the warning');
      const from = Date.now();
      await sleep(800);
      const warnings = record.logs.filter((l) => l.level === 'warn').map((l) => String(l.args[0]));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /^mStock's live feed: 1 frame or packet could not be read and was skipped; the last was a frame of 6 bytes .*at most once a minute\.$/);
      assert.ok(seen.some((s) => s.at > from), 'ticks still flow');
      assert.deepEqual(record.statuses.ticks1.at(-1), STREAMING(1));
      assertNoSecrets(record, seen);
    });

    it('a flood of text frames (10,000 small, one of 1 MB) is no tick and no fault: no warning, no error, the same socket, ticks go on', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ' } });
      const record = recordNodes(['ticks1', 'c1']);
      await goLive(sandbox);
      const seen = ticksAt();
      await until(() => seen.length > 0, FIRST_CALL_MS, 'ticks');
      const handshakes = sandbox.feed.handshakes;
      sandbox.feed.sendText('{"order_status":"order","orderData":{"orderid":"1"}}', 10_000);
      sandbox.feed.sendText('{"type":"error","data":"' + 'x'.repeat(1024 * 1024) + '"}');
      const from = Date.now();
      await until(() => seen.some((s) => s.at > from + 500), 5000, 'ticks after the flood');
      assert.deepEqual(record.logs.filter((l) => l.level === 'warn' || l.level === 'error'), []);
      assert.equal(sandbox.feed.handshakes, handshakes, 'no new socket');
      assert.equal(sandbox.feed.connections, 1);
      assert.ok(seen.every((s) => isTick(s.msg) && s.msg.payload.symbol === 'SBIN-EQ'), 'only ticks reach the flow');
      assert.deepEqual(record.statuses.ticks1.at(-1), STREAMING(1));
      assertNoSecrets(record, seen);
    });

    it('a handshake that is never answered: "connecting", then "feed error" after 10 s with one log line and another attempt; it streams once the feed answers', async function () {
      this.timeout(60000);
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ' } });
      const record = recordNodes(['ticks1', 'c1']);
      const shown = () => record.statuses.ticks1.at(-1);
      sandbox.feed.hangHandshakes();
      const seen = ticksAt();
      await goLive(sandbox);
      await until(() => sandbox.feed.handshakes === 1, FIRST_CALL_MS, 'the first handshake');
      const hungAt = Date.now();
      await until(() => shown()?.text === 'connecting', 1000, '"connecting"');
      assert.deepEqual(shown(), { fill: 'yellow', shape: 'ring', text: 'connecting' });
      await until(() => shown()?.fill === 'red', 12000, 'the red status');
      assert.ok(Date.now() - hungAt >= 9500, `gave up after ${Date.now() - hungAt} ms`);
      assert.deepEqual(shown(), { fill: 'red', shape: 'ring', text: 'feed error' });
      const errors = () => record.logs.filter((l) => l.level === 'error').map((l) => String(l.args[0]));
      assert.deepEqual(errors(), [`mStock's live feed (${new URL(sandbox.feedUrl).host}) did not answer the connection within 10 s.`]);
      await until(() => sandbox.feed.handshakes === 2, 3000, 'another attempt after 1 s');
      assert.deepEqual(seen, []);

      sandbox.feed.hangHandshakes(false);
      await until(() => seen.length > 0, 8000, 'ticks once the feed answers');
      assert.deepEqual(shown(), STREAMING(1));
      // the held socket is dropped when the sandbox stops hanging: that attempt fails in its own words
      const host = new URL(sandbox.feedUrl).host;
      assert.deepEqual(errors(), [`mStock's live feed (${host}) did not answer the connection within 10 s.`, `mStock's live feed (${host}) could not be reached: the connection was reset.`]);
      assertNoSecrets(record, seen);
    });

    it('truncated packets, packets of an unknown size and a 1 MB frame: no crash, one warning, and the ticks go on', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ' } });
      const record = recordNodes(['ticks1', 'c1']);
      await goLive(sandbox);
      const seen = ticksAt();
      await until(() => seen.length > 0, FIRST_CALL_MS, 'ticks');
      const quote = (sequence) => encodePacket({ mode: 'quote', exchangeType: 1, token: '3045', sequence, timeMs: MARKET_HOURS, ltp: 765.45 });
      const sixty = Buffer.alloc(60, 1);
      const unknownSize = Buffer.alloc(4 + 60);
      unknownSize.writeUInt16LE(1, 0);
      unknownSize.writeUInt16LE(60, 2);
      const frames = [
        Buffer.alloc(1024 * 1024, 0x41),
        headerFrame([quote(1), quote(2)]).subarray(0, 4 + 123 + 60),
        quote(3).subarray(0, 100),
        sixty,
        unknownSize,
        Buffer.concat([headerFrame([quote(4), quote(5)]), Buffer.alloc(7)]),
      ];
      for (const frame of frames) sandbox.feed.sendMalformed(frame);
      await until(() => record.logs.some((l) => l.level === 'warn'), 3000, 'the warning');
      const from = Date.now();
      await sleep(1000);
      const warnings = record.logs.filter((l) => l.level === 'warn').map((l) => String(l.args[0]));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /^mStock's live feed: 1 frame or packet could not be read and was skipped; the last was a frame of 1048576 bytes whose header says 16705 packets of 16705 bytes\. This is reported at most once a minute\.$/);
      assert.deepEqual(record.logs.filter((l) => l.level === 'error'), []);
      assert.ok(seen.some((s) => s.at > from), 'ticks still flow');
      assert.ok(seen.every((s) => s.msg.payload.sequence > 5 || s.msg.payload.ltp !== 765.45), 'nothing of the bad frames reached the flow');
      assert.deepEqual(record.statuses.ticks1.at(-1), STREAMING(1));
      assert.equal(sandbox.feed.connections, 1);
      assertNoSecrets(record, seen);
    });

    it('a feed that refuses the handshake (401): red status, one log line, no crash; it streams once the feed accepts again', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ' } });
      const record = recordNodes(['ticks1', 'c1']);
      sandbox.feed.refuseHandshakes();
      const seen = ticksAt();
      await goLive(sandbox);
      await until(() => record.statuses.ticks1.some((st) => st.fill === 'red'), FIRST_CALL_MS, 'the red status');
      assert.deepEqual(record.statuses.ticks1.at(-1), { fill: 'red', shape: 'ring', text: 'feed error' });
      await until(() => sandbox.feed.handshakes >= 2, 3000, 'a second attempt');
      const errors = record.logs.filter((l) => l.level === 'error').map((l) => String(l.args[0]));
      assert.deepEqual(errors, ['mStock refused the live feed connection (HTTP 401): the session or the API key was not accepted.']);
      assert.deepEqual(seen, []);

      sandbox.feed.refuseHandshakes(false);
      await until(() => seen.length > 0, 5000, 'ticks once the feed accepts the socket');
      assert.deepEqual(record.statuses.ticks1.at(-1), STREAMING(1));
      assertNoSecrets(record, seen);
    });

    it('closed mid-stream (with ticks held back by the throttle): no message after close, and the socket closes', async function () {
      sandbox.feed.ticksPerSecond = 50;
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ', throttle: 300 } });
      await goLive(sandbox);
      const seen = ticksAt();
      await until(() => seen.length >= 2, FIRST_CALL_MS, 'two throttled ticks');
      const node = helper.getNode('ticks1');
      // a tick is held back for most of each 300 ms: close in the middle of one wait
      await until(() => Date.now() - seen.at(-1).at > 50, 1000, 'a wait');
      await node.close(true);
      const closedAt = Date.now();
      await sleep(700);
      assert.deepEqual(seen.filter((s) => s.at >= closedAt), []);
      await until(() => sandbox.feed.connections === 0, 3000, 'the socket to close');
    });
  });

  describe('the account\'s feed URL', function () {
    it('a ws:// feed URL on a public host is refused at deploy: the account node says why, and every node fails with it', async function () {
      await load({ ticks1: { instruments: 'NSE:SBIN-EQ' } }, { configExtra: { feedUrl: 'ws://ws.mstock.trade' } });
      assert.ok(helper.getNode('c1').error.calledWithMatch(/The feed URL "ws:\/\/ws\.mstock\.trade" uses plain ws:\/\//), 'the config node reports it at deploy');
      for (const id of ['ticks1', 'login1']) {
        const failed = await failureOf(id, { payload: { action: 'subscribe', instruments: 'NSE:SBIN-EQ' } });
        assert.equal(failed.error.code, 'MSTOCK_INVALID_INPUT');
        assert.match(failed.error.message, /plain ws:\/\//);
      }
      assert.deepEqual(statusOf('ticks1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
      assert.deepEqual(sandbox.calls, {});
    });

    it('without a feed URL the account uses mStock\'s; a changed feed URL is a new session, as a changed API URL is', async function () {
      const flow = ticksFlow(url, { ticks1: {} }, ACCOUNT);
      const config = flow.find((n) => n.id === 'c1');
      delete config.feedUrl;
      await helper.load(allNodes, flow, sandboxCredentials());
      assert.equal(helper.getNode('c1').session.feed.url, 'wss://ws.mstock.trade');
      await helper.unload();

      config.feedUrl = sandbox.feedUrl;
      await helper.load(allNodes, flow, sandboxCredentials());
      await goLive(sandbox);
      await helper.unload();
      await helper.load(allNodes, flow, sandboxCredentials());
      assert.deepEqual(statusOf('ticks1'), LIVE, 'the same settings keep the session');

      await helper.unload();
      config.feedUrl = sandbox.feedUrl.replace('127.0.0.1', 'localhost');
      await helper.load(allNodes, flow, sandboxCredentials());
      assert.deepEqual(statusOf('ticks1'), { fill: 'grey', shape: 'ring', text: 'logged out' });
      assert.equal(helper.getNode('c1').session.feed.url, config.feedUrl);
    });
  });
});
