import { ErrorCode, MStockError } from './errors';

const OTP_PATTERN = /^\d{4,8}$/;
const MAX_TEXT = 64;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return value.length > MAX_TEXT ? `a string of ${value.length} characters` : `"${value}"`;
  }
  if (typeof value === 'number') return String(value);
  return `a value of type ${typeof value}`;
}

/**
 * Reads an OTP or authenticator code from a message payload: a string or a whole non-negative
 * number, surrounding white space ignored, then 4 to 8 digits.
 */
export function parseOtpCode(payload: unknown): string {
  let text: string | undefined;
  if (typeof payload === 'string' && payload.length <= MAX_TEXT) text = payload.trim();
  else if (typeof payload === 'number' && Number.isSafeInteger(payload) && payload >= 0) text = String(payload);
  if (text === undefined || !OTP_PATTERN.test(text)) {
    throw new MStockError(
      ErrorCode.INVALID_INPUT,
      `msg.payload must be the 4 to 8 digit OTP, as a string or a number; got ${describe(payload)}. Nothing was sent to mStock.`,
    );
  }
  return text;
}
