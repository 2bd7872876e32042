'use strict';
// Runs in its own plain Node.js process (no Node-RED), started by bench/run.js:
//
//   node bench/floor.js '{"mode":"raw","url":…,"apiKey":…,"token":…,"n":2000,"warmup":500}'
//
// mode "raw"    (C, the floor): a keep-alive http.request loop, one request after another; each
//               answer read whole and JSON.parse'd — the least any client has to do.
// mode "client" (D, diagnostic): this package's MStockClient.fundSummary + parseFunds (dist/), the
//               same work mstock-funds does, without Node-RED around it.
// Prints one JSON line: { n, totalMs, latencyMs: { median, p99, … } }.
const http = require('node:http');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { summarise } = require('./lib/stats');

const FUNDS_PATH = '/openapi/typeb/user/fundsummary';

function rawCaller({ url, apiKey, token }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { 'X-Mirae-Version': '1', 'X-PrivateKey': apiKey, Authorization: `Bearer ${token}` };
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request({ agent, host: target.hostname, port: target.port, path: FUNDS_PATH, method: 'GET', headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (res.statusCode !== 200 || !Array.isArray(body.data)) throw new Error(`HTTP ${res.statusCode}`);
            resolve(body.data);
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

function clientCaller({ url, apiKey, token }) {
  const dist = path.join(__dirname, '..', 'dist', 'src');
  const { MStockClient } = require(path.join(dist, 'api', 'client'));
  const { parseFunds } = require(path.join(dist, 'api', 'funds'));
  const client = new MStockClient({ baseUrl: url, apiKey, userAgent: 'node-red-mstock' });
  return async () => parseFunds(await client.fundSummary(token));
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const call = options.mode === 'client' ? clientCaller(options) : rawCaller(options);
  for (let i = 0; i < options.warmup; i++) await call();
  const lat = new Float64Array(options.n);
  const t0 = performance.now();
  for (let i = 0; i < options.n; i++) {
    const started = performance.now();
    await call();
    lat[i] = performance.now() - started;
  }
  const totalMs = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ n: options.n, totalMs, latencyMs: summarise(lat) })}\n`);
  // close kept-alive sockets so the process ends at once
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
