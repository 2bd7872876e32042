'use strict';
// Node-RED nodes used only by the benchmark (loaded through `nodesDir`, never packed):
//
// - bench-driver generates the measured messages INSIDE Node-RED, so neither the Admin API nor
//   the bench process is in the measured path. A command message (from an http-in node) starts a
//   run; the driver sends one fresh message per request to the system under test on output 1 (A:
//   mstock-funds), 2 (B: the core-node chain), 3 (E: bench-raw), 4 (T: mstock-orders, trades) or
//   5 (Q: mstock-request, quotes), takes the answers back on its input, and sends one summary on
//   output 6 (to an http response node). msg.payload is the message's index, or the command's
//   `payloads[i]` when it gives them (the quotes' JSON bodies).
//   It also reports heap after GC (Node-RED started with --expose-gc) and process.memoryUsage().
// - bench-raw does one keep-alive http.request per message inside Node-RED with no library and no
//   status: the cost of the HTTP call plus Node-RED's own message passing, nothing else.
const http = require('node:http');
const v8 = require('node:v8');
const { performance } = require('node:perf_hooks');
const { summarise } = require('../lib/stats');

const PORTS = { A: 0, B: 1, E: 2, T: 3, Q: 4 };
const REPLY = 5;
const OUTPUTS = REPLY + 1;

const hrMicros = () => Number(process.hrtime.bigint() / 1000n);

function memory() {
  if (typeof global.gc === 'function') {
    // twice: the first pass may leave objects with finalisers for the second
    global.gc();
    global.gc();
  }
  const usage = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  return {
    gcExposed: typeof global.gc === 'function',
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    rss: usage.rss,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    usedHeapSize: heap.used_heap_size,
  };
}

module.exports = function (RED) {
  function BenchDriver(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    let runId = 0;
    let run;

    const request = (r, i) => {
      const payload = r.payloads ? r.payloads[i % r.payloads.length] : i;
      const msg = { topic: 'bench', payload, bench: { run: r.id, i } };
      const out = new Array(OUTPUTS).fill(null);
      out[r.port] = msg;
      return out;
    };

    const finish = (r, send, result) => {
      run = undefined;
      r.command.payload = { ...result, errors: r.errors, lastError: r.lastError, target: r.target, mode: r.mode };
      const out = new Array(OUTPUTS).fill(null);
      out[REPLY] = r.command;
      send(out);
    };

    const start = (msg, send) => {
      const cmd = msg.payload || {};
      const reply = (payload) => {
        msg.payload = payload;
        const out = new Array(OUTPUTS).fill(null);
        out[REPLY] = msg;
        send(out);
      };
      if (cmd.cmd === 'memory') return reply(memory());
      if (cmd.cmd === 'clock') return reply({ hrMicros: hrMicros() });
      if (run) return reply({ error: 'a run is in progress' });
      if (!(cmd.target in PORTS)) return reply({ error: `unknown target ${cmd.target}` });
      const n = cmd.cmd === 'sample' ? 1 : Number(cmd.n);
      if (!Number.isInteger(n) || n < 1) return reply({ error: 'n must be a positive integer' });
      runId += 1;
      const r = {
        id: runId,
        mode: cmd.cmd,
        target: cmd.target,
        port: PORTS[cmd.target],
        n,
        next: 0,
        answered: 0,
        errors: 0,
        lastError: undefined,
        command: msg,
        lat: new Float64Array(n),
        sentAt: 0,
        t0: 0,
        firstAt: 0,
        hrStart: 0,
        sample: undefined,
        payloads: Array.isArray(cmd.payloads) && cmd.payloads.length > 0 ? cmd.payloads : undefined,
      };
      run = r;
      r.hrStart = hrMicros();
      r.t0 = performance.now();
      if (r.mode === 'burst') {
        // every trigger at once, as a burst of injects would be
        for (let i = 0; i < n; i++) send(request(r, i));
        r.next = n;
      } else {
        r.next = 1;
        r.sentAt = performance.now();
        send(request(r, 0));
      }
    };

    node.on('input', (msg, send, done) => {
      const tag = msg.bench;
      if (tag === undefined) {
        start(msg, send);
        done();
        return;
      }
      const now = performance.now();
      const r = run;
      if (!r || tag.run !== r.id) {
        done();
        return;
      }
      if (msg.error) {
        r.errors += 1;
        r.lastError = msg.error.message || String(msg.error);
      } else if (r.mode === 'sample') {
        r.sample = { topic: msg.topic, payload: msg.payload };
      }
      r.answered += 1;
      if (r.mode === 'burst') {
        r.lat[tag.i] = now - r.t0;
        if (r.answered === 1) r.firstAt = now - r.t0;
        if (r.answered === r.n) {
          finish(r, send, { n: r.n, totalMs: now - r.t0, firstMs: r.firstAt, answerMs: summarise(r.lat), hrStart: r.hrStart, hrEnd: hrMicros() });
        }
      } else {
        r.lat[tag.i] = now - r.sentAt;
        if (r.next < r.n) {
          const i = r.next++;
          r.sentAt = performance.now();
          send(request(r, i));
        } else {
          const hrEnd = hrMicros();
          const result = { n: r.n, totalMs: now - r.t0, latencyMs: summarise(r.lat), hrStart: r.hrStart, hrEnd };
          if (r.mode === 'sample') result.sample = r.sample;
          finish(r, send, result);
        }
      }
      done();
    });

    node.on('close', () => {
      run = undefined;
    });
  }
  RED.nodes.registerType('bench-driver', BenchDriver);

  function BenchRaw(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const url = new URL(config.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    node.on('input', (msg, send, done) => {
      const auth = node.context().flow.get('mstock') || {};
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'GET',
          headers: { 'X-Mirae-Version': '1', 'X-PrivateKey': auth.apiKey, Authorization: `Bearer ${auth.token}` },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
              msg.payload = body.data;
              send(msg);
              done();
            } catch (err) {
              done(err);
            }
          });
        },
      );
      req.on('error', (err) => done(err));
      req.end();
    });
    node.on('close', () => agent.destroy());
  }
  RED.nodes.registerType('bench-raw', BenchRaw);
};
