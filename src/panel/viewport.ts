// The webview's side of the panel's pure core: the page cache of the host's last answer, the
// virtual window's arithmetic, keyboard selection and the saved view state. No DOM, no 'vscode'.
import { isStatusGroup } from '../history/messageState';
import type { HistoryEntry } from '../history/types';
import { isRecord } from '../gateway/values';
import { defaultSort, emptyFilter, localDayStart, sortColumns, type PanelViewState, type SortColumn, type Totals } from './model';

export const noTotals: Totals = { messages: 0, parts: 0, charge: 0, chargeUnknown: 0 };

/**
 * The webview's copy of the host's last answer: exact counts and totals over every matching
 * message, and the run of rows it holds (around the viewport), by index in the shown list.
 */
export class PageCache {
  count = 0;
  size = 0;
  totals: Totals = noTotals;
  batches: readonly string[] = [];
  private start = 0;
  private entries: readonly HistoryEntry[] = [];

  /** Rows in the shown list (for the table). */
  get length(): number {
    return this.count;
  }

  at(index: number): HistoryEntry | undefined {
    return this.entries[index - this.start];
  }

  /** Index of a held entry, or -1 when it is not among the rows held. */
  indexOf(key: string): number {
    const i = this.entries.findIndex((e) => e.key === key);
    return i < 0 ? -1 : this.start + i;
  }

  /** True when every row of [start, end) (clamped to the list) is held. */
  covers(start: number, end: number): boolean {
    const to = Math.min(end, this.count);
    return to <= start || (start >= this.start && to <= this.start + this.entries.length);
  }

  apply(page: { count: number; size: number; totals: Totals; batches: readonly string[]; start: number; entries: readonly HistoryEntry[] }): void {
    this.count = page.count;
    this.size = page.size;
    this.totals = page.totals;
    this.batches = page.batches;
    this.start = page.start;
    this.entries = page.entries;
  }
}

/** Rows to put in the DOM for a scroll position: the visible ones plus `overscan` either side. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 0,
): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.max(start, Math.min(count, last + overscan));
  return { start, end };
}

/** The smallest scroll change that shows row `index` fully; unchanged when it is already visible. */
export function scrollTopToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** Largest valid scrollTop for `count` rows. */
export function maxScrollTop(count: number, viewportHeight: number, rowHeight: number): number {
  return Math.max(0, count * rowHeight - viewportHeight);
}

/** Index the selection moves to for a navigation key; undefined when the key is not one. */
export function moveSelection(key: string, current: number, count: number, pageRows: number): number | undefined {
  if (count === 0) return undefined;
  const from = current < 0 ? -1 : current;
  switch (key) {
    case 'ArrowDown':
      return Math.min(count - 1, from + 1);
    case 'ArrowUp':
      return from < 0 ? 0 : Math.max(0, from - 1);
    case 'PageDown':
      return Math.min(count - 1, Math.max(0, from) + Math.max(1, pageRows - 1));
    case 'PageUp':
      return Math.max(0, Math.max(0, from) - Math.max(1, pageRows - 1));
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}

/** Reads back what `getState` returned, which may come from an older version or be missing. */
export function restoreViewState(raw: unknown): PanelViewState {
  const state: PanelViewState = { filter: { ...emptyFilter }, sort: { ...defaultSort }, scrollTop: 0 };
  if (!isRecord(raw)) return state;
  if (isRecord(raw.filter)) {
    const f = raw.filter;
    if (typeof f.search === 'string') state.filter.search = f.search;
    if (isStatusGroup(f.status)) {
      state.filter.status = f.status;
    }
    if (typeof f.from === 'string' && localDayStart(f.from) !== undefined) state.filter.from = f.from;
    if (typeof f.to === 'string' && localDayStart(f.to) !== undefined) state.filter.to = f.to;
    if (typeof f.batch === 'string') state.filter.batch = f.batch;
  }
  if (isRecord(raw.sort)) {
    const { column, direction } = raw.sort;
    if (typeof column === 'string' && (sortColumns as readonly string[]).includes(column)) {
      state.sort.column = column as SortColumn;
    }
    if (direction === 'asc' || direction === 'desc') state.sort.direction = direction;
  }
  if (typeof raw.scrollTop === 'number' && Number.isFinite(raw.scrollTop) && raw.scrollTop > 0) {
    state.scrollTop = raw.scrollTop;
  }
  if (typeof raw.selectedKey === 'string') state.selectedKey = raw.selectedKey;
  return state;
}
