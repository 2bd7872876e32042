import { EventEmitter } from 'node:events';
import { Secret, TOTP } from 'otpauth';
import { AccountFeed, FeedTimings } from '../account/feed';
import { InFlight } from '../account/in-flight';
import { InstrumentCache } from '../account/instrument-cache';
import { RateLimiter } from '../account/rate-limiter';
import type { Envelope } from '../api/classify';
import { MStockClient, RequestOptions } from '../api/client';
import { EndpointName, ENDPOINTS, EndpointSpec, fillPath, findEndpoint, HttpMethod } from '../api/endpoints';
import { ErrorCode, MStockError, isMStockError } from '../api/errors';
import { assertFundData, RawFundSegment } from '../api/funds';
import { normaliseFeedUrl } from '../api/feed-url';
import type { InstrumentMaster } from '../api/instruments';
import { Clock, systemClock } from './clock';
import { nextIndiaMidnight, toIndiaIso } from './india-time';

/** A call's options, and a signal that takes it out of the rate limiter's queue while it still waits there. */
export interface CallOptions extends RequestOptions {
  /** Aborted while the call waits for its turn, the call is not sent and rejects. A call with a signal is never shared with another. */
  signal?: AbortSignal;
  /**
   * Called when the call leaves the rate limiter's queue, just before it is sent; when it throws,
   * the call is not sent and rejects with that. (The order gate counts and refuses orders here.)
   */
  beforeSend?: () => void;
}

export type SessionState = 'logged-out' | 'otp-pending' | 'live' | 'expired';
export type OtpMode = 'otp' | 'totp';

/** What mstock-session emits: never a token. */
export interface SessionChange {
  state: SessionState;
  previous: SessionState;
  /** ISO time of the change. */
  at: string;
  /** Why: login, otp, totp, logout, midnight, rejected, restored. */
  reason: string;
}

export type LoginOutcome =
  | { state: 'otp-pending'; message: string }
  | { state: 'live'; expiresAt: string };

export interface AccountCredentials {
  clientCode: string;
  password: string;
  totpSecret?: string;
}

/** What the account's live feed connects with: its root (`feedUrl`) and the API key its URL carries. */
export interface FeedSettings {
  url?: string;
  apiKey: string;
  timings?: Partial<FeedTimings>;
}

/** Events: 'change' (SessionChange) whenever the state moves. */
export class AccountSession extends EventEmitter {
  private current: SessionState = 'logged-out';
  private loginToken?: string;
  private sessionToken?: string;
  private expiresAtMs?: number;
  private midnightTimer?: unknown;
  private loginInFlight?: Promise<LoginOutcome>;
  /** The OTP being checked: a second code waits for its outcome instead of racing it. */
  private codeInFlight?: Promise<unknown>;
  /** Identical reads in flight share one call, only for the same session token; logout, login and expiry end the sharing. */
  private readonly reads = new InFlight();
  /** Every call of the account waits here for its turn within mStock's published limits. */
  private readonly limiter: RateLimiter;
  /** The account's instrument master, downloaded with the live session at most once an India day. */
  private readonly master: InstrumentCache;
  private closed = false;
  private liveFeed?: AccountFeed;

  constructor(
    private readonly client: MStockClient,
    private readonly credentials: AccountCredentials,
    private readonly clock: Clock = systemClock,
    private readonly feedSettings?: FeedSettings,
  ) {
    super();
    // every node of the account listens to its changes: dozens in a large flow are no leak
    this.setMaxListeners(0);
    // a feed URL that will be refused is refused now, when the account is set up
    if (feedSettings) normaliseFeedUrl(feedSettings.url);
    this.limiter = new RateLimiter({ clock, maxWaitMs: client.timeout });
    // the text: the master reads it in place, without JSON.parse's 100,000 objects
    this.master = new InstrumentCache(() => this.call('scripMaster', { bareText: true }).then((envelope) => envelope.data), clock);
  }

  /**
   * The account's live feed: one WebSocket shared by every subscriber, made on first use; it
   * follows this session (streams while it is live, waits while it is not).
   */
  get feed(): AccountFeed {
    if (!this.feedSettings) throw new MStockError(ErrorCode.NO_CREDENTIALS, 'The mStock account node has no live feed settings.');
    if (this.closed) throw closedError();
    this.liveFeed ??= new AccountFeed({ ...this.feedSettings, session: this, clock: this.clock });
    return this.liveFeed;
  }

  /** The session's time (epoch ms). */
  now(): number {
    return this.clock.now();
  }

  get state(): SessionState {
    this.expireIfPastMidnight();
    return this.current;
  }

  /** When the live session ends (epoch ms), if there is one. */
  get expiresAt(): number | undefined {
    return this.current === 'live' ? this.expiresAtMs : undefined;
  }

  /**
   * Logs in. Without a TOTP secret the broker sends an OTP and the session waits for it; with one,
   * the session is completed at once. Never retried: each login sends a new OTP and uses up one
   * of the attempts the broker allows.
   */
  login(): Promise<LoginOutcome> {
    if (this.loginInFlight) {
      return Promise.reject(
        new MStockError(
          ErrorCode.INVALID_INPUT,
          'A login for this account is already in progress; no second OTP was requested. Wait for it to finish.',
        ),
      );
    }
    const attempt = this.runLogin().finally(() => {
      this.loginInFlight = undefined;
    });
    this.loginInFlight = attempt;
    return attempt;
  }

  private async runLogin(): Promise<LoginOutcome> {
    // a bad secret is refused before the broker is asked for anything
    const authenticator = this.credentials.totpSecret ? this.authenticator(this.credentials.totpSecret) : undefined;
    const result = await this.client.login(this.credentials.clientCode, this.credentials.password);
    if (this.closed) throw closedError();
    this.reads.clear();
    this.sessionToken = undefined;
    this.expiresAtMs = undefined;
    this.clearMidnightTimer();
    this.loginToken = result.loginToken;
    this.moveTo('otp-pending', 'login');
    if (!authenticator) return { state: 'otp-pending', message: result.message };
    const { expiresAt } = await this.submitCode(authenticator.generate({ timestamp: this.clock.now() }), 'totp');
    return { state: 'live', expiresAt };
  }

  /**
   * Turns the OTP (or authenticator code) into a live session. A rejected code keeps the login
   * waiting. Codes sent while one is being checked wait for its outcome: once the session is live
   * they are not sent at all.
   */
  async submitCode(code: string, mode: OtpMode): Promise<{ expiresAt: string }> {
    while (this.codeInFlight) await this.codeInFlight.catch(() => undefined);
    const attempt = this.checkCode(code, mode);
    const settled = attempt.finally(() => {
      if (this.codeInFlight === settled) this.codeInFlight = undefined;
    });
    this.codeInFlight = settled;
    return settled;
  }

  private async checkCode(code: string, mode: OtpMode): Promise<{ expiresAt: string }> {
    const loginToken = this.loginToken;
    if (this.state === 'live') {
      throw new MStockError(
        ErrorCode.NO_PENDING_LOGIN,
        'The mStock session is already live (another code was accepted), so this code was not sent. No OTP is needed until the session ends.',
      );
    }
    if (this.current !== 'otp-pending' || !loginToken) {
      throw new MStockError(
        ErrorCode.NO_PENDING_LOGIN,
        'No login is waiting for an OTP. Send a message to the mStock login node first, then the OTP it asks for.',
      );
    }
    const tokens =
      mode === 'totp' ? await this.client.verifyTotp(loginToken, code) : await this.client.sessionToken(loginToken, code);
    if (this.closed) throw closedError();
    if (this.loginToken !== loginToken) {
      // mStock opened a session for a login that is over here: close it there too
      this.client.logout(tokens.sessionToken).catch(() => undefined);
      const what = (this.current as SessionState) === 'logged-out' ? 'logged out' : 'replaced by a new login';
      throw new MStockError(
        ErrorCode.NO_PENDING_LOGIN,
        `The login this code was for was ${what} while mStock checked the code, so the session mStock opened for it was logged out again.`,
      );
    }
    const now = this.clock.now();
    this.loginToken = undefined;
    this.reads.clear();
    this.sessionToken = tokens.sessionToken;
    this.expiresAtMs = nextIndiaMidnight(now);
    this.armMidnightTimer(this.expiresAtMs - now);
    this.moveTo('live', mode);
    return { expiresAt: toIndiaIso(this.expiresAtMs) };
  }

  /** The fund summary. Calls made while one is in flight for the same session share its answer. */
  funds(): Promise<RawFundSegment[]> {
    return this.call('fundSummary').then((envelope) => assertFundData(envelope.data));
  }

  /**
   * The broker's instrument master: downloaded with the live session on first need and again on
   * the first need after the next 08:30 India time; calls while a download runs share it. Kept
   * across logins, as it is the same for every session of the account.
   */
  instruments(): Promise<InstrumentMaster> {
    return this.master.get();
  }

  /**
   * A call of the endpoint table with the live session, through the account's rate limiter.
   * Identical reads in flight for the same session share one call; nothing else is merged. A 401
   * ends the session for every node of the account.
   */
  call(endpoint: EndpointName, options: CallOptions = {}): Promise<Envelope> {
    const spec: EndpointSpec = ENDPOINTS[endpoint];
    const { signal, beforeSend, ...request } = options;
    const start = (token: string) => {
      beforeSend?.();
      return this.client.request(endpoint, token, request);
    };
    return this.send(spec, request, start, signal);
  }

  /**
   * A call by method and path under the API root (mstock-request). A path of the table counts
   * against its row's rate limit and reads as its row does; any other path is `other`.
   */
  callPath(method: HttpMethod, path: string, options: Omit<RequestOptions, 'pathParams'> = {}): Promise<Envelope> {
    const known = findEndpoint(method, path);
    const row: EndpointSpec | undefined = known?.methodAllowed ? ENDPOINTS[known.name] : undefined;
    const spec: EndpointSpec = row
      ? { ...row, method, path }
      : { method, path, category: 'other', what: `the call ${method} ${path}`, auth: 'session', failure: 'read' };
    return this.send(spec, options, (token) => this.client.requestPath(spec, token, options));
  }

  private send(spec: EndpointSpec, options: RequestOptions, start: (token: string) => Promise<Envelope>, signal?: AbortSignal): Promise<Envelope> {
    let token: string;
    let path: string;
    try {
      token = this.liveToken();
      path = fillPath(spec.path, options.pathParams);
    } catch (err) {
      return Promise.reject(err);
    }
    const query = options.query ? `?${new URLSearchParams(options.query as Record<string, string>).toString()}` : '';
    // a call that may be called off is its caller's own: another caller must not lose its answer
    const read = spec.idempotentRead === true && signal === undefined;
    // a master answered as text and one answered parsed are different answers: not shared
    const form = options.bareText ? '\u0000text' : '';
    const identity = { sessionToken: token, method: spec.method, path: path + query + form, body: options.body, read };
    return this.reads
      .run(identity, () => this.limiter.schedule(spec.category, () => start(token), { signal }))
      .catch((err: unknown) => {
        this.expireOnRejection(err, token);
        throw err;
      });
  }

  /**
   * Ends the session on the broker and forgets it here, even when the broker's call fails (that
   * failure is still reported). A session the broker already ended (401) counts as logged out.
   */
  async logout(): Promise<void> {
    const state = this.state;
    if (state === 'logged-out') {
      throw new MStockError(ErrorCode.NOT_LOGGED_IN, 'There is no mStock session to log out of.');
    }
    const token = this.sessionToken;
    this.forget();
    this.moveTo('logged-out', 'logout');
    if (state !== 'live' || !token) return;
    try {
      await this.client.logout(token);
    } catch (err) {
      if (isMStockError(err) && err.code === ErrorCode.SESSION_EXPIRED) return;
      if (isMStockError(err)) err.message = `Logged out here, but mStock's logout call failed: ${err.message}`;
      throw err;
    }
  }

  /**
   * The live session's token and end, for an opt-in store that keeps it across restarts.
   * Undefined unless live.
   */
  liveSession(): { sessionToken: string; expiresAt: number } | undefined {
    if (this.state !== 'live' || !this.sessionToken || this.expiresAtMs === undefined) return undefined;
    return { sessionToken: this.sessionToken, expiresAt: this.expiresAtMs };
  }

  /**
   * Takes back a session kept in a store, if it is still before its midnight and nothing newer
   * happened here meanwhile. True when the session became live.
   */
  restore(saved: { sessionToken: string; expiresAt: number }): boolean {
    const now = this.clock.now();
    if (this.closed || this.current !== 'logged-out' || this.loginInFlight) return false;
    if (typeof saved.sessionToken !== 'string' || saved.sessionToken === '') return false;
    if (!Number.isFinite(saved.expiresAt) || saved.expiresAt <= now || saved.expiresAt > nextIndiaMidnight(now)) return false;
    this.sessionToken = saved.sessionToken;
    this.expiresAtMs = saved.expiresAt;
    this.armMidnightTimer(saved.expiresAt - now);
    this.moveTo('live', 'restored');
    return true;
  }

  /** `text` without any of the account's secrets, for a log line. */
  redactSecrets(text: string): string {
    const { password, totpSecret } = this.credentials;
    return this.client.redactSecrets(text, [password, totpSecret, this.loginToken, this.sessionToken]);
  }

  /**
   * Aborts the calls in flight but keeps the session: the nodes that were waiting for them are
   * gone (a redeploy or a stop of the flows), and nothing else should keep the process busy.
   */
  abortCalls(): void {
    this.limiter.cancelWaiting(new MStockError(ErrorCode.NETWORK, 'The call was not sent to mStock: the node was stopped or redeployed.'));
    this.client.abortCalls();
  }

  /** Stops the timer and aborts calls in flight; the session is unusable afterwards. */
  close(): void {
    this.closed = true;
    this.liveFeed?.close();
    this.clearMidnightTimer();
    this.forget();
    this.limiter.close();
    this.client.close();
    this.removeAllListeners();
  }

  private liveToken(): string {
    const state = this.state;
    if (state === 'expired') {
      throw new MStockError(ErrorCode.SESSION_EXPIRED, 'The mStock session has expired (sessions end at midnight India time). Log in again and enter a new OTP.');
    }
    if (state !== 'live' || !this.sessionToken) {
      throw new MStockError(ErrorCode.NOT_LOGGED_IN, 'Not logged in to mStock. Log in with the mStock login node and enter the OTP first.');
    }
    return this.sessionToken;
  }

  private expireOnRejection(err: unknown, token: string): void {
    if (isMStockError(err) && err.code === ErrorCode.SESSION_EXPIRED && this.sessionToken === token) {
      this.forget();
      this.moveTo('expired', 'rejected');
    }
  }

  private expireIfPastMidnight(): void {
    if (this.current === 'live' && this.expiresAtMs !== undefined && this.clock.now() >= this.expiresAtMs) {
      this.forget();
      this.moveTo('expired', 'midnight');
    }
  }

  private armMidnightTimer(ms: number): void {
    this.clearMidnightTimer();
    this.midnightTimer = this.clock.setTimer(() => {
      this.midnightTimer = undefined;
      this.expireIfPastMidnight();
      // a clock that fired early (or was moved back) waits again
      if (this.current === 'live' && this.expiresAtMs !== undefined) this.armMidnightTimer(this.expiresAtMs - this.clock.now());
    }, Math.max(0, ms));
  }

  private clearMidnightTimer(): void {
    if (this.midnightTimer !== undefined) this.clock.clearTimer(this.midnightTimer);
    this.midnightTimer = undefined;
  }

  private forget(): void {
    this.reads.clear();
    this.loginToken = undefined;
    this.sessionToken = undefined;
    this.expiresAtMs = undefined;
    this.clearMidnightTimer();
  }

  private moveTo(state: SessionState, reason: string): void {
    const previous = this.current;
    this.current = state;
    if (this.closed) return;
    const change: SessionChange = { state, previous, at: new Date(this.clock.now()).toISOString(), reason };
    this.emit('change', change);
  }

  private authenticator(base32: string): TOTP {
    try {
      const secret = Secret.fromBase32(base32.replace(/[\s-]/g, '').toUpperCase());
      return new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' });
    } catch {
      throw new MStockError(
        ErrorCode.INVALID_INPUT,
        'The TOTP secret on the mStock account node is not valid base32 (letters A–Z and digits 2–7). Nothing was sent to mStock.',
      );
    }
  }
}

function closedError(): MStockError {
  return new MStockError(ErrorCode.NETWORK, 'The mStock account node was stopped or redeployed while the call was in flight.');
}
