// The durable write itself (exports, batch plans, markers go through it) and the lock, under every
// fault at every step: the target holds either its old content or the new content whole, never a
// part; no temp file is left; every error is in words. Real files, faults at the fs boundary.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendRecord, writeFileDurable } from '../../src/common/durable';
import { LockFiles } from '../../src/common/lock';
import { describeFault, FaultyFs, faultsFor, PLAIN_ERROR, type FsStep } from './faultFs';
import { removeDir, tempDir } from './fixtures/historyHelpers';

const OLD = 'old export, kept whole\n';
/** Three chunks, so a short write can hit the first, a middle or the last. */
const NEW = ['date,number,text\n', '2026-12-01,+39 339 *** **67,"hello"\n'.repeat(200), 'end\n'];

function trace(run: (fsx: FaultyFs, dir: string) => Promise<unknown>): Promise<FsStep[]> {
  const dir = tempDir();
  const fsx = new FaultyFs();
  return run(fsx, dir).then(
    () => {
      removeDir(dir);
      return fsx.trace;
    },
    (e: unknown) => {
      removeDir(dir);
      throw e;
    },
  );
}

describe('durable write and lock under disk faults', () => {
  it('writeFileDurable: old content or new content whole, never a part; errors in words', async () => {
    const write = (fsx: FaultyFs, dir: string): Promise<number> =>
      writeFileDurable(path.join(dir, 'export.csv'), NEW, { fs: fsx, what: 'the export', verify: (b) => b.toString('utf8').endsWith('end\n') });
    const steps = await trace(async (fsx, dir) => {
      fs.writeFileSync(path.join(dir, 'export.csv'), OLD);
      await write(fsx, dir);
    });
    let combinations = 0;
    for (const step of steps) {
      for (const fault of faultsFor(step)) {
        const ctx = `(${describeFault(fault)} at step ${step.n}, ${step.op})`;
        const dir = tempDir();
        try {
          fs.writeFileSync(path.join(dir, 'export.csv'), OLD);
          const fsx = new FaultyFs({ at: step.n, fault });
          let failed: unknown;
          await write(fsx, dir).catch((e: unknown) => (failed = e));
          await fsx.closeAll();
          combinations++;
          const now = fs.readFileSync(path.join(dir, 'export.csv'), 'utf8');
          assert.ok(now === OLD || now === NEW.join(''), `a partial file ${ctx}`);
          if (!failed) assert.equal(now, NEW.join(''), `success reported, old content kept ${ctx}`);
          if (failed && fault.kind !== 'crash') assert.match((failed as Error).message, PLAIN_ERROR, ctx);
          if (fault.kind !== 'crash') assert.deepEqual(fs.readdirSync(dir), ['export.csv'], `temp file left ${ctx}`);
        } finally {
          removeDir(dir);
        }
      }
    }
    assert.ok(combinations > 60, `${combinations} combinations`);
  });

  it('appendRecord: a record is either whole or absent to a reader, whatever the fault', async () => {
    const record = Buffer.from('\n' + JSON.stringify({ n: 1, text: 'x'.repeat(100) }) + '\n');
    const append = async (fsx: FaultyFs, dir: string): Promise<void> => {
      const file = path.join(dir, 'journal.jsonl');
      const h = await fsx.open(file, 'a');
      try {
        await appendRecord(h, record, { sync: true, what: 'the journal', file });
      } finally {
        await h.close().catch(() => undefined);
      }
    };
    const steps = await trace(append);
    for (const step of steps) {
      for (const fault of faultsFor(step)) {
        const dir = tempDir();
        try {
          const fsx = new FaultyFs({ at: step.n, fault });
          let failed: unknown;
          await append(fsx, dir).catch((e: unknown) => (failed = e));
          await fsx.closeAll();
          const text = fs.existsSync(path.join(dir, 'journal.jsonl')) ? fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8') : '';
          const whole = text.split('\n').filter((l) => l.trim() !== '').filter((l) => {
            try {
              return (JSON.parse(l) as { n?: number }).n === 1;
            } catch {
              return false;
            }
          });
          // A short write of all but the last byte, then the whole record again, shows it twice: readers merge copies.
          if (!failed) assert.ok(whole.length >= 1, `acknowledged but not readable (${describeFault(fault)} at ${step.op})`);
          // (the open and close are this test's own calls; appendRecord's are the write and the datasync)
          if (failed && fault.kind !== 'crash' && (step.op === 'write' || step.op === 'datasync')) assert.match((failed as Error).message, PLAIN_ERROR);
        } finally {
          removeDir(dir);
        }
      }
    }
  });

  it('the lock: a fault while taking it leaves it free or held, never a lock nobody can judge', async () => {
    const take = async (fsx: FaultyFs, dir: string): Promise<void> => {
      const lock = await new LockFiles({ fs: fsx }).tryLock(path.join(dir, 'x.lock'));
      assert.ok(lock);
      await lock.release();
    };
    const steps = await trace(take);
    for (const step of steps) {
      for (const fault of faultsFor(step)) {
        const dir = tempDir();
        try {
          const fsx = new FaultyFs({ at: step.n, fault });
          await take(fsx, dir).catch(() => undefined);
          await fsx.closeAll();
          // A lock file, if one is left (a crash, or a release that could not read it), is whole and
          // names its owner (it appears by a hard link of a filled file), so the next window can judge it.
          const file = path.join(dir, 'x.lock');
          if (fs.existsSync(file)) {
            const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; nonce: string };
            assert.equal(owner.pid, process.pid);
            assert.ok(owner.nonce.length > 0);
          }
        } finally {
          removeDir(dir);
        }
      }
    }
  });
});
