import http from 'node:http';
import https from 'node:https';
import { AxiosError } from 'axios';

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

export function createAgents(): Agents {
  return { httpAgent: new http.Agent(AGENT_OPTIONS), httpsAgent: new https.Agent(AGENT_OPTIONS) };
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
