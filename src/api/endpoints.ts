/**
 * Every call of the mStock Type B API the package knows, one row each: how it is sent, which rate
 * limit it counts against, how it is named in a sentence, how its failures read, and which keys
 * of its rows are identifiers or dates. The client, the classifier and the sandbox all read this
 * table; a new endpoint is one row (and, if its `data` needs one, a parser).
 *
 * Sources for each row: ../shared/api/FACTS.md and FACTS-TRADING.md (section numbers below).
 */

import { ErrorCode, MStockError } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The broker's published rate-limit categories (FACTS-TRADING §4); `other` is unlimited. */
export type RateCategory = 'order' | 'data' | 'quote' | 'other';

/** How a refusal of the call is classified beyond the shared rules (401, 403, 429, 404). */
export type FailureKind = 'login' | 'otp' | 'order' | 'read';

/** What the call needs besides X-Mirae-Version: nothing, the API key, or the API key and the session. */
export type Auth = 'none' | 'api-key' | 'session';

export interface EndpointSpec {
  method: HttpMethod;
  /** Under the API root; `{name}` marks a path parameter. */
  path: string;
  category: RateCategory;
  /** The call in a sentence: "mStock refused <what>". */
  what: string;
  auth: Auth;
  failure: FailureKind;
  /** `data` is a list of rows: `null` (or "None") means none. */
  list?: boolean;
  /** Keys of its rows that are identifiers: kept as trimmed strings, never numbers. */
  identifiers?: readonly string[];
  /** Keys of its rows that are dates or times: ISO-8601 with +05:30 in parsed output. */
  dates?: readonly string[];
  /** Safe to send once more when a kept-alive connection died before any byte of the answer. */
  idempotentRead?: boolean;
  /** Other methods the broker is known to accept for this path; the sandbox accepts them too. */
  alsoAccepted?: readonly HttpMethod[];
  /**
   * `bare`: a success is the body itself, not a status envelope (a JSON array, or CSV text); the
   * client answers it as the envelope's `data`. Failures still read as every other row's.
   */
  answer?: 'envelope' | 'bare';
  /** The largest answer accepted, in bytes, when it may be larger than the client's usual 1 MiB. */
  maxBytes?: number;
  /**
   * Milliseconds allowed for this call when it may take longer than the account's timeout (a
   * download of megabytes). The client allows the larger of the two.
   */
  timeoutMs?: number;
  /** For order calls: what did not happen when mStock refused the call, as a sentence ("The order was not placed."). */
  notDone?: string;
}

const ORDER_IDS = ['orderid', 'uniqueorderid', 'exchangeorderid', 'parentorderid', 'fillid', 'symboltoken'] as const;
const ORDER_DATES = ['updatetime', 'exchtime', 'exchorderupdatetime', 'filltime', 'expirydate'] as const;

export const ENDPOINTS = {
  // the user endpoints (FACTS.md)
  login: { method: 'POST', path: '/openapi/typeb/connect/login', category: 'other', what: 'the login', auth: 'none', failure: 'login' },
  sessionToken: { method: 'POST', path: '/openapi/typeb/session/token', category: 'other', what: 'the OTP', auth: 'api-key', failure: 'otp' },
  verifyTotp: { method: 'POST', path: '/openapi/typeb/session/verifytotp', category: 'other', what: 'the authenticator code', auth: 'api-key', failure: 'otp' },
  fundSummary: {
    method: 'GET', path: '/openapi/typeb/user/fundsummary', category: 'other', what: 'the fund summary request', auth: 'session', failure: 'read',
    idempotentRead: true,
  },
  // a GET, but it ends the session: never sent twice
  logout: { method: 'GET', path: '/openapi/typeb/logout', category: 'other', what: 'the logout', auth: 'session', failure: 'read' },

  // portfolio (§2.9, §2.11)
  positions: {
    method: 'GET', path: '/openapi/typeb/portfolio/positions', category: 'other', what: 'the positions request', auth: 'session', failure: 'read',
    list: true, idempotentRead: true, identifiers: ['symboltoken'], dates: ['expirydate'],
  },
  holdings: {
    method: 'GET', path: '/openapi/typeb/portfolio/holdings', category: 'other', what: 'the holdings request', auth: 'session', failure: 'read',
    list: true, idempotentRead: true, identifiers: ['symboltoken', 'isin'],
  },
  // orders read (§2.5–2.8)
  orderBook: {
    method: 'GET', path: '/openapi/typeb/orders', category: 'other', what: 'the order book request', auth: 'session', failure: 'read',
    list: true, idempotentRead: true, identifiers: ORDER_IDS, dates: ORDER_DATES,
  },
  tradeBook: {
    method: 'GET', path: '/openapi/typeb/tradebook', category: 'other', what: 'the trade book request', auth: 'session', failure: 'read',
    list: true, idempotentRead: true, identifiers: ['SEC_ID', 'ORDER_NUMBER', ...ORDER_IDS], dates: ['ORDER_DATE_TIME', ...ORDER_DATES],
  },
  // GET with a JSON body in the docs; the Node SDK posts (no production evidence either way)
  orderDetails: {
    method: 'GET', path: '/openapi/typeb/order/details', category: 'other', what: 'the order details request', auth: 'session', failure: 'read',
    list: true, idempotentRead: true, identifiers: [...ORDER_IDS, 'ordertag'], dates: ORDER_DATES, alsoAccepted: ['POST'],
  },
  tradeHistory: {
    method: 'GET', path: '/openapi/typeb/trades', category: 'other', what: 'the trade history request', auth: 'session', failure: 'read',
    list: true, idempotentRead: true, identifiers: ORDER_IDS, dates: ['expirydate'], alsoAccepted: ['POST'],
  },

  // orders (§2.1–2.4): never retried, never merged
  placeOrder: {
    method: 'POST', path: '/openapi/typeb/orders/regular', category: 'order', what: 'the order', auth: 'session', failure: 'order',
    notDone: 'The order was not placed.',
  },
  modifyOrder: {
    method: 'PUT', path: '/openapi/typeb/orders/regular/{orderid}', category: 'order', what: 'the order change', auth: 'session', failure: 'order',
    notDone: 'The order was not changed.',
  },
  cancelOrder: {
    method: 'DELETE', path: '/openapi/typeb/orders/regular/{orderid}', category: 'order', what: 'the cancellation', auth: 'session', failure: 'order',
    notDone: 'The order was not cancelled.',
  },
  cancelAll: {
    method: 'POST', path: '/openapi/typeb/orders/cancelall', category: 'order', what: 'the cancellation of all open orders', auth: 'session',
    failure: 'order', notDone: 'No order was cancelled.',
  },
  convertPosition: {
    method: 'POST', path: '/openapi/typeb/portfolio/convertposition', category: 'order', what: 'the position conversion', auth: 'session',
    failure: 'order', notDone: 'The position was not converted.',
  },

  // market data (§2.12–2.19); [PROD] sends quote and historical as GET with a JSON body
  orderMargin: { method: 'POST', path: '/openapi/typeb/margins/orders', category: 'other', what: 'the margin request', auth: 'session', failure: 'read' },
  quote: {
    method: 'GET', path: '/openapi/typeb/instruments/quote', category: 'quote', what: 'the quote request', auth: 'session', failure: 'read',
    // a FULL quote of 500 instruments with five levels of depth each is near 1 MiB already
    idempotentRead: true, alsoAccepted: ['POST'], maxBytes: 8 * 1024 * 1024,
  },
  historical: {
    method: 'GET', path: '/openapi/typeb/instruments/historical', category: 'data', what: 'the candle request', auth: 'session', failure: 'read',
    idempotentRead: true, alsoAccepted: ['POST'],
  },
  // [PROD] posts it with a numeric exchange and the token
  intraday: {
    method: 'POST', path: '/openapi/typeb/instruments/intraday', category: 'data', what: 'the intraday candle request', auth: 'session', failure: 'read',
    alsoAccepted: ['GET'],
  },
  // [PROD] a bare JSON array of every instrument, megabytes of it (size unknown); the docs say CSV (§2.16).
  // [PROD] gives the download 60 s: the account's usual 10 s is too short for it on a slow line
  scripMaster: {
    method: 'GET', path: '/openapi/typeb/instruments/OpenAPIScripMaster', category: 'other', what: 'the instrument master download', auth: 'session',
    failure: 'read', idempotentRead: true, answer: 'bare', maxBytes: 64 * 1024 * 1024, timeoutMs: 60_000,
  },
  loserGainer: { method: 'POST', path: '/openapi/typeb/losergainer', category: 'other', what: 'the gainers and losers request', auth: 'session', failure: 'read' },
  optionChainMaster: {
    method: 'GET', path: '/openapi/typeb/getoptionchainmaster/{exchange}', category: 'other', what: 'the option chain master request', auth: 'session',
    failure: 'read', idempotentRead: true,
  },
  optionChain: {
    method: 'GET', path: '/openapi/typeb/GetOptionChain/{exchange}/{expiry}/{token}', category: 'other', what: 'the option chain request', auth: 'session',
    failure: 'read', idempotentRead: true,
  },
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

export function endpointSpec(name: EndpointName): EndpointSpec {
  return ENDPOINTS[name];
}

/** `/a/{x}/b` with `{ x: '1 2' }` → `/a/1%202/b`. Every parameter must be given. */
export function fillPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const value = params[key];
    if (value === undefined || value === '') {
      throw new MStockError(ErrorCode.INVALID_INPUT, `The ${key} is missing for ${path}. Nothing was sent to mStock.`);
    }
    return encodeURIComponent(value);
  });
}

interface Matcher {
  name: EndpointName;
  pattern: RegExp;
  methods: readonly HttpMethod[];
}

const MATCHERS: Matcher[] = (Object.keys(ENDPOINTS) as EndpointName[]).map((name) => {
  const spec: EndpointSpec = ENDPOINTS[name];
  const source = spec.path
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  // paths are matched without regard to case: the docs and the SDKs spell some of them differently
  return { name, pattern: new RegExp(`^${source}$`, 'i'), methods: [spec.method, ...(spec.alsoAccepted ?? [])] };
});

/**
 * The row a request for `method` and `path` (under the API root, without a query) is for, if any.
 * `methodAllowed` is false when the path is known but not with that method.
 */
export function findEndpoint(method: string, path: string): { name: EndpointName; methodAllowed: boolean } | undefined {
  let pathOnly: { name: EndpointName; methodAllowed: boolean } | undefined;
  for (const matcher of MATCHERS) {
    if (!matcher.pattern.test(path)) continue;
    if (matcher.methods.includes(method.toUpperCase() as HttpMethod)) return { name: matcher.name, methodAllowed: true };
    pathOnly ??= { name: matcher.name, methodAllowed: false };
  }
  return pathOnly;
}
