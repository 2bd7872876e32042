'use strict';
// The market-data nodes in a real Node-RED 4.1 and 5, from the packed tarball, against the sandbox
// over real HTTP: symbols resolve in every node that takes an instrument, and a year of 5-minute
// candles arrives complete, paced within mStock's data limit.
const assert = require('node:assert/strict');
const { NodeRed, FLAVOURS, onTab } = require('./harness');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');

const DAY_MS = 24 * 60 * 60 * 1000;

// A function node keeps what the test judges small: the debug sidebar cuts long messages short.
const SUMMARISE = {
  instruments: 'msg.payload = msg.payload.map((r) => [r.exchange, r.token, r.symbol, typeof r.lotSize]); return msg;',
  quote: 'msg.payload = { rows: msg.payload.map((q) => [q.exchange, q.token, q.symbol, typeof q.ltp]), unfetched: msg.unfetched }; return msg;',
  candles: [
    'const c = msg.payload;',
    'const t = c.map((x) => Date.parse(x.time));',
    'msg.payload = {',
    '  count: c.length, first: c[0] && c[0].time, last: c.length ? c[c.length - 1].time : null,',
    '  increasing: t.every((v, i) => i === 0 || v > t[i - 1]),',
    '  india: c.every((x) => /^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+05:30$/.test(x.time)),',
    '  numbers: c.every((x) => [x.open, x.high, x.low, x.close, x.volume].every(Number.isFinite)),',
    '};',
    'return msg;',
  ].join('\n'),
};

function marketFlow(sandboxUrl, candleRequest) {
  const account = { id: 'md-account', type: 'mstock-config', name: 'market data', baseUrl: sandboxUrl, timeout: '10000' };
  const nodes = [account];
  const chain = (name, node, payload, y) => {
    nodes.push(
      { id: `md-${name}-inject`, type: 'inject', name, props: [{ p: 'payload' }], payload: JSON.stringify(payload), payloadType: 'json', x: 120, y, wires: [[`md-${name}`]] },
      { id: `md-${name}`, name: '', account: account.id, x: 320, y, wires: [[`md-${name}-summary`]], ...node },
      { id: `md-${name}-summary`, type: 'function', name: `summarise ${name}`, func: SUMMARISE[node.type.slice('mstock-'.length)], outputs: 1, x: 520, y, wires: [[`md-${name}-debug`]] },
      { id: `md-${name}-debug`, type: 'debug', name, active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 720, y, wires: [] },
    );
  };
  nodes.push(
    { id: 'md-login-inject', type: 'inject', name: 'log in', props: [{ p: 'payload' }], payload: '', payloadType: 'date', x: 120, y: 20, wires: [['md-login']] },
    { id: 'md-login', type: 'mstock-login', account: account.id, name: '', x: 320, y: 20, wires: [[]] },
  );
  chain('search', { type: 'mstock-instruments', limit: 5 }, 'SBIN', 60);
  chain('by token', { type: 'mstock-instruments', limit: 5 }, { exchange: 'nse', token: 3045 }, 100);
  chain('quotes', { type: 'mstock-quote', mode: 'LTP', instruments: '' }, ['NSE:SBIN-EQ', 'NSE:3045', { exchange: 'nse', token: 3045 }, { exchange: 'NSE', symbol: 'infy-eq' }], 140);
  chain('unknown', { type: 'mstock-quote', mode: 'LTP', instruments: '' }, ['NSE:SBIN-EQ', 'NSE:NOSUCHSYMBOL-EQ'], 180);
  chain('candles', { type: 'mstock-candles', interval: 'FIVE_MINUTE' }, candleRequest, 220);
  nodes.push(
    { id: 'md-catch', type: 'catch', name: '', scope: null, uncaught: false, x: 120, y: 260, wires: [['md-error-debug']] },
    { id: 'md-error-debug', type: 'debug', name: 'error', active: true, tosidebar: true, complete: 'error', targetType: 'msg', x: 320, y: 260, wires: [] },
  );
  const credentials = { [account.id]: { apiKey: SANDBOX_ACCOUNT.apiKey, clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password, totpSecret: SANDBOX_ACCOUNT.totpSecret } };
  return { flows: onTab(nodes, 'md-tab', 'Market data'), credentials };
}

const debugFrom = (name) => (e) => e.topic === 'debug' && e.data.name === name;

for (const flavour of Object.keys(FLAVOURS)) {
  describe(`market data in a real ${FLAVOURS[flavour].label}`, function () {
    this.timeout(120_000);
    let sandbox;
    let red;
    let comms;
    const yearAgo = new Date(Date.now() - 365 * DAY_MS).toISOString();

    before(async function () {
      sandbox = new Sandbox();
      await sandbox.start();
      red = new NodeRed({ flavour });
      await red.start();
      const { flows, credentials } = marketFlow(sandbox.url, { instrument: 'nse:sbin-eq', from: yearAgo });
      await red.deploy(flows, credentials);
      comms = await red.comms();
      await red.inject('md-login-inject');
      await comms.waitFor((e) => e.topic === 'status/md-login' && /live/.test(e.data.text), 10_000, 'the live session');
    });

    after(async function () {
      if (comms) comms.close();
      if (red) {
        await red.stop();
        red.cleanUp();
      }
      if (sandbox) await sandbox.stop();
    });

    it('mstock-instruments finds SBIN by text and by { exchange: "nse", token: 3045 }, downloading the master once', async function () {
      await red.inject('md-search-inject');
      const search = await comms.waitFor(debugFrom('search'), 30_000, 'the search');
      const rows = JSON.parse(search.data.msg);
      assert.deepEqual(rows[0], ['NSE', '3045', 'SBIN-EQ', 'number']);
      assert.ok(rows.length <= 5, search.data.msg);

      await red.inject('md-by token-inject');
      const byToken = await comms.waitFor(debugFrom('by token'), 10_000, 'the token search');
      assert.deepEqual(JSON.parse(byToken.data.msg), [['NSE', '3045', 'SBIN-EQ', 'number']]);
      assert.equal(sandbox.calls.scripMaster, 1);
    });

    it('mstock-quote answers the four forms of one instrument and a lower-case symbol, in the order asked, in one call', async function () {
      const quotes = sandbox.calls.quote || 0;
      await red.inject('md-quotes-inject');
      const answer = JSON.parse((await comms.waitFor(debugFrom('quotes'), 10_000, 'the quotes')).data.msg);
      assert.deepEqual(answer.rows.map((r) => r.slice(0, 3).join(':')), ['NSE:3045:SBIN-EQ', 'NSE:3045:SBIN-EQ', 'NSE:3045:SBIN-EQ', `NSE:${answer.rows[3][1]}:INFY-EQ`]);
      assert.ok(answer.rows.every((r) => r[3] === 'number'), JSON.stringify(answer.rows));
      assert.deepEqual(answer.unfetched, []);
      assert.equal(sandbox.calls.quote - quotes, 1);
    });

    it('an unknown symbol is MSTOCK_INVALID_INPUT naming it, and no quote is asked for', async function () {
      const quotes = sandbox.calls.quote || 0;
      await red.inject('md-unknown-inject');
      const error = JSON.parse((await comms.waitFor(debugFrom('error'), 10_000, 'the refusal')).data.msg);
      assert.equal(error.code, 'MSTOCK_INVALID_INPUT');
      assert.match(error.message, /NOSUCHSYMBOL-EQ/);
      assert.equal(error.source.type, 'mstock-quote');
      assert.equal(sandbox.calls.quote || 0, quotes);
    });

    it('a year of 5-minute candles arrives complete, oldest first, each call within the data limit and answered', async function () {
      const from = sandbox.requests.length;
      const started = Date.now();
      await red.inject('md-candles-inject');
      const candles = JSON.parse((await comms.waitFor(debugFrom('candles'), 90_000, 'the candles')).data.msg);
      const elapsed = Date.now() - started;
      assert.ok(candles.count > 18_000 && candles.count < 20_000, `${candles.count} candles`);
      assert.equal(candles.increasing, true, 'oldest first, no duplicates');
      assert.equal(candles.india, true);
      assert.equal(candles.numbers, true);
      assert.ok(Date.parse(candles.first) >= Date.parse(yearAgo), candles.first);
      const calls = sandbox.requests.slice(from).filter((r) => r.endpoint === 'historical');
      // 13 days per call (the 1,000-candle cap): 29 calls for 365 days, each answered (no error reached the flow)
      assert.equal(calls.length, 29);
      assert.ok(elapsed >= 28_000, `${elapsed} ms for 29 calls at one a second`);
      const statuses = comms.status('md-candles').map((s) => s.text);
      assert.ok(statuses.includes('candles 15/29'), statuses.join(' | '));
      assert.deepEqual(comms.debug().filter((d) => d.name === 'error' && JSON.parse(d.msg).source.type === 'mstock-candles'), []);
    });
  });
}
