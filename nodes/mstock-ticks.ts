import type { Node, NodeAPI, NodeDef } from 'node-red';
import { attachTicks, TicksDef } from '../src/nodered/ticks-node';

export = function register(RED: NodeAPI): void {
  function MStockTicksNode(this: Node, def: NodeDef & TicksDef) {
    RED.nodes.createNode(this, def);
    attachTicks(RED, this, def);
  }
  RED.nodes.registerType('mstock-ticks', MStockTicksNode);
};
