import type { Node, NodeAPI, NodeDef } from 'node-red';
import { attachToAccount } from '../src/nodered/flow-node';

interface LogoutDef extends NodeDef {
  account?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockLogoutNode(this: Node, def: LogoutDef) {
    RED.nodes.createNode(this, def);
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session) {
        await session.logout();
        return { topic: 'mstock/logout', payload: { state: 'logged-out' } };
      },
    });
  }
  RED.nodes.registerType('mstock-logout', MStockLogoutNode);
};
