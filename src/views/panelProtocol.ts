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
  'heading',
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
  'loadingProgress',
] as const;
export type PanelStringKey = (typeof panelStringKeys)[number];
export type PanelStrings = Record<PanelStringKey, string>;

/** Entries the host puts in `init`: a screenful and then some, so the first frame does not wait for the rest. */
export const INIT_ENTRIES = 500;
/** Entries per `append` after `init`; each is its own message, so the page can paint between them. */
export const APPEND_ENTRIES = 5000;

/**
 * Splits the history as the host sends it: the first part goes in `init`, each later one in an
 * `append`. Every entry lands in exactly one part, in order.
 */
export function splitForPanel<T>(entries: readonly T[], first = INIT_ENTRIES, chunk = APPEND_ENTRIES): T[][] {
  const parts: T[][] = [entries.slice(0, first)];
  for (let i = first; i < entries.length; i += chunk) parts.push(entries.slice(i, i + chunk));
  return parts;
}

/** Messages the host posts to the webview. */
export type HostMessage =
  /**
   * The newest entries, sent once per `ready` (the webview is rebuilt each time it becomes visible).
   * `total` is how many entries `init` and the `append`s after it carry together; absent means all are here.
   */
  | { type: 'init'; entries: HistoryEntry[]; strings: PanelStrings; locale: string; revealKey?: string; total?: number }
  /** The rest of the history after `init`, in order; `done` on the last one. */
  | { type: 'append'; entries: HistoryEntry[]; done: boolean }
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
      return (
        Array.isArray(value.entries) &&
        isRecord(value.strings) &&
        typeof value.locale === 'string' &&
        (value.total === undefined || (typeof value.total === 'number' && Number.isInteger(value.total) && value.total >= 0))
      );
    case 'append':
      return Array.isArray(value.entries) && typeof value.done === 'boolean';
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
