import { PUBLISHED_LIMITS } from '../account/rate-limiter';
import {
  Candle, CANDLE_INTERVALS, CandleInterval, CandleRequest, CHUNK_DAYS, formatIndiaMinute, mergeCandles, parseCandleRequest, parseCandles, parseInterval, planChunks,
} from '../api/candles';
import { isMStockError, MStockError } from '../api/errors';
import { REST_EXCHANGE_CODE } from '../api/instruments';
import { refused } from '../api/refusal';
import type { AccountSession } from '../session/session';
import { choiceFor, FROM_MSG } from './choice';

/**
 * What mstock-candles does for one message: reads it, resolves the instrument, fetches the
 * candles (one call for today's, chunks one after another for a span) and joins them.
 */

/** The most calls one message may cost; past it the fetch is refused before anything is sent. */
export const MAX_CANDLE_CALLS = 1000;

/** The data limit's pace: one call a second (PRODUCT.md "Rate limits"). */
const MS_PER_DATA_CALL = Math.max(...PUBLISHED_LIMITS.data.map(({ limit, spanMs }) => spanMs / limit));

export interface CandleIntervalChoice {
  /** The node's own interval, or msg.interval; undefined leaves it to msg.payload.interval. */
  interval?: CandleInterval;
  /** The message gave an interval other than the node's own, which wins. */
  ignored: boolean;
}

/**
 * The interval for a message. The node's own one wins over the message's; with "set by
 * msg.interval", msg.interval if the message has one, else msg.payload.interval.
 */
export function candleIntervalFor(configured: string | undefined, msg: { interval?: unknown; payload?: unknown }): CandleIntervalChoice {
  const payload = msg.payload;
  const inPayload = typeof payload === 'object' && payload !== null ? (payload as { interval?: unknown }).interval : undefined;
  const fromMsg = configured === undefined || configured === '' || configured === FROM_MSG;
  if (fromMsg) {
    return { interval: msg.interval === undefined ? undefined : choiceFor(FROM_MSG, msg, 'interval', CANDLE_INTERVALS), ignored: false };
  }
  const interval = choiceFor(configured, msg, 'interval', CANDLE_INTERVALS);
  const given = [msg.interval, inPayload].filter((value) => value !== undefined && value !== null && value !== '');
  const same = (value: unknown) => {
    try {
      return parseInterval(value) === interval;
    } catch {
      return false;
    }
  };
  return { interval, ignored: given.some((value) => !same(value)) };
}

/** `msg.payload` with the interval chosen for it; the payload itself when it is not an object (parseCandleRequest says so). */
export function readCandleRequest(payload: unknown, interval: CandleInterval | undefined, now: number): CandleRequest {
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload) && !(payload instanceof Date);
  return parseCandleRequest(isObject && interval !== undefined ? { ...payload, interval } : payload, now);
}

function about(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 2) return `${Math.ceil(ms / 1000)} seconds`;
  if (minutes < 120) return `${minutes} minutes`;
  return `${(ms / 3_600_000).toFixed(1)} hours`;
}

const count = (n: number): string => n.toLocaleString('en-US');

export interface FetchProgress {
  /** Called before each call of a fetch of more than one: `call` of `calls` is under way. */
  progress(call: number, calls: number): void;
  /** Aborted when the node closes: no further call is sent. */
  signal: AbortSignal;
}

/**
 * The candles `request` asks for, oldest first, one per instant, only those within
 * [from, to]. Today's come from one intraday call; a span from historical calls of at most
 * 1,000 candles each, sent one at a time (the account's limiter spaces them at the data limit).
 * A span of more than MAX_CANDLE_CALLS calls, or an instrument not in the master, is refused
 * with nothing sent. A failed call fails the whole fetch, naming the call.
 */
export async function fetchCandles(session: AccountSession, request: CandleRequest, { progress, signal }: FetchProgress): Promise<Candle[]> {
  const { interval, fromMs, toMs } = request;
  const chunks = request.intraday ? [] : planChunks(interval, fromMs, toMs);
  if (chunks.length > MAX_CANDLE_CALLS) {
    const days = count(MAX_CANDLE_CALLS * CHUNK_DAYS[interval]);
    throw refused(
      `${interval} candles from ${formatIndiaMinute(fromMs)} to ${formatIndiaMinute(toMs)} (India time) need ${count(chunks.length)} calls to mStock ` +
        `(each at most 1,000 candles), which at mStock's data limit of one call a second would take about ${about(chunks.length * MS_PER_DATA_CALL)} ` +
        `and hold back every other candle call of the account meanwhile. Ask for at most ${count(MAX_CANDLE_CALLS)} calls' worth at a time ` +
        `(for ${interval}, ${days} days) in several messages, or use a longer interval.`,
    );
  }
  const master = await session.instruments();
  const instrument = master.resolve(request.instrument);
  const within = (candle: Candle) => {
    const instant = Date.parse(candle.time);
    return instant >= fromMs && instant <= toMs;
  };

  // once the node closes, `signal` keeps every further call from being sent: the limiter refuses it
  if (request.intraday) {
    const body = { exchange: String(REST_EXCHANGE_CODE[instrument.exchange]), symboltoken: instrument.token, interval };
    const envelope = await session.call('intraday', { body, signal });
    return mergeCandles([parseCandles(envelope.data)]).filter(within);
  }

  const answers: Candle[][] = [];
  for (const [i, chunk] of chunks.entries()) {
    if (chunks.length > 1) progress(i + 1, chunks.length);
    const body = { exchange: instrument.exchange, symboltoken: instrument.token, interval, fromdate: chunk.fromdate, todate: chunk.todate };
    try {
      const envelope = await session.call('historical', { body, signal });
      answers.push(parseCandles(envelope.data));
    } catch (err) {
      if (!isMStockError(err) || chunks.length === 1) throw err;
      const which = `call ${i + 1} of ${chunks.length}, ${chunk.fromdate} to ${chunk.todate}`;
      throw new MStockError(err.code, `${err.message.replace(/\.?$/, '')} (candle ${which}; no candles were sent on).`, {
        httpStatus: err.httpStatus,
        brokerCode: err.brokerCode,
      });
    }
  }
  return mergeCandles(answers).filter(within);
}
