import { ErrorCode, MStockError } from './errors';
import { parseFundValue, toLowerCamel } from './funds';

/**
 * The Part 2 rule for the rows of list endpoints (order book, trade book, positions, …): the fund
 * summary rule of funds.ts extended. Keys in UPPER_SNAKE become lowerCamel, other keys stay as
 * sent; "", "None" and null become null; numeric strings become numbers, except identifiers,
 * which stay strings exactly as sent, only trimmed; dates and times become ISO-8601 in India time.
 */

export type RowValue = string | number | boolean | null | RowValue[] | { [key: string]: RowValue };
export type Row = Record<string, RowValue>;

export interface RowRule {
  /** Keys holding identifiers, added to DEFAULT_IDENTIFIERS: kept as trimmed strings. */
  identifiers?: readonly string[];
  /** Keys holding dates or times, added to DEFAULT_DATES: turned into ISO-8601 India time. */
  dates?: readonly string[];
  /**
   * When given, only these keys turn numeric strings into numbers; other strings stay as sent.
   * When absent, every numeric string that is neither an identifier nor a date becomes a number.
   */
  numbers?: readonly string[];
  /** What the rows are, for error messages, e.g. "the order book". */
  what?: string;
}

/**
 * Keys matched without regard to case or underscores, so `SEC_ID`, `secId` and `secid` are one
 * key and `symbolToken` (quotes) is `symboltoken` (books). Symbol names, scripts and order tags
 * are here too: they are names, and a name made of digits must not become a number.
 */
export const DEFAULT_IDENTIFIERS: readonly string[] = [
  'orderid', 'order_id', 'uniqueorderid', 'parentorderid', 'exchangeorderid', 'exchorderid',
  'fillid', 'tradeid', 'symboltoken', 'token', 'tokens', 'isin', 'SEC_ID', 'ORDER_NUMBER', 'BASKET_ID',
  'tradingsymbol', 'symbolname', 'symbol', 'script', 'ordertag', 'correlationID',
];

export const DEFAULT_DATES: readonly string[] = [
  'updatetime', 'exchtime', 'exchorderupdatetime', 'filltime', 'expirydate', 'expiry',
  'ORDER_DATE_TIME', 'CREATE_DATE', 'exchfeedtime', 'exchtradetime',
];

const MAX_DEPTH = 16;

interface CompiledRule {
  identifiers: Set<string>;
  dates: Set<string>;
  numbers?: Set<string>;
  what: string;
}

const keyName = (key: string): string => key.toLowerCase().replace(/_/g, '');
const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function compile(rule: RowRule): CompiledRule {
  return {
    identifiers: new Set([...DEFAULT_IDENTIFIERS, ...(rule.identifiers ?? [])].map(keyName)),
    dates: new Set([...DEFAULT_DATES, ...(rule.dates ?? [])].map(keyName)),
    numbers: rule.numbers ? new Set(rule.numbers.map(keyName)) : undefined,
    what: rule.what ?? 'the answer',
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isGap = (text: string): boolean => text === '' || text === 'None';

function identifierValue(value: unknown): RowValue {
  if (typeof value === 'string') {
    const text = value.trim();
    return isGap(text) ? null : text;
  }
  // a JSON number is turned into the text it would have been; an id past 2^53 lost its digits in
  // JSON.parse already, before any parser could see it
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  return typeof value === 'boolean' ? String(value) : null;
}

function dateValue(value: unknown): RowValue {
  if (typeof value !== 'string') return typeof value === 'number' && Number.isFinite(value) ? value : null;
  const text = value.trim();
  if (isGap(text)) return null;
  // a format not known here is passed on as sent rather than dropped
  return parseIndiaTime(text) ?? text;
}

function parseValue(key: string, value: unknown, rule: CompiledRule, depth: number): RowValue {
  if (typeof value === 'object' && value !== null) {
    if (depth >= MAX_DEPTH) {
      throw new MStockError(ErrorCode.BAD_RESPONSE, `${capitalised(rule.what)} was nested deeper than the API documents.`);
    }
    if (Array.isArray(value)) return value.map((item) => parseValue(key, item, rule, depth + 1));
    return parseObject(value as Record<string, unknown>, rule, depth + 1);
  }
  const name = keyName(key);
  if (rule.identifiers.has(name)) return identifierValue(value);
  if (rule.dates.has(name)) return dateValue(value);
  if (rule.numbers && !rule.numbers.has(name) && typeof value === 'string') return isGap(value.trim()) ? null : value;
  return parseFundValue(value);
}

function parseObject(raw: Record<string, unknown>, rule: CompiledRule, depth: number): Row {
  // fromEntries defines own properties, so a key such as "__proto__" never writes a prototype
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [toLowerCamel(key), parseValue(key, value, rule, depth)]));
}

/**
 * Turns a list endpoint's `data` into rows. `null` (and the Python SDK's `"None"`) is no rows;
 * a single object is one row, as some endpoints send one object where others send a list.
 * Anything else is MSTOCK_BAD_RESPONSE.
 */
export function parseRows(data: unknown, rule: RowRule = {}): Row[] {
  const compiled = compile(rule);
  if (data === null || data === undefined || data === 'None' || data === '') return [];
  if (!Array.isArray(data) && !isPlainObject(data)) {
    throw new MStockError(ErrorCode.BAD_RESPONSE, `${capitalised(compiled.what)} held ${typeof data} data where the API documents a list of rows.`);
  }
  const list: unknown[] = Array.isArray(data) ? data : [data];
  return list.map((row, i) => {
    if (!isPlainObject(row)) {
      throw new MStockError(ErrorCode.BAD_RESPONSE, `Row ${i + 1} of ${compiled.what} is not an object.`);
    }
    return parseObject(row, compiled, 0);
  });
}

/**
 * Write calls may answer a list holding the one envelope (`[ { status, data } ]`, seen live for
 * place order and unwrapped by OpenAlgo for modify, cancel and cancel-all; FACTS-TRADING.md §1.3).
 * Returns that envelope; any other body is returned as it is.
 */
export function unwrapReply(body: unknown): unknown {
  return Array.isArray(body) && body.length === 1 && isPlainObject(body[0]) ? body[0] : body;
}

/*
 * Date and time formats the broker is known to send (FACTS-TRADING.md and ../shared/api/samples):
 *   "2024-Nov-06 12:42:18"      order book updatetime, exchorderupdatetime (docs-draft, §2.5)
 *   "2025-Feb-11 10: 20: 34"    the same with a space after each colon (Python SDK mock order book)
 *   "2024-Nov-28"               order book and order details expirydate (§2.5, §2.6)
 *   "23-01-2025 03:14:25 PM"    order details updatetime, 12-hour clock (docs-draft, §2.6)
 *   "07-Nov-2024"               positions expirydate (docs-draft, §2.9); option chain expiry (§2.19)
 *   "14:48:23"                  trade history filltime: a time of day with no date (docs-draft, §2.8)
 *   "2025-02-01 09:45"          historical candles (Python SDK mock), intraday candles (§2.14, §2.15)
 *   "2024-01-01T09:15:00+05"    historical candles (docs-draft, §2.14): "+05" is read as India time
 *                               (+05:30 cut short): the daily bars are stamped 09:15, the market open
 *   "2024-01-06", "02-02-2025"  trades fromdate/todate as the docs and the Python example send them (§2.8)
 *   "23Oct2025"                 instrument master expiry (§2.16)
 * Epoch numbers appear only in the live feed (seconds since 1980, §3.3) and the option chain
 * master's dctExp (opaque, §2.19): they are not guessed at here.
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};
const YEAR_MONTH_DAY = /^(\d{4})[-/]([A-Za-z]{3}|\d{1,2})[-/](\d{1,2})$/;
const DAY_MONTH_YEAR = /^(\d{1,2})(?:[-/]([A-Za-z]{3}|\d{1,2})[-/]|([A-Za-z]{3}))(\d{4})$/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([AaPp][Mm])?$/;
const MERIDIEM = /^[AaPp][Mm]$/;
const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const IST_OFFSET_MINUTES = 330;

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}
interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

function monthNumber(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : (MONTHS[text.toLowerCase()] ?? 0);
}

function validDate(year: number, month: number, day: number): CalendarDate | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth ? { year, month, day } : null;
}

function parseDate(text: string): CalendarDate | null {
  const ymd = YEAR_MONTH_DAY.exec(text);
  if (ymd) return validDate(Number(ymd[1]), monthNumber(ymd[2]), Number(ymd[3]));
  const dmy = DAY_MONTH_YEAR.exec(text);
  if (dmy) return validDate(Number(dmy[4]), monthNumber(dmy[2] ?? dmy[3]), Number(dmy[1]));
  return null;
}

function parseTime(text: string, meridiem?: string): TimeOfDay | null {
  const m = TIME_OF_DAY.exec(text);
  if (!m) return null;
  const half = (m[5] ?? meridiem)?.toUpperCase();
  if (m[5] && meridiem) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] === undefined ? 0 : Number(m[3]);
  const ms = m[4] === undefined ? 0 : Math.floor(Number(`0.${m[4]}`) * 1000);
  if (half) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (half === 'PM' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return null;
  return { hour, minute, second, ms };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatDate(d: CalendarDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

function formatTime(t: TimeOfDay): string {
  return `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${t.ms ? `.${pad(t.ms, 3)}` : ''}+05:30`;
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  // "+05" alone is India time with its minutes cut off (see the list of formats above)
  if (offset === '+05') return IST_OFFSET_MINUTES;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

function fromIsoWithOffset(m: RegExpExecArray): string | null {
  const date = parseDate(m[1]);
  const time = parseTime(m[2]);
  if (!date || !time) return null;
  const offset = m[3] === undefined ? IST_OFFSET_MINUTES : offsetMinutes(m[3]);
  if (offset === IST_OFFSET_MINUTES) return `${formatDate(date)}T${formatTime(time)}`;
  const instant = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second, time.ms) - offset * 60_000;
  const india = new Date(instant + IST_OFFSET_MINUTES * 60_000);
  const inIndia = { year: india.getUTCFullYear(), month: india.getUTCMonth() + 1, day: india.getUTCDate() };
  const timeInIndia = { hour: india.getUTCHours(), minute: india.getUTCMinutes(), second: india.getUTCSeconds(), ms: india.getUTCMilliseconds() };
  return `${formatDate(inIndia)}T${formatTime(timeInIndia)}`;
}

/**
 * A broker date or time in any of the formats listed above, as ISO-8601 with the India offset:
 * "2025-02-11T10:20:34+05:30". A date alone is midnight India time that day; a time alone (the
 * trade history's fill time) is the ISO time of day "14:48:23+05:30". Null when the text is not
 * one of these formats or names a day or time that does not exist.
 */
export function parseIndiaTime(text: string): string | null {
  if (typeof text !== 'string') return null;
  const s = text.trim().replace(/\s*:\s*/g, ':').replace(/\s+/g, ' ');
  if (s === '' || s.length > 40) return null;
  const iso = ISO_WITH_OFFSET.exec(s);
  if (iso) return fromIsoWithOffset(iso);

  const parts = s.split(' ');
  const meridiem = parts.length > 1 && MERIDIEM.test(parts[parts.length - 1]) ? parts.pop() : undefined;
  if (parts.length === 1) {
    const time = parseTime(parts[0], meridiem);
    if (time) return formatTime(time);
    const date = meridiem ? null : parseDate(parts[0]);
    return date ? `${formatDate(date)}T00:00:00+05:30` : null;
  }
  if (parts.length !== 2) return null;
  // date then time as every sample has it; time then date accepted too
  for (const [datePart, timePart] of [parts, [parts[1], parts[0]]]) {
    const date = parseDate(datePart);
    const time = date && parseTime(timePart, meridiem);
    if (date && time) return `${formatDate(date)}T${formatTime(time)}`;
  }
  return null;
}
