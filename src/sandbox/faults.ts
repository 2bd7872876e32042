import type http from 'node:http';
import { delay, sendJson } from './http-answers';

/** Ways the tests make the sandbox misbehave, one fault at a time. */
export type FaultKind =
  | 'unauthorized' // HTTP 401 IA401 on the session endpoints
  | 'api-key-suspended' // the API key answers as suspended/expired, as each endpoint does
  | 'html-502'
  | 'html-503'
  | 'slow' // wait delayMs before answering
  | 'drop' // close the connection without an answer
  | 'reset-mid-body' // send the headers and half the body, then reset
  | 'truncated-json' // a complete HTTP answer whose JSON is cut short
  | 'empty-body'
  | 'wrong-shape' // status true but data of the wrong shape
  | 'deep-nesting' // status true, and a segment value nested 5,000 levels deep
  | 'status-false' // HTTP 200, status "false", MA500
  | 'status-error' // HTTP 200, status "error"
  | 'status-False' // HTTP 200, status "False"
  | 'server-error' // HTTP 500 with an MA code
  | 'rate-limit' // HTTP 429
  // order calls (placeOrder, modifyOrder, cancelOrder, cancelAll unless `endpoints` says otherwise):
  | 'rms-rejection' // placeOrder only: the RMS refuses the order (booked Rejected), HTTP 200 RS-0111
  | 'late-answer' // the call takes effect; its answer comes delayMs later
  | 'reset-after-read' // the call takes effect; the connection is reset, no answer
  | 'bad-gateway-after'; // the call takes effect; the gateway answers an HTML 502 page

export interface Fault {
  kind: FaultKind;
  /** Only these endpoints misbehave (by their names in the endpoint table: login, fundSummary, holdings, …). */
  endpoints?: string[];
  /** How many answers misbehave before the sandbox is well again; unlimited when absent. */
  times?: number;
  /** For 'slow'. */
  delayMs?: number;
}

/** What a fault needs of the sandbox to answer. */
export interface FaultContext {
  /** The fund summary answer the account would give now (the faults that cut it short). */
  fundsBody(): string;
  /** The endpoint's answer for a suspended API key. */
  apiSuspended(): void;
}

/** The faults that let an order call take effect and then change what comes back. */
const AFTER_THE_CALL: readonly FaultKind[] = ['late-answer', 'reset-after-read', 'bad-gateway-after'];
const ORDER_CALLS = ['placeOrder', 'modifyOrder', 'cancelOrder', 'cancelAll'];

/** The endpoints a fault applies to: its own list, else the order calls for the order faults, else all. */
function appliesTo(fault: Fault, endpoint: string): boolean {
  if (fault.endpoints) return fault.endpoints.includes(endpoint);
  if (fault.kind === 'rms-rejection') return endpoint === 'placeOrder';
  if (AFTER_THE_CALL.includes(fault.kind)) return ORDER_CALLS.includes(endpoint);
  return true;
}

/** The fault set by a test, one at a time, until cleared or used up. */
export class FaultSwitch {
  private fault?: Fault;

  set(fault: Fault | FaultKind | undefined): void {
    this.fault = typeof fault === 'string' ? { kind: fault } : fault;
  }

  /** The fault for this answer, if one is set for `endpoint`; counts it down. */
  take(endpoint: string): Fault | undefined {
    const fault = this.fault;
    if (!fault || !appliesTo(fault, endpoint)) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.fault = undefined;
    }
    return fault;
  }
}

/** Answers as the fault says; false when the fault only delays and the normal answer follows. */
export async function misbehave(fault: Fault, res: http.ServerResponse, account: FaultContext): Promise<boolean> {
  const failure = (status: unknown) => ({ status, message: 'Something went wrong. Please try again.', errorcode: 'MA500', data: null });
  switch (fault.kind) {
    case 'slow':
      await delay(fault.delayMs ?? 2000);
      return false;
    case 'unauthorized':
      sendJson(res, 401, { status: false, message: 'Invalid request. Please try again.', errorcode: 'IA401', data: null });
      return true;
    case 'api-key-suspended':
      account.apiSuspended();
      return true;
    case 'html-502':
    case 'html-503':
      sendGatewayPage(res, fault.kind === 'html-502' ? 502 : 503);
      return true;
    case 'drop':
      res.socket?.destroy();
      return true;
    case 'reset-mid-body': {
      const text = account.fundsBody();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      setTimeout(() => res.socket?.resetAndDestroy?.() ?? res.socket?.destroy(), 20);
      return true;
    }
    case 'truncated-json': {
      const text = account.fundsBody();
      sendJson(res, 200, text.slice(0, Math.floor(text.length / 2)));
      return true;
    }
    case 'empty-body':
      sendJson(res, 200, '');
      return true;
    case 'wrong-shape':
      sendJson(res, 200, { status: true, message: 'SUCCESS', errorcode: '', data: 'unexpected' });
      return true;
    case 'deep-nesting': {
      const depth = 5000;
      const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      sendJson(res, 200, `{"status":true,"message":"SUCCESS","errorcode":"","data":[{"SEG":"A","AVAILABLE_BALANCE":${deep}}]}`);
      return true;
    }
    case 'status-false':
      sendJson(res, 200, failure('false'));
      return true;
    case 'status-error':
      sendJson(res, 200, failure('error'));
      return true;
    case 'status-False':
      sendJson(res, 200, failure('False'));
      return true;
    case 'server-error':
      sendJson(res, 500, failure('false'));
      return true;
    case 'rate-limit':
      sendJson(res, 429, { status: 'false', message: 'Too many requests. Please try after some time.', errorcode: '429', data: null });
      return true;
    default:
      return false;
  }
}

/** The page a gateway in front of the API answers with when the API behind it fails. */
function sendGatewayPage(res: http.ServerResponse, code: 502 | 503): void {
  const page = `<html><head><title>${code}</title></head><body><center><h1>${code} ${code === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable'}</h1></center></body></html>`;
  res.writeHead(code, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
  res.end(page);
}

/**
 * Sends an order call's answer, which has taken effect already, as the fault says: later, not at
 * all (the connection reset once the request was read), or as a gateway error page.
 */
export async function deliverAfterCall(fault: Fault | undefined, res: http.ServerResponse, status: number, body: unknown): Promise<void> {
  switch (fault?.kind) {
    case 'late-answer':
      await delay(fault.delayMs ?? 2000);
      break;
    case 'reset-after-read':
      if (res.socket?.resetAndDestroy) res.socket.resetAndDestroy();
      else res.socket?.destroy();
      return;
    case 'bad-gateway-after':
      sendGatewayPage(res, 502);
      return;
    default:
      break;
  }
  // a client that gave up waiting has closed the connection: nothing to send it
  if (!res.destroyed) sendJson(res, status, body);
}
