import axios, { AxiosError, AxiosInstance } from 'axios';
import { normaliseBaseUrl } from './base-url';
import { classifyResponse, Envelope, mayHaveReached, notSentText } from './classify';
import { EndpointName, ENDPOINTS, EndpointSpec, fillPath } from './endpoints';
import { ErrorCode, MStockError, isMStockError, redact } from './errors';
import { assertFundData, RawFundSegment } from './funds';
import { Environment, proxyFor, ProxySetting } from './proxy';
import { Agents, createTransport, dropIdleSockets, isStaleConnectionFailure, writeWatchingTransport } from './transport';
import { NETWORK_WORDS } from './network-words';

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ClientOptions {
  /** API root; https:// unless the host is loopback. Defaults to https://api.mstock.trade. */
  baseUrl?: string;
  /** The API key, sent as X-PrivateKey. */
  apiKey: string;
  /** Milliseconds allowed for each call, from request to the last byte of the answer. */
  timeout?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
  /**
   * Where HTTP_PROXY, HTTPS_PROXY, NO_PROXY (and the other variables Node-RED's http request node
   * honours) are read, once, here. Defaults to process.env.
   */
  env?: Environment;
}

export interface RequestOptions {
  /** Sent as JSON (also with GET, as the broker expects for quotes and candles). */
  body?: unknown;
  /** Values for the `{name}` parts of the row's path. */
  pathParams?: Readonly<Record<string, string>>;
  /** Sent in the query string. */
  query?: Readonly<Record<string, string>>;
  /**
   * For a row whose answer is `bare` (the instrument master): a JSON array as its text, unparsed,
   * where it cannot be a refusal (see classifyResponse); CSV and everything else as without it.
   */
  bareText?: boolean;
}

interface CallOptions extends RequestOptions {
  bearer?: string;
  /** Also redacted from every message. */
  secrets?: string[];
}

export interface LoginResult {
  /** The broker's own words, e.g. "Please enter the OTP that we sent on XXXXXXX452 …". */
  message: string;
  /** The login token (data.jwtToken of login): goes into refreshToken of session/token. */
  loginToken: string;
}

export interface SessionTokens {
  /** The session JWT used as Bearer token until midnight India time. */
  sessionToken: string;
  refreshToken: string;
  feedToken: string;
  /** Only verifytotp answers this. */
  clientName?: string;
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new MStockError(ErrorCode.INVALID_INPUT, `The ${what} is missing. Nothing was sent to mStock.`);
  }
  return value;
}

function dataObject(envelope: Envelope, what: string): Record<string, unknown> {
  const data = envelope.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new MStockError(ErrorCode.BAD_RESPONSE, `mStock reported success for ${what} but sent no data object.`);
  }
  return data as Record<string, unknown>;
}

function tokenField(data: Record<string, unknown>, field: string, what: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value === '') {
    throw new MStockError(ErrorCode.BAD_RESPONSE, `mStock reported success for ${what} but sent no ${field}.`);
  }
  return value;
}

const optionalText = (value: unknown): string => (typeof value === 'string' ? value : '');


/**
 * A client for the mStock Type B API, driven by the endpoint table. It knows nothing of Node-RED. Every
 * failure is an MStockError with a code from the product contract; no message carries a secret.
 */
export class MStockClient {
  readonly baseUrl: string;
  readonly timeout: number;
  private readonly apiKey: string;
  private readonly http: AxiosInstance;
  private readonly agents: Agents;
  private readonly proxy?: ProxySetting;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(options: ClientOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.apiKey = requireText(options.apiKey, 'API key');
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    // Node.js timers cannot wait longer than 2^31-1 ms: a larger delay would fire at once
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMER_MS) {
      throw new MStockError(ErrorCode.INVALID_INPUT, `The timeout must be a positive number of milliseconds, at most ${MAX_TIMER_MS}.`);
    }
    this.timeout = timeout;
    this.proxy = proxyFor(this.baseUrl, options.env ?? process.env);
    const { httpAgent, httpsAgent, proxy } = createTransport(this.baseUrl, this.proxy, timeout);
    this.agents = { httpAgent, httpsAgent };
    this.http = axios.create({
      baseURL: this.baseUrl,
      ...this.agents,
      headers: { 'X-Mirae-Version': '1', 'User-Agent': options.userAgent ?? 'node-red-mstock' },
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: MAX_BODY_BYTES,
      // never from the environment by axios's own rules: see proxyFor and createTransport
      proxy,
    });
  }

  /** Step 1: sends the OTP to the user's phone and e-mail and answers the login token. */
  async login(clientCode: string, password: string): Promise<LoginResult> {
    requireText(clientCode, 'client code');
    requireText(password, 'password');
    const envelope = await this.call('login', {
      body: { clientcode: clientCode, password, totp: '', state: '' },
      secrets: [password],
    });
    const data = dataObject(envelope, 'the login');
    const loginToken = tokenField(data, 'jwtToken', 'the login');
    return { message: redact(optionalText(envelope.message).trim(), [password, this.apiKey, loginToken]), loginToken };
  }

  /** Step 2: trades the login token and the OTP for a session. */
  async sessionToken(loginToken: string, otp: string): Promise<SessionTokens> {
    requireText(loginToken, 'login token');
    requireText(otp, 'OTP');
    const envelope = await this.call('sessionToken', {
      body: { refreshToken: loginToken, otp },
      secrets: [loginToken],
    });
    return this.sessionFrom(envelope, 'the OTP');
  }

  /** Step 2 on accounts with an authenticator: trades the login token and a TOTP for a session. */
  async verifyTotp(loginToken: string, totp: string): Promise<SessionTokens> {
    requireText(loginToken, 'login token');
    requireText(totp, 'authenticator code');
    const envelope = await this.call('verifyTotp', {
      body: { refreshToken: loginToken, totp },
      secrets: [loginToken],
    });
    return this.sessionFrom(envelope, 'the authenticator code');
  }

  /** The fund summary: the broker's `data` array, checked for shape, values untouched. */
  async fundSummary(sessionToken: string): Promise<RawFundSegment[]> {
    requireText(sessionToken, 'session token');
    const envelope = await this.call('fundSummary', { bearer: sessionToken });
    return assertFundData(envelope.data);
  }

  /** Ends the session on the broker. A GET, but never sent twice: it is not a read. */
  async logout(sessionToken: string): Promise<void> {
    requireText(sessionToken, 'session token');
    await this.call('logout', { bearer: sessionToken });
  }

  /**
   * Any call of the table with the session: the broker's envelope once it reported success; for a
   * row whose answer is `bare` (the instrument master), a success envelope whose `data` is the body.
   * Reads marked idempotent may be sent once more on a dead kept-alive connection; nothing else is.
   */
  async request(endpoint: EndpointName, sessionToken: string, options: RequestOptions = {}): Promise<Envelope> {
    requireText(sessionToken, 'session token');
    return this.call(endpoint, { ...options, bearer: sessionToken });
  }

  /**
   * A call by a row made up by the caller (a method and path under the API root that may not be in
   * the table), with the session. Sent once more on a dead kept-alive connection only if the row
   * says it is an idempotent read.
   */
  async requestPath(spec: EndpointSpec, sessionToken: string, options: Omit<RequestOptions, 'pathParams'> = {}): Promise<Envelope> {
    requireText(sessionToken, 'session token');
    return this.call(spec, { ...options, bearer: sessionToken });
  }

  /** `text` with the API key and the given secrets replaced, for anything that may be logged. */
  redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
    return redact(text, [this.apiKey, ...secrets]);
  }

  /** Aborts every call in flight; each rejects with MSTOCK_NETWORK. The client stays usable. */
  abortCalls(): void {
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  /** Aborts every call in flight and closes the kept-alive connections. */
  close(): void {
    this.closed = true;
    this.abortCalls();
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private sessionFrom(envelope: Envelope, what: string): SessionTokens {
    const data = dataObject(envelope, what);
    const tokens: SessionTokens = {
      sessionToken: tokenField(data, 'jwtToken', what),
      refreshToken: optionalText(data.refreshToken),
      feedToken: optionalText(data.feedToken),
    };
    if (typeof data.ClientName === 'string') tokens.clientName = data.ClientName;
    return tokens;
  }

  private async call(endpoint: EndpointName | EndpointSpec, options: CallOptions): Promise<Envelope> {
    const spec: EndpointSpec = typeof endpoint === 'string' ? ENDPOINTS[endpoint] : endpoint;
    const path = typeof endpoint === 'string' ? fillPath(spec.path, options.pathParams) : spec.path;
    const method = spec.method;
    const maxBytes = spec.maxBytes ?? MAX_BODY_BYTES;
    const timeout = Math.min(MAX_TIMER_MS, Math.max(this.timeout, spec.timeoutMs ?? 0));
    const secrets = [this.apiKey, options.bearer, ...(options.secrets ?? []), this.proxy?.username, this.proxy?.password];
    // an order call is sent once; whether a failure came before or after it was written says
    // whether it may have reached mStock
    const order = spec.failure === 'order';
    let written = false;
    if (this.closed) {
      const words = 'The mStock connection was closed (the node was stopped or redeployed).';
      if (order) throw new MStockError(ErrorCode.NETWORK, `${words} ${notSentText(spec.what)}`, { notSent: true });
      throw new MStockError(ErrorCode.NETWORK, words);
    }
    const headers: Record<string, string> = {};
    const hasBody = options.body !== undefined;
    if (hasBody) headers['Content-Type'] = 'application/json';
    if (spec.auth !== 'none') headers['X-PrivateKey'] = this.apiKey;
    if (spec.auth === 'session' && options.bearer) headers.Authorization = `Bearer ${options.bearer}`;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    this.inFlight.add(controller);
    const send = () =>
      this.http.request<string>({
        method,
        url: path,
        headers,
        data: hasBody ? JSON.stringify(options.body) : undefined,
        params: options.query,
        signal: controller.signal,
        maxContentLength: maxBytes,
        ...(order
          ? {
              transport: writeWatchingTransport(() => {
                written = true;
              }),
            }
          : {}),
      });
    try {
      let response;
      try {
        response = await send();
      } catch (err) {
        if (!spec.idempotentRead || !isStaleConnectionFailure(err) || controller.signal.aborted) throw err;
        // the other idle connections are as old as the one the server closed: open a new one
        dropIdleSockets(this.agents);
        response = await send();
      }
      const contentType = String(response.headers['content-type'] ?? '');
      return classifyResponse(spec, response.status, String(response.data ?? ''), contentType, { bareText: options.bareText });
    } catch (err) {
      let failure: MStockError;
      if (isMStockError(err)) failure = err;
      else if (order) failure = this.orderTransportError(err, spec, written, timedOut, timeout);
      else failure = this.transportError(err, timedOut, maxBytes, timeout);
      failure.message = redact(failure.message, secrets);
      throw failure;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /**
   * An order call that got no answer. Written whole, it may have reached mStock: ORDER_UNCERTAIN.
   * Not written, it cannot have: its code as any call's, saying what did not happen.
   */
  private orderTransportError(err: unknown, spec: EndpointSpec, written: boolean, timedOut: boolean, timeout: number): MStockError {
    const { what } = spec;
    if (!written) {
      const failure = this.transportError(err, timedOut, spec.maxBytes ?? MAX_BODY_BYTES, timeout);
      return new MStockError(failure.code, `${failure.message} ${notSentText(what)}`, { notSent: true });
    }
    const where = new URL(this.baseUrl).host;
    const via = this.proxy ? ` through the proxy ${this.proxy.where}` : '';
    let why: string;
    if (timedOut) why = `mStock at ${where}${via} did not answer ${what} within ${timeout} ms`;
    else if (axios.isCancel(err) || this.closed) why = `The call was cancelled after ${what} was sent, because the node was stopped or redeployed`;
    else if (err instanceof AxiosError && /maxContentLength/i.test(err.message)) why = `mStock at ${where} answered ${what} with more than the API documents`;
    else {
      const code = err instanceof AxiosError ? (err.code ?? '') : '';
      const words = NETWORK_WORDS[code] ?? 'the connection closed before the answer was complete';
      why = `The connection to mStock at ${where}${via} failed after ${what} was sent: ${words}${code ? ` (${code})` : ''}`;
    }
    return new MStockError(ErrorCode.ORDER_UNCERTAIN, `${why}${mayHaveReached(what)}`);
  }

  private transportError(err: unknown, timedOut: boolean, maxBytes: number, timeout: number): MStockError {
    const where = new URL(this.baseUrl).host;
    const via = this.proxy ? ` through the proxy ${this.proxy.where}` : '';
    if (timedOut) {
      return new MStockError(
        ErrorCode.TIMEOUT,
        `mStock at ${where}${via} did not answer within ${timeout} ms. Try again; raise the timeout on the account node if this keeps happening.`,
      );
    }
    if (axios.isCancel(err) || this.closed) {
      return new MStockError(ErrorCode.NETWORK, 'The call to mStock was cancelled because the node was stopped or redeployed.');
    }
    const code = err instanceof AxiosError ? (err.code ?? '') : '';
    if (err instanceof AxiosError && /maxContentLength/i.test(err.message)) {
      return new MStockError(ErrorCode.BAD_RESPONSE, `mStock at ${where} sent an answer larger than ${maxBytes} bytes, not what the API documents.`);
    }
    const message = err instanceof Error ? err.message : '';
    // hpagent's words when the proxy answers CONNECT with anything but 200
    const tunnelStatus = this.proxy ? /^Bad response: (\d{3})$/.exec(message)?.[1] : undefined;
    const tls = /CERT|SSL|TLS|EPROTO|SELF_SIGNED/i.test(code) || /certificate|ssl|tls/i.test(message);
    const words = tunnelStatus
      ? tunnelStatus === '407'
        ? 'the proxy asked for a user name and password it accepts (HTTP 407)'
        : `the proxy refused to open a connection to it (HTTP ${tunnelStatus})`
      : (NETWORK_WORDS[code] ??
        (tls ? 'the secure (TLS) connection failed' : /aborted|hang up/i.test(message) ? 'the connection closed before the answer was complete' : 'the connection failed'));
    const check = this.proxy ? 'the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), the network' : 'the network';
    return new MStockError(
      ErrorCode.NETWORK,
      `Could not reach mStock at ${where}${via}: ${words}${code ? ` (${code})` : ''}. Check ${check} and the API URL on the account node.`,
    );
  }
}
