// The SMS History panel's strings, in one place for the host (which passes `vscode.l10n`) and the
// browser test (which passes `englishL10n` and reads the same words the panel shows). No 'vscode' import.
import type { L10n } from '../gateway/l10n';
import { STATUS_GROUPS, statusGroupKey, statusGroupLabel, type StatusGroupKey } from '../history/messageState';
import type { PanelStrings } from '../panel/protocol';

/** The status groups' names, under the keys the webview reads (`status_stale`). */
function statusGroupStrings(l10n: L10n): Record<StatusGroupKey, string> {
  const out = {} as Record<StatusGroupKey, string>;
  for (const group of STATUS_GROUPS) out[statusGroupKey(group)] = statusGroupLabel(group, l10n);
  return out;
}

/** The webview's strings in the user's language; literal `l10n.t` calls so scripts/l10n.mjs extracts them. */
export function panelStrings(l10n: L10n): PanelStrings {
  return {
    heading: l10n.t('SMS History'),
    gridLabel: l10n.t('Message history'),
    searchLabel: l10n.t('Search'),
    searchPlaceholder: l10n.t('Search text, number, sender, ID…'),
    statusFilterLabel: l10n.t('Status'),
    allStatuses: l10n.t('All statuses'),
    fromLabel: l10n.t('From'),
    toLabel: l10n.t('To'),
    batchFilterLabel: l10n.t('Batch'),
    allBatches: l10n.t('All batches'),
    clearFilters: l10n.t('Clear Filters'),
    colId: l10n.t('ID'),
    colTime: l10n.t('Time'),
    colDestination: l10n.t('Destination'),
    colSender: l10n.t('Sender'),
    colText: l10n.t('Text'),
    colStatus: l10n.t('Status'),
    colParts: l10n.t('Parts'),
    colCharge: l10n.t('Charge'),
    ...statusGroupStrings(l10n),
    outcomeUnknown: l10n.t('Outcome unknown'),
    acceptedNoStatus: l10n.t('Accepted'),
    totalMessages: l10n.t('Messages'),
    totalParts: l10n.t('Parts'),
    totalCharge: l10n.t('Charge'),
    totalInHistory: l10n.t('In history'),
    chargeIncomplete: l10n.t('Charge not known yet'),
    sandbox: l10n.t('Sandbox'),
    sandboxTitle: l10n.t('Sent through the built-in sandbox gateway: no real SMS went out'),
    emptyHistory: l10n.t('No messages yet. Messages you send appear here.'),
    loadingHistory: l10n.t('Loading history…'),
    noMatches: l10n.t('No messages match the filters.'),
    detailsLabel: l10n.t('Selected message'),
    actionsLabel: l10n.t('Actions for the selected message'),
    action_refreshStatus: l10n.t('Refresh Status'),
    action_resend: l10n.t('Resend'),
    action_copyId: l10n.t('Copy ID'),
    action_copyText: l10n.t('Copy Text'),
    action_deleteEntry: l10n.t('Delete from History'),
    fieldRecorded: l10n.t('Recorded'),
    fieldSubmitted: l10n.t('Submitted'),
    fieldLastChange: l10n.t('Last status change'),
    fieldLastChecked: l10n.t('Last checked'),
    fieldAccount: l10n.t('Account'),
    fieldBatch: l10n.t('Batch'),
    fieldError: l10n.t('Error'),
    fieldStatusCode: l10n.t('Gateway status'),
    providerLocalTime: l10n.t('provider local time'),
    notAvailable: l10n.t('not available'),
  };
}

/** The page shell's words (see panelHtml.ts): its title and what shows until the history arrives. */
export function panelPageText(l10n: L10n): { title: string; loadingText: string } {
  return { title: l10n.t('SMS History'), loadingText: l10n.t('Loading history…') };
}
