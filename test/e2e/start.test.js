'use strict';
// The README's first promise: `npm start` runs the sandbox and a real Node-RED with the package
// installed from its tarball and the demo flows, and the demo works: the inject buttons, and the
// dashboard's five pages in Chromium, whose screenshots (desktop and phone, the Portfolio page, the
// Watch list page, the Order ticket page and the Live prices page) are the README's.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const WebSocket = require('ws');
const { freePort, cleanEnv, root, sleep } = require('./harness');
const { hasChromium, launchChromium, watchPage, assertText, assertRows, dashboardWidgets, portfolioWidgets, watchlistWidgets, orderTicketWidgets, livePricesWidgets, screenshotPath } = require('./browser');

const DESKTOP = { width: 1200, height: 640 };
const PORTFOLIO = { width: 1200, height: 760 }; // both tables in view
const WATCHLIST = { width: 1200, height: 640 };
const ORDER_TICKET = { width: 1200, height: 900 }; // the ticket, its confirmation and the order book
const LIVE_PRICES = { width: 1200, height: 640 };

/** The nodes of the demo tab labelled `label` (the Portfolio and Watch list pages both have a Refresh button). */
const onDemoTab = (flows, label) => {
  const tab = flows.find((n) => n.type === 'tab' && n.label === label);
  return flows.filter((n) => n.z === tab.id);
};
const PHONE = { width: 390, height: 844 };

describe('npm start', function () {
  this.timeout(120_000);
  let child;
  let output = '';
  let demoDir;
  let uiPort;
  let sandboxPort;

  /**
   * Logs in afresh on the mStock page with the OTP `npm start` printed: the tests before may have
   * left the shared account logged in, so it logs out first.
   */
  async function freshLogin(page, w) {
    await page.goto(`http://127.0.0.1:${uiPort}/dashboard/mstock`);
    await assertText(w.session, /\S/);
    await w.logout.click();
    await assertText(w.session, /^Logged out$/);
    await w.login.click();
    await w.otpInput.fill(/OTP for every login: (\d+)/.exec(output)[1]);
    await w.sendOtp.click();
    await assertText(w.session, /^Live until 00:00 IST$/);
  }

  before(async function () {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mstock-demo-'));
    uiPort = await freePort();
    sandboxPort = await freePort();
    child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
      cwd: root,
      env: cleanEnv({ MSTOCK_DEMO_DIR: demoDir, NODE_RED_PORT: String(uiPort), MSTOCK_SANDBOX_PORT: String(sandboxPort) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const started = Date.now();
    while (!/Dashboard\s+http/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      if (Date.now() - started > 100_000) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async function () {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    if (demoDir) fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('prints the sandbox, editor and dashboard addresses and the demo OTP', function () {
    assert.match(output, new RegExp(`Node-RED editor\\s+http://127\\.0\\.0\\.1:${uiPort}/`));
    assert.match(output, new RegExp(`Dashboard\\s+http://127\\.0\\.0\\.1:${uiPort}/dashboard/mstock`));
    assert.match(output, /OTP for every login: 123456/);
    assert.match(output, /Portfolio \(holdings and positions\), Watch list \(quotes of the symbols you type\),\s+Order ticket \(orders after a confirmation, and the order book\) and Live prices \(the\s+sandbox's live feed/);
    assert.match(output, /Orders are on in this demo, and they are paper money: they go to the sandbox's paper account,\s+never to mStock\./);
  });

  it('installed the package from its tarball into the demo user directory', function () {
    const installed = path.join(demoDir, 'node_modules', '@nr-mstock', 'node-red-mstock', 'package.json');
    assert.equal(JSON.parse(fs.readFileSync(installed, 'utf8')).name, '@nr-mstock/node-red-mstock');
    assert.ok(!fs.existsSync(path.join(demoDir, 'node_modules', '@nr-mstock', 'node-red-mstock', 'src')), 'only the built files ship');
  });

  it('deployed the six demo tabs on one sandbox account (orders on: paper money) and one dashboard, and its five pages answer', async function () {
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    assert.deepEqual(flows.filter((n) => n.type === 'tab').map((n) => n.label), [
      'mStock demo (sandbox)', 'mStock dashboard (sandbox)', 'mStock portfolio (sandbox)', 'mStock watch list (sandbox)', 'mStock order ticket (sandbox, paper money)', 'mStock live prices (sandbox)',
    ]);
    const accounts = flows.filter((n) => n.type === 'mstock-config');
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0].orders, true, 'the demo account allows orders: they go to the sandbox\'s paper account');
    const note = onDemoTab(flows, 'mStock order ticket (sandbox, paper money)').find((n) => n.type === 'comment').info;
    assert.match(note, /^\*\*In this demo orders are on, and they are paper money\*\*/);
    assert.deepEqual([accounts[0].baseUrl, accounts[0].feedUrl], [`http://127.0.0.1:${sandboxPort}`, `ws://127.0.0.1:${sandboxPort}`]);
    const users = flows.filter((n) => n.account);
    assert.ok(users.length >= 9 && users.every((n) => n.account === accounts[0].id));
    assert.ok(users.some((n) => n.type === 'mstock-portfolio'));
    assert.ok(users.some((n) => n.type === 'mstock-quote'));
    assert.equal(flows.filter((n) => n.type === 'ui-base').length, 1);
    assert.ok(users.some((n) => n.type === 'mstock-order'));
    assert.ok(users.some((n) => n.type === 'mstock-ticks'));
    assert.deepEqual(flows.filter((n) => n.type === 'ui-page').map((n) => n.path), ['/mstock', '/portfolio', '/watchlist', '/order-ticket', '/live-prices']);
    assert.equal(new Set(flows.map((n) => n.id)).size, flows.length, 'no node twice');
    for (const page of ['mstock', 'portfolio', 'watchlist', 'order-ticket', 'live-prices']) assert.equal((await fetch(`http://127.0.0.1:${uiPort}/dashboard/${page}`)).status, 200);
  });

  it('the demo buttons log in with the printed OTP and show the funds', async function () {
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const inject = (name) => flows.find((n) => n.type === 'inject' && n.name === name).id;
    const socket = new WebSocket(`ws://127.0.0.1:${uiPort}/comms`);
    const debug = [];
    socket.on('message', (data) => {
      for (const event of JSON.parse(String(data))) if (event.topic === 'debug') debug.push(event.data);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ subscribe: 'debug' }));
    const waitFor = async (name) => {
      const started = Date.now();
      while (!debug.some((d) => d.name === name)) {
        if (Date.now() - started > 5000) throw new Error(`no ${name} output; debug: ${JSON.stringify(debug)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return debug.find((d) => d.name === name);
    };
    try {
      await new Promise((r) => setTimeout(r, 100));
      for (const [button, name] of [['Log in', 'login'], ['Send OTP', 'session'], ['Get funds', 'funds']]) {
        await fetch(`http://127.0.0.1:${uiPort}/inject/${inject(button)}`, { method: 'POST' });
        await waitFor(name);
      }
      assert.match((await waitFor('session')).msg, /"state":"live"/);
      assert.match((await waitFor('funds')).msg, /"availableBalance":180000.5,/);
    } finally {
      socket.terminate();
    }
  });
  it('the dashboard in Chromium: Log in, type the printed OTP, the funds; screenshots at desktop and phone width; Log out clears the funds', async function () {
    if (!hasChromium()) this.skip();
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const browser = await launchChromium({ viewport: DESKTOP });
    try {
      const { page, pageErrors } = watchPage(await browser.context.newPage());
      const w = dashboardWidgets(page, flows);
      const otp = /OTP for every login: (\d+)/.exec(output)[1];
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/mstock`);
      // the demo buttons may have left the shared account logged in: start from logged out
      await assertText(w.session, /\S/);
      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await w.available.waitFor({ state: 'hidden' });

      await w.login.click();
      await assertText(w.session, /^Waiting for OTP$/);
      await assertText(w.says, /^Please enter the OTP that we sent on/);
      await w.otpInput.fill(otp);
      await w.sendOtp.click();
      await assertText(w.session, /^Live until 00:00 IST$/);
      await assertText(w.available, /^₹1,80,000\.50$/);
      await assertText(w.utilized, /^₹44,999\.50$/);
      await assertText(w.gauge, /1\.8\s*₹ lakh/);
      await w.says.waitFor({ state: 'hidden' });

      // the screenshots, once the gauge has finished its animation
      await sleep(1000);
      const desktop = screenshotPath('dashboard.png');
      await page.screenshot({ path: desktop });
      await page.setViewportSize(PHONE);
      await sleep(1000);
      const phone = screenshotPath('dashboard-phone.png');
      await page.screenshot({ path: phone, fullPage: true });
      for (const [file, size] of [[desktop, DESKTOP], [phone, PHONE]]) {
        const png = fs.readFileSync(file);
        assert.equal(png.readUInt32BE(16), size.width, `${file} width`);
        assert.ok(png.readUInt32BE(20) >= size.height, `${file} height`);
      }
      // at phone width every group is one column wide: the funds sit under the account, not beside it
      const account = await w.session.boundingBox();
      const funds = await w.available.boundingBox();
      assert.ok(funds.y > account.y && funds.x + funds.width <= PHONE.width, 'the funds below the account, within the screen');

      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await w.available.waitFor({ state: 'hidden' });
      await w.gauge.waitFor({ state: 'hidden' });
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await browser.close();
    }
  });

  it('the Portfolio page in Chromium: logged in on the mStock page, the sandbox\'s holdings and positions in rupees; a screenshot; Log out clears them', async function () {
    if (!hasChromium()) this.skip();
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const browser = await launchChromium({ viewport: PORTFOLIO });
    try {
      const { page, pageErrors } = watchPage(await browser.context.newPage());
      const w = dashboardWidgets(page, flows);
      const p = portfolioWidgets(page, onDemoTab(flows, 'mStock portfolio (sandbox)'));
      await freshLogin(page, w);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/portfolio`);
      await assertRows(p.holdings, [
        ['STATE BANK OF INDIA', '10', '₹545.30', '₹784.10', '+₹2,388.00', '+43.79%'],
        ['TATA CONSULTANCY SERVICES LIMITED', '5', '₹3,650.00', '₹4,102.00', '+₹2,260.00', '+12.38%'],
        ['INFOSYS LIMITED', '12', '₹1,420.50', '₹1,893.60', '+₹5,677.20', '+33.31%'],
      ]);
      await assertText(p.invested, /^₹40,749\.00$/);
      await assertText(p.current, /^₹51,074\.20$/);
      await assertText(p.pnl, /^\+₹10,325\.20 \(\+25\.34%\)$/);
      assert.equal((await p.positions.texts()).length, 2);
      await sleep(500);
      const shot = screenshotPath('portfolio.png');
      await page.screenshot({ path: shot });
      const png = fs.readFileSync(shot);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [PORTFOLIO.width, PORTFOLIO.height]);
      // both tables whole within the picture
      for (const table of [p.holdings, p.positions]) {
        const box = await table.last().boundingBox();
        assert.ok(box.y + box.height <= PORTFOLIO.height, 'the last row is in the picture');
      }

      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/mstock`);
      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/portfolio`);
      await assertRows(p.holdings, []);
      await assertRows(p.positions, []);
      await assertText(p.invested, /^–$/);
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await browser.close();
    }
  });

  it('the Watch list page in Chromium: logged in on the mStock page, the default symbols with the sandbox\'s LTP and day change in rupees; a screenshot; Log out clears them', async function () {
    if (!hasChromium()) this.skip();
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const browser = await launchChromium({ viewport: WATCHLIST });
    try {
      const { page, pageErrors } = watchPage(await browser.context.newPage());
      const w = dashboardWidgets(page, flows);
      const q = watchlistWidgets(page, onDemoTab(flows, 'mStock watch list (sandbox)'));
      await freshLogin(page, w);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/watchlist`);
      const symbols = ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'NSE:RELIANCE-EQ', 'NSE:TCS-EQ', 'NSE:HDFCBANK-EQ'];
      let rows = [];
      for (const started = Date.now(); Date.now() - started < 30_000; await sleep(100)) {
        rows = await q.quotes.texts();
        if (rows.length === symbols.length) break;
      }
      assert.deepEqual(rows.map((r) => r[0]), symbols);
      const amount = (text) => Number(text.replace(/[₹,]/g, ''));
      for (const [symbol, ltp, change, changePercent] of rows) {
        assert.match(ltp, /^₹[\d,]+\.\d\d$/, symbol);
        assert.match(change, /^([+-]₹[\d,]+\.\d\d|₹0\.00)$/, symbol);
        // the per cent is of the previous close, the LTP less the change
        const close = amount(ltp) - amount(change);
        const expected = ((amount(change) / close) * 100).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
        assert.equal(changePercent, `${expected}%`, symbol);
      }
      await assertText(q.updated, /^Updated \d{2}:\d{2}:\d{2} IST$/);
      await sleep(500);
      const shot = screenshotPath('watchlist.png');
      await page.screenshot({ path: shot });
      const png = fs.readFileSync(shot);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [WATCHLIST.width, WATCHLIST.height]);
      const box = await q.quotes.last().boundingBox();
      assert.ok(box.y + box.height <= WATCHLIST.height, 'the last row is in the picture');

      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/mstock`);
      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/watchlist`);
      await assertRows(q.quotes, []);
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await browser.close();
    }
  });

  it('the Order ticket page in Chromium: logged in on the mStock page, a market order confirmed in words is placed on the paper account, the order book shows it Traded; a screenshot with the next order\'s confirmation; Log out clears the book', async function () {
    if (!hasChromium()) this.skip();
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const browser = await launchChromium({ viewport: ORDER_TICKET });
    try {
      const { page, pageErrors } = watchPage(await browser.context.newPage());
      const w = dashboardWidgets(page, flows);
      const t = orderTicketWidgets(page, onDemoTab(flows, 'mStock order ticket (sandbox, paper money)'));
      await freshLogin(page, w);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/order-ticket`);
      // the sandbox's orders of today, fetched when the page's session turned live
      for (const started = Date.now(); (await t.orders.texts()).length < 5; await sleep(100)) {
        if (Date.now() - started > 10_000) assert.fail(`the order book has ${(await t.orders.texts()).length} rows`);
      }

      await t.field('symbol').fill('NSE:SBIN-EQ');
      await t.choose('Buy');
      await t.field('quantity').fill('1');
      await t.choose('Market');
      await t.choose('Intraday');
      await t.review.click();
      await t.confirmation.getByText('BUY 1 NSE:SBIN-EQ at market, intraday — send?', { exact: true }).waitFor();
      await t.send.click();
      const placed = await assertText(t.answer, /^Order sent\. mStock's order id: \d+\. The order book below shows its status\.$/);
      const orderid = /order id: (\d+)/.exec(placed)[1];
      let row;
      for (const started = Date.now(); !row; await sleep(100)) {
        row = (await t.orders.texts()).find((r) => r[1] === orderid && r[9] === 'Traded');
        if (!row && Date.now() - started > 10_000) assert.fail(`order ${orderid} is not Traded in the book`);
      }
      assert.deepEqual(row.slice(2, 8), ['NSE:SBIN', 'BUY', '1', 'MARKET', 'INTRADAY', 'Market']);

      // the picture: the next order's confirmation over the ticket, the answer and the book
      await t.field('quantity').fill('10');
      await t.choose('Sell');
      await t.choose('Limit');
      await t.field('price').fill('790');
      await t.review.click();
      await t.confirmation.getByText('SELL 10 NSE:SBIN-EQ at a limit of ₹790.00, intraday — send?', { exact: true }).waitFor();
      await sleep(500);
      const shot = screenshotPath('order-ticket.png');
      await page.screenshot({ path: shot });
      const png = fs.readFileSync(shot);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [ORDER_TICKET.width, ORDER_TICKET.height]);
      await t.dontSend.click();
      await assertText(t.answer, /^Not sent\.$/);

      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/mstock`);
      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/order-ticket`);
      await assertRows(t.orders, []);
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await browser.close();
    }
  });

  it('the Live prices page in Chromium: logged in on the mStock page, a row for each of the default symbols from the sandbox\'s live feed, their tick times moving on; a screenshot; Log out clears them', async function () {
    if (!hasChromium()) this.skip();
    const flows = await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json();
    const browser = await launchChromium({ viewport: LIVE_PRICES });
    try {
      const { page, pageErrors } = watchPage(await browser.context.newPage());
      const w = dashboardWidgets(page, flows);
      const l = livePricesWidgets(page, onDemoTab(flows, 'mStock live prices (sandbox)'));
      await freshLogin(page, w);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/live-prices`);
      const symbols = ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'NSE:RELIANCE-EQ', 'NSE:TCS-EQ', 'NSE:HDFCBANK-EQ'];
      let rows = [];
      for (const started = Date.now(); Date.now() - started < 30_000; await sleep(100)) {
        rows = await l.prices.texts();
        if (rows.length === symbols.length) break;
      }
      assert.deepEqual(rows.map((r) => r[0]).sort(), [...symbols].sort());
      for (const [symbol, ltp, change, , volume, time] of rows) {
        assert.match(ltp, /^₹[\d,]+\.\d\d$/, symbol);
        assert.match(change, /^([+-]₹[\d,]+\.\d\d|₹0\.00)$/, symbol);
        assert.match(volume, /^[\d,]+$/, symbol);
        assert.match(time, /^\d\d:\d\d:\d\d$/, symbol);
      }
      const times = Object.fromEntries(rows.map((r) => [r[0], r[5]]));
      for (const started = Date.now(); !(await l.prices.texts()).every((r) => r[5] !== times[r[0]]); await sleep(100)) {
        if (Date.now() - started > 10_000) assert.fail('the tick times did not move on');
      }
      await sleep(500);
      const shot = screenshotPath('live-prices.png');
      await page.screenshot({ path: shot });
      const png = fs.readFileSync(shot);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [LIVE_PRICES.width, LIVE_PRICES.height]);
      const box = await l.prices.last().boundingBox();
      assert.ok(box.y + box.height <= LIVE_PRICES.height, 'the last row is in the picture');

      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/mstock`);
      await w.logout.click();
      await assertText(w.session, /^Logged out$/);
      await page.goto(`http://127.0.0.1:${uiPort}/dashboard/live-prices`);
      await assertRows(l.prices, []);
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await browser.close();
    }
  });
});
