import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ErrorCode, isMStockError } from '../src/api/errors';
import { attachToAccount } from '../src/nodered/flow-node';

interface LogoutDef extends NodeDef {
  account?: string;
  /** "No session is not an error": a logout with no session answers as a logout would. */
  noSessionOk?: boolean | string;
}

export = function register(RED: NodeAPI): void {
  function MStockLogoutNode(this: Node, def: LogoutDef) {
    RED.nodes.createNode(this, def);
    const noSessionOk = def.noSessionOk === true || def.noSessionOk === 'true';
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session) {
        try {
          await session.logout();
        } catch (err) {
          if (!(noSessionOk && isMStockError(err) && err.code === ErrorCode.NOT_LOGGED_IN)) throw err;
        }
        return { topic: 'mstock/logout', payload: { state: 'logged-out' } };
      },
    });
  }
  RED.nodes.registerType('mstock-logout', MStockLogoutNode);
};
