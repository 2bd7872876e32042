import { PUBLISHED_LIMITS } from '../account/rate-limiter';
import type { RateCategory } from '../api/endpoints';
import type { Clock } from '../session/clock';

/**
 * The broker's published limits as the sandbox enforces them: past any window of a category the
 * call is answered HTTP 429, so tests can prove the client keeps under them. The counting here is
 * the sandbox's own (a log of send times per category), not the client's limiter.
 */
export class SandboxRateLimits {
  private readonly sent: Record<RateCategory, number[]> = { order: [], data: [], quote: [], other: [] };
  /** Calls answered 429, per category. */
  readonly refused: Record<RateCategory, number> = { order: 0, data: 0, quote: 0, other: 0 };

  constructor(private readonly clock: Clock) {}

  /** Counts the call; false when it goes past a published limit (it is then not counted). */
  admit(category: RateCategory): boolean {
    const windows = PUBLISHED_LIMITS[category];
    if (windows.length === 0) return true;
    const now = this.clock.now();
    const log = this.sent[category];
    const longest = Math.max(...windows.map((w) => w.spanMs));
    while (log.length > 0 && log[0] <= now - longest) log.shift();
    for (const { limit, spanMs } of windows) {
      let inWindow = 0;
      for (let i = log.length - 1; i >= 0 && log[i] > now - spanMs; i -= 1) inWindow += 1;
      if (inWindow >= limit) {
        this.refused[category] += 1;
        return false;
      }
    }
    log.push(now);
    return true;
  }

  reset(): void {
    for (const category of Object.keys(this.sent) as RateCategory[]) {
      this.sent[category].length = 0;
      this.refused[category] = 0;
    }
  }
}
