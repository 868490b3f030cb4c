// How a gateway request looks on the wire (the percent-encoded query or form, in the endpoint's
// character set) and how an answer's bytes are read back into text. Plain TypeScript.
import type { GatewayCommand } from './types';
import { GatewayError } from './errors';
import { coreMessage, wordMessage, type CoreMessage } from './messages';
import { percentEncode, unrepresentableChars, type SendCharset, type SendMethod } from './endpoints';

// Every documented answer is one short line; the help text is a page at most.
export const MAX_RESPONSE_BYTES = 1024 * 1024;
export const USER_AGENT = 'inviosmart-sms-vscode';
/**
 * The client's own refusal, before anything is sent. The explanation is a catalogue sentence
 * (gateway/explanations.ts), so the UI words it again in the user's language.
 */
export function configError(command: GatewayCommand, gatewayText: string, explanation: CoreMessage): GatewayError {
  return new GatewayError({ kind: 'config', command, gatewayText, explanation: wordMessage(explanation), retryable: false, outcomeUnknown: false });
}

/** One request as the client will make it: a URL, and for POST the form body. */
export interface WireRequest {
  url: string;
  method: SendMethod;
  body?: string;
  charset: SendCharset;
}

// Every value is percent-encoded (spaces as %20), in the order the protocol doc lists them. Only the
// message follows the send endpoint's character set: the credentials travel as UTF-8 on every
// command, so the account checked at sign-in is the one that sends (docs/PROTOCOL.md, "Character set").
export function queryString(command: GatewayCommand, params: ReadonlyArray<readonly [string, string]>, charset: SendCharset = 'utf-8'): string {
  return params.map(([k, v]) => {
    const encoded = percentEncode(v, k === 'message' ? charset : 'utf-8');
    if (encoded !== undefined) return `${k}=${encoded}`;
    const culprits = unrepresentableChars(v, charset);
    if (culprits.length === 0) {
      throw configError(command, 'The text contains a broken character (a lone UTF-16 surrogate).', coreMessage('configBrokenCharacter'));
    }
    throw configError(command, `The text has characters the send endpoint (${charset.toUpperCase()}) cannot carry: ${culprits.join(' ')}`,
      coreMessage('configCharsetCannotCarry'));
  }).join('&');
}

export function withQuery(url: string, query: string): string {
  if (query === '') return url;
  if (!url.includes('?')) return `${url}?${query}`;
  return /[?&]$/.test(url) ? `${url}${query}` : `${url}&${query}`;
}

/**
 * Reads an answer in the charset its Content-Type names (UTF-8 when it names none). Bytes that are
 * not valid in it are read as Latin-1, which never fails: a refusal with one `è` in it stays a refusal.
 */
export function decodeBody(bytes: ArrayBuffer | Uint8Array, contentType: string | string[] | undefined): string {
  const header = Array.isArray(contentType) ? contentType[0] : contentType;
  const named = /charset\s*=\s*"?([^";\s]+)/i.exec(header ?? '')?.[1]?.toLowerCase();
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (named && /^(iso-8859-1|latin-?1|l1|iso8859-1|us-ascii|ascii)$/.test(named)) return Buffer.from(buf).toString('latin1');
  try {
    return new TextDecoder(named ?? 'utf-8', { fatal: true }).decode(buf);
  } catch {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      return Buffer.from(buf).toString('latin1');
    }
  }
}
