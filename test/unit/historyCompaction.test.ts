// Compaction makes the snapshot from the rows while it writes it, in slices: no copy of the whole
// history first, the same document as before (one record a line), and writes that land between two
// slices are neither lost nor brought back. Real files in a temp folder; the slicer counts its
// steps and can run a write at one of them, so nothing is timed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Slicer } from '../../src/history/slices';
import { HistoryStore, JOURNAL_FILE, loadHistory, SNAPSHOT_FILE } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

const QUIET = { watch: false, autoCompact: false, durable: false } as const;

/**
 * Yields every `every` steps. `whenWriting(dir, fn)`: at the first step after the snapshot's temp
 * file exists in `dir` (the entries are being made and written), runs `fn` and waits for it there.
 */
function scriptedSlicer(every: number): Slicer & { steps: number; turns: number; whenWriting(dir: string, fn: () => Promise<unknown>): void } {
  let scripted: { dir: string; fn: () => Promise<unknown> } | undefined;
  const writing = (dir: string): boolean => fs.readdirSync(dir).some((n) => n.startsWith(`${SNAPSHOT_FILE}.`) && n.endsWith('.tmp'));
  const s = {
    steps: 0,
    turns: 0,
    whenWriting(dir: string, fn: () => Promise<unknown>) {
      scripted = { dir, fn };
    },
    step(): Promise<void> | undefined {
      const n = ++s.steps;
      if (scripted && writing(scripted.dir)) {
        const { fn } = scripted;
        scripted = undefined;
        s.turns++;
        return fn().then(() => undefined);
      }
      if (n % every !== 0) return undefined;
      s.turns++;
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  return s;
}

interface SnapshotDoc {
  format: string;
  count: number;
  entries: HistoryEntry[];
  removed: Array<{ removed: string; at: string }>;
}

function readSnapshot(dir: string): { text: string; doc: SnapshotDoc } {
  const text = fs.readFileSync(path.join(dir, SNAPSHOT_FILE), 'utf8');
  return { text, doc: JSON.parse(text) as SnapshotDoc };
}

describe('History: compaction makes the snapshot from the rows, in slices', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(() => removeDir(dir));

  async function filled(slicer: Slicer, count: number): Promise<{ store: HistoryStore; keys: string[] }> {
    let t = Date.UTC(2030, 0, 1);
    const store = await HistoryStore.open(dir, { ...QUIET, slicer, clock: { now: () => (t += 1000) } });
    const recorded = await store.recordMany(Array.from({ length: count }, (_, i) => draft(i, { text: `Message ${i} «àè» ${'x'.repeat(i % 50)}` })));
    await store.updateMany(recorded.filter((_, i) => i % 4 === 0).map((e, i) => ({ key: e.key, patch: { smsId: 7000 + i, state: 'sent' as const } })));
    await store.remove(recorded.filter((_, i) => i % 13 === 0).map((e) => e.key));
    return { store, keys: recorded.map((e) => e.key) };
  }

  it('writes every entry oldest first, one record a line, with the tombstones; yields between slices', async () => {
    const slicer = scriptedSlicer(50);
    const { store } = await filled(slicer, 1500);
    try {
      const before = slicer.turns;
      assert.equal(await store.compact(), true);
      // A turn every 50 rows written (the 1,500 less the removed); the store has its own writes in memory already.
      const kept = 1500 - Math.ceil(1500 / 13);
      assert.ok(slicer.turns - before >= Math.floor(kept / 50), `the compaction yielded ${slicer.turns - before} times for ${kept} rows`);
      const { text, doc } = readSnapshot(dir);
      assert.equal(doc.format, 'inviosmart-sms-history');
      assert.deepEqual(doc.entries, [...store.all()].reverse(), 'the entries as the store holds them, oldest first');
      assert.equal(doc.count, doc.entries.length);
      assert.equal(doc.removed.length, Math.ceil(1500 / 13));
      // The layout the sliced reader reads: a header line, then one record a line.
      const lines = text.split('\n');
      assert.match(lines[0], /^\{"format":"inviosmart-sms-history",.*"entries":\[$/);
      assert.deepEqual(lines.slice(1, 1 + doc.entries.length), doc.entries.map((e, i) => JSON.stringify(e) + (i + 1 < doc.entries.length ? ',' : '')));
      assert.equal(lines[1 + doc.entries.length], '],"removed":[');
      assert.equal(store.stats().snapshotEntries, doc.entries.length);
      const reread = await loadHistory(dir);
      assert.deepEqual(reread.entries, store.all());
    } finally {
      await store.close();
    }
  });

  it('an empty history compacts to the same empty document', async () => {
    const store = await HistoryStore.open(dir, { ...QUIET, slicer: scriptedSlicer(5) });
    try {
      const [e] = await store.recordMany([draft(1)]);
      await store.remove([e.key]);
      assert.equal(await store.compact(), true);
      const { text, doc } = readSnapshot(dir);
      assert.deepEqual(doc.entries, []);
      assert.match(text, /"entries":\[\n\],"removed":\[\n\{"removed":"[^"]+","at":"[^"]+"\}\n\]\}\n$/);
    } finally {
      await store.close();
    }
  });

  it('a message removed, one changed and one recorded while the snapshot is being written: none lost, the removed one not brought back', async () => {
    const slicer = scriptedSlicer(1_000_000);
    const { store, keys } = await filled(slicer, 600);
    const newest = keys[599];
    const changed = keys[597]; // (598 was removed: every 13th)
    let recorded: HistoryEntry | undefined;
    try {
      // As the snapshot is being written, this window removes the newest message, answers another, records one more.
      slicer.whenWriting(dir, async () => {
        await store.remove([newest]);
        await store.update(changed, { smsId: 99, state: 'sent' });
        recorded = await store.record(draft(1000));
      });
      assert.equal(await store.compact(), true);
      assert.ok(recorded, 'the writes ran during the compaction');
      const { doc } = readSnapshot(dir);
      assert.equal(doc.entries.some((e) => e.key === newest), false, 'the removed row is left out of the snapshot');
      assert.equal(doc.entries.find((e) => e.key === changed)?.smsId, 99, 'a row made after its change carries it');
      assert.ok(fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').includes(`"removed":"${newest}"`), 'the removal is in the journal the compaction keeps');
      const expected = store.all();
      await store.close();
      const again = await HistoryStore.open(dir, QUIET);
      try {
        assert.deepEqual(again.all(), expected);
        assert.equal(again.get(newest), undefined);
        assert.equal(again.get(changed)?.smsId, 99);
        assert.deepEqual(again.get(recorded.key), recorded);
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });
});
