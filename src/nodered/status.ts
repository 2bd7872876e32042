import type { NodeStatus } from 'node-red';
import { ErrorCode, ErrorCodeValue, isMStockError } from '../api/errors';
import { indiaClock } from '../session/india-time';
import type { SessionState } from '../session/session';

/** Short status words for each error code: a glance, the full sentence is in msg.error. */
const ERROR_TEXT: Record<ErrorCodeValue, string> = {
  [ErrorCode.NO_CREDENTIALS]: 'no credentials',
  [ErrorCode.INVALID_INPUT]: 'invalid input',
  [ErrorCode.NO_PENDING_LOGIN]: 'no login waiting',
  [ErrorCode.NOT_LOGGED_IN]: 'not logged in',
  [ErrorCode.SESSION_EXPIRED]: 'session expired',
  [ErrorCode.AUTH_FAILED]: 'login refused',
  [ErrorCode.OTP_REJECTED]: 'OTP rejected',
  [ErrorCode.API_KEY_INVALID]: 'API key refused',
  [ErrorCode.RATE_LIMITED]: 'rate limited',
  [ErrorCode.TIMEOUT]: 'timed out',
  [ErrorCode.NETWORK]: 'network error',
  [ErrorCode.BAD_RESPONSE]: 'bad response',
  [ErrorCode.SERVER_ERROR]: 'server error',
  [ErrorCode.ORDERS_DISABLED]: 'orders off',
  [ErrorCode.ORDER_REJECTED]: 'order rejected',
  [ErrorCode.ORDER_UNCERTAIN]: 'order outcome unknown',
};

export function errorStatus(err: unknown): NodeStatus {
  const text = isMStockError(err) ? ERROR_TEXT[err.code] : 'error';
  return { fill: 'red', shape: 'ring', text };
}

export function sessionStatus(state: SessionState, expiresAt?: number): NodeStatus {
  switch (state) {
    case 'live':
      return { fill: 'green', shape: 'dot', text: expiresAt ? `live until ${indiaClock(expiresAt)} IST` : 'live' };
    case 'otp-pending':
      return { fill: 'blue', shape: 'ring', text: 'waiting for OTP' };
    case 'expired':
      return { fill: 'red', shape: 'ring', text: 'session expired' };
    default:
      return { fill: 'grey', shape: 'ring', text: 'logged out' };
  }
}

export const busyStatus: NodeStatus = { fill: 'yellow', shape: 'ring', text: 'requesting…' };
