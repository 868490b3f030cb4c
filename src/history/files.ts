// The history's files on disk, read into a HistoryState and appended to: the snapshot, the sealed
// journals and the current journal (formats in format.ts; every call through src/common/durable.ts).
// Not safe for concurrent calls: the store runs them one at a time.
import type { BigIntStats } from 'node:fs';
import * as path from 'node:path';
import { errCode } from '../gateway/values';
import {
  appendRecord,
  DurableError,
  fileError,
  fsyncDir,
  readIfExists,
  readWhole,
  realFs,
  statIfExists,
  type DurableFs,
  type DurableHandle,
} from '../common/durable';
import { applyLines, applyLinesSliced, applySnapshot, applySnapshotSliced, JOURNAL_FILE, roomHinted, SEALED_RE, SNAPSHOT_FILE } from './format';
import { timeSlicer, type Slicer } from './slices';
import { HistoryState } from './state';
import type { HistoryEntry } from './types';

export const WHAT = 'the message history';

/** What is read of the snapshot for its header line (a few hundred bytes as written). */
const SNAPSHOT_HEAD_BYTES = 4096;

/** A system error that escaped a more precise message still reaches the user in words. */
export function plainFileError(err: unknown, dir: string): unknown {
  return errCode(err) !== undefined && !(err instanceof DurableError) ? fileError(err, 'read or write', dir, WHAT) : err;
}

export function fileSig(st: BigIntStats | undefined): string {
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` : 'none';
}

export interface Journal {
  fd: DurableHandle;
  ino: bigint;
  dev: bigint;
  /** Bytes read and applied: always just after a newline (or 0). */
  offset: number;
  lines: number;
}

export class HistoryFiles {
  readonly snapshotPath: string;
  readonly journalPath: string;
  journal: Journal | undefined;
  /** Identity of the snapshot file whose contents are in memory. */
  snapshotSig = '';
  snapshotEntries = 0;
  snapshotBytes = 0;
  /** Sealed journals read into memory. */
  readonly sealedRead = new Set<string>();
  /** Sealed journals that exist but could not be read (not ENOENT): compaction waits for them. */
  readonly sealedUnreadable = new Map<string, DurableError>();
  /** A flush of the journal's descriptor failed: it is opened again before the next read or write. */
  private journalSuspect = false;

  constructor(
    readonly dir: string,
    readonly fs: DurableFs,
    private readonly state: HistoryState,
    private readonly durable: boolean,
    private readonly report: (err: unknown) => void,
    /** Long reads (a snapshot, a big journal) give the event loop a turn between slices. */
    private readonly slicer: Slicer = timeSlicer(),
  ) {
    this.snapshotPath = path.join(dir, SNAPSHOT_FILE);
    this.journalPath = path.join(dir, JOURNAL_FILE);
  }

  /**
   * Appends lines as one record, all of it and (durable) on disk before it resolves; writes them
   * again if a compaction sealed the journal meanwhile.
   */
  async append(lines: string[]): Promise<void> {
    const data = Buffer.from('\n' + lines.join('\n') + '\n', 'utf8');
    let ownRecordOnly = false;
    for (let attempt = 0; ; attempt++) {
      if (!this.journal || this.journalSuspect) await this.reopen();
      const j = this.journal!;
      await appendRecord(j.fd, data, { sync: false, what: WHAT, file: this.journalPath });
      const st = await this.stat(this.journalPath);
      if (st && st.ino === j.ino && st.dev === j.dev) {
        ownRecordOnly = Number(st.size) === j.offset + data.length;
        break;
      }
      if (attempt >= 20) throw new Error('Could not save the message history: the journal keeps changing.');
      await this.reopen();
    }
    if (this.durable) {
      try {
        await this.journal!.fd.datasync();
      } catch (err) {
        // Not trusted again: a later flush of the same descriptor would not be told of this one's loss.
        this.journalSuspect = true;
        throw fileError(err, 'flush to disk', this.journalPath, WHAT);
      }
    }
    // Nothing but this record past what was read, and it is on disk: it counts as read (the caller applies its
    // lines), so the next catch-up does not read and parse this window's own writes back. A record that failed
    // is read back like anything else another window may have seen.
    const j = this.journal;
    if (ownRecordOnly && j) {
      j.offset += data.length;
      j.lines += lines.length;
    }
  }

  async stat(file: string): Promise<BigIntStats | undefined> {
    try {
      return await statIfExists(this.fs, file);
    } catch (err) {
      throw fileError(err, 'check', file, WHAT);
    }
  }

  /** Catches up with other windows: new journal lines, or everything after a compaction. */
  async sync(): Promise<void> {
    const j = this.journal;
    const st = await this.stat(this.journalPath);
    if (!j || !st || st.ino !== j.ino || st.dev !== j.dev || this.journalSuspect) {
      await this.reopen();
      return;
    }
    if (Number(st.size) > j.offset) await this.readJournal(j);
  }

  async readJournal(j: Journal): Promise<void> {
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
    j.lines += await applyLinesSliced(this.state, buf, end, this.slicer);
    j.offset += end + 1;
  }

  /**
   * (Re)loads: the rest of the old journal, the snapshot if it changed, sealed journals, and the
   * current journal. Repeats if a compaction moved files while reading, so nothing falls between.
   */
  async reopen(): Promise<void> {
    const old = this.journal;
    this.journal = undefined;
    this.journalSuspect = false;
    let oldRead = true;
    if (old) {
      await this.readJournal(old).catch((err) => {
        oldRead = false; // then it is read again by name if a compaction sealed it, never taken as read
        this.report(err);
      });
      await old.fd.close().catch(() => undefined);
    }
    for (let attempt = 0; ; attempt++) {
      const before = await this.stat(this.journalPath);
      const snapSig = fileSig(await this.stat(this.snapshotPath));
      if (snapSig !== this.snapshotSig) {
        if (this.snapshotSig !== '') this.state.rejects = []; // another window compacted and kept them
        await this.readSnapshot();
        this.snapshotSig = snapSig;
      }
      await this.readSealed(oldRead ? old?.ino : undefined);
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
        if (!before && this.durable) await fsyncDir(this.dir, this.fs); // a new journal's name must survive power loss too
        return;
      }
      await fd.close().catch(() => undefined);
    }
  }

  private async readSnapshot(): Promise<void> {
    await this.reserveForSnapshot();
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
    this.snapshotEntries = await applySnapshotSliced(this.state, buf, this.slicer);
    this.snapshotBytes = buf.length;
  }

  /**
   * Makes room for the snapshot's entries (its header's count) in a task of its own, before the file itself
   * is read: allocating the columns once the 56 MB file was in memory as well set off a full garbage
   * collection of the extension host's heap in that task (40 to 60 ms). A hint only: nothing fails here.
   */
  private async reserveForSnapshot(): Promise<void> {
    const head = Buffer.alloc(SNAPSHOT_HEAD_BYTES);
    let room = 0;
    try {
      const h = await this.fs.open(this.snapshotPath, 'r');
      try {
        const { bytesRead } = await h.read(head, 0, head.length, 0);
        room = roomHinted(head.subarray(0, bytesRead), Number((await h.stat()).size));
      } finally {
        await h.close().catch(() => undefined);
      }
    } catch {
      return; // missing or unreadable: the read that follows says so
    }
    if (room === 0) return;
    this.state.reserve(room);
    await new Promise<void>((resolve) => setImmediate(resolve));
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
      await applyLinesSliced(this.state, buf, buf.length, this.slicer);
      this.sealedRead.add(name);
    }
  }

  /** The first sealed journal that cannot be read, as the error to give: folding without it would lose what it holds. */
  unreadable(): DurableError | undefined {
    return [...this.sealedUnreadable.values()][0];
  }

  async close(): Promise<void> {
    const j = this.journal;
    this.journal = undefined;
    await j?.fd.close().catch(() => undefined);
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
