'use strict';
// Shared by the test/api/*.test.js files. Not a test file itself (no .test.js suffix).
const assert = require('node:assert/strict');
const net = require('node:net');
const { MStockError } = require('../../dist/src/api/errors');

function checkMStockError(err, code) {
  assert.ok(err !== undefined, `expected a failure with ${code}, but the call succeeded`);
  assert.ok(err instanceof MStockError, `expected an MStockError, got: ${err && err.stack ? err.stack : String(err)}`);
  assert.equal(err.code, code, `wrong error code; the message was: ${err.message}`);
  return err;
}

/** Awaits `promise`, asserts it rejects with an MStockError of `code`, and returns that error. */
async function rejectsWith(promise, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  return checkMStockError(err, code);
}

/** Calls `fn`, asserts it throws an MStockError of `code` synchronously, and returns that error. */
function throwsWith(fn, code) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  return checkMStockError(err, code);
}

/** A TCP port on 127.0.0.1 that nothing listens on (just now). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JWT_LIKE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

module.exports = { rejectsWith, throwsWith, freePort, UUID_LIKE, JWT_LIKE };
