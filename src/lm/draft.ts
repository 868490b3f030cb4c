// One SMS to send on someone else's behalf (a chat tool, a task): checked exactly as the Send SMS
// command checks what a user types, then sent through the same recorded dispatch.
import * as vscode from 'vscode';
import type { Settings } from '../config';
import type { GatewaySession } from '../credentials/types';
import { localized } from '../commands/errors';
import { describeText } from '../commands/send';
import { textForCharset, type SendCharset } from '../gateway/endpoints';
import { analyzeText } from '../gateway/smsText';
import { parseDestinationList, validateSender } from '../gateway/validation';
import { dispatchSend, type DispatchOutcome, type DispatchStore } from '../history/dispatch';

export interface SmsDraft {
  /** Wire-form destinations (digits with country code), in input order, without duplicates. */
  destinations: string[];
  sender: string;
  text: string;
  parts: number;
}

export type DraftCheck = { ok: true; draft: SmsDraft } | { ok: false; problems: string[] };

/** Destinations as a list, a comma/semicolon/newline separated string, or anything else (refused). */
function destinationText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(',');
  return undefined;
}

/**
 * Checks numbers, sender and text with the Send SMS command's rules. The sender falls back to
 * inviosmart.send.defaultSender. Every problem is reported at once, each saying what to fix.
 */
export function checkDraft(input: { destinations?: unknown; sender?: unknown; text?: unknown }, settings: Settings): DraftCheck {
  const problems: string[] = [];
  const list = destinationText(input.destinations);
  let destinations: string[] = [];
  if (list === undefined) {
    problems.push(vscode.l10n.t('Give the destinations as a list of phone numbers with country code, e.g. ["+39 333 1234567"].'));
  } else {
    const parsed = parseDestinationList(list, settings.defaultCountry);
    if (parsed.invalid.length > 0) {
      problems.push(vscode.l10n.t('Nothing was sent. Fix these numbers: {0}', parsed.invalid.map((i) => `${i.input} (${localized(i.message)})`).join('; ')));
    } else if (parsed.valid.length === 0) {
      problems.push(vscode.l10n.t('Nothing was sent: enter at least one phone number.'));
    }
    destinations = parsed.valid;
  }
  const given = typeof input.sender === 'string' && input.sender.trim() !== '' ? input.sender : undefined;
  const sender = given ?? settings.defaultSender;
  if (input.sender !== undefined && typeof input.sender !== 'string') {
    problems.push(vscode.l10n.t('The sender must be text: a name of up to 11 characters.'));
  } else if (sender === '') {
    problems.push(vscode.l10n.t('No sender: give one (up to 11 characters, at least one letter) or set inviosmart.send.defaultSender.'));
  } else {
    const check = validateSender(sender);
    if (!check.ok) problems.push(vscode.l10n.t('Nothing was sent: {0}', localized(check.message)));
  }
  const text = typeof input.text === 'string' ? input.text : '';
  const described = describeText(text);
  if (described.error) problems.push(vscode.l10n.t('Nothing was sent: {0}', described.error));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, draft: { destinations, sender, text, parts: analyzeText(text).parts } };
}

/** Sends a checked draft the way the Send SMS command does: recorded in history before it goes out. */
export function dispatchDraft(history: DispatchStore, session: GatewaySession, draft: SmsDraft, settings: Settings): Promise<DispatchOutcome> {
  // What reaches the phone on a Latin-1 endpoint (`€` → `EUR`), as the confirmation showed it.
  const text = textForCharset(draft.text, sendCharsetOf(session)).text;
  return dispatchSend(
    history,
    { client: session.client, credentials: session.credentials, account: session.account.id, accountLabel: session.account.label, sandbox: session.account.sandbox },
    { destinations: draft.destinations, sender: draft.sender, message: text, pricecat: settings.lowCostRoute ? 1 : undefined },
    analyzeText(text).parts,
  );
}

/** The send endpoint's character set for this session (UTF-8 when the client does not say). */
export function sendCharsetOf(session: GatewaySession): SendCharset {
  return session.client.sendCharset ?? 'utf-8';
}
