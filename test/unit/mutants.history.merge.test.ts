// Mutation-testing gaps of merge.ts: which version of an entry wins each part, and which objects read
// from disk count as entries (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import { compareRecord, compareStatus, isHistoryEntry, mergeEntries, normalizeEntry } from '../../src/history/merge';
import type { EntryStatus, HistoryEntry } from '../../src/history/types';

const delivered: EntryStatus = { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true };
const pending: EntryStatus = { code: 32, label: 'Pending', statusClass: 'pending', final: false };
const undelivered: EntryStatus = { code: 64, label: 'Undelivered', statusClass: 'failed', final: true };

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    key: 'k1',
    destination: '393391234567',
    sender: 'Acme',
    text: 'hello',
    account: 'main',
    state: 'sent',
    createdAt: '2025-05-01T10:00:00.000Z',
    updatedAt: '2025-05-01T10:00:05.000Z',
    parts: 1,
    rev: 2,
    ...over,
  };
}

const sign = (n: number): number => Math.sign(n);

describe('mutants: history merge', () => {
  describe('compareRecord: rev, then updatedAt, then the record text, then the state', () => {
    it('the higher rev wins whatever the times say', () => {
      assert.equal(sign(compareRecord(entry({ rev: 3, updatedAt: '2020-01-01T00:00:00.000Z' }), entry({ rev: 2 }))), 1);
      assert.equal(sign(compareRecord(entry({ rev: 2 }), entry({ rev: 3, updatedAt: '2020-01-01T00:00:00.000Z' }))), -1);
    });

    it('at the same rev the later updatedAt wins; a missing one counts as earliest', () => {
      const later = entry({ updatedAt: '2025-05-01T10:00:06.000Z', text: 'a' });
      const earlier = entry({ text: 'z' });
      assert.equal(sign(compareRecord(later, earlier)), 1);
      assert.equal(sign(compareRecord(earlier, later)), -1);
      const none = { ...entry({ text: 'z' }), updatedAt: undefined } as unknown as HistoryEntry;
      assert.equal(sign(compareRecord(earlier, none)), 1);
      assert.equal(sign(compareRecord(none, earlier)), -1);
    });

    it('at the same rev and time the record text decides, the status fields left out of it', () => {
      const a = entry({ text: 'a' });
      const b = entry({ text: 'b' });
      assert.equal(sign(compareRecord(b, a)), 1);
      assert.equal(sign(compareRecord(a, b)), -1);
      // Only status fields differ: they do not order the record; the state decides last.
      const withStatus = entry({ status: delivered, lastChangeOn: '20250501100010', quantity: 1, charge: 0.05, submittedOn: '20250501100001', lastPolledAt: '2025-05-01T10:00:20.000Z' });
      assert.equal(compareRecord(withStatus, entry()), 0);
      assert.equal(sign(compareRecord(entry({ state: 'unknown' }), entry({ state: 'failed' }))), 1);
      assert.equal(sign(compareRecord(entry({ state: 'failed' }), entry({ state: 'unknown' }))), -1);
      assert.equal(compareRecord(entry(), entry()), 0);
    });
  });

  describe('compareStatus: final beats not final beats none, then the change time, the poll time, the text', () => {
    it('ranks by how final the status is', () => {
      const none = entry();
      const open = entry({ status: pending, lastChangeOn: '20300101000000' });
      const done = entry({ status: delivered });
      assert.equal(sign(compareStatus(open, none)), 1);
      assert.equal(sign(compareStatus(none, open)), -1);
      assert.equal(sign(compareStatus(done, open)), 1);
      assert.equal(sign(compareStatus(open, done)), -1);
      assert.equal(sign(compareStatus(done, none)), 1);
    });

    it('at the same rank, the later change, then the later poll, then the status text', () => {
      const a = entry({ status: pending, lastChangeOn: '20250501100010', lastPolledAt: '2025-05-01T10:00:00.000Z' });
      const b = entry({ status: pending, lastChangeOn: '20250501100009', lastPolledAt: '2025-05-01T11:00:00.000Z' });
      assert.equal(sign(compareStatus(a, b)), 1);
      assert.equal(sign(compareStatus(b, a)), -1);
      const polledLater = entry({ status: pending, lastChangeOn: '20250501100010', lastPolledAt: '2025-05-01T10:00:01.000Z' });
      assert.equal(sign(compareStatus(polledLater, a)), 1);
      assert.equal(sign(compareStatus(a, polledLater)), -1);
      const charged = entry({ status: pending, lastChangeOn: '20250501100010', lastPolledAt: '2025-05-01T10:00:00.000Z', charge: 0.05 });
      assert.notEqual(compareStatus(charged, a), 0, 'a charge is part of the status');
      assert.equal(sign(compareStatus(charged, a)), -sign(compareStatus(a, charged)));
      assert.equal(compareStatus(a, entry({ ...a, text: 'other', rev: 9 })), 0, 'the record part does not order the status');
    });
  });

  describe('normalizeEntry: the state follows the status', () => {
    it('leaves an entry without status as it is (the same object)', () => {
      const e = entry({ state: 'unknown' });
      assert.equal(normalizeEntry(e), e);
    });

    it('a failed status makes it failed, any other makes it sent; unchanged means the same object', () => {
      const failedNow = normalizeEntry(entry({ state: 'sent', status: undelivered }));
      assert.equal(failedNow.state, 'failed');
      const sentNow = normalizeEntry(entry({ state: 'unknown', status: pending }));
      assert.equal(sentNow.state, 'sent');
      const already = entry({ state: 'failed', status: undelivered });
      assert.equal(normalizeEntry(already), already);
      const input = entry({ state: 'held', status: delivered });
      normalizeEntry(input);
      assert.equal(input.state, 'held', 'the input is not changed');
    });
  });

  describe('mergeEntries', () => {
    it('gives back the first version itself when the second adds nothing, and the second when it wins both parts', () => {
      const a = entry({ rev: 3, status: delivered });
      const b = entry({ rev: 2, status: pending });
      assert.equal(mergeEntries(a, b), a);
      assert.equal(mergeEntries(b, a), a);
      assert.equal(mergeEntries(a, a), a);
    });

    it('takes the record from the higher rev and the status part from the further-along version', () => {
      const newerRecord = entry({ rev: 5, text: 'edited', batchId: 'b', status: pending, lastChangeOn: '20250501100001', quantity: 2 });
      const furtherStatus = entry({ rev: 4, status: undelivered, lastChangeOn: '20250501100030', lastPolledAt: '2025-05-01T10:01:00.000Z', charge: 0.05 });
      for (const m of [mergeEntries(newerRecord, furtherStatus), mergeEntries(furtherStatus, newerRecord)]) {
        assert.equal(m.rev, 5);
        assert.equal(m.text, 'edited');
        assert.equal(m.batchId, 'b');
        assert.deepEqual(m.status, undelivered);
        assert.equal(m.lastChangeOn, '20250501100030');
        assert.equal(m.lastPolledAt, '2025-05-01T10:01:00.000Z');
        assert.equal(m.charge, 0.05);
        assert.ok(!('quantity' in m), 'a status field the status winner lacks is dropped');
        assert.equal(m.state, 'failed', 'the state follows the winning status');
      }
    });
  });

  describe('isHistoryEntry: the shape an entry read from disk must have', () => {
    const good = (): Record<string, unknown> => ({ ...entry({ smsId: 5, status: delivered }) });

    it('takes a whole entry, with or without smsId and status', () => {
      assert.equal(isHistoryEntry(good()), true);
      const { smsId: _s, status: _t, ...bare } = good();
      assert.equal(isHistoryEntry(bare), true);
      for (const state of ['sending', 'sent', 'failed', 'unknown', 'held']) assert.equal(isHistoryEntry({ ...good(), state }), true, state);
    });

    it('refuses what is not an object', () => {
      for (const v of [null, undefined, 'entry', 42, true]) assert.equal(isHistoryEntry(v), false, String(v));
    });

    const broken: Array<[string, Record<string, unknown>]> = [
      ['no key', { key: undefined }],
      ['an empty key', { key: '' }],
      ['a numeric key', { key: 7 }],
      ['a text rev', { rev: '2' }],
      ['a NaN rev', { rev: NaN }],
      ['an infinite rev', { rev: Infinity }],
      ['no createdAt', { createdAt: undefined }],
      ['no updatedAt', { updatedAt: 5 }],
      ['no state', { state: undefined }],
      ['an unknown state', { state: 'delivered' }],
      ['a numeric destination', { destination: 393391234567 }],
      ['no sender', { sender: undefined }],
      ['no text', { text: null }],
      ['no account', { account: undefined }],
      ['parts as text', { parts: '1' }],
      ['smsId as text', { smsId: '5' }],
      ['a null status', { status: null }],
      ['a status without code', { status: { ...delivered, code: '2048' } }],
      ['a status whose final is not a boolean', { status: { ...delivered, final: 1 } }],
      ['a status without class', { status: { ...delivered, statusClass: undefined } }],
      ['a status that is text', { status: 'Delivered' }],
    ];
    for (const [what, over] of broken) {
      it(`refuses ${what}`, () => assert.equal(isHistoryEntry({ ...good(), ...over }), false));
    }
  });
});
