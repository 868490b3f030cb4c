// Reconcile after an interruption, in this process (issue #10 item 11; docs/TESTING.md, "Mutation testing"):
// the crash tests reach this code only in a child process, where Stryker cannot see it. Each test leaves a
// batch on disk as a crash would (a journal cut short, answers without their history updates, entries
// recorded for requests that never went) and checks what reconcile makes of it. Real files, real history.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchStore, INTERRUPTED, type BatchHandle, type JournalLine } from '../../src/bulk/batchStore';
import type { HistoryEntry } from '../../src/history/types';
import { HistoryStore } from '../../src/history/store';
import { newBatch, plannedRows, removeDir, tempDir } from './bulkFixtures';
import type { PlannedRow } from '../../src/bulk/plan';

const T0 = Date.UTC(2030, 4, 2, 10);
const REFUSED = { kind: 'gateway', code: 1005, gatewayText: 'Error: 1005 - Invalid destination number', explanation: 'refused' } as const;
const LOST = { kind: 'timeout', gatewayText: 'Headers Timeout Error', explanation: 'no answer came' } as const;

describe('mutants: bulk, reconcile after an interruption', function () {
  this.timeout(30_000);
  let dir: string;
  let now: number;
  let history: HistoryStore;
  let store: BatchStore;
  const clock = { now: () => now };

  beforeEach(async () => {
    dir = tempDir();
    now = T0;
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false, clock });
    store = new BatchStore(path.join(dir, 'batches'), { durable: false, clock });
  });
  afterEach(async () => {
    await history.close();
    removeDir(dir);
  });

  /** A batch whose plan is on disk and whose journal holds `journal` (raw text), opened for work. */
  async function leftOnDisk(rows: PlannedRow[], journal: (keys: string[]) => string, entries: Array<Partial<HistoryEntry>> = []): Promise<{ handle: BatchHandle; keys: string[] }> {
    const created = await store.create(newBatch(rows));
    const batchId = created.batchId;
    await created.close();
    const keys: string[] = [];
    for (const [i, e] of entries.entries()) {
      // One record per entry, a millisecond apart: the history orders its entries by time.
      now = T0 + 1 + i;
      const [entry] = await history.recordMany([{ sender: 'Acme', account: 'acct-1', parts: 1, batchId, destination: rows[i % rows.length].destination, text: rows[i % rows.length].text, state: 'sending', ...e }]);
      const { state, smsId, error } = e;
      if (state && state !== 'sending') await history.update(entry.key, { state, smsId, error });
      keys.push(entry.key);
    }
    now = T0 + 1000;
    fs.writeFileSync(path.join(store.dir, `${batchId}.journal.jsonl`), journal(keys));
    return { handle: await store.open(batchId), keys };
  }
  const line = (l: JournalLine): string => `${JSON.stringify(l)}\n`;
  const at = new Date(T0).toISOString();
  const lookup = (k: string): HistoryEntry | undefined => history.get(k);

  it('a dispatch without an answer takes each entry\'s outcome; only entries left sending count as interrupted', async () => {
    const rows = plannedRows(5);
    const { handle, keys } = await leftOnDisk(
      rows,
      (k) => line({ t: 'dispatch', d: 1, rows: [0, 1, 2, 3, 4], keys: [k[0], k[1], k[2], k[3], 'never-recorded'], at }),
      [{ state: 'sent', smsId: 81 }, { state: 'failed', error: REFUSED }, { state: 'unknown', error: LOST }, { state: 'sending' }],
    );
    try {
      assert.deepEqual(await handle.reconcile(history), { interrupted: 1, removed: 0 });
      const done = handle.journal().at(-1);
      assert.ok(done?.t === 'done');
      assert.equal(done.d, 1);
      assert.equal(done.at, new Date(T0 + 1000).toISOString(), 'dated by the store\'s clock');
      assert.deepEqual(done.out, [
        { s: 'sent', smsId: 81 },
        { s: 'failed', error: REFUSED },
        { s: 'unknown', error: LOST },
        { s: 'unknown', error: INTERRUPTED },
        { s: 'unknown', error: INTERRUPTED },
      ]);
      assert.equal(history.get(keys[3])?.state, 'unknown');
      assert.deepEqual(history.get(keys[3])?.error, INTERRUPTED);
      assert.deepEqual(history.get(keys[2])?.error, LOST, 'an unknown entry keeps its own reason');
      assert.deepEqual(handle.statuses(lookup).map((s) => s.state), ['sent', 'failed', 'unknown', 'unknown', 'unknown']);
    } finally {
      await handle.close();
    }
  });

  it('an unknown entry without a reason is given the interruption as its reason', async () => {
    const rows = plannedRows(1);
    const { handle } = await leftOnDisk(rows, (k) => line({ t: 'dispatch', d: 3, rows: [0], keys: [k[0]], at }), [{ state: 'unknown' }]);
    try {
      assert.deepEqual(await handle.reconcile(history), { interrupted: 0, removed: 0 });
      const done = handle.journal().at(-1);
      assert.ok(done?.t === 'done');
      assert.deepEqual(done.out, [{ s: 'unknown', error: INTERRUPTED }]);
    } finally {
      await handle.close();
    }
  });

  it('answered dispatches are not answered again', async () => {
    const rows = plannedRows(2);
    const { handle } = await leftOnDisk(
      rows,
      (k) => line({ t: 'dispatch', d: 1, rows: [0], keys: [k[0]], at }) + line({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 9 }], at }) + line({ t: 'dispatch', d: 2, rows: [1], keys: [k[1]], at }),
      [{ state: 'sent', smsId: 9 }, { state: 'sending' }],
    );
    try {
      const before = handle.journal().length;
      assert.deepEqual(await handle.reconcile(history), { interrupted: 1, removed: 0 });
      const added = handle.journal().slice(before);
      assert.deepEqual(added.map((l) => (l.t === 'done' ? l.d : 'other')), [2], 'one answer, for the dispatch that had none');
    } finally {
      await handle.close();
    }
  });

  it('an answer the journal holds but the history lost is put back into the history', async () => {
    const rows = plannedRows(4);
    const { handle, keys } = await leftOnDisk(
      rows,
      (k) =>
        line({ t: 'dispatch', d: 1, rows: [0, 1, 2, 3], keys: [k[0], k[1], k[2], k[3]], at }) +
        line({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 4711 }, { s: 'failed', error: REFUSED }, { s: 'unknown' }, { s: 'failed', error: REFUSED }], at }),
      [{ state: 'sending' }, { state: 'sending' }, { state: 'sending' }, { state: 'sent', smsId: 12 }],
    );
    try {
      const before = handle.journal().length;
      assert.deepEqual(await handle.reconcile(history), { interrupted: 0, removed: 0 });
      assert.equal(handle.journal().length, before, 'nothing to add to the journal');
      assert.equal(history.get(keys[0])?.state, 'sent');
      assert.equal(history.get(keys[0])?.smsId, 4711);
      assert.equal(history.get(keys[1])?.state, 'failed');
      assert.deepEqual(history.get(keys[1])?.error, REFUSED);
      assert.equal(history.get(keys[2])?.state, 'unknown');
      assert.deepEqual(history.get(keys[2])?.error, INTERRUPTED, 'an answer without a reason gets the interruption\'s');
      assert.equal(history.get(keys[3])?.state, 'sent', 'an entry that is no longer sending is left as it is');
      assert.equal(history.get(keys[3])?.smsId, 12);
    } finally {
      await handle.close();
    }
  });

  it('the latest answer for a key wins', async () => {
    const rows = plannedRows(1);
    const { handle, keys } = await leftOnDisk(
      rows,
      (k) =>
        line({ t: 'dispatch', d: 1, rows: [0], keys: [k[0]], at }) +
        line({ t: 'done', d: 1, out: [{ s: 'unknown', error: LOST }], at }) +
        line({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 55 }], at }),
      [{ state: 'sending' }],
    );
    try {
      await handle.reconcile(history);
      assert.equal(history.get(keys[0])?.state, 'sent');
      assert.equal(history.get(keys[0])?.smsId, 55);
    } finally {
      await handle.close();
    }
  });

  it('entries recorded for a request that never went out are removed; others are left', async () => {
    const rows = plannedRows(4);
    const { handle, keys } = await leftOnDisk(
      rows,
      (k) => line({ t: 'dispatch', d: 1, rows: [0], keys: [k[0]], at }) + line({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 1 }], at }),
      [{ state: 'sent', smsId: 1 }, { state: 'sending' }, { state: 'sending' }, { state: 'failed', error: REFUSED }],
    );
    const [other] = await history.recordMany([{ sender: 'Acme', account: 'acct-1', parts: 1, batchId: 'bulk-other', destination: rows[0].destination, text: 'x', state: 'sending' }]);
    try {
      assert.deepEqual(await handle.reconcile(history), { interrupted: 0, removed: 2 });
      assert.equal(history.get(keys[1]), undefined);
      assert.equal(history.get(keys[2]), undefined);
      assert.equal(history.get(keys[0])?.state, 'sent');
      assert.equal(history.get(keys[3])?.state, 'failed', 'not sending: kept');
      assert.equal(history.get(other.key)?.state, 'sending', 'another batch\'s entry is not this one\'s to remove');
      assert.deepEqual(handle.statuses(lookup).map((s) => s.state), ['sent', 'unsent', 'unsent', 'unsent']);
    } finally {
      await handle.close();
    }
  });

  it('nothing to do: no lines, no changes', async () => {
    const rows = plannedRows(2);
    const { handle } = await leftOnDisk(rows, () => '', []);
    try {
      assert.deepEqual(await handle.reconcile(history), { interrupted: 0, removed: 0 });
      assert.deepEqual(handle.journal(), []);
    } finally {
      await handle.close();
    }
  });

  describe('after a torn dispatch line', () => {
    // Cut before its rows: which rows it named is lost.
    const torn = '{"t":"dispatch","d":1,"ro';

    it('entries no row can take become unknown instead of being removed', async () => {
      // Two entries for one row: the older takes the row, the newer is left over.
      const rows = plannedRows(1);
      const { handle, keys } = await leftOnDisk(rows, () => torn, [{ state: 'sending' }, { state: 'sending' }]);
      try {
        assert.deepEqual(await handle.reconcile(history), { interrupted: 1, removed: 0 });
        assert.equal(history.get(keys[0])?.state, 'unknown');
        assert.equal(history.get(keys[1])?.state, 'unknown', 'kept: it may be the one that went out');
        assert.deepEqual(history.get(keys[1])?.error, INTERRUPTED);
        const st = handle.statuses(lookup);
        assert.equal(st[0].key, keys[0], 'the oldest entry is matched to the row');
      } finally {
        await handle.close();
      }
    });

    it('rows with the same number and text are matched to their entries oldest first', async () => {
      const rows: PlannedRow[] = [0, 1].map((row) => ({ row, line: row + 2, destination: '393331234567', text: 'Same', parts: 1 }));
      const { handle, keys } = await leftOnDisk(rows, () => torn, [{ state: 'sent', smsId: 1 }, { state: 'failed', error: REFUSED }]);
      try {
        await handle.reconcile(history);
        const st = handle.statuses(lookup);
        assert.deepEqual(st.map((s) => [s.state, s.key]), [['sent', keys[0]], ['failed', keys[1]]]);
        assert.equal(st[0].smsId, 1);
      } finally {
        await handle.close();
      }
    });

    it('an entry is matched only to a row with both its number and its text', async () => {
      const rows = plannedRows(2);
      const { handle, keys } = await leftOnDisk(rows, () => torn, [
        { state: 'sent', smsId: 7, text: rows[1].text },
        { state: 'sent', smsId: 8, destination: rows[0].destination },
      ]);
      try {
        await handle.reconcile(history);
        assert.deepEqual(handle.statuses(lookup).map((s) => s.state), ['unsent', 'unsent'], 'neither entry is a row of the plan');
        assert.equal(history.get(keys[0])?.state, 'sent');
      } finally {
        await handle.close();
      }
    });

    it('a row a whole dispatch line names is not matched again', async () => {
      const rows = plannedRows(2);
      const { handle, keys } = await leftOnDisk(
        rows,
        (k) => line({ t: 'dispatch', d: 1, rows: [0], keys: [k[0]], at }) + line({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 3 }], at }) + '{"t":"dispatch","d":2,"ro',
        // The third entry has row 0's number and text, like the first.
        [{ state: 'sent', smsId: 3 }, { state: 'failed', error: REFUSED }, { state: 'sending' }],
      );
      try {
        assert.deepEqual(await handle.reconcile(history), { interrupted: 1, removed: 0 });
        const st = handle.statuses(lookup);
        assert.deepEqual(st.map((s) => [s.state, s.key]), [['sent', keys[0]], ['failed', keys[1]]]);
        assert.equal(history.get(keys[2])?.state, 'unknown', 'row 0 was taken: left over, so unknown');
      } finally {
        await handle.close();
      }
    });

    it('a failed entry without its reason, or an unknown one, is matched as unknown with the entry\'s reason', async () => {
      const rows = plannedRows(2);
      const { handle, keys } = await leftOnDisk(rows, () => torn, [{ state: 'failed' }, { state: 'unknown', error: LOST }]);
      try {
        await handle.reconcile(history);
        const st = handle.statuses(lookup);
        assert.deepEqual(st.map((s) => [s.state, s.key]), [['unknown', keys[0]], ['unknown', keys[1]]]);
        assert.deepEqual(st[0].error, INTERRUPTED);
        assert.deepEqual(st[1].error, LOST);
        assert.equal(history.get(keys[0])?.state, 'failed', 'only sending entries are changed');
      } finally {
        await handle.close();
      }
    });

    it('with nothing to match, no dispatch is added and the next number is not used up', async () => {
      const rows = plannedRows(1);
      const { handle } = await leftOnDisk(rows, () => torn, []);
      try {
        await handle.reconcile(history);
        assert.deepEqual(handle.journal().map((l) => l.t), ['dispatch', 'done'], 'the torn piece and its answer only');
        assert.equal(handle.takeDispatchNumber(), 2, 'the one after the torn piece\'s');
      } finally {
        await handle.close();
      }
    });

    it('the repair is written with the store\'s clock and the next dispatch number', async () => {
      const rows = plannedRows(1);
      const { handle } = await leftOnDisk(rows, () => line({ t: 'done', d: 6, out: [], at }) + '{"t":"dispatch","d":4,"rows":[', [{ state: 'sending' }]);
      try {
        await handle.reconcile(history);
        const repair = handle.journal().filter((l) => l.t === 'dispatch' && !l.torn);
        assert.equal(repair.length, 1);
        assert.ok(repair[0].t === 'dispatch');
        assert.equal(repair[0].d, 5, 'after the torn piece\'s 4; an answer\'s number does not count');
        assert.equal(repair[0].at, new Date(T0 + 1000).toISOString());
      } finally {
        await handle.close();
      }
    });
  });
});
