import { ErrorCode, MStockError } from '../api/errors';
import { InstrumentMaster } from '../api/instruments';
import type { Clock } from '../session/clock';
import { IST_OFFSET_MS } from '../session/india-time';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The broker publishes the day's master by 08:30 India time (PRODUCT.md "Instruments"). */
const REFRESH_AFTER_MS = (8 * 60 + 30) * 60 * 1000;

/** The latest 08:30 India time at or before `epochMs`, as epoch milliseconds. */
export function lastMasterRefresh(epochMs: number): number {
  const sinceRefresh = (((epochMs + IST_OFFSET_MS - REFRESH_AFTER_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return epochMs - sinceRefresh;
}

/**
 * One account's instrument master: downloaded on first need, kept in memory, and downloaded again
 * on the first need after the next 08:30 India time — at most once an India day. Callers that need
 * it while a download runs share that download. A failed download (or one that is not a master)
 * is rejected to its callers as it came and tried again on the next need; nothing retries by itself.
 */
export class InstrumentCache {
  private master: InstrumentMaster | undefined;
  private loadedAt = 0;
  private loading: Promise<InstrumentMaster> | undefined;

  /**
   * @param download answers the master's body: the parsed JSON array or the text (CSV or JSON).
   * @param clock the time; only `now()` is used.
   */
  constructor(
    private readonly download: () => Promise<unknown>,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** The master, downloading it first when there is none yet or it is from before the last 08:30. */
  get(): Promise<InstrumentMaster> {
    if (this.master && this.loadedAt >= lastMasterRefresh(this.clock.now())) return Promise.resolve(this.master);
    if (this.loading) return this.loading;
    // the start time, not the end: a download that spans 08:30 may hold the day before's master
    const startedAt = this.clock.now();
    const loading = this.load().then(
      (master) => {
        this.master = master;
        this.loadedAt = startedAt;
        this.loading = undefined;
        return master;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    this.loading = loading;
    return loading;
  }

  /** When the master in memory was downloaded (epoch ms), or undefined before the first download. */
  get downloadedAt(): number | undefined {
    return this.master ? this.loadedAt : undefined;
  }

  private async load(): Promise<InstrumentMaster> {
    const master = InstrumentMaster.fromDownload(await this.download());
    // an empty master would make every symbol "unknown" for a whole day
    if (master.size === 0) throw new MStockError(ErrorCode.BAD_RESPONSE, "mStock's instrument master came back without any instruments.");
    return master;
  }
}
