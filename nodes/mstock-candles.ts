import type { Node, NodeAPI, NodeDef } from 'node-red';
import { candleIntervalFor, fetchCandles, readCandleRequest } from '../src/nodered/candle-fetch';
import { attachToAccount } from '../src/nodered/flow-node';

interface CandlesDef extends NodeDef {
  account?: string;
  interval?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockCandlesNode(this: Node, def: CandlesDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    let warned = false;
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg, { progress, signal }) {
        const { interval, ignored } = candleIntervalFor(def.interval, msg as { interval?: unknown; payload?: unknown });
        // as the core http request node does for msg.method, say that the node's own setting wins
        if (ignored && !warned) {
          warned = true;
          node.warn(RED._('mstock-candles.warn.ignored', { interval: String(interval) }));
        }
        const request = readCandleRequest(msg.payload, interval, session.now());
        const candles = await fetchCandles(session, request, {
          progress: (call, calls) => progress(`candles ${call}/${calls}`),
          signal,
        });
        return { topic: 'mstock/candles', payload: candles };
      },
    });
  }
  RED.nodes.registerType('mstock-candles', MStockCandlesNode);
};
