'use strict';
// The help pages as Node-RED loads them from dist/: the parts every node shares (nodes/help/) are
// stitched into each page, so a fix to them reaches every node.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const built = path.join(root, 'dist', 'nodes', 'locales', 'en-US');
const flowNodes = Object.keys(require('../../package.json')['node-red'].nodes).filter((type) => type !== 'mstock-config');
const page = (type) => fs.readFileSync(path.join(built, `${type}.html`), 'utf8');
const fragments = fs.readFileSync(path.join(root, 'nodes', 'help', 'en-US.html'), 'utf8');
const fragment = (name) => new RegExp(`<!-- fragment ${name} -->\\n([\\s\\S]*?)<!-- end -->`).exec(fragments)[1];

describe('help pages, as built', function () {
  for (const type of flowNodes) {
    it(`${type}: every marker replaced; the status legend, the errors introduction and the README link are the shared ones`, function () {
      const text = page(type);
      assert.doesNotMatch(text, /<!-- mstock:/);
      for (const name of ['readme-link', ...(type === 'mstock-session' ? [] : ['status', 'errors-intro'])]) {
        assert.ok(text.includes(fragment(name)), `${type} has the shared ${name}`);
      }
    });
  }

  it('each shared error entry is the same wherever it is used, and the codes are the contract\'s', function () {
    const { ErrorCode } = require('../../dist/src/api/errors');
    const codes = [...fragments.matchAll(/<!-- fragment error (\w+) -->/g)].map((m) => m[1]);
    assert.ok(codes.length >= 5);
    for (const code of codes) {
      assert.ok(Object.values(ErrorCode).includes(code), code);
      const users = flowNodes.filter((type) => page(type).includes(fragment(`error ${code}`)));
      assert.ok(users.length >= 2, `${code} is shared by ${users.join(', ')}`);
    }
  });
});
