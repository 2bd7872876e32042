'use strict';
/* global document, getComputedStyle, Image, RED -- in functions that run in the page */
// The nodes in the real Node-RED editor, driven by Debian's Chromium through playwright-core:
// palette, type definitions, edit dialogs, credentials, validation, an editor deploy, help,
// live status, and the screenshots (docs/ with MSTOCK_SCREENSHOT_DIR=docs). Node-RED is the packed tarball installed by the
// e2e harness; the sandbox stands in for mStock.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRed, FLAVOURS, installedTemplate, onTab, readExample } = require('../e2e/harness');
const { CHROMIUM, hasChromium, launchChromium, watchPage, screenshotPath } = require('../e2e/browser');
const { Sandbox, SANDBOX_ACCOUNT } = require('../../dist/src/sandbox/server');

const VIEWPORT = { width: 1400, height: 900 };
const MODULE = require('../../package.json').name;
const EXAMPLE = '01 Log in and read funds.json';
// As TESTING.md says (no tours, no catalogue), and the Ace code editor: none of these nodes has a
// code field, and Monaco's several megabytes double the editor's load time on a 2-core machine.
const EDITOR_THEME = { tours: false, palette: { catalogues: [] }, codeEditor: { lib: 'ace' } };

/**
 * The flow node types and what a user should read on them in the palette (the category says
 * "mStock" already), which is also the title of their help.
 */
const FLOW_TYPES = {
  'mstock-login': { label: 'login', inputs: 1, outputs: 1 },
  'mstock-otp': { label: 'OTP', inputs: 1, outputs: 1 },
  'mstock-funds': { label: 'funds', inputs: 1, outputs: 1 },
  'mstock-logout': { label: 'logout', inputs: 1, outputs: 1 },
  'mstock-session': { label: 'session', inputs: 0, outputs: 1 },
  'mstock-portfolio': { label: 'portfolio', inputs: 1, outputs: 1 },
  'mstock-orders': { label: 'orders', inputs: 1, outputs: 1 },
  'mstock-request': { label: 'request', inputs: 1, outputs: 1 },
  'mstock-instruments': { label: 'instruments', inputs: 1, outputs: 1 },
  'mstock-quote': { label: 'quote', inputs: 1, outputs: 1 },
  'mstock-candles': { label: 'candles', inputs: 1, outputs: 1 },
  'mstock-order': { label: 'order', inputs: 1, outputs: 1 },
  'mstock-ticks': { label: 'ticks', inputs: 1, outputs: 1 },
};
const ALL_TYPES = { ...FLOW_TYPES, 'mstock-config': { label: 'mStock account' } };

/** The help headings a user should find for each type. */
const HELP_HEADINGS = {
  'mstock-login': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-otp': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-funds': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-logout': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-session': ['Outputs', 'Details', 'References'],
  'mstock-portfolio': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-orders': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-request': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-instruments': ['Inputs', 'Outputs', 'Details', 'References'],
  'mstock-quote': ['Inputs', 'Outputs', 'Details', 'Errors', 'References'],
  'mstock-candles': ['Inputs', 'Outputs', 'Details', 'Errors', 'References'],
  'mstock-order': ['Inputs', 'Outputs', 'Details', 'Errors', 'References'],
  'mstock-ticks': ['Inputs', 'Outputs', 'Details', 'Errors', 'References'],
  'mstock-config': ['Properties', 'Details', 'References'],
};

/**
 * The example pointed at the sandbox, with a node of each flow type it lacks beside it: nodes on a
 * tab, credentials, node ids by type / inject name.
 */
function exampleFlow(sandboxUrl) {
  const nodes = readExample(EXAMPLE);
  const config = nodes.find((n) => n.type === 'mstock-config');
  config.baseUrl = sandboxUrl;
  nodes.push(
    { id: 'e2e-portfolio', type: 'mstock-portfolio', name: '', account: config.id, view: 'holdings', output: 'parsed', x: 780, y: 100, wires: [[]] },
    { id: 'e2e-orders', type: 'mstock-orders', name: '', account: config.id, view: 'orders', output: 'parsed', x: 780, y: 160, wires: [[]] },
    { id: 'e2e-quote', type: 'mstock-quote', name: '', account: config.id, mode: 'OHLC', instruments: 'NSE:SBIN-EQ, NSE:INFY-EQ', x: 780, y: 220, wires: [[]] },
    { id: 'e2e-candles', type: 'mstock-candles', name: '', account: config.id, interval: 'ONE_DAY', x: 780, y: 280, wires: [[]] },
    // the account leaves orders off, as a new account node does
    { id: 'e2e-order', type: 'mstock-order', name: '', account: config.id, action: 'msg', x: 780, y: 340, wires: [[]] },
    { id: 'e2e-ticks', type: 'mstock-ticks', name: '', account: config.id, mode: 'quote', instruments: '', throttle: 1000, x: 780, y: 400, wires: [[]] },
  );
  const missing = Object.keys(FLOW_TYPES).filter((type) => !nodes.some((n) => n.type === type));
  missing.forEach((type, i) => nodes.push({ id: `e2e-${type}`, type, name: '', account: config.id, x: 330, y: 460 + 60 * i, wires: [[]] }));
  const ids = Object.fromEntries(nodes.filter((n) => /^mstock-/.test(n.type)).map((n) => [n.type, n.id]));
  const inject = Object.fromEntries(nodes.filter((n) => n.type === 'inject').map((n) => [n.name, n.id]));
  const credentials = { [config.id]: { apiKey: SANDBOX_ACCOUNT.apiKey, clientCode: SANDBOX_ACCOUNT.clientCode, password: SANDBOX_ACCOUNT.password } };
  return { flows: onTab(nodes, 'e2e-tab', 'Log in and read funds'), credentials, ids, inject, config };
}

const nodeSelector = (id) => `#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`;

/**
 * Disables every node module but Node-RED's own and this package: Node-RED also scans the
 * node_modules it was installed from (this repository's, with its dev dependencies), and a user
 * who installed only this package would not see those.
 */
async function onlyThisPackage(red) {
  const sets = await red.admin('GET', '/nodes');
  const others = [...new Set(sets.map((s) => s.module))].filter((m) => m !== 'node-red' && m !== MODULE);
  for (const mod of others) await red.admin('PUT', `/nodes/${mod}`, { enabled: false });
}

/**
 * Packs and installs the package with the system's npm. Under `npm test` / `npx mocha` PATH starts
 * with node_modules/.bin, whose npm is npm 10 (hoisted from Node-RED 4.1's dependencies), and npm
 * 10's `npm pack --ignore-scripts` still runs `prepare` (npm/cli#7211, fixed in npm 11): the
 * harness would rebuild dist/ under everyone's feet. The PATH change is synchronous and undone.
 */
function packWithSystemNpm() {
  const saved = process.env.PATH || '';
  const dirs = saved.split(path.delimiter).filter((dir) => !dir.endsWith(path.join('node_modules', '.bin')));
  const hasNpm = dirs.some((dir) => fs.existsSync(path.join(dir, process.platform === 'win32' ? 'npm.cmd' : 'npm')));
  if (hasNpm) process.env.PATH = dirs.join(path.delimiter);
  try {
    installedTemplate();
  } finally {
    process.env.PATH = saved;
  }
}

/** Chromium, one page, page errors and failed requests collected. */
async function openBrowser() {
  const browser = await launchChromium({ viewport: VIEWPORT });
  const page = browser.context.pages()[0] || (await browser.context.newPage());
  return { browser, ...watchPage(page) };
}

async function closeBrowser(ctx) {
  if (ctx.browser) await ctx.browser.close();
}

/** Loads the editor and waits until the palette (and, when given, a deployed node) is there. */
async function openEditor(page, url, nodeId) {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="mstock-funds"]', { timeout: 30_000 });
  if (nodeId) await page.waitForSelector(nodeSelector(nodeId), { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('#red-ui-loading-progress') || getComputedStyle(document.querySelector('#red-ui-loading-progress')).display === 'none');
}

/** Closes every open edit tray, as Cancel does, and waits until the editor is usable again. */
async function closeTrays(page) {
  for (let i = 0; i < 5; i++) {
    if ((await page.locator('.red-ui-tray').count()) === 0) break;
    const cancel = page.locator('#node-config-dialog-cancel:visible, #node-dialog-cancel:visible').first();
    if ((await cancel.count()) === 0) {
      await page.evaluate(() => RED.tray.close());
    } else {
      await cancel.evaluate((el) => el.setAttribute('data-test-closing', ''));
      await cancel.click();
      await page.waitForFunction(() => !document.querySelector('[data-test-closing]'), undefined, { timeout: 5000 });
    }
    // a nested dialog detached its parent's tray; the parent comes back just after
    await page.waitForTimeout(350);
  }
  await page.locator('#red-ui-editor-shade').waitFor({ state: 'hidden', timeout: 5000 });
}

/** Scrolls the palette so that the mStock category is at its top. */
async function showMStockPalette(page) {
  await page.evaluate(() => {
    const header = document.getElementById('red-ui-palette-header-mStock');
    let scroller = header.parentElement;
    while (scroller && scroller.scrollHeight <= scroller.clientHeight) scroller = scroller.parentElement;
    if (scroller) scroller.scrollTop += header.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  });
}

/** Opens a sidebar tab the way a user does: its button (Node-RED 5) or its tab link (4.x). */
async function showSidebar(page, id) {
  const button = page.locator(`button[data-tab-id="${id}"]:visible, a.red-ui-tab-link-button[href="#${id}"]:visible, #red-ui-tab-${id} a.red-ui-tab-label:visible`).first();
  await button.click();
}

/** Double-clicks a deployed node and waits for its edit dialog. */
async function openNode(page, id, field) {
  await page.locator('#red-ui-editor-shade').waitFor({ state: 'hidden', timeout: 5000 });
  await page.dblclick(`${nodeSelector(id)} .red-ui-flow-node`);
  await page.waitForSelector(field, { state: 'visible' });
  // the tray slides in; let it settle before clicking inside it
  await page.waitForFunction(() => !document.querySelector('.red-ui-tray.red-ui-tray-opening'), undefined, { timeout: 5000 }).catch(() => {});
  await page.waitForTimeout(300);
}

/** From the funds node's dialog, opens the account (config) node's dialog. */
async function openAccount(page, fundsId) {
  await openNode(page, fundsId, '#node-input-btn-account-edit');
  await page.click('#node-input-btn-account-edit');
  await page.waitForSelector('#node-config-input-apiKey', { state: 'visible' });
  await page.waitForTimeout(300);
}

/** Enters a value (change event, as when the user leaves the field); is the field marked invalid? */
async function markedInvalid(page, selector, value) {
  const field = page.locator(selector);
  await field.fill(value);
  await field.dispatchEvent('keyup');
  await field.dispatchEvent('change');
  return field.evaluate((el) => el.classList.contains('input-error'));
}

function helpOf(page) {
  return page.evaluate(() => {
    const section = document.querySelector('.red-ui-sidebar-help-stack .red-ui-help');
    if (!section) return undefined;
    return {
      title: section.querySelector('h1.red-ui-help-title')?.textContent.trim(),
      headings: Array.from(section.querySelectorAll('h3')).map((h) => h.textContent.trim()),
      text: section.textContent,
      links: Array.from(section.querySelectorAll('a[href^="http"]')).map((a) => ({ href: a.href, target: a.target })),
      none: Boolean(section.querySelector('.red-ui-help-info-none')),
    };
  });
}

/** A test on the page that also fails on any error the page threw since the previous test ended. */
function itPage(ctx, title, fn) {
  it(title, async function () {
    await fn.call(this);
    await ctx.page.waitForTimeout(50);
    const errors = ctx.pageErrors.splice(0);
    assert.deepEqual(errors.map((e) => e.stack || e.message), [], 'the page threw');
  });
}

/** Palette, type and help checks, run on every Node-RED flavour. */
function commonTests(ctx) {
  itPage(ctx, 'the palette has an "mStock" category with the flow nodes, their labels and SVG icons', async function () {
    const { page, red } = ctx;
    const header = page.locator('#red-ui-palette-header-mStock');
    assert.equal((await header.textContent()).trim(), 'mStock');
    const container = page.locator('#red-ui-palette-container-mStock');
    const inCategory = await container.locator('.red-ui-palette-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-palette-type')));
    assert.deepEqual([...inCategory].sort(), Object.keys(FLOW_TYPES).sort(), 'the mStock category holds exactly the flow nodes');
    assert.equal(await page.locator('.red-ui-palette-node[data-palette-type="mstock-config"]').count(), 0, 'a config node has no palette entry');
    // every label fits on one line: its text makes one line box, and the label is one line high
    const shapes = await container.locator('.red-ui-palette-label').evaluateAll((els) => els.map((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      return { label: el.textContent.trim(), lines: tops.size, height: el.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(el).lineHeight) };
    }));
    assert.equal(shapes.length, Object.keys(FLOW_TYPES).length);
    for (const shape of shapes) {
      assert.equal(shape.lines, 1, `the palette label "${shape.label}" wraps onto ${shape.lines} lines`);
      assert.ok(shape.height < 1.5 * shape.lineHeight, `the palette label "${shape.label}" is ${shape.height}px high, a line is ${shape.lineHeight}px`);
    }
    for (const [type, want] of Object.entries(FLOW_TYPES)) {
      const entry = container.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal(await entry.getAttribute('data-palette-label'), want.label, `${type} palette label`);
      const shown = (await entry.locator('.red-ui-palette-label').textContent()).replace(/\s+/g, ' ').trim();
      assert.equal(shown, want.label, `${type} label as shown`);
      assert.equal(await entry.locator('.red-ui-palette-port-input').count(), want.inputs, `${type} input port`);
      assert.equal(await entry.locator('.red-ui-palette-port-output').count(), want.outputs, `${type} output port`);
      const icon = await entry.locator('.red-ui-palette-icon-container').getAttribute('data-palette-icon');
      assert.equal(icon, `icons/${MODULE}/${type}.svg`, `${type} uses its own icon, not a fallback`);
      const res = await fetch(`${red.url}/${icon}`);
      assert.equal(res.status, 200, `${icon} answers 200`);
      assert.match(res.headers.get('content-type') || '', /^image\/svg\+xml/, `${icon} is served as SVG`);
      assert.match(await res.text(), /<svg[\s>]/, `${icon} is an SVG`);
      const background = await entry.locator('.red-ui-palette-icon').evaluate((el) => getComputedStyle(el).backgroundImage);
      assert.ok(background.includes(icon), `${type} palette icon shows ${icon}, not ${background}`);
      const size = await page.evaluate(async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        return [img.naturalWidth, img.naturalHeight];
      }, icon);
      assert.ok(size[0] > 0 && size[1] > 0, `${icon} decodes in the browser`);
    }
    assert.deepEqual(ctx.failedRequests.filter((r) => r.includes('mstock')), [], 'no request for this package failed');
    if (ctx.flavour === 'nr4') {
      await showMStockPalette(page);
      const palette = await page.locator('#red-ui-palette').boundingBox();
      const category = await container.boundingBox();
      // the palette's search box and the mStock category, as a user sees them
      await page.screenshot({ path: screenshotPath('editor-palette.png'), clip: { x: palette.x, y: palette.y, width: palette.width, height: category.y + category.height + 8 - palette.y } });
    }
  });

  itPage(ctx, 'RED.nodes.getType gives the categories, inputs and outputs of every type', async function () {
    const defs = await ctx.page.evaluate((types) => Object.fromEntries(types.map((t) => {
      const def = RED.nodes.getType(t);
      return [t, def ? { category: def.category, inputs: def.inputs, outputs: def.outputs, module: def.set && def.set.module } : null];
    })), Object.keys(ALL_TYPES));
    for (const [type, want] of Object.entries(FLOW_TYPES)) {
      assert.deepEqual(defs[type], { category: 'mStock', inputs: want.inputs, outputs: want.outputs, module: MODULE }, type);
    }
    assert.equal(defs['mstock-config'].category, 'config');
    assert.equal(defs['mstock-config'].module, MODULE);
    assert.ok(!defs['mstock-config'].inputs, 'a config node has no input');
  });

  itPage(ctx, 'the help sidebar shows each type\'s help with its headings', async function () {
    const { page } = ctx;
    await showSidebar(page, 'help');
    await page.waitForSelector('.red-ui-sidebar-help-stack .red-ui-help', { state: 'visible' });
    for (const type of Object.keys(ALL_TYPES)) {
      if (type === 'mstock-config') {
        // no palette entry: find it in the help sidebar's list of node types
        const search = page.locator('.red-ui-sidebar-info:has(.red-ui-sidebar-help-stack) .red-ui-info-toolbar input.red-ui-searchBox-input');
        await search.fill('');
        await search.pressSequentially('mstock', { delay: 0 });
        const item = page.locator('.red-ui-sidebar-help-toc .red-ui-treeList-label', { hasText: ALL_TYPES[type].label }).first();
        await item.waitFor({ state: 'visible', timeout: 5000 });
        await item.click();
      } else {
        // selecting a node in the workspace shows its type's help
        await page.locator(`${nodeSelector(ctx.example.ids[type])} .red-ui-flow-node`).click();
      }
      await page.waitForFunction((label) => document.querySelector('.red-ui-sidebar-help-stack .red-ui-help h1.red-ui-help-title')?.textContent.trim() === label, ALL_TYPES[type].label, { timeout: 5000 })
        .catch(async () => assert.fail(`the help sidebar shows "${(await helpOf(page))?.title}", not the help of ${type}`));
      const help = await helpOf(page);
      assert.equal(help.none, false, `${type} has help`);
      assert.deepEqual(help.headings.filter((h) => HELP_HEADINGS[type].includes(h)), HELP_HEADINGS[type], `${type} help headings (all: ${help.headings.join(', ')})`);
      if (FLOW_TYPES[type]) {
        assert.equal(help.headings.includes('Inputs'), FLOW_TYPES[type].inputs > 0, `${type}: an Inputs section iff it has an input`);
      }
      assert.ok(help.links.length > 0, `${type} help links to references`);
      for (const link of help.links) {
        assert.match(link.href, /^https:\/\//, `${type} help link ${link.href}`);
        assert.equal(link.target, '_blank', `${type} help link ${link.href} opens in a new tab`);
      }
      if (type === 'mstock-funds') assert.match(help.text, /MSTOCK_NOT_LOGGED_IN/);
      if (type === 'mstock-order') {
        for (const code of ['MSTOCK_ORDERS_DISABLED', 'MSTOCK_ORDER_REJECTED', 'MSTOCK_ORDER_UNCERTAIN', 'MSTOCK_INVALID_INPUT']) assert.match(help.text, new RegExp(code), `the order help names ${code}`);
        assert.match(help.text, /Allow orders from flows/);
      }
    }
  });
}

/**
 * Node-RED processes by flavour, started once: the next flavour's Node-RED starts while the
 * previous one is being tested.
 */
const started = new Map();
function nodeRed(flavour) {
  if (!started.has(flavour)) {
    const red = new NodeRed({ flavour, settings: { editorTheme: EDITOR_THEME } });
    const ready = red.start().then(async () => {
      await onlyThisPackage(red);
      return red;
    });
    ready.catch(() => {}); // reported by the describe that awaits it
    started.set(flavour, { red, ready });
  }
  return started.get(flavour);
}

describe('the editor in a real Chromium', function () {
  this.timeout(120_000);

  before(function () {
    if (!hasChromium()) {
      console.log(`    chromium is missing (${CHROMIUM}): skipping the editor tests (CI installs it)`);
      this.skip();
    }
    packWithSystemNpm();
  });

  after(async function () {
    for (const { red, ready } of started.values()) {
      await ready.catch(() => {});
      await red.stop();
      red.cleanUp();
    }
    started.clear();
  });

  const flavours = Object.keys(FLAVOURS);
  flavours.forEach((flavour, i) => {
    const full = flavour === 'nr4';
    describe(FLAVOURS[flavour].label, function () {
      const ctx = {};
      let sandbox;
      let example;

      before(async function () {
        let t = Date.now();
        const lap = (what) => {
          if (process.env.EDITOR_TEST_TIMES) console.log(`      ${what}: ${Date.now() - t} ms`);
          t = Date.now();
        };
        sandbox = new Sandbox({ fixedOtp: '123456', log: () => {} });
        await sandbox.start();
        example = exampleFlow(sandbox.url);
        Object.assign(ctx, { example, flavour });
        const [browser, red] = await Promise.all([openBrowser(), nodeRed(flavour).ready]);
        Object.assign(ctx, browser, { red });
        lap('Node-RED and Chromium start');
        if (flavours[i + 1]) nodeRed(flavours[i + 1]);
        await red.deploy(example.flows, example.credentials);
        lap('deploy');
        await openEditor(ctx.page, red.url, example.ids['mstock-funds']);
        lap('editor');
      });

      afterEach(async function () {
        if (ctx.page && !ctx.page.isClosed()) await closeTrays(ctx.page);
      });

      after(async function () {
        await closeBrowser(ctx);
        if (ctx.red) {
          await ctx.red.stop();
          ctx.red.cleanUp();
        }
        if (sandbox) await sandbox.stop();
      });

      commonTests(ctx);

      if (!full) return;

      itPage(ctx, 'the funds dialog shows the account and output selects; the account dialog hides the secrets', async function () {
        const { page } = ctx;
        const fundsId = example.ids['mstock-funds'];
        await openNode(page, fundsId, '#node-input-output');
        assert.equal(await page.locator('#node-input-account').evaluate((el) => el.tagName), 'SELECT', 'the account is a select of config nodes');
        assert.equal(await page.locator('#node-input-account').inputValue(), example.config.id);
        assert.equal((await page.locator('#node-input-account option:checked').textContent()).trim(), 'mStock account');
        assert.ok(await page.locator('#node-input-account').isVisible());
        assert.equal(await page.locator('#node-input-output').inputValue(), 'parsed');
        const outputs = await page.locator('#node-input-output option').evaluateAll((els) => els.map((o) => [o.value, o.textContent.trim()]));
        assert.deepEqual(outputs.map((o) => o[0]), ['parsed', 'raw']);
        for (const [value, text] of outputs) assert.ok(text.length > 0 && !text.includes('mstock-funds.'), `output option ${value} is translated: "${text}"`);
        const labels = await page.locator('.red-ui-tray label[for^="node-input-"]').allTextContents();
        for (const label of labels) assert.ok(!/mstock-\w+\.label/.test(label), `untranslated label "${label}"`);

        await page.click('#node-input-btn-account-edit');
        await page.waitForSelector('#node-config-input-apiKey', { state: 'visible' });
        const types = await page.evaluate(() => Object.fromEntries(['apiKey', 'password', 'totpSecret', 'clientCode', 'name', 'baseUrl'].map((k) => [k, document.getElementById(`node-config-input-${k}`).type])));
        assert.deepEqual(types, { apiKey: 'password', password: 'password', totpSecret: 'password', clientCode: 'text', name: 'text', baseUrl: 'text' });
        assert.equal(await page.locator('#node-config-input-name').inputValue(), 'mStock account');
        assert.equal(await page.locator('#node-config-input-clientCode').inputValue(), SANDBOX_ACCOUNT.clientCode);
        assert.equal(await page.locator('#node-config-input-baseUrl').inputValue(), sandbox.url);
        // stored password credentials come back as Node-RED's placeholder, never as the value
        assert.equal(await page.locator('#node-config-input-apiKey').inputValue(), '__PWRD__');
        assert.equal(await page.locator('#node-config-input-password').inputValue(), '__PWRD__');
        assert.equal(await page.locator('#node-config-input-totpSecret').inputValue(), '');
        const secrets = [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password];
        const values = await page.evaluate(() => Array.from(document.querySelectorAll('input, textarea')).map((el) => el.value).join('\n'));
        const data = await page.evaluate(() => JSON.stringify(RED.nodes.createCompleteNodeSet({ credentials: true })));
        // The account node's help documents the sandbox account, so page.content() carries it in
        // the help template (and in the help when shown); anywhere else it would be a leak.
        const withoutHelp = await page.evaluate(() => {
          const copy = document.documentElement.cloneNode(true);
          copy.querySelectorAll('script[data-help-name], .red-ui-help').forEach((el) => el.remove());
          return copy.outerHTML;
        });
        assert.ok((await page.content()).length > withoutHelp.length, 'the page HTML was read');
        for (const secret of secrets) {
          assert.ok(!withoutHelp.includes(secret), `the page's HTML (help templates aside) shows ${secret}`);
          assert.ok(!values.includes(secret), `a field holds ${secret}`);
          assert.ok(!data.includes(secret), `the editor's node data holds ${secret}`);
        }
      });

      for (const [type, views] of Object.entries({
        'mstock-portfolio': ['positions', 'holdings', 'msg'],
        'mstock-orders': ['orders', 'trades', 'order', 'trade-history', 'msg'],
      })) {
        itPage(ctx, `the ${type} dialog: account, a view select with "- set by msg.view -", the output select, Name with Node-RED's own label`, async function () {
          const { page } = ctx;
          const id = example.ids[type];
          await openNode(page, id, '#node-input-view');
          assert.equal(await page.locator('#node-input-account').evaluate((el) => el.tagName), 'SELECT');
          assert.equal(await page.locator('#node-input-account').inputValue(), example.config.id);
          const options = async (field) => page.locator(`#node-input-${field} option`).evaluateAll((els) => els.map((o) => [o.value, o.textContent.trim()]));
          const viewOptions = await options('view');
          assert.deepEqual(viewOptions.map((o) => o[0]), views);
          for (const [value, text] of viewOptions) assert.ok(text.length > 0 && !text.includes(`${type}.`), `view option ${value} is translated: "${text}"`);
          assert.equal(viewOptions.at(-1)[1], '- set by msg.view -');
          assert.deepEqual((await options('output')).map((o) => o[0]), ['parsed', 'raw']);
          assert.equal(await page.locator('#node-input-view').inputValue(), example.flows.find((n) => n.id === id).view);
          assert.equal((await page.locator('label[for="node-input-name"]').textContent()).trim(), 'Name');
          assert.equal(await page.locator('#node-input-name').getAttribute('placeholder'), 'Name');
          const labels = await page.locator('.red-ui-tray label[for^="node-input-"]').allTextContents();
          for (const label of labels) assert.ok(!/mstock-\w+\.label|common\.label/.test(label), `untranslated label "${label}"`);
          const defaults = await page.evaluate((t) => {
            const def = RED.nodes.getType(t);
            return { view: def.defaults.view.value, output: def.defaults.output.value, valid: ['msg', 'nonsense'].map((v) => def.defaults.view.validate(v)) };
          }, type);
          assert.deepEqual(defaults, { view: views[0], output: 'parsed', valid: [true, false] });
          // the node's label says its view
          const shown = (await page.locator(`${nodeSelector(id)} .red-ui-flow-node-label`).textContent()).trim();
          assert.equal(shown, type === 'mstock-portfolio' ? 'mStock holdings' : 'mStock order book');
        });
      }
      itPage(ctx, 'the request dialog offers the four methods and "set by msg.method", GET by default, a path with a placeholder, and marks a path that leaves the root', async function () {
        const { page } = ctx;
        await openNode(page, example.ids['mstock-request'], '#node-input-path');
        assert.equal(await page.locator('#node-input-account').inputValue(), example.config.id);
        assert.equal(await page.locator('#node-input-method').inputValue(), 'GET', 'a node without a method is GET, as the core http request node');
        const methods = await page.locator('#node-input-method option').evaluateAll((els) => els.map((o) => [o.value, o.textContent.trim()]));
        assert.deepEqual(methods, [['GET', 'GET'], ['POST', 'POST'], ['PUT', 'PUT'], ['DELETE', 'DELETE'], ['msg', '- set by msg.method -']]);
        assert.deepEqual(await page.evaluate(() => RED.nodes.getType('mstock-request').defaults.method.value), 'GET');
        assert.equal(await page.locator('#node-input-path').getAttribute('placeholder'), 'portfolio/holdings');
        assert.equal((await page.locator('label[for="node-input-name"]').textContent()).trim(), 'Name', "Node-RED's own label");
        assert.equal(await page.locator('#node-input-name').getAttribute('placeholder'), 'Name');
        const labels = await page.locator('.red-ui-tray label[for^="node-input-"]').allTextContents();
        for (const label of labels) assert.ok(!/mstock-\w+\.|common\.label/.test(label), `untranslated label "${label}"`);
        assert.match(await page.locator('.red-ui-tray .form-tips').textContent(), /msg\.path/);
        assert.equal(await markedInvalid(page, '#node-input-path', ''), false, 'an empty path (msg.path) is valid');
        assert.equal(await markedInvalid(page, '#node-input-path', 'getoptionchainmaster/2'), false);
        assert.equal(await markedInvalid(page, '#node-input-path', '/openapi/typeb/portfolio/holdings'), false);
        for (const bad of ['https://evil.example/x', '//evil.example/x', '../user/fundsummary', 'portfolio/%2e%2e/x', 'a\\b', 'portfolio//holdings']) {
          assert.equal(await markedInvalid(page, '#node-input-path', bad), true, `${bad} is marked invalid`);
        }
        // the reason shows on the field, translated
        await page.hover('#node-input-path');
        await page.locator('.red-ui-popover:visible', { hasText: 'may not leave /openapi/typeb/' }).waitFor({ timeout: 5000 });
        await page.mouse.move(10, 880);
      });

      itPage(ctx, 'the order node shows a grey "orders off" from its deploy, the account allowing no orders', async function () {
        const { page } = ctx;
        const group = page.locator(nodeSelector(example.ids['mstock-order']));
        await page.waitForFunction((sel) => document.querySelector(`${sel} .red-ui-flow-node-status-label`)?.textContent.trim() === 'orders off', nodeSelector(example.ids['mstock-order']), { timeout: 5000 });
        assert.match(await group.locator('.red-ui-flow-node-status').getAttribute('class'), /red-ui-flow-node-status-ring-grey/, 'a grey ring');
        assert.equal(example.config.orders, undefined, 'the example account says nothing of orders: the default is off');
      });

      itPage(ctx, 'the order dialog: account, an action select with "- set by msg.action -", Name with Node-RED\'s own label, the real-money tip', async function () {
        const { page } = ctx;
        const id = example.ids['mstock-order'];
        await openNode(page, id, '#node-input-action');
        assert.equal(await page.locator('#node-input-account').evaluate((el) => el.tagName), 'SELECT');
        assert.equal(await page.locator('#node-input-account').inputValue(), example.config.id);
        const actions = await page.locator('#node-input-action option').evaluateAll((els) => els.map((o) => [o.value, o.textContent.trim()]));
        assert.deepEqual(actions.map((o) => o[0]), ['place', 'modify', 'cancel', 'cancel-all', 'msg']);
        for (const [value, text] of actions) assert.ok(text.length > 0 && !text.includes('mstock-order.'), `action option ${value} is translated: "${text}"`);
        assert.equal(actions.at(-1)[1], '- set by msg.action -');
        assert.equal(await page.locator('#node-input-action').inputValue(), 'msg', 'as deployed');
        assert.equal((await page.locator('label[for="node-input-name"]').textContent()).trim(), 'Name');
        assert.equal(await page.locator('#node-input-name').getAttribute('placeholder'), 'Name');
        const labels = await page.locator('.red-ui-tray label[for^="node-input-"]').allTextContents();
        for (const label of labels) assert.ok(!/mstock-\w+\.|common\.label/.test(label), `untranslated label "${label}"`);
        assert.match(await page.locator('.red-ui-tray .form-tips').textContent(), /Orders are real money.*Allow orders from flows/);
        const defaults = await page.evaluate(() => {
          const def = RED.nodes.getType('mstock-order');
          return { action: def.defaults.action.value, valid: ['place', 'cancel-all', 'msg', 'buy'].map((v) => def.defaults.action.validate(v)) };
        });
        assert.deepEqual(defaults, { action: 'place', valid: [true, true, true, false] });
        assert.equal((await page.locator(`${nodeSelector(id)} .red-ui-flow-node-label`).textContent()).trim(), 'mStock order');
      });

      itPage(ctx, 'the account dialog: "Allow orders from flows" off by default, max orders 100 by default, a bad cap marked invalid', async function () {
        const { page } = ctx;
        await openAccount(page, example.ids['mstock-funds']);
        const box = page.locator('#node-config-input-orders');
        assert.equal(await box.getAttribute('type'), 'checkbox');
        assert.equal(await box.isChecked(), false, 'off for an account deployed without it');
        assert.match(await page.locator('#node-config-input-orders + span').textContent(), /^Allow orders from flows$/);
        // deployed without a cap, the field is empty and its placeholder says what empty means
        assert.equal(await page.locator('#node-config-input-maxOrdersPerDay').inputValue(), '');
        assert.equal(await page.locator('#node-config-input-maxOrdersPerDay').getAttribute('placeholder'), '100');
        assert.deepEqual(await page.evaluate(() => {
          const def = RED.nodes.getType('mstock-config').defaults;
          return { orders: def.orders.value, maxOrdersPerDay: def.maxOrdersPerDay.value };
        }), { orders: false, maxOrdersPerDay: 100 }, 'what a new account node gets');
        assert.match(await page.locator('.red-ui-tray .form-tips', { hasText: 'real money' }).textContent(), /Orders are real money/);
        for (const good of ['0', '100', '100000', '']) assert.equal(await markedInvalid(page, '#node-config-input-maxOrdersPerDay', good), false, `"${good}" is valid`);
        for (const bad of ['abc', '-1', '1.5', '100001']) assert.equal(await markedInvalid(page, '#node-config-input-maxOrdersPerDay', bad), true, `"${bad}" is marked invalid`);
        // Cancel (afterEach) leaves the deployed account as it was
      });

      itPage(ctx, 'the quote dialog: a mode select with "- set by msg.mode -", the instruments list, an entry without an exchange marked invalid', async function () {
        const { page } = ctx;
        const id = example.ids['mstock-quote'];
        await openNode(page, id, '#node-input-mode');
        assert.equal(await page.locator('#node-input-account').inputValue(), example.config.id);
        const modes = await page.locator('#node-input-mode option').evaluateAll((els) => els.map((o) => [o.value, o.textContent.trim()]));
        assert.deepEqual(modes.map((o) => o[0]), ['LTP', 'OHLC', 'FULL', 'msg']);
        for (const [value, text] of modes) assert.ok(text.length > 0 && !text.includes('mstock-quote.'), `mode option ${value} is translated: "${text}"`);
        assert.equal(modes.at(-1)[1], '- set by msg.mode -');
        assert.equal(await page.locator('#node-input-mode').inputValue(), 'OHLC');
        assert.equal(await page.locator('#node-input-instruments').inputValue(), 'NSE:SBIN-EQ, NSE:INFY-EQ');
        assert.equal(await page.locator('#node-input-instruments').getAttribute('placeholder'), 'NSE:SBIN-EQ, NSE:INFY-EQ');
        assert.equal((await page.locator('label[for="node-input-name"]').textContent()).trim(), 'Name');
        assert.deepEqual(await page.evaluate(() => RED.nodes.getType('mstock-quote').defaults.mode.value), 'LTP');
        assert.equal(await markedInvalid(page, '#node-input-instruments', 'NSE:SBIN-EQ\nBSE:500112'), false);
        assert.equal(await markedInvalid(page, '#node-input-instruments', ''), false, 'an empty list (msg.payload names them) is valid');
        assert.equal((await page.locator(`${nodeSelector(id)} .red-ui-flow-node-label`).textContent()).trim(), 'mStock OHLC');
      });

      // Node-RED reads a returned text as the reason only from a validator of two arguments (v, opt);
      // from one of one argument the text is truthy: valid
      itPage(ctx, 'the quote dialog marks an instrument without an exchange invalid', async function () {
        const { page } = ctx;
        await openNode(page, example.ids['mstock-quote'], '#node-input-instruments');
        assert.equal(await markedInvalid(page, '#node-input-instruments', 'NSE:SBIN-EQ, SBIN-EQ'), true, 'an entry without an exchange is marked invalid');
      });

      itPage(ctx, 'the ticks dialog marks an instrument without an exchange and a throttle that is not whole milliseconds invalid', async function () {
        const { page } = ctx;
        await openNode(page, example.ids['mstock-ticks'], '#node-input-instruments');
        assert.equal(await markedInvalid(page, '#node-input-instruments', 'NSE:SBIN-EQ\nNSE:INFY-EQ'), false);
        assert.equal(await markedInvalid(page, '#node-input-instruments', 'NSE:SBIN-EQ, SBIN-EQ'), true, 'an entry without an exchange is marked invalid');
        assert.equal(await markedInvalid(page, '#node-input-throttle', '1000'), false);
        assert.equal(await markedInvalid(page, '#node-input-throttle', '-5'), true, 'a negative throttle is marked invalid');
      });

      itPage(ctx, 'the candles dialog: an interval select from "- set by msg.interval -" to 1 day', async function () {
        const { page } = ctx;
        const id = example.ids['mstock-candles'];
        await openNode(page, id, '#node-input-interval');
        assert.equal(await page.locator('#node-input-account').inputValue(), example.config.id);
        const intervals = await page.locator('#node-input-interval option').evaluateAll((els) => els.map((o) => [o.value, o.textContent.trim()]));
        assert.deepEqual(intervals, [
          ['msg', '- set by msg.interval -'], ['ONE_MINUTE', '1 minute'], ['THREE_MINUTE', '3 minutes'], ['FIVE_MINUTE', '5 minutes'], ['TEN_MINUTE', '10 minutes'],
          ['FIFTEEN_MINUTE', '15 minutes'], ['THIRTY_MINUTE', '30 minutes'], ['ONE_HOUR', '1 hour'], ['ONE_DAY', '1 day'],
        ]);
        assert.equal(await page.locator('#node-input-interval').inputValue(), 'ONE_DAY');
        assert.equal((await page.locator('label[for="node-input-name"]').textContent()).trim(), 'Name');
        assert.deepEqual(await page.evaluate(() => RED.nodes.getType('mstock-candles').defaults.interval.value), 'msg');
        assert.equal((await page.locator(`${nodeSelector(id)} .red-ui-flow-node-label`).textContent()).trim(), 'mStock candles, 1 day');
      });

      itPage(ctx, 'the logout dialog has the "No session is not an error" checkbox, off by default', async function () {
        const { page } = ctx;
        await openNode(page, example.ids['mstock-logout'], '#node-input-noSessionOk');
        const box = page.locator('#node-input-noSessionOk');
        assert.equal(await box.getAttribute('type'), 'checkbox');
        assert.equal(await box.isChecked(), false, 'off by default');
        assert.equal((await page.locator('label[for="node-input-noSessionOk"]').textContent()).trim(), 'No session is not an error');
        assert.deepEqual(await page.evaluate(() => RED.nodes.getType('mstock-logout').defaults.noSessionOk), { value: false });
      });

      itPage(ctx, 'the account dialog marks a plain-http non-loopback API URL, a plain-ws non-loopback feed URL and a bad timeout invalid', async function () {
        const { page } = ctx;
        await openAccount(page, example.ids['mstock-funds']);
        assert.equal(await markedInvalid(page, '#node-config-input-baseUrl', sandbox.url), false, 'the sandbox URL is valid');
        assert.equal(await markedInvalid(page, '#node-config-input-baseUrl', 'http://example.com'), true, 'http://example.com is invalid');
        // the reason shows on the field, translated
        await page.hover('#node-config-input-baseUrl');
        await page.locator('.red-ui-popover:visible', { hasText: 'would send the password and API key unencrypted' }).waitFor({ timeout: 5000 });
        await page.mouse.move(10, 880);
        assert.equal(await markedInvalid(page, '#node-config-input-baseUrl', 'https://api.mstock.trade'), false, 'https://api.mstock.trade is valid');
        assert.equal(await markedInvalid(page, '#node-config-input-baseUrl', 'http://127.0.0.1:8729'), false, 'http://127.0.0.1:8729 is valid');
        assert.equal(await markedInvalid(page, '#node-config-input-baseUrl', 'ftp://api.mstock.trade'), true, 'ftp:// is invalid');
        assert.equal(await markedInvalid(page, '#node-config-input-baseUrl', ''), true, 'an empty API URL is invalid');
        assert.equal(await markedInvalid(page, '#node-config-input-feedUrl', 'ws://ws.mstock.trade'), true, 'ws:// on a public host is invalid');
        await page.hover('#node-config-input-feedUrl');
        await page.locator('.red-ui-popover:visible', { hasText: 'would send the API key and session token unencrypted' }).waitFor({ timeout: 5000 });
        await page.mouse.move(10, 880);
        assert.equal(await markedInvalid(page, '#node-config-input-feedUrl', 'wss://ws.mstock.trade'), false, 'wss://ws.mstock.trade is valid');
        assert.equal(await markedInvalid(page, '#node-config-input-feedUrl', sandbox.feedUrl), false, 'the sandbox feed is valid');
        assert.equal(await markedInvalid(page, '#node-config-input-feedUrl', ''), false, 'empty is mStock\'s feed');
        assert.equal(await markedInvalid(page, '#node-config-input-feedUrl', 'wss://ws.mstock.trade?API_KEY=x'), true, 'a query is invalid');
        assert.equal(await markedInvalid(page, '#node-config-input-feedUrl', 'https://ws.mstock.trade'), true, 'https:// is invalid');
        assert.equal(await markedInvalid(page, '#node-config-input-timeout', 'abc'), true, 'timeout abc is invalid');
        assert.equal(await markedInvalid(page, '#node-config-input-timeout', '10000'), false, 'timeout 10000 is valid');
        // Cancel (afterEach) leaves the deployed account as it was
      });

      itPage(ctx, 'after login and OTP the funds node\'s status in the editor reads "live until 00:00 IST"', async function () {
        const { page, red } = ctx;
        const label = `${nodeSelector(example.ids['mstock-funds'])} .red-ui-flow-node-status-label`;
        assert.equal((await page.locator(label).textContent()).trim(), 'logged out');
        await red.inject(example.inject['Log in']);
        await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === 'waiting for OTP', label, { timeout: 5000 });
        await red.inject(example.inject['Send OTP']);
        await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === 'live until 00:00 IST', label, { timeout: 5000 });
        // every node of the account shows the session, with a green dot; the order node, its orders off
        for (const type of Object.keys(FLOW_TYPES).filter((t) => t !== 'mstock-order')) {
          const group = page.locator(nodeSelector(example.ids[type]));
          await page.waitForFunction((sel) => document.querySelector(`${sel} .red-ui-flow-node-status-label`)?.textContent.trim() === 'live until 00:00 IST', nodeSelector(example.ids[type]), { timeout: 5000 });
          assert.match(await group.locator('.red-ui-flow-node-status').getAttribute('class'), /red-ui-flow-node-status-dot-green/, `${type} status dot`);
        }
        const order = page.locator(nodeSelector(example.ids['mstock-order']));
        assert.equal((await order.locator('.red-ui-flow-node-status-label').textContent()).trim(), 'orders off', 'the session does not hide that orders are off');
        assert.match(await order.locator('.red-ui-flow-node-status').getAttribute('class'), /red-ui-flow-node-status-ring-grey/);
      });

      itPage(ctx, 'screenshots: the example flow after login, OTP and funds, and the account dialog', async function () {
        const { page, red } = ctx;
        const funds = `${nodeSelector(example.ids['mstock-funds'])} .red-ui-flow-node-status-label`;
        if ((await page.locator(funds).textContent()).trim() !== 'live until 00:00 IST') {
          await red.inject(example.inject['Log in']);
          await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === 'waiting for OTP', funds, { timeout: 5000 });
          await red.inject(example.inject['Send OTP']);
          await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === 'live until 00:00 IST', funds, { timeout: 5000 });
        }
        await showSidebar(page, 'debug');
        await page.evaluate(() => RED.debug && RED.debug.clearMessageList && RED.debug.clearMessageList(true));
        await red.inject(example.inject['Get funds']);
        const message = page.locator('.red-ui-debug-msg', { has: page.locator('.red-ui-debug-msg-name', { hasText: 'funds' }) }).last();
        await message.waitFor({ state: 'visible', timeout: 5000 });
        assert.match(await message.textContent(), /array\[2\]/);
        // unfold the payload and its first segment so the numbers show
        await message.locator('.red-ui-debug-msg-element').first().click();
        await message.locator('.red-ui-debug-msg-element .red-ui-debug-msg-element').first().click();
        assert.match(await message.textContent(), /availableBalance/);
        await showMStockPalette(page);
        await page.mouse.move(700, 880);
        await page.evaluate(() => RED.view.select([]));
        await page.waitForTimeout(300);
        const flowPng = screenshotPath('editor-flow.png');
        await page.screenshot({ path: flowPng });
        // every mStock node sits in the visible workspace, left of the sidebar
        const workspace = await page.locator('#red-ui-workspace-chart').boundingBox();
        const sidebar = await page.locator('#red-ui-sidebar').boundingBox();
        for (const type of Object.keys(FLOW_TYPES)) {
          const box = await page.locator(`${nodeSelector(example.ids[type])} .red-ui-flow-node`).boundingBox();
          assert.ok(box && box.x >= workspace.x && box.x + box.width <= sidebar.x && box.y + box.height <= workspace.y + workspace.height, `${type} is visible in the screenshot`);
        }

        await openAccount(page, example.ids['mstock-funds']);
        await page.evaluate(() => RED.sidebar.help.show('mstock-config'));
        await page.waitForTimeout(300);
        const configPng = screenshotPath('editor-config.png');
        await page.screenshot({ path: configPng });
        for (const png of [flowPng, configPng]) {
          const head = fs.readFileSync(png);
          assert.equal(head.readUInt32BE(16), VIEWPORT.width, `${png} width`);
          assert.equal(head.readUInt32BE(20), VIEWPORT.height, `${png} height`);
          assert.ok(head.length > 50_000, `${png} has content (${head.length} bytes)`);
        }
      });

      itPage(ctx, 'a name changed in the dialog and deployed from the editor reaches the runtime, without credentials', async function () {
        const { page, red } = ctx;
        const fundsId = example.ids['mstock-funds'];
        const name = 'Morning funds check';
        await openNode(page, fundsId, '#node-input-name');
        await page.fill('#node-input-name', name);
        await page.click('#node-dialog-ok');
        await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
        assert.equal((await page.locator(`${nodeSelector(fundsId)} .red-ui-flow-node-label`).textContent()).trim(), name);
        const fundsMessages = page.locator('.red-ui-debug-msg', { has: page.locator('.red-ui-debug-msg-name', { hasText: /node:\s*funds\s*$/ }) });
        const before = await fundsMessages.count();
        const deploy = page.locator('#red-ui-header-button-deploy');
        assert.ok(!(await deploy.getAttribute('class')).includes('disabled'), 'the deploy button is enabled by the change');
        await deploy.click();
        await page.waitForFunction(() => document.getElementById('red-ui-header-button-deploy').classList.contains('disabled') && !RED.nodes.dirty(), undefined, { timeout: 10_000 });

        const { flows } = await red.getFlows();
        assert.equal(flows.find((n) => n.id === fundsId).name, name);
        const exported = JSON.stringify(flows);
        for (const secret of [SANDBOX_ACCOUNT.apiKey, SANDBOX_ACCOUNT.password, SANDBOX_ACCOUNT.clientCode]) {
          assert.ok(!exported.includes(secret), `GET /flows carries ${secret}`);
        }
        for (const node of flows) assert.equal(node.credentials, undefined, `GET /flows: ${node.type} ${node.id} has credentials`);
        // the editor's deploy kept the account's credentials and the live session: funds still answer
        await showSidebar(page, 'debug');
        await red.inject(example.inject['Get funds']);
        await fundsMessages.nth(before).waitFor({ state: 'visible', timeout: 5000 })
          .catch(async () => assert.fail(`no funds after the editor's deploy; the debug sidebar shows: ${await page.locator('.red-ui-debug-msg').last().textContent()}`));
      });
    });
  });
});
