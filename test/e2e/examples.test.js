'use strict';
/* global window, document, getComputedStyle, RED, $ -- inside page.evaluate / waitForFunction, which run in the browser */
// Examples 02–13 end to end: each is taken from Node-RED's own example library (the packed tarball
// installed in a real Node-RED), pointed at the sandbox, a real MQTT broker (aedes), a real SMTP
// server (smtp-server) or the file system, and judged by what arrives there (orders: the sandbox's
// paper account). Examples 02, 08, 09, 11 and 13 are driven in a real Chromium through the FlowFuse
// Dashboard pages themselves.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { Aedes } = require('aedes');
const { SMTPServer } = require('smtp-server');
const { NodeRed, FLAVOURS, installedTemplate, onTab, readExample, sleep } = require('./harness');
const { hasChromium, launchChromium, watchPage, assertText, assertRows, dashboardWidgets, portfolioWidgets, watchlistWidgets, orderTicketWidgets, livePricesWidgets } = require('./browser');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { ErrorCode } = require('../../dist/src/api/errors');
const { InstrumentMaster } = require('../../dist/src/api/instruments');

const MODULE = require('../../package.json').name;

const EX = {
  dashboard: '02 OTP entry on a dashboard',
  mqtt: '03 Scheduled funds to MQTT',
  email: '04 Funds alert by e-mail',
  schedule: '05 Log in before open, log out after close',
  portfolio: '06 Portfolio and order book',
  request: '07 Option chain master by mstock-request',
  portfolioPage: '08 Portfolio dashboard',
  watchlist: '09 Watch list dashboard',
  candlesFile: '10 A year of daily candles to a CSV file',
  orderTicket: '11 Order ticket dashboard',
  squareOff: '12 Square off at 15:15',
  livePrices: '13 Live prices dashboard',
};
const WEEKDAYS = '1,2,3,4,5';
const WAIT = 10_000; // generous: these machines are often busy

// The core nodes, node-red-node-email, FlowFuse Dashboard 2.0 and ours: nothing else may appear.
const CORE = ['comment', 'inject', 'debug', 'function', 'change', 'switch', 'catch', 'split', 'join', 'csv', 'file', 'mqtt out', 'mqtt-broker'];
const ALLOWED = (type) => CORE.includes(type) || type === 'e-mail' || /^ui-/.test(type) || /^mstock-/.test(type);
const CONFIG_TYPES = /^(mstock-config|mqtt-broker|ui-base|ui-page|ui-theme|ui-group)$/;
const SHARED_WITH_02 = /^(mstock-config|ui-base|ui-theme)$/;
/** The dashboard pages beside 02's, on its account and ui-base. */
const BESIDE_02 = [EX.portfolioPage, EX.watchlist, EX.orderTicket, EX.livePrices];

/** `mqtt` comes with Node-RED's core nodes (its MQTT nodes use it); take it from there. */
function mqttClient() {
  return require(require.resolve('mqtt', { paths: [path.dirname(require.resolve('@node-red/nodes/package.json'))] }));
}

/** Resolves when `check()` (or what it resolves with) is truthy; polls. */
async function until(check, ms, what) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

/** Decodes RFC 2047 words and a quoted-printable or base64 body: enough for the e-mails nodemailer writes. */
function decodeMail(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const words = (text) =>
    text
      .replace(/\?=\s+=\?/g, '?==?') // white space between two encoded words is not text
      .replace(/=\?utf-8\?([qb])\?([^?]*)\?=/gi, (_, enc, data) =>
        enc.toLowerCase() === 'b' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')));
  const qp = (text) => {
    const bytes = [];
    const soft = text.replace(/=\r?\n/g, '');
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  };
  let body = raw.slice(split + 4);
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
  if (cte === 'quoted-printable') body = qp(body);
  if (cte === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
  return { subject: words(headers.subject || ''), contentType: headers['content-type'], body };
}

const digits = (text) => String(text).replace(/[^\d.]/g, '');

/** Waits until an input's value is `expected`; fails with what it held. */
async function assertValue(input, expected) {
  const started = Date.now();
  let last;
  while (Date.now() - started < WAIT) {
    last = await input.inputValue().catch(() => null);
    if (last === expected) return;
    await sleep(50);
  }
  assert.equal(last, expected);
}

describe('the examples as files', function () {
  const all = Object.values(EX).map((name) => ({ name, nodes: readExample(`${name}.json`) }));

  it('are bare arrays of nodes with 16-hex-digit ids, unique across every example (but 08\'s and 09\'s copies of 02\'s account and dashboard), and no tab', function () {
    const seen = new Set(readExample('01 Log in and read funds.json').map((n) => n.id));
    const dashboard = readExample(`${EX.dashboard}.json`);
    for (const { name, nodes } of all) {
      assert.ok(Array.isArray(nodes), name);
      for (const node of nodes) {
        assert.match(node.id, /^[0-9a-f]{16}$/, `${name}: id ${node.id}`);
        // the same ids make one account and one dashboard when both examples are imported
        if (BESIDE_02.includes(name) && SHARED_WITH_02.test(node.type)) {
          assert.deepEqual(node, dashboard.find((n) => n.id === node.id), `${name}: ${node.type} is not 02's`);
          continue;
        }
        assert.ok(!seen.has(node.id), `${name}: id ${node.id} used twice`);
        seen.add(node.id);
        assert.notEqual(node.type, 'tab', name);
        assert.equal(node.z, undefined, `${name}: ${node.type} has a z`);
      }
    }
  });

  it('use only core nodes, node-red-node-email, Dashboard 2.0 and ours, wired to nodes that exist, placed tidily', function () {
    for (const { name, nodes } of all) {
      const ids = new Set(nodes.map((n) => n.id));
      for (const node of nodes) {
        assert.ok(ALLOWED(node.type), `${name}: ${node.type} is not allowed`);
        for (const port of node.wires || []) for (const target of port) assert.ok(ids.has(target), `${name}: ${node.id} wires to ${target}`);
        for (const ref of ['account', 'broker', 'group', 'page', 'ui', 'theme']) {
          if (ref === 'broker' && node.type === 'mqtt-broker') continue; // there it is the host name
          if (typeof node[ref] === 'string' && node[ref] !== '') assert.ok(ids.has(node[ref]), `${name}: ${node.type}.${ref} → ${node[ref]}`);
        }
        if (!CONFIG_TYPES.test(node.type)) {
          assert.ok(Number.isInteger(node.x) && Number.isInteger(node.y) && node.x >= 100 && node.y >= 40, `${name}: ${node.type} ${node.name} at ${node.x},${node.y}`);
          assert.equal(node.x % 10, 0, `${name}: ${node.type} ${node.name} x`);
          assert.equal(node.y % 20, 0, `${name}: ${node.type} ${node.name} y`);
        }
        if (/^mstock-/.test(node.type) && node.type !== 'mstock-config') assert.ok(node.account, `${name}: ${node.type} has no account`);
      }
      const comments = nodes.filter((n) => n.type === 'comment');
      assert.equal(comments.length, 1, name);
      assert.ok(comments[0].info.length > 300, `${name}: the comment explains too little`);
    }
  });

  it('each has one "mStock account" on https://api.mstock.trade and wss://ws.mstock.trade, with no credentials or secret anywhere', function () {
    for (const { name, nodes } of all) {
      const configs = nodes.filter((n) => n.type === 'mstock-config');
      assert.equal(configs.length, 1, name);
      assert.equal(configs[0].name, 'mStock account');
      assert.equal(configs[0].baseUrl, 'https://api.mstock.trade');
      assert.equal(configs[0].feedUrl, 'wss://ws.mstock.trade');
      const text = JSON.stringify(nodes);
      assert.ok(!/"credentials"/.test(text), `${name} carries credentials`);
      for (const secret of Object.values(SANDBOX_ACCOUNT)) assert.ok(!text.includes(secret), `${name} carries a sandbox secret`);
    }
  });

  it('schedule with crontabs the inject dialog shows as Mon–Fri, and say which time zone they run on (12 squares off at 15:15); 09 ticks every 5 s and checks the hours in India time itself', function () {
    const injects = (name) => readExample(`${name}.json`).filter((n) => n.type === 'inject');
    for (const name of [EX.mqtt, EX.email]) {
      assert.deepEqual(injects(name).map((n) => [n.crontab, n.repeat]), [[`*/5 9-15 * * ${WEEKDAYS}`, '']], name);
    }
    assert.deepEqual(injects(EX.schedule).map((n) => n.crontab), [`00 09 * * ${WEEKDAYS}`, `45 15 * * ${WEEKDAYS}`]);
    assert.deepEqual(injects(EX.portfolioPage).map((n) => [n.crontab, n.repeat]), [[`*/1 9-15 * * ${WEEKDAYS}`, '']]);
    for (const name of [EX.mqtt, EX.email, EX.schedule, EX.portfolioPage]) {
      const info = readExample(`${name}.json`).find((n) => n.type === 'comment').info;
      assert.match(info, /Asia\/Kolkata/, name);
      assert.match(info, /TZ=Asia\/Kolkata/, name);
    }
    // the dialog's "interval between times" counts whole minutes: 5 s within market hours is a plain
    // interval, and "the watch list" lets ticks through only from 09:00 to 15:35 India time
    assert.deepEqual(injects(EX.watchlist).map((n) => [n.name, n.repeat, n.crontab]), [['every 5 s', '5', '']]);
    assert.match(readExample(`${EX.watchlist}.json`).find((n) => n.type === 'comment').info, /09:00 to 15:35[\s\S]*India time itself\s+\(`Asia\/Kolkata`\)/);
    assert.deepEqual(injects(EX.candlesFile).map((n) => [n.repeat, n.crontab]), [['', '']], '10 runs when clicked');
    assert.deepEqual(injects(EX.squareOff).map((n) => [n.name, n.repeat, n.crontab]), [['15:15 Mon–Fri', '', `15 15 * * ${WEEKDAYS}`], ['Square off now', '', '']]);
    assert.match(readExample(`${EX.squareOff}.json`).find((n) => n.type === 'comment').info, /TZ=Asia\/Kolkata/);
  });

  /** Finds an example's nodes and follows their wires. */
  function navigate(nodes) {
    const by = (pred) => nodes.filter(pred);
    const one = (pred, what) => {
      const found = by(pred);
      assert.equal(found.length, 1, what);
      return found[0];
    };
    const next = (node) => node.wires.flat().map((id) => nodes.find((n) => n.id === id));
    const outputs = (node) => node.wires.map((port) => port.map((id) => nodes.find((n) => n.id === id)));
    return { by, one, next, outputs };
  }

  it('02 wires a dashboard: Log in, Log out (quiet with no session), the OTP entry, the session driving the page, funds on a gauge in lakh, errors in plain words', function () {
    const nodes = readExample(`${EX.dashboard}.json`);
    const { by, one, next, outputs } = navigate(nodes);
    for (const type of ['ui-base', 'ui-page', 'ui-theme', 'ui-control']) one((n) => n.type === type, type);
    assert.deepEqual(by((n) => n.type === 'ui-group').map((g) => g.name), ['Account', 'Funds']);
    const text = (label) => one((n) => n.type === 'ui-text' && n.label === label, `${label} text`);

    const login = one((n) => n.type === 'ui-button' && n.label === 'Log in', 'Log in button');
    const [mstockLogin] = next(login);
    assert.equal(mstockLogin.type, 'mstock-login');
    const [words] = next(mstockLogin);
    assert.equal(words.type, 'change');
    assert.deepEqual(next(words), [text('mStock says')]);
    const logout = one((n) => n.type === 'ui-button' && n.label === 'Log out', 'Log out button');
    const [mstockLogout] = next(logout);
    assert.equal(mstockLogout.type, 'mstock-logout');
    assert.equal(mstockLogout.noSessionOk, true, 'Log out with no session is quiet');

    // a ui-template, so that the input can say what a phone needs to know about it
    const entry = one((n) => n.type === 'ui-template' && n.name === 'OTP entry', 'OTP entry');
    assert.equal(entry.templateScope, 'local');
    assert.equal(entry.passthru, false, 'the session messages it gets go no further');
    for (const attribute of ['inputmode="numeric"', 'autocomplete="one-time-code"', 'pattern="[0-9]{4,8}"', 'maxlength="8"']) {
      assert.ok(entry.format.includes(attribute), attribute);
    }
    const [otp] = next(entry);
    assert.equal(otp.type, 'mstock-otp');
    assert.equal(otp.mode, 'otp');

    const session = one((n) => n.type === 'mstock-session', 'session node');
    assert.equal(session.initial, true);
    const [showSession] = next(session);
    const funds = one((n) => n.type === 'mstock-funds', 'funds node');
    const [showFunds] = next(funds);
    assert.deepEqual(outputs(showSession), [[text('Session')], [entry], [text('mStock says')], [funds], [showFunds]]);
    const refresh = one((n) => n.type === 'ui-button' && /Refresh/.test(n.label), 'Refresh button');
    assert.deepEqual(next(refresh), [funds]);
    const gauge = one((n) => n.type === 'ui-gauge', 'gauge');
    assert.deepEqual(outputs(showFunds), [[gauge], [text('Available balance')], [text('Amount utilized')], [one((n) => n.type === 'ui-control', 'ui-control')]]);
    assert.deepEqual([gauge.units, gauge.min, gauge.max], ['₹ lakh', '0', '5']);

    const caught = one((n) => n.type === 'catch', 'catch');
    const [plain] = next(caught);
    assert.equal(plain.name, 'in plain words');
    assert.equal(next(plain)[0].type, 'ui-notification');
  });

  it('06 wires Positions and Holdings (msg.view) to one portfolio node, the order book on to the newest order\'s details, and both trade views to one debug', function () {
    const nodes = readExample(`${EX.portfolio}.json`);
    const byId = (id) => nodes.find((n) => n.id === id);
    const next = (node) => node.wires.flat().map(byId);
    const inject = (name) => nodes.find((n) => n.type === 'inject' && n.name === name);
    const portfolio = nodes.filter((n) => n.type === 'mstock-portfolio');
    assert.equal(portfolio.length, 1);
    assert.equal(portfolio[0].view, 'msg');
    for (const view of ['positions', 'holdings']) {
      const button = inject(view[0].toUpperCase() + view.slice(1));
      assert.deepEqual(button.props.find((p) => p.p === 'view'), { p: 'view', v: view, vt: 'str' });
      assert.deepEqual(next(button), portfolio);
    }
    const views = (list) => list.map((n) => n.type === 'mstock-orders' ? n.view : n.type);
    assert.deepEqual(views(next(inject('Order book'))), ['orders']);
    const [book] = next(inject('Order book'));
    const [shown, anyOrders] = next(book);
    assert.equal(shown.type, 'debug');
    assert.deepEqual([anyOrders.type, anyOrders.rules], ['switch', [{ t: 'nempty' }]]);
    const [newest] = next(anyOrders);
    assert.deepEqual(newest.rules.map((r) => [r.p, r.tot]), [['payload', 'jsonata']]);
    assert.deepEqual(views(next(newest)), ['order']);
    assert.deepEqual(views(next(inject('Trade book'))), ['trades']);
    assert.deepEqual(views(next(inject('Trades, last 7 days'))), ['trade-history']);
    assert.equal(inject('Trades, last 7 days').payloadType, 'jsonata');
    assert.deepEqual(next(next(inject('Trade book'))[0]), next(next(inject('Trades, last 7 days'))[0]), 'one debug for both trade views');
    for (const n of nodes.filter((node) => /^mstock-(portfolio|orders)$/.test(node.type))) assert.equal(n.output, 'parsed');
    const caught = nodes.find((n) => n.type === 'catch');
    assert.equal(next(caught)[0].complete, 'error.message');
  });

  /** Runs a function node of an example the way Node-RED does, for messages in, messages out; `context` is the node's, `flow` the tab's (a Map). */
  function runFunction(node, flowMemory = new Map()) {
    const warnings = [];
    const memory = new Map();
    const store = (map) => ({ get: (key) => map.get(key), set: (key, value) => map.set(key, value) });
    // the example's own code, as Node-RED's function node runs it
    const body = new Function('msg', 'node', 'context', 'flow', node.func);
    return { warnings, run: (msg) => body(JSON.parse(JSON.stringify(msg)), { warn: (w) => warnings.push(w) }, store(memory), store(flowMemory)) };
  }

  it('02 "show the session" says the state as people say it, and clears mStock\'s message and the funds when the session ends', function () {
    const nodes = readExample(`${EX.dashboard}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'show the session'));
    const change = (state) => run({ topic: 'mstock/session', payload: { state, previous: 'logged-out', at: '2026-01-05T03:30:00.000Z', reason: 'x' } });
    const said = Object.fromEntries(['live', 'otp-pending', 'logged-out', 'expired'].map((state) => [state, change(state)[0].payload]));
    assert.deepEqual(said, { 'live': 'Live until 00:00 IST', 'otp-pending': 'Waiting for OTP', 'logged-out': 'Logged out', 'expired': 'Session expired' });
    assert.deepEqual(['live', 'otp-pending', 'logged-out', 'expired'].map((state) => change(state)[1]), [{ visible: false }, { visible: true }, { visible: false }, { visible: false }], 'the OTP entry shows only while a login waits');
    for (const state of ['live', 'logged-out', 'expired']) assert.deepEqual(change(state)[2], { payload: { message: '' }, visible: false }, `mStock's message goes when ${state}`);
    assert.equal(change('otp-pending')[2], null, 'the OTP message stays while it is needed');
    assert.equal(change('live')[3].payload.state, 'live', 'live fetches the funds');
    for (const state of ['otp-pending', 'logged-out', 'expired']) assert.equal(change(state)[3], null, state);
    for (const state of ['logged-out', 'expired']) assert.equal(change(state)[4].topic, 'mstock/session', `${state} clears the funds`);
    for (const state of ['live', 'otp-pending']) assert.equal(change(state)[4], null, state);

    const showFunds = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'show the funds'));
    assert.deepEqual(showFunds.run({ topic: 'mstock/session', payload: { state: 'expired' } }), [
      { payload: null }, { payload: '–' }, { payload: '–' }, { payload: { groups: { hide: ['mStock:Funds'] } } },
    ]);
    assert.deepEqual(showFunds.run({ topic: 'mstock/funds', payload: [{ availableBalance: 180000.5, amountUtilized: 44999.5 }, { availableBalance: 25000.5 }] }), [
      { payload: 1.8 }, { payload: '₹1,80,000.50' }, { payload: '₹44,999.50' }, { payload: { groups: { show: ['mStock:Funds'] } } },
    ]);
    assert.equal(showFunds.run({ topic: 'mstock/funds', payload: [] }), null);
    assert.deepEqual(showFunds.warnings, ['The fund summary has no available balance']);
  });

  it('02 "in plain words" has a short sentence for every error code but the order codes (02 sends no order), without Node-RED words, and keeps mStock\'s count of attempts', function () {
    const nodes = readExample(`${EX.dashboard}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'in plain words'));
    const say = (code, message = 'Some text from the node.') => run({ payload: 'x', error: { code, message } }).payload;
    assert.equal(say('MSTOCK_OTP_REJECTED'), 'That code was not accepted. Check it and try again.');
    const sentences = new Set();
    const codes = Object.values(ErrorCode).filter((code) => !/ORDER/.test(code));
    assert.equal(codes.length, Object.values(ErrorCode).length - 3);
    for (const code of codes) {
      const sentence = say(code);
      assert.match(sentence, /^[A-Zm].{10,110}[.]$/, `${code}: "${sentence}"`);
      assert.doesNotMatch(sentence, /msg\.|payload|\bnode\b|MSTOCK_|Some text/i, `${code}: "${sentence}"`);
      sentences.add(sentence);
    }
    assert.equal(sentences.size, codes.length, 'one sentence per code');
    assert.equal(say('MSTOCK_AUTH_FAILED', 'mStock refused the login (MA500): Invalid username or password. 9 attempts remaining.'), 'mStock did not accept the client code or password. 9 attempts left.');
    assert.equal(say('MSTOCK_AUTH_FAILED', 'mStock refused the login (MA500): Invalid username or password. 1 attempts remaining.'), 'mStock did not accept the client code or password. 1 attempt left.');
    assert.match(say('MSTOCK_AUTH_FAILED', 'mStock refused the login (MA500): Your account has been locked. Please reset your password.'), /locked/);
    assert.equal(say(undefined, 'TypeError in a function node'), 'Something went wrong. Try again.');
  });

  it('08 puts a Portfolio page on 02\'s dashboard and account: totals and Refresh, holdings and positions tables, a weekday poll only while live, errors in plain words', function () {
    const nodes = readExample(`${EX.portfolioPage}.json`);
    const dashboard = readExample(`${EX.dashboard}.json`);
    const { one, next, outputs } = navigate(nodes);
    const shared = (type) => dashboard.find((n) => n.type === type).id;
    const page = one((n) => n.type === 'ui-page', 'page');
    assert.deepEqual([page.name, page.path, page.ui, page.theme], ['Portfolio', '/portfolio', shared('ui-base'), shared('ui-theme')]);
    assert.notEqual(page.path, dashboard.find((n) => n.type === 'ui-page').path);
    assert.deepEqual(nodes.filter((n) => n.type === 'ui-group').map((g) => [g.name, g.page, g.width]), [['Holdings', page.id, '12'], ['Positions', page.id, '12']]);
    for (const node of nodes.filter((n) => n.account)) assert.equal(node.account, shared('mstock-config'), `${node.type} is on 02's account`);
    const text = (label) => one((n) => n.type === 'ui-text' && n.label === label, `${label} text`);
    const portfolio = (view) => one((n) => n.type === 'mstock-portfolio' && n.view === view, `${view} node`);
    const table = (name) => one((n) => n.type === 'ui-table' && n.name === name, `${name} table`);
    const holdings = portfolio('holdings');
    const positions = portfolio('positions');
    for (const node of [holdings, positions]) assert.equal(node.output, 'parsed');

    const schedule = one((n) => n.type === 'inject', 'schedule');
    const session = one((n) => n.type === 'mstock-session', 'session node');
    assert.equal(session.initial, true, 'the page follows the session from the start');
    const [gate] = next(schedule);
    assert.deepEqual(next(session), [gate]);
    const [showHoldings] = next(holdings);
    const [showPositions] = next(positions);
    assert.deepEqual(outputs(gate), [[holdings, positions], [showHoldings, showPositions]]);
    const refresh = one((n) => n.type === 'ui-button' && n.label === 'Refresh', 'Refresh button');
    assert.deepEqual(next(refresh), [holdings, positions], 'Refresh goes straight to mStock');
    const updated = one((n) => n.type === 'ui-text' && n.className === 'mstock-updated', 'the time of the last answer');
    assert.deepEqual(outputs(showHoldings), [[table('holdings')], [text('Invested')], [text('Current value')], [text('P&L')], [updated]]);
    assert.deepEqual(outputs(showPositions), [[table('positions')]]);

    const columns = (name) => table(name).columns.map((c) => [c.title, c.type, c.align]);
    assert.deepEqual(columns('holdings'), [
      ['Symbol', 'text', 'start'], ['Quantity', 'text', 'end'], ['Avg. price', 'text', 'end'],
      ['LTP', 'text', 'end'], ['P&L', 'html', 'end'], ['P&L %', 'html', 'end'],
    ]);
    assert.deepEqual(columns('positions'), [
      ['Symbol', 'text', 'start'], ['Product', 'text', 'start'], ['Net qty', 'text', 'end'],
      ['Buy avg.', 'text', 'end'], ['Sell avg.', 'text', 'end'], ['Net value', 'text', 'end'],
    ]);
    for (const name of ['holdings', 'positions']) {
      assert.equal(table(name).action, 'replace', `${name}: each answer replaces the rows`);
      assert.equal(table(name).autocols, false);
    }

    const caught = one((n) => n.type === 'catch', 'catch');
    const [plain] = next(caught);
    assert.equal(plain.name, 'in plain words');
    assert.equal(next(plain)[0].type, 'ui-notification');
    assert.equal(one((n) => n.type === 'ui-template', 'page style').page, page.id);
  });

  it('08 "show the holdings" writes rupees the Indian way, colours P&L, sums the totals, and clears when the session ends', function () {
    const nodes = readExample(`${EX.portfolioPage}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'show the holdings'));
    // rows as mstock-portfolio parses them from the broker's holdings
    const holdings = [
      { tradingsymbol: 'STATE BANK OF INDIA', exchange: null, isin: 'INE062A01020', quantity: 150, averageprice: 545.3, ltp: 784.1, symboltoken: '3045', close: 779.8, profitandloss: 35820, pnlpercentage: 43.79 },
      { tradingsymbol: 'TATA CONSULTANCY SERVICES LIMITED', exchange: null, isin: 'INE467B01029', quantity: 5, averageprice: 3650, ltp: 4102, symboltoken: '11536', close: 4089.3, profitandloss: 2260, pnlpercentage: 12.38 },
      { tradingsymbol: 'INFOSYS LIMITED', exchange: null, isin: 'INE009A01021', quantity: 1200, averageprice: 1420.5, ltp: 1380.25, symboltoken: '1594', close: 1881.25, profitandloss: -48300, pnlpercentage: -2.83 },
    ];
    const [rows, invested, current, pnl, updated] = run({ topic: 'mstock/holdings', payload: holdings });
    const gain = (text) => `<span class="mstock-gain">${text}</span>`;
    const loss = (text) => `<span class="mstock-loss">${text}</span>`;
    assert.deepEqual(rows.payload, [
      { symbol: 'STATE BANK OF INDIA', quantity: '150', average: '₹545.30', ltp: '₹784.10', pnl: gain('+₹35,820.00'), pnlPercent: gain('+43.79%') },
      { symbol: 'TATA CONSULTANCY SERVICES LIMITED', quantity: '5', average: '₹3,650.00', ltp: '₹4,102.00', pnl: gain('+₹2,260.00'), pnlPercent: gain('+12.38%') },
      { symbol: 'INFOSYS LIMITED', quantity: '1,200', average: '₹1,420.50', ltp: '₹1,380.25', pnl: loss('-₹48,300.00'), pnlPercent: loss('-2.83%') },
    ]);
    // 81,795 + 18,250 + 17,04,600 invested; 1,17,615 + 20,510 + 16,56,300 now
    assert.deepEqual([invested.payload, current.payload], ['₹18,04,645.00', '₹17,94,425.00']);
    assert.deepEqual(pnl, { payload: '-₹10,220.00 (-0.57%)', class: 'mstock-loss' });
    assert.match(updated.payload, /^Updated \d{2}:\d{2}:\d{2} IST$/);
    assert.deepEqual(run({ topic: 'mstock/holdings', payload: holdings.slice(0, 2) })[3], { payload: '+₹38,080.00 (+38.06%)', class: 'mstock-gain' });

    // a name is text, never HTML: only the P&L cells, made of figures, are HTML
    const [odd] = run({ topic: 'mstock/holdings', payload: [{ ...holdings[0], tradingsymbol: '<img src=x onerror=alert(1)>', profitandloss: null, pnlpercentage: null }] }).map((m) => m.payload);
    assert.deepEqual(odd[0], { symbol: '<img src=x onerror=alert(1)>', quantity: '150', average: '₹545.30', ltp: '₹784.10', pnl: '<span class="">–</span>', pnlPercent: '<span class="">–</span>' });
    assert.deepEqual(run({ topic: 'mstock/holdings', payload: [] }).slice(0, 4), [{ payload: [] }, { payload: '₹0.00' }, { payload: '₹0.00' }, { payload: '₹0.00 (0.00%)', class: '' }]);
    assert.deepEqual(run({ topic: 'mstock/session', payload: { state: 'expired' } }), [{ payload: [] }, { payload: '–' }, { payload: '–' }, { payload: '–', class: '' }, { payload: '–' }]);
  });

  it('08 "show the positions" shows the symbol, product, net quantity, averages and net value in rupees, "–" for a side with no trades', function () {
    const nodes = readExample(`${EX.portfolioPage}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'show the positions'));
    const positions = [
      { exchange: 'NSE', symboltoken: '22', producttype: 'INTRADAY', tradingsymbol: null, symbolname: 'ACC', buyqty: 20, sellqty: 10, buyavgprice: 1950.46, sellavgprice: 1962, netvalue: -19389.2, netqty: 10 },
      { exchange: 'NSE', symboltoken: '2885', producttype: 'DELIVERY', tradingsymbol: null, symbolname: 'RELIANCE', buyqty: 100, sellqty: 0, buyavgprice: 1281.45, sellavgprice: 0, netvalue: -128145, netqty: 100 },
      { exchange: 'NSE', symboltoken: '3045', producttype: 'INTRADAY', tradingsymbol: 'SBIN-EQ', symbolname: null, buyqty: 0, sellqty: 1500, buyavgprice: 0, sellavgprice: 784.1, netvalue: 1176150, netqty: -1500 },
    ];
    const out = run({ topic: 'mstock/positions', payload: positions, _msgid: 'm1' });
    assert.equal(out._msgid, 'm1');
    assert.deepEqual(out.payload, [
      { symbol: 'ACC', product: 'INTRADAY', netQuantity: '10', buyAverage: '₹1,950.46', sellAverage: '₹1,962.00', netValue: '-₹19,389.20' },
      { symbol: 'RELIANCE', product: 'DELIVERY', netQuantity: '100', buyAverage: '₹1,281.45', sellAverage: '–', netValue: '-₹1,28,145.00' },
      { symbol: 'SBIN-EQ', product: 'INTRADAY', netQuantity: '-1,500', buyAverage: '–', sellAverage: '₹784.10', netValue: '₹11,76,150.00' },
    ]);
    assert.deepEqual(run({ topic: 'mstock/positions', payload: [] }).payload, []);
    assert.deepEqual(run({ topic: 'mstock/session', payload: { state: 'logged-out' } }), { payload: [] });
  });

  it('08 "poll while live" lets the schedule through only while the session is live, fetches when it turns live and clears when it ends', function () {
    const nodes = readExample(`${EX.portfolioPage}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'poll while live'));
    const tick = { payload: 1767600000000, topic: '' };
    const session = (state) => ({ topic: 'mstock/session', payload: { state, previous: 'logged-out', at: '2026-01-05T03:30:00.000Z', reason: 'x' } });
    assert.equal(run(tick), null, 'no poll before the session is known');
    assert.deepEqual(run(session('logged-out')), [null, session('logged-out')], 'logged out at start: the page is cleared');
    assert.equal(run(tick), null);
    assert.equal(run(session('otp-pending')), null);
    assert.equal(run(tick), null, 'no poll while a login waits for its OTP');
    assert.deepEqual(run(session('live')), [session('live'), null], 'live: fetched at once');
    assert.deepEqual(run(tick), [tick, null]);
    assert.deepEqual(run(tick), [tick, null]);
    assert.deepEqual(run(session('expired')), [null, session('expired')]);
    assert.equal(run(tick), null, 'no poll once the session has expired');
    run(session('live'));
    assert.equal(run(session('otp-pending')), null, 'a new login replaces the session');
    assert.equal(run(tick), null);
  });

  it('08 "in plain words" has 02\'s sentence for every error a read can meet, and says where to log in', function () {
    const plainOf = (name) => runFunction(readExample(`${name}.json`).find((n) => n.type === 'function' && n.name === 'in plain words')).run;
    const say = (run, code) => run({ payload: 'x', error: { code, message: 'Some text from the node.' } }).payload;
    const portfolio = plainOf(EX.portfolioPage);
    const dashboard = plainOf(EX.dashboard);
    const reads = Object.values(ErrorCode).filter((code) => !/OTP|PENDING_LOGIN|AUTH_FAILED|INVALID_INPUT|ORDER/.test(code));
    assert.ok(reads.length >= 9, reads.join());
    for (const code of reads) {
      const sentence = say(portfolio, code);
      if (code === 'MSTOCK_NOT_LOGGED_IN') assert.equal(sentence, 'You are not logged in. Log in first, then press Refresh.');
      else assert.equal(sentence, say(dashboard, code), code);
    }
    assert.equal(say(portfolio, 'MSTOCK_OTP_REJECTED'), 'Something went wrong. Try again.');
    assert.equal(say(portfolio, undefined), 'Something went wrong. Try again.');
  });

  it('09 puts a Watch list page on 02\'s dashboard and account: Symbols and Refresh, each symbol looked up, the ones found quoted (OHLC) in one message, a table, notes, errors in plain words', function () {
    const nodes = readExample(`${EX.watchlist}.json`);
    const dashboard = readExample(`${EX.dashboard}.json`);
    const { one, next, outputs } = navigate(nodes);
    const shared = (type) => dashboard.find((n) => n.type === type).id;
    const page = one((n) => n.type === 'ui-page', 'page');
    assert.deepEqual([page.name, page.path, page.ui, page.theme, page.order], ['Watch list', '/watchlist', shared('ui-base'), shared('ui-theme'), 3]);
    assert.deepEqual(nodes.filter((n) => n.type === 'ui-group').map((g) => [g.name, g.page, g.width]), [['Watch list', page.id, '12']]);
    for (const node of nodes.filter((n) => n.account)) assert.equal(node.account, shared('mstock-config'), `${node.type} is on 02's account`);

    const input = one((n) => n.type === 'ui-text-input', 'Symbols input');
    assert.deepEqual([input.label, input.topic, input.topicType, input.passthru, input.sendOnEnter, input.sendOnBlur], ['Symbols', 'watchlist/symbols', 'str', false, true, false], 'sent on Enter only: leaving the box for Refresh sends nothing');
    const refresh = one((n) => n.type === 'ui-button' && n.label === 'Refresh', 'Refresh button');
    assert.deepEqual([refresh.topic, refresh.topicType], ['watchlist/refresh', 'str']);
    const schedule = one((n) => n.type === 'inject', 'schedule');
    const session = one((n) => n.type === 'mstock-session', 'session node');
    assert.equal(session.initial, true, 'the page follows the session from the start');
    const gate = one((n) => n.type === 'function' && n.name === 'the watch list', 'the watch list');
    for (const source of [input, refresh, schedule, session]) assert.deepEqual(next(source), [gate], source.type);

    const split = one((n) => n.type === 'split', 'split');
    const lookUp = one((n) => n.type === 'mstock-instruments', 'instruments node');
    const join = one((n) => n.type === 'join', 'join');
    const pick = one((n) => n.type === 'function' && n.name === 'quote the ones found', 'quote the ones found');
    const quote = one((n) => n.type === 'mstock-quote', 'quote node');
    const show = one((n) => n.type === 'function' && n.name === 'show the quotes', 'show the quotes');
    assert.deepEqual(outputs(gate), [[split], [show], [input]]);
    assert.deepEqual([split.arraySplt, split.arraySpltType, split.property], [1, 'len', 'payload']);
    assert.deepEqual(next(split), [lookUp]);
    assert.equal(lookUp.limit, '3', 'the best three: one to check, the others to suggest');
    assert.deepEqual(next(lookUp), [join]);
    assert.equal(join.mode, 'auto', 'joined back by msg.parts, in the order of the list');
    assert.deepEqual(next(join), [pick]);
    assert.deepEqual(next(pick), [quote]);
    assert.deepEqual([quote.mode, quote.instruments], ['OHLC', ''], 'the close is the previous close; the list comes in msg.payload');
    assert.deepEqual(next(quote), [show]);
    const table = one((n) => n.type === 'ui-table', 'table');
    const note = one((n) => n.type === 'ui-text' && n.name === 'not quoted', 'note');
    const updated = one((n) => n.type === 'ui-text' && n.name === 'updated', 'updated');
    assert.deepEqual(outputs(show), [[table], [note], [updated]]);
    assert.deepEqual(table.columns.map((c) => [c.title, c.key, c.type, c.align]), [
      ['Symbol', 'symbol', 'text', 'start'], ['LTP', 'ltp', 'text', 'end'], ['Day change', 'change', 'html', 'end'], ['Day change %', 'changePercent', 'html', 'end'],
    ]);
    assert.deepEqual([table.action, table.autocols], ['replace', false]);

    const caught = one((n) => n.type === 'catch', 'catch');
    const [plain] = next(caught);
    assert.equal(plain.name, 'in plain words');
    assert.equal(next(plain)[0].type, 'ui-notification');
    assert.equal(one((n) => n.type === 'ui-template', 'page style').page, page.id);
  });

  it('09 "the watch list" keeps the list in flow context, quotes it when the session turns live, on Symbols and Refresh, and on the 5 s tick only while live on weekdays 09:00–15:35 India time', function () {
    const nodes = readExample(`${EX.watchlist}.json`);
    const flow = new Map();
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'the watch list'), flow);
    const DEFAULT = ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'NSE:RELIANCE-EQ', 'NSE:TCS-EQ', 'NSE:HDFCBANK-EQ'];
    const session = (state) => ({ topic: 'mstock/session', payload: { state, previous: 'logged-out', at: '2026-11-30T03:30:00.000Z', reason: 'x' } });
    const typed = (payload) => ({ topic: 'watchlist/symbols', payload });
    const refresh = { topic: 'watchlist/refresh', payload: '' };
    const india = (text) => ({ payload: Date.parse(`${text}+05:30`), topic: '' }); // the inject's timestamp
    const quoted = (list) => ({ topic: 'watchlist', payload: list, watchlist: list });
    const notLoggedIn = [null, { topic: 'watchlist/note', payload: 'You are not logged in. Log in on the mStock page, then press Refresh.' }, null];

    assert.equal(run(india('2026-11-30T10:00:00')), null, 'no tick before the session is known');
    assert.deepEqual(run(session('logged-out')), [null, session('logged-out'), { payload: DEFAULT.join(', ') }], 'at start: the table cleared, the default list in the input');
    assert.equal(run(india('2026-11-30T10:00:00')), null, 'no tick while logged out');
    assert.deepEqual(run(refresh), notLoggedIn);
    assert.deepEqual(run(typed(' nse:sbin-eq,BSE:500325;  NSE:SBIN-EQ\nnse:infy-eq ')), [
      null, { topic: 'watchlist/note', payload: 'The list is kept. Its quotes come once you are logged in.' }, { payload: 'NSE:SBIN-EQ, BSE:500325, NSE:INFY-EQ' },
    ], 'any case, commas, semicolons or spaces between, each once');
    const list = ['NSE:SBIN-EQ', 'BSE:500325', 'NSE:INFY-EQ'];
    assert.deepEqual(flow.get('watchlist'), list);
    assert.equal(run(session('otp-pending'))[0], null);

    assert.deepEqual(run(session('live')), [quoted(list), null, { payload: list.join(', ') }], 'live: quoted at once');
    assert.deepEqual(run(refresh), [quoted(list), null, null]);
    // Monday 30 November 2026: ticks from 09:00 to 15:34 go through
    for (const time of ['09:00:00', '09:15:05', '12:00:00', '15:34:59']) assert.deepEqual(run(india(`2026-11-30T${time}`)), [quoted(list), null, null], time);
    for (const time of ['08:59:55', '15:35:00', '18:00:00', '00:00:00']) assert.equal(run(india(`2026-11-30T${time}`)), null, time);
    assert.deepEqual(run(india('2026-12-04T10:00:00')), [quoted(list), null, null], 'Friday');
    for (const day of ['2026-12-05', '2026-12-06']) assert.equal(run(india(`${day}T10:00:00`)), null, `${day}, a weekend`);

    assert.deepEqual(run(typed('NSE:TCS-EQ')), [quoted(['NSE:TCS-EQ']), null, { payload: 'NSE:TCS-EQ' }], 'a new list is quoted at once while live');
    assert.deepEqual(run(typed('  ')), [null, { topic: 'watchlist', payload: [], notFound: [], unfetched: [] }, { payload: '' }], 'an empty list goes straight to the table');
    assert.equal(run(india('2026-11-30T10:00:00'))[0], null, 'nothing to look up');

    assert.deepEqual(run(session('expired')), [null, session('expired'), { payload: '' }], 'expired: the table is cleared');
    assert.equal(run(india('2026-11-30T10:00:00')), null, 'no tick once the session has expired');
    assert.deepEqual(run(refresh), notLoggedIn);
  });

  it('09 "quote the ones found" quotes a symbol only when the master has exactly it on its exchange, and passes the others on with the closest matches', function () {
    const nodes = readExample(`${EX.watchlist}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'quote the ones found'));
    const row = (exchange, token, symbol) => ({ exchange, token, symbol, name: symbol, type: 'EQUITY', expiry: null, strike: 0, lotSize: 1, tickSize: 0.05 });
    const sbin = row('NSE', '3045', 'SBIN-EQ');
    const bseSbin = row('BSE', '544353', 'SBIN');
    const watchlist = ['NSE:SBIN-EQ', 'NSE:3045', 'BSE:500325', 'SBIN', 'NSE:SBIN', 'NSE:NOSUCH-EQ', 'BSE:SBIN-EQ'];
    const out = run({
      topic: 'watchlist',
      watchlist,
      // mstock-instruments' answers for each, best first, as joined back in the list's order
      payload: [[sbin], [sbin], [row('BSE', '500325', 'BHAYOCAP')], [sbin, bseSbin], [sbin], [], [sbin]],
    });
    assert.deepEqual(out.payload, [{ exchange: 'NSE', token: '3045' }, { exchange: 'NSE', token: '3045' }, { exchange: 'BSE', token: '500325' }]);
    assert.deepEqual(out.notFound, [
      { asked: 'SBIN', suggestions: ['NSE:SBIN-EQ', 'BSE:SBIN'] },
      { asked: 'NSE:SBIN', suggestions: ['NSE:SBIN-EQ'] },
      { asked: 'NSE:NOSUCH-EQ', suggestions: [] },
      { asked: 'BSE:SBIN-EQ', suggestions: ['NSE:SBIN-EQ'] },
    ]);
    assert.deepEqual(out.watchlist, watchlist);
  });

  it('09 "show the quotes" writes the LTP and the day\'s change from the previous close in rupees the Indian way, coloured, names what was not quoted in plain (escaped) words, and clears', function () {
    const nodes = readExample(`${EX.watchlist}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'show the quotes'));
    // rows as mstock-quote parses an OHLC answer
    const quote = (exchange, token, symbol, ltp, close) => ({ exchange, token, symbol, ltp, open: close, high: Math.max(ltp, close), low: Math.min(ltp, close), close });
    const [table, note, updated] = run({
      topic: 'mstock/quote',
      payload: [quote('NSE', '3045', 'SBIN-EQ', 798.45, 808.05), quote('NSE', '2885', 'RELIANCE-EQ', 131245.5, 127400), quote('BSE', '500325', 'BHAYOCAP', 12.34, 12.34), quote('NSE', '1594', 'INFY-EQ', 1893.6, null)],
      unfetched: [{ exchange: 'NFO', token: '56259', symbol: 'SBIN26DECFUT', message: 'No instrument with token 56259 on NFO' }],
      notFound: [{ asked: 'SBIN', suggestions: ['BSE:SBIN', 'NSE:SBIN-EQ', 'NFO:SBIN26DECFUT'] }, { asked: 'NSE:<B>X</B>', suggestions: [] }],
    });
    const gain = (text) => `<span class="mstock-gain">${text}</span>`;
    const loss = (text) => `<span class="mstock-loss">${text}</span>`;
    const flat = (text) => `<span class="">${text}</span>`;
    assert.deepEqual(table.payload, [
      { symbol: 'NSE:SBIN-EQ', ltp: '₹798.45', change: loss('-₹9.60'), changePercent: loss('-1.19%') },
      { symbol: 'NSE:RELIANCE-EQ', ltp: '₹1,31,245.50', change: gain('+₹3,845.50'), changePercent: gain('+3.02%') },
      { symbol: 'BSE:BHAYOCAP', ltp: '₹12.34', change: flat('₹0.00'), changePercent: flat('0.00%') },
      { symbol: 'NSE:INFY-EQ', ltp: '₹1,893.60', change: flat('–'), changePercent: flat('–') },
    ]);
    assert.deepEqual(note.payload.split('<br>'), [
      'SBIN is not a symbol mStock knows. Did you mean BSE:SBIN, NSE:SBIN-EQ or NFO:SBIN26DECFUT?',
      'NSE:&lt;B&gt;X&lt;/B&gt; is not a symbol mStock knows. Check the spelling: exchange:symbol, like NSE:SBIN-EQ, or exchange:token, like NSE:3045.',
      'mStock sent no quote for NFO:SBIN26DECFUT: No instrument with token 56259 on NFO',
    ]);
    assert.match(updated.payload, /^Updated \d{2}:\d{2}:\d{2} IST$/);
    assert.equal(run({ topic: 'mstock/quote', payload: [quote('NSE', '3045', 'SBIN-EQ', 800, 800)], unfetched: [], notFound: [] })[1].payload, '', 'nothing to say');
    assert.equal(run({ topic: 'mstock/quote', payload: [], unfetched: [], notFound: [{ asked: 'NSE:SBIN', suggestions: ['NSE:SBIN-EQ'] }] })[1].payload, 'NSE:SBIN is not a symbol mStock knows. Did you mean NSE:SBIN-EQ?');
    assert.equal(run({ topic: 'watchlist', payload: [], unfetched: [], notFound: [] })[1].payload, 'The watch list is empty: type some symbols above.');
    // a name is text in the table, never HTML
    assert.equal(run({ topic: 'mstock/quote', payload: [quote('NSE', '1', '<img src=x onerror=alert(1)>', 1, 1)] })[0].payload[0].symbol, 'NSE:<img src=x onerror=alert(1)>');
    assert.deepEqual(run({ topic: 'watchlist/note', payload: 'You are not logged in. <b>' }), [null, { payload: 'You are not logged in. &lt;b&gt;' }, null]);
    assert.deepEqual(run({ topic: 'mstock/session', payload: { state: 'expired' } }), [{ payload: [] }, { payload: '' }, { payload: '' }]);
  });

  it('09 "in plain words" says what 08 says for every error', function () {
    const plainOf = (name) => runFunction(readExample(`${name}.json`).find((n) => n.type === 'function' && n.name === 'in plain words')).run;
    const watchlist = plainOf(EX.watchlist);
    const portfolio = plainOf(EX.portfolioPage);
    for (const code of [...Object.values(ErrorCode), undefined]) {
      const msg = { payload: 'x', error: { code, message: 'Some text from the node.' } };
      assert.equal(watchlist(msg).payload, portfolio(msg).payload, code);
    }
  });

  it('13 puts a Live prices page on 02\'s dashboard and account: the ticks node in quote mode with its own list and a throttle of 1 s, Add a symbol subscribed by message, one row per symbol into a table, errors in plain words', function () {
    const nodes = readExample(`${EX.livePrices}.json`);
    const dashboard = readExample(`${EX.dashboard}.json`);
    const { one, next } = navigate(nodes);
    const shared = (type) => dashboard.find((n) => n.type === type).id;
    const page = one((n) => n.type === 'ui-page', 'page');
    assert.deepEqual([page.name, page.path, page.ui, page.theme, page.order], ['Live prices', '/live-prices', shared('ui-base'), shared('ui-theme'), 5]);
    assert.deepEqual(nodes.filter((n) => n.type === 'ui-group').map((g) => [g.name, g.page, g.width]), [['Live prices', page.id, '12']]);
    for (const node of nodes.filter((n) => n.account)) assert.equal(node.account, shared('mstock-config'), `${node.type} is on 02's account`);

    const ticks = one((n) => n.type === 'mstock-ticks', 'ticks node');
    assert.deepEqual([ticks.mode, ticks.throttle, ticks.instruments], ['quote', '1000', 'NSE:SBIN-EQ, NSE:INFY-EQ, NSE:RELIANCE-EQ, NSE:TCS-EQ, NSE:HDFCBANK-EQ']);
    const input = one((n) => n.type === 'ui-text-input', 'Add a symbol');
    assert.deepEqual([input.label, input.topic, input.passthru, input.sendOnEnter, input.sendOnBlur], ['Add a symbol', 'liveprices/add', false, true, false]);
    const subscribe = one((n) => n.type === 'function' && n.name === 'subscribe it', 'subscribe it');
    assert.deepEqual(next(input), [subscribe]);
    assert.deepEqual(next(subscribe), [ticks]);
    const rows = one((n) => n.type === 'function' && n.name === 'one row per symbol', 'one row per symbol');
    const session = one((n) => n.type === 'mstock-session', 'session node');
    assert.equal(session.initial, true);
    assert.deepEqual(next(ticks), [rows]);
    assert.deepEqual(next(session), [rows]);
    const table = one((n) => n.type === 'ui-table', 'table');
    assert.deepEqual(next(rows), [table]);
    assert.deepEqual(table.columns.map((c) => [c.title, c.key, c.type, c.align]), [
      ['Symbol', 'symbol', 'text', 'start'], ['LTP', 'ltp', 'text', 'end'], ['Change', 'change', 'html', 'end'], ['Change %', 'changePercent', 'html', 'end'],
      ['Volume', 'volume', 'text', 'end'], ['Time', 'time', 'text', 'end'],
    ]);
    assert.deepEqual([table.action, table.autocols], ['replace', false], 'the whole table each time: the rows keep their places');
    const caught = one((n) => n.type === 'catch', 'catch');
    const [plain] = next(caught);
    assert.equal(plain.name, 'in plain words');
    assert.equal(next(plain)[0].type, 'ui-notification');
    assert.equal(one((n) => n.type === 'ui-template', 'page style').page, page.id);
    const info = one((n) => n.type === 'comment', 'comment').info;
    for (const status of ['streaming 5 instruments', 'connecting', 'waiting for session', 'feed error']) assert.ok(info.includes(`*${status}*`), `the comment explains "${status}"`);
  });

  it('13 "subscribe it" makes a subscribe message of what was typed; "one row per symbol" keeps a row per instrument in its place, in rupees the Indian way, and clears on the session\'s end; "in plain words" names an unknown symbol', function () {
    const nodes = readExample(`${EX.livePrices}.json`);
    const fn = (name) => runFunction(nodes.find((n) => n.type === 'function' && n.name === name), flowMemory).run;
    const flowMemory = new Map();
    const subscribe = fn('subscribe it');
    assert.deepEqual(subscribe({ topic: 'liveprices/add', payload: ' nse:itc-eq,BSE:500325  ' }), { payload: { action: 'subscribe', instruments: ['nse:itc-eq', 'BSE:500325'] } });
    assert.equal(subscribe({ payload: '  ' }), null);

    const rows = fn('one row per symbol');
    const tick = (symbol, ltp, close, extra = {}) => ({
      topic: `mstock/tick/NSE/${symbol.length}`,
      payload: { exchange: 'NSE', token: '1', symbol, mode: 'quote', ltp, time: '2026-11-30T10:15:30+05:30', sequence: 1, volume: 1234567, close, ...extra },
    });
    const span = (cls, text) => `<span class="${cls}">${text}</span>`;
    assert.deepEqual(rows(tick('SBIN-EQ', 812.5, 800)).payload, [
      { symbol: 'NSE:SBIN-EQ', ltp: '₹812.50', change: span('mstock-gain', '+₹12.50'), changePercent: span('mstock-gain', '+1.56%'), volume: '12,34,567', time: '10:15:30' },
    ]);
    rows(tick('INFY-EQ', 1500, 1600));
    const table = rows(tick('SBIN-EQ', 120000.25, 120000.25, { time: '2026-11-30T10:15:31+05:30', volume: undefined })).payload;
    assert.deepEqual(table.map((r) => r.symbol), ['NSE:SBIN-EQ', 'NSE:INFY-EQ'], 'a row keeps its place');
    assert.deepEqual(table[0], { symbol: 'NSE:SBIN-EQ', ltp: '₹1,20,000.25', change: span('', '₹0.00'), changePercent: span('', '0.00%'), volume: '–', time: '10:15:31' });
    assert.deepEqual([table[1].change, table[1].changePercent], [span('mstock-loss', '-₹100.00'), span('mstock-loss', '-6.25%')]);
    assert.equal(rows({ topic: 'mstock/session', payload: { state: 'live' } }), null);
    assert.deepEqual(rows({ topic: 'mstock/session', payload: { state: 'expired' } }), { payload: [] });
    assert.deepEqual(rows(tick('TCS-EQ', 4000, 0)).payload.map((r) => [r.symbol, r.change]), [['NSE:TCS-EQ', span('', '–')]], 'cleared; no close, no change');

    const plain = fn('in plain words');
    assert.equal(plain({ payload: { action: 'subscribe', instruments: ['NSE:NOSUCH-EQ'] }, error: { code: 'MSTOCK_INVALID_INPUT', message: 'x' } }).payload,
      'mStock does not know NSE:NOSUCH-EQ. Type exchange:symbol, like NSE:SBIN-EQ, or exchange:token, like NSE:3045.');
    const portfolioPlain = runFunction(readExample(`${EX.portfolioPage}.json`).find((n) => n.type === 'function' && n.name === 'in plain words')).run;
    for (const code of ['MSTOCK_SESSION_EXPIRED', 'MSTOCK_NETWORK', 'MSTOCK_TIMEOUT', 'MSTOCK_API_KEY_INVALID', undefined]) {
      const msg = { payload: 'x', error: { code, message: 'Some text from the node.' } };
      assert.equal(plain(msg).payload, portfolioPlain(msg).payload, code);
    }
  });

  it('10 wires an inject with the instrument and a from worked out at click time, daily candles, a count, a CSV with a header row, a relative file, a debug of the count and a Catch', function () {
    const nodes = readExample(`${EX.candlesFile}.json`);
    const { one, next } = navigate(nodes);
    const inject = one((n) => n.type === 'inject', 'inject');
    assert.equal(inject.name, 'SBIN, last 365 days');
    assert.equal(inject.payloadType, 'jsonata');
    const candles = one((n) => n.type === 'mstock-candles', 'candles node');
    assert.deepEqual(next(inject), [candles]);
    assert.equal(candles.interval, 'ONE_DAY');
    const [count] = next(candles);
    assert.deepEqual([count.type, count.rules], ['change', [{ t: 'set', p: 'count', pt: 'msg', to: '$count(payload)', tot: 'jsonata' }]]);
    const [csv] = next(count);
    assert.deepEqual([csv.type, csv.temp, csv.hdrout, csv.ret, csv.sep, csv.multi], ['csv', 'time,open,high,low,close,volume', 'all', '\\n', ',', 'one']);
    const [file] = next(csv);
    assert.deepEqual([file.type, file.filename, file.filenameType, file.overwriteFile, file.appendNewline], ['file', 'mstock-candles-SBIN-EQ-daily.csv', 'str', 'true', false]);
    const [written] = next(file);
    assert.deepEqual([written.type, written.name, written.targetType], ['debug', 'candles written', 'jsonata']);
    const caught = one((n) => n.type === 'catch', 'catch');
    assert.equal(next(caught)[0].complete, 'error.message');
    const info = one((n) => n.type === 'comment', 'comment').info;
    for (const said of [/directory Node-RED was started from/, /fileWorkingDirectory/, /FIVE_MINUTE/, /candles 3\/29/, /longer span/]) assert.match(info, said);
  });
  it('11 puts an Order ticket page on 02\'s dashboard and account (orders off): the ticket, a confirmation before anything is sent, place and cancel-all, the answer, the order book after each order, on Refresh and when live; errors in plain words', function () {
    const nodes = readExample(`${EX.orderTicket}.json`);
    const dashboard = readExample(`${EX.dashboard}.json`);
    const { one, next, outputs } = navigate(nodes);
    const shared = (type) => dashboard.find((n) => n.type === type).id;
    const page = one((n) => n.type === 'ui-page', 'page');
    assert.deepEqual([page.name, page.path, page.ui, page.theme, page.order], ['Order ticket', '/order-ticket', shared('ui-base'), shared('ui-theme'), 4]);
    assert.deepEqual(nodes.filter((n) => n.type === 'ui-group').map((g) => [g.name, g.page, g.width]), [['New order', page.id, '6'], ['Order book', page.id, '12']]);
    for (const node of nodes.filter((n) => n.account)) assert.equal(node.account, shared('mstock-config'), `${node.type} is on 02's account`);
    const account = one((n) => n.type === 'mstock-config', 'account');
    assert.notEqual(account.orders, true, 'orders stay off until the user turns them on (the account node\'s default is off)');
    assert.match(one((n) => n.type === 'comment', 'comment').info, /Allow orders from flows\* \*\*off\*\*[\s\S]*`orders: false`[\s\S]*paper account, no real money/);

    const ticket = one((n) => n.type === 'ui-template' && n.name === 'order ticket', 'the ticket');
    assert.equal(ticket.templateScope, 'local');
    for (const field of ['name="symbol"', 'name="quantity"', 'v-if="needsPrice"', 'v-if="needsTrigger"', 'value="STOPLOSS_MARKET"', 'value="DELIVERY"', 'Review order']) assert.ok(ticket.format.includes(field), field);
    const cancelAll = one((n) => n.type === 'ui-button' && n.label === 'Cancel all open orders', 'Cancel all button');
    const spell = one((n) => n.type === 'function' && n.name === 'spell it out', 'spell it out');
    assert.deepEqual(next(ticket), [spell]);
    assert.deepEqual(next(cancelAll), [spell], 'Cancel all asks first too');
    const [confirm] = next(spell);
    assert.deepEqual([confirm.type, confirm.allowConfirm, confirm.confirmText, confirm.allowDismiss, confirm.dismissText, confirm.displayTime], ['ui-notification', true, 'Send', true, 'Don\'t send', '30']);
    const [confirmed] = next(confirm);
    assert.equal(confirmed.name, 'when confirmed');
    const place = one((n) => n.type === 'mstock-order' && n.action === 'place', 'place node');
    const cancel = one((n) => n.type === 'mstock-order' && n.action === 'cancel-all', 'cancel-all node');
    const answer = one((n) => n.type === 'ui-text' && n.name === 'answer', 'answer');
    assert.deepEqual(outputs(confirmed), [[place], [cancel], [answer]]);
    const said = one((n) => n.type === 'function' && n.name === 'the answer', 'the answer');
    assert.deepEqual([next(place), next(cancel)], [[said], [said]]);
    const book = one((n) => n.type === 'mstock-orders', 'order book node');
    assert.deepEqual([book.view, book.output], ['orders', 'parsed']);
    assert.deepEqual(outputs(said), [[answer], [book]], 'each order is followed by the order book');
    const refresh = one((n) => n.type === 'ui-button' && n.label === 'Refresh', 'Refresh button');
    assert.deepEqual(next(refresh), [book]);
    const show = one((n) => n.type === 'function' && n.name === 'show the order book', 'show the order book');
    const table = one((n) => n.type === 'ui-table', 'table');
    assert.deepEqual(next(book), [show]);
    assert.deepEqual(next(show), [table]);
    assert.deepEqual(table.columns.map((c) => c.title), ['Time', 'Order id', 'Symbol', 'Side', 'Qty', 'Type', 'Product', 'Price', 'Avg. price', 'Status', 'mStock\'s note']);
    assert.deepEqual([table.action, table.autocols], ['replace', false]);
    const session = one((n) => n.type === 'mstock-session', 'session node');
    assert.equal(session.initial, true);
    assert.deepEqual(outputs(next(session)[0]), [[book], [show]]);
    const caught = one((n) => n.type === 'catch', 'catch');
    const [plain] = next(caught);
    assert.equal(plain.name, 'in plain words');
    assert.deepEqual(outputs(plain), [[answer], [book]]);
    assert.equal(one((n) => n.type === 'ui-template' && n.name === 'page style', 'page style').page, page.id);
  });

  it('11 "spell it out" says the order in words (a price only for limit orders, a trigger only for stop-loss ones, rupees the Indian way), keeps it and the browser with the question, and asks before Cancel all with the count of open orders', function () {
    const nodes = readExample(`${EX.orderTicket}.json`);
    const flow = new Map();
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'spell it out'), flow);
    const client = { socketId: 'abc' };
    const ask = (order) => run({ topic: 'order-ticket/place', payload: order, _client: client });
    const order = { instrument: 'NSE:SBIN-EQ', transactiontype: 'BUY', quantity: 10, ordertype: 'MARKET', producttype: 'INTRADAY' };
    assert.deepEqual(ask(order), { topic: 'order-ticket/place', payload: 'BUY 10 NSE:SBIN-EQ at market, intraday — send?', confirming: 'place', order, _client: client });
    assert.equal(ask({ ...order, ordertype: 'LIMIT', price: 1234.5, producttype: 'DELIVERY' }).payload, 'BUY 10 NSE:SBIN-EQ at a limit of ₹1,234.50, delivery — send?');
    assert.equal(ask({ ...order, transactiontype: 'SELL', quantity: 1500, ordertype: 'STOPLOSS_LIMIT', price: 770, triggerprice: 771 }).payload,
      'SELL 1500 NSE:SBIN-EQ at a limit of ₹770.00 once the price falls to ₹771.00, intraday — send?');
    assert.equal(ask({ ...order, instrument: 'NSE:3045', ordertype: 'STOPLOSS_MARKET', triggerprice: 800 }).payload, 'BUY 10 NSE:3045 at market once the price rises to ₹800.00, intraday — send?');

    const cancel = (open) => {
      if (open !== undefined) flow.set('openOrders', open);
      return run({ topic: 'order-ticket/cancel-all', payload: '', _client: client });
    };
    assert.deepEqual(cancel(), { topic: 'order-ticket/cancel-all', payload: 'Cancel ALL open orders of today (0 open orders in the book below) — send?', confirming: 'cancel-all', _client: client });
    assert.equal(cancel(1).payload, 'Cancel ALL open orders of today (1 open order in the book below) — send?');
    assert.equal(cancel(3).payload, 'Cancel ALL open orders of today (3 open orders in the book below) — send?');
  });

  it('11 "when confirmed" sends the order it asked about only for Send; Don\'t send and no answer in 30 s send nothing and say so; the question passed on says nothing', function () {
    const nodes = readExample(`${EX.orderTicket}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'when confirmed'));
    const order = { instrument: 'NSE:SBIN-EQ', transactiontype: 'BUY', quantity: 1, ordertype: 'MARKET', producttype: 'INTRADAY' };
    // what the notification sends back: the message it showed, its payload replaced by how it was closed
    const back = (payload, confirming = 'place') => run({ topic: 'order-ticket/place', payload, confirming, ...(confirming === 'place' ? { order } : {}), _client: { socketId: 'abc' } });
    assert.deepEqual(back('confirm_clicked'), [{ topic: 'order-ticket/place', payload: order }, null, { payload: 'Sending the order…', class: '' }]);
    assert.deepEqual(back('confirm_clicked', 'cancel-all'), [null, { topic: 'order-ticket/cancel-all', payload: {} }, { payload: 'Cancelling all open orders…', class: '' }]);
    assert.deepEqual(back('dismiss_clicked'), [null, null, { payload: 'Not sent.', class: '' }]);
    assert.deepEqual(back('dismiss_clicked', 'cancel-all'), [null, null, { payload: 'Not sent.', class: '' }]);
    assert.deepEqual(back('timeout'), [null, null, { payload: 'Not sent: it was not confirmed within 30 seconds.', class: '' }]);
    assert.equal(run({ payload: 'confirm_clicked' }), null, 'a confirmation of nothing sends nothing');
    // the notification node passes on every message it is given (Dashboard 2.0 has no switch for it in the editor)
    assert.equal(back('BUY 1 NSE:SBIN-EQ at market, intraday — send?'), null, 'the question itself is no answer');
    assert.equal(back('Cancel ALL open orders of today (1 open order in the book below) — send?', 'cancel-all'), null);
  });

  it('11 "the answer" gives mStock\'s order id; "in plain words" has a sentence for every code a page without a login can meet: orders off says where to turn them on, a rejection is in mStock\'s words, an unknown outcome says to check the order book, and both fetch the book', function () {
    const nodes = readExample(`${EX.orderTicket}.json`);
    const answer = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'the answer')).run;
    const refresh = { topic: 'order-ticket/refresh' };
    assert.deepEqual(answer({ topic: 'mstock/order', payload: { action: 'place', orderid: '1131250211100', message: 'SUCCESS' } }),
      [{ payload: 'Order sent. mStock\'s order id: 1131250211100. The order book below shows its status.', class: 'mstock-done' }, refresh]);
    assert.deepEqual(answer({ topic: 'mstock/order', payload: { action: 'cancel-all', message: 'SUCCESS' } }),
      [{ payload: 'mStock has cancelled the open orders (it says: SUCCESS).', class: 'mstock-done' }, refresh]);

    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'in plain words'));
    const say = (code, message = 'Some text from the node.') => run({ payload: 'x', error: { code, message } });
    assert.deepEqual(say('MSTOCK_ORDERS_DISABLED', 'Orders from flows are off for this mStock account, so nothing was sent. Turn on "Allow orders from flows" on the account node to allow them.'),
      [{ payload: 'Orders are off for this account: turn on Allow orders from flows in the account node.', class: 'mstock-problem' }, null]);
    assert.match(say('MSTOCK_ORDERS_DISABLED', 'This mStock account has placed its 100 orders for today (its daily cap), so nothing was sent.')[0].payload, /Max orders per day/);
    assert.deepEqual(say('MSTOCK_ORDER_REJECTED', 'mStock refused the order (RS-0111): RMS: Margin Exceeds, Required: 2,49,885.50, Available: 25,000.50 for entity account-CLIENT1.'),
      [{ payload: 'mStock rejected it: RMS: Margin Exceeds, Required: 2,49,885.50, Available: 25,000.50 for entity account-CLIENT1.', class: 'mstock-problem' }, refresh]);
    const uncertain = say('MSTOCK_ORDER_UNCERTAIN', 'mStock did not answer the order within 10 s: the order may have reached mStock: check the order book before sending it again.');
    assert.match(uncertain[0].payload, /check the order book before sending again\.$/);
    assert.deepEqual(uncertain[1], refresh, 'the book shows whether it arrived');
    assert.match(say('MSTOCK_INVALID_INPUT', 'The order\'s instrument: NSE:NOSUCH-EQ is not in mStock\'s instrument master.')[0].payload, /^mStock does not know that symbol\./);
    assert.equal(say('MSTOCK_NOT_LOGGED_IN')[0].payload, 'You are not logged in. Log in on the mStock page first.');
    // every code but the login's (this page logs no one in)
    const codes = Object.values(ErrorCode).filter((code) => !/OTP|PENDING_LOGIN|AUTH_FAILED/.test(code));
    assert.equal(codes.length, Object.values(ErrorCode).length - 3);
    const sentences = new Set();
    for (const code of codes) {
      const [{ payload: sentence }] = say(code, 'mStock refused it (XY123): Not allowed now.');
      assert.match(sentence, /^[A-Zm].{10,130}[.]$/, `${code}: "${sentence}"`);
      assert.doesNotMatch(sentence, /msg\.|payload|(?<!account )\bnode\b|MSTOCK_/i, `${code}: "${sentence}"`);
      sentences.add(sentence);
    }
    assert.equal(sentences.size, codes.length, 'one sentence per code');
    assert.equal(say(undefined, 'TypeError in a function node')[0].payload, 'Something went wrong. Try again.');
  });

  it('11 "show the order book" writes each order on one row in rupees the Indian way, "Market" for market prices, mStock\'s words for a rejection, counts the open orders, and clears when the session ends', function () {
    const nodes = readExample(`${EX.orderTicket}.json`);
    const flow = new Map();
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'show the order book'), flow);
    // rows as mstock-orders parses the order book
    const row = (o) => ({ variety: null, duration: 'DAY', triggerprice: 0, disclosedquantity: 0, exchange: 'NSE', averageprice: 0, text: '', filledshares: 0, ...o });
    const out = run({ topic: 'mstock/orders', payload: [
      row({ orderid: '1131250211105', updatetime: '2026-01-05T10:20:34+05:30', tradingsymbol: 'SBIN', transactiontype: 'BUY', quantity: 1500, ordertype: 'LIMIT', producttype: 'INTRADAY', price: 700, status: 'Pending' }),
      row({ orderid: '1131250211104', updatetime: '2026-01-05T10:19:00+05:30', tradingsymbol: 'SBIN', transactiontype: 'SELL', quantity: 1, ordertype: 'MARKET', producttype: 'INTRADAY', price: 0, averageprice: 784.1, status: 'Traded' }),
      row({ orderid: '1131250211103', updatetime: '2026-01-05T10:18:00+05:30', tradingsymbol: 'ACC', transactiontype: 'SELL', quantity: 10, ordertype: 'SL', producttype: 'INTRADAY', price: 1900, triggerprice: 1905, status: 'trigger pending' }),
      row({ orderid: '1131250211102', updatetime: '2026-01-05T10:17:00+05:30', tradingsymbol: 'INFY', transactiontype: 'BUY', quantity: 5, ordertype: 'LIMIT', producttype: 'DELIVERY', price: 2500, status: 'Rejected', text: 'EXCH:16284:The order price is out of the days price range.' }),
      row({ orderid: '1131250211101', updatetime: null, tradingsymbol: 'TCS', transactiontype: 'BUY', quantity: null, ordertype: 'SL-M', producttype: 'DELIVERY', price: 0, triggerprice: 4200, status: 'Cancelled', text: 'CONFIRMED' }),
    ] });
    assert.deepEqual(out.payload, [
      { time: '10:20:34', orderid: '1131250211105', symbol: 'NSE:SBIN', side: 'BUY', quantity: '1,500', type: 'LIMIT', product: 'INTRADAY', price: '₹700.00', average: '–', status: 'Pending', note: '' },
      { time: '10:19:00', orderid: '1131250211104', symbol: 'NSE:SBIN', side: 'SELL', quantity: '1', type: 'MARKET', product: 'INTRADAY', price: 'Market', average: '₹784.10', status: 'Traded', note: '' },
      { time: '10:18:00', orderid: '1131250211103', symbol: 'NSE:ACC', side: 'SELL', quantity: '10', type: 'SL', product: 'INTRADAY', price: '₹1,900.00, trigger ₹1,905.00', average: '–', status: 'trigger pending', note: '' },
      { time: '10:17:00', orderid: '1131250211102', symbol: 'NSE:INFY', side: 'BUY', quantity: '5', type: 'LIMIT', product: 'DELIVERY', price: '₹2,500.00', average: '–', status: 'Rejected', note: 'EXCH:16284:The order price is out of the days price range.' },
      { time: '–', orderid: '1131250211101', symbol: 'NSE:TCS', side: 'BUY', quantity: '–', type: 'SL-M', product: 'DELIVERY', price: 'Market, trigger ₹4,200.00', average: '–', status: 'Cancelled', note: '' },
    ]);
    assert.equal(flow.get('openOrders'), 2, 'Pending and trigger pending can be cancelled');
    assert.deepEqual(run({ topic: 'mstock/orders', payload: [] }), { payload: [] });
    assert.equal(flow.get('openOrders'), 0);
    flow.set('openOrders', 4);
    assert.deepEqual(run({ topic: 'mstock/session', payload: { state: 'expired' } }), { payload: [] });
    assert.equal(flow.get('openOrders'), 0);

    const session = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'the session')).run;
    const change = (state) => session({ topic: 'mstock/session', payload: { state } });
    assert.deepEqual(change('live'), [{ topic: 'order-ticket/refresh' }, null]);
    for (const state of ['logged-out', 'expired']) assert.deepEqual(change(state), [null, { topic: 'mstock/session', payload: { state } }], state);
    assert.equal(change('otp-pending'), null);
  });

  it('12 wires 15:15 on weekdays and a button to cancel-all, then the positions, one opposite market order per open intraday position, a summary, and a Catch; the account has orders off', function () {
    const nodes = readExample(`${EX.squareOff}.json`);
    const { one, by, next, outputs } = navigate(nodes);
    const account = one((n) => n.type === 'mstock-config', 'account');
    assert.deepEqual([account.orders, account.maxOrdersPerDay], [false, '100']);
    assert.match(one((n) => n.type === 'comment', 'comment').info, /`orders: false`[\s\S]*\*\*Turn\s+orders on first\*\*/);
    const cancelAll = one((n) => n.type === 'mstock-order' && n.action === 'cancel-all', 'cancel-all node');
    for (const inject of by((n) => n.type === 'inject')) assert.deepEqual(next(inject), [cancelAll], inject.name);
    const positions = one((n) => n.type === 'mstock-portfolio', 'positions node');
    assert.deepEqual([positions.view, positions.output], ['positions', 'parsed']);
    assert.deepEqual(next(cancelAll), [positions], 'the positions are read once the open orders are cancelled');
    const opposite = one((n) => n.type === 'function' && n.name === 'opposite market orders', 'opposite market orders');
    assert.deepEqual(next(positions), [opposite]);
    const place = one((n) => n.type === 'mstock-order' && n.action === 'place', 'place node');
    const summary = one((n) => n.type === 'debug' && n.name === 'squared off', 'squared off debug');
    assert.deepEqual(outputs(opposite), [[place], [summary]]);
    const [done] = next(place);
    assert.equal(done.name, 'what was done');
    assert.deepEqual(next(done), [summary]);
    const refused = one((n) => n.type === 'catch' && Array.isArray(n.scope), 'the catch of cancel-all');
    assert.deepEqual(refused.scope, [cancelAll.id]);
    assert.deepEqual(next(next(refused)[0]), [positions]);
    const caught = one((n) => n.type === 'catch' && n.scope === null, 'catch');
    assert.equal(next(caught)[0].complete, 'error.message');
  });

  it('12 "opposite market orders" closes each open INTRADAY position with a MARKET order of its net quantity the other way (F&O on NFO/BFO by token), leaves the others, and says what it does', function () {
    const nodes = readExample(`${EX.squareOff}.json`);
    const { run } = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'opposite market orders'));
    // rows as mstock-portfolio parses positions: netqty a number, tokens strings
    const position = (exchange, symboltoken, symbolname, instrumenttype, producttype, netqty) => ({ exchange, symboltoken, producttype, tradingsymbol: null, symbolname, instrumenttype, netqty });
    const [orders, said] = run({ topic: 'mstock/positions', payload: [
      position('NSE', '22', 'ACC', 'EQUITY', 'INTRADAY', 10),
      position('NSE', '2885', 'RELIANCE', 'EQUITY', 'DELIVERY', 100),
      position('NSE', '3045', 'SBIN', 'EQUITY', 'INTRADAY', -1500),
      position('NSE', '11536', 'TCS', 'EQUITY', 'INTRADAY', 0),
      position('NSE', '56259', 'SBIN26JANFUT', 'FUTSTK', 'INTRADAY', -750),
      position('BSE', '873900', 'SENSEX26JAN80000CE', 'OPTIDX', 'INTRADAY', 20),
      position('NSE', '1594', 'INFY', 'EQUITY', 'CARRYFORWARD', 5),
    ] });
    const market = (exchange, token, side, quantity) => ({ instrument: { exchange, token }, transactiontype: side, ordertype: 'MARKET', quantity, producttype: 'INTRADAY' });
    assert.deepEqual(orders.map((o) => o.payload), [market('NSE', '22', 'SELL', 10), market('NSE', '3045', 'BUY', 1500), market('NFO', '56259', 'BUY', 750), market('BFO', '873900', 'SELL', 20)]);
    assert.deepEqual(orders.map((o) => o.squaring), ['SELL 10 NSE:ACC', 'BUY 1500 NSE:SBIN', 'BUY 750 NFO:SBIN26JANFUT', 'SELL 20 BFO:SENSEX26JAN80000CE']);
    assert.equal(said.payload, 'Squaring off 4 intraday positions: SELL 10 NSE:ACC, BUY 1500 NSE:SBIN, BUY 750 NFO:SBIN26JANFUT, SELL 20 BFO:SENSEX26JAN80000CE');
    assert.deepEqual(run({ topic: 'mstock/positions', payload: [position('NSE', '22', 'ACC', 'EQUITY', 'INTRADAY', 0)] }), [null, { payload: 'Nothing to square off: no open intraday position.' }]);
    assert.deepEqual(run({ topic: 'mstock/positions', payload: [] }), [null, { payload: 'Nothing to square off: no open intraday position.' }]);

    const done = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'what was done')).run;
    assert.deepEqual(done({ topic: 'mstock/order', payload: { action: 'place', orderid: '1131250211100', message: 'SUCCESS' }, squaring: 'SELL 10 NSE:ACC' }), { payload: 'SELL 10 NSE:ACC at market: order 1131250211100' });
    const goOn = runFunction(nodes.find((n) => n.type === 'function' && n.name === 'go on if mStock refused it')).run;
    assert.deepEqual(goOn({ error: { code: 'MSTOCK_ORDER_REJECTED', message: 'mStock refused cancel all (MA500): something went wrong.' } }), { topic: 'square-off', payload: '' });
    for (const code of ['MSTOCK_ORDERS_DISABLED', 'MSTOCK_ORDER_UNCERTAIN', 'MSTOCK_NOT_LOGGED_IN', 'MSTOCK_SESSION_EXPIRED']) assert.equal(goOn({ error: { code, message: 'x' } }), null, code);
  });

});

for (const flavour of Object.keys(FLAVOURS)) {
  describe(`examples 02–13 in a real ${FLAVOURS[flavour].label}`, function () {
    this.timeout(60_000);
    let sandbox;
    let red;
    let broker;
    let mqttServer;
    let smtp;
    let browser;
    const published = [];
    const mailbox = [];

    before(async function () {
      sandbox = new Sandbox({ fixedOtp: '123456' });
      await sandbox.start();
      broker = await Aedes.createBroker();
      broker.on('publish', (packet, client) => {
        if (client && packet.topic.startsWith('mstock/')) {
          published.push({ topic: packet.topic, payload: String(packet.payload), retain: packet.retain, qos: packet.qos });
        }
      });
      mqttServer = net.createServer(broker.handle);
      await new Promise((resolve) => mqttServer.listen(0, '127.0.0.1', resolve));
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, session, callback) {
          const chunks = [];
          stream.on('data', (chunk) => chunks.push(chunk));
          stream.on('end', () => {
            mailbox.push({ raw: Buffer.concat(chunks).toString('utf8'), rcptTo: session.envelope.rcptTo.map((r) => r.address) });
            callback();
          });
        },
      });
      await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      installedTemplate();
      red = new NodeRed({ flavour });
      await red.start();
    });

    after(async function () {
      if (browser) await browser.close();
      if (red) {
        await red.stop();
        red.cleanUp();
      }
      if (smtp) await new Promise((resolve) => smtp.close(resolve));
      if (broker) await new Promise((resolve) => broker.close(resolve));
      if (mqttServer) await new Promise((resolve) => mqttServer.close(resolve));
      if (sandbox) await sandbox.stop();
    });

    /** A fresh browser page; the test fails on any uncaught error in the page. */
    async function newPage(t) {
      if (!hasChromium()) t.skip();
      if (!browser) browser = await launchChromium({ viewport: { width: 1200, height: 640 } });
      const { page, pageErrors } = watchPage(await browser.context.newPage());
      return { page, errors: pageErrors };
    }

    /** The example as Node-RED offers it under Import ▸ Examples, checked against the repository's file. */
    async function example(name) {
      const res = await fetch(`${red.url}/library/examples/flows/${MODULE}/${encodeURIComponent(name)}`);
      assert.equal(res.status, 200, `${name} is not among Node-RED's examples`);
      const nodes = JSON.parse(await res.text());
      assert.deepEqual(nodes, readExample(`${name}.json`));
      return nodes;
    }

    /** Points the example at the sandbox, silences its schedules (the test triggers them), adds credentials. */
    function prepare(nodes, { totp = false } = {}) {
      const config = nodes.find((n) => n.type === 'mstock-config');
      config.baseUrl = sandbox.url;
      config.feedUrl = sandbox.feedUrl;
      for (const n of nodes.filter((node) => node.type === 'inject')) Object.assign(n, { crontab: '', repeat: '' });
      const credentials = {
        [config.id]: {
          apiKey: SANDBOX_ACCOUNT.apiKey,
          clientCode: SANDBOX_ACCOUNT.clientCode,
          password: SANDBOX_ACCOUNT.password,
          ...(totp ? { totpSecret: SANDBOX_ACCOUNT.totpSecret } : {}),
        },
      };
      const named = (type, name) => nodes.find((n) => n.type === type && n.name === name);
      return { config, credentials, named };
    }

    /** A test-only inject → mStock node pair on the example's account (the examples that poll need a live session). */
    function helper(account, type, tag) {
      return [
        { id: `e2e-${tag}-inject`, type: 'inject', name: `e2e ${tag}`, props: [{ p: 'payload' }], payload: '', payloadType: 'date', x: 140, y: 600, wires: [[`e2e-${tag}`]] },
        { id: `e2e-${tag}`, type, name: `e2e ${tag}`, account, x: 340, y: 600, wires: [[]] },
      ];
    }

    const mark = (comms) => comms.events.length;
    const statusAfter = (comms, from, id, test) => (e) => comms.events.indexOf(e) >= from && e.topic === `status/${id}` && test(e.data.text || '');
    const debugAfter = (comms, from, name) => (e) => comms.events.indexOf(e) >= from && e.topic === 'debug' && e.data.name === name;
    const debugOf = (comms, name) => comms.debug().filter((d) => d.name === name);

    it('loads node-red-node-email (installed beside our package) and the FlowFuse Dashboard, and offers our examples', async function () {
      const sets = await red.admin('GET', '/nodes');
      const modules = new Set(sets.filter((s) => s.enabled && !s.err).map((s) => s.module));
      for (const module of [MODULE, 'node-red-node-email', '@flowfuse/node-red-dashboard']) assert.ok(modules.has(module), `${module} is not loaded`);
      for (const type of ['e-mail', 'ui-base', 'ui-form', 'ui-gauge', 'ui-notification']) {
        assert.ok(sets.some((s) => s.types.includes(type) && s.enabled && !s.err), `${type} is not registered`);
      }
      const listed = JSON.parse(await (await fetch(`${red.url}/library/examples/flows/${MODULE}/`)).text()).map((e) => e.fn);
      for (const name of Object.values(EX)) assert.ok(listed.includes(name), `${name} is not offered`);
    });

    it('03 publishes every poll\'s funds retained to mstock/funds, and one alert per crossing of 50000 to mstock/alert', async function () {
      const nodes = await example(EX.mqtt);
      const { config, credentials, named } = prepare(nodes, { totp: true });
      const mqttBroker = nodes.find((n) => n.type === 'mqtt-broker');
      Object.assign(mqttBroker, { broker: '127.0.0.1', port: String(mqttServer.address().port) });
      const poll = nodes.find((n) => n.type === 'inject');
      const fundsOut = named('mqtt out', 'mstock/funds (retained)');
      const check = nodes.find((n) => n.type === 'function');
      const flows = onTab([...nodes, ...helper(config.id, 'mstock-login', 'login')]);
      await red.deploy(flows, credentials);
      const comms = await red.comms();
      await comms.waitFor(statusAfter(comms, 0, fundsOut.id, (t) => /\.connected$/.test(t)), 10_000, 'the MQTT connection');
      let from = mark(comms);
      await red.inject('e2e-login-inject');
      await comms.waitFor(statusAfter(comms, from, nodes.find((n) => n.type === 'mstock-funds').id, (t) => t.startsWith('live until')), WAIT, 'a live session');

      published.length = 0;
      const balances = [100000, 40000, 30000, 60000, 70000, 20000];
      for (const balance of balances) {
        sandbox.setAvailableBalance(balance);
        from = mark(comms);
        const before = published.length;
        await red.inject(poll.id);
        await comms.waitFor(statusAfter(comms, from, check.id, (t) => t.endsWith(`: ${balance}`)), WAIT, `the check of ${balance}`);
        await until(() => published.slice(before).some((p) => p.topic === 'mstock/funds' && JSON.parse(p.payload)[0].availableBalance === balance), WAIT, `funds ${balance} at the broker`);
      }
      const alerts = () => published.filter((p) => p.topic === 'mstock/alert');
      await until(() => alerts().length >= 3, WAIT, 'three alerts');
      await sleep(500); // nothing more may come

      const funds = published.filter((p) => p.topic === 'mstock/funds');
      assert.equal(funds.length, balances.length, 'one funds message per poll');
      for (const p of funds) {
        assert.equal(p.retain, true);
        assert.equal(p.qos, 1);
        const segments = JSON.parse(p.payload);
        assert.ok(Array.isArray(segments) && segments.length === 2);
        assert.equal(segments[1].availableBalance, 25000.5);
        assert.equal(segments[0].limitType, 'CAPITAL');
      }
      assert.deepEqual(funds.map((p) => JSON.parse(p.payload)[0].availableBalance), balances);
      assert.deepEqual(
        alerts().map((p) => [JSON.parse(p.payload).alert, JSON.parse(p.payload).availableBalance, JSON.parse(p.payload).threshold, p.retain]),
        [['below', 40000, 50000, false], ['recovered', 60000, 50000, false], ['below', 20000, 50000, false]],
      );

      // the broker keeps the last fund summary: a client that subscribes later gets it at once
      const retained = [];
      for await (const packet of broker.persistence.createRetainedStream('mstock/funds')) retained.push(packet);
      assert.equal(retained.length, 1);
      assert.equal(JSON.parse(String(retained[0].payload))[0].availableBalance, 20000);
      const mqtt = mqttClient();
      const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttServer.address().port}`, { reconnectPeriod: 0 });
      try {
        const got = new Promise((resolve) => late.once('message', (topic, payload, packet) => resolve({ topic, payload: String(payload), retain: packet.retain })));
        await late.subscribeAsync('mstock/#');
        const first = await Promise.race([got, sleep(5000).then(() => assert.fail('no retained message for a late subscriber'))]);
        assert.equal(first.topic, 'mstock/funds');
        assert.equal(first.retain, true);
        assert.equal(JSON.parse(first.payload)[0].availableBalance, 20000);
      } finally {
        await late.endAsync(true);
      }
      comms.close();
    });

    it('04 sends exactly one e-mail per fall below 50000, with the balance in it, and re-arms above', async function () {
      const nodes = await example(EX.email);
      const { config, credentials } = prepare(nodes, { totp: true });
      const email = nodes.find((n) => n.type === 'e-mail');
      Object.assign(email, { server: '127.0.0.1', port: String(smtp.server.address().port), secure: false, tls: false, authtype: 'NONE' });
      credentials[email.id] = { userid: 'node-red@example.com' };
      const poll = nodes.find((n) => n.type === 'inject');
      const check = nodes.find((n) => n.type === 'function');
      await red.deploy(onTab([...nodes, ...helper(config.id, 'mstock-login', 'login')]), credentials);
      const comms = await red.comms();
      let from = mark(comms);
      await red.inject('e2e-login-inject');
      await comms.waitFor(statusAfter(comms, from, nodes.find((n) => n.type === 'mstock-funds').id, (t) => t.startsWith('live until')), WAIT, 'a live session');

      mailbox.length = 0;
      const balances = [100000, 40000, 30000, 60000, 45000, 20000, 55000];
      for (const balance of balances) {
        sandbox.setAvailableBalance(balance);
        from = mark(comms);
        await red.inject(poll.id);
        await comms.waitFor(statusAfter(comms, from, check.id, (t) => digits(t) === balance.toFixed(2)), WAIT, `the check of ${balance}`);
      }
      await until(() => mailbox.length >= 2, 10_000, 'two e-mails');
      await sleep(700); // nothing more may come
      assert.equal(mailbox.length, 2, 'one e-mail per fall below the threshold');
      const mails = mailbox.map((m) => ({ ...decodeMail(m.raw), rcptTo: m.rcptTo }));
      for (const [mail, balance] of [[mails[0], '40,000.00'], [mails[1], '45,000.00']]) {
        assert.deepEqual(mail.rcptTo, ['you@example.com']);
        assert.equal(mail.subject, `mStock: available balance ₹${balance} is below ₹50,000.00`);
        assert.match(mail.body, new RegExp(`available balance is ₹${balance}, below your alert level of ₹50,000\\.00`));
        assert.match(mail.contentType, /^text\/plain/);
      }
      assert.deepEqual(debugOf(comms, 'error'), [], 'no error on the way');
      comms.close();
    });

    it('05 logs out quietly on a day nobody logged in, logs in unattended with a TOTP secret, logs out, and says "log in again" only when the session expires', async function () {
      const nodes = await example(EX.schedule);
      const { config, credentials, named } = prepare(nodes, { totp: true });
      await red.deploy(onTab([...nodes, ...helper(config.id, 'mstock-funds', 'funds')]), credentials);
      const comms = await red.comms();
      const states = () => debugOf(comms, 'session changes').map((d) => JSON.parse(d.msg).state);
      const calls = { ...sandbox.calls };
      const liveBefore = sandbox.liveSessionCount;

      // 15:45 on a day nobody logged in: the normal output, no error
      let from = mark(comms);
      await red.inject(named('inject', '15:45 Mon–Fri').id);
      const quiet = await comms.waitFor(debugAfter(comms, from, 'logout'), WAIT, 'the quiet logout');
      assert.equal(JSON.parse(quiet.data.msg).state, 'logged-out');
      await sleep(300);
      assert.deepEqual(debugOf(comms, 'error'), [], 'no error on a day nobody logged in');
      assert.deepEqual(states(), [], 'the session did not change');
      assert.equal(sandbox.calls.logout || 0, calls.logout || 0, 'nothing was sent to mStock');

      from = mark(comms);
      await red.inject(named('inject', '09:00 Mon–Fri').id);
      const login = await comms.waitFor(debugAfter(comms, from, 'login'), WAIT, 'the login output');
      assert.equal(login.data.topic, 'mstock/session');
      assert.equal(JSON.parse(login.data.msg).state, 'live');
      await until(() => states().length >= 2, WAIT, 'two session changes');
      assert.deepEqual(states(), ['otp-pending', 'live']);
      assert.equal((sandbox.calls.verifyTotp || 0) - (calls.verifyTotp || 0), 1, 'the authenticator code was sent');
      assert.equal(sandbox.calls.sessionToken || 0, calls.sessionToken || 0, 'no OTP was typed');
      assert.equal(sandbox.liveSessionCount, liveBefore + 1);

      from = mark(comms);
      await red.inject(named('inject', '15:45 Mon–Fri').id);
      const logout = await comms.waitFor(debugAfter(comms, from, 'logout'), WAIT, 'the logout output');
      assert.equal(JSON.parse(logout.data.msg).state, 'logged-out');
      await until(() => states().length >= 3, WAIT, 'the logged-out change');
      assert.equal(sandbox.liveSessionCount, liveBefore, 'the session ended at the broker');
      assert.deepEqual(debugOf(comms, 'log in again'), [], 'a logout is not an expiry');

      // the next morning's login, then the broker stops accepting the session (as at midnight)
      from = mark(comms);
      await red.inject(named('inject', '09:00 Mon–Fri').id);
      await comms.waitFor(debugAfter(comms, from, 'login'), WAIT, 'the second login');
      sandbox.expireSessions();
      await red.inject('e2e-funds-inject');
      const again = await comms.waitFor(debugAfter(comms, from, 'log in again'), WAIT, 'the "log in again" message');
      assert.equal(again.data.msg, 'The mStock session has expired: log in again.');
      await until(() => states().length >= 6, WAIT, 'six session changes');
      assert.deepEqual(states(), ['otp-pending', 'live', 'logged-out', 'otp-pending', 'live', 'expired']);
      await sleep(200);
      assert.equal(debugOf(comms, 'log in again').length, 1);
      // the Catch node's debug shows the error's message, not the error object
      assert.deepEqual(debugOf(comms, 'error').map((d) => d.msg), ['mStock refused the fund summary request (IA401): Invalid request. Please try again. Log in again and enter a new OTP.']);
      comms.close();
    });

    it('06 answers positions, holdings, the order book, the newest order\'s details and the trades from the sandbox, after Log in and Send OTP', async function () {
      const nodes = await example(EX.portfolio);
      const { credentials, named } = prepare(nodes);
      await red.deploy(onTab(nodes), credentials);
      const comms = await red.comms();
      const rows = (d) => JSON.parse(d.data.msg);
      const press = async (button, debugName, what) => {
        const from = mark(comms);
        await red.inject(named('inject', button).id);
        return comms.waitFor(debugAfter(comms, from, debugName), WAIT, what);
      };

      // before the OTP: the Catch node's debug says why, in words
      const early = await press('Positions', 'error', 'the not-logged-in error');
      assert.match(early.data.msg, /^Not logged in to mStock\./);
      await press('Log in', 'login', 'the login');
      const live = await press('Send OTP', 'session', 'the session');
      assert.equal(rows(live).state, 'live');

      const positions = await press('Positions', 'portfolio', 'positions');
      assert.equal(positions.data.topic, 'mstock/positions');
      assert.deepEqual(rows(positions).map((p) => [p.symbolname, p.symboltoken, p.netqty]), [['ACC', '22', 10], ['TCS', '11536', 2]]);
      const holdings = await press('Holdings', 'portfolio', 'holdings');
      assert.equal(holdings.data.topic, 'mstock/holdings');
      assert.deepEqual(rows(holdings).map((h) => [h.isin, h.quantity]), [['INE062A01020', 10], ['INE467B01029', 5], ['INE009A01021', 12]]);

      const from = mark(comms);
      const book = await press('Order book', 'orders', 'the order book');
      assert.equal(book.data.topic, 'mstock/orders');
      const orders = rows(book);
      assert.deepEqual(orders.map((o) => o.status), ['Pending', 'Traded', 'Rejected', 'Traded', 'Traded']);
      assert.equal(orders[0].price, 1250);
      assert.match(orders[0].orderid, /^\d{13}$/);
      const details = await comms.waitFor(debugAfter(comms, from, 'order details'), WAIT, 'the newest order\'s details');
      assert.equal(details.data.topic, 'mstock/order');
      assert.deepEqual(rows(details).map((o) => [o.orderid, o.tradingsymbol, o.status]), [[orders[0].orderid, 'RELIANCE', 'Pending']]);
      assert.match(rows(details)[0].updatetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);

      const trades = await press('Trade book', 'trades', 'the trade book');
      assert.equal(trades.data.topic, 'mstock/trades');
      assert.deepEqual(rows(trades).map((t) => [t.symbol, t.buySell, t.quantity]), [['ACC', 'Sell', 10], ['TCS', 'Buy', 2], ['ACC', 'Buy', 8], ['ACC', 'Buy', 12]]);
      const week = await press('Trades, last 7 days', 'trades', 'the trades of the last 7 days');
      assert.equal(week.data.topic, 'mstock/trade-history');
      assert.deepEqual(rows(week).map((t) => [t.fillid, t.fillsize]), [['68334429', 10], ['68334428', 2], ['68334427', 8], ['68334426', 12]]);
      const sent = JSON.parse(sandbox.requests.filter((r) => r.endpoint === 'tradeHistory').at(-1).body);
      const indiaDay = (ms) => new Date(ms + 5.5 * 3600_000).toISOString().slice(0, 10);
      assert.deepEqual(sent, { fromdate: indiaDay(Date.now() - 6 * 86400_000), todate: indiaDay(Date.now()) });

      assert.equal(debugOf(comms, 'error').length, 1, 'no error after the one before the OTP');
      comms.close();
    });

    it('07 reads the option chain master through mstock-request once logged in, and before that shows "not logged in" from its Catch node, sending nothing', async function () {
      const nodes = await example(EX.request);
      const { config, credentials, named } = prepare(nodes, { totp: true });
      const request = nodes.find((n) => n.type === 'mstock-request');
      assert.deepEqual([request.method, request.path], ['GET', 'getoptionchainmaster/2']);
      const get = named('inject', 'Get option chain master');
      await red.deploy(onTab([...nodes, ...helper(config.id, 'mstock-login', 'login')]), credentials);
      const comms = await red.comms();
      const sent = () => sandbox.requests.filter((r) => r.endpoint === 'optionChainMaster');
      const before = sent().length;

      let from = mark(comms);
      await red.inject(get.id);
      const refused = await comms.waitFor(debugAfter(comms, from, 'error'), WAIT, 'the error before a login');
      assert.equal(refused.data.msg, 'Not logged in to mStock. Log in with the mStock login node and enter the OTP first.');
      assert.equal(sent().length, before, 'nothing was sent');

      from = mark(comms);
      await red.inject('e2e-login-inject');
      await comms.waitFor(statusAfter(comms, from, request.id, (t) => t.startsWith('live until')), WAIT, 'a live session');
      from = mark(comms);
      await red.inject(get.id);
      const answer = await comms.waitFor(debugAfter(comms, from, 'option chain master'), WAIT, 'the option chain master');
      assert.equal(answer.data.topic, 'mstock/request');
      const data = JSON.parse(answer.data.msg);
      assert.deepEqual(Object.keys(data).sort(), ['FUTIDX', 'OPTIDX', 'OPTSTK', 'dctExp']);
      assert.ok(data.OPTIDX.includes('NIFTY,26000,1,2,3'), JSON.stringify(data.OPTIDX));
      assert.equal(typeof data.dctExp['1'], 'number');
      assert.deepEqual(sent().slice(before).map((r) => `${r.method} ${r.path}`), ['GET /openapi/typeb/getoptionchainmaster/2']);
      await sleep(200);
      assert.equal(debugOf(comms, 'error').length, 1, 'no error once logged in');
      comms.close();
    });

    it('02 without a browser: the login, OTP and funds chain behind the dashboard widgets works (Admin API)', async function () {
      const nodes = await example(EX.dashboard);
      const { credentials, named } = prepare(nodes);
      const showFunds = named('function', 'show the funds');
      // test-only stand-ins for the Log in button and the OTP entry, and debug taps on the numbers' wires
      const extra = [
        { id: 'e2e-login-button', type: 'inject', name: 'e2e Log in', props: [{ p: 'payload' }], payload: '', payloadType: 'str', x: 140, y: 600, wires: [[nodes.find((n) => n.type === 'mstock-login').id]] },
        { id: 'e2e-otp-entry', type: 'inject', name: 'e2e OTP', props: [{ p: 'payload' }], payload: '123456', payloadType: 'str', x: 140, y: 640, wires: [[nodes.find((n) => n.type === 'mstock-otp').id]] },
        ...['gauge', 'available', 'utilized'].map((name, i) => ({ id: `e2e-tap-${name}`, type: 'debug', name: `e2e ${name}`, active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 400, y: 600 + i * 40, wires: [] })),
      ];
      showFunds.wires = showFunds.wires.map((port, i) => (i < 3 ? [...port, extra[2 + i].id] : port));
      sandbox.setAvailableBalance(250000);
      await red.deploy(onTab([...nodes, ...extra]), credentials);
      const comms = await red.comms();
      await red.inject('e2e-login-button');
      await comms.waitFor((e) => e.topic === `status/${nodes.find((n) => n.type === 'mstock-otp').id}` && e.data.text === 'waiting for OTP', WAIT, 'waiting for OTP');
      const from = mark(comms); // the funds shown at start are the cleared ones
      await red.inject('e2e-otp-entry');
      const gauge = await comms.waitFor(debugAfter(comms, from, 'e2e gauge'), WAIT, 'the gauge value');
      assert.equal(gauge.data.msg, '2.5', 'the gauge counts in lakh');
      const available = await comms.waitFor(debugAfter(comms, from, 'e2e available'), WAIT, 'the balance text');
      assert.equal(digits(available.data.msg), '250000.00');
      assert.match(available.data.msg, /^₹2,50,000\.00$/);
      const utilized = await comms.waitFor(debugAfter(comms, from, 'e2e utilized'), WAIT, 'the utilized text');
      assert.match(utilized.data.msg, /^₹44,999\.50$/);
      const page = await fetch(`${red.url}/dashboard/mstock`);
      assert.equal(page.status, 200);
      comms.close();
    });

    it('02 in a real browser: Log in, the OTP on a phone-friendly input, a wrong code in plain words, live with funds; expiry and Log out clear them', async function () {
      const { page, errors } = await newPage(this);
      const nodes = await example(EX.dashboard);
      const { credentials } = prepare(nodes);
      const w = dashboardWidgets(page, nodes);
      const logoutNode = nodes.find((n) => n.type === 'mstock-logout');
      sandbox.setAvailableBalance(250000);
      await red.deploy([], {}); // forget the session the test before made on this account
      await red.deploy(onTab(nodes), credentials);
      const comms = await red.comms();
      const calls = { ...sandbox.calls };
      const delta = (name) => (sandbox.calls[name] || 0) - (calls[name] || 0);
      const notice = async (sentence) => {
        const shown = page.getByText(sentence, { exact: true });
        await shown.waitFor({ timeout: WAIT });
        await w.closeNotification.click();
        await shown.waitFor({ state: 'hidden', timeout: WAIT });
      };

      await page.goto(`${red.url}/dashboard/mstock`);
      // the session node sends the current state at start, so the page shows it before any login
      await assertText(w.session, /^Logged out$/);
      assert.equal(await w.otpEntry.isVisible(), false, 'no OTP entry before a login');
      assert.equal(await w.says.isVisible(), false, 'mStock has said nothing yet');
      assert.equal(await w.available.isVisible(), false, 'no funds before a login');

      // Log out with no session is quiet: no notification, no red status
      await w.logout.click();
      await sleep(700);
      assert.equal(await page.getByText('You are not logged in. Press Log in.').count(), 0);
      assert.deepEqual(comms.status(logoutNode.id).filter((s) => s.fill === 'red'), []);

      await w.login.click();
      await assertText(w.session, /^Waiting for OTP$/);
      await assertText(w.says, /^Please enter the OTP that we sent on XXXXXXX452/);
      await w.otpEntry.waitFor({ state: 'visible', timeout: WAIT });
      // what a phone reads on the real input element: the number keypad, the code from the SMS
      assert.deepEqual(
        await w.otpInput.evaluate((el) => ({ type: el.type, inputMode: el.inputMode, autocomplete: el.autocomplete, pattern: el.pattern, maxLength: el.maxLength })),
        { type: 'text', inputMode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{4,8}', maxLength: 8 },
      );

      // too short: said on the field, nothing sent
      await w.otpInput.fill('12');
      await w.sendOtp.click();
      await assertText(w.otpEntry.locator('.v-messages'), /^Type the 4 to 8 digits of the code\.$/);
      assert.equal(delta('sessionToken'), 0);

      // a mistyped OTP: plain words in a notification, and the login keeps waiting
      await w.otpInput.fill('000000');
      await w.sendOtp.click();
      await notice('That code was not accepted. Check it and try again.');
      assert.equal((await w.session.textContent()).trim(), 'Waiting for OTP');

      await w.otpInput.fill(' 123456 ');
      await w.sendOtp.click();
      await assertText(w.session, /^Live until 00:00 IST$/);
      await assertText(w.available, /^₹2,50,000\.00$/);
      await assertText(w.utilized, /^₹44,999\.50$/);
      await assertText(w.gauge, /2\.5\s*₹ lakh/);
      await w.otpEntry.waitFor({ state: 'hidden', timeout: WAIT });
      await w.says.waitFor({ state: 'hidden', timeout: WAIT });

      // Refresh funds fetches again
      sandbox.setAvailableBalance(180000.5);
      await w.refresh.click();
      await assertText(w.available, /^₹1,80,000\.50$/);
      await assertText(w.gauge, /1\.8\s*₹ lakh/);
      assert.deepEqual([delta('login'), delta('sessionToken'), delta('fundSummary')], [1, 2, 2]);

      // mStock ends the session (as at midnight): the next refresh says so, and the funds go
      sandbox.expireSessions();
      await w.refresh.click();
      await notice('Your session has ended. Log in again.');
      await assertText(w.session, /^Session expired$/);
      await w.available.waitFor({ state: 'hidden', timeout: WAIT });

      // log in again, then Log out: the funds go, and stay gone on a reload
      await w.login.click();
      await w.otpInput.fill('123456');
      await w.sendOtp.click();
      await assertText(w.available, /^₹1,80,000\.50$/);
      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await w.available.waitFor({ state: 'hidden', timeout: WAIT });
      await page.reload();
      await assertText(w.session, /^Logged out$/);
      assert.equal(await w.available.isVisible(), false, 'no funds after a reload');
      assert.equal(await w.says.isVisible(), false);
      assert.equal(sandbox.liveSessionCount, 0, 'the session ended at the broker');
      assert.deepEqual(errors.map(String), []);
      comms.close();
      await page.close();
    });

    /** Examples 02 and 08 as a user has them after importing both: one account and one dashboard, each example on its tab. */
    async function dashboardAndPortfolio() {
      const dashboard = await example(EX.dashboard);
      const portfolio = await example(EX.portfolioPage);
      const { credentials } = prepare(dashboard);
      prepare(portfolio);
      const shared = new Set(dashboard.map((n) => n.id));
      const flows = [...onTab(dashboard, 'e2e-tab-02', '02'), ...onTab(portfolio.filter((n) => !shared.has(n.id)), 'e2e-tab-08', '08')];
      return { dashboard, portfolio, flows, credentials };
    }

    it('08 in a real browser, beside 02 on one dashboard: logged in on the mStock page, the Portfolio page shows holdings and positions in rupees the Indian way; Refresh fetches again; an expired session clears them', async function () {
      const { page, errors } = await newPage(this);
      const { dashboard, portfolio, flows, credentials } = await dashboardAndPortfolio();
      const p = portfolioWidgets(page, portfolio);
      // 150 State Bank shares: figures past a lakh, where Indian grouping differs (₹1,17,091.00)
      const sbin = sandbox.paper.state.holdings.find((h) => h.instrument.symbol === 'SBIN');
      const { quantity, instrument: { ltp } } = sbin;
      sbin.quantity = 150;
      try {
        await red.deploy([], {}); // forget the session the tests before made on this account
        await red.deploy(flows, credentials);
        const calls = { ...sandbox.calls };
        const delta = (name) => (sandbox.calls[name] || 0) - (calls[name] || 0);

        await logInOnTheMstockPage(page, dashboard);

        // the second page of the same dashboard, from its navigation
        await page.locator('.v-app-bar-nav-icon, .v-app-bar__nav-icon').first().click();
        await page.getByRole('link', { name: 'Portfolio' }).click();
        await page.waitForURL(/\/dashboard\/portfolio$/, { timeout: WAIT });
        await assertRows(p.holdings, [
          ['STATE BANK OF INDIA', '150', '₹545.30', '₹784.10', '+₹35,820.00', '+43.79%'],
          ['TATA CONSULTANCY SERVICES LIMITED', '5', '₹3,650.00', '₹4,102.00', '+₹2,260.00', '+12.38%'],
          ['INFOSYS LIMITED', '12', '₹1,420.50', '₹1,893.60', '+₹5,677.20', '+33.31%'],
        ]);
        await assertText(p.invested, /^₹1,17,091\.00$/);
        await assertText(p.current, /^₹1,60,848\.20$/);
        await assertText(p.pnl, /^\+₹43,757\.20 \(\+37\.37%\)$/);
        await assertText(p.updated, /^Updated \d{2}:\d{2}:\d{2} IST$/);
        // gains in green, from the page's style
        assert.equal(await p.pnl.evaluate((el) => getComputedStyle(el).color), 'rgb(33, 131, 88)');
        assert.equal(await p.holdings.first().locator('span.mstock-gain').first().evaluate((el) => getComputedStyle(el).color), 'rgb(33, 131, 88)');
        // today's paper trades: ACC bought 20 and sold 10, TCS bought 2
        await assertRows(p.positions, [
          ['ACC', 'INTRADAY', '10', '₹1,950.46', '₹1,962.00', '-₹19,389.20'],
          ['TCS', 'INTRADAY', '2', '₹4,101.50', '–', '-₹8,203.00'],
        ]);
        assert.deepEqual([delta('holdings'), delta('positions')], [1, 1], 'fetched once when the session turned live');

        // Refresh: one more call each, and the new LTP on the page
        sbin.instrument.ltp = 80_000;
        await p.refresh.click();
        await assertText(p.current, /^₹1,63,233\.20$/);
        assert.deepEqual((await p.holdings.texts())[0], ['STATE BANK OF INDIA', '150', '₹545.30', '₹800.00', '+₹38,205.00', '+46.71%']);
        await sleep(300);
        assert.deepEqual([delta('holdings'), delta('positions')], [2, 2], 'one more call each for Refresh');

        // mStock ends the session (as at midnight): the next refresh says so in plain words, and the page is cleared
        sandbox.expireSessions();
        await p.refresh.click();
        const notice = page.getByText('Your session has ended. Log in again.', { exact: true });
        await notice.first().waitFor({ timeout: WAIT });
        await assertRows(p.holdings, []);
        await assertRows(p.positions, []);
        await assertText(p.invested, /^–$/);
        assert.deepEqual(errors.map(String), []);
      } finally {
        Object.assign(sbin, { quantity });
        sbin.instrument.ltp = ltp;
        await page.close();
      }
    });

    it('08 without a browser: the weekday poll fetches only while the session is live (Admin API)', async function () {
      const { portfolio, flows, credentials } = await dashboardAndPortfolio();
      const poll = portfolio.find((n) => n.type === 'inject');
      const login = [
        { id: 'e2e-login', type: 'inject', name: 'e2e login', props: [{ p: 'payload' }], payload: '', payloadType: 'str', z: 'e2e-tab-08', x: 140, y: 600, wires: [[flows.find((n) => n.type === 'mstock-login').id]] },
        { id: 'e2e-otp', type: 'inject', name: 'e2e OTP', props: [{ p: 'payload' }], payload: '123456', payloadType: 'str', z: 'e2e-tab-08', x: 140, y: 640, wires: [[flows.find((n) => n.type === 'mstock-otp').id]] },
      ];
      await red.deploy([], {});
      await red.deploy([...flows, ...login], credentials);
      const comms = await red.comms();
      const holdingsNode = portfolio.find((n) => n.type === 'mstock-portfolio' && n.view === 'holdings');
      const calls = { ...sandbox.calls };
      const delta = (name) => (sandbox.calls[name] || 0) - (calls[name] || 0);

      await red.inject(poll.id);
      await sleep(500);
      assert.equal(delta('holdings'), 0, 'no poll while logged out');
      assert.deepEqual(comms.status(holdingsNode.id).filter((s) => s.fill === 'red'), [], 'and no error either');

      await red.inject('e2e-login');
      await comms.waitFor((e) => e.topic === `status/${holdingsNode.id}` && e.data.text === 'waiting for OTP', WAIT, 'waiting for OTP');
      await red.inject(poll.id);
      await sleep(300);
      assert.equal(delta('holdings'), 0, 'no poll while the login waits for its OTP');

      await red.inject('e2e-otp');
      await until(() => delta('holdings') === 1 && delta('positions') === 1, WAIT, 'the fetch when the session turned live');
      for (let i = 0; i < 3; i++) {
        await red.inject(poll.id);
        await until(() => delta('holdings') === 2 + i, WAIT, `poll ${i + 1}`);
      }
      assert.equal(delta('positions'), 4);

      sandbox.expireSessions();
      await red.inject(poll.id); // this one meets the expiry: the session ends here
      await comms.waitFor((e) => e.topic === `status/${holdingsNode.id}` && e.data.text === 'session expired', WAIT, 'the expiry');
      const before = delta('holdings');
      await red.inject(poll.id);
      await sleep(500);
      assert.equal(delta('holdings'), before, 'no poll once the session has expired');
      comms.close();
    });

    /** The rupee and per-cent texts the Watch list page writes (toLocaleString('en-IN'), as the example does). */
    const rupees = (n, signDisplay = 'auto') => n.toLocaleString('en-IN', { style: 'currency', currency: 'INR', signDisplay });
    const percent = (n) => `${n.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })}%`;

    /**
     * Checks one row of the Watch list against the sandbox's market: the LTP is one of the prices
     * the instrument had since `since` (the market moves while the test runs), the day change is
     * that LTP minus the previous close of the sandbox's OHLC quote, coloured by its sign.
     */
    function assertQuoteRow([symbol, ltp, change, changePercent, colour], instrument, since) {
      assert.equal(symbol, `${instrument.exchange}:${instrument.symbol}`);
      assert.match(ltp, /^₹\d{1,3}(,\d\d)*(,\d{3})?\.\d\d$|^₹\d{1,3}\.\d\d$/, `${symbol}: ${ltp}`);
      const [{ close }] = sandbox.market.quote('OHLC', { [instrument.exchange]: [instrument.token] }).fetched;
      const prices = new Set();
      for (let t = since; t <= Date.now() + 100; t += 50) prices.add(sandbox.market.priceAt(instrument.token, t));
      const price = [...prices].find((p) => rupees(p) === ltp);
      assert.ok(price !== undefined, `${symbol}: the LTP ${ltp} is none of the sandbox's prices since then (${[...prices].map((p) => rupees(p)).join(' ')})`);
      assert.equal(change, rupees(price - close, 'exceptZero'), `${symbol}: the day change from ${close}`);
      assert.equal(changePercent, percent(((price - close) / close) * 100), symbol);
      assert.equal(colour, price > close ? 'mstock-gain' : price < close ? 'mstock-loss' : '', symbol);
    }

    /** The Watch list table's rows (with the class of the change cell) once they are of `symbols`, in that order. */
    async function quoteRowsOf(q, symbols) {
      const started = Date.now();
      let rows = [];
      while (Date.now() - started < WAIT) {
        rows = await q.quotes.evaluateAll((trs) => trs.map((tr) => {
          const cells = [...tr.querySelectorAll('td')];
          return [...cells.map((td) => td.textContent.trim()), (cells[2] && cells[2].querySelector('span') || {}).className];
        }));
        if (JSON.stringify(rows.map((r) => r[0])) === JSON.stringify(symbols)) return rows;
        await sleep(50);
      }
      assert.deepEqual(rows.map((r) => r[0]), symbols);
      return rows;
    }

    it('09 in a real browser, beside 02 on one dashboard: the default list quoted when the session turns live, typed symbols in any form quoted in one OHLC call with the sandbox\'s LTP and day change, unknown symbols in plain words, one quote call a Refresh; an expired session clears the table', async function () {
      const { page, errors } = await newPage(this);
      const dashboard = await example(EX.dashboard);
      const watch = await example(EX.watchlist);
      const { credentials } = prepare(dashboard);
      prepare(watch);
      const shared = new Set(dashboard.map((n) => n.id));
      const flows = [...onTab(dashboard, 'e2e-tab-02', '02'), ...onTab(watch.filter((n) => !shared.has(n.id)), 'e2e-tab-09', '09')];
      const q = watchlistWidgets(page, watch);
      const master = InstrumentMaster.fromDownload(JSON.parse(String(sandbox.market.masterJson())));
      await red.deploy([], {}); // forget the session (and the instrument master) of the tests before
      await red.deploy(flows, credentials);
      const calls = { ...sandbox.calls };
      const delta = (name) => (sandbox.calls[name] || 0) - (calls[name] || 0);
      const lastQuote = () => JSON.parse(sandbox.requests.filter((r) => r.endpoint === 'quote').at(-1).body);

      // before a login the page has the default list and no quotes
      await page.goto(`${red.url}/dashboard/watchlist`);
      const defaults = ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'NSE:RELIANCE-EQ', 'NSE:TCS-EQ', 'NSE:HDFCBANK-EQ'];
      await q.symbols.waitFor({ timeout: WAIT });
      await assertValue(q.symbols, defaults.join(', '));
      await assertRows(q.quotes, []);
      await q.refresh.click();
      await assertText(q.note, /^You are not logged in\. Log in on the mStock page, then press Refresh\.$/);
      assert.equal(delta('quote'), 0);

      let since = Date.now();
      await logInOnTheMstockPage(page, dashboard);

      // the third page of the same dashboard, from its navigation
      await page.locator('.v-app-bar-nav-icon, .v-app-bar__nav-icon').first().click();
      await page.getByRole('link', { name: 'Watch list' }).click();
      await page.waitForURL(/\/dashboard\/watchlist$/, { timeout: WAIT });
      let rows = await quoteRowsOf(q, defaults);
      rows.forEach((row, i) => assertQuoteRow(row, master.resolve(defaults[i]), since));
      await assertText(q.updated, /^Updated \d{2}:\d{2}:\d{2} IST$/);
      assert.equal(await q.note.textContent(), '');
      assert.deepEqual([delta('scripMaster'), delta('quote')], [1, 1], 'the master downloaded once; five symbols, one quote call');
      assert.deepEqual(lastQuote(), { mode: 'OHLC', exchangeTokens: { NSE: defaults.map((s) => master.resolve(s).token) } });

      // a list in any form and case, with a symbol that does not exist and one without its exchange
      since = Date.now();
      await q.symbols.fill('nse:sbin-eq, BSE:500325  NSE:NOSUCH-EQ, sbin');
      await q.symbols.press('Enter');
      const bse = master.resolve('BSE:500325');
      rows = await quoteRowsOf(q, ['NSE:SBIN-EQ', `BSE:${bse.symbol}`]);
      assertQuoteRow(rows[0], master.resolve('NSE:SBIN-EQ'), since);
      assertQuoteRow(rows[1], bse, since);
      const closest = master.search('SBIN', 3).map((i) => `${i.exchange}:${i.symbol}`);
      assert.deepEqual(closest.slice(0, 2), ['NSE:SBIN-EQ', 'BSE:SBIN']);
      await until(async () => (await q.note.lines()).length === 2, WAIT, 'the note');
      assert.deepEqual(await q.note.lines(), [
        'NSE:NOSUCH-EQ is not a symbol mStock knows. Check the spelling: exchange:symbol, like NSE:SBIN-EQ, or exchange:token, like NSE:3045.',
        `SBIN is not a symbol mStock knows. Did you mean ${closest.slice(0, -1).join(', ')} or ${closest.at(-1)}?`,
      ]);
      await assertValue(q.symbols, 'NSE:SBIN-EQ, BSE:500325, NSE:NOSUCH-EQ, SBIN');
      assert.deepEqual([delta('scripMaster'), delta('quote')], [1, 2], 'the new list: one quote call, the master from memory');
      assert.deepEqual(lastQuote(), { mode: 'OHLC', exchangeTokens: { NSE: ['3045'], BSE: ['500325'] } });

      // each Refresh is one quote call
      for (let i = 1; i <= 3; i++) {
        since = Date.now();
        await q.refresh.click();
        await until(() => delta('quote') === 2 + i, WAIT, `the quote call of Refresh ${i}`);
        await sleep(300);
        assert.equal(delta('quote'), 2 + i, `Refresh ${i}: one call`);
      }
      assertQuoteRow((await quoteRowsOf(q, ['NSE:SBIN-EQ', `BSE:${bse.symbol}`]))[0], master.resolve('NSE:SBIN-EQ'), since);
      assert.equal(delta('scripMaster'), 1, 'the master still from memory');

      // mStock ends the session (as at midnight): the next refresh says so in plain words, and the table is cleared
      sandbox.expireSessions();
      await q.refresh.click();
      await page.getByText('Your session has ended. Log in again.', { exact: true }).first().waitFor({ timeout: WAIT });
      await assertRows(q.quotes, []);
      assert.deepEqual(errors.map(String), []);
      await page.close();
    });

    it('13 in a real browser, beside 02 on one dashboard: the own list\'s rows appear once logged in, at the sandbox\'s prices, and change in place as ticks arrive, at most once a second each; a typed symbol adds its row, an unknown one is named in plain words; a logout clears the table', async function () {
      const { page, errors } = await newPage(this);
      const dashboard = await example(EX.dashboard);
      const live = await example(EX.livePrices);
      const { credentials } = prepare(dashboard);
      prepare(live);
      const shared = new Set(dashboard.map((n) => n.id));
      // test-only: every message of the ticks node also to the debug sidebar, to be counted
      const ticksNode = live.find((n) => n.type === 'mstock-ticks');
      const spy = { id: 'e2e-13-spy', type: 'debug', name: 'e2e ticks', active: true, tosidebar: true, console: false, tostatus: false, complete: 'true', targetType: 'full', x: 900, y: 600, wires: [] };
      ticksNode.wires = [[...ticksNode.wires[0], spy.id]];
      const flows = [...onTab(dashboard, 'e2e-tab-02', '02'), ...onTab([...live.filter((n) => !shared.has(n.id)), spy], 'e2e-tab-13', '13')];
      const w = dashboardWidgets(page, dashboard);
      const l = livePricesWidgets(page, live);
      const master = InstrumentMaster.fromDownload(JSON.parse(String(sandbox.market.masterJson())));
      const defaults = ticksNode.instruments.split(', ');
      const symbolsOf = (rows) => rows.map((r) => r[0]).sort();
      const rowsOf = async (symbols) => {
        let rows = [];
        await until(async () => {
          rows = await l.prices.withColour();
          return JSON.stringify(symbolsOf(rows)) === JSON.stringify([...symbols].sort());
        }, WAIT, `rows of ${symbols.join(', ')}`).catch(() => assert.deepEqual(symbolsOf(rows), [...symbols].sort()));
        return rows;
      };
      // ten ticks a second of each instrument: the throttle lets one a second through
      sandbox.feed.ticksPerSecond = 10;
      try {
        await red.deploy([], {}); // forget the session of the tests before
        await red.deploy(flows, credentials);
        const comms = await red.comms();

        await page.goto(`${red.url}/dashboard/live-prices`);
        await l.add.waitFor({ timeout: WAIT });
        await assertRows(l.prices, []);
        await comms.waitFor((e) => e.topic === `status/${ticksNode.id}` && e.data.text === 'waiting for session', WAIT, '"waiting for session"');

        const since = Date.now();
        await logInOnTheMstockPage(page, dashboard);
        await page.locator('.v-app-bar-nav-icon, .v-app-bar__nav-icon').first().click();
        await page.getByRole('link', { name: 'Live prices' }).click();
        await page.waitForURL(/\/dashboard\/live-prices$/, { timeout: WAIT });

        let rows = await rowsOf(defaults);
        for (const row of rows) {
          const [symbol, ltp, change, changePercent, volume, time, colour] = row;
          assertQuoteRow([symbol, ltp, change, changePercent, colour], master.resolve(symbol), since);
          assert.match(volume, /^\d{1,3}(,\d\d)*(,\d{3})?$|^\d{1,3}$/, `${symbol}: volume ${volume}`);
          assert.match(time, /^\d\d:\d\d:\d\d$/, `${symbol}: time ${time}`);
        }
        await comms.waitFor((e) => e.topic === `status/${ticksNode.id}` && e.data.text === 'streaming 5 instruments', WAIT, '"streaming 5 instruments"');

        // the rows change in place: each row's tick time moves on, the order stays
        const order = rows.map((r) => r[0]);
        const times = Object.fromEntries(rows.map((r) => [r[0], r[5]]));
        await until(async () => (await l.prices.withColour()).every((r) => r[5] !== times[r[0]]), WAIT, 'newer ticks in every row');
        assert.deepEqual((await l.prices.withColour()).map((r) => r[0]), order, 'the rows keep their places');

        // at most one message a second of each instrument, while the sandbox sends ten
        const spied = () => debugOf(comms, 'e2e ticks');
        const from = spied().length;
        const startedAt = Date.now();
        await sleep(4000);
        const seconds = (Date.now() - startedAt) / 1000;
        const perTopic = {};
        for (const d of spied().slice(from)) perTopic[d.topic] = (perTopic[d.topic] || 0) + 1;
        assert.deepEqual(Object.keys(perTopic).sort(), defaults.map((s) => `mstock/tick/NSE/${master.resolve(s).token}`).sort());
        for (const [topic, count] of Object.entries(perTopic)) assert.ok(count >= seconds - 2 && count <= seconds + 1, `${topic}: ${count} messages in ${seconds.toFixed(1)} s`);

        // Add a symbol: its row comes with its first tick
        await l.add.fill('NSE:ITC-EQ');
        await l.add.press('Enter');
        rows = await rowsOf([...defaults, 'NSE:ITC-EQ']);
        assert.equal(rows.at(-1)[0], 'NSE:ITC-EQ', 'a new row at the end');
        await comms.waitFor((e) => e.topic === `status/${ticksNode.id}` && e.data.text === 'streaming 6 instruments', WAIT, '"streaming 6 instruments"');
        assert.ok(sandbox.feed.subscriptions().some((s) => s.mode === 'quote' && s.exchange === 'NSE' && s.token === '421'), 'ITC subscribed in quote mode');

        // an unknown symbol: named in plain words, nothing subscribed
        const subscribed = sandbox.feed.subscriptions().length;
        await l.add.fill('NSE:NOSUCH-EQ');
        await l.add.press('Enter');
        await page.getByText('mStock does not know NSE:NOSUCH-EQ. Type exchange:symbol, like NSE:SBIN-EQ, or exchange:token, like NSE:3045.', { exact: true }).first().waitFor({ timeout: WAIT });
        assert.equal(sandbox.feed.subscriptions().length, subscribed);

        // a logout clears the table and the feed waits for the next session
        await page.goto(`${red.url}/dashboard/mstock`);
        await w.logout.click();
        await assertText(w.session, /^Logged out$/);
        await page.goto(`${red.url}/dashboard/live-prices`);
        await l.add.waitFor({ timeout: WAIT });
        await assertRows(l.prices, []);
        await until(() => sandbox.feed.connections === 0, WAIT, 'the feed socket to close');
        assert.deepEqual(errors.map(String), []);
        comms.close();
        await page.close();
      } finally {
        sandbox.feed.ticksPerSecond = 2;
      }
    });

    it('10 writes a year of SBIN\'s daily candles, oldest first, to the CSV file in Node-RED\'s directory: a header and the sandbox\'s candles, with the count in the debug sidebar', async function () {
      const nodes = await example(EX.candlesFile);
      const { config, credentials, named } = prepare(nodes, { totp: true });
      const file = path.join(red.userDir, 'mstock-candles-SBIN-EQ-daily.csv');
      fs.rmSync(file, { force: true });
      await red.deploy(onTab([...nodes, ...helper(config.id, 'mstock-login', 'login')]), credentials);
      const comms = await red.comms();
      const inject = named('inject', 'SBIN, last 365 days');
      const candlesNode = nodes.find((n) => n.type === 'mstock-candles');
      const historical = () => sandbox.requests.filter((r) => r.endpoint === 'historical');
      const before = historical().length;

      // no session yet: the Catch node's debug says why, and no file is written
      let from = mark(comms);
      await red.inject(inject.id);
      const refused = await comms.waitFor(debugAfter(comms, from, 'error'), WAIT, 'the error before a login');
      assert.match(refused.data.msg, /^Not logged in to mStock\./);
      assert.equal(fs.existsSync(file), false);

      from = mark(comms);
      await red.inject('e2e-login-inject');
      await comms.waitFor(statusAfter(comms, from, candlesNode.id, (t) => t.startsWith('live until')), WAIT, 'a live session');
      from = mark(comms);
      const clicked = Date.now();
      await red.inject(inject.id);
      const written = await comms.waitFor(debugAfter(comms, from, 'candles written'), 20_000, 'the count of candles written');
      assert.match(written.data.msg, /^\d+ daily candles written to mstock-candles-SBIN-EQ-daily\.csv$/);
      const count = Number(written.data.msg.split(' ')[0]);

      // from is the India date 365 days before the click, sent as that day's start
      const indiaDate = (ms) => new Date(ms + 5.5 * 3600_000).toISOString().slice(0, 10);
      const fromDay = indiaDate(clicked - 365 * 86400_000);
      const sent = historical().slice(before).map((r) => JSON.parse(r.body));
      assert.equal(sent.length, 1, 'a year of daily candles is one call');
      assert.deepEqual([sent[0].exchange, sent[0].symboltoken, sent[0].interval, sent[0].fromdate], ['NSE', '3045', 'ONE_DAY', `${fromDay} 00:00`]);

      const lines = fs.readFileSync(file, 'utf8').split('\n');
      assert.equal(lines.at(-1), '', 'the file ends with a line break');
      lines.pop();
      assert.equal(lines[0], 'time,open,high,low,close,volume');
      const rows = lines.slice(1);
      assert.equal(rows.length, count);
      assert.ok(count >= 240 && count <= 256, `about 250 trading days in a year: ${count}`);
      const times = rows.map((line) => line.split(',')[0]);
      for (const time of times) assert.match(time, /^\d{4}-\d\d-\d\dT09:15:00\+05:30$/);
      assert.deepEqual([...times].sort(), times, 'oldest first');
      assert.ok(times[0].slice(0, 10) >= fromDay, `${times[0]} is not before ${fromDay}`);
      // the sandbox's own candles for that span; today's last one may have moved on since
      const expected = sandbox.market.candles('3045', 'ONE_DAY', Date.parse(`${fromDay}T00:00:00+05:30`), Date.now())
        .map(([time, ...values]) => [`${time.replace(' ', 'T')}:00+05:30`, ...values].join(','));
      assert.deepEqual(rows.slice(0, -1), expected.slice(0, -1));
      assert.equal(times.at(-1), expected.at(-1).split(',')[0]);
      assert.equal(debugOf(comms, 'error').length, 1, 'no error once logged in');
      fs.rmSync(file, { force: true });
      comms.close();
    });

    /** Example 02's page logged in with the sandbox's OTP, from logged out. */
    async function logInOnTheMstockPage(page, dashboard) {
      const w = dashboardWidgets(page, dashboard);
      await page.goto(`${red.url}/dashboard/mstock`);
      await assertText(w.session, /^Logged out$/);
      await w.login.click();
      await w.otpEntry.waitFor({ state: 'visible', timeout: WAIT });
      await w.otpInput.fill('123456');
      await w.sendOtp.click();
      await assertText(w.session, /^Live until 00:00 IST$/);
    }

    /** The order book row (cell texts) of `orderid` once it shows `status`. */
    async function bookRow(t, orderid, status) {
      let rows = [];
      await until(async () => {
        rows = await t.orders.texts();
        return rows.some((r) => r[1] === orderid && r[9] === status);
      }, WAIT, `order ${orderid} ${status} in the order book (${JSON.stringify(rows.map((r) => [r[1], r[9]]))})`);
      return rows.find((r) => r[1] === orderid);
    }

    it('11 in a real browser, beside 02 on one dashboard: as imported, orders are off and nothing is sent; once on, a market order confirmed in words is placed (order id, Traded in the book, the position in the paper account); Don\'t send sends nothing; a far limit order is Cancelled by Cancel all after its own confirmation', async function () {
      const { page, errors } = await newPage(this);
      const dashboard = await example(EX.dashboard);
      const ticketPage = await example(EX.orderTicket);
      const { config, credentials } = prepare(dashboard);
      prepare(ticketPage);
      const shared = new Set(dashboard.map((n) => n.id));
      const flows = () => [...onTab(dashboard, 'e2e-tab-02', '02'), ...onTab(ticketPage.filter((n) => !shared.has(n.id)), 'e2e-tab-11', '11')];
      const t = orderTicketWidgets(page, ticketPage);
      await red.deploy([], {}); // forget the session (and the instrument master) of the tests before
      await red.deploy(flows(), credentials);
      const calls = { ...sandbox.calls };
      const delta = (name) => (sandbox.calls[name] || 0) - (calls[name] || 0);
      const seen = new Set(sandbox.requests);
      const sent = (endpoint) => sandbox.requests.filter((r) => !seen.has(r) && r.endpoint === endpoint);
      const fillTicket = async ({ symbol, side, quantity, type, product, price }) => {
        await t.field('symbol').fill(symbol);
        await t.choose(side);
        await t.field('quantity').fill(quantity);
        await t.choose(type);
        await t.choose(product);
        if (price !== undefined) await t.field('price').fill(price);
        await t.review.click();
      };
      const asked = async (sentence) => {
        await t.confirmation.getByText(sentence, { exact: true }).waitFor({ timeout: WAIT });
      };
      const market = { symbol: 'nse:sbin-eq', side: 'Buy', quantity: '1', type: 'Market', product: 'Intraday' };

      await logInOnTheMstockPage(page, dashboard);
      await page.goto(`${red.url}/dashboard/order-ticket`);
      // fetched when the session turned live: the paper account's orders of today, the seed's open one among them
      await until(async () => (await t.orders.texts()).some((r) => r[2] === 'NSE:RELIANCE' && r[9] === 'Pending'), WAIT, 'the order book');
      assert.equal(await t.field('price').count(), 0, 'no price for a market order');
      assert.equal(await t.field('triggerprice').count(), 0, 'no trigger price but for a stop-loss order');

      // the ticket checks what it can, and sends nothing
      await t.field('symbol').fill('SBIN');
      await t.field('quantity').fill('0');
      await t.review.click();
      await assertText(t.problem('symbol'), /^Exchange and symbol, like NSE:SBIN-EQ/);
      await assertText(t.problem('quantity'), /^A whole number, 1 or more\.$/);
      assert.equal(await t.confirmation.isVisible(), false, 'no confirmation for an incomplete order');

      // as imported: the account does not allow orders, so confirming sends nothing and says why
      await fillTicket(market);
      await asked('BUY 1 NSE:SBIN-EQ at market, intraday — send?');
      await t.send.click();
      await assertText(t.answer, /^Orders are off for this account: turn on Allow orders from flows in the account node\.$/);
      assert.deepEqual([delta('placeOrder'), sent('placeOrder').length], [0, 0], 'nothing reached mStock');

      // the user turns orders on and deploys: the session stays
      config.orders = true;
      await red.deploy(flows(), credentials);
      await page.reload();
      await until(async () => (await t.orders.texts()).length > 0, WAIT, 'the order book after the deploy');
      await fillTicket(market);
      await asked('BUY 1 NSE:SBIN-EQ at market, intraday — send?');
      await t.send.click();
      const placed = await assertText(t.answer, /^Order sent\. mStock's order id: \d+\. The order book below shows its status\.$/);
      const orderid = /order id: (\d+)/.exec(placed)[1];
      assert.equal(delta('placeOrder'), 1);
      const body = JSON.parse(sent('placeOrder')[0].body);
      assert.deepEqual([body.exchange, body.symboltoken, body.tradingsymbol, body.transactiontype, body.quantity, body.ordertype, body.producttype, body.price], ['NSE', '3045', 'SBIN-EQ', 'BUY', '1', 'MARKET', 'INTRADAY', '0']);
      const traded = await bookRow(t, orderid, 'Traded');
      assert.deepEqual([traded[2], traded[3], traded[4], traded[5], traded[6], traded[7]], ['NSE:SBIN', 'BUY', '1', 'MARKET', 'INTRADAY', 'Market']);
      assert.match(traded[8], /^₹\d{3}\.\d\d$/, 'the average price of the fill');
      const position = sandbox.paper.positions().find((p) => p.symboltoken === '3045' && p.producttype === 'INTRADAY');
      assert.equal(position && position.netqty, '1', 'the paper account holds the position');

      // Don't send: nothing is sent; until then the answer still shows the last order's
      await fillTicket({ ...market, type: 'Limit', price: '700' });
      await asked('BUY 1 NSE:SBIN-EQ at a limit of ₹700.00, intraday — send?');
      await sleep(500);
      assert.equal((await t.answer.textContent()).trim(), placed, 'asking says nothing yet');
      await t.dontSend.click();
      await assertText(t.answer, /^Not sent\.$/);
      await sleep(500);
      assert.equal(delta('placeOrder'), 1, 'Don\'t send sent nothing');

      // a limit far below the price waits in the book; Cancel all asks with the count of open orders, then cancels it
      await t.review.click();
      await asked('BUY 1 NSE:SBIN-EQ at a limit of ₹700.00, intraday — send?');
      await t.send.click();
      const limitid = /order id: (\d+)/.exec(await assertText(t.answer, new RegExp(`^Order sent\\. mStock's order id: (?!${orderid}\\.)\\d+\\.`)))[1];
      assert.notEqual(limitid, orderid);
      const pending = await bookRow(t, limitid, 'Pending');
      assert.equal(pending[7], '₹700.00');
      const open = sandbox.paper.orderBook().filter((o) => o.status === 'Pending').length;
      assert.ok(open >= 1);
      await t.cancelAll.click();
      await asked(`Cancel ALL open orders of today (${open === 1 ? '1 open order' : `${open} open orders`} in the book below) — send?`);
      await t.dontSend.click();
      await assertText(t.answer, /^Not sent\.$/);
      await sleep(300);
      assert.equal(delta('cancelAll'), 0, 'declined: nothing sent');
      await t.cancelAll.click();
      await asked(`Cancel ALL open orders of today (${open === 1 ? '1 open order' : `${open} open orders`} in the book below) — send?`);
      await t.send.click();
      await assertText(t.answer, /^mStock has cancelled the open orders \(it says: SUCCESS\)\.$/);
      await bookRow(t, limitid, 'Cancelled');
      assert.equal(delta('cancelAll'), 1);
      assert.equal(sandbox.paper.orderBook().filter((o) => o.status === 'Pending').length, 0);

      // Refresh reads the book once more
      const reads = delta('orderBook');
      await t.refresh.click();
      await until(() => delta('orderBook') === reads + 1, WAIT, 'the Refresh read');
      assert.deepEqual([delta('placeOrder'), delta('cancelAll')], [2, 1], 'one call per confirmed order');
      assert.deepEqual(errors.map(String), []);
      await page.close();
    });

    it('12 with orders off (as imported) sends nothing and says why; turned on, with an open intraday position and an open order in the paper account: one cancel-all, the opposite market order of each open intraday position, positions net 0, each order in the debug sidebar', async function () {
      const nodes = await example(EX.squareOff);
      const { config, credentials, named } = prepare(nodes, { totp: true });
      const flows = () => onTab([...nodes, ...helper(config.id, 'mstock-login', 'login')]);
      await red.deploy(flows(), credentials);
      const comms = await red.comms();
      const positionsNode = nodes.find((n) => n.type === 'mstock-portfolio');
      let from = mark(comms);
      await red.inject('e2e-login-inject');
      await comms.waitFor(statusAfter(comms, from, positionsNode.id, (t) => t.startsWith('live until')), WAIT, 'a live session');
      const calls = { ...sandbox.calls };
      const delta = (name) => (sandbox.calls[name] || 0) - (calls[name] || 0);
      const squareOffNow = named('inject', 'Square off now');

      from = mark(comms);
      await red.inject(squareOffNow.id);
      const off = await comms.waitFor(debugAfter(comms, from, 'error'), WAIT, 'the orders-off error');
      assert.match(off.data.msg, /^Orders from flows are off for this mStock account, so nothing was sent\./);
      await sleep(300);
      assert.deepEqual([delta('cancelAll'), delta('positions'), delta('placeOrder')], [0, 0, 0], 'nothing sent while orders are off');

      // the paper account today: an intraday short in INFY and an open limit order, besides what the tests before left
      const infy = { variety: 'NORMAL', exchange: 'NSE', symboltoken: '1594', tradingsymbol: 'INFY-EQ', producttype: 'INTRADAY', duration: 'DAY', triggerprice: '0' };
      sandbox.paper.place({ ...infy, transactiontype: 'SELL', ordertype: 'MARKET', quantity: '3', price: '0' });
      const waiting = sandbox.paper.place({ ...infy, transactiontype: 'BUY', ordertype: 'LIMIT', quantity: '5', price: '1600' });
      assert.equal(waiting.status, 'Pending');
      const open = (rows) => rows.filter((p) => p.producttype === 'INTRADAY' && Number(p.netqty) !== 0);
      const before = sandbox.paper.positions();
      const expected = open(before).map((p) => ({ token: p.symboltoken, side: Number(p.netqty) > 0 ? 'SELL' : 'BUY', quantity: String(Math.abs(Number(p.netqty))) }));
      assert.ok(expected.some((o) => o.token === '1594' && o.side === 'BUY' && o.quantity === '3'), JSON.stringify(expected));

      config.orders = true;
      await red.deploy(flows(), credentials);
      const seen = new Set(sandbox.requests);
      await red.inject(squareOffNow.id);
      await until(() => debugOf(comms, 'squared off').length >= 1 + expected.length, WAIT, `${expected.length + 1} lines in the debug sidebar`);
      await sleep(500);
      const lines = debugOf(comms, 'squared off').map((d) => d.msg);
      assert.equal(lines.length, 1 + expected.length);
      assert.match(lines[0], new RegExp(`^Squaring off ${expected.length} intraday positions: `));
      for (const line of lines.slice(1)) assert.match(line, /^(BUY|SELL) \d+ NSE:\S+ at market: order \d+$/);
      assert.equal(delta('cancelAll'), 1, 'cancel-all once');
      assert.equal(waiting.status, 'Cancelled', 'the open order is cancelled before the positions are read');
      const placed = sandbox.requests.filter((r) => !seen.has(r) && r.endpoint === 'placeOrder').map((r) => JSON.parse(r.body));
      assert.deepEqual(
        placed.map((b) => ({ token: b.symboltoken, side: b.transactiontype, quantity: b.quantity })).sort((a, b) => a.token.localeCompare(b.token)),
        expected.sort((a, b) => a.token.localeCompare(b.token)),
      );
      for (const body of placed) assert.deepEqual([body.exchange, body.ordertype, body.producttype, body.price], ['NSE', 'MARKET', 'INTRADAY', '0']);
      const after = sandbox.paper.positions();
      assert.deepEqual(open(after), [], 'every intraday position is flat');
      const others = (rows) => rows.filter((p) => p.producttype !== 'INTRADAY').map((p) => [p.symboltoken, p.producttype, p.netqty]);
      assert.deepEqual(others(after), others(before), 'the other products are left alone');
      assert.equal(debugOf(comms, 'error').length, 1, 'no error once orders are on');
      comms.close();
    });

    // The editor check once, in Node-RED 4.1: it costs a browser page load of the whole editor.
    if (flavour === 'nr4') {
      it('every example imports into the editor from its example library with no node flagged, and the schedules show as Mon–Fri', async function () {
        const { page, errors } = await newPage(this);
        await page.goto(red.url);
        await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType('mstock-funds') && RED.nodes.getType('ui-form') && RED.nodes.getType('e-mail') && document.querySelector('#red-ui-workspace-chart'), null, { timeout: 20_000 });
        for (const name of Object.values(EX)) {
          const nodes = await example(name);
          const flagged = await page.evaluate((imported) => {
            RED.workspaces.add();
            const tab = RED.workspaces.active();
            RED.view.importNodes(imported, { generateIds: true });
            const bad = [];
            RED.nodes.eachNode((n) => {
              if (n.z === tab && (!n.valid || n.type === 'unknown')) bad.push(`${n.type} ${n.name || ''}: ${JSON.stringify(n.validationErrors)}`);
            });
            RED.nodes.eachConfig((n) => {
              if (!n.valid) bad.push(`${n.type} ${n.name || ''}: ${JSON.stringify(n.validationErrors)}`);
            });
            return bad;
          }, nodes);
          assert.deepEqual(flagged, [], name);
        }
        const schedules = await page.evaluate(async () => {
          const until = async (check) => {
            for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
          };
          const injects = new Map(); // one dialog per distinct schedule
          RED.nodes.eachNode((n) => {
            if (n.type === 'inject' && n.crontab && !injects.has(n.crontab)) injects.set(n.crontab, n);
          });
          const out = [];
          for (const n of injects.values()) {
            RED.editor.edit(n);
            await until(() => $('#node-dialog-ok:visible').length === 1 && $('#inject-time-type-select').val());
            await new Promise((r) => setTimeout(r, 400)); // let the tray finish opening (Node-RED 5 resizes it on a timer)
            const type = $('#inject-time-type-select').val();
            const box = type === 'time' ? '#inject-time-time-days' : '#inject-time-interval-time-days';
            const days = $(`${box} input:checked`).map((_, e) => e.value).get().join(',');
            const when = type === 'time' ? $('#inject-time-time').val() : `every ${$('#inject-time-interval-time-units').val()} min ${$('#inject-time-interval-time-start').val()}-${$('#inject-time-interval-time-end').val()}`;
            $('#node-dialog-ok').click(); // "Done": the dialog writes the schedule back
            await until(() => $('#node-dialog-ok').length === 0);
            out.push([n.name, type, when, days, n.crontab]);
          }
          return out.sort();
        });
        assert.deepEqual(schedules, [
          ['09:00 Mon–Fri', 'time', '09:00', WEEKDAYS, `00 09 * * ${WEEKDAYS}`],
          ['15:15 Mon–Fri', 'time', '15:15', WEEKDAYS, `15 15 * * ${WEEKDAYS}`],
          ['15:45 Mon–Fri', 'time', '15:45', WEEKDAYS, `45 15 * * ${WEEKDAYS}`],
          ['every 1 min, Mon–Fri 09:00–16:00', 'interval-time', 'every 1 min 9-16', WEEKDAYS, `*/1 9-15 * * ${WEEKDAYS}`],
          ['every 5 min, Mon–Fri 09:00–16:00', 'interval-time', 'every 5 min 9-16', WEEKDAYS, `*/5 9-15 * * ${WEEKDAYS}`],
        ]);
        assert.deepEqual(errors.map(String), []);
        await page.close();
      });
    }
  });
}
