import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeMessageInFlow, NodeStatus } from 'node-red';
import { MStockError, isMStockError, ErrorCode } from '../api/errors';
import type { AccountSession, SessionChange } from '../session/session';
import { resolveAccount } from './account';
import { busyStatus, errorStatus, sessionStatus } from './status';

const BUSY_STATUS_DELAY_MS = 100;

export interface Reply {
  topic: string;
  payload: unknown;
}

/** What `handle` may use beyond the session and the message. */
export interface HandleContext {
  /**
   * The words of the yellow busy status ("requesting…" unless said otherwise) until the node has
   * no message left in hand; shown only once the work takes a while, as "requesting…" is.
   */
  busy(text: string): void;
  /** Shows at once how far a job of several calls is (a yellow ring), until the reply or failure. */
  progress(text: string): void;
  /** Aborted when the node is closed (stopped, redeployed): send no further call then. */
  readonly signal: AbortSignal;
}

/** A status that takes the session's place while it has one, and what says when it may have changed. */
export interface StatusOverlay {
  status(): NodeStatus | undefined;
  /** Emits 'change' when `status()` may answer something else. */
  source: EventEmitter;
}

export interface FlowNodeSpec {
  /** The config node id from the `account` property. */
  accountId: string | undefined;
  /** mstock-order: "orders off" while the account does not allow orders. */
  overlay?: StatusOverlay;
  /** Does the node's one job for one message. */
  handle(session: AccountSession, msg: NodeMessageInFlow, context: HandleContext): Promise<Reply>;
}

/**
 * Wires a flow node to its account: the status follows the shared session, each input runs
 * `handle`, the reply reuses the incoming msg, and every failure ends in done(err) with its code.
 */
export function attachToAccount(RED: NodeAPI, node: Node, spec: FlowNodeSpec): void {
  const account = resolveAccount(RED, spec.accountId);
  let closed = false;
  const closing = new AbortController();
  let busy = 0;
  let busyTimer: NodeJS.Timeout | undefined;
  let busyText = busyStatus.text;
  let busyShown = false;
  let shown = '';

  // the editor gets a websocket frame per status call: send only what changed
  const show = (status: NodeStatus) => {
    const key = `${status.fill}|${status.shape}|${status.text}`;
    if (key === shown) return;
    shown = key;
    node.status(status);
  };
  const showSession = () => {
    if (closed || busy > 0) return;
    if (account instanceof MStockError) return show(errorStatus(account));
    show(spec.overlay?.status() ?? sessionStatus(account.state, account.expiresAt));
  };
  const showBusy = () => {
    busyShown = true;
    show({ ...busyStatus, text: busyText });
  };
  const settle = () => {
    busy -= 1;
    if (busy === 0) {
      clearTimeout(busyTimer);
      busyText = busyStatus.text;
      busyShown = false;
    }
  };
  const context: HandleContext = {
    busy(text) {
      if (closed || busy === 0) return;
      busyText = text;
      if (busyShown) showBusy();
    },
    progress(text) {
      if (closed) return;
      // the progress says more than "requesting…": that one must not replace it later
      clearTimeout(busyTimer);
      show({ ...busyStatus, text });
    },
    signal: closing.signal,
  };
  const onChange = (_change: SessionChange) => showSession();
  if (!(account instanceof MStockError)) account.on('change', onChange);
  spec.overlay?.source.on('change', onChange);
  showSession();

  node.on('input', (msg, send, done) => {
    if (account instanceof MStockError) {
      show(errorStatus(account));
      done(account);
      return;
    }
    busy += 1;
    // a quick answer never shows "requesting…": only a call that takes a while does
    if (busy === 1) busyTimer = setTimeout(() => busy > 0 && !closed && showBusy(), BUSY_STATUS_DELAY_MS);
    spec.handle(account, msg, context).then(
      (reply) => {
        settle();
        if (closed) return done();
        msg.topic = reply.topic;
        msg.payload = reply.payload;
        showSession();
        send(msg);
        done();
      },
      (err: unknown) => {
        settle();
        if (closed) return done();
        let failure: MStockError;
        if (isMStockError(err)) {
          failure = err;
        } else {
          // a fault of the package itself: keep what happened in the log, without the secrets
          const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
          node.error(`mStock: unexpected internal error: ${account.redactSecrets(detail)}`);
          failure = new MStockError(
            ErrorCode.SERVER_ERROR,
            'The mStock node failed unexpectedly: an internal error, written to the Node-RED log. Please report it.',
          );
        }
        show(errorStatus(failure));
        done(failure);
      },
    );
  });

  node.on('close', (done: () => void) => {
    closed = true;
    closing.abort(new MStockError(ErrorCode.NETWORK, 'The node was closed (stopped or redeployed) before the call was sent to mStock.'));
    clearTimeout(busyTimer);
    if (!(account instanceof MStockError)) account.off('change', onChange);
    spec.overlay?.source.off('change', onChange);
    done();
  });
}
