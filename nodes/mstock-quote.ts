import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ErrorCode, MStockError } from '../src/api/errors';
import { instrumentsToQuote, planQuoteBatches, QUOTE_MODES, QuoteAnswers, quotesInOrder, readQuoteAnswer, resolveInstruments } from '../src/api/quotes';
import type { Row } from '../src/api/rows';
import { choiceFor } from '../src/nodered/choice';
import { attachToAccount } from '../src/nodered/flow-node';

interface QuoteDef extends NodeDef {
  account?: string;
  mode?: string;
  /** The node's own list: instruments separated by commas or new lines. */
  instruments?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockQuoteNode(this: Node, def: QuoteDef) {
    RED.nodes.createNode(this, def);
    let closed = false;
    this.on('close', () => {
      closed = true;
    });
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg) {
        const mode = choiceFor(def.mode || 'LTP', msg, 'mode', QUOTE_MODES);
        const asked = instrumentsToQuote(msg.payload, def.instruments);
        let payload: Row[] = [];
        let unfetched: unknown[] = [];
        if (asked.items.length > 0) {
          const instruments = resolveInstruments(await session.instruments(), asked);
          const answers: QuoteAnswers = new Map();
          // one call at a time, so the account's queue never holds more than one of this node's calls
          for (const batch of planQuoteBatches(mode, instruments)) {
            if (closed) throw new MStockError(ErrorCode.NETWORK, 'The node was stopped or redeployed before all its quotes were fetched.');
            const { data } = await session.call('quote', { body: batch.body });
            for (const [key, answer] of readQuoteAnswer(batch, data)) answers.set(key, answer);
          }
          ({ quotes: payload, unfetched } = quotesInOrder(instruments, answers));
        }
        (msg as { unfetched?: unknown }).unfetched = unfetched;
        return { topic: 'mstock/quote', payload };
      },
    });
  }
  RED.nodes.registerType('mstock-quote', MStockQuoteNode);
};
