import type { Node, NodeAPI, NodeDef } from 'node-red';
import { attachToAccount } from '../src/nodered/flow-node';

interface LoginDef extends NodeDef {
  account?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockLoginNode(this: Node, def: LoginDef) {
    RED.nodes.createNode(this, def);
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session) {
        const outcome = await session.login();
        if (outcome.state === 'live') {
          return { topic: 'mstock/session', payload: { state: 'live', expiresAt: outcome.expiresAt } };
        }
        return { topic: 'mstock/login', payload: { state: 'otp-sent', message: outcome.message } };
      },
    });
  }
  RED.nodes.registerType('mstock-login', MStockLoginNode);
};
