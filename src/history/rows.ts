// Row numbers over any history reader: the store's own (its entry table, table.ts), or, for a
// reader that only has `all()` and `get()` (an in-memory history in tests), an index made here.
import { EntryTable } from './table';
import type { HistoryEntry, HistoryReader, HistoryRows, RowField, StateFields } from './types';

/** A reader that may give rows itself. */
export type RowSource = Pick<HistoryReader, 'all' | 'get'> & { readonly rows?: HistoryRows };

/** The reader's rows: its own when it has them, else numbers given to its keys as they are seen. */
export function rowsOf(history: RowSource): HistoryRows {
  return history.rows ?? new KeyedRows(history);
}

/** Rows for a plain reader: the table only numbers the keys; every entry is asked of the reader. */
class KeyedRows implements HistoryRows {
  private readonly keys = new EntryTable();

  constructor(private readonly history: Pick<HistoryReader, 'all' | 'get'>) {}

  rowsNewestFirst(): Int32Array {
    const all = this.history.all();
    const out = new Int32Array(all.length);
    all.forEach((e, i) => (out[i] = this.number(e.key)));
    return out;
  }

  rowOf(key: string): number {
    const row = this.keys.rowOf(key);
    return row < 0 && this.history.get(key) ? this.number(key) : row;
  }

  isLive(row: number): boolean {
    return row >= 0 && row < this.keys.rowCount && this.history.get(this.keys.keyOf(row)) !== undefined;
  }

  entryAt(row: number): HistoryEntry {
    return this.history.get(this.keys.keyOf(row)) as HistoryEntry;
  }

  keyOf(row: number): string {
    return this.keys.keyOf(row);
  }

  createdMs(row: number): number {
    return Date.parse(this.entryAt(row).createdAt);
  }

  stateFields(row: number): StateFields {
    return this.entryAt(row);
  }

  field<K extends RowField>(row: number, name: K): HistoryEntry[K] {
    return this.entryAt(row)[name];
  }

  compareKeys(a: number, b: number): number {
    const x = this.keyOf(a);
    const y = this.keyOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  private number(key: string): number {
    const row = this.keys.rowOf(key);
    return row >= 0 ? row : this.keys.put({ key, destination: '', sender: '', text: '', account: '', state: 'sent', createdAt: '', updatedAt: '', parts: 0, rev: 0 });
  }
}

/** The rows of an entry table, live rows in the order `newestFirst` gives (the store's, or a table's own). */
export function rowsOverTable(table: EntryTable, newestFirst: () => Int32Array): HistoryRows {
  return {
    rowsNewestFirst: newestFirst,
    rowOf: (key) => table.rowOf(key),
    isLive: (row) => table.isLive(row),
    entryAt: (row) => table.entry(row),
    keyOf: (row) => table.keyOf(row),
    createdMs: (row) => table.createdMs(row),
    stateFields: (row) => table.stateFields(row),
    field: (row, name) => table.field(row, name),
    compareKeys: (a, b) => table.compareKeys(a, b),
  };
}

/**
 * Rows over a table of its own, for a view given entries rather than a store (tests, the bench's
 * baseline): keeps the newest revision of each key.
 */
export class TableRows {
  readonly table = new EntryTable();
  /** Live rows in row order (entries are put newest first). */
  readonly rows: HistoryRows = rowsOverTable(this.table, () => {
    const out = new Int32Array(this.table.size);
    let n = 0;
    for (let row = 0; row < this.table.rowCount; row++) if (this.table.isLive(row)) out[n++] = row;
    return out;
  });

  /** Stores the entry unless a newer revision of it is held; false when it was older. */
  put(entry: HistoryEntry): boolean {
    const row = this.table.rowOf(entry.key);
    if (this.table.isLive(row) && (this.table.field(row, 'rev') ?? 0) > entry.rev) return false;
    this.table.put(entry);
    return true;
  }

  remove(key: string): boolean {
    return this.table.remove(key) >= 0;
  }
}

/**
 * The history's entries newest first, each made as the walk reaches it, so a caller that stops
 * early or skips most of them (`where` reads the row's columns first) never makes the rest.
 */
export function* newestFirst(history: RowSource, where?: (rows: HistoryRows, row: number) => boolean): Generator<HistoryEntry> {
  const rows = rowsOf(history);
  const list = rows.rowsNewestFirst();
  for (let i = 0; i < list.length; i++) {
    const row = list[i];
    if (rows.isLive(row) && (!where || where(rows, row))) yield rows.entryAt(row);
  }
}

/** The entries of one batch, newest first (the batch id is read from the row; only its entries are made). */
export function batchEntries(history: RowSource, batchId: string): Generator<HistoryEntry> {
  return newestFirst(history, (rows, row) => rows.field(row, 'batchId') === batchId);
}

/** The first entry a walk gives, or undefined. */
export function firstOf(entries: Iterable<HistoryEntry>): HistoryEntry | undefined {
  for (const e of entries) return e;
  return undefined;
}
