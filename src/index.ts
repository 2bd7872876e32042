export { MStockClient, DEFAULT_TIMEOUT_MS } from './api/client';
export type { ClientOptions, LoginResult, SessionTokens } from './api/client';
export { ErrorCode, MStockError, isMStockError } from './api/errors';
export type { ErrorCodeValue } from './api/errors';
export { parseFunds, toLowerCamel, parseFundValue } from './api/funds';
export type { FundSegment, FundValue, RawFundSegment } from './api/funds';
export { parseOtpCode } from './api/otp-code';
export { normaliseBaseUrl, isLoopbackHost, DEFAULT_BASE_URL } from './api/base-url';
