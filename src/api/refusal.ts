import { ErrorCode, MStockError } from './errors';

/**
 * The words of a refused message, shared by every reader of msg input: what was wrong, in a
 * sentence a flow author can act on, and that nothing went to mStock.
 */

export const NOTHING_SENT = 'Nothing was sent to mStock.';

/** Texts longer than this are described by their length, not shown. */
export const MAX_SHOWN = 40;

/** Epoch milliseconds below this (1973-03-03) are almost surely epoch seconds. */
export const SMALLEST_EPOCH_MS = 100_000_000_000;
/** 1900-01-01 and 9999-12-31 (UTC): the instants with a four-digit year Date.UTC reads as written. */
export const EARLIEST_MS = -2_208_988_800_000;
export const LATEST_MS = 253_402_300_799_999;

/** MSTOCK_INVALID_INPUT: `sentence`, then that nothing was sent. */
export function refused(sentence: string): MStockError {
  return new MStockError(ErrorCode.INVALID_INPUT, `${sentence} ${NOTHING_SENT}`);
}

/** A value as a sentence names it: a short text quoted, a long one by its length, others by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > MAX_SHOWN ? `a text of ${value.length} characters` : `"${value}"`;
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
