import type { NodeAPI, NodeDef } from 'node-red';
import { MStockClient, DEFAULT_TIMEOUT_MS } from '../src/api/client';
import { normaliseBaseUrl } from '../src/api/base-url';
import { normaliseFeedUrl } from '../src/api/feed-url';
import { ErrorCode, MStockError, isMStockError } from '../src/api/errors';
import type { AccountNode } from '../src/nodered/account';
import { DEFAULT_ORDER_SETTINGS, OrderSettings } from '../src/account/order-gate';
import { acquireOrderGate, acquireSession, fingerprint, releaseSession } from '../src/nodered/session-registry';
import { keepSessionInStore } from '../src/nodered/session-store';
import { SessionSeal } from '../src/session/sealed-session';
import { AccountSession } from '../src/session/session';
import { Clock, systemClock } from '../src/session/clock';

interface ConfigDef extends NodeDef {
  baseUrl?: string;
  /** The live feed's WebSocket root; empty for mStock's. */
  feedUrl?: string;
  timeout?: string | number;
  /** Name of a context store to keep the live session in across restarts; empty for memory only. */
  store?: string;
  /** "Allow orders from flows". */
  orders?: boolean | string;
  maxOrdersPerDay?: string | number;
}

interface Credentials {
  apiKey?: string;
  clientCode?: string;
  password?: string;
  totpSecret?: string;
}

const CREDENTIAL_LABELS = { apiKey: 'API key', clientCode: 'client code', password: 'password' } as const;

const present = (value: string | undefined): value is string => typeof value === 'string' && value.trim() !== '';

/** The runtime's clock: the system's, unless the Node-RED settings give one (`mstockClock`, for tests). */
function clockFrom(RED: NodeAPI): Clock {
  const given = (RED.settings as unknown as { mstockClock?: Clock }).mstockClock;
  return given && typeof given.now === 'function' ? given : systemClock;
}

const MAX_ORDERS_PER_DAY = 100_000;

/** The order switch and daily cap as deployed; an unset cap is the default, 100. */
function orderSettings(def: ConfigDef): OrderSettings {
  const raw = def.maxOrdersPerDay;
  const maxPerDay = raw === undefined || raw === '' ? DEFAULT_ORDER_SETTINGS.maxPerDay : Number(raw);
  if (!Number.isInteger(maxPerDay) || maxPerDay < 0 || maxPerDay > MAX_ORDERS_PER_DAY) {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `The max orders per day on the mStock account node must be a whole number from 0 (no cap) to ${MAX_ORDERS_PER_DAY}.`,
    );
  }
  return { enabled: def.orders === true || def.orders === 'true', maxPerDay };
}

export = function register(RED: NodeAPI): void {
  function MStockConfigNode(this: AccountNode, def: ConfigDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const creds = (node.credentials ?? {}) as Credentials;
    let stopStoring: (() => void) | undefined;
    try {
      const missing = (['apiKey', 'clientCode', 'password'] as const).filter((key) => !present(creds[key]));
      if (missing.length > 0) {
        const names = missing.map((key) => CREDENTIAL_LABELS[key]).join(', ');
        throw new MStockError(
          ErrorCode.NO_CREDENTIALS,
          `The mStock account node is missing: ${names}. Open the account node, fill them in and deploy again.`,
        );
      }
      const baseUrl = normaliseBaseUrl(def.baseUrl);
      const feedUrl = normaliseFeedUrl(def.feedUrl);
      const timeout = def.timeout === undefined || def.timeout === '' ? DEFAULT_TIMEOUT_MS : Number(def.timeout);
      if (!Number.isInteger(timeout) || timeout < 100 || timeout > 600_000) {
        throw new MStockError(
          ErrorCode.INVALID_INPUT,
          'The timeout on the mStock account node must be a whole number of milliseconds from 100 to 600000.',
        );
      }
      const orders = orderSettings(def);
      const clientCode = creds.clientCode!.trim();
      const print = fingerprint([baseUrl, feedUrl, timeout, creds.apiKey, clientCode, creds.password, creds.totpSecret]);
      node.session = acquireSession(node.id, print, () => {
        const apiKey = creds.apiKey!.trim();
        const client = new MStockClient({ baseUrl, timeout, apiKey, userAgent: 'node-red-mstock' });
        return new AccountSession(
          client,
          { clientCode, password: creds.password!, totpSecret: present(creds.totpSecret) ? creds.totpSecret : undefined },
          clockFrom(RED),
          { url: feedUrl, apiKey },
        );
      });
      // not part of the fingerprint: switching orders on or off keeps the session and the day's count
      node.orderGate = acquireOrderGate(node.id, clockFrom(RED));
      node.orderGate.configure(orders);
      const store = typeof def.store === 'string' ? def.store.trim() : '';
      if (store) {
        const seal = new SessionSeal({ baseUrl, timeout, apiKey: creds.apiKey!, clientCode, password: creds.password!, totpSecret: creds.totpSecret });
        stopStoring = keepSessionInStore(node, node.session, store, seal);
      }
    } catch (err) {
      node.problem = isMStockError(err) ? err : new MStockError(ErrorCode.NO_CREDENTIALS, 'The mStock account node could not be set up.');
      node.error(node.problem.message);
    }

    node.on('close', (removed: boolean, done: () => void) => {
      stopStoring?.();
      releaseSession(node.id, removed);
      done();
    });
  }

  RED.nodes.registerType('mstock-config', MStockConfigNode, {
    credentials: {
      apiKey: { type: 'password' },
      clientCode: { type: 'text' },
      password: { type: 'password' },
      totpSecret: { type: 'password' },
    },
  });
};
