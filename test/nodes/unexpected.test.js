'use strict';
// Answers no one planned for: a malformed answer is MSTOCK_BAD_RESPONSE with a sentence, and an
// error inside the package is logged (redacted, with its stack) instead of vanishing.
const assert = require('node:assert/strict');
const { helper, requestFlow, allNodes, sandboxCredentials, standardFlow, failureOf, goLive, recordNodes, SANDBOX_ACCOUNT, sandboxPerTest } = require('./support');

describe('mStock nodes: malformed answers and unexpected errors', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  for (const output of ['raw', 'parsed']) {
    it(`a fund summary value nested 5,000 levels deep is MSTOCK_BAD_RESPONSE (${output})`, async function () {
      await helper.load(allNodes, standardFlow(url, { fundsOutput: output }), sandboxCredentials());
      await goLive(sandbox);
      sandbox.setFault({ kind: 'deep-nesting', endpoints: ['fundSummary'], times: 1 });
      const msg = await failureOf('funds1');
      assert.equal(msg.error.code, 'MSTOCK_BAD_RESPONSE');
      assert.match(msg.error.message, /AVAILABLE_BALANCE/);
      assert.match(msg.error.message, /^[A-Z].*\.$/, 'a sentence');
    });
  }

  it('an answer nested 5,000 levels deep to mstock-request is MSTOCK_BAD_RESPONSE, not an internal error', async function () {
    await helper.load(allNodes, requestFlow(url, { req1: { method: 'GET', path: 'getoptionchainmaster/2' } }), sandboxCredentials());
    await goLive(sandbox);
    const record = recordNodes(['req1']);
    sandbox.setFault({ kind: 'deep-nesting', endpoints: ['optionChainMaster'], times: 1 });
    const msg = await failureOf('req1');
    assert.equal(msg.error.code, 'MSTOCK_BAD_RESPONSE');
    assert.match(msg.error.message, /nested/);
    const internal = record.logs.filter((l) => l.args.some((a) => /unexpected internal error/.test(String(a))));
    assert.deepEqual(internal, [], 'not logged as an internal error');
  });

  it('an error inside the package is logged with its stack, redacted, and reported as MSTOCK_SERVER_ERROR', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    const record = recordNodes(['funds1']);
    const session = helper.getNode('c1').session;
    const token = session.liveSession().sessionToken;
    // a fault inside the package itself, carrying secrets in its words
    session.funds = () => Promise.reject(new TypeError(`cannot read x of ${SANDBOX_ACCOUNT.apiKey} with ${token}`));
    const msg = await failureOf('funds1');
    assert.equal(msg.error.code, 'MSTOCK_SERVER_ERROR');
    assert.match(msg.error.message, /unexpected/);
    const errors = record.logs.filter((l) => l.id === 'funds1' && l.level === 'error').map((l) => l.args.map(String).join(' '));
    const logged = errors.find((line) => /TypeError: cannot read x of/.test(line));
    assert.ok(logged, `the internal error was logged; logs: ${JSON.stringify(errors)}`);
    assert.match(logged, /\n\s+at /, 'with its stack');
    assert.ok(!logged.includes(SANDBOX_ACCOUNT.apiKey), 'the API key is redacted');
    assert.ok(!logged.includes(token), 'the session token is redacted');
    assert.ok(!JSON.stringify(msg.error).includes(token));
  });
});
