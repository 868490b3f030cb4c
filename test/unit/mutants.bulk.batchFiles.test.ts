// The batch files' edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"): what each failure says,
// which writes are flushed to disk, the lock around create and open, the journal's order and numbering.
// Real files in a temp folder; FaultyFs (test/unit/faultFs.ts) counts the disk steps and fails a chosen one.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchStore, BATCH_FORMAT, BATCH_VERSION, type JournalLine } from '../../src/bulk/batchStore';
import { BulkError } from '../../src/bulk/errors';
import { HistoryStore } from '../../src/history/store';
import { newBatch, plannedRows, removeDir, tempDir } from './bulkFixtures';
import { FaultyFs, PLAIN_ERROR, type FsOp } from './faultFs';

const T0 = Date.UTC(2030, 5, 7, 8, 9, 10);
const at = new Date(T0).toISOString();

/** Rejects with a BulkError of `code` whose message matches `text`. */
async function refuses(work: Promise<unknown>, code: string, text: RegExp): Promise<BulkError> {
  try {
    await work;
  } catch (e) {
    assert.ok(e instanceof BulkError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, text);
    return e;
  }
  assert.fail(`expected BulkError ${code}`);
}

describe('mutants: bulk, the batch files', function () {
  this.timeout(30_000);
  let dir: string;
  let batches: string;
  const clock = { now: () => T0 };

  beforeEach(() => {
    dir = tempDir();
    batches = path.join(dir, 'batches');
  });
  afterEach(() => removeDir(dir));

  const steps = (fsx: FaultyFs, op: FsOp, suffix: string): number => fsx.trace.filter((s) => s.op === op && path.basename(s.file).includes(suffix)).length;

  describe('the plan', () => {
    it('is written with its format, version, id from the clock and creation time', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(1)));
      await h.close();
      assert.match(h.batchId, /^bulk-20300607-080910-[0-9a-f]{4}$/);
      const plan = JSON.parse(fs.readFileSync(path.join(batches, `${h.batchId}.plan.json`), 'utf8'));
      assert.equal(plan.format, BATCH_FORMAT);
      assert.equal(plan.version, BATCH_VERSION);
      assert.equal(plan.batchId, h.batchId);
      assert.equal(plan.createdAt, at);
      assert.deepEqual(h.plan, plan);
    });

    it('a batch that exists already is refused, and the lock taken for it is let go', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-twice' }));
      await h.close();
      await refuses(store.create(newBatch(plannedRows(1), { batchId: 'bulk-twice' })), 'batch-write', /^Batch bulk-twice exists already\.$/);
      assert.equal(await store.isBusy('bulk-twice'), false);
      const again = await store.open('bulk-twice');
      await again.close();
    });

    it('a plan that cannot be written says why in words, and lets the lock go', async () => {
      const probe = new FaultyFs();
      await (await new BatchStore(batches, { durable: false, clock, fs: probe }).create(newBatch(plannedRows(1), { batchId: 'bulk-probe' }))).close();
      const write = probe.trace.find((s) => s.op === 'write' && s.file.includes('bulk-probe.plan.json'));
      assert.ok(write);
      const fsx = new FaultyFs({ at: write.n, fault: { kind: 'errno', code: 'ENOSPC' } });
      const store = new BatchStore(path.join(dir, 'other'), { durable: false, clock, fs: fsx });
      const e = await refuses(store.create(newBatch(plannedRows(1), { batchId: 'bulk-probe' })), 'batch-write', /^Could not save batch bulk-probe: /);
      assert.match(e.message, PLAIN_ERROR);
      assert.equal(fs.existsSync(path.join(dir, 'other', 'bulk-probe.lock')), false);
    });

    it('is flushed to disk when the store is durable (the default), and not when it is not', async () => {
      const durable = new FaultyFs();
      await (await new BatchStore(batches, { clock, fs: durable }).create(newBatch(plannedRows(1), { batchId: 'bulk-a' }))).close();
      const loose = new FaultyFs();
      await (await new BatchStore(batches, { durable: false, clock, fs: loose }).create(newBatch(plannedRows(1), { batchId: 'bulk-b' }))).close();
      assert.ok(steps(durable, 'sync', '.plan.json') + steps(durable, 'datasync', '.plan.json') > 0, 'fsynced');
      assert.equal(steps(loose, 'sync', '.plan.json') + steps(loose, 'datasync', '.plan.json'), 0);
    });
  });

  describe('reading and opening', () => {
    it('an id that cannot be a file name is refused before any file is touched', async () => {
      const fsx = new FaultyFs();
      const store = new BatchStore(batches, { durable: false, clock, fs: fsx });
      await refuses(store.read('../escape'), 'batch-not-found', /^"\.\.\/escape" is not a batch id\.$/);
      await refuses(store.open('a b'), 'batch-not-found', /is not a batch id/);
      await refuses(store.read('x'.repeat(81)), 'batch-not-found', /is not a batch id/);
      assert.deepEqual(fsx.trace, []);
      // The longest id that is one: read finds no such batch.
      await refuses(store.read('x'.repeat(80)), 'batch-not-found', /was not found/);
    });

    it('a missing batch is not found, and opening it takes no lock', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      await refuses(store.read('bulk-none'), 'batch-not-found', /^Batch bulk-none was not found\.$/);
      await refuses(store.open('bulk-none'), 'batch-not-found', /was not found/);
      assert.equal(fs.existsSync(path.join(batches, 'bulk-none.lock')), false);
    });

    it('a plan that is not JSON, not a plan, or another batch\'s is corrupt', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-real' }));
      await h.close();
      const good = fs.readFileSync(path.join(batches, 'bulk-real.plan.json'), 'utf8');
      const cases: Array<[string, string]> = [
        ['bulk-torn', good.slice(0, 20)],
        ['bulk-other', good],
        ['bulk-plain', JSON.stringify({ ...JSON.parse(good), batchId: 'bulk-plain', format: 'something-else' })],
      ];
      for (const [id, text] of cases) {
        fs.writeFileSync(path.join(batches, `${id}.plan.json`), text);
        await refuses(store.read(id), 'batch-corrupt', new RegExp(`^Batch ${id} cannot be read\\.$`));
      }
      const fixed = JSON.stringify({ ...JSON.parse(good), batchId: 'bulk-fixed' });
      fs.writeFileSync(path.join(batches, 'bulk-fixed.plan.json'), fixed);
      assert.equal((await store.read('bulk-fixed')).plan.batchId, 'bulk-fixed');
    });

    it('a plan the disk will not give back is corrupt, with the disk\'s reason in words', async () => {
      const h = await new BatchStore(batches, { durable: false, clock }).create(newBatch(plannedRows(1), { batchId: 'bulk-eio' }));
      await h.close();
      const probe = new FaultyFs();
      await new BatchStore(batches, { durable: false, clock, fs: probe }).read('bulk-eio');
      const read = probe.trace.find((s) => s.op === 'read' && s.file.endsWith('bulk-eio.plan.json'));
      assert.ok(read);
      const fsx = new FaultyFs({ at: read.n, fault: { kind: 'errno', code: 'EIO' } });
      const e = await refuses(new BatchStore(batches, { durable: false, clock, fs: fsx }).read('bulk-eio'), 'batch-corrupt', /./);
      assert.match(e.message, PLAIN_ERROR);
      assert.match(e.message, /bulk-eio/);
    });

    it('the journal is read back with the plan', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(2), { batchId: 'bulk-j' }));
      await h.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at });
      await h.close();
      const { plan, lines } = await store.read('bulk-j');
      assert.equal(plan.rows.length, 2);
      assert.deepEqual(lines, [{ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at }]);
    });

    it('a batch held by this window, or by another live one, is busy; the error says which', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const held = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-held' }));
      assert.equal(await store.isBusy('bulk-held'), true);
      await refuses(store.open('bulk-held'), 'batch-busy', /^Batch bulk-held is being sent by this window\.$/);
      const elsewhere = new BatchStore(batches, { durable: false, clock, owner: { pid: process.pid + 1, host: os.hostname() }, isAlive: () => true });
      await refuses(elsewhere.open('bulk-held'), 'batch-busy', /^Batch bulk-held is being sent by another VS Code window\.$/);
      await refuses(elsewhere.create(newBatch(plannedRows(1), { batchId: 'bulk-held' })), 'batch-busy', /another VS Code window/);
      await held.close();
      assert.equal(await store.isBusy('bulk-held'), false);
      const taken = await elsewhere.open('bulk-held');
      await taken.close();
    });

    it('a lock that cannot be taken says why in words', async () => {
      fs.writeFileSync(path.join(dir, 'a-file'), 'not a folder');
      const store = new BatchStore(path.join(dir, 'a-file'), { durable: false, clock });
      const e = await refuses(store.create(newBatch(plannedRows(1), { batchId: 'bulk-nolock' })), 'batch-write', /^Could not lock batch bulk-nolock: /);
      assert.ok(e.message.length > 'Could not lock batch bulk-nolock: '.length + 10, e.message);
    });
  });

  describe('the journal', () => {
    it('lines are written in the order asked, also when asked for together, and read back the same', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(3), { batchId: 'bulk-order' }));
      const lines: JournalLine[] = [0, 1, 2].map((d) => ({ t: 'dispatch', d: d + 1, rows: [d], keys: [`k${d}`], at }));
      await Promise.all(lines.map((l) => h.append(l)));
      assert.deepEqual(h.journal(), lines);
      await h.close();
      assert.deepEqual((await store.read('bulk-order')).lines, lines);
    });

    it('a line asked for with sync is flushed to disk once per write; lines without it, and a store that is not durable, are not', async () => {
      const fsx = new FaultyFs();
      const h = await new BatchStore(batches, { clock, fs: fsx }).create(newBatch(plannedRows(3), { batchId: 'bulk-sync' }));
      const flushes = (): number => steps(fsx, 'datasync', '.journal.jsonl') + steps(fsx, 'sync', '.journal.jsonl');
      await h.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at }, { sync: false });
      assert.equal(flushes(), 0, 'sync: false');
      await h.append({ t: 'dispatch', d: 2, rows: [1], keys: ['k1'], at });
      assert.equal(flushes(), 1, 'sync by default');
      // The first goes alone; the two asked for while it is written go together in one write, with one
      // flush because one of them asked for it.
      const writes = (): number => steps(fsx, 'write', '.journal.jsonl');
      const before = writes();
      await Promise.all([
        h.append({ t: 'done', d: 1, out: [], at }, { sync: true }),
        h.append({ t: 'done', d: 2, out: [], at }, { sync: false }),
        h.append({ t: 'dispatch', d: 3, rows: [2], keys: ['k2'], at }, { sync: true }),
      ]);
      assert.equal(writes() - before, 2);
      assert.equal(flushes(), 3);
      await h.close();

      const loose = new FaultyFs();
      const l = await new BatchStore(batches, { durable: false, clock, fs: loose }).create(newBatch(plannedRows(1), { batchId: 'bulk-loose' }));
      await l.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at }, { sync: true });
      await l.close();
      assert.equal(steps(loose, 'datasync', '.journal.jsonl') + steps(loose, 'sync', '.journal.jsonl'), 0);
    });

    it('a line that cannot be written fails in words, is not taken as written, and no later line is written', async () => {
      const probe = new FaultyFs();
      const p = await new BatchStore(batches, { durable: false, clock, fs: probe }).create(newBatch(plannedRows(1), { batchId: 'bulk-w' }));
      await p.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at });
      await p.close();
      const write = probe.trace.find((s) => s.op === 'write' && s.file.endsWith('bulk-w.journal.jsonl'));
      assert.ok(write);
      const fsx = new FaultyFs({ at: write.n, fault: { kind: 'errno', code: 'EACCES' } });
      const h = await new BatchStore(path.join(dir, 'b2'), { durable: false, clock, fs: fsx }).create(newBatch(plannedRows(1), { batchId: 'bulk-w' }));
      const e = await refuses(h.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at }), 'batch-write', /^Could not write batch bulk-w: /);
      assert.match(e.message, PLAIN_ERROR);
      assert.deepEqual(h.journal(), []);
      // Nor does any later line go: it would be on disk while the one before it is lost (an answer, say).
      await refuses(h.append({ t: 'dispatch', d: 2, rows: [0], keys: ['k1'], at }), 'batch-write', /^Could not write batch bulk-w: /);
      assert.deepEqual(h.journal(), []);
      await h.close();
      // Opened again (as Resume does), the batch goes on.
      const again = await new BatchStore(path.join(dir, 'b2'), { durable: false, clock, fs: new FaultyFs() }).open('bulk-w');
      await again.append({ t: 'dispatch', d: 2, rows: [0], keys: ['k1'], at });
      assert.equal(again.journal().filter((l) => l.t === 'dispatch').length, 1);
      await again.close();
    });

    it('after close a line is refused; close waits for lines under way and may be called twice', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-closed' }));
      const pending = h.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at });
      await h.close();
      await pending;
      assert.equal((await store.read('bulk-closed')).lines.length, 1, 'written before the close');
      await refuses(h.append({ t: 'done', d: 1, out: [], at }), 'batch-write', /^Batch bulk-closed is closed\.$/);
      await h.close();
      assert.equal((await store.read('bulk-closed')).lines.length, 1);
    });

    it('dispatch numbers go on from the highest dispatch in the journal', async () => {
      const store = new BatchStore(batches, { durable: false, clock });
      const h = await store.create(newBatch(plannedRows(2), { batchId: 'bulk-num' }));
      assert.equal(h.takeDispatchNumber(), 1);
      assert.equal(h.takeDispatchNumber(), 2);
      await h.append({ t: 'dispatch', d: 7, rows: [0], keys: ['k'], at });
      await h.append({ t: 'dispatch', d: 3, rows: [1], keys: ['k'], at });
      await h.append({ t: 'done', d: 20, out: [], at });
      await h.close();
      const again = await store.open('bulk-num');
      assert.equal(again.takeDispatchNumber(), 8);
      assert.equal(again.takeDispatchNumber(), 9);
      await again.close();
    });
  });

  describe('finished', () => {
    it('a batch with rows left is not finished; once every row is answered it is, marked with the time', async () => {
      const fsx = new FaultyFs();
      const store = new BatchStore(batches, { clock, fs: fsx });
      const h = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-fin' }));
      const marker = path.join(batches, 'bulk-fin.finished');
      assert.equal(await h.finishIfDone(), false);
      assert.equal(fs.existsSync(marker), false);
      await h.append({ t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at });
      await h.append({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 1 }], at });
      assert.equal(await h.finishIfDone(), true);
      assert.equal(fs.readFileSync(marker, 'utf8'), at);
      assert.ok(steps(fsx, 'sync', '.finished') + steps(fsx, 'datasync', '.finished') > 0, 'the marker is flushed in a durable store');
      await h.close();
    });

    it('the list marks a batch it finds done and not held, and leaves a held one for its window', async () => {
      const history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
      try {
        const store = new BatchStore(batches, { durable: false, clock });
        const h = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-done' }));
        const [entry] = await history.recordMany([{ sender: 'Acme', account: 'acct-1', parts: 1, batchId: 'bulk-done', destination: h.plan.rows[0].destination, text: h.plan.rows[0].text, state: 'sent', smsId: 3 }]);
        // Dispatched, answer lost: the history entry says it went.
        await h.append({ t: 'dispatch', d: 1, rows: [0], keys: [entry.key], at });
        const marker = path.join(batches, 'bulk-done.finished');
        assert.equal((await store.list((k) => history.get(k))).length, 1, 'held: its window decides, the row is in flight');
        assert.equal(fs.existsSync(marker), false);
        await h.close();
        assert.equal((await store.list()).length, 1, 'without the history the row is unknown: not done');
        assert.equal(fs.existsSync(marker), false);
        assert.deepEqual(await store.list((k) => history.get(k)), []);
        assert.equal(fs.readFileSync(marker, 'utf8'), at);

        // Every row answered while its window still holds it: not listed, and not marked by the list.
        const busy = await store.create(newBatch(plannedRows(1), { batchId: 'bulk-busy-done' }));
        await busy.append({ t: 'dispatch', d: 1, rows: [0], keys: ['kb'], at });
        await busy.append({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 4 }], at });
        const busyMarker = path.join(batches, 'bulk-busy-done.finished');
        assert.deepEqual(await store.list(), []);
        assert.equal(fs.existsSync(busyMarker), false);
        await busy.close();
        assert.deepEqual(await store.list(), []);
        assert.equal(fs.existsSync(busyMarker), true);
      } finally {
        await history.close();
      }
    });
  });
});
