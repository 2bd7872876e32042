'use strict';
// Property-based fuzzing with fast-check of the three pure parsers the nodes rely on, and of the
// client over real HTTP against a raw TCP server on 127.0.0.1 that answers arbitrary bytes.
//   - classifyResponse: any status code, body and content type → an envelope whose status is a
//     success, or the package's own MStockError; nothing else.
//   - parseFunds: any value → segments of null/number/string/boolean, or MStockError; no pollution.
//   - parseOtpCode: accepts exactly /^\s*\d{4,8}\s*$/ strings of at most 64 characters and safe
//     non-negative integers of 4–8 digits; everything else is MStockError MSTOCK_INVALID_INPUT.
// Runs: MSTOCK_FUZZ_RUNS (default 5000) per pure property, MSTOCK_FUZZ_HTTP_RUNS (default 300)
// over HTTP; MSTOCK_FUZZ_SEED fixes the seed (a failure prints the seed and path to replay it).
const assert = require('node:assert/strict');
const net = require('node:net');
const fc = require('fast-check');
const { classifyResponse } = require('../../dist/src/api/classify');
const { parseFunds, toLowerCamel } = require('../../dist/src/api/funds');
const { parseOtpCode } = require('../../dist/src/api/otp-code');
const { MStockClient } = require('../../dist/src/api/client');
const { MStockError, ErrorCode } = require('../../dist/src/api/errors');
const { processGuard, prototypeClean } = require('./support');
const record = require('./record').section('fuzz');

const RUNS = Number(process.env.MSTOCK_FUZZ_RUNS || 5000);
const HTTP_RUNS = Number(process.env.MSTOCK_FUZZ_HTTP_RUNS || 300);
const SEED = process.env.MSTOCK_FUZZ_SEED === undefined ? undefined : Number(process.env.MSTOCK_FUZZ_SEED);
const CODES = new Set(Object.values(ErrorCode));
const ENDPOINTS = ['login', 'sessionToken', 'verifyTotp', 'fundSummary', 'logout'];

/** Runs a property, records its row (runs, failures) and rethrows a counterexample. */
function check(name, node, property, runs = RUNS) {
  let details;
  const seed = SEED ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  return Promise.resolve(fc.check(property, { numRuns: runs, seed })).then((result) => {
    details = result;
    record.row({
      fault: name,
      node,
      expected: 'only MStockError',
      observed: result.failed ? `counterexample after ${result.numRuns} runs` : 'only MStockError',
      count: result.numRuns,
      pass: !result.failed,
      note: result.failed ? `seed ${result.seed}, path ${result.counterexamplePath}` : `seed ${seed}`,
    });
    if (details.failed) {
      const shown = fc.stringify(details.counterexample).slice(0, 500);
      throw new Error(`${name}: counterexample ${shown} (seed ${details.seed}, path "${details.counterexamplePath}")\n${details.errorInstance && details.errorInstance.stack}`);
    }
    return details;
  });
}

/** Fails unless `err` is the package's own error with a contract code and a readable message. */
function assertOwnError(err) {
  if (!(err instanceof MStockError)) throw new Error(`threw something other than MStockError: ${err && err.stack ? err.stack : String(err)}`);
  assert.ok(CODES.has(err.code), `unknown code ${err.code}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
}

const isSuccess = (status) => status === true || (typeof status === 'string' && status.trim().toLowerCase() === 'true');

// ---- arbitraries ------------------------------------------------------------------------------

const anything = fc.anything({
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
});

const httpStatus = fc.oneof(
  fc.constantFrom(200, 201, 204, 299, 300, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504),
  fc.integer({ min: 100, max: 599 }),
  fc.integer(),
  fc.double(),
);

const statusField = fc.oneof(
  fc.constantFrom(true, 'true', 'True', 'TRUE', ' true ', '\ttrue\n', 'false', false, 'error', 'False', null, 1, 0, 'yes', 'truex', ''),
  fc.jsonValue(),
);
const brokerCode = fc.oneof(fc.constantFrom('', 'IA400', 'IA401', 'IA403', 'IA404', 'IA500', 'MA500', 'MA400', '400', '429', '500'), fc.string(), fc.jsonValue());
const envelope = fc.record(
  {
    status: statusField,
    message: fc.oneof(fc.string(), fc.constantFrom('API is suspended/expired for use.', 'Invalid username or password.', 'Please enter correct TOTP'), fc.jsonValue()),
    errorcode: brokerCode,
    error_type: brokerCode,
    data: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const protoEnvelope = fc.tuple(statusField, fc.jsonValue()).map(
  ([status, data]) => `{"__proto__":{"status":true},"constructor":{"prototype":{"polluted":1}},"status":${JSON.stringify(status) ?? 'null'},"data":${JSON.stringify(data) ?? 'null'}}`,
);
const body = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  envelope.map((e) => JSON.stringify(e)),
  protoEnvelope,
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '<html><body><h1>502 Bad Gateway</h1></body></html>', '{"status":true', 'null', '[]', '"true"', 'true'),
);
const contentType = fc.oneof(fc.constantFrom('', 'application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain'), fc.string(), fc.constant(undefined));

const KEY_WORDS = ['__proto__', 'constructor', 'prototype', '__PROTO__', 'CONSTRUCTOR', 'PROTOTYPE', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];
const fundKey = fc.oneof(fc.stringMatching(/^[A-Z0-9_]{1,24}$/), fc.constantFrom(...KEY_WORDS), fc.string());
const fundValue = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('', 'None', 'CAPITAL', 'A', ' 12 ', 'NaN', 'Infinity', '1e5', '-0', '.5', '5.', '+7', '299972678840.29', '9'.repeat(400)),
  fc.string(),
  fc.constant(null),
);
/** Fund data written as JSON text, so keys such as __proto__ are the broker's own keys, as JSON.parse makes them. */
const fundJson = fc
  .array(fc.array(fc.tuple(fundKey, fundValue), { maxLength: 12 }), { maxLength: 6 })
  .map((segments) => `[${segments.map((seg) => `{${seg.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`).join(',')}]`);

const spaces = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b', '\u0085', 'x'), maxLength: 40 });
const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 12 });
const otpInput = fc.oneof(
  anything,
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.stringMatching(/^\s*\d{4,8}\s*$/),
  fc.tuple(spaces, digits, spaces).map(([a, d, b]) => a + d + b),
  fc.tuple(fc.integer({ min: 0, max: 80 }), digits).map(([n, d]) => ' '.repeat(n) + d),
  fc.integer(),
  fc.nat({ max: 1_000_000_000 }),
  fc.double(),
  fc.bigInt(),
  fc.constantFrom(1234, 12345678, 999, 100000000, -1234, 0, -0, 1234.5, NaN, Infinity, Number.MAX_SAFE_INTEGER, 2 ** 53),
);

// ---- properties -------------------------------------------------------------------------------

describe('reliability: fuzzing with fast-check', function () {
  this.timeout(120_000);
  let guard;
  before(function () {
    guard = processGuard();
    guard.install();
  });
  after(function () {
    guard.remove();
    record.figures({ runsPerProperty: RUNS, httpRuns: HTTP_RUNS, seed: SEED ?? 'random per property (see the rows)' });
  });

  it(`classifyResponse: any status code, body and content type → a success envelope or MStockError (${RUNS} runs)`, async function () {
    await check(
      'classifyResponse(endpoint, any status, any body, any content type)',
      'classify',
      fc.property(fc.constantFrom(...ENDPOINTS), httpStatus, body, contentType, (endpoint, status, text, type) => {
        let result;
        try {
          result = classifyResponse(endpoint, status, text, type);
        } catch (err) {
          assertOwnError(err);
          assert.match(err.message, /[.!?]$/, 'a whole sentence');
          if (status === 429) assert.equal(err.code, ErrorCode.RATE_LIMITED);
          return;
        }
        assert.equal(typeof result, 'object');
        assert.ok(result !== null && !Array.isArray(result));
        assert.ok(Object.prototype.hasOwnProperty.call(result, 'status'), 'the envelope has its own status field');
        assert.ok(isSuccess(result.status), `returned with status ${JSON.stringify(result.status)}`);
        assert.ok(status >= 200 && status < 300, `returned for HTTP ${status}`);
      }),
    );
    assert.ok(prototypeClean());
  });

  it(`parseFunds: fc.anything() → segments or MStockError (${RUNS} runs)`, async function () {
    await check(
      'parseFunds(fc.anything())',
      'funds parser',
      fc.property(fc.oneof(anything, fc.array(anything)), (data) => {
        try {
          const segments = parseFunds(data);
          assert.ok(Array.isArray(segments));
        } catch (err) {
          assertOwnError(err);
          assert.equal(err.code, ErrorCode.BAD_RESPONSE);
        }
      }),
    );
    assert.ok(prototypeClean());
  });

  it(`parseFunds: fc.jsonValue() → segments or MStockError (${RUNS} runs)`, async function () {
    await check(
      'parseFunds(fc.jsonValue())',
      'funds parser',
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 12 }), { maxLength: 6 })), (data) => {
        try {
          parseFunds(data);
        } catch (err) {
          assertOwnError(err);
          assert.equal(err.code, ErrorCode.BAD_RESPONSE);
        }
      }),
    );
    assert.ok(prototypeClean());
  });

  it(`parseFunds: broker-shaped data (string/null values, __proto__/constructor keys) → never throws, values as documented (${RUNS} runs)`, async function () {
    const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
    const documented = (v) => {
      if (v === null) return null;
      const t = v.trim();
      if (t === '' || t === 'None') return null;
      if (NUMERIC.test(t) && Number.isFinite(Number(t))) return Number(t);
      return v;
    };
    await check(
      'parseFunds(broker-shaped JSON with hostile keys)',
      'funds parser',
      fc.property(fundJson, (text) => {
        const data = JSON.parse(text);
        const segments = parseFunds(data);
        assert.equal(segments.length, data.length);
        segments.forEach((segment, i) => {
          assert.equal(Object.getPrototypeOf(segment), Object.prototype, 'a plain object, its prototype untouched');
          const source = data[i];
          const mapped = Object.keys(source).map(toLowerCamel);
          const unique = new Set(mapped).size === mapped.length;
          for (const value of Object.values(segment)) {
            assert.ok(value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)), `value ${String(value)}`);
          }
          if (unique) {
            assert.deepEqual(Object.keys(segment).sort(), [...mapped].sort());
            for (const [key, value] of Object.entries(source)) {
              assert.ok(Object.is(Object.getOwnPropertyDescriptor(segment, toLowerCamel(key)).value, documented(value)) || documented(value) === segment[toLowerCamel(key)], `${key}: ${JSON.stringify(value)}`);
            }
          }
        });
        assert.ok(prototypeClean(), 'Object.prototype untouched');
      }),
    );
  });

  it(`parseOtpCode: accepts exactly /^\\s*\\d{4,8}\\s*$/ (≤ 64 chars) and safe integers of 4–8 digits (${RUNS} runs)`, async function () {
    const accepts = (x) =>
      (typeof x === 'string' && x.length <= 64 && /^\s*\d{4,8}\s*$/.test(x)) ||
      (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && /^\d{4,8}$/.test(String(x)));
    await check(
      'parseOtpCode(any value)',
      'OTP parser',
      fc.property(otpInput, (input) => {
        let code;
        let refused;
        try {
          code = parseOtpCode(input);
        } catch (err) {
          assertOwnError(err);
          assert.equal(err.code, ErrorCode.INVALID_INPUT);
          assert.ok(err.message.length < 300, 'the refusal does not echo a long input');
          refused = err;
        }
        assert.equal(!refused, accepts(input), `${fc.stringify(input).slice(0, 80)}: ${refused ? 'refused' : 'accepted'}`);
        if (!refused) {
          assert.equal(code, typeof input === 'string' ? input.trim() : String(input));
          assert.match(code, /^\d{4,8}$/);
        }
      }),
    );
  });

  describe('the client over real HTTP against a server answering arbitrary bytes', function () {
    let server;
    let port;
    let next;
    const sockets = new Set();

    before(async function () {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
        let seen = '';
        socket.on('data', (chunk) => {
          seen += chunk;
          if (!/\r\n\r\n/.test(seen)) return;
          const { bytes, close } = next;
          socket.write(bytes, () => {
            if (close === 'end') socket.end();
            else if (close === 'destroy') socket.destroy();
            // 'keep' leaves it open: the client's timeout decides
          });
        });
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = server.address().port;
    });

    after(async function () {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    const reason = fc.constantFrom('OK', 'Bad Gateway', '', 'x');
    const headerLines = fc.array(
      fc.oneof(
        fc.constantFrom('Content-Type: application/json', 'Content-Type: text/html', 'Transfer-Encoding: chunked', 'Connection: close', 'Content-Encoding: gzip', 'Location: http://127.0.0.1:1/'),
        fc.nat({ max: 5000 }).map((n) => `Content-Length: ${n}`),
        fc.string({ unit: 'binary-ascii', maxLength: 40 }),
      ),
      { maxLength: 4 },
    );
    const response = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 100, max: 999 }), reason, headerLines, body).map(([code, why, lines, text]) => `HTTP/1.1 ${code} ${why}\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}\r\n${text}`) },
      { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 200, max: 599 }), body).map(([code, text]) => `HTTP/1.1 ${code} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
    );

    it(`any answer bytes → the client rejects with MStockError or resolves as documented (${HTTP_RUNS} runs)`, async function () {
      const client = new MStockClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'fuzz-api-key', timeout: 150 });
      try {
        await check(
          'MStockClient over HTTP: arbitrary status line, headers, body, raw bytes',
          'client',
          fc.asyncProperty(
            fc.constantFrom('login', 'sessionToken', 'verifyTotp', 'fundSummary', 'logout'),
            response,
            fc.constantFrom('end', 'end', 'end', 'end', 'end', 'destroy', 'destroy', 'keep'),
            async (endpoint, bytes, close) => {
              next = { bytes, close };
              const call = {
                login: () => client.login('CLIENT', 'fuzz-password'),
                sessionToken: () => client.sessionToken('login-token', '123456'),
                verifyTotp: () => client.verifyTotp('login-token', '123456'),
                fundSummary: () => client.fundSummary('session-token'),
                logout: () => client.logout('session-token'),
              }[endpoint];
              try {
                await call();
              } catch (err) {
                assertOwnError(err);
                assert.doesNotMatch(err.message, /fuzz-api-key|fuzz-password|session-token|login-token/, 'no secret in the message');
              }
            },
          ),
          HTTP_RUNS,
        );
      } finally {
        client.close();
      }
      assert.deepEqual(guard.seen, [], 'no unhandled rejection or uncaught exception');
    });
  });
});
