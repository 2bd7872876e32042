import type { Node, NodeAPI, NodeDef } from 'node-red';
import { choiceFor } from '../src/nodered/choice';
import { attachToAccount } from '../src/nodered/flow-node';
import { readRows, rowsOutput } from '../src/nodered/rows-output';

interface PortfolioDef extends NodeDef {
  account?: string;
  view?: string;
  output?: string;
}

const VIEWS = ['positions', 'holdings'] as const;

export = function register(RED: NodeAPI): void {
  function MStockPortfolioNode(this: Node, def: PortfolioDef) {
    RED.nodes.createNode(this, def);
    const output = rowsOutput(def.output);
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg) {
        const view = choiceFor(def.view, msg, 'view', VIEWS);
        return { topic: `mstock/${view}`, payload: await readRows(session, view, output) };
      },
    });
  }
  RED.nodes.registerType('mstock-portfolio', MStockPortfolioNode);
};
