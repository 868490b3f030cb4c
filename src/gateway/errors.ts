// The gateway's error codes in plain language, and the one error type every gateway failure becomes.
// Imports nothing from 'vscode': the UI, the sandbox and plain-Node tests share these texts.
import type { GatewayCommand, GatewayErrorInfo, GatewayErrorKind } from './types';
import { redactText } from './redact';

/** One documented gateway code (see docs/PROTOCOL.md, "Error answers"). */
export interface GatewayCodeInfo {
  code: number;
  /** The gateway's own text, abridged as in the protocol doc. */
  text: string;
  /** `Status` when the gateway answers it as `Status: NNNN - text` rather than `Error: NNNN - text`. */
  form: 'Error' | 'Status';
  /** What happened, for a user who has never read the API doc. */
  explanation: string;
  /** What the user should try. */
  fix: string;
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
  explanation: string,
  fix: string,
  extra: Partial<Pick<GatewayCodeInfo, 'form' | 'retryable' | 'outcomeUnknown' | 'held'>> = {},
): GatewayCodeInfo {
  return { code, text, form: 'Error', explanation, fix, retryable: false, outcomeUnknown: false, held: false, ...extra };
}

/** Every documented code, 1001..1043, in order. */
export const GATEWAY_ERROR_CODES: readonly GatewayCodeInfo[] = Object.freeze([
  code(1001, 'No username given', 'The request reached the gateway without a user name.', 'Set the user name of the account and try again.'),
  code(1002, 'No password given', 'The request reached the gateway without a password.', 'Enter the password of the account again.'),
  code(1003, 'No destination number given', 'The message had no phone number to go to.', 'Add at least one destination number.'),
  code(1004, 'Unknown destination error', 'The gateway could not handle a destination number and did not say why.', 'Check the number (country code, digits only) and try again; contact Inviosmart support if it persists.'),
  code(1005, 'Invalid destination number', 'A destination number is not valid.', 'Write it with the country code, digits only, without + or 00 (for example 393391234567).'),
  code(1006, 'Alphanumeric sender longer than accepted', 'The sender name is too long.', 'Shorten the sender name to at most 11 characters.'),
  code(1007, 'Numeric sender longer than accepted', 'The sender number is longer than the gateway accepts.', 'Use a shorter sender number, or a sender name with letters (at most 11 characters).'),
  code(1008, 'No sender name or number given', 'The message had no sender.', 'Set a sender name (at most 11 characters, with letters).'),
  code(1009, 'Message contains an invalid character', 'The text contains a character the gateway cannot send.', 'Remove or replace special symbols (for example emoji) and send again.'),
  code(1010, 'Error sending SMS, gateway call error', 'The gateway failed while handing the message on to the network.', 'Check the message history before sending again, then try later; contact Inviosmart support if it keeps happening.'),
  code(1011, 'Greek numbers must have 12 digits / No SMS text given', 'Either the message text is empty, or a Greek destination number does not have 12 digits (the gateway uses this code for both).', 'Write a message text, and check that Greek numbers have 12 digits (30 followed by 10 digits).'),
  code(1012, 'Authentication failure: username and/or password mismatch', 'The gateway did not accept the user name and password.', 'Check the user name and password of the account (both are case-sensitive) and save them again.'),
  code(1013, 'No credits available for user', 'The account has no credit left.', 'Top up the account on the Inviosmart website, then send again.'),
  code(1014, 'Given user id mismatch', 'The gateway could not match these credentials to a user.', 'Check the user name of the account and enter the credentials again.'),
  code(1015, 'Unknown error with sender', 'The gateway refused the sender and did not say why.', 'Try another sender name; contact Inviosmart support if it persists.'),
  code(1016, 'Not enough alphanumeric characters in sender', 'The sender name needs letters, not only digits or symbols.', 'Use a sender name that contains letters.'),
  code(1017, 'Destination number(s) not supported', 'The gateway does not deliver to this country or network.', 'Check the country code; ask Inviosmart whether that destination is covered.'),
  code(1018, 'Not enough credits for that destination', 'The credit left does not cover this message at this destination\'s price.', 'Top up the account, or send to fewer numbers.'),
  code(1019, 'Error recording the transaction', 'The gateway failed to record the send.', 'Check the message history and the balance before trying again; contact Inviosmart support if it persists.'),
  code(1020, 'Error with the SMS charge on this destination', 'The gateway could not price the message for this destination.', 'Check the country code of the number; try later or contact Inviosmart support.'),
  code(1021, 'Invalid characters in sender', 'The sender name contains characters the gateway does not allow.', 'Use only plain letters and digits in the sender name (no accents or symbols).'),
  // Held, not failed: sending it again would pay twice once the first copy is confirmed on the website.
  code(1022, 'Awaiting cost confirmation, not sent yet', 'The gateway is holding the message until its cost is confirmed on the Inviosmart website; it has not been sent yet, and confirming it there sends it.', 'Do not send it again from here: confirm or cancel it on the Inviosmart website.', { form: 'Status', held: true }),
  code(1023, 'Not enough credits left for postage', 'The credit left does not cover the message; it has not been sent.', 'Top up the account and send again.', { form: 'Status' }),
  code(1024, 'Error validating SMS', 'The gateway rejected the message while validating it; it has not been sent.', 'Check the destination, sender and text, then send again.', { form: 'Status' }),
  code(1025, 'Error while checking the user\'s balance', 'The gateway could not check the account balance.', 'Try again in a few minutes; contact Inviosmart support if it persists.', { form: 'Status' }),
  // The batch was accepted and will go out, but no id came back: "failed" would invite a duplicate, so the
  // outcome is reported as unknown (not retryable) and the user is sent to the provider's log instead.
  code(1026, 'Batch queued, about to be transmitted', 'The gateway queued the message in a batch that is about to be transmitted, but gave no message ID, so its delivery cannot be tracked here.', 'Do not send it again; check the message log on the Inviosmart website.', { form: 'Status', outcomeUnknown: true }),
  code(1027, 'No SMS ID given', 'The status request had no message ID.', 'Pick a message that has an SMS ID from the gateway.'),
  code(1028, 'No valid parameters given', 'The gateway did not find the parameters it expects.', 'Check the gateway URL settings (base URL and send URL).'),
  code(1029, 'Message longer than 612 characters (4 SMS)', 'The text is longer than the gateway accepts.', 'Shorten the text to at most 612 characters (4 SMS).'),
  code(1031, 'Service temporarily unavailable, try again in a few minutes', 'The gateway is temporarily unavailable.', 'Wait a few minutes and try again.', { retryable: true }),
  code(1032, 'Error submitting SMS, try again later', 'The gateway could not take the message right now.', 'Try again later.', { retryable: true }),
  code(1033, 'Not enough balance for an HLR lookup', 'The credit left does not cover a number lookup (HLR).', 'Top up the account, then try the lookup again.'),
  code(1036, 'Sender name not allowed', 'The gateway does not allow this sender name for the account.', 'Use a sender name approved for the account, or ask Inviosmart to register it.'),
  code(1038, 'User is disabled', 'The account is disabled.', 'Contact Inviosmart support to have the account enabled again.'),
  code(1039, 'HLR: invalid number(s) provided', 'A number given for a lookup (HLR) is not valid.', 'Write each number with the country code, digits only, without + or 00.'),
  code(1040, 'No HLR ID given', 'The lookup (HLR) request had no lookup ID.', 'Give the ID the gateway returned for the lookup.'),
  code(1041, 'HLR query id not found', 'The gateway knows no lookup (HLR) with that ID for this account.', 'Check the lookup ID; it must come from this account.'),
  code(1042, 'API token not provided', 'The gateway expected an API token and got none.', 'This client signs in with user name and password; check the gateway URL settings (the endpoint set), or contact Inviosmart support.'),
  code(1043, 'Internal error', 'The gateway had an internal error.', 'Try again later; contact Inviosmart support if it persists.'),
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
    explanation: known
      ? `${known.explanation} ${known.fix}`
      : `The gateway answered with code ${code}, which its documentation does not list. Check the text it sent; contact Inviosmart support if it persists.`,
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
  const make = (kind: GatewayErrorKind, explanation: string, retryable: boolean, outcomeUnknown: boolean): GatewayError =>
    new GatewayError({ kind, command, gatewayText: described, explanation, retryable, outcomeUnknown }, secrets);

  if (context.aborted) {
    return make(
      'aborted',
      mayHaveSent
        ? 'The send was cancelled after the request went out: the SMS may or may not have been sent. Check its status or the Inviosmart log before sending again.'
        : 'The call was cancelled before the gateway answered.',
      false,
      mayHaveSent,
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return make(
      'timeout',
      mayHaveSent
        ? 'The gateway did not answer in time after the request went out: the SMS may or may not have been sent. Check its status or the Inviosmart log before sending again.'
        : 'The gateway did not answer in time. Try again; if it keeps happening, raise the time-out in the settings.',
      true,
      mayHaveSent,
    );
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return make('timeout', 'Could not connect to the gateway in time; nothing was sent. Check the network or proxy settings and try again.', true, false);
  }
  if (code && TLS_CODE.test(code)) {
    return make('network', 'The secure connection to the gateway (or proxy) failed its certificate check; nothing was sent. Check the base URL, the proxy and the http.proxyStrictSSL setting.', false, false);
  }
  if (code && CONNECT_CODES.has(code)) {
    return make(
      'network',
      code === 'ECONNREFUSED'
        ? 'The gateway refused the connection; nothing was sent. Check the base URL and the network, then try again.'
        : 'Could not reach the gateway; nothing was sent. Check the base URL, the network and the proxy settings.',
      !PERMANENT_CONNECT_CODES.has(code),
      false,
    );
  }
  if (code === 'UND_ERR_ABORTED' && /^Proxy response/.test(message)) {
    // undici reports a refused CONNECT through the proxy as an abort, but the caller did not cancel.
    return make('network', 'The proxy refused to open a connection to the gateway; nothing was sent. Check the proxy settings.', false, false);
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return make('malformed', 'The gateway sent a far longer answer than any it documents. Check the base URL.', false, isSend);
  }
  if (code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED') {
    return make(
      'aborted',
      mayHaveSent
        ? 'The client shut down (window reload or settings change) after the request went out: the SMS may or may not have been sent. Check before sending again.'
        : 'The client shut down (window reload or settings change) before the gateway answered.',
      false,
      mayHaveSent,
    );
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL') {
    return make('config', 'The gateway client could not make this request. Check the base URL and proxy settings.', false, false);
  }
  // Reset, closed by the other side, broken pipe, or anything unforeseen: the request may have gone out.
  return make(
    'network',
    mayHaveSent
      ? 'The connection broke after the request went out: the SMS may or may not have been sent. Check its status or the Inviosmart log before sending again.'
      : 'The connection to the gateway broke. Try again; check the network or proxy if it keeps happening.',
    true,
    mayHaveSent,
  );
}
