'use strict';
// AccountSession.instruments(): the account's instrument master, downloaded from the sandbox over
// real HTTP with the live session, through the account's limiter, at most once an India day.
const assert = require('node:assert/strict');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { MStockClient } = require('../../dist/src/api/client');
const { AccountSession } = require('../../dist/src/session/session');
const { InstrumentMaster } = require('../../dist/src/api/instruments');
const { ErrorCode } = require('../../dist/src/api/errors');
const { rejectsWith } = require('../api/_helpers');
const { manualClock } = require('../manual-clock');

/** Tuesday 4 February 2025, 12:00 India time. */
const NOON_IST = Date.parse('2025-02-04T12:00:00+05:30');
const OTP = '123456';

describe('AccountSession.instruments(): the instrument master of the account', function () {
  this.timeout(30_000);
  let clock;
  let sandbox;
  const sessions = [];

  beforeEach(async function () {
    clock = manualClock(NOON_IST);
    sandbox = new Sandbox({ fixedOtp: OTP, clock });
    await sandbox.start();
  });

  afterEach(async function () {
    for (const session of sessions.splice(0)) session.close();
    await sandbox.stop();
  });

  function newSession() {
    const client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 15_000 });
    const session = new AccountSession(client, { clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password }, clock);
    sessions.push(session);
    return session;
  }

  async function logIn(session) {
    await session.login();
    await session.submitCode(OTP, 'otp');
  }

  it('downloads once for concurrent callers, not again the same day, and resolves NSE:SBIN-EQ to 3045', async function () {
    const session = newSession();
    await logIn(session);
    const [first, second, third] = await Promise.all([session.instruments(), session.instruments(), session.instruments()]);
    assert.equal(sandbox.calls.scripMaster, 1);
    assert.ok(first === second && second === third, 'the callers share one master');
    assert.equal(first.resolve('NSE:SBIN-EQ').token, '3045');
    assert.equal(first.size > 10_000, true, `a master of ${first.size} instruments`);

    const master = sandbox.requests.find((r) => r.endpoint === 'scripMaster');
    assert.equal(master.method, 'GET');
    assert.match(master.headers.authorization, /^Bearer /);

    clock.advanceTo(Date.parse('2025-02-04T23:00:00+05:30'));
    assert.equal(await session.instruments(), first);
    assert.equal(sandbox.calls.scripMaster, 1, 'the same India day: no second download');
  });

  it('a scripMaster call at the same time as the download is not given the text the master reads: it gets the parsed rows', async function () {
    const session = newSession();
    await logIn(session);
    const [master, envelope] = await Promise.all([session.instruments(), session.call('scripMaster')]);
    assert.equal(sandbox.calls.scripMaster, 2, 'two answers of different forms: two calls');
    assert.ok(Array.isArray(envelope.data), `the call's data is ${typeof envelope.data}`);
    assert.equal(master.size, InstrumentMaster.fromDownload(envelope.data).size);
  });

  it('after the next 08:30 India time, with a new login, the master is downloaded again', async function () {
    const session = newSession();
    await logIn(session);
    await session.instruments();
    clock.advanceTo(Date.parse('2025-02-05T09:00:00+05:30'));
    assert.equal(session.state, 'expired', 'the session ended at midnight');
    await logIn(session);
    const master = await session.instruments();
    assert.equal(sandbox.calls.scripMaster, 2);
    assert.equal(master.resolve('NSE:SBIN-EQ').token, '3045');
  });

  it('without a live session it is MSTOCK_NOT_LOGGED_IN and nothing is sent', async function () {
    const session = newSession();
    await rejectsWith(session.instruments(), ErrorCode.NOT_LOGGED_IN);
    assert.equal(sandbox.calls.scripMaster, undefined);
  });

  it('a 401 on the download expires the session, and the next need tries again', async function () {
    const session = newSession();
    await logIn(session);
    sandbox.expireSessions();
    await rejectsWith(session.instruments(), ErrorCode.SESSION_EXPIRED);
    assert.equal(session.state, 'expired');
    assert.equal(sandbox.calls.scripMaster, 1);
    await logIn(session);
    assert.equal((await session.instruments()).resolve('NSE:3045').symbol, 'SBIN-EQ');
    assert.equal(sandbox.calls.scripMaster, 2);
  });
});
