// The durable message history, shared by every VS Code window through one directory. Plain Node.
//
// Files in the directory:
//   history.snapshot.json        all entries at the last compaction, one JSON document written
//                                to a temp file, fsynced and renamed into place (one entry a line)
//   history.journal.jsonl        every change since, one JSON line per change, appended with a
//                                single write on an O_APPEND descriptor ("\n" + line + "\n": the
//                                leading newline ends any line a killed writer left torn)
//   history.journal.*.sealed.jsonl  journals a compaction has taken out of use
//   history.lock                 held while one process compacts (src/common/lock.ts)
//   history.rejected.txt         lines that could not be read, kept rather than dropped
//
// Loading is snapshot + sealed journals + journal. Versions of one entry combine with
// `mergeEntries` (order-independent, a status never moves backwards), so reading a change twice
// is harmless: that is what makes compaction safe without stopping writers. A compaction renames
// the journal to a sealed name; a writer that finds, after its write, that the journal it wrote
// to is no longer the current one writes the same line again to the new journal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  appendRecord,
  commit,
  DurableError,
  errCode,
  fileError,
  fsyncDir,
  readIfExists,
  readWhole,
  realFs,
  removeFile,
  statIfExists,
  writeTemp,
  type DurableFs,
  type DurableHandle,
} from '../common/durable';
import { LockFiles, type HeldLock, type LockOwner } from '../common/lock';
import { Emitter, type Event } from './events';
import { isHistoryEntry, mergeEntries, normalizeEntry } from './merge';
import type { Disposable, HistoryDraft, HistoryEntry, HistoryPatch, HistoryReader } from './types';

export const SNAPSHOT_FILE = 'history.snapshot.json';
export const JOURNAL_FILE = 'history.journal.jsonl';
export const LOCK_FILE = 'history.lock';
export const REJECTED_FILE = 'history.rejected.txt';
const SEALED_RE = /^history\.journal\.[\w-]+\.sealed\.jsonl$/;
const TEMP_RE = /^history\.snapshot\.json\.[\w-]+\.tmp$/;
const STALE_LOCK_RE = /^history\.lock\.[\w-]+\.(stale|new)$/;
const SNAPSHOT_FORMAT = 'inviosmart-sms-history';
const SNAPSHOT_VERSION = 1;
/** Lines kept for history.rejected.txt between compactions; beyond this they are only counted. */
const MAX_REJECTS = 10_000;

export interface HistoryChange {
  upserted: HistoryEntry[];
  removed: string[];
}

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
  /** A compaction lock older than this is stale when its owner cannot be checked. Default 30 s. */
  lockStaleMs?: number;
  /**
   * The retention rule: every compaction asks it (under the lock, with every entry this window has
   * read, newest first) which keys to drop for good. They leave the new snapshot and become
   * tombstones there, so every window drops them. Default: none.
   */
  retention?: (newestFirst: readonly HistoryEntry[], now: number) => readonly string[];
  /** Called with errors of background work (watching, syncing, compacting). */
  onError?: (err: unknown) => void;
  /** The file calls (a faulty one in tests); default node:fs/promises. */
  fs?: DurableFs;
  /** Who takes the compaction lock; default this process (tests play another one). */
  lockOwner?: LockOwner;
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
type Optional = 'onError' | 'retention' | 'lockOwner';
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

interface Tombstone {
  removed: string;
  at: string;
}

function isTombstone(o: unknown): o is Tombstone {
  if (typeof o !== 'object' || o === null) return false;
  const t = o as Record<string, unknown>;
  return typeof t.removed === 'string' && typeof t.at === 'string' && !('key' in t);
}

/**
 * The entries in memory, and the bookkeeping that keeps `all()` and `pending()` cheap:
 * the map is kept in createdAt order (re-sorted only when an older entry arrives late),
 * and a set holds the keys that may still need a status check.
 */
class HistoryState {
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
      if (next.smsId !== undefined && !next.status?.final) this.pendingIndex.add(key);
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
        if (e.smsId !== undefined && !e.status?.final && e.createdAt >= since) this.pendingIndex.add(e.key);
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

/** Reads every line of `buf[0..end)` into the state; returns how many non-empty lines there were. */
function applyLines(state: HistoryState, buf: Buffer, end: number): number {
  let lines = 0;
  let start = 0;
  while (start < end) {
    let nl = buf.indexOf(10, start);
    if (nl < 0 || nl > end) nl = end;
    if (nl > start) {
      lines++;
      state.applyLine(buf.toString('utf8', start, nl));
    }
    start = nl + 1;
  }
  return lines;
}

/** Whether a snapshot as read back is whole: it parses, and holds the entries it was written with. */
function verifySnapshot(written: Buffer, count: number): boolean {
  const doc = JSON.parse(written.toString('utf8')) as { format?: unknown; entries?: unknown };
  return doc.format === SNAPSHOT_FORMAT && Array.isArray(doc.entries) && doc.entries.length === count;
}

/** Reads a snapshot: one JSON.parse when it is intact, line by line (keeping what it can) when not. */
function applySnapshot(state: HistoryState, text: string): number {
  let doc: { format?: unknown; entries?: unknown; removed?: unknown } | undefined;
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    doc = undefined;
  }
  if (doc && typeof doc === 'object' && doc.format === SNAPSHOT_FORMAT && Array.isArray(doc.entries)) {
    for (const e of doc.entries) state.applyObject(e);
    if (Array.isArray(doc.removed)) for (const t of doc.removed) state.applyObject(t);
    return doc.entries.length;
  }
  // Damaged: every entry sits on its own line ending in ',' (but the last), so most can be saved.
  let count = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(`{"format"`) || line.startsWith(']')) continue;
    const body = line.endsWith(',') ? line.slice(0, -1) : line;
    if (state.applyLine(body)) count++;
  }
  return count;
}

interface Journal {
  fd: DurableHandle;
  ino: bigint;
  dev: bigint;
  /** Bytes read and applied: always just after a newline (or 0). */
  offset: number;
  lines: number;
}

const WHAT = 'the message history';

/** A system error that escaped a more precise message still reaches the user in words. */
function plainFileError(err: unknown, dir: string): unknown {
  return errCode(err) !== undefined && !(err instanceof DurableError) ? fileError(err, 'read or write', dir, WHAT) : err;
}

function fileSig(st: fs.BigIntStats | undefined): string {
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` : 'none';
}

function entryLine(e: HistoryEntry): string {
  return JSON.stringify(e);
}

/** A deep, JSON-clean copy: undefined fields dropped, nothing shared with the caller. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class HistoryStore implements HistoryReader, Disposable {
  private readonly options: ResolvedOptions;
  private readonly state = new HistoryState();
  private readonly changes: Emitter<HistoryChange>;
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private readonly lockPath: string;
  private journal: Journal | undefined;
  /** Identity of the snapshot file whose contents are in memory. */
  private snapshotSig = '';
  private snapshotEntries = 0;
  private snapshotBytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private closed: Promise<void> | undefined;
  private compacting = false;
  private compactRun: Promise<unknown> = Promise.resolve();
  private readonly sealedRead = new Set<string>();
  /** Sealed journals that exist but could not be read (not ENOENT): compaction waits for them. */
  private readonly sealedUnreadable = new Map<string, DurableError>();
  private readonly fs: DurableFs;
  private readonly locks: LockFiles;
  private nextCompactTry = 0;
  private compactions = 0;
  private pruned = 0;
  private watcher: fs.FSWatcher | undefined;
  private interval: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;

  /** Fires after entries were added/changed or removed, by this window or another. */
  readonly onDidChange: Event<HistoryChange>;

  /** Opens (creating if needed) the history in `dir` and loads it. */
  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const store = new HistoryStore(dir, options);
    try {
      await store.fs.mkdir(dir);
    } catch (err) {
      throw fileError(err, 'create', dir, WHAT);
    }
    await store.exclusive(() => store.reopenLocked());
    store.state.tracking = true;
    store.startWatching();
    return store;
  }

  private constructor(
    readonly dir: string,
    options: HistoryStoreOptions,
  ) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULTS, clock: Date, ...defined } as ResolvedOptions;
    this.changes = new Emitter<HistoryChange>((err) => this.options.onError?.(err));
    this.onDidChange = this.changes.event;
    this.snapshotPath = path.join(dir, SNAPSHOT_FILE);
    this.journalPath = path.join(dir, JOURNAL_FILE);
    this.lockPath = path.join(dir, LOCK_FILE);
    this.fs = this.options.fs;
    this.locks = new LockFiles({ fs: this.fs, staleMs: this.options.lockStaleMs, owner: this.options.lockOwner });
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Every entry, newest first. The array is shared until the next change: do not modify it. */
  all(): readonly HistoryEntry[] {
    return this.state.newestFirstView();
  }

  get(key: string): HistoryEntry | undefined {
    return this.state.entries.get(key);
  }

  /**
   * Entries with an SMSId whose status is not final, recorded less than `maxAgeMs` ago (at most
   * `pendingMaxAgeMs`). Costs the number of such entries, not the size of the history.
   */
  pending(now: number = this.options.clock.now(), maxAgeMs: number = this.options.pendingMaxAgeMs): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    const entries = this.state.entries;
    const pendingKeys = this.state.pendingKeys(new Date(now - this.options.pendingMaxAgeMs).toISOString());
    for (const key of pendingKeys) {
      const e = entries.get(key);
      if (!e) {
        pendingKeys.delete(key);
        continue;
      }
      const age = now - Date.parse(e.createdAt);
      if (age > this.options.pendingMaxAgeMs) {
        // Too old to ask about; it comes back only if it changes again.
        pendingKeys.delete(key);
        continue;
      }
      if (age <= maxAgeMs) out.push(e);
    }
    return out;
  }

  stats(): HistoryStats {
    return {
      entries: this.state.entries.size,
      tombstones: this.state.tombstones.size,
      pending: this.pending().length,
      journalLines: this.journal?.lines ?? 0,
      journalBytes: this.journal?.offset ?? 0,
      skippedLines: this.state.skippedLines,
      snapshotEntries: this.snapshotEntries,
      snapshotBytes: this.snapshotBytes,
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
      await this.appendLocked(entries.map(entryLine));
      for (const e of entries) this.state.putEntry(e);
      return entries.map((e) => this.state.entries.get(e.key) ?? e);
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
      await this.syncLocked(); // start from what other windows last wrote, to keep conflicts rare
      const current = this.state.entries.get(key);
      if (!current) return undefined;
      const next = jsonCopy<HistoryEntry>({
        ...current,
        ...patch,
        key: current.key,
        createdAt: current.createdAt,
        updatedAt: new Date(this.options.clock.now()).toISOString(),
        rev: current.rev + 1,
      });
      await this.appendLocked([entryLine(next)]);
      this.state.putEntry(next);
      return this.state.entries.get(key);
    });
  }

  /** Like `update` for several entries with one write (a bulk send's answers); unknown keys give undefined. */
  updateMany(patches: ReadonlyArray<{ key: string; patch: HistoryPatch }>): Promise<Array<HistoryEntry | undefined>> {
    return this.exclusive(async () => {
      this.assertOpen();
      await this.syncLocked();
      const updatedAt = new Date(this.options.clock.now()).toISOString();
      const next = new Map<string, HistoryEntry>();
      for (const { key, patch } of patches) {
        const current = next.get(key) ?? this.state.entries.get(key);
        if (!current) continue;
        next.set(key, jsonCopy<HistoryEntry>({ ...current, ...patch, key: current.key, createdAt: current.createdAt, updatedAt, rev: current.rev + 1 }));
      }
      if (next.size > 0) await this.appendLocked([...next.values()].map(entryLine));
      for (const e of next.values()) this.state.putEntry(e);
      return patches.map(({ key }) => (next.has(key) ? this.state.entries.get(key) : undefined));
    });
  }

  /** Deletes entries in every window. A removed key stays removed even if a late update arrives. */
  remove(keys: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      this.assertOpen();
      if (keys.length === 0) return;
      const at = new Date(this.options.clock.now()).toISOString();
      const lines = keys.map((k) => JSON.stringify({ removed: k, at } satisfies Tombstone));
      await this.appendLocked(lines);
      for (const k of keys) this.state.removeKey(k, at);
    });
  }

  /** Reads the files again now (the directory is also watched); merges, never drops what is in memory. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      this.assertOpen();
      this.snapshotSig = ''; // force the snapshot to be read again
      await this.reopenLocked();
    });
  }

  /**
   * Folds the journal into a new snapshot. Runs in the background on its own when the journal is
   * large; resolves false when another window holds the lock (it is compacting).
   */
  compact(): Promise<boolean> {
    if (this.compacting || this.disposed) return Promise.resolve(false);
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
        return await this.compactHoldingLock(lock);
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
      this.stopWatching();
      this.changes.dispose();
      this.closed = Promise.all([this.chain, this.compactRun]).then(async () => {
        const j = this.journal;
        this.journal = undefined;
        await j?.fd.close().catch(() => undefined);
      });
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

  private report(err: unknown): void {
    this.options.onError?.(plainFileError(err, this.dir));
  }

  /**
   * Appends lines as one record, all of it and (durable) on disk before it resolves; writes them
   * again if a compaction sealed the journal meanwhile.
   */
  private async appendLocked(lines: string[]): Promise<void> {
    const data = Buffer.from('\n' + lines.join('\n') + '\n', 'utf8');
    for (let attempt = 0; ; attempt++) {
      if (!this.journal) await this.reopenLocked();
      const j = this.journal!;
      await appendRecord(j.fd, data, { sync: false, what: WHAT, file: this.journalPath });
      const st = await this.stat(this.journalPath);
      if (st && st.ino === j.ino && st.dev === j.dev) break;
      if (attempt >= 20) throw new Error('Could not save the message history: the journal keeps changing.');
      await this.reopenLocked();
    }
    if (this.options.durable) {
      try {
        await this.journal!.fd.datasync();
      } catch (err) {
        throw fileError(err, 'flush to disk', this.journalPath, WHAT);
      }
    }
  }

  private async stat(file: string): Promise<fs.BigIntStats | undefined> {
    try {
      return await statIfExists(this.fs, file);
    } catch (err) {
      throw fileError(err, 'check', file, WHAT);
    }
  }

  /** Catches up with other windows: new journal lines, or everything after a compaction. */
  private async syncLocked(): Promise<void> {
    const j = this.journal;
    const st = await this.stat(this.journalPath);
    if (!j || !st || st.ino !== j.ino || st.dev !== j.dev) {
      await this.reopenLocked();
      return;
    }
    if (Number(st.size) > j.offset) await this.readJournal(j);
  }

  private async readJournal(j: Journal): Promise<void> {
    const size = Number((await j.fd.stat()).size);
    if (size <= j.offset) return;
    const buf = Buffer.allocUnsafe(size - j.offset);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await j.fd.read(buf, filled, buf.length - filled, j.offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // Only whole lines: a line still being written (or torn) waits for its newline.
    const end = buf.lastIndexOf(10, filled - 1);
    if (end < 0) return;
    j.lines += applyLines(this.state, buf, end);
    j.offset += end + 1;
  }

  /**
   * (Re)loads: the rest of the old journal, the snapshot if it changed, sealed journals, and the
   * current journal. Repeats if a compaction moved files while reading, so nothing falls between.
   */
  private async reopenLocked(): Promise<void> {
    const old = this.journal;
    this.journal = undefined;
    if (old) {
      await this.readJournal(old).catch((err) => this.report(err));
      await old.fd.close().catch(() => undefined);
    }
    for (let attempt = 0; ; attempt++) {
      const before = await this.stat(this.journalPath);
      const snapSt = await this.stat(this.snapshotPath);
      const snapSig = fileSig(snapSt);
      if (snapSig !== this.snapshotSig) {
        if (this.snapshotSig !== '') this.state.rejects = []; // another window compacted and kept them
        await this.readSnapshot();
        this.snapshotSig = snapSig;
      }
      await this.readSealed(old?.ino);
      let fd: DurableHandle;
      try {
        fd = await this.fs.open(this.journalPath, 'a+');
      } catch (err) {
        throw fileError(err, 'open', this.journalPath, WHAT);
      }
      let j: Journal;
      try {
        const st = await fd.stat();
        j = { fd, ino: st.ino, dev: st.dev, offset: 0, lines: 0 };
        await this.readJournal(j);
      } catch (err) {
        await fd.close().catch(() => undefined);
        throw err;
      }
      const stable = before !== undefined && before.ino === j.ino && before.dev === j.dev && fileSig(await this.stat(this.snapshotPath)) === this.snapshotSig;
      if (stable || attempt >= 8) {
        this.journal = j;
        if (!before && this.options.durable) await fsyncDir(this.dir, this.fs); // a new journal's name must survive power loss too
        return;
      }
      await fd.close().catch(() => undefined);
    }
  }

  private async readSnapshot(): Promise<void> {
    let buf: Buffer | undefined;
    try {
      buf = await readIfExists(this.fs, this.snapshotPath);
    } catch (err) {
      throw fileError(err, 'read', this.snapshotPath, WHAT);
    }
    if (!buf) {
      this.snapshotEntries = 0;
      this.snapshotBytes = 0;
      return;
    }
    const text = buf.toString('utf8');
    this.snapshotEntries = applySnapshot(this.state, text);
    this.snapshotBytes = text.length;
  }

  private async sealedNames(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.fs.readdir(this.dir);
    } catch (err) {
      throw fileError(err, 'list', this.dir, WHAT);
    }
    return names.filter((n) => SEALED_RE.test(n)).sort();
  }

  /**
   * Reads sealed journals not read before. Once sealed, a journal needs reading only once: a
   * writer whose line lands in it afterwards writes that line again to the current journal.
   * Only ENOENT means one is gone (folded into the snapshot, which the caller checks). One that
   * cannot be read (permissions, I/O error) is reported once, kept, tried again at the next
   * reload, and keeps compaction from deleting anything until it can be read.
   */
  private async readSealed(skipIno?: bigint): Promise<void> {
    const names = await this.sealedNames();
    for (const name of this.sealedRead) if (!names.includes(name)) this.sealedRead.delete(name);
    for (const name of this.sealedUnreadable.keys()) if (!names.includes(name)) this.sealedUnreadable.delete(name);
    for (const name of names) {
      if (this.sealedRead.has(name)) continue;
      const p = path.join(this.dir, name);
      let buf: Buffer;
      try {
        if (skipIno !== undefined && (await this.fs.stat(p)).ino === skipIno) {
          this.sealedRead.add(name); // already read through the old descriptor
          continue;
        }
        buf = await readWhole(this.fs, p);
      } catch (err) {
        if (errCode(err) === 'ENOENT') continue;
        const known = this.sealedUnreadable.has(name);
        const error = fileError(err, 'read', p, 'part of the message history');
        this.sealedUnreadable.set(name, error);
        if (!known) this.report(error);
        continue;
      }
      this.sealedUnreadable.delete(name);
      applyLines(this.state, buf, buf.length);
      this.sealedRead.add(name);
    }
  }

  /** Files of the history that exist but could not be read (each with the reason in words). */
  unreadableFiles(): Array<{ file: string; error: DurableError }> {
    return [...this.sealedUnreadable].map(([name, error]) => ({ file: path.join(this.dir, name), error }));
  }

  private maybeCompact(): void {
    const j = this.journal;
    if (!j || this.disposed || this.compacting || !this.options.autoCompact || Date.now() < this.nextCompactTry) return;
    const lineLimit = Math.max(this.options.compactLines, Math.floor(this.snapshotEntries * this.options.compactRatio));
    const byteLimit = Math.max(this.options.compactBytes, Math.floor(this.snapshotBytes * this.options.compactRatio));
    if (j.lines <= lineLimit && j.offset <= byteLimit) return;
    this.compact().catch((err) => {
      this.nextCompactTry = Date.now() + 5000;
      this.report(err);
    });
  }

  private async compactHoldingLock(lock: HeldLock): Promise<boolean> {
    const nonce = randomUUID().slice(0, 8);
    const sealedName = `history.journal.${Date.now()}-${nonce}.sealed.jsonl`;
    const plan = await this.exclusive(async () => {
      if (this.disposed) return undefined;
      await this.syncLocked();
      const blocked = [...this.sealedUnreadable.values()][0];
      if (blocked) throw blocked; // folding without it would lose what it holds
      const j = this.journal!;
      try {
        await this.fs.rename(this.journalPath, path.join(this.dir, sealedName));
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw fileError(err, 'seal', this.journalPath, WHAT);
        await this.reopenLocked();
        return undefined;
      }
      // Writes that landed between the sync and the rename; later ones are written again by their writer.
      await this.readJournal(j);
      await this.reopenLocked(); // reads the other sealed journals too, and starts the new journal
      // Only what is in memory now goes into the snapshot, so only those journals may be deleted after it.
      const unreadable = [...this.sealedUnreadable.values()][0];
      if (unreadable) throw unreadable;
      const folded = [...this.sealedRead];
      this.applyRetention();
      const entries = this.state.ascending();
      const oldest = new Date(this.options.clock.now() - this.options.tombstoneMaxAgeMs).toISOString();
      const tombstones = [...this.state.tombstones].filter(([, at]) => at >= oldest);
      const rejects = this.state.rejects.splice(0);
      return { entries, tombstones, rejects, folded, expectedSig: this.snapshotSig };
    });
    if (!plan) return false;
    await this.removeLeftovers();
    try {
      // Written whole, fsynced, and read back and parsed before the rename: only then may the
      // journals it replaces be deleted.
      const temp = await writeTemp(this.snapshotPath, this.snapshotChunks(plan.entries, plan.tombstones), {
        fs: this.fs,
        what: WHAT,
        verify: (written) => verifySnapshot(written, plan.entries.length),
      });
      await this.exclusive(async () => {
        // Belt and braces against a lock broken as stale while this compaction was slow.
        const abandon = !(await lock.stillHeld())
          ? 'The history compaction lock was taken over; compaction abandoned.'
          : fileSig(await this.stat(this.snapshotPath)) !== plan.expectedSig
            ? 'The history snapshot changed during compaction; compaction abandoned.'
            : undefined;
        if (abandon) {
          await removeFile(this.fs, temp.path).catch(() => undefined);
          throw new Error(abandon);
        }
        await commit(temp, { fs: this.fs, what: WHAT, sync: this.options.durable });
        this.snapshotSig = fileSig(await this.stat(this.snapshotPath));
        this.snapshotEntries = plan.entries.length;
        this.snapshotBytes = temp.bytes;
      });
    } catch (err) {
      this.state.rejects.unshift(...plan.rejects);
      throw err;
    }
    for (const name of plan.folded) {
      // Left behind, it is only read again (harmless): report, but the compaction stands.
      await removeFile(this.fs, path.join(this.dir, name)).catch((err) => this.report(fileError(err, 'delete', path.join(this.dir, name), WHAT)));
    }
    if (plan.rejects.length) await this.keepRejects(plan.rejects).catch((err) => this.report(err));
    this.compactions++;
    return true;
  }

  /**
   * Drops what the retention rule names, as tombstones. Lines written after the seal are in the new
   * journal and not in memory yet, so the rule never judges (or loses) them in this compaction.
   */
  private applyRetention(): void {
    const rule = this.options.retention;
    if (!rule) return;
    const now = this.options.clock.now();
    let doomed: readonly string[];
    try {
      doomed = rule(this.state.newestFirstView(), now);
    } catch (err) {
      this.report(err); // a broken rule must not stop compaction: keep everything
      return;
    }
    const at = new Date(now).toISOString();
    for (const key of doomed) if (this.state.removeKey(key, at)) this.pruned++;
  }

  /** Temp files and broken locks a crashed compaction left; only called while holding the lock. */
  private async removeLeftovers(): Promise<void> {
    for (const name of await this.fs.readdir(this.dir).catch(() => [])) {
      if (TEMP_RE.test(name) || STALE_LOCK_RE.test(name)) await removeFile(this.fs, path.join(this.dir, name)).catch(() => undefined);
    }
  }

  /** Appends unreadable lines to history.rejected.txt, for a person to look at. */
  private async keepRejects(rejects: string[]): Promise<void> {
    const file = path.join(this.dir, REJECTED_FILE);
    const h = await this.fs.open(file, 'a');
    try {
      await appendRecord(h, Buffer.from('\n' + rejects.join('\n') + '\n', 'utf8'), { sync: this.options.durable, what: 'the list of unreadable history lines', file });
    } finally {
      await h.close().catch(() => undefined);
    }
  }

  /** The snapshot in chunks of about 1 MiB (the event loop stays responsive while it is written). */
  private *snapshotChunks(entries: HistoryEntry[], tombstones: Array<[string, string]>): Generator<string> {
    let chunk = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, writtenAt: new Date().toISOString(), count: entries.length }).slice(0, -1) + ',"entries":[\n';
    for (let i = 0; i < entries.length; i++) {
      chunk += entryLine(entries[i]) + (i + 1 < entries.length ? ',\n' : '\n');
      if (chunk.length >= 1 << 20) {
        yield chunk;
        chunk = '';
      }
    }
    chunk += '],"removed":[\n';
    for (let i = 0; i < tombstones.length; i++) {
      const [removed, at] = tombstones[i];
      chunk += JSON.stringify({ removed, at } satisfies Tombstone) + (i + 1 < tombstones.length ? ',\n' : '\n');
      if (chunk.length >= 1 << 20) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk + ']}\n';
  }

  // ---- noticing other windows' changes -------------------------------------------------------

  private startWatching(): void {
    if (this.options.watch) {
      try {
        this.watcher = fs.watch(this.dir, { persistent: false }, (_event, name) => {
          if (!name || name.startsWith('history.journal') || name === SNAPSHOT_FILE) this.scheduleSync();
        });
        this.watcher.on('error', () => {
          // e.g. the directory went away; the periodic check still runs
          this.watcher?.close();
          this.watcher = undefined;
        });
      } catch {
        this.watcher = undefined; // not supported here (some network drives); rely on the periodic check
      }
    }
    if (this.options.pollIntervalMs > 0) {
      this.interval = setInterval(() => this.scheduleSync(), this.options.pollIntervalMs);
      this.interval.unref();
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.interval) clearInterval(this.interval);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.interval = this.syncTimer = undefined;
  }

  /** Coalesces bursts of watch events into one catch-up. */
  private scheduleSync(): void {
    if (this.syncTimer || this.disposed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.disposed) return;
      this.exclusive(() => this.syncLocked()).catch((err) => this.report(err));
    }, 20);
    this.syncTimer.unref();
  }
}

/** What `loadHistory` found: for benchmarks and tools; does not create or lock anything. */
export interface LoadedHistory {
  /** Newest first. */
  entries: readonly HistoryEntry[];
  skippedLines: number;
  journalLines: number;
}

/** Reads a history directory without opening it for writing (snapshot, sealed journals, journal). */
export async function loadHistory(dir: string, fs: DurableFs = realFs): Promise<LoadedHistory> {
  const state = new HistoryState();
  const snapshot = await readIfExists(fs, path.join(dir, SNAPSHOT_FILE));
  if (snapshot) applySnapshot(state, snapshot.toString('utf8'));
  let journalLines = 0;
  const names = (await fs.readdir(dir)).filter((n) => SEALED_RE.test(n)).sort();
  for (const name of [...names, JOURNAL_FILE]) {
    const buf = await readIfExists(fs, path.join(dir, name));
    if (!buf) continue;
    const end = buf.lastIndexOf(10);
    if (end >= 0) journalLines += applyLines(state, buf, end);
  }
  return { entries: state.newestFirstView(), skippedLines: state.skippedLines, journalLines };
}
