'use strict';
// Preloaded into a Node-RED process (`node -r bench/lib/load-probe.js red.js …`) to time how long
// Node-RED spends loading node sets. Two measurements, written as JSON to $BENCH_PROBE_OUT when
// Node-RED logs "Started flows":
//
// 1. The palette-load phase: from Node-RED's own "Loading palette nodes" log line to the next
//    line it logs after redNodes.load() resolves ("Settings file : …"). This window covers every
//    node set's scan, .html read and parse, locale catalogue, require() and registration. The
//    bench compares it with and without this package installed.
// 2. Inside that phase (wall and CPU time), for each of this package's node files (those under $BENCH_PROBE_PKG that
//    the registry requires): the require() time, including everything it pulls in (axios,
//    otpauth, …) the first time, and the time of the call of the exported function that runs
//    RED.nodes.registerType; and the first-load time of each third-party module the package's code
//    requires (axios, otpauth), which is part of the require() time of the first node file.
const fs = require('node:fs');
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const out = process.env.BENCH_PROBE_OUT;
const pkgDir = process.env.BENCH_PROBE_PKG;
const marks = {};
const files = [];
/** First-load time of each third-party module the package requires (inclusive). */
const deps = {};
/** CPU time (user + system, ms) since `since`: less hurt than wall time by other work on the machine. */
const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

if (pkgDir) {
  const prefix = `${pkgDir}/`;
  const originalLoad = Module._load;
  Module._load = function load(request, parent, _isMain) {
    // the registry requires node files by absolute path; the package's own internal requires are
    // relative and not counted twice
    if (typeof request !== 'string') return originalLoad.apply(this, arguments);
    if (!request.startsWith(prefix)) {
      // a third-party dependency required by the package's own code: timed on its first load
      const fromPackage = parent && typeof parent.filename === 'string' && parent.filename.startsWith(prefix);
      if (!fromPackage || request.startsWith('.') || request.startsWith('node:') || Module.isBuiltin(request) || request in deps) {
        return originalLoad.apply(this, arguments);
      }
      const started = performance.now();
      const cpu = process.cpuUsage();
      const exported = originalLoad.apply(this, arguments);
      deps[request] = { ms: performance.now() - started, cpuMs: cpuMs(cpu) };
      return exported;
    }
    if (!request.endsWith('.js')) return originalLoad.apply(this, arguments);
    const cached = Object.prototype.hasOwnProperty.call(Module._cache, request);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const exported = originalLoad.apply(this, arguments);
    const record = {
      file: request.slice(prefix.length),
      requireMs: cached ? 0 : performance.now() - started,
      requireCpuMs: cached ? 0 : cpuMs(cpu),
      registerMs: 0,
      registerCpuMs: 0,
    };
    files.push(record);
    if (typeof exported !== 'function') return exported;
    return function timedRegister(...args) {
      const begun = performance.now();
      const cpuBegun = process.cpuUsage();
      try {
        return exported.apply(this, args);
      } finally {
        record.registerMs += performance.now() - begun;
        record.registerCpuMs += cpuMs(cpuBegun);
      }
    };
  };
}

let cpuAtStart;
const originalWrite = process.stdout.write;
process.stdout.write = function write(chunk, ...rest) {
  const text = String(chunk);
  const now = performance.now();
  if (marks.paletteStart === undefined && text.includes('Loading palette nodes')) {
    marks.paletteStart = now;
    cpuAtStart = process.cpuUsage();
  } else if (marks.paletteStart !== undefined && marks.paletteEnd === undefined) {
    // the first line logged after redNodes.load() resolves (normally "Settings file")
    marks.paletteEnd = now;
    const cpu = process.cpuUsage(cpuAtStart);
    marks.paletteCpuMs = (cpu.user + cpu.system) / 1000;
    marks.lineAfterPalette = text.trim().slice(0, 80);
  }
  if (marks.startedFlows === undefined && text.includes('Started flows')) {
    marks.startedFlows = now;
    if (out) {
      fs.writeFileSync(out, JSON.stringify({ marks, paletteMs: marks.paletteEnd - marks.paletteStart, paletteCpuMs: marks.paletteCpuMs, startupMs: now, files, deps }));
    }
  }
  return originalWrite.call(this, chunk, ...rest);
};
