'use strict';
// The live feed end to end: the sandbox streams quote ticks over a real WebSocket into a real
// Node-RED 4.1 process (the package installed from its packed tarball) through ONE mstock-ticks
// node into a counting function node. Then a second mstock-ticks node with a throttle of 1 s on
// many instruments at a high tick rate. bench/run.js runs it after the instrument master; alone:
//
//   node bench/feed.js            100,000 ticks, then the throttle for 5 s; prints the figures
//   node bench/feed.js --full     1,000,000 ticks
//
// The sandbox runs in this process; the time a tick is sent is noted here for every 1,000th
// sequence number (the sandbox numbers the ticks of a socket 1, 2, 3 …) and the function node notes
// when the same sequence number arrives, both on the machine's clock (Date.now(), ms).
const path = require('node:path');
const { BenchNodeRed, root } = require('./lib/nodered');
const { feedFlow, LAG_SAMPLE_EVERY } = require('./lib/flow');
const { median } = require('./lib/stats');

const { Sandbox, SANDBOX_ACCOUNT } = require(path.join(root, 'dist', 'src', 'sandbox', 'server'));

const OTP = '123456';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The figures' settings: the same in both modes but the number of ticks counted. */
function feedCounts(quick) {
  return {
    // 500 instruments at 50 ticks a second each: 25,000 ticks a second offered, for a target of 20,000 delivered
    streamInstruments: 500,
    streamRate: 50,
    streamTicks: quick ? 100_000 : 1_000_000,
    streamWarmupTicks: quick ? 20_000 : 60_000,
    // 500 instruments at 20 ticks a second each, through a throttle of 1 s
    throttleInstruments: 500,
    throttleRate: 20,
    throttleMs: 1000,
    throttleSeconds: quick ? 5 : 10,
  };
}

/** `n` NSE equities of the sandbox's instrument master, as "NSE:<symbol>". */
function nseEquities(sandbox, n) {
  const rows = JSON.parse(sandbox.market.masterJson().toString('utf8'));
  return rows.filter((r) => r.exch_seg === 'NSE' && /-EQ$/.test(r.name)).slice(0, n).map((r) => `NSE:${r.name}`);
}

/** Notes when the sandbox sends every LAG_SAMPLE_EVERY-th sequence number, and how many ticks it sent: observed, not changed. */
function watchSends(feed) {
  const sentAt = new Map();
  const watch = { sentAt, ticks: 0 };
  const sendRound = feed.sendRound;
  feed.sendRound = function (connection) {
    const before = connection.sequence;
    sendRound.call(this, connection);
    const after = connection.sequence;
    watch.ticks += after - before;
    const now = Date.now();
    for (let s = Math.ceil((before + 1) / LAG_SAMPLE_EVERY) * LAG_SAMPLE_EVERY; s <= after; s += LAG_SAMPLE_EVERY) sentAt.set(s, now);
  };
  watch.stop = () => {
    feed.sendRound = sendRound;
  };
  return watch;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Messages per second in whole seconds starting half a second after the first message: the
 * throttle lets each instrument's newest tick through once a second, all at about the same moment,
 * so a second that starts between two such moments counts each instrument once, however the
 * delivery inside Node-RED spreads a moment's messages over a few milliseconds.
 */
function perSecond(arrivals, firstAt, seconds) {
  const counts = new Array(seconds).fill(0);
  for (const t of arrivals) {
    const i = Math.floor((t - firstAt - 500) / 1000);
    if (i >= 0 && i < seconds) counts[i] += 1;
  }
  return counts;
}

/**
 * S: `streamTicks` ticks at `streamInstruments` × `streamRate` a second through one node, after a
 * warm-up; T: the throttled node on `throttleInstruments` instruments for `throttleSeconds`.
 */
async function feedPhase({ quick = true, log = () => undefined } = {}) {
  const c = feedCounts(quick);
  const sandbox = new Sandbox({ fixedOtp: OTP, latencyMs: 0 });
  const sandboxUrl = await sandbox.start();
  const nr = new BenchNodeRed({ nodeArgs: ['--expose-gc'] });
  const watch = watchSends(sandbox.feed);
  try {
    const symbols = nseEquities(sandbox, Math.max(c.streamInstruments, c.throttleInstruments));
    await nr.start();
    const { flows, credentials } = feedFlow({ sandboxUrl, account: SANDBOX_ACCOUNT, throttleMs: c.throttleMs });
    await nr.deploy(flows, credentials);
    const login = await nr.call('/bench/login', {});
    if (login.state !== 'otp-sent') throw new Error(`login: ${JSON.stringify(login)}`);
    const otp = await nr.call('/bench/otp', OTP);
    if (otp.state !== 'live') throw new Error(`otp: ${JSON.stringify(otp)}`);

    const stats = async () => {
      const answer = await nr.call('/bench/ticks/stats', {});
      if (answer.errors.length > 0) throw new Error(`mstock-ticks: ${JSON.stringify(answer.errors[0])}`);
      return answer;
    };
    const memory = async () => {
      const m = await nr.call('/bench/cmd', { cmd: 'memory' });
      if (!m.gcExposed) throw new Error('global.gc is not exposed in the Node-RED process');
      return m;
    };
    const lags = [];
    const takeSamples = (s) => {
      for (const [seq, arrivedAt] of s.all.samples) {
        const sentAt = watch.sentAt.get(seq);
        if (sentAt === undefined) continue;
        watch.sentAt.delete(seq);
        lags.push({ seq, lagMs: arrivedAt - sentAt });
      }
    };

    // S: one node, every tick
    sandbox.feed.ticksPerSecond = c.streamRate;
    log(`feed S: ${c.streamInstruments} instruments × ${c.streamRate} ticks/s through one mstock-ticks node; ${c.streamWarmupTicks.toLocaleString('en-US')} ticks of warm-up, then ${c.streamTicks.toLocaleString('en-US')} counted`);
    const subscribe = (endpoint, list) => nr.call(endpoint, { action: 'subscribe', instruments: list });
    await subscribe('/bench/ticks/all', symbols.slice(0, c.streamInstruments));
    let s = await stats();
    const deadline = Date.now() + 120_000;
    while (s.all.count < c.streamWarmupTicks) {
      if (Date.now() > deadline) {
        throw new Error(`only ${s.all.count} ticks arrived in 2 minutes (feed sockets ${sandbox.feed.connections}, subscriptions ${sandbox.feed.subscriptions().length}, ${watch.ticks} ticks sent)\n${nr.output.split('\n').slice(-20).join('\n')}`);
      }
      await sleep(200);
      s = await stats();
    }
    const heapStart = await memory();
    // the ticks that queued during the collections arrive first: the count starts once they have
    await sleep(1000);
    s = await stats();
    lags.length = 0;
    const start = { at: s.at, count: s.all.count, sent: watch.ticks };
    const endDeadline = Date.now() + ((c.streamTicks / (c.streamInstruments * c.streamRate)) * 4 + 30) * 1000;
    let lastLog = Date.now();
    while (s.all.count - start.count < c.streamTicks) {
      if (Date.now() > endDeadline) throw new Error(`only ${s.all.count - start.count} of ${c.streamTicks} ticks arrived in time`);
      await sleep(quick ? 200 : 500);
      s = await stats();
      takeSamples(s);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  ${(s.all.count - start.count).toLocaleString('en-US')} ticks, ${(((s.all.count - start.count) * 1000) / (s.at - start.at)).toFixed(0)}/s`);
      }
    }
    const end = { at: s.at, count: s.all.count, sent: watch.ticks };
    const heapEnd = await memory();
    await nr.call('/bench/ticks/all', { action: 'unsubscribe' });
    const counted = end.count - start.count;
    const seconds = (end.at - start.at) / 1000;
    const tenth = Math.max(1, Math.floor(lags.length / 10));
    const sortedLags = lags.map((l) => l.lagMs).sort((a, b) => a - b);
    const stream = {
      instruments: c.streamInstruments,
      ratePerInstrument: c.streamRate,
      offeredPerSecond: c.streamInstruments * c.streamRate,
      counted,
      seconds,
      deliveredPerSecond: counted / seconds,
      sentPerSecond: (end.sent - start.sent) / seconds,
      lagSamples: lags.length,
      lagStartMs: median(lags.slice(0, tenth).map((l) => l.lagMs)),
      lagEndMs: median(lags.slice(-tenth).map((l) => l.lagMs)),
      lagMedianMs: quantile(sortedLags, 0.5),
      lagP99Ms: quantile(sortedLags, 0.99),
      lagMaxMs: sortedLags.at(-1),
      heapStart: heapStart.heapUsed,
      heapEnd: heapEnd.heapUsed,
      heapGrowth: heapEnd.heapUsed - heapStart.heapUsed,
      rssStart: heapStart.rss,
      rssEnd: heapEnd.rss,
    };
    log(`  S: ${stream.deliveredPerSecond.toFixed(0)} ticks/s delivered (sent ${stream.sentPerSecond.toFixed(0)}/s); lag ${stream.lagStartMs} ms at the start, ${stream.lagEndMs} ms at the end; heap ${(stream.heapGrowth / 2 ** 20).toFixed(2)} MiB`);

    // T: the throttled node
    await sleep(500);
    sandbox.feed.ticksPerSecond = c.throttleRate;
    log(`feed T: ${c.throttleInstruments} instruments × ${c.throttleRate} ticks/s through one mstock-ticks node with throttle ${c.throttleMs} ms, for ${c.throttleSeconds} s`);
    await stats();
    const sentBefore = watch.ticks;
    await subscribe('/bench/ticks/throttled', symbols.slice(0, c.throttleInstruments));
    const arrivals = [];
    let t = await stats();
    while (t.throttled.count === 0) {
      await sleep(50);
      t = await stats();
    }
    arrivals.push(...t.throttled.arrivals);
    const firstAt = arrivals[0];
    while (t.at - firstAt < c.throttleSeconds * 1000 + 1000) {
      await sleep(250);
      t = await stats();
      arrivals.push(...t.throttled.arrivals);
    }
    await nr.call('/bench/ticks/throttled', { action: 'unsubscribe' });
    const counts = perSecond(arrivals, firstAt, c.throttleSeconds);
    const throttle = {
      instruments: c.throttleInstruments,
      ratePerInstrument: c.throttleRate,
      throttleMs: c.throttleMs,
      seconds: c.throttleSeconds,
      ticksSentPerSecond: ((watch.ticks - sentBefore) * 1000) / (t.at - firstAt),
      messages: counts.reduce((a, b) => a + b, 0),
      perSecond: counts,
      mostInASecond: Math.max(...counts),
      topics: t.throttled.topics,
      minGapMs: t.throttled.minGapMs,
    };
    log(`  T: ${throttle.messages} messages in ${throttle.seconds} s (per second ${throttle.perSecond.join(' · ')}); ${throttle.ticksSentPerSecond.toFixed(0)} ticks/s sent; shortest gap of one instrument on arrival ${throttle.minGapMs} ms`);
    return { counts: c, stream, throttle };
  } finally {
    watch.stop();
    await nr.stop();
    nr.cleanUp();
    await sandbox.stop();
  }
}

module.exports = { feedPhase, feedCounts };

if (require.main === module) {
  const full = process.argv.includes('--full');
  const log = (line) => process.stderr.write(`[feed ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  feedPhase({ quick: !full, log })
    .then((figures) => {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      process.exit(0);
    })
    .catch((err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exit(1);
    });
}
