import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import type { FeedMode } from '../api/feed-parser';
import { Exchange, FEED_EXCHANGE_TYPE } from '../api/instruments';
import type { Clock } from '../session/clock';
import { encodePacket, headerFrame, PacketContent } from './feed-packets';
import type { Market } from './market';

/**
 * The sandbox's live feed (FACTS-TRADING.md §3): a WebSocket on the sandbox's own port at the
 * root, the API key and session token in the query, `LOGIN:<token>` within 10 s, subscribe and
 * unsubscribe as JSON, and binary ticks from the market's price path for what is subscribed.
 */

export interface FeedServerOptions {
  market: Market;
  clock: Clock;
  /** Whether an API key and session token may open the feed (and log in on it). */
  authorize(apiKey: string, sessionToken: string): boolean;
  /** Ticks per second sent for each subscribed instrument. Default 2. */
  ticksPerSecond?: number;
}

/** A text frame a client sent, in arrival order. */
export interface FeedTextFrame {
  /** Which connection (1, 2, … in the order they opened). */
  connection: number;
  text: string;
}

const MODE_OF_NUMBER: ReadonlyMap<number, FeedMode> = new Map([[1, 'ltp'], [2, 'quote'], [3, 'snap']]);
const EXCHANGE_OF_TYPE: ReadonlyMap<number, Exchange> = new Map(
  (Object.entries(FEED_EXCHANGE_TYPE) as [Exchange, number][]).map(([exchange, type]) => [type, exchange]),
);
const PACKETS_PER_FRAME = 4;
/** Every this many rounds, the packets go out bare instead of behind a header. */
const BARE_EVERY = 5;
/** The most rounds one firing of the tick timer sends to catch up. */
const MAX_ROUNDS_AT_ONCE = 20;
/** The slow parts of a quote (the day's range, depth, 52-week range) are taken again after this much market time. */
const QUOTE_REFRESH_MS = 60_000;

interface Connection {
  id: number;
  socket: WebSocket;
  apiKey: string;
  loggedIn: boolean;
  loginTimer?: NodeJS.Timeout;
  tickTimer?: NodeJS.Timeout;
  /** `mode exchangeType token` of what is subscribed. */
  subscribed: Set<string>;
  round: number;
  sequence: number;
}

interface CachedQuote {
  at: number;
  row: Record<string, unknown>;
}

export class FeedServer {
  /** Every text frame received (LOGIN frames, subscribe and unsubscribe messages), at most 1,000. */
  readonly received: FeedTextFrame[] = [];
  /** Upgrade requests seen, accepted or not. */
  handshakes = 0;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  private readonly open = new Set<Connection>();
  private readonly held = new Set<Duplex>();
  private readonly quotes = new Map<string, CachedQuote>();
  /** How long a new socket may stay without `LOGIN:` before it is closed: 10 s, as mStock documents. */
  loginTimeoutMs = 10_000;
  private nextId = 1;
  private rate: number;
  private refusing = false;
  private hanging = false;
  private muted = false;

  constructor(private readonly options: FeedServerOptions) {
    this.rate = options.ticksPerSecond ?? 2;
  }

  /** Ticks per second per subscribed instrument; applies to open sockets at once. */
  set ticksPerSecond(rate: number) {
    this.rate = rate;
    for (const connection of this.open) if (connection.tickTimer) this.startTicking(connection);
  }

  get ticksPerSecond(): number {
    return this.rate;
  }

  /** Open feed sockets. */
  get connections(): number {
    return this.open.size;
  }

  /** What the open sockets are subscribed to, as `{ connection, mode, exchange, token }`. */
  subscriptions(): { connection: number; mode: FeedMode; exchange: Exchange; token: string }[] {
    const out: { connection: number; mode: FeedMode; exchange: Exchange; token: string }[] = [];
    for (const connection of this.open) {
      for (const key of connection.subscribed) {
        const [mode, type, token] = key.split(' ');
        out.push({ connection: connection.id, mode: mode as FeedMode, exchange: EXCHANGE_OF_TYPE.get(Number(type))!, token });
      }
    }
    return out;
  }

  /** Answers every handshake with 401 until switched off, as mStock does for a dead token. */
  refuseHandshakes(on = true): void {
    this.refusing = on;
  }

  /** Leaves every handshake unanswered until switched off. */
  hangHandshakes(on = true): void {
    this.hanging = on;
    if (!on) for (const socket of this.held) socket.destroy();
  }

  /** Sends nothing and answers no ping on the open sockets (and new ones) until switched off. */
  mute(on = true): void {
    this.muted = on;
    for (const connection of this.open) {
      if (on) connection.socket.pause();
      else connection.socket.resume();
    }
  }

  /** Drops every open socket without a closing handshake, as a network fault would. */
  dropConnections(): void {
    for (const connection of this.open) connection.socket.terminate();
  }

  /** Sends a frame the client cannot read (or the one given) on every open socket. */
  sendMalformed(frame: Buffer = Buffer.from([0x03, 0x00, 0x33, 0x00, 0xde, 0xad])): void {
    for (const connection of this.open) connection.socket.send(frame);
  }

  /** Sends `text` as a text frame `times` times on every open socket (mStock's feed may send order updates or errors as text). */
  sendText(text: string, times = 1): void {
    for (const connection of this.open) for (let i = 0; i < times; i += 1) connection.socket.send(text);
  }

  /** For the sandbox's HTTP server's 'upgrade' event. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.handshakes += 1;
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname !== '/') return refuse(socket, 404, 'Not Found');
    if (this.hanging) {
      this.held.add(socket);
      socket.on('close', () => this.held.delete(socket));
      return;
    }
    const apiKey = url.searchParams.get('API_KEY') ?? '';
    const token = url.searchParams.get('ACCESS_TOKEN') ?? '';
    if (this.refusing || !this.options.authorize(apiKey, token)) return refuse(socket, 401, 'Unauthorized');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, apiKey));
  }

  /** Closes every socket; the sandbox is stopping. */
  close(): void {
    for (const connection of this.open) {
      connection.socket.terminate();
      this.forget(connection);
    }
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    this.wss.close();
  }

  private accept(socket: WebSocket, apiKey: string): void {
    const connection: Connection = { id: this.nextId++, socket, apiKey, loggedIn: false, subscribed: new Set(), round: 0, sequence: 0 };
    this.open.add(connection);
    if (this.muted) socket.pause();
    connection.loginTimer = setTimeout(() => socket.close(1008, 'LOGIN not received within 10 seconds'), this.loginTimeoutMs);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onText(connection, data.toString());
    });
    socket.on('close', () => this.forget(connection));
    socket.on('error', () => undefined);
  }

  private forget(connection: Connection): void {
    clearTimeout(connection.loginTimer);
    clearInterval(connection.tickTimer);
    connection.tickTimer = undefined;
    this.open.delete(connection);
  }

  private onText(connection: Connection, text: string): void {
    this.received.push({ connection: connection.id, text });
    if (this.received.length > 1000) this.received.shift();
    if (text.startsWith('LOGIN:')) {
      clearTimeout(connection.loginTimer);
      if (!this.options.authorize(connection.apiKey, text.slice('LOGIN:'.length))) {
        connection.socket.close(1008, 'Invalid session');
        return;
      }
      connection.loggedIn = true;
      this.startTicking(connection);
      return;
    }
    // before LOGIN nothing is answered
    if (!connection.loggedIn) return;
    let message: { action?: unknown; params?: { mode?: unknown; tokenList?: unknown } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const mode = MODE_OF_NUMBER.get(Number(message?.params?.mode));
    const list = message?.params?.tokenList;
    if (!mode || !Array.isArray(list) || (message.action !== 0 && message.action !== 1)) return;
    for (const group of list as { exchangeType?: unknown; tokens?: unknown }[]) {
      const type = Number(group?.exchangeType);
      if (!EXCHANGE_OF_TYPE.has(type) || !Array.isArray(group.tokens)) continue;
      for (const token of group.tokens) {
        const key = `${mode} ${type} ${String(token)}`;
        if (message.action === 1) connection.subscribed.add(key);
        else connection.subscribed.delete(key);
      }
    }
  }

  private startTicking(connection: Connection): void {
    clearInterval(connection.tickTimer);
    const everyMs = 1000 / this.rate;
    const startedAt = performance.now();
    let rounds = 0;
    // a timer fires late on a busy process, and not more often than every 5 ms: each firing sends
    // the rounds owed since the start, so the rate holds (a stall of more than a few rounds is skipped)
    connection.tickTimer = setInterval(() => {
      const owed = Math.floor((performance.now() - startedAt) / everyMs) - rounds;
      rounds += owed;
      for (let i = 0; i < Math.min(owed, MAX_ROUNDS_AT_ONCE); i += 1) this.sendRound(connection);
    }, Math.max(5, everyMs));
  }

  /** One tick of every subscribed instrument: behind headers of a few packets each, or now and then bare. */
  private sendRound(connection: Connection): void {
    if (this.muted || connection.socket.readyState !== WebSocket.OPEN) return;
    connection.round += 1;
    const bySize = new Map<number, Buffer[]>();
    for (const key of connection.subscribed) {
      const [mode, type, token] = key.split(' ');
      const content = this.content(mode as FeedMode, Number(type), token, connection);
      if (!content) continue;
      const packet = encodePacket(content);
      const sameSize = bySize.get(packet.length);
      if (sameSize) sameSize.push(packet);
      else bySize.set(packet.length, [packet]);
    }
    for (const packets of bySize.values()) {
      if (connection.round % BARE_EVERY === 0) {
        for (const packet of packets) connection.socket.send(packet);
        continue;
      }
      for (let i = 0; i < packets.length; i += PACKETS_PER_FRAME) connection.socket.send(headerFrame(packets.slice(i, i + PACKETS_PER_FRAME)));
    }
  }

  /** A packet's content from the market, or nothing for an instrument the market does not have on that exchange. */
  private content(mode: FeedMode, exchangeType: number, token: string, connection: Connection): PacketContent | undefined {
    const exchange = EXCHANGE_OF_TYPE.get(exchangeType)!;
    const now = this.options.clock.now();
    const { market } = this.options;
    const { fetched } = market.quote('LTP', { [exchange]: [token] });
    if (fetched.length === 0) return undefined;
    const ltp = Number(fetched[0].ltp);
    connection.sequence += 1;
    const sequence = connection.sequence;
    if (mode === 'ltp') return { mode, exchangeType, token, ltp, sequence, timeMs: now };
    const row = this.slowQuote(exchange, token, now);
    const number = (key: string): number => Number(row[key] ?? 0);
    // one literal, not a spread of the LTP fields: the feed sends tens of thousands of these a second
    const quote: PacketContent = {
      mode,
      exchangeType,
      token,
      ltp,
      sequence,
      timeMs: now,
      lastTradedQty: number('lastTradeQty'),
      averagePrice: number('avgPrice'),
      volume: number('tradeVolume'),
      totalBuyQty: number('totBuyQuan'),
      totalSellQty: number('totSellQuan'),
      open: number('open'),
      high: Math.max(number('high'), ltp),
      low: Math.min(number('low'), ltp),
      close: number('close'),
    };
    if (mode === 'quote') return quote;
    // the depth keeps its shape around the price of now
    const shift = ltp - number('ltp');
    const depth = row.depth as { buy: { price: number; quantity: number; orders: number }[]; sell: { price: number; quantity: number; orders: number }[] };
    const moved = (levels: { price: number; quantity: number; orders: number }[]) =>
      levels.map((level) => ({ ...level, price: Math.round((level.price + shift) * 100) / 100 }));
    return {
      ...quote,
      lastTradedTimeMs: now,
      openInterest: number('opnInterest'),
      openInterestPercent: 0,
      depth: { bids: moved(depth.buy), asks: moved(depth.sell) },
      upperCircuit: number('upperCircuit'),
      lowerCircuit: number('lowerCircuit'),
      yearHigh: Math.max(number('52WeekHigh'), ltp),
      yearLow: Math.min(number('52WeekLow'), ltp),
    };
  }

  private slowQuote(exchange: Exchange, token: string, now: number): Record<string, unknown> {
    const key = `${exchange}:${token}`;
    const cached = this.quotes.get(key);
    if (cached && Math.abs(now - cached.at) < QUOTE_REFRESH_MS) return cached.row;
    const row = this.options.market.quote('FULL', { [exchange]: [token] }).fetched[0];
    this.quotes.set(key, { at: now, row });
    return row;
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ status: false, message: status === 401 ? 'Invalid request. Please try again.' : 'Resource not found.', errorcode: `IA${status}`, data: null });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
