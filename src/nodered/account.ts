import type { Node, NodeAPI } from 'node-red';
import { ErrorCode, MStockError } from '../api/errors';
import type { OrderGate } from '../account/order-gate';
import type { AccountSession } from '../session/session';

/** What an mstock-config node offers the flow nodes that point at it. */
export interface AccountNode extends Node {
  /** The live session of the account; absent when the node is not usable. */
  session?: AccountSession;
  /** Whether orders may be sent now, and the day's count of them; absent when the node is not usable. */
  orderGate?: OrderGate;
  /** Why the node is not usable (missing credentials, a refused API URL). */
  problem?: MStockError;
}

/** The session of the config node `accountId`, or the error that says why there is none. */
export function resolveAccount(RED: NodeAPI, accountId: string | undefined): AccountSession | MStockError {
  const account = accountId ? (RED.nodes.getNode(accountId) as AccountNode | null) : null;
  if (!account) {
    return new MStockError(
      ErrorCode.NO_CREDENTIALS,
      'No mStock account is selected on this node. Open the node and choose or add an mStock account.',
    );
  }
  if (account.problem) return account.problem;
  if (!account.session) {
    return new MStockError(ErrorCode.NO_CREDENTIALS, 'The mStock account node is not ready. Check its settings and deploy again.');
  }
  return account.session;
}

/** The order gate of the config node `accountId`, if the node is usable. */
export function resolveOrderGate(RED: NodeAPI, accountId: string | undefined): OrderGate | undefined {
  const account = accountId ? (RED.nodes.getNode(accountId) as AccountNode | null) : null;
  return account && !account.problem ? account.orderGate : undefined;
}
