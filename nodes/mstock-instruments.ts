import type { Node, NodeAPI, NodeDef } from 'node-red';
import { isMStockError } from '../src/api/errors';
import { InstrumentMaster, InstrumentQuery } from '../src/api/instruments';
import { describeValue, refused, SMALLEST_EPOCH_MS } from '../src/api/refusal';
import { attachToAccount } from '../src/nodered/flow-node';

interface InstrumentsDef extends NodeDef {
  account?: string;
  query?: string;
  limit?: string | number;
}

const DEFAULT_LIMIT = 20;
/** `new Date().toISOString()`: what an inject node's timestamp sends in its ISO form. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
// an empty master checks a query by the master's own rules before anything is downloaded
const NO_INSTRUMENTS = new InstrumentMaster([]);

/**
 * True when msg.payload asks for nothing: absent, null, white space, or an inject node's
 * timestamp (a Date, epoch milliseconds, or an ISO-8601 time as toISOString writes it).
 */
function asksNothing(payload: unknown): boolean {
  if (payload === undefined || payload === null || payload instanceof Date) return true;
  if (typeof payload === 'string') return payload.trim() === '' || ISO_TIMESTAMP.test(payload.trim());
  // tokens are far smaller than any epoch millisecond since 1973
  return typeof payload === 'number' && payload >= SMALLEST_EPOCH_MS;
}

/** A whole number of 1 or more, as a number or a string of digits; `where` names it in the error. */
function parseLimit(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw refused(`${where} must be a whole number of 1 or more, but it was ${describeValue(value)}.`);
  return n;
}

/** MSTOCK_INVALID_INPUT for a query the master would refuse, before the master is downloaded. */
function checkQuery(query: unknown): void {
  try {
    NO_INSTRUMENTS.search(query as InstrumentQuery, 1);
  } catch (err) {
    throw isMStockError(err) ? refused(err.message) : err;
  }
}

export = function register(RED: NodeAPI): void {
  function MStockInstrumentsNode(this: Node, def: InstrumentsDef) {
    RED.nodes.createNode(this, def);
    const ownQuery = typeof def.query === 'string' ? def.query.trim() : '';
    const ownLimit = def.limit === undefined || def.limit === '' ? DEFAULT_LIMIT : def.limit;
    attachToAccount(RED, this, {
      accountId: def.account,
      async handle(session, msg, { busy }) {
        const given = (msg as { limit?: unknown }).limit;
        const limit = given === undefined || given === null ? parseLimit(ownLimit, "The node's limit") : parseLimit(given, 'msg.limit');
        let query: unknown = msg.payload;
        if (asksNothing(query)) {
          if (ownQuery === '') throw refused("Nothing to search for: send a text, a token or { exchange, symbol | token | name } in msg.payload, or set the node's Query.");
          query = ownQuery;
        }
        checkQuery(query);
        busy('loading instruments…');
        const master = await session.instruments();
        return { topic: 'mstock/instruments', payload: master.search(query as InstrumentQuery, limit) };
      },
    });
  }
  RED.nodes.registerType('mstock-instruments', MStockInstrumentsNode);
};
