'use strict';
// The instrument master: parsing both download forms, symbol resolution and search
// (PRODUCT.md "Instruments", FACTS-TRADING.md §1.5 and §2.16).
const assert = require('node:assert/strict');
const {
  parseScripMaster, InstrumentMaster, REST_EXCHANGE_CODE, FEED_EXCHANGE_TYPE, EXCHANGES, toExchange,
} = require('../../dist/src/api/instruments');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');

// FACTS-TRADING.md §2.16, verbatim (OpenAlgo commit e1c284bea)
const SENSEX_OPTION = {
  token: '877966', symbol: 'SENSEX', name: 'SENSEX25O2382700CE', expiry: '23Oct2025', strike: '82700',
  lotsize: '20', instrumenttype: 'OPTIDX', exch_seg: 'BFO', tick_size: '0.05',
};
const row = (token, symbol, name, exchSeg, more = {}) => ({
  token, symbol, name, expiry: '', strike: '', lotsize: '1', instrumenttype: '', exch_seg: exchSeg, tick_size: '0.05', ...more,
});
const MASTER_ROWS = [
  SENSEX_OPTION,
  row('3045', 'SBIN', 'SBIN-EQ', 'NSE'),
  row('500112', 'SBIN', 'SBIN', 'BSE'),
  row('2885', 'RELIANCE', 'RELIANCE-EQ', 'NSE'),
  row('3046', 'SBICARD', 'SBICARD-EQ', 'NSE'),
  row('52101', 'SBIN', 'SBIN25NOVFUT', 'NFO', { expiry: '27Nov2025', lotsize: '750', instrumenttype: 'FUTSTK', tick_size: '0.10' }),
  row('1234', 'USDINR', 'USDINR25NOVFUT', 'NSE', { expiry: '26Nov2025', lotsize: '1000', instrumenttype: 'FUTCUR', tick_size: '0.0025' }),
  row('440', 'GOLD', 'GOLD25DECFUT', 'MCX', { expiry: '05Dec2025', lotsize: '100', instrumenttype: 'FUTCOM' }),
  row('7', 'ZZ', 'ZZ-XX', 'NCDEX'),
  row('8100', 'STATE BANK OF INDIA ETF', 'SETFSBI-EQ', 'NSE'),
];

describe('instrument master: exchange codes', function () {
  it('maps the REST numeric codes and the feed exchangeType as FACTS-TRADING.md §1.5 lists them', function () {
    assert.deepEqual({ ...REST_EXCHANGE_CODE }, { NSE: 1, NFO: 2, CDS: 3, BSE: 4, BFO: 5, MCX: 6 });
    assert.deepEqual({ ...FEED_EXCHANGE_TYPE }, { NSE: 1, NFO: 2, BSE: 3, BFO: 4, CDS: 13, MCX: 5 });
    assert.deepEqual([...EXCHANGES].sort(), ['BFO', 'BSE', 'CDS', 'MCX', 'NFO', 'NSE']);
  });

  it('reads an exchange in any case and refuses one it does not know', function () {
    assert.equal(toExchange(' nfo '), 'NFO');
    assert.equal(toExchange('NCDEX'), undefined);
    assert.equal(toExchange(1), undefined);
  });
});

describe('instrument master: parsing the download', function () {
  it('turns the documented JSON row into our row: trading symbol as symbol, underlying as name, numbers and an ISO expiry', function () {
    assert.deepEqual(parseScripMaster([SENSEX_OPTION]), [{
      exchange: 'BFO', token: '877966', symbol: 'SENSEX25O2382700CE', name: 'SENSEX', type: 'OPTIDX',
      expiry: '2025-10-23', strike: 82700, lotSize: 20, tickSize: 0.05,
    }]);
  });

  it('gives cash rows no expiry and a zero strike, and the defaults for an empty lot and tick size', function () {
    const [sbin] = parseScripMaster([row('3045', 'SBIN', 'SBIN-EQ', 'NSE', { lotsize: '', tick_size: '' })]);
    assert.deepEqual(sbin, { exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', name: 'SBIN', type: '', expiry: null, strike: 0, lotSize: 1, tickSize: 0.05 });
  });

  it('moves currency and interest-rate contracts listed under NSE or BSE to CDS, and nothing else', function () {
    const types = ['OPTCUR', 'FUTCUR', 'OPTIRC', 'FUTIRC', 'FUTIRT', 'FUTSTK', 'OPTIDX'];
    const rows = types.flatMap((type, i) => [
      row(String(100 + i), 'X', `NSE${type}`, 'NSE', { instrumenttype: type }),
      row(String(200 + i), 'X', `BSE${type}`, 'BSE', { instrumenttype: type.toLowerCase() }),
    ]);
    const exchanges = Object.fromEntries(parseScripMaster(rows).map((r) => [r.symbol, r.exchange]));
    for (const type of ['OPTCUR', 'FUTCUR', 'OPTIRC', 'FUTIRC', 'FUTIRT']) {
      assert.equal(exchanges[`NSE${type}`], 'CDS', type);
      assert.equal(exchanges[`BSE${type}`], 'CDS', type);
    }
    assert.equal(exchanges.NSEFUTSTK, 'NSE');
    assert.equal(exchanges.BSEOPTIDX, 'BSE');
  });

  it('leaves out rows on exchanges the package does not trade and rows without token or trading symbol', function () {
    const parsed = parseScripMaster([row('7', 'ZZ', 'ZZ-XX', 'NCDEX'), row('', 'A', 'A-EQ', 'NSE'), row('9', 'B', '', 'NSE'), null, 'x', row('10', 'C', 'C-EQ', 'nse')]);
    assert.deepEqual(parsed.map((r) => `${r.exchange}:${r.symbol}`), ['NSE:C-EQ']);
  });

  it('keeps a token a string, also when the JSON gave a number, and trims spaces', function () {
    const [r] = parseScripMaster([{ ...row(' 3045 ', ' SBIN ', '\u00a0SBIN-EQ\u3000', ' NSE '), token: 3045 }]);
    assert.equal(r.token, '3045');
    assert.equal(r.symbol, 'SBIN-EQ');
    assert.equal(r.name, 'SBIN');
  });

  it('reads expiries as 23Oct2025, 23-OCT-2025 and 2025-10-23, and gives null for one that is not a date', function () {
    const expiries = ['23Oct2025', '23-OCT-2025', '2025-10-23', '5Dec2025', '31Feb2025', 'soon'];
    const parsed = parseScripMaster(expiries.map((expiry, i) => row(String(i + 1), 'X', `X${i}`, 'NFO', { expiry })));
    assert.deepEqual(parsed.map((r) => r.expiry), ['2025-10-23', '2025-10-23', '2025-10-23', '2025-12-05', null, null]);
  });

  it('reads CSV text with the documented header, quoted fields, CRLF line ends and a byte-order mark', function () {
    const csv = '\uFEFFtoken,symbol,name,expiry,strike,lotsize,instrumenttype,exch_seg,tick_size\r\n'
      + '877966,SENSEX,SENSEX25O2382700CE,23Oct2025,82700,20,OPTIDX,BFO,0.05\r\n'
      + '8100,"STATE BANK, ""SBI"" ETF",SETFSBI-EQ,,,1,,NSE,0.01\r\n'
      + '\r\n';
    assert.deepEqual(parseScripMaster(csv), [
      parseScripMaster([SENSEX_OPTION])[0],
      { exchange: 'NSE', token: '8100', symbol: 'SETFSBI-EQ', name: 'STATE BANK, "SBI" ETF', type: '', expiry: null, strike: 0, lotSize: 1, tickSize: 0.01 },
    ]);
  });

  it('reads CSV columns by their header names in any order, and a quoted field running over a line break', function () {
    const csv = 'exch_seg,tick_size,token,name,symbol,expiry,strike,lotsize,instrumenttype\n'
      + 'NSE,0.05,3045,SBIN-EQ,"STATE BANK\nOF INDIA",,,1,\n'
      + 'NSE,0.05,2885,RELIANCE-EQ,RELIANCE,,,1,\n';
    const parsed = parseScripMaster(csv);
    assert.deepEqual(parsed.map((r) => [r.token, r.symbol, r.name]), [['3045', 'SBIN-EQ', 'STATE BANK\nOF INDIA'], ['2885', 'RELIANCE-EQ', 'RELIANCE']]);
  });

  it('refuses CSV without the documented columns, naming the missing ones', function () {
    const err = throwsWith(() => parseScripMaster('token,symbol,name\n1,A,A-EQ\n'), ErrorCode.BAD_RESPONSE);
    assert.match(err.message, /expiry, strike, lotsize, instrumenttype, exch_seg, tick_size/);
  });

  it('reads JSON text, a Buffer and a { data } envelope the same as the parsed array', function () {
    const expected = parseScripMaster(MASTER_ROWS);
    assert.equal(expected.length, MASTER_ROWS.length - 1);
    const text = JSON.stringify(MASTER_ROWS);
    assert.deepEqual(parseScripMaster(text), expected);
    assert.deepEqual(parseScripMaster(Buffer.from(text)), expected);
    assert.deepEqual(parseScripMaster({ status: 'true', data: MASTER_ROWS }), expected);
  });

  it('refuses a body that is not a list of instruments', function () {
    throwsWith(() => parseScripMaster(null), ErrorCode.BAD_RESPONSE);
    throwsWith(() => parseScripMaster({ status: 'false', message: 'no' }), ErrorCode.BAD_RESPONSE);
    throwsWith(() => parseScripMaster('[{"token":'), ErrorCode.BAD_RESPONSE);
  });
});

describe('instrument master: resolving an instrument', function () {
  const master = new InstrumentMaster(parseScripMaster(MASTER_ROWS));

  it('resolves the four forms of PRODUCT.md to the same row, exchange and symbol in any case', function () {
    const forms = ['NSE:SBIN-EQ', 'nse:sbin-eq', ' NSE : SBIN-EQ ', 'NSE:3045', { exchange: 'NSE', symbol: 'SBIN-EQ' },
      { exchange: 'Nse', symbol: 'sbin-eq' }, { exchange: 'NSE', token: '3045' }, { exchange: 'NSE', token: 3045 },
      { exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ' }];
    for (const form of forms) {
      const r = master.resolve(form);
      assert.equal(`${r.exchange}:${r.token}:${r.symbol}`, 'NSE:3045:SBIN-EQ', JSON.stringify(form));
    }
  });

  it('keeps exchanges apart: the same text names different rows on NSE and BSE', function () {
    assert.equal(master.resolve('BSE:SBIN').token, '500112');
    throwsWith(() => master.resolve('NSE:SBIN'), ErrorCode.INVALID_INPUT);
    throwsWith(() => master.resolve('BSE:3045'), ErrorCode.INVALID_INPUT);
  });

  it('finds currency contracts under CDS', function () {
    assert.equal(master.resolve('CDS:USDINR25NOVFUT').token, '1234');
    throwsWith(() => master.resolve('NSE:USDINR25NOVFUT'), ErrorCode.INVALID_INPUT);
  });

  it('names a symbol it cannot find', function () {
    const err = throwsWith(() => master.resolve('NSE:SBINN-EQ'), ErrorCode.INVALID_INPUT);
    assert.match(err.message, /^NSE:SBINN-EQ is not in mStock's instrument master/);
    const byObject = throwsWith(() => master.resolve({ exchange: 'nse', symbol: 'SBINN-EQ' }), ErrorCode.INVALID_INPUT);
    assert.match(byObject.message, /^NSE:SBINN-EQ is not in mStock's instrument master/);
    const byToken = throwsWith(() => master.resolve({ exchange: 'NSE', token: '99999' }), ErrorCode.INVALID_INPUT);
    assert.match(byToken.message, /^NSE:99999 is not in mStock's instrument master.*token 99999/);
  });

  it('refuses an unknown exchange, a missing exchange, symbol or token, and other shapes', function () {
    assert.match(throwsWith(() => master.resolve('NSX:SBIN-EQ'), ErrorCode.INVALID_INPUT).message, /Unknown exchange "NSX".*NSE, BSE, NFO, BFO, CDS, MCX/);
    for (const bad of ['SBIN-EQ', 'NSE:', { symbol: 'SBIN-EQ' }, { exchange: 'NSE' }, { exchange: 'NSE', symbol: 5 }, null, 3045, ['NSE', 'SBIN-EQ']]) {
      throwsWith(() => master.resolve(bad), ErrorCode.INVALID_INPUT);
    }
  });

  it('accepts a numeric token only when it is a safe integer', function () {
    for (const token of [3045.5, 2 ** 53, -1, Number.NaN]) {
      const err = throwsWith(() => master.resolve({ exchange: 'NSE', token }), ErrorCode.INVALID_INPUT);
      assert.match(err.message, /give it as a string/);
    }
  });

  it('refuses a symbol and a token that name different rows', function () {
    const err = throwsWith(() => master.resolve({ exchange: 'NSE', token: '3045', symbol: 'RELIANCE-EQ' }), ErrorCode.INVALID_INPUT);
    assert.match(err.message, /NSE token 3045 is SBIN-EQ.*not RELIANCE-EQ/);
  });

  it('answers copies: changing an answer does not change the master', function () {
    master.resolve('NSE:SBIN-EQ').symbol = 'CHANGED';
    master.search('SBIN-EQ')[0].token = '0';
    assert.equal(master.resolve('NSE:3045').symbol, 'SBIN-EQ');
    assert.equal(master.search('SBIN-EQ')[0].token, '3045');
  });

  it('keeps the first row where the master lists a symbol or token twice', function () {
    const twice = new InstrumentMaster(parseScripMaster([row('1', 'A', 'A-EQ', 'NSE'), row('2', 'A', 'a-eq', 'NSE'), row('1', 'B', 'B-EQ', 'NSE')]));
    assert.equal(twice.resolve('NSE:A-EQ').token, '1');
    assert.equal(twice.resolve('NSE:1').symbol, 'A-EQ');
    assert.equal(twice.resolve('NSE:B-EQ').token, '1');
  });
});

describe('instrument master: search', function () {
  const master = new InstrumentMaster(parseScripMaster(MASTER_ROWS));
  const found = (query, limit) => master.search(query, limit).map((r) => `${r.exchange}:${r.symbol}`);

  it('puts the exact trading symbol first, then symbols starting with the text, then names containing it', function () {
    // "SBIN" names NSE's SBIN-EQ as much as BSE's SBIN: both exact, NSE first
    assert.deepEqual(found('sbin'), ['NSE:SBIN-EQ', 'BSE:SBIN', 'NFO:SBIN25NOVFUT']);
    assert.deepEqual(found({ symbol: 'sbin' }), ['NSE:SBIN-EQ', 'BSE:SBIN', 'NFO:SBIN25NOVFUT']);
    assert.deepEqual(found('SBI'), ['NSE:SBIN-EQ', 'BSE:SBIN', 'NSE:SBICARD-EQ', 'NFO:SBIN25NOVFUT', 'NSE:SETFSBI-EQ']);
    assert.deepEqual(found('state bank'), ['NSE:SETFSBI-EQ']);
    assert.deepEqual(found('EQ'), ['NSE:SBIN-EQ', 'NSE:RELIANCE-EQ', 'NSE:SBICARD-EQ', 'NSE:SETFSBI-EQ']);
  });

  it('finds a token given as text or number, and within an exchange prefix', function () {
    assert.deepEqual(found('3045'), ['NSE:SBIN-EQ']);
    assert.deepEqual(found(877966), ['BFO:SENSEX25O2382700CE']);
    assert.deepEqual(found('nse:sbi'), ['NSE:SBIN-EQ', 'NSE:SBICARD-EQ', 'NSE:SETFSBI-EQ']);
  });

  it('searches only the field an object gives, within its exchange', function () {
    assert.deepEqual(found({ exchange: 'NFO', symbol: 'sbin' }), ['NFO:SBIN25NOVFUT']);
    assert.deepEqual(found({ symbol: 'SBIN-EQ' }), ['NSE:SBIN-EQ']);
    assert.deepEqual(found({ token: 500112 }), ['BSE:SBIN']);
    assert.deepEqual(found({ exchange: 'NSE', token: '500112' }), []);
    assert.deepEqual(found({ name: 'sbin' }), ['NSE:SBIN-EQ', 'BSE:SBIN', 'NFO:SBIN25NOVFUT']);
    assert.deepEqual(found({ name: 'sbi' }), ['NSE:SBIN-EQ', 'BSE:SBIN', 'NSE:SBICARD-EQ', 'NFO:SBIN25NOVFUT']);
    assert.deepEqual(found({ name: 'bank' }), ['NSE:SETFSBI-EQ']);
    const names = new InstrumentMaster(parseScripMaster([row('1', 'SBIN ETF', 'SETFSBIN-EQ', 'NSE'), row('2', 'SBIN', 'SBIN-EQ', 'NSE')]));
    assert.deepEqual(names.search({ name: 'sbin' }).map((r) => r.symbol), ['SBIN-EQ', 'SETFSBIN-EQ']);
  });

  it('answers at most limit rows, the best ones, and nothing for an empty text', function () {
    assert.deepEqual(found('SBI', 2), ['NSE:SBIN-EQ', 'BSE:SBIN']);
    assert.deepEqual(found('SBI', 0), []);
    assert.deepEqual(found('   '), []);
    const many = new InstrumentMaster(parseScripMaster(Array.from({ length: 50 }, (_, i) => row(String(i + 1), 'N', `N${i}`, 'NSE'))));
    assert.equal(many.search('N').length, 20);
    assert.equal(many.search('N', 35).length, 35);
  });

  it('refuses a limit that is not a whole number of zero or more, and queries of other shapes', function () {
    for (const limit of [-1, 1.5, '5']) throwsWith(() => master.search('SBI', limit), ErrorCode.INVALID_INPUT);
    for (const query of [null, ['SBI'], { exchange: 'NSE' }, { exchange: 'NSX', symbol: 'A' }]) throwsWith(() => master.search(query), ErrorCode.INVALID_INPUT);
  });
});

describe('instrument master: the JSON text read in place', function () {
  // the text form must read exactly as JSON.parse's rows would: compare with the parsed array
  const same = (text) => {
    const expected = parseScripMaster(JSON.parse(text.replace(/^\uFEFF/, '')));
    assert.deepEqual(parseScripMaster(text), expected);
    return expected;
  };

  it('reads escaped characters in values as JSON.parse does, and finds the row by the unescaped symbol', function () {
    const text = '[{"token":"1","symbol":"A \\"Q\\" \\\\ \\/ \\u00e9\\n","name":"Q\\u002dEQ","expiry":"","strike":"","lotsize":"1",'
      + '"instrumenttype":"","exch_seg":"NSE","tick_size":"0.05"}]';
    const [r] = same(text);
    assert.equal(r.symbol, 'Q-EQ');
    assert.equal(r.name, 'A "Q" \\ / é');
    assert.equal(InstrumentMaster.fromDownload(text).resolve('nse:q-eq').token, '1');
  });

  it('reads a key spelled with escapes as the key it names', function () {
    const text = '[{"tok\\u0065n":"5","symbol":"B","n\\u0061me":"B-EQ","exch_seg":"NSE"}]';
    assert.deepEqual(same(text).map((r) => `${r.exchange}:${r.token}:${r.symbol}`), ['NSE:5:B-EQ']);
  });

  it('reads characters past ASCII, and matches such a symbol in any case as toUpperCase() does', function () {
    const text = JSON.stringify([row('7', 'स्टेट बैंक', 'Straße-EQ', 'NSE'), row('8', 'ÉLAN', 'élan-eq', 'bse', { instrumenttype: 'équité' })]);
    const rows = same(text);
    assert.deepEqual(rows.map((r) => [r.name, r.symbol, r.type]), [['स्टेट बैंक', 'Straße-EQ', ''], ['ÉLAN', 'élan-eq', 'équité']]);
    const master = InstrumentMaster.fromDownload(text);
    assert.equal(master.resolve('NSE:STRASSE-EQ').token, '7');
    assert.equal(master.resolve('NSE:straße-eq').token, '7');
    assert.equal(master.resolve({ exchange: 'BSE', symbol: 'ÉLAN-EQ' }).token, '8');
  });

  it('reads numbers, true, false and null given as JSON values as String() of the parsed value', function () {
    const text = '[{"token":3045,"symbol":"SBIN","name":"SBIN-EQ","expiry":null,"strike":82700.50,"lotsize":1E1,'
      + '"instrumenttype":false,"exch_seg":"NSE","tick_size":5e-2},'
      + '{"token":-0,"symbol":true,"name":"T-EQ","exch_seg":"NSE","lotsize":0,"strike":-12.5}]';
    const rows = same(text);
    assert.deepEqual(rows[0], { exchange: 'NSE', token: '3045', symbol: 'SBIN-EQ', name: 'SBIN', type: 'false', expiry: null, strike: 82700.5, lotSize: 10, tickSize: 0.05 });
    assert.deepEqual([rows[1].token, rows[1].name, rows[1].lotSize, rows[1].strike], ['0', 'true', 0, -12.5]);
    assert.equal(InstrumentMaster.fromDownload(text).resolve('NSE:3045').symbol, 'SBIN-EQ');
  });

  it('skips extra columns of any kind, reads keys in any order and any spacing, and a byte-order mark', function () {
    const text = '\uFEFF [\n  {"extra": {"a": [1, {"b": null}], "c": "}"}, "exch_seg" : "NFO" ,"name":"X25NOVFUT",\t"token":"9",'
      + ' "symbol": "X", "list": [], "n": -1.5e+3, "expiry":"27Nov2025", "lotsize":"50", "strike":"", "tick_size":"", "instrumenttype":"FUTSTK"},\r\n'
      + '  {"token":"10","name":"Y-EQ","symbol":"Y","exch_seg":"NSE","lotsize":"1","tick_size":"0.05","expiry":"","strike":"","instrumenttype":"","more":true}\n] ';
    const rows = same(text);
    assert.deepEqual(rows.map((r) => [r.exchange, r.token, r.symbol, r.expiry, r.lotSize]), [['NFO', '9', 'X25NOVFUT', '2025-11-27', 50], ['NSE', '10', 'Y-EQ', null, 1]]);
  });

  it('keeps the last of a repeated key, as JSON.parse does, and the last data list of an envelope', function () {
    const repeated = '[{"token":"1","name":"OLD-EQ","exch_seg":"NSE","name":"NEW-EQ"},{"token":"2","name":"Z-EQ","exch_seg":"NSE","exch_seg":null}]';
    assert.deepEqual(same(repeated).map((r) => r.symbol), ['NEW-EQ']);
    const envelope = JSON.stringify({ status: 'true', data: [row('1', 'A', 'A-EQ', 'NSE')], message: '' }).replace('"message"', '"data":[{"token":"2","name":"B-EQ","exch_seg":"BSE"}],"message"');
    assert.deepEqual(parseScripMaster(envelope).map((r) => `${r.exchange}:${r.symbol}`), ['BSE:B-EQ']);
    assert.deepEqual(parseScripMaster(envelope), parseScripMaster(JSON.parse(envelope)));
  });

  it('trims spaces inside values, also non-ASCII ones, and leaves out elements that are not rows', function () {
    const text = JSON.stringify([null, 1, 'x', [], {}, row(' 3045 ', ' SBIN ', '\u00a0SBIN-EQ\u3000', ' nse '), row('', 'A', 'A-EQ', 'NSE'), row('9', 'B', '  ', 'NSE')]);
    assert.deepEqual(same(text).map((r) => `${r.exchange}:${r.token}:${r.symbol}:${r.name}`), ['NSE:3045:SBIN-EQ:SBIN']);
  });

  it('trims exactly the characters String.prototype.trim() trims, whichever character it is', function () {
    const rows = [];
    for (let c = 32; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      rows.push(row(`${c}`, `${ch}U`, `${ch}S${c}${ch}`, 'NSE'));
    }
    const text = JSON.stringify(rows);
    const expected = same(text);
    assert.equal(expected.length, rows.length);
    assert.equal(expected.filter((r) => r.symbol === `S${r.token}`).length, 20, 'the characters trim() removes, from 32 on');
  });

  it('reads a text of many varied rows exactly as the parsed array, and finds every row', function () {
    const types = ['OPTIDX', 'FUTSTK', 'OPTCUR', 'futirc', '', 'EQUITY'];
    const segments = ['NSE', 'BSE', 'NFO', 'bfo', 'MCX', 'CDS', 'NCDEX', ' NSE '];
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const r = row(String(100000 + i), `U${i % 97}`, `S${i}${i % 7 === 0 ? '-é' : ''}${i % 11 === 0 ? '"q"' : ''}`, segments[i % segments.length], {
        instrumenttype: types[i % types.length], expiry: i % 3 ? '' : `${1 + (i % 28)}Dec2025`, strike: i % 5 ? String(i * 5) : '',
      });
      if (i % 13 === 0) r.token = 100000 + i;
      if (i % 17 === 0) r.extra = { nested: [i, `${i}`] };
      // keys in another order every so often
      return i % 4 === 0 ? Object.fromEntries(Object.entries(r).reverse()) : r;
    });
    const text = JSON.stringify(rows, null, 1);
    const expected = same(text);
    const master = InstrumentMaster.fromDownload(text);
    assert.equal(master.size, expected.length);
    for (const r of expected) {
      assert.deepEqual(master.resolve({ exchange: r.exchange, symbol: r.symbol.toLowerCase() }), r);
      assert.deepEqual(master.resolve(`${r.exchange}:${r.token}`), r);
    }
  });

  it('refuses every text JSON.parse refuses, as MSTOCK_BAD_RESPONSE', function () {
    const good = '{"token":"1","name":"A-EQ","exch_seg":"NSE"}';
    const bad = [
      `[${good},]`, `[${good}`, `[${good}] x`, `[${good}][]`, '[{"token":"1",}]', '[{"token" "1"}]', '[{"token":"1"]', '[{"token":"1}]',
      '[{"token":"1\u0001"}]', '[{"token":"a\tb"}]', '[{"token":"\\q"}]', '[{"token":"\\u12g4"}]', '[{"token":012}]', '[{"token":1.}]',
      '[{"token":-}]', '[{"token":1e}]', '[{"token":tru}]', '[{"token":NaN}]', "[{'token':'1'}]", '[{token:"1"}]', '[{"token":"1"} {"token":"2"}]',
      '[1 2]', '[{"x":[1,]}]', '[{"x":{"a":1,}}]', '[{"x":1.}]', '[{"x":-}]', '[{"x":01}]', '[{"x":tru}]', '[{"x":"\\q"}]', '[{"x":"a\nb"}]',
      '[{"x":[1 2]}]', '[{"x":{"a" 1}}]', '[{"x":{1:2}}]', '[{"token":"1";"name":"A-EQ","exch_seg":"NSE"}]', '[{"x":{"a":1;"b":2}}]',
      '[{"x":[1;2]}]', `[${good};${good}]`, '{"data":[];"x":1}', '{"data":[]', '{"data":[] "x":1}', '[\u00a0]', '[{"token":"1"}]]',
    ];
    for (const text of bad) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      const err = throwsWith(() => parseScripMaster(text), ErrorCode.BAD_RESPONSE);
      assert.match(err.message, /looked like JSON but could not be parsed/, text);
    }
  });

  it('refuses an envelope without a list, and reads an empty list as no rows', function () {
    throwsWith(() => parseScripMaster('{"status":"true","data":"none"}'), ErrorCode.BAD_RESPONSE);
    throwsWith(() => parseScripMaster('{"data":[{"token":"1"}],"data":{}}'), ErrorCode.BAD_RESPONSE);
    assert.deepEqual(parseScripMaster(' [ ] '), []);
    assert.deepEqual(parseScripMaster('{"data":[]}'), []);
  });
});

describe('instrument master: search over a larger master, against the rule written out row by row', function () {
  // the rule of InstrumentMaster.search, plainly: rank each row, keep master order within a rank
  function expectedSearch(rows, query, limit = 20) {
    let exchange;
    let text;
    let fields = 'any';
    if (typeof query === 'number') [text, fields] = [String(query), 'token'];
    else if (typeof query === 'string') {
      text = query.trim();
      const colon = text.indexOf(':');
      const prefix = colon > 0 ? toExchange(text.slice(0, colon)) : undefined;
      if (prefix) [exchange, text] = [prefix, text.slice(colon + 1).trim()];
    } else {
      exchange = query.exchange && toExchange(query.exchange);
      if (query.token !== undefined) [text, fields] = [String(query.token), 'token'];
      else if (query.symbol !== undefined) [text, fields] = [query.symbol.trim(), 'symbol'];
      else [text, fields] = [query.name.trim(), 'name'];
    }
    if (text === '') return [];
    const wanted = text.toUpperCase();
    if (fields === 'token') {
      return EXCHANGES.filter((ex) => !exchange || ex === exchange).map((ex) => rows.find((r) => r.exchange === ex && r.token === text)).filter(Boolean).slice(0, limit);
    }
    const ranked = [[], [], []];
    for (const r of rows) {
      if (exchange && r.exchange !== exchange) continue;
      const symbol = r.symbol.toUpperCase();
      const name = r.name.toUpperCase();
      let rank = -1;
      if (fields === 'name') rank = name === wanted ? 0 : name.startsWith(wanted) ? 1 : name.includes(wanted) ? 2 : -1;
      else if (symbol === wanted || symbol === `${wanted}-EQ` || (fields === 'any' && r.token === text)) rank = 0;
      else if (symbol.startsWith(wanted)) rank = 1;
      else if (fields === 'any' && (symbol.includes(wanted) || name.includes(wanted))) rank = 2;
      if (rank >= 0) ranked[rank].push(r);
    }
    // exact matches by exchange (NSE, BSE, NFO, …), in master order within one
    ranked[0].sort((a, b) => EXCHANGES.indexOf(a.exchange) - EXCHANGES.indexOf(b.exchange));
    return ranked.flat().slice(0, limit);
  }

  const rows = [];
  for (let i = 0; i < 4000; i++) {
    const underlying = ['SBIN', 'NIFTY', 'STATE BANK', 'Straße', 'RELIANCE', 'BANKNIFTY'][i % 6];
    const exchange = ['NSE', 'BSE', 'NFO', 'BFO', 'MCX'][i % 5];
    const symbol = i % 9 === 0 ? underlying : `${underlying.replace(' ', '')}${i % 50}${i % 2 ? 'CE' : 'PE'}`;
    rows.push(row(String(i % 1500 === 7 ? 7 : 1000 + i), underlying, i % 97 === 3 ? symbol.toLowerCase() : symbol, exchange));
  }
  const text = JSON.stringify(rows);
  const parsed = parseScripMaster(JSON.parse(text));
  const fromText = InstrumentMaster.fromDownload(text);
  const fromRows = new InstrumentMaster(parsed);
  const queries = ['SBIN', 'sbin', 'NIFTY', 'nifty1', 'BANK', 'state bank', 'STRASSE', 'straße', 'ß', '1CE', 'CE', '7', '1007', 'nse:sbi', 'NFO:nifty',
    'bse:', 'ZZZ', 'N', 7, 1007, { symbol: 'nifty' }, { exchange: 'BFO', symbol: 'BANKNIFTY1' }, { name: 'bank' }, { exchange: 'NSE', name: 'STRASSE' },
    { token: '7' }, { exchange: 'mcx', token: 7 }];

  it('answers what the rule gives, for a master read from text and one made from rows', function () {
    for (const query of queries) {
      for (const limit of [20, 3, 500]) {
        const expected = expectedSearch(parsed, query, limit);
        assert.deepEqual(fromText.search(query, limit), expected, `${JSON.stringify(query)} limit ${limit}`);
        assert.deepEqual(fromRows.search(query, limit), expected, `${JSON.stringify(query)} limit ${limit}, from rows`);
      }
    }
    assert.ok(expectedSearch(parsed, 'N', 500).length === 500 && expectedSearch(parsed, 'STRASSE').length > 0, 'the queries find rows');
  });

  it('finds nothing for a text holding a NUL character, as no value holds one', function () {
    assert.deepEqual(fromText.search('SBIN\u0000NIFTY'), []);
  });
});
