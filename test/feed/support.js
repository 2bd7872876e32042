'use strict';
// Set-up shared by the test/feed/*.test.js files: a sandbox with its feed on loopback, a session
// logged in to it, a bare WebSocket client, and waiting for a condition on real time.
const { WebSocket } = require('ws');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { MStockClient } = require('../../dist/src/api/client');
const { AccountSession } = require('../../dist/src/session/session');

const OTP = '123456';
/** Tuesday 4 February 2025, 11:00 India time: the market is open. */
const MARKET_HOURS = Date.parse('2025-02-04T11:00:00+05:30');

/** A started sandbox; its market's instrument master is built before the first socket needs it. */
async function startSandbox(clock) {
  const sandbox = new Sandbox({ fixedOtp: OTP, clock });
  await sandbox.start();
  sandbox.market.knows('3045');
  return sandbox;
}

/** An account session on the sandbox with its live feed settings. */
function newSession(sandbox, clock, feed = {}) {
  const client = new MStockClient({ baseUrl: sandbox.url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 10_000 });
  return new AccountSession(
    client,
    { clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password },
    clock,
    { url: sandbox.feedUrl, apiKey: SANDBOX_ACCOUNT.apiKey, ...feed },
  );
}

async function logIn(session) {
  await session.login();
  await session.submitCode(OTP, 'otp');
  return session.liveSession().sessionToken;
}

/** Resolves once `condition()` is truthy (checked every 10 ms); fails after `ms` naming `what`. */
async function waitFor(condition, what, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A bare client socket: resolves with it once open, or with the HTTP status that refused it. */
function openSocket(url) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const frames = [];
    socket.frames = frames;
    socket.on('message', (data, isBinary) => frames.push(isBinary ? data : data.toString()));
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      socket.terminate();
    });
    socket.on('open', () => resolve({ socket }));
    socket.on('error', () => undefined);
  });
}

/** Records what a feed subscriber is told. */
function recorder() {
  const seen = { ticks: [], states: [], malformed: [] };
  seen.listener = {
    tick: (tick) => seen.ticks.push(tick),
    state: (state) => seen.states.push(state),
    malformed: (report) => seen.malformed.push(report),
  };
  seen.last = () => seen.states[seen.states.length - 1];
  return seen;
}

module.exports = { OTP, MARKET_HOURS, startSandbox, newSession, logIn, waitFor, openSocket, recorder, SANDBOX_ACCOUNT };
