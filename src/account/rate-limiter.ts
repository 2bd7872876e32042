import { ErrorCode, MStockError } from '../api/errors';
import type { RateCategory } from '../api/endpoints';
import type { Clock } from '../session/clock';

export type { RateCategory };

/** At most `limit` sends in any `spanMs` milliseconds. */
export interface RateWindow {
  readonly limit: number;
  readonly spanMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The broker's published limits: the table of the docs' Introduction, "Rate Limits"
 * (FACTS-TRADING.md §4). "Non Trading APIs" publish no number — per second the cell reads
 * "Another order" (garbled), per minute and per hour "Unlimited" — so `other` is not limited.
 */
export const PUBLISHED_LIMITS: Readonly<Record<RateCategory, readonly RateWindow[]>> = {
  order: [
    { limit: 30, spanMs: SECOND },
    { limit: 250, spanMs: MINUTE },
    { limit: 1000, spanMs: HOUR },
  ],
  data: [
    { limit: 1, spanMs: SECOND },
    { limit: 1000, spanMs: MINUTE },
    { limit: 5000, spanMs: HOUR },
  ],
  quote: [{ limit: 20, spanMs: SECOND }],
  other: [],
};

/** An order call never waits longer than this for its turn (PRODUCT.md "Rate limits"). */
export const ORDER_MAX_WAIT_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

const CALLS: Record<RateCategory, string> = {
  order: 'order call',
  data: 'candle data call',
  quote: 'quote call',
  other: 'call',
};

export interface RateLimiterOptions {
  clock: Clock;
  /** The longest a call waits in the queue (the account's timeout); order calls wait at most 1 s. */
  maxWaitMs: number;
}

export interface ScheduleOptions {
  /** Aborting takes a waiting call out of the queue; it rejects and is not sent. */
  signal?: AbortSignal;
}

interface Waiting {
  send: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  deadline: number;
  /** The longest it may wait, in ms. */
  wait: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * The calls of one category as the broker may have counted them. A call counts from when it is
 * sent until its answer is in, and then as if it had arrived when its answer came: the broker
 * counts a request when it arrives, which may be late (a new connection, a busy machine), but
 * never after it answered. So a window of the log never holds fewer calls than the broker's
 * window ending at any arrival, and a burst cannot reach the broker faster than the limit.
 */
class SendLog {
  /** When the answers of finished calls came, oldest first, kept as long as the longest window. */
  private times: number[] = [];
  private head = 0;
  /** Calls sent and not answered yet. */
  private inFlight = 0;
  private readonly longestSpan: number;

  constructor(private readonly windows: readonly RateWindow[]) {
    this.longestSpan = Math.max(0, ...windows.map((w) => w.spanMs));
  }

  sent(): void {
    this.inFlight += 1;
  }

  answered(now: number): void {
    this.inFlight -= 1;
    if (this.windows.length === 0) return;
    const last = this.times.length > this.head ? this.times[this.times.length - 1] : -Infinity;
    // a clock set back must not unsort the log
    this.times.push(Math.max(now, last));
  }

  /**
   * The earliest time at or after `now` when one more send stays within every window; Infinity
   * while calls in flight fill a window (the next answer says more).
   */
  nextSendAt(now: number): number {
    this.forgetBefore(now - this.longestSpan);
    let at = now;
    const end = this.times.length;
    for (const { limit, spanMs } of this.windows) {
      const room = limit - this.inFlight;
      if (room <= 0) return Infinity;
      if (end - this.firstAfter(now - spanMs) >= room) at = Math.max(at, this.times[end - room] + spanMs);
    }
    return at;
  }

  private firstAfter(time: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] > time) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private forgetBefore(time: number): void {
    this.head = this.firstAfter(time);
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

class Lane {
  readonly log: SendLog;
  private items: Waiting[] = [];
  private head = 0;
  timer?: unknown;
  timerAt?: number;

  constructor(readonly category: RateCategory, readonly windows: readonly RateWindow[]) {
    this.log = new SendLog(windows);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  first(): Waiting {
    return this.items[this.head];
  }

  push(item: Waiting): void {
    this.items.push(item);
  }

  shift(): Waiting {
    const item = this.items[this.head];
    this.items[this.head] = undefined as unknown as Waiting;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  remove(item: Waiting): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** Takes out every waiting call whose deadline has come; answers the earliest deadline left. */
  takeExpired(now: number, expired: Waiting[]): number {
    let earliest = Infinity;
    const kept: Waiting[] = [];
    for (let i = this.head; i < this.items.length; i += 1) {
      const item = this.items[i];
      if (item.deadline <= now) expired.push(item);
      else {
        kept.push(item);
        earliest = Math.min(earliest, item.deadline);
      }
    }
    if (expired.length > 0) {
      this.items = kept;
      this.head = 0;
    }
    return earliest;
  }

  takeAll(): Waiting[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }
}

function limitsText(windows: readonly RateWindow[], call: string): string {
  const unit = (spanMs: number): string =>
    spanMs === SECOND ? 'a second' : spanMs === MINUTE ? 'a minute' : spanMs === HOUR ? 'an hour' : `per ${spanMs} ms`;
  return windows.map((w, i) => `${w.limit}${i === 0 ? ` ${call}s` : ''} ${unit(w.spanMs)}`).join(', ');
}

function duration(ms: number): string {
  if (ms < SECOND) return `${Math.ceil(ms)} ms`;
  if (ms < MINUTE) return `${Math.ceil(ms / SECOND)} s`;
  return `${Math.ceil(ms / MINUTE)} min`;
}

/**
 * One per account: keeps the account's calls within mStock's published rate limits by queueing
 * them, first come first sent within each category. A call's slot is taken when it is sent, so
 * the windows count sends. A call that cannot be sent within its wait bound is rejected with
 * MSTOCK_RATE_LIMITED and never sent. Timers are armed only while calls wait.
 */
export class RateLimiter {
  private readonly clock: Clock;
  private readonly maxWaitMs: number;
  private readonly lanes: Record<RateCategory, Lane>;
  private closed = false;
  private closeReason?: Error;

  constructor(options: RateLimiterOptions) {
    const { clock, maxWaitMs } = options;
    if (!Number.isFinite(maxWaitMs) || maxWaitMs <= 0 || maxWaitMs > MAX_TIMER_MS) {
      throw new MStockError(ErrorCode.INVALID_INPUT, `The longest wait for the rate limit must be a positive number of milliseconds, at most ${MAX_TIMER_MS}.`);
    }
    this.clock = clock;
    this.maxWaitMs = maxWaitMs;
    this.lanes = {
      order: new Lane('order', PUBLISHED_LIMITS.order),
      data: new Lane('data', PUBLISHED_LIMITS.data),
      quote: new Lane('quote', PUBLISHED_LIMITS.quote),
      other: new Lane('other', PUBLISHED_LIMITS.other),
    };
  }

  /**
   * Sends `send` (calls it) as soon as the category's windows allow and every earlier call of the
   * category was sent; settles as the call does. Rejects without calling it when the wait bound
   * passes first, when `signal` aborts, or when the limiter is closed.
   */
  schedule<T>(category: RateCategory, send: () => T | Promise<T>, options: ScheduleOptions = {}): Promise<T> {
    const lane = Object.prototype.hasOwnProperty.call(this.lanes, category) ? this.lanes[category] : undefined;
    if (!lane) {
      return Promise.reject(new MStockError(ErrorCode.INVALID_INPUT, `"${String(category)}" is not a rate limit category. Nothing was sent.`));
    }
    if (this.closed) return Promise.reject(this.closeReason ?? this.closedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    // a category without published limits never waits: send at once, with no bookkeeping
    if (lane.windows.length === 0) {
      try {
        return Promise.resolve(send());
      } catch (err) {
        return Promise.reject(err);
      }
    }

    return new Promise<T>((resolve, reject) => {
      const now = this.clock.now();
      const wait = category === 'order' ? Math.min(ORDER_MAX_WAIT_MS, this.maxWaitMs) : this.maxWaitMs;
      if (lane.size === 0) {
        // nothing ahead of it: when the windows stay shut past its bound, say so at once (unless
        // calls in flight hold them: their answers may open them in time)
        const at = lane.log.nextSendAt(now);
        if (at !== Infinity && at - now > wait) {
          reject(this.limitedError(lane, `the next slot opens in ${duration(at - now)}, later than it may wait (${wait} ms)`));
          return;
        }
      }
      const item: Waiting = { send, resolve: resolve as (value: unknown) => void, reject, deadline: now + wait, wait };
      if (signal) {
        item.signal = signal;
        item.onAbort = () => {
          if (lane.remove(item)) {
            item.reject(abortError(signal));
            this.pump(lane);
          }
        };
        signal.addEventListener('abort', item.onAbort, { once: true });
      }
      lane.push(item);
      this.pump(lane);
    });
  }

  /** How many calls wait, in one category or in all. */
  waiting(category?: RateCategory): number {
    if (category) return this.lanes[category].size;
    return Object.values(this.lanes).reduce((sum, lane) => sum + lane.size, 0);
  }

  /**
   * Rejects every waiting call with `reason` (none of them is sent); the limiter stays open and
   * keeps counting what was sent. For a session that ended while calls waited with its token.
   */
  cancelWaiting(reason: Error): void {
    for (const lane of Object.values(this.lanes)) {
      this.disarm(lane);
      for (const item of lane.takeAll()) this.settle(item).reject(reason);
    }
  }

  /** Rejects every waiting call and every later one; none of them is sent. */
  close(reason?: Error): void {
    this.closed = true;
    this.closeReason = reason;
    for (const lane of Object.values(this.lanes)) {
      this.disarm(lane);
      for (const item of lane.takeAll()) this.settle(item).reject(reason ?? this.closedError());
    }
  }

  private pump(lane: Lane): void {
    let now = this.clock.now();
    while (lane.size > 0 && lane.log.nextSendAt(now) <= now) {
      const item = lane.shift();
      lane.log.sent();
      this.settle(item);
      let answer: Promise<unknown>;
      try {
        answer = Promise.resolve(item.send());
      } catch (err) {
        answer = Promise.reject(err);
      }
      const answered = () => {
        lane.log.answered(this.clock.now());
        if (lane.size > 0 && !this.closed) this.pump(lane);
      };
      answer.then(answered, answered);
      item.resolve(answer);
      // the call may have taken time or scheduled more; the loop goes on at the new time
      now = this.clock.now();
    }
    const expired: Waiting[] = [];
    const earliestDeadline = lane.takeExpired(now, expired);
    for (const item of expired) {
      this.settle(item).reject(this.limitedError(lane, `no slot opened within the ${item.wait} ms it may wait`));
    }
    if (lane.size === 0) this.disarm(lane);
    else this.arm(lane, Math.min(lane.log.nextSendAt(now), earliestDeadline), now);
  }

  private arm(lane: Lane, at: number, now: number): void {
    if (lane.timer !== undefined && lane.timerAt === at) return;
    this.disarm(lane);
    lane.timerAt = at;
    lane.timer = this.clock.setTimer(() => {
      lane.timer = undefined;
      lane.timerAt = undefined;
      this.pump(lane);
    }, Math.max(0, at - now));
  }

  private disarm(lane: Lane): void {
    if (lane.timer !== undefined) this.clock.clearTimer(lane.timer);
    lane.timer = undefined;
    lane.timerAt = undefined;
  }

  /** Detaches the call from its abort signal; it is leaving the queue. */
  private settle(item: Waiting): Waiting {
    if (item.signal && item.onAbort) item.signal.removeEventListener('abort', item.onAbort);
    return item;
  }

  private limitedError(lane: Lane, why: string): MStockError {
    const call = CALLS[lane.category];
    return new MStockError(
      ErrorCode.RATE_LIMITED,
      `The ${call} was not sent: mStock allows ${limitsText(lane.windows, call)}, and ${why}.`,
    );
  }

  private closedError(): MStockError {
    return new MStockError(ErrorCode.NETWORK, 'The call was not sent to mStock: the account was closed.');
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof MStockError
    ? reason
    : new MStockError(ErrorCode.NETWORK, 'The call was cancelled before it was sent to mStock.');
}
