import { isLoopbackHost } from './base-url';
import { ErrorCode, MStockError } from './errors';

export type Environment = Readonly<Record<string, string | undefined>>;

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

// The rules below are those of Node-RED's own http request node (the default "strict" mode of
// @node-red/nodes core/network/lib/proxyHelper.js, which follows proxy-from-env by Rob Wu, MIT),
// so that a flow reaches mStock through the same proxy as its other HTTP calls.

/** An environment variable, lower-case name first, as Node-RED reads it. */
function envValue(env: Environment, key: string): string {
  return env[key.toLowerCase()] || env[key.toUpperCase()] || '';
}

/** False when NO_PROXY (or npm's no_proxy setting) lists the host: `*`, `host`, `.domain`, `*.domain`, each with an optional `:port`. */
function shouldProxy(hostname: string, port: number, env: Environment): boolean {
  const noProxy = (envValue(env, 'npm_config_no_proxy') || envValue(env, 'no_proxy')).toLowerCase();
  if (!noProxy) return true;
  if (noProxy === '*') return false;
  return noProxy.split(/[,\s]/).every((entry) => {
    if (!entry) return true;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    let host = withPort ? withPort[1] : entry;
    const entryPort = withPort ? parseInt(withPort[2], 10) : 0;
    if (entryPort && entryPort !== port) return true;
    if (!/^[.*]/.test(host)) return hostname !== host;
    if (host.startsWith('*')) host = host.slice(1);
    return !hostname.endsWith(host);
  });
}

/**
 * The proxy URL that Node-RED's http request node would use for `url` with this environment, or
 * '' for a direct connection. Read, in this order: npm_config_<scheme>_proxy, <scheme>_proxy,
 * npm_config_proxy, all_proxy (each lower-case first, then upper-case); none when NO_PROXY
 * lists the host. Loopback hosts get no exception of their own.
 */
export function proxyForUrl(url: string, env: Environment): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '';
  }
  const scheme = parsed.protocol.split(':', 1)[0];
  // url.host, not url.hostname: the brackets of an IPv6 address stay, as NO_PROXY writes them
  const hostname = parsed.host.replace(/:\d*$/, '');
  if (!hostname) return '';
  const port = parseInt(parsed.port, 10) || DEFAULT_PORTS[scheme] || 0;
  if (!shouldProxy(hostname, port, env)) return '';
  let proxy =
    envValue(env, `npm_config_${scheme}_proxy`) ||
    envValue(env, `${scheme}_proxy`) ||
    envValue(env, 'npm_config_proxy') ||
    envValue(env, 'all_proxy');
  if (proxy && !proxy.includes('://')) proxy = `${scheme}://${proxy}`;
  return proxy;
}

/** The proxy a client uses, checked. */
export interface ProxySetting {
  url: URL;
  /** host:port, for messages; the URL may hold a user name and password, this never does. */
  where: string;
  /** From the URL, %-decoded ('' when none). Never in a message. */
  username: string;
  password: string;
}

/**
 * The proxy for the API at `baseUrl` (already checked by normaliseBaseUrl), from the environment
 * as Node-RED's http request node reads it; undefined for a direct connection. Plain http:// is
 * refused through a proxy on another computer: it would carry the password and API key unencrypted.
 */
export function proxyFor(baseUrl: string, env: Environment): ProxySetting | undefined {
  const text = proxyForUrl(baseUrl, env);
  if (!text) return undefined;
  const target = new URL(baseUrl);
  const variable = target.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // not repeated: it may hold a user name and password
    throw new MStockError(ErrorCode.INVALID_INPUT, `The proxy for ${target.host} (${variable} or ALL_PROXY in the environment) is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `The proxy for ${target.host} (${variable} or ALL_PROXY in the environment) must start with http:// or https://, not ${url.protocol}//.`,
    );
  }
  const where = url.host || url.hostname;
  if (target.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `The API URL ${target.origin} would go through the proxy ${where} (${variable}), which would carry the password and API key unencrypted. ` +
        `Add ${target.hostname} to NO_PROXY, or use an https:// API URL.`,
    );
  }
  try {
    return { url, where, username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    throw new MStockError(ErrorCode.INVALID_INPUT, `The user name or password in the proxy URL for ${target.host} (${variable}) is not properly %-encoded.`);
  }
}
