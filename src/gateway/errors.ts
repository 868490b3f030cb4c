// The gateway's error codes in plain language, and the one error type every gateway failure becomes.
// Imports nothing from 'vscode': the UI, the sandbox and plain-Node tests share these texts.
import type { GatewayCommand, GatewayErrorInfo, GatewayErrorKind } from './types';
import { redactText } from './redact';
import { coreMessage, wordMessage, type PlainMessageId } from './messages';

/** One documented gateway code (see docs/PROTOCOL.md, "Error answers"). */
export interface GatewayCodeInfo {
  code: number;
  /** The gateway's own text, abridged as in the protocol doc. */
  text: string;
  /** `Status` when the gateway answers it as `Status: NNNN - text` rather than `Error: NNNN - text`. */
  form: 'Error' | 'Status';
  /** What happened and what to try, for a user who has never read the API doc (English; the catalogue words it). */
  explanation: string;
  /** Safe to try again automatically (1031 and 1032 say so; auth, validation and credit errors are final). */
  retryable: boolean;
  /** For a send: the gateway took the message but gave no id, so it may go out; never re-send automatically. */
  outcomeUnknown: boolean;
  /** For a send: the gateway holds the message (1022): not sent, not failed; a plain retry would send a copy. */
  held: boolean;
}

function code(
  code: number,
  text: string,
  extra: Partial<Pick<GatewayCodeInfo, 'form' | 'retryable' | 'outcomeUnknown' | 'held'>> = {},
): GatewayCodeInfo {
  const explanation = wordMessage(coreMessage('gatewayCode', code));
  return { code, text, form: 'Error', explanation, retryable: false, outcomeUnknown: false, held: false, ...extra };
}

/** Every documented code, 1001..1043, in order. */
export const GATEWAY_ERROR_CODES: readonly GatewayCodeInfo[] = Object.freeze([
  code(1001, 'No username given'),
  code(1002, 'No password given'),
  code(1003, 'No destination number given'),
  code(1004, 'Unknown destination error'),
  code(1005, 'Invalid destination number'),
  code(1006, 'Alphanumeric sender longer than accepted'),
  code(1007, 'Numeric sender longer than accepted'),
  code(1008, 'No sender name or number given'),
  code(1009, 'Message contains an invalid character'),
  code(1010, 'Error sending SMS, gateway call error'),
  code(1011, 'Greek numbers must have 12 digits / No SMS text given'),
  code(1012, 'Authentication failure: username and/or password mismatch'),
  code(1013, 'No credits available for user'),
  code(1014, 'Given user id mismatch'),
  code(1015, 'Unknown error with sender'),
  code(1016, 'Not enough alphanumeric characters in sender'),
  code(1017, 'Destination number(s) not supported'),
  code(1018, 'Not enough credits for that destination'),
  code(1019, 'Error recording the transaction'),
  code(1020, 'Error with the SMS charge on this destination'),
  code(1021, 'Invalid characters in sender'),
  // Held, not failed: sending it again would pay twice once the first copy is confirmed on the website.
  code(1022, 'Awaiting cost confirmation, not sent yet', { form: 'Status', held: true }),
  code(1023, 'Not enough credits left for postage', { form: 'Status' }),
  code(1024, 'Error validating SMS', { form: 'Status' }),
  code(1025, 'Error while checking the user\'s balance', { form: 'Status' }),
  // The batch was accepted and will go out, but no id came back: "failed" would invite a duplicate, so the
  // outcome is reported as unknown (not retryable) and the user is sent to the provider's log instead.
  code(1026, 'Batch queued, about to be transmitted', { form: 'Status', outcomeUnknown: true }),
  code(1027, 'No SMS ID given'),
  code(1028, 'No valid parameters given'),
  code(1029, 'Message longer than 612 characters (4 SMS)'),
  code(1031, 'Service temporarily unavailable, try again in a few minutes', { retryable: true }),
  code(1032, 'Error submitting SMS, try again later', { retryable: true }),
  code(1033, 'Not enough balance for an HLR lookup'),
  code(1036, 'Sender name not allowed'),
  code(1038, 'User is disabled'),
  code(1039, 'HLR: invalid number(s) provided'),
  code(1040, 'No HLR ID given'),
  code(1041, 'HLR query id not found'),
  code(1042, 'API token not provided'),
  code(1043, 'Internal error'),
]);

const byCode = new Map(GATEWAY_ERROR_CODES.map((c) => [c.code, c]));

/** The documented meaning of a gateway code, or undefined for a code the doc does not list. */
export function describeGatewayCode(code: number): GatewayCodeInfo | undefined {
  return byCode.get(code);
}

/** One error type for every way a gateway call can fail. Its texts are always redacted. */
export class GatewayError extends Error implements GatewayErrorInfo {
  readonly kind: GatewayErrorKind;
  readonly command: GatewayCommand;
  readonly code?: number;
  readonly gatewayText: string;
  readonly explanation: string;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;
  readonly held: boolean;

  /** `secrets` (e.g. the password) are removed from every text, on top of `password=` in URLs. */
  constructor(info: GatewayErrorInfo, secrets?: readonly string[]) {
    const gatewayText = redactText(info.gatewayText, secrets) || '(no text)';
    super(`${info.command} failed: ${gatewayText}`);
    this.name = 'GatewayError';
    this.kind = info.kind;
    this.command = info.command;
    if (info.code !== undefined) this.code = info.code;
    this.gatewayText = gatewayText;
    this.explanation = redactText(info.explanation, secrets);
    // A send whose outcome is unknown must never be retried blindly, whatever the cause.
    this.retryable = info.retryable && !info.outcomeUnknown;
    this.outcomeUnknown = info.outcomeUnknown;
    this.held = info.held === true;
  }

  /** Plain data, e.g. for a per-destination result or the history store. */
  toInfo(): GatewayErrorInfo {
    const info: GatewayErrorInfo = {
      kind: this.kind,
      command: this.command,
      gatewayText: this.gatewayText,
      explanation: this.explanation,
      retryable: this.retryable,
      outcomeUnknown: this.outcomeUnknown,
    };
    if (this.code !== undefined) info.code = this.code;
    if (this.held) info.held = true;
    return info;
  }

  /** A copy with `secrets` removed from its texts (the same instance when none are given). */
  redacted(secrets?: readonly string[]): GatewayError {
    return secrets && secrets.length > 0 ? new GatewayError(this.toInfo(), secrets) : this;
  }
}

/** The error for a numbered gateway answer (`Error: NNNN - text` or `Status: NNNN - text`). */
export function gatewayCodeError(command: GatewayCommand, code: number, gatewayText: string): GatewayError {
  const known = describeGatewayCode(code);
  return new GatewayError({
    kind: 'gateway',
    command,
    code,
    gatewayText,
    explanation: wordMessage(coreMessage('gatewayCode', code)),
    retryable: known?.retryable ?? false,
    outcomeUnknown: command === 'send' && (known?.outcomeUnknown ?? false),
    held: command === 'send' && (known?.held ?? false),
  });
}

/**
 * True when an address did not answer like the gateway at all: a 404, or an HTML page. Sign In uses
 * it for the webservice status/balance twins (docs/PROTOCOL.md, "Endpoints": not verified on
 * www.inviosmart.it).
 */
export function isMissingTwin(e: unknown): e is GatewayError {
  if (!(e instanceof GatewayError)) return false;
  return (e.kind === 'http' && e.code === 404) || (e.kind === 'malformed' && /^HTML page/.test(e.gatewayText));
}

/** What the caller knows about the attempt when something was thrown. */
export interface FailureContext {
  /** Removed from every text (the password). */
  secrets?: readonly string[];
  /** The request had been handed to the HTTP layer, so it may have reached the gateway. */
  dispatched?: boolean;
  /** The caller's AbortSignal fired. */
  aborted?: boolean;
}

// Failures that happen before a single byte of the request can reach the gateway.
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT',
]);
// Connect failures that a retry will not fix.
const PERMANENT_CONNECT_CODES = new Set(['ENOTFOUND', 'EAI_FAIL', 'EAI_NODATA']);
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|UND_ERR_PRX_TLS)/;

function errorCode(e: unknown): string | undefined {
  // Node and undici put the code on the error, its cause, or (happy eyeballs) on each attempt.
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string' && c !== '') return c;
    const inner = (cur as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const nested = errorCode(inner[0]);
      if (nested) return nested;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/**
 * Turns anything thrown during a call into a GatewayError. A GatewayError passes through (redacted);
 * transport errors are classed by their code: a failure at connect sent nothing, anything later may
 * have reached the gateway, which for a send means the outcome is unknown.
 */
export function toGatewayError(e: unknown, command: GatewayCommand, context: FailureContext = {}): GatewayError {
  const { secrets } = context;
  if (e instanceof GatewayError) return e.redacted(secrets);
  const isSend = command === 'send';
  const mayHaveSent = isSend && context.dispatched === true;
  const code = errorCode(e);
  const message = errorText(e);
  const described = code && !message.includes(code) ? `${message} (${code})` : message;
  const make = (kind: GatewayErrorKind, sentence: PlainMessageId, retryable: boolean, outcomeUnknown: boolean): GatewayError => {
    const explanation = wordMessage(coreMessage(sentence));
    return new GatewayError({ kind, command, gatewayText: described, explanation, retryable, outcomeUnknown }, secrets);
  };

  if (context.aborted) {
    return make(
      'aborted',
      mayHaveSent
        ? 'callCancelledAfterSend'
        : 'callCancelled',
      false,
      mayHaveSent,
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return make(
      'timeout',
      mayHaveSent
        ? 'callTimeoutAfterSend'
        : 'callTimeout',
      true,
      mayHaveSent,
    );
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return make('timeout', 'connectTimeout', true, false);
  }
  if (code && TLS_CODE.test(code)) {
    return make('network', 'certificateFailed', false, false);
  }
  if (code && CONNECT_CODES.has(code)) {
    return make(
      'network',
      code === 'ECONNREFUSED'
        ? 'connectionRefused'
        : 'gatewayUnreachable',
      !PERMANENT_CONNECT_CODES.has(code),
      false,
    );
  }
  if (code === 'UND_ERR_ABORTED' && /^Proxy response/.test(message)) {
    // undici reports a refused CONNECT through the proxy as an abort, but the caller did not cancel.
    return make('network', 'proxyRefused', false, false);
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return make('malformed', 'answerTooLong', false, isSend);
  }
  if (code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED') {
    return make(
      'aborted',
      mayHaveSent
        ? 'clientClosedAfterSend'
        : 'clientClosed',
      false,
      mayHaveSent,
    );
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL') {
    return make('config', 'requestUnbuildable', false, false);
  }
  // Reset, closed by the other side, broken pipe, or anything unforeseen: the request may have gone out.
  return make(
    'network',
    mayHaveSent
      ? 'connectionBrokeAfterSend'
      : 'connectionBroke',
    true,
    mayHaveSent,
  );
}
