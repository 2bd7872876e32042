'use strict';
// Collects the rows of the reliability table while the suite runs and, once the run ends, merges
// them into test-results/reliability.json, which scripts/reliability-report.js turns into
// docs/RELIABILITY.md. Each section (faults, input, secrets, lifecycle, soak, fuzz) that ran in
// this process replaces its earlier rows; sections that did not run keep theirs, so running the
// soak alone (MSTOCK_SOAK_COUNT=10000 …/soak.test.js) updates only the soak figures.
const fs = require('node:fs');
const path = require('node:path');
const { NODE_RED_5_HOME } = require('../e2e/harness');

const root = path.resolve(__dirname, '..', '..');
const RESULTS = process.env.MSTOCK_RELIABILITY_JSON || path.join(root, 'test-results', 'reliability.json');

const sections = new Map();

function versions() {
  const read = (p) => {
    try {
      return JSON.parse(fs.readFileSync(p, 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  return {
    node: process.version,
    nodeRed: read(require.resolve('node-red/package.json')),
    nodeRed5: read(path.join(NODE_RED_5_HOME, 'package.json')),
    fastCheck: read(require.resolve('fast-check/package.json')),
    package: read(path.join(root, 'package.json')),
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The recorder of one section of the table. */
function section(name) {
  if (!sections.has(name)) sections.set(name, { name, ranAt: undefined, rows: [], figures: {} });
  const s = sections.get(name);
  const started = () => {
    s.ranAt = s.ranAt ?? new Date().toISOString();
  };
  return {
    /**
     * One line of the table: what was done (fault or input), to which node, the code the contract
     * asks for, the code seen, how many times, and whether they matched.
     */
    row({ fault, node, expected, observed, count = 1, pass, note }) {
      started();
      const r = { fault: String(fault), node: String(node), expected: String(expected), observed: String(observed), count, pass: pass ?? expected === observed };
      if (note) r.note = String(note);
      s.rows.push(r);
      return r;
    },
    /** Named figures of the section (soak counts, heap, fuzz runs …). */
    figures(values) {
      started();
      Object.assign(s.figures, values);
    },
  };
}

function write() {
  if (sections.size === 0) return;
  let previous = { sections: {} };
  try {
    previous = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  } catch {
    // first run
  }
  const meta = { ...versions(), soakCount: Number(process.env.MSTOCK_SOAK_COUNT || 1000) };
  const merged = { writtenAt: new Date().toISOString(), sections: { ...(previous.sections || {}) } };
  for (const [name, s] of sections) if (s.ranAt) merged.sections[name] = { ...s, meta };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);
}

// a root-level hook: registered once (this module is cached), runs after every test file
if (typeof after === 'function') after(write);

module.exports = { section, write, RESULTS };
