import { WebSocket } from 'ws';
import { ErrorCode, MStockError, redact } from '../api/errors';
import { FeedInstrument, loginFrame, subscribeFrame, unsubscribeFrame } from '../api/feed-messages';
import { FEED_MODE_NUMBER, FEED_MODES, FeedMode, modeCovers, parseFeedFrame, Tick, tickForMode } from '../api/feed-parser';
import { feedConnectUrl, normaliseFeedUrl } from '../api/feed-url';
import { FEED_EXCHANGE_TYPE } from '../api/instruments';
import { Clock, systemClock } from '../session/clock';
import { NETWORK_WORDS } from '../api/network-words';

export type { FeedInstrument } from '../api/feed-messages';
export type { FeedMode, Tick } from '../api/feed-parser';

/** What the feed needs of the account's session. */
export interface FeedSession {
  readonly state: string;
  liveSession(): { sessionToken: string } | undefined;
  redactSecrets(text: string): string;
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/**
 * A subscriber's view of the feed. `idle`: nothing subscribed; `connecting`: opening (or about to
 * reopen) the socket; `streaming`: logged in and subscribed; `waiting`: no live session, the feed
 * comes back by itself once there is one; `error`: the last attempt failed, another follows.
 */
export interface FeedState {
  state: 'idle' | 'connecting' | 'streaming' | 'waiting' | 'error';
  /** The subscriber's own instruments. */
  instruments: number;
  /** What went wrong (error), or why the socket is being reopened (connecting); never a secret. */
  message?: string;
  /** When another attempt is planned: in how many ms. */
  retryInMs?: number;
}

/** Frames (or packets) the feed could not read since the last report. */
export interface MalformedReport {
  count: number;
  /** What was wrong with the last one. */
  problem: string;
}

/** What a subscriber is told. A listener that throws is not called again for that event, and takes nothing down. */
export interface FeedListener {
  tick?(tick: Tick): void;
  state?(state: FeedState): void;
  /** At most once per `reportEveryMs` (a minute), when something could not be read. */
  malformed?(report: MalformedReport): void;
}

export interface FeedTimings {
  /** The first reconnect delay; it doubles on each failure up to `maxRetryMs`. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** A ping this often; a socket that then stays silent for `pongWithinMs` is dropped. */
  pingEveryMs: number;
  pongWithinMs: number;
  /** How long the handshake may take. */
  openWithinMs: number;
  reportEveryMs: number;
}

export const DEFAULT_FEED_TIMINGS: Readonly<FeedTimings> = {
  firstRetryMs: 1_000,
  maxRetryMs: 60_000,
  pingEveryMs: 20_000,
  pongWithinMs: 10_000,
  openWithinMs: 10_000,
  reportEveryMs: 60_000,
};

export interface AccountFeedOptions {
  /** The feed's root (`feedUrl` of the account); checked here. */
  url?: string;
  apiKey: string;
  session: FeedSession;
  clock?: Clock;
  timings?: Partial<FeedTimings>;
}

/** A frame larger than this closes the socket (it is reopened); mStock's frames are a few KB. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;

const keyOf = (instrument: FeedInstrument): string => `${instrument.exchange}:${instrument.token}`;

interface Wanted {
  instrument: FeedInstrument;
  mode: FeedMode;
}

/**
 * The account's live feed: one WebSocket shared by every subscriber, open while some subscriber
 * needs it and the session is live. Subscriptions are merged (each instrument once, in the highest
 * mode asked for) and sent again on every new socket. Knows nothing of Node-RED.
 */
export class AccountFeed {
  readonly url: string;
  private readonly apiKey: string;
  private readonly session: FeedSession;
  private readonly clock: Clock;
  private readonly timings: FeedTimings;
  private readonly subscribers = new Set<FeedSubscriber>();
  private socket?: WebSocket;
  /** The session token the socket was opened with. */
  private socketToken?: string;
  private loggedIn = false;
  /** What the current socket is subscribed to. */
  private sent = new Map<string, Wanted>();
  private retryDelay: number;
  private retryTimer?: unknown;
  private retryAt?: number;
  private openTimer?: unknown;
  private pingTimer?: unknown;
  private pongTimer?: unknown;
  private lastHeard = 0;
  /** Why the last socket failed, until the next one streams. */
  private failure?: { state: 'connecting' | 'error'; message: string };
  private lastError?: string;
  private malformedCount = 0;
  private malformedProblem = '';
  private lastReportAt?: number;
  private reportTimer?: unknown;
  private closed = false;
  private readonly onSessionChange = (): void => this.sessionChanged();

  constructor(options: AccountFeedOptions) {
    this.url = normaliseFeedUrl(options.url);
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new MStockError(ErrorCode.NO_CREDENTIALS, 'The live feed needs the API key of the mStock account node.');
    }
    this.apiKey = options.apiKey.trim();
    this.session = options.session;
    this.clock = options.clock ?? systemClock;
    this.timings = { ...DEFAULT_FEED_TIMINGS, ...options.timings };
    this.retryDelay = this.timings.firstRetryMs;
    this.session.on('change', this.onSessionChange);
  }

  /** A new subscriber; it holds no instruments until it subscribes some. */
  subscriber(listener: FeedListener): FeedSubscriber {
    if (this.closed) throw new MStockError(ErrorCode.NETWORK, 'The mStock account node was stopped or redeployed: its live feed is closed.');
    const subscriber = new FeedSubscriber(this, listener);
    this.subscribers.add(subscriber);
    return subscriber;
  }

  /** The merged subscriptions: each instrument once, in the highest mode asked for. */
  subscriptions(): { exchange: FeedInstrument['exchange']; token: string; mode: FeedMode }[] {
    return [...this.wanted().values()].map(({ instrument, mode }) => ({ ...instrument, mode }));
  }

  /** The feed's state, counting all its instruments. */
  get state(): FeedState {
    return this.stateFor(this.wanted().size);
  }

  /** Closes the socket and every subscriber; the feed is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.off('change', this.onSessionChange);
    this.dropSocket();
    this.clearRetry();
    if (this.reportTimer !== undefined) this.clock.clearTimer(this.reportTimer);
    this.subscribers.clear();
  }

  /** @internal A subscriber's instruments changed, or it left. */
  changed(subscriber: FeedSubscriber, leaving = false): void {
    if (leaving) this.subscribers.delete(subscriber);
    this.sync();
  }

  /** @internal */
  stateFor(instruments: number): FeedState {
    if (instruments === 0) return { state: 'idle', instruments };
    if (this.session.state !== 'live') return { state: 'waiting', instruments };
    if (this.socket && this.loggedIn) return { state: 'streaming', instruments };
    const retryInMs = this.retryAt === undefined ? undefined : Math.max(0, this.retryAt - this.clock.now());
    const state: FeedState = { state: this.failure?.state ?? 'connecting', instruments };
    if (this.failure) state.message = this.failure.message;
    if (retryInMs !== undefined && !this.socket) state.retryInMs = retryInMs;
    return state;
  }

  private wanted(): Map<string, Wanted> {
    const merged = new Map<string, Wanted>();
    for (const subscriber of this.subscribers) {
      for (const [key, held] of subscriber.held) {
        const before = merged.get(key);
        if (!before || FEED_MODE_NUMBER[held.mode] > FEED_MODE_NUMBER[before.mode]) merged.set(key, held);
      }
    }
    return merged;
  }

  private sessionChanged(): void {
    if (this.closed) return;
    const live = this.session.liveSession();
    if (live) {
      // a new session: its token replaces the old one on the socket, and no backoff is owed
      if (this.socket && this.socketToken !== live.sessionToken) this.dropSocket();
      if (!this.socket) {
        this.clearRetry();
        this.retryDelay = this.timings.firstRetryMs;
        this.failure = undefined;
      }
    }
    this.sync();
  }

  /** Brings the socket in line with what is wanted and whether the session is live. */
  private sync(): void {
    if (this.closed) return;
    const wanted = this.wanted();
    const live = wanted.size > 0 ? this.session.liveSession() : undefined;
    if (wanted.size === 0 || !live) {
      this.dropSocket();
      this.clearRetry();
      this.retryDelay = this.timings.firstRetryMs;
      this.failure = undefined;
    } else if (!this.socket && this.retryTimer === undefined) {
      this.connect(live.sessionToken);
    } else if (this.socket && this.loggedIn) {
      this.sendDifference(wanted);
    }
    this.tellStates();
  }

  private connect(token: string): void {
    this.lastError = undefined;
    let socket: WebSocket;
    try {
      socket = new WebSocket(feedConnectUrl(this.url, this.apiKey, token), { perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES, followRedirects: false });
    } catch (err) {
      this.lost(this.describe(err));
      return;
    }
    this.socket = socket;
    this.socketToken = token;
    this.loggedIn = false;
    this.sent.clear();
    this.openTimer = this.clock.setTimer(() => {
      this.openTimer = undefined;
      if (this.socket !== socket) return;
      this.dropSocket();
      this.lost(`mStock's live feed (${this.host}) did not answer the connection within ${seconds(this.timings.openWithinMs)}.`);
    }, this.timings.openWithinMs);
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.clearTimer('openTimer');
      socket.send(loginFrame(token));
      this.loggedIn = true;
      this.lastHeard = this.clock.now();
      this.armPing();
      this.sendDifference(this.wanted());
      this.tellStates();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.socket !== socket) return;
      this.lastHeard = this.clock.now();
      if (isBinary) this.onFrame(data);
    });
    socket.on('pong', () => {
      if (this.socket === socket) this.lastHeard = this.clock.now();
    });
    socket.on('error', (err: Error) => {
      if (this.socket === socket) this.lastError = this.describe(err);
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (this.socket !== socket) return;
      const wasOpen = this.loggedIn;
      const why = this.lastError ?? `mStock's live feed closed the connection (code ${code}${reason.length > 0 ? `: ${this.redact(reason.toString())}` : ''}).`;
      const state = wasOpen && this.lastError === undefined ? 'connecting' : 'error';
      this.dropSocket();
      this.lost(why, state);
    });
  }

  /** The socket failed or was lost: another attempt after the backoff, while the session is live. */
  private lost(message: string, state: 'connecting' | 'error' = 'error'): void {
    this.failure = { state, message };
    if (this.closed || this.wanted().size === 0 || !this.session.liveSession()) {
      this.sync();
      return;
    }
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.timings.maxRetryMs);
    this.clearRetry();
    this.retryAt = this.clock.now() + delay;
    this.retryTimer = this.clock.setTimer(() => {
      this.retryTimer = undefined;
      this.retryAt = undefined;
      this.sync();
    }, delay);
    this.tellStates();
  }

  private onFrame(frame: Buffer): void {
    const { ticks, malformed, problem } = parseFeedFrame(frame);
    if (ticks.length > 0) {
      // frames are arriving: whatever failed before is over, and the next failure starts the backoff afresh
      this.retryDelay = this.timings.firstRetryMs;
      if (this.failure) {
        this.failure = undefined;
        this.tellStates();
      }
    }
    for (const tick of ticks) {
      const key = keyOf(tick);
      for (const subscriber of this.subscribers) {
        const held = subscriber.held.get(key);
        if (held && modeCovers(tick.mode, held.mode)) subscriber.tell('tick', tickForMode(tick, held.mode));
      }
    }
    if (malformed > 0) {
      this.malformedCount += malformed;
      this.malformedProblem = problem ?? 'a frame that could not be read';
      this.reportMalformed();
    }
  }

  /** Reports what could not be read: at once if there was no report in the last period, else when the period ends. */
  private reportMalformed(): void {
    if (this.reportTimer !== undefined || this.malformedCount === 0) return;
    const now = this.clock.now();
    const wait = this.lastReportAt === undefined ? 0 : this.lastReportAt + this.timings.reportEveryMs - now;
    if (wait > 0) {
      this.reportTimer = this.clock.setTimer(() => {
        this.reportTimer = undefined;
        this.reportMalformed();
      }, wait);
      return;
    }
    const report: MalformedReport = { count: this.malformedCount, problem: this.malformedProblem };
    this.malformedCount = 0;
    this.lastReportAt = now;
    for (const subscriber of this.subscribers) subscriber.tell('malformed', report);
  }

  /** Unsubscribes what is no longer wanted (or wanted in another mode), then subscribes what is new. */
  private sendDifference(wanted: Map<string, Wanted>): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const drop = groupByMode([...this.sent].filter(([key, s]) => wanted.get(key)?.mode !== s.mode).map(([, s]) => s));
    const add = groupByMode([...wanted].filter(([key, w]) => this.sent.get(key)?.mode !== w.mode).map(([, w]) => w));
    for (const [mode, instruments] of drop) socket.send(unsubscribeFrame(mode, instruments));
    for (const [mode, instruments] of add) socket.send(subscribeFrame(mode, instruments));
    this.sent = new Map(wanted);
  }

  private armPing(): void {
    this.pingTimer = this.clock.setTimer(() => {
      this.pingTimer = undefined;
      const socket = this.socket;
      if (!socket) return;
      const pingedAt = this.clock.now();
      try {
        socket.ping();
      } catch {
        // not open any more: its 'close' is on the way
      }
      this.armPing();
      if (this.pongTimer !== undefined) return;
      this.pongTimer = this.clock.setTimer(() => {
        this.pongTimer = undefined;
        if (this.socket !== socket || this.lastHeard >= pingedAt) return;
        this.dropSocket();
        const silent = seconds(this.clock.now() - this.lastHeard);
        this.lost(`mStock's live feed sent nothing for ${silent}, not even an answer to a ping; reconnecting.`, 'connecting');
      }, this.timings.pongWithinMs);
    }, this.timings.pingEveryMs);
  }

  /** Closes the current socket, if any, and forgets what it was subscribed to. */
  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.socketToken = undefined;
    this.loggedIn = false;
    this.sent.clear();
    this.clearTimer('openTimer');
    this.clearTimer('pingTimer');
    this.clearTimer('pongTimer');
    if (!socket) return;
    socket.removeAllListeners('open');
    socket.removeAllListeners('message');
    socket.on('error', () => undefined);
    socket.terminate();
  }

  private clearRetry(): void {
    this.clearTimer('retryTimer');
    this.retryAt = undefined;
  }

  private clearTimer(name: 'openTimer' | 'pingTimer' | 'pongTimer' | 'retryTimer'): void {
    const timer = this[name];
    if (timer !== undefined) this.clock.clearTimer(timer);
    this[name] = undefined;
  }

  private tellStates(): void {
    for (const subscriber of this.subscribers) subscriber.tellState();
  }

  private get host(): string {
    return new URL(this.url).host;
  }

  /** An error as a sentence without the API key or token (the URL carries both). */
  private describe(err: unknown): string {
    const code = (err as { code?: unknown })?.code;
    const words = typeof code === 'string' ? NETWORK_WORDS[code] : undefined;
    if (words) return `mStock's live feed (${this.host}) could not be reached: ${words}.`;
    const text = err instanceof Error ? err.message : String(err);
    const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
    if (status === '401' || status === '403') {
      return `mStock refused the live feed connection (HTTP ${status}): the session or the API key was not accepted.`;
    }
    if (status) return `mStock's live feed answered the connection with HTTP ${status}.`;
    return `mStock's live feed failed: ${this.redact(text)}`;
  }

  private redact(text: string): string {
    const secrets = [this.apiKey, this.socketToken];
    // URLSearchParams encodes differently from encodeURIComponent ("+" for a space, "*" kept)
    const queryForms = secrets.map((s) => (s ? new URLSearchParams({ s }).toString().slice(2) : undefined));
    return redact(this.session.redactSecrets(text), [...secrets, ...queryForms]);
  }
}

/**
 * One user of the account's feed (a ticks node): the instruments it asked for and in which mode.
 * It gets the ticks of those instruments only, cut to its mode.
 */
export class FeedSubscriber {
  /** @internal */
  readonly held = new Map<string, Wanted>();
  private lastState?: string;
  private closed = false;

  /** @internal made by AccountFeed.subscriber() */
  constructor(
    private readonly feed: AccountFeed,
    private readonly listener: FeedListener,
  ) {}

  /** Adds instruments in `mode`; an instruments held already moves to that mode. */
  subscribe(instruments: readonly FeedInstrument[], mode: FeedMode): void {
    if (this.closed) return;
    if (!FEED_MODES.includes(mode)) throw new MStockError(ErrorCode.INVALID_INPUT, `The feed mode must be one of ${FEED_MODES.join(', ')}.`);
    const checked = instruments.map(checkInstrument);
    for (const instrument of checked) this.held.set(keyOf(instrument), { instrument, mode });
    this.feed.changed(this);
  }

  /** Removes instruments; without a list, all of them. */
  unsubscribe(instruments?: readonly FeedInstrument[]): void {
    if (this.closed) return;
    if (instruments === undefined) this.held.clear();
    else for (const instrument of instruments) this.held.delete(keyOf(instrument));
    this.feed.changed(this);
  }

  /** What this subscriber holds. */
  get instruments(): { exchange: FeedInstrument['exchange']; token: string; mode: FeedMode }[] {
    return [...this.held.values()].map(({ instrument, mode }) => ({ ...instrument, mode }));
  }

  get state(): FeedState {
    return this.feed.stateFor(this.held.size);
  }

  /** Leaves the feed (the node is closing); the socket closes when no one else needs it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held.clear();
    this.feed.changed(this, true);
  }

  /** @internal */
  tellState(): void {
    if (this.closed) return;
    const state = this.state;
    const text = JSON.stringify({ ...state, retryInMs: undefined });
    if (text === this.lastState) return;
    this.lastState = text;
    this.tell('state', state);
  }

  /** @internal */
  tell<E extends keyof FeedListener>(event: E, value: Parameters<NonNullable<FeedListener[E]>>[0]): void {
    if (this.closed) return;
    try {
      (this.listener[event] as ((v: typeof value) => void) | undefined)?.(value);
    } catch {
      // a listener's own failure must not stop the feed for everyone else
    }
  }
}

function checkInstrument(instrument: FeedInstrument): FeedInstrument {
  const exchange = instrument?.exchange;
  const token = typeof instrument?.token === 'number' ? String(instrument.token) : instrument?.token;
  if (typeof exchange !== 'string' || !(exchange in FEED_EXCHANGE_TYPE)) {
    throw new MStockError(ErrorCode.INVALID_INPUT, `The live feed has no exchange "${String(exchange)}"; use one of ${Object.keys(FEED_EXCHANGE_TYPE).join(', ')}.`);
  }
  if (typeof token !== 'string' || !/^[0-9A-Za-z_-]{1,25}$/.test(token)) {
    throw new MStockError(ErrorCode.INVALID_INPUT, `The live feed needs an instrument token (digits, up to 25 characters), not "${String(token).slice(0, 40)}".`);
  }
  return { exchange, token };
}

function groupByMode(list: readonly Wanted[]): Map<FeedMode, FeedInstrument[]> {
  const groups = new Map<FeedMode, FeedInstrument[]>();
  for (const { instrument, mode } of list) groups.set(mode, [...(groups.get(mode) ?? []), instrument]);
  return groups;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

