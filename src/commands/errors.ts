import * as vscode from 'vscode';
import { GatewayError } from '../gateway/errors';
import { redactText } from '../gateway/redact';

/** Turns any failure into words for the user: a short form for the status bar, a full one for messages. */
export function describeError(e: unknown): { short: string; full: string } {
  if (e instanceof GatewayError) {
    const code = e.code !== undefined ? (e.kind === 'http' ? `HTTP ${e.code}` : `${e.code}`) : e.kind;
    return {
      short: code,
      full: vscode.l10n.t('{0} (gateway said: {1})', e.explanation, e.gatewayText),
    };
  }
  const text = redactText(e instanceof Error ? e.message : String(e));
  return { short: text.slice(0, 40), full: text };
}

/** Shows an error as a notification with a "Show Log" action. */
export async function showError(prefix: string, e: unknown, showLog: () => void): Promise<void> {
  const action = vscode.l10n.t('Show Log');
  const pick = await vscode.window.showErrorMessage(`${prefix} ${describeError(e).full}`, action);
  if (pick === action) showLog();
}
