import { ErrorCode, MStockError } from './errors';
import type { Instrument } from './instruments';
import { describeValue, MAX_SHOWN, SMALLEST_EPOCH_MS, EARLIEST_MS, LATEST_MS, refused } from './refusal';
import { IST_OFFSET_MS } from '../session/india-time';

/**
 * What mstock-orders and mstock-order read from a message before they ask mStock for one order or
 * the trades between two dates, or send it an order. Pure: nothing is sent; a message that cannot be used is MSTOCK_INVALID_INPUT
 * naming the field, in words a flow author can act on.
 */

/** Order ids seen are 13 to 16 digits; a little room, and no more, for what may come. */
const ORDER_ID = /^\d{1,24}$/;

function payloadObject(payload: unknown, wanted: string): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || payload instanceof Date) {
    throw refused(`msg.payload must be an object with ${wanted}, but it was ${describeValue(payload)}.`);
  }
  return payload as Record<string, unknown>;
}

/**
 * The order id in `msg.payload.orderid`: a string of digits (white space around it is dropped),
 * or a number only while it is a safe integer — a bigger one has already lost digits.
 */
export function parseOrderId(payload: unknown): string {
  const { orderid } = payloadObject(payload, 'orderid, e.g. { "orderid": "1131250211100" }');
  if (typeof orderid === 'number') {
    if (Number.isSafeInteger(orderid) && orderid >= 0) return String(orderid);
    if (Number.isInteger(orderid) && orderid > 0) {
      throw refused(
        `msg.payload.orderid ${orderid} is too large for a JavaScript number to hold every digit: it may have lost some. Send the order id as a string.`,
      );
    }
  }
  const text = typeof orderid === 'string' ? orderid.trim() : undefined;
  if (text !== undefined && ORDER_ID.test(text)) return text;
  throw refused(`msg.payload.orderid must be mStock's order id, a string of digits such as "1131250211100", but it was ${describeValue(orderid)}.`);
}

export interface TradeDates {
  /** The first India day, "YYYY-MM-DD". */
  fromdate: string;
  /** The last India day (included), "YYYY-MM-DD". */
  todate: string;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** The India calendar day of an instant, "YYYY-MM-DD"; undefined outside the years 1900–9999. */
function indiaDay(epochMs: number): string | undefined {
  if (!(epochMs >= EARLIEST_MS && epochMs <= LATEST_MS)) return undefined;
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 10);
}

function realDay(year: number, month: number, day: number): boolean {
  // Date.UTC reads the years 0–99 as 1900–1999
  return year >= 1900 && month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** "YYYY-MM-DD" alone is that India day; with a time, a Z or an offset names an instant; without one, India time. */
function dayOfText(text: string): string | undefined {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!realDay(year, month, day)) return undefined;
  const written = `${m[1]}-${m[2]}-${m[3]}`;
  if (m[4] === undefined) return written;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = m[7];
  if (zone === undefined) return written;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 14 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return indiaDay(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000);
}

function dayOf(value: unknown, field: 'from' | 'to'): string {
  const name = `msg.payload.${field}`;
  if (value === undefined || value === null || value === '') {
    throw refused(`${name} is missing: give the ${field === 'from' ? 'first' : 'last'} day of the trades, e.g. "2025-01-06".`);
  }
  let day: string | undefined;
  if (value instanceof Date) {
    day = indiaDay(value.getTime());
  } else if (typeof value === 'number') {
    if (Number.isFinite(value) && Math.abs(value) < SMALLEST_EPOCH_MS) {
      throw refused(`${name} ${value} is not a date in epoch milliseconds (is it in seconds?). Send a Date, "YYYY-MM-DD" or epoch milliseconds.`);
    }
    day = indiaDay(value);
  } else if (typeof value === 'string' && value.length <= MAX_SHOWN) {
    day = dayOfText(value);
  }
  if (day === undefined) {
    throw refused(`${name} must be a date: a Date, an ISO-8601 text such as "2025-01-06" or "2025-01-06T09:15:00+05:30", or epoch milliseconds; it was ${describeValue(value)}.`);
  }
  return day;
}

/**
 * The trade history's dates from `msg.payload.from` and `.to` (each a Date, an ISO-8601 text,
 * "YYYY-MM-DD" or epoch milliseconds) as the India days mStock's `trades` call takes.
 */
export function parseTradeDates(payload: unknown): TradeDates {
  const given = payloadObject(payload, 'from and to, e.g. { "from": "2025-01-06", "to": "2025-01-07" }');
  const fromdate = dayOf(given.from, 'from');
  const todate = dayOf(given.to, 'to');
  if (fromdate > todate) {
    throw refused(`msg.payload.from (${fromdate}) is after msg.payload.to (${todate}): the first day must come first.`);
  }
  return { fromdate, todate };
}

// ---------------------------------------------------------------------------------------------
// What mstock-order reads from a message: the order to place, the change to an order, the order to
// cancel (FACTS-TRADING §1.7, §2.1–2.3). Every check runs before anything is sent.

export const ORDER_TYPES = ['MARKET', 'LIMIT', 'STOPLOSS_LIMIT', 'STOPLOSS_MARKET'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];
/** The other spellings the docs, the SDKs and the order book use (§1.7); the broker-accepted one is sent. */
const ORDER_TYPE_ALIASES: Readonly<Record<string, OrderType>> = {
  SL: 'STOPLOSS_LIMIT',
  STOP_LOSS: 'STOPLOSS_LIMIT',
  'SL-L': 'STOPLOSS_LIMIT',
  'SL-M': 'STOPLOSS_MARKET',
  SLM: 'STOPLOSS_MARKET',
  STOP_LOSS_MARKET: 'STOPLOSS_MARKET',
};
export const SIDES = ['BUY', 'SELL'] as const;
export const PRODUCT_TYPES = ['DELIVERY', 'INTRADAY', 'MARGIN', 'CARRYFORWARD'] as const;
export const DURATIONS = ['DAY', 'IOC'] as const;
export const VARIETIES = ['NORMAL', 'STOPLOSS', 'AMO', 'ROBO'] as const;
/** "length of the tag should be less than 20 characters" (§2.1). */
export const MAX_ORDERTAG_LENGTH = 19;
const EXCHANGE_NAMES = ['NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'MCX'] as const;
/** Derivative rows of the order book say NSE or BSE (§1.6): their segment is read from the instrument type. */
const DERIVATIVE_TYPES: ReadonlySet<string> = new Set(['OPTIDX', 'OPTSTK', 'FUTIDX', 'FUTSTK']);

const isStopLoss = (type: OrderType): boolean => type === 'STOPLOSS_LIMIT' || type === 'STOPLOSS_MARKET';
const needsPrice = (type: OrderType): boolean => type === 'LIMIT' || type === 'STOPLOSS_LIMIT';

/** The fields of an order as mStock takes them, every value a string (§2.1). */
export interface OrderFields {
  exchange: string;
  transactiontype: string;
  ordertype: OrderType;
  quantity: string;
  producttype: string;
  price: string;
  triggerprice: string;
  duration: string;
  variety: string;
  disclosedquantity: string;
  ordertag: string;
}

/** An order to place: the instrument still to be found in the master, and the checked fields. */
export interface PlaceOrderRequest {
  /** `instrument` as given, or { exchange, symbol, token } from the broker's field names. */
  instrument: unknown;
  fields: OrderFields;
}

type Given = Record<string, unknown>;

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

function oneOf<T extends string>(given: Given, key: string, allowed: readonly T[], fallback?: T): T {
  const value = given[key];
  if (!present(value) && fallback !== undefined) return fallback;
  const text = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
  const match = allowed.find((choice) => choice === text);
  if (match) return match;
  const list = allowed.map((c) => `"${c}"`).join(', ');
  if (!present(value)) throw refused(`msg.payload.${key} is missing: give one of ${list}.`);
  throw refused(`msg.payload.${key} must be one of ${list}, but it was ${describeValue(value)}.`);
}

function orderTypeOf(value: unknown, where: string): OrderType {
  const text = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
  const match = text === undefined ? undefined : (ORDER_TYPES.find((t) => t === text) ?? ORDER_TYPE_ALIASES[text]);
  if (match) return match;
  const list = ORDER_TYPES.map((c) => `"${c}"`).join(', ');
  if (!present(value)) throw refused(`${where} is missing: give one of ${list}.`);
  throw refused(`${where} must be one of ${list}, but it was ${describeValue(value)}.`);
}

/** A whole number of at least `min`, given as a number or a string of digits. */
function wholeNumber(value: unknown, where: string, min: number): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) n = Number(value);
  if (n === undefined || !Number.isSafeInteger(n) || n < min) {
    throw refused(`${where} must be a whole number of ${min} or more, but it was ${describeValue(value)}.`);
  }
  return n;
}

/** A price in rupees of 0 or more, given as a number or a numeric string such as "194.50". */
function rupees(value: unknown, where: string): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d{1,12}(\.\d{1,4})?\s*$/.test(value)) n = Number(value);
  if (n === undefined || !Number.isFinite(n) || n < 0 || n > 1e12) {
    throw refused(`${where} must be a price in rupees, a number of 0 or more such as 194.5, but it was ${describeValue(value)}.`);
  }
  return n;
}

function orderTag(value: unknown): string {
  if (!present(value)) return '';
  if (typeof value !== 'string') throw refused(`msg.payload.ordertag must be text, but it was ${describeValue(value)}.`);
  if (value.length > MAX_ORDERTAG_LENGTH) {
    throw refused(`msg.payload.ordertag must be under 20 characters (mStock's limit), but it has ${value.length}.`);
  }
  return value;
}

/**
 * Checks the fields of an order together: a positive price for limit orders, a trigger price for
 * stop-loss orders and none for others, no price on a market order, a disclosed quantity no larger
 * than the quantity. `where` names the message's fields ("msg.payload").
 */
function checkedFields(fields: OrderFields): OrderFields {
  const { ordertype } = fields;
  const price = Number(fields.price);
  const trigger = Number(fields.triggerprice);
  if (needsPrice(ordertype) && !(price > 0)) {
    throw refused(`msg.payload.price must be more than 0 for a ${ordertype} order, but it was ${fields.price === '' ? 'missing' : fields.price}.`);
  }
  if (!needsPrice(ordertype) && price !== 0) {
    throw refused(`msg.payload.price must be 0 or left out for a ${ordertype} order (it fills at the market price), but it was ${fields.price}.`);
  }
  if (isStopLoss(ordertype) && !(trigger > 0)) {
    throw refused(`msg.payload.triggerprice must be more than 0 for a ${ordertype} order, but it was ${fields.triggerprice === '0' ? 'missing or 0' : fields.triggerprice}.`);
  }
  if (!isStopLoss(ordertype) && trigger !== 0) {
    throw refused(`msg.payload.triggerprice is only for stop-loss orders (STOPLOSS_LIMIT, STOPLOSS_MARKET), not ${ordertype}; it was ${fields.triggerprice}.`);
  }
  if (Number(fields.disclosedquantity) > Number(fields.quantity)) {
    throw refused(`msg.payload.disclosedquantity (${fields.disclosedquantity}) must not be more than the quantity (${fields.quantity}).`);
  }
  return fields;
}

/** The exchange an order names, from `instrument` or `exchange`, checked against the known ones. */
function exchangeOfOrder(given: Given): string {
  const { instrument } = given;
  let value: unknown = given.exchange;
  if (typeof instrument === 'string' && instrument.includes(':')) value = instrument.slice(0, instrument.indexOf(':'));
  else if (typeof instrument === 'object' && instrument !== null && !Array.isArray(instrument)) value = (instrument as Given).exchange;
  const text = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
  const match = EXCHANGE_NAMES.find((e) => e === text);
  if (match) return match;
  const where = present(instrument) ? 'The exchange of msg.payload.instrument' : 'msg.payload.exchange';
  const list = EXCHANGE_NAMES.join(', ');
  if (!present(value)) throw refused(`${where} is missing: give one of ${list}, e.g. "instrument": "NSE:SBIN-EQ".`);
  throw refused(`${where} must be one of ${list}, but it was ${describeValue(value)}.`);
}

function instrumentOfOrder(given: Given, exchange: string): unknown {
  const { instrument, tradingsymbol, symboltoken } = given;
  if (present(instrument)) {
    if (present(tradingsymbol) || present(symboltoken)) {
      throw refused('msg.payload has both instrument and tradingsymbol/symboltoken: give one or the other.');
    }
    if (present(given.exchange) && String(given.exchange).trim().toUpperCase() !== exchange) {
      throw refused(`msg.payload.exchange (${describeValue(given.exchange)}) is not the exchange of msg.payload.instrument (${exchange}).`);
    }
    return instrument;
  }
  if (!present(tradingsymbol) && !present(symboltoken)) {
    throw refused('msg.payload names no instrument: give "instrument" (e.g. "NSE:SBIN-EQ"), or "exchange" with "tradingsymbol" or "symboltoken".');
  }
  if (present(tradingsymbol) && typeof tradingsymbol !== 'string') {
    throw refused(`msg.payload.tradingsymbol must be text such as "SBIN-EQ", but it was ${describeValue(tradingsymbol)}.`);
  }
  return {
    exchange,
    ...(present(tradingsymbol) ? { symbol: tradingsymbol } : {}),
    ...(present(symboltoken) ? { token: symboltoken } : {}),
  };
}

/**
 * The order in `msg.payload`, checked: the broker's field names (or `instrument` in place of
 * tradingsymbol and symboltoken), numbers as numbers or numeric strings, the defaults filled in
 * (variety NORMAL, or STOPLOSS for stop-loss types; duration DAY; price 0 for market orders).
 * The instrument is looked up afterwards (resolveOrderInstrument).
 */
export function parsePlaceOrder(payload: unknown): PlaceOrderRequest {
  const given = payloadObject(payload, 'the order, e.g. { "instrument": "NSE:SBIN-EQ", "transactiontype": "BUY", "ordertype": "MARKET", "quantity": 1, "producttype": "DELIVERY" }');
  const exchange = exchangeOfOrder(given);
  const instrument = instrumentOfOrder(given, exchange);
  const transactiontype = oneOf(given, 'transactiontype', SIDES);
  const ordertype = orderTypeOf(given.ordertype, 'msg.payload.ordertype');
  const quantity = wholeNumber(given.quantity, 'msg.payload.quantity', 1);
  const producttype = oneOf(given, 'producttype', PRODUCT_TYPES);
  const price = present(given.price) ? rupees(given.price, 'msg.payload.price') : 0;
  const triggerprice = present(given.triggerprice) ? rupees(given.triggerprice, 'msg.payload.triggerprice') : 0;
  const fields = checkedFields({
    exchange,
    transactiontype,
    ordertype,
    quantity: String(quantity),
    producttype,
    price: String(price),
    triggerprice: String(triggerprice),
    duration: oneOf(given, 'duration', DURATIONS, 'DAY'),
    variety: oneOf(given, 'variety', VARIETIES, isStopLoss(ordertype) ? 'STOPLOSS' : 'NORMAL'),
    disclosedquantity: String(present(given.disclosedquantity) ? wholeNumber(given.disclosedquantity, 'msg.payload.disclosedquantity', 0) : 0),
    ordertag: orderTag(given.ordertag),
  });
  return { instrument, fields };
}

/** The master's row for the order's instrument; one it does not know is MSTOCK_INVALID_INPUT naming it. */
export function resolveOrderInstrument(master: { resolve(instrument: unknown): Instrument }, request: PlaceOrderRequest): Instrument {
  try {
    return master.resolve(request.instrument);
  } catch (err) {
    if (err instanceof MStockError && err.code === ErrorCode.INVALID_INPUT) throw refused(`The order's instrument: ${err.message}`);
    throw err;
  }
}

/** The body of the place call (§2.1), with the trading symbol and token of the master's row. */
export function placeOrderBody(request: PlaceOrderRequest, instrument: Instrument): Record<string, string> {
  const f = request.fields;
  return {
    variety: f.variety,
    tradingsymbol: instrument.symbol,
    symboltoken: instrument.token,
    exchange: instrument.exchange,
    transactiontype: f.transactiontype,
    ordertype: f.ordertype,
    quantity: f.quantity,
    producttype: f.producttype,
    price: f.price,
    triggerprice: f.triggerprice,
    // [PROD] sends these three always, with these values
    squareoff: '0',
    stoploss: '0',
    trailingStopLoss: '',
    disclosedquantity: f.disclosedquantity,
    duration: f.duration,
    ordertag: f.ordertag,
  };
}

/** The fields a modify may change. */
const CHANGEABLE = ['quantity', 'price', 'triggerprice', 'ordertype', 'producttype', 'duration', 'disclosedquantity'] as const;

export interface ModifyOrderRequest {
  orderid: string;
  /** The changes as given, each checked on its own; checked together once merged with the order. */
  changes: Partial<Record<(typeof CHANGEABLE)[number], string>>;
}

/** `msg.payload.orderid` and the fields to change (quantity, price, triggerprice, ordertype, producttype, duration, disclosedquantity). */
export function parseModifyOrder(payload: unknown): ModifyOrderRequest {
  const orderid = parseOrderId(payload);
  const given = payload as Given;
  const changes: ModifyOrderRequest['changes'] = {};
  if (present(given.quantity)) changes.quantity = String(wholeNumber(given.quantity, 'msg.payload.quantity', 1));
  if (present(given.price)) changes.price = String(rupees(given.price, 'msg.payload.price'));
  if (present(given.triggerprice)) changes.triggerprice = String(rupees(given.triggerprice, 'msg.payload.triggerprice'));
  if (present(given.ordertype)) changes.ordertype = orderTypeOf(given.ordertype, 'msg.payload.ordertype');
  if (present(given.producttype)) changes.producttype = oneOf(given, 'producttype', PRODUCT_TYPES);
  if (present(given.duration)) changes.duration = oneOf(given, 'duration', DURATIONS);
  if (present(given.disclosedquantity)) changes.disclosedquantity = String(wholeNumber(given.disclosedquantity, 'msg.payload.disclosedquantity', 0));
  if (Object.keys(changes).length === 0) {
    throw refused(`msg.payload has nothing to change: give orderid and one or more of ${CHANGEABLE.join(', ')}.`);
  }
  return { orderid, changes };
}

const bookText = (row: Given, key: string): string => (typeof row[key] === 'string' ? (row[key] as string).trim() : typeof row[key] === 'number' ? String(row[key]) : '');

/** The row of `orderid` in the order book's `data` (rows as mStock sends them), if it is there. */
export function findBookOrder(data: unknown, orderid: string): Given | undefined {
  if (!Array.isArray(data)) return undefined;
  return data.find((row): row is Given => typeof row === 'object' && row !== null && bookText(row as Given, 'orderid') === orderid);
}

/**
 * The body of the modify call (§2.2): the order as the order book shows it, with the changes laid
 * over it, checked as a new order would be.
 */
export function modifyOrderBody(request: ModifyOrderRequest, bookRow: Given): Record<string, string> {
  const exchangeShown = bookText(bookRow, 'exchange').toUpperCase();
  const derivative = DERIVATIVE_TYPES.has(bookText(bookRow, 'instrumenttype').toUpperCase());
  const exchange = derivative && exchangeShown === 'NSE' ? 'NFO' : derivative && exchangeShown === 'BSE' ? 'BFO' : exchangeShown;
  const number = (key: string): string => {
    const text = bookText(bookRow, key);
    return text === '' || Number.isNaN(Number(text)) ? '0' : String(Number(text));
  };
  const c = request.changes;
  const ordertype = c.ordertype ? (c.ordertype as OrderType) : orderTypeOf(bookText(bookRow, 'ordertype'), `The order book's ordertype of ${request.orderid}`);
  // a price or trigger the new type does not take is dropped rather than refused: it was the old type's
  const price = c.price ?? (needsPrice(ordertype) ? number('price') : '0');
  const triggerprice = c.triggerprice ?? (isStopLoss(ordertype) ? number('triggerprice') : '0');
  const variety = VARIETIES.find((v) => v === bookText(bookRow, 'variety').toUpperCase()) ?? (isStopLoss(ordertype) ? 'STOPLOSS' : 'NORMAL');
  const fields = checkedFields({
    exchange,
    transactiontype: bookText(bookRow, 'transactiontype').toUpperCase(),
    ordertype,
    quantity: c.quantity ?? number('quantity'),
    producttype: c.producttype ?? bookText(bookRow, 'producttype').toUpperCase(),
    price,
    triggerprice,
    duration: c.duration ?? (bookText(bookRow, 'duration').toUpperCase() || 'DAY'),
    variety,
    disclosedquantity: c.disclosedquantity ?? number('disclosedquantity'),
    ordertag: '',
  });
  return {
    variety: fields.variety,
    tradingsymbol: bookText(bookRow, 'tradingsymbol'),
    symboltoken: bookText(bookRow, 'symboltoken'),
    exchange: fields.exchange,
    transactiontype: fields.transactiontype,
    orderid: request.orderid,
    ordertype: fields.ordertype,
    quantity: fields.quantity,
    producttype: fields.producttype,
    duration: fields.duration,
    price: fields.price,
    triggerprice: fields.triggerprice,
    disclosedquantity: fields.disclosedquantity,
    modqty_remng: '0',
  };
}

/** What mstock-order sends on: the action, mStock's order id (a trimmed string) and its message. */
export interface OrderOutcome {
  action: string;
  orderid?: string;
  message: string;
}

/**
 * The outcome of a successful order call: the order id from `data` (`orderid`, or `order_id` /
 * `uniqueorderid` as other answers spell it; an object or a list of one), else the one the call
 * was for. A place answered without any order id is MSTOCK_ORDER_UNCERTAIN: it was accepted, but
 * which order it is can only be seen in the order book.
 */
export function orderOutcome(action: string, envelope: { message?: unknown; data?: unknown }, sentOrderId?: string): OrderOutcome {
  let data: unknown = envelope.data;
  if (Array.isArray(data) && data.length === 1) data = data[0];
  const row = typeof data === 'object' && data !== null ? (data as Given) : {};
  const idOf = (key: string): string => {
    const value = row[key];
    return typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : '';
  };
  const orderid = idOf('orderid') || idOf('order_id') || idOf('uniqueorderid') || sentOrderId;
  const message = typeof envelope.message === 'string' && envelope.message.trim() !== '' ? envelope.message.trim() : 'SUCCESS';
  if (action === 'place' && !orderid) {
    throw new MStockError(
      ErrorCode.ORDER_UNCERTAIN,
      `mStock accepted the order ("${message}") but sent no order id, so which order it is cannot be told: check the order book before sending it again.`,
    );
  }
  return orderid ? { action, orderid, message } : { action, message };
}
