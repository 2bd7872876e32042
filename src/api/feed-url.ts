import { isLoopbackHost } from './base-url';
import { ErrorCode, MStockError } from './errors';

export const DEFAULT_FEED_URL = 'wss://ws.mstock.trade';

/**
 * Checks the live feed's root and returns it without a trailing slash. Only wss:// is accepted,
 * except ws:// on a loopback host (the embedded sandbox), as for the API URL.
 */
export function normaliseFeedUrl(input: unknown): string {
  const text = typeof input === 'string' && input.trim() !== '' ? input.trim() : DEFAULT_FEED_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // not repeated: a mistyped URL may hold a user name and password
    throw new MStockError(ErrorCode.INVALID_INPUT, 'The feed URL is not a valid URL; enter it like wss://ws.mstock.trade.');
  }
  if (url.username || url.password) throw new MStockError(ErrorCode.INVALID_INPUT, 'The feed URL must not contain a user name or password.');
  if (url.search || url.hash || /[?#]/.test(text)) {
    throw new MStockError(ErrorCode.INVALID_INPUT, 'The feed URL must not contain a query or fragment: the API key and session token are added to it when it connects.');
  }
  if (url.protocol === 'ws:' && !isLoopbackHost(url.hostname)) {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `The feed URL "${url.origin}" uses plain ws://, which would send the API key and session token unencrypted. ` +
        'Use wss:// (ws:// is allowed only for 127.0.0.1, ::1 and localhost).',
    );
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
    throw new MStockError(ErrorCode.INVALID_INPUT, `The feed URL must start with wss:// (got "${url.protocol}").`);
  }
  return url.href.replace(/\/+$/, '');
}

/** The URL a feed socket opens: the root with the API key and the session token in the query. Never shown anywhere. */
export function feedConnectUrl(root: string, apiKey: string, sessionToken: string): string {
  const url = new URL(root);
  url.search = new URLSearchParams({ API_KEY: apiKey, ACCESS_TOKEN: sessionToken }).toString();
  return url.href;
}
