// The durable message history, shared by every VS Code window through one directory. Plain Node.
//
// Files in the directory:
//   history.snapshot.json        all entries at the last compaction, one JSON document written
//                                to a temp file, fsynced and renamed into place (one entry a line)
//   history.journal.jsonl        every change since, one JSON line per change, appended with a
//                                single write on an O_APPEND descriptor ("\n" + line + "\n": the
//                                leading newline ends any line a killed writer left torn)
//   history.journal.*.sealed.jsonl  journals a compaction has taken out of use
//   history.lock                 held (O_EXCL) while one process compacts
//   history.rejected.txt         lines that could not be read, kept rather than dropped
//
// Loading is snapshot + sealed journals + journal. Versions of one entry combine with
// `mergeEntries` (order-independent, a status never moves backwards), so reading a change twice
// is harmless: that is what makes compaction safe without stopping writers. A compaction renames
// the journal to a sealed name; a writer that finds, after its write, that the journal it wrote
// to is no longer the current one writes the same line again to the new journal.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
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
type ResolvedOptions = Required2<Omit<HistoryStoreOptions, 'onError' | 'retention'>> & Pick<HistoryStoreOptions, 'onError' | 'retention'>;

const DEFAULTS: Omit<ResolvedOptions, 'clock' | 'onError' | 'retention'> = {
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

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined;
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
  fd: fsp.FileHandle;
  ino: bigint;
  dev: bigint;
  /** Bytes read and applied: always just after a newline (or 0). */
  offset: number;
  lines: number;
}

interface LockInfo {
  pid: number;
  host: string;
  nonce: string;
  at: string;
}

async function statOrUndefined(p: string): Promise<fs.BigIntStats | undefined> {
  try {
    return await fsp.stat(p, { bigint: true });
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** A whole file as text with one read and one decode (readFile's chunked decoding is slower for large files). */
async function readText(p: string): Promise<string> {
  const h = await fsp.open(p, 'r');
  try {
    // Snapshots are renamed into place whole, never written in place: the size cannot change.
    const buf = Buffer.allocUnsafe((await h.stat()).size);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await h.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buf.toString('utf8', 0, filled);
  } finally {
    await h.close();
  }
}

function fileSig(st: fs.BigIntStats | undefined): string {
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` : 'none';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Windows refuses to replace a file another process is reading for a moment; try again briefly. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (err) {
      const code = errCode(err);
      if (attempt >= 20 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw err;
      await delay(25 * (attempt + 1));
    }
  }
}

/** Makes a rename or a new file in `dir` survive power loss (best effort: not every file system can). */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch {
    // some file systems do not support it; the rename itself is still atomic
  } finally {
    await h?.close().catch(() => undefined);
  }
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
    await fsp.mkdir(dir, { recursive: true });
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
    const run = this.compactOnce();
    this.compactRun = run.catch(() => undefined);
    return run;
  }

  private async compactOnce(): Promise<boolean> {
    try {
      const lock = await this.tryLock();
      if (!lock) {
        this.nextCompactTry = Date.now() + 1000;
        return false;
      }
      try {
        return await this.compactHoldingLock(lock);
      } finally {
        await this.unlock(lock).catch(() => undefined);
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
    const run = this.chain.then(fn).finally(() => {
      const change = this.state.takeChanges();
      if (change && !this.disposed) this.changes.fire(change);
      this.maybeCompact();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private report(err: unknown): void {
    this.options.onError?.(err);
  }

  /** Appends lines with one write; writes them again if a compaction sealed the journal meanwhile. */
  private async appendLocked(lines: string[]): Promise<void> {
    const data = Buffer.from('\n' + lines.join('\n') + '\n', 'utf8');
    for (let attempt = 0; ; attempt++) {
      if (!this.journal) await this.reopenLocked();
      const j = this.journal!;
      const { bytesWritten } = await j.fd.write(data, 0, data.length);
      if (bytesWritten !== data.length) {
        await j.fd.write('\n').catch(() => undefined); // end the torn piece so the next line starts clean
        throw new Error(`Could not save the message history (${bytesWritten} of ${data.length} bytes written); is the disk full?`);
      }
      const st = await statOrUndefined(this.journalPath);
      if (st && st.ino === j.ino && st.dev === j.dev) break;
      if (attempt >= 20) throw new Error('Could not save the message history: the journal keeps changing.');
      await this.reopenLocked();
    }
    if (this.options.durable) await this.journal!.fd.datasync();
  }

  /** Catches up with other windows: new journal lines, or everything after a compaction. */
  private async syncLocked(): Promise<void> {
    const j = this.journal;
    const st = await statOrUndefined(this.journalPath);
    if (!j || !st || st.ino !== j.ino || st.dev !== j.dev) {
      await this.reopenLocked();
      return;
    }
    if (Number(st.size) > j.offset) await this.readJournal(j);
  }

  private async readJournal(j: Journal): Promise<void> {
    const size = Number((await j.fd.stat({ bigint: true })).size);
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
      const before = await statOrUndefined(this.journalPath);
      const snapSt = await statOrUndefined(this.snapshotPath);
      const snapSig = fileSig(snapSt);
      if (snapSig !== this.snapshotSig) {
        if (this.snapshotSig !== '') this.state.rejects = []; // another window compacted and kept them
        await this.readSnapshot();
        this.snapshotSig = snapSig;
      }
      await this.readSealed(old?.ino);
      const fd = await fsp.open(this.journalPath, 'a+');
      let j: Journal;
      try {
        const st = await fd.stat({ bigint: true });
        j = { fd, ino: st.ino, dev: st.dev, offset: 0, lines: 0 };
        await this.readJournal(j);
      } catch (err) {
        await fd.close().catch(() => undefined);
        throw err;
      }
      const stable = before !== undefined && before.ino === j.ino && before.dev === j.dev && fileSig(await statOrUndefined(this.snapshotPath)) === this.snapshotSig;
      if (stable || attempt >= 8) {
        this.journal = j;
        if (!before && this.options.durable) await fsyncDir(this.dir); // a new journal's name must survive power loss too
        return;
      }
      await fd.close().catch(() => undefined);
    }
  }

  private async readSnapshot(): Promise<void> {
    let text: string;
    try {
      text = await readText(this.snapshotPath);
    } catch (err) {
      if (errCode(err) === 'ENOENT') {
        this.snapshotEntries = 0;
        this.snapshotBytes = 0;
        return;
      }
      throw err;
    }
    this.snapshotEntries = applySnapshot(this.state, text);
    this.snapshotBytes = text.length;
  }

  private async sealedNames(): Promise<string[]> {
    return (await fsp.readdir(this.dir)).filter((n) => SEALED_RE.test(n)).sort();
  }

  /**
   * Reads sealed journals not read before. Once sealed, a journal needs reading only once: a
   * writer whose line lands in it afterwards writes that line again to the current journal.
   */
  private async readSealed(skipIno?: bigint): Promise<void> {
    const names = await this.sealedNames();
    for (const name of this.sealedRead) if (!names.includes(name)) this.sealedRead.delete(name);
    for (const name of names) {
      if (this.sealedRead.has(name)) continue;
      const p = path.join(this.dir, name);
      let buf: Buffer;
      try {
        if (skipIno !== undefined && (await fsp.stat(p, { bigint: true })).ino === skipIno) {
          this.sealedRead.add(name); // already read through the old descriptor
          continue;
        }
        buf = await fsp.readFile(p);
      } catch (err) {
        // Gone (or, on Windows, pending deletion): it was folded into the snapshot, which the caller checks.
        const code = errCode(err);
        if (code === 'ENOENT' || code === 'EPERM' || code === 'EACCES' || code === 'EBUSY') continue;
        throw err;
      }
      applyLines(this.state, buf, buf.length);
      this.sealedRead.add(name);
    }
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

  private async compactHoldingLock(lock: LockInfo): Promise<boolean> {
    const nonce = randomUUID().slice(0, 8);
    const sealedName = `history.journal.${Date.now()}-${nonce}.sealed.jsonl`;
    const plan = await this.exclusive(async () => {
      if (this.disposed) return undefined;
      await this.syncLocked();
      const j = this.journal!;
      try {
        await fsp.rename(this.journalPath, path.join(this.dir, sealedName));
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw err;
        await this.reopenLocked();
        return undefined;
      }
      // Writes that landed between the sync and the rename; later ones are written again by their writer.
      await this.readJournal(j);
      const folded = await this.sealedNames();
      await this.reopenLocked(); // reads the other sealed journals too, and starts the new journal
      this.applyRetention();
      const entries = this.state.ascending();
      const oldest = new Date(this.options.clock.now() - this.options.tombstoneMaxAgeMs).toISOString();
      const tombstones = [...this.state.tombstones].filter(([, at]) => at >= oldest);
      const rejects = this.state.rejects.splice(0);
      return { entries, tombstones, rejects, folded, expectedSig: this.snapshotSig };
    });
    if (!plan) return false;
    await this.removeLeftovers();
    const temp = path.join(this.dir, `${SNAPSHOT_FILE}.${nonce}.tmp`);
    let bytes: number;
    try {
      bytes = await this.writeSnapshot(temp, plan.entries, plan.tombstones);
      await this.exclusive(async () => {
        // Belt and braces against a lock broken as stale while this compaction was slow.
        if (!(await this.holdsLock(lock))) throw new Error('The history compaction lock was taken over; compaction abandoned.');
        if (fileSig(await statOrUndefined(this.snapshotPath)) !== plan.expectedSig) throw new Error('The history snapshot changed during compaction; compaction abandoned.');
        await renameWithRetry(temp, this.snapshotPath);
        await fsyncDir(this.dir);
        this.snapshotSig = fileSig(await statOrUndefined(this.snapshotPath));
        this.snapshotEntries = plan.entries.length;
        this.snapshotBytes = bytes;
      });
    } catch (err) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      this.state.rejects.unshift(...plan.rejects);
      throw err;
    }
    for (const name of plan.folded) await fsp.rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
    if (plan.rejects.length) {
      await fsp.appendFile(path.join(this.dir, REJECTED_FILE), plan.rejects.join('\n') + '\n').catch((err) => this.report(err));
    }
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
    for (const name of await fsp.readdir(this.dir)) {
      if (TEMP_RE.test(name) || STALE_LOCK_RE.test(name)) await fsp.rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
    }
  }

  /** Writes the snapshot in chunks (the event loop stays responsive), then fsyncs it. */
  private async writeSnapshot(file: string, entries: HistoryEntry[], tombstones: Array<[string, string]>): Promise<number> {
    const h = await fsp.open(file, 'w');
    let bytes = 0;
    try {
      let chunk = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, writtenAt: new Date().toISOString(), count: entries.length }).slice(0, -1) + ',"entries":[\n';
      const flush = async (force: boolean): Promise<void> => {
        if (!force && chunk.length < 1 << 20) return;
        const buf = Buffer.from(chunk, 'utf8');
        bytes += buf.length;
        chunk = '';
        await h.write(buf, 0, buf.length);
      };
      for (let i = 0; i < entries.length; i++) {
        chunk += entryLine(entries[i]) + (i + 1 < entries.length ? ',\n' : '\n');
        await flush(false);
      }
      chunk += '],"removed":[\n';
      for (let i = 0; i < tombstones.length; i++) {
        const [removed, at] = tombstones[i];
        chunk += JSON.stringify({ removed, at } satisfies Tombstone) + (i + 1 < tombstones.length ? ',\n' : '\n');
        await flush(false);
      }
      chunk += ']}\n';
      await flush(true);
      await h.sync();
    } finally {
      await h.close();
    }
    return bytes;
  }

  // ---- the compaction lock -------------------------------------------------------------------

  private async tryLock(): Promise<LockInfo | undefined> {
    const info: LockInfo = { pid: process.pid, host: os.hostname(), nonce: randomUUID(), at: new Date().toISOString() };
    // The lock appears with its owner already written in it (hard link of a filled file), so a
    // process killed while taking it never leaves an empty lock nobody can judge.
    const filled = `${this.lockPath}.${info.nonce.slice(0, 8)}.new`;
    await fsp.writeFile(filled, JSON.stringify(info));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await this.createLock(filled, info);
          return info;
        } catch (err) {
          const code = errCode(err);
          if (code === 'ENOENT') return undefined; // our filled file was cleared away by a compaction
          if (code !== 'EEXIST') throw err;
          if (!(await this.breakStaleLock())) return undefined;
        }
      }
      return undefined;
    } finally {
      await fsp.rm(filled, { force: true }).catch(() => undefined);
    }
  }

  private async createLock(filled: string, info: LockInfo): Promise<void> {
    try {
      await fsp.link(filled, this.lockPath);
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST' || code === 'ENOENT') throw err;
      // No hard links on this file system (FAT, some network shares): create exclusively, then fill.
      const h = await fsp.open(this.lockPath, 'wx');
      try {
        await h.writeFile(JSON.stringify(info));
      } finally {
        await h.close();
      }
    }
  }

  private async readLock(p: string): Promise<{ text: string; info?: LockInfo; ageMs: number } | undefined> {
    try {
      const [text, st] = await Promise.all([fsp.readFile(p, 'utf8'), fsp.stat(p)]);
      let info: LockInfo | undefined;
      try {
        info = JSON.parse(text) as LockInfo;
      } catch {
        info = undefined;
      }
      return { text, info, ageMs: Date.now() - st.mtimeMs };
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** True when the lock was stale and is gone now (try again); false when someone really holds it. */
  private async breakStaleLock(): Promise<boolean> {
    const seen = await this.readLock(this.lockPath);
    if (!seen) return true;
    const { info, ageMs } = seen;
    const sameHost = info?.host === os.hostname();
    const stale = info
      ? sameHost
        ? !pidAlive(info.pid) || ageMs > 10 * 60_000 // a live pid can be a reused one after very long
        : ageMs > this.options.lockStaleMs
      : ageMs > 5000; // written but not yet filled, or damaged
    if (!stale) return false;
    // Move it aside first: if someone replaced it since we looked, we can tell and put theirs back.
    const grave = `${this.lockPath}.${randomUUID().slice(0, 8)}.stale`;
    try {
      await fsp.rename(this.lockPath, grave);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return true;
      throw err;
    }
    const moved = await this.readLock(grave);
    if (moved && moved.text !== seen.text) {
      await fsp.link(grave, this.lockPath).catch(() => undefined);
      await fsp.rm(grave, { force: true });
      return false;
    }
    await fsp.rm(grave, { force: true });
    return true;
  }

  private async holdsLock(lock: LockInfo): Promise<boolean> {
    const now = await this.readLock(this.lockPath);
    return now?.info?.nonce === lock.nonce;
  }

  private async unlock(lock: LockInfo): Promise<void> {
    if (await this.holdsLock(lock)) await fsp.rm(this.lockPath, { force: true });
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
export async function loadHistory(dir: string): Promise<LoadedHistory> {
  const state = new HistoryState();
  try {
    applySnapshot(state, await readText(path.join(dir, SNAPSHOT_FILE)));
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
  let journalLines = 0;
  const names = (await fsp.readdir(dir)).filter((n) => SEALED_RE.test(n)).sort();
  for (const name of [...names, JOURNAL_FILE]) {
    let buf: Buffer;
    try {
      buf = await fsp.readFile(path.join(dir, name));
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue;
      throw err;
    }
    const end = buf.lastIndexOf(10);
    if (end >= 0) journalLines += applyLines(state, buf, end);
  }
  return { entries: state.newestFirstView(), skippedLines: state.skippedLines, journalLines };
}
