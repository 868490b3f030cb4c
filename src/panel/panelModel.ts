// The panel host's model: the filtered, sorted list over the whole history, as row numbers
// (history/table.ts), with incremental updates. No DOM and no 'vscode' here, so plain Node tests
// cover it; the filter and sort rules are model.ts's, shared with the page.
import { statusGroupOf, type Staleness } from '../history/messageState';
import { TableRows } from '../history/rows';
import type { HistoryEntry, HistoryRows, StateFields } from '../history/types';
import {
  collator,
  compareKeys,
  compareNumbers,
  compileSearch,
  defaultSort,
  emptyFilter,
  localDayStart,
  lowerBound,
  nextLocalDayStart,
  nextSort,
  statusRank,
  textSortKey,
  type ChangeSummary,
  type PanelFilter,
  type SearchFields,
  type SortColumn,
  type SortKey,
  type SortSpec,
  type Totals,
} from './model';

/** Sorted lists of every row kept at once (see PanelModel.orders). */
const MAX_ORDERS = 4;

/** Above this many keys, `upsert` and `remove` filter the shown list once instead of searching it key by key. */
const BULK_CHANGE = 64;

/** What a column sorts by, read from the row's columns (history/table.ts) without making the entry. */
function rowSortKey(column: SortColumn, rows: HistoryRows, row: number): SortKey {
  switch (column) {
    case 'smsId':
      return rows.field(row, 'smsId');
    case 'createdAt':
      return rows.createdMs(row);
    case 'destination':
      return textSortKey(rows.field(row, 'destination') ?? '');
    case 'sender':
      return textSortKey(rows.field(row, 'sender') ?? '');
    case 'text':
      return textSortKey(rows.field(row, 'text') ?? '');
    case 'status': {
      const fields = rows.stateFields(row);
      return String.fromCharCode(0x30 + (statusRank.get(statusGroupOf(fields)) ?? 0)) + textSortKey(fields.status?.label ?? '');
    }
    case 'parts':
      return rows.field(row, 'quantity') ?? rows.field(row, 'parts');
    case 'charge':
      return rows.field(row, 'charge');
  }
}

/** `comparator` over rows: the same total order (ties newest first, then key). */
function rowComparator(sort: SortSpec, rows: HistoryRows): (a: number, b: number) => number {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return (a, b) =>
    compareKeys(rowSortKey(sort.column, rows, a), rowSortKey(sort.column, rows, b), sign) ||
    compareNumbers(rows.createdMs(a), rows.createdMs(b), -1) ||
    rows.compareKeys(a, b);
}

/** Sorts rows like `rowComparator`, each row's key made once for this sort (none is kept after it). */
function sortRows(list: Int32Array, sort: SortSpec, rows: HistoryRows): Int32Array {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const n = list.length;
  const keys = new Array<SortKey>(n);
  const times = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = rowSortKey(sort.column, rows, list[i]);
    times[i] = rows.createdMs(list[i]);
    order[i] = i;
  }
  order.sort((a, b) => compareKeys(keys[a], keys[b], sign) || compareNumbers(times[a], times[b], -1) || rows.compareKeys(list[a], list[b]));
  return order.map((i) => list[i]);
}

/** One row seen as the fields the search reads, each read from the columns when asked (one object, moved along the rows). */
class RowView implements SearchFields {
  row = 0;
  constructor(private readonly rows: HistoryRows) {}
  get text(): string {
    return this.rows.field(this.row, 'text') ?? '';
  }
  get destination(): string {
    return this.rows.field(this.row, 'destination') ?? '';
  }
  get sender(): string {
    return this.rows.field(this.row, 'sender') ?? '';
  }
  get account(): string {
    return this.rows.field(this.row, 'account') ?? '';
  }
  get accountLabel(): string | undefined {
    return this.rows.field(this.row, 'accountLabel');
  }
  get batchId(): string | undefined {
    return this.rows.field(this.row, 'batchId');
  }
  get smsId(): number | undefined {
    return this.rows.field(this.row, 'smsId');
  }
  get status(): HistoryEntry['status'] {
    return this.rows.field(this.row, 'status');
  }
  get error(): HistoryEntry['error'] {
    return this.rows.field(this.row, 'error');
  }
  get state(): HistoryEntry['state'] {
    return this.rows.field(this.row, 'state');
  }
  get createdAt(): string {
    return this.rows.stateFields(this.row).createdAt;
  }
}

/** `compileFilter` over rows: status, batch, days and the search read from the columns, no entry made. */
function compileRowFilter(
  filter: PanelFilter,
  rows: HistoryRows,
  statusLabel?: (entry: StateFields) => string | undefined,
  staleness?: () => Staleness,
): (row: number) => boolean {
  const found = compileSearch(filter.search, statusLabel);
  const view = new RowView(rows);
  const from = filter.from ? localDayStart(filter.from) : undefined;
  const to = filter.to ? nextLocalDayStart(filter.to) : undefined;
  const { status, batch } = filter;
  const at = status ? staleness?.() : undefined;
  return (row) => {
    if (status && statusGroupOf(rows.stateFields(row), at) !== status) return false;
    if (batch && rows.field(row, 'batchId') !== batch) return false;
    if (from !== undefined || to !== undefined) {
      const t = rows.createdMs(row);
      if (Number.isNaN(t)) return false;
      if (from !== undefined && t < from) return false;
      if (to !== undefined && t >= to) return false;
    }
    if (!found) return true;
    view.row = row;
    return found(view);
  };
}

/**
 * The filtered, sorted list the table shows, as row numbers over the history's rows
 * (history/table.ts): no entry is kept, only the rows of each order, and an entry is made for the
 * rows a page sends. Updates splice the shown list (binary search), so a status change costs
 * O(log n) comparisons instead of a full re-sort.
 */
export class PanelModel {
  /** Set when the model was given entries and keeps them itself (tests, the bench's baseline). */
  private own: TableRows | undefined;
  private source: HistoryRows;
  private shown: number[] = [];
  private filterValue: PanelFilter;
  private sortValue: SortSpec;
  private matches: (row: number) => boolean;
  private cmp: (a: number, b: number) => number;
  private totalsCache: Totals | undefined;
  /**
   * Every row in the sorts asked for lately (the current one included), so a new filter is one
   * pass and going back to a recent sort is no sort at all; all dropped on any change to the entries.
   */
  private readonly orders = new Map<string, Int32Array>();

  constructor(
    filter: PanelFilter = emptyFilter,
    sort: SortSpec = defaultSort,
    /** The status as the user reads it, for the search (see compileFilter). */
    private readonly statusLabel?: (entry: StateFields) => string | undefined,
    /** The poller's max age and now, for the `stale` filter (see compileFilter). */
    private readonly staleness?: () => Staleness,
  ) {
    this.filterValue = { ...filter };
    this.sortValue = { ...sort };
    this.own = new TableRows();
    this.source = this.own.rows;
    this.matches = compileRowFilter(this.filterValue, this.source, statusLabel, staleness);
    this.cmp = rowComparator(this.sortValue, this.source);
  }

  get filter(): PanelFilter {
    return this.filterValue;
  }

  get sort(): SortSpec {
    return this.sortValue;
  }

  /** The filtered, sorted entries, made now (tests; a page asks for `slice`). */
  get rows(): readonly HistoryEntry[] {
    return this.slice(0, this.shown.length);
  }

  /** How many rows are shown. */
  get count(): number {
    return this.shown.length;
  }

  /** The shown entries from `start` to `end`, made now. */
  slice(start: number, end: number): HistoryEntry[] {
    return this.shown.slice(start, end).map((row) => this.source.entryAt(row));
  }

  /** Every entry held, shown or not. */
  get size(): number {
    return this.own ? this.own.table.size : this.source.rowsNewestFirst().length;
  }

  get totals(): Totals {
    if (!this.totalsCache) {
      let parts = 0;
      let microEuro = 0;
      let chargeUnknown = 0;
      for (const row of this.shown) {
        parts += this.source.field(row, 'quantity') ?? this.source.field(row, 'parts');
        const charge = this.source.field(row, 'charge');
        // Summed in millionths so a thousand 0.057s add up to exactly 57 (as computeTotals).
        if (charge === undefined || !Number.isFinite(charge)) chargeUnknown++;
        else microEuro += Math.round(charge * 1e6);
      }
      this.totalsCache = { messages: this.shown.length, parts, charge: microEuro / 1e6, chargeUnknown };
    }
    return this.totalsCache;
  }

  get(key: string): HistoryEntry | undefined {
    const row = this.source.rowOf(key);
    return this.source.isLive(row) ? this.source.entryAt(row) : undefined;
  }

  /** Position of a key in the shown list, or -1 when it is filtered out or unknown. */
  indexOf(key: string): number {
    const row = this.source.rowOf(key);
    return row < 0 ? -1 : this.shown.indexOf(row);
  }

  /** Batch ids present in the history, for the batch filter. */
  batches(): string[] {
    const ids = new Set<string>();
    for (const row of this.source.rowsNewestFirst()) {
      const id = this.source.field(row, 'batchId');
      if (id) ids.add(id);
    }
    return [...ids].sort(collator.compare);
  }

  /** Starts over from the history's rows (kept by reference: the store's), or from entries (kept in a table of its own). */
  reset(from: HistoryRows | readonly HistoryEntry[]): void {
    if (Array.isArray(from)) {
      const own = new TableRows();
      for (const entry of from as readonly HistoryEntry[]) own.put(entry);
      this.own = own;
      this.source = own.rows;
    } else {
      this.source = from as HistoryRows;
      this.own = undefined;
    }
    this.matches = compileRowFilter(this.filterValue, this.source, this.statusLabel, this.staleness);
    this.cmp = rowComparator(this.sortValue, this.source);
    this.orders.clear();
    this.rebuild();
  }

  setFilter(filter: Partial<PanelFilter>): void {
    this.filterValue = { ...this.filterValue, ...filter };
    this.matches = compileRowFilter(this.filterValue, this.source, this.statusLabel, this.staleness);
    this.rebuild();
  }

  setSort(sort: SortSpec): void {
    this.sortValue = { ...sort };
    this.cmp = rowComparator(this.sortValue, this.source);
    this.rebuild();
  }

  /**
   * Kept for the host's warm-up between answers: sort keys are no longer kept per entry (at
   * 100,000 messages the text keys alone held ~10 MB), so there is nothing to make ahead.
   */
  warmSortKeys(_deadline: number): boolean {
    return true;
  }

  /** Header click: a new column starts in its natural direction, the same column flips. */
  toggleSort(column: SortColumn): SortSpec {
    this.setSort(nextSort(this.sortValue, column));
    return this.sortValue;
  }

  /**
   * Re-places entries that were added or changed. Over the store's rows the entries are already
   * in them (the rows are read); given entries of its own, an older revision than the one held is
   * ignored (another window was ahead).
   */
  upsert(entries: readonly HistoryEntry[]): ChangeSummary {
    const before = this.shown.slice();
    const changedRows = new Set<number>();
    for (const entry of entries) {
      if (this.own && !this.own.put(entry)) continue;
      changedRows.add(this.source.rowOf(entry.key));
    }
    const rows = [...changedRows];
    if (rows.length === 0) return { changed: [], orderChanged: false };
    this.orders.clear();
    this.takeOut(rows);
    const changed: string[] = [];
    for (const row of rows) {
      if (!this.source.isLive(row) || !this.matches(row)) continue;
      this.shown.splice(lowerBound(this.shown, row, this.cmp), 0, row);
      changed.push(this.source.keyOf(row));
    }
    const orderChanged = !sameRows(before, this.shown);
    if (changed.length > 0 || orderChanged) this.totalsCache = undefined;
    return { changed, orderChanged };
  }

  remove(keys: readonly string[]): ChangeSummary {
    const gone = new Set<number>();
    for (const key of keys) {
      const row = this.source.rowOf(key);
      if (row >= 0 && (!this.own || this.own.remove(key))) gone.add(row);
    }
    const rows = [...gone];
    if (rows.length === 0) return { changed: [], orderChanged: false };
    this.orders.clear();
    const shownBefore = this.shown.length;
    this.takeOut(rows);
    const orderChanged = this.shown.length !== shownBefore;
    if (orderChanged) this.totalsCache = undefined;
    return { changed: [], orderChanged };
  }

  /** Takes rows out of the shown list, wherever they are (their values may have changed already). */
  private takeOut(rows: readonly number[]): void {
    if (rows.length > BULK_CHANGE) {
      const out = new Set(rows);
      this.shown = this.shown.filter((row) => !out.has(row));
      return;
    }
    for (const row of rows) {
      const i = this.shown.indexOf(row);
      if (i >= 0) this.shown.splice(i, 1);
    }
  }

  private rebuild(): void {
    const spec = `${this.sortValue.column}:${this.sortValue.direction}`;
    let ordered = this.orders.get(spec);
    if (ordered) this.orders.delete(spec);
    else ordered = sortRows(this.source.rowsNewestFirst(), this.sortValue, this.source);
    this.orders.set(spec, ordered);
    if (this.orders.size > MAX_ORDERS) this.orders.delete(this.orders.keys().next().value as string);
    const shown: number[] = [];
    for (let i = 0; i < ordered.length; i++) if (this.matches(ordered[i])) shown.push(ordered[i]);
    this.shown = shown;
    this.totalsCache = undefined;
  }
}

function sameRows(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
