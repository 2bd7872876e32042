'use strict';
// Property-based fuzzing with fast-check of the three pure parsers the nodes rely on, and of the
// client over real HTTP against a raw TCP server on 127.0.0.1 that answers arbitrary bytes.
//   - classifyResponse: any status code, body and content type → exactly the envelope of a success
//     answer, or the package's own MStockError with the code the answer stands for.
//   - parseFunds: any value → exactly the documented segments, or MStockError; no pollution.
//   - parseOtpCode: accepts exactly /^\s*\d{4,8}\s*$/ strings of at most 64 characters and safe
//     non-negative integers of 4–8 digits; everything else is MStockError MSTOCK_INVALID_INPUT.
//   - the client: for a well-formed HTTP answer, exactly what that answer documents; for any bytes,
//     a value of the documented shape or MStockError.
// Each property holds a model of the documented behaviour and compares what it gets back with it.
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
function check(name, node, property, runs = RUNS, examples = []) {
  let details;
  const seed = SEED ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  return Promise.resolve(fc.check(property, { numRuns: runs, seed, examples })).then((result) => {
    details = result;
    record.row({
      fault: name,
      node,
      expected: 'as documented',
      observed: result.failed ? `counterexample after ${result.numRuns} runs` : 'as documented',
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
const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value) => (typeof value === 'string' ? value : '');

// ---- models of the documented behaviour ---------------------------------------------------------

/**
 * What one answer stands for (api/FACTS.md, PRODUCT.md Errors): `{ envelope }` for a success, else
 * `{ codes, httpStatus, brokerCode, words }`: the codes the failure may carry, and what it must say.
 */
function documentedAnswer(endpoint, status, text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const isEnvelope = isPlainObject(parsed) && Object.prototype.hasOwnProperty.call(parsed, 'status');
  if (isEnvelope && isSuccess(parsed.status) && status >= 200 && status < 300) return { envelope: parsed };
  const trimmed = (value) => (typeof value === 'string' ? value.trim() : '');
  const brokerCode = isEnvelope ? trimmed(parsed.errorcode) || trimmed(parsed.error_type) : '';
  const failure = { httpStatus: status, brokerCode: brokerCode || undefined, words: isEnvelope ? trimmed(parsed.message) : '' };
  if (status === 429 || brokerCode === '429') return { ...failure, codes: [ErrorCode.RATE_LIMITED] };
  if (status === 401 || brokerCode === 'IA401') return { ...failure, codes: [ErrorCode.SESSION_EXPIRED] };
  if (!isEnvelope) return { ...failure, codes: [ErrorCode.BAD_RESPONSE] };
  if (status === 403 || brokerCode === 'IA403') return { ...failure, codes: [ErrorCode.API_KEY_INVALID] };
  const own = { login: ErrorCode.AUTH_FAILED, sessionToken: ErrorCode.OTP_REJECTED, verifyTotp: ErrorCode.OTP_REJECTED }[endpoint];
  return { ...failure, codes: [ErrorCode.API_KEY_INVALID, ErrorCode.SERVER_ERROR, ...(own ? [own] : [])] };
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

/** One fund value as PRODUCT.md documents it, or `refused` for a type the API never sends. */
function documentedFundValue(value) {
  if (value === null || value === undefined) return { value: null };
  if (typeof value === 'number') return { value: Number.isFinite(value) ? value : null };
  if (typeof value === 'boolean') return { value };
  if (typeof value !== 'string') return { refused: true };
  const text = value.trim();
  if (text === '' || text === 'None') return { value: null };
  if (NUMERIC.test(text) && Number.isFinite(Number(text))) return { value: Number(text) };
  return { value };
}

/** The segments parseFunds must answer for `data`, or `refused`. A later key that maps to the same name wins. */
function documentedFunds(data) {
  if (!Array.isArray(data)) return { refused: true };
  const segments = new Array(data.length);
  for (let i = 0; i < data.length; i += 1) {
    if (!(i in data)) continue; // a hole stays a hole
    if (!isPlainObject(data[i])) return { refused: true };
    const segment = {};
    for (const [key, raw] of Object.entries(data[i])) {
      const parsed = documentedFundValue(raw);
      if (parsed.refused) return { refused: true };
      // defined, not assigned: a key "__proto__" is data, never the prototype
      Object.defineProperty(segment, toLowerCamel(key), { value: parsed.value, enumerable: true, writable: true, configurable: true });
    }
    segments[i] = segment;
  }
  return { segments };
}

/** What a client call must give for a well-formed answer: `{ value }` or `{ refused: codes }`. */
function documentedCall(endpoint, status, text) {
  const answer = documentedAnswer(endpoint, status, text);
  if (!answer.envelope) return { refused: answer.codes, answer };
  const { data, message } = answer.envelope;
  const token = isPlainObject(data) && typeof data.jwtToken === 'string' && data.jwtToken !== '' ? data.jwtToken : undefined;
  switch (endpoint) {
    case 'logout':
      return { value: undefined };
    case 'fundSummary':
      return Array.isArray(data) && data.every(isPlainObject) ? { value: data } : { refused: [ErrorCode.BAD_RESPONSE] };
    case 'login':
      return token ? { value: { message: textOf(message).trim(), loginToken: token } } : { refused: [ErrorCode.BAD_RESPONSE] };
    default:
      if (!token) return { refused: [ErrorCode.BAD_RESPONSE] };
      return {
        value: {
          sessionToken: token,
          refreshToken: textOf(data.refreshToken),
          feedToken: textOf(data.feedToken),
          ...(typeof data.ClientName === 'string' ? { clientName: data.ClientName } : {}),
        },
      };
  }
}

/** Checks the shape every resolved call has, whatever bytes came. */
function assertDocumentedShape(endpoint, value) {
  const isText = (v) => typeof v === 'string';
  switch (endpoint) {
    case 'logout':
      assert.equal(value, undefined);
      break;
    case 'fundSummary':
      assert.ok(Array.isArray(value) && value.every(isPlainObject), 'an array of segment objects');
      break;
    case 'login':
      assert.deepEqual(Object.keys(value).sort(), ['loginToken', 'message']);
      assert.ok(isText(value.message) && isText(value.loginToken) && value.loginToken !== '', 'message and login token are text');
      break;
    default:
      assert.ok(Object.keys(value).every((k) => ['sessionToken', 'refreshToken', 'feedToken', 'clientName'].includes(k)), Object.keys(value).join());
      assert.ok(isText(value.sessionToken) && value.sessionToken !== '' && isText(value.refreshToken) && isText(value.feedToken), 'tokens are text');
      assert.ok(value.clientName === undefined || isText(value.clientName), 'clientName is text when given');
  }
}

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

/** Success answers with the data each call documents (or nearly), so the resolving paths are exercised too. */
const tokenData = fc.record(
  {
    jwtToken: fc.oneof(fc.string(), fc.constant(''), fc.integer()),
    refreshToken: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    feedToken: fc.oneof(fc.string(), fc.constant(null)),
    ClientName: fc.oneof(fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);
const successBody = fc
  .tuple(
    fc.constantFrom('true', '"true"', '" True "'),
    fc.oneof(fc.string(), fc.constantFrom('Please enter the OTP that we sent on XXXXXXX452', 'OTP sent; you typed fuzz-password', '  padded  ')),
    fc.oneof(tokenData.map((d) => JSON.stringify(d)), fundJson, fc.constantFrom('null', '[]', '{}', '[1]')),
  )
  .map(([status, message, data]) => `{"status":${status},"message":${JSON.stringify(message)},"errorcode":"","data":${data}}`);

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

  it(`classifyResponse: any status code, body and content type → the success envelope or the documented MStockError (${RUNS} runs)`, async function () {
    await check(
      'classifyResponse(endpoint, any status, any body, any content type)',
      'classify',
      fc.property(fc.constantFrom(...ENDPOINTS), httpStatus, body, contentType, (endpoint, status, text, type) => {
        const expected = documentedAnswer(endpoint, status, text);
        let result;
        try {
          result = classifyResponse(endpoint, status, text, type);
        } catch (err) {
          assertOwnError(err);
          assert.ok(!expected.envelope, `refused a success answer: ${err.message}`);
          assert.ok(expected.codes.includes(err.code), `${err.code}, documented ${expected.codes.join(' or ')}: ${err.message}`);
          assert.equal(err.httpStatus, expected.httpStatus);
          assert.equal(err.brokerCode, expected.brokerCode);
          if (expected.words) assert.ok(err.message.includes(expected.words), `the broker's words are kept: ${err.message}`);
          assert.match(err.message, /[.!?]$/, 'a whole sentence');
          return;
        }
        assert.ok(expected.envelope, `returned for an answer documented as ${expected.codes && expected.codes.join(' or ')}`);
        assert.deepEqual(result, expected.envelope);
      }),
    );
    assert.ok(prototypeClean());
  });

  /** parseFunds(data) against the model: the same segments, or the same refusal. */
  function assertParsedAsDocumented(data) {
    const expected = documentedFunds(data);
    let segments;
    try {
      segments = parseFunds(data);
    } catch (err) {
      assertOwnError(err);
      assert.equal(err.code, ErrorCode.BAD_RESPONSE);
      assert.ok(expected.refused, `refused data the API documents: ${err.message}`);
      return;
    }
    assert.ok(!expected.refused, 'accepted data the API does not document');
    for (const segment of segments) if (segment) assert.equal(Object.getPrototypeOf(segment), Object.prototype, 'a plain object, its prototype untouched');
    assert.deepEqual(segments, expected.segments);
  }

  it(`parseFunds: fc.anything() → the documented segments or MStockError (${RUNS} runs)`, async function () {
    // fc.anything() seldom makes an array of objects, and almost never a non-finite number: add
    // segments whose values are of every type
    const anyValue = fc.oneof(anything, fundValue, fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1.5), fc.boolean(), fc.constant(undefined));
    const segments = fc.array(fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.oneof(fundKey, fc.string()), anyValue, { maxKeys: 8 }) }, { weight: 1, arbitrary: anything }), { maxLength: 5 });
    await check('parseFunds(fc.anything())', 'funds parser', fc.property(fc.oneof(anything, fc.array(anything), segments), assertParsedAsDocumented));
    assert.ok(prototypeClean());
  });

  it(`parseFunds: fc.jsonValue() → the documented segments or MStockError (${RUNS} runs)`, async function () {
    await check(
      'parseFunds(fc.jsonValue())',
      'funds parser',
      fc.property(
        fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 12 }), { maxLength: 6 })),
        assertParsedAsDocumented,
      ),
    );
    assert.ok(prototypeClean());
  });

  it(`parseFunds: broker-shaped data (string/null values, __proto__/constructor keys) → never refused, values as documented (${RUNS} runs)`, async function () {
    await check(
      'parseFunds(broker-shaped JSON with hostile keys)',
      'funds parser',
      fc.property(fundJson, (text) => {
        const data = JSON.parse(text);
        assert.ok(!documentedFunds(data).refused, 'the model accepts broker-shaped data');
        assertParsedAsDocumented(data);
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
        // one answer per whole request (head and body), so no stray answer is left on a socket
        let pending = Buffer.alloc(0);
        socket.on('data', (chunk) => {
          pending = Buffer.concat([pending, chunk]);
          const headEnd = pending.indexOf('\r\n\r\n');
          if (headEnd === -1) return;
          const length = Number((/^content-length:\s*(\d+)/im.exec(pending.subarray(0, headEnd).toString('latin1')) ?? [])[1] ?? 0);
          if (pending.length < headEnd + 4 + length) return;
          pending = pending.subarray(headEnd + 4 + length);
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
    // a well-formed answer: its status and body are known, so what the call gives is too
    // (204 and 304 carry no body by HTTP's rules: left to the arbitrary arm)
    const wellFormedAnswer = (code, text) => ({
      code,
      text,
      bytes: `HTTP/1.1 ${code} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    });
    const wellFormed = fc
      .tuple(
        fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }).filter((c) => c !== 204 && c !== 304) }),
        fc.oneof({ weight: 1, arbitrary: body }, { weight: 3, arbitrary: successBody }),
      )
      .map(([code, text]) => wellFormedAnswer(code, text));
    // every run also starts with one documented success per call, so each resolving path is compared
    const success = (data) => JSON.stringify({ status: true, message: 'SUCCESS', errorcode: '', data });
    const examples = [
      ['login', wellFormedAnswer(200, JSON.stringify({ status: 'true', message: ' Please enter the OTP that we sent on XXXXXXX452 ', errorcode: '', data: { jwtToken: '3f2b8c1e-9a7d-4e6f-b5c4-0123456789ab' } })), 'end'],
      ['sessionToken', wellFormedAnswer(200, success({ jwtToken: 'aaa.bbb.ccc', refreshToken: 'refresh', feedToken: 'feed' })), 'end'],
      ['verifyTotp', wellFormedAnswer(200, success({ jwtToken: 'aaa.bbb.ccc', refreshToken: 'refresh', feedToken: 'feed', ClientName: 'FUZZ USER' })), 'end'],
      ['fundSummary', wellFormedAnswer(200, success([{ AVAILABLE_BALANCE: '1234.5', SEG: 'A' }, { SEG: 'C', OPT_BUY_PRIMIUM_UTILIZE: null }])), 'end'],
      ['logout', wellFormedAnswer(200, success(null)), 'end'],
    ];
    const response = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 100, max: 999 }), reason, headerLines, fc.oneof(body, successBody)).map(([code, why, lines, text]) => ({ bytes: `HTTP/1.1 ${code} ${why}\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}\r\n${text}` })) },
      { weight: 4, arbitrary: wellFormed },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => ({ bytes: Buffer.from(a) })) },
    );
    /** What each call sends, which its answer must never give back. */
    const SECRETS = {
      login: ['fuzz-api-key', 'fuzz-password'],
      sessionToken: ['fuzz-api-key', 'login-token'],
      verifyTotp: ['fuzz-api-key', 'login-token'],
      fundSummary: ['fuzz-api-key', 'session-token'],
      logout: ['fuzz-api-key', 'session-token'],
    };

    it(`any answer bytes → the documented value or MStockError; a well-formed answer → exactly what it documents (${HTTP_RUNS} runs)`, async function () {
      // the arbitrary answers need a short timeout (an answer may never end); a well-formed one
      // always ends, and gets a client of its own whose connections are never reused
      const quick = new MStockClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'fuzz-api-key', timeout: 150 });
      const patient = new MStockClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'fuzz-api-key', timeout: 5000 });
      let modelled = 0;
      let resolved = 0;
      try {
        await check(
          'MStockClient over HTTP: arbitrary status line, headers, body, raw bytes',
          'client',
          fc.asyncProperty(
            fc.constantFrom(...ENDPOINTS),
            response,
            fc.constantFrom('end', 'end', 'end', 'end', 'end', 'destroy', 'destroy', 'keep'),
            async (endpoint, answer, close) => {
              const exact = answer.code !== undefined;
              next = { bytes: answer.bytes, close: exact ? 'end' : close };
              const client = exact ? patient : quick;
              const call = {
                login: () => client.login('CLIENT', 'fuzz-password'),
                sessionToken: () => client.sessionToken('login-token', '123456'),
                verifyTotp: () => client.verifyTotp('login-token', '123456'),
                fundSummary: () => client.fundSummary('session-token'),
                logout: () => client.logout('session-token'),
              }[endpoint];
              // what the client reads: UTF-8 text without a byte order mark
              const expected = exact ? documentedCall(endpoint, answer.code, Buffer.from(answer.text).toString().replace(/^\uFEFF/, '')) : undefined;
              const secrets = SECRETS[endpoint];
              let value;
              let failure;
              try {
                value = await call();
              } catch (err) {
                failure = err;
              }
              if (failure) {
                assertOwnError(failure);
                for (const secret of secrets) assert.ok(!failure.message.includes(secret), `no secret in the message: ${failure.message}`);
                if (expected) {
                  assert.ok(expected.refused, `refused an answer that documents ${fc.stringify(expected.value)}: ${failure.message}`);
                  assert.ok(expected.refused.includes(failure.code), `${failure.code}, documented ${expected.refused.join(' or ')}: ${failure.message}`);
                }
              } else {
                resolved += 1;
                assertDocumentedShape(endpoint, value);
                if (endpoint === 'login') for (const secret of secrets) assert.ok(!value.message.includes(secret), `no secret in the login message: ${value.message}`);
                if (expected) {
                  assert.ok(!expected.refused, `resolved an answer documented as ${expected.refused && expected.refused.join(' or ')}`);
                  const forms = (secret) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
                  const quoted = endpoint === 'login' && [...secrets, expected.value.loginToken].some((secret) => secret.length >= 4 && forms(secret).some((form) => expected.value.message.includes(form)));
                  if (quoted) {
                    assert.equal(value.loginToken, expected.value.loginToken);
                    assert.match(value.message, /\[redacted\]/);
                  } else {
                    assert.deepEqual(value, expected.value);
                  }
                }
              }
              if (expected) modelled += 1;
            },
          ),
          HTTP_RUNS,
          examples,
        );
      } finally {
        quick.close();
        patient.close();
      }
      record.figures({ httpRunsCheckedAgainstTheModel: modelled, httpRunsResolved: resolved });
      assert.ok(modelled >= examples.length && resolved >= examples.length, `every example was checked against the model (${modelled}) and resolved (${resolved})`);
      assert.deepEqual(guard.seen, [], 'no unhandled rejection or uncaught exception');
    });
  });
});
