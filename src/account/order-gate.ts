import { EventEmitter } from 'node:events';
import { ErrorCode, MStockError } from '../api/errors';
import type { Clock } from '../session/clock';
import { IST_OFFSET_MS } from '../session/india-time';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The account's order settings (PRODUCT.md "Orders are real money"). */
export interface OrderSettings {
  /** "Allow orders from flows". */
  enabled: boolean;
  /** Place calls allowed per India day; 0 for no cap. */
  maxPerDay: number;
}

export const DEFAULT_ORDER_SETTINGS: Readonly<OrderSettings> = { enabled: false, maxPerDay: 100 };

/** A place call counts toward the daily cap; a change (modify, cancel, cancel-all) does not. */
export type OrderCallKind = 'place' | 'change';

/** What the gate says now, for a status or a message. */
export interface OrderGateState {
  enabled: boolean;
  maxPerDay: number;
  /** Place calls sent today (India day). */
  placedToday: number;
  /** True while no order call may be sent: orders off, or the day's cap reached. */
  closed: boolean;
}

/** The India calendar day of an instant, as a number of days since 1970-01-01. */
function indiaDay(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);
}

/**
 * One per account: whether an order call may be sent now. Orders must be allowed on the account,
 * and place calls are counted per India day against the account's cap — counted when sent, so a
 * place that failed after it went out still counts. Kept across redeploys (see session-registry),
 * so neither a redeploy nor switching orders off and on again resets the day's count.
 * Events: 'change' (OrderGateState) whenever it opens or closes or its settings change.
 */
export class OrderGate extends EventEmitter {
  private settings: OrderSettings = { ...DEFAULT_ORDER_SETTINGS };
  private day = -1;
  private placed = 0;

  constructor(private readonly clock: Clock) {
    super();
    // every order node of the account listens: dozens in a large flow are no leak
    this.setMaxListeners(0);
  }

  /** The account node's settings, as deployed. */
  configure(settings: OrderSettings): void {
    const before = JSON.stringify(this.state());
    this.settings = { enabled: settings.enabled === true, maxPerDay: settings.maxPerDay };
    if (JSON.stringify(this.state()) !== before) this.emit('change', this.state());
  }

  state(): OrderGateState {
    const placedToday = this.placedToday();
    const { enabled, maxPerDay } = this.settings;
    return { enabled, maxPerDay, placedToday, closed: !enabled || (maxPerDay > 0 && placedToday >= maxPerDay) };
  }

  /** Throws MSTOCK_ORDERS_DISABLED when an order call of `kind` may not be sent now; counts nothing. */
  check(kind: OrderCallKind): void {
    const { enabled, maxPerDay, placedToday } = this.state();
    if (!enabled) {
      throw new MStockError(
        ErrorCode.ORDERS_DISABLED,
        'Orders from flows are off for this mStock account, so nothing was sent. Turn on "Allow orders from flows" on the account node to allow them.',
      );
    }
    if (kind === 'place' && maxPerDay > 0 && placedToday >= maxPerDay) {
      throw new MStockError(
        ErrorCode.ORDERS_DISABLED,
        `This mStock account has placed its ${maxPerDay} orders for today (its daily cap), so nothing was sent. ` +
          'The count starts again at midnight India time; raise "Max orders per day" on the account node to allow more.',
      );
    }
  }

  /**
   * At the moment an order call is sent: throws as `check` does, else lets it pass and counts a
   * place. Synchronous, so calls sent one after another are counted one after another.
   */
  admit(kind: OrderCallKind): void {
    this.check(kind);
    if (kind !== 'place') return;
    this.placed = this.placedToday() + 1;
    if (this.state().closed) this.emit('change', this.state());
  }

  /** A place call that failed before any of it was written did not reach mStock: it does not count. */
  giveBack(): void {
    const wasClosed = this.state().closed;
    if (this.placedToday() > 0) this.placed -= 1;
    if (wasClosed && !this.state().closed) this.emit('change', this.state());
  }

  private placedToday(): number {
    const today = indiaDay(this.clock.now());
    if (today !== this.day) {
      this.day = today;
      this.placed = 0;
    }
    return this.placed;
  }
}
