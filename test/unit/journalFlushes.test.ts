// The two journals' write paths under a file system whose fdatasyncs the test holds and lets go:
// the batch journal writes a record while the one before it is still being flushed, yet resolves
// lines in order, each only once its own flush is done; the history journal does not read its own
// writes back on the next catch-up, but still reads what another window wrote.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchStore, type JournalLine } from '../../src/bulk/batchStore';
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
  private readonly held: HeldSync[] = [];
  private waiting: Array<(h: HeldSync) => void> = [];

  open = async (file: string, flags: string): Promise<DurableHandle> => {
    const real = await realFs.open(file, flags);
    return {
      write: (buffer, offset, length, position) => {
        this.writes.set(file, (this.writes.get(file) ?? 0) + 1);
        return real.write(buffer, offset, length, position);
      },
      read: (buffer, offset, length, position) => real.read(buffer, offset, length, position),
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

  /** The next fdatasync asked for (now, or when it is). */
  next(): Promise<HeldSync> {
    const h = this.held.shift();
    if (h) return Promise.resolve(h);
    return new Promise((resolve) => this.waiting.push(resolve));
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

  it('batch journal: the next record is written while the one before is flushed; lines resolve in order, each after its own flush', async () => {
    const fsx = new HeldSyncFs();
    const store = new BatchStore(path.join(dir, 'batches'), { fs: fsx });
    const handle = await store.create(newBatch(plannedRows(3)));
    try {
      const journal = path.join(dir, 'batches', `${handle.batchId}.journal.jsonl`);
      fsx.holding = true;
      const first = handle.append(dispatch(1, 0));
      const sync1 = await fsx.next();
      assert.equal(sync1.file, journal);
      const second = handle.append(dispatch(2, 1));
      const sync2 = await fsx.next(); // asked for while the first is still held: its record is written already
      assert.equal(fsx.writes.get(journal), 2, 'the second record went out during the first flush');
      assert.equal(await settled(first), false, 'not resolved before its flush is done');
      sync2.release();
      assert.equal(await settled(second), false, 'a later line never resolves before an earlier one');
      sync1.release();
      await first;
      await second;
      assert.deepEqual(handle.journal().slice(-2).map((l) => (l.t === 'dispatch' ? l.d : -1)), [1, 2]);
      const onDisk = fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"dispatch"')).length;
      assert.equal(onDisk, 2);
    } finally {
      fsx.holding = false;
      await handle.close();
    }
  });

  it('batch journal: a failed flush fails its own lines only, in words; the next record still resolves', async () => {
    const fsx = new HeldSyncFs();
    const store = new BatchStore(path.join(dir, 'batches'), { fs: fsx });
    const handle = await store.create(newBatch(plannedRows(3)));
    try {
      fsx.holding = true;
      const first = handle.append(dispatch(1, 0));
      const sync1 = await fsx.next();
      const second = handle.append(dispatch(2, 1));
      const sync2 = await fsx.next();
      sync1.fail('EIO');
      sync2.release();
      await assert.rejects(first, (e: unknown) => e instanceof BulkError && e.code === 'batch-write' && /input\/output error/.test(e.message));
      await second;
      assert.deepEqual(handle.journal().filter((l) => l.t === 'dispatch').map((l) => (l as { d: number }).d), [2], 'only what was confirmed on disk');
    } finally {
      fsx.holding = false;
      await handle.close();
    }
  });

  it('batch journal: close waits for the flushes under way, and later lines fail in words', async () => {
    const fsx = new HeldSyncFs();
    const store = new BatchStore(path.join(dir, 'batches'), { fs: fsx });
    const handle = await store.create(newBatch(plannedRows(2)));
    fsx.holding = true;
    const first = handle.append(dispatch(1, 0));
    const sync1 = await fsx.next();
    const closing = handle.close();
    assert.equal(await settled(closing), false, 'close waits for the held flush');
    sync1.release();
    await first;
    await closing;
    await assert.rejects(handle.append(dispatch(2, 1)), (e: unknown) => e instanceof BulkError && e.code === 'batch-write');
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
});
