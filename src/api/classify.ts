import { EndpointName, ENDPOINTS, EndpointSpec, FailureKind } from './endpoints';
import { ErrorCode, ErrorCodeValue, MStockError } from './errors';

/** The body every Type B answer has. */
export interface Envelope {
  status: unknown;
  message?: unknown;
  errorcode?: unknown;
  error_type?: unknown;
  data?: unknown;
}

/** Success as every documented variant spells it: true, "true" in any case, "success". */
export function isSuccessStatus(status: unknown): boolean {
  if (status === true) return true;
  if (typeof status !== 'string') return false;
  const word = status.trim().toLowerCase();
  return word === 'true' || word === 'success';
}

function brokerText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function describeBody(body: string, contentType: string): string {
  if (body.trim() === '') return 'an empty body';
  if (/html/i.test(contentType) || /^\s*</.test(body)) return 'an HTML page';
  return 'a body that is not valid JSON';
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

const API_KEY_TROUBLE = /api is (suspended|expired)|suspended\/expired|invalid api key|api key/i;
const CREDENTIAL_TROUBLE = /username or password|clientcode and password|client code|password/i;
const OTP_TROUBLE = /otp|totp/i;

function failureCode(kind: FailureKind, httpStatus: number, brokerCode: string, message: string): ErrorCodeValue {
  if (httpStatus === 429 || brokerCode === '429') return ErrorCode.RATE_LIMITED;
  if (httpStatus === 401 || brokerCode === 'IA401') return ErrorCode.SESSION_EXPIRED;
  if (httpStatus === 403 || brokerCode === 'IA403' || API_KEY_TROUBLE.test(message)) return ErrorCode.API_KEY_INVALID;
  // an order call answered with the broker's words: refused, unless the server failed while handling it
  if (kind === 'order') return httpStatus >= 500 ? ErrorCode.ORDER_UNCERTAIN : ErrorCode.ORDER_REJECTED;
  // a path the API does not know is a wrong API URL, not a wrong password or code
  if (httpStatus === 404 || brokerCode === 'IA404') return ErrorCode.SERVER_ERROR;
  const serverSide = httpStatus >= 500;
  switch (kind) {
    case 'login':
      return !serverSide || CREDENTIAL_TROUBLE.test(message) ? ErrorCode.AUTH_FAILED : ErrorCode.SERVER_ERROR;
    case 'otp':
      return !serverSide || OTP_TROUBLE.test(message) ? ErrorCode.OTP_REJECTED : ErrorCode.SERVER_ERROR;
    default:
      return ErrorCode.SERVER_ERROR;
  }
}

const ADVICE: Partial<Record<ErrorCodeValue, string>> = {
  [ErrorCode.SESSION_EXPIRED]: 'Log in again and enter a new OTP.',
  [ErrorCode.API_KEY_INVALID]: 'Check the API key on the mStock account node and your API subscription.',
  [ErrorCode.RATE_LIMITED]: 'Send requests less often and try again in a moment.',
  // mStock says "expired" for a mistyped OTP too, so a retry comes before a new login
  [ErrorCode.OTP_REJECTED]: 'Check the code and send it again: the login is still waiting. If it keeps failing, log in again for a new OTP.',
};

const MAX_PROBLEM_DETAILS = 5;

/**
 * The end of the sentence of an order call whose outcome is unknown: "…, so the order may have
 * reached mStock: check the order book before sending it again."
 */
export function mayHaveReached(what: string): string {
  return `, so ${what} may have reached mStock: check the order book before sending it again.`;
}

/** "The order was not sent to mStock.": for an order call that failed before any of it was written. */
export function notSentText(what: string): string {
  return `${what.charAt(0).toUpperCase()}${what.slice(1)} was not sent to mStock.`;
}

type ClassifiedSpec = Pick<EndpointSpec, 'what' | 'failure' | 'answer' | 'notDone'>;

/** What did not happen when an order call was refused: the row's sentence, or one made from `what`. */
export function notDoneText(spec: Pick<EndpointSpec, 'what' | 'notDone'>): string {
  return spec.notDone ?? `${spec.what.charAt(0).toUpperCase()}${spec.what.slice(1)} was not carried out.`;
}

/**
 * The words of an ASP.NET ProblemDetails body (the broker's answer to a request its model binding
 * refused, FACTS-TRADING §2.12): the title and each field's complaint.
 */
function problemDetails(parsed: unknown): string | undefined {
  const body = parsed as { title?: unknown; status?: unknown; errors?: unknown } | null;
  if (typeof body !== 'object' || body === null || typeof body.title !== 'string' || typeof body.status !== 'number') return undefined;
  const complaints: string[] = [];
  if (typeof body.errors === 'object' && body.errors !== null) {
    for (const [field, list] of Object.entries(body.errors as Record<string, unknown>)) {
      const texts = (Array.isArray(list) ? list : [list]).filter((t): t is string => typeof t === 'string');
      if (texts.length > 0) complaints.push(`${field}: ${texts.join(' ')}`);
      if (complaints.length === MAX_PROBLEM_DETAILS) break;
    }
  }
  const title = body.title.trim().replace(/[.!?]$/, '');
  return complaints.length > 0 ? `${title}: ${complaints.join('; ')}` : title;
}

/**
 * The body of a successful answer of a `bare` row: a JSON array (unless it is the one-envelope list
 * some answers come as) or text that is neither JSON nor an HTML page (CSV). Undefined when the
 * body is to be read as an envelope: an object, an HTML page, an empty body.
 */
function bareAnswer(parsed: unknown, body: string, contentType: string): unknown {
  if (Array.isArray(parsed)) {
    const [only] = parsed as unknown[];
    const oneEnvelope = parsed.length === 1 && typeof only === 'object' && only !== null && 'status' in only;
    return oneEnvelope ? undefined : parsed;
  }
  const htmlOrEmpty = body.trim() === '' || /html/i.test(contentType) || /^\s*</.test(body);
  return parsed === undefined && !htmlOrEmpty ? body : undefined;
}

export interface ClassifyOptions {
  /**
   * For a `bare` row: a successful JSON array answered as its text, unparsed, when it cannot be
   * the one-envelope list (see isBareArrayText). The instrument master reads that text itself, in
   * less time than JSON.parse takes to build its 100,000 objects.
   */
  bareText?: boolean;
}

/**
 * Whether a body is a JSON array that cannot be the one-envelope list: it opens with `[` and
 * nowhere holds `"status"`, nor a `\u` escape that could spell that key. Two scans of the text,
 * no parse; any other array is parsed as before.
 */
function isBareArrayText(body: string): boolean {
  let i = 0;
  while (i < body.length && (body[i] === ' ' || body[i] === '\n' || body[i] === '\r' || body[i] === '\t')) i++;
  return body[i] === '[' && !body.includes('"status"') && !body.includes('\\u');
}

/**
 * Turns one HTTP answer into its JSON envelope, or throws the MStockError it stands for. Success
 * and failure are read from the body first (the broker answers many failures with HTTP 200), then
 * from the HTTP status. A `bare` row's successful body (see bareAnswer) is answered as the `data`
 * of a success envelope made here: parsed, or with `bareText` its JSON text where it can be.
 */
export function classifyResponse(
  endpoint: EndpointName | ClassifiedSpec,
  httpStatus: number,
  body: string,
  contentType = '',
  options: ClassifyOptions = {},
): Envelope {
  const spec: ClassifiedSpec = typeof endpoint === 'string' ? ENDPOINTS[endpoint] : endpoint;
  const { what, failure } = spec;
  const success = httpStatus >= 200 && httpStatus < 300;
  if (spec.answer === 'bare' && options.bareText && success && isBareArrayText(body)) return { status: true, message: '', errorcode: '', data: body };
  const order = failure === 'order';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (spec.answer === 'bare' && success) {
    const bare = bareAnswer(parsed, body, contentType);
    if (bare !== undefined) return { status: true, message: '', errorcode: '', data: bare };
  }
  // [PROD] some answers come as a list holding the one envelope
  if (Array.isArray(parsed) && parsed.length === 1) parsed = parsed[0];
  // refused order calls say what did not happen; an order call's outcome is never left unsaid
  const notDone = order ? ` ${notDoneText(spec)}` : '';
  const problem = problemDetails(parsed);
  if (problem) {
    const code = failureCode(failure, httpStatus, '', problem);
    if (code === ErrorCode.ORDER_UNCERTAIN) {
      throw new MStockError(code, `mStock answered ${what} with HTTP ${httpStatus}: "${problem}"${mayHaveReached(what)}`, { httpStatus });
    }
    const after = code === ErrorCode.ORDER_REJECTED ? '' : notDone;
    throw new MStockError(code, `mStock refused ${what} (HTTP ${httpStatus}): ${sentence(problem)}${after}`, { httpStatus });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('status' in parsed)) {
    if (httpStatus === 429) {
      throw new MStockError(ErrorCode.RATE_LIMITED, `mStock refused ${what}: too many requests (HTTP 429).${notDone} ${ADVICE[ErrorCode.RATE_LIMITED]}`, { httpStatus });
    }
    if (httpStatus === 401) {
      throw new MStockError(ErrorCode.SESSION_EXPIRED, `mStock no longer accepts the session (HTTP 401).${notDone} ${ADVICE[ErrorCode.SESSION_EXPIRED]}`, { httpStatus });
    }
    const got = parsed === undefined ? describeBody(body, contentType) : 'JSON without the documented "status" field';
    const answered = `mStock answered ${what} with HTTP ${httpStatus} and ${got}, not the JSON the API documents`;
    // a client error was not acted on; anything else may have been, with the answer lost on the way
    if (order && !(httpStatus >= 400 && httpStatus < 500)) {
      throw new MStockError(ErrorCode.ORDER_UNCERTAIN, `${answered}${mayHaveReached(what)}`, { httpStatus });
    }
    throw new MStockError(
      ErrorCode.BAD_RESPONSE,
      `${answered}.${notDone} ` + 'The service may be down or in maintenance (07:00–08:30 and 19:00–21:00 India time); try again later.',
      { httpStatus },
    );
  }
  const envelope = parsed as Envelope;
  if (isSuccessStatus(envelope.status) && httpStatus >= 200 && httpStatus < 300) return envelope;

  const brokerCode = brokerText(envelope.errorcode) || brokerText(envelope.error_type);
  const brokerMessage = brokerText(envelope.message);
  const code = failureCode(failure, httpStatus, brokerCode, brokerMessage);
  const words = sentence(brokerMessage || `no reason given (HTTP ${httpStatus})`);
  const tag = brokerCode ? ` (${brokerCode})` : '';
  const advice = ADVICE[code] ? ` ${ADVICE[code]}` : '';
  const details = brokerCode ? { httpStatus, brokerCode } : { httpStatus };
  if (code === ErrorCode.ORDER_UNCERTAIN) {
    const said = brokerMessage ? `: "${brokerMessage.replace(/[.!?]$/, '')}"` : '';
    throw new MStockError(code, `mStock answered ${what} with HTTP ${httpStatus}${tag}${said}${mayHaveReached(what)}`, details);
  }
  const after = code === ErrorCode.ORDER_REJECTED ? '' : notDone;
  throw new MStockError(code, `mStock refused ${what}${tag}: ${words}${after}${advice}`, details);
}
