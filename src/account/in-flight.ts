import crypto from 'node:crypto';

/** What makes two calls the same call. */
export interface CallIdentity {
  sessionToken: string;
  method: string;
  path: string;
  body?: unknown;
  /**
   * Only reads are merged. Writes — orders first of all — are started every time: a burst of
   * identical orders is that many orders (PRODUCT.md "Orders are real money").
   */
  read: boolean;
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are one body. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The key of a call: a hash, so the map never holds the session token in readable form (a heap
 * dump or an inspected object would show it otherwise).
 */
export function callKey(call: CallIdentity): string {
  const head = `${call.sessionToken}\u0000${call.method.toUpperCase()}\u0000${call.path}`;
  const text = call.body === undefined ? head : `${head}\u0000${canonical(call.body)}`;
  return crypto.createHash('sha256').update(text).digest('base64url');
}

/**
 * Reads that are identical and in flight at the same time share one call: the later callers get
 * the first caller's promise, answer or failure alike. A call is forgotten as soon as it settles.
 * Every caller gets the same answer object: parse it, do not change it.
 */
export class InFlight {
  private readonly calls = new Map<string, Promise<unknown>>();

  run<T>(call: CallIdentity, start: () => Promise<T>): Promise<T> {
    if (!call.read) return invoke(start);
    const key = callKey(call);
    const running = this.calls.get(key);
    if (running) return running as Promise<T>;
    const promise = invoke(start);
    this.calls.set(key, promise);
    const forget = (): void => {
      // clear() may have let a newer call take the key
      if (this.calls.get(key) === promise) this.calls.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Calls being shared now. */
  get size(): number {
    return this.calls.size;
  }

  /**
   * Ends sharing: calls started before are answered as usual, calls started after start afresh.
   * For logout, login and expiry, when a new token must not get an old token's answer.
   */
  clear(): void {
    this.calls.clear();
  }
}

function invoke<T>(start: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(start());
  } catch (err) {
    return Promise.reject(err);
  }
}
