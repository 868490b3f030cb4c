import * as vscode from 'vscode';
import { GatewayError } from '../gateway/errors';
import type { BulkError } from '../bulk/errors';
import { inertNotificationText } from '../common/notificationText';
import { DurableError, kindOf } from '../common/durable';
import { errCode } from '../gateway/values';
import { redactText } from '../gateway/redact';
import { explain, localized, userL10n } from '../common/wording';

export { inertNotificationText };
export { explain, localized, userL10n };

/** A bulk refusal (the CSV file, the template, the batch) in the user's language when it is a catalogue sentence. */
export function bulkErrorText(e: BulkError): string {
  return e.sentence ? localized(e.sentence) : e.message;
}

export type NoticeKind = 'info' | 'warning' | 'error';

/** Shows a notification and resolves with the action chosen (undefined when dismissed). */
export type Notify = (kind: NoticeKind, text: string, ...actions: string[]) => Thenable<string | undefined>;

/** A modal question; resolves true only when `action` was chosen. */
export type Confirm = (message: string, detail: string | undefined, action: string) => Thenable<boolean>;

/** Notifications as VS Code shows them; tests pass their own to read what the user was told. */
export const windowNotify: Notify = (kind, text, ...actions) => {
  const shown = inertNotificationText(text);
  return kind === 'error'
    ? vscode.window.showErrorMessage(shown, ...actions)
    : kind === 'warning'
      ? vscode.window.showWarningMessage(shown, ...actions)
      : vscode.window.showInformationMessage(shown, ...actions);
};

/** A modal warning with one action (plus VS Code's own Cancel). */
export const windowConfirm: Confirm = async (message, detail, action) =>
  (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;

/** Turns any failure into words for the user: a short form for the status bar, a full one for messages. */
export function describeError(e: unknown): { short: string; full: string } {
  if (e instanceof GatewayError) {
    const code = e.code !== undefined ? (e.kind === 'http' ? `HTTP ${e.code}` : `${e.code}`) : e.kind;
    return {
      short: code,
      full: vscode.l10n.t('{0} (gateway said: {1})', explain(e), e.gatewayText),
    };
  }
  if (e instanceof DurableError && e.kind !== 'other') {
    // The store's own message is English; the kind says the same in the user's language.
    return { short: e.code, full: vscode.l10n.t('Could not save or read {0}: {1}.', redactText(e.file), describeWriteError(e)) };
  }
  const text = redactText(e instanceof Error ? e.message : String(e));
  return { short: text.slice(0, 40), full: text };
}

/** Why a file could not be written, in words a user can act on ("the disk is full"). */
export function describeWriteError(e: unknown): string {
  const code = errCode(e);
  // A size limit is told apart from a full disk here; the store counts both as 'disk-full'.
  if (code === 'EFBIG') return vscode.l10n.t('the file has reached the size this system allows');
  switch (code === undefined ? 'other' : kindOf(code)) {
    case 'disk-full':
      return vscode.l10n.t('the disk is full');
    case 'permission':
    case 'read-only':
      return vscode.l10n.t('the history folder cannot be written (permission denied)');
    case 'io':
      return vscode.l10n.t('the disk reported an input/output error');
    case 'busy':
      return vscode.l10n.t('another program is using the file (often a virus scanner or a backup tool)');
    default:
      return describeError(e).full;
  }
}

/** Shows an error as a notification with a "Show Log" action; resolves once the user acted on it (or dismissed it). */
export async function showError(prefix: string, e: unknown, showLog: () => void, notify: Notify = windowNotify): Promise<void> {
  const action = vscode.l10n.t('Show Log');
  const pick = await notify('error', `${prefix} ${describeError(e).full}`, action);
  if (pick === action) showLog();
}
