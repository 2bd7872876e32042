import { ErrorCode, MStockError } from './errors';

/** The exchanges of PRODUCT.md "Instruments". */
export const EXCHANGES = ['NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'MCX'] as const;
export type Exchange = (typeof EXCHANGES)[number];

/**
 * The REST numeric exchange codes (intraday chart, option chain paths, gainers/losers;
 * FACTS-TRADING.md §1.5). MCX `6` is OpenAlgo's guess, not documented.
 */
export const REST_EXCHANGE_CODE: Readonly<Record<Exchange, number>> = { NSE: 1, NFO: 2, CDS: 3, BSE: 4, BFO: 5, MCX: 6 };

/**
 * The live feed's `exchangeType` (FACTS-TRADING.md §1.5): a different scheme from the REST codes.
 * MCX is undocumented: `5` is a guess taken from OpenAlgo, which logs a warning when it uses it.
 */
export const FEED_EXCHANGE_TYPE: Readonly<Record<Exchange, number>> = { NSE: 1, NFO: 2, BSE: 3, BFO: 4, CDS: 13, MCX: 5 };

/** One row of the instrument master, as the nodes show it (PRODUCT.md, `mstock-instruments`). */
export interface Instrument {
  exchange: Exchange;
  /** The broker's token, a string of digits. */
  token: string;
  /** The trading symbol users type: "SBIN-EQ", "SENSEX25O2382700CE" (the master's `name`). */
  symbol: string;
  /** The underlying or company: "SBIN", "SENSEX" (the master's `symbol`). */
  name: string;
  /** The master's `instrumenttype`: "OPTIDX", "FUTSTK", … ("" where the master leaves it empty). */
  type: string;
  /** ISO date "2025-10-23", or null for instruments that do not expire. */
  expiry: string | null;
  /** In rupees; 0 for instruments without a strike. */
  strike: number;
  lotSize: number;
  tickSize: number;
}

/** An instrument as a user may name it (PRODUCT.md "Instruments"). */
export type InstrumentRef =
  | string
  | { exchange: string; symbol: string; token?: string | number }
  | { exchange: string; token: string | number; symbol?: string };

export type InstrumentQuery = string | number | { exchange?: string; symbol?: string; token?: string | number; name?: string };

const EXCHANGE_SET: ReadonlySet<string> = new Set(EXCHANGES);
/** Currency and interest-rate contracts come with `exch_seg` NSE or BSE (FACTS-TRADING.md §2.16). */
const CURRENCY_TYPES: ReadonlySet<string> = new Set(['OPTCUR', 'FUTCUR', 'OPTIRC', 'FUTIRC', 'FUTIRT']);
// the defaults OpenAlgo uses where the master leaves a column empty
const DEFAULT_LOT_SIZE = 1;
const DEFAULT_TICK_SIZE = 0.05;

const MONTHS: Readonly<Record<string, string>> = {
  JAN: '01', FEB: '02', MAR: '03', APR: '04', MAY: '05', JUN: '06', JUL: '07', AUG: '08', SEP: '09', OCT: '10', NOV: '11', DEC: '12',
};
const EXPIRY_DMY = /^(\d{1,2})[-\s]?([A-Za-z]{3})[-\s]?(\d{4})$/;
const EXPIRY_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

function parseExpiry(text: string): string | null {
  if (text === '') return null;
  const dmy = EXPIRY_DMY.exec(text);
  if (dmy) {
    const month = MONTHS[dmy[2].toUpperCase()];
    return month ? checkedDate(dmy[3], month, dmy[1].padStart(2, '0')) : null;
  }
  const iso = EXPIRY_ISO.exec(text);
  return iso ? checkedDate(iso[1], iso[2], iso[3]) : null;
}

function checkedDate(year: string, month: string, day: string): string | null {
  const iso = `${year}-${month}-${day}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : null;
}

function numberOr(text: string, fallback: number): number {
  if (text === '') return fallback;
  const n = Number(text);
  return Number.isFinite(n) ? n : fallback;
}

function isPrintableAscii(code: number): boolean {
  return code > 32 && code < 127;
}

function field(value: unknown): string {
  if (typeof value === 'string') {
    // most fields start and end with a printable ASCII character: skip trim()'s copy
    return value === '' || (isPrintableAscii(value.charCodeAt(0)) && isPrintableAscii(value.charCodeAt(value.length - 1))) ? value : value.trim();
  }
  return value === null || value === undefined ? '' : String(value).trim();
}

/** The master's columns, in the order `instrumentFrom` takes them. */
const COLUMNS = ['token', 'symbol', 'name', 'expiry', 'strike', 'lotsize', 'instrumenttype', 'exch_seg', 'tick_size'] as const;

/**
 * Builds one instrument from the master's nine columns (already trimmed), or undefined for a row
 * the package cannot use: an exchange it does not trade or a row without token or trading symbol.
 */
function instrumentFrom(
  expiries: Map<string, string | null>,
  token: string, underlying: string, tradingSymbol: string, expiry: string, strike: string,
  lotSize: string, type: string, segment: string, tickSize: string,
): Instrument | undefined {
  if (token === '' || tradingSymbol === '') return undefined;
  let exchange = segment.toUpperCase();
  if (!EXCHANGE_SET.has(exchange)) return undefined;
  if ((exchange === 'NSE' || exchange === 'BSE') && CURRENCY_TYPES.has(type.toUpperCase())) exchange = 'CDS';
  let isoExpiry = expiries.get(expiry);
  if (isoExpiry === undefined) {
    isoExpiry = parseExpiry(expiry);
    expiries.set(expiry, isoExpiry);
  }
  return {
    exchange: exchange as Exchange,
    token,
    symbol: tradingSymbol,
    name: underlying,
    type,
    expiry: isoExpiry,
    strike: numberOr(strike, 0),
    lotSize: numberOr(lotSize, DEFAULT_LOT_SIZE),
    tickSize: numberOr(tickSize, DEFAULT_TICK_SIZE),
  };
}

function fromObjects(list: readonly unknown[]): Instrument[] {
  const expiries = new Map<string, string | null>();
  const out: Instrument[] = [];
  for (const item of list) {
    if (item === null || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    const row = instrumentFrom(
      expiries, field(r.token), field(r.symbol), field(r.name), field(r.expiry), field(r.strike),
      field(r.lotsize), field(r.instrumenttype), field(r.exch_seg), field(r.tick_size),
    );
    if (row) out.push(row);
  }
  return out;
}

/** Splits one CSV record that holds quotes; `open` is true when a quoted field runs past the line. */
function splitQuoted(line: string): { fields: string[]; open: boolean } {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          current += '"';
          i++;
        } else quoted = false;
      } else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  fields.push(current);
  return { fields, open: quoted };
}

function fromCsv(text: string): Instrument[] {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first === lines.length) return [];
  const header = splitQuoted(lines[first].replace(/^\uFEFF/, '').replace(/\r$/, '')).fields.map((h) => h.trim().toLowerCase());
  const at = COLUMNS.map((name) => header.indexOf(name));
  const missing = COLUMNS.filter((_name, i) => at[i] < 0);
  if (missing.length > 0) {
    throw new MStockError(ErrorCode.BAD_RESPONSE, `The instrument master's CSV header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
  }
  const [iToken, iSymbol, iName, iExpiry, iStrike, iLot, iType, iSeg, iTick] = at;
  const expiries = new Map<string, string | null>();
  const out: Instrument[] = [];
  for (let n = first + 1; n < lines.length; n++) {
    let line = lines[n];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    let fields: string[];
    if (line.indexOf('"') < 0) fields = line.split(',');
    else {
      let split = splitQuoted(line);
      // a quoted field holding a line break: the record goes on over the next lines
      while (split.open && n + 1 < lines.length) {
        n++;
        line += `\n${lines[n].replace(/\r$/, '')}`;
        split = splitQuoted(line);
      }
      fields = split.fields;
    }
    const get = (i: number): string => (fields[i] === undefined ? '' : fields[i].trim());
    const row = instrumentFrom(expiries, get(iToken), get(iSymbol), get(iName), get(iExpiry), get(iStrike), get(iLot), get(iType), get(iSeg), get(iTick));
    if (row) out.push(row);
  }
  return out;
}

/**
 * The scrip master download in either form FACTS-TRADING.md §2.16 lists: the parsed top-level
 * JSON array of objects, or the body as text (CSV with a header row, or JSON text). A `{ data }`
 * envelope around the array is accepted too. Rows on exchanges the package does not trade, and
 * rows without token or trading symbol, are left out. Anything else is MSTOCK_BAD_RESPONSE.
 */
export function parseScripMaster(body: unknown): Instrument[] {
  if (body instanceof Uint8Array) return parseScripMaster(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  if (Array.isArray(body)) return fromObjects(body);
  if (typeof body === 'string') {
    const start = body.trimStart().replace(/^\uFEFF/, '')[0];
    if (start === '[' || start === '{') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.replace(/^\uFEFF/, ''));
      } catch {
        throw new MStockError(ErrorCode.BAD_RESPONSE, "mStock's instrument master looked like JSON but could not be parsed.");
      }
      return parseScripMaster(parsed);
    }
    return fromCsv(body);
  }
  if (body !== null && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)) {
    return fromObjects((body as { data: unknown[] }).data);
  }
  throw new MStockError(ErrorCode.BAD_RESPONSE, `mStock's instrument master came as ${body === null ? 'null' : typeof body}, not a list of instruments.`);
}

/** The exchange in upper case, or undefined when it is not one the package knows. */
export function toExchange(text: unknown): Exchange | undefined {
  if (typeof text !== 'string') return undefined;
  const upper = text.trim().toUpperCase();
  return EXCHANGE_SET.has(upper) ? (upper as Exchange) : undefined;
}

const FORMS = 'an instrument is "NSE:SBIN-EQ", "NSE:3045", { exchange, symbol } or { exchange, token }';

/** A short, printable form of what the user gave, for error messages. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(message: string): MStockError {
  return new MStockError(ErrorCode.INVALID_INPUT, message);
}

function exchangeOf(value: unknown, given: unknown): Exchange {
  const exchange = toExchange(value);
  if (exchange) return exchange;
  if (value === undefined || value === null || value === '') throw invalid(`No exchange in ${shown(given)}: ${FORMS}.`);
  throw invalid(`Unknown exchange ${shown(value)} in ${shown(given)}: use ${EXCHANGES.join(', ')}.`);
}

/** A token as a string of digits: a string, or a number only when it is a safe integer. */
function tokenOf(value: unknown, given: unknown): string {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
    throw invalid(`The token ${shown(value)} in ${shown(given)} is not a whole number that can be kept exactly: give it as a string.`);
  }
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  throw invalid(`The token in ${shown(given)} is not a string or number: ${FORMS}.`);
}

function copy(row: Instrument): Instrument {
  return { ...row };
}

/**
 * The broker's instrument master in memory: looked up by exchange and trading symbol (any case)
 * or by exchange and token. Where the master lists one key twice, the first row wins. Every
 * answer is a copy, so a flow that changes it does not change the master.
 */
export class InstrumentMaster {
  private readonly rows: readonly Instrument[];
  private readonly bySymbol = new Map<Exchange, Map<string, Instrument>>();
  private readonly byToken = new Map<Exchange, Map<string, Instrument>>();
  private upperSymbols: string[] | undefined;
  private upperNames: string[] | undefined;

  constructor(rows: readonly Instrument[]) {
    this.rows = rows;
    for (const exchange of EXCHANGES) {
      this.bySymbol.set(exchange, new Map());
      this.byToken.set(exchange, new Map());
    }
    // last to first, so that where a key repeats the first row's set() is the one that stays
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i];
      const symbols = this.bySymbol.get(row.exchange);
      const tokens = this.byToken.get(row.exchange);
      if (!symbols || !tokens) continue;
      symbols.set(row.symbol.toUpperCase(), row);
      tokens.set(row.token, row);
    }
  }

  /** Parses a download (see parseScripMaster) and builds the master from it. */
  static fromDownload(body: unknown): InstrumentMaster {
    return new InstrumentMaster(parseScripMaster(body));
  }

  get size(): number {
    return this.rows.length;
  }

  /** The row by exchange and trading symbol (any case), or undefined. */
  findBySymbol(exchange: Exchange, symbol: string): Instrument | undefined {
    const row = this.bySymbol.get(exchange)?.get(symbol.trim().toUpperCase());
    return row && copy(row);
  }

  /** The row by exchange and token, or undefined. */
  findByToken(exchange: Exchange, token: string): Instrument | undefined {
    const row = this.byToken.get(exchange)?.get(token.trim());
    return row && copy(row);
  }

  /**
   * The row an instrument names, in any form of PRODUCT.md "Instruments". "NSE:3045" is a token
   * when the master has one, else a trading symbol. When both symbol and token are given they
   * must name the same row. Anything not in the master is MSTOCK_INVALID_INPUT naming it.
   */
  resolve(instrument: unknown): Instrument {
    if (typeof instrument === 'string') {
      const colon = instrument.indexOf(':');
      if (colon < 0) throw invalid(`${shown(instrument)} names no exchange: ${FORMS}.`);
      const exchange = exchangeOf(instrument.slice(0, colon), instrument);
      const rest = instrument.slice(colon + 1).trim();
      if (rest === '') throw invalid(`${shown(instrument)} names no symbol or token: ${FORMS}.`);
      const found = (/^\d+$/.test(rest) ? this.byToken.get(exchange)?.get(rest) : undefined) ?? this.bySymbol.get(exchange)?.get(rest.toUpperCase());
      if (!found) throw invalid(`${exchange}:${rest} is not in mStock's instrument master: no ${exchange} instrument has that trading symbol${/^\d+$/.test(rest) ? ' or token' : ''}.`);
      return copy(found);
    }
    if (instrument === null || typeof instrument !== 'object' || Array.isArray(instrument)) {
      throw invalid(`${shown(instrument)} is not an instrument: ${FORMS}.`);
    }
    const given = instrument as { exchange?: unknown; symbol?: unknown; token?: unknown };
    const exchange = exchangeOf(given.exchange, instrument);
    const hasToken = given.token !== undefined && given.token !== null && given.token !== '';
    const hasSymbol = given.symbol !== undefined && given.symbol !== null && given.symbol !== '';
    if (hasSymbol && typeof given.symbol !== 'string') throw invalid(`The symbol in ${shown(instrument)} is not text: ${FORMS}.`);
    const symbol = hasSymbol ? (given.symbol as string).trim() : '';
    if (hasToken) {
      const token = tokenOf(given.token, instrument);
      const found = this.byToken.get(exchange)?.get(token);
      if (!found) throw invalid(`${exchange}:${token} is not in mStock's instrument master: no ${exchange} instrument has the token ${token}.`);
      if (hasSymbol && found.symbol.toUpperCase() !== symbol.toUpperCase()) {
        throw invalid(`${exchange} token ${token} is ${found.symbol} in mStock's instrument master, not ${symbol}.`);
      }
      return copy(found);
    }
    if (!hasSymbol) throw invalid(`${shown(instrument)} has neither symbol nor token: ${FORMS}.`);
    const found = this.bySymbol.get(exchange)?.get(symbol.toUpperCase());
    if (!found) throw invalid(`${exchange}:${symbol} is not in mStock's instrument master: no ${exchange} instrument has the trading symbol ${symbol}.`);
    return copy(found);
  }

  /**
   * Instruments matching a query, best first, at most `limit`: exact trading symbol or token,
   * then trading symbols starting with the text, then trading symbols or names containing it; in
   * master order within each. A text may start with an exchange ("NSE:SBI"). An object searches
   * only the field it gives (`symbol`, `token` or `name`), within `exchange` when given.
   */
  search(query: InstrumentQuery, limit = 20): Instrument[] {
    if (!Number.isSafeInteger(limit) || limit < 0) throw invalid(`The search limit ${shown(limit)} is not a whole number of zero or more.`);
    let exchange: Exchange | undefined;
    let text: string;
    let fields: 'any' | 'symbol' | 'token' | 'name' = 'any';
    if (typeof query === 'number') {
      text = tokenOf(query, query);
      fields = 'token';
    } else if (typeof query === 'string') {
      text = query.trim();
      const colon = text.indexOf(':');
      if (colon > 0) {
        const prefix = toExchange(text.slice(0, colon));
        if (prefix) {
          exchange = prefix;
          text = text.slice(colon + 1).trim();
        }
      }
    } else if (query !== null && typeof query === 'object' && !Array.isArray(query)) {
      if (query.exchange !== undefined && query.exchange !== '') exchange = exchangeOf(query.exchange, query);
      if (query.token !== undefined && query.token !== '') {
        text = tokenOf(query.token, query);
        fields = 'token';
      } else if (typeof query.symbol === 'string') {
        text = query.symbol.trim();
        fields = 'symbol';
      } else if (typeof query.name === 'string') {
        text = query.name.trim();
        fields = 'name';
      } else throw invalid(`The search ${shown(query)} gives no symbol, token or name.`);
    } else {
      throw invalid(`The search ${shown(query)} is not a text, a token or { exchange, symbol | token | name }.`);
    }
    if (text === '' || limit === 0) return [];
    const wanted = text.toUpperCase();
    if (fields === 'token') {
      const out: Instrument[] = [];
      for (const ex of exchange ? [exchange] : EXCHANGES) {
        const row = this.byToken.get(ex)?.get(text);
        if (row && out.length < limit) out.push(copy(row));
      }
      return out;
    }
    const symbols = (this.upperSymbols ??= this.rows.map((r) => r.symbol.toUpperCase()));
    const names = (this.upperNames ??= this.rows.map((r) => r.name.toUpperCase()));
    // three ranks: exact, prefix, contains
    const ranked: Instrument[][] = [[], [], []];
    const rows = this.rows;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (exchange && row.exchange !== exchange) continue;
      let rank = -1;
      if (fields === 'name') {
        const name = names[i];
        rank = name === wanted ? 0 : name.startsWith(wanted) ? 1 : name.includes(wanted) ? 2 : -1;
      } else {
        const symbol = symbols[i];
        if (symbol === wanted || (fields === 'any' && row.token === text)) rank = 0;
        else if (symbol.startsWith(wanted)) rank = 1;
        else if (fields === 'any' && (symbol.includes(wanted) || names[i].includes(wanted))) rank = 2;
      }
      if (rank >= 0 && ranked[rank].length < limit) {
        ranked[rank].push(row);
        if (rank === 0 && ranked[0].length >= limit) break;
      }
    }
    return ranked.flat().slice(0, limit).map(copy);
  }
}
