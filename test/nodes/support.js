'use strict';
// Shared set-up for the node tests: a real Node-RED runtime through node-red-node-test-helper,
// the embedded sandbox over real HTTP on loopback, and a recorder for everything the nodes say.
const helper = require('node-red-node-test-helper');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { closeAllSessions } = require('../../dist/src/nodered/session-registry');

helper.init(require.resolve('node-red'));

const nodeFiles = {
  config: require('../../dist/nodes/mstock-config.js'),
  login: require('../../dist/nodes/mstock-login.js'),
  otp: require('../../dist/nodes/mstock-otp.js'),
  funds: require('../../dist/nodes/mstock-funds.js'),
  logout: require('../../dist/nodes/mstock-logout.js'),
  session: require('../../dist/nodes/mstock-session.js'),
  portfolio: require('../../dist/nodes/mstock-portfolio.js'),
  orders: require('../../dist/nodes/mstock-orders.js'),
  request: require('../../dist/nodes/mstock-request.js'),
  instruments: require('../../dist/nodes/mstock-instruments.js'),
  candles: require('../../dist/nodes/mstock-candles.js'),
  quote: require('../../dist/nodes/mstock-quote.js'),
  order: require('../../dist/nodes/mstock-order.js'),
  ticks: require('../../dist/nodes/mstock-ticks.js'),
};
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const allNodes = [...Object.values(nodeFiles), catchNode];

/** Credentials for the sandbox account as the config node stores them. */
function sandboxCredentials(extra = {}) {
  return {
    c1: {
      apiKey: SANDBOX_ACCOUNT.apiKey,
      clientCode: SANDBOX_ACCOUNT.clientCode,
      password: SANDBOX_ACCOUNT.password,
      ...extra,
    },
  };
}

/**
 * A flow on one tab: the config node c1, one node of each flow type wired to helper node `out`,
 * a Catch node wired to `caught`, and the mstock-session node wired to `events`.
 */
function standardFlow(baseUrl, { configExtra = {}, otpMode = 'otp', fundsOutput = 'parsed', timeout = 2000 } = {}) {
  const z = 'tab1';
  return [
    { id: z, type: 'tab', label: 'mStock' },
    { id: 'c1', type: 'mstock-config', name: 'test account', baseUrl, timeout, ...configExtra },
    { id: 'login1', type: 'mstock-login', z, account: 'c1', wires: [['out']] },
    { id: 'otp1', type: 'mstock-otp', z, account: 'c1', mode: otpMode, wires: [['out']] },
    { id: 'funds1', type: 'mstock-funds', z, account: 'c1', output: fundsOutput, wires: [['out']] },
    { id: 'logout1', type: 'mstock-logout', z, account: 'c1', wires: [['out']] },
    { id: 'session1', type: 'mstock-session', z, account: 'c1', wires: [['events']] },
    { id: 'catch1', type: 'catch', z, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'out', type: 'helper', z },
    { id: 'caught', type: 'helper', z },
    { id: 'events', type: 'helper', z },
  ];
}

/**
 * The standard flow plus `portfolio1` (mstock-portfolio) and `orders1` (mstock-orders), both wired
 * to `out`; `portfolio` and `orders` set their properties.
 */
function portfolioAndOrdersFlow(baseUrl, { portfolio = {}, orders = {}, ...options } = {}) {
  const z = 'tab1';
  return [
    ...standardFlow(baseUrl, options),
    { id: 'portfolio1', type: 'mstock-portfolio', z, account: 'c1', view: 'positions', output: 'parsed', ...portfolio, wires: [['out']] },
    { id: 'orders1', type: 'mstock-orders', z, account: 'c1', view: 'orders', output: 'parsed', ...orders, wires: [['out']] },
  ];
}

/**
 * The standard flow plus nodes of one `type` wired to `out`: `nodes` maps each node id to its
 * properties, laid over `defaults`.
 */
function flowWith(type, defaults, baseUrl, nodes, options = {}) {
  const flow = standardFlow(baseUrl, options);
  for (const [id, props] of Object.entries(nodes)) {
    flow.push({ id, type, z: 'tab1', account: 'c1', ...defaults, ...props, wires: [['out']] });
  }
  return flow;
}

/** mstock-request nodes by id and properties (method, path, name), e.g. { req1: { method: 'GET', path: 'getoptionchainmaster/2' } }. */
const requestFlow = (baseUrl, requests, options) => flowWith('mstock-request', { method: 'GET', path: '' }, baseUrl, requests, options);

/** mstock-instruments nodes by id and properties (query, limit, name), e.g. { inst1: { limit: 5 } }. */
const instrumentsFlow = (baseUrl, nodes, options) => flowWith('mstock-instruments', { query: '', limit: 20 }, baseUrl, nodes, options);

/** mstock-quote nodes by id and properties (mode, instruments, name), e.g. { quote1: { mode: 'OHLC', instruments: 'NSE:SBIN-EQ' } }. */
const quoteFlow = (baseUrl, quotes, options) => flowWith('mstock-quote', { mode: 'LTP', instruments: '' }, baseUrl, quotes, options);

/** The standard flow plus `candles1` (mstock-candles) wired to `out`; `candles` sets its properties. */
const candlesFlow = (baseUrl, candles = {}, options) => flowWith('mstock-candles', { interval: 'msg' }, baseUrl, { candles1: candles }, options);

/**
 * mstock-order nodes by id and properties (action, name), e.g. { order1: { action: 'cancel' } };
 * `options.configExtra` sets the account's `orders` and `maxOrdersPerDay`.
 */
const orderFlow = (baseUrl, orders, options) => flowWith('mstock-order', { action: 'place' }, baseUrl, orders, options);

/**
 * mstock-ticks nodes by id and properties (mode, instruments, throttle, name), e.g.
 * { ticks1: { instruments: 'NSE:SBIN-EQ' } }; the account's feedUrl is the sandbox's own.
 */
const ticksFlow = (baseUrl, ticks, { configExtra = {}, ...options } = {}) =>
  flowWith('mstock-ticks', { mode: 'ltp', instruments: '', throttle: 0 }, baseUrl, ticks, {
    ...options,
    configExtra: { feedUrl: baseUrl.replace(/^http:/, 'ws:'), ...configExtra },
  });

/** Collects every message arriving at a helper node. */
function collect(node) {
  const seen = [];
  node.on('input', (msg) => seen.push(msg));
  return seen;
}

/** Resolves with the next message at a helper node, or rejects after `ms`. */
function nextMessage(node, ms = 4000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message at ${node.id} within ${ms} ms`)), ms);
    node.once('input', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** Waits until `check()` is truthy. */
async function until(check, ms = 4000, what = 'condition') {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Records every status, log line and error of the nodes with the given ids. */
function recordNodes(ids) {
  const record = { statuses: {}, logs: [] };
  for (const id of ids) {
    const node = helper.getNode(id);
    if (!node) continue;
    record.statuses[id] = [];
    const status = node.status.bind(node);
    node.status = (s) => {
      record.statuses[id].push(s);
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

const lastStatus = (id) => {
  const node = helper.getNode(id);
  return node && node.status.lastCall ? node.status.lastCall.args[0] : undefined;
};

/**
 * The status node `id` shows now: its own last status call. (The helper's spy is shared by every
 * node, so lastStatus is the newest status of any node.)
 */
const statusOf = (id) => {
  const node = helper.getNode(id);
  const calls = node ? node.status.getCalls().filter((call) => call.thisValue === node) : [];
  return calls.length > 0 ? calls[calls.length - 1].args[0] : undefined;
};

/** Sends `msg` to node `id`; resolves with what arrives at the helper node `out` within `ms`. */
async function send(id, msg = { payload: 'x' }, ms = 4000) {
  const out = nextMessage(helper.getNode('out'), ms);
  helper.getNode(id).receive(msg);
  return out;
}

/** Sends `msg` to node `id`; resolves with what the Catch node passes to `caught` within `ms`. */
async function failureOf(id, msg = { payload: 'x' }, ms = 4000) {
  const caught = nextMessage(helper.getNode('caught'), ms);
  helper.getNode(id).receive(msg);
  return caught;
}

/** Logs in and sends the OTP the sandbox printed; resolves with the OTP node's output. */
async function goLive(sandbox) {
  await send('login1');
  return send('otp1', { payload: sandbox.lastOtp });
}

/** The session token a recorded sandbox request carried. */
const bearerOf = (request) => (/^Bearer (.+)$/.exec(request.headers.authorization || '') || [])[1];

async function startSandbox(options = {}) {
  const sandbox = new Sandbox(options);
  const url = await sandbox.start();
  return { sandbox, url };
}

/**
 * The hooks of a node test suite: before each test a fresh sandbox (`options` for it, or a
 * function that makes them afresh for each test) and a Node-RED runtime, after it both gone.
 * `use(sandbox, url)` hands the test its sandbox.
 */
function sandboxPerTest(use, options = {}) {
  let current;
  beforeEach(async function () {
    const { sandbox, url } = await startSandbox(typeof options === 'function' ? options() : options);
    current = sandbox;
    use(sandbox, url);
    await helper.startServer();
  });
  afterEach(async function () {
    await cleanUp(current);
    await helper.stopServer();
  });
}

async function cleanUp(sandbox) {
  await helper.unload();
  closeAllSessions();
  if (sandbox) await sandbox.stop();
}

module.exports = {
  helper,
  allNodes,
  nodeFiles,
  catchNode,
  SANDBOX_ACCOUNT,
  sandboxCredentials,
  standardFlow,
  portfolioAndOrdersFlow,
  requestFlow,
  instrumentsFlow,
  candlesFlow,
  quoteFlow,
  orderFlow,
  ticksFlow,
  collect,
  nextMessage,
  until,
  recordNodes,
  lastStatus,
  statusOf,
  startSandbox,
  cleanUp,
  sandboxPerTest,
  send,
  failureOf,
  goLive,
  bearerOf,
};
