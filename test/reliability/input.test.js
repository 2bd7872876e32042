'use strict';
// Bad input. mstock-otp is the one node that reads the msg (its payload): every unusable payload
// ends in MSTOCK_INVALID_INPUT with nothing sent to the broker. The other nodes ignore the msg:
// hostile messages (wrong types, huge strings, __proto__/constructor keys, NaN/Infinity, and the
// msg.url/msg.headers/msg.method that Node-RED's http request node would honour) change nothing
// about what they send and nothing about Object.prototype. mstock-session has no input (inputs: 0,
// no input handler): no wire can bring it a message, so there is nothing to send it here; what it
// does guarantee, one message per real session change, is checked against the refused input below.
const assert = require('node:assert/strict');
const {
  helper, allNodes, SANDBOX_ACCOUNT, STATUS_TEXT, credentialsFor, flow, collect, sleep, until, lastStatus, prototypeClean,
  totalCalls,
  OTP,
  sandboxAndGuardPerTest,
} = require('./support');
const record = require('./record').section('input');

const MISSING = Symbol('no payload property');
const NO_MSG = Symbol('no msg at all');

/** Payloads mstock-otp must refuse: [label, value]. */
const BAD_CODES = [
  ['no msg at all', NO_MSG],
  ['msg without payload', MISSING],
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['false', false],
  ['0', 0],
  ['123 (3 digits)', 123],
  ['123456789 (9 digits)', 123456789],
  ['-123456', -123456],
  ['-0', -0],
  ['1234.5', 1234.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['1e21', 1e21],
  ['2^53 + 2 (unsafe integer)', 2 ** 53 + 2],
  ['BigInt 123456n', 123456n],
  ['"" (empty string)', ''],
  ['"   " (white space only)', '   '],
  ['"abcdef"', 'abcdef'],
  ['"12a456"', '12a456'],
  ['"12 3456" (inner space)', '12 3456'],
  ['"+123456"', '+123456'],
  ['"-123456"', '-123456'],
  ['"123456.0"', '123456.0'],
  ['"0x1E240" (hex)', '0x1E240'],
  ['"1e5"', '1e5'],
  ['"１２３４５６" (full-width digits)', '１２３４５６'],
  ['"١٢٣٤٥٦" (Arabic-Indic digits)', '١٢٣٤٥٦'],
  ['"123\\u200b456" (zero-width space)', '123\u200b456'],
  ['"123456\\u0000" (NUL)', '123456\u0000'],
  ['"123456789012" (12 digits)', '123456789012'],
  ['65 characters: 59 spaces + "123456"', `${' '.repeat(59)}123456`],
  ['huge string: 1,000,000 × "x"', 'x'.repeat(1_000_000)],
  ['huge string: 1,000,000 digits', '1'.repeat(1_000_000)],
  ['huge string: 10 MB', 'a'.repeat(10 * 1024 * 1024)],
  ['{} (empty object)', {}],
  ['[] (empty array)', []],
  ['["123456"]', ['123456']],
  ['{ otp: "123456" }', { otp: '123456' }],
  ['{ payload: "123456" }', { payload: '123456' }],
  ['new String("123456")', new String('123456')],
  ['new Number(123456)', new Number(123456)],
  ['Buffer "123456"', Buffer.from('123456')],
  ['Uint8Array', new Uint8Array([1, 2, 3, 4, 5, 6])],
  ['Date', new Date(123456)],
  ['object with toString() → "123456"', { toString: () => '123456' }],
  ['JSON.parse(\'{"__proto__":{"polluted":1}}\')', JSON.parse('{"__proto__":{"polluted":1}}')],
  ['JSON.parse(\'{"constructor":{"prototype":{"polluted":1}}}\')', JSON.parse('{"constructor":{"prototype":{"polluted":1}}}')],
  ['JSON.parse(\'{"__proto__":{"toString":"x","valueOf":"y"}}\')', JSON.parse('{"__proto__":{"toString":"x","valueOf":"y"}}')],
  ['object with 100,000 keys', Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))],
  ['array of 100,000 digits', Array(100_000).fill('1')],
  ['deeply nested object (depth 1,000)', Array.from({ length: 1000 }).reduce((inner) => ({ inner }), { otp: OTP })],
];

/** Payloads it must accept (the contract: white space around 4–8 digits, or a whole number). */
const GOOD_CODES = [
  ['" 123456 "', ' 123456 '],
  ['"\\t123456\\n"', '\t123456\n'],
  ['"\\u00a0123456\\u3000" (Unicode spaces)', '\u00a0123456\u3000'],
  ['123456 (a number)', 123456],
];

/** Hostile whole messages for the nodes that ignore the msg. */
function hostileMessages() {
  const list = [
    ['no msg at all', NO_MSG],
    ['msg without payload', {}],
    ...BAD_CODES.filter(([, v]) => typeof v !== 'symbol').map(([label, payload]) => [label, { payload }]),
    ['top-level __proto__ and constructor keys', JSON.parse('{"payload":"x","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')],
    ['msg.url / msg.method / msg.headers (what http request honours)', {
      payload: 'x',
      url: 'http://127.0.0.1:1/evil',
      method: 'DELETE',
      headers: { Authorization: 'Bearer evil', 'X-PrivateKey': 'evil', 'X-Evil': '1' },
      requestTimeout: 1,
      rejectUnauthorized: false,
    }],
    ['msg.account / msg.baseUrl / msg.timeout / msg.credentials', {
      payload: 'x', account: 'nope', baseUrl: 'http://127.0.0.1:1', timeout: 1, credentials: { apiKey: 'evil', password: 'evil' },
    }],
    ['msg.topic 1 MB, msg.error preset', { payload: 'x', topic: 't'.repeat(1024 * 1024), error: { code: 'FAKE', message: 'preset' } }],
    ['circular payload', (() => {
      const o = { a: 1 };
      o.self = o;
      return { payload: o };
    })()],
  ];
  return list;
}

/** What reached the sandbox, minus the parts that change each time (tokens, lengths). */
function shapeOf(req) {
  const headers = { ...req.headers };
  delete headers['content-length'];
  delete headers.host;
  delete headers.connection;
  if (headers.authorization) headers.authorization = headers.authorization.replace(/^Bearer .+$/, 'Bearer <session>');
  let body = req.body;
  if (body) {
    const json = JSON.parse(body);
    if (json.refreshToken) json.refreshToken = '<login token>';
    body = json;
  }
  return { endpoint: req.endpoint, method: req.method, path: req.path, headers, body };
}

describe('reliability: bad and hostile input', function () {
  this.timeout(60_000);
  let sandbox;
  let guard;
  let out;
  let caught;
  let events;
  let seq = 0;

  sandboxAndGuardPerTest((set) => ({ sandbox, guard } = set));

  async function boot(otpMode = 'otp') {
    await helper.load(allNodes, flow(sandbox.url, { otpMode }), { c1: credentialsFor(SANDBOX_ACCOUNT) });
    out = collect(helper.getNode('out'));
    caught = collect(helper.getNode('caught'));
    events = collect(helper.getNode('events'));
  }

  /** Sends `msg` (or nothing) to node `id`; resolves with its one outcome. */
  async function outcomeOf(id, msg, settle = 20) {
    const before = { out: out.length, caught: caught.length };
    seq += 1;
    const msgid = `input-${seq}`;
    let sent;
    if (msg === NO_MSG) {
      helper.getNode(id).receive();
    } else {
      sent = msg;
      // keep the hostile object itself (its own __proto__ key and all); only the id is ours
      Object.defineProperty(sent, '_msgid', { value: msgid, enumerable: true, writable: true, configurable: true });
      helper.getNode(id).receive(sent);
    }
    await until(() => out.length + caught.length > before.out + before.caught, 5000, `an outcome of ${id}`);
    await sleep(settle);
    const outs = out.slice(before.out);
    const errs = caught.slice(before.caught);
    assert.equal(outs.length + errs.length, 1, `exactly one outcome (outputs ${outs.length}, catches ${errs.length})`);
    if (sent) assert.equal((outs[0] ?? errs[0])._msgid, msgid);
    return outs.length ? { kind: 'out', msg: outs[0] } : { kind: 'caught', msg: errs[0] };
  }

  async function ok(id, payload) {
    const result = await outcomeOf(id, { payload }, 0);
    assert.equal(result.kind, 'out', result.msg.error && result.msg.error.message);
    return result.msg;
  }

  for (const mode of ['otp', 'totp']) {
    const label = `mstock-otp (${mode})`;
    it(`${label} refuses each of ${BAD_CODES.length} unusable payloads with MSTOCK_INVALID_INPUT, sends nothing, and the login still takes the right code`, async function () {
      await boot(mode);
      await ok('login1', 'go');
      const failures = [];
      for (const [what, payload] of BAD_CODES) {
        const calls = totalCalls(sandbox);
        const msg = payload === NO_MSG ? NO_MSG : payload === MISSING ? { kept: 1 } : { payload, kept: 1 };
        const result = await outcomeOf('otp1', msg, 5);
        const observed = result.kind === 'out' ? 'success' : result.msg.error.code;
        const sentNothing = totalCalls(sandbox) === calls;
        const clean = prototypeClean();
        const message = result.msg.error ? result.msg.error.message : '';
        const problems = [
          observed !== 'MSTOCK_INVALID_INPUT' && `observed ${observed}`,
          !sentNothing && 'a request was sent',
          !clean && 'Object.prototype polluted',
          !/^msg\.payload must be the 4 to 8 digit OTP, as a string or a number; got .+\. Nothing was sent to mStock\.$/s.test(message) && `message: ${message.slice(0, 200)}`,
          message.length >= 300 && `the message echoes the payload (${message.length} chars)`,
          msg !== NO_MSG && result.msg.kept !== 1 && 'not the msg sent',
          JSON.stringify(lastStatus('otp1')) !== JSON.stringify({ fill: 'red', shape: 'ring', text: STATUS_TEXT.MSTOCK_INVALID_INPUT }) && 'status not red "invalid input"',
          helper.getNode('c1').session.state !== 'otp-pending' && 'the login no longer waits',
        ].filter(Boolean);
        record.row({ fault: what, node: label, expected: 'MSTOCK_INVALID_INPUT', observed, pass: problems.length === 0, note: problems.join('; ') || undefined });
        if (problems.length) failures.push(`${what}: ${problems.join('; ')}`);
      }
      assert.deepEqual(failures, []);
      assert.equal(sandbox.calls.sessionToken ?? sandbox.calls.verifyTotp, undefined, 'no code reached the broker');
      const changes = () => events.map((m) => [m.payload.state, m.payload.previous, m.payload.reason]);
      assert.deepEqual(changes(), [['otp-pending', 'logged-out', 'login']], 'mstock-session reports no change for refused input');
      // and the right code still works with the same login
      const code = mode === 'totp' ? sandbox.currentTotp() : OTP;
      assert.equal((await ok('otp1', code)).payload.state, 'live');
      assert.deepEqual(changes(), [['otp-pending', 'logged-out', 'login'], ['live', 'otp-pending', mode]]);
      assert.equal(sandbox.calls.login, 1);
      assert.deepEqual(guard.seen, []);
    });
  }

  describe('mstock-otp accepts exactly the documented forms and sends the trimmed code', function () {
    for (const [what, payload] of GOOD_CODES) {
      it(`${what}`, async function () {
        await boot('otp');
        await ok('login1', 'go');
        const result = await outcomeOf('otp1', { payload });
        const observed = result.kind === 'out' ? 'success' : result.msg.error.code;
        record.row({ fault: `valid code ${what}`, node: 'mstock-otp (otp)', expected: 'success', observed });
        assert.equal(observed, 'success', result.msg.error && result.msg.error.message);
        const sent = sandbox.requests.filter((r) => r.endpoint === 'sessionToken').map((r) => JSON.parse(r.body).otp);
        assert.deepEqual(sent, [OTP]);
      });
    }
  });

  // The nodes that do not read the msg: each hostile msg gives the normal answer, the request
  // the broker sees is the same as for a plain msg, and the user's properties are kept.
  const IGNORING = [
    { label: 'mstock-login', node: 'login1', endpoint: 'login', prepare: async () => {}, check: (m) => m.payload.state === 'otp-sent' },
    {
      label: 'mstock-funds',
      node: 'funds1',
      endpoint: 'fundSummary',
      prepare: async (ctx) => {
        if (helper.getNode('c1').session.state !== 'live') {
          await ctx.ok('login1', 'go');
          await ctx.ok('otp1', OTP);
        }
      },
      check: (m) => Array.isArray(m.payload) && m.payload[0].seg === 'A',
    },
    {
      label: 'mstock-logout',
      node: 'logout1',
      endpoint: 'logout',
      prepare: async (ctx) => {
        await ctx.ok('login1', 'go');
        await ctx.ok('otp1', OTP);
      },
      check: (m) => m.payload.state === 'logged-out',
    },
  ];

  for (const target of IGNORING) {
    it(`${target.label} ignores ${hostileMessages().length} hostile messages: normal answer, same request, no pollution`, async function () {
      await boot('otp');
      const ctx = { ok };
      await target.prepare(ctx);
      // the request a plain msg makes
      await ok(target.node, 'plain');
      const baseline = shapeOf(sandbox.requests.filter((r) => r.endpoint === target.endpoint).at(-1));
      const failures = [];
      for (const [what, hostile] of hostileMessages()) {
        await target.prepare(ctx);
        const calls = sandbox.calls[target.endpoint];
        const msg = hostile === NO_MSG ? NO_MSG : hostile;
        const userKeys = hostile === NO_MSG ? [] : Object.keys(hostile).filter((key) => key !== 'payload' && key !== 'topic');
        const result = await outcomeOf(target.node, msg, 0);
        const observed = result.kind === 'out' ? 'success' : result.msg.error.code;
        const request = sandbox.requests.filter((r) => r.endpoint === target.endpoint).at(-1);
        const sameRequest = sandbox.calls[target.endpoint] === calls + 1 && JSON.stringify(shapeOf(request)) === JSON.stringify(baseline);
        const answered = result.kind === 'out' && target.check(result.msg) && result.msg.topic === `mstock/${target.endpoint === 'fundSummary' ? 'funds' : target.endpoint}`;
        const clean = prototypeClean();
        const pass = observed === 'success' && sameRequest && answered && clean;
        record.row({ fault: what, node: target.label, expected: 'success', observed, pass, note: pass ? undefined : `same request ${sameRequest}, answered ${answered}, prototype clean ${clean}` });
        if (!pass) failures.push(`${what}: observed ${observed}, same request ${sameRequest}, answered ${answered}, clean ${clean}`);
        // the user's own properties survive (only topic and payload are the node's)
        const lost = userKeys.filter((key) => !Object.prototype.hasOwnProperty.call(result.msg, key));
        if (lost.length) failures.push(`${what}: lost msg.${lost.join(', msg.')}`);
      }
      assert.deepEqual(failures, []);
      assert.equal(sandbox.requests.some((r) => r.headers['x-evil'] || /evil/.test(JSON.stringify(r.headers))), false, 'no msg header reached the broker');
      assert.deepEqual(guard.seen, []);
    });
  }
});
