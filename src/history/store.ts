// The durable message history, shared by every VS Code window through one directory. Plain Node.
//
// Files in the directory (formats in format.ts, reading and appending in files.ts):
//   history.snapshot.json        all entries at the last compaction, one JSON document written
//                                to a temp file, fsynced, verified and renamed into place
//   history.journal.jsonl        every change since, one JSON line per change, appended whole
//                                ("\n" + line + "\n": the leading newline ends any line a killed
//                                or short write left torn)
//   history.journal.*.sealed.jsonl  journals a compaction has taken out of use (compaction.ts)
//   history.lock                 held while one process compacts (src/common/lock.ts)
//   history.rejected.txt         lines that could not be read, kept rather than dropped
//
// Loading is snapshot + sealed journals + journal. Versions of one entry combine with
// `mergeEntries` (order-independent, a status never moves backwards), so reading a change twice
// is harmless: that is what makes compaction safe without stopping writers. A compaction renames
// the journal to a sealed name; a writer that finds, after its write, that the journal it wrote
// to is no longer the current one writes the same line again to the new journal.
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileError, realFs, type DurableError, type DurableFs } from '../common/durable';
import { LockFiles, type LockOwner } from '../common/lock';
import { compactHoldingLock, type CompactionHost } from './compaction';
import { Emitter, type Event } from './events';
import { HistoryFiles, plainFileError, WHAT } from './files';
import { entryLine, LOCK_FILE, type Tombstone } from './format';
import type { Slicer } from './slices';
import { HistoryState, type HistoryChange } from './state';
import { rowsOverTable } from './rows';
import type { Disposable, EntryList, HistoryDraft, HistoryEntry, HistoryPatch, HistoryReader, HistoryRows } from './types';
import { HistoryWatcher } from './watcher';

export { JOURNAL_FILE, LOCK_FILE, REJECTED_FILE, SNAPSHOT_FILE } from './format';
export { loadHistory, type LoadedHistory } from './files';
export type { HistoryChange } from './state';

export interface HistoryStoreOptions {
  /** Time source for createdAt/updatedAt and ages; default Date. */
  clock?: { now(): number };
  /** fdatasync the journal after each write (survives power loss, not only a crash). Default true. */
  durable?: boolean;
  /** Compact when the journal has more lines than this (or a quarter of the snapshot's entries). Default 2000. */
  compactLines?: number;
  /** Compact when the journal is larger than this (or a quarter of the snapshot). Default 4 MiB. */
  compactBytes?: number;
  /**
   * The limits also grow to this fraction of the snapshot (entries and bytes), so the cost of
   * compaction per change stays constant as the history grows. Default 0.25.
   */
  compactRatio?: number;
  /** Compact in the background when the journal is large. Default true. */
  autoCompact?: boolean;
  /** Watch the directory for other windows' changes. Default true. */
  watch?: boolean;
  /** Fallback check for other windows' changes, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Entries older than this leave the pending index for good; keep it ≥ the poller's max age. Default 30 days. */
  pendingMaxAgeMs?: number;
  /** Removed keys are remembered this long so a late update cannot bring an entry back. Default 30 days. */
  tombstoneMaxAgeMs?: number;
  /** Another machine's compaction lock (its owner cannot be checked) is stale when not refreshed for this long. Default 30 s. */
  lockStaleMs?: number;
  /**
   * The retention rule: every compaction asks it (under the lock, with every entry this window has
   * read, newest first) which keys to drop for good. They leave the new snapshot and become
   * tombstones there, so every window drops them. Default: none.
   */
  retention?: (newestFirst: EntryList, now: number) => readonly string[];
  /** Called with errors of background work (watching, syncing, compacting). */
  onError?: (err: unknown) => void;
  /** The file calls (a faulty one in tests); default node:fs/promises. */
  fs?: DurableFs;
  /** Who takes the compaction lock; default this process (tests play another one). */
  lockOwner?: LockOwner;
  /** Where long reads and compaction give the event loop a turn; default every ~8 ms of work (src/history/slices.ts). */
  slicer?: Slicer;
}

export interface HistoryStats {
  entries: number;
  /** Removed keys still remembered. */
  tombstones: number;
  /** Entries `pending()` returns now. */
  pending: number;
  /** Lines read from the current journal. */
  journalLines: number;
  journalBytes: number;
  /** Lines (in any file) that could not be read, since this store was opened. */
  skippedLines: number;
  snapshotEntries: number;
  snapshotBytes: number;
  /** Compactions this store performed. */
  compactions: number;
  /** Entries this store's compactions removed under the retention rule. */
  pruned: number;
}

type Required2<T> = { [K in keyof T]-?: T[K] };
type Optional = 'onError' | 'retention' | 'lockOwner' | 'slicer';
type ResolvedOptions = Required2<Omit<HistoryStoreOptions, Optional>> & Pick<HistoryStoreOptions, Optional>;

const DEFAULTS: Omit<ResolvedOptions, 'clock' | Optional> = {
  durable: true,
  compactLines: 2000,
  compactBytes: 4 * 1024 * 1024,
  compactRatio: 0.25,
  autoCompact: true,
  watch: true,
  pollIntervalMs: 1000,
  pendingMaxAgeMs: 30 * 24 * 3600_000,
  tombstoneMaxAgeMs: 30 * 24 * 3600_000,
  lockStaleMs: 30_000,
  fs: realFs,
};

/** A deep, JSON-clean copy: undefined fields dropped, nothing shared with the caller. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class HistoryStore implements HistoryReader, Disposable {
  private readonly options: ResolvedOptions;
  private readonly state = new HistoryState();
  private readonly changes: Emitter<HistoryChange>;
  private readonly lockPath: string;
  private readonly files: HistoryFiles;
  private readonly watcher: HistoryWatcher;
  private chain: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private closed: Promise<void> | undefined;
  private compacting = false;
  private compactRun: Promise<unknown> = Promise.resolve();
  private readonly fs: DurableFs;
  private readonly locks: LockFiles;
  private nextCompactTry = 0;
  private compactions = 0;
  private pruned = 0;
  private loadEnded = false;
  private readonly loads: Emitter<void>;

  /** Fires after entries were added/changed or removed, by this window or another. */
  readonly onDidChange: Event<HistoryChange>;

  /**
   * Opens (creating if needed) the history in `dir` and returns at once; the files are read in the
   * background, in slices (`ready` resolves, `loaded` turns true and `onDidLoad` fires when they
   * are in). Until then `all()`/`get()`/`pending()` answer from what is read so far; writes wait
   * for the load (they run after it, in order), so a message recorded meanwhile is still on disk
   * before its request goes out.
   */
  static create(dir: string, options: HistoryStoreOptions = {}): HistoryStore {
    const store = new HistoryStore(dir, options);
    store.ready = store.exclusive(async () => {
      try {
        try {
          await store.fs.mkdir(dir);
        } catch (err) {
          throw fileError(err, 'create', dir, WHAT);
        }
        await store.files.reopen();
      } finally {
        // Loaded or not, what follows (a write, a watcher event) reports its changes as usual.
        store.state.tracking = true;
        store.settle();
      }
    });
    store.ready.catch(() => undefined);
    return store;
  }

  /** Opens the history in `dir` and resolves once it is loaded (`create` + `ready`). */
  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const store = HistoryStore.create(dir, options);
    try {
      await store.ready;
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** Resolves when the files have been read (rejects with why they could not be; writes then try again). */
  ready: Promise<void> = Promise.resolve();

  /** True once the first load has ended (read, or failed). */
  get loaded(): boolean {
    return this.loadEnded;
  }

  /** Fires once, when the first load has ended. */
  readonly onDidLoad: Event<void>;

  private constructor(
    readonly dir: string,
    options: HistoryStoreOptions,
  ) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULTS, clock: Date, ...defined } as ResolvedOptions;
    this.changes = new Emitter<HistoryChange>((err) => this.options.onError?.(err));
    this.onDidChange = this.changes.event;
    this.loads = new Emitter<void>((err) => this.options.onError?.(err));
    this.onDidLoad = this.loads.event;
    this.lockPath = path.join(dir, LOCK_FILE);
    this.fs = this.options.fs;
    this.locks = new LockFiles({ fs: this.fs, staleMs: this.options.lockStaleMs, owner: this.options.lockOwner });
    this.files = new HistoryFiles(dir, this.fs, this.state, this.options.durable, (err) => this.report(err), this.options.slicer);
    this.watcher = new HistoryWatcher(dir, this.options, () => {
      if (!this.disposed) this.exclusive(() => this.files.sync()).catch((err) => this.report(err));
    });
  }

  // ---- reading -------------------------------------------------------------------------------

  /**
   * Every entry, newest first, made now: a copy the caller may keep, but at 100,000 messages a big
   * one; what walks the whole history reads `rows` (or `newestFirst` in rows.ts) instead.
   */
  all(): readonly HistoryEntry[] {
    return this.state.newestFirstView();
  }

  /** Every entry, newest first, made when read by index (`at`): a walk that stops early makes only what it read. */
  newestFirstList(): EntryList {
    return this.state.newestFirstList();
  }

  get(key: string): HistoryEntry | undefined {
    return this.state.get(key);
  }

  /** The history by row number, for views that keep an index of their own (table.ts). */
  readonly rows: HistoryRows = rowsOverTable(this.state.table, () => this.state.rowsNewestFirst());

  /**
   * Entries with an SMSId whose status is not final, recorded less than `maxAgeMs` ago (at most
   * `pendingMaxAgeMs`). Costs the number of such entries, not the size of the history.
   */
  pending(now: number = this.options.clock.now(), maxAgeMs: number = this.options.pendingMaxAgeMs): HistoryEntry[] {
    return this.pendingRowsAt(now, maxAgeMs).map((row) => this.state.table.entry(row));
  }

  /** The rows `pending` gives; drops from the index what is gone or too old to ask about. */
  private pendingRowsAt(now: number, maxAgeMs: number): number[] {
    const out: number[] = [];
    const table = this.state.table;
    const pendingRows = this.state.pendingRows();
    for (const row of pendingRows) {
      if (!table.isLive(row)) {
        pendingRows.delete(row);
        continue;
      }
      const age = now - table.createdMs(row);
      if (age > this.options.pendingMaxAgeMs) {
        // Too old to ask about; it comes back only if it changes again.
        pendingRows.delete(row);
        continue;
      }
      if (age <= maxAgeMs) out.push(row);
    }
    return out;
  }

  stats(): HistoryStats {
    return {
      entries: this.state.size,
      tombstones: this.state.tombstones.size,
      pending: this.pendingRowsAt(this.options.clock.now(), this.options.pendingMaxAgeMs).length, // counted, not made
      journalLines: this.files.journal?.lines ?? 0,
      journalBytes: this.files.journal?.offset ?? 0,
      skippedLines: this.state.skippedLines,
      snapshotEntries: this.files.snapshotEntries,
      snapshotBytes: this.files.snapshotBytes,
      compactions: this.compactions,
      pruned: this.pruned,
    };
  }

  // ---- writing -------------------------------------------------------------------------------

  /** Records a new attempt (before its request goes out) and resolves once it is on disk. */
  async record(draft: HistoryDraft): Promise<HistoryEntry> {
    const [entry] = await this.recordMany([draft]);
    return entry;
  }

  /** Records several attempts with one write (a bulk send). */
  recordMany(drafts: readonly HistoryDraft[]): Promise<HistoryEntry[]> {
    return this.exclusive(async () => {
      this.assertOpen();
      const now = new Date(this.options.clock.now()).toISOString();
      const entries = drafts.map((d) =>
        jsonCopy<HistoryEntry>({ ...d, key: randomUUID(), state: d.state ?? 'sending', createdAt: now, updatedAt: now, rev: 1 }),
      );
      if (entries.length === 0) return [];
      await this.files.append(entries.map(entryLine));
      for (const e of entries) this.state.putEntry(e);
      return entries.map((e) => this.state.get(e.key) ?? e);
    });
  }

  /**
   * Changes an entry and resolves once the change is on disk, with the entry as it now stands
   * (a status never moves backwards, so it may keep a newer status than the patch had).
   * Resolves undefined when the key is unknown or was removed.
   */
  update(key: string, patch: HistoryPatch): Promise<HistoryEntry | undefined> {
    return this.exclusive(async () => {
      this.assertOpen();
      await this.files.sync(); // start from what other windows last wrote, to keep conflicts rare
      const current = this.state.get(key);
      if (!current) return undefined;
      const next = jsonCopy<HistoryEntry>({
        ...current,
        ...patch,
        key: current.key,
        createdAt: current.createdAt,
        updatedAt: new Date(this.options.clock.now()).toISOString(),
        rev: current.rev + 1,
      });
      await this.files.append([entryLine(next)]);
      this.state.putEntry(next);
      return this.state.get(key);
    });
  }

  /** Like `update` for several entries with one write (a bulk send's answers); unknown keys give undefined. */
  updateMany(patches: ReadonlyArray<{ key: string; patch: HistoryPatch }>): Promise<Array<HistoryEntry | undefined>> {
    return this.exclusive(async () => {
      this.assertOpen();
      await this.files.sync();
      const updatedAt = new Date(this.options.clock.now()).toISOString();
      const next = new Map<string, HistoryEntry>();
      for (const { key, patch } of patches) {
        const current = next.get(key) ?? this.state.get(key);
        if (!current) continue;
        next.set(key, jsonCopy<HistoryEntry>({ ...current, ...patch, key: current.key, createdAt: current.createdAt, updatedAt, rev: current.rev + 1 }));
      }
      if (next.size > 0) await this.files.append([...next.values()].map(entryLine));
      for (const e of next.values()) this.state.putEntry(e);
      return patches.map(({ key }) => (next.has(key) ? this.state.get(key) : undefined));
    });
  }

  /** Deletes entries in every window. A removed key stays removed even if a late update arrives. */
  remove(keys: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      this.assertOpen();
      if (keys.length === 0) return;
      const at = new Date(this.options.clock.now()).toISOString();
      const lines = keys.map((k) => JSON.stringify({ removed: k, at } satisfies Tombstone));
      await this.files.append(lines);
      for (const k of keys) this.state.removeKey(k, at);
    });
  }

  /** Reads the files again now (the directory is also watched); merges, never drops what is in memory. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      this.assertOpen();
      this.files.snapshotSig = ''; // force the snapshot to be read again
      await this.files.reopen();
    });
  }

  /**
   * Folds the journal into a new snapshot. Runs in the background on its own when the journal is
   * large; resolves false when another window holds the lock (it is compacting). A call while this
   * window compacts in the background waits for it, then folds what was written since.
   */
  compact(): Promise<boolean> {
    if (this.disposed) return Promise.resolve(false);
    if (this.compacting) return this.compactRun.then(() => this.compact());
    this.compacting = true;
    const run = this.compactOnce().catch((err: unknown) => {
      throw plainFileError(err, this.dir);
    });
    this.compactRun = run.catch(() => undefined);
    return run;
  }

  private async compactOnce(): Promise<boolean> {
    try {
      const lock = await this.locks.tryLock(this.lockPath);
      if (!lock) {
        this.nextCompactTry = Date.now() + 1000;
        return false;
      }
      try {
        const { compacted, pruned } = await compactHoldingLock(this.compactionHost(), lock);
        this.pruned += pruned;
        if (compacted) this.compactions++;
        return compacted;
      } finally {
        await lock.release().catch(() => undefined);
      }
    } finally {
      this.compacting = false;
    }
  }

  /** Waits for pending work, then closes the journal. */
  close(): Promise<void> {
    if (!this.closed) {
      this.disposed = true;
      this.watcher.stop();
      this.changes.dispose();
      this.loads.dispose();
      this.closed = Promise.all([this.chain, this.compactRun]).then(() => this.files.close());
    }
    return this.closed;
  }

  dispose(): void {
    void this.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.disposed) throw new Error('The message history is closed.');
  }

  /** Runs `fn` after every earlier operation of this process, then announces what changed. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn).catch((err: unknown) => {
      throw plainFileError(err, this.dir);
    }).finally(() => {
      const change = this.state.takeChanges();
      if (change && !this.disposed) this.changes.fire(change);
      this.maybeCompact();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The first load ended: watch other windows from now on, and tell the views. */
  private settle(): void {
    this.loadEnded = true;
    if (this.disposed) return;
    this.watcher.start();
    this.loads.fire();
    this.loads.dispose();
  }

  private report(err: unknown): void {
    this.options.onError?.(plainFileError(err, this.dir));
  }

  /** Files of the history that exist but could not be read (each with the reason in words). */
  unreadableFiles(): Array<{ file: string; error: DurableError }> {
    return [...this.files.sealedUnreadable].map(([name, error]) => ({ file: path.join(this.dir, name), error }));
  }

  private compactionHost(): CompactionHost {
    const o = this.options;
    return {
      dir: this.dir,
      fs: this.fs,
      files: this.files,
      state: this.state,
      durable: o.durable,
      clock: o.clock,
      tombstoneMaxAgeMs: o.tombstoneMaxAgeMs,
      retention: o.retention,
      slicer: o.slicer,
      isDisposed: () => this.disposed,
      exclusive: (fn) => this.exclusive(fn),
      report: (err) => this.report(err),
    };
  }

  private maybeCompact(): void {
    const j = this.files.journal;
    if (!j || this.disposed || this.compacting || !this.options.autoCompact || Date.now() < this.nextCompactTry) return;
    const lineLimit = Math.max(this.options.compactLines, Math.floor(this.files.snapshotEntries * this.options.compactRatio));
    const byteLimit = Math.max(this.options.compactBytes, Math.floor(this.files.snapshotBytes * this.options.compactRatio));
    if (j.lines <= lineLimit && j.offset <= byteLimit) return;
    this.compact().catch((err) => {
      this.nextCompactTry = Date.now() + 5000;
      this.report(err);
    });
  }

}
