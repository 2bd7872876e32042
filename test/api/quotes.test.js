'use strict';
// mstock-quote's pure parts: the instruments a message asks for, the quote calls made of them
// (FACTS-TRADING.md §2.13) and the answers read back into the order asked.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const {
  planQuoteBatches, readQuoteAnswer, quotesInOrder, instrumentsToQuote, resolveInstruments, splitInstrumentList, instrumentKey, MAX_TOKENS_PER_QUOTE,
} = require('../../dist/src/api/quotes');
const { InstrumentMaster, parseScripMaster } = require('../../dist/src/api/instruments');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');
const { factsTrading, docsDraftSample } = require('./_samples');

/** The JSON blocks of FACTS-TRADING.md §2.13, verbatim: the request body, the OHLC answer, the LTP answer. */
function quoteSection() {
  const section = factsTrading().split('### 2.13')[1].split('### 2.14')[0];
  const [body, ohlc, ltp] = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
  return { body, ohlc, ltp };
}

const row = (token, name, exchSeg, extra = {}) => ({
  token, symbol: name.replace(/-EQ$/, ''), name, expiry: '', strike: '', lotsize: '1', instrumenttype: 'EQUITY', exch_seg: exchSeg, tick_size: '0.05', ...extra,
});
const master = new InstrumentMaster(parseScripMaster([
  row('3045', 'SBIN-EQ', 'NSE'),
  row('1594', 'INFY-EQ', 'NSE'),
  row('500410', 'ACC', 'BSE'),
  row('37266', 'NIFTY26N1720500CE', 'NFO', { symbol: 'NIFTY', expiry: '17Nov2026', strike: '20500', lotsize: '75', instrumenttype: 'OPTIDX' }),
  row('35001', 'AAA-EQ', 'NSE'),
  row('35001', 'AAA26NOVFUT', 'NFO', { symbol: 'AAA', expiry: '24Nov2026', instrumenttype: 'FUTSTK' }),
]));
const SBIN = master.resolve('NSE:SBIN-EQ');
const INFY = master.resolve('NSE:INFY-EQ');
const ACC = master.resolve('BSE:ACC');
const NIFTY_CE = master.resolve('NFO:NIFTY26N1720500CE');

/** Reads one answer for `asked` as the node does: plan, read the one batch's data, order. */
function readOne(asked, data, mode = 'LTP') {
  const [batch, ...more] = planQuoteBatches(mode, asked);
  assert.equal(more.length, 0);
  return quotesInOrder(asked, readQuoteAnswer(batch, data));
}

describe('quotes: the calls made of the instruments asked', function () {
  it('builds the body of FACTS-TRADING §2.13 verbatim for NSE 3045 and BSE 500410 in OHLC mode', function () {
    const [batch, ...more] = planQuoteBatches('OHLC', [SBIN, ACC]);
    assert.equal(more.length, 0);
    assert.deepEqual(batch.body, quoteSection().body);
    assert.equal(JSON.stringify(batch.body), '{"mode":"OHLC","exchangeTokens":{"NSE":["3045"],"BSE":["500410"]}}');
  });

  it('asks for each instrument once however often it was asked, in the order first asked', function () {
    const [batch] = planQuoteBatches('LTP', [INFY, SBIN, INFY, ACC, SBIN]);
    assert.deepEqual(batch.body, { mode: 'LTP', exchangeTokens: { NSE: ['1594', '3045'], BSE: ['500410'] } });
    assert.deepEqual(batch.instruments.map(instrumentKey), ['NSE:1594', 'NSE:3045', 'BSE:500410']);
  });

  it('splits 1,001 distinct instruments over three calls of at most 500 tokens in all, on every exchange together', function () {
    const many = Array.from({ length: 1001 }, (_, i) => ({ exchange: i % 3 === 0 ? 'BSE' : 'NSE', token: String(100000 + i), symbol: `S${i}` }));
    const batches = planQuoteBatches('FULL', [...many, ...many.slice(0, 10)]);
    assert.deepEqual(batches.map((b) => Object.values(b.body.exchangeTokens).flat().length), [500, 500, 1]);
    assert.equal(MAX_TOKENS_PER_QUOTE, 500);
    assert.deepEqual(batches.flatMap((b) => b.instruments), many);
    for (const b of batches) {
      assert.equal(b.body.mode, 'FULL');
      const tokens = Object.entries(b.body.exchangeTokens).flatMap(([exchange, list]) => list.map((t) => `${exchange}:${t}`));
      assert.deepEqual(tokens.sort(), b.instruments.map(instrumentKey).sort());
    }
  });

  it('makes no call for no instruments', function () {
    assert.deepEqual(planQuoteBatches('LTP', []), []);
  });
});

describe('quotes: the answers, read back into the order asked', function () {
  it('reads the OHLC sample of FACTS-TRADING §2.13: the master\'s exchange, token and symbol, prices in rupees as numbers', function () {
    const { ohlc } = quoteSection();
    assert.deepEqual(ohlc.data, docsDraftSample('OHLCDataTypeB', 'OHLCSuccessResponseJson').data);
    const { quotes, unfetched } = readOne([SBIN], ohlc.data, 'OHLC');
    assert.deepEqual(quotes, [{ exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', ltp: 571.8, open: 568.75, high: 568.75, low: 567.05, close: 566.5 }]);
    assert.deepEqual(Object.keys(quotes[0]), ['exchange', 'token', 'symbol', 'ltp', 'open', 'high', 'low', 'close']);
    assert.deepEqual(unfetched, []);
  });

  it('reads the LTP sample of FACTS-TRADING §2.13', function () {
    const { ltp } = quoteSection();
    assert.deepEqual(ltp.data, docsDraftSample('LTPDataTypeB', 'SuccessLTPResponseJson').data);
    assert.deepEqual(readOne([SBIN], ltp.data).quotes, [{ exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', ltp: 571.75 }]);
  });

  it('follows the values rule: numeric strings become numbers, UPPER_SNAKE keys lowerCamel, gaps null, feed times ISO in India time', function () {
    const data = {
      fetched: [{
        exchange: 'NSE', tradingSymbol: ' SBIN-EQ ', symbolToken: 3045, ltp: '571.80', open: ' 568.75', LAST_TRADE_QTY: '10', avgPrice: '',
        upperCircuit: 'None', exchFeedTime: '21-Nov-2025 15:29:59', '52WeekHigh': 912.1,
        depth: { buy: [{ price: '571.75', quantity: '20', orders: 3 }], sell: [] },
      }],
      unfetched: [],
    };
    const [quote] = readOne([SBIN], data, 'FULL').quotes;
    assert.deepEqual(quote, {
      exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', ltp: 571.8, open: 568.75, lastTradeQty: 10, avgPrice: null, upperCircuit: null,
      exchFeedTime: '2025-11-21T15:29:59+05:30', '52WeekHigh': 912.1, depth: { buy: [{ price: 571.75, quantity: 20, orders: 3 }], sell: [] },
    });
  });

  it('answers in the order asked whatever order mStock answers in, a duplicate at each place as its own object', function () {
    const data = {
      fetched: [
        { exchange: 'BSE', tradingSymbol: 'ACC', symbolToken: '500410', ltp: 2010.5 },
        { exchange: 'NSE', tradingSymbol: 'SBIN-EQ', symbolToken: '3045', ltp: 571.75 },
        { exchange: 'NSE', tradingSymbol: 'INFY-EQ', symbolToken: '1594', ltp: 1890 },
      ],
      unfetched: [],
    };
    const { quotes } = readOne([INFY, SBIN, ACC, INFY], data);
    assert.deepEqual(quotes.map((q) => [q.symbol, q.ltp]), [['INFY-EQ', 1890], ['SBIN-EQ', 571.75], ['ACC', 2010.5], ['INFY-EQ', 1890]]);
    assert.notEqual(quotes[0], quotes[3]);
    quotes[0].ltp = 0;
    assert.equal(quotes[3].ltp, 1890);
  });

  it('pairs a row mStock labels NSE with the NFO contract asked, by its token (FACTS-TRADING §1.6)', function () {
    const data = { fetched: [{ exchange: 'NSE', tradingSymbol: 'NIFTY26N1720500CE', symbolToken: '37266', ltp: 3512.4 }], unfetched: [] };
    assert.deepEqual(readOne([NIFTY_CE], data).quotes, [{ exchange: 'NFO', token: '37266', symbol: 'NIFTY26N1720500CE', ltp: 3512.4 }]);
  });

  it('tells apart an NSE share and an NFO contract with the same token, both labelled NSE, by their trading symbols', function () {
    const share = master.resolve('NSE:AAA-EQ');
    const future = master.resolve('NFO:AAA26NOVFUT');
    const data = {
      fetched: [
        { exchange: 'NSE', tradingSymbol: 'AAA26NOVFUT', symbolToken: '35001', ltp: 101.5 },
        { exchange: 'NSE', tradingSymbol: 'AAA-EQ', symbolToken: '35001', ltp: 100 },
      ],
      unfetched: [],
    };
    assert.deepEqual(readOne([share, future], data).quotes.map((q) => [q.exchange, q.symbol, q.ltp]), [['NSE', 'AAA-EQ', 100], ['NFO', 'AAA26NOVFUT', 101.5]]);
  });

  it('lists in unfetched what mStock did not quote, with its words, and what it did not mention at all', function () {
    const data = {
      fetched: [{ exchange: 'NSE', tradingSymbol: 'SBIN-EQ', symbolToken: '3045', ltp: 571.75 }],
      unfetched: [
        { exchange: 'NSE', symbolToken: '1594', message: 'Invalid Token', errorCode: 'IA400' },
        { exchange: 'NSE', symbolToken: '37266', message: '', errorCode: 'IA404' },
      ],
    };
    const { quotes, unfetched } = readOne([INFY, SBIN, NIFTY_CE, ACC, INFY], data);
    assert.deepEqual(quotes.map((q) => q.symbol), ['SBIN-EQ']);
    assert.deepEqual(unfetched, [
      { exchange: 'NSE', token: '1594', symbol: 'INFY-EQ', message: 'Invalid Token' },
      { exchange: 'NFO', token: '37266', symbol: 'NIFTY26N1720500CE', message: 'mStock could not quote it (IA404).' },
      { exchange: 'BSE', token: '500410', symbol: 'ACC', message: "mStock's answer did not mention this instrument: it was neither quoted nor listed as unfetched." },
    ]);
  });

  it('takes fetched: null and a missing unfetched as none', function () {
    assert.deepEqual(readOne([SBIN], { fetched: null }).unfetched.map((u) => u.token), ['3045']);
    assert.deepEqual(readOne([SBIN], { fetched: [{ exchange: 'NSE', symbolToken: '3045', ltp: 1 }] }).unfetched, []);
  });

  it('refuses data of any other shape as MSTOCK_BAD_RESPONSE', function () {
    const [batch] = planQuoteBatches('LTP', [SBIN]);
    const shapes = [
      [null, /held null data/], ['unexpected', /held a string data/], [[], /held a list data/], [{}, /held no data\.fetched/],
      [{ fetched: 'x' }, /a string data\.fetched/], [{ fetched: {} }, /an object data\.fetched/], [{ fetched: [1] }, /a number as row 1 of data\.fetched/],
      [{ fetched: [], unfetched: {} }, /data\.unfetched/], [{ fetched: [], unfetched: [null] }, /null as row 1 of data\.unfetched/],
    ];
    for (const [data, words] of shapes) {
      const err = throwsWith(() => readQuoteAnswer(batch, data), ErrorCode.BAD_RESPONSE);
      assert.match(err.message, /^mStock's answer to the quote request /);
      assert.match(err.message, words, JSON.stringify(data));
    }
  });

  it('keeps every instrument in the order asked for any mix of answers over many calls (property)', function () {
    const pool = Array.from({ length: 1200 }, (_, i) => ({ exchange: ['NSE', 'BSE', 'NFO'][i % 3], token: String(1000 + Math.floor(i / 3)), symbol: `S${i}` }));
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { maxLength: 1500 }),
      fc.integer(),
      (picks, seed) => {
        const asked = picks.map((i) => pool[i]);
        const answers = new Map();
        for (const batch of planQuoteBatches('LTP', asked)) {
          assert.ok(Object.values(batch.body.exchangeTokens).flat().length <= MAX_TOKENS_PER_QUOTE);
          // mStock answers in its own order, labels NFO rows NSE, and refuses every seventh token
          const rows = Object.entries(batch.body.exchangeTokens)
            .flatMap(([exchange, tokens]) => tokens.map((t) => ({ exchange: exchange === 'NFO' ? 'NSE' : exchange, symbolToken: t, ltp: Number(t) })))
            .sort((a, b) => ((Number(a.symbolToken) * 31 + seed) % 97) - ((Number(b.symbolToken) * 31 + seed) % 97));
          const fetched = rows.filter((r) => Number(r.symbolToken) % 7 !== 0);
          const unfetched = rows.filter((r) => Number(r.symbolToken) % 7 === 0).map((r) => ({ ...r, message: 'no' }));
          for (const [k, v] of readQuoteAnswer(batch, { fetched, unfetched })) answers.set(k, v);
        }
        const { quotes, unfetched } = quotesInOrder(asked, answers);
        const quotedAsked = asked.filter((a) => Number(a.token) % 7 !== 0);
        assert.deepEqual(quotes.map((q) => instrumentKey(q)), quotedAsked.map(instrumentKey));
        assert.deepEqual(quotes.map((q) => q.ltp), quotedAsked.map((a) => Number(a.token)));
        assert.deepEqual(unfetched.map(instrumentKey), [...new Set(asked.filter((a) => Number(a.token) % 7 === 0).map(instrumentKey))]);
      },
    ), { numRuns: 60 });
  });
});

describe('quotes: the instruments a message asks for', function () {
  const LIST = 'NSE:SBIN-EQ, NSE:INFY-EQ\nBSE:ACC,,\r\n';

  it('reads the node\'s list: instruments separated by commas or new lines, blanks dropped', function () {
    assert.deepEqual(splitInstrumentList(LIST), ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'BSE:ACC']);
    assert.deepEqual(splitInstrumentList(''), []);
    assert.deepEqual(splitInstrumentList(undefined), []);
  });

  it('uses the node\'s list when msg.payload is absent, a boolean, an empty text or an inject timestamp', function () {
    for (const trigger of [undefined, null, true, false, '', '  ', 1764578400000]) {
      assert.deepEqual(instrumentsToQuote(trigger, LIST), { items: ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'BSE:ACC'], source: "the node's Instruments list", single: false }, String(trigger));
    }
  });

  it('uses msg.payload otherwise: one instrument in any form, or a list (an empty one too)', function () {
    assert.deepEqual(instrumentsToQuote('NSE:SBIN-EQ', LIST), { items: ['NSE:SBIN-EQ'], source: 'msg.payload', single: true });
    assert.deepEqual(instrumentsToQuote({ exchange: 'nse', token: 3045 }, LIST).items, [{ exchange: 'nse', token: 3045 }]);
    assert.deepEqual(instrumentsToQuote([], LIST), { items: [], source: 'msg.payload', single: false });
    // a small number is not a timestamp: it is refused when resolved, as it names no exchange
    assert.deepEqual(instrumentsToQuote(3045, LIST).items, [3045]);
  });

  it('refuses a trigger when the node\'s list is empty, naming msg.payload and the list', function () {
    const err = throwsWith(() => instrumentsToQuote(1764578400000, ' , \n'), ErrorCode.INVALID_INPUT);
    assert.match(err.message, /^msg\.payload names no instrument \(it was 1764578400000\) and the node's Instruments list is empty/);
    assert.match(err.message, /Nothing was sent to mStock\.$/);
  });

  it('resolves every form, a number token and a lower-case exchange too, to the master\'s rows', function () {
    const asked = instrumentsToQuote(['NSE:SBIN-EQ', 'NSE:3045', { exchange: 'nse', token: 3045 }, { exchange: 'BSE', symbol: 'acc' }, 'nse:sbin-eq'], '');
    assert.deepEqual(resolveInstruments(master, asked).map((i) => [i.exchange, i.token, i.symbol]), [
      ['NSE', '3045', 'SBIN-EQ'], ['NSE', '3045', 'SBIN-EQ'], ['NSE', '3045', 'SBIN-EQ'], ['BSE', '500410', 'ACC'], ['NSE', '3045', 'SBIN-EQ'],
    ]);
  });

  it('refuses a list with an unknown instrument, naming it and its place', function () {
    const err = throwsWith(() => resolveInstruments(master, instrumentsToQuote(['NSE:SBIN-EQ', 'NSE:NOPE-EQ', 'BSE:ACC'], '')), ErrorCode.INVALID_INPUT);
    assert.equal(err.message, "Instrument 2 of 3 in msg.payload: NSE:NOPE-EQ is not in mStock's instrument master: no NSE instrument has that trading symbol. Nothing was sent to mStock.");
  });

  it('names the first few others when several are unknown, and the node\'s list as the place', function () {
    const list = ['NSE:A1', 'NSE:SBIN-EQ', 'X:1', 'NSE:A3', 'NSE:A4', 'NSE:A5', 'NSE:A6', 'NSE:A7', 'NSE:A8'].join(',');
    const err = throwsWith(() => resolveInstruments(master, instrumentsToQuote(undefined, list)), ErrorCode.INVALID_INPUT);
    assert.match(err.message, /^Instrument 1 of 9 in the node's Instruments list: NSE:A1 is not in mStock's instrument master/);
    assert.match(err.message, / Instruments 3 \("X:1"\), 4 \("NSE:A3"\), 5 \("NSE:A4"\), 6 \("NSE:A5"\), 7 \("NSE:A6"\) and 2 more cannot be used either\. Nothing was sent to mStock\.$/);
  });

  it('names msg.payload alone when it held one unknown instrument', function () {
    const err = throwsWith(() => resolveInstruments(master, instrumentsToQuote({ exchange: 'NSE', token: '999999' }, '')), ErrorCode.INVALID_INPUT);
    assert.equal(err.message, "msg.payload: NSE:999999 is not in mStock's instrument master: no NSE instrument has the token 999999. Nothing was sent to mStock.");
    throwsWith(() => resolveInstruments(master, instrumentsToQuote(3045, '')), ErrorCode.INVALID_INPUT);
  });
});
