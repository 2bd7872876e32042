import { parseIndiaTime } from '../api/rows';
import type { Clock } from '../session/clock';
import { IST_OFFSET_MS } from '../session/india-time';
import type { Market, TradableInstrument } from './market';
import * as fields from './order-fields';
import { hasLimit, isStopLoss, type OrderType } from './order-fields';
import { PaperAccountRefusal } from './refusal';

export { PaperAccountRefusal } from './refusal';

/**
 * The sandbox's paper account: orders, fills and holdings kept in one place (`state`), and the
 * answers of the read endpoints built from them in exactly the broker's shapes — the key names,
 * key order, string-or-number types and date formats of the verbatim samples in
 * ../shared/api/samples (docs-draft and Python SDK mocks). No HTTP here: the server wraps these
 * rows in the envelope. Prices are kept in paise so sums never drift.
 *
 * Paper trading, on the account's clock and at the Market's prices (the price path quotes and
 * candles are cut from):
 * - a market order fills at once, whole, at the price of the moment;
 * - a limit order fills whole when the price reaches it (a buy at or below its limit, a sell at or
 *   above): at the price of the moment when it is placed (or modified) already in reach, at its
 *   limit when the price comes to it later;
 * - a stop-loss order waits for its trigger (a buy when the price rises to it, a sell when it falls
 *   to it) and is then a limit (STOPLOSS_LIMIT) or market (STOPLOSS_MARKET) order;
 * - `match()` looks at the open orders; the server calls it on every request and once a second;
 * - an IOC order not filled when it arrives is cancelled; a limit price of an equity outside ±20%
 *   of the previous close is rejected by the "exchange" (status Rejected, the place call succeeds);
 * - margin: INTRADAY orders and futures block 20% of their value, the others all of it; an order whose
 *   margin exceeds the available funds, or a DELIVERY sale of more than is held, is an RMS
 *   rejection (the order is booked Rejected with the RMS text, and the call answers it);
 * - a DELIVERY buy of an equity adds to holdings at once, its shares counted in `quantity` and,
 *   until the next India day, in `t1quantity`; a DELIVERY sale takes from them;
 * - funds: the fund summary's available balance and AMOUNT_UTILIZED move by the margin and cash
 *   the account's orders since it started use (the seed's own figures stay as they are), and
 *   REALISED_PROFITS by the profit of closed quantities;
 * - the seed's open order is part of the fixed picture the demo flows show: it is not filled by
 *   the price until it is modified; it can be cancelled.
 */

export type BrokerValue = string | number | null;
export type BrokerRow = Record<string, BrokerValue>;

export interface PaperInstrument {
  /** The exchange orders name: NSE, BSE, NFO, BFO or MCX. */
  readonly exchange: string;
  readonly token: string;
  /** As books show it: "ACC" for an equity (the order's trading symbol is "ACC-EQ"), the contract's name for derivatives. */
  readonly symbol: string;
  /** As orders name it: "ACC-EQ". */
  readonly tradingSymbol: string;
  /** EQUITY, OPTSTK, FUTIDX, … */
  readonly instrumentType: string;
  readonly lotSize: number;
  /** Tick size, paise. */
  readonly tick: number;
  /** The company name, as holdings and the trade history show it. */
  readonly name: string;
  readonly isin: string;
  /** Last traded price, paise. */
  ltp: number;
  /** Previous close, paise. */
  readonly close: number;
}

export type OrderStatus = 'Traded' | 'Pending' | 'Rejected' | 'Cancelled';

export interface PaperOrder {
  readonly orderid: string;
  exchangeorderid: string;
  readonly instrument: PaperInstrument;
  readonly transactiontype: 'BUY' | 'SELL';
  ordertype: OrderType;
  readonly producttype: string;
  readonly duration: string;
  /** A stop-loss order whose trigger price has been reached. */
  triggered: boolean;
  /** Part of the seed's fixed picture: the price does not fill it until it is modified. */
  seeded: boolean;
  quantity: number;
  /** Limit price, paise; 0 for market orders. */
  price: number;
  /** Trigger price, paise; 0 when none. */
  triggerprice: number;
  ordertag: string;
  status: OrderStatus;
  /** The broker's text: "CONFIRMED" once the exchange has it, the reason when rejected. */
  text: string;
  readonly placedAt: number;
  updatedAt: number;
}

export interface PaperFill {
  readonly fillid: string;
  readonly order: PaperOrder;
  readonly quantity: number;
  /** Paise. */
  readonly price: number;
  readonly at: number;
}

export interface PaperHolding {
  readonly instrument: PaperInstrument;
  quantity: number;
  /** Average buy price, paise. */
  averagePrice: number;
  /** Shares of `quantity` bought on `t1Day` (an India day number), still settling that day. */
  t1Quantity?: number;
  t1Day?: number;
}

/** Everything the account holds. Fills are the one source of positions and trades. */
export interface PaperState {
  orders: PaperOrder[];
  fills: PaperFill[];
  holdings: PaperHolding[];
  nextOrderSeq: number;
  nextFillId: number;
  nextExchangeOrderId: number;
}

export interface PaperAccountOptions {
  /** Where prices come from; without it the account only answers reads. */
  market?: Market;
  /** The fund summary's available balance before the account's own orders (a numeric string); no limit when absent. */
  availableBalance?: () => string;
  /** Named in RMS rejections. */
  clientCode?: string;
}

/** Margin and cash the account's orders use, and profit they made, paise. */
export interface FundsUse {
  used: number;
  realised: number;
}

/** The share of an order's value it blocks: a fifth for INTRADAY orders and futures, all of it otherwise. */
const marginRate = (product: string, instrument: PaperInstrument): number => (product === 'INTRADAY' || instrument.instrumentType.startsWith('FUT') ? 0.2 : 1);
/** The order book's names of the stop-loss types (the docs-draft order book shows "SL"). */
const BOOK_ORDER_TYPE: Readonly<Record<string, string>> = { STOPLOSS_LIMIT: 'SL', STOPLOSS_MARKET: 'SL-M' };
/** The exchange books name: NSE and BSE for their derivatives too (FACTS-TRADING.md §1.6). */
const bookExchange = (exchange: string): string => (exchange === 'NFO' ? 'NSE' : exchange === 'BFO' ? 'BSE' : exchange);
const NOT_FOUND = 'Order Does not Exsist.Need to refresh orderbook / relogin in application ';
const PRICE_BAND = 'EXCH:16284:The order price is out of the days price range.';

const DAY_MS = 24 * 60 * 60 * 1000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** India wall-clock parts of an instant. */
function indiaParts(epochMs: number) {
  const d = new Date(epochMs + IST_OFFSET_MS);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return {
    year: String(d.getUTCFullYear()),
    yy: pad(d.getUTCFullYear() % 100),
    mon: MONTHS[d.getUTCMonth()],
    mm: pad(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    time12: `${pad(((d.getUTCHours() + 11) % 12) + 1)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`,
  };
}

/** "2024-Nov-06 12:42:18": the order book's updatetime (docs-draft order book). */
const bookTime = (at: number): string => {
  const p = indiaParts(at);
  return `${p.year}-${p.mon}-${p.dd} ${p.time}`;
};
/** "2024-Nov-28": the order book's expirydate. */
const bookDate = (at: number): string => {
  const p = indiaParts(at);
  return `${p.year}-${p.mon}-${p.dd}`;
};
/** "23-01-2025 03:14:25 PM": the order details' updatetime (docs-draft order details). */
const detailsTime = (at: number): string => {
  const p = indiaParts(at);
  return `${p.dd}-${p.mm}-${p.year} ${p.time12}`;
};
/** "14:48:23": the trade history's filltime. */
const clockTime = (at: number): string => indiaParts(at).time;

const indiaDayStart = (epochMs: number): number => Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
const indiaDayNumber = (epochMs: number): number => Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);

/** Paise as the books write rupees: "800.1", "80010", "0". */
const rupees = (paise: number): string => String(Math.round(paise) / 100);
/** Paise with two decimals, as the order book writes its price: "2400.00". */
const rupees2 = (paise: number): string => (Math.round(paise) / 100).toFixed(2);
/** Rupees as a JSON number, as holdings send them. */
const rupeeNumber = (paise: number): number => Math.round(paise) / 100;

/** Fills newest first; of two in the same second, the later one first (sort is stable). */
const newestFirst = (fills: PaperFill[]): PaperFill[] => [...fills].reverse().sort((a, b) => b.at - a.at);

const INSTRUMENTS: readonly Pick<PaperInstrument, 'token' | 'symbol' | 'name' | 'isin' | 'close'>[] = [
  { token: '22', symbol: 'ACC', name: 'ACC LIMITED', isin: 'INE012A01025', close: 194_210 },
  { token: '3045', symbol: 'SBIN', name: 'STATE BANK OF INDIA', isin: 'INE062A01020', close: 77_980 },
  { token: '1594', symbol: 'INFY', name: 'INFOSYS LIMITED', isin: 'INE009A01021', close: 188_125 },
  { token: '2885', symbol: 'RELIANCE', name: 'RELIANCE INDUSTRIES LTD', isin: 'INE002A01018', close: 127_640 },
  { token: '11536', symbol: 'TCS', name: 'TATA CONSULTANCY SERVICES LIMITED', isin: 'INE467B01029', close: 408_930 },
];
const OPENING_LTP: Record<string, number> = { ACC: 195_835, SBIN: 78_410, INFY: 189_360, RELIANCE: 128_145, TCS: 410_200 };

export class PaperAccount {
  /** The whole account; later order calls change it and every answer reads from it. */
  readonly state: PaperState;
  /** By token (tokens are unique across exchanges in the sandbox's market). */
  private readonly instruments = new Map<string, PaperInstrument>();
  private readonly market?: Market;
  private readonly options: PaperAccountOptions;
  /** What the seed itself uses: the fund summary shows only what changed since. */
  private readonly seedFunds: FundsUse;

  constructor(
    private readonly clock: Clock,
    options: PaperAccountOptions = {},
  ) {
    this.options = options;
    this.market = options.market;
    for (const seed of INSTRUMENTS) {
      this.instruments.set(seed.token, {
        ...seed, exchange: 'NSE', tradingSymbol: `${seed.symbol}-EQ`, instrumentType: 'EQUITY', lotSize: 1, tick: 5, ltp: OPENING_LTP[seed.symbol],
      });
    }
    this.state = { orders: [], fills: [], holdings: [], nextOrderSeq: 100, nextFillId: 68_334_426, nextExchangeOrderId: 17_276 };
    this.seed();
    this.seedFunds = this.fundsInUse();
  }

  // ---- orders ----

  /**
   * `orders/regular` POST: checks the body as the broker does (IA400 refusals, nothing booked),
   * books the order, then applies the RMS check (`rmsRejection` forces a rejection) and the
   * exchange's price band, and fills what the price allows.
   */
  place(body: Record<string, unknown>, { rmsRejection = false } = {}): PaperOrder {
    const market = this.requireMarket();
    fields.variety(body);
    const exchange = fields.exchange(body);
    const token = fields.fieldText(body, 'symboltoken') ?? '';
    if (token === '') throw new PaperAccountRefusal('IA400', 'Invalid symboltoken: symboltoken can not be blank.');
    const tradable = market.tradable(exchange, token);
    if (!tradable) throw new PaperAccountRefusal('IA400', `Invalid symboltoken: ${token} is not an instrument of ${exchange}.`);
    const named = fields.fieldText(body, 'tradingsymbol')?.toUpperCase();
    const names = [tradable.tradingSymbol.toUpperCase(), ...(tradable.instrumentType === 'EQUITY' ? [tradable.symbol.toUpperCase()] : [])];
    if (named && !names.includes(named)) {
      throw new PaperAccountRefusal('IA400', `Invalid tradingsymbol: ${named} is not symboltoken ${token} (${tradable.tradingSymbol}).`);
    }
    const transactiontype = fields.side(body);
    const ordertype = fields.orderType(body);
    const producttype = fields.productType(body);
    const duration = fields.duration(body);
    const quantity = fields.quantity(body, tradable.lotSize);
    const tick = Math.round(tradable.tick * 100);
    const price = fields.limitPrice(body, ordertype, tick);
    const triggerprice = fields.triggerPrice(body, ordertype, transactiontype, price, tick);
    const ordertag = fields.orderTag(body);
    fields.disclosedQuantity(body, quantity);

    const now = this.clock.now();
    const order = this.newOrder({
      instrument: this.tradedInstrument(tradable, now), transactiontype, ordertype, producttype, duration, quantity, price, triggerprice, ordertag, at: now,
    });
    const rms = this.rmsRefusal(order, rmsRejection);
    if (rms) {
      order.status = 'Rejected';
      order.text = rms;
      order.exchangeorderid = '0';
      throw new PaperAccountRefusal('RS-0111', rms, 200);
    }
    if (hasLimit(ordertype) && order.instrument.instrumentType === 'EQUITY') {
      const close = Math.round(market.previousClose(token) * 100);
      if (price < close * 0.8 || price > close * 1.2) {
        order.status = 'Rejected';
        order.text = PRICE_BAND;
        return order;
      }
    }
    this.work(order, now, true);
    if (order.status === 'Pending' && duration === 'IOC') order.status = 'Cancelled';
    return order;
  }

  /**
   * `orders/regular/{orderid}` PUT: changes an open order's type, quantity, price or trigger price;
   * what the body leaves out stays, except a stop-loss order's trigger price, which must be sent
   * (the broker's "Trigger price can not be blank."). A filled, cancelled or rejected order is
   * refused (RS-0034), as is one not in today's book.
   */
  modify(orderid: string, body: Record<string, unknown>): PaperOrder {
    const order = this.openOrder(orderid, 'RS-0034');
    const sent = (key: string): boolean => (fields.fieldText(body, key) ?? '') !== '';
    const merged: Record<string, unknown> = {
      ordertype: order.ordertype, quantity: String(order.quantity), price: rupees(order.price),
      ...Object.fromEntries(['ordertype', 'quantity', 'price', 'disclosedquantity'].filter(sent).map((key) => [key, body[key]])),
      triggerprice: body.triggerprice,
    };
    const ordertype = fields.orderType(merged);
    const quantity = fields.quantity(merged, order.instrument.lotSize);
    const price = fields.limitPrice(merged, ordertype, order.instrument.tick);
    const triggerprice = fields.triggerPrice(merged, ordertype, order.transactiontype, price, order.instrument.tick);
    fields.disclosedQuantity(merged, quantity);

    const now = this.clock.now();
    if (!isStopLoss(ordertype) || ordertype !== order.ordertype || triggerprice !== order.triggerprice) order.triggered = false;
    Object.assign(order, { ordertype, quantity, price, triggerprice, seeded: false, updatedAt: now });
    this.work(order, now, true);
    return order;
  }

  /** `orders/regular/{orderid}` DELETE: cancels an open order; any other is refused (RS-00093). */
  cancel(orderid: string): PaperOrder {
    const order = this.openOrder(orderid, 'RS-00093');
    order.status = 'Cancelled';
    order.updatedAt = this.clock.now();
    return order;
  }

  /** `orders/cancelall`: cancels every open order of today; the ones it cancelled. */
  cancelAll(): PaperOrder[] {
    const open = this.todaysOrders().filter((o) => o.status === 'Pending');
    for (const order of open) {
      order.status = 'Cancelled';
      order.updatedAt = this.clock.now();
    }
    return open;
  }

  /** Fills and triggers what the price allows now, for every open order of today. */
  match(): void {
    if (!this.market) return;
    const now = this.clock.now();
    for (const order of this.todaysOrders().reverse()) {
      if (order.status === 'Pending' && !order.seeded) this.work(order, now, false);
    }
  }

  /** Margin and cash the account's own orders use now, and the profit they made, paise (the seed's not counted). */
  fundsChange(): FundsUse {
    const now = this.fundsInUse();
    return { used: now.used - this.seedFunds.used, realised: now.realised - this.seedFunds.realised };
  }

  /** `GET orders`: today's orders, newest first (docs-draft order book order). */
  orderBook(): BrokerRow[] {
    return this.todaysOrders().map((order) => this.orderBookRow(order));
  }

  /** `order/details`: the one order in the details shape, or no rows for an unknown id. */
  orderDetails(orderid: string): BrokerRow[] {
    const wanted = String(orderid).trim();
    const order = this.state.orders.find((o) => o.orderid === wanted);
    return order ? [this.orderDetailsRow(order)] : [];
  }

  /** `tradebook`: today's fills, newest first, in the UPPER_CASE keys OpenAlgo reads (FACTS-TRADING.md §2.7). */
  tradeBook(): BrokerRow[] {
    return this.todaysFills().map((fill) => ({
      SEC_ID: fill.order.instrument.token,
      SYMBOL: fill.order.instrument.symbol,
      EXCHANGE: bookExchange(fill.order.instrument.exchange),
      INSTRUMENT_NAME: fill.order.instrument.instrumentType,
      PRODUCT: fill.order.producttype,
      BUY_SELL: fill.order.transactiontype === 'BUY' ? 'Buy' : 'Sell',
      QUANTITY: String(fill.quantity),
      PRICE: rupees2(fill.price),
      TRADE_VALUE: rupees2(fill.price * fill.quantity),
      ORDER_NUMBER: fill.order.orderid,
      // no sample shows this field's format; the order book's is the likeliest
      ORDER_DATE_TIME: bookTime(fill.at),
    }));
  }

  /**
   * `trades`: fills between two India dates, both included, newest first. The dates come as the
   * request sends them ("2024-01-06"; other broker date formats are read too).
   */
  tradeHistory(from: string, to: string): BrokerRow[] {
    const first = this.dayOf(from, 'fromdate');
    const last = this.dayOf(to, 'todate');
    return newestFirst(this.state.fills.filter((fill) => fill.at >= first && fill.at < last + DAY_MS)).map((fill) => ({
        exchange: bookExchange(fill.order.instrument.exchange),
        producttype: fill.order.producttype,
        // the broker cuts the company name to 25 characters ("RASHTRIYA CHEMICALS & FER")
        tradingsymbol: fill.order.instrument.name.slice(0, 25),
        instrumenttype: '',
        symbolgroup: '',
        strikeprice: '',
        optiontype: '',
        expirydate: '',
        marketlot: '',
        precision: '',
        multiplier: '',
        tradevalue: '',
        transactiontype: fill.order.transactiontype,
        fillprice: rupees2(fill.price),
        fillsize: String(fill.quantity),
        orderid: fill.order.orderid,
        fillid: fill.fillid,
        filltime: clockTime(fill.at),
      }));
  }

  /** `portfolio/positions`: today's fills netted per instrument and product. */
  positions(): BrokerRow[] {
    const groups = new Map<string, PaperFill[]>();
    for (const fill of [...this.todaysFills()].reverse()) {
      const key = `${fill.order.instrument.token}|${fill.order.producttype}`;
      groups.set(key, [...(groups.get(key) ?? []), fill]);
    }
    return [...groups.values()].map((fills) => {
      const { instrument, producttype } = fills[0].order;
      const side = (kind: 'BUY' | 'SELL') => {
        const mine = fills.filter((f) => f.order.transactiontype === kind);
        const quantity = mine.reduce((sum, f) => sum + f.quantity, 0);
        const value = mine.reduce((sum, f) => sum + f.quantity * f.price, 0);
        return { quantity, value, average: quantity ? value / quantity : 0 };
      };
      const buy = side('BUY');
      const sell = side('SELL');
      const netqty = buy.quantity - sell.quantity;
      const netvalue = sell.value - buy.value;
      const netprice = netqty ? Math.abs(netvalue / netqty) : 0;
      return {
        exchange: bookExchange(instrument.exchange),
        symboltoken: instrument.token,
        producttype,
        // live answers leave the trading symbol empty (FACTS-TRADING.md §2.9)
        tradingsymbol: '',
        symbolname: instrument.symbol,
        instrumenttype: instrument.instrumentType,
        priceden: '',
        pricenum: '',
        genden: '',
        gennum: '',
        precision: '',
        multiplier: '1',
        boardlotsize: '',
        buyqty: String(buy.quantity),
        sellqty: String(sell.quantity),
        // the samples repeat the average price here
        buyamount: rupees(buy.average),
        sellamount: rupees(sell.average),
        symbolgroup: '',
        strikeprice: '0',
        optiontype: 'XX',
        expirydate: '',
        lotsize: '1',
        cfbuyqty: '0',
        cfsellqty: '0',
        cfbuyamount: '',
        cfsellamount: '',
        buyavgprice: rupees(buy.average),
        sellavgprice: rupees(sell.average),
        avgnetprice: rupees(netprice),
        netvalue: rupees(netvalue),
        netqty: String(netqty),
        totalbuyvalue: rupees(buy.value),
        totalsellvalue: rupees(sell.value),
        cfbuyavgprice: '0',
        cfsellavgprice: '0',
        totalbuyavgprice: '',
        totalsellavgprice: '',
        netprice: rupees(netprice),
      };
    });
  }

  /** `portfolio/holdings`: JSON numbers, company names, `exchange` and `product` null as the samples have them. */
  holdings(): BrokerRow[] {
    const today = indiaDayNumber(this.clock.now());
    return this.state.holdings.map(({ instrument, quantity, averagePrice, t1Quantity, t1Day }) => {
      const invested = averagePrice * quantity;
      const profit = (instrument.ltp - averagePrice) * quantity;
      return {
        tradingsymbol: instrument.name,
        exchange: null,
        isin: instrument.isin,
        t1quantity: t1Day === today ? (t1Quantity ?? 0) : 0,
        realisedquantity: 0,
        quantity,
        authorisedquantity: 0,
        product: null,
        collateralquantity: 0,
        collateraltype: null,
        haircut: 0,
        averageprice: rupeeNumber(averagePrice),
        ltp: rupeeNumber(instrument.ltp),
        symboltoken: instrument.token,
        close: rupeeNumber(instrument.close),
        profitandloss: rupeeNumber(profit),
        pnlpercentage: invested ? Math.round((profit / invested) * 10_000) / 100 : 0,
      };
    });
  }

  private orderBookRow(order: PaperOrder): BrokerRow {
    const { filled, average, lastFill } = this.fillsOf(order);
    const open = order.status === 'Pending';
    return {
      variety: null,
      ordertype: BOOK_ORDER_TYPE[order.ordertype] ?? order.ordertype,
      producttype: order.producttype,
      duration: order.duration,
      price: rupees2(order.price),
      triggerprice: rupees(order.triggerprice),
      quantity: String(order.quantity),
      disclosedquantity: '0',
      squareoff: '0',
      stoploss: '0',
      trailingstoploss: '0',
      tradingsymbol: order.instrument.symbol,
      transactiontype: order.transactiontype,
      exchange: bookExchange(order.instrument.exchange),
      symboltoken: order.instrument.token,
      instrumenttype: order.instrument.instrumentType,
      strikeprice: '0',
      optiontype: 'XX',
      expirydate: bookDate(order.placedAt),
      lotsize: '0',
      cancelsize: order.status === 'Cancelled' ? String(order.quantity - filled) : '0',
      averageprice: rupees(average),
      filledshares: String(filled),
      unfilledshares: open ? String(order.quantity - filled) : '0',
      orderid: order.orderid,
      text: order.text,
      status: order.status,
      orderstatus: order.status,
      updatetime: bookTime(order.updatedAt),
      exchtime: '',
      exchorderupdatetime: bookTime(order.updatedAt),
      fillid: lastFill ? lastFill.fillid : '',
      filltime: lastFill ? clockTime(lastFill.at) : '',
      parentorderid: '',
      uniqueorderid: '',
      exchangeorderid: order.exchangeorderid,
    };
  }

  private orderDetailsRow(order: PaperOrder): BrokerRow {
    const { filled, average, lastFill } = this.fillsOf(order);
    return {
      variety: null,
      ordertype: BOOK_ORDER_TYPE[order.ordertype] ?? order.ordertype,
      producttype: order.producttype,
      duration: order.duration,
      price: rupeeNumber(order.price),
      triggerprice: rupeeNumber(order.triggerprice),
      quantity: String(order.quantity),
      disclosedquantity: '0',
      squareoff: 0,
      stoploss: 0,
      trailingstoploss: 0,
      tradingsymbol: order.instrument.symbol,
      transactiontype: order.transactiontype,
      exchange: bookExchange(order.instrument.exchange),
      symboltoken: order.instrument.token,
      instrumenttype: order.instrument.instrumentType,
      strikeprice: 0,
      optiontype: '',
      expirydate: bookDate(order.placedAt),
      lotsize: '',
      cancelsize: order.status === 'Cancelled' ? String(order.quantity - filled) : '0',
      averageprice: rupees(average),
      filledshares: String(filled),
      unfilledshares: order.status === 'Pending' ? String(order.quantity - filled) : '0',
      orderid: order.orderid,
      text: order.text,
      status: order.status,
      orderstatus: order.status,
      updatetime: detailsTime(order.updatedAt),
      exchtime: '',
      exchorderupdatetime: '',
      fillid: lastFill ? lastFill.fillid : '',
      filltime: lastFill ? clockTime(lastFill.at) : '',
      parentorderid: '',
      ordertag: order.ordertag,
      uniqueorderid: '',
    };
  }

  private fillsOf(order: PaperOrder): { filled: number; average: number; lastFill?: PaperFill } {
    const fills = this.state.fills.filter((f) => f.order === order);
    const filled = fills.reduce((sum, f) => sum + f.quantity, 0);
    const value = fills.reduce((sum, f) => sum + f.quantity * f.price, 0);
    return { filled, average: filled ? value / filled : 0, lastFill: fills.at(-1) };
  }

  private todaysOrders(): PaperOrder[] {
    const start = indiaDayStart(this.clock.now());
    // newest first; of two placed in the same second, the later one first
    return this.state.orders.filter((o) => o.placedAt >= start && o.placedAt < start + DAY_MS).reverse().sort((a, b) => b.placedAt - a.placedAt);
  }

  private todaysFills(): PaperFill[] {
    const start = indiaDayStart(this.clock.now());
    return newestFirst(this.state.fills.filter((f) => f.at >= start && f.at < start + DAY_MS));
  }

  private dayOf(text: string, field: string): number {
    const iso = typeof text === 'string' ? parseIndiaTime(text) : null;
    if (!iso || !iso.includes('T')) throw new PaperAccountRefusal('IA400', `Invalid ${field}.`);
    return Date.parse(`${iso.slice(0, 10)}T00:00:00+05:30`);
  }

  private newOrder(order: {
    instrument: PaperInstrument;
    transactiontype: 'BUY' | 'SELL';
    ordertype: OrderType;
    producttype: string;
    duration?: string;
    quantity: number;
    price?: number;
    triggerprice?: number;
    ordertag?: string;
    at: number;
  }): PaperOrder {
    const p = indiaParts(order.at);
    const booked: PaperOrder = {
      // "1131250211100": four leading digits, the India date as yymmdd, a sequence from 100 (the samples' pattern)
      orderid: `1131${p.yy}${p.mm}${p.dd}${this.state.nextOrderSeq++}`,
      exchangeorderid: `1${String(this.state.nextExchangeOrderId++).padStart(15, '0')}`,
      instrument: order.instrument,
      transactiontype: order.transactiontype,
      ordertype: order.ordertype,
      producttype: order.producttype,
      duration: order.duration ?? 'DAY',
      triggered: false,
      seeded: false,
      quantity: order.quantity,
      price: order.price ?? 0,
      triggerprice: order.triggerprice ?? 0,
      ordertag: order.ordertag ?? '',
      status: 'Pending',
      text: 'CONFIRMED',
      placedAt: order.at,
      updatedAt: order.at,
    };
    this.state.orders.push(booked);
    return booked;
  }

  /** Records a fill: the trade book, the positions and the order's state all follow from it. */
  private recordFill(order: PaperOrder, quantity: number, price: number, at: number): void {
    this.state.fills.push({ fillid: String(this.state.nextFillId++), order, quantity, price, at });
    order.updatedAt = at;
    if (this.fillsOf(order).filled >= order.quantity) order.status = 'Traded';
  }

  /** Triggers or fills an open order as the price of `now` allows; `arriving` when it was just placed, modified or triggered. */
  private work(order: PaperOrder, now: number, arriving: boolean): void {
    const price = this.marketPrice(order.instrument, now);
    if (price === undefined) return;
    const buy = order.transactiontype === 'BUY';
    if (isStopLoss(order.ordertype) && !order.triggered) {
      if (buy ? price < order.triggerprice : price > order.triggerprice) return;
      order.triggered = true;
      order.updatedAt = now;
      arriving = true;
    }
    if (!hasLimit(order.ordertype)) {
      this.fill(order, price, now);
    } else if (buy ? price <= order.price : price >= order.price) {
      this.fill(order, arriving ? price : order.price, now);
    }
  }

  /** Fills the rest of an order at `price` (paise): books, positions, holdings and the instrument's last price follow. */
  private fill(order: PaperOrder, price: number, at: number): void {
    const quantity = order.quantity - this.fillsOf(order).filled;
    this.recordFill(order, quantity, price, at);
    order.instrument.ltp = price;
    if (order.producttype !== 'DELIVERY' || order.instrument.instrumentType !== 'EQUITY') return;
    const holdings = this.state.holdings;
    let holding = holdings.find((h) => h.instrument === order.instrument);
    if (order.transactiontype === 'BUY') {
      if (!holding) {
        holding = { instrument: order.instrument, quantity: 0, averagePrice: 0 };
        holdings.push(holding);
      }
      const held = Number(holding.quantity);
      holding.averagePrice = (held * holding.averagePrice + quantity * price) / (held + quantity);
      holding.quantity = held + quantity;
      const today = indiaDayNumber(at);
      holding.t1Quantity = (holding.t1Day === today ? (holding.t1Quantity ?? 0) : 0) + quantity;
      holding.t1Day = today;
    } else if (holding) {
      holding.quantity = Number(holding.quantity) - quantity;
      holding.t1Quantity = Math.min(holding.t1Quantity ?? 0, holding.quantity);
      if (holding.quantity <= 0) holdings.splice(holdings.indexOf(holding), 1);
    }
  }

  /** Today's order by id (a padded id too), if it is still open; refusals in the broker's words otherwise. */
  private openOrder(orderid: string, errorcode: string): PaperOrder {
    const wanted = String(orderid).trim();
    const order = this.todaysOrders().find((o) => o.orderid === wanted);
    if (!order) throw new PaperAccountRefusal(errorcode, NOT_FOUND, 200);
    if (order.status !== 'Pending') throw new PaperAccountRefusal(errorcode, `Order is ${order.status}.Kindly refresh your OrderBook`, 200);
    return order;
  }

  /** The RMS text refusing a new order, if its margin is more than the funds or it sells more than is held. */
  private rmsRefusal(order: PaperOrder, forced: boolean): string | undefined {
    const { instrument, transactiontype, producttype, quantity } = order;
    const reference = order.price || order.triggerprice || (this.marketPrice(instrument, order.placedAt) ?? 0);
    // the sample's layout: RMS:<order>:<exchange>,<type>,<token>,<symbol>,<product>,,EQ,<client>,<B|S>,<quantity>,I,<token>,<symbol>,<product>,<price>,<reason>
    const head = [
      `RMS:${order.orderid}:${bookExchange(instrument.exchange)}`, instrument.instrumentType, instrument.token, instrument.symbol, producttype, '', 'EQ',
      this.options.clientCode ?? 'SANDBOX1', transactiontype === 'BUY' ? 'B' : 'S', quantity, 'I', instrument.token, instrument.symbol, producttype, rupees(reference),
    ].join(',');
    if (producttype === 'DELIVERY' && transactiontype === 'SELL' && instrument.instrumentType === 'EQUITY') {
      const held = Number(this.state.holdings.find((h) => h.instrument === instrument)?.quantity ?? 0);
      const selling = this.todaysOrders()
        .filter((o) => o !== order && o.status === 'Pending' && o.instrument === instrument && o.producttype === 'DELIVERY' && o.transactiontype === 'SELL')
        .reduce((sum, o) => sum + o.quantity, 0);
      const free = Math.max(0, held - selling);
      if (!forced && quantity <= free) return undefined;
      return `${head},HOLDING QUANTITY INSUFFICIENT,AVAILABLE QUANTITY=${free},REQUIRED QUANTITY=${quantity}`;
    }
    const required = Math.round(reference * this.openingQuantity(order) * marginRate(producttype, instrument));
    const available = this.availableFunds();
    if (!forced && required <= available) return undefined;
    const margin = forced ? Math.round(reference * quantity * marginRate(producttype, instrument)) : required;
    const shown = forced ? 0 : Math.max(0, available);
    return `${head},FUND LIMIT INSUFFICIENT,AVAILABLE FUND=${rupees(shown)},ADDITIONAL REQUIRED FUND=${rupees(margin - shown)},CALCULATED MARGIN FOR ORDER=${rupees(margin)}`;
  }

  /** The part of an order that opens or adds to a position (what needs margin); a DELIVERY sale needs holdings instead. */
  private openingQuantity(order: PaperOrder): number {
    if (order.producttype === 'DELIVERY') return order.transactiontype === 'BUY' ? order.quantity : 0;
    const net = this.todaysFills()
      .filter((f) => f.order.instrument === order.instrument && f.order.producttype === order.producttype)
      .reduce((sum, f) => sum + (f.order.transactiontype === 'BUY' ? f.quantity : -f.quantity), 0);
    const offset = order.transactiontype === 'BUY' ? Math.max(0, -net) : Math.max(0, net);
    return Math.max(0, order.quantity - offset);
  }

  /** The funds left for new orders, paise. */
  private availableFunds(): number {
    const text = this.options.availableBalance?.();
    if (text === undefined) return Number.POSITIVE_INFINITY;
    const start = Number(text);
    const { used, realised } = this.fundsChange();
    return (Number.isFinite(start) ? Math.round(start * 100) : 0) - used + realised;
  }

  /**
   * What every order of the account uses: DELIVERY fills their net cash, other products the margin
   * of their open quantity; open orders their margin. Closed quantities of the other products
   * realise their profit.
   */
  private fundsInUse(): FundsUse {
    let used = 0;
    let realised = 0;
    const groups = new Map<string, PaperFill[]>();
    for (const fill of this.state.fills) {
      const key = `${fill.order.instrument.token}|${fill.order.producttype}`;
      groups.set(key, [...(groups.get(key) ?? []), fill]);
    }
    for (const fills of groups.values()) {
      const product = fills[0].order.producttype;
      const side = (kind: 'BUY' | 'SELL') => {
        const mine = fills.filter((f) => f.order.transactiontype === kind);
        const quantity = mine.reduce((sum, f) => sum + f.quantity, 0);
        const value = mine.reduce((sum, f) => sum + f.quantity * f.price, 0);
        return { quantity, value, average: quantity ? value / quantity : 0 };
      };
      const buy = side('BUY');
      const sell = side('SELL');
      if (product === 'DELIVERY') {
        used += buy.value - sell.value;
        continue;
      }
      realised += Math.min(buy.quantity, sell.quantity) * (sell.average - buy.average);
      const open = buy.quantity - sell.quantity;
      used += Math.abs(open) * (open > 0 ? buy.average : sell.average) * marginRate(product, fills[0].order.instrument);
    }
    for (const order of this.todaysOrders()) {
      if (order.status !== 'Pending') continue;
      if (order.transactiontype === 'SELL' && order.producttype === 'DELIVERY') continue;
      used += (order.price || order.triggerprice) * order.quantity * marginRate(order.producttype, order.instrument);
    }
    return { used: Math.round(used), realised: Math.round(realised) };
  }

  /** The market's price of an instrument now, paise; undefined when the market no longer has it (an expired contract). */
  private marketPrice(instrument: PaperInstrument, at: number): number | undefined {
    try {
      return Math.round(this.requireMarket().priceAt(instrument.token, at) * 100);
    } catch {
      return undefined;
    }
  }

  private requireMarket(): Market {
    if (!this.market) throw new Error('This paper account has no market to trade on.');
    return this.market;
  }

  /** The account's instrument for a tradable one: the seed's own for its tokens, else one made from the market's row. */
  private tradedInstrument(tradable: TradableInstrument, at: number): PaperInstrument {
    const known = this.instruments.get(tradable.token);
    if (known) return known;
    const equity = tradable.instrumentType === 'EQUITY';
    const made: PaperInstrument = {
      exchange: tradable.exchange,
      token: tradable.token,
      symbol: equity ? tradable.symbol : tradable.tradingSymbol,
      tradingSymbol: tradable.tradingSymbol,
      instrumentType: tradable.instrumentType,
      lotSize: tradable.lotSize,
      tick: Math.round(tradable.tick * 100),
      name: equity ? tradable.symbol : tradable.tradingSymbol,
      // made up, in the ISIN's form: the sandbox's master has none
      isin: `INE${tradable.token.padStart(6, '0').slice(-6)}01${[...tradable.token].reduce((sum, d) => sum + Number(d), 0) % 10}`,
      ltp: Math.round(this.requireMarket().priceAt(tradable.token, at) * 100),
      close: Math.round(this.requireMarket().previousClose(tradable.token) * 100),
    };
    this.instruments.set(made.token, made);
    return made;
  }

  private instrument(symbol: string): PaperInstrument {
    const found = [...this.instruments.values()].find((i) => i.symbol === symbol);
    if (!found) throw new Error(`The paper account has no instrument ${symbol}.`);
    return found;
  }

  /**
   * Today's seed, placed in the last two hours before the clock's time (never before the India
   * midnight): three filled intraday orders, one open limit order, one rejected order; and three
   * NSE holdings.
   */
  private seed(): void {
    const now = this.clock.now();
    const base = Math.max(indiaDayStart(now), now - 2 * 60 * 60 * 1000);
    const step = Math.floor((now - base) / 6 / 1000) * 1000;
    const at = (k: number): number => Math.floor((base + k * step) / 1000) * 1000;

    const accBuy = this.newOrder({ instrument: this.instrument('ACC'), transactiontype: 'BUY', ordertype: 'MARKET', producttype: 'INTRADAY', quantity: 20, at: at(1) });
    this.recordFill(accBuy, 12, 195_040, at(1));
    this.recordFill(accBuy, 8, 195_055, at(1));
    const tcsBuy = this.newOrder({ instrument: this.instrument('TCS'), transactiontype: 'BUY', ordertype: 'MARKET', producttype: 'INTRADAY', quantity: 2, at: at(2) });
    this.recordFill(tcsBuy, 2, 410_150, at(2));
    const infy = this.newOrder({ instrument: this.instrument('INFY'), transactiontype: 'BUY', ordertype: 'LIMIT', producttype: 'DELIVERY', quantity: 5, price: 250_000, at: at(3) });
    infy.status = 'Rejected';
    infy.text = 'EXCH:16284:The order price is out of the days price range.';
    const accSell = this.newOrder({ instrument: this.instrument('ACC'), transactiontype: 'SELL', ordertype: 'LIMIT', producttype: 'INTRADAY', quantity: 10, price: 196_200, at: at(4) });
    this.recordFill(accSell, 10, 196_200, at(4));
    const open = this.newOrder({ instrument: this.instrument('RELIANCE'), transactiontype: 'BUY', ordertype: 'LIMIT', producttype: 'DELIVERY', quantity: 5, price: 125_000, at: at(5) });
    open.seeded = true;

    this.state.holdings.push(
      { instrument: this.instrument('SBIN'), quantity: 10, averagePrice: 54_530 },
      { instrument: this.instrument('TCS'), quantity: 5, averagePrice: 365_000 },
      { instrument: this.instrument('INFY'), quantity: 12, averagePrice: 142_050 },
    );
  }
}
