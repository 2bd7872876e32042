'use strict';
// The package as it was at an earlier commit (the base), built and packed, so one bench run can
// measure its mstock-funds side by side with this commit's on the same machine at the same time.
//
// The base's sources come from `git archive` into a directory under the system's temporary folder
// named after the commit (kept between runs: a commit never changes), with this checkout's
// node_modules linked in, and are built by the base's own scripts/build.js. Its tsconfig.json is
// given `noCheck: true` there: the type check takes ~15 s of a 2-core machine and changes nothing
// in the emitted JavaScript (compare `tsc --noCheck` with `tsc` on any tree).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync } = require('node:child_process');
const { promisify } = require('node:util');
const { cleanEnv, root } = require('../../test/e2e/harness');

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The commit before the rate limiter and the endpoint table: Part 1 as it was released. */
const DEFAULT_BASE = '49eab4f';

function git(args, options = {}) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** The full commit id of `rev`, or undefined when this clone does not have it. */
function resolveCommit(rev) {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds (once per commit) and packs the base.
 * @param {string} rev a commit of this repository
 * @returns {Promise<{ rev: string, commit: string, dir: string, tarball: string, subject: string }>}
 * Rejects when the commit is not in this clone or the build fails.
 */
async function prepareBase(rev = DEFAULT_BASE) {
  const commit = resolveCommit(rev);
  if (!commit) throw new Error(`commit ${rev} is not in this clone (a shallow clone? fetch it, or pass --base with one that is)`);
  const dir = path.join(os.tmpdir(), `mstock-bench-base-${commit.slice(0, 12)}`);
  const stamp = path.join(dir, 'dist', '.built');
  if (!fs.existsSync(stamp)) {
    const staging = `${dir}.staging-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    try {
      const archive = path.join(staging, 'source.tar');
      git(['archive', '--format=tar', '-o', archive, commit]);
      execFileSync('tar', ['-xf', archive, '-C', staging]);
      fs.rmSync(archive);
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'), 'dir');
      const tsconfigFile = path.join(staging, 'tsconfig.json');
      const tsconfig = JSON.parse(fs.readFileSync(tsconfigFile, 'utf8'));
      tsconfig.compilerOptions = { ...tsconfig.compilerOptions, noCheck: true };
      fs.writeFileSync(tsconfigFile, JSON.stringify(tsconfig, null, 2));
      await run(process.execPath, [path.join(staging, 'scripts', 'build.js')], { cwd: staging, env: cleanEnv() });
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(staging, dir);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  }
  let tarball = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) {
    const { stdout } = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: dir, env: cleanEnv() });
    const packed = JSON.parse(stdout);
    tarball = packed[0].filename;
  }
  const subject = git(['log', '-1', '--format=%s', commit]).trim();
  return { rev, commit, dir, tarball: path.join(dir, tarball), subject };
}

module.exports = { prepareBase, DEFAULT_BASE };
