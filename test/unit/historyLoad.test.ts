// The history loads in the background, in slices: HistoryStore.create returns before anything is
// read, the sliced reader gives what the one-parse reader (loadHistory) gives on the same files,
// damaged and hand-laid snapshots included, and a message recorded during the load is on disk, after
// the load, in order. Real files in a temp folder; the slicer is a counting one, so nothing is timed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realFs, type DurableFs } from '../../src/common/durable';
import { applySnapshotSliced } from '../../src/history/format';
import { type Slicer } from '../../src/history/slices';
import { HistoryState } from '../../src/history/state';
import { HistoryStore, JOURNAL_FILE, loadHistory, SNAPSHOT_FILE } from '../../src/history/store';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

const QUIET = { watch: false, autoCompact: false, durable: false } as const;

/** Yields every `every` steps (a turn through setImmediate), and counts the turns. */
function countingSlicer(every: number): Slicer & { turns: number } {
  let steps = 0;
  const s = {
    turns: 0,
    step(): Promise<void> | undefined {
      if (++steps % every !== 0) return undefined;
      s.turns++;
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  return s;
}

/** A history folder: `count` messages in a snapshot (some removed, some with statuses), `tail` more in the journal. */
async function writeHistory(dir: string, count: number, tail: number): Promise<void> {
  let t = Date.UTC(2030, 0, 1);
  const store = await HistoryStore.open(dir, { ...QUIET, clock: { now: () => (t += 1000) } });
  const batch: ReturnType<typeof draft>[] = [];
  for (let i = 0; i < count; i++) batch.push(draft(i, { text: `Message ${i} «àè» ${'x'.repeat(i % 40)}` }));
  const recorded = await store.recordMany(batch);
  await store.updateMany(recorded.filter((_, i) => i % 3 === 0).map((e, i) => ({ key: e.key, patch: { smsId: 5000 + i, state: 'sent' as const } })));
  await store.remove(recorded.filter((_, i) => i % 17 === 0).map((e) => e.key));
  assert.equal(await store.compact(), true);
  if (tail > 0) await store.recordMany(Array.from({ length: tail }, (_, i) => draft(count + i)));
  await store.close();
}

describe('History: loading in the background, in slices', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(() => removeDir(dir));

  it('create() returns before anything is read; ready, loaded and onDidLoad tell when it is in', async () => {
    await writeHistory(dir, 3000, 20);
    const slicer = countingSlicer(100);
    const store = HistoryStore.create(dir, { ...QUIET, slicer });
    try {
      assert.equal(store.loaded, false);
      assert.equal(store.all().length, 0, 'nothing is read before create returns');
      let fired = 0;
      store.onDidLoad(() => fired++);
      // Between slices the event loop runs, and queries answer with what is read so far.
      const seen: number[] = [];
      const watch = (): void => {
        if (store.loaded) return;
        seen.push(store.all().length);
        setImmediate(watch);
      };
      setImmediate(watch);
      await store.ready;
      assert.equal(store.loaded, true);
      assert.equal(fired, 1);
      assert.ok(slicer.turns >= 3000 / 100, `the load yielded ${slicer.turns} times`);
      assert.ok(seen.some((n) => n > 0 && n < store.all().length), `a query during the load saw part of it (${seen.slice(0, 5).join(', ')}…)`);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'what is known only grows');
    } finally {
      await store.close();
    }
  });

  it('gives the same entries as the one-parse loader, for a whole snapshot + journal', async () => {
    await writeHistory(dir, 2500, 40);
    const old = await loadHistory(dir);
    const store = await HistoryStore.open(dir, { ...QUIET, slicer: countingSlicer(7) });
    try {
      assert.equal(store.all().length, 2500 - Math.ceil(2500 / 17) + 40);
      assert.deepEqual(store.all(), old.entries);
      assert.equal(store.stats().skippedLines, old.skippedLines);
      assert.equal(store.stats().snapshotEntries, 2500 - Math.ceil(2500 / 17));
    } finally {
      await store.close();
    }
  });

  it('keeps what still reads from a damaged snapshot, as the one-parse loader does', async () => {
    await writeHistory(dir, 1200, 0);
    const file = path.join(dir, SNAPSHOT_FILE);
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    lines[10] = lines[10].slice(0, 25); // a torn record
    lines[500] = 'not json at all,';
    fs.writeFileSync(file, lines.slice(0, 900).join('\n')); // and cut short: no closing brackets, no tombstones
    const old = await loadHistory(dir);
    const sliced = new HistoryState();
    await applySnapshotSliced(sliced, fs.readFileSync(file), countingSlicer(5));
    assert.ok(old.entries.length > 800);
    assert.deepEqual(sliced.newestFirstView(), old.entries);
    assert.equal(sliced.skippedLines, old.skippedLines);
    assert.equal(sliced.skippedLines, 2);
  });

  it('reads a snapshot laid out otherwise (one line, or pretty-printed) with one JSON.parse', async () => {
    await writeHistory(dir, 300, 0);
    const file = path.join(dir, SNAPSHOT_FILE);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[]; removed: unknown[] };
    const expected = (await loadHistory(dir)).entries;
    assert.equal(doc.removed.length, Math.ceil(300 / 17));
    for (const layout of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      fs.writeFileSync(file, layout);
      const store = await HistoryStore.open(dir, { ...QUIET, slicer: countingSlicer(3) });
      try {
        assert.deepEqual(store.all(), expected);
        assert.equal(store.stats().snapshotEntries, doc.entries.length);
      } finally {
        await store.close();
      }
    }
  });

  it('a message recorded during the load waits for it, is on disk when record() resolves, and keeps its order', async () => {
    await writeHistory(dir, 2000, 0);
    // The snapshot's read is held until the test lets it go: the load is certainly under way.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: DurableFs = {
      ...realFs,
      open: async (file, flags) => {
        if (path.basename(file) === SNAPSHOT_FILE) await gate;
        return realFs.open(file, flags);
      },
    };
    let t = Date.UTC(2031, 0, 1);
    const store = HistoryStore.create(dir, { ...QUIET, durable: true, fs: held, slicer: countingSlicer(50), clock: { now: () => (t += 1000) } });
    try {
      const order: string[] = [];
      void store.ready.then(() => order.push('loaded'));
      const first = store.record(draft(9001)).then((e) => (order.push('first'), e));
      const second = store.record(draft(9002)).then((e) => (order.push('second'), e));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(order, [], 'nothing is written while the load is held');
      release();
      const [a, b] = await Promise.all([first, second]);
      assert.deepEqual(order, ['loaded', 'first', 'second']);
      const journal = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
      assert.ok(journal.indexOf(a.key) >= 0 && journal.indexOf(a.key) < journal.indexOf(b.key), 'both on disk, in order');
      assert.equal(store.all().length, 2000 - Math.ceil(2000 / 17) + 2);
      assert.deepEqual(store.all().slice(0, 2).map((e) => e.key), [b.key, a.key]);
      assert.deepEqual((await loadHistory(dir)).entries, store.all());
    } finally {
      await store.close();
    }
  });

  it('open() still fails when the history cannot be read, and create() reports it through ready', async () => {
    const file = path.join(dir, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    await assert.rejects(HistoryStore.open(file, QUIET), /message history/);
    const store = HistoryStore.create(file, QUIET);
    await assert.rejects(store.ready, /message history/);
    assert.equal(store.loaded, true, 'the views stop showing the load');
    await store.close();
  });
});
