import crypto from 'node:crypto';
import { OrderGate } from '../account/order-gate';
import type { Clock } from '../session/clock';
import { AccountSession } from '../session/session';

interface Entry {
  fingerprint: string;
  session: AccountSession;
}

/**
 * Keeps each account's session across a redeploy of its config node: Node-RED closes the old node
 * and builds a new one with the same id. The same credentials and API URL get the same live
 * session back; anything else closes it.
 */
const sessions = new Map<string, Entry>();

// keyed per process: the fingerprints held in memory say nothing about the credentials behind them
const fingerprintKey = crypto.randomBytes(32);

export function fingerprint(parts: ReadonlyArray<string | number | undefined>): string {
  const hash = crypto.createHmac('sha256', fingerprintKey);
  for (const part of parts) hash.update(`${part ?? ''}\u0000`);
  return hash.digest('hex');
}

/**
 * Each account's order gate, kept apart from its session: a changed password, API URL or timeout
 * makes a new session, but the day's count of orders stays with the account node.
 */
const orderGates = new Map<string, OrderGate>();

/** The order gate kept for `id`, or a new one (orders off until configured). */
export function acquireOrderGate(id: string, clock: Clock): OrderGate {
  let gate = orderGates.get(id);
  if (!gate) {
    gate = new OrderGate(clock);
    orderGates.set(id, gate);
  }
  return gate;
}

/** The session kept for `id` if its fingerprint matches, else a new one from `create`. */
export function acquireSession(id: string, print: string, create: () => AccountSession): AccountSession {
  const kept = sessions.get(id);
  if (kept && kept.fingerprint === print) return kept.session;
  kept?.session.close();
  const session = create();
  sessions.set(id, { fingerprint: print, session });
  return session;
}

/** Called when the config node closes: a removed node's session ends; otherwise it is kept for the next deploy. */
export function releaseSession(id: string, removed: boolean): void {
  const kept = sessions.get(id);
  if (!removed) {
    kept?.session.abortCalls();
    return;
  }
  kept?.session.close();
  sessions.delete(id);
  orderGates.get(id)?.removeAllListeners();
  orderGates.delete(id);
}

/** Ends every kept session (the runtime stopping, or tests starting clean). */
export function closeAllSessions(): void {
  for (const { session } of sessions.values()) session.close();
  sessions.clear();
  for (const gate of orderGates.values()) gate.removeAllListeners();
  orderGates.clear();
}
