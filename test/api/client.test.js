'use strict';
// MStockClient against a real Sandbox (an HTTP server on 127.0.0.1, port 0). Nothing is mocked:
// every call goes over a socket, and the sandbox records what arrived (sandbox.requests).
const assert = require('node:assert/strict');
const http = require('node:http');
const dc = require('node:diagnostics_channel');
const { TOTP, Secret } = require('otpauth');
const { MStockClient } = require('../../dist/src/api/client');
const { ErrorCode, MStockError } = require('../../dist/src/api/errors');
const { parseFunds } = require('../../dist/src/api/funds');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { systemClock } = require('../../dist/src/session/clock');
const { rejectsWith, throwsWith, freePort, UUID_LIKE, JWT_LIKE } = require('./_helpers');

const OTP = '246810';
const CLIENT_CODE = SANDBOX_ACCOUNT.clientCode;
const PASSWORD = SANDBOX_ACCOUNT.password;
const LOGIN_PATH = '/openapi/typeb/connect/login';
const TOKEN_PATH = '/openapi/typeb/session/token';
const TOTP_PATH = '/openapi/typeb/session/verifytotp';
const FUNDS_PATH = '/openapi/typeb/user/fundsummary';
const LOGOUT_PATH = '/openapi/typeb/logout';

/** A six-digit code the sandbox will not accept now (not valid in the ±1 step window, with margin). */
function wrongTotp(secretBase32) {
  const totp = new TOTP({ secret: Secret.fromBase32(secretBase32), digits: 6, period: 30, algorithm: 'SHA1' });
  const now = systemClock.now(); // the time the sandbox checks codes against
  const valid = new Set([-3, -2, -1, 0, 1, 2, 3].map((k) => totp.generate({ timestamp: now + k * 30_000 })));
  for (let i = 0; ; i += 1) {
    const code = String(i).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

function only(sandbox, endpoint) {
  const found = sandbox.requests.filter((r) => r.endpoint === endpoint);
  assert.equal(found.length, 1, `expected exactly one ${endpoint} request, got ${found.length}`);
  return found[0];
}

describe('MStockClient against the sandbox', function () {
  let sandbox;
  let url;
  let client;

  before(async function () {
    sandbox = new Sandbox({ fixedOtp: OTP });
    url = await sandbox.start();
    client = new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 3000 });
  });

  after(async function () {
    if (client) client.close();
    if (sandbox) await sandbox.stop();
  });

  beforeEach(function () {
    sandbox.setFault(undefined);
    sandbox.suspendApiKey(false);
    sandbox.setAvailableBalance('180000.5');
    sandbox.resetCounters();
  });

  async function liveSession(c = client) {
    const login = await c.login(CLIENT_CODE, PASSWORD);
    const session = await c.sessionToken(login.loginToken, OTP);
    return { loginToken: login.loginToken, ...session };
  }

  /** A second client on the same sandbox with another API key (or timeout); closed after use. */
  async function withClient(options, fn) {
    const other = new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey, ...options });
    try {
      return await fn(other);
    } finally {
      other.close();
    }
  }

  describe('wire format (as recorded by sandbox.requests)', function () {
    it('login: POST, X-Mirae-Version 1, JSON body {clientcode,password,totp:"",state:""}, no Authorization, no X-PrivateKey', async function () {
      await client.login(CLIENT_CODE, PASSWORD);
      const req = only(sandbox, 'login');
      assert.equal(req.method, 'POST');
      assert.equal(req.path, LOGIN_PATH);
      assert.equal(req.headers['x-mirae-version'], '1');
      assert.match(req.headers['content-type'], /^application\/json\b/);
      assert.equal(req.headers.authorization, undefined, 'login must not send Authorization');
      assert.equal(req.headers['x-privatekey'], undefined, 'login must not send X-PrivateKey');
      const body = JSON.parse(req.body);
      assert.deepEqual(Object.keys(body).sort(), ['clientcode', 'password', 'state', 'totp']);
      assert.deepEqual(body, { clientcode: CLIENT_CODE, password: PASSWORD, totp: '', state: '' });
    });

    it('session/token: POST, X-PrivateKey, JSON body {refreshToken: <login token>, otp}, no Authorization', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      await client.sessionToken(login.loginToken, OTP);
      const req = only(sandbox, 'sessionToken');
      assert.equal(req.method, 'POST');
      assert.equal(req.path, TOKEN_PATH);
      assert.equal(req.headers['x-mirae-version'], '1');
      assert.match(req.headers['content-type'], /^application\/json\b/);
      assert.equal(req.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      assert.equal(req.headers.authorization, undefined);
      assert.deepEqual(JSON.parse(req.body), { refreshToken: login.loginToken, otp: OTP });
    });

    it('verifytotp: POST, X-PrivateKey, JSON body {refreshToken: <login token>, totp}, no Authorization', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      const code = sandbox.currentTotp();
      await client.verifyTotp(login.loginToken, code);
      const req = only(sandbox, 'verifyTotp');
      assert.equal(req.method, 'POST');
      assert.equal(req.path, TOTP_PATH);
      assert.equal(req.headers['x-mirae-version'], '1');
      assert.match(req.headers['content-type'], /^application\/json\b/);
      assert.equal(req.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      assert.equal(req.headers.authorization, undefined);
      assert.deepEqual(JSON.parse(req.body), { refreshToken: login.loginToken, totp: code });
    });

    it('fund summary: GET with no body, X-PrivateKey and Authorization: Bearer <session jwt>', async function () {
      const session = await liveSession();
      await client.fundSummary(session.sessionToken);
      const req = only(sandbox, 'fundSummary');
      assert.equal(req.method, 'GET');
      assert.equal(req.path, FUNDS_PATH);
      assert.equal(req.headers['x-mirae-version'], '1');
      assert.equal(req.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      assert.equal(req.headers.authorization, `Bearer ${session.sessionToken}`);
      assert.equal(req.body, '');
    });

    it('logout: GET with no body, X-PrivateKey and Authorization: Bearer <session jwt>', async function () {
      const session = await liveSession();
      await client.logout(session.sessionToken);
      const req = only(sandbox, 'logout');
      assert.equal(req.method, 'GET');
      assert.equal(req.path, LOGOUT_PATH);
      assert.equal(req.headers['x-mirae-version'], '1');
      assert.equal(req.headers['x-privatekey'], SANDBOX_ACCOUNT.apiKey);
      assert.equal(req.headers.authorization, `Bearer ${session.sessionToken}`);
      assert.equal(req.body, '');
    });
  });

  describe('happy paths', function () {
    it('login answers the broker\'s own message and a UUID-like login token, and the sandbox "sends" the OTP', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      assert.equal(login.message, 'Please enter the OTP that we sent on XXXXXXX452 and XXXX00@GMAIL.COM');
      assert.match(login.loginToken, UUID_LIKE);
      assert.equal(sandbox.lastOtp, OTP);
    });

    it('OTP → session answers a three-part JWT session token plus refresh and feed tokens', async function () {
      const live = sandbox.liveSessionCount;
      const login = await client.login(CLIENT_CODE, PASSWORD);
      const session = await client.sessionToken(login.loginToken, OTP);
      assert.match(session.sessionToken, JWT_LIKE);
      assert.notEqual(session.sessionToken, login.loginToken);
      assert.ok(session.refreshToken.length > 0);
      assert.ok(session.feedToken.length > 0);
      assert.equal(session.clientName, undefined, 'session/token answers no ClientName');
      assert.equal(sandbox.liveSessionCount, live + 1);
    });

    it('TOTP → session with sandbox.currentTotp() answers a JWT and the client name', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      const session = await client.verifyTotp(login.loginToken, sandbox.currentTotp());
      assert.match(session.sessionToken, JWT_LIKE);
      assert.equal(session.clientName, 'SANDBOX USER');
      await client.fundSummary(session.sessionToken);
    });

    it('fund summary answers the broker\'s data array untouched (strings), which parseFunds turns into numbers', async function () {
      const session = await liveSession();
      sandbox.setAvailableBalance('1234.5');
      const data = await client.fundSummary(session.sessionToken);
      assert.ok(Array.isArray(data));
      assert.equal(data.length, 2);
      assert.equal(data[0].AVAILABLE_BALANCE, '1234.5');
      assert.equal(data[0].MTF_AVAILABLE_BALANCE, '180000.5');
      assert.equal(data[0].SEG, 'A');
      assert.equal(data[1].SEG, 'C');
      const parsed = parseFunds(data);
      assert.equal(parsed[0].availableBalance, 1234.5);
      assert.equal(parsed[0].limitType, 'CAPITAL');
      assert.equal(parsed[1].optBuyPrimiumUtilize, null);
    });

    it('fund summary: the first segment has exactly the keys of the vendor\'s sample, and figures that add up', async function () {
      const session = await liveSession();
      const [segment] = await client.fundSummary(session.sessionToken);
      // the keys of fund_summary.json in the vendor's Python SDK mocks
      assert.deepEqual(Object.keys(segment).sort(), [
        'ADDITIONAL_MARGIN', 'ADHOC_LIMIT', 'AMOUNT_UTILIZED', 'AVAILABLE_BALANCE', 'BANK_HOLDING', 'CLEAR_BALANCE',
        'COLLATERALS', 'LIMIT_SOD', 'LIMIT_TYPE', 'MF_COLLATERAL', 'MTF_AVAILABLE_BALANCE', 'MTF_COLLATERAL',
        'MTF_UTILIZE', 'MTM_COMBINED', 'OFS_UTILIZED', 'OPT_BUY_PRIMIUM_UTILIZE', 'PAY_OUT_AMT', 'PEAK_MARGIN',
        'PHYSICAL_MARGIN', 'REALISED_PROFITS', 'RECEIVABLES', 'SEG', 'SUM_OF_ALL', 'UNCLEAR_BALANCE',
      ]);
      for (const [key, value] of Object.entries(segment)) assert.equal(typeof value, 'string', key);
      const n = (key) => Number(segment[key]);
      assert.equal(n('AVAILABLE_BALANCE'), 180000.5);
      assert.equal(n('AVAILABLE_BALANCE') + n('AMOUNT_UTILIZED'), n('LIMIT_SOD'));
      assert.equal(n('LIMIT_SOD'), n('CLEAR_BALANCE') + n('COLLATERALS') + n('ADHOC_LIMIT'));
      assert.equal(n('SUM_OF_ALL'), n('LIMIT_SOD'));
      assert.ok(n('PAY_OUT_AMT') <= n('AVAILABLE_BALANCE'), 'no more can be withdrawn than is available');
    });

    it('logout succeeds, and afterwards the same session token gets MSTOCK_SESSION_EXPIRED (HTTP 401, IA401)', async function () {
      const session = await liveSession();
      const live = sandbox.liveSessionCount;
      assert.equal(await client.logout(session.sessionToken), undefined);
      assert.equal(sandbox.liveSessionCount, live - 1);
      const err = await rejectsWith(client.fundSummary(session.sessionToken), ErrorCode.SESSION_EXPIRED);
      assert.equal(err.httpStatus, 401);
      assert.equal(err.brokerCode, 'IA401');
      assert.match(err.message, /Invalid request\. Please try again/);
      await rejectsWith(client.logout(session.sessionToken), ErrorCode.SESSION_EXPIRED);
    });
  });

  describe('refusals by the broker', function () {
    it('wrong password: MSTOCK_AUTH_FAILED with "9 attempts remaining", then 8; no OTP is sent and no retry', async function () {
      const fresh = new Sandbox({ fixedOtp: OTP });
      const freshUrl = await fresh.start();
      const c = new MStockClient({ baseUrl: freshUrl, apiKey: SANDBOX_ACCOUNT.apiKey });
      try {
        const first = await rejectsWith(c.login(CLIENT_CODE, 'not-the-password'), ErrorCode.AUTH_FAILED);
        assert.match(first.message, /Invalid username or password\. 9 attempts remaining/);
        assert.equal(first.httpStatus, 200);
        assert.equal(first.brokerCode, 'MA500');
        const second = await rejectsWith(c.login(CLIENT_CODE, 'still-not-it'), ErrorCode.AUTH_FAILED);
        assert.match(second.message, /Invalid username or password\. 8 attempts remaining/);
        assert.equal(fresh.calls.login, 2, 'each login() must be exactly one request');
        assert.equal(fresh.lastOtp, undefined);
      } finally {
        c.close();
        await fresh.stop();
      }
    });

    it('empty or blank credentials are refused with MSTOCK_INVALID_INPUT before anything is sent', async function () {
      await rejectsWith(client.login('', PASSWORD), ErrorCode.INVALID_INPUT);
      await rejectsWith(client.login(CLIENT_CODE, '   '), ErrorCode.INVALID_INPUT);
      await rejectsWith(client.login(undefined, undefined), ErrorCode.INVALID_INPUT);
      await rejectsWith(client.sessionToken('', OTP), ErrorCode.INVALID_INPUT);
      await rejectsWith(client.fundSummary(''), ErrorCode.INVALID_INPUT);
      await rejectsWith(client.logout(null), ErrorCode.INVALID_INPUT);
      assert.deepEqual(sandbox.calls, {});
    });

    it('wrong OTP: MSTOCK_OTP_REJECTED with the broker\'s words; the right OTP then works with the same login token', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      const err = await rejectsWith(client.sessionToken(login.loginToken, '999999'), ErrorCode.OTP_REJECTED);
      assert.match(err.message, /Entered OTP has been expired\. Please regenerate a new one & enter the same/);
      assert.equal(err.brokerCode, 'MA500');
      const session = await client.sessionToken(login.loginToken, OTP);
      assert.match(session.sessionToken, JWT_LIKE);
      assert.equal(sandbox.calls.login, 1);
    });

    it('wrong TOTP: MSTOCK_OTP_REJECTED "Please enter correct TOTP" (HTTP 400, MA400 from error_type); then the right one works', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      const bad = wrongTotp(sandbox.account.totpSecret);
      const err = await rejectsWith(client.verifyTotp(login.loginToken, bad), ErrorCode.OTP_REJECTED);
      assert.match(err.message, /Please enter correct TOTP/);
      assert.equal(err.httpStatus, 400);
      assert.equal(err.brokerCode, 'MA400');
      const session = await client.verifyTotp(login.loginToken, sandbox.currentTotp());
      assert.match(session.sessionToken, JWT_LIKE);
    });

    it('wrong API key on session/token: MSTOCK_API_KEY_INVALID (HTTP 403); the login token still works with the right key', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      await withClient({ apiKey: 'wrong-api-key-1' }, async (bad) => {
        const err = await rejectsWith(bad.sessionToken(login.loginToken, OTP), ErrorCode.API_KEY_INVALID);
        assert.equal(err.httpStatus, 403);
        assert.match(err.message, /API is suspended\/expired for use/);
      });
      const session = await client.sessionToken(login.loginToken, OTP);
      assert.match(session.sessionToken, JWT_LIKE);
    });

    it('wrong API key on verifytotp: MSTOCK_API_KEY_INVALID (HTTP 403)', async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      await withClient({ apiKey: 'wrong-api-key-2' }, async (bad) => {
        const err = await rejectsWith(bad.verifyTotp(login.loginToken, sandbox.currentTotp()), ErrorCode.API_KEY_INVALID);
        assert.equal(err.httpStatus, 403);
        assert.match(err.message, /API is suspended\/expired for use/);
      });
    });

    it('wrong API key on fund summary: MSTOCK_API_KEY_INVALID although the broker answers HTTP 400', async function () {
      const session = await liveSession();
      await withClient({ apiKey: 'wrong-api-key-3' }, async (bad) => {
        const err = await rejectsWith(bad.fundSummary(session.sessionToken), ErrorCode.API_KEY_INVALID);
        assert.equal(err.httpStatus, 400);
        assert.match(err.message, /API is suspended\/expired for use/);
      });
    });

    it('wrong API key on logout: MSTOCK_API_KEY_INVALID (HTTP 403, IA403), and the session stays live on the broker', async function () {
      const session = await liveSession();
      await withClient({ apiKey: 'wrong-api-key-4' }, async (bad) => {
        const err = await rejectsWith(bad.logout(session.sessionToken), ErrorCode.API_KEY_INVALID);
        assert.equal(err.httpStatus, 403);
        assert.equal(err.brokerCode, 'IA403');
        assert.match(err.message, /API is suspended\/expired for use/);
      });
      await client.fundSummary(session.sessionToken);
    });

    it('sandbox.suspendApiKey(): MSTOCK_API_KEY_INVALID until restored', async function () {
      const session = await liveSession();
      sandbox.suspendApiKey();
      await rejectsWith(client.fundSummary(session.sessionToken), ErrorCode.API_KEY_INVALID);
      await rejectsWith(client.logout(session.sessionToken), ErrorCode.API_KEY_INVALID);
      sandbox.suspendApiKey(false);
      await client.fundSummary(session.sessionToken);
    });

    it('sandbox.expireSessions() (midnight): fund summary and logout get MSTOCK_SESSION_EXPIRED with HTTP 401', async function () {
      const session = await liveSession();
      await client.fundSummary(session.sessionToken);
      sandbox.expireSessions();
      const err = await rejectsWith(client.fundSummary(session.sessionToken), ErrorCode.SESSION_EXPIRED);
      assert.equal(err.httpStatus, 401);
      assert.match(err.message, /Log in again/);
      await rejectsWith(client.logout(session.sessionToken), ErrorCode.SESSION_EXPIRED);
      const again = await liveSession();
      await client.fundSummary(again.sessionToken);
    });
  });

  describe('faults on the fund summary (each cleared afterwards; the next call works; no automatic retry)', function () {
    let session;
    before(async function () {
      sandbox.setFault(undefined);
      session = await liveSession();
    });

    // httpStatus and brokerCode undefined: the error has none (no answer came, or the answer's
    // data was wrong rather than the broker reporting a failure)
    const FAULTS = [
      { fault: 'rate-limit', code: ErrorCode.RATE_LIMITED, httpStatus: 429, brokerCode: '429', words: /Too many requests/ },
      { fault: 'drop', code: ErrorCode.NETWORK, httpStatus: undefined, brokerCode: undefined, words: /Could not reach mStock/ },
      { fault: 'reset-mid-body', code: ErrorCode.NETWORK, httpStatus: undefined, brokerCode: undefined, words: /Could not reach mStock/ },
      { fault: 'html-502', code: ErrorCode.BAD_RESPONSE, httpStatus: 502, brokerCode: undefined, words: /HTTP 502 and an HTML page/ },
      { fault: 'html-503', code: ErrorCode.BAD_RESPONSE, httpStatus: 503, brokerCode: undefined, words: /HTTP 503 and an HTML page/ },
      { fault: 'truncated-json', code: ErrorCode.BAD_RESPONSE, httpStatus: 200, brokerCode: undefined, words: /not valid JSON/ },
      { fault: 'empty-body', code: ErrorCode.BAD_RESPONSE, httpStatus: 200, brokerCode: undefined, words: /an empty body/ },
      { fault: 'wrong-shape', code: ErrorCode.BAD_RESPONSE, httpStatus: undefined, brokerCode: undefined, words: /no data array/ },
      { fault: 'server-error', code: ErrorCode.SERVER_ERROR, httpStatus: 500, brokerCode: 'MA500', words: /Something went wrong\. Please try again/ },
      { fault: 'status-false', code: ErrorCode.SERVER_ERROR, httpStatus: 200, brokerCode: 'MA500', words: /Something went wrong/ },
      { fault: 'status-error', code: ErrorCode.SERVER_ERROR, httpStatus: 200, brokerCode: 'MA500', words: /Something went wrong/ },
      { fault: 'status-False', code: ErrorCode.SERVER_ERROR, httpStatus: 200, brokerCode: 'MA500', words: /Something went wrong/ },
      { fault: 'unauthorized', code: ErrorCode.SESSION_EXPIRED, httpStatus: 401, brokerCode: 'IA401', words: /Invalid request/ },
      { fault: 'api-key-suspended', code: ErrorCode.API_KEY_INVALID, httpStatus: 400, brokerCode: undefined, words: /API is suspended\/expired/ },
    ];

    for (const f of FAULTS) {
      it(`fault '${f.fault}' → ${f.code}`, async function () {
        sandbox.setFault(f.fault);
        const err = await rejectsWith(client.fundSummary(session.sessionToken), f.code);
        assert.equal(err.httpStatus, f.httpStatus);
        assert.equal(err.brokerCode, f.brokerCode);
        assert.match(err.message, f.words);
        sandbox.setFault(undefined);
        const data = await client.fundSummary(session.sessionToken);
        assert.equal(data[0].SEG, 'A');
        // a drop on the kept-alive connection is sent once more on a new one (and dropped again)
        const failing = f.fault === 'drop' ? 2 : 1;
        assert.equal(sandbox.calls.fundSummary, failing + 1, `${failing} failing call(s) and one good call reached the sandbox`);
      });
    }

    it("fault { kind: 'slow' } with a 300 ms client timeout → MSTOCK_TIMEOUT well before the delay ends", async function () {
      const delayMs = 2000;
      await withClient({ timeout: 300 }, async (quick) => {
        sandbox.setFault({ kind: 'slow', delayMs, endpoints: ['fundSummary'] });
        const started = Date.now();
        const err = await rejectsWith(quick.fundSummary(session.sessionToken), ErrorCode.TIMEOUT);
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 250, `gave up too early (${elapsed} ms)`);
        assert.ok(elapsed < delayMs / 2, `took ${elapsed} ms; the timeout is 300 ms`);
        assert.match(err.message, /did not answer within 300 ms/);
        sandbox.setFault(undefined);
        const data = await quick.fundSummary(session.sessionToken);
        assert.equal(data.length, 2);
      });
    });

    it("fault 'times: 2' misbehaves twice and then the sandbox is well without clearing", async function () {
      sandbox.setFault({ kind: 'html-503', times: 2 });
      await rejectsWith(client.fundSummary(session.sessionToken), ErrorCode.BAD_RESPONSE);
      await rejectsWith(client.fundSummary(session.sessionToken), ErrorCode.BAD_RESPONSE);
      const data = await client.fundSummary(session.sessionToken);
      assert.equal(data.length, 2);
      assert.equal(sandbox.calls.fundSummary, 3);
    });

    it("fault 'endpoints' limits the misbehaviour to the named endpoint", async function () {
      const other = await liveSession();
      sandbox.resetCounters();
      sandbox.setFault({ kind: 'server-error', endpoints: ['logout'] });
      await client.fundSummary(other.sessionToken);
      await rejectsWith(client.logout(other.sessionToken), ErrorCode.SERVER_ERROR);
      sandbox.setFault(undefined);
      await client.logout(other.sessionToken);
    });
  });

  describe('faults on login and the OTP step', function () {
    it("login is never retried: 'html-503' on login → one request, MSTOCK_BAD_RESPONSE; then login works", async function () {
      sandbox.setFault({ kind: 'html-503', endpoints: ['login'] });
      await rejectsWith(client.login(CLIENT_CODE, PASSWORD), ErrorCode.BAD_RESPONSE);
      assert.equal(sandbox.calls.login, 1);
      sandbox.setFault(undefined);
      const login = await client.login(CLIENT_CODE, PASSWORD);
      assert.match(login.loginToken, UUID_LIKE);
    });

    it("'server-error' (HTTP 500, MA500) on login → MSTOCK_SERVER_ERROR, not MSTOCK_AUTH_FAILED", async function () {
      sandbox.setFault({ kind: 'server-error', endpoints: ['login'] });
      const err = await rejectsWith(client.login(CLIENT_CODE, PASSWORD), ErrorCode.SERVER_ERROR);
      assert.equal(err.httpStatus, 500);
    });

    it("'wrong-shape' on login and session/token → MSTOCK_BAD_RESPONSE (success without the token)", async function () {
      sandbox.setFault({ kind: 'wrong-shape', endpoints: ['login'] });
      await rejectsWith(client.login(CLIENT_CODE, PASSWORD), ErrorCode.BAD_RESPONSE);
      sandbox.setFault(undefined);
      const login = await client.login(CLIENT_CODE, PASSWORD);
      sandbox.setFault({ kind: 'wrong-shape', endpoints: ['sessionToken'] });
      await rejectsWith(client.sessionToken(login.loginToken, OTP), ErrorCode.BAD_RESPONSE);
      sandbox.setFault(undefined);
      const session = await client.sessionToken(login.loginToken, OTP);
      assert.match(session.sessionToken, JWT_LIKE);
    });

    it("'rate-limit' on session/token → MSTOCK_RATE_LIMITED (not OTP_REJECTED), and the OTP still works afterwards", async function () {
      const login = await client.login(CLIENT_CODE, PASSWORD);
      sandbox.setFault('rate-limit');
      const err = await rejectsWith(client.sessionToken(login.loginToken, OTP), ErrorCode.RATE_LIMITED);
      assert.equal(err.httpStatus, 429);
      sandbox.setFault(undefined);
      await client.sessionToken(login.loginToken, OTP);
    });
  });

  describe('network failures', function () {
    it('connection refused on a closed port → MSTOCK_NETWORK naming the refusal', async function () {
      const port = await freePort();
      const c = new MStockClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k-network-1', timeout: 2000 });
      try {
        const err = await rejectsWith(c.login(CLIENT_CODE, PASSWORD), ErrorCode.NETWORK);
        assert.match(err.message, /refused/);
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      } finally {
        c.close();
      }
    });
  });

  describe('secrets never leave in errors', function () {
    const API_KEY = 'APIKEY-s3cr3t-a1b2c3d4e5';
    const SECRET_PASSWORD = 'PASSWD-s3cr3t-f6g7h8';
    const WRONG_PASSWORD = 'WRONGPW-s3cr3t-z9y8x7';
    const WRONG_KEY = 'BADKEY-s3cr3t-q1w2e3';

    function assertClean(err, secrets, label) {
      assert.ok(err instanceof MStockError, `${label}: expected an MStockError, got ${err}`);
      const surfaces = {
        message: err.message,
        toString: err.toString(),
        String: String(err),
        json: JSON.stringify(err),
        keys: JSON.stringify(Object.keys(err).map((k) => [k, String(err[k])])),
        stack: String(err.stack),
      };
      for (const [where, text] of Object.entries(surfaces)) {
        for (const secret of secrets) {
          assert.ok(!text.includes(secret), `${label}: ${where} contains a secret: ${text}`);
        }
      }
      for (const prop of ['cause', 'config', 'request', 'response']) {
        assert.equal(prop in err, false, `${label}: error has a "${prop}" property`);
      }
    }

    it('a run of failing and succeeding calls leaks no API key, password, login token or session token', async function () {
      const box = new Sandbox({ fixedOtp: OTP });
      box.account.apiKey = API_KEY;
      box.account.password = SECRET_PASSWORD;
      const boxUrl = await box.start();
      const good = new MStockClient({ baseUrl: boxUrl, apiKey: API_KEY, timeout: 400 });
      const bad = new MStockClient({ baseUrl: boxUrl, apiKey: WRONG_KEY, timeout: 400 });
      const secrets = [API_KEY, SECRET_PASSWORD, WRONG_PASSWORD, WRONG_KEY];
      const errors = [];
      const capture = async (label, promise, code) => {
        const err = await rejectsWith(promise, code);
        errors.push([label, err]);
      };
      try {
        await capture('wrong password', good.login(CLIENT_CODE, WRONG_PASSWORD), ErrorCode.AUTH_FAILED);
        const login = await good.login(CLIENT_CODE, SECRET_PASSWORD);
        secrets.push(login.loginToken);
        assert.ok(!login.message.includes(SECRET_PASSWORD));
        await capture('wrong key on OTP', bad.sessionToken(login.loginToken, OTP), ErrorCode.API_KEY_INVALID);
        await capture('wrong OTP', good.sessionToken(login.loginToken, '000000'), ErrorCode.OTP_REJECTED);
        await capture('wrong TOTP', good.verifyTotp(login.loginToken, wrongTotp(box.account.totpSecret)), ErrorCode.OTP_REJECTED);
        const session = await good.sessionToken(login.loginToken, OTP);
        secrets.push(session.sessionToken, session.refreshToken, session.feedToken);
        await capture('wrong key on funds', bad.fundSummary(session.sessionToken), ErrorCode.API_KEY_INVALID);
        await capture('wrong key on logout', bad.logout(session.sessionToken), ErrorCode.API_KEY_INVALID);
        for (const [fault, code] of [
          ['html-502', ErrorCode.BAD_RESPONSE],
          ['truncated-json', ErrorCode.BAD_RESPONSE],
          ['wrong-shape', ErrorCode.BAD_RESPONSE],
          ['drop', ErrorCode.NETWORK],
          ['reset-mid-body', ErrorCode.NETWORK],
          ['rate-limit', ErrorCode.RATE_LIMITED],
          ['server-error', ErrorCode.SERVER_ERROR],
          ['unauthorized', ErrorCode.SESSION_EXPIRED],
          [{ kind: 'slow', delayMs: 1200 }, ErrorCode.TIMEOUT],
        ]) {
          box.setFault(fault);
          await capture(`fault ${JSON.stringify(fault)}`, good.fundSummary(session.sessionToken), code);
          box.setFault(undefined);
          await good.fundSummary(session.sessionToken);
        }
        await good.logout(session.sessionToken);
        await capture('funds after logout', good.fundSummary(session.sessionToken), ErrorCode.SESSION_EXPIRED);
        good.close();
        await capture('call after close', good.fundSummary(session.sessionToken), ErrorCode.NETWORK);
        assert.equal(errors.length, 17);
        for (const [label, err] of errors) assertClean(err, secrets, label);
      } finally {
        good.close();
        bad.close();
        await box.stop();
      }
    });

    it('a broker that echoes the API key, password and tokens in its messages has them redacted', async function () {
      // A plain local HTTP server (not the sandbox) that answers every call with a failure whose
      // message quotes the request's X-PrivateKey, Authorization and body back.
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          const text = JSON.stringify({
            status: 'false',
            message: `Echo key=${req.headers['x-privatekey']} auth=${req.headers.authorization} body=${body}`,
            errorcode: 'MA500',
            data: null,
          });
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
          res.end(text);
        });
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const c = new MStockClient({ baseUrl: `http://127.0.0.1:${server.address().port}`, apiKey: API_KEY });
      const loginToken = '3f2b8c1e-9a7d-4e6f-b5c4-0123456789ab';
      const sessionToken = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXNlY3JldA';
      try {
        const errors = [
          ['login', await rejectsWith(c.login(CLIENT_CODE, SECRET_PASSWORD), ErrorCode.AUTH_FAILED)],
          ['sessionToken', await rejectsWith(c.sessionToken(loginToken, OTP), ErrorCode.OTP_REJECTED)],
          ['verifyTotp', await rejectsWith(c.verifyTotp(loginToken, '123456'), ErrorCode.OTP_REJECTED)],
          ['fundSummary', await rejectsWith(c.fundSummary(sessionToken), ErrorCode.SERVER_ERROR)],
          ['logout', await rejectsWith(c.logout(sessionToken), ErrorCode.SERVER_ERROR)],
        ];
        // the echo really happened (so the redaction had something to do)
        for (const [label, err] of errors) {
          assert.match(err.message, /Echo key=.* auth=.* body=/, label);
          assert.match(err.message, /\[redacted\]/, label);
        }
        for (const [label, err] of errors) assertClean(err, [API_KEY, SECRET_PASSWORD, loginToken, sessionToken], label);
      } finally {
        c.close();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a successful login whose message quotes the password answers it redacted', async function () {
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          const { password } = JSON.parse(body);
          const text = JSON.stringify({
            status: 'true',
            message: `OTP sent; you typed ${password}`,
            errorcode: '',
            data: { jwtToken: '3f2b8c1e-9a7d-4e6f-b5c4-0123456789ab', refreshToken: '', feedToken: '' },
          });
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
          res.end(text);
        });
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const c = new MStockClient({ baseUrl: `http://127.0.0.1:${server.address().port}`, apiKey: API_KEY });
      try {
        const login = await c.login(CLIENT_CODE, SECRET_PASSWORD);
        assert.ok(!login.message.includes(SECRET_PASSWORD), login.message);
        assert.match(login.message, /^OTP sent; you typed \[redacted\]$/);
      } finally {
        c.close();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('an oversized answer', function () {
    it('a body larger than 1 MB is MSTOCK_BAD_RESPONSE', async function () {
      const big = JSON.stringify({ status: true, message: 'SUCCESS', errorcode: '', data: [{ PAD: 'x'.repeat(1_200_000) }] });
      const server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(big) });
          res.end(big);
        });
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const c = new MStockClient({ baseUrl: `http://127.0.0.1:${server.address().port}`, apiKey: 'k-oversize' });
      try {
        const err = await rejectsWith(c.fundSummary('some-session-token'), ErrorCode.BAD_RESPONSE);
        assert.match(err.message, /larger than/);
      } finally {
        c.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('close()', function () {
    it('a call in flight rejects with an MStockError (no unhandled rejection) and later calls never reach the sandbox', async function () {
      const unhandled = [];
      const guard = (reason) => unhandled.push(reason);
      process.on('unhandledRejection', guard);
      try {
        const session = await liveSession();
        const c = new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 5000 });
        sandbox.setFault({ kind: 'slow', delayMs: 800, endpoints: ['fundSummary'] });
        sandbox.resetCounters();
        const inFlight = c.fundSummary(session.sessionToken);
        let settled = false;
        inFlight.then(
          () => {
            settled = true;
          },
          () => {
            settled = true;
          },
        );
        const deadline = Date.now() + 2000;
        while (!sandbox.calls.fundSummary && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        assert.equal(sandbox.calls.fundSummary, 1, 'the call reached the sandbox before close()');
        assert.equal(settled, false, 'the call is still in flight');
        const started = Date.now();
        c.close();
        const err = await rejectsWith(inFlight, ErrorCode.NETWORK);
        assert.ok(Date.now() - started < 500, 'close() ends the call at once, not when the answer would come');
        assert.ok(!err.message.includes(session.sessionToken));
        sandbox.setFault(undefined);

        const before = JSON.stringify(sandbox.calls);
        await rejectsWith(c.login(CLIENT_CODE, PASSWORD), ErrorCode.NETWORK);
        await rejectsWith(c.sessionToken(session.loginToken, OTP), ErrorCode.NETWORK);
        await rejectsWith(c.verifyTotp(session.loginToken, '123456'), ErrorCode.NETWORK);
        await rejectsWith(c.fundSummary(session.sessionToken), ErrorCode.NETWORK);
        await rejectsWith(c.logout(session.sessionToken), ErrorCode.NETWORK);
        assert.equal(JSON.stringify(sandbox.calls), before, 'a closed client sent a request');
        c.close(); // closing twice is harmless
        await new Promise((r) => setTimeout(r, 30));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', guard);
      }
    });
  });

  describe('timeout option', function () {
    // Regression: the constructor accepts any finite positive timeout, but setTimeout turns a
    // delay above 2^31-1 ms into 1 ms (TimeoutOverflowWarning), so every call fails at once with
    // MSTOCK_TIMEOUT "did not answer within 2147483648 ms". The Node-RED config node caps the
    // timeout at 600000 ms, so only direct users of the exported MStockClient can hit this.
    it('a timeout above 2^31-1 ms is refused with MSTOCK_INVALID_INPUT; 2^31-1 itself is honoured', async function () {
      const err = throwsWith(() => new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 2 ** 31 }), ErrorCode.INVALID_INPUT);
      assert.match(err.message, /at most 2147483647/);
      const c = new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 2 ** 31 - 1 });
      try {
        sandbox.setFault({ kind: 'slow', delayMs: 100, endpoints: ['login'] });
        const login = await c.login(CLIENT_CODE, PASSWORD);
        assert.match(login.loginToken, UUID_LIKE);
      } finally {
        c.close();
      }
    });
  });

  describe('keep-alive', function () {
    it('sequential calls reuse one connection (one socket opened, Connection: keep-alive)', async function () {
      let opened = 0;
      const onSocket = () => {
        opened += 1;
      };
      dc.subscribe('net.client.socket', onSocket);
      const c = new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey });
      try {
        const session = await liveSession(c);
        await c.fundSummary(session.sessionToken);
        await c.fundSummary(session.sessionToken);
        await c.logout(session.sessionToken);
        assert.equal(sandbox.requests.length, 5);
        for (const req of sandbox.requests) assert.equal(req.headers.connection, 'keep-alive');
        assert.equal(opened, 1, `expected 1 socket for 5 sequential calls, saw ${opened}`);
      } finally {
        dc.unsubscribe('net.client.socket', onSocket);
        c.close();
      }
    });
  });
});
