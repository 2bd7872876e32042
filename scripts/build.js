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

/** The parts of help every node shares, by name, from nodes/help/<lang>.html. */
function helpFragments(lang) {
  const file = path.join(root, 'nodes', 'help', `${lang}.html`);
  const fragments = new Map();
  if (!fs.existsSync(file)) return fragments;
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/<!-- fragment ([\w -]+?) -->\n([\s\S]*?)<!-- end -->/g)) fragments.set(m[1], m[2]);
  return fragments;
}

/** Puts the shared parts in place of their markers in each help page of dist/; an unknown marker stops the build. */
function stitchHelp(localesOut) {
  for (const lang of fs.readdirSync(localesOut)) {
    const fragments = helpFragments(lang);
    for (const name of fs.readdirSync(path.join(localesOut, lang)).filter((n) => n.endsWith('.html'))) {
      const file = path.join(localesOut, lang, name);
      const page = fs.readFileSync(file, 'utf8').replace(/^[ \t]*<!-- mstock:([\w -]+?) -->\n/gm, (_m, key) => {
        const fragment = fragments.get(key);
        if (fragment === undefined) throw new Error(`${lang}/${name}: no help fragment "${key}" in nodes/help/${lang}.html`);
        return fragment;
      });
      fs.writeFileSync(file, page);
    }
  }
}

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
stitchHelp(path.join(nodesOut, 'locales'));
fs.cpSync(path.join(root, 'icons'), path.join(nodesOut, 'icons'), { recursive: true });
fs.chmodSync(path.join(staging, 'src', 'sandbox', 'cli.js'), 0o755);
fs.writeFileSync(path.join(staging, '.built'), new Date().toISOString());

const retired = `${dist}.old-${process.pid}`;
if (fs.existsSync(dist)) fs.renameSync(dist, retired);
fs.renameSync(staging, dist);
fs.rmSync(retired, { recursive: true, force: true });
