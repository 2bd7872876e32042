'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { SessionSeal } = require('../../dist/src/session/sealed-session');

const account = {
  baseUrl: 'https://api.mstock.trade',
  timeout: 10000,
  apiKey: 'key-0123456789abcdef',
  clientCode: 'MA1234',
  password: 'pass word "quoted"',
  totpSecret: 'JBSWY3DPEHPK3PXP',
};
const session = { sessionToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJNQTEyMzQifQ.c2lnbmF0dXJl', expiresAt: 1796063400000 };

describe('SessionSeal: the session token as written to a context store', function () {
  it('opens what it sealed, and the sealed form holds no secret and no part of the token', function () {
    const sealed = new SessionSeal(account).seal(session);
    assert.deepEqual(new SessionSeal(account).open(sealed), session);
    const text = JSON.stringify(sealed);
    for (const secret of [session.sessionToken, ...session.sessionToken.split('.'), account.apiKey, account.password, account.totpSecret]) {
      assert.ok(!text.includes(secret), `found ${secret.slice(0, 8)}…`);
    }
  });

  it('two seals of the same session differ (fresh nonce), and both open', function () {
    const seal = new SessionSeal(account);
    const a = seal.seal(session);
    const b = seal.seal(session);
    assert.notEqual(a.token, b.token);
    assert.deepEqual(seal.open(a), session);
    assert.deepEqual(seal.open(b), session);
  });

  for (const [what, change] of [
    ['API key', { apiKey: 'key-other' }],
    ['client code', { clientCode: 'MA9999' }],
    ['password', { password: 'another' }],
    ['TOTP secret', { totpSecret: undefined }],
    ['API URL', { baseUrl: 'http://127.0.0.1:8729' }],
    ['timeout', { timeout: 5000 }],
  ]) {
    it(`another ${what} cannot open it`, function () {
      const sealed = new SessionSeal(account).seal(session);
      assert.equal(new SessionSeal({ ...account, ...change }).open(sealed), undefined);
    });
  }

  for (const field of ['token', 'tag', 'iv', 'fingerprint']) {
    it(`a changed ${field} is refused`, function () {
      const sealed = new SessionSeal(account).seal(session);
      const bytes = Buffer.from(sealed[field], field === 'fingerprint' ? 'hex' : 'base64');
      bytes[0] ^= 1;
      const tampered = { ...sealed, [field]: bytes.toString(field === 'fingerprint' ? 'hex' : 'base64') };
      assert.equal(new SessionSeal(account).open(tampered), undefined);
    });
  }

  it('a moved expiry is refused (it is bound to the token)', function () {
    const sealed = new SessionSeal(account).seal(session);
    assert.equal(new SessionSeal(account).open({ ...sealed, expiresAt: sealed.expiresAt + 86_400_000 }), undefined);
  });

  it('anything else is not a sealed session', function () {
    const seal = new SessionSeal(account);
    for (const value of [undefined, null, 'x', 42, [], {}, { version: 1 }, { ...seal.seal(session), version: 3 }]) {
      assert.equal(seal.open(value), undefined);
    }
  });

  describe("the plain entry of version 0.1", function () {
    const legacyFingerprint = (a) => {
      const hash = crypto.createHash('sha256');
      for (const part of [a.baseUrl, a.timeout, a.apiKey, a.clientCode, a.password, a.totpSecret]) hash.update(`${part ?? ''}\u0000`);
      return hash.digest('hex');
    };

    it('is read when its fingerprint is this account', function () {
      const plain = { fingerprint: legacyFingerprint(account), ...session };
      assert.deepEqual(new SessionSeal(account).openLegacy(plain), session);
    });

    it("is not read for another account's fingerprint, nor when malformed", function () {
      const seal = new SessionSeal(account);
      assert.equal(seal.openLegacy({ fingerprint: legacyFingerprint({ ...account, password: 'x' }), ...session }), undefined);
      assert.equal(seal.openLegacy({ fingerprint: legacyFingerprint(account), sessionToken: 5, expiresAt: 1 }), undefined);
      assert.equal(seal.openLegacy(null), undefined);
    });
  });
});
