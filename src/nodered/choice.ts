import { ErrorCode, MStockError } from '../api/errors';

/** The editor's value for "set by msg.<name>", as the core http request node offers for msg.method. */
export const FROM_MSG = 'msg';

/**
 * The operation a node does for one message: its own setting, or, when that is "set by
 * msg.<name>", the message's value, which must be one of `allowed` (compared without regard to
 * case, answered in the case of `allowed`). Anything else is MSTOCK_INVALID_INPUT, nothing sent.
 */
export function choiceFor<T extends string>(configured: string | undefined, msg: object, name: string, allowed: readonly T[]): T {
  const fromMsg = configured === FROM_MSG || configured === undefined || configured === '';
  const value: unknown = fromMsg ? (msg as Record<string, unknown>)[name] : configured;
  const match = typeof value === 'string' ? allowed.find((choice) => choice.toLowerCase() === value.trim().toLowerCase()) : undefined;
  if (match !== undefined) return match;
  const list = allowed.map((choice) => `"${choice}"`).join(', ');
  const seen = typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : value === undefined ? 'nothing' : `a ${Array.isArray(value) ? 'list' : typeof value}`;
  const where = fromMsg ? `msg.${name}` : `The node's ${name}`;
  throw new MStockError(ErrorCode.INVALID_INPUT, `${where} must be one of ${list}, but it was ${seen}. Nothing was sent to mStock.`);
}
