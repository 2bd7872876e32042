/**
 * What a call by method and path may be: one of the four methods, and a path that stays under the
 * Type B root of the account's API URL, whatever the broker (or a proxy in front of it) does with
 * percent-encoding, dot segments, backslashes or matrix parameters. The API key and the session
 * token go with every call, so a path that could leave the root is never sent.
 */

import { EndpointName, findEndpoint, HttpMethod } from './endpoints';
import { refused } from './refusal';

export const TYPE_B_ROOT = '/openapi/typeb/';
export const REQUEST_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** Longer than any Type B path with its query; a longer one is a mistake, not a call. */
const MAX_PATH_LENGTH = 2000;
/** Percent-decoding repeated this often without settling is refused rather than followed. */
const MAX_DECODINGS = 8;

/** Rows of the endpoint table that place, modify or cancel orders: only the order node sends those. */
const ORDER_CALLS: ReadonlySet<EndpointName> = new Set<EndpointName>(['placeOrder', 'modifyOrder', 'cancelOrder', 'cancelAll']);

/** Characters a path under the root may hold as typed: RFC 3986 pchar and "/", ASCII only. */
const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]$/;
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const NON_ASCII = /[^\p{ASCII}]/u;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const ROOT_PREFIX = /^\/?openapi\/typeb(?:\/|$)/i;

export interface RequestTarget {
  method: HttpMethod;
  /** The path under the API root, starting with /openapi/typeb/, as given (no query). */
  path: string;
  /** The names and values of the path's `?query`, when it had one. */
  query?: Record<string, string>;
}

/** `GET`, `get`, ` Post ` → the method in upper case; anything else is MSTOCK_INVALID_INPUT. */
export function requestMethod(value: unknown, where = 'The method'): HttpMethod {
  const text = typeof value === 'string' ? value.trim().toUpperCase() : undefined;
  const method = REQUEST_METHODS.find((m) => m === text);
  if (method) return method;
  throw refused(`${where} must be one of ${REQUEST_METHODS.map((m) => `"${m}"`).join(', ')}, but it was ${described(value)}.`);
}

/**
 * The call for `method` and `path`. The path is taken relative to /openapi/typeb/
 * ("portfolio/holdings", "/portfolio/holdings" and "/openapi/typeb/portfolio/holdings" are the
 * same) and may not leave it in any encoding; an optional `?query` becomes `query`. Calls that
 * place, modify or cancel orders are refused. Every refusal is MSTOCK_INVALID_INPUT: nothing sent.
 */
export function requestTarget(method: unknown, path: unknown, where = 'The path'): RequestTarget {
  const verb = requestMethod(method);
  if (typeof path !== 'string') {
    throw refused(`${where} must be text under ${TYPE_B_ROOT} such as "portfolio/holdings", but it was ${described(path)}.`);
  }
  // only spaces: a control character anywhere, even at an end, is refused
  const text = path.replace(/^ +| +$/g, '');
  const refuse = (why: string): never => {
    throw refused(`${where} ${shown(text)} ${why}.`);
  };
  if (text === '') throw refused(`${where} is empty: give one under ${TYPE_B_ROOT}, such as "portfolio/holdings".`);
  if (text.length > MAX_PATH_LENGTH) refuse(`is longer than ${MAX_PATH_LENGTH} characters`);
  if (CONTROL.test(text)) refuse('has a control character');
  const scheme = SCHEME.exec(text)?.[0];
  if (scheme) {
    refuse(`starts with a scheme ("${scheme}") as a full URL does: give only the part under ${TYPE_B_ROOT}, such as "portfolio/holdings" (calls go to the account's API URL and nowhere else)`);
  }
  if (/^[/\\]{2}/.test(text)) refuse('starts with two slashes, which name another host');
  if (text.includes('#')) refuse('has a fragment ("#"), which is never sent');

  const queryStart = text.indexOf('?');
  const pathPart = queryStart < 0 ? text : text.slice(0, queryStart);
  const under = ROOT_PREFIX.test(pathPart) ? pathPart.replace(ROOT_PREFIX, '') : pathPart.replace(/^\//, '');
  if (under === '') refuse(`names no call under ${TYPE_B_ROOT}`);
  checkCharacters(under, refuse);
  for (const layer of decodings(under, refuse)) checkLayer(verb, layer, refuse);

  const target: RequestTarget = { method: verb, path: TYPE_B_ROOT + under };
  const query = queryStart < 0 ? undefined : parseQuery(text.slice(queryStart + 1), refuse);
  if (query) target.query = query;
  return target;
}

function checkCharacters(under: string, refuse: (why: string) => never): void {
  for (const char of under) {
    if (PATH_CHAR.test(char)) continue;
    if (char === '\\') refuse('has a backslash, which a server may read as "/"');
    if (CONTROL.test(char)) refuse('has a control character');
    if (NON_ASCII.test(char)) refuse(`has the character "${char}": Type B paths are ASCII`);
    refuse(`has the character ${JSON.stringify(char)}, which a path may not hold as typed: percent-encode it`);
  }
}

/**
 * The path as typed, then decoded once, twice… until it no longer changes: a server or a proxy
 * may decode it any number of times, and every one of these readings must stay under the root.
 */
function decodings(under: string, refuse: (why: string) => never): string[] {
  const layers = [under];
  let current = under;
  while (current.includes('%')) {
    if (layers.length > MAX_DECODINGS) refuse(`is percent-encoded more than ${MAX_DECODINGS} times over`);
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return refuse('has a "%" that does not start a valid percent-encoded UTF-8 character');
    }
    if (next === current) break;
    layers.push(next);
    current = next;
  }
  return layers;
}

function checkLayer(method: HttpMethod, layer: string, refuse: (why: string) => never): void {
  if (CONTROL.test(layer)) refuse('has a control character (percent-encoded)');
  if (NON_ASCII.test(layer)) refuse('has percent-encoded characters that are not ASCII, as no Type B path has');
  if (layer.includes('\\')) refuse('has a backslash (percent-encoded), which a server may read as "/"');
  const segments = layer.split('/');
  segments.forEach((segment, i) => {
    if (segment === '' && i < segments.length - 1) refuse(`has an empty segment ("//"), which could leave ${TYPE_B_ROOT}`);
    // ";..." is a parameter some servers drop, and Windows servers drop trailing dots and spaces
    if (segment !== '' && /^[.\s]*$/.test(segment.split(';')[0])) refuse(`has a "." or ".." segment (in some encoding), which could leave ${TYPE_B_ROOT}`);
  });
  const normalised = segments.map((s) => s.split(';')[0].replace(/[.\s]+$/, '')).filter((s) => s !== '');
  const row = findEndpoint(method, TYPE_B_ROOT + normalised.join('/'));
  if (row && ORDER_CALLS.has(row.name)) {
    refuse(
      'places, modifies or cancels orders, which is never sent by method and path: orders are real money. ' +
        'Use the mStock order node, which sends orders only while the account node allows orders from flows',
    );
  }
}

function parseQuery(text: string, refuse: (why: string) => never): Record<string, string> | undefined {
  // a null prototype: a name such as "__proto__" is a name like any other
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const [name, value] of new URLSearchParams(text)) {
    if (CONTROL.test(name) || CONTROL.test(value)) refuse('has a control character (percent-encoded) in its query');
    if (Object.hasOwn(query, name)) refuse(`names ${JSON.stringify(name)} twice in its query`);
    query[name] = value;
    count += 1;
  }
  return count > 0 ? query : undefined;
}

/** A value in a sentence: short, quoted, control characters escaped. */
function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function described(value: unknown): string {
  if (typeof value === 'string') return shown(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return `a ${Array.isArray(value) ? 'list' : typeof value}`;
}
