'use strict';
// What installing costs: the package users install runs nothing at install time, and `npm ci` in a
// clone warns about no engine on the Node.js the suite runs on (Node.js 20, the oldest supported).
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const semver = require('semver');
const { installedTemplate, root } = require('./harness');

const INSTALL_TIME_SCRIPTS = ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare'];

describe('installing', function () {
  this.timeout(120_000);

  it('the packed package.json has no script npm runs at install time', function () {
    const { tarball } = installedTemplate();
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    assert.equal(packed.name, '@nr-mstock/node-red-mstock');
    assert.deepEqual(Object.keys(packed.scripts || {}).filter((name) => INSTALL_TIME_SCRIPTS.includes(name)), []);
  });

  it(`every package in package-lock.json accepts this Node.js (${process.version}), so npm ci prints no EBADENGINE`, function () {
    const lock = require(path.join(root, 'package-lock.json'));
    const refusing = Object.entries(lock.packages)
      .filter(([, entry]) => entry.engines && typeof entry.engines.node === 'string')
      .filter(([, entry]) => !semver.satisfies(process.version, entry.engines.node))
      .map(([where, entry]) => `${where} (node ${entry.engines.node})`);
    assert.deepEqual(refusing, []);
  });
});
