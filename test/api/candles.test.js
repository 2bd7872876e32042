'use strict';
// mstock-candles' pure parts: the request in msg.payload, the split into calls of at most 1,000
// candles (FACTS-TRADING.md §2.14), the broker's candle rows, and the join of the answers.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const {
  parseCandleRequest, parseInterval, planChunks, parseCandles, mergeCandles, formatIndiaMinute, CHUNK_DAYS, CANDLE_INTERVALS,
} = require('../../dist/src/api/candles');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');
const { vendorMock, docsDraftSample } = require('./_samples');

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ist = (text) => Date.parse(`${text}+05:30`);
/** The broker's "YYYY-MM-DD HH:MM" read back as India time. */
const fromBrokerDate = (text) => ist(text.replace(' ', 'T'));
const NOW = ist('2026-11-30T15:34:12');

function invalidInput(fn, field) {
  const err = throwsWith(fn, ErrorCode.INVALID_INPUT);
  assert.match(err.message, new RegExp(field ? `msg\\.payload\\.${field}\\b` : 'msg\\.payload\\b'));
  assert.match(err.message, /Nothing was sent to mStock\.$/);
  return err;
}

describe('candles: the request in msg.payload', function () {
  it('takes the broker interval names in any case and the short forms 1m … 1h, 1d', function () {
    const cases = {
      ONE_MINUTE: 'ONE_MINUTE', one_minute: 'ONE_MINUTE', '1m': 'ONE_MINUTE', '1M': 'ONE_MINUTE', '1min': 'ONE_MINUTE',
      '3m': 'THREE_MINUTE', '5m': 'FIVE_MINUTE', ' 5 MIN ': 'FIVE_MINUTE', '10m': 'TEN_MINUTE', 'Fifteen_Minute': 'FIFTEEN_MINUTE',
      '15m': 'FIFTEEN_MINUTE', '30m': 'THIRTY_MINUTE', '1h': 'ONE_HOUR', '1H': 'ONE_HOUR', '60m': 'ONE_HOUR',
      'one-hour': 'ONE_HOUR', '1d': 'ONE_DAY', '1D': 'ONE_DAY', one_day: 'ONE_DAY',
    };
    for (const [given, expected] of Object.entries(cases)) assert.equal(parseInterval(given), expected, given);
  });

  it('refuses an unknown interval, naming msg.payload.interval and the ones it takes', function () {
    for (const bad of ['2m', '1w', 'ONE_WEEK', 'minute', '', 5, undefined, null, ['1m']]) {
      const err = invalidInput(() => parseCandleRequest({ instrument: 'NSE:SBIN-EQ', interval: bad, from: '2025-01-06' }, NOW), 'interval');
      assert.match(err.message, /ONE_MINUTE, THREE_MINUTE, .* ONE_DAY/);
    }
  });

  it('reads from and to as a Date, ISO-8601 text, "YYYY-MM-DD", "YYYY-MM-DD HH:MM" (India time) or epoch ms', function () {
    const cases = [
      [new Date('2025-01-06T03:45:00Z'), ist('2025-01-06T09:15:00')],
      ['2025-01-06T09:15:00+05:30', ist('2025-01-06T09:15:00')],
      ['2025-01-06T03:45:00Z', ist('2025-01-06T09:15:00')],
      ['2025-01-06T09:15', ist('2025-01-06T09:15:00')],
      ['2025-01-06', ist('2025-01-06T00:00:00')],
      ['2025-01-06 09:15', ist('2025-01-06T09:15:00')],
      [ist('2025-01-06T09:15:00'), ist('2025-01-06T09:15:00')],
    ];
    for (const [from, expected] of cases) {
      const request = parseCandleRequest({ instrument: 'x', interval: '5m', from, to: '2025-02-01 15:30' }, NOW);
      assert.equal(request.fromMs, expected, String(from));
      assert.equal(request.toMs, ist('2025-02-01T15:30:00'));
      assert.equal(request.intraday, false);
    }
  });

  it('a day alone as to takes that whole India day in, up to its last minute', function () {
    const request = parseCandleRequest({ interval: '1d', from: '2025-01-01', to: '2025-01-31' }, NOW);
    assert.equal(request.toMs, ist('2025-01-31T23:59:00'));
    assert.equal(parseCandleRequest({ interval: '1d', from: '2025-01-01', to: '2025-01-31 00:00' }, NOW).toMs, ist('2025-01-31T00:00:00'));
  });

  it('to defaults to now and is cut to now; the instrument is passed on untouched', function () {
    const instrument = { exchange: 'NSE', token: '11536' };
    const request = parseCandleRequest({ instrument, interval: 'ONE_HOUR', from: '2026-11-01' }, NOW);
    assert.equal(request.instrument, instrument);
    assert.deepEqual(request, { instrument, interval: 'ONE_HOUR', intraday: false, fromMs: ist('2026-11-01T00:00:00'), toMs: NOW });
    assert.equal(parseCandleRequest({ instrument, interval: '1h', from: '2026-11-01', to: '2027-01-01' }, NOW).toMs, NOW);
  });

  it('no from asks for today\'s intraday candles, from India midnight to now', function () {
    assert.deepEqual(parseCandleRequest({ instrument: 'SBIN', interval: '3m' }, NOW), {
      instrument: 'SBIN', interval: 'THREE_MINUTE', intraday: true, fromMs: ist('2026-11-30T00:00:00'), toMs: NOW,
    });
    // 00:10 India time is still the evening before in UTC
    const justAfterMidnight = ist('2026-12-01T00:10:00');
    assert.equal(parseCandleRequest({ interval: '1m', from: '' }, justAfterMidnight).fromMs, ist('2026-12-01T00:00:00'));
    invalidInput(() => parseCandleRequest({ interval: '1m', to: '2026-11-29 15:30' }, NOW), 'to');
  });

  it('from after to is refused, naming both; from in the future too', function () {
    const err = invalidInput(() => parseCandleRequest({ interval: '5m', from: '2025-02-02', to: '2025-02-01 15:30' }, NOW), 'from');
    assert.match(err.message, /msg\.payload\.from \(2025-02-02 00:00\) is after msg\.payload\.to \(2025-02-01 15:30\)/);
    const future = invalidInput(() => parseCandleRequest({ interval: '5m', from: '2026-12-01' }, NOW), 'from');
    assert.match(future.message, /is in the future/);
  });

  it('refuses an unreadable date, naming the field and what it was', function () {
    const unreadable = ['yesterday', '2025-02-30', '2025-13-01', '09:15', '06/01/25', 1736135100, Number.NaN, Infinity,
      new Date('nope'), {}, true, 'x'.repeat(100)];
    for (const bad of unreadable) {
      invalidInput(() => parseCandleRequest({ interval: '5m', from: bad, to: '2025-02-01' }, NOW), 'from');
      invalidInput(() => parseCandleRequest({ interval: '5m', from: '2025-01-01', to: bad }, NOW), 'to');
    }
    const seconds = invalidInput(() => parseCandleRequest({ interval: '5m', from: 1736135100 }, NOW), 'from');
    assert.match(seconds.message, /is it in seconds\?/);
    const word = invalidInput(() => parseCandleRequest({ interval: '5m', from: 'yesterday' }, NOW), 'from');
    assert.match(word.message, /it was "yesterday"/);
  });

  it('msg.payload must be an object', function () {
    for (const bad of [undefined, null, 'SBIN', 5, [], new Date()]) {
      invalidInput(() => parseCandleRequest(bad, NOW), '');
    }
  });

  it('twenty years of 1-minute candles are many calls, not an error', function () {
    const request = parseCandleRequest({ interval: '1m', from: '2006-11-30', to: '2026-11-30 15:30' }, NOW);
    const chunks = planChunks(request.interval, request.fromMs, request.toMs);
    assert.equal(chunks.length, Math.ceil((ist('2026-11-30T15:30:00') - ist('2006-11-30T00:00:00')) / (2 * DAY)));
    assert.ok(chunks.length > 3600);
    assert.deepEqual(chunks[0], { fromdate: '2006-11-30 00:00', todate: '2006-12-02 00:00' });
    assert.equal(chunks.at(-1).todate, '2026-11-30 15:30');
  });
});

describe('candles: calls of at most 1,000 candles', function () {
  it('a year of each interval is split by FACTS\'s days per call', function () {
    const from = ist('2025-01-01T00:00:00');
    const to = ist('2026-01-01T00:00:00');
    const expected = {
      ONE_MINUTE: 183, THREE_MINUTE: 46, FIVE_MINUTE: 29, TEN_MINUTE: 15, FIFTEEN_MINUTE: 10, THIRTY_MINUTE: 5, ONE_HOUR: 3, ONE_DAY: 1,
    };
    assert.deepEqual(CHUNK_DAYS, {
      ONE_MINUTE: 2, THREE_MINUTE: 8, FIVE_MINUTE: 13, TEN_MINUTE: 26, FIFTEEN_MINUTE: 40, THIRTY_MINUTE: 76, ONE_HOUR: 166, ONE_DAY: 1000,
    });
    for (const interval of CANDLE_INTERVALS) {
      const chunks = planChunks(interval, from, to);
      assert.equal(chunks.length, expected[interval], interval);
      for (const { fromdate, todate } of chunks) {
        assert.ok(fromBrokerDate(todate) - fromBrokerDate(fromdate) <= CHUNK_DAYS[interval] * DAY, `${interval} ${fromdate}…${todate}`);
      }
    }
  });

  it('dates are the broker\'s "YYYY-MM-DD HH:MM" in India time, oldest first, each call starting where the last ended', function () {
    const chunks = planChunks('FIVE_MINUTE', ist('2025-01-01T09:15:00'), ist('2025-02-01T15:30:00'));
    assert.deepEqual(chunks, [
      { fromdate: '2025-01-01 09:15', todate: '2025-01-14 09:15' },
      { fromdate: '2025-01-14 09:15', todate: '2025-01-27 09:15' },
      { fromdate: '2025-01-27 09:15', todate: '2025-02-01 15:30' },
    ]);
  });

  it('seconds are widened to whole minutes; an empty span is one call', function () {
    assert.deepEqual(planChunks('ONE_MINUTE', ist('2025-01-06T09:15:42'), ist('2025-01-06T09:20:01')), [
      { fromdate: '2025-01-06 09:15', todate: '2025-01-06 09:21' },
    ]);
    assert.deepEqual(planChunks('ONE_DAY', ist('2025-01-06T09:15:00'), ist('2025-01-06T09:15:00')), [
      { fromdate: '2025-01-06 09:15', todate: '2025-01-06 09:15' },
    ]);
    assert.throws(() => planChunks('ONE_DAY', 2, 1), RangeError);
    assert.throws(() => planChunks('ONE_WEEK', 1, 2), TypeError);
  });

  it('any span splits into calls of at most the interval\'s days, covering exactly [from, to] with no gap (property)', function () {
    const earliest = ist('2000-01-01T00:00:00');
    fc.assert(
      fc.property(
        fc.constantFrom(...CANDLE_INTERVALS),
        fc.integer({ min: 0, max: 30 * 365 * DAY }),
        fc.integer({ min: 0, max: 20 * 365 * DAY }),
        (interval, offset, length) => {
          const from = earliest + offset;
          const to = from + length;
          const chunks = planChunks(interval, from, to);
          const edges = chunks.map(({ fromdate, todate }) => [fromBrokerDate(fromdate), fromBrokerDate(todate)]);
          const first = Math.floor(from / MINUTE) * MINUTE;
          const last = Math.ceil(to / MINUTE) * MINUTE;
          assert.equal(edges[0][0], first);
          assert.equal(edges.at(-1)[1], last);
          const most = CHUNK_DAYS[interval] * DAY;
          edges.forEach(([start, end], k) => {
            assert.ok(end - start <= most);
            assert.ok(end > start || chunks.length === 1);
            if (k > 0) assert.equal(start, edges[k - 1][1]);
          });
          assert.equal(chunks.length, Math.max(1, Math.ceil((last - first) / most)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('candles: the broker\'s rows', function () {
  it('the Python SDK mock (42 hourly rows, naive India time) with its concrete values', function () {
    const candles = parseCandles(vendorMock('historical_chart').data);
    assert.equal(candles.length, 42);
    assert.deepEqual(candles[0], { time: '2025-02-01T09:45:00+05:30', open: 4102, high: 4135.9, low: 4089.3, close: 4096.8, volume: 173362 });
    assert.deepEqual(candles[20], { time: '2025-02-04T15:15:00+05:30', open: 4111.4, high: 4118.3, low: 4095.2, close: 4110.5, volume: 2877146 });
    assert.deepEqual(candles[41], { time: '2025-02-07T15:15:00+05:30', open: 4031.75, high: 4034.1, low: 4017.75, close: 4031.85, volume: 1265505 });
  });

  it('the docs sample: "2024-01-01T09:15:00+05" is India time', function () {
    const candles = parseCandles(docsDraftSample('HistoricalCandleTypeB', 'SuccessResponseJson').data);
    assert.deepEqual(candles.slice(0, 2), [
      { time: '2024-01-01T09:15:00+05:30', open: 3790, high: 3832, low: 3773.35, close: 3803, volume: 825219 },
      { time: '2024-01-02T09:15:00+05:30', open: 3811.1, high: 3811.1, low: 3767.25, close: 3781.15, volume: 1343722 },
    ]);
  });

  it('every time format: naive, offsets, rows.ts\'s forms, epoch seconds and ms; numeric strings become numbers', function () {
    const times = [
      ['2025-04-04 15:27', '2025-04-04T15:27:00+05:30'],
      ['2024-01-01T09:15:00+05', '2024-01-01T09:15:00+05:30'],
      ['2024-01-01T09:15:00+05:30', '2024-01-01T09:15:00+05:30'],
      ['2024-01-01T03:45:00Z', '2024-01-01T09:15:00+05:30'],
      ['2024-Nov-06 12:42:18', '2024-11-06T12:42:18+05:30'],
      ['23-01-2025 03:14:25 PM', '2025-01-23T15:14:25+05:30'],
      ['2024-01-06', '2024-01-06T00:00:00+05:30'],
      [1704080700, '2024-01-01T09:15:00+05:30'],
      [1704080700000, '2024-01-01T09:15:00+05:30'],
      ['1704080700', '2024-01-01T09:15:00+05:30'],
    ];
    const candles = parseCandles({ candles: times.map(([time]) => [time, '10.5', ' 11 ', 9.95, '1e1', '1200']) });
    candles.forEach((candle, i) => {
      assert.deepEqual(candle, { time: times[i][1], open: 10.5, high: 11, low: 9.95, close: 10, volume: 1200 }, String(times[i][0]));
    });
    // a column after volume (open interest, should one come) is left out
    assert.deepEqual(parseCandles({ candles: [['2025-02-01 09:45', 1, 2, 0.5, 1.5, 7, 99]] })[0], {
      time: '2025-02-01T09:45:00+05:30', open: 1, high: 2, low: 0.5, close: 1.5, volume: 7,
    });
  });

  it('data null, "None" or no candles is no candles', function () {
    for (const none of [null, undefined, 'None', '', {}, { candles: null }, { candles: [] }]) {
      assert.deepEqual(parseCandles(none), [], JSON.stringify(none));
    }
  });

  it('a malformed answer or row is MSTOCK_BAD_RESPONSE with a sentence saying which and what', function () {
    const cases = [
      ['candles', /held "candles" where the API documents/],
      [{ candles: { a: 1 } }, /candles were an object where the API documents a list/],
      [{ candles: [['2025-02-01 09:45', 1, 2, 3, 4]] }, /Candle 1 of 1 is a list of 5, not \[time, open, high, low, close, volume\]/],
      [{ candles: [['2025-02-01 09:45', 1, 2, 3, 4, 5], 'row'] }, /Candle 2 of 2 is "row"/],
      [{ candles: [['2025-02-30 09:45', 1, 2, 3, 4, 5]] }, /Candle 1 of 1 has the time "2025-02-30 09:45", which is not a date and time/],
      [{ candles: [['09:45', 1, 2, 3, 4, 5]] }, /has the time "09:45"/],
      [{ candles: [[null, 1, 2, 3, 4, 5]] }, /has the time null/],
      [{ candles: [['2025-02-01 09:45', 1, 'abc', 3, 4, 5]] }, /\(2025-02-01T09:45:00\+05:30\) has the high "abc", which is not a number/],
      [{ candles: [['2025-02-01 09:45', 1, 2, 3, 4, null]] }, /has the volume null/],
      [{ candles: [['2025-02-01 09:45', 1, 2, 3, '', 5]] }, /has the close ""/],
    ];
    for (const [data, message] of cases) {
      const err = throwsWith(() => parseCandles(data), ErrorCode.BAD_RESPONSE);
      assert.match(err.message, message);
    }
  });
});

describe('candles: joining the answers', function () {
  const candle = (time, close) => ({ time, open: 1, high: 2, low: 0.5, close, volume: 10 });

  it('oldest first, one candle per instant: of two, the later answer\'s', function () {
    const merged = mergeCandles([
      [candle('2025-01-01T09:15:00+05:30', 1), candle('2025-01-01T09:20:00+05:30', 2)],
      [candle('2025-01-01T09:20:00+05:30', 3), candle('2025-01-01T09:25:00+05:30', 4)],
      [candle('2024-12-31T15:25:00+05:30', 0)],
    ]);
    assert.deepEqual(merged.map((c) => [c.time, c.close]), [
      ['2024-12-31T15:25:00+05:30', 0],
      ['2025-01-01T09:15:00+05:30', 1],
      ['2025-01-01T09:20:00+05:30', 3],
      ['2025-01-01T09:25:00+05:30', 4],
    ]);
    assert.deepEqual(mergeCandles([]), []);
    assert.deepEqual(mergeCandles([[], []]), []);
  });

  it('the same instant written two ways is one candle', function () {
    const merged = mergeCandles([[candle('2024-01-01T09:15:00+05:30', 1)], [candle('2024-01-01T09:15:00.000+05:30', 2)]]);
    assert.deepEqual(merged, [candle('2024-01-01T09:15:00.000+05:30', 2)]);
  });

  /** A broker answering every 5-minute candle of market hours from fromdate to todate, the edges in or out. */
  function brokerAnswer({ fromdate, todate }, todateIncluded) {
    const rows = [];
    for (let t = fromBrokerDate(fromdate); todateIncluded ? t <= fromBrokerDate(todate) : t < fromBrokerDate(todate); t += 5 * MINUTE) {
      const clock = formatIndiaMinute(t).slice(11);
      if (clock >= '09:15' && clock <= '15:25') rows.push([formatIndiaMinute(t), 1, 2, 0.5, 1.5, t]);
    }
    return { candles: rows };
  }

  for (const todateIncluded of [true, false]) {
    it(`no candle lost or doubled at the calls' edges (broker ${todateIncluded ? 'includes' : 'leaves out'} todate)`, function () {
      // edges fall inside market hours: 09:15 + 13 days each time
      const from = ist('2025-01-01T09:15:00');
      const to = ist('2025-03-01T15:30:00');
      const chunks = planChunks('FIVE_MINUTE', from, to);
      assert.equal(chunks.length, 5);
      const answers = chunks.map((chunk) => parseCandles(brokerAnswer(chunk, todateIncluded)));
      const merged = mergeCandles(answers);
      const expected = parseCandles(brokerAnswer({ fromdate: formatIndiaMinute(from), todate: formatIndiaMinute(to) }, true)).map((c) => c.time);
      assert.deepEqual(merged.map((c) => c.time), expected);
      assert.equal(new Set(merged.map((c) => c.time)).size, merged.length);
      if (todateIncluded) assert.ok(answers.flat().length > merged.length, 'the edges were asked for twice');
    });
  }
});
