'use strict';
// The sandbox command (dist/src/sandbox/cli.js) as a child process, used over real HTTP.
const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { MStockClient } = require('../../dist/src/api/client');
const { parseFunds } = require('../../dist/src/api/funds');
const { SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');
const { freePort, UUID_LIKE, JWT_LIKE } = require('./_helpers');

const CLI = path.resolve(__dirname, '../../dist/src/sandbox/cli.js');

/** Runs the CLI; collects its output; `exited` resolves with { code, signal }. */
function run(args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    out.stderr += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

async function waitFor(out, pattern, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(out.stdout);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stdout: ${out.stdout}; stderr: ${out.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sandbox CLI (child process)', function () {
  let proc;
  let client;

  afterEach(async function () {
    if (client) client.close();
    client = undefined;
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    proc = undefined;
  });

  it('listens on --port, prints the --otp of each login, serves login → session → funds, and stops on SIGTERM', async function () {
    const port = await freePort();
    proc = run(['--port', String(port), '--otp', '123456']);
    const [, url] = await waitFor(proc.out, /listening on (http:\/\/\S+)/);
    assert.equal(url, `http://127.0.0.1:${port}`);
    // the account lines are printed after the first one, and may arrive in a later chunk
    await waitFor(proc.out, new RegExp(`API key: ${SANDBOX_ACCOUNT.apiKey}`));

    client = new MStockClient({ baseUrl: url, apiKey: SANDBOX_ACCOUNT.apiKey, timeout: 3000 });
    const login = await client.login(SANDBOX_ACCOUNT.clientCode, SANDBOX_ACCOUNT.password);
    assert.match(login.loginToken, UUID_LIKE);
    await waitFor(proc.out, /OTP for SANDBOX1 is 123456/);
    const session = await client.sessionToken(login.loginToken, '123456');
    assert.match(session.sessionToken, JWT_LIKE);
    const funds = parseFunds(await client.fundSummary(session.sessionToken));
    assert.equal(funds[0].availableBalance, 180000.5);
    assert.equal(funds[0].seg, 'A');
    assert.ok(!proc.out.stdout.includes(session.sessionToken), 'the CLI printed the session token');

    client.close();
    client = undefined;
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    assert.equal(code, 0);
  });

  for (const [label, args, words] of [
    ['--port 70000', ['--port', '70000'], /--port must be/],
    ['--port abc', ['--port', 'abc'], /--port must be/],
    ['--otp 12', ['--port', '0', '--otp', '12'], /--otp must be/],
    ['an unknown option', ['--bogus'], /Usage: mstock-sandbox/],
  ]) {
    it(`exits with code 2 and says why for ${label}`, async function () {
      proc = run(args);
      const { code } = await proc.exited;
      assert.equal(code, 2);
      assert.match(proc.out.stderr, words);
      assert.doesNotMatch(proc.out.stdout, /listening/);
    });
  }

  it('on a port already in use: exits with code 1 and says to pick another with --port', async function () {
    const squatter = net.createServer();
    await new Promise((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address();
    try {
      proc = run(['--port', String(port)]);
      const { code } = await proc.exited;
      assert.equal(code, 1);
      assert.match(proc.out.stderr, new RegExp(`port ${port} is already in use`));
      assert.match(proc.out.stderr, /--port/);
      assert.doesNotMatch(proc.out.stdout, /listening/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('--help prints the usage and exits with code 0', async function () {
    proc = run(['--help']);
    const { code } = await proc.exited;
    assert.equal(code, 0);
    assert.match(proc.out.stdout, /Usage: mstock-sandbox/);
  });
});
