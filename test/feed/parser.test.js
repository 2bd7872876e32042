'use strict';
// The live feed's frames read into ticks (src/api/feed-parser.ts), and the text frames a client
// sends. Every frame here is built by the small writer below, straight from the byte table of
// FACTS-TRADING.md §3.3, not with the sandbox's encoder: an offset wrong the same way in both
// would pass.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { parseFeedFrame, tickForMode, PACKET_SIZE } = require('../../dist/src/api/feed-parser');
const { subscribeFrame, unsubscribeFrame, loginFrame } = require('../../dist/src/api/feed-messages');
const { normaliseFeedUrl, feedConnectUrl, DEFAULT_FEED_URL } = require('../../dist/src/api/feed-url');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('../api/_helpers');

/** Seconds since 1980-01-01 UTC of an ISO time. */
const since1980 = (iso) => (Date.parse(iso) - Date.UTC(1980, 0, 1)) / 1000;

/** One packet as the table lays it out: 51 bytes for mode 1, 123 for 2, 379 for 3. */
function writePacket(p) {
  const size = { 1: 51, 2: 123, 3: 379 }[p.mode];
  const b = Buffer.alloc(size);
  b.writeUInt8(p.mode, 0);
  b.writeUInt8(p.exchangeType, 1);
  b.write(p.token, 2, 25, 'latin1'); // the rest of the 25 bytes stay NUL
  b.writeBigInt64LE(BigInt(p.sequence), 27);
  b.writeBigInt64LE(BigInt(p.exchangeSeconds), 35);
  b.writeBigInt64LE(BigInt(p.ltpPaise), 43);
  if (p.mode === 1) return b;
  b.writeBigInt64LE(BigInt(p.lastTradedQty), 51);
  b.writeBigInt64LE(BigInt(p.averagePaise), 59);
  b.writeBigInt64LE(BigInt(p.volume), 67);
  b.writeDoubleLE(p.totalBuyQty, 75);
  b.writeDoubleLE(p.totalSellQty, 83);
  b.writeBigInt64LE(BigInt(p.openPaise), 91);
  b.writeBigInt64LE(BigInt(p.highPaise), 99);
  b.writeBigInt64LE(BigInt(p.lowPaise), 107);
  b.writeBigInt64LE(BigInt(p.closePaise), 115);
  if (p.mode === 2) return b;
  b.writeBigInt64LE(BigInt(p.lastTradedSeconds), 123);
  b.writeBigInt64LE(BigInt(p.openInterest), 131);
  if (p.oiPercentHundredths !== undefined) b.writeBigInt64LE(BigInt(p.oiPercentHundredths), 139);
  else b.writeDoubleLE(p.oiPercentDouble, 139);
  p.depth.forEach((level, i) => {
    const at = 147 + 20 * i;
    b.writeInt16LE(i < 5 ? 66 : 83, at); // 'B' / 'S'
    b.writeBigInt64LE(BigInt(level.quantity), at + 2);
    b.writeBigInt64LE(BigInt(level.pricePaise), at + 10);
    b.writeInt16LE(level.orders, at + 18);
  });
  b.writeBigInt64LE(BigInt(p.upperPaise), 347);
  b.writeBigInt64LE(BigInt(p.lowerPaise), 355);
  b.writeBigInt64LE(BigInt(p.yearHighPaise), 363);
  b.writeBigInt64LE(BigInt(p.yearLowPaise), 371);
  return b;
}

/** A header frame: u16 count, u16 size, then the packets. */
function withHeader(packets, { bigEndian = false, count = packets.length, size = packets[0].length } = {}) {
  const header = Buffer.alloc(4);
  if (bigEndian) {
    header.writeUInt16BE(count, 0);
    header.writeUInt16BE(size, 2);
  } else {
    header.writeUInt16LE(count, 0);
    header.writeUInt16LE(size, 2);
  }
  return Buffer.concat([header, ...packets]);
}

const SBIN_LTP = { mode: 1, exchangeType: 1, token: '3045', sequence: 987654, exchangeSeconds: since1980('2025-02-04T10:15:30+05:30'), ltpPaise: 76545 };
const SBIN_QUOTE = {
  ...SBIN_LTP,
  mode: 2,
  lastTradedQty: 25,
  averagePaise: 76012,
  volume: 1234567,
  totalBuyQty: 45678.5,
  totalSellQty: 34567,
  openPaise: 75500,
  highPaise: 77010,
  lowPaise: 75105,
  closePaise: 75320,
};
const DEPTH = [
  ...[76540, 76535, 76530, 76525, 76520].map((pricePaise, i) => ({ pricePaise, quantity: 100 + i, orders: 3 + i })),
  ...[76550, 76555, 76560, 76565, 76570].map((pricePaise, i) => ({ pricePaise, quantity: 200 + i, orders: 13 + i })),
];
const NIFTY_FUT_SNAP = {
  ...SBIN_QUOTE,
  mode: 3,
  exchangeType: 2,
  token: '35001',
  lastTradedSeconds: since1980('2025-02-04T10:15:29+05:30'),
  openInterest: 9876500,
  oiPercentDouble: -3.25,
  depth: DEPTH,
  upperPaise: 90384,
  lowerPaise: 60256,
  yearHighPaise: 91250,
  yearLowPaise: 54315,
};

describe('feed parser: binary frames into ticks', function () {
  it('reads a bare LTP packet field by field, prices in rupees, the time in India time', function () {
    const { ticks, malformed } = parseFeedFrame(writePacket(SBIN_LTP));
    assert.equal(malformed, 0);
    assert.deepEqual(ticks, [{ exchange: 'NSE', token: '3045', mode: 'ltp', ltp: 765.45, time: '2025-02-04T10:15:30+05:30', sequence: 987654 }]);
  });

  it('reads a bare quote packet field by field', function () {
    const { ticks, malformed } = parseFeedFrame(writePacket(SBIN_QUOTE));
    assert.equal(malformed, 0);
    assert.deepEqual(ticks, [
      {
        exchange: 'NSE', token: '3045', mode: 'quote', ltp: 765.45, time: '2025-02-04T10:15:30+05:30', sequence: 987654,
        lastTradedQty: 25, averagePrice: 760.12, volume: 1234567, totalBuyQty: 45678.5, totalSellQty: 34567,
        open: 755, high: 770.1, low: 751.05, close: 753.2,
      },
    ]);
  });

  it('reads a bare snap packet: five bids and five asks, circuits, 52-week range, open interest', function () {
    const [tick] = parseFeedFrame(writePacket(NIFTY_FUT_SNAP)).ticks;
    assert.equal(tick.exchange, 'NFO');
    assert.equal(tick.token, '35001');
    assert.equal(tick.mode, 'snap');
    assert.equal(tick.close, 753.2);
    assert.equal(tick.lastTradedTime, '2025-02-04T10:15:29+05:30');
    assert.equal(tick.openInterest, 9876500);
    assert.equal(tick.openInterestPercent, -3.25);
    assert.deepEqual(tick.depth.bids, [
      { price: 765.4, quantity: 100, orders: 3 },
      { price: 765.35, quantity: 101, orders: 4 },
      { price: 765.3, quantity: 102, orders: 5 },
      { price: 765.25, quantity: 103, orders: 6 },
      { price: 765.2, quantity: 104, orders: 7 },
    ]);
    assert.deepEqual(tick.depth.asks.map((l) => [l.price, l.quantity, l.orders]), [
      [765.5, 200, 13], [765.55, 201, 14], [765.6, 202, 15], [765.65, 203, 16], [765.7, 204, 17],
    ]);
    assert.equal(tick.upperCircuit, 903.84);
    assert.equal(tick.lowerCircuit, 602.56);
    assert.equal(tick.yearHigh, 912.5);
    assert.equal(tick.yearLow, 543.15);
  });

  it('reads the open interest percent sent as an integer of hundredths as well as a double', function () {
    const packet = { ...NIFTY_FUT_SNAP, oiPercentDouble: undefined, oiPercentHundredths: 1234 };
    assert.equal(parseFeedFrame(writePacket(packet)).ticks[0].openInterestPercent, 12.34);
    const negative = { ...NIFTY_FUT_SNAP, oiPercentDouble: undefined, oiPercentHundredths: -250 };
    assert.equal(parseFeedFrame(writePacket(negative)).ticks[0].openInterestPercent, -2.5);
  });

  it('maps every documented exchange type, and MCX as 5', function () {
    const exchanges = [[1, 'NSE'], [2, 'NFO'], [3, 'BSE'], [4, 'BFO'], [13, 'CDS'], [5, 'MCX']].map(
      ([exchangeType]) => parseFeedFrame(writePacket({ ...SBIN_LTP, exchangeType })).ticks[0].exchange,
    );
    assert.deepEqual(exchanges, ['NSE', 'NFO', 'BSE', 'BFO', 'CDS', 'MCX']);
  });

  it('reads a little-endian header frame of several packets, in order', function () {
    const tokens = ['3045', '2885', '1594'];
    const frame = withHeader(tokens.map((token, i) => writePacket({ ...SBIN_LTP, token, ltpPaise: 10000 + i })));
    assert.equal(frame.length, 4 + 3 * 51);
    const { ticks, malformed } = parseFeedFrame(frame);
    assert.equal(malformed, 0);
    assert.deepEqual(ticks.map((t) => [t.token, t.ltp]), [['3045', 100], ['2885', 100.01], ['1594', 100.02]]);
  });

  it('reads the 55- and 127-byte single-packet header frames OpenAlgo saw', function () {
    assert.deepEqual(parseFeedFrame(withHeader([writePacket(SBIN_LTP)])).ticks.map((t) => t.mode), ['ltp']);
    assert.deepEqual(parseFeedFrame(withHeader([writePacket(SBIN_QUOTE)])).ticks.map((t) => t.mode), ['quote']);
  });

  it('reads a big-endian header when the little-endian reading does not fit the frame', function () {
    const packets = [writePacket(SBIN_QUOTE), writePacket({ ...SBIN_QUOTE, token: '2885' })];
    const { ticks, malformed } = parseFeedFrame(withHeader(packets, { bigEndian: true }));
    assert.equal(malformed, 0);
    assert.deepEqual(ticks.map((t) => t.token), ['3045', '2885']);
    assert.deepEqual(parseFeedFrame(withHeader(packets)).ticks, ticks, 'the same packets behind a little-endian header read the same');
  });

  it('reads one packet after a header whose fields fit neither byte order', function () {
    const { ticks, malformed } = parseFeedFrame(withHeader([writePacket(SBIN_LTP)], { count: 0, size: 0 }));
    assert.equal(malformed, 0);
    assert.deepEqual(ticks.map((t) => t.token), ['3045']);
  });

  it('keeps the good packets of a header frame and counts the bad one', function () {
    const broken = writePacket({ ...SBIN_LTP, token: '2885' });
    broken.writeUInt8(42, 1); // an exchange type nobody documents
    const { ticks, malformed, problem } = parseFeedFrame(withHeader([writePacket(SBIN_LTP), broken, writePacket({ ...SBIN_LTP, token: '1594' })]));
    assert.deepEqual(ticks.map((t) => t.token), ['3045', '1594']);
    assert.equal(malformed, 1);
    assert.match(problem, /exchange type 42/);
  });

  describe('malformed frames are counted, never thrown', function () {
    const cases = {
      'an empty frame': Buffer.alloc(0),
      'one byte': Buffer.from([1]),
      'a truncated LTP packet (50 bytes)': writePacket(SBIN_LTP).subarray(0, 50),
      'a truncated snap packet (378 bytes)': writePacket(NIFTY_FUT_SNAP).subarray(0, 378),
      'a header that says 3 packets with 2 behind it': withHeader([writePacket(SBIN_LTP), writePacket(SBIN_LTP)], { count: 3 }),
      'a header that says 1 packet with 2 behind it': withHeader([writePacket(SBIN_LTP), writePacket(SBIN_LTP)], { count: 1 }),
      'a header of an unknown packet size': withHeader([Buffer.alloc(60, 1), Buffer.alloc(60, 1)], { size: 60 }),
      'a packet whose mode byte disagrees with its size': writePacket({ ...SBIN_LTP, mode: 1 }).fill(3, 0, 1),
      'a packet of an unknown exchange type': writePacket({ ...SBIN_LTP, exchangeType: 9 }),
      'a packet with no token': writePacket({ ...SBIN_LTP, token: '' }),
      'a packet whose token is binary noise': Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(25, 0xfe), Buffer.alloc(24)]),
      'a text-like frame': Buffer.from('{"type":"error","data":"x"}'),
      '1 MB of 0xFF': Buffer.alloc(1024 * 1024, 0xff),
      '1 MB of zeros': Buffer.alloc(1024 * 1024),
    };
    for (const [name, frame] of Object.entries(cases)) {
      it(name, function () {
        const parsed = parseFeedFrame(frame);
        assert.deepEqual(parsed.ticks, []);
        assert.equal(parsed.malformed, 1);
        assert.equal(typeof parsed.problem, 'string');
      });
    }

    it('random frames, and valid frames cut or flipped anywhere, never throw', function () {
      const valid = withHeader([writePacket(NIFTY_FUT_SNAP), writePacket(NIFTY_FUT_SNAP)]);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(valid.length), fc.nat(valid.length - 1), fc.nat(255), (noise, cut, at, value) => {
          for (const frame of [Buffer.from(noise), valid.subarray(0, cut), Buffer.from(valid).fill(value, at, at + 1)]) {
            const parsed = parseFeedFrame(frame);
            assert.ok(Array.isArray(parsed.ticks));
            assert.ok(parsed.ticks.length > 0 || parsed.malformed > 0, 'a frame gives ticks or counts as malformed');
          }
        }),
        { numRuns: 300 },
      );
    });
  });

  it('reads 64-bit fields of any sign and size as the nearest number: beyond 2^53, negative, across the 32-bit halves', function () {
    const cases = [
      [2n ** 60n + 12345n, -76545n],
      [2n ** 53n + 1n, 2n ** 32n + 7n],
      [2n ** 63n - 1n, -(2n ** 63n)],
      [4294967295n, -1n],
    ];
    for (const [sequence, ltpPaise] of cases) {
      const [tick] = parseFeedFrame(writePacket({ ...SBIN_LTP, sequence, ltpPaise })).ticks;
      assert.equal(tick.sequence, Number(sequence), String(sequence));
      assert.equal(tick.ltp, Number(ltpPaise) / 100, String(ltpPaise));
    }
  });

  it('gives each packet its own time when the packets of one frame carry different seconds', function () {
    const later = { ...SBIN_LTP, exchangeSeconds: SBIN_LTP.exchangeSeconds + 1 };
    const times = parseFeedFrame(withHeader([writePacket(SBIN_LTP), writePacket(later), writePacket(SBIN_LTP), writePacket({ ...SBIN_LTP, exchangeSeconds: 0 })])).ticks.map((t) => t.time);
    assert.deepEqual(times, ['2025-02-04T10:15:30+05:30', '2025-02-04T10:15:31+05:30', '2025-02-04T10:15:30+05:30', null]);
  });

  it('a timestamp of 0 is no time at all', function () {
    assert.equal(parseFeedFrame(writePacket({ ...SBIN_LTP, exchangeSeconds: 0 })).ticks[0].time, null);
  });

  it('cuts a snap tick down to the fields of an LTP or quote subscriber', function () {
    const [snap] = parseFeedFrame(writePacket(NIFTY_FUT_SNAP)).ticks;
    assert.deepEqual(tickForMode(snap, 'ltp'), { exchange: 'NFO', token: '35001', mode: 'ltp', ltp: 765.45, time: '2025-02-04T10:15:30+05:30', sequence: 987654 });
    const quote = tickForMode(snap, 'quote');
    assert.equal(quote.mode, 'quote');
    assert.equal(quote.volume, 1234567);
    assert.equal(quote.close, 753.2);
    assert.equal('depth' in quote || 'openInterest' in quote, false);
    assert.equal(tickForMode(snap, 'snap'), snap);
    assert.deepEqual(PACKET_SIZE, { ltp: 51, quote: 123, snap: 379 });
  });
});

describe('feed messages: login, subscribe, unsubscribe', function () {
  it('logs in with LOGIN:<token>, no space', function () {
    assert.equal(loginFrame('eyJ.a.b'), 'LOGIN:eyJ.a.b');
  });

  it('subscribes in mode 1, 2 or 3 with tokens as strings, grouped per exchange type', function () {
    const instruments = [
      { exchange: 'NSE', token: '22' },
      { exchange: 'BSE', token: '500325' },
      { exchange: 'NSE', token: '1333' },
      { exchange: 'NFO', token: '35001' },
      { exchange: 'CDS', token: '1' },
      { exchange: 'NSE', token: '22' },
    ];
    assert.deepEqual(JSON.parse(subscribeFrame('snap', instruments)), {
      action: 1,
      params: {
        mode: 3,
        tokenList: [
          { exchangeType: 1, tokens: ['22', '1333'] },
          { exchangeType: 3, tokens: ['500325'] },
          { exchangeType: 2, tokens: ['35001'] },
          { exchangeType: 13, tokens: ['1'] },
        ],
      },
    });
    assert.equal(JSON.parse(subscribeFrame('ltp', instruments.slice(0, 1))).params.mode, 1);
    assert.equal(JSON.parse(subscribeFrame('quote', instruments.slice(0, 1))).params.mode, 2);
  });

  it('unsubscribes with action 0 and the mode it subscribed in', function () {
    assert.deepEqual(JSON.parse(unsubscribeFrame('quote', [{ exchange: 'BFO', token: '8000' }])), {
      action: 0,
      params: { mode: 2, tokenList: [{ exchangeType: 4, tokens: ['8000'] }] },
    });
  });
});

describe('feed URL', function () {
  it('defaults to wss://ws.mstock.trade and keeps a root without its trailing slash', function () {
    assert.equal(DEFAULT_FEED_URL, 'wss://ws.mstock.trade');
    assert.equal(normaliseFeedUrl(''), 'wss://ws.mstock.trade');
    assert.equal(normaliseFeedUrl(' wss://ws.mstock.trade/ '), 'wss://ws.mstock.trade');
    assert.equal(normaliseFeedUrl('ws://127.0.0.1:1880'), 'ws://127.0.0.1:1880');
    assert.equal(normaliseFeedUrl('ws://[::1]:9/'), 'ws://[::1]:9');
  });

  it('refuses ws:// off loopback, other schemes, a query and credentials, without repeating them', function () {
    assert.match(throwsWith(() => normaliseFeedUrl('ws://ws.mstock.trade'), ErrorCode.INVALID_INPUT).message, /wss:\/\//);
    throwsWith(() => normaliseFeedUrl('https://ws.mstock.trade'), ErrorCode.INVALID_INPUT);
    throwsWith(() => normaliseFeedUrl('wss://ws.mstock.trade?API_KEY=x'), ErrorCode.INVALID_INPUT);
    const err = throwsWith(() => normaliseFeedUrl('wss://me:hunter22@ws.mstock.trade'), ErrorCode.INVALID_INPUT);
    assert.doesNotMatch(err.message, /hunter22/);
  });

  it('connects to the root with API_KEY and ACCESS_TOKEN in the query, encoded', function () {
    const url = new URL(feedConnectUrl('wss://ws.mstock.trade', 'k+y/1', 'a.b=c'));
    assert.equal(url.origin, 'wss://ws.mstock.trade');
    assert.equal(url.pathname, '/');
    assert.equal(url.searchParams.get('API_KEY'), 'k+y/1');
    assert.equal(url.searchParams.get('ACCESS_TOKEN'), 'a.b=c');
  });
});
