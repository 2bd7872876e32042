/** The error codes of the product contract. Every failure the package reports carries one. */
export const ErrorCode = {
  NO_CREDENTIALS: 'MSTOCK_NO_CREDENTIALS',
  INVALID_INPUT: 'MSTOCK_INVALID_INPUT',
  NO_PENDING_LOGIN: 'MSTOCK_NO_PENDING_LOGIN',
  NOT_LOGGED_IN: 'MSTOCK_NOT_LOGGED_IN',
  SESSION_EXPIRED: 'MSTOCK_SESSION_EXPIRED',
  AUTH_FAILED: 'MSTOCK_AUTH_FAILED',
  OTP_REJECTED: 'MSTOCK_OTP_REJECTED',
  API_KEY_INVALID: 'MSTOCK_API_KEY_INVALID',
  RATE_LIMITED: 'MSTOCK_RATE_LIMITED',
  TIMEOUT: 'MSTOCK_TIMEOUT',
  NETWORK: 'MSTOCK_NETWORK',
  BAD_RESPONSE: 'MSTOCK_BAD_RESPONSE',
  SERVER_ERROR: 'MSTOCK_SERVER_ERROR',
  ORDERS_DISABLED: 'MSTOCK_ORDERS_DISABLED',
  ORDER_REJECTED: 'MSTOCK_ORDER_REJECTED',
  ORDER_UNCERTAIN: 'MSTOCK_ORDER_UNCERTAIN',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface MStockErrorDetails {
  /** HTTP status of the broker's answer, when there was one. */
  httpStatus?: number;
  /** The broker's own code (`errorcode` or `error_type`), when it gave one. */
  brokerCode?: string;
  /** An order call that failed before any byte of it was written: it cannot have reached mStock. */
  notSent?: boolean;
}

/**
 * The one error type of the package. It never carries a `cause`: the underlying HTTP error holds
 * request headers, and those hold the API key and tokens.
 */
export class MStockError extends Error {
  readonly code: ErrorCodeValue;
  readonly httpStatus?: number;
  readonly brokerCode?: string;
  readonly notSent?: boolean;

  constructor(code: ErrorCodeValue, message: string, details: MStockErrorDetails = {}) {
    super(message);
    this.name = 'MStockError';
    this.code = code;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.brokerCode !== undefined) this.brokerCode = details.brokerCode;
    if (details.notSent) this.notSent = true;
  }

  /** Node-RED puts `String(err)` into `msg.error.message`: keep it the plain sentence. */
  override toString(): string {
    return this.message;
  }
}

export function isMStockError(err: unknown): err is MStockError {
  return err instanceof MStockError;
}

const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret (of four characters or more) in `text`, also in the
 * escaped forms a server may echo it in: inside a JSON string, or URL-encoded.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    // longest first, so a form that contains another is replaced whole
    for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  }
  return out;
}
