'use strict';
// The API root: https:// anywhere, http:// only for loopback hosts (PRODUCT.md, mstock-config.baseUrl).
const assert = require('node:assert/strict');
const http = require('node:http');
const os = require('node:os');
const { normaliseBaseUrl, isLoopbackHost, DEFAULT_BASE_URL } = require('../../dist/src/api/base-url');
const { MStockClient } = require('../../dist/src/api/client');
const { ErrorCode } = require('../../dist/src/api/errors');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { throwsWith } = require('./_helpers');

describe('normaliseBaseUrl', function () {
  it('accepts https:// and drops the trailing slash', function () {
    assert.equal(normaliseBaseUrl('https://api.mstock.trade/'), 'https://api.mstock.trade');
    assert.equal(normaliseBaseUrl('https://api.mstock.trade'), 'https://api.mstock.trade');
    assert.equal(normaliseBaseUrl('  https://proxy.example.com/mstock///  '), 'https://proxy.example.com/mstock');
  });

  it('uses https://api.mstock.trade when empty, blank or absent', function () {
    assert.equal(DEFAULT_BASE_URL, 'https://api.mstock.trade');
    assert.equal(normaliseBaseUrl(''), 'https://api.mstock.trade');
    assert.equal(normaliseBaseUrl('   '), 'https://api.mstock.trade');
    assert.equal(normaliseBaseUrl(undefined), 'https://api.mstock.trade');
  });

  const loopback = [
    ['http://127.0.0.1:1234', 'http://127.0.0.1:1234'],
    ['http://127.5.6.7', 'http://127.5.6.7'],
    ['http://localhost', 'http://localhost'],
    ['http://LOCALHOST:8729/', 'http://localhost:8729'],
    ['http://[::1]:80', 'http://[::1]'],
    ['http://[::1]:8729/', 'http://[::1]:8729'],
  ];
  for (const [input, expected] of loopback) {
    it(`accepts plain http:// on loopback: ${input}`, function () {
      assert.equal(normaliseBaseUrl(input), expected);
    });
  }

  const refused = [
    ['http://example.com', /unencrypted/],
    ['http://10.0.0.1', /unencrypted/],
    ['http://192.168.1.10:8729', /unencrypted/],
    ['http://127.0.0.1.example.com', /unencrypted/],
    ['http://localhost.example.com', /unencrypted/],
    ['http://[::2]', /unencrypted/],
    ['ftp://x', /https:\/\//],
    ['not a url', /not a valid URL/],
    ['https://user:pass@api.mstock.trade', /user name or password/],
    ['http://user:pass@127.0.0.1:8729', /user name or password/],
    ['https://api.mstock.trade/?debug=1', /query or fragment/],
  ];
  for (const [input, words] of refused) {
    it(`refuses ${input} with MSTOCK_INVALID_INPUT`, function () {
      const err = throwsWith(() => normaliseBaseUrl(input), ErrorCode.INVALID_INPUT);
      assert.match(err.message, words);
    });
  }

  // Regression: an empty query "?" or fragment "#" has url.search === '' and url.hash === '',
  // so it slipped past the "no query or fragment" check and stayed in the result ("…/?"). Every
  // call then went to "<root>/?/openapi/…", i.e. to the path "/" (see the client test below).
  for (const input of ['https://api.mstock.trade/?', 'https://api.mstock.trade#', 'http://127.0.0.1:8729/?']) {
    it(`refuses ${input} (an empty query or fragment) with MSTOCK_INVALID_INPUT`, function () {
      const err = throwsWith(() => normaliseBaseUrl(input), ErrorCode.INVALID_INPUT);
      assert.match(err.message, /query or fragment/);
    });
  }

  it('does not repeat a URL it cannot parse, which may hold a typed password', function () {
    const err = throwsWith(() => normaliseBaseUrl('https://trader:my secret pw@api mstock'), ErrorCode.INVALID_INPUT);
    assert.doesNotMatch(err.message, /secret|trader/);
  });

  it('does not repeat the user name and password of a refused URL in its message', function () {
    const err = throwsWith(() => normaliseBaseUrl('https://alice:hunter2secret@api.mstock.trade'), ErrorCode.INVALID_INPUT);
    assert.ok(!err.message.includes('hunter2secret'), err.message);
  });
});

describe('isLoopbackHost', function () {
  it('is true for 127.0.0.0/8, ::1 (bracketed or not) and localhost only', function () {
    for (const host of ['127.0.0.1', '127.255.255.254', 'localhost', 'LocalHost', '::1', '[::1]']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['128.0.0.1', '127.0.0.256', '127.0.0', '10.0.0.1', '127.0.0.1.nip.io', 'localhost.', '::2', 'example.com', '']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('MStockClient constructor', function () {
  it('refuses a non-loopback http:// URL, a missing API key and a bad timeout with MSTOCK_INVALID_INPUT', function () {
    throwsWith(() => new MStockClient({ baseUrl: 'http://example.com', apiKey: 'k' }), ErrorCode.INVALID_INPUT);
    throwsWith(() => new MStockClient({ baseUrl: 'https://api.mstock.trade', apiKey: '' }), ErrorCode.INVALID_INPUT);
    throwsWith(() => new MStockClient({ apiKey: 'k', timeout: 0 }), ErrorCode.INVALID_INPUT);
    throwsWith(() => new MStockClient({ apiKey: 'k', timeout: -5 }), ErrorCode.INVALID_INPUT);
    throwsWith(() => new MStockClient({ apiKey: 'k', timeout: NaN }), ErrorCode.INVALID_INPUT);
  });

  it('keeps the normalised URL and the default timeout of 10 s', function () {
    const c = new MStockClient({ baseUrl: 'https://api.mstock.trade/', apiKey: 'k' });
    try {
      assert.equal(c.baseUrl, 'https://api.mstock.trade');
      assert.equal(c.timeout, 10000);
    } finally {
      c.close();
    }
  });

  it('refuses a base URL ending in an empty "?" before anything reaches the sandbox', async function () {
    const sandbox = new Sandbox();
    const url = await sandbox.start();
    try {
      const err = throwsWith(() => new MStockClient({ baseUrl: `${url}/?`, apiKey: SANDBOX_ACCOUNT.apiKey }), ErrorCode.INVALID_INPUT);
      assert.match(err.message, /query or fragment/);
      assert.equal(sandbox.requests.length, 0);
    } finally {
      await sandbox.stop();
    }
  });

  // 0.0.0.0 is no loopback address, yet a connection to it reaches this machine; an interface
  // address, when there is one, does too. The plain request first proves the sandbox is reachable
  // there, so the refusal is what keeps the client away.
  const ownAddress = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  const targets = [
    { what: '0.0.0.0, which connects to this machine', host: '0.0.0.0', listen: '127.0.0.1' },
    { what: "this machine's own interface address", host: ownAddress && ownAddress.address, listen: ownAddress && ownAddress.address },
  ];
  for (const target of targets) {
    it(`refuses http:// to ${target.what}, where the sandbox answers, before anything reaches it`, async function () {
      if (!target.host) this.skip(); // no non-loopback interface here; the 0.0.0.0 case still runs
      const sandbox = new Sandbox({ host: target.listen });
      try {
        await sandbox.start();
        const url = `http://${target.host}:${sandbox.port}`;
        await new Promise((resolve, reject) => {
          http.get(`${url}/openapi/typeb/user/fundsummary`, { headers: { 'X-Mirae-Version': '1' } }, (res) => {
            res.resume();
            res.on('end', resolve);
          }).on('error', reject);
        });
        assert.equal(sandbox.requests.length, 1, 'a plain request to this URL reaches the sandbox');
        const err = throwsWith(() => new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey }), ErrorCode.INVALID_INPUT);
        assert.match(err.message, /plain http:\/\//);
        assert.equal(sandbox.requests.length, 1, 'the client sent nothing');
      } finally {
        await sandbox.stop();
      }
    });
  }
});
