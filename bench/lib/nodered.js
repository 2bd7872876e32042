'use strict';
/* global AbortSignal */
// A real Node-RED 4.1 process for the benchmark: test/e2e/harness.js with a user directory of its
// own (the bench driver nodes, or no package at all for a baseline) and Node.js flags such as
// --expose-gc, --cpu-prof and a preload.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { NodeRed, installedTemplate, root } = require('../../test/e2e/harness');

const PACKAGE_NAME = require(path.join(root, 'package.json')).name;
const BENCH_NODES_DIR = path.join(__dirname, '..', 'nodered');

class BenchNodeRed extends NodeRed {
  /**
   * @param {object} options
   * @param {boolean} [options.withPackage] install this package (from its packed tarball); false for a baseline
   * @param {string} [options.tarball] install the package from this tarball instead (another commit's: bench/lib/base.js)
   * @param {boolean} [options.benchNodes] load bench/nodered (the driver) through nodesDir
   * @param {string[]} [options.nodeArgs] Node.js flags for the Node-RED process
   * @param {object} [options.env] extra environment for the Node-RED process
   * @param {string} [options.logLevel]
   */
  constructor({ withPackage = true, tarball, benchNodes = true, nodeArgs = [], env = {}, logLevel = 'info' } = {}) {
    super({ flavour: 'nr4', nodeArgs, env });
    this.withPackage = withPackage;
    this.tarball = tarball;
    this.benchNodes = benchNodes;
    this.logLevel = logLevel;
  }

  /** Where this package sits in the user directory (valid after prepare()). */
  get packageDir() {
    return path.join(this.userDir, 'node_modules', ...PACKAGE_NAME.split('/'));
  }

  /** Creates the user directory: the package installed from its tarball (or nothing), settings.js. */
  prepare() {
    this.userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-bench-user-'));
    if (this.withPackage) {
      const { dir } = installedTemplate();
      fs.cpSync(path.join(dir, 'node_modules'), path.join(this.userDir, 'node_modules'), { recursive: true });
      fs.copyFileSync(path.join(dir, 'package.json'), path.join(this.userDir, 'package.json'));
      if (this.tarball) {
        // the same dependencies, already installed beside it; only the package itself differs
        fs.rmSync(this.packageDir, { recursive: true, force: true });
        fs.mkdirSync(this.packageDir, { recursive: true });
        execFileSync('tar', ['-xzf', this.tarball, '-C', this.packageDir, '--strip-components=1']);
      }
    } else {
      fs.writeFileSync(path.join(this.userDir, 'package.json'), JSON.stringify({ name: 'mstock-bench-baseline', private: true }));
      fs.mkdirSync(path.join(this.userDir, 'node_modules'));
    }
    const settings = {
      uiHost: '127.0.0.1',
      flowFile: 'flows.json',
      credentialSecret: crypto.randomBytes(16).toString('hex'),
      telemetry: { enabled: false, updateNotification: false },
      editorTheme: { tours: false, palette: { catalogues: [] } },
      logging: { console: { level: this.logLevel, metrics: false, audit: false } },
    };
    if (this.benchNodes) settings.nodesDir = [BENCH_NODES_DIR];
    fs.writeFileSync(path.join(this.userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    return this;
  }

  /** POSTs JSON (or text) to an http-in endpoint of the bench flow and answers its JSON reply. */
  async call(urlPath, body, { timeoutMs = 300_000 } = {}) {
    const text = typeof body === 'string';
    const res = await fetch(`${this.url}${urlPath}`, {
      method: 'POST',
      headers: { 'Content-Type': text ? 'text/plain' : 'application/json' },
      body: text ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const reply = await res.text();
    let parsed;
    try {
      parsed = JSON.parse(reply);
    } catch {
      parsed = reply;
    }
    if (!res.ok) throw new Error(`POST ${urlPath} → HTTP ${res.status}: ${reply}`);
    return parsed;
  }

  /** The Node-RED process id (for ps). */
  get pid() {
    return this.child?.pid;
  }
}

module.exports = { BenchNodeRed, PACKAGE_NAME, root };
