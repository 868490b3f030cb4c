// The one message protocol between the SMS History panel host (extension) and its webview.
// Imported by both sides, so it holds types and plain checks only: no 'vscode', no DOM.
import type { HistoryEntry } from '../history/types';
import { isRecord } from '../gateway/values';
import { isStatusGroup, STATUS_GROUPS, statusGroupKey } from '../history/messageState';
import { sortColumns, type PanelFilter, type SortSpec, type Totals } from './model';

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
  // one per status group (messageState.ts STATUS_GROUPS; checked below)
  'status_sending',
  'status_queued',
  'status_pending',
  'status_lookup',
  'status_stale',
  'status_held',
  'status_unknown',
  'status_failed',
  'status_delivered',
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
  'loadingHistory',
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
// Every status group has its name among the strings (a compile error otherwise).
export const panelStatusKeys: readonly PanelStringKey[] = STATUS_GROUPS.map(statusGroupKey);

/** Most rows one page carries: a few screenfuls, whatever the webview asks. */
export const MAX_PAGE_ROWS = 400;

/** The filter and sort a view shows (the webview keeps them through setState). */
export interface PanelQueryView {
  filter: PanelFilter;
  sort: SortSpec;
}

/**
 * What the webview asks for: the rows [start, end) of the history filtered and sorted as given.
 * The host answers over all messages, so only the rows asked for cross to the webview.
 */
export interface PanelQuery extends PanelQueryView {
  /** Answers carry it back; the webview drops any answer to an older question. */
  seq: number;
  start: number;
  end: number;
  /** An entry whose place the webview needs (the selection, or one to reveal). */
  locate?: string;
}

/** Where a located entry stands: -1 when it is filtered out; `entry` absent when it is not in the history. */
export interface LocatedEntry {
  key: string;
  index: number;
  entry?: HistoryEntry;
}

/** One answer: exact counts and totals over every matching message, and the rows asked for. */
export interface PanelPage {
  seq: number;
  /** True when the host sends it on its own after the history changed (for the last question). */
  pushed: boolean;
  /** Messages matching the filter. */
  count: number;
  /** Messages in the history. */
  size: number;
  totals: Totals;
  /** Batch ids in the history, for the batch filter. */
  batches: string[];
  /** Index of the first entry in `entries`. */
  start: number;
  entries: HistoryEntry[];
  located?: LocatedEntry;
}

/** Messages the host posts to the webview. */
export type HostMessage =
  /** Sent once per `ready` (the webview is rebuilt each time it becomes visible); the webview then asks its first page. */
  | {
      type: 'init';
      strings: PanelStrings;
      locale: string;
      revealKey?: string;
      /** The poller's max age in ms: a message older without a final status shows as `stale`. */
      maxAgeMs?: number;
    }
  | { type: 'page'; page: PanelPage }
  /** Select and scroll to one entry (e.g. "show in panel" from the tree). */
  | { type: 'reveal'; key: string };

/** Messages the webview posts to the host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'query'; query: PanelQuery }
  | { type: 'action'; action: RowAction; key: string };


export function isRowAction(value: unknown): value is RowAction {
  return typeof value === 'string' && (rowActions as readonly string[]).includes(value);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFilter(value: unknown): value is PanelFilter {
  return (
    isRecord(value) &&
    typeof value.search === 'string' && value.search.length <= 1000 &&
    (value.status === '' || isStatusGroup(value.status)) &&
    typeof value.from === 'string' && typeof value.to === 'string' && typeof value.batch === 'string'
  );
}

function isSort(value: unknown): value is SortSpec {
  return isRecord(value) && (sortColumns as readonly unknown[]).includes(value.column) && (value.direction === 'asc' || value.direction === 'desc');
}

/** The host checks every message: the webview runs content it does not fully control. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value)) return false;
  if (value.type === 'ready') return true;
  if (value.type === 'query') {
    const q = value.query;
    return (
      isRecord(q) && isIndex(q.seq) && isIndex(q.start) && isIndex(q.end) && q.end >= q.start &&
      isFilter(q.filter) && isSort(q.sort) &&
      (q.locate === undefined || typeof q.locate === 'string')
    );
  }
  return value.type === 'action' && isRowAction(value.action) && typeof value.key === 'string' && value.key.length > 0;
}

/** Shape check on the webview side; entries themselves are trusted host data. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'init':
      return isRecord(value.strings) && typeof value.locale === 'string';
    case 'page': {
      const p = value.page;
      return (
        isRecord(p) && isIndex(p.seq) && isIndex(p.count) && isIndex(p.size) && isIndex(p.start) &&
        isRecord(p.totals) && Array.isArray(p.batches) && Array.isArray(p.entries)
      );
    }
    case 'reveal':
      return typeof value.key === 'string';
    default:
      return false;
  }
}
