import { ErrorCode, MStockError, isMStockError } from './errors';
import type { Exchange, Instrument, InstrumentMaster } from './instruments';
import { MAX_SHOWN, SMALLEST_EPOCH_MS, describeValue, refused } from './refusal';
import { parseRows, Row } from './rows';

/**
 * What mstock-quote reads from a message, the quote calls it makes of it (FACTS-TRADING.md §2.13)
 * and how it reads the answers back into the order asked. Pure: nothing is sent here.
 */

export const QUOTE_MODES = ['LTP', 'OHLC', 'FULL'] as const;
export type QuoteMode = (typeof QUOTE_MODES)[number];

/** Tokens in one quote call, over all exchanges: OpenAlgo's batch size, used in production. */
export const MAX_TOKENS_PER_QUOTE = 500;

/** The body of one quote call. */
export interface QuoteBody {
  mode: QuoteMode;
  /** Exchange → token strings, e.g. { NSE: ["3045"], BSE: ["500410"] }. */
  exchangeTokens: Partial<Record<Exchange, string[]>>;
}

export interface QuoteBatch {
  body: QuoteBody;
  /** The instruments of this call, each once, in the order first asked. */
  instruments: Instrument[];
}

/** An instrument mStock did not quote, as msg.unfetched lists it. */
export interface Unfetched {
  exchange: Exchange;
  token: string;
  symbol: string;
  message: string;
}

/** Per instrument (by instrumentKey): its quote as an output row, or why mStock gave none. */
export type QuoteAnswers = Map<string, Row | string>;

/** The instruments one message asks for, and where they came from, for error messages. */
export interface AskedInstruments {
  items: unknown[];
  /** "msg.payload" or "the node's Instruments list". */
  source: string;
  /** msg.payload held one instrument, not a list. */
  single: boolean;
}

export const OWN_LIST = "the node's Instruments list";
const NO_ANSWER = "mStock's answer did not mention this instrument: it was neither quoted nor listed as unfetched.";
/** Unknown instruments named in one error beyond the first. */
const MORE_NAMED = 5;

export const instrumentKey = (instrument: Pick<Instrument, 'exchange' | 'token'>): string => `${instrument.exchange}:${instrument.token}`;

/** The node's own list as typed in the editor: instruments separated by commas or new lines. */
export function splitInstrumentList(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  return text
    .split(/[,\n\r]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * A payload that names no instrument and only sets the node off: nothing, true/false, an empty
 * text, or an inject node's timestamp (whole epoch milliseconds).
 */
function isTrigger(payload: unknown): boolean {
  if (payload === undefined || payload === null || typeof payload === 'boolean') return true;
  if (typeof payload === 'string') return payload.trim() === '';
  return typeof payload === 'number' && Number.isInteger(payload) && payload >= SMALLEST_EPOCH_MS;
}

/**
 * The instruments of one message: msg.payload (one instrument in any form, or a list of them),
 * or the node's own list when msg.payload is only a trigger (see isTrigger). An empty list in
 * msg.payload asks for nothing; a trigger when the node's list is empty is MSTOCK_INVALID_INPUT.
 */
export function instrumentsToQuote(payload: unknown, ownList: unknown): AskedInstruments {
  if (Array.isArray(payload)) return { items: payload, source: 'msg.payload', single: false };
  if (!isTrigger(payload)) return { items: [payload], source: 'msg.payload', single: true };
  const items = splitInstrumentList(ownList);
  if (items.length === 0) {
    throw refused(
      `msg.payload names no instrument (it was ${describeValue(payload)}) and ${OWN_LIST} is empty: ` +
        'send an instrument in msg.payload, e.g. "NSE:SBIN-EQ", or a list of them, or fill in the node\'s list.',
    );
  }
  return { items, source: OWN_LIST, single: false };
}

function shortForm(item: unknown): string {
  if (typeof item === 'string') return describeValue(item);
  let text: string | undefined;
  try {
    text = JSON.stringify(item);
  } catch {
    text = undefined;
  }
  if (text === undefined) return describeValue(item);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

/**
 * Every instrument resolved through the master, before anything is sent. Any that cannot be
 * resolved is MSTOCK_INVALID_INPUT naming it and its place (and the first few others).
 */
export function resolveInstruments(master: InstrumentMaster, asked: AskedInstruments): Instrument[] {
  const resolved: Instrument[] = [];
  const failures: { place: number; item: unknown; err: MStockError }[] = [];
  asked.items.forEach((item, i) => {
    try {
      resolved.push(master.resolve(item));
    } catch (err) {
      if (!isMStockError(err) || err.code !== ErrorCode.INVALID_INPUT) throw err;
      failures.push({ place: i + 1, item, err });
    }
  });
  if (failures.length === 0) return resolved;
  const [first, ...others] = failures;
  const where = asked.single ? asked.source : `Instrument ${first.place} of ${asked.items.length} in ${asked.source}`;
  let sentence = `${where}: ${first.err.message}`;
  if (others.length > 0) {
    const named = others.slice(0, MORE_NAMED).map((f) => `${f.place} (${shortForm(f.item)})`);
    const rest = others.length > MORE_NAMED ? ` and ${others.length - MORE_NAMED} more` : '';
    sentence += ` Instrument${others.length > 1 ? 's' : ''} ${named.join(', ')}${rest} cannot be used either.`;
  }
  throw refused(sentence);
}

/**
 * The quote calls for `instruments`: each instrument once however often it was asked, at most
 * MAX_TOKENS_PER_QUOTE tokens a call, in the order first asked.
 */
export function planQuoteBatches(mode: QuoteMode, instruments: readonly Instrument[]): QuoteBatch[] {
  const distinct = new Map<string, Instrument>();
  for (const instrument of instruments) {
    const key = instrumentKey(instrument);
    if (!distinct.has(key)) distinct.set(key, instrument);
  }
  const all = [...distinct.values()];
  const batches: QuoteBatch[] = [];
  for (let start = 0; start < all.length; start += MAX_TOKENS_PER_QUOTE) {
    const part = all.slice(start, start + MAX_TOKENS_PER_QUOTE);
    const exchangeTokens: Partial<Record<Exchange, string[]>> = {};
    for (const { exchange, token } of part) (exchangeTokens[exchange] ??= []).push(token);
    batches.push({ body: { mode, exchangeTokens }, instruments: part });
  }
  return batches;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badAnswer(sentence: string): MStockError {
  return new MStockError(ErrorCode.BAD_RESPONSE, `mStock's answer to the quote request ${sentence}`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `data.fetched` or `data.unfetched`: a list of objects; null (or, for unfetched, nothing) is none. */
function listOf(data: Record<string, unknown>, key: 'fetched' | 'unfetched'): Record<string, unknown>[] {
  const list = data[key];
  if (list === null || (list === undefined && key === 'unfetched')) return [];
  if (!Array.isArray(list)) throw badAnswer(`held ${list === undefined ? 'no' : kindOf(list)} data.${key} where the API documents a list.`);
  list.forEach((row, i) => {
    if (!isPlainObject(row)) throw badAnswer(`held ${kindOf(row)} as row ${i + 1} of data.${key} where the API documents an object.`);
  });
  return list as Record<string, unknown>[];
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

interface Candidate<T> {
  exchange: string;
  symbol: string;
  value: T;
  taken: boolean;
}

interface BrokerRow<T> {
  token: string;
  exchange: string;
  symbol: string;
  value: T;
}

/**
 * Pairs the broker's rows with the instruments asked that `answers` has no answer for yet, by
 * token: first where the exchange agrees too, then by the token alone (mStock may say NSE for an
 * NFO contract, FACTS-TRADING.md §1.6). Where several rows fit, one with the instrument's trading
 * symbol is taken first; each row answers one instrument.
 */
function pairByToken<T>(instruments: readonly Instrument[], rows: readonly BrokerRow<T>[], answer: (instrument: Instrument, value: T) => void, answered: (key: string) => boolean): void {
  const byToken = new Map<string, Candidate<T>[]>();
  for (const row of rows) {
    if (row.token === '') continue;
    const list = byToken.get(row.token) ?? [];
    list.push({ exchange: row.exchange.toUpperCase(), symbol: row.symbol.toUpperCase(), value: row.value, taken: false });
    byToken.set(row.token, list);
  }
  for (const sameExchange of [true, false]) {
    for (const instrument of instruments) {
      if (answered(instrumentKey(instrument))) continue;
      const fits = (byToken.get(instrument.token) ?? []).filter((c) => !c.taken && (!sameExchange || c.exchange === instrument.exchange));
      const pick = fits.find((c) => c.symbol === instrument.symbol.toUpperCase()) ?? fits[0];
      if (!pick) continue;
      pick.taken = true;
      answer(instrument, pick.value);
    }
  }
}

/** An output row: the master's exchange, token and symbol, then the broker's other keys by the values rule. */
function quoteRow(instrument: Instrument, parsed: Row): Row {
  const rest = Object.entries(parsed).filter(([key]) => !IDENTITY_KEYS.has(key));
  // fromEntries defines own properties, so a key such as "__proto__" never writes a prototype
  return Object.fromEntries([['exchange', instrument.exchange], ['token', instrument.token], ['symbol', instrument.symbol], ...rest]);
}

/** The broker's keys for what the master's exchange, token and symbol replace. */
const IDENTITY_KEYS: ReadonlySet<string> = new Set(['exchange', 'token', 'symbol', 'tradingSymbol', 'tradingsymbol', 'symbolToken', 'symboltoken']);

/** mStock's words for an unfetched row, or its code when it gave no words. */
function reasonOf(row: Record<string, unknown>): string {
  const message = text(row.message);
  if (message !== '') return message;
  const code = text(row.errorCode ?? row.errorcode);
  return code === '' ? 'mStock could not quote it, and gave no reason.' : `mStock could not quote it (${code}).`;
}

/**
 * One quote call's `data` (`{ fetched: [...], unfetched: [...] }`) read for the instruments of its
 * batch: each one's output row, or the reason it has none (mStock's message for an unfetched
 * row). Instruments the answer does not mention are left out. Any other shape is MSTOCK_BAD_RESPONSE.
 */
export function readQuoteAnswer(batch: QuoteBatch, data: unknown): QuoteAnswers {
  if (!isPlainObject(data)) throw badAnswer(`held ${kindOf(data)} data where the API documents { fetched, unfetched }.`);
  const fetched = listOf(data, 'fetched');
  const unfetched = listOf(data, 'unfetched');
  const answers: QuoteAnswers = new Map();
  const answered = (key: string) => answers.has(key);
  const rows = parseRows(fetched, { what: 'the quote answer' });
  pairByToken(
    batch.instruments,
    rows.map((row) => ({ token: text(row.symbolToken ?? row.symboltoken), exchange: text(row.exchange), symbol: text(row.tradingSymbol ?? row.tradingsymbol), value: row })),
    (instrument, row) => answers.set(instrumentKey(instrument), quoteRow(instrument, row)),
    answered,
  );
  pairByToken(
    batch.instruments,
    unfetched.map((row) => ({ token: text(row.symbolToken ?? row.symboltoken), exchange: text(row.exchange), symbol: text(row.tradingSymbol), value: reasonOf(row) })),
    (instrument, reason) => answers.set(instrumentKey(instrument), reason),
    answered,
  );
  return answers;
}

/**
 * The quotes in the order asked (an instrument asked twice is answered at each place, each its
 * own object), and the instruments without one, each once, in the order first asked.
 */
export function quotesInOrder(asked: readonly Instrument[], answers: ReadonlyMap<string, Row | string>): { quotes: Row[]; unfetched: Unfetched[] } {
  const quotes: Row[] = [];
  const unfetched: Unfetched[] = [];
  const seen = new Set<string>();
  for (const instrument of asked) {
    const key = instrumentKey(instrument);
    const answer = answers.get(key);
    const again = seen.has(key);
    seen.add(key);
    if (typeof answer === 'object') quotes.push(again ? structuredClone(answer) : answer);
    else if (!again) unfetched.push({ exchange: instrument.exchange, token: instrument.token, symbol: instrument.symbol, message: answer ?? NO_ANSWER });
  }
  return { quotes, unfetched };
}
