/**
 * A scanner for the instrument master's JSON text (FACTS-TRADING.md §2.16): a top-level array of
 * flat objects, or a `{ "data": [...] }` envelope around it. It finds where each row's values are
 * in the text without making a string or an object for them, so the master can be indexed in less
 * time than JSON.parse takes to build 100,000 objects. Rows it does not read itself (an escape
 * sequence, a nested value or a number that is not in the form String(number) gives, in a column
 * the master uses) are handed over parsed by JSON.parse, so every valid JSON text reads as
 * JSON.parse would read it. Elements of the list that are not objects are no rows and are skipped. Anything that is not valid JSON throws MasterJsonSyntaxError.
 */

/** The master's keys the scanner records, in the order of the spans it hands over. */
export const MASTER_KEYS = ['token', 'symbol', 'name', 'expiry', 'strike', 'lotsize', 'instrumenttype', 'tick_size', 'exch_seg'] as const;

/** Each key with its quotes, to be matched where a key is expected. */
const QUOTED_KEYS = MASTER_KEYS.map((key) => `"${key}"`);

/** Where the rows go. */
export interface MasterRowSink {
  /**
   * A row read in place: `spans[2k]` and `spans[2k + 1]` are the start and end in the text of the
   * value of MASTER_KEYS[k], a string's content without its quotes, or a number's or true's or
   * false's own text. A key that is missing or null is an empty span. The array is reused.
   */
  spans(spans: Int32Array): void;
  /** A row object read by JSON.parse. */
  parsed(row: Record<string, unknown>): void;
  /** A later `data` key replaces the rows of an earlier one, as with JSON.parse: forget them. */
  restart(): void;
}

export class MasterJsonSyntaxError extends Error {
  constructor(at: number) {
    super(`not valid JSON at character ${at}`);
    this.name = 'MasterJsonSyntaxError';
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** The index of MASTER_KEYS the key text[start, end) is, or -1. */
function keyIndex(text: string, start: number, end: number): number {
  let k: number;
  switch (end - start) {
    case 4:
      k = 2;
      break;
    case 5:
      k = 0;
      break;
    case 6: {
      const first = text.charCodeAt(start);
      k = first === 101 ? 3 : text.charCodeAt(start + 1) === 121 ? 1 : 4; // e: expiry; sy: symbol; else strike
      break;
    }
    case 7:
      k = 5;
      break;
    case 8:
      k = 8;
      break;
    case 9:
      k = 7;
      break;
    case 14:
      k = 6;
      break;
    default:
      return -1;
  }
  return text.startsWith(MASTER_KEYS[k], start) ? k : -1;
}

/** Reads a JSON text one value at a time; `at` is the index of the next character. */
class Scanner {
  at = 0;
  /** Whether the last string read held an escape sequence. */
  escaped = false;
  private readonly end: number;
  private readonly rowSpans = new Int32Array(2 * MASTER_KEYS.length);
  /** The key the last row began with, and the key that followed each key in it. */
  private firstKey = 0;
  private readonly nextKey = MASTER_KEYS.map((_key, k) => (k + 1) % MASTER_KEYS.length);

  constructor(
    private readonly text: string,
    private readonly sink: MasterRowSink,
  ) {
    this.end = text.length;
  }

  fail(): never {
    throw new MasterJsonSyntaxError(this.at);
  }

  skipSpace(): void {
    const text = this.text;
    let i = this.at;
    while (i < this.end && isJsonSpace(text.charCodeAt(i))) i++;
    this.at = i;
  }

  /** The character at `at` (NaN past the end). */
  peek(): number {
    return this.text.charCodeAt(this.at);
  }

  expect(c: number): void {
    if (this.text.charCodeAt(this.at) !== c) this.fail();
    this.at++;
  }

  /** Reads a string whose opening quote is at `at`; answers the index of its closing quote. */
  string(): number {
    const text = this.text;
    const end = this.end;
    let i = this.at + 1;
    this.escaped = false;
    for (;;) {
      if (i >= end) {
        this.at = i;
        this.fail();
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        this.escaped = true;
        const next = text.charCodeAt(i + 1);
        if (next === 117) {
          // \uXXXX
          for (let k = 2; k < 6; k++) {
            if (!isHex(text.charCodeAt(i + k))) {
              this.at = i;
              this.fail();
            }
          }
          i += 6;
        } else if (next === QUOTE || next === BACKSLASH || next === 47 || next === 98 || next === 102 || next === 110 || next === 114 || next === 116) {
          i += 2;
        } else {
          this.at = i;
          this.fail();
        }
        continue;
      }
      if (c < 32) {
        this.at = i;
        this.fail();
      }
      i++;
    }
    this.at = i + 1;
    return i;
  }

  /** Reads a number starting at `at`, by the JSON grammar. */
  number(): void {
    const text = this.text;
    let i = this.at;
    if (text.charCodeAt(i) === MINUS) i++;
    const first = text.charCodeAt(i);
    if (first === ZERO) i++;
    else if (isDigit(first)) while (isDigit(text.charCodeAt(i))) i++;
    else {
      this.at = i;
      this.fail();
    }
    if (text.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(text.charCodeAt(i))) {
        this.at = i;
        this.fail();
      }
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 43 || sign === MINUS) i++;
      if (!isDigit(text.charCodeAt(i))) {
        this.at = i;
        this.fail();
      }
      while (isDigit(text.charCodeAt(i))) i++;
    }
    this.at = i;
  }

  /** Reads true, false or null at `at`. */
  literal(word: string): void {
    if (!this.text.startsWith(word, this.at)) this.fail();
    this.at += word.length;
  }

  /** Reads any value at `at` (space before it already skipped). */
  value(): void {
    const c = this.peek();
    if (c === QUOTE) this.string();
    else if (c === OPEN_BRACE) this.object();
    else if (c === OPEN_BRACKET) this.array();
    else if (c === 116) this.literal('true');
    else if (c === 102) this.literal('false');
    else if (c === 110) this.literal('null');
    else this.number();
  }

  /** Reads an object at `at`, values unrecorded. */
  object(): void {
    this.at++;
    this.skipSpace();
    if (this.peek() === CLOSE_BRACE) {
      this.at++;
      return;
    }
    for (;;) {
      if (this.peek() !== QUOTE) this.fail();
      this.string();
      this.skipSpace();
      this.expect(COLON);
      this.skipSpace();
      this.value();
      this.skipSpace();
      const c = this.peek();
      this.at++;
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) {
        this.at--;
        this.fail();
      }
      this.skipSpace();
    }
  }

  /** Reads an array at `at`, elements unrecorded. */
  array(): void {
    this.at++;
    this.skipSpace();
    if (this.peek() === CLOSE_BRACKET) {
      this.at++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      const c = this.peek();
      this.at++;
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) {
        this.at--;
        this.fail();
      }
      this.skipSpace();
    }
  }

  /**
   * Reads one row object at `at` and hands it to the sink: in place when every value the master
   * uses is plain, else parsed by JSON.parse. The common case, keys in the order of the row before
   * and string values without escapes, is read here without a call per character or per value.
   */
  row(): void {
    const text = this.text;
    const spans = this.rowSpans;
    const nextKey = this.nextKey;
    for (let k = 0; k < spans.length; k++) spans[k] = 0;
    const start = this.at;
    let parse = false;
    let i = start + 1;
    let c = text.charCodeAt(i);
    if (isJsonSpace(c)) {
      this.at = i;
      this.skipSpace();
      i = this.at;
      c = text.charCodeAt(i);
    }
    if (c === CLOSE_BRACE) {
      this.at = i + 1;
      this.sink.spans(spans);
      return;
    }
    let previous = -1;
    let guess = this.firstKey;
    for (;;) {
      // the key: most rows list the master's keys in the order the row before did
      let k: number;
      const quoted = QUOTED_KEYS[guess];
      if (text.startsWith(quoted, i)) {
        k = guess;
        i += quoted.length;
      } else {
        this.at = i;
        if (c !== QUOTE) this.fail();
        const keyStart = i + 1;
        const keyEnd = this.string();
        i = this.at;
        // a key spelled with escapes may still be one of ours: JSON.parse reads it
        k = this.escaped ? -1 : keyIndex(text, keyStart, keyEnd);
        if (this.escaped) parse = true;
      }
      if (k >= 0) {
        if (previous < 0) this.firstKey = k;
        else nextKey[previous] = k;
        previous = k;
        guess = nextKey[k];
      }
      c = text.charCodeAt(i);
      if (c !== COLON) {
        this.at = i;
        this.skipSpace();
        this.expect(COLON);
        i = this.at - 1;
      }
      i++;
      c = text.charCodeAt(i);
      if (isJsonSpace(c)) {
        this.at = i;
        this.skipSpace();
        i = this.at;
        c = text.charCodeAt(i);
      }
      // the value
      if (c === QUOTE) {
        const valueStart = i + 1;
        let j = valueStart;
        for (;;) {
          const d = text.charCodeAt(j);
          if (d === QUOTE) break;
          // an escape, a control character or the end of the text (NaN)
          if (d === BACKSLASH || !(d >= 32)) {
            this.at = i;
            j = this.string();
            if (this.escaped && k >= 0) parse = true;
            break;
          }
          j++;
        }
        if (k >= 0) {
          spans[2 * k] = valueStart;
          spans[2 * k + 1] = j;
        }
        i = j + 1;
      } else {
        this.at = i;
        if (k < 0) this.value();
        else if (c === 110) {
          this.literal('null');
          spans[2 * k] = 0;
          spans[2 * k + 1] = 0;
        }
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          this.value();
          parse = true;
        } else {
          if (c === 116) this.literal('true');
          else if (c === 102) this.literal('false');
          else {
            this.number();
            const raw = text.slice(i, this.at);
            // String(value) is what a parsed row would give: "1e3" is "1000", "5.0" is "5"
            if (String(Number(raw)) !== raw) parse = true;
          }
          spans[2 * k] = i;
          spans[2 * k + 1] = this.at;
        }
        i = this.at;
      }
      c = text.charCodeAt(i);
      if (isJsonSpace(c)) {
        this.at = i;
        this.skipSpace();
        i = this.at;
        c = text.charCodeAt(i);
      }
      i++;
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) {
        this.at = i - 1;
        this.fail();
      }
      c = text.charCodeAt(i);
      if (isJsonSpace(c)) {
        this.at = i;
        this.skipSpace();
        i = this.at;
        c = text.charCodeAt(i);
      }
    }
    this.at = i;
    if (parse) this.sink.parsed(JSON.parse(text.slice(start, i)) as Record<string, unknown>);
    else this.sink.spans(spans);
  }

  /** Reads the array of rows at `at`. */
  rows(): void {
    this.at++;
    this.skipSpace();
    if (this.peek() === CLOSE_BRACKET) {
      this.at++;
      return;
    }
    for (;;) {
      // an element that is not an object is no row
      if (this.peek() === OPEN_BRACE) this.row();
      else this.value();
      this.skipSpace();
      const c = this.peek();
      this.at++;
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) {
        this.at--;
        this.fail();
      }
      this.skipSpace();
    }
  }

  /**
   * Reads a top-level object: the rows of its last `data` key when that is an array. Answers
   * whether it is.
   */
  envelope(): boolean {
    let hasList = false;
    this.at++;
    this.skipSpace();
    if (this.peek() === CLOSE_BRACE) {
      this.at++;
      return false;
    }
    for (;;) {
      if (this.peek() !== QUOTE) this.fail();
      const keyStart = this.at;
      const keyEnd = this.string();
      const key = this.escaped ? (JSON.parse(this.text.slice(keyStart, keyEnd + 1)) as string) : this.text.slice(keyStart + 1, keyEnd);
      this.skipSpace();
      this.expect(COLON);
      this.skipSpace();
      if (key === 'data') {
        this.sink.restart();
        hasList = this.peek() === OPEN_BRACKET;
        if (hasList) this.rows();
        else this.value();
      } else this.value();
      this.skipSpace();
      const c = this.peek();
      this.at++;
      if (c === CLOSE_BRACE) return hasList;
      if (c !== COMMA) {
        this.at--;
        this.fail();
      }
      this.skipSpace();
    }
  }
}

/**
 * Scans the master's JSON text from `start` (after a byte-order mark, if any) and hands every row
 * to the sink, in order. Answers false when the text is valid JSON but holds no list of rows (an
 * object without a `data` array); throws MasterJsonSyntaxError when it is not valid JSON, or does
 * not start with `[` or `{`.
 */
export function scanMasterJson(text: string, start: number, sink: MasterRowSink): boolean {
  const scanner: Scanner = new Scanner(text, sink);
  scanner.at = start;
  scanner.skipSpace();
  const c = scanner.peek();
  let hasList: boolean;
  if (c === OPEN_BRACKET) {
    scanner.rows();
    hasList = true;
  } else if (c === OPEN_BRACE) hasList = scanner.envelope();
  else scanner.fail();
  scanner.skipSpace();
  if (scanner.at !== text.length) scanner.fail();
  return hasList;
}
