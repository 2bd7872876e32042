import type { Node, NodeAPI, NodeDef } from 'node-red';
import { copyOfAnswer } from '../src/api/copy';
import { FROM_MSG } from '../src/nodered/choice';
import { attachToAccount } from '../src/nodered/flow-node';
import { requestFromMessage } from '../src/nodered/request-message';

interface RequestDef extends NodeDef {
  account?: string;
  method?: string;
  path?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockRequestNode(this: Node, def: RequestDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = { method: def.method, path: def.path };
    const ownPath = typeof def.path === 'string' && def.path.trim() !== '';
    const ownMethod = Boolean(def.method) && def.method !== FROM_MSG;
    let warned = false;
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg) {
        const given = msg as { method?: unknown; path?: unknown };
        // as the core http request node does, say once that the node's own setting wins
        if (!warned && ((ownPath && given.path !== undefined) || (ownMethod && given.method !== undefined))) {
          warned = true;
          node.warn(RED._('mstock-request.warn.ignored'));
        }
        const call = requestFromMessage(settings, given);
        const envelope = await session.callPath(call.method, call.path, { body: call.body, query: call.query });
        // one answer may serve several messages: each gets its own copy
        return { topic: 'mstock/request', payload: copyOfAnswer(envelope.data, `${call.method} ${call.path}`) };
      },
    });
  }
  RED.nodes.registerType('mstock-request', MStockRequestNode);
};
