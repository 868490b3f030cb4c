// The batch list's edges the runner tests pass over (issue #10 item 11; docs/TESTING.md, "Mutation testing"):
// how long a finished batch's files stay, the order and the fields of the list, a batches folder not made yet.
// Real batch files in a temp folder; only the clock and the gateway (a function) are the test's.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchStore } from '../../src/bulk/batchStore';
import { runBatch } from '../../src/bulk/runner';
import { HistoryStore } from '../../src/history/store';
import { FakeGateway, newBatch, plannedRows, removeDir, tempDir } from './bulkFixtures';

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2030, 2, 1, 9);

describe('mutants: bulk, the batch list', function () {
  this.timeout(30_000);
  let dir: string;
  let history: HistoryStore;
  let now: number;
  const clock = { now: () => now };

  beforeEach(async () => {
    dir = tempDir();
    now = T0;
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
  });
  afterEach(async () => {
    await history.close();
    removeDir(dir);
  });

  /** A batch sent to the end; its `.finished` marker dated `finishedAt`. */
  async function finishedBatch(store: BatchStore, finishedAt: number): Promise<string> {
    const h = await store.create(newBatch(plannedRows(2)));
    await runBatch(h, { history, send: new FakeGateway().send }, { concurrency: 1, maxPerSecond: 0 });
    await h.close();
    const marker = path.join(store.dir, `${h.batchId}.finished`);
    assert.ok(fs.existsSync(marker));
    fs.utimesSync(marker, finishedAt / 1000, finishedAt / 1000);
    return h.batchId;
  }
  const filesOf = (store: BatchStore, batchId: string): string[] => fs.readdirSync(store.dir).filter((n) => n.startsWith(`${batchId}.`)).sort();

  it('a finished batch\'s files stay 30 days by default, and go at the first listing after', async () => {
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock });
    const id = await finishedBatch(store, T0);
    const kept = filesOf(store, id);
    assert.ok(kept.includes(`${id}.plan.json`) && kept.includes(`${id}.finished`), kept.join(', '));
    now = T0 + 30 * DAY - 1;
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(filesOf(store, id), kept, 'kept a millisecond before 30 days');
    now = T0 + 30 * DAY;
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(filesOf(store, id), [], 'plan, journal and marker gone at 30 days');
  });

  it('a given retention counts', async () => {
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock, retentionMs: 5_000 });
    const id = await finishedBatch(store, T0);
    now = T0 + 4_999;
    await store.list();
    assert.notDeepEqual(filesOf(store, id), []);
    now = T0 + 5_000;
    await store.list();
    assert.deepEqual(filesOf(store, id), []);
  });

  it('a finished batch a window still holds is not deleted', async () => {
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock, retentionMs: 1 });
    const id = await finishedBatch(store, T0);
    const held = await store.open(id);
    now = T0 + DAY;
    await store.list();
    assert.ok(filesOf(store, id).includes(`${id}.plan.json`));
    await held.close();
    await store.list();
    assert.deepEqual(filesOf(store, id), []);
  });

  it('lists unfinished batches newest first, each with its plan\'s fields, the first row\'s text and whether it is held', async () => {
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock });
    const older = await store.create(newBatch(plannedRows(3), { source: 'old.csv', sender: 'Older', account: 'acct-a' }));
    await older.close();
    now = T0 + 60_000;
    const newer = await store.create(newBatch(plannedRows(2, 1), { source: 'new.csv', sender: 'Newer', sandbox: true }));
    now = T0 + 120_000;
    const middle = await store.create(newBatch(plannedRows(1), { source: 'mid.csv' }));
    await middle.close();
    // Created in between by its clock time, written last.
    const listed = await store.list();
    assert.deepEqual(listed.map((b) => b.source), ['mid.csv', 'new.csv', 'old.csv']);
    const n = listed[1];
    assert.deepEqual(
      { batchId: n.batchId, createdAt: n.createdAt, account: n.account, sandbox: n.sandbox, sender: n.sender, text: n.text, busy: n.busy, total: n.counts.total, unsent: n.counts.unsent },
      { batchId: newer.batchId, createdAt: new Date(T0 + 60_000).toISOString(), account: 'acct-1', sandbox: true, sender: 'Newer', text: 'Shared text 0', busy: true, total: 2, unsent: 2 },
    );
    assert.equal(listed[2].busy, false);
    assert.equal(listed[2].account, 'acct-a');
    assert.equal(listed[2].text, 'Hello row 0');
    await newer.close();
  });

  it('a batches folder not made yet lists nothing', async () => {
    const store = new BatchStore(path.join(dir, 'not-yet'), { durable: false, clock });
    assert.deepEqual(await store.list(), []);
  });

  it('files that are not batch plans are passed over', async () => {
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock });
    const h = await store.create(newBatch(plannedRows(1)));
    await h.close();
    fs.writeFileSync(path.join(store.dir, 'notes.txt'), 'x');
    fs.writeFileSync(path.join(store.dir, 'bad id!.plan.json'), '{}');
    fs.writeFileSync(path.join(store.dir, 'broken.plan.json'), '{');
    assert.deepEqual((await store.list()).map((b) => b.batchId), [h.batchId]);
    assert.ok(fs.existsSync(path.join(store.dir, 'broken.plan.json')), 'an unreadable plan is left for a person to look at');
  });

  describe('reconcile after a crash tore the dispatch line', () => {
    it('each row is matched to its history entry by number and text and takes that entry\'s outcome: sent, failed, or unknown (never unsent)', async () => {
      const store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock });
      const rows = plannedRows(4);
      const created = await store.create(newBatch(rows));
      const batchId = created.batchId;
      await created.close();
      const base = { sender: 'Acme', account: 'acct-1', parts: 1, batchId, state: 'sending' as const };
      const [sent, failed, sending] = await history.recordMany(rows.slice(0, 3).map((r) => ({ ...base, destination: r.destination, text: r.text })));
      await history.update(sent.key, { state: 'sent', smsId: 4242 });
      const failure = { kind: 'gateway', code: 1001, gatewayText: 'Error: 1001', explanation: 'refused' } as const;
      await history.update(failed.key, { state: 'failed', error: failure });
      // The crash cut the dispatch line before its rows: which rows it named is lost.
      fs.writeFileSync(path.join(store.dir, `${batchId}.journal.jsonl`), '{"t":"dispatch","d":0,"ro');

      const handle = await store.open(batchId);
      try {
        assert.deepEqual(await handle.reconcile(history), { interrupted: 0, removed: 0 });
        const byRow = new Map(handle.statuses((k) => history.get(k)).map((st) => [st.row, st]));
        assert.equal(byRow.get(0)?.state, 'sent');
        assert.equal(byRow.get(0)?.smsId, 4242);
        assert.equal(byRow.get(0)?.key, sent.key);
        assert.equal(byRow.get(1)?.state, 'failed');
        assert.equal(byRow.get(1)?.key, failed.key);
        assert.equal(byRow.get(2)?.state, 'unknown', 'recorded as sending: it may have gone out');
        assert.equal(byRow.get(2)?.key, sending.key);
        assert.equal(byRow.get(3)?.state, 'unsent', 'no entry: never recorded, so never sent');
        assert.equal(history.get(sending.key)?.state, 'unknown');
        assert.ok(history.get(sending.key)?.error, 'says why it is unknown');
        assert.equal(history.get(sent.key)?.state, 'sent');
        assert.equal(history.get(failed.key)?.state, 'failed');
      } finally {
        await handle.close();
      }
      // Written down: reading the batch again gives the same without a second repair.
      const again = await store.open(batchId);
      try {
        assert.deepEqual(await again.reconcile(history), { interrupted: 0, removed: 0 });
        assert.deepEqual(again.statuses((k) => history.get(k)).map((st) => st.state), ['sent', 'failed', 'unknown', 'unsent']);
      } finally {
        await again.close();
      }
    });
  });
});
