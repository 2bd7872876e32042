import type { Clock } from '../session/clock';
import { IST_OFFSET_MS } from '../session/india-time';
import { PaperAccountRefusal } from './refusal';

/**
 * The sandbox's market: an instrument master in the broker's form (FACTS-TRADING §2.16) and one
 * deterministic price path per instrument, from which quotes (§2.13) and candles (§2.14) are cut.
 * No HTTP here and no randomness that differs between runs: the master comes from a seeded
 * generator and every price is a pure function of (token, time).
 *
 * Prices move in "trading minutes" (09:15–15:30 India time on trading days), so the price is
 * continuous: it stands still while the market is shut and the next session opens at the last
 * close. The path is a sum of piecewise-linear noises at several time scales (10 s … 30 trading
 * days) in log space around a base price, which bounds any day's move well inside ±20%.
 * Futures and options follow their underlying (cost of carry; a normal-model option price).
 */

/** One row of the instrument master; every value a string, as the broker sends them. */
export interface MasterRow {
  token: string;
  symbol: string;
  name: string;
  expiry: string;
  strike: string;
  lotsize: string;
  instrumenttype: string;
  exch_seg: string;
  tick_size: string;
}

export const MASTER_COLUMNS: readonly (keyof MasterRow)[] = ['token', 'symbol', 'name', 'expiry', 'strike', 'lotsize', 'instrumenttype', 'exch_seg', 'tick_size'];

/** Minutes per candle of each interval the historical endpoint takes (FACTS-TRADING §2.14); ONE_DAY is a whole session. */
export const INTERVAL_MINUTES: Readonly<Record<string, number>> = {
  ONE_MINUTE: 1, THREE_MINUTE: 3, FIVE_MINUTE: 5, TEN_MINUTE: 10, FIFTEEN_MINUTE: 15, THIRTY_MINUTE: 30, ONE_HOUR: 60, ONE_DAY: 375,
};

/** The broker's cap on candles per request. */
export const MAX_CANDLES = 1000;
export const CANDLE_LIMIT_MESSAGE = 'The maximum number of historical data bars retrievable per request is 1000';

/** An instrument as an order sees it. */
export interface TradableInstrument {
  /** The exchange the order named. */
  readonly exchange: string;
  readonly token: string;
  /** "ACC-EQ" on NSE, the contract's name for derivatives. */
  readonly tradingSymbol: string;
  /** The master's symbol: "ACC", or the underlying of a contract. */
  readonly symbol: string;
  /** The master's instrumenttype: EQUITY, OPTSTK, FUTIDX, … */
  readonly instrumentType: string;
  readonly lotSize: number;
  /** Rupees. */
  readonly tick: number;
}

export type Candle = [string, number, number, number, number, number];
export type QuoteMode = 'LTP' | 'OHLC' | 'FULL';

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;
/** 09:15 India time, minutes after India midnight. */
const OPEN_MINUTE = 9 * 60 + 15;
const SESSION_MINUTES = 375;
const YEAR_MS = 365 * DAY_MS;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Exchange holidays (weekdays the market is shut), India dates, from the exchanges' published
 * lists for 2024–2026. Days outside these years count weekends only.
 */
const HOLIDAYS = [
  '2024-01-22', '2024-01-26', '2024-03-08', '2024-03-25', '2024-03-29', '2024-04-11', '2024-04-17', '2024-05-01', '2024-05-20',
  '2024-06-17', '2024-07-17', '2024-08-15', '2024-10-02', '2024-11-01', '2024-11-15', '2024-11-20', '2024-12-25',
  '2025-02-26', '2025-03-14', '2025-03-31', '2025-04-10', '2025-04-14', '2025-04-18', '2025-05-01', '2025-08-15', '2025-08-27',
  '2025-10-02', '2025-10-21', '2025-10-22', '2025-11-05', '2025-12-25',
  '2026-01-26', '2026-03-03', '2026-03-26', '2026-03-31', '2026-04-03', '2026-04-14', '2026-05-01', '2026-05-28', '2026-06-26',
  '2026-09-14', '2026-10-02', '2026-10-20', '2026-11-10', '2026-11-24', '2026-12-25',
].map((d) => Date.parse(`${d}T00:00:00Z`) / DAY_MS);
const HOLIDAY_SET = new Set(HOLIDAYS);

// ---- calendar (days are India dates counted from 1970-01-01) ----

/** The India date of an instant, as a day number. */
export const indiaDay = (epochMs: number): number => Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);
/** 0 = Sunday … 6 = Saturday. */
const weekday = (day: number): number => (((day + 4) % 7) + 7) % 7;
export const isTradingDay = (day: number): boolean => weekday(day) !== 0 && weekday(day) !== 6 && !HOLIDAY_SET.has(day);
/** Epoch ms of 09:15 India time on a day. */
const sessionOpenMs = (day: number): number => day * DAY_MS - IST_OFFSET_MS + OPEN_MINUTE * MINUTE_MS;

/** Trading days strictly before `day`: the index of `day`'s session on the trading-minute axis. */
function tradingDaysBefore(day: number): number {
  const weeks = Math.floor(day / 7);
  let count = weeks * 5;
  for (let d = weeks * 7; d < day; d += 1) if (weekday(d) !== 0 && weekday(d) !== 6) count += 1;
  let lo = 0;
  let hi = HOLIDAYS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (HOLIDAYS[mid] < day) lo = mid + 1;
    else hi = mid;
  }
  return count - lo;
}

/** An instant on the trading-minute axis: minutes of market time since 1970, fractional. */
function tradingMinute(epochMs: number): number {
  const day = indiaDay(epochMs);
  const base = tradingDaysBefore(day) * SESSION_MINUTES;
  if (!isTradingDay(day)) return base;
  const into = (epochMs - sessionOpenMs(day)) / MINUTE_MS;
  return base + Math.min(SESSION_MINUTES, Math.max(0, into));
}

function dateParts(day: number): { y: number; m: number; d: number } {
  const date = new Date(day * DAY_MS);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth(), d: date.getUTCDate() };
}
const pad2 = (n: number): string => String(n).padStart(2, '0');
/** "2025-02-01 09:45": the candles' naive India time. */
function candleTime(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
/** "21-Nov-2025 15:29:59". */
function feedTime(epochMs: number): string {
  const d = new Date(epochMs + IST_OFFSET_MS);
  return `${pad2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)}`;
}

// ---- seeded numbers ----

function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}
/** A uniform number in [0, 1) from three integers. */
function unit(seed: number, a: number, b: number): number {
  return mix32(seed ^ mix32(Math.imul(a + 1, 0x9e3779b1) ^ mix32(b))) / 4294967296;
}
/** mulberry32: the master's generator. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the price path ----

/** Noise scales in trading minutes and their amplitudes in log price. */
const OCTAVES: readonly (readonly [number, number])[] = [
  [1 / 6, 0.0004], [1, 0.0008], [5, 0.002], [30, 0.004], [120, 0.008], [375, 0.015], [1875, 0.035], [11250, 0.08],
];

function logNoise(seed: number, minute: number): number {
  let sum = 0;
  for (let o = 0; o < OCTAVES.length; o += 1) {
    const [period, amplitude] = OCTAVES[o];
    const x = minute / period;
    const k = Math.floor(x);
    const f = x - k;
    const a = unit(seed, o, k) * 2 - 1;
    const b = unit(seed, o, k + 1) * 2 - 1;
    sum += amplitude * (a + (b - a) * f);
  }
  return sum;
}

/** What a price follows: an equity, an index, a currency pair or a commodity. */
interface Spot {
  readonly seed: number;
  /** Rupees. */
  readonly base: number;
}

interface Instrument {
  readonly row: MasterRow | undefined;
  readonly token: string;
  readonly tradingSymbol: string;
  /** The exchanges a quote may name it under. */
  readonly exchanges: readonly string[];
  readonly tick: number;
  readonly spot: Spot;
  readonly kind: 'spot' | 'future' | 'option';
  /** 15:30 India time on the expiry day. */
  readonly expiryMs: number;
  readonly strike: number;
  readonly call: boolean;
  /** Yearly volatility of the underlying, for option prices. */
  readonly volatility: number;
  /** Shares (or units) traded in an average minute; 0 for indices. */
  readonly minuteVolume: number;
  readonly derivative: boolean;
}

/** Standard normal cumulative distribution (Abramowitz–Stegun 7.1.26). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Decimals of each tick size seen: a price is rounded on every quote and every feed tick. */
const TICK_DECIMALS = new Map<number, number>();

function onTick(price: number, tick: number): number {
  let decimals = TICK_DECIMALS.get(tick);
  if (decimals === undefined) {
    decimals = (String(tick).split('.')[1] ?? '').length;
    TICK_DECIMALS.set(tick, decimals);
  }
  return Number((Math.max(1, Math.round(price / tick)) * tick).toFixed(decimals));
}

/** The unrounded price of an instrument at a point of the trading-minute axis and wall time. */
function rawPrice(instrument: Instrument, minute: number, epochMs: number): number {
  const spot = instrument.spot.base * Math.exp(logNoise(instrument.spot.seed, minute));
  if (instrument.kind === 'spot') return spot;
  const years = Math.max(0, (instrument.expiryMs - epochMs) / YEAR_MS);
  if (instrument.kind === 'future') return spot * (1 + 0.07 * years);
  const intrinsic = instrument.call ? spot - instrument.strike : instrument.strike - spot;
  if (years === 0) return Math.max(0, intrinsic);
  // the normal (Bachelier) model: smooth in the underlying and in time
  const spread = spot * instrument.volatility * Math.sqrt(years);
  const d = intrinsic / spread;
  return intrinsic * normalCdf(d) + (spread * Math.exp(-(d * d) / 2)) / Math.sqrt(2 * Math.PI);
}

// ---- the instrument master ----

interface EquitySeed {
  symbol: string;
  /** Rupees, roughly. */
  price: number;
  token?: string;
}

/**
 * Real NSE names, most-traded first (the first ones are the F&O stocks). Tokens are given only for
 * the paper account's instruments; the rest get generated ones.
 */
const REAL_EQUITIES: readonly EquitySeed[] = ([] as [string, number, string?][]).concat([
  ['RELIANCE', 1276, '2885'], ['TCS', 4089, '11536'], ['INFY', 1881, '1594'], ['SBIN', 780, '3045'], ['ACC', 1942, '22'],
  ['HDFCBANK', 1720], ['ICICIBANK', 1290], ['ITC', 470], ['AXISBANK', 1140], ['KOTAKBANK', 1780], ['LT', 3620], ['HINDUNILVR', 2380],
  ['BHARTIARTL', 1620], ['WIPRO', 560], ['MARUTI', 11200], ['TATAMOTORS', 780], ['TATASTEEL', 142], ['SUNPHARMA', 1810], ['ASIANPAINT', 2470],
  ['BAJFINANCE', 6900], ['HCLTECH', 1850], ['ONGC', 256], ['NTPC', 362], ['POWERGRID', 322], ['ULTRACEMCO', 11300], ['TITAN', 3260],
  ['NESTLEIND', 2240], ['ADANIENT', 2410], ['ADANIPORTS', 1190], ['AUBANK', 590], ['RVNL', 410], ['BAJAJFINSV', 1620], ['BAJAJ-AUTO', 9300],
  ['BPCL', 280], ['BRITANNIA', 4840], ['CIPLA', 1480], ['COALINDIA', 410], ['DIVISLAB', 5900], ['DRREDDY', 1190], ['EICHERMOT', 4800],
  ['GRASIM', 2560], ['HDFCLIFE', 650], ['HEROMOTOCO', 4710], ['HINDALCO', 640], ['INDUSINDBK', 980], ['JSWSTEEL', 960], ['M&M', 2950],
  ['SBILIFE', 1430], ['SHRIRAMFIN', 2900], ['TATACONSUM', 930], ['TECHM', 1690], ['APOLLOHOSP', 7100], ['LTIM', 6100], ['TRENT', 6700],
  ['BEL', 290], ['HAL', 4300], ['IRCTC', 790], ['IRFC', 150], ['DLF', 820], ['GODREJPROP', 2800], ['PIDILITIND', 3000], ['SIEMENS', 7000],
  ['ABB', 7200], ['HAVELLS', 1700], ['VOLTAS', 1700], ['DABUR', 510], ['MARICO', 640], ['COLPAL', 2800], ['GODREJCP', 1200], ['BERGEPAINT', 480],
  ['AMBUJACEM', 560], ['SHREECEM', 25000], ['DALBHARAT', 1800], ['BANKBARODA', 240], ['PNB', 100], ['CANBK', 100], ['UNIONBANK', 118],
  ['IDFCFIRSTB', 63], ['FEDERALBNK', 200], ['BANDHANBNK', 160], ['YESBANK', 20], ['IDEA', 8], ['ZOMATO', 270], ['PAYTM', 900], ['NYKAA', 170],
  ['DMART', 3700], ['VEDL', 450], ['NMDC', 220], ['SAIL', 115], ['JINDALSTEL', 900], ['TATAPOWER', 420], ['ADANIGREEN', 1100], ['ADANIPOWER', 520],
  ['GAIL', 200], ['IOC', 140], ['HINDPETRO', 400], ['PETRONET', 330], ['IGL', 420], ['MGL', 1300], ['LUPIN', 2100], ['AUROPHARMA', 1300],
  ['BIOCON', 350], ['ALKEM', 5600], ['TORNTPHARM', 3300], ['ZYDUSLIFE', 970], ['GLENMARK', 1500], ['LALPATHLAB', 3000], ['MPHASIS', 2900],
  ['COFORGE', 8500], ['PERSISTENT', 5800], ['LTTS', 5200], ['OFSS', 11000], ['NAUKRI', 8000], ['POLYCAB', 6800], ['DIXON', 16000],
  ['ASHOKLEY', 220], ['TVSMOTOR', 2500], ['BOSCHLTD', 35000], ['MOTHERSON', 160], ['BHARATFORG', 1300], ['MRF', 125000], ['BALKRISIND', 2800],
  ['APOLLOTYRE', 470], ['ESCORTS', 3400], ['CUMMINSIND', 3300], ['BHEL', 230], ['IRB', 55], ['CONCOR', 800], ['INDIGO', 4500], ['PAGEIND', 46000],
  ['UPL', 550], ['PIIND', 4000], ['CHAMBLFERT', 500], ['DEEPAKNTR', 2500], ['SRF', 2400], ['TATACHEM', 1100], ['NAVINFLUOR', 3400], ['ATUL', 7000],
  ['MUTHOOTFIN', 2000], ['MANAPPURAM', 190], ['CHOLAFIN', 1300], ['LICHSGFIN', 620], ['RECLTD', 520], ['PFC', 460], ['SBICARD', 700], ['ICICIGI', 1900],
  ['ICICIPRULI', 700], ['HDFCAMC', 4300], ['MCX', 6300], ['BSE', 5000], ['CDSL', 1500], ['ANGELONE', 2600], ['MAXHEALTH', 1000], ['FORTIS', 650],
  ['JUBLFOOD', 650], ['UBL', 2000], ['MCDOWELL-N', 1500], ['INDHOTEL', 780], ['LICI', 930], ['JIOFIN', 310], ['SUZLON', 60], ['HINDZINC', 480],
  ['CROMPTON', 380], ['ASTRAL', 1600], ['SUPREMEIND', 4500], ['KEI', 4300], ['CGPOWER', 700], ['ABCAPITAL', 190], ['LAURUSLABS', 560], ['SYNGENE', 850],
  ['OBEROIRLTY', 2000], ['PRESTIGE', 1600], ['LODHA', 1300], ['PHOENIXLTD', 1600], ['TATAELXSI', 6500], ['KPITTECH', 1400], ['ZEEL', 130],
  ['SUNTV', 750], ['PVRINOX', 1500], ['NATIONALUM', 230], ['HUDCO', 230], ['IREDA', 200], ['NHPC', 80], ['SJVN', 105], ['TORNTPOWER', 1600],
  ['JSWENERGY', 650], ['POLICYBZR', 1800], ['DELHIVERY', 380], ['KALYANKJIL', 700], ['MAZDOCK', 4300], ['COCHINSHIP', 1700], ['BDL', 1200],
  ['SOLARINDS', 10000], ['ABFRL', 280], ['BATAINDIA', 1400], ['RELAXO', 800], ['VBL', 600], ['EMAMI', 650], ['GODFRYPHLP', 6000], ['RADICO', 2400],
  ['EXIDEIND', 420], ['AMARAJABAT', 1100], ['SONACOMS', 600], ['UNOMINDA', 1000], ['TIINDIA', 3500], ['SCHAEFFLER', 3700], ['TIMKEN', 3300],
  ['GMRAIRPORT', 80], ['CESC', 170], ['AARTIIND', 450], ['GNFC', 600], ['COROMANDEL', 1800], ['KAJARIACER', 1200], ['CENTURYPLY', 800],
  ['WHIRLPOOL', 1900], ['BLUESTARCO', 2000], ['AMBER', 6500], ['KAYNES', 5500], ['TATACOMM', 1700], ['HFCL', 110], ['ROUTE', 1500], ['INTELLECT', 800],
  ['CYIENT', 1800], ['ZENSARTECH', 700], ['SONATSOFTW', 550], ['MASTEK', 2800], ['BIRLASOFT', 600], ['HAPPSTMNDS', 750], ['NETWEB', 1900],
]).map(([symbol, price, token]) => ({ symbol, price, token }));

/** How many of the real names have futures and options (from the top of the list). */
const FNO_STOCKS = 200;
const GENERATED_NSE = 2600;
const GENERATED_BSE_ONLY = 4200;
const SYLLABLES = ['KA', 'RA', 'VI', 'NO', 'SU', 'MA', 'TE', 'LA', 'DI', 'PRA', 'SHI', 'AN', 'GO', 'BHA', 'JA', 'NI', 'YO', 'DE', 'HA', 'TA', 'ME', 'RO', 'SA', 'KU'];
const INDUSTRIES = ['', '', '', 'TECH', 'PHARMA', 'STEEL', 'INFRA', 'FIN', 'CHEM', 'POLY', 'TEX', 'AGRO', 'POWER', 'CAP', 'SOFT', 'LABS', 'AUTO', 'CEM', 'FOODS', 'IND', 'ENERGY'];

interface IndexSpec {
  symbol: string;
  exchange: 'NSE' | 'BSE';
  token: string;
  tradingSymbol: string;
  price: number;
  lot: number;
  step: number;
  /** Strikes each side of the money. */
  wings: number;
  /** Weekly expiries' weekday (2 = Tuesday, 4 = Thursday), or none. */
  weekly: number | null;
  monthlyWeekday: number;
}

/** Indices with derivatives. NSE indices are not master rows (FACTS-TRADING §2.16); BSE indices are. */
const INDICES: readonly IndexSpec[] = [
  { symbol: 'NIFTY', exchange: 'NSE', token: '26000', tradingSymbol: 'Nifty 50', price: 24000, lot: 75, step: 50, wings: 70, weekly: 2, monthlyWeekday: 2 },
  { symbol: 'BANKNIFTY', exchange: 'NSE', token: '26009', tradingSymbol: 'Nifty Bank', price: 52000, lot: 35, step: 100, wings: 60, weekly: null, monthlyWeekday: 2 },
  { symbol: 'FINNIFTY', exchange: 'NSE', token: '26037', tradingSymbol: 'Nifty Fin Service', price: 23500, lot: 65, step: 50, wings: 40, weekly: null, monthlyWeekday: 2 },
  { symbol: 'MIDCPNIFTY', exchange: 'NSE', token: '26074', tradingSymbol: 'NIFTY MID SELECT', price: 12500, lot: 140, step: 25, wings: 40, weekly: null, monthlyWeekday: 2 },
  { symbol: 'SENSEX', exchange: 'BSE', token: '99919000', tradingSymbol: 'SENSEX', price: 80000, lot: 20, step: 100, wings: 70, weekly: 4, monthlyWeekday: 4 },
  { symbol: 'BANKEX', exchange: 'BSE', token: '99919012', tradingSymbol: 'BANKEX', price: 59000, lot: 30, step: 100, wings: 40, weekly: null, monthlyWeekday: 4 },
];

interface UnderlyingSpec {
  symbol: string;
  price: number;
  lot: number;
  tick: number;
  step: number;
  wings: number;
  futureMonths: number;
  optionMonths: number;
  volatility: number;
}

/** Currency pairs: NSE currency derivatives come as exch_seg NSE with OPTCUR/FUTCUR (FACTS-TRADING §2.16). */
const CURRENCIES: readonly UnderlyingSpec[] = [
  { symbol: 'USDINR', price: 84.5, lot: 1000, tick: 0.0025, step: 0.25, wings: 30, futureMonths: 12, optionMonths: 6, volatility: 0.05 },
  { symbol: 'EURINR', price: 90.5, lot: 1000, tick: 0.0025, step: 0.5, wings: 20, futureMonths: 12, optionMonths: 3, volatility: 0.07 },
  { symbol: 'GBPINR', price: 107, lot: 1000, tick: 0.0025, step: 0.5, wings: 20, futureMonths: 12, optionMonths: 3, volatility: 0.08 },
  { symbol: 'JPYINR', price: 56, lot: 1000, tick: 0.0025, step: 0.25, wings: 20, futureMonths: 12, optionMonths: 3, volatility: 0.09 },
];

const COMMODITIES: readonly UnderlyingSpec[] = [
  { symbol: 'GOLD', price: 76000, lot: 1, tick: 1, step: 100, wings: 40, futureMonths: 6, optionMonths: 4, volatility: 0.14 },
  { symbol: 'GOLDM', price: 76000, lot: 1, tick: 1, step: 100, wings: 30, futureMonths: 6, optionMonths: 3, volatility: 0.14 },
  { symbol: 'SILVER', price: 90000, lot: 1, tick: 1, step: 250, wings: 40, futureMonths: 6, optionMonths: 4, volatility: 0.25 },
  { symbol: 'SILVERM', price: 90000, lot: 1, tick: 1, step: 250, wings: 30, futureMonths: 6, optionMonths: 3, volatility: 0.25 },
  { symbol: 'CRUDEOIL', price: 6000, lot: 100, tick: 1, step: 50, wings: 40, futureMonths: 6, optionMonths: 5, volatility: 0.35 },
  { symbol: 'CRUDEOILM', price: 6000, lot: 10, tick: 1, step: 50, wings: 30, futureMonths: 6, optionMonths: 3, volatility: 0.35 },
  { symbol: 'NATURALGAS', price: 250, lot: 1250, tick: 0.1, step: 5, wings: 40, futureMonths: 6, optionMonths: 5, volatility: 0.6 },
  { symbol: 'NATGASMINI', price: 250, lot: 250, tick: 0.1, step: 5, wings: 30, futureMonths: 6, optionMonths: 3, volatility: 0.6 },
  { symbol: 'COPPER', price: 800, lot: 2500, tick: 0.05, step: 5, wings: 30, futureMonths: 6, optionMonths: 3, volatility: 0.2 },
  { symbol: 'ZINC', price: 260, lot: 5000, tick: 0.05, step: 2.5, wings: 30, futureMonths: 6, optionMonths: 3, volatility: 0.2 },
  { symbol: 'ALUMINIUM', price: 230, lot: 5000, tick: 0.05, step: 2.5, wings: 20, futureMonths: 6, optionMonths: 2, volatility: 0.18 },
  { symbol: 'LEAD', price: 185, lot: 5000, tick: 0.05, step: 1, wings: 20, futureMonths: 6, optionMonths: 2, volatility: 0.15 },
];

/** "23Oct2025". */
function masterExpiry(day: number): string {
  const { y, m, d } = dateParts(day);
  return `${pad2(d)}${MONTHS[m]}${y}`;
}
/** The last given weekday of a month, as a day number. */
function lastWeekdayOfMonth(year: number, month: number, wd: number): number {
  let day = Date.UTC(year, month + 1, 0) / DAY_MS;
  while (weekday(day) !== wd) day -= 1;
  return day;
}
/** Monthly expiries on or after `from`, the last `wd` of each month. */
function monthlyExpiries(from: number, count: number, wd: number): number[] {
  const out: number[] = [];
  let { y, m } = dateParts(from);
  while (out.length < count) {
    const day = lastWeekdayOfMonth(y, m, wd);
    if (day >= from) out.push(day);
    m += 1;
    if (m === 12) { m = 0; y += 1; }
  }
  return out;
}
function weeklyExpiries(from: number, count: number, wd: number): number[] {
  const out: number[] = [];
  for (let day = from; out.length < count; day += 1) if (weekday(day) === wd) out.push(day);
  return out;
}
/** Monthly contract name part: "25NOV". */
function monthCode(day: number): string {
  const { y, m } = dateParts(day);
  return `${pad2(y % 100)}${MONTHS[m].toUpperCase()}`;
}
/** Weekly contract name part, as the exchanges write it: "25O23" (year, month 1–9/O/N/D, day). */
function weekCode(day: number): string {
  const { y, m, d } = dateParts(day);
  return `${pad2(y % 100)}${'123456789OND'[m]}${pad2(d)}`;
}
const strikeText = (strike: number): string => String(Number(strike.toFixed(4)));
const expiryCloseMs = (day: number): number => sessionOpenMs(day) + SESSION_MINUTES * MINUTE_MS;

/** Rounds a contract size so one lot is worth about ₹5–10 lakh. */
function stockLot(price: number): number {
  const raw = 750_000 / price;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return Math.max(1, Math.round(raw / magnitude) * magnitude);
}
function stockStep(price: number): number {
  if (price < 100) return 1;
  if (price < 250) return 2.5;
  if (price < 500) return 5;
  if (price < 1000) return 10;
  if (price < 2500) return 20;
  if (price < 5000) return 50;
  if (price < 20000) return 100;
  return 500;
}
const equityTick = (price: number): number => (price < 250 ? 0.01 : 0.05);

interface MasterBuild {
  rows: MasterRow[];
  instruments: Map<string, Instrument>;
  json?: Buffer;
  csv?: Buffer;
}

function buildMaster(fromDay: number): MasterBuild {
  const random = prng(0x6d5a7c3);
  const rows: MasterRow[] = [];
  const instruments = new Map<string, Instrument>();
  const add = (row: MasterRow | undefined, instrument: Omit<Instrument, 'row'>): void => {
    if (instruments.has(instrument.token)) throw new Error(`token ${instrument.token} twice in the master: ${instruments.get(instrument.token)?.tradingSymbol} and ${instrument.tradingSymbol}`);
    if (row) rows.push(row);
    (instrument as { row?: MasterRow }).row = row;
    instruments.set(instrument.token, instrument as Instrument);
  };
  const none = { expiryMs: 0, strike: 0, call: false, volatility: 0, derivative: false };
  const spots = new Map<string, Spot>();

  // equities: NSE tokens below 26000, BSE codes 500001–544999
  const usedNse = new Set<string>(REAL_EQUITIES.flatMap((e) => (e.token ? [e.token] : [])));
  const nseToken = (): string => {
    for (;;) {
      const token = String(1 + Math.floor(random() * 25_000));
      if (!usedNse.has(token)) { usedNse.add(token); return token; }
    }
  };
  const usedBse = new Set<string>();
  const bseToken = (): string => {
    for (;;) {
      const token = String(500_001 + Math.floor(random() * 45_000));
      if (!usedBse.has(token)) { usedBse.add(token); return token; }
    }
  };
  const names = new Set<string>(REAL_EQUITIES.map((e) => e.symbol));
  const inventName = (): string => {
    for (;;) {
      let name = '';
      const parts = 2 + Math.floor(random() * 2);
      for (let i = 0; i < parts; i += 1) name += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
      name += INDUSTRIES[Math.floor(random() * INDUSTRIES.length)];
      if (!names.has(name)) { names.add(name); return name; }
    }
  };
  const equities: EquitySeed[] = [...REAL_EQUITIES];
  for (let i = 0; i < GENERATED_NSE; i += 1) equities.push({ symbol: inventName(), price: Math.round(10 * Math.exp(random() * 6.5) * 20) / 20 });
  for (const [i, equity] of equities.entries()) {
    const token = equity.token ?? nseToken();
    const tick = equityTick(equity.price);
    const spot = { seed: hashString(`NSE:${equity.symbol}`), base: equity.price };
    spots.set(equity.symbol, spot);
    const minuteVolume = Math.round((i < FNO_STOCKS ? 20_000 : 500) * (0.2 + random()) * Math.min(20, 1000 / equity.price + 0.5));
    const row = { token, symbol: equity.symbol, name: `${equity.symbol}-EQ`, expiry: '', strike: '', lotsize: '1', instrumenttype: 'EQUITY', exch_seg: 'NSE', tick_size: String(tick) };
    add(row, { ...none, token, tradingSymbol: row.name, exchanges: ['NSE'], tick, spot, kind: 'spot', minuteVolume });
    // most NSE names are dual-listed on BSE: same company, its own BSE code and book
    if (i < REAL_EQUITIES.length || random() < 0.8) {
      const bse = bseToken();
      add({ ...row, token: bse, name: equity.symbol, exch_seg: 'BSE' }, {
        ...none, token: bse, tradingSymbol: equity.symbol, exchanges: ['BSE'], tick, spot, kind: 'spot', minuteVolume: Math.round(minuteVolume / 8) + 1,
      });
    }
  }
  for (let i = 0; i < GENERATED_BSE_ONLY; i += 1) {
    const symbol = inventName();
    const price = Math.round(5 * Math.exp(random() * 6) * 100) / 100;
    const tick = equityTick(price);
    const token = bseToken();
    const row = { token, symbol, name: symbol, expiry: '', strike: '', lotsize: '1', instrumenttype: 'EQUITY', exch_seg: 'BSE', tick_size: String(tick) };
    add(row, { ...none, token, tradingSymbol: symbol, exchanges: ['BSE'], tick, spot: { seed: hashString(`BSE:${symbol}`), base: price }, kind: 'spot', minuteVolume: Math.round(50 + random() * 500) });
  }

  // Token ranges, all distinct so a token alone names an instrument: NSE equities 1–25000, NSE
  // indices 26000s, NFO from 35001, BSE equities 500001–545000, MCX from 600001, BFO from 800001,
  // currency from 1100001, BSE indices 99919000s.
  // A contract's token is fixed by its underlying, expiry week, strike and side, so it keeps its
  // token while the master rolls from day to day. Each underlying has a block per book: a slot per
  // week of the cycle (longer than any contract lives), and in it the future, then CE and PE per strike.
  const nextToken = { NFO: 35_001, BFO: 800_001, MCX: 600_001, CUR: 1_100_001 };
  const WEEKS_KEPT = { NFO: 16, BFO: 16, MCX: 32, CUR: 64 } as const;
  const slotsPerWeek = (wings: number): number => 2 * (2 * wings + 1) + 1;
  const reserve = (book: keyof typeof nextToken, wings: number): number => {
    const offset = nextToken[book];
    nextToken[book] += WEEKS_KEPT[book] * slotsPerWeek(wings);
    return offset;
  };
  const contractToken = (c: Contract, day: number, slot: number): string =>
    String(c.offset + (Math.floor((day + 3) / 7) % WEEKS_KEPT[c.book]) * slotsPerWeek(c.wings) + slot);
  interface Contract { symbol: string; exchSeg: string; book: keyof typeof nextToken; wings: number; offset: number; quoteExchanges: string[]; spot: Spot; price: number; lot: number; tick: number; volatility: number; minuteLots: number }
  const future = (c: Contract, day: number, type: string): void => {
    const name = `${c.symbol}${monthCode(day)}FUT`;
    const token = contractToken(c, day, 0);
    add({ token, symbol: c.symbol, name, expiry: masterExpiry(day), strike: '0', lotsize: String(c.lot), instrumenttype: type, exch_seg: c.exchSeg, tick_size: String(c.tick) }, {
      token, tradingSymbol: name, exchanges: c.quoteExchanges, tick: c.tick, spot: c.spot, kind: 'future', expiryMs: expiryCloseMs(day), strike: 0, call: false,
      volatility: c.volatility, minuteVolume: c.minuteLots * c.lot * 3, derivative: true,
    });
  };
  const options = (c: Contract, day: number, weekly: boolean, step: number, type: string): void => {
    const atm = Math.round(c.price / step) * step;
    const code = weekly ? weekCode(day) : monthCode(day);
    const expiry = masterExpiry(day);
    const expiryMs = expiryCloseMs(day);
    const optionTick = c.tick < 0.05 ? c.tick : 0.05;
    const tickText = String(optionTick);
    const lot = String(c.lot);
    for (let i = -c.wings; i <= c.wings; i += 1) {
      const strike = atm + i * step;
      if (strike <= 0) continue;
      for (const right of ['CE', 'PE']) {
        const strikeString = strikeText(strike);
        const name = `${c.symbol}${code}${strikeString}${right}`;
        const token = contractToken(c, day, 1 + 2 * (i + c.wings) + (right === 'CE' ? 0 : 1));
        add({ token, symbol: c.symbol, name, expiry, strike: strikeString, lotsize: lot, instrumenttype: type, exch_seg: c.exchSeg, tick_size: tickText }, {
          token, tradingSymbol: name, exchanges: c.quoteExchanges, tick: optionTick, spot: c.spot, kind: 'option', expiryMs, strike, call: right === 'CE',
          volatility: c.volatility, minuteVolume: Math.max(1, Math.round(c.minuteLots * c.lot / (1 + Math.abs(i) / 4))), derivative: true,
        });
      }
    }
  };

  for (const index of INDICES) {
    const spot = { seed: hashString(`${index.exchange}:${index.symbol}`), base: index.price };
    const row = index.exchange === 'BSE'
      ? { token: index.token, symbol: index.symbol, name: index.symbol, expiry: '', strike: '', lotsize: '1', instrumenttype: 'AMXIDX', exch_seg: 'BSE', tick_size: '0.01' }
      : undefined;
    add(row, { ...none, token: index.token, tradingSymbol: index.tradingSymbol, exchanges: [index.exchange], tick: 0.05, spot, kind: 'spot', minuteVolume: 0 });
    const derivatives = index.exchange === 'NSE' ? 'NFO' : 'BFO';
    const c: Contract = { symbol: index.symbol, exchSeg: derivatives, book: derivatives, wings: index.wings, offset: reserve(derivatives, index.wings), quoteExchanges: [derivatives], spot, price: index.price, lot: index.lot, tick: 0.05, volatility: 0.15, minuteLots: 400 };
    const monthly = monthlyExpiries(fromDay, 3, index.monthlyWeekday);
    for (const day of monthly) future(c, day, 'FUTIDX');
    const weekly = index.weekly === null ? [] : weeklyExpiries(fromDay, 8, index.weekly).filter((d) => !monthly.includes(d));
    const expiries = [...weekly.map((d) => [d, 1]), ...monthly.map((d) => [d, 0])].sort((a, b) => a[0] - b[0]);
    for (const [day, isWeekly] of expiries) options(c, day, isWeekly === 1, index.step, 'OPTIDX');
  }
  const stockExpiries = monthlyExpiries(fromDay, 3, 2);
  for (const equity of equities.slice(0, FNO_STOCKS)) {
    const c: Contract = {
      symbol: equity.symbol, exchSeg: 'NFO', book: 'NFO', wings: 30, offset: reserve('NFO', 30), quoteExchanges: ['NFO'], spot: spots.get(equity.symbol) as Spot, price: equity.price,
      lot: stockLot(equity.price), tick: 0.05, volatility: 0.3, minuteLots: 20,
    };
    for (const day of stockExpiries) future(c, day, 'FUTSTK');
    for (const day of stockExpiries) options(c, day, false, stockStep(equity.price), 'OPTSTK');
  }
  for (const currency of CURRENCIES) {
    const c: Contract = {
      symbol: currency.symbol, exchSeg: 'NSE', book: 'CUR', wings: currency.wings, offset: reserve('CUR', currency.wings), quoteExchanges: ['CDS', 'NSE'], spot: { seed: hashString(`CDS:${currency.symbol}`), base: currency.price },
      price: currency.price, lot: currency.lot, tick: currency.tick, volatility: currency.volatility, minuteLots: 50,
    };
    // currency contracts expire two working days before month end; the last Wednesday stands in
    const months = monthlyExpiries(fromDay, currency.futureMonths, 3);
    for (const day of months) future(c, day, 'FUTCUR');
    for (const day of months.slice(0, currency.optionMonths)) options(c, day, false, currency.step, 'OPTCUR');
  }
  for (const commodity of COMMODITIES) {
    const c: Contract = {
      symbol: commodity.symbol, exchSeg: 'MCX', book: 'MCX', wings: commodity.wings, offset: reserve('MCX', commodity.wings), quoteExchanges: ['MCX'], spot: { seed: hashString(`MCX:${commodity.symbol}`), base: commodity.price },
      price: commodity.price, lot: commodity.lot, tick: commodity.tick, volatility: commodity.volatility, minuteLots: 30,
    };
    // MCX contracts expire around the 20th: the last Friday stands in
    const months = monthlyExpiries(fromDay, commodity.futureMonths, 5);
    for (const day of months) future(c, day, 'FUTCOM');
    for (const day of months.slice(0, commodity.optionMonths)) options(c, day, false, commodity.step, 'OPTFUT');
  }
  return { rows, instruments };
}

/** Built once per process and India day (option expiries roll with the date). */
let cached: { day: number; build: MasterBuild } | undefined;
function masterFor(day: number): MasterBuild {
  if (cached?.day !== day) cached = { day, build: buildMaster(day) };
  return cached.build;
}

const csvCell = (value: string): string => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

// ---- the market ----

interface MinuteBars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const SAMPLES_PER_MINUTE = 6;
const DAY_CACHE_LIMIT = 4000;

export class Market {
  /** Minute bars of whole sessions by "token day", oldest evicted first. */
  private readonly days = new Map<string, MinuteBars>();

  constructor(private readonly clock: Clock) {}

  /** The master's rows for today (India date of the clock). */
  masterRows(): readonly MasterRow[] {
    return this.master().rows;
  }

  /** The master as the broker sends it: a bare JSON array of row objects. */
  masterJson(): Buffer {
    const build = this.master();
    build.json ??= Buffer.from(JSON.stringify(build.rows));
    return build.json;
  }

  /** The master as CSV: a header of the column names, then one line per row. */
  masterCsv(): Buffer {
    const build = this.master();
    build.csv ??= Buffer.from(`${[MASTER_COLUMNS.join(','), ...build.rows.map((row) => MASTER_COLUMNS.map((c) => csvCell(row[c])).join(','))].join('\n')}\n`);
    return build.csv;
  }

  /** Whether a token is priced: every master row plus the NSE indices. */
  knows(token: string): boolean {
    return this.master().instruments.has(token);
  }

  /**
   * What an order needs of an instrument it may be traded as on `exchange` (the request's
   * exchange: NSE, BSE, NFO, BFO, CDS or MCX), or undefined when there is no such instrument.
   * Instruments without a master row (the NSE indices) are not tradable.
   */
  tradable(exchange: string, token: string): TradableInstrument | undefined {
    const instrument = this.master().instruments.get(String(token));
    const row = instrument?.row;
    if (!instrument || !row || !instrument.exchanges.includes(exchange)) return undefined;
    return {
      exchange,
      token: instrument.token,
      tradingSymbol: instrument.tradingSymbol,
      symbol: row.symbol,
      instrumentType: row.instrumenttype,
      lotSize: Number(row.lotsize) || 1,
      tick: instrument.tick,
    };
  }

  /** The previous session's close in rupees, as an OHLC quote gives it. */
  previousClose(token: string): number {
    const instrument = this.instrument(token);
    return this.sample(instrument, this.lastSessionDay(this.clock.now()), 0);
  }

  /** The price in rupees at an instant, on the instrument's tick. */
  priceAt(token: string, epochMs: number): number {
    const instrument = this.instrument(token);
    return onTick(rawPrice(instrument, tradingMinute(epochMs), epochMs), instrument.tick);
  }

  /**
   * Candles `[ "YYYY-MM-DD HH:MM", open, high, low, close, volume ]` starting within [fromMs, toMs]
   * (ONE_DAY: sessions whose date is within), oldest first, sessions only, none after the clock's
   * now (the current one cut at now). Buckets are aligned on 09:15.
   */
  candles(token: string, interval: string, fromMs: number, toMs: number): Candle[] {
    const instrument = this.instrument(token);
    const size = INTERVAL_MINUTES[interval];
    if (size === undefined) throw new PaperAccountRefusal('IA400', `Invalid interval: ${interval}. Valid intervals are ${Object.keys(INTERVAL_MINUTES).join(', ')}.`);
    if (!(fromMs <= toMs)) throw new PaperAccountRefusal('IA400', 'fromdate must not be after todate.');
    const now = this.clock.now();
    const buckets: { day: number; first: number; last: number; startMs: number }[] = [];
    for (let day = indiaDay(fromMs); day <= indiaDay(Math.min(toMs, now)); day += 1) {
      if (!isTradingDay(day)) continue;
      const open = sessionOpenMs(day);
      for (let first = 0; first < SESSION_MINUTES; first += size) {
        const startMs = open + first * MINUTE_MS;
        const inRange = size === SESSION_MINUTES || (startMs >= fromMs && startMs <= toMs);
        if (!inRange || startMs >= now) continue;
        buckets.push({ day, first, last: Math.min(first + size, SESSION_MINUTES), startMs });
        if (buckets.length > MAX_CANDLES) throw new PaperAccountRefusal('IA400', CANDLE_LIMIT_MESSAGE);
      }
    }
    return buckets.map(({ day, first, last, startMs }) => {
      const bars = this.minuteBars(instrument, day);
      const cut = Math.min(last, Math.ceil((now - sessionOpenMs(day)) / MINUTE_MS));
      let high = -Infinity;
      let low = Infinity;
      let volume = 0;
      for (let k = first; k < cut; k += 1) {
        const partial = sessionOpenMs(day) + (k + 1) * MINUTE_MS > now;
        const bar = partial ? this.partialMinute(instrument, day, k, now) : { high: bars.high[k], low: bars.low[k], volume: bars.volume[k] };
        high = Math.max(high, bar.high);
        low = Math.min(low, bar.low);
        volume += bar.volume;
      }
      const endMs = sessionOpenMs(day) + cut * MINUTE_MS;
      const close = endMs > now ? this.priceAt(token, now) : bars.close[cut - 1];
      return [candleTime(startMs), bars.open[first], high, low, close, volume];
    });
  }

  /**
   * Quotes in the documented shape (FACTS-TRADING §2.13): LTP rows have exchange, tradingSymbol,
   * symbolToken, ltp; OHLC adds the session's open, high, low and the previous close; FULL adds the
   * fields FACTS infers. Tokens the market does not have on that exchange are unfetched.
   */
  quote(mode: string, exchangeTokens: Record<string, readonly string[]>): { fetched: Record<string, unknown>[]; unfetched: Record<string, unknown>[] } {
    const upper = String(mode).toUpperCase();
    if (upper !== 'LTP' && upper !== 'OHLC' && upper !== 'FULL') throw new PaperAccountRefusal('IA400', `Invalid mode: ${mode}. Valid modes are LTP, OHLC and FULL.`);
    const now = this.clock.now();
    const fetched: Record<string, unknown>[] = [];
    const unfetched: Record<string, unknown>[] = [];
    for (const [exchange, tokens] of Object.entries(exchangeTokens)) {
      for (const raw of tokens) {
        const token = String(raw);
        const instrument = this.master().instruments.get(token);
        if (!instrument || !instrument.exchanges.includes(exchange.toUpperCase())) {
          unfetched.push({ exchange, symbolToken: token, message: `No instrument with token ${token} on ${exchange}`, errorCode: 'IA404' });
          continue;
        }
        fetched.push(this.quoteRow(upper, exchange, instrument, now));
      }
    }
    return { fetched, unfetched };
  }

  private master(): MasterBuild {
    return masterFor(indiaDay(this.clock.now()));
  }

  private instrument(token: string): Instrument {
    const instrument = this.master().instruments.get(String(token));
    if (!instrument) throw new PaperAccountRefusal('IA400', `Invalid symboltoken: ${token}`);
    return instrument;
  }

  private sample(instrument: Instrument, day: number, minute: number): number {
    const epochMs = sessionOpenMs(day) + minute * MINUTE_MS;
    return onTick(rawPrice(instrument, tradingDaysBefore(day) * SESSION_MINUTES + minute, epochMs), instrument.tick);
  }

  private minuteVolume(instrument: Instrument, day: number, k: number): number {
    if (instrument.minuteVolume === 0) return 0;
    const u = (k - SESSION_MINUTES / 2) / (SESSION_MINUTES / 2);
    const profile = 0.6 + 1.4 * u * u;
    return Math.round(instrument.minuteVolume * profile * (0.3 + 1.4 * unit(hashString(instrument.token), day, k)));
  }

  /** A whole session's minute bars, from the price sampled every 10 s (the finest noise scale). */
  private minuteBars(instrument: Instrument, day: number): MinuteBars {
    const key = `${instrument.token} ${day}`;
    const hit = this.days.get(key);
    if (hit) return hit;
    const bars: MinuteBars = {
      open: new Float64Array(SESSION_MINUTES), high: new Float64Array(SESSION_MINUTES), low: new Float64Array(SESSION_MINUTES),
      close: new Float64Array(SESSION_MINUTES), volume: new Float64Array(SESSION_MINUTES),
    };
    let previous = this.sample(instrument, day, 0);
    for (let k = 0; k < SESSION_MINUTES; k += 1) {
      let high = previous;
      let low = previous;
      bars.open[k] = previous;
      for (let j = 1; j <= SAMPLES_PER_MINUTE; j += 1) {
        const price = this.sample(instrument, day, k + j / SAMPLES_PER_MINUTE);
        if (price > high) high = price;
        if (price < low) low = price;
        previous = price;
      }
      bars.high[k] = high;
      bars.low[k] = low;
      bars.close[k] = previous;
      bars.volume[k] = this.minuteVolume(instrument, day, k);
    }
    if (this.days.size >= DAY_CACHE_LIMIT) this.days.delete(this.days.keys().next().value as string);
    this.days.set(key, bars);
    return bars;
  }

  /** The minute `k` of a session up to `now`, which falls inside it. */
  private partialMinute(instrument: Instrument, day: number, k: number, now: number): { high: number; low: number; volume: number } {
    const start = sessionOpenMs(day) + k * MINUTE_MS;
    const last = this.priceAt(instrument.token, now);
    let high = Math.max(this.sample(instrument, day, k), last);
    let low = Math.min(this.sample(instrument, day, k), last);
    for (let j = 1; j < SAMPLES_PER_MINUTE && start + (j * MINUTE_MS) / SAMPLES_PER_MINUTE <= now; j += 1) {
      const price = this.sample(instrument, day, k + j / SAMPLES_PER_MINUTE);
      high = Math.max(high, price);
      low = Math.min(low, price);
    }
    return { high, low, volume: Math.floor((this.minuteVolume(instrument, day, k) * (now - start)) / MINUTE_MS) };
  }

  /** The latest trading day whose session has opened by `now`. */
  private lastSessionDay(now: number): number {
    let day = indiaDay(now);
    while (!isTradingDay(day) || sessionOpenMs(day) > now) day -= 1;
    return day;
  }

  private quoteRow(mode: string, exchange: string, instrument: Instrument, now: number): Record<string, unknown> {
    const ltp = this.priceAt(instrument.token, now);
    const row: Record<string, unknown> = { exchange, tradingSymbol: instrument.tradingSymbol, symbolToken: instrument.token, ltp };
    if (mode === 'LTP') return row;
    const day = this.lastSessionDay(now);
    const [session] = this.candles(instrument.token, 'ONE_DAY', sessionOpenMs(day), sessionOpenMs(day));
    const previousClose = this.sample(instrument, day, 0);
    Object.assign(row, { open: session[1], high: session[2], low: session[3], close: previousClose });
    if (mode === 'OHLC') return row;

    const bars = this.minuteBars(instrument, day);
    const minutes = Math.min(SESSION_MINUTES, Math.ceil((now - sessionOpenMs(day)) / MINUTE_MS));
    let turnover = 0;
    let traded = 0;
    for (let k = 0; k < minutes; k += 1) {
      turnover += ((bars.high[k] + bars.low[k] + bars.close[k]) / 3) * bars.volume[k];
      traded += bars.volume[k];
    }
    const seed = hashString(instrument.token);
    const lotSize = Number(instrument.row?.lotsize ?? '1') || 1;
    const [yearLow, yearHigh] = this.yearRange(instrument, day, session[2], session[3]);
    const netChange = Number((ltp - previousClose).toFixed(4));
    const lastTradeMs = Math.min(now, sessionOpenMs(day) + SESSION_MINUTES * MINUTE_MS - 1000);
    const depthSide = (side: number): { price: number; quantity: number; orders: number }[] => Array.from({ length: 5 }, (_, level) => ({
      price: onTick(ltp + side * (level + 1) * instrument.tick, instrument.tick),
      quantity: lotSize * (1 + Math.floor(unit(seed, side + 7, level + day * 10) * 40)),
      orders: 1 + Math.floor(unit(seed, side + 11, level + day * 10) * 12),
    }));
    const buy = depthSide(-1);
    const sell = depthSide(1);
    Object.assign(row, {
      netChange,
      percentChange: Number(((netChange / previousClose) * 100).toFixed(2)),
      avgPrice: traded > 0 ? onTick(turnover / traded, instrument.tick) : ltp,
      lastTradeQty: lotSize * (1 + Math.floor(unit(seed, 3, Math.floor(now / 1000)) * 10)),
      tradeVolume: session[5],
      opnInterest: instrument.derivative ? lotSize * Math.floor(1000 + unit(seed, 5, day) * 50_000) : 0,
      totBuyQuan: buy.reduce((sum, level) => sum + level.quantity, 0) * 20,
      totSellQuan: sell.reduce((sum, level) => sum + level.quantity, 0) * 20,
      '52WeekHigh': yearHigh,
      '52WeekLow': yearLow,
      lowerCircuit: onTick(previousClose * 0.8, instrument.tick),
      upperCircuit: onTick(previousClose * 1.2, instrument.tick),
      exchFeedTime: feedTime(now),
      exchTradeTime: feedTime(lastTradeMs),
      depth: { buy, sell },
    });
    return row;
  }

  /** Low and high of the last 52 weeks, from eight samples a session and today's range. */
  private yearRange(instrument: Instrument, today: number, high: number, low: number): [number, number] {
    let yearLow = low;
    let yearHigh = high;
    for (let day = today - 364; day < today; day += 1) {
      if (!isTradingDay(day)) continue;
      for (let j = 0; j <= 8; j += 1) {
        const price = this.sample(instrument, day, (j * SESSION_MINUTES) / 8);
        yearLow = Math.min(yearLow, price);
        yearHigh = Math.max(yearHigh, price);
      }
    }
    return [yearLow, yearHigh];
  }
}
