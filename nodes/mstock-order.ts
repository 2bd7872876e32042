import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ErrorCode, isMStockError, MStockError } from '../src/api/errors';
import { resolveOrderGate } from '../src/nodered/account';
import { choiceFor } from '../src/nodered/choice';
import { attachToAccount } from '../src/nodered/flow-node';
import { ORDER_ACTIONS, orderGateStatus, runOrderAction } from '../src/nodered/order-action';

interface OrderDef extends NodeDef {
  account?: string;
  action?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockOrderNode(this: Node, def: OrderDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const gate = resolveOrderGate(RED, def.account);
    let closed = false;
    node.on('close', () => {
      closed = true;
    });
    attachToAccount(RED, node, {
      accountId: def.account,
      overlay: gate && { source: gate, status: () => orderGateStatus(gate.state()) },
      async handle(session, msg, context) {
        const action = choiceFor(def.action, msg, 'action', ORDER_ACTIONS);
        if (!gate) throw new MStockError(ErrorCode.NO_CREDENTIALS, 'The mStock account node is not ready. Check its settings and deploy again.');
        try {
          return { topic: 'mstock/order', payload: await runOrderAction(session, gate, action, msg.payload, context.signal) };
        } catch (err) {
          // the node is gone and its message with it: the log is the one place left to say so
          if (closed && isMStockError(err) && err.code === ErrorCode.ORDER_UNCERTAIN) node.warn(err.message);
          throw err;
        }
      },
    });
  }
  RED.nodes.registerType('mstock-order', MStockOrderNode);
};
