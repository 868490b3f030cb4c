// The notification a single message's final status raises (a batch's messages are summed up by
// bulkSummary.ts instead), as the `notifications.onFinalStatus` setting asks.
import * as vscode from 'vscode';
import type { NotifyOn } from '../config';
import { messageState } from '../history/messageState';
import type { HistoryEntry } from '../history/types';
import { formatDestination, statusName } from '../views/entryPresentation';
import { toastOnFinal } from './bulkSummary';
import { inertNotificationText } from './errors';

/** Tells the user a message reached its final status; "Show in Panel" opens it there. */
export function notifyFinal(entry: HistoryEntry, notifyOn: NotifyOn, showInPanel: (key: string) => void): void {
  if (!toastOnFinal(entry, notifyOn)) return;
  const failed = messageState(entry) === 'failed';
  const label = entry.status ? statusName(entry.status, vscode.l10n) : '';
  const show = vscode.l10n.t('Show in Panel');
  const message = failed
    ? vscode.l10n.t('SMS to {0} failed: {1}', formatDestination(entry.destination), label)
    : vscode.l10n.t('SMS to {0}: {1}', formatDestination(entry.destination), label);
  const shown = failed ? vscode.window.showWarningMessage(inertNotificationText(message), show) : vscode.window.showInformationMessage(inertNotificationText(message), show);
  void shown.then((pick) => {
    if (pick === show) showInPanel(entry.key);
  });
}
