// The history in memory: the entry table, tombstones, the pending index and the change events' bookkeeping.
import { isTombstone } from './format';
import { isHistoryEntry, mergeEntries, normalizeEntry } from './merge';
import { awaitsStatus } from './messageState';
import { EntryTable } from './table';
import type { Slicer } from './slices';
import type { EntryList, HistoryEntry } from './types';

/** Lines kept for history.rejected.txt between compactions; beyond this they are only counted. */
const MAX_REJECTS = 10_000;

export interface HistoryChange {
  upserted: HistoryEntry[];
  removed: string[];
}

/**
 * The entries in memory (one row each in an EntryTable, table.ts), and the bookkeeping that keeps
 * the ordered views and `pending()` cheap: the rows in createdAt order (re-sorted only when an
 * older entry arrives late, or a removal left holes), and a set of the rows that may still need a
 * status check (`awaitsStatus` in messageState.ts). Row numbers never change (table.ts), so the
 * views may keep them.
 */
export class HistoryState {
  readonly table = new EntryTable();
  readonly tombstones = new Map<string, string>();
  /**
   * Rows that may still need a status check, kept up to date as rows are put (during the load too:
   * one scan of every row afterwards held the extension host's thread for ~100 ms at 100,000).
   * May hold rows too old to ask about; `pending()` drops those as it reads.
   */
  private readonly pendingIndex = new Set<number>();
  skippedLines = 0;
  /** Raw unreadable lines, written to history.rejected.txt at the next compaction. */
  rejects: string[] = [];
  /** Collect upserted/removed keys for change events (off during the first load). */
  tracking = false;
  /** Live rows oldest first (the first `orderLength`); may hold removed rows until `holes` is cleared. */
  private order = new Int32Array(1024);
  private orderLength = 0;
  private inOrder = true;
  private holes = false;
  private newestCreatedAt = '';
  private newestFirst: Int32Array | undefined;
  private upserted = new Set<number>();
  private removed = new Set<string>();

  /** Live entries. */
  get size(): number {
    return this.table.size;
  }

  get(key: string): HistoryEntry | undefined {
    return this.table.get(key);
  }

  putEntry(incoming: HistoryEntry): boolean {
    const key = incoming.key;
    if (this.tombstones.size !== 0 && this.tombstones.has(key)) return false;
    const table = this.table;
    const known = table.rowOf(key);
    const current = table.isLive(known) ? table.entry(known) : undefined;
    const next = current ? mergeEntries(current, incoming) : normalizeEntry(incoming);
    if (next === current) return false;
    const row = table.put(next, known); // nothing was put or removed since `known` was looked up
    if (!current) {
      if (known >= 0) {
        // A removed row comes back: it may still be listed, and where it was may not fit it now.
        this.holes = true;
        this.inOrder = false;
      }
      this.pushOrder(row, next.createdAt);
    } else if (current.createdAt !== next.createdAt) {
      this.inOrder = false;
      this.newestFirst = undefined;
    }
    if (awaitsStatus(next)) this.pendingIndex.add(row);
    else this.pendingIndex.delete(row);
    if (this.tracking) {
      this.upserted.add(row);
      this.removed.delete(key);
    }
    return true;
  }

  removeKey(key: string, at: string): boolean {
    if (!this.tombstones.has(key)) this.tombstones.set(key, at);
    const row = this.table.remove(key);
    if (row < 0) return false;
    this.pendingIndex.delete(row);
    this.holes = true;
    this.newestFirst = undefined;
    if (this.tracking) {
      this.upserted.delete(row);
      this.removed.add(key);
    }
    return true;
  }

  /** The pending index (rows); the caller may delete rows it finds too old or removed. */
  pendingRows(): Set<number> {
    return this.pendingIndex;
  }

  /** Applies one line of a journal or snapshot; false when it was unreadable. */
  applyLine(text: string): boolean {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      o = undefined;
    }
    return this.applyObject(o, text);
  }

  applyObject(o: unknown, raw?: string): boolean {
    if (isHistoryEntry(o)) {
      this.putEntry(o);
      return true;
    }
    if (isTombstone(o)) {
      this.removeKey(o.removed, o.at);
      return true;
    }
    this.reject(raw ?? JSON.stringify(o));
    return false;
  }

  reject(raw: string): void {
    this.skippedLines++;
    if (this.rejects.length < MAX_REJECTS) this.rejects.push(raw);
  }

  takeChanges(): HistoryChange | undefined {
    if (this.upserted.size === 0 && this.removed.size === 0) return undefined;
    const upserted: HistoryEntry[] = [];
    for (const row of this.upserted) if (this.table.isLive(row)) upserted.push(this.table.entry(row));
    const change = { upserted, removed: [...this.removed] };
    this.upserted = new Set();
    this.removed = new Set();
    return change;
  }

  /** Live rows, oldest first (createdAt, then key); the array is shared until the next change. */
  rowsAscending(): Int32Array {
    const table = this.table;
    if (this.holes) {
      // Drop removed rows, and a revived row's older listing.
      const seen = new Uint8Array(table.rowCount);
      let n = 0;
      for (let i = 0; i < this.orderLength; i++) {
        const row = this.order[i];
        if (!table.isLive(row) || seen[row]) continue;
        seen[row] = 1;
        this.order[n++] = row;
      }
      this.orderLength = n;
      this.holes = false;
    }
    if (!this.inOrder) {
      const rows = this.order.subarray(0, this.orderLength);
      const texts = new Map<number, string>();
      const created = (row: number): string => {
        let t = texts.get(row);
        if (t === undefined) texts.set(row, (t = table.createdText(row)));
        return t;
      };
      rows.sort((a, b) => {
        const x = created(a);
        const y = created(b);
        if (x !== y) return x < y ? -1 : 1;
        return table.keyOf(a) < table.keyOf(b) ? -1 : 1;
      });
      this.inOrder = true;
      this.newestCreatedAt = rows.length ? created(rows[rows.length - 1]) : '';
    }
    return this.order.subarray(0, this.orderLength);
  }

  /** Live rows, newest first; shared until the next change: do not modify it. */
  rowsNewestFirst(): Int32Array {
    if (!this.newestFirst) this.newestFirst = this.rowsAscending().slice().reverse();
    return this.newestFirst;
  }

  /**
   * The entries of `rows` (a copy of `rowsAscending()` taken earlier: compaction's, at the seal),
   * each made as it is read, so no copy of the whole history exists at once; the slicer gives the
   * event loop its turns (making 100,000 entries takes most of a second). Rows removed since are
   * left out: their removal is in the journal that outlives this compaction. `made` counts the rest.
   */
  async *entriesOf(rows: Int32Array, slicer: Slicer, made: { count: number }): AsyncGenerator<HistoryEntry> {
    for (let i = 0; i < rows.length; i++) {
      const turn = slicer.step();
      if (turn) await turn;
      if (!this.table.isLive(rows[i])) continue;
      made.count++;
      yield this.table.entry(rows[i]);
    }
  }

  /** Newest first, as entries made now (a transient copy). */
  newestFirstView(): HistoryEntry[] {
    return Array.from(this.rowsNewestFirst(), (row) => this.table.entry(row));
  }

  /** Newest first, each entry made when it is read (`at`); the rows are those of now. */
  newestFirstList(): EntryList {
    const rows = this.rowsNewestFirst();
    const table = this.table;
    return { length: rows.length, at: (i) => (i >= 0 && i < rows.length ? table.entry(rows[i]) : undefined) };
  }

  /** Makes room for `entries` entries at once (see EntryTable.reserve); a hint, never a limit. */
  reserve(entries: number): void {
    this.table.reserve(entries);
    if (entries > this.order.length) this.resizeOrder(entries);
  }

  private resizeOrder(length: number): void {
    const bigger = new Int32Array(length);
    bigger.set(this.order.subarray(0, this.orderLength));
    this.order = bigger;
  }

  private pushOrder(row: number, createdAt: string): void {
    if (this.orderLength === this.order.length) this.resizeOrder(Math.ceil(this.order.length * 1.5));
    this.order[this.orderLength++] = row;
    if (createdAt < this.newestCreatedAt) this.inOrder = false;
    else this.newestCreatedAt = createdAt;
    this.newestFirst = undefined;
  }
}
