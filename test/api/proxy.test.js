'use strict';
// HTTP_PROXY / HTTPS_PROXY / NO_PROXY: the same choice of proxy as Node-RED's http request node,
// a real forward proxy on 127.0.0.1 (CONNECT tunnels for https, absolute-URL requests for http),
// and a real TLS server whose certificate comes from a CA made here, trusted by a child process
// through NODE_EXTRA_CA_CERTS (certificate checks stay on).
const assert = require('node:assert/strict');
const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const fc = require('fast-check');
const coreProxyHelper = require('@node-red/nodes/core/network/lib/proxyHelper');
const { MStockClient } = require('../../dist/src/api/client');
const { ErrorCode } = require('../../dist/src/api/errors');
const { proxyForUrl } = require('../../dist/src/api/proxy');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { rejectsWith, throwsWith, freePort } = require('./_helpers');

const PROXY_USER = 'proxyuser-7f3a';
const PROXY_PASSWORD = 'proxypass-91c2';
const API_KEY = 'proxy-test-api-key-5d0e';
const SESSION_TOKEN = 'proxy-test-session-token-a8b4';
const API_HOST = 'api.mstock.test'; // resolves nowhere: only the proxy knows where it is

/**
 * A forward proxy on 127.0.0.1 that records what passes: CONNECT tunnels (`tunnels`, with every
 * byte the client sent through them in `tunnelledBytes`) and absolute-URL requests (`forwarded`).
 * `routes` maps a CONNECT target ("host:port") to the port on 127.0.0.1 it leads to; `refuseWith`
 * answers every CONNECT with that status instead; `stall` never answers it.
 */
class ForwardProxy {
  constructor() {
    this.tunnels = [];
    this.forwarded = [];
    this.connections = 0;
    this.routes = new Map();
    this.refuseWith = 0;
    this.stall = false;
    this.tunnelledBytes = Buffer.alloc(0);
    this.sockets = new Set();
  }

  async start() {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('connect', (req, socket, head) => this.tunnel(req, socket, head));
    this.server.on('connection', (socket) => {
      this.connections += 1;
      this.track(socket);
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.urlWithCredentials = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${this.port}`;
  }

  track(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  forward(req, res) {
    this.forwarded.push({ method: req.method, url: req.url, headers: req.headers });
    const target = new URL(req.url);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  tunnel(req, socket, head) {
    this.tunnels.push({ target: req.url, headers: req.headers });
    if (this.stall) return;
    if (this.refuseWith) {
      socket.end(`HTTP/1.1 ${this.refuseWith} ${http.STATUS_CODES[this.refuseWith]}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const port = this.routes.get(req.url);
    if (!port) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      socket.on('data', (chunk) => {
        this.tunnelledBytes = Buffer.concat([this.tunnelledBytes, chunk]);
      });
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    this.track(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  }
}

const FUNDS = [{ SEG: 'A', AVAILABLE_BALANCE: '1500.25' }];

/** The API over TLS on 127.0.0.1, with a certificate for api.mstock.test, localhost and 127.0.0.1. */
async function startTlsApi(key, cert) {
  const requests = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    requests.push({ method: req.method, path: req.url, headers: req.headers });
    req.resume();
    const data = req.url === '/openapi/typeb/user/fundsummary' ? FUNDS : null;
    const body = JSON.stringify({ status: true, message: 'SUCCESS', errorcode: '', data });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    requests,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A CA and a server certificate signed by it, made with openssl in `dir`. */
function makeCertificates(dir) {
  const file = (name) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  execFileSync('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=node-red-mstock test CA'], { stdio: 'pipe' });
  execFileSync('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${API_HOST}`], { stdio: 'pipe' });
  fs.writeFileSync(
    file('server.ext'),
    `subjectAltName=DNS:${API_HOST},DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  execFileSync(
    'openssl',
    ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('server.ext')],
    { stdio: 'pipe' },
  );
  return { caFile: file('ca.pem'), key: fs.readFileSync(file('server.key')), cert: fs.readFileSync(file('server.pem')) };
}

// Runs in a child process, so that NODE_EXTRA_CA_CERTS and the proxy variables are its own
// from the start: two fund summaries and a logout (or, with "order", one cancel-all), then the
// outcome as JSON on stdout.
const CHILD_SCRIPT = `
const { MStockClient } = require(process.argv[1]);
const [baseUrl, apiKey, sessionToken, calls] = process.argv.slice(2);
(async () => {
  const client = new MStockClient({ baseUrl, apiKey, timeout: 5000 });
  try {
    if (calls === 'order') {
      const { data } = await client.request('cancelAll', sessionToken);
      console.log(JSON.stringify({ order: data }));
      return;
    }
    const funds = await client.fundSummary(sessionToken);
    await client.fundSummary(sessionToken);
    await client.logout(sessionToken);
    console.log(JSON.stringify({ funds }));
  } catch (err) {
    console.log(JSON.stringify({ error: { code: err.code, message: err.message, notSent: err.notSent } }));
  } finally {
    client.close();
  }
})();
`;

function runClientInChild(baseUrl, env, calls = 'reads') {
  const clientModule = path.resolve(__dirname, '../../dist/src/api/client.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD_SCRIPT, clientModule, baseUrl, API_KEY, SESSION_TOKEN, calls],
      // only these variables: none of this machine's own proxy settings
      { env: { PATH: process.env.PATH, ...env }, timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`the child process failed: ${err.message}\n${stderr}`));
        try {
          return resolve(JSON.parse(stdout.trim().split('\n').pop()));
        } catch {
          return reject(new Error(`the child process printed no outcome:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

describe('proxies', function () {
  this.timeout(20_000);

  describe('which proxy: the rules of Node-RED\'s http request node', function () {
    const API = 'https://api.mstock.trade';
    const SANDBOX = 'http://127.0.0.1:8729';
    const CASES = [
      ['no variable: direct', {}, API, ''],
      ['HTTPS_PROXY for https', { HTTPS_PROXY: 'http://p:3128' }, API, 'http://p:3128'],
      ['lower-case https_proxy before upper-case', { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, API, 'http://lower:1'],
      ['HTTP_PROXY is not for https', { HTTP_PROXY: 'http://p:3128' }, API, ''],
      ['HTTP_PROXY for http', { HTTP_PROXY: 'http://p:3128' }, SANDBOX, 'http://p:3128'],
      ['loopback gets no exception of its own', { http_proxy: 'http://127.0.0.1:3128' }, 'http://localhost:8729', 'http://127.0.0.1:3128'],
      ['ALL_PROXY when nothing else', { ALL_PROXY: 'http://all:8080' }, API, 'http://all:8080'],
      ['npm_config_https_proxy first', { npm_config_https_proxy: 'http://npm:1', HTTPS_PROXY: 'http://env:2' }, API, 'http://npm:1'],
      ['no scheme: the target\'s', { HTTPS_PROXY: 'p:3128' }, API, 'https://p:3128'],
      ['NO_PROXY host', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.mstock.trade' }, API, ''],
      ['NO_PROXY is case-blind', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'API.mstock.TRADE' }, API, ''],
      ['NO_PROXY .domain', { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.mstock.trade' }, API, ''],
      ['NO_PROXY *.domain', { HTTPS_PROXY: 'http://p:1', no_proxy: '*.mstock.trade' }, API, ''],
      ['NO_PROXY bare domain matches only itself', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'mstock.trade' }, API, 'http://p:1'],
      ['NO_PROXY *', { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }, API, ''],
      ['NO_PROXY host:port, same port', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.mstock.trade:443' }, API, ''],
      ['NO_PROXY host:port, other port', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.mstock.trade:8443' }, API, 'http://p:1'],
      ['NO_PROXY list with spaces', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com, api.mstock.trade' }, API, ''],
      ['NO_PROXY loopback address', { HTTP_PROXY: 'http://p:1', NO_PROXY: 'localhost,127.0.0.1' }, SANDBOX, ''],
    ];
    for (const [name, env, url, expected] of CASES) {
      it(`${name}: ${expected || 'direct'}`, function () {
        assert.equal(proxyForUrl(url, env), expected);
        assert.equal(coreProxyHelper.getProxyForUrl(url, { env }), expected, 'Node-RED\'s own rule agrees');
      });
    }

    it('agrees with Node-RED\'s own rule on 2000 generated environments and URLs', function () {
      const host = fc.constantFrom('api.mstock.trade', 'mstock.trade', 'localhost', '127.0.0.1', '[::1]', 'example.com');
      const url = fc.tuple(fc.constantFrom('http', 'https'), host, fc.constantFrom('', ':443', ':80', ':8729')).map(([s, h, p]) => `${s}://${h}${p}/x`);
      const proxyValue = fc.constantFrom('', 'http://p:3128', 'p:8080', 'https://user:pw@q:443');
      const noProxyEntry = fc.constantFrom('api.mstock.trade', '.mstock.trade', '*.mstock.trade', 'mstock.trade', '*', 'localhost', '127.0.0.1', '[::1]', 'api.mstock.trade:443', 'API.MSTOCK.TRADE', 'x:80', '');
      const noProxy = fc.array(noProxyEntry, { maxLength: 3 }).chain((entries) => fc.constantFrom(entries.join(','), entries.join(' '), entries.join(', ')));
      const names = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_http_proxy'];
      const env = fc.record(
        { ...Object.fromEntries(names.map((n) => [n, proxyValue])), no_proxy: noProxy, NO_PROXY: noProxy, npm_config_no_proxy: noProxy },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(url, env, (u, e) => proxyForUrl(u, e) === coreProxyHelper.getProxyForUrl(u, { env: e })),
        { numRuns: 2000, seed: 20240611 },
      );
    });
  });

  describe('plain http (a loopback API) through a proxy on 127.0.0.1', function () {
    let proxy;
    let sandbox;

    beforeEach(async function () {
      proxy = new ForwardProxy();
      await proxy.start();
      sandbox = new Sandbox({ fixedOtp: '135790' });
      await sandbox.start();
    });

    afterEach(async function () {
      await proxy.stop();
      await sandbox.stop();
    });

    it('HTTP_PROXY: each call is an absolute-URL request to the proxy, over one kept-alive connection', async function () {
      const client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, env: { HTTP_PROXY: proxy.urlWithCredentials } });
      try {
        const login = await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
        const session = await client.sessionToken(login.loginToken, '135790');
        await client.fundSummary(session.sessionToken);
      } finally {
        client.close();
      }
      assert.deepEqual(
        proxy.forwarded.map((r) => `${r.method} ${r.url}`),
        ['POST /openapi/typeb/connect/login', 'POST /openapi/typeb/session/token', 'GET /openapi/typeb/user/fundsummary'].map((line) => line.replace(' ', ` ${sandbox.url}`)),
      );
      const basic = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
      for (const r of proxy.forwarded) assert.equal(r.headers['proxy-authorization'], basic);
      assert.equal(proxy.connections, 1, 'one kept-alive connection to the proxy');
      assert.equal(proxy.tunnels.length, 0);
      assert.equal(sandbox.requests.length, 3);
    });

    it('NO_PROXY listing the host: the same calls go straight to it, the proxy sees nothing', async function () {
      const env = { HTTP_PROXY: proxy.url, NO_PROXY: `localhost,${new URL(sandbox.url).hostname}` };
      const client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, env });
      try {
        await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
      } finally {
        client.close();
      }
      assert.equal(proxy.connections, 0);
      assert.equal(sandbox.requests.length, 1);
    });
  });

  describe('proxy settings that cannot be used are refused when the client is made', function () {
    it('plain http through a proxy on another computer (it would carry the password unencrypted)', function () {
      const env = { HTTP_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@192.0.2.10:3128` };
      const err = throwsWith(() => new MStockClient({ baseUrl: 'http://127.0.0.1:8729', apiKey: API_KEY, env }), ErrorCode.INVALID_INPUT);
      assert.match(err.message, /through the proxy 192\.0\.2\.10:3128 \(HTTP_PROXY\).*unencrypted.*Add 127\.0\.0\.1 to NO_PROXY/);
      assert.doesNotMatch(err.message, new RegExp(`${PROXY_USER}|${PROXY_PASSWORD}`));
    });

    for (const [name, value, words] of [
      ['a proxy that is not http:// or https://', 'socks5://127.0.0.1:1080', /must start with http:\/\/ or https:\/\/, not socks5:/],
      ['a proxy URL that is not a URL', 'http://[bad', /is not a valid URL/],
      ['a password that is not %-encoded', `http://${PROXY_USER}:%zz${PROXY_PASSWORD}@127.0.0.1:3128`, /not properly %-encoded/],
    ]) {
      it(name, function () {
        const err = throwsWith(() => new MStockClient({ baseUrl: 'https://api.mstock.trade', apiKey: API_KEY, env: { HTTPS_PROXY: value } }), ErrorCode.INVALID_INPUT);
        assert.match(err.message, words);
        assert.doesNotMatch(err.message, new RegExp(`${PROXY_USER}|${PROXY_PASSWORD}`));
      });
    }
  });

  describe('https through a proxy that will not carry it', function () {
    let proxy;

    beforeEach(async function () {
      proxy = new ForwardProxy();
      await proxy.start();
    });

    afterEach(async function () {
      await proxy.stop();
    });

    for (const [status, words] of [
      [403, /the proxy refused to open a connection to it \(HTTP 403\)/],
      [407, /the proxy asked for a user name and password it accepts \(HTTP 407\)/],
    ]) {
      it(`CONNECT answered ${status}: MSTOCK_NETWORK naming the proxy, without its credentials`, async function () {
        proxy.refuseWith = status;
        const client = new MStockClient({ baseUrl: `https://${API_HOST}`, apiKey: API_KEY, env: { HTTPS_PROXY: proxy.urlWithCredentials } });
        try {
          const err = await rejectsWith(client.fundSummary(SESSION_TOKEN), ErrorCode.NETWORK);
          assert.match(err.message, new RegExp(`^Could not reach mStock at ${API_HOST} through the proxy 127\\.0\\.0\\.1:${proxy.port}: `));
          assert.match(err.message, words);
          assert.match(err.message, /Check the proxy settings \(HTTPS_PROXY, HTTP_PROXY, NO_PROXY\)/);
          assert.doesNotMatch(err.message, new RegExp(`${PROXY_USER}|${PROXY_PASSWORD}`));
        } finally {
          client.close();
        }
        assert.deepEqual(proxy.tunnels.map((t) => t.target), [`${API_HOST}:443`]);
        const basic = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
        assert.equal(proxy.tunnels[0].headers['proxy-authorization'], basic);
      });
    }

    it('a proxy that never answers CONNECT: MSTOCK_TIMEOUT at the account\'s timeout, even past the 4 s idle limit', async function () {
      proxy.stall = true;
      const client = new MStockClient({ baseUrl: `https://${API_HOST}`, apiKey: API_KEY, timeout: 5_000, env: { HTTPS_PROXY: proxy.url } });
      const started = Date.now();
      try {
        const err = await rejectsWith(client.fundSummary(SESSION_TOKEN), ErrorCode.TIMEOUT);
        assert.match(err.message, new RegExp(`^mStock at ${API_HOST} through the proxy 127\\.0\\.0\\.1:${proxy.port} did not answer within 5000 ms`));
      } finally {
        client.close();
      }
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 4_900 && elapsed < 6_500, `gave up after ${elapsed} ms`);
      assert.equal(proxy.tunnels.length, 1);
    });

    it('no proxy listening: MSTOCK_NETWORK "connection was refused", naming the proxy', async function () {
      const port = await freePort();
      const client = new MStockClient({ baseUrl: `https://${API_HOST}`, apiKey: API_KEY, env: { HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}` } });
      try {
        const err = await rejectsWith(client.fundSummary(SESSION_TOKEN), ErrorCode.NETWORK);
        assert.match(err.message, new RegExp(`through the proxy 127\\.0\\.0\\.1:${port}: the connection was refused \\(ECONNREFUSED\\)`));
        assert.doesNotMatch(err.message, new RegExp(`${PROXY_USER}|${PROXY_PASSWORD}`));
      } finally {
        client.close();
      }
    });
  });

  describe('https to a server with a certificate from a test CA, in a child process', function () {
    let dir;
    let certs;
    let api;
    let proxy;

    before(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-proxy-'));
      certs = makeCertificates(dir);
    });

    after(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    beforeEach(async function () {
      api = await startTlsApi(certs.key, certs.cert);
      proxy = new ForwardProxy();
      await proxy.start();
      proxy.routes.set(`${API_HOST}:443`, api.port);
    });

    afterEach(async function () {
      await proxy.stop();
      await api.stop();
    });

    it('HTTPS_PROXY: one CONNECT tunnel carries all three calls; the proxy never sees the API key or token', async function () {
      const outcome = await runClientInChild(`https://${API_HOST}`, { NODE_EXTRA_CA_CERTS: certs.caFile, HTTPS_PROXY: proxy.urlWithCredentials });
      assert.deepEqual(outcome, { funds: FUNDS });
      assert.deepEqual(proxy.tunnels.map((t) => t.target), [`${API_HOST}:443`]);
      assert.equal(proxy.forwarded.length, 0);
      assert.deepEqual(api.requests.map((r) => `${r.method} ${r.path}`), ['GET /openapi/typeb/user/fundsummary', 'GET /openapi/typeb/user/fundsummary', 'GET /openapi/typeb/logout']);
      for (const r of api.requests) assert.equal(r.headers['x-privatekey'], API_KEY, 'the key reached the API');
      assert.ok(proxy.tunnelledBytes.length > 500, `TLS records went through the tunnel (${proxy.tunnelledBytes.length} bytes)`);
      for (const secret of [API_KEY, SESSION_TOKEN, 'fundsummary']) {
        assert.equal(proxy.tunnelledBytes.includes(secret), false, `"${secret}" passed the proxy in clear`);
        assert.doesNotMatch(JSON.stringify(proxy.tunnels), new RegExp(secret));
      }
    });

    it('NO_PROXY listing the host: straight to the server, the proxy sees nothing', async function () {
      const outcome = await runClientInChild(`https://localhost:${api.port}`, {
        NODE_EXTRA_CA_CERTS: certs.caFile,
        HTTPS_PROXY: proxy.url,
        NO_PROXY: 'localhost',
      });
      assert.deepEqual(outcome, { funds: FUNDS });
      assert.equal(proxy.connections, 0);
      assert.equal(api.requests.length, 3);
    });

    it('the certificate is checked through the tunnel: without the test CA, MSTOCK_NETWORK (TLS)', async function () {
      const outcome = await runClientInChild(`https://${API_HOST}`, { HTTPS_PROXY: proxy.url });
      assert.equal(outcome.error && outcome.error.code, ErrorCode.NETWORK);
      assert.match(outcome.error.message, /through the proxy 127\.0\.0\.1:\d+: the secure \(TLS\) connection failed/);
      assert.equal(proxy.tunnels.length, 1);
      assert.equal(api.requests.length, 0);
    });

    it('an order call goes through the tunnel once and is answered', async function () {
      const outcome = await runClientInChild(`https://${API_HOST}`, { NODE_EXTRA_CA_CERTS: certs.caFile, HTTPS_PROXY: proxy.url }, 'order');
      assert.deepEqual(outcome, { order: null });
      assert.deepEqual(api.requests.map((r) => `${r.method} ${r.path}`), ['POST /openapi/typeb/orders/cancelall']);
    });

    it('an order call refused by the certificate check was not sent: MSTOCK_NETWORK, and it says so', async function () {
      const outcome = await runClientInChild(`https://${API_HOST}`, { HTTPS_PROXY: proxy.url }, 'order');
      assert.equal(outcome.error && outcome.error.code, ErrorCode.NETWORK);
      assert.match(outcome.error.message, /the secure \(TLS\) connection failed.* The cancellation of all open orders was not sent to mStock\.$/);
      assert.equal(outcome.error.notSent, true);
      assert.equal(api.requests.length, 0);
    });
  });
});
