import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ErrorCode, isMStockError, MStockError } from '../src/api/errors';
import { resolveOrderGate } from '../src/nodered/account';
import { choiceFor } from '../src/nodered/choice';
import { attachToAccount } from '../src/nodered/flow-node';
import type { OrderOutcome } from '../src/api/order-inputs';
import { ORDER_ACTIONS, orderGateStatus, runOrderAction } from '../src/nodered/order-action';

interface OrderDef extends NodeDef {
  account?: string;
  action?: string;
}

const DONE: Readonly<Record<string, string>> = {
  place: 'the order was placed',
  modify: 'the order was modified',
  cancel: 'the order was cancelled',
  'cancel-all': 'all open orders were cancelled',
};

/** What an order action did, in words for the log. */
function describeDone(outcome: OrderOutcome): string {
  const id = outcome.orderid === undefined ? '' : ` (order id ${outcome.orderid})`;
  const done = DONE[outcome.action] ?? `the ${outcome.action} was done`;
  return `${done}${id}: "${outcome.message}"`;
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
          const outcome = await runOrderAction(session, gate, action, msg.payload, context.signal);
          // the node is gone and its message with it: the log is the one place left to say it was done
          if (closed) node.warn(`mStock: ${describeDone(outcome)} while this node was stopped or redeployed, so no message was sent on.`);
          return { topic: 'mstock/order', payload: outcome };
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
