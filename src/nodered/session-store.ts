import type { Node } from 'node-red';
import { SessionSeal } from '../session/sealed-session';
import type { AccountSession, SessionChange } from '../session/session';

const KEY = 'mstockSession';

/**
 * Opt-in: keeps the live session in the Node-RED context store named `store`, until it ends, so a
 * restart (or another Node-RED sharing the store) finds it. The token is written sealed (see
 * SessionSeal); an entry in the plain form of version 0.1 is read once and written sealed.
 * Returns the function that stops it.
 */
export function keepSessionInStore(node: Node, session: AccountSession, store: string, seal: SessionSeal): () => void {
  const context = node.context();
  const report = (what: string) => (err?: Error | null) => {
    if (err) node.warn(`mStock session: could not ${what} the context store "${store}": ${err.message}`);
  };
  const save = () => {
    const live = session.liveSession();
    context.set(KEY, live ? seal.seal(live) : undefined, store, report('write to'));
  };
  const onChange = (change: SessionChange) => {
    if (change.reason !== 'restored') save();
  };
  context.get(KEY, store, (err: Error | null | undefined, value: unknown) => {
    if (err) return report('read from')(err);
    if (value === undefined) return;
    const sealed = seal.open(value);
    const legacy = sealed ? undefined : seal.openLegacy(value);
    const saved = sealed ?? legacy;
    // a session kept for other credentials, past its midnight or unreadable is dropped from the store
    if (saved && session.restore(saved)) {
      if (legacy) save();
    } else if (session.state !== 'live') {
      context.set(KEY, undefined, store, report('write to'));
    }
  });
  session.on('change', onChange);
  return () => session.off('change', onChange);
}
