// Folding the journals into a new snapshot, run by the store while it holds the compaction lock.
//
// Order, so that a crash or a disk fault at any step loses nothing: seal the journal (rename),
// read everything into memory, write the snapshot to a temp file (every byte, fsynced, read back
// and compared with what was written, by digest), rename it into place, fsync the folder, and only
// then delete the sealed journals whose contents were read into it. A sealed journal that cannot
// be read stops the compaction. The snapshot is made from the rows as it is written, in slices:
// no copy of the whole history, and no task that grows with it.
import * as path from 'node:path';
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { errCode } from '../gateway/values';
import { appendRecord, commit, fileError, removeFile, writeTemp, type DurableFs } from '../common/durable';
import type { HeldLock } from '../common/lock';
import { fileSig, WHAT, type HistoryFiles } from './files';
import { REJECTED_FILE, snapshotChunks, STALE_LOCK_RE, TEMP_RE } from './format';
import { timeSlicer, type Slicer } from './slices';
import type { HistoryState } from './state';
import type { EntryList } from './types';

/** What the store lends a compaction. */
export interface CompactionHost {
  readonly dir: string;
  readonly fs: DurableFs;
  readonly files: HistoryFiles;
  readonly state: HistoryState;
  readonly durable: boolean;
  readonly clock: { now(): number };
  readonly tombstoneMaxAgeMs: number;
  readonly retention?: (newestFirst: EntryList, now: number) => readonly string[];
  /** Where making and checking the snapshot gives the event loop a turn; default every ~8 ms of work. */
  readonly slicer?: Slicer;
  isDisposed(): boolean;
  /** Runs `fn` after every earlier operation of the store, and announces what changed. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  report(err: unknown): void;
}

/** Compacts; `compacted` false when there was nothing to do (disposed, or the journal was already sealed). */
export async function compactHoldingLock(host: CompactionHost, lock: HeldLock): Promise<{ compacted: boolean; pruned: number }> {
  const { dir, fs, files, state } = host;
  const sealedName = `history.journal.${Date.now()}-${randomUUID().slice(0, 8)}.sealed.jsonl`;
  let pruned = 0;
  const plan = await host.exclusive(async () => {
    if (host.isDisposed()) return undefined;
    await files.sync();
    const blocked = files.unreadable();
    if (blocked) throw blocked;
    const j = files.journal!;
    try {
      await fs.rename(files.journalPath, path.join(dir, sealedName));
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw fileError(err, 'seal', files.journalPath, WHAT);
      await files.reopen();
      return undefined;
    }
    // Writes that landed between the sync and the rename; later ones are written again by their writer.
    await files.readJournal(j);
    await files.reopen(); // reads the other sealed journals too, and starts the new journal
    // Only what is in memory now goes into the snapshot, so only those journals may be deleted after it.
    const unreadable = files.unreadable();
    if (unreadable) throw unreadable;
    const folded = [...files.sealedRead];
    pruned = applyRetention(host);
    // Row numbers never change: the entries are made from these rows while the snapshot is written.
    const rows = state.rowsAscending().slice();
    const oldest = new Date(host.clock.now() - host.tombstoneMaxAgeMs).toISOString();
    const tombstones = [...state.tombstones].filter(([, at]) => at >= oldest);
    const rejects = state.rejects.splice(0);
    return { rows, tombstones, rejects, folded, expectedSig: files.snapshotSig };
  });
  if (!plan) return { compacted: false, pruned };
  await removeLeftovers(host);
  try {
    const slicer = host.slicer ?? timeSlicer();
    const made = { count: 0 };
    const digest = createHash('sha256');
    const chunks = digested(snapshotChunks(plan.rows.length, state.entriesOf(plan.rows, slicer, made), plan.tombstones), digest);
    const temp = await writeTemp(files.snapshotPath, chunks, {
      fs,
      what: WHAT,
      // The bytes read back are the bytes written (one JSON.parse of a 56 MB snapshot held the thread for half a second).
      verify: async (written) => (await digestOf(written, slicer)) === digest.digest('hex'),
    });
    await host.exclusive(async () => {
      // Belt and braces against a lock broken as stale while this compaction was slow.
      const abandon = !(await lock.stillHeld())
        ? 'The history compaction lock was taken over; compaction abandoned.'
        : fileSig(await files.stat(files.snapshotPath)) !== plan.expectedSig
          ? 'The history snapshot changed during compaction; compaction abandoned.'
          : undefined;
      if (abandon) {
        await removeFile(fs, temp.path).catch(() => undefined);
        throw new Error(abandon);
      }
      await commit(temp, { fs, what: WHAT, sync: host.durable });
      files.snapshotSig = fileSig(await files.stat(files.snapshotPath));
      files.snapshotEntries = made.count;
      files.snapshotBytes = temp.bytes;
    });
  } catch (err) {
    state.rejects.unshift(...plan.rejects);
    throw err;
  }
  for (const name of plan.folded) {
    // Left behind, it is only read again (harmless): report, but the compaction stands.
    const file = path.join(dir, name);
    await removeFile(fs, file).catch((err) => host.report(fileError(err, 'delete', file, WHAT)));
  }
  if (plan.rejects.length) await keepRejects(host, plan.rejects).catch((err) => host.report(err));
  return { compacted: true, pruned };
}

/** The chunks as bytes, each added to `digest` as it passes. */
async function* digested(chunks: AsyncIterable<string>, digest: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    const bytes = Buffer.from(chunk, 'utf8');
    digest.update(bytes);
    yield bytes;
  }
}

/** The sha256 of `buf`, 64 KiB a step (the slicer gives the event loop its turns). */
async function digestOf(buf: Buffer, slicer: Slicer): Promise<string> {
  const digest = createHash('sha256');
  for (let at = 0; at < buf.length; at += 1 << 16) {
    digest.update(buf.subarray(at, Math.min(buf.length, at + (1 << 16))));
    const turn = slicer.step();
    if (turn) await turn;
  }
  return digest.digest('hex');
}

/**
 * Drops what the retention rule names, as tombstones; returns how many. Lines written after the
 * seal are in the new journal and not in memory yet, so the rule never judges (or loses) them here.
 */
function applyRetention(host: CompactionHost): number {
  const rule = host.retention;
  if (!rule) return 0;
  const now = host.clock.now();
  let doomed: readonly string[];
  try {
    doomed = rule(host.state.newestFirstList(), now);
  } catch (err) {
    host.report(err); // a broken rule must not stop compaction: keep everything
    return 0;
  }
  const at = new Date(now).toISOString();
  let pruned = 0;
  for (const key of doomed) if (host.state.removeKey(key, at)) pruned++;
  return pruned;
}

/** Temp files and broken locks a crashed compaction left; only called while holding the lock. */
async function removeLeftovers(host: CompactionHost): Promise<void> {
  for (const name of await host.fs.readdir(host.dir).catch(() => [])) {
    if (TEMP_RE.test(name) || STALE_LOCK_RE.test(name)) await removeFile(host.fs, path.join(host.dir, name)).catch(() => undefined);
  }
}

/** Appends unreadable lines to history.rejected.txt, for a person to look at. */
async function keepRejects(host: CompactionHost, rejects: string[]): Promise<void> {
  const file = path.join(host.dir, REJECTED_FILE);
  const h = await host.fs.open(file, 'a');
  try {
    await appendRecord(h, Buffer.from('\n' + rejects.join('\n') + '\n', 'utf8'), { sync: host.durable, what: 'the list of unreadable history lines', file });
  } finally {
    await h.close().catch(() => undefined);
  }
}
