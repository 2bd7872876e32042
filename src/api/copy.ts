import { ErrorCode, MStockError } from './errors';

/**
 * A copy of an answer's `data` for one message (one answer may serve several messages). An answer
 * nested deeper than a copy can go is not JSON the API documents: MSTOCK_BAD_RESPONSE.
 */
export function copyOfAnswer<T>(data: T, what: string): T {
  try {
    return structuredClone(data);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new MStockError(ErrorCode.BAD_RESPONSE, `mStock's answer to ${what} was nested deeper than the API documents.`);
  }
}
