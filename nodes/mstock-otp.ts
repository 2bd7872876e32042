import type { Node, NodeAPI, NodeDef } from 'node-red';
import { parseOtpCode } from '../src/api/otp-code';
import { attachToAccount } from '../src/nodered/flow-node';
import type { OtpMode } from '../src/session/session';

interface OtpDef extends NodeDef {
  account?: string;
  mode?: string;
}

export = function register(RED: NodeAPI): void {
  function MStockOtpNode(this: Node, def: OtpDef) {
    RED.nodes.createNode(this, def);
    const mode: OtpMode = def.mode === 'totp' ? 'totp' : 'otp';
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg) {
        const code = parseOtpCode(msg.payload);
        const { expiresAt } = await session.submitCode(code, mode);
        return { topic: 'mstock/session', payload: { state: 'live', expiresAt } };
      },
    });
  }
  RED.nodes.registerType('mstock-otp', MStockOtpNode);
};
