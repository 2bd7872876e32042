#!/usr/bin/env node
// Compiles the TypeScript into dist/ and puts beside each built node file what Node-RED loads
// with it: the editor .html, the locales/ folder and the icons/ folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const sources = ['src', 'nodes', 'icons', 'tsconfig.json', 'scripts/build.js'];

function newestMtime(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), stat.mtimeMs);
}

function upToDate() {
  const stamp = path.join(dist, '.built');
  if (!fs.existsSync(stamp)) return false;
  const built = fs.statSync(stamp).mtimeMs;
  return sources.every((s) => newestMtime(path.join(root, s)) <= built);
}

if (process.argv.includes('--if-needed') && upToDate()) process.exit(0);

// Build beside dist/ and swap it in at the end, so code running from dist/ never sees it half-built.
const staging = `${dist}.staging-${process.pid}`;
fs.rmSync(staging, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'), '--outDir', staging],
  { stdio: 'inherit' },
);

const nodesOut = path.join(staging, 'nodes');
for (const name of fs.readdirSync(path.join(root, 'nodes'))) {
  if (name.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', name), path.join(nodesOut, name));
}
fs.cpSync(path.join(root, 'nodes', 'locales'), path.join(nodesOut, 'locales'), { recursive: true });
fs.cpSync(path.join(root, 'icons'), path.join(nodesOut, 'icons'), { recursive: true });
fs.chmodSync(path.join(staging, 'src', 'sandbox', 'cli.js'), 0o755);
fs.writeFileSync(path.join(staging, '.built'), new Date().toISOString());

const retired = `${dist}.old-${process.pid}`;
if (fs.existsSync(dist)) fs.renameSync(dist, retired);
fs.renameSync(staging, dist);
fs.rmSync(retired, { recursive: true, force: true });
