import { Exchange, FEED_EXCHANGE_TYPE } from './instruments';

/**
 * The live feed's binary frames (FACTS-TRADING.md §3.3) turned into ticks. Pure: no socket, no
 * clock. Nothing here throws on bad input: a frame that cannot be read is counted as malformed.
 */

export const FEED_MODES = ['ltp', 'quote', 'snap'] as const;
export type FeedMode = (typeof FEED_MODES)[number];

/** The wire's mode numbers: 1 LTP, 2 Quote, 3 Snap Quote. */
export const FEED_MODE_NUMBER: Readonly<Record<FeedMode, number>> = { ltp: 1, quote: 2, snap: 3 };

/** Bytes of one packet of each mode. */
export const PACKET_SIZE: Readonly<Record<FeedMode, number>> = { ltp: 51, quote: 123, snap: 379 };

const MODE_OF_SIZE: ReadonlyMap<number, FeedMode> = new Map(FEED_MODES.map((mode) => [PACKET_SIZE[mode], mode]));
const EXCHANGE_OF_TYPE: ReadonlyMap<number, Exchange> = new Map(
  (Object.entries(FEED_EXCHANGE_TYPE) as [Exchange, number][]).map(([exchange, type]) => [type, exchange]),
);

const HEADER_BYTES = 4;
const TOKEN_BYTES = 25;
const DEPTH_LEVELS = 5;
const DEPTH_ENTRY_BYTES = 20;
/**
 * The exchange timestamps count seconds from 1980-01-01 00:00 UTC, as both official SDKs decode
 * them. Unverified: no live capture confirms the epoch (OpenAlgo passes the raw number on).
 */
const FEED_EPOCH_MS = Date.UTC(1980, 0, 1);
const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;

export interface DepthLevel {
  price: number;
  quantity: number;
  orders: number;
}

/** One tick, prices in rupees. Quote and snap fields are present only in those modes. */
export interface Tick {
  exchange: Exchange;
  token: string;
  mode: FeedMode;
  ltp: number;
  /** The exchange's time of the tick, ISO-8601 with the India offset; null when the packet has none. */
  time: string | null;
  sequence: number;
  lastTradedQty?: number;
  averagePrice?: number;
  volume?: number;
  totalBuyQty?: number;
  totalSellQty?: number;
  open?: number;
  high?: number;
  low?: number;
  /** The previous session's close. */
  close?: number;
  lastTradedTime?: string | null;
  openInterest?: number;
  openInterestPercent?: number;
  depth?: { bids: DepthLevel[]; asks: DepthLevel[] };
  upperCircuit?: number;
  lowerCircuit?: number;
  yearHigh?: number;
  yearLow?: number;
}

export interface ParsedFrame {
  ticks: Tick[];
  /** Packets (or whole frames) that could not be read. */
  malformed: number;
  /** What was wrong with the last one, for a report; never the frame's bytes. */
  problem?: string;
}

/**
 * The ticks of one binary frame: a bare packet of 51, 123 or 379 bytes, or a header frame
 * (u16 packet count, u16 packet size, then the packets). The header's byte order is not settled:
 * little-endian is read first, and big-endian when the little-endian reading does not fit the
 * frame. A header whose fields fit neither way but is followed by exactly one packet is read as
 * that packet, as OpenAlgo does.
 */
export function parseFeedFrame(frame: Buffer): ParsedFrame {
  if (!Buffer.isBuffer(frame) || frame.length === 0) return bad('an empty frame');
  if (MODE_OF_SIZE.has(frame.length)) return collect([packetAt(frame, 0, frame.length)]);
  if (frame.length > HEADER_BYTES) {
    for (const littleEndian of [true, false]) {
      const count = littleEndian ? frame.readUInt16LE(0) : frame.readUInt16BE(0);
      const size = littleEndian ? frame.readUInt16LE(2) : frame.readUInt16BE(2);
      if (count > 0 && MODE_OF_SIZE.has(size) && HEADER_BYTES + count * size === frame.length) {
        const packets: (Tick | string)[] = [];
        for (let i = 0; i < count; i += 1) packets.push(packetAt(frame, HEADER_BYTES + i * size, size));
        return collect(packets);
      }
    }
    if (MODE_OF_SIZE.has(frame.length - HEADER_BYTES)) return collect([packetAt(frame, HEADER_BYTES, frame.length - HEADER_BYTES)]);
  }
  return bad(describeMisfit(frame));
}

function describeMisfit(frame: Buffer): string {
  if (frame.length < HEADER_BYTES) return `a frame of ${frame.length} bytes`;
  const count = frame.readUInt16LE(0);
  const size = frame.readUInt16LE(2);
  return `a frame of ${frame.length} bytes whose header says ${count} packets of ${size} bytes`;
}

function bad(problem: string): ParsedFrame {
  return { ticks: [], malformed: 1, problem };
}

function collect(packets: (Tick | string)[]): ParsedFrame {
  const out: ParsedFrame = { ticks: [], malformed: 0 };
  for (const packet of packets) {
    if (typeof packet === 'string') {
      out.malformed += 1;
      out.problem = packet;
    } else {
      out.ticks.push(packet);
    }
  }
  return out;
}

/** The packet of `size` bytes at `at`, or what is wrong with it. */
function packetAt(frame: Buffer, at: number, size: number): Tick | string {
  const mode = MODE_OF_SIZE.get(size)!;
  const modeByte = frame[at];
  if (modeByte !== FEED_MODE_NUMBER[mode]) return `a packet of ${size} bytes that says it is of mode ${modeByte}`;
  const exchangeType = frame[at + 1];
  const exchange = EXCHANGE_OF_TYPE.get(exchangeType);
  if (!exchange) return `a packet of exchange type ${exchangeType}, which is not known`;
  const token = readToken(frame, at + 2);
  if (token === undefined) return 'a packet whose token is not readable';

  const tick: Tick = {
    exchange,
    token,
    mode,
    ltp: readLong(frame, at + 43) / 100,
    time: feedTime(readLong(frame, at + 35)),
    sequence: readLong(frame, at + 27),
  };
  if (mode === 'ltp') return tick;

  tick.lastTradedQty = readLong(frame, at + 51);
  tick.averagePrice = readLong(frame, at + 59) / 100;
  tick.volume = readLong(frame, at + 67);
  tick.totalBuyQty = frame.readDoubleLE(at + 75);
  tick.totalSellQty = frame.readDoubleLE(at + 83);
  tick.open = readLong(frame, at + 91) / 100;
  tick.high = readLong(frame, at + 99) / 100;
  tick.low = readLong(frame, at + 107) / 100;
  tick.close = readLong(frame, at + 115) / 100;
  if (mode === 'quote') return tick;

  tick.lastTradedTime = feedTime(readLong(frame, at + 123));
  tick.openInterest = readLong(frame, at + 131);
  tick.openInterestPercent = openInterestPercent(frame, at + 139);
  const bids: DepthLevel[] = [];
  const asks: DepthLevel[] = [];
  for (let i = 0; i < 2 * DEPTH_LEVELS; i += 1) {
    const entry = at + 147 + i * DEPTH_ENTRY_BYTES;
    // +0 is the buy/sell flag: the side is known from the position (five bids, then five asks)
    (i < DEPTH_LEVELS ? bids : asks).push({ price: readLong(frame, entry + 10) / 100, quantity: readLong(frame, entry + 2), orders: frame.readUInt16LE(entry + 18) });
  }
  tick.depth = { bids, asks };
  tick.upperCircuit = readLong(frame, at + 347) / 100;
  tick.lowerCircuit = readLong(frame, at + 355) / 100;
  tick.yearHigh = readLong(frame, at + 363) / 100;
  tick.yearLow = readLong(frame, at + 371) / 100;
  return tick;
}

/**
 * A signed 64-bit little-endian integer as a number, read as two 32-bit halves: the same number as
 * Number(readBigInt64LE()) (both halves are exact doubles, so their sum is rounded once), without a BigInt.
 */
function readLong(frame: Buffer, at: number): number {
  return frame.readUInt32LE(at) + frame.readInt32LE(at + 4) * 4294967296;
}

/** The token's ASCII, NUL-padded, spaces around it allowed; undefined when it is not one. */
function readToken(frame: Buffer, at: number): string | undefined {
  let end = at + TOKEN_BYTES;
  while (end > at && frame[end - 1] === 0) end -= 1;
  const token = frame.toString('latin1', at, end).trim();
  if (token.length === 0) return undefined;
  for (let i = 0; i < token.length; i += 1) {
    const c = token.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!ok) return undefined;
  }
  return token;
}

/** The last time read and its text: the packets of a frame, and frames of the same second, share it. */
let lastSeconds = Number.NaN;
let lastTime: string | null = null;

function feedTime(seconds: number): string | null {
  if (seconds === lastSeconds) return lastTime;
  let text: string | null = null;
  if (seconds > 0) {
    const ms = FEED_EPOCH_MS + seconds * 1000;
    if (Number.isFinite(ms) && ms <= 8.64e15) text = new Date(ms + IST_OFFSET_MS).toISOString().replace(/\.\d{3}Z$/, '+05:30');
  }
  lastSeconds = seconds;
  lastTime = text;
  return text;
}

/**
 * The open interest change in percent. The sources disagree on its encoding: the SDKs read a
 * double, OpenAlgo an integer of hundredths. A double of a sensible size is taken as one; the
 * same bytes as an integer would read as a tiny subnormal double, so then they are hundredths.
 */
function openInterestPercent(frame: Buffer, offset: number): number {
  const asDouble = frame.readDoubleLE(offset);
  if (asDouble === 0 || (Number.isFinite(asDouble) && Math.abs(asDouble) >= 1e-6 && Math.abs(asDouble) < 1e9)) return asDouble;
  return readLong(frame, offset) / 100;
}

/** The fields of a tick that a subscriber of `mode` gets: a snap tick read by an LTP subscriber is cut down to LTP. */
export function tickForMode(tick: Tick, mode: FeedMode): Tick {
  if (tick.mode === mode) return tick;
  const { exchange, token, ltp, time, sequence } = tick;
  const out: Tick = { exchange, token, mode, ltp, time, sequence };
  if (mode === 'ltp') return out;
  const { lastTradedQty, averagePrice, volume, totalBuyQty, totalSellQty, open, high, low, close } = tick;
  return { ...out, lastTradedQty, averagePrice, volume, totalBuyQty, totalSellQty, open, high, low, close };
}

/** Whether a tick of mode `have` carries every field a subscriber of mode `want` expects. */
export function modeCovers(have: FeedMode, want: FeedMode): boolean {
  return FEED_MODE_NUMBER[have] >= FEED_MODE_NUMBER[want];
}
