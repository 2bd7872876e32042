import { describeValue, MAX_SHOWN, SMALLEST_EPOCH_MS, EARLIEST_MS, LATEST_MS, refused } from './refusal';
import { IST_OFFSET_MS } from '../session/india-time';

/**
 * What mstock-orders reads from a message before it asks mStock for one order or for the trades
 * between two dates. Pure: nothing is sent; a message that cannot be used is MSTOCK_INVALID_INPUT
 * naming the field, in words a flow author can act on.
 */

/** Order ids seen are 13 to 16 digits; a little room, and no more, for what may come. */
const ORDER_ID = /^\d{1,24}$/;

function payloadObject(payload: unknown, wanted: string): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || payload instanceof Date) {
    throw refused(`msg.payload must be an object with ${wanted}, but it was ${describeValue(payload)}.`);
  }
  return payload as Record<string, unknown>;
}

/**
 * The order id in `msg.payload.orderid`: a string of digits (white space around it is dropped),
 * or a number only while it is a safe integer — a bigger one has already lost digits.
 */
export function parseOrderId(payload: unknown): string {
  const { orderid } = payloadObject(payload, 'orderid, e.g. { "orderid": "1131250211100" }');
  if (typeof orderid === 'number') {
    if (Number.isSafeInteger(orderid) && orderid >= 0) return String(orderid);
    if (Number.isInteger(orderid) && orderid > 0) {
      throw refused(
        `msg.payload.orderid ${orderid} is too large for a JavaScript number to hold every digit: it may have lost some. Send the order id as a string.`,
      );
    }
  }
  const text = typeof orderid === 'string' ? orderid.trim() : undefined;
  if (text !== undefined && ORDER_ID.test(text)) return text;
  throw refused(`msg.payload.orderid must be mStock's order id, a string of digits such as "1131250211100", but it was ${describeValue(orderid)}.`);
}

export interface TradeDates {
  /** The first India day, "YYYY-MM-DD". */
  fromdate: string;
  /** The last India day (included), "YYYY-MM-DD". */
  todate: string;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** The India calendar day of an instant, "YYYY-MM-DD"; undefined outside the years 1900–9999. */
function indiaDay(epochMs: number): string | undefined {
  if (!(epochMs >= EARLIEST_MS && epochMs <= LATEST_MS)) return undefined;
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 10);
}

function realDay(year: number, month: number, day: number): boolean {
  // Date.UTC reads the years 0–99 as 1900–1999
  return year >= 1900 && month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** "YYYY-MM-DD" alone is that India day; with a time, a Z or an offset names an instant; without one, India time. */
function dayOfText(text: string): string | undefined {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!realDay(year, month, day)) return undefined;
  const written = `${m[1]}-${m[2]}-${m[3]}`;
  if (m[4] === undefined) return written;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = m[7];
  if (zone === undefined) return written;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 14 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return indiaDay(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000);
}

function dayOf(value: unknown, field: 'from' | 'to'): string {
  const name = `msg.payload.${field}`;
  if (value === undefined || value === null || value === '') {
    throw refused(`${name} is missing: give the ${field === 'from' ? 'first' : 'last'} day of the trades, e.g. "2025-01-06".`);
  }
  let day: string | undefined;
  if (value instanceof Date) {
    day = indiaDay(value.getTime());
  } else if (typeof value === 'number') {
    if (Number.isFinite(value) && Math.abs(value) < SMALLEST_EPOCH_MS) {
      throw refused(`${name} ${value} is not a date in epoch milliseconds (is it in seconds?). Send a Date, "YYYY-MM-DD" or epoch milliseconds.`);
    }
    day = indiaDay(value);
  } else if (typeof value === 'string' && value.length <= MAX_SHOWN) {
    day = dayOfText(value);
  }
  if (day === undefined) {
    throw refused(`${name} must be a date: a Date, an ISO-8601 text such as "2025-01-06" or "2025-01-06T09:15:00+05:30", or epoch milliseconds; it was ${describeValue(value)}.`);
  }
  return day;
}

/**
 * The trade history's dates from `msg.payload.from` and `.to` (each a Date, an ISO-8601 text,
 * "YYYY-MM-DD" or epoch milliseconds) as the India days mStock's `trades` call takes.
 */
export function parseTradeDates(payload: unknown): TradeDates {
  const given = payloadObject(payload, 'from and to, e.g. { "from": "2025-01-06", "to": "2025-01-07" }');
  const fromdate = dayOf(given.from, 'from');
  const todate = dayOf(given.to, 'to');
  if (fromdate > todate) {
    throw refused(`msg.payload.from (${fromdate}) is after msg.payload.to (${todate}): the first day must come first.`);
  }
  return { fromdate, todate };
}
