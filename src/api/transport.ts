import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { AxiosError, AxiosProxyConfig } from 'axios';
import { HttpsProxyAgent } from 'hpagent';
import { ProxySetting } from './proxy';

/**
 * Idle kept-alive connections are closed after this long, before the server may close them
 * (Node.js servers after 5 s, AWS load balancers after 60 s, nginx after 75 s). Node's agent
 * applies it only to idle connections: axios clears the socket timeout while a request runs.
 */
export const IDLE_SOCKET_MS = 4_000;

const AGENT_OPTIONS = {
  keepAlive: true,
  // axios asks for 60 s TCP keep-alive on each request; an agent with another value resets it
  // on every reuse of the socket, one setsockopt call after another
  keepAliveMsecs: 60_000,
  maxSockets: 8,
  timeout: IDLE_SOCKET_MS,
};

export interface Agents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** https:// through a proxy: a CONNECT tunnel, with TLS to mStock inside it (the proxy sees neither headers nor body). */
class TunnelAgent extends HttpsProxyAgent {
  constructor(
    proxy: ProxySetting,
    private readonly connectTimeout: number,
  ) {
    super({ ...AGENT_OPTIONS, proxy: proxy.url });
  }

  // hpagent gives the CONNECT request the agent's timeout, which here is the idle limit: give it
  // the call's own instead, so a slow proxy ends in MSTOCK_TIMEOUT like a slow server
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) {
    return super.createConnection({ ...options, timeout: this.connectTimeout }, callback);
  }
}

export interface Transport extends Agents {
  /** What axios is told: only plain http:// (a loopback API) goes through its forward-proxy mode. */
  proxy: AxiosProxyConfig | false;
}

/**
 * Kept-alive agents for the API at `baseUrl`. Through a proxy, https:// goes through a CONNECT
 * tunnel (hpagent, as Node-RED's http request node does) and http:// as absolute-URL requests;
 * axios's own proxy handling is used for the latter only.
 */
export function createTransport(baseUrl: string, proxy: ProxySetting | undefined, connectTimeout: number): Transport {
  const httpAgent = new http.Agent(AGENT_OPTIONS);
  const direct = new https.Agent(AGENT_OPTIONS);
  if (!proxy) return { httpAgent, httpsAgent: direct, proxy: false };
  if (new URL(baseUrl).protocol === 'https:') {
    return { httpAgent, httpsAgent: new TunnelAgent(proxy, connectTimeout), proxy: false };
  }
  const { url, username, password } = proxy;
  return {
    httpAgent,
    httpsAgent: direct,
    proxy: {
      protocol: url.protocol.slice(0, -1),
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      ...(username || password ? { auth: { username, password } } : {}),
    },
  };
}

/** Closes the agents' idle connections; those in use are left alone. */
export function dropIdleSockets(agents: Agents): void {
  for (const agent of [agents.httpAgent, agents.httpsAgent]) {
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }
}

/**
 * True when a request failed because the kept-alive connection it was sent on had been closed by
 * the server: the connection was reused and died (reset, or closed: "socket hang up") before any
 * byte of the answer. The request may still have reached the server, so only a read may be sent
 * again: that is the caller's choice.
 */
export function isStaleConnectionFailure(err: unknown): boolean {
  if (!(err instanceof AxiosError) || err.response !== undefined || err.code !== 'ECONNRESET') return false;
  const request = err.request as (http.ClientRequest & { res?: unknown }) | undefined;
  // ClientRequest.res is set as soon as the status line and headers have arrived
  return request?.reusedSocket === true && request.res == null;
}

/**
 * What axios is given as `transport` for a call that must know whether it was sent: Node's http or
 * https (by the request's own protocol, after any proxy was applied), calling `onWritten` once the
 * whole request (headers and body) was handed to the operating system. A failure before that
 * (connection refused, TLS refused, no connection within the timeout) cannot have reached the server.
 */
export function writeWatchingTransport(onWritten: () => void): Pick<typeof http, 'request'> {
  return {
    request(options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void): http.ClientRequest {
      const lib = options.protocol === 'https:' ? https : http;
      const req = callback ? lib.request(options, callback) : lib.request(options);
      req.once('finish', onWritten);
      return req;
    },
  } as Pick<typeof http, 'request'>;
}
