// The one-line summaries of a call's outcome that go to the call log (CallEvent), and the redaction
// of per-destination errors, so neither carries the password.
import type { SendResult } from './types';
import { GatewayError } from './errors';
import { redactText } from './redact';

export function shorten(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

export function summarizeError(e: GatewayError): string {
  const unknown = e.outcomeUnknown ? ' (outcome unknown)' : '';
  switch (e.kind) {
    case 'gateway': return `Error ${e.code ?? '?'}${unknown}`;
    case 'http': return `HTTP ${e.code ?? '?'}${unknown}`;
    case 'timeout': return `timeout${unknown}`;
    case 'aborted': return `aborted${unknown}`;
    default: return `${e.kind}: ${shorten(e.gatewayText)}${unknown}`;
  }
}

// Per-destination errors leave the client like thrown ones: without the password in their texts.
export function redactItems(result: SendResult, secrets: Array<string | undefined>): SendResult {
  const known = secrets.filter((x): x is string => typeof x === 'string' && x !== '');
  if (known.length === 0) return result;
  const items = result.items.map((i) =>
    i.ok ? i : { ...i, error: new GatewayError(i.error, known).toInfo(), raw: redactText(i.raw, known) });
  return { ...result, items };
}

export function summarizeSend(r: SendResult): string {
  return shorten(r.items.map((i) => (i.ok ? `OK ID:${i.smsId}` : `Error ${i.error.code ?? i.error.kind}`)).join('|'), 200);
}
