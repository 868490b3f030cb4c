// Mutation-testing gaps of history's file formats (format.ts): which lines of a journal or snapshot reach the
// state, in which order, with what count; and the snapshot as written (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import {
  applyLines,
  applyLinesSliced,
  applySnapshot,
  applySnapshotSliced,
  entryLine,
  isTombstone,
  snapshotChunks,
} from '../../src/history/format';
import { noSlices, type Slicer } from '../../src/history/slices';
import type { HistoryState } from '../../src/history/state';
import type { HistoryEntry } from '../../src/history/types';

/** Stands in for the state: records what format.ts hands it (a line is "readable" when it parses). */
class Recorder {
  readonly lines: string[] = [];
  readonly objects: unknown[] = [];
  /** Set by a test's slicer when its turn ran, to see whether the reader waited for it. */
  turns = 0;
  readonly turnsSeen: number[] = [];
  applyLine(text: string): boolean {
    this.lines.push(text);
    this.turnsSeen.push(this.turns);
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  }
  applyObject(o: unknown): boolean {
    this.objects.push(o);
    return true;
  }
  /** Room asked for before the first row (the header's count, a hint). */
  readonly reserved: number[] = [];
  reserve(entries: number): void {
    this.reserved.push(entries);
  }
  get state(): HistoryState {
    return this as unknown as HistoryState;
  }
}

/** A slicer that asks for a turn every `every` steps; the turn counts itself when it runs. */
function turnEvery(rec: Recorder, every: number): Slicer {
  let n = 0;
  return {
    step() {
      if (++n % every !== 0) return undefined;
      return Promise.resolve().then(() => {
        rec.turns++;
      });
    },
  };
}

function entry(i: number, text = `message ${i}`): HistoryEntry {
  return {
    key: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    destination: '393391234567',
    sender: 'Acme',
    text,
    account: 'main',
    state: 'sent',
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    updatedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    parts: 1,
    rev: 1,
  };
}

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Every chunk `snapshotChunks` gives for these entries (the header's count is theirs). */
async function chunksOf(entries: HistoryEntry[], tombstones: Array<[string, string]>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const c of snapshotChunks(entries.length, entries, tombstones)) chunks.push(c);
  return chunks;
}

describe('mutants: history file formats', () => {
  it('isTombstone: {removed, at} as strings, and no key', () => {
    assert.equal(isTombstone({ removed: 'k', at: '2025-01-01T00:00:00.000Z' }), true);
    assert.equal(isTombstone({ removed: 'k', at: '2025-01-01T00:00:00.000Z', key: 'k' }), false, 'an entry that happens to have the fields');
    assert.equal(isTombstone({ removed: 1, at: 'x' }), false);
    assert.equal(isTombstone({ removed: 'k', at: 1 }), false);
    assert.equal(isTombstone({ removed: 'k' }), false);
    for (const v of [null, 'k', 3, undefined]) assert.equal(isTombstone(v), false);
  });

  it('entryLine is the entry as one line of JSON', () => {
    const e = entry(1, 'two\nlines');
    assert.equal(entryLine(e), JSON.stringify(e));
    assert.ok(!entryLine(e).includes('\n'));
  });

  describe('applyLines: the non-empty lines before `end`, in order', () => {
    it('skips empty lines, keeps a last line without newline, counts what it gave', () => {
      const rec = new Recorder();
      assert.equal(applyLines(rec.state, buf('\n{"a":1}\n\n\n{"b":2}\nlast'), 25), 3);
      assert.deepEqual(rec.lines, ['{"a":1}', '{"b":2}', 'last']);
    });

    it('stops at `end`, even inside a line, and ignores the bytes after it', () => {
      const text = 'ab\ncd\nef\n';
      for (const [end, lines] of [[0, []], [1, ['a']], [2, ['ab']], [3, ['ab']], [4, ['ab', 'c']], [5, ['ab', 'cd']], [6, ['ab', 'cd']], [9, ['ab', 'cd', 'ef']]] as const) {
        const rec = new Recorder();
        assert.equal(applyLines(rec.state, buf(text), end), lines.length, `end ${end}`);
        assert.deepEqual(rec.lines, lines, `end ${end}`);
      }
    });

    it('reads UTF-8 text whole', () => {
      const rec = new Recorder();
      applyLines(rec.state, buf('città 😀\nè'), Buffer.byteLength('città 😀\nè'));
      assert.deepEqual(rec.lines, ['città 😀', 'è']);
    });

    it('sliced: the same lines in the same order, waiting for each turn it is given', async () => {
      const text = Array.from({ length: 10 }, (_, i) => `{"n":${i}}`).join('\n\n');
      const rec = new Recorder();
      assert.equal(await applyLinesSliced(rec.state, buf(text), Buffer.byteLength(text) - 3, turnEvery(rec, 3)), 10);
      assert.deepEqual(rec.lines, [...Array.from({ length: 9 }, (_, i) => `{"n":${i}}`), '{"n"']);
      assert.deepEqual(rec.turnsSeen, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3], 'each line after a turn sees it ran');
    });
  });

  describe('applySnapshot', () => {
    it('an intact snapshot: every entry, then every tombstone, as objects; the count is the entries', async () => {
      const entries = [entry(1), entry(2), entry(3)];
      const text = (await chunksOf(entries, [['gone', '2025-02-01T00:00:00.000Z']])).join('');
      const rec = new Recorder();
      assert.equal(applySnapshot(rec.state, text), 3);
      assert.deepEqual(rec.objects, [...entries, { removed: 'gone', at: '2025-02-01T00:00:00.000Z' }]);
      assert.deepEqual(rec.lines, []);
    });

    it('an intact snapshot with no tombstone list reads its entries only', () => {
      const rec = new Recorder();
      assert.equal(applySnapshot(rec.state, JSON.stringify({ format: 'inviosmart-sms-history', entries: [entry(1)], removed: 'x' })), 1);
      assert.deepEqual(rec.objects, [entry(1)]);
    });

    it('a damaged one: line by line, commas and the frame left out, counting the lines that read', async () => {
      const text = (await chunksOf([entry(1), entry(2), entry(3)], [['gone', '2025-02-01T00:00:00.000Z']])).join('');
      const torn = text.replace(entryLine(entry(2)), entryLine(entry(2)).slice(0, 30));
      const rec = new Recorder();
      assert.equal(applySnapshot(rec.state, torn), 3, 'entries 1 and 3 and the tombstone read; the torn line does not');
      assert.deepEqual(rec.lines, [entryLine(entry(1)), entryLine(entry(2)).slice(0, 30), entryLine(entry(3)), JSON.stringify({ removed: 'gone', at: '2025-02-01T00:00:00.000Z' })]);
    });

    it('another format is read line by line too', () => {
      const rec = new Recorder();
      assert.equal(applySnapshot(rec.state, `{"format":"other","entries":[]}`), 0);
      assert.deepEqual(rec.lines, []);
      assert.equal(applySnapshot(rec.state, `${entryLine(entry(4))},\n  \n${entryLine(entry(5))}`), 2);
      assert.deepEqual(rec.lines, [entryLine(entry(4)), entryLine(entry(5))]);
    });
  });

  describe('applySnapshotSliced: a record a line', () => {
    const entries = [entry(1), entry(2), entry(3)];
    const tombs: Array<[string, string]> = [['gone1', '2025-02-01T00:00:00.000Z'], ['gone2', '2025-02-02T00:00:00.000Z']];
    const written = async (): Promise<string> => (await chunksOf(entries, tombs)).join('');

    it('gives each entry and tombstone line without its comma, in order, and counts the entries', async () => {
      const rec = new Recorder();
      assert.equal(await applySnapshotSliced(rec.state, buf(await written()), turnEvery(rec, 2)), 3);
      assert.deepEqual(rec.lines, [...entries.map(entryLine), ...tombs.map(([removed, at]) => JSON.stringify({ removed, at }))]);
      assert.ok(rec.turns >= 3, `turns were taken (${rec.turns})`);
      assert.deepEqual(rec.turnsSeen, [0, 0, 1, 2, 2], 'and waited for: a turn every second line, the frame lines included');
    });

    it('copes with CRLF, spaces before the comma, indented records and blank lines', async () => {
      const text = (await written())
        .split('\n')
        .map((l, i) => (l.startsWith('{"key"') && i === 2 ? `${l}  \r` : l.startsWith('{"removed"') ? `   ${l}` : l))
        .join('\n')
        .replace('],"removed"', '\n\n],"removed"');
      const rec = new Recorder();
      assert.equal(await applySnapshotSliced(rec.state, buf(text), noSlices), 3);
      assert.deepEqual(rec.lines, [...entries.map(entryLine), ...tombs.map(([removed, at]) => JSON.stringify({ removed, at }))]);
    });

    it('a record not starting with "{" before the list ends still counts as an entry', async () => {
      const text = (await written()).replace(`\n${entryLine(entries[1])}`, `\n  ${entryLine(entries[1])}`);
      const rec = new Recorder();
      assert.equal(await applySnapshotSliced(rec.state, buf(text), noSlices), 3);
      assert.equal(rec.lines[1], entryLine(entries[1]));
    });

    it('a snapshot laid out otherwise is read whole', async () => {
      const oneLine = JSON.stringify({ format: 'inviosmart-sms-history', version: 1, entries, removed: tombs.map(([removed, at]) => ({ removed, at })) });
      const rec = new Recorder();
      assert.equal(await applySnapshotSliced(rec.state, buf(oneLine), noSlices), 3);
      assert.equal(rec.objects.length, 5);
      assert.deepEqual(rec.lines, []);
      const other = new Recorder();
      const header = `{"format":"inviosmart-sms-history","count":1,"entries":[ ${entryLine(entries[0])}\n]}`;
      assert.equal(await applySnapshotSliced(other.state, buf(header), noSlices), 1, 'a first line that goes on past "entries":[');
      assert.deepEqual(other.objects, [entries[0]]);
      assert.deepEqual(other.lines, []);
      const framed = new Recorder();
      const bare = `{"format":"inviosmart-sms-history","entries":[\n${entryLine(entries[0])}\n]}`;
      assert.equal(await applySnapshotSliced(framed.state, buf(bare), noSlices), 1, 'the head and "entries":[ are all it needs to go line by line');
      assert.deepEqual(framed.lines, [entryLine(entries[0])]);
      const noNewline = new Recorder();
      assert.equal(await applySnapshotSliced(noNewline.state, buf(`{"format":"inviosmart-sms-history","entries":[${entryLine(entries[0])}]}`), noSlices), 1, 'no newline at all: whole');
      assert.deepEqual(noNewline.objects, [entries[0]]);
    });

    it('a torn last line still reaches the state (which refuses it), and counts', async () => {
      const text = await written();
      const cut = text.slice(0, text.indexOf(entryLine(entries[2])) + 20);
      const rec = new Recorder();
      assert.equal(await applySnapshotSliced(rec.state, buf(cut), noSlices), 3);
      assert.equal(rec.lines[2], entryLine(entries[2]).slice(0, 20));
    });
  });

  describe('snapshotChunks', () => {
    it('writes the header, one record a line, and reads back as the same document', async () => {
      const entries = [entry(1), entry(2)];
      const chunks = await chunksOf(entries, [['k', 'at']]);
      assert.equal(chunks.length, 1, 'small: one chunk');
      const text = chunks.join('');
      const doc = JSON.parse(text) as Record<string, unknown>;
      assert.equal(doc.format, 'inviosmart-sms-history');
      assert.equal(doc.version, 1);
      assert.equal(doc.count, 2);
      assert.ok(!Number.isNaN(Date.parse(doc.writtenAt as string)));
      assert.deepEqual(doc.entries, entries);
      assert.deepEqual(doc.removed, [{ removed: 'k', at: 'at' }]);
      const lines = text.split('\n');
      assert.ok(lines[0].endsWith(',"entries":['));
      assert.deepEqual(lines.slice(1), [`${entryLine(entries[0])},`, entryLine(entries[1]), '],"removed":[', JSON.stringify({ removed: 'k', at: 'at' }), ']}', '']);
    });

    it('an empty history is still a whole document', async () => {
      const doc = JSON.parse((await chunksOf([], [])).join('')) as Record<string, unknown>;
      assert.deepEqual([doc.entries, doc.removed, doc.count], [[], [], 0]);
    });

    it('a big history comes in chunks of at least 1 MiB (but the last), entries and tombstones alike', async () => {
      const entries = Array.from({ length: 1500 }, (_, i) => entry(i, 'x'.repeat(1000)));
      const tombs = Array.from({ length: 25_000 }, (_, i): [string, string] => [`removed-key-${i}`, '2025-02-01T00:00:00.000Z']);
      const chunks = await chunksOf(entries, tombs);
      assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
      for (const c of chunks.slice(0, -1)) assert.ok(c.length >= 1 << 20 && c.length < (1 << 20) + 2000, `chunk of ${c.length}`);
      const doc = JSON.parse(chunks.join('')) as { entries: unknown[]; removed: unknown[] };
      assert.equal(doc.entries.length, 1500);
      assert.equal(doc.removed.length, 25_000);
      assert.deepEqual(doc.removed[24_999], { removed: 'removed-key-24999', at: '2025-02-01T00:00:00.000Z' });
    });
  });
});
