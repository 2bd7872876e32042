import { ErrorCode, MStockError } from './errors';
import { MasterRowSink, scanMasterJson } from './master-json';

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

/** Whether String.prototype.trim() removes this character. */
function isTrimmedSpace(code: number): boolean {
  if (code > 32 && code < 160) return false;
  return (
    code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

function field(value: unknown): string {
  if (typeof value === 'string') {
    // most fields start and end with a printable ASCII character: skip trim()'s copy
    return value === '' || (isPrintableAscii(value.charCodeAt(0)) && isPrintableAscii(value.charCodeAt(value.length - 1))) ? value : value.trim();
  }
  return value === null || value === undefined ? '' : String(value).trim();
}

/** The master's columns, in the order `RowTable.addFields` takes them. */
const COLUMNS = ['token', 'symbol', 'name', 'expiry', 'strike', 'lotsize', 'instrumenttype', 'exch_seg', 'tick_size'] as const;

// A kept row's columns in the row table, each a (start, end) pair of text positions
const TOKEN = 0;
const UNDERLYING = 1;
const SYMBOL = 2;
const EXPIRY = 3;
const STRIKE = 4;
const LOT_SIZE = 5;
const TYPE = 6;
const TICK_SIZE = 7;
const KEPT_COLUMNS = 8;
/** The master's exch_seg: read, not kept (the row's exchange is). */
const SEGMENT = 8;
const ROW_WIDTH = 2 * KEPT_COLUMNS;

const upperAscii = (c: number): number => (c >= 97 && c <= 122 ? c - 32 : c);

/**
 * text[start, end) in upper case as a number (7 bits a character), for comparing short ASCII
 * words without making a string; -1 when it holds a character past ASCII or more than seven.
 */
function asciiWordKey(text: string, start: number, end: number): number {
  if (end - start > 7) return -1;
  let key = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return -1;
    key = key * 128 + upperAscii(c);
  }
  return key;
}

const wordKey = (word: string): number => asciiWordKey(word, 0, word.length);
const EXCHANGE_KEYS = EXCHANGES.map(wordKey);
const CURRENCY_TYPE_KEYS = [...CURRENCY_TYPES].map(wordKey);
const NSE_INDEX = EXCHANGES.indexOf('NSE');
const BSE_INDEX = EXCHANGES.indexOf('BSE');
const CDS_INDEX = EXCHANGES.indexOf('CDS');

function hasNonAscii(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) >= 128) return true;
  return false;
}

/**
 * The index in EXCHANGES of a row's exchange, from its exch_seg and instrumenttype (trimmed, any
 * case), or -1 for an exchange the package does not trade.
 */
function exchangeIndexOf(segmentText: string, segStart: number, segEnd: number, typeText: string, typeStart: number, typeEnd: number): number {
  let exchange: number;
  const segKey = asciiWordKey(segmentText, segStart, segEnd);
  if (segKey >= 0) exchange = EXCHANGE_KEYS.indexOf(segKey);
  else if (!hasNonAscii(segmentText, segStart, segEnd)) return -1;
  // a letter past ASCII may upper-case to an ASCII one ("ſ" is "S")
  else exchange = EXCHANGES.indexOf(segmentText.slice(segStart, segEnd).toUpperCase() as Exchange);
  if (exchange !== NSE_INDEX && exchange !== BSE_INDEX) return exchange;
  const typeKey = asciiWordKey(typeText, typeStart, typeEnd);
  const currency =
    typeKey >= 0
      ? CURRENCY_TYPE_KEYS.includes(typeKey)
      : hasNonAscii(typeText, typeStart, typeEnd) && CURRENCY_TYPES.has(typeText.slice(typeStart, typeEnd).toUpperCase());
  return currency ? CDS_INDEX : exchange;
}

/**
 * A copy of a slice of the master's text that does not keep the whole text alive: V8 answers a
 * slice of 13 characters or more as a view into its parent, and an answer kept in a flow's context
 * would hold the 17 MB master otherwise.
 */
function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/** About as many rows as a master's JSON text holds, from the rows that open in its first 256 KiB. */
function roomFor(text: string): number {
  const sample = Math.min(text.length, 256 * 1024);
  let opened = 0;
  for (let i = text.indexOf('{'); i >= 0 && i < sample; i = text.indexOf('{', i + 1)) opened++;
  return Math.max(1024, Math.ceil(((opened + 1) * text.length) / Math.max(sample, 1) * 1.05));
}

/**
 * The master's usable rows, compact. A row read in place from the download's JSON text is where
 * its columns are in that text (spans) and its exchange: its instrument is made only when a lookup
 * or search answers it. A row read any other way (CSV, parsed rows, a few odd JSON rows) is kept as
 * its instrument.
 */
class RowTable implements MasterRowSink {
  size = 0;
  spansOf: Int32Array;
  exchangeOf: Uint8Array;
  /** 1 where the row is kept as its instrument. */
  keptWhole: Uint8Array;
  /** The rows kept as their instrument, by row number (holes for the others). */
  private readonly instruments: Instrument[] = [];
  private readonly expiries = new Map<string, string | null>();

  /**
   * @param text the download's JSON text, for rows read in place.
   * @param capacity rows to make room for at first; more are made as needed.
   */
  constructor(
    readonly text = '',
    capacity = 1024,
  ) {
    this.spansOf = new Int32Array(ROW_WIDTH * capacity);
    this.exchangeOf = new Uint8Array(capacity);
    this.keptWhole = new Uint8Array(capacity);
  }

  /** The download's form the package reads itself, or the parsed rows. */
  static of(body: unknown): RowTable {
    if (body instanceof Uint8Array) return RowTable.of(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    if (Array.isArray(body)) return new RowTable().addObjects(body).finish();
    if (typeof body === 'string') {
      const start = body.trimStart().replace(/^\uFEFF/, '')[0];
      return start === '[' || start === '{' ? RowTable.ofJson(body) : new RowTable().addCsv(body).finish();
    }
    if (body !== null && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)) {
      return new RowTable().addObjects((body as { data: unknown[] }).data).finish();
    }
    throw new MStockError(ErrorCode.BAD_RESPONSE, `mStock's instrument master came as ${body === null ? 'null' : typeof body}, not a list of instruments.`);
  }

  private static ofJson(text: string): RowTable {
    const table = new RowTable(text, roomFor(text));
    let hasList: boolean;
    try {
      hasList = scanMasterJson(text, text.charCodeAt(0) === 0xfeff ? 1 : 0, table);
    } catch (err) {
      if (err instanceof MStockError) throw err;
      let parsed: unknown;
      try {
        // the scanner is strict: a text it refuses is not JSON, but JSON.parse has the last word
        parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch {
        throw new MStockError(ErrorCode.BAD_RESPONSE, "mStock's instrument master looked like JSON but could not be parsed.");
      }
      return RowTable.of(parsed);
    }
    if (!hasList) throw new MStockError(ErrorCode.BAD_RESPONSE, "mStock's instrument master came as object, not a list of instruments.");
    return table.finish();
  }

  /** Rows as the package answers them, for a master made from instruments. */
  static ofInstruments(rows: readonly Instrument[]): RowTable {
    const table = new RowTable();
    for (const row of rows) {
      const exchange = EXCHANGES.indexOf(row.exchange);
      if (exchange < 0) continue;
      table.keepWhole(exchange, row);
    }
    return table.finish();
  }

  /** A row the scanner read in place (MasterRowSink). */
  spans(spans: Int32Array): void {
    const text = this.text;
    // trimmed, as field() trims a parsed row's values; most start and end printable
    for (let k = 0; k < spans.length; k += 2) {
      let start = spans[k];
      let end = spans[k + 1];
      if (start === end || (isPrintableAscii(text.charCodeAt(start)) && isPrintableAscii(text.charCodeAt(end - 1)))) continue;
      while (start < end && isTrimmedSpace(text.charCodeAt(start))) start++;
      while (end > start && isTrimmedSpace(text.charCodeAt(end - 1))) end--;
      spans[k] = start;
      spans[k + 1] = end;
    }
    if (spans[2 * TOKEN] === spans[2 * TOKEN + 1] || spans[2 * SYMBOL] === spans[2 * SYMBOL + 1]) return;
    const exchange = exchangeIndexOf(text, spans[2 * SEGMENT], spans[2 * SEGMENT + 1], text, spans[2 * TYPE], spans[2 * TYPE + 1]);
    if (exchange < 0) return;
    const n = this.grow();
    const spansOf = this.spansOf;
    const at = n * ROW_WIDTH;
    for (let k = 0; k < ROW_WIDTH; k++) spansOf[at + k] = spans[k];
    this.exchangeOf[n] = exchange;
    this.keptWhole[n] = 0;
  }

  /** A row object (MasterRowSink). */
  parsed(row: Record<string, unknown>): void {
    this.addFields(
      field(row.token), field(row.symbol), field(row.name), field(row.expiry), field(row.strike),
      field(row.lotsize), field(row.instrumenttype), field(row.exch_seg), field(row.tick_size),
    );
  }

  /** A later `data` list replaces an earlier one (MasterRowSink). */
  restart(): void {
    this.size = 0;
    this.instruments.length = 0;
  }

  /**
   * Keeps one row of the master's nine columns (trimmed, in COLUMNS' order) unless the package
   * cannot use it: an exchange it does not trade, or no token or trading symbol.
   */
  addFields(
    token: string, underlying: string, tradingSymbol: string, expiry: string, strike: string,
    lotSize: string, type: string, segment: string, tickSize: string,
  ): void {
    if (token === '' || tradingSymbol === '') return;
    const exchange = exchangeIndexOf(segment, 0, segment.length, type, 0, type.length);
    if (exchange < 0) return;
    this.keepWhole(exchange, {
      exchange: EXCHANGES[exchange],
      token,
      symbol: tradingSymbol,
      name: underlying,
      type,
      expiry: this.expiry(expiry),
      strike: numberOr(strike, 0),
      lotSize: numberOr(lotSize, DEFAULT_LOT_SIZE),
      tickSize: numberOr(tickSize, DEFAULT_TICK_SIZE),
    });
  }

  private keepWhole(exchange: number, row: Instrument): void {
    const n = this.grow();
    this.instruments[n] = row;
    this.exchangeOf[n] = exchange;
    this.keptWhole[n] = 1;
  }

  /** The ISO date of an expiry text, parsed once per text. */
  private expiry(text: string): string | null {
    let iso = this.expiries.get(text);
    if (iso === undefined) {
      iso = parseExpiry(text);
      this.expiries.set(detached(text), iso);
    }
    return iso;
  }

  private addObjects(list: readonly unknown[]): this {
    for (const item of list) if (item !== null && typeof item === 'object') this.parsed(item as Record<string, unknown>);
    return this;
  }

  private addCsv(text: string): this {
    const lines = text.split('\n');
    let first = 0;
    while (first < lines.length && lines[first].trim() === '') first++;
    if (first === lines.length) return this;
    const header = splitQuoted(lines[first].replace(/^\uFEFF/, '').replace(/\r$/, '')).fields.map((h) => h.trim().toLowerCase());
    const at = COLUMNS.map((name) => header.indexOf(name));
    const missing = COLUMNS.filter((_name, i) => at[i] < 0);
    if (missing.length > 0) {
      throw new MStockError(ErrorCode.BAD_RESPONSE, `The instrument master's CSV header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
    }
    const [iToken, iSymbol, iName, iExpiry, iStrike, iLot, iType, iSeg, iTick] = at;
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
      this.addFields(get(iToken), get(iSymbol), get(iName), get(iExpiry), get(iStrike), get(iLot), get(iType), get(iSeg), get(iTick));
    }
    return this;
  }

  private grow(): number {
    const n = this.size++;
    if (n === this.exchangeOf.length) this.enlarge();
    return n;
  }

  private enlarge(): void {
    const capacity = 2 * this.exchangeOf.length;
    const spans = new Int32Array(ROW_WIDTH * capacity);
    spans.set(this.spansOf);
    this.spansOf = spans;
    const exchanges = new Uint8Array(capacity);
    exchanges.set(this.exchangeOf);
    this.exchangeOf = exchanges;
    const whole = new Uint8Array(capacity);
    whole.set(this.keptWhole);
    this.keptWhole = whole;
  }

  private finish(): this {
    // room made for more rows than came: given back
    if (this.size < this.exchangeOf.length - this.exchangeOf.length / 16) {
      this.spansOf = this.spansOf.slice(0, ROW_WIDTH * this.size);
      this.exchangeOf = this.exchangeOf.slice(0, this.size);
      this.keptWhole = this.keptWhole.slice(0, this.size);
    }
    return this;
  }

  /**
   * The text holding row n's column (TOKEN, SYMBOL, UNDERLYING or TYPE): the download's text, or
   * for a row kept as its instrument the column's own string.
   */
  textFor(n: number, column: number): string {
    if (this.keptWhole[n] === 0) return this.text;
    const row = this.instruments[n];
    return column === TOKEN ? row.token : column === SYMBOL ? row.symbol : column === UNDERLYING ? row.name : row.type;
  }

  start(n: number, column: number): number {
    return this.keptWhole[n] === 0 ? this.spansOf[n * ROW_WIDTH + 2 * column] : 0;
  }

  end(n: number, column: number): number {
    return this.keptWhole[n] === 0 ? this.spansOf[n * ROW_WIDTH + 2 * column + 1] : this.textFor(n, column).length;
  }

  /** Row n's column (TOKEN, SYMBOL, UNDERLYING or TYPE). */
  column(n: number, column: number): string {
    return this.keptWhole[n] === 0 ? this.slice(n, column) : this.textFor(n, column);
  }

  private slice(n: number, column: number): string {
    const at = n * ROW_WIDTH + 2 * column;
    return this.text.slice(this.spansOf[at], this.spansOf[at + 1]);
  }

  exchange(n: number): Exchange {
    return EXCHANGES[this.exchangeOf[n]];
  }

  /** Row n as the package answers it: a new object each time. */
  instrument(n: number): Instrument {
    if (this.keptWhole[n] === 1) return { ...this.instruments[n] };
    return {
      exchange: this.exchange(n),
      token: detached(this.slice(n, TOKEN)),
      symbol: detached(this.slice(n, SYMBOL)),
      name: detached(this.slice(n, UNDERLYING)),
      type: detached(this.slice(n, TYPE)),
      expiry: this.expiry(this.slice(n, EXPIRY)),
      strike: numberOr(this.slice(n, STRIKE), 0),
      lotSize: numberOr(this.slice(n, LOT_SIZE), DEFAULT_LOT_SIZE),
      tickSize: numberOr(this.slice(n, TICK_SIZE), DEFAULT_TICK_SIZE),
    };
  }

  /** Whether row n's column is `wanted`, exactly. */
  columnIs(n: number, column: number, wanted: string): boolean {
    const start = this.start(n, column);
    const end = this.end(n, column);
    return end - start === wanted.length && this.textFor(n, column).startsWith(wanted, start);
  }

  /** Whether row n's trading symbol in upper case is `upper` (a text already in upper case). */
  symbolIs(n: number, upper: string): boolean {
    const text = this.textFor(n, SYMBOL);
    const start = this.start(n, SYMBOL);
    const end = this.end(n, SYMBOL);
    if (end - start !== upper.length) return hasNonAscii(text, start, end) && text.slice(start, end).toUpperCase() === upper;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) return text.slice(start, end).toUpperCase() === upper;
      if (upperAscii(c) !== upper.charCodeAt(i - start)) return false;
    }
    return true;
  }

  /** The hash of row n's trading symbol in upper case, the same as hashText(seed, symbol.toUpperCase()). */
  symbolHash(n: number, seed: number): number {
    const text = this.textFor(n, SYMBOL);
    const start = this.start(n, SYMBOL);
    const end = this.end(n, SYMBOL);
    let h = seed;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) return hashText(seed, text.slice(start, end).toUpperCase());
      h = Math.imul(h ^ upperAscii(c), FNV_PRIME);
    }
    return h;
  }

  /** The hash of row n's token, the same as hashText(seed, token). */
  tokenHash(n: number, seed: number): number {
    const text = this.textFor(n, TOKEN);
    const end = this.end(n, TOKEN);
    let h = seed;
    for (let i = this.start(n, TOKEN); i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
    return h;
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function hashText(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Where a key's hash starts: the exchange is part of every key. */
const seedFor = (exchange: number): number => Math.imul(FNV_OFFSET ^ exchange, FNV_PRIME);

/** The slot a hash starts probing at. */
function slotOf(hash: number, mask: number): number {
  const h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & mask;
}

/**
 * An open-addressing hash table of row numbers, keyed by exchange and either the trading symbol
 * in upper case or the token: no row is copied into a string to be a Map key. Where a key repeats,
 * the first row is the one found.
 */
class RowIndex {
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly mask: number;

  constructor(
    private readonly table: RowTable,
    private readonly column: typeof SYMBOL | typeof TOKEN,
  ) {
    let capacity = 16;
    while (capacity < 2 * table.size) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    const exchanges = table.exchangeOf;
    for (let n = 0; n < table.size; n++) {
      const seed = seedFor(exchanges[n]);
      this.add(n, column === SYMBOL ? table.symbolHash(n, seed) : table.tokenHash(n, seed));
    }
  }

  // a later row with the same key lands further along the same probe: find() meets the first row first
  private add(n: number, hash: number): void {
    for (let slot = slotOf(hash, this.mask); ; slot = (slot + 1) & this.mask) {
      if (this.slots[slot] === 0) {
        this.slots[slot] = n + 1;
        this.hashes[slot] = hash;
        return;
      }
    }
  }

  private matches(n: number, key: string): boolean {
    return this.column === SYMBOL ? this.table.symbolIs(n, key) : this.table.columnIs(n, TOKEN, key);
  }

  /** The row of an exchange with the key (a symbol in upper case, or a token), or -1. */
  find(exchange: Exchange, key: string): number {
    const index = EXCHANGES.indexOf(exchange);
    const hash = hashText(seedFor(index), key);
    for (let slot = slotOf(hash, this.mask); ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot] - 1;
      if (held < 0) return -1;
      if (this.hashes[slot] === hash && this.table.exchangeOf[held] === index && this.matches(held, key)) return held;
    }
  }
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

/**
 * The scrip master download in either form FACTS-TRADING.md §2.16 lists: the parsed top-level
 * JSON array of objects, or the body as text (CSV with a header row, or JSON text). A `{ data }`
 * envelope around the array is accepted too. Rows on exchanges the package does not trade, and
 * rows without token or trading symbol, are left out. Anything else is MSTOCK_BAD_RESPONSE.
 */
export function parseScripMaster(body: unknown): Instrument[] {
  const table = RowTable.of(body);
  const out: Instrument[] = [];
  for (let n = 0; n < table.size; n++) out.push(table.instrument(n));
  return out;
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

const NUL = '\u0000';

/**
 * One column of every row, joined by NUL characters into one string, for search by indexOf: a
 * native scan of a few MB instead of a call per row. Upper case for symbols and names.
 */
class JoinedColumn {
  private readonly text: string;
  /** Where each row's value starts; one more, one past the end of the text. */
  private readonly starts: Int32Array;

  constructor(table: RowTable, column: number, upper: boolean) {
    let values = new Array<string>(table.size);
    for (let n = 0; n < table.size; n++) values[n] = table.column(n, column);
    let text = values.join(NUL);
    if (upper) {
      // upper case changes the length of a few letters past ASCII ("ß" is "SS"): those one by one
      if (/[\u0080-\uffff]/.test(text)) {
        values = values.map((value) => value.toUpperCase());
        text = values.join(NUL);
      } else text = text.toUpperCase();
    }
    this.text = text;
    this.starts = new Int32Array(table.size + 1);
    let at = 0;
    for (let n = 0; n < table.size; n++) {
      this.starts[n] = at;
      at += values[n].length + 1;
    }
    this.starts[table.size] = at;
  }

  /** The row holding position `at` of the text. */
  private rowAt(at: number): number {
    let low = 0;
    let high = this.starts.length - 2;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.starts[mid] <= at) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /**
   * Calls `visit` for each row whose value holds `wanted` (a text without NUL), in row order, with
   * 0 when the value is `wanted`, 1 when it starts with it, 2 when it holds it further on.
   */
  forEachHolding(wanted: string, visit: (n: number, rank: number) => void): void {
    const { text, starts } = this;
    for (let at = text.indexOf(wanted); at >= 0; ) {
      const n = this.rowAt(at);
      const offset = at - starts[n];
      visit(n, offset > 0 ? 2 : starts[n + 1] - 1 - starts[n] === wanted.length ? 0 : 1);
      // the first match in a row is the one that ranks it: on to the next row
      at = text.indexOf(wanted, Math.max(starts[n + 1], at + 1));
    }
  }
}

/**
 * The broker's instrument master in memory: looked up by exchange and trading symbol (any case)
 * or by exchange and token. Where the master lists one key twice, the first row wins. Every
 * answer is a new object, so a flow that changes it does not change the master.
 */
export class InstrumentMaster {
  private readonly table: RowTable;
  private readonly bySymbol: RowIndex;
  private readonly byToken: RowIndex;
  /** Made by the first search. */
  private searchColumns: { symbols: JoinedColumn; names: JoinedColumn; tokens: JoinedColumn } | undefined;

  constructor(rows: readonly Instrument[]) {
    // fromDownload hands over the rows it read, already in a table
    const table = rows instanceof RowTable ? rows : RowTable.ofInstruments(rows);
    this.table = table;
    this.bySymbol = new RowIndex(table, SYMBOL);
    this.byToken = new RowIndex(table, TOKEN);
  }

  /** Reads a download (any form parseScripMaster reads) and builds the master from it. */
  static fromDownload(body: unknown): InstrumentMaster {
    return new InstrumentMaster(RowTable.of(body) as unknown as Instrument[]);
  }

  get size(): number {
    return this.table.size;
  }

  /** The row number by exchange and trading symbol (any case), or -1. */
  private symbolRow(exchange: Exchange, symbol: string): number {
    return this.bySymbol.find(exchange, symbol.toUpperCase());
  }

  /** The row number by exchange and token, or -1. */
  private tokenRow(exchange: Exchange, token: string): number {
    return this.byToken.find(exchange, token);
  }

  private answer(n: number): Instrument | undefined {
    return n < 0 ? undefined : this.table.instrument(n);
  }

  /** The row by exchange and trading symbol (any case), or undefined. */
  findBySymbol(exchange: Exchange, symbol: string): Instrument | undefined {
    return EXCHANGE_SET.has(exchange) ? this.answer(this.symbolRow(exchange, symbol.trim())) : undefined;
  }

  /** The row by exchange and token, or undefined. */
  findByToken(exchange: Exchange, token: string): Instrument | undefined {
    return EXCHANGE_SET.has(exchange) ? this.answer(this.tokenRow(exchange, token.trim())) : undefined;
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
      const digits = /^\d+$/.test(rest);
      let found = digits ? this.tokenRow(exchange, rest) : -1;
      if (found < 0) found = this.symbolRow(exchange, rest);
      if (found < 0) throw invalid(`${exchange}:${rest} is not in mStock's instrument master: no ${exchange} instrument has that trading symbol${digits ? ' or token' : ''}.`);
      return this.table.instrument(found);
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
      const found = this.tokenRow(exchange, token);
      if (found < 0) throw invalid(`${exchange}:${token} is not in mStock's instrument master: no ${exchange} instrument has the token ${token}.`);
      const row = this.table.instrument(found);
      if (hasSymbol && row.symbol.toUpperCase() !== symbol.toUpperCase()) {
        throw invalid(`${exchange} token ${token} is ${row.symbol} in mStock's instrument master, not ${symbol}.`);
      }
      return row;
    }
    if (!hasSymbol) throw invalid(`${shown(instrument)} has neither symbol nor token: ${FORMS}.`);
    const found = this.symbolRow(exchange, symbol);
    if (found < 0) throw invalid(`${exchange}:${symbol} is not in mStock's instrument master: no ${exchange} instrument has the trading symbol ${symbol}.`);
    return this.table.instrument(found);
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
        const n = this.tokenRow(ex, text);
        if (n >= 0 && out.length < limit) out.push(this.table.instrument(n));
      }
      return out;
    }
    const table = this.table;
    // a text holding NUL is in no value: the joined columns separate values with it
    if (text.includes(NUL)) return [];
    const columns = (this.searchColumns ??= {
      symbols: new JoinedColumn(table, SYMBOL, true),
      names: new JoinedColumn(table, UNDERLYING, true),
      tokens: new JoinedColumn(table, TOKEN, false),
    });
    // each row's best rank: 0 exact, 1 prefix, 2 contains, 3 none
    const best = new Uint8Array(table.size).fill(3);
    const mark = (n: number, rank: number): void => {
      if (rank < best[n]) best[n] = rank;
    };
    if (fields === 'name') columns.names.forEachHolding(wanted, mark);
    else {
      columns.symbols.forEachHolding(wanted, (n, rank) => {
        if (rank < 2 || fields === 'any') mark(n, rank);
      });
      // "SBIN" names NSE's equity SBIN-EQ as exactly as BSE's SBIN
      columns.symbols.forEachHolding(`${wanted}-EQ`, (n, rank) => {
        if (rank === 0) mark(n, 0);
      });
      if (fields === 'any') {
        columns.names.forEachHolding(wanted, (n) => mark(n, 2));
        columns.tokens.forEachHolding(text, (n, rank) => {
          if (rank === 0) mark(n, 0);
        });
      }
    }
    const only = exchange === undefined ? -1 : EXCHANGES.indexOf(exchange);
    const ranked: number[][] = [[], [], []];
    for (let n = 0; n < table.size; n++) {
      const rank = best[n];
      // every exact match, to put them in exchange order below; the others are in master order
      if (rank < 3 && (only < 0 || table.exchangeOf[n] === only) && (rank === 0 || ranked[rank].length < limit)) ranked[rank].push(n);
    }
    ranked[0].sort((a, b) => table.exchangeOf[a] - table.exchangeOf[b]);
    return ranked.flat().slice(0, limit).map((n) => table.instrument(n));
  }
}
