// The durable record of a bulk send, one set of files per batch in globalStorage/batches (what
// the plan and journal hold, and how rows are judged, is in journal.ts):
//
//   <id>.plan.json      written once, to a temp file, fsynced, verified and renamed into place,
//                       before anything is sent
//   <id>.journal.jsonl  one line per step, appended whole and fdatasynced (src/common/durable.ts),
//                       so a dispatch line the runner acted on is never torn
//   <id>.lock           held while one window works on the batch (src/common/lock.ts)
//   <id>.finished       present once nothing is left to send or decide; such batches are not listed
import { batchEntries } from '../history/rows';
import * as path from 'node:path';
import { errCode } from '../gateway/values';
import type { HistoryDraft, HistoryEntry, HistoryPatch } from '../history/types';
import {
  fileError,
  readIfExists,
  realFs,
  removeFile,
  statIfExists,
  writeFileDurable,
  type DurableFs,
} from '../common/durable';
import { GroupCommit } from '../common/groupCommit';
import { LockFiles, type HeldLock, type LockOwner } from '../common/lock';
import { BulkError } from './errors';
import {
  BATCH_FORMAT,
  BATCH_VERSION,
  countRows,
  INTERRUPTED,
  isFinished,
  isPlanFile,
  newBatchId,
  journalRecord,
  parseJournal,
  rowStatuses,
  type BatchCounts,
  type BatchPlanFile,
  type JournalLine,
  type NewBatch,
  type RowOutcome,
  type RowStatus,
} from './journal';

export * from './journal';

/** What the history must offer the bulk send (HistoryStore does). */
export interface BulkHistory {
  recordMany(drafts: readonly HistoryDraft[]): Promise<HistoryEntry[]>;
  update(key: string, patch: HistoryPatch): Promise<HistoryEntry | undefined>;
  /** Several updates in one write, when the store offers it (HistoryStore does). */
  updateMany?(patches: ReadonlyArray<{ key: string; patch: HistoryPatch }>): Promise<Array<HistoryEntry | undefined>>;
  get(key: string): HistoryEntry | undefined;
  all(): readonly HistoryEntry[];
  remove(keys: readonly string[]): Promise<void>;
}

export interface BatchListing {
  batchId: string;
  createdAt: string;
  source: string;
  account: string;
  sandbox: boolean;
  sender: string;
  /** A sample of the texts, for the list. */
  text: string;
  counts: BatchCounts;
  /** Another window (or this one) is working on it now. */
  busy: boolean;
}

export type BatchOwner = LockOwner;

export interface BatchStoreOptions {
  /** fdatasync every journal line and the plan. Default true. */
  durable?: boolean;
  /** Who takes locks; default this process. */
  owner?: BatchOwner;
  /** Whether a process id is running; default `process.kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean;
  clock?: { now(): number };
  /** Finished batches older than this are deleted when listing. Default 30 days. */
  retentionMs?: number;
  /** The file calls (a faulty one in tests); default node:fs/promises. */
  fs?: DurableFs;
}

const ID_RE = /^[\w-]{1,80}$/;

/** One batch, opened for work: its plan, its journal, and the lock that keeps other windows out. */
export class BatchHandle {
  private lines: JournalLine[];
  /** The journal's writer: lines in order, group commit, one fdatasync at a time. */
  private readonly journalFile: GroupCommit<JournalLine>;
  private nextDispatch: number;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly plan: BatchPlanFile,
    lines: JournalLine[],
    private readonly files: { journal: string; lock: string; finished: string },
    private readonly durable: boolean,
    private readonly now: () => number,
    private readonly lock: HeldLock,
    private readonly fs: DurableFs,
  ) {
    this.lines = lines;
    this.nextDispatch = lines.reduce((m, l) => (l.t === 'dispatch' ? Math.max(m, l.d + 1) : m), 1);
    this.journalFile = new GroupCommit<JournalLine>({
      fs,
      file: files.journal,
      what: `batch ${plan.batchId}`,
      durable,
      encode: (batch) => Buffer.from(journalRecord(batch), 'utf8'),
      done: (batch) => this.lines.push(...batch),
      error: (e) => (e instanceof BulkError ? e : new BulkError('batch-write', `Could not write batch ${plan.batchId}: ${fileError(e, 'write', files.journal, `batch ${plan.batchId}`).message}`)),
    });
  }

  get batchId(): string {
    return this.plan.batchId;
  }

  journal(): readonly JournalLine[] {
    return this.lines;
  }

  /** Row states; `live` while this handle is the one sending (dispatches without answers are in flight). */
  statuses(lookup?: (key: string) => HistoryEntry | undefined, live = false): RowStatus[] {
    return rowStatuses(this.plan, this.lines, lookup, live);
  }

  /** A fresh dispatch number for the next request. */
  takeDispatchNumber(): number {
    return this.nextDispatch++;
  }

  /**
   * Appends one line and resolves once it is written, and on disk (fdatasync) when `sync` and the
   * store is durable. Lines keep their order; lines asked for while a write is under way go out
   * together in the next write, and a flush covers every line written before it started (group
   * commit, src/common/groupCommit.ts), so concurrent requests share it. After a failed flush every
   * later line fails too: the batch is opened again to go on.
   */
  append(line: JournalLine, options: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new BulkError('batch-write', `Batch ${this.batchId} is closed.`));
    return this.journalFile.append(line, options.sync !== false);
  }

  /** Marks the batch finished when nothing is left to send or decide; returns whether it is. */
  async finishIfDone(lookup?: (key: string) => HistoryEntry | undefined): Promise<boolean> {
    if (!isFinished(countRows(this.statuses(lookup)))) return false;
    await writeFileDurable(this.files.finished, new Date(this.now()).toISOString(), { fs: this.fs, what: `batch ${this.batchId}`, sync: this.durable });
    return true;
  }

  /**
   * Brings the history in line with the journal after an interruption (call while holding the lock,
   * before sending): entries left 'sending' by a dispatch that got no answer become 'unknown' (and the
   * journal gets their answer); entries recorded for a request that was never dispatched are removed,
   * since their request provably never left. Returns what it changed.
   */
  async reconcile(history: BulkHistory): Promise<{ interrupted: number; removed: number }> {
    if (this.lines.some((l) => l.t === 'dispatch' && l.torn)) await this.repairTorn(history);
    const dispatched = new Set<string>();
    const answered = new Set<number>();
    // After a torn dispatch, which entries were its rows' cannot be told for sure, so none is
    // removed as never sent (they become unknown instead).
    let keysLost = false;
    for (const l of this.lines) {
      if (l.t === 'dispatch') for (const k of l.keys) dispatched.add(k);
      if (l.t === 'dispatch' && l.torn) keysLost = true;
      if (l.t === 'done') answered.add(l.d);
    }
    let interrupted = 0;
    for (const l of [...this.lines]) {
      if (l.t !== 'dispatch' || answered.has(l.d)) continue;
      const out: RowOutcome[] = [];
      for (const key of l.keys) {
        const entry = history.get(key);
        if (entry?.state === 'sent' && entry.smsId !== undefined) out.push({ s: 'sent', smsId: entry.smsId });
        else if (entry?.state === 'failed' && entry.error) out.push({ s: 'failed', error: entry.error });
        else {
          out.push({ s: 'unknown', error: entry?.state === 'unknown' ? (entry.error ?? INTERRUPTED) : INTERRUPTED });
          if (entry?.state === 'sending') {
            await history.update(key, { state: 'unknown', error: INTERRUPTED });
            interrupted++;
          }
        }
      }
      await this.append({ t: 'done', d: l.d, out, at: new Date(this.now()).toISOString() });
    }
    // The other way round: an answer in the journal whose history update was lost.
    const lastOutcome = new Map<string, RowOutcome>();
    const keysOf = new Map<number, string[]>();
    for (const l of this.lines) {
      if (l.t === 'dispatch') keysOf.set(l.d, l.keys);
      if (l.t === 'done') l.out.forEach((o, i) => {
        const key = keysOf.get(l.d)?.[i];
        if (key) lastOutcome.set(key, o);
      });
    }
    for (const [key, o] of lastOutcome) {
      const entry = history.get(key);
      if (entry?.state !== 'sending') continue;
      const patch: HistoryPatch = o.s === 'sent' ? { state: 'sent', smsId: o.smsId } : { state: o.s, error: o.error ?? INTERRUPTED };
      await history.update(key, patch);
    }
    const orphans = [...batchEntries(history, this.batchId)].filter((e) => e.state === 'sending' && !dispatched.has(e.key)).map((e) => e.key);
    if (keysLost) {
      for (const key of orphans) await history.update(key, { state: 'unknown', error: INTERRUPTED });
      return { interrupted: interrupted + orphans.length, removed: 0 };
    }
    if (orphans.length > 0) await history.remove(orphans);
    return { interrupted, removed: orphans.length };
  }

  /**
   * A torn dispatch line may have lost the rows it named (a crash while writing it; versions
   * before this one wrote one, and sent, when the disk was full). Their history entries are still
   * there, recorded before the dispatch: every entry of this batch that no dispatch line names is
   * matched to an unsent row with its number and text, and written down as dispatched, with the
   * entry's outcome (sent, failed, or unknown). Rows that may have been sent never look unsent.
   */
  private async repairTorn(history: BulkHistory): Promise<void> {
    const named = new Set(this.lines.flatMap((l) => (l.t === 'dispatch' ? l.keys : [])));
    const unsent = new Set(this.statuses().filter((s) => s.state === 'unsent').map((s) => s.row));
    const rows: number[] = [];
    const keys: string[] = [];
    const out: RowOutcome[] = [];
    const unnamed = [...batchEntries(history, this.batchId)].filter((e) => !named.has(e.key));
    for (const entry of [...unnamed].reverse()) {
      const row = this.plan.rows.find((r) => unsent.has(r.row) && r.destination === entry.destination && r.text === entry.text);
      if (!row) continue;
      unsent.delete(row.row);
      rows.push(row.row);
      keys.push(entry.key);
      if (entry.state === 'sent' && entry.smsId !== undefined) out.push({ s: 'sent', smsId: entry.smsId });
      else if (entry.state === 'failed' && entry.error) out.push({ s: 'failed', error: entry.error });
      else out.push({ s: 'unknown', error: entry.error ?? INTERRUPTED });
    }
    if (rows.length === 0) return;
    const d = this.takeDispatchNumber();
    const at = new Date(this.now()).toISOString();
    await this.append({ t: 'dispatch', d, rows, keys, at });
    await this.append({ t: 'done', d, out, at });
    for (const [i, key] of keys.entries()) {
      if (out[i].s === 'unknown' && history.get(key)?.state === 'sending') await history.update(key, { state: 'unknown', error: INTERRUPTED });
    }
  }

  /** Releases the lock (the files stay). Safe to call twice. */
  close(): Promise<void> {
    // Every caller waits for the same close: the file closed and the lock let go.
    this.closing ??= (async () => {
      await this.journalFile.settled();
      this.closed = true;
      await this.journalFile.close();
      // Only our own lock: never remove one a later owner took over.
      await this.lock.release().catch(() => undefined);
    })();
    return this.closing;
  }
}

/** The directory of batches: create, open (locked), list. */
export class BatchStore {
  private readonly durable: boolean;
  private readonly now: () => number;
  private readonly retentionMs: number;
  private readonly fs: DurableFs;
  private readonly locks: LockFiles;

  constructor(
    readonly dir: string,
    options: BatchStoreOptions = {},
  ) {
    this.durable = options.durable ?? true;
    this.fs = options.fs ?? realFs;
    this.locks = new LockFiles({ fs: this.fs, owner: options.owner, isAlive: options.isAlive });
    const clock = options.clock ?? Date;
    this.now = () => clock.now();
    this.retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
  }

  private files(batchId: string): { plan: string; journal: string; lock: string; finished: string } {
    if (!ID_RE.test(batchId)) throw new BulkError('batch-not-found', `"${batchId}" is not a batch id.`);
    const base = path.join(this.dir, batchId);
    return { plan: `${base}.plan.json`, journal: `${base}.journal.jsonl`, lock: `${base}.lock`, finished: `${base}.finished` };
  }

  /** Writes the plan durably and returns the batch opened (locked) for sending. */
  async create(batch: NewBatch): Promise<BatchHandle> {
    const { batchId = newBatchId(this.now()), ...rest } = batch;
    const plan: BatchPlanFile = { format: BATCH_FORMAT, version: BATCH_VERSION, batchId, createdAt: new Date(this.now()).toISOString(), ...rest };
    const files = this.files(batchId);
    const lock = await this.lock(files.lock, batchId);
    try {
      if (await statIfExists(this.fs, files.plan)) throw new BulkError('batch-write', `Batch ${batchId} exists already.`);
      await writeFileDurable(files.plan, JSON.stringify(plan), {
        fs: this.fs,
        what: `batch ${batchId}`,
        sync: this.durable,
        verify: (written) => isPlanFile(JSON.parse(written.toString('utf8'))),
      });
    } catch (e) {
      await lock.release().catch(() => undefined);
      if (e instanceof BulkError) throw e;
      throw new BulkError('batch-write', `Could not save batch ${batchId}: ${fileError(e, 'write', files.plan, `batch ${batchId}`).message}`);
    }
    return new BatchHandle(plan, [], files, this.durable, this.now, lock, this.fs);
  }

  /** Reads a batch without locking it. */
  async read(batchId: string): Promise<{ plan: BatchPlanFile; lines: JournalLine[] }> {
    const files = this.files(batchId);
    try {
      return await this.readFiles(batchId, files);
    } catch (e) {
      if (e instanceof BulkError) throw e;
      throw new BulkError('batch-corrupt', fileError(e, 'read', this.dir, `batch ${batchId}`).message);
    }
  }

  private async readFiles(batchId: string, files: ReturnType<BatchStore['files']>): Promise<{ plan: BatchPlanFile; lines: JournalLine[] }> {
    const raw = await readIfExists(this.fs, files.plan);
    if (!raw) throw new BulkError('batch-not-found', `Batch ${batchId} was not found.`);
    let plan: unknown;
    try {
      plan = JSON.parse(raw.toString('utf8'));
    } catch {
      plan = undefined;
    }
    if (!isPlanFile(plan) || plan.batchId !== batchId) throw new BulkError('batch-corrupt', `Batch ${batchId} cannot be read.`);
    const journal = await readIfExists(this.fs, files.journal);
    return { plan, lines: parseJournal(journal?.toString('utf8') ?? '') };
  }

  /** Opens a batch for work, taking its lock; BulkError `batch-busy` when a live window holds it. */
  async open(batchId: string): Promise<BatchHandle> {
    const files = this.files(batchId);
    await this.read(batchId); // fail on a missing batch before touching locks
    const lock = await this.lock(files.lock, batchId);
    try {
      // Read again under the lock: the previous owner may have written until a moment ago.
      const { plan, lines } = await this.read(batchId);
      return new BatchHandle(plan, lines, files, this.durable, this.now, lock, this.fs);
    } catch (e) {
      await lock.release().catch(() => undefined);
      throw e;
    }
  }

  /** Whether a live process holds the batch's lock. */
  async isBusy(batchId: string): Promise<boolean> {
    return this.locks.isHeld(this.files(batchId).lock);
  }

  /**
   * Batches that still have rows to send or unknown rows to decide, newest first. Finished batches
   * past the retention are deleted on the way.
   */
  async list(lookup?: (key: string) => HistoryEntry | undefined): Promise<BatchListing[]> {
    let names: string[];
    try {
      names = await this.fs.readdir(this.dir);
    } catch (e) {
      if (errCode(e) === 'ENOENT') return [];
      throw e;
    }
    const present = new Set(names);
    const out: BatchListing[] = [];
    for (const name of names) {
      if (!name.endsWith('.plan.json')) continue;
      const batchId = name.slice(0, -'.plan.json'.length);
      if (!ID_RE.test(batchId)) continue;
      const files = this.files(batchId);
      if (present.has(path.basename(files.finished))) {
        await this.expire(batchId, files);
        continue;
      }
      let read: { plan: BatchPlanFile; lines: JournalLine[] };
      try {
        read = await this.read(batchId);
      } catch {
        continue; // unreadable: left alone for a person to look at
      }
      const busy = await this.isBusy(batchId);
      const counts = countRows(rowStatuses(read.plan, read.lines, lookup, busy));
      if (isFinished(counts)) {
        if (!busy) await writeFileDurable(files.finished, new Date(this.now()).toISOString(), { fs: this.fs, what: `batch ${batchId}`, sync: this.durable }).catch(() => undefined);
        continue;
      }
      const p = read.plan;
      out.push({ batchId, createdAt: p.createdAt, source: p.source, account: p.account, sandbox: p.sandbox, sender: p.sender, text: p.rows[0]?.text ?? '', counts, busy });
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  private async expire(batchId: string, files: ReturnType<BatchStore['files']>): Promise<void> {
    try {
      const mtimeMs = Number((await this.fs.stat(files.finished)).mtimeMs);
      if (this.now() - mtimeMs < this.retentionMs || (await this.isBusy(batchId))) return;
      // The marker last: while it is there the batch is known to be done, whatever else is left.
      for (const f of [files.plan, files.journal, files.finished]) await removeFile(this.fs, f);
    } catch {
      // best effort
    }
  }

  /** Takes the batch's lock; BulkError `batch-busy` when a live window holds it. */
  private async lock(lockPath: string, batchId: string): Promise<HeldLock> {
    let lock: HeldLock | undefined;
    try {
      await this.fs.mkdir(path.dirname(lockPath));
      lock = await this.locks.tryLock(lockPath);
    } catch (e) {
      throw new BulkError('batch-write', `Could not lock batch ${batchId}: ${fileError(e, 'lock', lockPath, `batch ${batchId}`).message}`);
    }
    if (lock) return lock;
    const holder = await this.locks.holder(lockPath).catch(() => undefined);
    const who = this.locks.isMine(holder) ? 'this window' : 'another VS Code window';
    throw new BulkError('batch-busy', `Batch ${batchId} is being sent by ${who}.`);
  }
}
