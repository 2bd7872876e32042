'use strict';
const assert = require('node:assert/strict');
const { OrderGate } = require('../../dist/src/account/order-gate');
const { ErrorCode } = require('../../dist/src/api/errors');
const { IST_OFFSET_MS } = require('../../dist/src/session/india-time');
const { manualClock } = require('../manual-clock');
const { throwsWith } = require('../api/_helpers');

// 2026-11-25 23:59:00 in India
const LATE_EVENING = Date.UTC(2026, 10, 25, 23, 59, 0) - IST_OFFSET_MS;

describe('OrderGate: the account switch and the daily cap', function () {
  let clock;
  let gate;
  let changes;

  beforeEach(function () {
    clock = manualClock(LATE_EVENING);
    gate = new OrderGate(clock);
    changes = [];
    gate.on('change', (state) => changes.push(state));
  });

  it('is closed until orders are allowed: every kind of order call is refused', function () {
    assert.equal(gate.state().closed, true);
    for (const kind of ['place', 'change']) {
      const err = throwsWith(() => gate.admit(kind), ErrorCode.ORDERS_DISABLED);
      assert.match(err.message, /Orders from flows are off.*nothing was sent.*"Allow orders from flows"/);
    }
    assert.equal(gate.state().placedToday, 0);
  });

  it('counts place calls against the cap; past it places are refused, changes still pass', function () {
    gate.configure({ enabled: true, maxPerDay: 2 });
    gate.admit('place');
    gate.admit('place');
    const err = throwsWith(() => gate.admit('place'), ErrorCode.ORDERS_DISABLED);
    assert.match(err.message, /placed its 2 orders for today/);
    gate.admit('change');
    assert.deepEqual(gate.state(), { enabled: true, maxPerDay: 2, placedToday: 2, closed: true });
  });

  it('modify and cancel calls do not count', function () {
    gate.configure({ enabled: true, maxPerDay: 1 });
    for (let i = 0; i < 5; i += 1) gate.admit('change');
    gate.admit('place');
    assert.equal(gate.state().placedToday, 1);
  });

  it('0 is no cap', function () {
    gate.configure({ enabled: true, maxPerDay: 0 });
    for (let i = 0; i < 1000; i += 1) gate.admit('place');
    assert.equal(gate.state().closed, false);
  });

  it('the count starts again at midnight India time, not before', function () {
    gate.configure({ enabled: true, maxPerDay: 1 });
    gate.admit('place');
    clock.advance(59_999);
    throwsWith(() => gate.admit('place'), ErrorCode.ORDERS_DISABLED);
    clock.advance(1);
    gate.admit('place');
    assert.equal(gate.state().placedToday, 1);
  });

  it('switching orders off and on again keeps the day\'s count', function () {
    gate.configure({ enabled: true, maxPerDay: 2 });
    gate.admit('place');
    gate.admit('place');
    gate.configure({ enabled: false, maxPerDay: 2 });
    gate.configure({ enabled: true, maxPerDay: 2 });
    throwsWith(() => gate.admit('place'), ErrorCode.ORDERS_DISABLED);
    gate.configure({ enabled: true, maxPerDay: 3 });
    gate.admit('place');
  });

  it('check() refuses as admit() does but counts nothing', function () {
    gate.configure({ enabled: true, maxPerDay: 1 });
    gate.check('place');
    gate.check('place');
    assert.equal(gate.state().placedToday, 0);
  });

  it('a place given back (never written) does not count', function () {
    gate.configure({ enabled: true, maxPerDay: 1 });
    gate.admit('place');
    gate.giveBack();
    gate.admit('place');
    assert.equal(gate.state().placedToday, 1);
  });

  it("says when it opens or closes: settings changed, the cap reached, a place given back", function () {
    gate.configure({ enabled: true, maxPerDay: 1 });
    gate.configure({ enabled: true, maxPerDay: 1 });
    gate.admit('place');
    gate.giveBack();
    assert.deepEqual(changes.map((c) => c.closed), [false, true, false]);
  });
});
