import { ErrorCode, MStockError } from './errors';
import { describeValue, MAX_SHOWN, SMALLEST_EPOCH_MS, EARLIEST_MS, LATEST_MS, refused } from './refusal';
import { parseIndiaTime } from './rows';
import { IST_OFFSET_MS } from '../session/india-time';

/**
 * What mstock-candles reads from a message, how it splits a span into broker calls, and how it
 * reads and joins the answers. Pure: nothing is sent, time is passed in.
 */

export const CANDLE_INTERVALS = [
  'ONE_MINUTE', 'THREE_MINUTE', 'FIVE_MINUTE', 'TEN_MINUTE', 'FIFTEEN_MINUTE', 'THIRTY_MINUTE', 'ONE_HOUR', 'ONE_DAY',
] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

/** Minutes in one candle of each interval. */
const INTERVAL_MINUTES: Record<CandleInterval, number> = {
  ONE_MINUTE: 1, THREE_MINUTE: 3, FIVE_MINUTE: 5, TEN_MINUTE: 10, FIFTEEN_MINUTE: 15, THIRTY_MINUTE: 30, ONE_HOUR: 60, ONE_DAY: 1440,
};

/**
 * Days of candles one call may ask for: at most 1,000 candles of market hours (FACTS-TRADING.md
 * §2.14, as OpenAlgo chunks them: a 1-minute day of 375 candles, two days are 750).
 */
export const CHUNK_DAYS: Readonly<Record<CandleInterval, number>> = {
  ONE_MINUTE: 2, THREE_MINUTE: 8, FIVE_MINUTE: 13, TEN_MINUTE: 26, FIFTEEN_MINUTE: 40, THIRTY_MINUTE: 76, ONE_HOUR: 166, ONE_DAY: 1000,
};

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const squeeze = (text: string): string => text.toLowerCase().replace(/[\s_-]/g, '');

/** The broker's names in any case, with or without underscores, and the short forms "1m", "5min", "1h", "1d". */
const INTERVAL_NAMES: ReadonlyMap<string, CandleInterval> = new Map(
  CANDLE_INTERVALS.flatMap((interval): Array<[string, CandleInterval]> => {
    const minutes = INTERVAL_MINUTES[interval];
    const names: Array<[string, CandleInterval]> = [[squeeze(interval), interval]];
    if (minutes < 1440) names.push([`${minutes}m`, interval], [`${minutes}min`, interval]);
    if (minutes === 60) names.push(['1h', interval]);
    if (minutes === 1440) names.push(['1d', interval]);
    return names;
  }),
);

/** "YYYY-MM-DD HH:MM" in India time, the broker's fromdate/todate format. */
export function formatIndiaMinute(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** The broker's interval name for `value`, or MSTOCK_INVALID_INPUT. */
export function parseInterval(value: unknown): CandleInterval {
  const interval = typeof value === 'string' && value.length <= MAX_SHOWN ? INTERVAL_NAMES.get(squeeze(value)) : undefined;
  if (interval === undefined) {
    throw refused(
      `msg.payload.interval must be one of ${CANDLE_INTERVALS.join(', ')} (or 1m, 3m, 5m, 10m, 15m, 30m, 1h, 1d), but it was ${describeValue(value)}.`,
    );
  }
  return interval;
}

/**
 * An instant from a Date, epoch milliseconds, or a text parseIndiaTime reads that holds a date
 * (ISO-8601, "YYYY-MM-DD", "YYYY-MM-DD HH:MM", …; no offset means India time). A day alone is
 * that day's India midnight, or for `to` the day's last minute, so `to: "2025-01-31"` takes in
 * the 31st.
 */
function instantOf(value: unknown, field: 'from' | 'to'): number {
  const name = `msg.payload.${field}`;
  let ms = Number.NaN;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'number') {
    if (Number.isFinite(value) && Math.abs(value) < SMALLEST_EPOCH_MS) {
      throw refused(`${name} ${value} is not a date in epoch milliseconds (is it in seconds?). Send a Date, "YYYY-MM-DD HH:MM" or epoch milliseconds.`);
    }
    ms = value;
  } else if (typeof value === 'string' && value.length <= MAX_SHOWN) {
    const iso = parseIndiaTime(value);
    // a time of day alone has no date, and Date.parse refuses it
    ms = iso === null ? Number.NaN : Date.parse(iso);
    if (field === 'to' && iso !== null && !value.includes(':') && iso.endsWith('T00:00:00+05:30')) ms += DAY_MS - MINUTE_MS;
  }
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) {
    throw refused(
      `${name} must be a date: a Date, "YYYY-MM-DD", "YYYY-MM-DD HH:MM" (India time), an ISO-8601 text such as "2025-01-06T09:15:00+05:30", or epoch milliseconds; it was ${describeValue(value)}.`,
    );
  }
  return ms;
}

export interface CandleRequest {
  /** msg.payload.instrument as it came: resolved elsewhere. */
  instrument: unknown;
  interval: CandleInterval;
  /** True when no `from` was given: today's candles from the intraday call, not the historical one. */
  intraday: boolean;
  /** Epoch ms; for intraday, today's India midnight. */
  fromMs: number;
  /** Epoch ms; never later than now. */
  toMs: number;
}

/**
 * `msg.payload` `{ instrument, interval, from, to }` of mstock-candles. `to` defaults to now and
 * is cut to now (no candle exists later); no `from` asks for today's intraday candles.
 */
export function parseCandleRequest(payload: unknown, now: number): CandleRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || payload instanceof Date) {
    throw refused(`msg.payload must be an object { instrument, interval, from, to }, but it was ${describeValue(payload)}.`);
  }
  const given = payload as Record<string, unknown>;
  const interval = parseInterval(given.interval);
  const absent = (value: unknown): boolean => value === undefined || value === null || value === '';
  const toMs = absent(given.to) ? now : Math.min(instantOf(given.to, 'to'), now);
  if (absent(given.from)) {
    const todayStart = Math.floor((now + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
    if (toMs < todayStart) {
      throw refused(
        `msg.payload.to (${formatIndiaMinute(toMs)}) is before today, but without msg.payload.from the candles are today's (intraday): give from as well.`,
      );
    }
    return { instrument: given.instrument, interval, intraday: true, fromMs: todayStart, toMs };
  }
  const fromMs = instantOf(given.from, 'from');
  if (fromMs > toMs) {
    const why = toMs === now ? 'is in the future' : `is after msg.payload.to (${formatIndiaMinute(toMs)})`;
    throw refused(`msg.payload.from (${formatIndiaMinute(fromMs)}) ${why}: the first candle must come first.`);
  }
  return { instrument: given.instrument, interval, intraday: false, fromMs, toMs };
}

export interface CandleChunk {
  /** "YYYY-MM-DD HH:MM", India time. */
  fromdate: string;
  todate: string;
}

/**
 * The historical calls for [fromMs, toMs], oldest first, each at most CHUNK_DAYS of the interval.
 * `from` is taken down and `to` up to whole minutes (the broker's dates have no seconds). Each
 * chunk starts at the minute the one before ends, so no candle falls between two: a candle at
 * that minute may come in both answers, and mergeCandles keeps it once.
 */
export function planChunks(interval: CandleInterval, fromMs: number, toMs: number): CandleChunk[] {
  if (!(interval in CHUNK_DAYS)) throw new TypeError(`Unknown candle interval ${String(interval)}.`);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs > toMs) {
    throw new RangeError(`A candle span runs from an instant to a later one, not from ${fromMs} to ${toMs}.`);
  }
  const span = CHUNK_DAYS[interval] * DAY_MS;
  const first = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const last = Math.ceil(toMs / MINUTE_MS) * MINUTE_MS;
  const chunks: CandleChunk[] = [];
  let start = first;
  do {
    const end = Math.min(start + span, last);
    chunks.push({ fromdate: formatIndiaMinute(start), todate: formatIndiaMinute(end) });
    start = end;
  } while (start < last);
  return chunks;
}

export interface Candle {
  /** ISO-8601 with the India offset, e.g. "2025-02-01T09:45:00+05:30". */
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(sentence: string): MStockError {
  return new MStockError(ErrorCode.BAD_RESPONSE, sentence);
}

/** Epoch seconds or milliseconds (by size, as in instantOf) as India ISO time. */
function epochTime(value: number): string | null {
  const ms = Math.abs(value) < SMALLEST_EPOCH_MS ? value * 1000 : value;
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) return null;
  return new Date(ms + IST_OFFSET_MS).toISOString().replace(/(\.000)?Z$/, '+05:30');
}

function candleTime(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? epochTime(value) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{9,13}$/.test(text)) return epochTime(Number(text));
  const iso = parseIndiaTime(text);
  // a time of day alone ("14:48:23+05:30") names no candle
  return iso !== null && iso.includes('T') ? iso : null;
}

function candleNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) return Number(value.trim());
  return null;
}

/**
 * The broker's `data` of a historical or intraday call: `data.candles` rows
 * `[time, open, high, low, close, volume]` (a column after volume is ignored). `null`, "None",
 * or no candles is no candles; anything else that is not such a row is MSTOCK_BAD_RESPONSE.
 */
export function parseCandles(data: unknown): Candle[] {
  if (data === null || data === undefined || data === 'None' || data === '') return [];
  if (!isPlainObject(data)) throw bad(`The candle answer held ${describeValue(data)} where the API documents { candles: [...] }.`);
  const rows = data.candles;
  if (rows === null || rows === undefined || rows === 'None') return [];
  if (!Array.isArray(rows)) throw bad(`The candle answer's candles were ${describeValue(rows)} where the API documents a list of rows.`);
  return rows.map((row: unknown, i) => {
    const where = `Candle ${i + 1} of ${rows.length}`;
    if (!Array.isArray(row) || row.length < 6) {
      throw bad(`${where} is ${Array.isArray(row) ? `a list of ${row.length}` : describeValue(row)}, not [time, open, high, low, close, volume].`);
    }
    const time = candleTime(row[0]);
    if (time === null) throw bad(`${where} has the time ${describeValue(row[0])}, which is not a date and time.`);
    const candle = { time } as Candle;
    FIELDS.forEach((field, k) => {
      const n = candleNumber(row[k + 1]);
      if (n === null) throw bad(`${where} (${time}) has the ${field} ${describeValue(row[k + 1])}, which is not a number.`);
      candle[field] = n;
    });
    return candle;
  });
}

/**
 * The candles of several answers as one list: oldest first, one candle per instant (of two at
 * the same instant, the one from the later answer), otherwise in the order they came.
 */
export function mergeCandles(chunks: ReadonlyArray<readonly Candle[]>): Candle[] {
  const byInstant = new Map<number, Candle>();
  for (const chunk of chunks) {
    for (const candle of chunk) {
      const instant = Date.parse(candle.time);
      byInstant.delete(instant);
      byInstant.set(instant, candle);
    }
  }
  // Array.prototype.sort is stable; instants are distinct here
  return [...byInstant.entries()].sort(([a], [b]) => a - b).map(([, candle]) => candle);
}
