'use strict';
// classifyResponse with literal bodies, as the broker sends them (see /work/shared/api/FACTS.md).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { classifyResponse, isSuccessStatus } = require('../../dist/src/api/classify');
const { ErrorCode } = require('../../dist/src/api/errors');
const { throwsWith } = require('./_helpers');

const body = (obj) => JSON.stringify(obj);
const API_SUSPENDED = 'API is suspended/expired for use. Please check your API subscription and try again.';

/** The vendor's verbatim mock answers (../shared beside the project, as CI has it). */
const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'shared', 'api', 'samples', 'vendor-python-sdk-mocks');

describe('classifyResponse', function () {
  describe('success spellings of status', function () {
    for (const status of ['true', true, 'True', 'TRUE', ' true ']) {
      it(`status ${JSON.stringify(status)} with HTTP 200 is a success and answers the envelope`, function () {
        const envelope = classifyResponse('fundSummary', 200, body({ status, message: 'SUCCESS', errorcode: '', data: [{ SEG: 'A' }] }));
        assert.equal(envelope.status, status);
        assert.deepEqual(envelope.data, [{ SEG: 'A' }]);
        assert.equal(isSuccessStatus(status), true);
      });
    }
  });

  describe('failure spellings of status (HTTP 200)', function () {
    for (const status of ['false', false, 'error', 'False', null, 'yes', 1, 'truex']) {
      it(`status ${JSON.stringify(status)} is a failure (MSTOCK_SERVER_ERROR on the fund summary)`, function () {
        const err = throwsWith(
          () => classifyResponse('fundSummary', 200, body({ status, message: 'Something went wrong. Please try again.', errorcode: 'MA500', data: null })),
          ErrorCode.SERVER_ERROR,
        );
        assert.equal(err.httpStatus, 200);
        assert.equal(err.brokerCode, 'MA500');
        assert.match(err.message, /Something went wrong\. Please try again\./);
        assert.equal(isSuccessStatus(status), false);
      });
    }

    it('a body with no status field at all is MSTOCK_BAD_RESPONSE', function () {
      const err = throwsWith(() => classifyResponse('fundSummary', 200, body({ message: 'SUCCESS', data: [] })), ErrorCode.BAD_RESPONSE);
      assert.equal(err.httpStatus, 200);
      assert.match(err.message, /"status"/);
    });
  });

  describe('the broker\'s error code', function () {
    it('comes from errorcode', function () {
      const err = throwsWith(
        () => classifyResponse('fundSummary', 200, body({ status: 'false', message: 'x.', errorcode: 'MA123', data: null })),
        ErrorCode.SERVER_ERROR,
      );
      assert.equal(err.brokerCode, 'MA123');
    });

    it('comes from error_type when errorcode is absent (wrong TOTP: HTTP 400, MA400)', function () {
      const err = throwsWith(
        () => classifyResponse('verifyTotp', 400, body({ status: 'error', message: 'Please enter correct TOTP', error_type: 'MA400', data: null })),
        ErrorCode.OTP_REJECTED,
      );
      assert.equal(err.brokerCode, 'MA400');
      assert.equal(err.httpStatus, 400);
      assert.match(err.message, /Please enter correct TOTP/);
    });

    it('errorcode wins over error_type; an empty errorcode falls back to error_type', function () {
      const both = throwsWith(
        () => classifyResponse('fundSummary', 200, body({ status: 'false', message: 'x.', errorcode: 'MA500', error_type: 'MA400' })),
        ErrorCode.SERVER_ERROR,
      );
      assert.equal(both.brokerCode, 'MA500');
      const empty = throwsWith(
        () => classifyResponse('fundSummary', 200, body({ status: 'false', message: 'x.', errorcode: '', error_type: 'MA400' })),
        ErrorCode.SERVER_ERROR,
      );
      assert.equal(empty.brokerCode, 'MA400');
    });

    it('is absent when the broker gave none (errorcode null or missing), while httpStatus is kept', function () {
      for (const extra of [{ errorcode: null }, {}, { errorcode: '' }]) {
        const err = throwsWith(
          () => classifyResponse('sessionToken', 403, body({ status: 'error', message: API_SUSPENDED, data: null, ...extra })),
          ErrorCode.API_KEY_INVALID,
        );
        assert.equal(err.brokerCode, undefined);
        assert.equal(err.httpStatus, 403);
      }
    });
  });

  describe('codes for the documented failures', function () {
    it('wrong password (HTTP 200, "false", MA500) → MSTOCK_AUTH_FAILED with the broker\'s words', function () {
      const err = throwsWith(
        () =>
          classifyResponse(
            'login',
            200,
            body({ status: 'false', message: 'Invalid username or password. 9 attempts remaining ', errorcode: 'MA500', data: null }),
          ),
        ErrorCode.AUTH_FAILED,
      );
      assert.match(err.message, /Invalid username or password\. 9 attempts remaining/);
    });

    it('empty credentials (HTTP 400, errorcode "400") → MSTOCK_AUTH_FAILED "Please provide valid clientcode and password"', function () {
      const err = throwsWith(
        () =>
          classifyResponse('login', 400, body({ status: 'false', message: 'Please provide valid clientcode and password.', errorcode: '400', data: null })),
        ErrorCode.AUTH_FAILED,
      );
      assert.match(err.message, /Please provide valid clientcode and password/);
      assert.equal(err.httpStatus, 400);
      assert.equal(err.brokerCode, '400');
    });

    it('expired OTP (HTTP 200, MA500) → MSTOCK_OTP_REJECTED', function () {
      const err = throwsWith(
        () =>
          classifyResponse(
            'sessionToken',
            200,
            body({ status: 'false', message: 'Entered OTP has been expired. Please regenerate a new one & enter the same.', errorcode: 'MA500', data: null }),
          ),
        ErrorCode.OTP_REJECTED,
      );
      assert.match(err.message, /Entered OTP has been expired/);
    });

    it('API key suspended → MSTOCK_API_KEY_INVALID on every endpoint, whatever HTTP status each uses', function () {
      const cases = [
        ['sessionToken', 403, { status: 'error', message: API_SUSPENDED, data: null }],
        ['verifyTotp', 403, { status: 'error', message: API_SUSPENDED, data: null }],
        ['fundSummary', 400, { status: 'error', message: API_SUSPENDED, data: null }],
        ['logout', 403, { status: 'false', message: API_SUSPENDED, errorcode: 'IA403', data: null }],
      ];
      for (const [endpoint, status, answer] of cases) {
        const err = throwsWith(() => classifyResponse(endpoint, status, body(answer)), ErrorCode.API_KEY_INVALID);
        assert.match(err.message, /API is suspended\/expired for use/, endpoint);
        assert.equal(err.httpStatus, status);
      }
    });

    it('HTTP 401 IA401 → MSTOCK_SESSION_EXPIRED; IA401 with HTTP 200 too', function () {
      const answer = { status: false, message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null };
      const err = throwsWith(() => classifyResponse('fundSummary', 401, body(answer)), ErrorCode.SESSION_EXPIRED);
      assert.equal(err.brokerCode, 'IA401');
      assert.match(err.message, /Invalid request\. Please try again\./);
      throwsWith(() => classifyResponse('logout', 200, body(answer)), ErrorCode.SESSION_EXPIRED);
    });

    it('HTTP 429 → MSTOCK_RATE_LIMITED, with a JSON body or an HTML one', function () {
      throwsWith(() => classifyResponse('fundSummary', 429, body({ status: 'false', message: 'Too many requests.', errorcode: '429' })), ErrorCode.RATE_LIMITED);
      const err = throwsWith(() => classifyResponse('login', 429, '<html>slow down</html>', 'text/html'), ErrorCode.RATE_LIMITED);
      assert.equal(err.httpStatus, 429);
    });

    it('HTTP 401 with a non-JSON body is still MSTOCK_SESSION_EXPIRED', function () {
      throwsWith(() => classifyResponse('fundSummary', 401, 'Unauthorized', 'text/plain'), ErrorCode.SESSION_EXPIRED);
    });

    it('a success body with HTTP 500 is a failure (MSTOCK_SERVER_ERROR), not a success', function () {
      const err = throwsWith(
        () => classifyResponse('fundSummary', 500, body({ status: true, message: 'SUCCESS', errorcode: '', data: [] })),
        ErrorCode.SERVER_ERROR,
      );
      assert.equal(err.httpStatus, 500);
    });

    it('HTTP 500 on login with a non-credential message → MSTOCK_SERVER_ERROR, not AUTH_FAILED', function () {
      throwsWith(
        () => classifyResponse('login', 500, body({ status: 'false', message: 'Something went wrong. Please try again.', errorcode: 'MA500' })),
        ErrorCode.SERVER_ERROR,
      );
    });
  });

  describe('answers that are not the documented JSON → MSTOCK_BAD_RESPONSE', function () {
    const cases = [
      ['a JSON array of two envelopes', '[{"status":"true"},{"status":"true"}]', ''],
      ['an empty JSON array', '[]', ''],
      ['a JSON number', '42', ''],
      ['a JSON string', '"true"', ''],
      ['JSON null', 'null', ''],
      ['truncated JSON', '{"status":true,"data":[{"SEG":"A"', 'application/json'],
      ['an empty body', '', 'application/json'],
      ['an HTML page', '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'],
    ];
    for (const [label, text, contentType] of cases) {
      it(`${label} with HTTP 200`, function () {
        const err = throwsWith(() => classifyResponse('fundSummary', 200, text, contentType), ErrorCode.BAD_RESPONSE);
        assert.equal(err.httpStatus, 200);
        assert.equal(err.brokerCode, undefined);
      });
    }

    it('says what came instead: an HTML page, an empty body, not valid JSON', function () {
      assert.match(throwsWith(() => classifyResponse('logout', 503, '<html>down</html>', 'text/html'), ErrorCode.BAD_RESPONSE).message, /HTTP 503 and an HTML page/);
      assert.match(throwsWith(() => classifyResponse('logout', 200, '   '), ErrorCode.BAD_RESPONSE).message, /an empty body/);
      assert.match(throwsWith(() => classifyResponse('logout', 200, '{"status":'), ErrorCode.BAD_RESPONSE).message, /not valid JSON/);
    });
  });

  describe('every documented variant of the envelope (FACTS-TRADING §1.3, §2.12)', function () {
    for (const status of [true, 'true', 'True', 'TRUE', 'success', 'Success']) {
      it(`status ${JSON.stringify(status)} is success`, function () {
        assert.deepEqual(classifyResponse('orderBook', 200, JSON.stringify({ status, data: null })).data, null);
      });
    }

    for (const status of [false, 'false', 'False', 'error', 'None', 1, null]) {
      it(`status ${JSON.stringify(status)} is a failure`, function () {
        throwsWith(() => classifyResponse('orderBook', 200, JSON.stringify({ status, message: 'no', errorcode: 'MA500', data: null })), ErrorCode.SERVER_ERROR);
      });
    }

    it('a list holding the one envelope is unwrapped, success and failure alike', function () {
      const placed = '[{"status":"success","data":{"order_id":"1111250206114"}}]';
      assert.deepEqual(classifyResponse('placeOrder', 200, placed).data, { order_id: '1111250206114' });
      const refused = '[{"status":"False","message":"something went wrong","errorcode":"MA500"}]';
      const err = throwsWith(() => classifyResponse('cancelAll', 200, refused), ErrorCode.ORDER_REJECTED);
      assert.match(err.message, /something went wrong \(|\(MA500\): something went wrong/);
    });

    it("an ASP.NET ProblemDetails 400 body gives the broker's words, field by field", function () {
      const text = fs.readFileSync(path.join(SAMPLES, 'calc_order_margin.json'), 'utf8');
      const err = throwsWith(() => classifyResponse('orderMargin', 400, text, 'application/problem+json'), ErrorCode.SERVER_ERROR);
      assert.equal(
        err.message,
        'mStock refused the margin request (HTTP 400): One or more validation errors occurred: orders: The orders field is required.',
      );
      assert.equal(err.httpStatus, 400);
    });
  });

  describe('messages are sentences', function () {
    const sentence = /[.!?]$/;

    it('the broker\'s text gets a full stop when it has none ("Please enter correct TOTP" → "…TOTP.")', function () {
      const err = throwsWith(
        () => classifyResponse('verifyTotp', 400, body({ status: 'error', message: 'Please enter correct TOTP', error_type: 'MA400' })),
        ErrorCode.OTP_REJECTED,
      );
      assert.match(err.message, /Please enter correct TOTP\./);
      assert.match(err.message, sentence);
    });

    it('messages of failures with advice and of non-JSON answers end as sentences', function () {
      const messages = [
        throwsWith(() => classifyResponse('verifyTotp', 400, body({ status: 'error', message: 'Please enter correct TOTP', error_type: 'MA400' })), ErrorCode.OTP_REJECTED).message,
        throwsWith(() => classifyResponse('fundSummary', 401, body({ status: false, message: 'Invalid request', errorcode: 'IA401' })), ErrorCode.SESSION_EXPIRED).message,
        throwsWith(() => classifyResponse('fundSummary', 400, body({ status: 'error', message: API_SUSPENDED })), ErrorCode.API_KEY_INVALID).message,
        throwsWith(() => classifyResponse('fundSummary', 429, body({ status: 'false', message: 'Too many requests', errorcode: '429' })), ErrorCode.RATE_LIMITED).message,
        throwsWith(() => classifyResponse('fundSummary', 502, '<html></html>', 'text/html'), ErrorCode.BAD_RESPONSE).message,
        throwsWith(() => classifyResponse('fundSummary', 200, ''), ErrorCode.BAD_RESPONSE).message,
      ];
      for (const message of messages) assert.match(message, sentence, message);
    });

    // Regression: when the code has no advice (AUTH_FAILED, SERVER_ERROR) and the broker gave a
    // code, the message ends with the bracketed code ("… 9 attempts remaining. [MA500]"), and with
    // no broker text it is "…: no reason given (HTTP 500) [MA500]", which is not a sentence at all.
    it('messages of failures without advice (AUTH_FAILED, SERVER_ERROR) also end as sentences', function () {
      const messages = [
        throwsWith(
          () => classifyResponse('login', 200, body({ status: 'false', message: 'Invalid username or password. 9 attempts remaining ', errorcode: 'MA500' })),
          ErrorCode.AUTH_FAILED,
        ).message,
        throwsWith(() => classifyResponse('fundSummary', 200, body({ status: 'False', message: 'Something went wrong. Please try again.', errorcode: 'MA500' })), ErrorCode.SERVER_ERROR).message,
        throwsWith(() => classifyResponse('fundSummary', 500, body({ status: 'false', errorcode: 'MA500' })), ErrorCode.SERVER_ERROR).message,
      ];
      const notSentences = messages.filter((m) => !sentence.test(m));
      assert.deepEqual(notSentences, [], 'these messages do not end as sentences');
    });

    it('a 404 IA404 on login is a server error (a wrong API URL), not a wrong password', function () {
      const err = throwsWith(
        () => classifyResponse('login', 404, body({ status: false, message: 'Resource not found.', errorcode: 'IA404', data: null })),
        ErrorCode.SERVER_ERROR,
      );
      assert.match(err.message, /\(IA404\): Resource not found\./);
    });

    it('with no broker message, the message says no reason was given and the HTTP status', function () {
      const err = throwsWith(() => classifyResponse('fundSummary', 500, body({ status: 'false', data: null })), ErrorCode.SERVER_ERROR);
      assert.match(err.message, /no reason given \(HTTP 500\)/);
    });
  });
});
