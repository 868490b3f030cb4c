// Pure parsers and formatters for the gateway's answers (docs/PROTOCOL.md).
// Each parser returns a typed result or throws a GatewayError that keeps the gateway's exact text.
import type {
  BalanceReport,
  DecodedStatus,
  GatewayCommand,
  SendItemResult,
  SendResult,
  StatusClass,
  StatusReport,
} from './types';
import { GatewayError, gatewayCodeError } from './errors';
import { parseGatewayTime } from './time';
import { coreMessage, wordMessage, type CoreMessage, type PlainMessageId } from './messages';

/** Longest gateway text kept in an error; a longer body (an HTML page) is cut with `…`. */
export const MAX_GATEWAY_TEXT = 1000;

// ---------------------------------------------------------------------------------------------
// Status numbers

interface StatusEntry {
  code: number;
  label: string;
  statusClass: StatusClass;
  final: boolean;
}

/** The documented status numbers (field 5 of a status answer). */
export const STATUS_NUMBERS: readonly StatusEntry[] = Object.freeze([
  { code: 1, label: 'Queued', statusClass: 'queued', final: false },
  { code: 2, label: 'Queued on SMSC', statusClass: 'queued', final: false },
  { code: 4, label: 'Waiting validation', statusClass: 'queued', final: false },
  { code: 8, label: 'Unknown subscriber', statusClass: 'failed', final: true },
  { code: 16, label: 'Temporarily unavailable', statusClass: 'pending', final: false },
  { code: 32, label: 'Pending', statusClass: 'pending', final: false },
  { code: 64, label: 'Undelivered', statusClass: 'failed', final: true },
  { code: 128, label: 'Expired', statusClass: 'failed', final: true },
  { code: 256, label: 'Not delivered to SMSC', statusClass: 'failed', final: true },
  { code: 512, label: 'Error', statusClass: 'failed', final: true },
  { code: 1024, label: 'Unknown error', statusClass: 'failed', final: true },
  { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
  { code: 16384, label: 'HLR sent', statusClass: 'lookup', final: false },
  { code: 32768, label: 'HLR completed', statusClass: 'lookup', final: true },
]);

const statusByCode = new Map(STATUS_NUMBERS.map((s) => [s.code, s]));

/** Decodes a status number; an undocumented one is kept as `unknown status N` and never treated as final. */
export function decodeStatus(code: number): DecodedStatus {
  const known = statusByCode.get(code);
  if (known) return { ...known };
  return { code, label: `unknown status ${code}`, statusClass: 'unknown', final: false };
}

// ---------------------------------------------------------------------------------------------
// Shared answer checks

function clip(text: string): string {
  return text.length > MAX_GATEWAY_TEXT ? `${text.slice(0, MAX_GATEWAY_TEXT)}…` : text;
}

/** A malformed answer; for a send it may hide a message that went out, so the outcome is unknown. */
export function malformedError(command: GatewayCommand, gatewayText: string, why: CoreMessage): GatewayError {
  const isSend = command === 'send';
  return new GatewayError({
    kind: 'malformed',
    command,
    gatewayText,
    explanation: isSend ? `${wordMessage(why)} ${wordMessage(coreMessage('maybeSentCheckLog'))}` : wordMessage(why),
    retryable: false,
    outcomeUnknown: isSend,
  });
}

function unnumberedError(command: GatewayCommand, text: string): GatewayError {
  // The provider's un-numbered texts (`System error. Please retry...`) say themselves when a retry helps.
  const retryable = /\b(retry|try again|temporar)/i.test(text);
  return new GatewayError({
    kind: 'unnumbered',
    command,
    gatewayText: clip(text),
    explanation: wordMessage(coreMessage(retryable ? 'unnumberedTemporary' : 'unnumberedRefused')),
    retryable,
    outcomeUnknown: false,
  });
}

/** The error for a non-200 HTTP answer; its body is kept (cut when long). */
export function httpError(command: GatewayCommand, status: number, body: string, location?: string): GatewayError {
  const text = body.trim();
  const where = location ? ` (redirect to ${location})` : '';
  const gatewayText = `HTTP ${status}${where}${text ? `: ${clip(text)}` : ' with an empty body'}`;
  const serverSide = status >= 500;
  const retryable = serverSide || status === 408 || status === 429;
  let why: PlainMessageId;
  if (status >= 300 && status < 400) why = 'httpRedirect';
  else if (status === 407) why = 'httpProxyAuth';
  else if (status === 414) why = command === 'send' ? 'httpTooManyNumbers' : 'httpRequestTooLong';
  else if (status === 404 || status === 405) why = 'httpNotRecognised';
  else if (retryable) why = 'httpTrouble';
  else why = 'httpError';
  let explanation = wordMessage(coreMessage(why));
  // A 5xx may come from a proxy after the gateway already took the message.
  const outcomeUnknown = command === 'send' && serverSide;
  if (outcomeUnknown) explanation += ` ${wordMessage(coreMessage('maybeSent'))}`;
  return new GatewayError({ kind: 'http', command, code: status, gatewayText, explanation, retryable, outcomeUnknown });
}

/**
 * Checks what every answer must be (non-empty, not HTML, readable); returns the trimmed text.
 * `oneLine` is false only for help, whose usage text spans lines.
 */
function checkBody(body: string, command: GatewayCommand, oneLine: boolean): string {
  const text = body.trim();
  if (text === '') {
    return fail(malformedError(command, '(empty answer: the gateway sent no text)', coreMessage('answerEmpty')));
  }
  if (text.startsWith('<') || /<html[\s>]/i.test(text) || /<!doctype/i.test(text)) {
    return fail(malformedError(command, `HTML page instead of a gateway answer: ${clip(text)}`, coreMessage('answerHtml')));
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text)) {
    return fail(malformedError(command, clip(text), coreMessage('answerUnreadableCharacters')));
  }
  if (oneLine && /[\r\n]/.test(text)) {
    return fail(malformedError(command, clip(text), coreMessage('answerSeveralLines')));
  }
  return text;
}

function fail(e: GatewayError): never {
  throw e;
}

const ERROR_LINE = /^Error\s*:\s*(\d{1,6})\s*(?:-\s*([\s\S]*))?$/i;
const STATUS_LINE = /^Status\s*:\s*(\d{1,6})\s*(?:-\s*([\s\S]*))?$/i;

/** A numbered answer (`Error: NNNN - text`, or `Status: NNNN - text` other than 1000) as an error; else undefined. */
export function parseErrorLine(line: string, command: GatewayCommand): GatewayError | undefined {
  const text = line.trim();
  const err = ERROR_LINE.exec(text);
  if (err) return gatewayCodeError(command, Number(err[1]), clip(text));
  const st = STATUS_LINE.exec(text);
  if (st && Number(st[1]) !== 1000) return gatewayCodeError(command, Number(st[1]), clip(text));
  return undefined;
}

// Status 1000 is success, but only balance documents it; anywhere else it is an answer we cannot read.
function isStatus1000(text: string): boolean {
  return /^Status\s*:\s*1000\b/i.test(text);
}

// ---------------------------------------------------------------------------------------------
// Help

/** The gateway's usage text (multi-line allowed); errors and non-text answers throw. */
export function parseHelp(body: string): string {
  const text = checkBody(body, 'help', false);
  // An error answer is one numbered line; the whole text is kept in case more followed it.
  const err = parseErrorLine(text.split(/\r?\n/, 1)[0] ?? '', 'help');
  if (err?.code !== undefined) throw gatewayCodeError('help', err.code, clip(text));
  return text;
}

// ---------------------------------------------------------------------------------------------
// Send

const OK_ID = /^OK\s*ID\s*:\s*(\d{1,16})$/;

function parseSendSegment(segment: string, destination: string): SendItemResult {
  const raw = segment.trim();
  const ok = OK_ID.exec(raw);
  if (ok) {
    const smsId = Number(ok[1]);
    if (smsId > 0 && Number.isSafeInteger(smsId)) return { destination, ok: true, smsId, raw };
  }
  const error = segmentError(raw);
  return { destination, ok: false, error: error.toInfo(), raw };
}

function segmentError(raw: string): GatewayError {
  if (raw === '') return malformedError('send', '(empty part of a multi-destination answer)', coreMessage('answerPartMissing'));
  if (/^OK\b/i.test(raw) || isStatus1000(raw)) {
    return malformedError('send', clip(raw), coreMessage('answerIncompleteSuccess'));
  }
  return parseErrorLine(raw, 'send') ?? unnumberedError('send', raw);
}

/**
 * Matches a send answer to the destinations, in order. Per-destination answers (`OK ID:a|Error: 1005 - ...`)
 * give per-item results; one error for the whole request (always so with a single destination) throws.
 */
export function parseSendAnswer(body: string, destinations: readonly string[]): SendResult {
  const text = checkBody(body, 'send', true);
  const segments = text.split('|');
  if (segments.length === 1) {
    const only = parseSendSegment(text, destinations[0] ?? '');
    if (!only.ok) throw segmentError(text);
    if (destinations.length !== 1) {
      throw malformedError('send', clip(text), coreMessage('answerOneIdForMany', destinations.length));
    }
    return { items: [only], raw: body };
  }
  if (segments.length !== destinations.length) {
    throw malformedError('send', clip(text), coreMessage('answerCountMismatch', segments.length, destinations.length));
  }
  return { items: segments.map((s, i) => parseSendSegment(s, destinations[i] as string)), raw: body };
}

// ---------------------------------------------------------------------------------------------
// Status

/** The seven fields of a status answer, as the gateway writes them. */
export interface StatusLineFields {
  smsId: number;
  submittedOn: string;
  destination: string;
  deliveredOn: string;
  status: number;
  quantity: number;
  /** Written as given when a string (e.g. `0.057`), else with String(). */
  charge: number | string;
}

/** Writes `<SMSId>:<SubmittedOn>:<Destination>:<DeliveredOn>:<Status>:<Quantity>:<Charge>`. */
export function formatStatusLine(f: StatusLineFields): string {
  return [f.smsId, f.submittedOn, f.destination, f.deliveredOn, f.status, f.quantity, f.charge].join(':');
}

const INT = /^\d{1,15}$/;
const DECIMAL = /^\d{1,12}(?:\.\d{1,12})?$/;

/** Parses the 7-field status line; `expectedSmsId`, when given, must match field 1. Times are read in `timeZone`. */
export function parseStatusAnswer(body: string, expectedSmsId?: number, timeZone = 'UTC'): StatusReport {
  const text = checkBody(body, 'status', true);
  if (!/^\d+:/.test(text)) {
    if (isStatus1000(text)) throw malformedError('status', clip(text), coreMessage('answerStatusCode'));
    throw parseErrorLine(text, 'status') ?? unnumberedError('status', text);
  }
  const fields = text.split(':');
  if (fields.length !== 7) {
    throw malformedError('status', clip(text), coreMessage('answerStatusFields', fields.length));
  }
  // The destination is kept as sent; the other fields are numbers, so stray spaces around them are harmless.
  const [id, submitted, destination, delivered, status, quantity, charge] = fields.map((f, i) => (i === 2 ? f : f.trim())) as [
    string, string, string, string, string, string, string,
  ];
  const bad = (why: PlainMessageId): never => fail(malformedError('status', clip(text), coreMessage(why)));
  if (!INT.test(id)) bad('answerStatusUnreadableId');
  if (!/^\d*$/.test(submitted)) bad('answerStatusUnreadableSubmitted');
  if (!/^\d*$/.test(delivered)) bad('answerStatusUnreadableChanged');
  if (!INT.test(status)) bad('answerStatusUnreadableStatus');
  if (!INT.test(quantity)) bad('answerStatusUnreadableCount');
  if (!DECIMAL.test(charge)) bad('answerStatusUnreadableCharge');
  const smsId = Number(id);
  if (expectedSmsId !== undefined && smsId !== expectedSmsId) {
    throw malformedError('status', clip(text), coreMessage('answerOtherSms', smsId, expectedSmsId));
  }
  return {
    smsId,
    submittedOn: parseGatewayTime(submitted, timeZone),
    destination,
    deliveredOn: parseGatewayTime(delivered, timeZone),
    status: decodeStatus(Number(status)),
    quantity: Number(quantity),
    charge: Number(charge),
    raw: body,
  };
}

// ---------------------------------------------------------------------------------------------
// Balance

const BALANCE_OK = /^Status\s*:\s*1000\s*-\s*Balance\s*:\s*(-?\d{1,12}(?:\.\d{1,12})?)\s*\|\s*SmsRemainCount\s*:\s*(-?\d{1,12})((?:\s*\|\s*[A-Za-z][A-Za-z0-9_]*\s*:\s*[^|]*)*)$/i;
const EXTRA_FIELD = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$/;

/**
 * Parses `Status: 1000 - Balance:112.24|SmsRemainCount:2877`, and the newer form with more `|Name:value`
 * fields after it (`|LCSmsRemainCount:N`, the low-cost route); unknown extra fields are ignored.
 * -9999 ("not asked") gives no count.
 */
export function parseBalanceAnswer(body: string, countryprefix?: string): BalanceReport {
  const text = checkBody(body, 'balance', true);
  const m = BALANCE_OK.exec(text);
  if (!m) {
    if (isStatus1000(text) || /^Balance\b/i.test(text)) {
      throw malformedError('balance', clip(text), coreMessage('answerBalanceIncomplete'));
    }
    throw parseErrorLine(text, 'balance') ?? unnumberedError('balance', text);
  }
  const count = Number(m[2]);
  const report: BalanceReport = { balance: Number(m[1]), raw: body };
  // -9999 means "not asked"; no other negative count has a meaning either.
  if (count >= 0) report.smsRemainCount = count;
  for (const field of (m[3] ?? '').split('|').slice(1)) {
    const f = EXTRA_FIELD.exec(field);
    if (f?.[1]?.toLowerCase() !== 'lcsmsremaincount') continue;
    if (!/^-?\d{1,12}$/.test(f[2] ?? '')) {
      throw malformedError('balance', clip(text), coreMessage('answerBalanceLowCost'));
    }
    if (Number(f[2]) >= 0) report.lcSmsRemainCount = Number(f[2]);
  }
  if (countryprefix !== undefined) report.countryprefix = countryprefix;
  return report;
}
