// Mutation-testing gaps of history's row views (rows.ts) and its plain-Node event emitter (events.ts)
// (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import { Emitter } from '../../src/history/events';
import { batchEntries, firstOf, newestFirst, rowsOf, TableRows } from '../../src/history/rows';
import type { EntryStatus, HistoryEntry, HistoryRows } from '../../src/history/types';

const pending: EntryStatus = { code: 32, label: 'Pending', statusClass: 'pending', final: false };

function entry(key: string, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    key,
    destination: '393391234567',
    sender: 'Acme',
    text: `text of ${key}`,
    account: 'main',
    state: 'sent',
    createdAt: '2025-05-01T10:00:00.000Z',
    updatedAt: '2025-05-01T10:00:00.000Z',
    parts: 1,
    rev: 1,
    ...over,
  };
}

/** A reader with only all() and get(), as an in-memory history in the views' tests is. */
class PlainReader {
  entries: HistoryEntry[] = [];
  gets = 0;
  all(): readonly HistoryEntry[] {
    return this.entries;
  }
  get(key: string): HistoryEntry | undefined {
    this.gets++;
    return this.entries.find((e) => e.key === key);
  }
}

describe('mutants: history rows', () => {
  describe('rowsOf a plain reader: numbers given to keys as they are seen', () => {
    it('numbers the newest-first list and answers every read from the reader', () => {
      const reader = new PlainReader();
      reader.entries = [
        entry('c', { createdAt: '2025-05-03T00:00:00.000Z', smsId: 3, status: pending, batchId: 'b' }),
        entry('b', { createdAt: '2025-05-02T00:00:00.000Z' }),
        entry('a', { createdAt: 'not a time' }),
      ];
      const rows = rowsOf(reader);
      const list = rows.rowsNewestFirst();
      assert.deepEqual([...list].map((r) => rows.keyOf(r)), ['c', 'b', 'a']);
      assert.deepEqual([...rows.rowsNewestFirst()], [...list], 'the same numbers the second time');
      const [c, b, a] = list;
      assert.deepEqual(rows.entryAt(c), reader.entries[0]);
      assert.equal(rows.createdMs(b), Date.parse('2025-05-02T00:00:00.000Z'));
      assert.ok(Number.isNaN(rows.createdMs(a)));
      assert.deepEqual(rows.stateFields(c), reader.entries[0]);
      assert.equal(rows.field(c, 'batchId'), 'b');
      assert.equal(rows.field(b, 'batchId'), undefined);
      assert.equal(rows.compareKeys(a, b), -1);
      assert.equal(rows.compareKeys(c, b), 1);
      assert.equal(rows.compareKeys(b, b), 0);
    });

    it('rowOf: a key the reader has gets a number when first asked; one it lacks stays -1', () => {
      const reader = new PlainReader();
      reader.entries = [entry('x'), entry('y')];
      const rows = rowsOf(reader);
      assert.equal(rows.rowOf('nope'), -1);
      const y = rows.rowOf('y');
      assert.equal(y, 0, 'first seen, first numbered');
      assert.equal(rows.rowOf('y'), y, 'the same number again');
      assert.equal(rows.rowOf('x'), 1);
      assert.equal(rows.keyOf(y), 'y');
      assert.deepEqual([...rows.rowsNewestFirst()], [1, 0]);
    });

    it('isLive: a numbered row whose key the reader still has; nothing outside the numbers', () => {
      const reader = new PlainReader();
      reader.entries = [entry('x'), entry('y')];
      const rows = rowsOf(reader);
      rows.rowsNewestFirst();
      assert.equal(rows.isLive(0), true);
      assert.equal(rows.isLive(1), true);
      assert.equal(rows.isLive(2), false, 'past the numbers given');
      assert.equal(rows.isLive(-1), false);
      reader.entries = [entry('y')];
      assert.equal(rows.isLive(0), false, 'x is gone from the reader');
      assert.equal(rows.isLive(1), true);
      assert.equal(rows.rowOf('x'), 0, 'a row keeps its number');
    });

    it('isLive never reads a row outside the numbers given, even when the reader holds the all-zero uuid', () => {
      // An unused row's key words are zeros: read, it would name this key and look live.
      const zero = '00000000-0000-0000-0000-000000000000';
      const reader = new PlainReader();
      reader.entries = [entry('x'), entry(zero)];
      const rows = rowsOf(reader);
      assert.equal(rows.rowOf('x'), 0);
      assert.equal(rows.isLive(1), false, 'row 1 not given yet');
      assert.equal(rows.isLive(-1), false);
      assert.equal(rows.rowOf(zero), 1);
      assert.equal(rows.isLive(1), true);
    });

    it('a reader with rows of its own is used as it is', () => {
      const own = new TableRows();
      const reader = { all: () => [], get: () => undefined, rows: own.rows };
      assert.equal(rowsOf(reader), own.rows);
    });
  });

  describe('TableRows: the newest revision of each key', () => {
    it('keeps the higher rev, takes an equal one, removes by key', () => {
      const t = new TableRows();
      assert.equal(t.put(entry('k', { rev: 3, text: 'three' })), true);
      assert.equal(t.put(entry('k', { rev: 2, text: 'two' })), false);
      assert.equal(t.rows.entryAt(t.rows.rowOf('k')).text, 'three');
      assert.equal(t.put(entry('k', { rev: 3, text: 'three again' })), true);
      assert.equal(t.rows.entryAt(t.rows.rowOf('k')).text, 'three again');
      assert.equal(t.put(entry('k', { rev: 4, text: 'four' })), true);
      assert.equal(t.rows.field(t.rows.rowOf('k'), 'text'), 'four');
      assert.equal(t.remove('k'), true);
      assert.equal(t.remove('k'), false);
      assert.equal(t.put(entry('k', { rev: 1, text: 'back' })), true, 'a removed key takes any rev');
    });

    it('a rev-0 entry is newer than nothing, and an entry without rev counts as 0', () => {
      const t = new TableRows();
      t.put({ ...entry('k'), rev: undefined } as unknown as HistoryEntry);
      assert.equal(t.put(entry('k', { rev: 0, text: 'zero' })), true);
      assert.equal(t.rows.field(t.rows.rowOf('k'), 'text'), 'zero');
    });

    it('lists its live rows in row order, and reads them through the table', () => {
      const t = new TableRows();
      for (const k of ['a', 'b', 'c', 'd']) t.put(entry(k, { createdAt: `2025-05-0${'abcd'.indexOf(k) + 1}T00:00:00.000Z`, status: k === 'c' ? pending : undefined, smsId: 7 }));
      t.remove('b');
      const rows: HistoryRows = t.rows;
      assert.deepEqual([...rows.rowsNewestFirst()], [0, 2, 3]);
      assert.equal(rows.isLive(1), false);
      assert.equal(rows.keyOf(2), 'c');
      assert.equal(rows.createdMs(3), Date.parse('2025-05-04T00:00:00.000Z'));
      assert.deepEqual(rows.stateFields(2), { createdAt: '2025-05-03T00:00:00.000Z', state: 'sent', status: pending, smsId: 7 });
      assert.equal(rows.compareKeys(0, 3), -1);
      assert.equal(rows.compareKeys(3, 0), 1);
      assert.equal(rows.rowOf('b'), 1);
    });
  });

  describe('walks', () => {
    it('newestFirst gives live entries in the list order, filtered by the row, made only when reached', () => {
      const reader = new PlainReader();
      reader.entries = [entry('c', { batchId: 'b1' }), entry('b', { batchId: 'b2' }), entry('a', { batchId: 'b1' })];
      assert.deepEqual([...newestFirst(reader)].map((e) => e.key), ['c', 'b', 'a']);
      assert.deepEqual([...batchEntries(reader, 'b1')].map((e) => e.key), ['c', 'a']);
      assert.deepEqual([...batchEntries(reader, 'none')], []);
      reader.gets = 0;
      assert.equal(firstOf(newestFirst(reader))?.key, 'c');
      assert.ok(reader.gets <= 2, `stopping early reads little (${reader.gets} gets)`);
      assert.equal(firstOf([]), undefined);
    });

    it('skips a row the list holds that is no longer live', () => {
      const t = new TableRows();
      t.put(entry('a'));
      t.put(entry('b'));
      const stale = t.rows.rowsNewestFirst();
      t.remove('a');
      const reader = { all: () => [], get: () => undefined, rows: { ...t.rows, rowsNewestFirst: () => stale } };
      assert.deepEqual([...newestFirst(reader)].map((e) => e.key), ['b']);
    });
  });
});

describe('mutants: history events (Emitter)', () => {
  it('delivers to every listener in order, until each is disposed', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    assert.equal(emitter.hasListeners, false);
    const a = emitter.event((n) => seen.push(`a${n}`));
    const b = emitter.event((n) => seen.push(`b${n}`));
    assert.equal(emitter.hasListeners, true);
    emitter.fire(1);
    a.dispose();
    emitter.fire(2);
    a.dispose();
    emitter.fire(3);
    b.dispose();
    assert.equal(emitter.hasListeners, false);
    emitter.fire(4);
    assert.deepEqual(seen, ['a1', 'b1', 'b2', 'b3']);
  });

  it('disposing one subscription twice does not remove another of the same listener', () => {
    const emitter = new Emitter<void>();
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    const first = emitter.event(listener);
    emitter.event(listener);
    first.dispose();
    first.dispose();
    emitter.fire();
    assert.equal(calls, 1);
  });

  it('a listener that throws is reported, and the others still run', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<string>((err) => errors.push(err));
    const seen: string[] = [];
    emitter.event(() => {
      throw new Error('boom');
    });
    emitter.event((s) => seen.push(s));
    emitter.fire('x');
    assert.deepEqual(seen, ['x']);
    assert.equal((errors[0] as Error).message, 'boom');
    const quiet = new Emitter<string>();
    quiet.event(() => {
      throw new Error('ignored');
    });
    assert.doesNotThrow(() => quiet.fire('y'));
  });

  it('a listener that unsubscribes during delivery does not make the next one miss it', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    const a = emitter.event(() => {
      seen.push('a');
      a.dispose();
    });
    emitter.event(() => seen.push('b'));
    emitter.fire(1);
    emitter.fire(2);
    assert.deepEqual(seen, ['a', 'b', 'b']);
  });

  it('after dispose: no listener, and a new subscription is a no-op', () => {
    const emitter = new Emitter<number>();
    let calls = 0;
    emitter.event(() => calls++);
    emitter.dispose();
    emitter.fire(1);
    const late = emitter.event(() => calls++);
    emitter.fire(2);
    late.dispose();
    assert.equal(calls, 0);
    assert.equal(emitter.hasListeners, false);
  });
});
