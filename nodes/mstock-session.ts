import type { Node, NodeAPI, NodeDef } from 'node-red';
import { MStockError } from '../src/api/errors';
import { resolveAccount } from '../src/nodered/account';
import { errorStatus, sessionStatus } from '../src/nodered/status';
import type { SessionChange } from '../src/session/session';

interface SessionDef extends NodeDef {
  account?: string;
  /** Also send the current state once, shortly after the flows start. */
  initial?: boolean;
}

/** Like the inject node's "once after 0.1 s": the wired nodes have started by then. */
const INITIAL_DELAY_MS = 100;

export = function register(RED: NodeAPI): void {
  function MStockSessionNode(this: Node, def: SessionDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const account = resolveAccount(RED, def.account);
    if (account instanceof MStockError) {
      node.status(errorStatus(account));
      return;
    }
    node.status(sessionStatus(account.state, account.expiresAt));
    const onChange = (change: SessionChange) => {
      node.status(sessionStatus(change.state, account.expiresAt));
      node.send({ topic: 'mstock/session', payload: { ...change } });
    };
    account.on('change', onChange);
    const initial = def.initial
      ? setTimeout(() => {
          const state = account.state;
          onChange({ state, previous: state, at: new Date(account.now()).toISOString(), reason: 'start' });
        }, INITIAL_DELAY_MS)
      : undefined;
    node.on('close', (done: () => void) => {
      clearTimeout(initial);
      account.off('change', onChange);
      done();
    });
  }
  RED.nodes.registerType('mstock-session', MStockSessionNode);
};
