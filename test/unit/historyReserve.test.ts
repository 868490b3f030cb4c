// A snapshot's header says how many entries follow; the loader makes room for them at once (format.ts
// `countHint`, state.ts and table.ts `reserve`) instead of growing every column a dozen times while it
// reads. The count is a hint: a wrong, missing or absurd one changes nothing of what is read.
import * as assert from 'node:assert/strict';
import { applySnapshotSliced, countHint, roomHinted, snapshotChunks } from '../../src/history/format';
import { noSlices } from '../../src/history/slices';
import { HistoryState } from '../../src/history/state';
import { EntryTable } from '../../src/history/table';
import type { HistoryEntry } from '../../src/history/types';

function entry(i: number): HistoryEntry {
  return {
    key: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    destination: `39339${String(1000000 + i)}`,
    sender: 'Acme',
    text: `message ${i}`,
    account: 'acct',
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    rev: 1,
    parts: 1,
    state: 'sent',
    smsId: 1000 + i,
  } as HistoryEntry;
}

async function snapshotOf(entries: HistoryEntry[], count = entries.length): Promise<Buffer> {
  let text = '';
  for await (const chunk of snapshotChunks(count, entries, [])) text += chunk;
  return Buffer.from(text);
}

describe('history load: room made at once from the snapshot header', () => {
  it('countHint reads the header count, and only a sane one', () => {
    const head = (count: string) => `{"format":"inviosmart-sms-history","version":2,"writtenAt":"2026-12-02T00:00:00.000Z","count":${count},"entries":[`;
    assert.equal(countHint(head('100000')), 100000);
    assert.equal(countHint(head('1')), 1);
    for (const bad of ['0', '-5', '2.5', '"100"', 'null', '2000001', '1e300']) assert.equal(countHint(head(bad)), 0, bad);
    assert.equal(countHint('{"format":"inviosmart-sms-history","entries":['), 0, 'no count');
    assert.equal(countHint('{"format":"inviosmart-sms-history","count":5,,"entries":['), 0, 'not JSON');
  });

  it('roomHinted believes a count only as far as the file can hold it, and only on a whole first line', () => {
    const head = (count: number) => Buffer.from(`{"format":"inviosmart-sms-history","version":2,"writtenAt":"2026-12-02T00:00:00.000Z","count":${count},"entries":[\n{"key":`);
    assert.equal(roomHinted(head(1600), 57_000_000), 1700);
    assert.equal(roomHinted(head(100_000), 57_000_000), 106_250);
    // A damaged or hostile header: two million rows claimed by a 4 KB file (or a 1 MB one) make no room.
    assert.equal(roomHinted(head(2_000_000), 4096), 0);
    assert.equal(roomHinted(head(2_000_000), 1_000_000), 0);
    assert.equal(roomHinted(head(100), 10_000), 100 + 7);
    assert.equal(roomHinted(head(101), 10_000), 0);
    // No newline in what was read: the header line is not whole.
    assert.equal(roomHinted(Buffer.from('{"format":"inviosmart-sms-history","count":5,"entries":['), 1_000_000), 0);
  });

  it('a load reserves the count and a sixteenth more, before the first row, and reads the same entries as without', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => entry(i));
    const buf = await snapshotOf(entries);
    const state = new HistoryState();
    const asked: Array<[number, number]> = [];
    const reserve = state.reserve.bind(state);
    state.reserve = (n: number) => {
      asked.push([n, state.size]);
      reserve(n);
    };
    assert.equal(await applySnapshotSliced(state, buf, noSlices), 3000);
    assert.deepEqual(asked, [[3000 + 188, 0]]);
    assert.equal(state.size, 3000);
    for (const i of [0, 1, 1499, 2999]) assert.deepEqual(state.get(entries[i].key), entries[i]);
  });

  it('a count that is wrong either way changes nothing that is read', async () => {
    const entries = Array.from({ length: 2500 }, (_, i) => entry(i));
    for (const count of [1, 10, 2500, 50_000]) {
      const state = new HistoryState();
      assert.equal(await applySnapshotSliced(state, await snapshotOf(entries, count), noSlices), 2500);
      assert.equal(state.size, 2500, `count ${count}`);
      assert.deepEqual(state.get(entries[2499].key), entries[2499]);
      assert.deepEqual(state.get(entries[0].key), entries[0]);
    }
  });

  it('reserve keeps the rows already in the table, finds them by key, and more rows than reserved still fit', () => {
    const table = new EntryTable();
    const first = Array.from({ length: 700 }, (_, i) => entry(i));
    for (const e of first) table.put(e);
    table.reserve(5000);
    assert.ok(table.indexSlots >= 2 * 5001, `index has ${table.indexSlots} slots`);
    for (const e of first) assert.deepEqual(table.get(e.key), e);
    const more = Array.from({ length: 6000 }, (_, i) => entry(700 + i));
    for (const e of more) table.put(e);
    assert.equal(table.size, 6700);
    for (const e of [first[0], first[699], more[0], more[5999]]) assert.deepEqual(table.get(e.key), e);
    // A smaller reserve afterwards shrinks nothing.
    table.reserve(10);
    assert.equal(table.size, 6700);
    assert.deepEqual(table.get(more[4321].key), more[4321]);
  });

  it('HistoryState.reserve keeps the order of the entries already read', () => {
    const state = new HistoryState();
    const entries = Array.from({ length: 1500 }, (_, i) => entry(i));
    for (const e of entries.slice(0, 1200)) state.applyObject(e);
    state.reserve(4000);
    for (const e of entries.slice(1200)) state.applyObject(e);
    assert.deepEqual([...state.rowsAscending()].map((row) => state.table.keyOf(row)), entries.map((e) => e.key));
  });
});
