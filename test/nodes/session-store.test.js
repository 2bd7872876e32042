'use strict';
// The session kept in a context store is sealed: the token encrypted with a key derived from the
// account's credentials, the fingerprint a keyed hash. (Restarts on a file store, and entries in
// 0.1's plain form: test/e2e/runtime.test.js; the seal itself: test/session/sealed-session.test.js.)
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { helper, allNodes, sandboxCredentials, standardFlow, send, goLive, SANDBOX_ACCOUNT , bearerOf , sandboxPerTest } = require('./support');

describe('mStock nodes: the session in a context store is sealed', function () {
  let sandbox;
  let url;

  before(function () {
    helper.settings({ contextStorage: { default: { module: 'memory' }, keep: { module: 'memory' } } });
  });

  after(function () {
    helper.settings({});
  });

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  const flow = () => standardFlow(url, { configExtra: { store: 'keep' } });
  const stored = () => helper.getNode('c1').context().get('mstockSession', 'keep');
  /** The fingerprint 0.1 wrote: an unsalted SHA-256 of the settings and every credential. */
  const legacyFingerprint = (timeout = 2000) => {
    const hash = crypto.createHash('sha256');
    for (const part of [url, timeout, SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password, undefined]) {
      hash.update(`${part ?? ''}\u0000`);
    }
    return hash.digest('hex');
  };
  /** The token the nodes use, read off the next funds call's Authorization header. */
  async function tokenInUse() {
    sandbox.resetCounters();
    await send('funds1');
    return bearerOf(sandbox.requests.find((r) => r.endpoint === 'fundSummary'));
  }

  async function liveWithToken() {
    await helper.load(allNodes, flow(), sandboxCredentials());
    await goLive(sandbox);
    return tokenInUse();
  }

  it('holds neither the token nor a hash of the credentials in readable form', async function () {
    const token = await liveWithToken();
    const text = JSON.stringify(stored());
    assert.equal(stored().version, 2);
    assert.ok(token && token.length > 20);
    assert.ok(!text.includes(token), 'no plain token');
    assert.ok(!text.includes(token.split('.')[1]), 'no part of the token');
    assert.ok(!text.includes(legacyFingerprint()), 'no unsalted hash of the credentials');
    for (const secret of [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password]) assert.ok(!text.includes(secret));
  });
});
