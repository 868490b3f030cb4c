// The durable write itself (exports, batch plans, markers go through it), the append and the lock,
// under every fault at every step: the target holds either its old content or the new content
// whole, never a part; no temp file is left; every error is in words. Real files, faults at the
// fs boundary (faultFs.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendRecord, writeFileDurable } from '../../src/common/durable';
import { LockFiles } from '../../src/common/lock';
import { describeFault, everyFault, PLAIN_ERROR, type FaultRun } from './faultFs';

const OLD = 'old export, kept whole\n';
/** Three chunks, so a short write can hit the first, a middle or the last. */
const NEW = ['date,number,text\n', '2026-12-01,+39 339 *** **67,"hello"\n'.repeat(200), 'end\n'];

const where = (r: FaultRun): string => `(${describeFault(r.fault)} at step ${r.step.n}, ${r.step.op})`;

describe('durable write, append and lock under disk faults', () => {
  it('writeFileDurable: old content or new content whole, never a part; errors in words', async () => {
    const combinations = await everyFault(
      (fsx, dir) => writeFileDurable(path.join(dir, 'export.csv'), NEW, { fs: fsx, what: 'the export', verify: (b) => b.toString('utf8').endsWith('end\n') }),
      (r) => {
        const now = fs.readFileSync(path.join(r.dir, 'export.csv'), 'utf8');
        assert.ok(now === OLD || now === NEW.join(''), `a partial file ${where(r)}`);
        if (!r.failed) assert.equal(now, NEW.join(''), `success reported, old content kept ${where(r)}`);
        if (r.failed && r.fault.kind !== 'crash') assert.match((r.failed as Error).message, PLAIN_ERROR, where(r));
        if (r.fault.kind !== 'crash') assert.deepEqual(fs.readdirSync(r.dir), ['export.csv'], `temp file left ${where(r)}`);
      },
      (dir) => fs.writeFileSync(path.join(dir, 'export.csv'), OLD),
    );
    assert.ok(combinations > 60, `${combinations} combinations`);
  });

  it('appendRecord: an acknowledged record is readable whole, whatever the fault', async () => {
    const record = Buffer.from('\n' + JSON.stringify({ n: 1, text: 'x'.repeat(100) }) + '\n');
    await everyFault(
      async (fsx, dir) => {
        const file = path.join(dir, 'journal.jsonl');
        const h = await fsx.open(file, 'a');
        try {
          await appendRecord(h, record, { sync: true, what: 'the journal', file });
        } finally {
          await h.close().catch(() => undefined);
        }
      },
      (r) => {
        const file = path.join(r.dir, 'journal.jsonl');
        const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
        const whole = lines.filter((l) => {
          try {
            return (JSON.parse(l) as { n?: number }).n === 1;
          } catch {
            return false;
          }
        });
        // A short write of all but the last byte, then the whole record again, shows it twice: readers merge copies.
        if (!r.failed) assert.ok(whole.length >= 1, `acknowledged but not readable ${where(r)}`);
        // (the open and close are this test's own calls; appendRecord's are the write and the datasync)
        if (r.failed && r.fault.kind !== 'crash' && (r.step.op === 'write' || r.step.op === 'datasync')) assert.match((r.failed as Error).message, PLAIN_ERROR);
      },
    );
  });

  it('the lock: a fault while taking or releasing it never leaves a lock nobody can judge', async () => {
    await everyFault(
      async (fsx, dir) => {
        const lock = await new LockFiles({ fs: fsx }).tryLock(path.join(dir, 'x.lock'));
        assert.ok(lock);
        await lock.release();
      },
      (r) => {
        // A lock file, if one is left (a crash, or a release that could not read it), is whole and
        // names its owner (it appears by a hard link of a filled file), so the next window can judge it.
        const file = path.join(r.dir, 'x.lock');
        if (!fs.existsSync(file)) return;
        const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; nonce: string };
        assert.equal(owner.pid, process.pid, where(r));
        assert.ok(owner.nonce.length > 0);
      },
    );
  });
});
