'use strict';
// Identical reads in flight at once share one call (PRODUCT.md "Rate limits"); orders never do.
const assert = require('node:assert/strict');
const util = require('node:util');
const { InFlight, callKey } = require('../../dist/src/account/in-flight');
const { ErrorCode, MStockError } = require('../../dist/src/api/errors');
const { rejectsWith } = require('../api/_helpers');
const { flush } = require('../manual-clock');

/** A start function whose calls the test answers by hand. */
function startRecorder() {
  const started = [];
  const start = () =>
    new Promise((resolve, reject) => {
      started.push({ resolve, reject });
    });
  return { started, start };
}

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.session-token-in-flight.sig';
const orderBook = { sessionToken: TOKEN, method: 'GET', path: '/openapi/typeb/orders', read: true };

describe('identical reads in flight', function () {
  it('share one call: the second caller gets the first caller\'s answer', async function () {
    const inFlight = new InFlight();
    const { started, start } = startRecorder();
    const first = inFlight.run(orderBook, start);
    const second = inFlight.run({ ...orderBook }, start);
    assert.equal(started.length, 1);
    assert.equal(inFlight.size, 1);
    const answer = [{ orderid: '1' }];
    started[0].resolve(answer);
    assert.equal(await first, answer);
    assert.equal(await second, answer);
  });

  for (const [what, change] of [
    ['session token', { sessionToken: `${TOKEN}x` }],
    ['method', { method: 'POST' }],
    ['path', { path: '/openapi/typeb/tradebook' }],
    ['body', { body: { fromdate: '2025-01-01' } }],
  ]) {
    it(`are not merged when the ${what} differs`, function () {
      const inFlight = new InFlight();
      const { started, start } = startRecorder();
      inFlight.run(orderBook, start);
      inFlight.run({ ...orderBook, ...change }, start);
      assert.equal(started.length, 2);
    });
  }

  it('treat bodies with the same fields in another order, and the method in another case, as the same call', function () {
    const inFlight = new InFlight();
    const { started, start } = startRecorder();
    const trades = { sessionToken: TOKEN, method: 'POST', path: '/openapi/typeb/trades', read: true };
    inFlight.run({ ...trades, body: { fromdate: '2025-01-01', todate: '2025-01-31' } }, start);
    inFlight.run({ ...trades, method: 'post', body: { todate: '2025-01-31', fromdate: '2025-01-01' } }, start);
    assert.equal(started.length, 1);
    inFlight.run({ ...trades, body: { fromdate: '2025-01-01', todate: '2025-02-28' } }, start);
    assert.equal(started.length, 2);
  });

  it('never merge orders: identical writes are each started', async function () {
    const inFlight = new InFlight();
    const { started, start } = startRecorder();
    const order = { sessionToken: TOKEN, method: 'POST', path: '/openapi/typeb/orders/regular', body: { quantity: '1' }, read: false };
    const a = inFlight.run(order, start);
    const b = inFlight.run({ ...order }, start);
    assert.equal(started.length, 2);
    assert.equal(inFlight.size, 0);
    started[0].resolve('A');
    started[1].resolve('B');
    assert.deepEqual([await a, await b], ['A', 'B']);
  });

  it('forget a call once it is answered: the next identical read starts afresh', async function () {
    const inFlight = new InFlight();
    const { started, start } = startRecorder();
    const first = inFlight.run(orderBook, start);
    started[0].resolve('first');
    assert.equal(await first, 'first');
    assert.equal(inFlight.size, 0);
    const second = inFlight.run(orderBook, start);
    assert.equal(started.length, 2);
    started[1].resolve('second');
    assert.equal(await second, 'second');
  });

  it('share a failure with every merged caller, then forget it; no rejection goes unhandled', async function () {
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const inFlight = new InFlight();
      const { started, start } = startRecorder();
      const first = inFlight.run(orderBook, start);
      const second = inFlight.run(orderBook, start);
      const failure = new MStockError(ErrorCode.TIMEOUT, 'no answer');
      started[0].reject(failure);
      assert.equal(await rejectsWith(first, ErrorCode.TIMEOUT), failure);
      assert.equal(await rejectsWith(second, ErrorCode.TIMEOUT), failure);
      assert.equal(inFlight.size, 0);
      await flush();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('clear() ends sharing: a read after it starts afresh, and the older call finishing does not end the newer one\'s sharing', async function () {
    const inFlight = new InFlight();
    const { started, start } = startRecorder();
    const old = inFlight.run(orderBook, start);
    inFlight.clear();
    assert.equal(inFlight.size, 0);
    const fresh = inFlight.run(orderBook, start);
    assert.equal(started.length, 2);
    started[0].resolve('old');
    assert.equal(await old, 'old');
    const merged = inFlight.run(orderBook, start);
    assert.equal(started.length, 2, 'the third read should share the fresh call');
    started[1].resolve('fresh');
    assert.deepEqual([await fresh, await merged], ['fresh', 'fresh']);
  });

  it('turn a start that throws into a rejection, and do not keep it', async function () {
    const inFlight = new InFlight();
    const failing = inFlight.run(orderBook, () => {
      throw new MStockError(ErrorCode.NOT_LOGGED_IN, 'no session');
    });
    await rejectsWith(failing, ErrorCode.NOT_LOGGED_IN);
    assert.equal(inFlight.size, 0);
  });

  it('keep no session token in readable form', function () {
    const inFlight = new InFlight();
    inFlight.run(orderBook, () => new Promise(() => {}));
    assert.ok(!callKey(orderBook).includes('session-token'));
    assert.ok(!util.inspect(inFlight, { showHidden: true, depth: 10 }).includes('session-token'));
  });
});
