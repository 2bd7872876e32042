import type { Node, NodeAPI, NodeDef } from 'node-red';
import { MStockError } from '../src/api/errors';
import { resolveAccount } from '../src/nodered/account';
import { errorStatus, sessionStatus } from '../src/nodered/status';
import type { SessionChange } from '../src/session/session';

interface SessionDef extends NodeDef {
  account?: string;
}

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
    node.on('close', (done: () => void) => {
      account.off('change', onChange);
      done();
    });
  }
  RED.nodes.registerType('mstock-session', MStockSessionNode);
};
