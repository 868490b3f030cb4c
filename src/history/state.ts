// The history in memory: entries, tombstones, the pending index and the change events' bookkeeping.
import { isTombstone } from './format';
import { isHistoryEntry, mergeEntries, normalizeEntry } from './merge';
import { awaitsStatus } from './messageState';
import type { HistoryEntry } from './types';

/** Lines kept for history.rejected.txt between compactions; beyond this they are only counted. */
const MAX_REJECTS = 10_000;

export interface HistoryChange {
  upserted: HistoryEntry[];
  removed: string[];
}

/**
 * The entries in memory, and the bookkeeping that keeps `all()` and `pending()` cheap:
 * the map is kept in createdAt order (re-sorted only when an older entry arrives late),
 * and a set holds the keys that may still need a status check (`awaitsStatus` in messageState.ts).
 */
export class HistoryState {
  readonly entries = new Map<string, HistoryEntry>();
  readonly tombstones = new Map<string, string>();
  /** Keys that may still need a status check; built on first use, then kept up to date. */
  private pendingIndex: Set<string> | undefined;
  skippedLines = 0;
  /** Raw unreadable lines, written to history.rejected.txt at the next compaction. */
  rejects: string[] = [];
  /** Collect upserted/removed keys for change events (off during the first load). */
  tracking = false;
  private inOrder = true;
  private newestCreatedAt = '';
  private newestFirst: HistoryEntry[] | undefined;
  private upserted = new Map<string, HistoryEntry>();
  private removed = new Set<string>();

  putEntry(incoming: HistoryEntry): boolean {
    const key = incoming.key;
    if (this.tombstones.size !== 0 && this.tombstones.has(key)) return false;
    const current = this.entries.get(key);
    const next = current ? mergeEntries(current, incoming) : normalizeEntry(incoming);
    if (next === current) return false;
    if (!current) {
      if (next.createdAt < this.newestCreatedAt) this.inOrder = false;
      else this.newestCreatedAt = next.createdAt;
    }
    this.entries.set(key, next);
    if (this.pendingIndex) {
      if (awaitsStatus(next)) this.pendingIndex.add(key);
      else this.pendingIndex.delete(key);
    }
    this.newestFirst = undefined;
    if (this.tracking) {
      this.upserted.set(key, next);
      this.removed.delete(key);
    }
    return true;
  }

  removeKey(key: string, at: string): boolean {
    if (!this.tombstones.has(key)) this.tombstones.set(key, at);
    if (!this.entries.delete(key)) return false;
    this.pendingIndex?.delete(key);
    this.newestFirst = undefined;
    if (this.tracking) {
      this.upserted.delete(key);
      this.removed.add(key);
    }
    return true;
  }

  /** The pending index; the first call scans once (skipping entries recorded before `since`). */
  pendingKeys(since: string): Set<string> {
    if (!this.pendingIndex) {
      this.pendingIndex = new Set();
      for (const e of this.entries.values()) {
        if (awaitsStatus(e) && e.createdAt >= since) this.pendingIndex.add(e.key);
      }
    }
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
    const change = { upserted: [...this.upserted.values()], removed: [...this.removed] };
    this.upserted = new Map();
    this.removed = new Set();
    return change;
  }

  /** Oldest first; re-sorts the map once if entries arrived out of order. */
  ascending(): HistoryEntry[] {
    if (!this.inOrder) {
      const sorted = [...this.entries.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.key < b.key ? -1 : 1));
      this.entries.clear();
      for (const e of sorted) this.entries.set(e.key, e);
      this.inOrder = true;
      this.newestCreatedAt = sorted.length ? sorted[sorted.length - 1].createdAt : '';
      return sorted;
    }
    return [...this.entries.values()];
  }

  newestFirstView(): readonly HistoryEntry[] {
    if (!this.newestFirst) this.newestFirst = this.ascending().reverse();
    return this.newestFirst;
  }
}
