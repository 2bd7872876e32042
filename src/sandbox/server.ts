import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import { EndpointName, ENDPOINTS, findEndpoint } from '../api/endpoints';
import { Clock, systemClock } from '../session/clock';
import { deliverAfterCall, Fault, FaultKind, FaultSwitch, misbehave } from './faults';
import { FeedServer } from './feed-server';
export type { Fault, FaultKind } from './faults';
import { delay, sendJson } from './http-answers';
import { Market } from './market';
import { FundsUse, PaperAccount, PaperAccountRefusal } from './paper-account';
import { SandboxRateLimits } from './rate-limits';
import { IST_OFFSET_MS, nextIndiaMidnight } from '../session/india-time';
import { REST_EXCHANGE_CODE, toExchange } from '../api/instruments';
import { parseIndiaTime } from '../api/rows';

/** The sandbox account. Documented in the README; none of it works on the real mStock. */
export const SANDBOX_ACCOUNT = {
  apiKey: 'sandbox-api-key-0001',
  clientCode: 'SANDBOX1',
  password: 'sandbox-password',
  totpSecret: 'MSTOCKSANDBOXTOTPSECRETKEY234567',
} as const;

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Where the sandbox writes what it "sends" (the OTP) and what it does. */
  log?: (line: string) => void;
  /** Every login's OTP is this one, instead of a random one. */
  fixedOtp?: string;
  /** Added to every answer, in ms. */
  latencyMs?: number;
  /** Wrong passwords allowed before the account locks. */
  attempts?: number;
  /** The sandbox's time: sessions end at its midnight, TOTP codes follow it, the market's prices move with it. */
  clock?: Clock;
  /** The instrument master's form: a bare JSON array as the broker sends it (default), or CSV as the docs say. */
  masterFormat?: 'json' | 'csv';
}

export interface RecordedRequest {
  endpoint: string;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface PendingLogin {
  otp: string;
  clientCode: string;
}

interface LiveSession {
  clientCode: string;
  expiresAt: number;
}


const API_SUSPENDED = 'API is suspended/expired for use. Please check your API subscription and try again.';
const OTP_EXPIRED = 'Entered OTP has been expired. Please regenerate a new one & enter the same.';
const MAX_REQUEST_BODY = 64 * 1024;

/**
 * A retail account's fund summary: the keys of the vendor's sample segment with realistic,
 * consistent figures (a limit of ₹2,25,000 at the start of the day, ₹44,999.50 of it used), plus a
 * commodity segment with the gaps live answers have.
 */
function sampleFunds(availableBalance: string, paper: FundsUse): Record<string, string>[] {
  const rupees = (paise: number): string => String(Math.round(paise) / 100);
  const start = Number(availableBalance);
  // untouched until the paper account's orders change it, whatever the test set it to
  const available = paper.used === 0 && paper.realised === 0 || !Number.isFinite(start)
    ? availableBalance
    : rupees(Math.round(start * 100) - paper.used + paper.realised);
  return [
    {
      ADDITIONAL_MARGIN: '0.0',
      ADHOC_LIMIT: '0.0',
      AMOUNT_UTILIZED: rupees(4_499_950 + paper.used),
      AVAILABLE_BALANCE: available,
      BANK_HOLDING: '0.0',
      CLEAR_BALANCE: '225000.0',
      COLLATERALS: '0.0',
      LIMIT_SOD: '225000.0',
      LIMIT_TYPE: 'CAPITAL',
      MF_COLLATERAL: '0.0',
      MTF_AVAILABLE_BALANCE: '180000.5',
      MTF_COLLATERAL: '0.0',
      MTF_UTILIZE: '0.0',
      MTM_COMBINED: '0',
      OFS_UTILIZED: '0.0',
      OPT_BUY_PRIMIUM_UTILIZE: '0.0',
      PAY_OUT_AMT: '180000.5',
      PEAK_MARGIN: '44999.5',
      PHYSICAL_MARGIN: '0.0',
      REALISED_PROFITS: rupees(paper.realised),
      RECEIVABLES: '0',
      SEG: 'A',
      SUM_OF_ALL: '225000.0',
      UNCLEAR_BALANCE: '0',
    },
    {
      ADDITIONAL_MARGIN: 'None',
      AMOUNT_UTILIZED: '0.0',
      AVAILABLE_BALANCE: '25000.5',
      LIMIT_TYPE: 'CAPITAL',
      MTM_COMBINED: '',
      OPT_BUY_PRIMIUM_UTILIZE: 'None',
      PAY_OUT_AMT: '0',
      SEG: 'C',
      UNCLEAR_BALANCE: '',
    },
  ];
}

function base64url(value: object | Buffer): string {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  return buf.toString('base64url');
}

/**
 * A local stand-in for the mStock Type B API that answers the way the real one does (see FACTS.md
 * and FACTS-TRADING.md): status spellings, HTTP-200 failures, attempts counting down, sessions that
 * end at midnight India time; portfolio and order reads, and paper trading, on its paper account;
 * the instrument master, quotes and candles from its market.
 */
export class Sandbox {
  readonly account = { ...SANDBOX_ACCOUNT };
  /** Calls received per endpoint name. */
  readonly calls: Record<string, number> = {};
  /** The last requests received (at most 200), headers and bodies included. */
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly logins = new Map<string, PendingLogin>();
  private readonly sessions = new Map<string, LiveSession>();
  private readonly signingKey = crypto.randomBytes(32);
  private readonly options: SandboxOptions;
  private readonly faults = new FaultSwitch();
  private attemptsLeft: number;
  private availableBalance = '180000.5';
  private lastOtpSent?: string;
  private apiKeySuspended = false;

  private readonly clock: Clock;
  /** The timer that lets the paper account's open orders meet the price while the sandbox runs. */
  private matchTimer?: unknown;
  /** The paper account the portfolio and order reads answer from, and orders go to. */
  readonly paper: PaperAccount;
  /** The published rate limits, enforced with HTTP 429. */
  readonly limits: SandboxRateLimits;
  /** The instrument master, quotes and candles. */
  readonly market: Market;
  /** The live feed's WebSocket, on the same port; its switches drop, refuse or hang sockets. */
  readonly feed: FeedServer;

  constructor(options: SandboxOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.market = new Market(this.clock);
    this.paper = new PaperAccount(this.clock, { market: this.market, availableBalance: () => this.availableBalance, clientCode: this.account.clientCode });
    this.limits = new SandboxRateLimits(this.clock);
    this.feed = new FeedServer({ market: this.market, clock: this.clock, authorize: (apiKey, token) => this.feedAuthorized(apiKey, token) });
    this.attemptsLeft = options.attempts ?? 10;
  }

  /** Starts listening; resolves with the base URL to give the client. */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('upgrade', (req, socket, head) => this.feed.handleUpgrade(req, socket, head));
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.armMatcher();
    return this.url;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  get url(): string {
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** The live feed's root, for the account's feed URL. */
  get feedUrl(): string {
    return this.url.replace(/^http:/, 'ws:');
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    if (this.matchTimer !== undefined) this.clock.clearTimer(this.matchTimer);
    this.matchTimer = undefined;
    this.feed.close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every second while the sandbox runs, the open paper orders meet the price of the moment. */
  private armMatcher(): void {
    this.matchTimer = this.clock.setTimer(() => {
      this.matchTimer = undefined;
      try {
        this.paper.match();
      } catch (err) {
        this.log(`sandbox: the paper account could not match orders: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (this.server) this.armMatcher();
    }, 1000);
  }

  /** Makes the sandbox misbehave until cleared (or for `times` answers). */
  setFault(fault: Fault | FaultKind | undefined): void {
    this.faults.set(fault);
  }

  /** The OTP the last login "sent". */
  get lastOtp(): string | undefined {
    return this.lastOtpSent;
  }

  /** A valid authenticator code for the sandbox account's TOTP secret, at the clock's time. */
  currentTotp(): string {
    return this.totp().generate({ timestamp: this.clock.now() });
  }

  /** Sets AVAILABLE_BALANCE of the first segment (a numeric string, as the broker sends it). */
  setAvailableBalance(value: string | number): void {
    this.availableBalance = String(value);
  }

  /** Ends every live session now, as midnight does. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Suspends or restores the API key. */
  suspendApiKey(suspended = true): void {
    this.apiKeySuspended = suspended;
  }

  get liveSessionCount(): number {
    return this.sessions.size;
  }

  resetCounters(): void {
    for (const key of Object.keys(this.calls)) delete this.calls[key];
    this.requests.length = 0;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private totp(): TOTP {
    return new TOTP({ secret: Secret.fromBase32(this.account.totpSecret), digits: 6, period: 30, algorithm: 'SHA1' });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void this.respond(req, res, body).catch((err: unknown) => {
        this.log(`sandbox: internal error: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) this.send(res, 500, { status: 'false', message: 'Internal error', errorcode: 'IA500', data: null });
      });
    });
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    sendJson(res, status, body);
  }

  private async respond(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const [path, queryText = ''] = (req.url ?? '/').split('?');
    const route = findEndpoint(req.method ?? '', path);
    if (!route) {
      this.send(res, 404, { status: false, message: 'Resource not found.', errorcode: 'IA404', data: null });
      return;
    }
    if (!route.methodAllowed) {
      this.send(res, 405, { status: false, message: `The requested resource does not support http method '${req.method}'.`, errorcode: '405', data: null });
      return;
    }
    const endpoint = route.name;
    this.calls[endpoint] = (this.calls[endpoint] ?? 0) + 1;
    this.requests.push({ endpoint, method: req.method ?? '', path, headers: req.headers, body });
    if (this.requests.length > 200) this.requests.shift();
    // open orders meet the price of the moment before anything is answered
    this.paper.match();

    if (this.options.latencyMs) await delay(this.options.latencyMs);
    const fault = this.faults.take(endpoint);
    if (fault && (await misbehave(fault, res, { fundsBody: () => this.fundsBody(), apiSuspended: () => this.sendApiSuspended(endpoint, res) }))) return;

    if (req.headers['x-mirae-version'] !== '1') {
      this.send(res, 400, { status: 'false', message: 'Invalid API version.', errorcode: 'IA400', data: null });
      return;
    }
    if (!this.limits.admit(ENDPOINTS[endpoint].category)) {
      this.send(res, 429, { status: 'false', message: 'Too many requests. Please try after some time.', errorcode: '429', data: null });
      return;
    }
    // a JSON body on any method (the broker reads GET bodies for quotes and candles), else the query
    let json: Record<string, unknown> = Object.fromEntries(new URLSearchParams(queryText));
    if (body.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
      } catch {
        json = {};
      }
    }
    switch (endpoint) {
      case 'login':
        return this.login(json, res);
      case 'sessionToken':
        return this.sessionToken(req, json, res);
      case 'verifyTotp':
        return this.verifyTotp(req, json, res);
      case 'fundSummary':
        return this.fundSummary(req, res);
      case 'logout':
        return this.logout(req, res);
      case 'placeOrder':
      case 'modifyOrder':
      case 'cancelOrder':
      case 'cancelAll':
        return this.answerOrder(endpoint, req, path, json, res, fault);
      default:
        return this.answerRead(endpoint, req, json, res);
    }
  }

  /** The Part 2 reads, from the paper account and the market. */
  private answerRead(endpoint: EndpointName, req: http.IncomingMessage, json: Record<string, unknown>, res: http.ServerResponse): void {
    if (!this.apiKeyOk(req)) return this.sendApiSuspended(endpoint, res);
    if (!this.sessionFor(req)) return this.sendUnauthorized(res);
    const ok = (data: unknown) => this.send(res, 200, { status: true, message: 'SUCCESS', errorcode: '', data });
    // an empty list is data: null, as the broker sends it when there is nothing to show
    const rows = (list: unknown[]) => ok(list.length > 0 ? list : null);
    const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
    try {
      switch (endpoint) {
        case 'positions':
          return rows(this.paper.positions());
        case 'holdings':
          return rows(this.paper.holdings());
        case 'orderBook':
          return rows(this.paper.orderBook());
        case 'tradeBook':
          return rows(this.paper.tradeBook());
        case 'orderDetails':
          return rows(this.paper.orderDetails(text(json.order_no).trim()));
        case 'tradeHistory':
          return rows(this.paper.tradeHistory(text(json.fromdate), text(json.todate)));
        case 'quote':
          return ok(this.market.quote(typeof json.mode === 'string' ? json.mode : 'LTP', exchangeTokens(json.exchangeTokens)));
        case 'historical':
          return ok({ candles: this.historical(json) });
        case 'intraday':
          return ok({ candles: this.intraday(json) });
        case 'scripMaster':
          return this.sendMaster(res);
        case 'optionChainMaster':
          return ok(OPTION_CHAIN_MASTER);
        default:
          this.send(res, 501, { status: false, message: 'The sandbox does not answer this call yet.', errorcode: 'MA501', data: null });
      }
    } catch (err) {
      if (!(err instanceof PaperAccountRefusal)) throw err;
      this.send(res, 400, { status: false, message: err.message, errorcode: err.errorcode, data: null });
    }
  }

  /** The order calls, on the paper account; the answer is delivered as an order fault says, after the call took effect. */
  private async answerOrder(
    endpoint: 'placeOrder' | 'modifyOrder' | 'cancelOrder' | 'cancelAll',
    req: http.IncomingMessage,
    path: string,
    json: Record<string, unknown>,
    res: http.ServerResponse,
    fault: Fault | undefined,
  ): Promise<void> {
    if (!this.apiKeyOk(req)) return this.sendApiSuspended(endpoint, res);
    if (!this.sessionFor(req)) return this.sendUnauthorized(res);
    const { status, body } = this.orderAnswer(endpoint, path, json, fault?.kind === 'rms-rejection');
    await deliverAfterCall(fault, res, status, body);
  }

  /**
   * An order call's answer (FACTS-TRADING §2.1–2.4): place in a list of one (as production sees
   * it), its business refusals too; modify with the order id after a space, as the docs' sample
   * has it; cancel-all with data null. Refusals of the gateway (IA400) are HTTP 400, bare.
   */
  private orderAnswer(endpoint: string, path: string, json: Record<string, unknown>, rmsRejection: boolean): { status: number; body: unknown } {
    const success = (data: unknown) => ({ status: 200, body: { status: true, message: 'SUCCESS', errorcode: '', data } });
    const orderid = orderIdOf(path);
    try {
      switch (endpoint) {
        case 'placeOrder': {
          const order = this.paper.place(json, { rmsRejection });
          const placed = success({ script: order.instrument.tradingSymbol, orderid: order.orderid, uniqueorderid: '' });
          return { status: placed.status, body: [placed.body] };
        }
        case 'modifyOrder':
          return success({ orderid: ` ${this.paper.modify(orderid, json).orderid}`, uniqueorderid: '' });
        case 'cancelOrder':
          return success({ orderid: this.paper.cancel(orderid).orderid, uniqueorderid: '' });
        default:
          this.paper.cancelAll();
          return success(null);
      }
    } catch (err) {
      if (!(err instanceof PaperAccountRefusal)) throw err;
      const refusal = { status: false, message: err.message, errorcode: err.errorcode, data: null };
      return { status: err.httpStatus, body: endpoint === 'placeOrder' && err.httpStatus === 200 ? [refusal] : refusal };
    }
  }

  /** Candles for {exchange, symboltoken, interval, fromdate, todate} (FACTS-TRADING §2.14). */
  private historical(json: Record<string, unknown>): unknown[] {
    if (!toExchange(json.exchange)) throw new PaperAccountRefusal('IA400', `Invalid exchange: ${String(json.exchange ?? '')}.`);
    const token = candleField(json.symboltoken, 'symboltoken');
    const interval = candleField(json.interval, 'interval');
    return this.market.candles(token, interval, candleDate(json.fromdate, 'fromdate'), candleDate(json.todate, 'todate'));
  }

  /** Today's candles for {exchange: the numeric code, symboltoken, interval} (FACTS-TRADING §2.15). */
  private intraday(json: Record<string, unknown>): unknown[] {
    const code = Number(candleField(json.exchange, 'exchange'));
    if (!Object.values(REST_EXCHANGE_CODE).includes(code)) {
      throw new PaperAccountRefusal('IA400', `Invalid exchange: ${String(json.exchange)}. Use the numeric code (1 NSE, 2 NFO, 3 CDS, 4 BSE, 5 BFO, 6 MCX).`);
    }
    const token = candleField(json.symboltoken, 'symboltoken');
    const interval = candleField(json.interval, 'interval');
    const now = this.clock.now();
    const dayStart = Math.floor((now + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
    return this.market.candles(token, interval, dayStart, now);
  }

  /** The whole instrument master, bare (no envelope), as the broker sends it. */
  private sendMaster(res: http.ServerResponse): void {
    const csv = this.options.masterFormat === 'csv';
    const bytes = csv ? this.market.masterCsv() : this.market.masterJson();
    res.writeHead(200, { 'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8', 'Content-Length': bytes.length });
    res.end(bytes);
  }

  private apiKeyOk(req: http.IncomingMessage): boolean {
    return !this.apiKeySuspended && req.headers['x-privatekey'] === this.account.apiKey;
  }

  private sendApiSuspended(endpoint: string, res: http.ServerResponse): void {
    if (endpoint === 'logout') {
      this.send(res, 403, { status: 'false', message: API_SUSPENDED, errorcode: 'IA403', data: null });
    } else {
      this.send(res, endpoint === 'fundSummary' ? 400 : 403, { status: 'error', message: API_SUSPENDED, data: null });
    }
  }

  private feedAuthorized(apiKey: string, token: string): boolean {
    const session = this.sessions.get(token);
    return !this.apiKeySuspended && apiKey === this.account.apiKey && session !== undefined && this.clock.now() < session.expiresAt;
  }

  private sessionFor(req: http.IncomingMessage): LiveSession | undefined {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    const session = this.sessions.get(match[1]);
    if (session && this.clock.now() >= session.expiresAt) {
      this.sessions.delete(match[1]);
      return undefined;
    }
    return session;
  }

  private sendUnauthorized(res: http.ServerResponse): void {
    this.send(res, 401, { status: false, message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null });
  }

  private login(json: Record<string, unknown>, res: http.ServerResponse): void {
    const { clientcode, password } = json;
    if (typeof clientcode !== 'string' || typeof password !== 'string' || clientcode === '' || password === '') {
      this.send(res, 400, { status: 'false', message: 'Please provide valid clientcode and password.', errorcode: '400', data: null });
      return;
    }
    if (this.attemptsLeft <= 0) {
      this.send(res, 200, { status: 'false', message: 'Your account has been locked. Please reset your password.', errorcode: 'MA500', data: null });
      return;
    }
    if (clientcode.toUpperCase() !== this.account.clientCode || password !== this.account.password) {
      this.attemptsLeft -= 1;
      this.send(res, 200, { status: 'false', message: `Invalid username or password. ${this.attemptsLeft} attempts remaining `, errorcode: 'MA500', data: null });
      return;
    }
    const loginToken = crypto.randomUUID();
    const otp = this.options.fixedOtp ?? String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
    this.logins.set(loginToken, { otp, clientCode: this.account.clientCode });
    this.lastOtpSent = otp;
    this.log(`mStock sandbox: OTP for ${this.account.clientCode} is ${otp}`);
    this.send(res, 200, {
      status: 'true',
      message: 'Please enter the OTP that we sent on XXXXXXX452 and XXXX00@GMAIL.COM',
      errorcode: '',
      data: { jwtToken: loginToken, refreshToken: '', feedToken: '', state: 'live' },
    });
  }

  private newSession(clientCode: string): { jwtToken: string; refreshToken: string; feedToken: string } {
    const iat = Math.floor(this.clock.now() / 1000);
    // exp five minutes on, as the vendor's sample token says; the session really lasts until midnight
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const payload = base64url({ USERNAME: clientCode, APITYPE: 'AGL', nbf: iat, exp: iat + 300, iat, jti: crypto.randomUUID() });
    const signature = base64url(crypto.createHmac('sha256', this.signingKey).update(`${header}.${payload}`).digest());
    const jwtToken = `${header}.${payload}.${signature}`;
    this.sessions.set(jwtToken, { clientCode, expiresAt: nextIndiaMidnight(this.clock.now()) });
    return { jwtToken, refreshToken: crypto.randomBytes(24).toString('base64url'), feedToken: crypto.randomBytes(24).toString('base64url') };
  }

  private sessionToken(req: http.IncomingMessage, json: Record<string, unknown>, res: http.ServerResponse): void {
    if (!this.apiKeyOk(req)) return this.sendApiSuspended('sessionToken', res);
    const pending = typeof json.refreshToken === 'string' ? this.logins.get(json.refreshToken) : undefined;
    if (!pending || typeof json.otp !== 'string' || json.otp !== pending.otp) {
      this.send(res, 200, { status: 'false', message: OTP_EXPIRED, errorcode: 'MA500', data: null });
      return;
    }
    this.logins.delete(json.refreshToken as string);
    this.send(res, 200, { status: 'true', message: 'SUCCESS', errorcode: '', data: { ...this.newSession(pending.clientCode), state: 'live' } });
  }

  private verifyTotp(req: http.IncomingMessage, json: Record<string, unknown>, res: http.ServerResponse): void {
    if (!this.apiKeyOk(req)) return this.sendApiSuspended('verifyTotp', res);
    const pending = typeof json.refreshToken === 'string' ? this.logins.get(json.refreshToken) : undefined;
    const code = typeof json.totp === 'string' ? json.totp : '';
    const valid = /^\d{6}$/.test(code) && this.totp().validate({ token: code, timestamp: this.clock.now(), window: 1 }) !== null;
    if (!pending || !valid) {
      this.send(res, 400, { status: 'error', message: 'Please enter correct TOTP', error_type: 'MA400', data: null });
      return;
    }
    this.logins.delete(json.refreshToken as string);
    this.send(res, 200, {
      status: true,
      message: 'SUCCESS',
      errorcode: '',
      data: { ...this.newSession(pending.clientCode), ClientName: 'SANDBOX USER', ClientId: pending.clientCode, exchanges: ['NSE', 'BSE', 'NFO'] },
    });
  }

  private fundSummary(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.apiKeyOk(req)) return this.sendApiSuspended('fundSummary', res);
    if (!this.sessionFor(req)) return this.sendUnauthorized(res);
    this.send(res, 200, this.fundsBody());
  }

  /** The fund summary answer the account would give now. */
  private fundsBody(): string {
    return JSON.stringify({ status: true, message: 'SUCCESS', errorcode: '', data: sampleFunds(this.availableBalance, this.paper.fundsChange()) });
  }

  private logout(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.apiKeyOk(req)) return this.sendApiSuspended('logout', res);
    if (!this.sessionFor(req)) return this.sendUnauthorized(res);
    this.sessions.delete(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    this.send(res, 200, { status: true, message: 'Success', errorcode: null, data: null });
  }
}

/**
 * The option chain master: no official sample exists (FACTS-TRADING §2.18); the shape follows the
 * one public hint: expiries keyed by number, and per kind CSV strings "underlying,token,expiry keys…".
 */
const OPTION_CHAIN_MASTER = {
  dctExp: { '1': 1796063400, '2': 1798482600, '3': 1800901800 },
  OPTIDX: ['NIFTY,26000,1,2,3', 'BANKNIFTY,26009,1,2,3'],
  OPTSTK: ['ACC,22,1,2,3', 'SBIN,3045,1,2,3'],
  FUTIDX: ['NIFTY,26000,1,2,3'],
};

/** The body's exchangeTokens as exchange → token strings; anything else is refused as the broker's model binding would. */
function exchangeTokens(value: unknown): Record<string, string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PaperAccountRefusal('IA400', 'exchangeTokens is required: an object of exchange to a list of tokens.');
  }
  const out: Record<string, string[]> = {};
  for (const [exchange, list] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new PaperAccountRefusal('IA400', `exchangeTokens.${exchange} must be a list of tokens.`);
    out[exchange] = list.map((token) => String(token));
  }
  return out;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A fromdate or todate ("YYYY-MM-DD HH:MM"; a date alone is that day's start, or its end for `todate`) as epoch ms. */
function candleDate(value: unknown, key: 'fromdate' | 'todate'): number {
  const text = typeof value === 'string' ? value.trim() : '';
  const iso = text === '' ? null : parseIndiaTime(text);
  const ms = iso === null ? NaN : Date.parse(iso);
  if (!Number.isFinite(ms)) throw new PaperAccountRefusal('IA400', `Invalid ${key}: use YYYY-MM-DD HH:MM.`);
  const dateOnly = !/\d:\d/.test(text);
  return dateOnly && key === 'todate' ? ms + DAY_MS - 60_000 : ms;
}

function candleField(value: unknown, key: string): string {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (text === '') throw new PaperAccountRefusal('IA400', `${key} is required.`);
  return text;
}

/** The `{orderid}` of an order path: its last segment, decoded; empty when it does not decode. */
function orderIdOf(path: string): string {
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    return '';
  }
}
