'use strict';
// One account's instrument master: downloaded lazily, at most once an India day after 08:30,
// shared by concurrent first uses, retried on the next need after a failure (PRODUCT.md "Instruments").
const assert = require('node:assert/strict');
const { InstrumentCache, lastMasterRefresh } = require('../../dist/src/account/instrument-cache');
const { InstrumentMaster } = require('../../dist/src/api/instruments');
const { ErrorCode, MStockError } = require('../../dist/src/api/errors');
const { rejectsWith } = require('../api/_helpers');
const { manualClock, flush } = require('../manual-clock');

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Epoch ms of a time of day in India on 2026-11-26. */
const india = (hh, mm = 0) => Date.parse('2026-11-26T00:00:00+05:30') + hh * HOUR + mm * MINUTE;

const SBIN = { token: '3045', symbol: 'SBIN', name: 'SBIN-EQ', expiry: '', strike: '', lotsize: '1', instrumenttype: '', exch_seg: 'NSE', tick_size: '0.05' };
const CSV = 'token,symbol,name,expiry,strike,lotsize,instrumenttype,exch_seg,tick_size\n2885,RELIANCE,RELIANCE-EQ,,,1,,NSE,0.05\n';

/** A download whose calls the test answers by hand. */
function downloadRecorder() {
  const calls = [];
  const download = () =>
    new Promise((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, download };
}

describe('instrument cache', function () {
  it('finds the last 08:30 India time at or before a moment', function () {
    assert.equal(lastMasterRefresh(india(8, 30)), india(8, 30));
    assert.equal(lastMasterRefresh(india(8, 29)), india(8, 30) - DAY);
    assert.equal(lastMasterRefresh(india(23, 59)), india(8, 30));
    assert.equal(lastMasterRefresh(india(0, 0)), india(8, 30) - DAY);
  });

  it('downloads nothing until the master is first needed, then builds it from the download', async function () {
    const clock = manualClock(india(10));
    const { calls, download } = downloadRecorder();
    const cache = new InstrumentCache(download, clock);
    assert.equal(calls.length, 0);
    assert.equal(cache.downloadedAt, undefined);
    const pending = cache.get();
    assert.equal(calls.length, 1);
    calls[0].resolve([SBIN]);
    const master = await pending;
    assert.ok(master instanceof InstrumentMaster);
    assert.equal(master.resolve('NSE:SBIN-EQ').token, '3045');
    assert.equal(cache.downloadedAt, india(10));
  });

  it('takes the download as CSV text too', async function () {
    const cache = new InstrumentCache(async () => CSV, manualClock(india(10)));
    assert.equal((await cache.get()).resolve('nse:reliance-eq').token, '2885');
  });

  it('shares one download among callers that need it at the same time', async function () {
    const { calls, download } = downloadRecorder();
    const cache = new InstrumentCache(download, manualClock(india(10)));
    const first = cache.get();
    const second = cache.get();
    const third = cache.get();
    assert.equal(calls.length, 1);
    calls[0].resolve([SBIN]);
    const masters = await Promise.all([first, second, third]);
    assert.equal(masters[1], masters[0]);
    assert.equal(masters[2], masters[0]);
  });

  it('keeps the master for the rest of the India day and downloads again on the first need after 08:30 the next day', async function () {
    const clock = manualClock(india(9));
    const { calls, download } = downloadRecorder();
    const cache = new InstrumentCache(download, clock);
    const pending = cache.get();
    calls[0].resolve([SBIN]);
    const monday = await pending;
    clock.advanceTo(india(23, 59));
    assert.equal(await cache.get(), monday);
    clock.advanceTo(india(8, 29) + DAY);
    assert.equal(await cache.get(), monday);
    assert.equal(calls.length, 1);
    clock.advanceTo(india(8, 31) + DAY);
    const next = cache.get();
    assert.equal(calls.length, 2);
    calls[1].resolve([{ ...SBIN, token: '9999' }]);
    const tuesday = await next;
    assert.notEqual(tuesday, monday);
    assert.equal(tuesday.resolve('NSE:SBIN-EQ').token, '9999');
    assert.equal(await cache.get(), tuesday);
    assert.equal(calls.length, 2);
  });

  it('reloads a master downloaded before 08:30 on the first need after 08:30 the same day', async function () {
    const clock = manualClock(india(7));
    let downloads = 0;
    const cache = new InstrumentCache(async () => {
      downloads += 1;
      return [SBIN];
    }, clock);
    const early = await cache.get();
    clock.advanceTo(india(8, 29));
    assert.equal(await cache.get(), early);
    assert.equal(downloads, 1);
    clock.advanceTo(india(8, 30));
    assert.notEqual(await cache.get(), early);
    assert.equal(downloads, 2);
    assert.equal(cache.downloadedAt, india(8, 30));
  });

  it('counts a download from when it started, so one running over 08:30 is done again on the next need', async function () {
    const clock = manualClock(india(8, 29));
    const { calls, download } = downloadRecorder();
    const cache = new InstrumentCache(download, clock);
    const pending = cache.get();
    clock.advanceTo(india(8, 31));
    calls[0].resolve([SBIN]);
    await pending;
    assert.equal(cache.downloadedAt, india(8, 29));
    const again = cache.get();
    assert.equal(calls.length, 2);
    calls[1].resolve([SBIN]);
    await again;
  });

  it('rejects a failed download to every waiting caller as it came, and tries again only on the next need', async function () {
    const clock = manualClock(india(10));
    const { calls, download } = downloadRecorder();
    const cache = new InstrumentCache(download, clock);
    const first = cache.get();
    const second = cache.get();
    const failure = new MStockError(ErrorCode.NETWORK, 'mStock could not be reached.');
    calls[0].reject(failure);
    await assert.rejects(first, (err) => err === failure);
    await assert.rejects(second, (err) => err === failure);
    clock.advance(HOUR);
    await flush();
    assert.equal(calls.length, 1, 'a failed download must not be retried by itself');
    assert.equal(clock.armed, 0);
    const retry = cache.get();
    assert.equal(calls.length, 2);
    calls[1].resolve([SBIN]);
    assert.equal((await retry).resolve('NSE:3045').symbol, 'SBIN-EQ');
  });

  it('rejects a download that throws at once, and one that is not a master, and tries again on the next need', async function () {
    let answer = () => {
      throw new Error('boom');
    };
    const cache = new InstrumentCache(() => answer(), manualClock(india(10)));
    await assert.rejects(cache.get(), /boom/);
    answer = async () => ({ status: 'false', message: 'Session expired' });
    await rejectsWith(cache.get(), ErrorCode.BAD_RESPONSE);
    answer = async () => [];
    const empty = await rejectsWith(cache.get(), ErrorCode.BAD_RESPONSE);
    assert.match(empty.message, /without any instruments/);
    answer = async () => [SBIN];
    assert.equal((await cache.get()).size, 1);
  });

  it('rejects a failed reload after 08:30 rather than answering the day before\'s master', async function () {
    const clock = manualClock(india(10));
    let answer = async () => [SBIN];
    const cache = new InstrumentCache(() => answer(), clock);
    await cache.get();
    clock.advanceTo(india(9) + DAY);
    answer = async () => {
      throw new MStockError(ErrorCode.SERVER_ERROR, 'mStock answered 503.');
    };
    await rejectsWith(cache.get(), ErrorCode.SERVER_ERROR);
    assert.equal(cache.downloadedAt, india(10));
  });
});
