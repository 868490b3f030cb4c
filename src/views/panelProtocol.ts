// The one message protocol between the SMS History panel host (extension) and its webview.
// Imported by both sides, so it holds types and plain checks only: no 'vscode', no DOM.
import type { HistoryEntry } from '../history/types';

/** The webview panel type, also the serializer's key (`onWebviewPanel:<this>` activates the extension). */
export const HistoryPanelViewType = 'inviosmart.historyPanel';

/** What a row can ask the host to do; each maps to the command of the same name in CommandIds. */
export const rowActions = ['refreshStatus', 'resend', 'copyId', 'copyText', 'deleteEntry'] as const;
export type RowAction = (typeof rowActions)[number];

/** Every user-facing string the webview shows; the host fills them with `vscode.l10n.t`. */
export const panelStringKeys = [
  'gridLabel',
  'searchLabel',
  'searchPlaceholder',
  'statusFilterLabel',
  'allStatuses',
  'fromLabel',
  'toLabel',
  'batchFilterLabel',
  'allBatches',
  'clearFilters',
  'colId',
  'colTime',
  'colDestination',
  'colSender',
  'colText',
  'colStatus',
  'colParts',
  'colCharge',
  'status_sending',
  'status_queued',
  'status_pending',
  'status_delivered',
  'status_failed',
  'status_unknown',
  'status_lookup',
  'outcomeUnknown',
  'acceptedNoStatus',
  'totalMessages',
  'totalParts',
  'totalCharge',
  'totalInHistory',
  'chargeIncomplete',
  'sandbox',
  'sandboxTitle',
  'emptyHistory',
  'noMatches',
  'detailsLabel',
  'actionsLabel',
  'action_refreshStatus',
  'action_resend',
  'action_copyId',
  'action_copyText',
  'action_deleteEntry',
  'fieldRecorded',
  'fieldSubmitted',
  'fieldLastChange',
  'fieldLastChecked',
  'fieldAccount',
  'fieldBatch',
  'fieldError',
  'fieldStatusCode',
  'providerLocalTime',
  'notAvailable',
] as const;
export type PanelStringKey = (typeof panelStringKeys)[number];
export type PanelStrings = Record<PanelStringKey, string>;

/** Messages the host posts to the webview. */
export type HostMessage =
  /** The whole history, sent once per `ready` (the webview is rebuilt each time it becomes visible). */
  | { type: 'init'; entries: HistoryEntry[]; strings: PanelStrings; locale: string; revealKey?: string }
  /** Entries added or changed since the last message; the webview patches those rows in place. */
  | { type: 'upsert'; entries: HistoryEntry[] }
  | { type: 'remove'; keys: string[] }
  /** Select and scroll to one entry (e.g. "show in panel" from the tree). */
  | { type: 'reveal'; key: string };

/** Messages the webview posts to the host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'action'; action: RowAction; key: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isRowAction(value: unknown): value is RowAction {
  return typeof value === 'string' && (rowActions as readonly string[]).includes(value);
}

/** The host checks every message: the webview runs content it does not fully control. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value)) return false;
  if (value.type === 'ready') return true;
  return value.type === 'action' && isRowAction(value.action) && typeof value.key === 'string' && value.key.length > 0;
}

/** Shape check on the webview side; entries themselves are trusted host data. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'init':
      return Array.isArray(value.entries) && isRecord(value.strings) && typeof value.locale === 'string';
    case 'upsert':
      return Array.isArray(value.entries);
    case 'remove':
      return Array.isArray(value.keys);
    case 'reveal':
      return typeof value.key === 'string';
    default:
      return false;
  }
}
