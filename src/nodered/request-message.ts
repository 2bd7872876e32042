import { ErrorCode, MStockError } from '../api/errors';
import type { HttpMethod } from '../api/endpoints';
import { REQUEST_METHODS, RequestTarget, requestTarget, TYPE_B_ROOT } from '../api/request-path';
import { choiceFor } from './choice';
import { refused } from '../api/refusal';

/** What an mstock-request node is set to. */
export interface RequestSettings {
  /** GET, POST, PUT, DELETE, or "msg" for msg.method; empty means GET, as in the core http request node. */
  method?: string;
  /** Under /openapi/typeb/; empty means msg.path. */
  path?: string;
}

export interface RequestCall extends RequestTarget {
  /** The JSON body, a copy of msg.payload as it was when the message arrived. */
  body?: unknown;
}

/**
 * The call one message asks for: the node's method (or msg.method when set so), the node's path
 * (or msg.path when the node has none, as the core http request node takes msg.url), and
 * msg.payload as the JSON body. Anything unusable is MSTOCK_INVALID_INPUT, nothing sent.
 */
export function requestFromMessage(settings: RequestSettings, msg: { method?: unknown; path?: unknown; payload?: unknown }): RequestCall {
  const method = choiceFor(settings.method || 'GET', msg, 'method', REQUEST_METHODS);
  const own = typeof settings.path === 'string' ? settings.path.trim() : '';
  if (own === '' && msg.path === undefined) {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `No path to call: the node's Path is empty and msg.path is not set. Give one under ${TYPE_B_ROOT}, such as "portfolio/holdings". Nothing was sent to mStock.`,
    );
  }
  const target = own !== '' ? requestTarget(method, own, "The node's path") : requestTarget(method, msg.path, 'msg.path');
  const body = bodyFor(method, msg.payload);
  return body === undefined ? target : { ...target, body };
}

/**
 * msg.payload as the JSON body: an object or an array is sent with every method (mStock reads
 * quotes and candles from a GET with a body); anything else is not sent with GET and DELETE (an
 * inject's timestamp is only a trigger) and refused with POST and PUT, which need a body.
 */
function bodyFor(method: HttpMethod, payload: unknown): unknown {
  const structured = Array.isArray(payload) || isPlainObject(payload);
  if (!structured) {
    if (typeof payload === 'object' && payload !== null) {
      const kind = Buffer.isBuffer(payload) ? 'a Buffer' : `a ${payload.constructor?.name ?? 'special'} object`;
      throw refused(`msg.payload is ${kind}, which cannot be sent as a JSON body: send a plain object or an array.`);
    }
    if (method === 'GET' || method === 'DELETE') return undefined;
    throw refused(
      `msg.payload must be an object or an array for ${method}: it is the JSON body mStock reads (send {} for an empty one), but it was ${kindOf(payload)}. ` +
        'A JSON string is not parsed: put a json node before this one.',
    );
  }
  let text: string;
  try {
    text = JSON.stringify(payload);
  } catch {
    throw refused('msg.payload cannot be sent as JSON: it refers to itself or holds a BigInt.');
  }
  return JSON.parse(text) as unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

