import { ErrorCode, MStockError } from './errors';

export const DEFAULT_BASE_URL = 'https://api.mstock.trade';

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http:// may be used with. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4 !== null && v4.slice(1).every((part) => Number(part) <= 255);
}

/**
 * Checks an API root and returns it without a trailing slash. Only https:// is accepted, except
 * http:// on a loopback host (the embedded sandbox, a local proxy).
 */
export function normaliseBaseUrl(input: unknown): string {
  const text = typeof input === 'string' && input.trim() !== '' ? input.trim() : DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // not repeated: a mistyped URL may hold a user name and password
    throw new MStockError(ErrorCode.INVALID_INPUT, 'The API URL is not a valid URL; enter it like https://api.mstock.trade.');
  }
  if (url.username || url.password) {
    throw new MStockError(ErrorCode.INVALID_INPUT, 'The API URL must not contain a user name or password.');
  }
  // an empty "?" or "#" leaves url.search and url.hash empty, so look at the text itself
  if (url.search || url.hash || /[?#]/.test(text)) {
    throw new MStockError(ErrorCode.INVALID_INPUT, 'The API URL must not contain a query or fragment.');
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `The API URL "${url.origin}" uses plain http://, which would send the password and API key unencrypted. ` +
        'Use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost).',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MStockError(ErrorCode.INVALID_INPUT, `The API URL must start with https:// (got "${url.protocol}").`);
  }
  return url.href.replace(/\/+$/, '');
}
