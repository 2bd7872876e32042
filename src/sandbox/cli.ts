#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { Sandbox, SANDBOX_ACCOUNT } from './server';

const usage = `Usage: mstock-sandbox [--port N] [--host ADDRESS] [--otp DIGITS] [--latency MS]

Runs a local stand-in for the mStock Type B user API. Logins "send" their OTP by printing it here.
  --port N        port to listen on (default 8729; 0 picks a free one)
  --host ADDRESS  address to listen on (default 127.0.0.1)
  --otp DIGITS    make every login's OTP this one instead of a random one
  --latency MS    add this delay to every answer`;

function main(): void {
  let values: { port?: string; host?: string; otp?: string; latency?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        otp: { type: 'string' },
        latency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port ?? 8729);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535.\n\n${usage}`);
    process.exit(2);
  }
  if (values.otp !== undefined && !/^\d{4,8}$/.test(values.otp)) {
    console.error('--otp must be 4 to 8 digits.');
    process.exit(2);
  }
  const sandbox = new Sandbox({
    port,
    host: values.host,
    fixedOtp: values.otp,
    latencyMs: values.latency ? Number(values.latency) : undefined,
    log: (line) => console.log(line),
  });
  sandbox.start().then(
    (url) => {
      console.log(`mStock sandbox listening on ${url}`);
      console.log(`  API key: ${SANDBOX_ACCOUNT.apiKey}   client code: ${SANDBOX_ACCOUNT.clientCode}   password: ${SANDBOX_ACCOUNT.password}`);
      console.log(`  TOTP secret (base32): ${SANDBOX_ACCOUNT.totpSecret}`);
    },
    (err: unknown) => {
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      const reason =
        code === 'EADDRINUSE'
          ? `port ${port} is already in use. Pick another with --port N (--port 0 picks a free one).`
          : err instanceof Error
            ? err.message
            : String(err);
      console.error(`mStock sandbox could not start: ${reason}`);
      process.exit(1);
    },
  );
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
