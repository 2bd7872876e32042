import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { MStockError, isMStockError, ErrorCode } from '../api/errors';
import type { AccountSession, SessionChange } from '../session/session';
import { resolveAccount } from './account';
import { busyStatus, errorStatus, sessionStatus } from './status';

export interface Reply {
  topic: string;
  payload: unknown;
}

export interface FlowNodeSpec {
  /** The config node id from the `account` property. */
  accountId: string | undefined;
  /** Does the node's one job for one message. */
  handle(session: AccountSession, msg: NodeMessageInFlow): Promise<Reply>;
}

/**
 * Wires a flow node to its account: the status follows the shared session, each input runs
 * `handle`, the reply reuses the incoming msg, and every failure ends in done(err) with its code.
 */
export function attachToAccount(RED: NodeAPI, node: Node, spec: FlowNodeSpec): void {
  const account = resolveAccount(RED, spec.accountId);
  let closed = false;
  let busy = 0;

  const showSession = () => {
    if (closed || busy > 0) return;
    node.status(account instanceof MStockError ? errorStatus(account) : sessionStatus(account.state, account.expiresAt));
  };
  const onChange = (_change: SessionChange) => showSession();
  if (!(account instanceof MStockError)) account.on('change', onChange);
  showSession();

  node.on('input', (msg, send, done) => {
    if (account instanceof MStockError) {
      node.status(errorStatus(account));
      done(account);
      return;
    }
    busy += 1;
    node.status(busyStatus);
    spec.handle(account, msg).then(
      (reply) => {
        busy -= 1;
        if (closed) return done();
        msg.topic = reply.topic;
        msg.payload = reply.payload;
        showSession();
        send(msg);
        done();
      },
      (err: unknown) => {
        busy -= 1;
        if (closed) return done();
        const failure = isMStockError(err)
          ? err
          : new MStockError(ErrorCode.SERVER_ERROR, 'The mStock node failed unexpectedly.');
        node.status(errorStatus(failure));
        done(failure);
      },
    );
  });

  node.on('close', (done: () => void) => {
    closed = true;
    if (!(account instanceof MStockError)) account.off('change', onChange);
    done();
  });
}
