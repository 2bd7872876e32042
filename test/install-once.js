'use strict';
// Loaded by .mocharc.json before any test: installs once what the end-to-end suites otherwise fetch
// on first use (Node.js 22 and Node-RED 5 for the Node-RED 5 leg, and the packed package with its
// companion modules), so that on a fresh machine the minutes it takes fall in no test's timeout.
const { FLAVOURS, installedTemplate } = require('./e2e/harness');

exports.mochaHooks = {
  beforeAll() {
    // the installs run synchronously: no timer could end them early anyway
    this.timeout(0);
    for (const flavour of Object.values(FLAVOURS)) {
      flavour.node();
      flavour.redJs();
    }
    installedTemplate();
  },
};
