'use strict';
// Debian's Chromium driven through playwright-core, for the editor and dashboard tests: launch
// with a fresh profile, pages that record what went wrong in them, where screenshots go, and the
// dashboard pages of examples 02, 08, 09 and 11 by their widgets.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, sleep } = require('./harness');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// test-results/screenshots unless MSTOCK_SCREENSHOT_DIR=docs asks for the README's copies
const SCREENSHOT_DIR = path.resolve(root, process.env.MSTOCK_SCREENSHOT_DIR || path.join('test-results', 'screenshots'));

const hasChromium = () => fs.existsSync(CHROMIUM);

/** Where the screenshot `name` goes (the folder is made). */
function screenshotPath(name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, name);
}

/** Chromium with a fresh profile; `close()` ends it and removes the profile. */
async function launchChromium({ viewport } = {}) {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport, args: CHROMIUM_ARGS });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

/** Records the page's uncaught errors and the requests that failed (HTTP 400 and up). */
function watchPage(page) {
  const pageErrors = [];
  const failedRequests = [];
  page.on('pageerror', (err) => pageErrors.push(err));
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.status()} ${res.url()}`);
  });
  return { page, pageErrors, failedRequests };
}

/** Waits until the locator's trimmed text matches; fails with what it showed. */
async function assertText(locator, pattern, ms = 10_000) {
  const started = Date.now();
  let last;
  while (Date.now() - started < ms) {
    last = ((await locator.first().textContent({ timeout: ms }).catch(() => null)) ?? '').trim();
    if (pattern.test(last)) return last;
    await sleep(50);
  }
  assert.fail(`expected ${pattern}, the page shows "${last}"`);
}

/**
 * Example 02's dashboard page, widget by widget, found by the ids of the example's nodes (so the
 * test follows the example, not the dashboard's markup of the day).
 */
function dashboardWidgets(page, nodes) {
  const widget = (node) => page.locator(`#nrdb-ui-widget-${node.id}`);
  const find = (pred, what) => {
    const found = nodes.filter(pred);
    assert.equal(found.length, 1, what);
    return found[0];
  };
  const text = (label) => widget(find((n) => n.type === 'ui-text' && n.label === label, `the "${label}" text`)).locator('.nrdb-ui-text-value');
  const button = (label) => widget(find((n) => n.type === 'ui-button' && n.label === label, `the "${label}" button`)).locator('button');
  const otpEntry = widget(find((n) => n.type === 'ui-template' && n.name === 'OTP entry', 'the OTP entry'));
  return {
    session: text('Session'),
    says: text('mStock says'),
    available: text('Available balance'),
    utilized: text('Amount utilized'),
    gauge: widget(find((n) => n.type === 'ui-gauge', 'the gauge')),
    login: button('Log in'),
    logout: button('Log out'),
    refresh: button('Refresh funds'),
    otpEntry,
    otpInput: otpEntry.locator('input'),
    sendOtp: otpEntry.locator('button[type="submit"]'),
    closeNotification: page.getByRole('button', { name: 'Close' }),
  };
}

/** A dashboard page's widgets by the ids of an example's nodes: the widget of a node, the one node a predicate picks, a table's rows. */
function widgetFinder(page, nodes) {
  const widget = (node) => page.locator(`#nrdb-ui-widget-${node.id}`);
  const find = (pred, what) => {
    const found = nodes.filter(pred);
    assert.equal(found.length, 1, what);
    return found[0];
  };
  // the rows of a table, each as its cells' texts ("No data available" is no row)
  const rows = (name) => {
    const body = widget(find((n) => n.type === 'ui-table' && n.name === name, `the ${name} table`)).locator('tbody tr:not(.v-data-table-rows-no-data)');
    return Object.assign(body, { texts: () => body.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()))) });
  };
  return { widget, find, rows };
}

/** Example 08's Portfolio page, found by the ids of the example's nodes as for example 02. */
function portfolioWidgets(page, nodes) {
  const { widget, find, rows } = widgetFinder(page, nodes);
  const text = (pred, what) => widget(find((n) => n.type === 'ui-text' && pred(n), what)).locator('.nrdb-ui-text-value');
  const total = (label) => text((n) => n.label === label, `the "${label}" total`);
  return {
    invested: total('Invested'),
    current: total('Current value'),
    pnl: total('P&L'),
    updated: text((n) => n.className === 'mstock-updated', 'the time of the last answer'),
    refresh: widget(find((n) => n.type === 'ui-button' && n.label === 'Refresh', 'the Refresh button')).locator('button'),
    holdings: rows('holdings'),
    positions: rows('positions'),
  };
}

/** Example 09's Watch list page, found by the ids of the example's nodes as for example 02. */
function watchlistWidgets(page, nodes) {
  const { widget, find, rows } = widgetFinder(page, nodes);
  const text = (name) => widget(find((n) => n.type === 'ui-text' && n.name === name, `the ${name} text`)).locator('.nrdb-ui-text-value');
  return {
    symbols: widget(find((n) => n.type === 'ui-text-input', 'the Symbols input')).locator('input'),
    refresh: widget(find((n) => n.type === 'ui-button' && n.label === 'Refresh', 'the Refresh button')).locator('button'),
    quotes: rows('quotes'),
    // the note's sentences, one per line
    note: Object.assign(text('not quoted'), { lines: () => text('not quoted').first().evaluate((el) => el.innerText.split('\n').filter((line) => line.trim() !== '')) }),
    updated: text('updated'),
  };
}

/** Example 13's Live prices page, found by the ids of the example's nodes as for example 02. */
function livePricesWidgets(page, nodes) {
  const { widget, find, rows } = widgetFinder(page, nodes);
  const prices = rows('live prices');
  return {
    add: widget(find((n) => n.type === 'ui-text-input', 'the Add a symbol input')).locator('input'),
    // each row's cells' texts, and the class of its change cell's span (gain, loss or none)
    prices: Object.assign(prices, {
      withColour: () => prices.evaluateAll((trs) => trs.map((tr) => {
        const cells = [...tr.querySelectorAll('td')];
        return [...cells.map((td) => td.textContent.trim()), (cells[2] && cells[2].querySelector('span') || {}).className];
      })),
    }),
  };
}

/** Example 11's Order ticket page, found by the ids of the example's nodes as for example 02; the confirmation by its buttons. */
function orderTicketWidgets(page, nodes) {
  const { widget, find, rows } = widgetFinder(page, nodes);
  const ticket = widget(find((n) => n.type === 'ui-template' && n.name === 'order ticket', 'the order ticket'));
  const button = (label) => widget(find((n) => n.type === 'ui-button' && n.label === label, `the "${label}" button`)).locator('button');
  const confirmation = page.locator('.nrdb-ui-notification');
  return {
    ticket,
    field: (name) => ticket.locator(`input[name="${name}"]`),
    /** A choice of the ticket's toggles (Buy, Sell, Market, Limit, SL limit, SL market, Intraday, Delivery). */
    choose: (label) => ticket.getByRole('button', { name: label, exact: true }).click(),
    review: ticket.getByRole('button', { name: 'Review order' }),
    /** The ticket's message under a field. */
    problem: (name) => ticket.locator(`.v-input:has(input[name="${name}"]) .v-messages`),
    answer: widget(find((n) => n.type === 'ui-text' && n.name === 'answer', 'the answer')).locator('.nrdb-ui-text-value'),
    refresh: button('Refresh'),
    cancelAll: button('Cancel all open orders'),
    orders: rows('orders'),
    confirmation,
    send: confirmation.getByRole('button', { name: 'Send', exact: true }),
    dontSend: confirmation.getByRole('button', { name: 'Don\'t send', exact: true }),
  };
}

/** Resolves with the table's rows once they are `expected` (cell texts); fails with what it showed. */
async function assertRows(rows, expected, ms = 10_000) {
  const started = Date.now();
  let last;
  while (Date.now() - started < ms) {
    last = await rows.texts();
    if (JSON.stringify(last) === JSON.stringify(expected)) return last;
    await sleep(50);
  }
  assert.deepEqual(last, expected);
}

module.exports = { CHROMIUM, SCREENSHOT_DIR, hasChromium, screenshotPath, launchChromium, watchPage, assertText, assertRows, dashboardWidgets, portfolioWidgets, watchlistWidgets, orderTicketWidgets, livePricesWidgets };
