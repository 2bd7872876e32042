import type { Node, NodeAPI, NodeDef } from 'node-red';
import { parseOrderId, parseTradeDates } from '../src/api/order-inputs';
import { choiceFor } from '../src/nodered/choice';
import { attachToAccount } from '../src/nodered/flow-node';
import { readRows, rowsOutput } from '../src/nodered/rows-output';

interface OrdersDef extends NodeDef {
  account?: string;
  view?: string;
  output?: string;
}

const VIEWS = ['orders', 'trades', 'order', 'trade-history'] as const;

export = function register(RED: NodeAPI): void {
  function MStockOrdersNode(this: Node, def: OrdersDef) {
    RED.nodes.createNode(this, def);
    const output = rowsOutput(def.output);
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg) {
        const view = choiceFor(def.view, msg, 'view', VIEWS);
        const topic = `mstock/${view}`;
        switch (view) {
          case 'orders':
            return { topic, payload: await readRows(session, 'orderBook', output) };
          case 'trades':
            return { topic, payload: await readRows(session, 'tradeBook', output) };
          case 'order': {
            // segment "E" as the docs' sample sends it (FACTS-TRADING §2.6)
            const body = { order_no: parseOrderId(msg.payload), segment: 'E' };
            return { topic, payload: await readRows(session, 'orderDetails', output, { body }) };
          }
          default:
            return { topic, payload: await readRows(session, 'tradeHistory', output, { body: parseTradeDates(msg.payload) }) };
        }
      },
    });
  }
  RED.nodes.registerType('mstock-orders', MStockOrdersNode);
};
