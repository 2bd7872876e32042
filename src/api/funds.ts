import { ErrorCode, MStockError } from './errors';

/** A fund summary value after parsing: numbers for numeric strings, null for gaps, words as they are. */
export type FundValue = number | string | boolean | null;
/** One segment of the fund summary with lowerCamel keys. */
export type FundSegment = Record<string, FundValue>;
/** One segment as the broker sends it. */
export type RawFundSegment = Record<string, unknown>;

const UPPER_SNAKE = /^[A-Z0-9_]+$/;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const CAMEL_CACHE_LIMIT = 512;
const camelCache = new Map<string, string>();

/** `AVAILABLE_BALANCE` → `availableBalance`; keys that are not UPPER_SNAKE are kept as they are. */
export function toLowerCamel(key: string): string {
  let camel = camelCache.get(key);
  if (camel === undefined) {
    camel = UPPER_SNAKE.test(key) ? key.toLowerCase().replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : key;
    // the broker sends the same two dozen keys every time; a hostile answer cannot grow the cache
    if (camelCache.size < CAMEL_CACHE_LIMIT) camelCache.set(key, camel);
  }
  return camel;
}

const MAX_NAMED_KEY = 40;

/** Only the scalar values the API documents; anything else is a malformed answer. */
function isScalar(value: unknown): boolean {
  return value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value);
}

function wrongValue(key: string, segment: number, value: unknown): MStockError {
  const name = key.length > MAX_NAMED_KEY ? `${key.slice(0, MAX_NAMED_KEY)}…` : key;
  const kind = Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;
  return new MStockError(
    ErrorCode.BAD_RESPONSE,
    `The fund summary held ${kind} in ${name} (segment ${segment}) where the API documents a string.`,
  );
}

export function parseFundValue(value: unknown): FundValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '' || text === 'None') return null;
    if (NUMERIC.test(text)) {
      const n = Number(text);
      if (Number.isFinite(n)) return n;
    }
    return value;
  }
  throw new MStockError(
    ErrorCode.BAD_RESPONSE,
    `The fund summary held a value of type ${Array.isArray(value) ? 'array' : typeof value} where the API documents a string.`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that `data` is the array of segment objects the API documents. */
export function assertFundData(data: unknown): RawFundSegment[] {
  if (!Array.isArray(data)) {
    throw new MStockError(ErrorCode.BAD_RESPONSE, 'The fund summary answer had no data array.');
  }
  data.forEach((segment, i) => {
    if (!isPlainObject(segment)) {
      throw new MStockError(ErrorCode.BAD_RESPONSE, `Segment ${i} of the fund summary is not an object.`);
    }
    for (const key in segment) {
      if (Object.prototype.hasOwnProperty.call(segment, key) && !isScalar(segment[key])) throw wrongValue(key, i, segment[key]);
    }
  });
  return data as RawFundSegment[];
}

/** Turns the broker's fund summary `data` into one lowerCamel object per segment. */
export function parseFunds(data: unknown): FundSegment[] {
  // fromEntries defines own properties, so a key such as "__proto__" never writes a prototype
  return assertFundData(data).map((segment) =>
    Object.fromEntries(Object.entries(segment).map(([key, value]) => [toLowerCamel(key), parseFundValue(value)])),
  );
}
