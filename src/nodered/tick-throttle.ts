import { Clock, systemClock } from '../session/clock';

interface Lane<T> {
  /** When this key last let a value through. */
  lastAt: number;
  /** The newest value held back, sent when the wait is over. */
  pending?: T;
  timer?: unknown;
}

/**
 * At most one value per key per `everyMs`, always the newest: the first goes through at once, the
 * ones that come too soon replace each other, and the last of them goes through when the wait is
 * over. With `everyMs` 0 every value goes through at once.
 */
export class TickThrottle<T> {
  private readonly lanes = new Map<string, Lane<T>>();

  constructor(
    private readonly everyMs: number,
    private readonly emit: (key: string, value: T) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  offer(key: string, value: T): void {
    if (this.everyMs <= 0) {
      this.emit(key, value);
      return;
    }
    const now = this.clock.now();
    const lane = this.lanes.get(key);
    if (!lane) {
      this.lanes.set(key, { lastAt: now });
      this.emit(key, value);
      return;
    }
    if (lane.timer !== undefined) {
      lane.pending = value;
      return;
    }
    const wait = lane.lastAt + this.everyMs - now;
    if (wait <= 0) {
      lane.lastAt = now;
      this.emit(key, value);
      return;
    }
    lane.pending = value;
    lane.timer = this.clock.setTimer(() => this.release(key, lane), wait);
  }

  /** Forgets what is held back for `key` (or for every key), so nothing of it is sent later. */
  drop(key?: string): void {
    const keys = key === undefined ? [...this.lanes.keys()] : [key];
    for (const k of keys) {
      const lane = this.lanes.get(k);
      if (lane?.timer !== undefined) this.clock.clearTimer(lane.timer);
      this.lanes.delete(k);
    }
  }

  /** Values held back now. */
  get held(): number {
    let count = 0;
    for (const lane of this.lanes.values()) if (lane.timer !== undefined) count += 1;
    return count;
  }

  private release(key: string, lane: Lane<T>): void {
    // Node.js timers may fire a millisecond before Date.now() says the time has come
    const early = lane.lastAt + this.everyMs - this.clock.now();
    if (early > 0) {
      lane.timer = this.clock.setTimer(() => this.release(key, lane), early);
      return;
    }
    lane.timer = undefined;
    const value = lane.pending;
    lane.pending = undefined;
    if (value === undefined || this.lanes.get(key) !== lane) return;
    lane.lastAt = this.clock.now();
    this.emit(key, value);
  }
}
