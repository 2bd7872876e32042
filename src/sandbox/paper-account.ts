import { parseIndiaTime } from '../api/rows';
import type { Clock } from '../session/clock';
import { IST_OFFSET_MS } from '../session/india-time';

/**
 * The sandbox's paper account: orders, fills and holdings kept in one place (`state`), and the
 * answers of the read endpoints built from them in exactly the broker's shapes — the key names,
 * key order, string-or-number types and date formats of the verbatim samples in
 * ../shared/api/samples (docs-draft and Python SDK mocks). No HTTP here: the server wraps these
 * rows in the envelope. Prices are kept in paise so sums never drift.
 */

export type BrokerValue = string | number | null;
export type BrokerRow = Record<string, BrokerValue>;

export interface PaperInstrument {
  readonly exchange: 'NSE';
  readonly token: string;
  /** The base symbol, as books show it: "ACC". The order's trading symbol is "ACC-EQ". */
  readonly symbol: string;
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
  readonly exchangeorderid: string;
  readonly instrument: PaperInstrument;
  readonly transactiontype: 'BUY' | 'SELL';
  ordertype: string;
  readonly producttype: string;
  readonly duration: string;
  quantity: number;
  /** Limit price, paise; 0 for market orders. */
  price: number;
  /** Trigger price, paise; 0 when none. */
  triggerprice: number;
  readonly ordertag: string;
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

/** A refusal in the broker's terms, for the server to answer with its envelope. */
export class PaperAccountRefusal extends Error {
  constructor(readonly errorcode: string, message: string) {
    super(message);
    this.name = 'PaperAccountRefusal';
  }
}

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

/** Paise as the books write rupees: "800.1", "80010", "0". */
const rupees = (paise: number): string => String(Math.round(paise) / 100);
/** Paise with two decimals, as the order book writes its price: "2400.00". */
const rupees2 = (paise: number): string => (Math.round(paise) / 100).toFixed(2);
/** Rupees as a JSON number, as holdings send them. */
const rupeeNumber = (paise: number): number => Math.round(paise) / 100;

/** Fills newest first; of two in the same second, the later one first (sort is stable). */
const newestFirst = (fills: PaperFill[]): PaperFill[] => [...fills].reverse().sort((a, b) => b.at - a.at);

const INSTRUMENTS: readonly Omit<PaperInstrument, 'ltp'>[] = [
  { exchange: 'NSE', token: '22', symbol: 'ACC', name: 'ACC LIMITED', isin: 'INE012A01025', close: 194_210 },
  { exchange: 'NSE', token: '3045', symbol: 'SBIN', name: 'STATE BANK OF INDIA', isin: 'INE062A01020', close: 77_980 },
  { exchange: 'NSE', token: '1594', symbol: 'INFY', name: 'INFOSYS LIMITED', isin: 'INE009A01021', close: 188_125 },
  { exchange: 'NSE', token: '2885', symbol: 'RELIANCE', name: 'RELIANCE INDUSTRIES LTD', isin: 'INE002A01018', close: 127_640 },
  { exchange: 'NSE', token: '11536', symbol: 'TCS', name: 'TATA CONSULTANCY SERVICES LIMITED', isin: 'INE467B01029', close: 408_930 },
];
const OPENING_LTP: Record<string, number> = { ACC: 195_835, SBIN: 78_410, INFY: 189_360, RELIANCE: 128_145, TCS: 410_200 };

export class PaperAccount {
  /** The whole account; later order calls change it and every answer reads from it. */
  readonly state: PaperState;
  private readonly instruments = new Map<string, PaperInstrument>();

  constructor(private readonly clock: Clock) {
    for (const seed of INSTRUMENTS) this.instruments.set(seed.symbol, { ...seed, ltp: OPENING_LTP[seed.symbol] });
    this.state = { orders: [], fills: [], holdings: [], nextOrderSeq: 100, nextFillId: 68_334_426, nextExchangeOrderId: 17_276 };
    this.seed();
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
      EXCHANGE: fill.order.instrument.exchange,
      INSTRUMENT_NAME: 'EQUITY',
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
        exchange: fill.order.instrument.exchange,
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
        exchange: instrument.exchange,
        symboltoken: instrument.token,
        producttype,
        // live answers leave the trading symbol empty (FACTS-TRADING.md §2.9)
        tradingsymbol: '',
        symbolname: instrument.symbol,
        instrumenttype: 'EQUITY',
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
    return this.state.holdings.map(({ instrument, quantity, averagePrice }) => {
      const invested = averagePrice * quantity;
      const profit = (instrument.ltp - averagePrice) * quantity;
      return {
        tradingsymbol: instrument.name,
        exchange: null,
        isin: instrument.isin,
        t1quantity: 0,
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
      ordertype: order.ordertype,
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
      exchange: order.instrument.exchange,
      symboltoken: order.instrument.token,
      instrumenttype: 'EQUITY',
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
      ordertype: order.ordertype,
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
      exchange: order.instrument.exchange,
      symboltoken: order.instrument.token,
      instrumenttype: 'EQUITY',
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

  private newOrder(fields: {
    symbol: string;
    transactiontype: 'BUY' | 'SELL';
    ordertype: string;
    producttype: string;
    quantity: number;
    price?: number;
    at: number;
  }): PaperOrder {
    const p = indiaParts(fields.at);
    const order: PaperOrder = {
      // "1131250211100": four leading digits, the India date as yymmdd, a sequence from 100 (the samples' pattern)
      orderid: `1131${p.yy}${p.mm}${p.dd}${this.state.nextOrderSeq++}`,
      exchangeorderid: `1${String(this.state.nextExchangeOrderId++).padStart(15, '0')}`,
      instrument: this.instrument(fields.symbol),
      transactiontype: fields.transactiontype,
      ordertype: fields.ordertype,
      producttype: fields.producttype,
      duration: 'DAY',
      quantity: fields.quantity,
      price: fields.price ?? 0,
      triggerprice: 0,
      ordertag: '',
      status: 'Pending',
      text: 'CONFIRMED',
      placedAt: fields.at,
      updatedAt: fields.at,
    };
    this.state.orders.push(order);
    return order;
  }

  /** Records a fill: the trade book, the positions and the order's state all follow from it. */
  private recordFill(order: PaperOrder, quantity: number, price: number, at: number): void {
    this.state.fills.push({ fillid: String(this.state.nextFillId++), order, quantity, price, at });
    order.updatedAt = at;
    if (this.fillsOf(order).filled >= order.quantity) order.status = 'Traded';
  }

  private instrument(symbol: string): PaperInstrument {
    const found = this.instruments.get(symbol);
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

    const accBuy = this.newOrder({ symbol: 'ACC', transactiontype: 'BUY', ordertype: 'MARKET', producttype: 'INTRADAY', quantity: 20, at: at(1) });
    this.recordFill(accBuy, 12, 195_040, at(1));
    this.recordFill(accBuy, 8, 195_055, at(1));
    const tcsBuy = this.newOrder({ symbol: 'TCS', transactiontype: 'BUY', ordertype: 'MARKET', producttype: 'INTRADAY', quantity: 2, at: at(2) });
    this.recordFill(tcsBuy, 2, 410_150, at(2));
    const infy = this.newOrder({ symbol: 'INFY', transactiontype: 'BUY', ordertype: 'LIMIT', producttype: 'DELIVERY', quantity: 5, price: 250_000, at: at(3) });
    infy.status = 'Rejected';
    infy.text = 'EXCH:16284:The order price is out of the days price range.';
    const accSell = this.newOrder({ symbol: 'ACC', transactiontype: 'SELL', ordertype: 'LIMIT', producttype: 'INTRADAY', quantity: 10, price: 196_200, at: at(4) });
    this.recordFill(accSell, 10, 196_200, at(4));
    this.newOrder({ symbol: 'RELIANCE', transactiontype: 'BUY', ordertype: 'LIMIT', producttype: 'DELIVERY', quantity: 5, price: 125_000, at: at(5) });

    this.state.holdings.push(
      { instrument: this.instrument('SBIN'), quantity: 10, averagePrice: 54_530 },
      { instrument: this.instrument('TCS'), quantity: 5, averagePrice: 365_000 },
      { instrument: this.instrument('INFY'), quantity: 12, averagePrice: 142_050 },
    );
  }
}
