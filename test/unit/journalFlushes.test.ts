// The two journals' write paths under a file system whose fdatasyncs the test holds and lets go:
// the batch journal writes a record while the one before it is being flushed, but runs one fdatasync
// at a time (each covering every record written before it started), resolves lines in order, and
// trusts no later line after a failed flush; the history journal does not read its own writes back on
// the next catch-up, but still reads what another window wrote, and what failed to reach the disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchStore, type BatchHandle, type JournalLine } from '../../src/bulk/batchStore';
import { BulkError } from '../../src/bulk/errors';
import { realFs, type DurableFs, type DurableHandle } from '../../src/common/durable';
import { HistoryStore, JOURNAL_FILE } from '../../src/history/store';
import { newBatch, plannedRows, removeDir, tempDir } from './bulkFixtures';
import { FaultyFs } from './faultFs';
import { draft } from './fixtures/historyHelpers';

/** One held fdatasync: the test lets it finish, or fail. */
interface HeldSync {
  file: string;
  release(): void;
  fail(code: string): void;
}

/**
 * realFs, but while `holding`, every fdatasync waits for the test (`next()` hands over the next one);
 * `writes` counts writes per file.
 */
class HeldSyncFs implements DurableFs {
  holding = false;
  readonly writes = new Map<string, number>();
  readonly reads = new Map<string, number>();
  readonly opens = new Map<string, number>();
  /** The next write fails with this code. */
  failNextWrite: string | undefined;
  private readonly held: HeldSync[] = [];
  private waiting: Array<(h: HeldSync) => void> = [];

  open = async (file: string, flags: string): Promise<DurableHandle> => {
    const real = await realFs.open(file, flags);
    this.opens.set(file, (this.opens.get(file) ?? 0) + 1);
    return {
      write: (buffer, offset, length, position) => {
        const code = this.failNextWrite;
        this.failNextWrite = undefined;
        if (code) return Promise.reject(Object.assign(new Error(`${code}: write failed`), { code }));
        this.writes.set(file, (this.writes.get(file) ?? 0) + 1);
        return real.write(buffer, offset, length, position);
      },
      read: (buffer, offset, length, position) => {
        this.reads.set(file, (this.reads.get(file) ?? 0) + 1);
        return real.read(buffer, offset, length, position);
      },
      stat: () => real.stat(),
      sync: () => real.sync(),
      datasync: () => {
        if (!this.holding) return real.datasync();
        return new Promise<void>((resolve, reject) => {
          const h: HeldSync = {
            file,
            release: () => void real.datasync().then(resolve, reject),
            fail: (code) => reject(Object.assign(new Error(`${code}: held sync failed`), { code })),
          };
          const w = this.waiting.shift();
          if (w) w(h);
          else this.held.push(h);
        });
      },
      close: () => real.close(),
    };
  };

  rename = realFs.rename;
  unlink = realFs.unlink;
  link = realFs.link;
  readdir = realFs.readdir;
  stat = realFs.stat;
  mkdir = realFs.mkdir;
  utimes = realFs.utimes;

  /** fdatasyncs asked for and not yet handed to the test. */
  get waitingSyncs(): number {
    return this.held.length;
  }

  /** Stops holding and lets every held fdatasync finish (so a failed test does not hang its clean-up). */
  releaseAll(): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h.release();
  }

  /** The next fdatasync asked for (now, or when it is). */
  next(): Promise<HeldSync> {
    const h = this.held.shift();
    if (h) return Promise.resolve(h);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** Waits until `cond` holds (file calls finish on the thread pool), failing after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Whether `p` has settled, after every pending callback has run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

const dispatch = (d: number, row: number): JournalLine => ({ t: 'dispatch', d, rows: [row], keys: [`k${row}`], at: new Date(0).toISOString() });

describe('Journals: overlapping flushes and own writes', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => {
    dir = tempDir('inviosmart-flushes-');
  });

  afterEach(() => removeDir(dir));

  /** A new batch of `rows` rows whose first dispatch line is written and its fdatasync held by the test. */
  async function firstLineHeld(rows: number): Promise<{ fsx: HeldSyncFs; store: BatchStore; handle: BatchHandle; journal: string; first: Promise<void>; sync1: HeldSync }> {
    const fsx = new HeldSyncFs();
    const store = new BatchStore(path.join(dir, 'batches'), { fs: fsx });
    const handle = await store.create(newBatch(plannedRows(rows)));
    const journal = path.join(dir, 'batches', `${handle.batchId}.journal.jsonl`);
    fsx.holding = true;
    const first = handle.append(dispatch(1, 0));
    return { fsx, store, handle, journal, first, sync1: await fsx.next() };
  }

  it('batch journal: the next record is written while the one before is flushed, then flushed on its own; lines resolve in order', async () => {
    const { fsx, handle, journal, first, sync1 } = await firstLineHeld(3);
    try {
      assert.equal(sync1.file, journal);
      const second = handle.append(dispatch(2, 1));
      const third = handle.append({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 5 }], at: new Date(0).toISOString() }, { sync: false });
      await until(() => fsx.writes.get(journal) === 3, 'both later records went out during the first flush');
      assert.equal(fsx.waitingSyncs, 0, 'no second fdatasync while the first is under way');
      assert.equal(await settled(first), false, 'not resolved before its flush is done');
      sync1.release();
      await first;
      const sync2 = await fsx.next(); // one flush for both records written meanwhile
      assert.equal(await settled(second), false, 'the second waits for its own flush');
      assert.equal(await settled(third), false, 'a line that needs no flush still waits for the lines before it');
      sync2.release();
      await second;
      await third;
      assert.equal(fsx.waitingSyncs, 0);
      assert.deepEqual(handle.journal().slice(-3).map((l) => `${l.t}${'d' in l ? l.d : ''}`), ['dispatch1', 'dispatch2', 'done1']);
      const onDisk = fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"dispatch"')).length;
      assert.equal(onDisk, 2);
    } finally {
      fsx.releaseAll();
      await handle.close();
    }
  });

  it('batch journal: after a failed flush no line is trusted, the ones written during it and later ones fail in words; opened again, the batch goes on', async () => {
    const { fsx, store, handle, journal, first, sync1 } = await firstLineHeld(3);
    const words = (e: unknown): boolean => e instanceof BulkError && e.code === 'batch-write' && /input\/output error/.test(e.message);
    const second = handle.append(dispatch(2, 1)); // written during the flush that fails
    await until(() => fsx.writes.get(journal) === 2, 'the second record written');
    sync1.fail('EIO');
    await assert.rejects(first, words);
    await assert.rejects(second, words, 'its bytes were written through a descriptor whose flush failed');
    await assert.rejects(handle.append(dispatch(3, 2)), words, 'and nothing later is trusted');
    assert.equal(fsx.waitingSyncs, 0, 'no flush was tried after the failure');
    assert.deepEqual(handle.journal().filter((l) => l.t === 'dispatch'), [], 'only what was confirmed on disk');
    fsx.holding = false;
    await handle.close();
    const again = await store.open(handle.batchId);
    try {
      await again.append(dispatch(4, 2));
      assert.ok(again.journal().some((l) => l.t === 'dispatch' && l.d === 4));
    } finally {
      await again.close();
    }
  });

  it('batch journal: after a failed write no later line is written, while what was written before is still flushed', async () => {
    const { fsx, handle, journal, first, sync1 } = await firstLineHeld(3);
    try {
      fsx.failNextWrite = 'ENOSPC';
      const answer = handle.append({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 9 }], at: new Date(0).toISOString() }, { sync: false });
      await assert.rejects(answer, (e: unknown) => e instanceof BulkError && e.code === 'batch-write' && /disk is full/.test(e.message));
      await assert.rejects(handle.append(dispatch(2, 1)), (e: unknown) => e instanceof BulkError && /disk is full/.test(e.message), 'a later line would be on disk while the answer before it is lost');
      sync1.release();
      await first;
      const lines = fs.readFileSync(journal, 'utf8');
      assert.ok(lines.includes('"d":1') && !lines.includes('"d":2'), 'the dispatch written before is kept; nothing after the failure');
      assert.equal(fsx.waitingSyncs, 0);
    } finally {
      fsx.releaseAll();
      await handle.close();
    }
  });

  it('batch journal: close twice at once: both wait for the file and the lock, and the batch opens again', async () => {
    const { fsx, store, handle, first, sync1 } = await firstLineHeld(2);
    const closeA = handle.close();
    const closeB = handle.close();
    assert.equal(await settled(closeB), false, 'the second close does not return before the first is done');
    sync1.release();
    await Promise.all([first, closeA, closeB]);
    fsx.holding = false;
    const again = await store.open(handle.batchId); // the lock was let go
    await again.close();
  });

  it('batch journal: close waits for the flush under way; lines after it fail in words, never hang', async () => {
    const { handle, first, sync1 } = await firstLineHeld(2);
    const closing = handle.close();
    assert.equal(await settled(closing), false, 'close waits for the held flush');
    sync1.release();
    await first;
    await closing;
    for (const d of [2, 3]) await assert.rejects(handle.append(dispatch(d, 1)), (e: unknown) => e instanceof BulkError && e.code === 'batch-write' && /closed/.test(e.message));
  });

  it('history journal: this window\'s own writes are not read back; another window\'s are', async () => {
    const traced = new FaultyFs();
    const a = await HistoryStore.open(dir, { watch: false, fs: traced });
    const b = await HistoryStore.open(dir, { watch: false });
    try {
      const journal = path.join(dir, JOURNAL_FILE);
      const reads = (): number => traced.trace.filter((s) => s.op === 'read' && s.file === journal).length;
      const [mine] = await a.recordMany([draft(1)]);
      const before = reads();
      await a.update(mine.key, { state: 'sent', smsId: 11 }); // catches up first: nothing new but its own record
      await a.updateMany([{ key: mine.key, patch: { state: 'unknown' } }]);
      assert.equal(reads(), before, 'no read of the journal for what this window wrote itself');
      const lines = a.stats().journalLines;
      assert.equal(lines, 3, 'its own lines still count towards compaction');

      const [theirs] = await b.recordMany([draft(2)]);
      await a.update(mine.key, { text: 'after the other window' });
      assert.ok(reads() > before, 'the other window\'s record is read');
      assert.equal(a.get(theirs.key)?.destination, theirs.destination);
      assert.equal(a.stats().journalLines, 5);
      assert.equal(a.stats().journalBytes, fs.statSync(journal).size);
    } finally {
      await a.close();
      await b.close();
      await traced.closeAll();
    }
  });

  it('history journal: a record whose flush failed is read back at the next catch-up, as other windows read it', async () => {
    const fsx = new HeldSyncFs();
    const a = await HistoryStore.open(dir, { watch: false, fs: fsx });
    try {
      const journal = path.join(dir, JOURNAL_FILE);
      const [mine] = await a.recordMany([draft(1)]);
      const opensBefore = fsx.opens.get(journal) ?? 0;
      fsx.holding = true;
      const failing = a.update(mine.key, { state: 'sent', smsId: 77 });
      (await fsx.next()).fail('EIO');
      await assert.rejects(failing, /input\/output error/);
      fsx.holding = false;
      assert.equal(a.get(mine.key)?.state, 'sending', 'the failed update is not applied by the write');
      const readsBefore = fsx.reads.get(journal) ?? 0;
      await a.update(mine.key, { text: 'later' });
      assert.ok((fsx.reads.get(journal) ?? 0) > readsBefore, 'the catch-up read the journal');
      assert.equal(a.get(mine.key)?.smsId, 77, 'the record in the file, which other windows read, is this window\'s too');
      assert.equal(fsx.opens.get(journal), opensBefore + 1, 'the journal was opened anew: a descriptor whose flush failed is not flushed again');
      assert.equal(a.stats().journalBytes, fs.statSync(journal).size);
    } finally {
      fsx.holding = false;
      await a.close();
    }
  });
});
