'use strict';
// Shared by the reliability tests: a real Node-RED runtime through node-red-node-test-helper, the
// embedded sandbox over real HTTP on 127.0.0.1, recorders for what the nodes say, and guards that
// catch unhandled rejections and prototype pollution.
const { Sandbox } = require('../../dist/src/sandbox/server');
const { closeAllSessions } = require('../../dist/src/nodered/session-registry');
const { helper, allNodes, SANDBOX_ACCOUNT, collect, nextMessage, until, lastStatus, startSandbox, cleanUp } = require('../nodes/support');

/** The short status text each code shows (the product contract's glance words). */
const STATUS_TEXT = {
  MSTOCK_NO_CREDENTIALS: 'no credentials',
  MSTOCK_INVALID_INPUT: 'invalid input',
  MSTOCK_NO_PENDING_LOGIN: 'no login waiting',
  MSTOCK_NOT_LOGGED_IN: 'not logged in',
  MSTOCK_SESSION_EXPIRED: 'session expired',
  MSTOCK_AUTH_FAILED: 'login refused',
  MSTOCK_OTP_REJECTED: 'OTP rejected',
  MSTOCK_API_KEY_INVALID: 'API key refused',
  MSTOCK_RATE_LIMITED: 'rate limited',
  MSTOCK_TIMEOUT: 'timed out',
  MSTOCK_NETWORK: 'network error',
  MSTOCK_BAD_RESPONSE: 'bad response',
  MSTOCK_SERVER_ERROR: 'server error',
  MSTOCK_ORDERS_DISABLED: 'orders off',
  MSTOCK_ORDER_REJECTED: 'order rejected',
  MSTOCK_ORDER_UNCERTAIN: 'order outcome unknown',
};

function credentialsFor(account, extra = {}) {
  return { apiKey: account.apiKey, clientCode: account.clientCode, password: account.password, ...extra };
}

/**
 * One tab: config c1 (the sandbox), one node of each type wired to helper `out`, a Catch to
 * `caught`, mstock-session to `events`. `extra` nodes are appended (given z).
 */
function flow(baseUrl, { timeout = 2000, otpMode = 'otp', configExtra = {}, extra = [] } = {}) {
  const z = 'tab1';
  return [
    { id: z, type: 'tab', label: 'reliability' },
    { id: 'c1', type: 'mstock-config', name: 'sandbox', baseUrl, timeout, ...configExtra },
    { id: 'login1', type: 'mstock-login', z, account: 'c1', wires: [['out']] },
    { id: 'otp1', type: 'mstock-otp', z, account: 'c1', mode: otpMode, wires: [['out']] },
    { id: 'funds1', type: 'mstock-funds', z, account: 'c1', output: 'parsed', wires: [['out']] },
    { id: 'logout1', type: 'mstock-logout', z, account: 'c1', wires: [['out']] },
    { id: 'session1', type: 'mstock-session', z, account: 'c1', wires: [['events']] },
    { id: 'catch1', type: 'catch', z, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'out', type: 'helper', z },
    { id: 'caught', type: 'helper', z },
    { id: 'events', type: 'helper', z },
    ...extra.map((n) => (n.type === 'mstock-config' ? n : { z, ...n })),
  ];
}



const sleep = (ms) => new Promise((r) => setTimeout(r, ms));



/** Records every status, log line and error of the given nodes (wrapping their instance methods). */
function recordNodes(ids) {
  const record = { statuses: [], logs: [] };
  for (const id of ids) {
    const node = helper.getNode(id);
    if (!node) continue;
    const status = node.status.bind(node);
    node.status = (s) => {
      record.statuses.push({ id, status: s });
      return status(s);
    };
    for (const level of ['log', 'warn', 'error', 'debug', 'trace']) {
      const original = node[level].bind(node);
      node[level] = (...args) => {
        record.logs.push({ id, level, args });
        return original(...args);
      };
    }
  }
  return record;
}

/** Counts unhandled rejections and uncaught exceptions while installed. */
function processGuard() {
  const seen = [];
  const onRejection = (reason) => seen.push({ kind: 'unhandledRejection', reason: String(reason && reason.stack ? reason.stack : reason) });
  const onException = (err) => seen.push({ kind: 'uncaughtException', reason: String(err && err.stack ? err.stack : err) });
  return {
    seen,
    install() {
      process.on('unhandledRejection', onRejection);
      process.on('uncaughtException', onException);
    },
    remove() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

function prototypeClean() {
  const probe = {};
  return (
    probe.polluted === undefined &&
    !Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted') &&
    !Object.prototype.hasOwnProperty.call(Array.prototype, 'polluted') &&
    Object.getPrototypeOf(probe) === Object.prototype
  );
}

/** The OTP of every sandbox the reliability suites start. */
const OTP = '123456';

/**
 * The hooks of a reliability suite: one Node-RED runtime for the file and, before each test, a
 * guard counting unhandled rejections and uncaught exceptions and a fresh sandbox; after it, both
 * gone. `use({ sandbox, options, guard })` hands the test its sandbox, the options it was made with
 * (a test that stops it may set `options.port` to start it again on the same port) and the guard.
 */
function sandboxAndGuardPerTest(use) {
  let current;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async function () {
    const guard = processGuard();
    guard.install();
    const options = { fixedOtp: OTP };
    const sandbox = new Sandbox(options);
    await sandbox.start();
    current = { sandbox, guard };
    use({ sandbox, options, guard });
  });
  afterEach(async function () {
    current.guard.remove();
    await cleanUp(current.sandbox);
  });
}

const totalCalls = (sandbox) => Object.values(sandbox.calls).reduce((a, b) => a + b, 0);



module.exports = {
  helper,
  allNodes,
  Sandbox,
  SANDBOX_ACCOUNT,
  STATUS_TEXT,
  credentialsFor,
  flow,
  collect,
  nextMessage,
  sleep,
  until,
  lastStatus,
  recordNodes,
  processGuard,
  prototypeClean,
  totalCalls,
  startSandbox,
  cleanUp,
  OTP,
  sandboxAndGuardPerTest,
  closeAllSessions,
};
