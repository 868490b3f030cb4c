// The panel's pure core shared by host and page: filtering, sorting and totals of entries. No DOM,
// no 'vscode' and no Node here (the page bundles it); the host's model over the history's rows is
// panelModel.ts. Plain Node tests cover both; the webview only draws what the host sends.
import { STATUS_GROUPS, statusGroupOf, type Staleness, type StatusGroup } from '../history/messageState';
import type { HistoryEntry, StateFields } from '../history/types';
import { escapeRegExp } from '../gateway/values';

/** The row type and the status model, re-exported so the webview reads them from this shared module only. */
export type { HistoryEntry };
export { formatEuro } from '../common/money';
export { displayGatewayTime } from '../gateway/time';
export { DEFAULT_MAX_AGE_MS, STATUS_GROUPS, statusGroupKey, statusGroupOf, type StatusGroup } from '../history/messageState';

export const sortColumns = ['smsId', 'createdAt', 'destination', 'sender', 'text', 'status', 'parts', 'charge'] as const;
export type SortColumn = (typeof sortColumns)[number];
export type SortDirection = 'asc' | 'desc';

export interface SortSpec {
  column: SortColumn;
  direction: SortDirection;
}

export interface PanelFilter {
  /** Case-insensitive substring over text, numbers, sender, status, batch, account and error. */
  search: string;
  /** A status group (messageState.ts); '' for all. */
  status: StatusGroup | '';
  /** Local calendar day `YYYY-MM-DD`, inclusive; '' for open. */
  from: string;
  to: string;
  /** '' for all. */
  batch: string;
}

export interface Totals {
  messages: number;
  parts: number;
  /** Euro, summed over the entries whose charge is known. */
  charge: number;
  /** Entries shown whose charge is not known yet (the sum leaves them out). */
  chargeUnknown: number;
}

/** What the webview keeps through `setState` so a reload or a hidden tab comes back as it was. */
export interface PanelViewState {
  filter: PanelFilter;
  sort: SortSpec;
  scrollTop: number;
  selectedKey?: string;
}

export const emptyFilter: PanelFilter = { search: '', status: '', from: '', to: '', batch: '' };
export const defaultSort: SortSpec = { column: 'createdAt', direction: 'desc' };

/** Parts as charged when the gateway said so, else as counted before sending. */
export function entryParts(entry: HistoryEntry): number {
  return entry.quantity ?? entry.parts;
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Local midnight of a `YYYY-MM-DD` day, or undefined when the text is not such a day. */
export function localDayStart(day: string): number | undefined {
  const m = datePattern.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  // Reject 2024-02-31 and friends instead of letting Date roll them over.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return undefined;
  return date.getTime();
}

export function nextLocalDayStart(day: string): number | undefined {
  const start = localDayStart(day);
  if (start === undefined) return undefined;
  const date = new Date(start);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
}

/**
 * A filter prepared once, so checking 100k entries does not re-parse dates each time. The search
 * is a case-insensitive substring over each field (no lower-cased copy of every entry is kept);
 * `statusLabel` adds the status as the user reads it when that differs from the stored label.
 */
export function compileFilter(
  filter: PanelFilter,
  statusLabel?: (entry: StateFields) => string | undefined,
  /** The poller's max age and now, so a message it stopped checking filters as `stale`. */
  staleness?: () => Staleness,
): (entry: HistoryEntry) => boolean {
  const found = compileSearch(filter.search, statusLabel);
  const from = filter.from ? localDayStart(filter.from) : undefined;
  const to = filter.to ? nextLocalDayStart(filter.to) : undefined;
  const { status, batch } = filter;
  // judged when the filter is compiled (when the panel opens and when its filter changes), not per entry
  const at = status ? staleness?.() : undefined;
  return (entry) => {
    if (status && statusGroupOf(entry, at) !== status) return false;
    if (batch && entry.batchId !== batch) return false;
    if (from !== undefined || to !== undefined) {
      const t = timeOf(entry);
      if (Number.isNaN(t)) return false;
      if (from !== undefined && t < from) return false;
      if (to !== undefined && t >= to) return false;
    }
    return found === undefined || found(entry);
  };
}

/** What the search reads of an entry (the host's model reads it from the row's columns). */
export type SearchFields = Pick<HistoryEntry, 'text' | 'destination' | 'sender' | 'smsId' | 'status' | 'batchId' | 'account' | 'accountLabel' | 'error'> & StateFields;

/** The search part of `compileFilter`: undefined when there is nothing to search for. */
export function compileSearch(search: string, statusLabel?: (entry: StateFields) => string | undefined): ((entry: SearchFields) => boolean) | undefined {
  const needle = search.trim();
  if (needle === '') return undefined;
  const re = new RegExp(escapeRegExp(needle), 'i');
  // A number typed as shown (`+39 339 123 4567`) finds the stored digits (`393391234567`).
  const digits = /^[\d\s+().-]+$/.test(needle) ? needle.replace(/\D/g, '') : '';
  return (entry) => {
    if (re.test(entry.text) || re.test(entry.destination) || re.test(entry.sender)) return true;
    if (digits !== '' && entry.destination.includes(digits)) return true;
    if (entry.smsId !== undefined && re.test(String(entry.smsId))) return true;
    const status = entry.status;
    if (status && re.test(status.label)) return true;
    const shown = statusLabel?.(entry);
    if (shown && re.test(shown)) return true;
    const batchId = entry.batchId;
    if (batchId && re.test(batchId)) return true;
    const label = entry.accountLabel;
    if (re.test(entry.account) || (label !== undefined && re.test(label))) return true;
    const error = entry.error;
    return error !== undefined && re.test(error.gatewayText);
  };
}

const times = new WeakMap<HistoryEntry, number>();

/** `createdAt` as epoch ms, parsed once per entry revision (entries are replaced, never changed). */
export function timeOf(entry: HistoryEntry): number {
  let t = times.get(entry);
  if (t === undefined) {
    t = Date.parse(entry.createdAt);
    times.set(entry, t);
  }
  return t;
}

/**
 * A key whose plain string order sorts text as people expect: case and accents ignored, runs of
 * digits by their value (so 39 9… comes before 39 10…). Sorting 100,000 messages with a collator
 * call per comparison took seconds; these keys are made once per entry and compared with `<`.
 */
export function textSortKey(text: string): string {
  // Numbers (destinations) are the common case: their value, with no copy of the text.
  if (/^\d+$/.test(text)) {
    const value = text.replace(/^0+(?=\d)/, '');
    return `0${String.fromCharCode(0x100 + Math.min(value.length, 0xfeff))}${value}`;
  }
  // eslint-disable-next-line no-control-regex
  let key = /[^\x00-\x7f]/.test(text) ? text.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : text;
  key = key.toLowerCase();
  if (!/\d/.test(key)) return key;
  // '0', then a character that grows with the number's length, then its digits.
  return key.replace(/\d+/g, (digits) => {
    const value = digits.replace(/^0+(?=\d)/, '');
    return `0${String.fromCharCode(0x100 + Math.min(value.length, 0xfeff))}${value}`;
  });
}

export const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
// By status: the groups' display order. Sort keys are cached per entry revision, so the age limit is left out.
export const statusRank = new Map<StatusGroup, number>(STATUS_GROUPS.map((g, i) => [g, i]));

export type SortKey = number | string | undefined;

/** What a column sorts by: a number (missing: undefined or NaN) or a text key. */
function sortKey(column: SortColumn, e: HistoryEntry): SortKey {
  switch (column) {
    case 'smsId':
      return e.smsId;
    case 'createdAt':
      return timeOf(e);
    case 'destination':
      return textSortKey(e.destination);
    case 'sender':
      return textSortKey(e.sender);
    case 'text':
      return textSortKey(e.text);
    case 'status':
      return String.fromCharCode(0x30 + (statusRank.get(statusGroupOf(e)) ?? 0)) + textSortKey(e.status?.label ?? '');
    case 'parts':
      return entryParts(e);
    case 'charge':
      return e.charge;
  }
}

export function compareNumbers(a: number | undefined, b: number | undefined, sign: number): number {
  // Missing values go last in either direction: "no charge yet" is not "cheapest".
  if (a === undefined || Number.isNaN(a)) return b === undefined || Number.isNaN(b) ? 0 : 1;
  if (b === undefined || Number.isNaN(b)) return -1;
  return (a - b) * sign;
}

export function compareKeys(a: SortKey, b: SortKey, sign: number): number {
  if (typeof a === 'string' && typeof b === 'string') return (a < b ? -1 : a > b ? 1 : 0) * sign;
  return compareNumbers(a as number | undefined, b as number | undefined, sign);
}

/** A total order (ties fall back to newest first, then key), so binary search can find any entry. */
export function comparator(sort: SortSpec): (a: HistoryEntry, b: HistoryEntry) => number {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return (a, b) =>
    compareKeys(sortKey(sort.column, a), sortKey(sort.column, b), sign) ||
    compareNumbers(timeOf(a), timeOf(b), -1) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Sort keys already made, per column and entry revision (entries are replaced, never changed). */
export type SortKeyCache = Map<SortColumn, WeakMap<HistoryEntry, SortKey>>;

function cachedSortKey(cache: SortKeyCache | undefined, column: SortColumn, e: HistoryEntry): SortKey {
  if (!cache || column === 'createdAt' || column === 'smsId' || column === 'charge') return sortKey(column, e);
  let byEntry = cache.get(column);
  if (!byEntry) cache.set(column, (byEntry = new WeakMap()));
  let key = byEntry.get(e);
  if (key === undefined) byEntry.set(e, (key = sortKey(column, e)));
  return key;
}

/** Sorts like `comparator(sort)`, with each entry's keys made once instead of at every comparison. */
export function sortEntries(rows: readonly HistoryEntry[], sort: SortSpec, cache?: SortKeyCache): HistoryEntry[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const n = rows.length;
  const keys = new Array<SortKey>(n);
  const times = new Float64Array(n);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    keys[i] = cachedSortKey(cache, sort.column, rows[i]);
    times[i] = timeOf(rows[i]);
    order[i] = i;
  }
  order.sort(
    (a, b) =>
      compareKeys(keys[a], keys[b], sign) ||
      compareNumbers(times[a], times[b], -1) ||
      (rows[a].key < rows[b].key ? -1 : rows[a].key > rows[b].key ? 1 : 0),
  );
  return order.map((i) => rows[i]);
}

/** First index in sorted `rows` whose item is not before `item`. */
export function lowerBound<T>(rows: readonly T[], item: T, cmp: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(rows[mid], item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function computeTotals(rows: readonly HistoryEntry[]): Totals {
  let parts = 0;
  let microEuro = 0;
  let chargeUnknown = 0;
  for (const entry of rows) {
    parts += entryParts(entry);
    // Summed in millionths so a thousand 0.057s add up to exactly 57.
    if (entry.charge === undefined || !Number.isFinite(entry.charge)) chargeUnknown++;
    else microEuro += Math.round(entry.charge * 1e6);
  }
  return { messages: rows.length, parts, charge: microEuro / 1e6, chargeUnknown };
}

/** Header click: a new column starts in its natural direction, the same column flips. */
export function nextSort(current: SortSpec, column: SortColumn): SortSpec {
  const direction: SortDirection =
    current.column === column
      ? current.direction === 'asc' ? 'desc' : 'asc'
      : column === 'createdAt' || column === 'smsId' || column === 'charge' || column === 'parts' ? 'desc' : 'asc';
  return { column, direction };
}

/** What an update did to the visible list, so the view can patch instead of redraw. */
export interface ChangeSummary {
  /** Keys now shown whose data changed (or that appeared). */
  changed: string[];
  /** True when rows were added, removed or moved in the shown order. */
  orderChanged: boolean;
}

// The webview's side (page cache, virtual window, keys, saved state) lives in viewport.ts.
export * from './viewport';
