import type { Node } from 'node-red';
import type { AccountSession, SessionChange } from '../session/session';

const KEY = 'mstockSession';

interface SavedSession {
  fingerprint: string;
  sessionToken: string;
  expiresAt: number;
}

function isSaved(value: unknown): value is SavedSession {
  const v = value as SavedSession;
  return typeof v === 'object' && v !== null && typeof v.fingerprint === 'string' && typeof v.sessionToken === 'string' && typeof v.expiresAt === 'number';
}

/**
 * Opt-in: keeps the live session in the Node-RED context store named `store`, until it ends, so a
 * restart (or another Node-RED sharing the store) finds it. Returns the function that stops it.
 */
export function keepSessionInStore(node: Node, session: AccountSession, store: string, fingerprint: string): () => void {
  const context = node.context();
  const report = (what: string) => (err?: Error | null) => {
    if (err) node.warn(`mStock session: could not ${what} the context store "${store}": ${err.message}`);
  };
  const save = () => {
    const live = session.liveSession();
    const value: SavedSession | undefined = live ? { fingerprint, ...live } : undefined;
    context.set(KEY, value, store, report('write to'));
  };
  const onChange = (change: SessionChange) => {
    if (change.reason !== 'restored') save();
  };
  context.get(KEY, store, (err: Error | null | undefined, value: unknown) => {
    if (err) return report('read from')(err);
    if (!isSaved(value)) return;
    // a session kept for other credentials, or past its midnight, is dropped from the store
    if (value.fingerprint !== fingerprint || !session.restore(value)) {
      if (session.state !== 'live') context.set(KEY, undefined, store, report('write to'));
    }
  });
  session.on('change', onChange);
  return () => session.off('change', onChange);
}
