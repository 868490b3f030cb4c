// The batch journal's line format without files (src/bulk/journal.ts): what one append writes reads
// back as the same lines, and a record written after a torn line is not glued to it.
import * as assert from 'node:assert/strict';
import { journalRecord, parseJournal, type JournalLine } from '../../src/bulk/journal';

const lines: JournalLine[] = [
  { t: 'dispatch', d: 1, rows: [0, 1], keys: ['k0', 'k1'], at: '2026-12-01T05:00:00.000Z' },
  { t: 'done', d: 1, out: [{ s: 'sent', smsId: 4242 }, { s: 'unknown' }], at: '2026-12-01T05:00:01.000Z' },
  { t: 'settle', rows: [1], as: 'keep-unknown', at: '2026-12-01T05:00:02.000Z' },
];

describe('bulk journal format', () => {
  it('one record holds each line whole, and reads back as the same lines', () => {
    const record = journalRecord(lines);
    assert.equal(record.split('\n').filter((l) => l !== '').length, 3);
    assert.deepEqual(parseJournal(record), lines);
  });

  it('a record appended after a torn line starts on its own line', () => {
    const torn = '{"t":"done","d":1,"out":[{"s":"se';
    const text = journalRecord(lines.slice(0, 1)) + torn + journalRecord(lines.slice(2));
    assert.deepEqual(parseJournal(text), [lines[0], lines[2]]);
  });
});
