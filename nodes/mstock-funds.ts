import type { Node, NodeAPI, NodeDef } from 'node-red';
import { copyOfAnswer } from '../src/api/copy';
import { parseFunds } from '../src/api/funds';
import { attachToAccount } from '../src/nodered/flow-node';

interface FundsDef extends NodeDef {
  account?: string;
  output?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockFundsNode(this: Node, def: FundsDef) {
    RED.nodes.createNode(this, def);
    const raw = def.output === 'raw';
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session) {
        const data = await session.funds();
        // one answer may serve several messages: each gets its own copy
        return { topic: 'mstock/funds', payload: raw ? copyOfAnswer(data, 'the fund summary request') : parseFunds(data) };
      },
    });
  }
  RED.nodes.registerType('mstock-funds', MStockFundsNode);
};
