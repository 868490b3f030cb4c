// The batch journal as data (issue #10 item 11; docs/TESTING.md, "Mutation testing"): which lines are read,
// what a line cut short still tells, where each row stands, the counts and when a batch is finished.
// Pure functions over text: no files.
import * as assert from 'node:assert/strict';
import {
  countRows,
  INTERRUPTED,
  isFinished,
  isPlanFile,
  journalRecord,
  newBatchId,
  parseJournal,
  rowStatuses,
  type BatchCounts,
  type JournalLine,
  type RowStatus,
} from '../../src/bulk/journal';
import type { HistoryEntry } from '../../src/history/types';

const at = '2030-01-02T03:04:05.000Z';
const REFUSED = { kind: 'gateway', code: 1005, gatewayText: 'Error: 1005 - Invalid destination number', explanation: 'refused' } as const;
const LOST = { kind: 'timeout', gatewayText: 'no answer', explanation: 'lost' } as const;
const plan = (n: number) => ({ rows: Array.from({ length: n }, (_, row) => ({ row, line: row + 2, destination: `39333000000${row}`, text: 't', parts: 1 })) });
const text = (...lines: unknown[]): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const states = (s: readonly RowStatus[]): string[] => s.map((x) => x.state);
const zero: BatchCounts = { total: 0, unsent: 0, inFlight: 0, sent: 0, failed: 0, unknown: 0, undecided: 0, dropped: 0 };

describe('mutants: bulk, the journal as data', () => {
  describe('reading lines', () => {
    it('lines of a known shape are read; others are passed over', () => {
      const good: JournalLine[] = [
        { t: 'dispatch', d: 1, rows: [0], keys: ['k'], at },
        { t: 'done', d: 1, out: [], at },
        { t: 'settle', rows: [0], as: 'drop', at },
        { t: 'settle', rows: [1], as: 'keep-unknown', at },
      ];
      const bad = [
        'null',
        '7',
        '"dispatch"',
        '[]',
        { t: 'done', d: 1.5, out: [], at },
        { t: 'done', d: 1, out: {}, at },
        { t: 'done', out: [], at },
        { t: 'settle', rows: [0], as: 'keep', at },
        { t: 'settle', rows: ['0'], as: 'drop', at },
        { t: 'settle', rows: 0, as: 'drop', at },
        { t: 'other', d: 1, rows: [0], keys: [], at },
      ];
      assert.deepEqual(parseJournal(text(...good)), good);
      for (const b of bad) assert.deepEqual(parseJournal(text(b)), [], JSON.stringify(b));
    });

    it('a whole-looking dispatch of the wrong shape is read only as far as a piece cut short would be', () => {
      // Not a dispatch the runner wrote: at most its number and rows keep rows from looking unsent.
      const pieces = [
        text({ t: 'dispatch', d: 2.5, rows: [0], keys: ['k'], at }),
        text({ t: 'dispatch', d: 2, rows: [0.5], keys: ['k'], at }),
        text({ t: 'dispatch', d: 2, rows: 0, keys: ['k'], at }),
        text({ t: 'dispatch', d: 2, rows: [0], keys: 'k', at }),
      ];
      for (const p of pieces) {
        const [l, ...rest] = parseJournal(p);
        assert.deepEqual(rest, [], p);
        assert.ok(l?.t === 'dispatch' && l.torn === true, p);
      }
    });

    it('blank lines and Windows line ends around lines do not matter', () => {
      const line: JournalLine = { t: 'done', d: 3, out: [{ s: 'sent', smsId: 1 }], at };
      assert.deepEqual(parseJournal(`\n  \n${JSON.stringify(line)}\r\n\r\n`), [line]);
      assert.deepEqual(parseJournal(''), []);
    });

    it('one append writes its lines whole between newlines', () => {
      const a: JournalLine = { t: 'settle', rows: [2], as: 'drop', at };
      const b: JournalLine = { t: 'done', d: 4, out: [], at };
      assert.equal(journalRecord([a, b]), `\n${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
      assert.equal(journalRecord([a]), `\n${JSON.stringify(a)}\n`);
    });
  });

  describe('a dispatch line cut short', () => {
    const piece = (t: string) => {
      const lines = parseJournal(t);
      assert.equal(lines.length, 1, t);
      const l = lines[0];
      assert.ok(l.t === 'dispatch' && l.torn === true, t);
      return { d: l.d, rows: l.rows, keys: l.keys, at: l.at };
    };

    it('cut inside its start: a dispatch whose number is lost', () => {
      for (const t of ['{', '{"t":"di', '{"t":"dispatch"']) assert.deepEqual(piece(t), { d: -1, rows: [], keys: [], at: '' }, t);
      assert.deepEqual(piece('{"t":"dispatch","d":12'), { d: -1, rows: [], keys: [], at: '' }, 'a number that may be cut short is not taken');
    });

    it('a piece that cannot start a dispatch is dropped', () => {
      assert.deepEqual(parseJournal('{"t":"done","d":1,"out":[{"s'), []);
      assert.deepEqual(parseJournal('{"t":"settle","rows":[1'), []);
      assert.deepEqual(parseJournal('{"x"'), []);
    });

    it('its number, the rows written in full, and as many keys as rows, each key written in full', () => {
      assert.deepEqual(piece('{"t":"dispatch","d":12,'), { d: 12, rows: [], keys: [], at: '' });
      assert.deepEqual(piece('{"t":"dispatch","d":7,"rows":[3,14'), { d: 7, rows: [3], keys: [], at: '' });
      assert.deepEqual(piece('{"t":"dispatch","d":7,"rows":[3,14]'), { d: 7, rows: [3, 14], keys: [], at: '' });
      assert.deepEqual(piece('{"t":"dispatch","d":7,"rows":[3,14],"keys":["ka","kb'), { d: 7, rows: [3, 14], keys: ['ka'], at: '' });
      assert.deepEqual(piece('{"t":"dispatch","d":7,"rows":[3,14],"keys":["ka","kb"]'), { d: 7, rows: [3, 14], keys: ['ka', 'kb'], at: '' });
      assert.deepEqual(piece('{"t":"dispatch","d":7,"rows":[3],"keys":["ka","kb"]'), { d: 7, rows: [3], keys: ['ka'], at: '' }, 'never more keys than rows');
      assert.deepEqual(piece('{"t":"dispatch","d":7,"rows":[],"keys":[]'), { d: 7, rows: [], keys: [], at: '' });
    });

    it('a piece whose dispatch was written again whole is that dispatch; another piece stays, after the whole lines', () => {
      const whole: JournalLine = { t: 'dispatch', d: 7, rows: [3], keys: ['ka'], at };
      const done: JournalLine = { t: 'done', d: 7, out: [], at };
      assert.deepEqual(parseJournal(text('{"t":"dispatch","d":7,"rows":[3', whole)), [whole]);
      const lines = parseJournal(text('{"t":"dispatch","d":8,"rows":[4]', whole, done));
      assert.deepEqual(lines.slice(0, 2), [whole, done]);
      assert.deepEqual(lines[2], { t: 'dispatch', d: 8, rows: [4], keys: [], at: '', torn: true });
      assert.equal(lines.length, 3);
    });
  });

  describe('where each row stands', () => {
    it('dispatched and answered: sent with its id, failed with its reason, unknown with its reason or the interruption\'s', () => {
      const lines: JournalLine[] = [
        { t: 'dispatch', d: 1, rows: [0, 1, 2, 3], keys: ['k0', 'k1', 'k2', 'k3'], at },
        { t: 'done', d: 1, out: [{ s: 'sent', smsId: 9 }, { s: 'failed', error: REFUSED }, { s: 'unknown', error: LOST }, { s: 'unknown' }], at },
      ];
      const s = rowStatuses(plan(5), lines);
      assert.deepEqual(s[0], { row: 0, state: 'sent', attempts: 1, key: 'k0', smsId: 9 });
      assert.deepEqual(s[1], { row: 1, state: 'failed', attempts: 1, key: 'k1', error: REFUSED });
      assert.deepEqual(s[2], { row: 2, state: 'unknown', attempts: 1, key: 'k2', error: LOST });
      assert.deepEqual(s[3], { row: 3, state: 'unknown', attempts: 1, key: 'k3', error: INTERRUPTED });
      assert.deepEqual(s[4], { row: 4, state: 'unsent', attempts: 0 });
    });

    it('an answer with fewer outcomes than rows leaves the rest unknown', () => {
      const s = rowStatuses(plan(2), [
        { t: 'dispatch', d: 1, rows: [0, 1], keys: ['k0', 'k1'], at },
        { t: 'done', d: 1, out: [{ s: 'sent', smsId: 1 }], at },
      ]);
      assert.deepEqual(states(s), ['sent', 'unknown']);
      assert.deepEqual(s[1].error, INTERRUPTED);
    });

    it('a dispatch without an answer is in flight while live; otherwise the history entry decides, and unknown without one', () => {
      const lines: JournalLine[] = [{ t: 'dispatch', d: 1, rows: [0, 1, 2, 3, 4, 5], keys: ['s', 'f', 'u', 'ue', 'x', 'sending'], at }];
      const entries: Record<string, Partial<HistoryEntry>> = {
        s: { state: 'sent', smsId: 31 },
        f: { state: 'failed', error: REFUSED },
        u: { state: 'unknown' },
        ue: { state: 'unknown', error: LOST },
        sending: { state: 'sending' },
      };
      const lookup = (k: string) => entries[k] as HistoryEntry | undefined;
      assert.deepEqual(states(rowStatuses(plan(6), lines, lookup, true)), ['in-flight', 'in-flight', 'in-flight', 'in-flight', 'in-flight', 'in-flight']);
      const s = rowStatuses(plan(6), lines, lookup);
      assert.deepEqual(states(s), ['sent', 'failed', 'unknown', 'unknown', 'unknown', 'unknown']);
      assert.equal(s[0].smsId, 31);
      assert.deepEqual(s[1].error, REFUSED);
      assert.deepEqual(s[2].error, INTERRUPTED);
      assert.deepEqual(s[3].error, LOST);
      assert.deepEqual(s[4].error, INTERRUPTED);
      assert.deepEqual(s[5].error, INTERRUPTED);
      assert.deepEqual(states(rowStatuses(plan(6), lines)), ['unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown'], 'no history: unknown');
      for (const st of s) assert.equal('dispatch' in st, false, 'the bookkeeping stays inside');
    });

    it('a resend counts its attempts and its answer wins; a late answer to the earlier dispatch does not', () => {
      const s = rowStatuses(plan(1), [
        { t: 'dispatch', d: 1, rows: [0], keys: ['first'], at },
        { t: 'done', d: 1, out: [{ s: 'failed', error: REFUSED }], at },
        { t: 'dispatch', d: 2, rows: [0], keys: ['second'], at },
        { t: 'done', d: 2, out: [{ s: 'sent', smsId: 5 }], at },
        { t: 'done', d: 1, out: [{ s: 'failed', error: REFUSED }], at },
      ]);
      assert.deepEqual(s, [{ row: 0, state: 'sent', attempts: 2, key: 'second', smsId: 5 }]);
    });

    it('the same dispatch line twice counts once', () => {
      const d: JournalLine = { t: 'dispatch', d: 1, rows: [0], keys: ['k'], at };
      const s = rowStatuses(plan(1), [d, d, { t: 'done', d: 1, out: [{ s: 'sent', smsId: 2 }], at }]);
      assert.equal(s[0].attempts, 1);
      assert.equal(s[0].state, 'sent');
    });

    it('a torn piece only keeps an unsent row from looking unsent; it does not undo an answer', () => {
      const s = rowStatuses(plan(2), [
        { t: 'dispatch', d: 1, rows: [0], keys: ['k0'], at },
        { t: 'done', d: 1, out: [{ s: 'sent', smsId: 4 }], at },
        { t: 'dispatch', d: 2, rows: [0, 1], keys: [], at: '', torn: true },
      ]);
      assert.deepEqual(states(s), ['sent', 'unknown']);
      assert.equal(s[0].attempts, 1);
      assert.equal(s[1].key, undefined);
    });

    it('rows the plan does not have are passed over', () => {
      const s = rowStatuses(plan(1), [
        { t: 'dispatch', d: 1, rows: [0, 7], keys: ['k0', 'k7'], at },
        { t: 'done', d: 1, out: [{ s: 'sent', smsId: 1 }, { s: 'sent', smsId: 2 }], at },
        { t: 'settle', rows: [7], as: 'drop', at },
      ]);
      assert.deepEqual(s.map((x) => x.row), [0]);
      assert.equal(s[0].state, 'sent');
    });

    it('the user\'s decisions: drop takes only unsent rows; keep-unknown settles only unknown or unanswered ones', () => {
      const lines: JournalLine[] = [
        { t: 'dispatch', d: 1, rows: [0, 1], keys: ['k0', 'k1'], at },
        { t: 'done', d: 1, out: [{ s: 'sent', smsId: 1 }, { s: 'unknown' }], at },
        { t: 'dispatch', d: 2, rows: [2], keys: ['k2'], at },
        { t: 'settle', rows: [0, 1, 2, 3, 4], as: 'keep-unknown', at },
        { t: 'settle', rows: [0, 1, 4], as: 'drop', at },
      ];
      const live = rowStatuses(plan(5), lines, undefined, true);
      assert.deepEqual(states(live), ['sent', 'unknown', 'in-flight', 'unsent', 'dropped']);
      assert.deepEqual(live.map((x) => x.settled === true), [false, true, true, false, false]);
      const c = countRows(rowStatuses(plan(5), lines));
      assert.deepEqual(c, { total: 5, unsent: 1, inFlight: 0, sent: 1, failed: 0, unknown: 2, undecided: 0, dropped: 1 });
    });
  });

  describe('counts and finished', () => {
    it('each state counts in its own box; unknown rows nobody decided about are also undecided', () => {
      const st = (state: RowStatus['state'], settled?: boolean): RowStatus => ({ row: 0, state, attempts: 0, ...(settled ? { settled } : {}) });
      assert.deepEqual(countRows([]), zero);
      assert.deepEqual(countRows([st('unsent'), st('in-flight'), st('sent'), st('failed'), st('dropped'), st('unknown'), st('unknown', true)]), {
        total: 7, unsent: 1, inFlight: 1, sent: 1, failed: 1, unknown: 2, undecided: 1, dropped: 1,
      });
    });

    it('finished: nothing to send, nothing in flight, nothing to decide', () => {
      assert.equal(isFinished(zero), true);
      assert.equal(isFinished({ ...zero, sent: 3, failed: 1, unknown: 2, dropped: 1 }), true);
      assert.equal(isFinished({ ...zero, unsent: 1 }), false);
      assert.equal(isFinished({ ...zero, inFlight: 1 }), false);
      assert.equal(isFinished({ ...zero, unknown: 1, undecided: 1 }), false);
    });
  });

  describe('the plan file and the batch id', () => {
    const good = { format: 'inviosmart-bulk-batch', version: 1, batchId: 'b', account: 'a', sender: 's', rows: [], skipped: [] };

    it('a plan needs its format, version, id, account, sender, rows and skipped rows', () => {
      assert.equal(isPlanFile(good), true);
      const broken: Array<Record<string, unknown>> = [
        { ...good, format: 'other' },
        { ...good, version: 2 },
        { ...good, batchId: 1 },
        { ...good, account: null },
        { ...good, sender: undefined },
        { ...good, rows: {} },
        { ...good, skipped: 'none' },
      ];
      for (const b of broken) assert.equal(isPlanFile(b), false, JSON.stringify(b));
      assert.equal(isPlanFile(null), false);
      assert.equal(isPlanFile([good]), false);
    });

    it('a batch id reads as its UTC time and sorts by it', () => {
      const id = newBatchId(Date.UTC(2024, 2, 10, 15, 30, 12, 999));
      assert.match(id, /^bulk-20240310-153012-[0-9a-f]{4}$/);
      assert.ok(newBatchId(Date.UTC(2024, 2, 10, 15, 30, 13)) > id.slice(0, -5));
    });
  });
});
