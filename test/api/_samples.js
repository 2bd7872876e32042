'use strict';
// The vendor's verbatim samples and the API facts, read at test time from ../shared beside the
// repository (where CI and every developer have them). Not a test file itself.
const fs = require('node:fs');
const path = require('node:path');

const SHARED = path.resolve(__dirname, '../../../shared');
const SAMPLES = path.join(SHARED, 'api', 'samples');

/** One of the Python SDK's mock responses, e.g. vendorMock('get_order_book'). */
function vendorMock(name) {
  return JSON.parse(fs.readFileSync(path.join(SAMPLES, 'vendor-python-sdk-mocks', `${name}.json`), 'utf8'));
}

let docsDraft;

/**
 * Every JSON sample of docs-draft-samples.txt by component and sample name, e.g.
 * docsDraftSample('OrderBookTypeB', 'SuccessResponseJson'). The file is a series of
 * "======== <component path>" sections, each with "### <sample name>" blocks of JSON.
 */
function docsDraftSample(component, name) {
  if (!docsDraft) {
    docsDraft = new Map();
    const text = fs.readFileSync(path.join(SAMPLES, 'docs-draft-samples.txt'), 'utf8');
    for (const section of text.split(/^======== /m).slice(1)) {
      const [header, ...blocks] = section.split(/^### /m);
      const componentName = path.basename(header.split('\n')[0].trim(), '.jsx');
      for (const block of blocks) {
        const newline = block.indexOf('\n');
        docsDraft.set(`${componentName}/${block.slice(0, newline).trim()}`, JSON.parse(block.slice(newline + 1)));
      }
    }
  }
  const sample = docsDraft.get(`${component}/${name}`);
  if (sample === undefined) throw new Error(`docs-draft-samples.txt has no sample ${name} in ${component}`);
  return structuredClone(sample);
}

/** The text of FACTS-TRADING.md. */
function factsTrading() {
  return fs.readFileSync(path.join(SHARED, 'api', 'FACTS-TRADING.md'), 'utf8');
}

/**
 * The trade book's keys in the order FACTS-TRADING.md §2.7 lists them: no verbatim sample of the
 * trade book exists, only the keys OpenAlgo reads.
 */
function tradeBookKeys() {
  const section = factsTrading().split('### 2.7')[1].split('### 2.8')[0];
  return [...new Set(section.match(/`[A-Z][A-Z_]+`/g).map((k) => k.slice(1, -1)))];
}

module.exports = { vendorMock, docsDraftSample, factsTrading, tradeBookKeys };
