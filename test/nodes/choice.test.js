'use strict';
const assert = require('node:assert/strict');
const { choiceFor } = require('../../dist/src/nodered/choice');
const { throwsWith } = require('../api/_helpers');

describe('choiceFor: a node setting or "set by msg.<name>"', function () {
  const views = ['positions', 'holdings'];

  it("the node's own setting wins over the message", function () {
    assert.equal(choiceFor('holdings', { view: 'positions' }, 'view', views), 'holdings');
  });

  it('"msg" takes the message value, in any case and with white space around it', function () {
    assert.equal(choiceFor('msg', { view: ' Positions ' }, 'view', views), 'positions');
  });

  for (const value of [undefined, null, '', 'orders', 5, ['holdings'], { view: 'holdings' }, 'x'.repeat(500)]) {
    it(`msg.view ${JSON.stringify(value)?.slice(0, 30)} is MSTOCK_INVALID_INPUT naming the choices`, function () {
      const err = throwsWith(() => choiceFor('msg', { view: value }, 'view', views), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.view must be one of "positions", "holdings", but it was .+\. Nothing was sent to mStock\.$/);
      assert.ok(err.message.length < 200);
    });
  }

  it('a setting that is not a choice (an old or hand-edited flow) is refused too', function () {
    const err = throwsWith(() => choiceFor('trades', {}, 'view', views), 'MSTOCK_INVALID_INPUT');
    assert.match(err.message, /^The node's view must be one of/);
  });
});
