'use strict';
// Run by lifecycle.test.js in a child process (fork, IPC). Loads a flow in the test-helper
// runtime against the parent's sandboxes, goes live, starts calls the parent's sandboxes answer
// slowly, then closes the flows (mode "remove": a deploy without them, so every node is closed as
// removed; mode "stop": stopFlows, as a runtime stop closes them) and the runtime, and reports
// the timers our code (dist/) still has referenced, the sends after close, and how long closing
// took. Then it lets go of IPC: the parent measures how long it takes to exit by itself.
const asyncHooks = require('node:async_hooks');
const path = require('node:path');

const dist = `${path.resolve(__dirname, '..', '..', 'dist')}${path.sep}`;
const timeouts = new Map();
Error.stackTraceLimit = 50;
asyncHooks
  .createHook({
    init(asyncId, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      const stack = new Error().stack.split('\n').slice(2);
      const ours = stack.find((line) => line.includes(dist));
      if (ours) timeouts.set(asyncId, { resource, where: ours.trim() });
    },
    destroy(asyncId) {
      timeouts.delete(asyncId);
    },
  })
  .enable();

const { helper, allNodes, credentialsFor, flow, collect, until, sleep, SANDBOX_ACCOUNT } = require('./support');

const ask = (type) => new Promise((resolve) => {
  process.send({ type });
  process.once('message', resolve);
});

async function main() {
  const { fastUrl, slowUrl, mode } = JSON.parse(process.argv[2]);
  await helper.startServer();
  const extra = [
    { id: 'c2', type: 'mstock-config', baseUrl: slowUrl, timeout: 20000 },
    { id: 'login2', type: 'mstock-login', account: 'c2', wires: [['out']] },
  ];
  const flowNodes = flow(fastUrl, { timeout: 20000, extra });
  await helper.load(allNodes, flowNodes, { c1: credentialsFor(SANDBOX_ACCOUNT), c2: credentialsFor(SANDBOX_ACCOUNT) });
  const out = collect(helper.getNode('out'));
  const caught = collect(helper.getNode('caught'));
  helper.getNode('login1').receive({ payload: 'go' });
  await until(() => out.length === 1, 4000, 'login');
  helper.getNode('otp1').receive({ payload: '123456' });
  await until(() => out.length === 2, 4000, 'live');

  await ask('live'); // the parent makes the fast sandbox slow now
  // every mstock node's sends, errors and statuses from here on
  const afterClose = [];
  let closed = false;
  for (const id of ['login1', 'otp1', 'funds1', 'logout1', 'session1', 'login2']) {
    const node = helper.getNode(id);
    for (const method of ['send', 'error', 'status', 'warn']) {
      const original = node[method].bind(node);
      node[method] = (...args) => {
        if (closed) afterClose.push(`${id}.${method}`);
        return original(...args);
      };
    }
  }
  for (let i = 0; i < 3; i++) helper.getNode('funds1').receive({ payload: i });
  helper.getNode('logout1').receive({ payload: 'bye' });
  helper.getNode('login2').receive({ payload: 'go' });
  helper.getNode('login1').receive({ payload: 'again' });
  await ask('in-flight'); // the parent confirms its sandboxes hold the calls
  const inFlightTimers = [...timeouts.values()].filter((t) => t.resource.hasRef()).length;

  const started = Date.now();
  if (mode === 'remove') await helper.setFlows([], 'full').catch(() => {});
  else await helper.unload();
  const closeMs = Date.now() - started;
  closed = true;
  await helper.stopServer();
  await sleep(300);
  const left = [...timeouts.values()].filter((t) => t.resource.hasRef()).map((t) => t.where.replace(dist, 'dist/'));
  const report = {
    type: 'report',
    mode,
    closeMs,
    inFlightTimers,
    timersLeft: left,
    unrefTimersLeft: [...timeouts.values()].filter((t) => !t.resource.hasRef()).length,
    afterClose,
    outputsAfterClose: out.length - 2,
    catchesAfterClose: caught.length,
    resources: process.getActiveResourcesInfo(),
  };
  process.send(report);
  process.disconnect();
  report.reportedAt = Date.now();
}

main().catch((err) => {
  process.send({ type: 'error', error: String(err && err.stack ? err.stack : err) });
  process.disconnect();
});
