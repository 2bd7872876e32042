'use strict';
// mstock-ticks in a real Node-RED 4.1 and 5, from the packed tarball, against the sandbox's live
// feed over a real WebSocket: ticks reach a debug node; after the feed drops its socket they flow
// again within 3 s; when the session expires the feed stops and the node waits for a session; a new
// login brings the ticks back without a redeploy. Nothing Node-RED shows or logs holds a secret.
const assert = require('node:assert/strict');
const { URLSearchParams } = require('node:url');
const { NodeRed, FLAVOURS, onTab, sleep } = require('./harness');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');

const TICKS = 'tk-ticks';

function ticksFlow(sandbox) {
  const account = { id: 'tk-account', type: 'mstock-config', name: 'live feed', baseUrl: sandbox.url, feedUrl: sandbox.feedUrl, timeout: '10000' };
  const debug = (name, y, complete = 'payload') => ({ id: `tk-${name}-debug`, type: 'debug', name, active: true, tosidebar: true, complete, targetType: 'msg', x: 560, y, wires: [] });
  const chain = (name, node, y) => [
    { id: `tk-${name}-inject`, type: 'inject', name, props: [{ p: 'payload' }], payload: '', payloadType: 'date', x: 140, y, wires: [[`tk-${name}`]] },
    { id: `tk-${name}`, account: account.id, name: '', x: 340, y, wires: [[`tk-${name}-debug`]], ...node },
    debug(name, y),
  ];
  const nodes = [
    account,
    ...chain('login', { type: 'mstock-login' }, 40),
    ...chain('funds', { type: 'mstock-funds', output: 'parsed' }, 80),
    { id: TICKS, type: 'mstock-ticks', account: account.id, name: '', mode: 'ltp', instruments: 'NSE:SBIN-EQ', throttle: '0', x: 340, y: 120, wires: [['tk-ticks-debug']] },
    debug('ticks', 120),
    { id: 'tk-catch', type: 'catch', name: '', scope: null, uncaught: false, x: 140, y: 160, wires: [['tk-error-debug']] },
    debug('error', 160, 'error'),
  ];
  const credentials = { [account.id]: { apiKey: SANDBOX_ACCOUNT.apiKey, clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password, totpSecret: SANDBOX_ACCOUNT.totpSecret } };
  return { flows: onTab(nodes, 'tk-tab', 'Live feed'), credentials };
}

const debugFrom = (name) => (e) => e.topic === 'debug' && e.data.name === name;

for (const flavour of Object.keys(FLAVOURS)) {
  describe(`mstock-ticks in a real ${FLAVOURS[flavour].label}`, function () {
    this.timeout(120_000);
    let sandbox;
    let red;
    let comms;

    before(async function () {
      sandbox = new Sandbox();
      await sandbox.start();
      sandbox.market.knows('3045'); // the master is built before the first download asks for it
      red = new NodeRed({ flavour });
      await red.start();
      const { flows, credentials } = ticksFlow(sandbox);
      await red.deploy(flows, credentials);
      comms = await red.comms();
    });

    after(async function () {
      comms?.close();
      if (red) {
        await red.stop();
        red.cleanUp();
      }
      if (sandbox) await sandbox.stop();
    });

    const ticks = () => comms.events.filter(debugFrom('ticks'));
    const ticksStatus = () => comms.status(TICKS).at(-1);
    /** Resolves with the first tick shown in the debug sidebar after event number `from`. */
    const tickAfter = (from, ms, what) => comms.waitFor((e) => comms.events.indexOf(e) >= from && debugFrom('ticks')(e), ms, what);
    /** Resolves once the ticks node shows `text` after event number `from`. */
    const statusAfter = (from, text, ms = 5000) => comms.waitFor((e) => comms.events.indexOf(e) >= from && e.topic === `status/${TICKS}` && e.data.text === text, ms, `the status "${text}"`);
    async function logIn() {
      const from = comms.events.length;
      await red.inject('tk-login-inject');
      const login = await comms.waitFor((e) => comms.events.indexOf(e) >= from && debugFrom('login')(e), 10_000, 'the login');
      assert.equal(JSON.parse(login.data.msg).state, 'live');
    }

    it('waits for a session, then the own list streams ticks to the debug sidebar on mstock/tick/NSE/3045', async function () {
      await statusAfter(0, 'waiting for session');
      assert.equal(sandbox.feed.handshakes, 0);
      await logIn();
      const first = await tickAfter(0, 20_000, 'a tick');
      assert.equal(first.data.topic, 'mstock/tick/NSE/3045');
      const tick = JSON.parse(first.data.msg);
      assert.deepEqual(Object.keys(tick), ['exchange', 'token', 'symbol', 'mode', 'ltp', 'time', 'sequence']);
      assert.deepEqual([tick.exchange, tick.token, tick.symbol, tick.mode], ['NSE', '3045', 'SBIN-EQ', 'ltp']);
      assert.ok(tick.ltp > 0);
      assert.match(tick.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
      await statusAfter(0, 'streaming 1 instrument');
      assert.deepEqual(ticksStatus(), { fill: 'green', shape: 'dot', text: 'streaming 1 instrument' });
      assert.deepEqual(sandbox.feed.subscriptions().map((s) => [s.mode, s.exchange, s.token]), [['ltp', 'NSE', '3045']]);
    });

    it('after the feed drops its socket the ticks flow again within 3 s', async function () {
      const handshakes = sandbox.feed.handshakes;
      sandbox.feed.dropConnections();
      const droppedAt = Date.now();
      while (!(sandbox.feed.handshakes > handshakes && sandbox.feed.connections === 1)) {
        assert.ok(Date.now() - droppedAt < 3000, 'no new socket within 3 s');
        await sleep(20);
      }
      const from = comms.events.length;
      await tickAfter(from, 3000 - (Date.now() - droppedAt), 'a tick on the new socket');
      assert.ok(Date.now() - droppedAt < 3000, `${Date.now() - droppedAt} ms`);
      assert.deepEqual(sandbox.feed.subscriptions().map((s) => [s.mode, s.exchange, s.token]), [['ltp', 'NSE', '3045']]);
    });

    it('when the session expires the feed stops and the status says "waiting for session"', async function () {
      const from = comms.events.length;
      sandbox.expireSessions();
      await red.inject('tk-funds-inject');
      const refusal = await comms.waitFor(debugFrom('error'), 10_000, 'the expired session');
      assert.equal(JSON.parse(refusal.data.msg).code, 'MSTOCK_SESSION_EXPIRED');
      await statusAfter(from, 'waiting for session');
      const started = Date.now();
      while (sandbox.feed.connections > 0) {
        assert.ok(Date.now() - started < 3000, 'the socket was not closed');
        await sleep(20);
      }
      await sleep(200); // what was on its way to the sidebar
      const quiet = ticks().length;
      await sleep(1500);
      assert.equal(ticks().length, quiet, 'no tick without a session');
      assert.deepEqual(ticksStatus(), { fill: 'grey', shape: 'ring', text: 'waiting for session' });
    });

    it('a new login brings the ticks back without a redeploy, and nothing shown or logged holds a secret', async function () {
      const from = comms.events.length;
      await logIn();
      await tickAfter(from, 10_000, 'a tick after the new login');
      await statusAfter(from, 'streaming 1 instrument');

      const tokens = new Set();
      for (const { headers } of sandbox.requests) {
        const bearer = /^Bearer (.+)$/.exec(headers.authorization || '');
        if (bearer) tokens.add(bearer[1]);
      }
      for (const { text } of sandbox.feed.received) if (text.startsWith('LOGIN:')) tokens.add(text.slice('LOGIN:'.length));
      assert.ok(tokens.size >= 2, 'the tokens of both sessions');
      const shown = JSON.stringify(comms.events) + red.output;
      for (const secret of [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password, SANDBOX_ACCOUNT.totpSecret, ...tokens]) {
        for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
          assert.ok(!shown.includes(form), 'a secret was shown or logged');
        }
      }
      assert.doesNotMatch(shown, /ACCESS_TOKEN=|API_KEY=/);
    });
  });
}
