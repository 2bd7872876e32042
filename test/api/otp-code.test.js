'use strict';
// parseOtpCode: what mstock-otp accepts from msg.payload (PRODUCT.md: 4 to 8 digits, string or number).
const assert = require('node:assert/strict');
const { parseOtpCode } = require('../../dist/src/api/otp-code');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');

describe('parseOtpCode', function () {
  const accepted = [
    ['"123456"', '123456', '123456'],
    ['" 1234 " (white space around)', ' 1234 ', '1234'],
    ['"\\t87654321\\n"', '\t87654321\n', '87654321'],
    ['the number 12345678', 12345678, '12345678'],
    ['the number 1234', 1234, '1234'],
    ['"00001234" (leading zeros kept)', '00001234', '00001234'],
  ];
  for (const [label, input, expected] of accepted) {
    it(`accepts ${label} → "${expected}"`, function () {
      assert.equal(parseOtpCode(input), expected);
    });
  }

  const refused = [
    ['""', ''],
    ['"   "', '   '],
    ['"abc"', 'abc'],
    ['"12 34"', '12 34'],
    ['"123" (too short)', '123'],
    ['"123456789" (too long)', '123456789'],
    ['"12345a"', '12345a'],
    ['"١٢٣٤" (non-ASCII digits)', '١٢٣٤'],
    ['3.5', 3.5],
    ['1234.5', 1234.5],
    ['-1234', -1234],
    ['"-1234"', '-1234'],
    ['123 (number, too short)', 123],
    ['123456789 (number, too long)', 123456789],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['true', true],
    ['null', null],
    ['undefined', undefined],
    ['{}', {}],
    ['[]', []],
    ['["1234"]', ['1234']],
    ['a Buffer', Buffer.from('1234')],
  ];
  for (const [label, input] of refused) {
    it(`refuses ${label} with MSTOCK_INVALID_INPUT`, function () {
      const err = throwsWith(() => parseOtpCode(input), ErrorCode.INVALID_INPUT);
      assert.match(err.message, /4 to 8 digit/);
      assert.match(err.message, /Nothing was sent to mStock\.$/);
    });
  }

  it('refuses a 10 kB string with a short message that does not echo it', function () {
    const huge = '1'.repeat(10 * 1024);
    const err = throwsWith(() => parseOtpCode(huge), ErrorCode.INVALID_INPUT);
    assert.ok(err.message.length < 200, `message is ${err.message.length} characters long`);
    assert.ok(!err.message.includes('1'.repeat(20)), 'the message echoes the payload');
    assert.match(err.message, /10240 characters/);
  });
});
