import { ErrorCode, MStockError } from './errors';

/** A fund summary value after parsing: numbers for numeric strings, null for gaps, words as they are. */
export type FundValue = number | string | boolean | null;
/** One segment of the fund summary with lowerCamel keys. */
export type FundSegment = Record<string, FundValue>;
/** One segment as the broker sends it. */
export type RawFundSegment = Record<string, unknown>;

const UPPER_SNAKE = /^[A-Z0-9_]+$/;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

/** `AVAILABLE_BALANCE` → `availableBalance`; keys that are not UPPER_SNAKE are kept as they are. */
export function toLowerCamel(key: string): string {
  if (!UPPER_SNAKE.test(key)) return key;
  return key.toLowerCase().replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
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
  });
  return data as RawFundSegment[];
}

/** Turns the broker's fund summary `data` into one lowerCamel object per segment. */
export function parseFunds(data: unknown): FundSegment[] {
  return assertFundData(data).map((segment) => {
    const out: FundSegment = {};
    for (const [key, value] of Object.entries(segment)) {
      // defineProperty keeps a key such as "__proto__" an own property instead of a prototype write
      Object.defineProperty(out, toLowerCamel(key), {
        value: parseFundValue(value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  });
}
