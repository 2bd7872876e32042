'use strict';
const assert = require('node:assert/strict');
const { parseOrderId, parseTradeDates } = require('../../dist/src/api/order-inputs');
const { throwsWith } = require('./_helpers');

const NOTHING_SENT = /Nothing was sent to mStock\.$/;

describe('parseOrderId: msg.payload.orderid for the order details', function () {
  it('a string of digits is kept exactly, leading zeros and all, without the white space around it', function () {
    assert.equal(parseOrderId({ orderid: '1131250211100' }), '1131250211100');
    assert.equal(parseOrderId({ orderid: ' 1000000000016254\n' }), '1000000000016254');
    assert.equal(parseOrderId({ orderid: '0012' }), '0012');
    // past 2^53, where a number would have lost digits
    assert.equal(parseOrderId({ orderid: '9007199254740993' }), '9007199254740993');
  });

  it('a number is accepted while it is a safe integer', function () {
    assert.equal(parseOrderId({ orderid: 1131250211100 }), '1131250211100');
    assert.equal(parseOrderId({ orderid: Number.MAX_SAFE_INTEGER }), '9007199254740991');
  });

  it('a number past 2^53 is refused: it may have lost digits; send it as a string', function () {
    for (const orderid of [2 ** 53, Number('9007199254740993'), 1.2e21]) {
      const err = throwsWith(() => parseOrderId({ orderid }), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload\.orderid \S+ is too large .* lost .* Send the order id as a string\. Nothing was sent to mStock\.$/);
    }
  });

  const refused = [
    ['missing', {}],
    ['empty', { orderid: '' }],
    ['blank', { orderid: '   ' }],
    ['letters', { orderid: 'ABC123' }],
    ['a sign', { orderid: '-1131250211100' }],
    ['a fraction as text', { orderid: '1131.5' }],
    ['digits with a space inside', { orderid: '1131 250211100' }],
    ['too long', { orderid: '1'.repeat(25) }],
    ['a huge text', { orderid: '9'.repeat(10_000) }],
    ['a negative number', { orderid: -5 }],
    ['a fraction', { orderid: 1.5 }],
    ['NaN', { orderid: NaN }],
    ['Infinity', { orderid: Infinity }],
    ['an object', { orderid: { id: '1' } }],
    ['a list', { orderid: ['1131250211100'] }],
    ['a boolean', { orderid: true }],
    ['null', { orderid: null }],
  ];
  for (const [what, payload] of refused) {
    it(`an order id that is ${what} is MSTOCK_INVALID_INPUT naming msg.payload.orderid`, function () {
      const err = throwsWith(() => parseOrderId(payload), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload\.orderid must be mStock's order id, a string of digits/);
      assert.match(err.message, NOTHING_SENT);
      assert.ok(err.message.length < 220, err.message);
    });
  }

  for (const payload of [undefined, null, '1131250211100', 1131250211100, ['1131250211100'], new Date()]) {
    it(`a payload that is not an object (${Object.prototype.toString.call(payload)}) is refused, showing the form wanted`, function () {
      const err = throwsWith(() => parseOrderId(payload), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload must be an object with orderid, e\.g\. \{ "orderid": "1131250211100" \}, but it was .+\. Nothing was sent to mStock\.$/);
    });
  }
});

describe('parseTradeDates: msg.payload.from and .to for the trade history', function () {
  const days = (from, to) => parseTradeDates({ from, to });

  it('"YYYY-MM-DD" is that day, as written', function () {
    assert.deepEqual(days('2025-01-06', '2025-01-07'), { fromdate: '2025-01-06', todate: '2025-01-07' });
    assert.deepEqual(days(' 2024-02-29 ', '2024-02-29'), { fromdate: '2024-02-29', todate: '2024-02-29' });
  });

  it('an ISO time with Z or an offset is the India day of that instant', function () {
    // 18:29:59Z is 23:59:59 in India; 18:30Z is already the next day there
    assert.deepEqual(days('2025-01-05T18:29:59Z', '2025-01-05T18:30:00.000Z'), { fromdate: '2025-01-05', todate: '2025-01-06' });
    assert.deepEqual(days('2025-01-06T00:10:00+05:30', '2025-01-06T00:10:00+0530'), { fromdate: '2025-01-06', todate: '2025-01-06' });
    // 20:00 in New York is 06:30 the next morning in India
    assert.deepEqual(days('2025-01-06T20:00:00-05:00', '2025-01-07T20:00:00-05:00'), { fromdate: '2025-01-07', todate: '2025-01-08' });
    // 02:00 in Tokyo is 22:30 the evening before in India
    assert.deepEqual(days('2025-01-06T02:00:00+09:00', '2025-01-06T02:00:00+0900'), { fromdate: '2025-01-05', todate: '2025-01-05' });
  });

  it('an ISO time without an offset is India time', function () {
    assert.deepEqual(days('2025-01-06T23:30', '2025-01-07 00:15:00'), { fromdate: '2025-01-06', todate: '2025-01-07' });
  });

  it('a Date and epoch milliseconds are the India day of that instant', function () {
    const lateUtc = Date.UTC(2025, 0, 5, 19, 0); // 00:30 on 6 January in India
    assert.deepEqual(days(new Date(lateUtc), lateUtc), { fromdate: '2025-01-06', todate: '2025-01-06' });
    assert.deepEqual(days(Date.UTC(2025, 0, 5, 18, 0), Date.UTC(2025, 0, 5, 18, 0)), { fromdate: '2025-01-05', todate: '2025-01-05' });
  });

  it('the same day for both is one day; forms may be mixed', function () {
    assert.deepEqual(days('2025-01-06', new Date('2025-01-06T10:00:00+05:30')), { fromdate: '2025-01-06', todate: '2025-01-06' });
  });

  it('from after to is MSTOCK_INVALID_INPUT naming both, with the days it read', function () {
    const err = throwsWith(() => days('2025-01-07', '2025-01-06'), 'MSTOCK_INVALID_INPUT');
    assert.equal(err.message, 'msg.payload.from (2025-01-07) is after msg.payload.to (2025-01-06): the first day must come first. Nothing was sent to mStock.');
    // one minute apart, but on two India days, the wrong way round
    throwsWith(() => days('2025-01-05T18:30:00Z', '2025-01-05T18:29:00Z'), 'MSTOCK_INVALID_INPUT');
  });

  for (const field of ['from', 'to']) {
    for (const gap of [undefined, null, '']) {
      it(`a missing ${field} (${JSON.stringify(gap)}) is MSTOCK_INVALID_INPUT naming msg.payload.${field}`, function () {
        const payload = { from: '2025-01-06', to: '2025-01-07', [field]: gap };
        if (gap === undefined) delete payload[field];
        const err = throwsWith(() => parseTradeDates(payload), 'MSTOCK_INVALID_INPUT');
        assert.match(err.message, new RegExp(`^msg\\.payload\\.${field} is missing: give the (first|last) day`));
        assert.match(err.message, NOTHING_SENT);
      });
    }
  }

  const unreadable = [
    ['a day that does not exist', '2025-02-30'],
    ['29 February of a common year', '2025-02-29'],
    ['month 13', '2025-13-01'],
    ['day-month-year', '06-01-2025'],
    ['month names', '2025-Jan-06'],
    ['a time past 23:59', '2025-01-06T24:00'],
    ['an offset past 14 hours', '2025-01-06T10:00+15:00'],
    ['words', 'yesterday'],
    ['a long text', `2025-01-06${' '.repeat(100)}`],
    ['a year before 1900', '0099-01-01'],
    ['an invalid Date', new Date('nonsense')],
    ['epoch seconds', 1736150400],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a year past 9999', 8.64e15],
    ['an object', { day: 6 }],
    ['a list', ['2025-01-06']],
    ['a boolean', true],
  ];
  for (const [what, value] of unreadable) {
    for (const field of ['from', 'to']) {
      it(`${field} as ${what} is MSTOCK_INVALID_INPUT naming msg.payload.${field}`, function () {
        const payload = { from: '2025-01-06', to: '2025-01-07', [field]: value };
        const err = throwsWith(() => parseTradeDates(payload), 'MSTOCK_INVALID_INPUT');
        assert.match(err.message, new RegExp(`^msg\\.payload\\.${field} `));
        assert.match(err.message, NOTHING_SENT);
        assert.ok(err.message.length < 260, err.message);
      });
    }
  }

  it('epoch seconds are named as the likely mistake', function () {
    const err = throwsWith(() => days(1736150400, 1736236800), 'MSTOCK_INVALID_INPUT');
    assert.match(err.message, /^msg\.payload\.from 1736150400 is not a date in epoch milliseconds \(is it in seconds\?\)/);
  });

  for (const payload of [undefined, null, '2025-01-06', 20250106, ['2025-01-06', '2025-01-07'], new Date()]) {
    it(`a payload that is not an object (${Object.prototype.toString.call(payload)}) is refused, showing the form wanted`, function () {
      const err = throwsWith(() => parseTradeDates(payload), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.payload must be an object with from and to, e\.g\. \{ "from": "2025-01-06", "to": "2025-01-07" \}, but it was .+\. Nothing was sent to mStock\.$/);
    });
  }
});
