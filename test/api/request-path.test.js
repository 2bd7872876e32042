'use strict';
const assert = require('node:assert/strict');
const axios = require('axios');
const fc = require('fast-check');
const { requestTarget, requestMethod, TYPE_B_ROOT } = require('../../dist/src/api/request-path');
const { ENDPOINTS, findEndpoint } = require('../../dist/src/api/endpoints');
const { throwsWith } = require('./_helpers');

const ORDER_CALLS = ['placeOrder', 'modifyOrder', 'cancelOrder', 'cancelAll'];

/** The URL the client sends to: axios joins the path to the API URL and adds the query, then Node parses it. */
function sentUrl(base, target) {
  return new URL(axios.getUri({ baseURL: base, url: target.path, params: target.query }));
}

/** Every reading of a path a server may make: as sent, then percent-decoded again and again. */
function readings(pathname) {
  const seen = [pathname];
  for (let i = 0; i < 10; i++) {
    let next;
    try {
      next = decodeURIComponent(seen[seen.length - 1]);
    } catch {
      break;
    }
    if (next === seen[seen.length - 1]) break;
    seen.push(next);
  }
  return seen;
}

describe('requestTarget: a call by method and path stays under /openapi/typeb/', function () {
  describe('accepted', function () {
    it('"portfolio/holdings", "/portfolio/holdings" and "/openapi/typeb/portfolio/holdings" are the same call', function () {
      for (const path of ['portfolio/holdings', '/portfolio/holdings', '/openapi/typeb/portfolio/holdings', 'openapi/typeb/portfolio/holdings', '  portfolio/holdings ']) {
        assert.deepEqual({ ...requestTarget('GET', path) }, { method: 'GET', path: '/openapi/typeb/portfolio/holdings' }, path);
      }
    });

    it('the method in any case comes out in upper case', function () {
      for (const [given, method] of [['get', 'GET'], ['Post', 'POST'], [' put ', 'PUT'], ['DELETE', 'DELETE']]) {
        assert.equal(requestTarget(given, 'orders').method, method);
        assert.equal(requestMethod(given), method);
      }
    });

    it('a ?query is kept as the query, decoded; "?" alone is no query', function () {
      const target = requestTarget('GET', 'order/details?order_no=1181250130105&segment=E&name=a%20b');
      assert.equal(target.path, '/openapi/typeb/order/details');
      assert.deepEqual({ ...target.query }, { order_no: '1181250130105', segment: 'E', name: 'a b' });
      assert.equal(requestTarget('GET', 'orders?').query, undefined);
      const proto = requestTarget('GET', 'orders?__proto__=x').query;
      assert.equal(proto.__proto__, 'x', 'a name like any other');
      assert.equal({}.x, undefined);
    });

    it('the Part 2 reads, baskets and convert position pass as given, path parameters and case included', function () {
      for (const [method, path] of [
        ['GET', 'getoptionchainmaster/2'],
        ['GET', 'GetOptionChain/2/1432996200/22'],
        ['GET', 'instruments/quote'],
        ['POST', 'losergainer'],
        ['POST', 'margins/orders'],
        ['POST', 'CreateBasket'],
        ['DELETE', 'DeleteBasket'],
        ['POST', 'portfolio/convertposition'],
        ['GET', 'orders'],
        ['GET', 'orders/'],
        ['GET', 'user/fundsummary'],
        ['GET', "a-b_c.d~e/!$&'()*+,;=:@/x"],
        ['GET', 'GetOptionChain/NFO/25%20JAN%202024/22'],
      ]) {
        assert.deepEqual({ ...requestTarget(method, path) }, { method, path: `${TYPE_B_ROOT}${path}` }, `${method} ${path}`);
      }
    });
  });

  describe('refused with MSTOCK_INVALID_INPUT and a sentence, nothing sent', function () {
    const refused = [
      // not a path
      [undefined, /^The path must be text under \/openapi\/typeb\/ such as "portfolio\/holdings", but it was nothing\./],
      [42, /but it was a number/],
      [{ path: 'orders' }, /but it was a object/],
      ['', /^The path is empty/],
      ['   ', /^The path is empty/],
      ['/openapi/typeb/', /names no call under \/openapi\/typeb\//],
      ['/', /names no call/],
      ['x'.repeat(2001), /longer than 2000 characters/],
      // a scheme or a host
      ['https://evil.example/openapi/typeb/orders', /starts with a scheme \("https:"\)/],
      ['http://127.0.0.1:1/x', /starts with a scheme/],
      ['HTTP:orders', /starts with a scheme/],
      ['javascript:alert(1)', /starts with a scheme/],
      ['//evil.example/x', /starts with two slashes, which name another host/],
      ['\\\\evil.example\\x', /starts with two slashes/],
      ['/\\evil.example', /starts with two slashes/],
      // ".." and "." in any encoding
      ['..', /"\." or "\.\." segment/],
      ['../user/fundsummary', /"\." or "\.\." segment/],
      ['portfolio/../../x', /"\." or "\.\." segment/],
      ['/openapi/typeb/../typea/x', /"\." or "\.\." segment/],
      ['portfolio/./holdings', /"\." or "\.\." segment/],
      ['portfolio/..', /"\." or "\.\." segment/],
      ['%2e%2e/x', /"\." or "\.\." segment/],
      ['%2E%2E/x', /"\." or "\.\." segment/],
      ['%2E./x', /"\." or "\.\." segment/],
      ['.%2e/x', /"\." or "\.\." segment/],
      ['%252e%252e/x', /"\." or "\.\." segment/],
      ['%25252e%25252e/x', /"\." or "\.\." segment/],
      ['a%2f..%2fb', /"\." or "\.\." segment/],
      ['a/..;/b', /"\." or "\.\." segment/],
      ['a/.. /b', /character " "/],
      ['a/..%20/b', /"\." or "\.\." segment/],
      ['a/.../b', /"\." or "\.\." segment/],
      ['%c0%ae%c0%ae/x', /does not start a valid percent-encoded UTF-8 character/],
      ['%ef%bc%8e%ef%bc%8e/x', /not ASCII/],
      ['a%zz', /does not start a valid percent-encoded/],
      // backslash
      ['portfolio\\..\\x', /backslash/],
      ['a\\b', /backslash/],
      ['a%5cb', /backslash \(percent-encoded\)/],
      ['a%5Cb', /backslash/],
      ['a%255cb', /backslash/],
      // control characters, raw and encoded
      ['a\u0000b', /control character/],
      ['a\tb', /control character/],
      ['a\rb', /control character/],
      ['a\nb', /control character/],
      ['a\u007fb', /control character/],
      ['portfolio/holdings\n', /control character/],
      ['\tportfolio/holdings', /control character/],
      ['a%00b', /control character \(percent-encoded\)/],
      ['a%0d%0aX-Injected:%201', /control character/],
      ['a%1Fb', /control character/],
      ['a%7fb', /control character/],
      ['a%2500b', /control character/],
      ['orders?x=%0a', /control character \(percent-encoded\) in its query/],
      ['orders?x=\u0001', /control character/],
      // "//" and the rest
      ['portfolio//holdings', /empty segment \("\/\/"\)/],
      ['/openapi/typeb//x', /empty segment/],
      ['a%2f%2fevil.example', /empty segment/],
      ['%2fuser', /empty segment/],
      ['a#b', /fragment/],
      ['a b', /the character " "/],
      ['a<b', /the character "<"/],
      ['a/ä', /not ASCII|Type B paths are ASCII/],
      ['a%c3%a4', /not ASCII/],
      ['orders?a=1&a=2', /names "a" twice in its query/],
      [`%${'25'.repeat(9)}2e`, /more than 8 times over/],
    ];
    for (const [path, why] of refused) {
      it(`${JSON.stringify(path)?.slice(0, 50)}`, function () {
        const err = throwsWith(() => requestTarget('GET', path), 'MSTOCK_INVALID_INPUT');
        assert.match(err.message, why);
        assert.match(err.message, /Nothing was sent to mStock\.$/);
        assert.ok(err.message.length < 400, err.message);
      });
    }

    it('the method must be GET, POST, PUT or DELETE', function () {
      for (const method of ['PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'GET ME', '', undefined, null, 1, ['GET']]) {
        const err = throwsWith(() => requestTarget(method, 'orders'), 'MSTOCK_INVALID_INPUT');
        assert.match(err.message, /^The method must be one of "GET", "POST", "PUT", "DELETE", but it was .+\. Nothing was sent to mStock\.$/);
      }
    });

    it('says where the path came from', function () {
      const err = throwsWith(() => requestTarget('GET', '../x', 'msg.path'), 'MSTOCK_INVALID_INPUT');
      assert.match(err.message, /^msg\.path "\.\.\/x" has a "\." or "\.\." segment/);
    });
  });

  describe('orders are real money: the order calls are refused', function () {
    const orderPaths = (name) => {
      const path = ENDPOINTS[name].path.replace(`${TYPE_B_ROOT}`, '').replace('{orderid}', '1181250130106');
      return [path, path.toUpperCase(), `/${path}`, `${TYPE_B_ROOT}${path}`, `${path}/`, `${path}.`, `${path};jsessionid=1`, `${path}%20`,
        path.replace('orders', 'ord%65rs'), path.replace('orders', 'ord%2565rs'), path.replace('/', '%2f'), `${path}?variety=NORMAL`];
    };
    for (const name of ORDER_CALLS) {
      it(`${name} (${ENDPOINTS[name].method} ${ENDPOINTS[name].path}), in any spelling and with any method`, function () {
        for (const path of orderPaths(name)) {
          for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
            const err = throwsWith(() => requestTarget(method, path), 'MSTOCK_INVALID_INPUT');
            assert.match(err.message, /places, modifies or cancels orders/, `${method} ${path}: ${err.message}`);
            assert.match(err.message, /orders are real money\. Use the mStock order node, which sends orders only while the account node allows orders from flows\. Nothing was sent to mStock\.$/);
          }
        }
      });
    }

    it('every row of the table that sends an order is among them, and convert position is not', function () {
      const orderRows = Object.entries(ENDPOINTS).filter(([, spec]) => spec.failure === 'order').map(([name]) => name);
      assert.deepEqual(orderRows.filter((name) => !ORDER_CALLS.includes(name)), ['convertPosition']);
      assert.equal(requestTarget('POST', 'portfolio/convertposition').path, '/openapi/typeb/portfolio/convertposition');
      // the order book and an order's details are reads
      assert.equal(requestTarget('GET', 'orders').path, '/openapi/typeb/orders');
      assert.equal(requestTarget('GET', 'order/details').path, '/openapi/typeb/order/details');
    });
  });

  describe('properties (fast-check)', function () {
    const BASES = ['http://127.0.0.1:8729', 'https://api.mstock.trade', 'https://gateway.example/mstock'];
    const pieces = fc.constantFrom(
      '/', '//', '\\', '.', '..', '...', '%2e', '%2E', '%2e%2e', '%252e', '%25', '%2f', '%2F', '%5c', '%5C', '%255c', '%00', '%0a', '%1f', '%7f', '%c0%ae',
      '%ef%bc%8e', ';', ';x=1', '?', '#', '&', '=', ':', '@', ' ', '\t', '\u0000', 'http:', 'https://', 'evil.example', 'openapi', 'typeb', '/openapi/typeb/',
      'orders', 'regular', 'cancelall', 'portfolio', 'holdings', '123', 'a', 'A', 'ä', '%', '%2', '~', '-', '_',
    );
    const hostile = fc.oneof(
      fc.array(pieces, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.webUrl(),
      fc.webPath(),
    );
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE');

    it('no accepted path, joined to the API URL as the client joins it, resolves outside /openapi/typeb/ or to an order call', function () {
      fc.assert(
        fc.property(method, hostile, fc.constantFrom(...BASES), (verb, path, base) => {
          let target;
          try {
            target = requestTarget(verb, path);
          } catch (err) {
            return err.code === 'MSTOCK_INVALID_INPUT';
          }
          const root = new URL(base).pathname.replace(/\/$/, '') + TYPE_B_ROOT;
          const sent = sentUrl(base, target);
          assert.equal(sent.origin, new URL(base).origin, `${path} → ${sent.href}`);
          assert.ok(sent.pathname.startsWith(root), `${path} → ${sent.href}`);
          assert.equal(sent.hash, '');
          // as the brief for the node says it: the path against the API URL
          const resolved = new URL(target.path, base);
          assert.equal(resolved.origin, new URL(base).origin);
          assert.ok(resolved.pathname.startsWith(TYPE_B_ROOT), `${path} → ${resolved.href}`);
          // a server that decodes again (once or many times) stays inside too, and never sees an order call
          for (const reading of readings(sent.pathname)) {
            // eslint-disable-next-line no-control-regex -- finding them is the point
            assert.ok(!/[\\\u0000-\u001f\u007f]/.test(reading), `${path}: ${JSON.stringify(reading)}`);
            assert.ok(!reading.slice(1).split('/').slice(0, -1).includes(''), `${path}: "//" in ${reading}`);
            assert.ok(!reading.split('/').some((s) => s !== '' && /^[.\s]*$/.test(s.split(';')[0])), `${path}: dot segment in ${reading}`);
            const under = reading.slice(root.length - TYPE_B_ROOT.length);
            const row = findEndpoint(verb, under.replace(/\/+$/, ''));
            assert.ok(!row || !ORDER_CALLS.includes(row.name), `${path}: ${row && row.name}`);
          }
          return true;
        }),
        { numRuns: 20_000 },
      );
    });

    it('a path of plain segments is accepted, sent exactly as given under the root', function () {
      const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
      fc.assert(
        fc.property(method, fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '/', '/openapi/typeb/'), (verb, segments, prefix) => {
          const path = segments.join('/');
          const row = findEndpoint(verb, `${TYPE_B_ROOT}${path}`);
          fc.pre(!row || !ORDER_CALLS.includes(row.name));
          const target = requestTarget(verb, prefix + path);
          assert.equal(target.path, TYPE_B_ROOT + path);
          assert.equal(sentUrl('http://127.0.0.1:8729', target).pathname, TYPE_B_ROOT + path);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
