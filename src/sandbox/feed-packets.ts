import type { FeedMode, Tick } from '../api/feed-parser';

/**
 * The sandbox's side of the feed's binary packets, written from the byte table of
 * FACTS-TRADING.md §3.3: little-endian, prices in paise, times in seconds since 1980-01-01 UTC.
 * Kept apart from the client's parser on purpose, so the two are not wrong the same way.
 */

const SIZE: Readonly<Record<FeedMode, number>> = { ltp: 51, quote: 123, snap: 379 };
const MODE_BYTE: Readonly<Record<FeedMode, number>> = { ltp: 1, quote: 2, snap: 3 };
const EPOCH_1980_S = Date.UTC(1980, 0, 1) / 1000;

/** A packet's content: a tick's fields plus the wire's exchange type and times as epoch ms. */
export interface PacketContent extends Omit<Tick, 'exchange' | 'time' | 'lastTradedTime'> {
  exchangeType: number;
  timeMs: number;
  lastTradedTimeMs?: number;
}

const paise = (rupees: number | undefined): bigint => BigInt(Math.round((rupees ?? 0) * 100));
const whole = (n: number | undefined): bigint => BigInt(Math.round(n ?? 0));
const seconds1980 = (ms: number | undefined): bigint => (ms === undefined ? 0n : BigInt(Math.floor(ms / 1000) - EPOCH_1980_S));

export function encodePacket(p: PacketContent): Buffer {
  const b = Buffer.alloc(SIZE[p.mode]);
  b[0] = MODE_BYTE[p.mode];
  b[1] = p.exchangeType;
  b.write(p.token.slice(0, 25), 2, 'latin1');
  b.writeBigInt64LE(whole(p.sequence), 27);
  b.writeBigInt64LE(seconds1980(p.timeMs), 35);
  b.writeBigInt64LE(paise(p.ltp), 43);
  if (p.mode === 'ltp') return b;
  b.writeBigInt64LE(whole(p.lastTradedQty), 51);
  b.writeBigInt64LE(paise(p.averagePrice), 59);
  b.writeBigInt64LE(whole(p.volume), 67);
  b.writeDoubleLE(p.totalBuyQty ?? 0, 75);
  b.writeDoubleLE(p.totalSellQty ?? 0, 83);
  b.writeBigInt64LE(paise(p.open), 91);
  b.writeBigInt64LE(paise(p.high), 99);
  b.writeBigInt64LE(paise(p.low), 107);
  b.writeBigInt64LE(paise(p.close), 115);
  if (p.mode === 'quote') return b;
  b.writeBigInt64LE(seconds1980(p.lastTradedTimeMs), 123);
  b.writeBigInt64LE(whole(p.openInterest), 131);
  // hundredths in an integer, as OpenAlgo reads it (the SDKs read a double; the client takes both)
  b.writeBigInt64LE(paise(p.openInterestPercent), 139);
  const levels = [...(p.depth?.bids ?? []).slice(0, 5), ...(p.depth?.asks ?? []).slice(0, 5)];
  levels.forEach((level, i) => {
    const at = 147 + 20 * i;
    b.writeInt16LE(i < 5 ? 66 : 83, at);
    b.writeBigInt64LE(whole(level.quantity), at + 2);
    b.writeBigInt64LE(paise(level.price), at + 10);
    b.writeInt16LE(level.orders, at + 18);
  });
  b.writeBigInt64LE(paise(p.upperCircuit), 347);
  b.writeBigInt64LE(paise(p.lowerCircuit), 355);
  b.writeBigInt64LE(paise(p.yearHigh), 363);
  b.writeBigInt64LE(paise(p.yearLow), 371);
  return b;
}

/** Packets of one size behind the header mStock batches them with: u16 count, u16 size, little-endian. */
export function headerFrame(packets: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(packets.length, 0);
  header.writeUInt16LE(packets[0]?.length ?? 0, 2);
  return Buffer.concat([header, ...packets]);
}
