'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const { helper, sandboxPerTest, allNodes, sandboxCredentials, standardFlow, nextMessage, collect, until, lastStatus, recordNodes, send, failureOf, goLive } =
  require('./support');

describe('mStock nodes: every error reaches a Catch node with its code', function () {
  let sandbox;
  let url;

  sandboxPerTest((s, u) => {
    sandbox = s;
    url = u;
  });

  it('MSTOCK_NO_CREDENTIALS: a password missing on the account, and nothing is sent', async function () {
    const creds = sandboxCredentials();
    delete creds.c1.password;
    await helper.load(allNodes, standardFlow(url), creds);
    const msg = await failureOf('login1', { payload: 'go', mine: true });
    assert.equal(msg.error.code, 'MSTOCK_NO_CREDENTIALS');
    assert.match(msg.error.message, /missing: password/);
    assert.equal(msg.mine, true);
    assert.deepEqual(sandbox.calls, {});
    assert.deepEqual(lastStatus('login1'), { fill: 'red', shape: 'ring', text: 'no credentials' });
  });

  it('MSTOCK_NO_CREDENTIALS: a flow node with no account chosen', async function () {
    const flow = standardFlow(url);
    flow.find((n) => n.id === 'funds1').account = '';
    await helper.load(allNodes, flow, sandboxCredentials());
    const msg = await failureOf('funds1');
    assert.equal(msg.error.code, 'MSTOCK_NO_CREDENTIALS');
    assert.match(msg.error.message, /No mStock account is selected/);
  });

  it('MSTOCK_INVALID_INPUT: a plain http:// API URL on a public host is refused at deploy', async function () {
    await helper.load(allNodes, standardFlow('http://api.mstock.trade'), sandboxCredentials());
    const msg = await failureOf('login1');
    assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(msg.error.message, /plain http:\/\//);
    assert.ok(helper.getNode('c1').error.calledWithMatch(/plain http:\/\//), 'the config node reports it at deploy');
  });

  it('MSTOCK_INVALID_INPUT: every unusable OTP payload is refused and nothing is sent', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await send('login1');
    const bad = ['', 'abcdef', '12 34', '123', '123456789', 12.5, -1234, 1e21, NaN, Infinity, true, null, undefined,
      {}, { otp: '123456' }, ['123456'], 'x'.repeat(10240), '１２３４５６'];
    const caught = collect(helper.getNode('caught'));
    for (const payload of bad) helper.getNode('otp1').receive({ payload });
    await until(() => caught.length === bad.length, 3000, 'all refusals');
    for (const msg of caught) {
      assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
      assert.ok(msg.error.message.length < 300, 'the message does not echo a huge payload');
    }
    assert.equal(sandbox.calls.sessionToken, undefined, 'no OTP was sent to the broker');
    assert.deepEqual(lastStatus('otp1'), { fill: 'red', shape: 'ring', text: 'invalid input' });
    const live = await send('otp1', { payload: sandbox.lastOtp });
    assert.equal(live.payload.state, 'live', 'the login still waits after bad input');
  });

  it('MSTOCK_NO_PENDING_LOGIN: an OTP with no login waiting', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const msg = await failureOf('otp1', { payload: '123456' });
    assert.equal(msg.error.code, 'MSTOCK_NO_PENDING_LOGIN');
    assert.equal(sandbox.calls.sessionToken, undefined);
  });

  it('MSTOCK_NOT_LOGGED_IN: funds and logout before any login', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    assert.equal((await failureOf('funds1')).error.code, 'MSTOCK_NOT_LOGGED_IN');
    assert.equal((await failureOf('logout1')).error.code, 'MSTOCK_NOT_LOGGED_IN');
    assert.deepEqual(sandbox.calls, {});
    assert.deepEqual(lastStatus('funds1'), { fill: 'red', shape: 'ring', text: 'not logged in' });
  });

  it('MSTOCK_SESSION_EXPIRED: a 401 from the broker ends the session for every node', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    const events = collect(helper.getNode('events'));
    sandbox.expireSessions();
    const msg = await failureOf('funds1');
    assert.equal(msg.error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.match(msg.error.message, /Invalid request\. Please try again\./);
    assert.deepEqual(events.map((m) => [m.payload.state, m.payload.previous, m.payload.reason]), [['expired', 'live', 'rejected']]);
    assert.deepEqual(lastStatus('logout1'), { fill: 'red', shape: 'ring', text: 'session expired' });
    const calls = sandbox.calls.fundSummary;
    assert.equal((await failureOf('funds1')).error.code, 'MSTOCK_SESSION_EXPIRED');
    assert.equal(sandbox.calls.fundSummary, calls, 'an expired session is refused without calling the broker');
  });

  it('MSTOCK_AUTH_FAILED: a wrong password, with the broker\'s own words', async function () {
    await helper.load(allNodes, standardFlow(url), { c1: { ...sandboxCredentials().c1, password: 'not-it' } });
    const msg = await failureOf('login1');
    assert.equal(msg.error.code, 'MSTOCK_AUTH_FAILED');
    assert.match(msg.error.message, /Invalid username or password\. 9 attempts remaining/);
    assert.deepEqual(lastStatus('login1'), { fill: 'red', shape: 'ring', text: 'login refused' });
    assert.equal(sandbox.calls.login, 1, 'a failed login is not retried');
  });

  it('MSTOCK_OTP_REJECTED: a wrong OTP keeps the login waiting; the right one then works with one login', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await send('login1');
    const wrong = sandbox.lastOtp === '000000' ? '111111' : '000000';
    const msg = await failureOf('otp1', { payload: wrong });
    assert.equal(msg.error.code, 'MSTOCK_OTP_REJECTED');
    assert.match(msg.error.message, /Entered OTP has been expired/);
    assert.deepEqual(lastStatus('otp1'), { fill: 'red', shape: 'ring', text: 'OTP rejected' });
    const live = await send('otp1', { payload: sandbox.lastOtp });
    assert.equal(live.payload.state, 'live');
    assert.equal(sandbox.calls.login, 1);
    assert.equal(sandbox.calls.sessionToken, 2);
    const tokens = sandbox.requests.filter((r) => r.endpoint === 'sessionToken').map((r) => JSON.parse(r.body).refreshToken);
    assert.equal(tokens[0], tokens[1], 'the retry reuses the pending login token');
  });

  it('MSTOCK_OTP_REJECTED: a wrong authenticator code in totp mode', async function () {
    await helper.load(allNodes, standardFlow(url, { otpMode: 'totp' }), sandboxCredentials());
    await send('login1');
    const msg = await failureOf('otp1', { payload: '000000' === sandbox.currentTotp() ? '111111' : '000000' });
    assert.equal(msg.error.code, 'MSTOCK_OTP_REJECTED');
    assert.match(msg.error.message, /Please enter correct TOTP/);
  });

  it('MSTOCK_API_KEY_INVALID: a wrong API key is refused at the OTP step', async function () {
    await helper.load(allNodes, standardFlow(url), { c1: { ...sandboxCredentials().c1, apiKey: 'not-the-key' } });
    await send('login1');
    const msg = await failureOf('otp1', { payload: sandbox.lastOtp });
    assert.equal(msg.error.code, 'MSTOCK_API_KEY_INVALID');
    assert.match(msg.error.message, /API is suspended\/expired for use/);
    assert.deepEqual(lastStatus('otp1'), { fill: 'red', shape: 'ring', text: 'API key refused' });
  });

  const faults = [
    ['rate-limit', 'MSTOCK_RATE_LIMITED', 'rate limited', /Too many requests/],
    ['html-502', 'MSTOCK_BAD_RESPONSE', 'bad response', /HTTP 502 and an HTML page/],
    ['truncated-json', 'MSTOCK_BAD_RESPONSE', 'bad response', /not valid JSON/],
    ['server-error', 'MSTOCK_SERVER_ERROR', 'server error', /\(MA500\): Something went wrong/],
    ['status-error', 'MSTOCK_SERVER_ERROR', 'server error', /Something went wrong/],
    ['drop', 'MSTOCK_NETWORK', 'network error', /Could not reach mStock/],
    ['api-key-suspended', 'MSTOCK_API_KEY_INVALID', 'API key refused', /API is suspended/],
  ];
  for (const [fault, code, statusText, words] of faults) {
    it(`${code}: the fund summary answered with fault "${fault}", then the next call works`, async function () {
      await helper.load(allNodes, standardFlow(url), sandboxCredentials());
      await goLive(sandbox);
      // a dropped read is sent once more on a new connection: drop that one too
      sandbox.setFault({ kind: fault, endpoints: ['fundSummary'], times: fault === 'drop' ? 2 : 1 });
      const msg = await failureOf('funds1', { payload: 'tick', tag: fault });
      assert.equal(msg.error.code, code);
      assert.match(msg.error.message, words);
      assert.equal(msg.tag, fault);
      assert.deepEqual(lastStatus('funds1'), { fill: 'red', shape: 'ring', text: statusText });
      const ok = await send('funds1');
      assert.equal(ok.payload[0].seg, 'A');
      assert.deepEqual(lastStatus('funds1'), { fill: 'green', shape: 'dot', text: 'live until 00:00 IST' });
    });
  }

  it('MSTOCK_TIMEOUT: no answer within the account\'s timeout', async function () {
    await helper.load(allNodes, standardFlow(url, { timeout: 300 }), sandboxCredentials());
    await goLive(sandbox);
    sandbox.setFault({ kind: 'slow', delayMs: 2000, endpoints: ['fundSummary'], times: 1 });
    const started = Date.now();
    const msg = await failureOf('funds1');
    assert.equal(msg.error.code, 'MSTOCK_TIMEOUT');
    assert.match(msg.error.message, /did not answer within 300 ms/);
    assert.ok(Date.now() - started < 1500, 'gave up at the timeout, not when the answer came');
    assert.deepEqual(lastStatus('funds1'), { fill: 'red', shape: 'ring', text: 'timed out' });
  });

  it('MSTOCK_NETWORK: the broker cannot be reached at all', async function () {
    await sandbox.stop();
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const msg = await failureOf('login1');
    assert.equal(msg.error.code, 'MSTOCK_NETWORK');
    assert.match(msg.error.message, /connection was refused/);
  });

  it('logout forgets the session even when the broker\'s logout fails, and says so', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    await goLive(sandbox);
    const events = collect(helper.getNode('events'));
    sandbox.setFault({ kind: 'server-error', endpoints: ['logout'] });
    const msg = await failureOf('logout1');
    assert.equal(msg.error.code, 'MSTOCK_SERVER_ERROR');
    assert.match(msg.error.message, /^Logged out here, but mStock's logout call failed/);
    assert.deepEqual(events.map((m) => m.payload.state), ['logged-out']);
    assert.equal((await failureOf('funds1')).error.code, 'MSTOCK_NOT_LOGGED_IN');
  });

  it('a login while another is in flight is refused and sends no second OTP', async function () {
    sandbox.setFault({ kind: 'slow', delayMs: 300, endpoints: ['login'], times: 1 });
    await helper.load(allNodes, standardFlow(url), sandboxCredentials());
    const out = nextMessage(helper.getNode('out'));
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('login1').receive({ payload: 1 });
    helper.getNode('login1').receive({ payload: 2 });
    const refused = await caught;
    assert.equal(refused.payload, 2);
    assert.equal(refused.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(refused.error.message, /already in progress/);
    assert.equal((await out).payload.state, 'otp-sent');
    assert.equal(sandbox.calls.login, 1);
  });

  it('a TOTP secret that is not base32 is refused before any login is sent', async function () {
    await helper.load(allNodes, standardFlow(url), sandboxCredentials({ totpSecret: 'not base32 at all!' }));
    const msg = await failureOf('login1');
    assert.equal(msg.error.code, 'MSTOCK_INVALID_INPUT');
    assert.match(msg.error.message, /not valid base32/);
    assert.doesNotMatch(msg.error.message, /not base32 at all/);
    assert.deepEqual(sandbox.calls, {});
  });

  it('a broker that echoes the password, API key and login token in plain, JSON-escaped and URL-encoded forms has them redacted everywhere', async function () {
    // Not the sandbox (which never echoes): a loopback server whose refusals quote what it was
    // sent, so only the redaction keeps the secrets out of the msg, the status and the log.
    const password = 'pa"ss\\wörd/&=+ 1';
    const apiKey = 'key"with\\quote/&=+ 2';
    const loginToken = 'login"tok\\en/&=+ 3';
    const forms = (secret) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
    for (const secret of [password, apiKey, loginToken]) assert.equal(new Set(forms(secret)).size, 3, 'three different forms');
    const quote = (label, secret) => {
      const [plain, json, url] = forms(secret);
      return `${label} plain=${plain} json=${json} url=${url}.`;
    };
    const answer = (res, envelope) => {
      const text = JSON.stringify(envelope);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    let logins = 0;
    const echo = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const sent = JSON.parse(body);
        if (req.url.endsWith('/connect/login')) {
          logins += 1;
          // the first login is refused, quoting the password; the second one goes through
          if (logins === 1) return answer(res, { status: false, message: `Invalid username or password: ${quote('you sent', sent.password)}`, errorcode: 'MA500', data: null });
          return answer(res, { status: true, message: 'OTP sent.', errorcode: '', data: { jwtToken: loginToken } });
        }
        return answer(res, {
          status: false,
          message: `Entered OTP has been expired: ${quote('key', req.headers['x-privatekey'])} ${quote('token', sent.refreshToken)}`,
          errorcode: 'MA500',
          data: null,
        });
      });
    });
    await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      await helper.load(allNodes, standardFlow(`http://127.0.0.1:${echo.address().port}`), { c1: { ...sandboxCredentials().c1, apiKey, password } });
      const record = recordNodes(['c1', 'login1', 'otp1']);
      const refused = await failureOf('login1');
      assert.equal(refused.error.code, 'MSTOCK_AUTH_FAILED');
      assert.match(refused.error.message, /you sent plain=\[redacted\] json=\[redacted\] url=\[redacted\]\./, 'the broker echoed the password');
      await send('login1');
      const rejected = await failureOf('otp1', { payload: '123456' });
      assert.equal(rejected.error.code, 'MSTOCK_OTP_REJECTED');
      assert.match(rejected.error.message, /key plain=\[redacted\] json=\[redacted\] url=\[redacted\]\. token plain=\[redacted\] json=\[redacted\] url=\[redacted\]\./, 'the broker echoed the API key and the login token');
      assert.ok(record.logs.length >= 2, 'both failures were logged');

      const surfaces = {
        'the refused login msg': textsIn(refused),
        'the rejected OTP msg': textsIn(rejected),
        statuses: textsIn(record.statuses),
        'log lines': textsIn(record.logs),
      };
      for (const [where, texts] of Object.entries(surfaces)) {
        const text = texts.join('\n');
        for (const secret of [password, apiKey, loginToken]) {
          for (const form of forms(secret)) assert.ok(!text.includes(form), `${where} holds a secret (${form}): ${text}`);
        }
      }
    } finally {
      echo.closeAllConnections();
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});

/** Every string inside `value` (errors included: their message and stack are not enumerable). */
function textsIn(value, texts = [], seen = new Set()) {
  if (typeof value === 'string') texts.push(value);
  else if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    if (value instanceof Error) texts.push(value.message, String(value.stack));
    for (const inner of Object.values(value)) textsIn(inner, texts, seen);
  }
  return texts;
}
