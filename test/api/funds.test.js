'use strict';
// The fund summary parser, per PRODUCT.md: lowerCamel keys, numbers, nulls for gaps, words kept.
const assert = require('node:assert/strict');
const { parseFunds, parseFundValue, toLowerCamel, assertFundData } = require('../../dist/src/api/funds');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');

describe('fund summary parsing', function () {
  it('turns UPPER_SNAKE keys into lowerCamel mechanically, the vendor misspelling included', function () {
    assert.equal(toLowerCamel('AVAILABLE_BALANCE'), 'availableBalance');
    assert.equal(toLowerCamel('OPT_BUY_PRIMIUM_UTILIZE'), 'optBuyPrimiumUtilize');
    assert.equal(toLowerCamel('MTF_AVAILABLE_BALANCE'), 'mtfAvailableBalance');
    assert.equal(toLowerCamel('SEG'), 'seg');
    const [segment] = parseFunds([{ AVAILABLE_BALANCE: '1', OPT_BUY_PRIMIUM_UTILIZE: '0.0', LIMIT_SOD: '2' }]);
    assert.deepEqual(Object.keys(segment), ['availableBalance', 'optBuyPrimiumUtilize', 'limitSod']);
  });

  it('turns numeric strings into numbers: "299972678840.29", "99999999999", "0.0" → 0, "0"', function () {
    const [s] = parseFunds([{ A: '299972678840.29', B: '99999999999', C: '0.0', D: '0', E: '-12.5', F: '50000.0' }]);
    assert.equal(s.a, 299972678840.29);
    assert.equal(s.b, 99999999999);
    assert.equal(s.c, 0);
    assert.equal(typeof s.c, 'number');
    assert.equal(s.d, 0);
    assert.equal(s.e, -12.5);
    assert.equal(s.f, 50000);
  });

  it('turns "", "None" and null into null', function () {
    const [s] = parseFunds([{ MTM_COMBINED: '', ADDITIONAL_MARGIN: 'None', PAY_OUT_AMT: null }]);
    assert.deepEqual(s, { mtmCombined: null, additionalMargin: null, payOutAmt: null });
  });

  it('keeps words as strings: "CAPITAL", "A"', function () {
    const [s] = parseFunds([{ LIMIT_TYPE: 'CAPITAL', SEG: 'A' }]);
    assert.equal(s.limitType, 'CAPITAL');
    assert.equal(s.seg, 'A');
  });

  it('parses the vendor\'s sample segment as a whole', function () {
    const [s] = parseFunds([
      {
        ADDITIONAL_MARGIN: '0.0',
        ADHOC_LIMIT: '99999999999',
        AVAILABLE_BALANCE: '299972678840.29',
        LIMIT_TYPE: 'CAPITAL',
        OPT_BUY_PRIMIUM_UTILIZE: '0.0',
        SEG: 'A',
        SUM_OF_ALL: '300000024665',
      },
    ]);
    assert.deepEqual(s, {
      additionalMargin: 0,
      adhocLimit: 99999999999,
      availableBalance: 299972678840.29,
      limitType: 'CAPITAL',
      optBuyPrimiumUtilize: 0,
      seg: 'A',
      sumOfAll: 300000024665,
    });
  });

  it('keeps several segments in order', function () {
    const out = parseFunds([{ SEG: 'A' }, { SEG: 'C' }, { SEG: 'E' }]);
    assert.deepEqual(
      out.map((s) => s.seg),
      ['A', 'C', 'E'],
    );
    assert.deepEqual(parseFunds([]), []);
  });

  it('does not change the broker\'s data it was given', function () {
    const raw = [{ AVAILABLE_BALANCE: '10.5', SEG: 'A' }];
    const copy = JSON.parse(JSON.stringify(raw));
    parseFunds(raw);
    assert.deepEqual(raw, copy);
  });

  for (const [label, data] of [
    ['an object', { SEG: 'A' }],
    ['a string', 'unexpected'],
    ['null', null],
    ['undefined', undefined],
  ]) {
    it(`data that is ${label} instead of an array → MSTOCK_BAD_RESPONSE`, function () {
      throwsWith(() => parseFunds(data), ErrorCode.BAD_RESPONSE);
      throwsWith(() => assertFundData(data), ErrorCode.BAD_RESPONSE);
    });
  }

  it('a segment that is not an object (string, null, array) → MSTOCK_BAD_RESPONSE naming the segment', function () {
    const err = throwsWith(() => parseFunds([{ SEG: 'A' }, 'oops']), ErrorCode.BAD_RESPONSE);
    assert.match(err.message, /Segment 1/);
    throwsWith(() => parseFunds([null]), ErrorCode.BAD_RESPONSE);
    throwsWith(() => parseFunds([['SEG', 'A']]), ErrorCode.BAD_RESPONSE);
  });

  it('a value that is an object or an array → MSTOCK_BAD_RESPONSE', function () {
    throwsWith(() => parseFunds([{ AVAILABLE_BALANCE: { amount: '1' } }]), ErrorCode.BAD_RESPONSE);
    throwsWith(() => parseFunds([{ AVAILABLE_BALANCE: ['1'] }]), ErrorCode.BAD_RESPONSE);
    throwsWith(() => parseFundValue({}), ErrorCode.BAD_RESPONSE);
  });

  it('a "__proto__" key does not pollute Object.prototype nor change the segment\'s prototype', function () {
    const data = JSON.parse('[{"__proto__":"polluted","SEG":"A"}]');
    const [s] = parseFunds(data);
    assert.equal(Object.getPrototypeOf(s), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(s, '__proto__'));
    assert.equal(Object.getOwnPropertyDescriptor(s, '__proto__').value, 'polluted');
    assert.equal(s.seg, 'A');
    assert.equal({}.polluted, undefined);

    const nested = JSON.parse('[{"__proto__":{"isAdmin":true}}]');
    throwsWith(() => parseFunds(nested), ErrorCode.BAD_RESPONSE);
    assert.equal({}.isAdmin, undefined);
    assert.equal(Object.prototype.isAdmin, undefined);
  });
});
