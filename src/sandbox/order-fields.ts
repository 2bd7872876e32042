import { PaperAccountRefusal } from './refusal';

/**
 * The fields of a place or modify order body, read and checked as the broker does before an order
 * exists (FACTS-TRADING.md §2.1, §2.2, §1.7). A bad field is HTTP 400 IA400 with a sentence in the
 * broker's style; the two sentences FACTS quotes verbatim ("Trigger price can not be blank.",
 * "Enter valid trigger price.") are used word for word, the others are written in their manner.
 * No state here: the paper account decides what an order does.
 */

export type OrderType = 'MARKET' | 'LIMIT' | 'STOPLOSS_LIMIT' | 'STOPLOSS_MARKET';
export type Side = 'BUY' | 'SELL';

/** Every spelling of each order type FACTS-TRADING.md §1.7 says the broker takes. */
const ORDER_TYPES: Readonly<Record<string, OrderType>> = {
  MARKET: 'MARKET',
  LIMIT: 'LIMIT',
  STOPLOSS_LIMIT: 'STOPLOSS_LIMIT',
  STOP_LOSS: 'STOPLOSS_LIMIT',
  SL: 'STOPLOSS_LIMIT',
  STOPLOSS_MARKET: 'STOPLOSS_MARKET',
  STOP_LOSS_MARKET: 'STOPLOSS_MARKET',
  'SL-M': 'STOPLOSS_MARKET',
};
export const PRODUCT_TYPES = ['DELIVERY', 'INTRADAY', 'MARGIN', 'CARRYFORWARD'] as const;
const VARIETIES = ['NORMAL', 'STOPLOSS', 'AMO', 'ROBO'];
const DURATIONS = ['DAY', 'IOC'];
/** Exchanges the paper account trades; CDS prices are finer than a paisa, which its books do not keep. */
export const PAPER_EXCHANGES = ['NSE', 'BSE', 'NFO', 'BFO', 'MCX'];
const EXCHANGES = [...PAPER_EXCHANGES, 'CDS'];

export const isStopLoss = (type: OrderType): boolean => type === 'STOPLOSS_LIMIT' || type === 'STOPLOSS_MARKET';
/** Whether an order of this type names its own price. */
export const hasLimit = (type: OrderType): boolean => type === 'LIMIT' || type === 'STOPLOSS_LIMIT';

const refuse = (message: string, errorcode = 'IA400'): never => {
  throw new PaperAccountRefusal(errorcode, message);
};

/** A body value as the broker's model binding reads it: strings and numbers as text, anything else absent. */
export function fieldText(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const given = (text: string | undefined): text is string => text !== undefined && text !== '';

export function orderType(body: Record<string, unknown>): OrderType {
  const text = fieldText(body, 'ordertype');
  const type = given(text) ? ORDER_TYPES[text] : undefined;
  return type ?? refuse('Invalid order type. valid order types allowed are MARKET, LIMIT, STOPLOSS_LIMIT and STOPLOSS_MARKET.');
}

export function side(body: Record<string, unknown>): Side {
  const text = fieldText(body, 'transactiontype');
  return text === 'BUY' || text === 'SELL' ? text : refuse('Invalid transaction type. valid transaction types allowed are BUY and SELL.');
}

export function productType(body: Record<string, unknown>): string {
  const text = fieldText(body, 'producttype');
  // the broker's own sentence (FACTS-TRADING.md §1.7), though it takes MARGIN too
  return given(text) && (PRODUCT_TYPES as readonly string[]).includes(text)
    ? text
    : refuse('Invalid product. valid product types allowed are DELIVERY, INTRADAY and CARRYFORWARD.');
}

export function exchange(body: Record<string, unknown>): string {
  const text = fieldText(body, 'exchange');
  if (!given(text) || !EXCHANGES.includes(text)) return refuse('Invalid exchange. valid exchanges allowed are NSE, BSE, NFO, BFO, CDS and MCX.');
  if (!PAPER_EXCHANGES.includes(text)) return refuse(`The sandbox's paper account does not trade ${text} instruments.`);
  return text;
}

export function variety(body: Record<string, unknown>): void {
  const text = fieldText(body, 'variety');
  if (given(text) && !VARIETIES.includes(text)) refuse('Invalid variety. valid varieties allowed are NORMAL, STOPLOSS, AMO and ROBO.');
}

/** DAY when absent. */
export function duration(body: Record<string, unknown>): string {
  const text = fieldText(body, 'duration');
  if (!given(text)) return 'DAY';
  return DURATIONS.includes(text) ? text : refuse('Invalid duration. valid durations allowed are DAY and IOC.');
}

/** A whole positive number of shares, in whole lots. */
export function quantity(body: Record<string, unknown>, lotSize: number): number {
  const text = fieldText(body, 'quantity');
  if (!given(text) || !/^\d+$/.test(text) || Number(text) <= 0) return refuse('Invalid quantity. Quantity should be a whole number greater than 0.');
  const shares = Number(text);
  if (shares % lotSize !== 0) refuse(`Invalid quantity. Quantity should be in multiples of the lot size ${lotSize}.`);
  return shares;
}

/** Rupees in a body ("194.50", 2240) as paise on the instrument's tick; `undefined` when absent or blank. */
function paise(text: string | undefined, tickPaise: number, message: string, errorcode = 'IA400'): number | undefined {
  if (!given(text)) return undefined;
  const rupees = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  const value = Math.round(rupees * 100);
  if (!(value > 0) || Math.abs(rupees * 100 - value) > 1e-6) return refuse(message, errorcode);
  if (value % tickPaise !== 0) return refuse(`${message.replace(/\.$/, '')}: it should be in multiples of the tick size ${tickPaise / 100}.`, errorcode);
  return value;
}

/** The limit price, paise, for the order types that have one; 0 for the others (a market order's price is ignored). */
export function limitPrice(body: Record<string, unknown>, type: OrderType, tickPaise: number): number {
  if (!hasLimit(type)) return 0;
  return paise(fieldText(body, 'price'), tickPaise, 'Enter valid price.') ?? refuse('Price can not be blank.');
}

/** The trigger price, paise, for stop-loss orders, on the right side of the limit; 0 for the others. */
export function triggerPrice(body: Record<string, unknown>, type: OrderType, buySell: Side, limit: number, tickPaise: number): number {
  if (!isStopLoss(type)) return 0;
  const trigger = paise(fieldText(body, 'triggerprice'), tickPaise, 'Enter valid trigger price.', '400') ?? refuse('Trigger price can not be blank.');
  // a stop-loss buy triggers on the way up and buys up to its limit; a sell the other way round
  if (type === 'STOPLOSS_LIMIT' && (buySell === 'BUY' ? trigger > limit : trigger < limit)) refuse('Enter valid trigger price.', '400');
  return trigger;
}

/** The order tag: under 20 characters (FACTS-TRADING.md §2.1). */
export function orderTag(body: Record<string, unknown>): string {
  const text = fieldText(body, 'ordertag') ?? '';
  return text.length < 20 ? text : refuse('Invalid ordertag. The length of the tag should be less than 20 characters.');
}

/** Disclosed quantity: none, or at least 30% of the quantity and less than all of it. */
export function disclosedQuantity(body: Record<string, unknown>, shares: number): void {
  const text = fieldText(body, 'disclosedquantity');
  if (!given(text) || text === '0') return;
  const disclosed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(disclosed >= shares * 0.3 && disclosed < shares)) refuse('Invalid disclosed quantity. Keep more than 30% of quantity and less than the quantity.');
}
