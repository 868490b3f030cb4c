// Row numbers over any history reader: the store's own (its entry table, table.ts), or, for a
// reader that only has `all()` and `get()` (an in-memory history in tests), an index made here.
import { EntryTable } from './table';
import type { HistoryEntry, HistoryReader, HistoryRows, StateFields } from './types';

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

  private number(key: string): number {
    const row = this.keys.rowOf(key);
    return row >= 0 ? row : this.keys.put({ key, destination: '', sender: '', text: '', account: '', state: 'sent', createdAt: '', updatedAt: '', parts: 0, rev: 0 });
  }
}
