import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { normalizeEntry } from '../../src/history/merge';
import { EntryTable } from '../../src/history/table';
import type { HistoryEntry } from '../../src/history/types';
import { seeded } from '../shared/seeded';

const delivered = { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true };
const pending = { code: 32, label: 'Pending', statusClass: 'pending' as const, final: false };

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    key: randomUUID(),
    destination: '393391234567',
    sender: 'Acme',
    text: 'Your code is 1234',
    account: 'main',
    state: 'sent',
    createdAt: '2025-05-01T10:00:00.123Z',
    updatedAt: '2025-05-01T10:01:05.123Z',
    parts: 1,
    rev: 3,
    ...over,
  };
}

const ODD_TEXTS = ['', 'plain', 'città è più', '😀 emoji 👍🏽', 'lone \ud800 half', 'tail half \udfff', 'new\nline\t"quoted"', '\u0000nul', 'x'.repeat(3000)];
const ODD_TIMES = ['2025-05-01T10:00:00Z', '2025-05-01T10:00:00.000+02:00', 'not a time', '', '2025-13-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'];

/** An entry with each field picked among ordinary and odd values (JSON-clean, as the files hold). */
function randomEntry(random: () => number, i: number): HistoryEntry {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const maybe = (p: number): boolean => random() < p;
  const created = Date.UTC(2024, 0, 1) + Math.floor(random() * 400 * 86_400_000);
  const e: Record<string, unknown> = {
    key: maybe(0.8) ? randomUUID() : pick([`k${i}`, `ABCDEF00-0000-0000-0000-00000000000${i % 10}`, `weird key ${i} è`]),
    destination: maybe(0.8) ? `39${Math.floor(random() * 1e10)}` : pick(['0039123', '+39 333 1', '', '1'.repeat(16), '007', 'abc']),
    sender: pick(['Acme', 'Clinic', '', 'Città']),
    text: maybe(0.7) ? `message ${i} ${'w'.repeat(Math.floor(random() * 200))}` : pick(ODD_TEXTS),
    account: pick(['main', 'sandbox']),
    state: pick(['sending', 'sent', 'failed', 'unknown', 'held']),
    createdAt: maybe(0.85) ? new Date(created).toISOString() : pick(ODD_TIMES),
    updatedAt: maybe(0.8) ? new Date(created + Math.floor(random() * 3e9)).toISOString() : pick(ODD_TIMES),
    parts: maybe(0.9) ? 1 + Math.floor(random() * 5) : pick([0, 70000, 1.5, -1]),
    rev: maybe(0.9) ? Math.floor(random() * 10) : pick([2 ** 40, 0.5, -3]),
  };
  if (maybe(0.3)) e.accountLabel = pick(['Main', 'Lavoro']);
  if (maybe(0.2)) e.sandbox = maybe(0.5);
  if (maybe(0.3)) e.batchId = `batch-${Math.floor(random() * 5)}`;
  if (maybe(0.6)) e.smsId = maybe(0.9) ? Math.floor(random() * 1e9) : pick([0, 2 ** 33, 1.25, -7]);
  if (maybe(0.5)) e.submittedOn = maybe(0.8) ? new Date(created + 2000).toISOString().replace(/[-:T]/g, '').slice(0, 14) : pick(['20251301000000', '2025', 'x', '20250101000060']);
  if (maybe(0.5)) e.lastChangeOn = new Date(created + Math.floor(random() * 1e8)).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  if (maybe(0.5)) e.lastPolledAt = maybe(0.9) ? new Date(created + Math.floor(random() * 1e8)).toISOString() : pick(ODD_TIMES);
  if (maybe(0.6)) e.status = pick([delivered, pending, { code: 64, label: 'Undelivered', statusClass: 'failed', final: true, extra: [1, { a: 'b' }] }]);
  if (maybe(0.5)) e.quantity = pick([1, 2, 3, 0]);
  if (maybe(0.5)) e.charge = pick([0.057, 0.114, 0, 1e-9, 123456.789]);
  if (maybe(0.1)) e.error = { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013', explanation: 'No credit.' };
  if (maybe(0.05)) e.futureField = pick([{ nested: [1, 2] }, 'text', 42, null, true]);
  return normalizeEntry(JSON.parse(JSON.stringify(e)) as HistoryEntry);
}

describe('EntryTable (the history in memory as columns)', () => {
  it('gives back exactly the entry it was given, ordinary or odd (2,000 random entries)', () => {
    const random = seeded(12);
    const table = new EntryTable();
    const put: HistoryEntry[] = [];
    for (let i = 0; i < 2000; i++) {
      const e = randomEntry(random, i);
      if (table.has(e.key)) continue;
      table.put(e);
      put.push(e);
    }
    for (const e of put) assert.deepEqual(table.get(e.key), e, JSON.stringify(e));
    assert.equal(table.size, put.length);
    assert.ok(table.exceptionRows > 0 && table.exceptionRows < put.length, `some rows, not all, need exceptions (${table.exceptionRows})`);
  });

  it('keeps the ordinary entry compact and every odd field in the exceptions', () => {
    const table = new EntryTable();
    const plain = entry({ smsId: 10_000_001, status: delivered, submittedOn: '20250501120002', lastChangeOn: '20250501120009', lastPolledAt: '2025-05-01T10:01:05.123Z', quantity: 1, charge: 0.057, batchId: 'b1', sandbox: false, accountLabel: 'Main' });
    table.put(plain);
    assert.equal(table.exceptionRows, 0);
    const odd = [
      entry({ createdAt: '2025-05-01T10:00:00Z' }),
      entry({ updatedAt: '2025-05-01 10:00' }),
      entry({ destination: '0039333' }),
      entry({ destination: '1234567890123456' }),
      entry({ submittedOn: '2025050112' }),
      entry({ lastChangeOn: '20250230120000' }),
      entry({ smsId: -1 }),
      entry({ smsId: 2 ** 32 }),
      entry({ parts: 2.5 }),
      entry({ rev: -1 }),
      entry({ text: 'half \ud83d' }),
      { ...entry(), extra: { a: [1] } } as HistoryEntry,
      entry({ updatedAt: '2035-05-01T10:00:00.000Z' }), // further from createdAt than an Int32 of ms
    ];
    for (const e of odd) table.put(e);
    assert.equal(table.exceptionRows, odd.length);
    for (const e of [plain, ...odd]) assert.deepEqual(table.get(e.key), e);
  });

  it('materialises a fresh object each time: changing it changes nothing held', () => {
    const table = new EntryTable();
    const e = entry({ status: delivered, error: { kind: 'gateway', code: 1, gatewayText: 'x', explanation: 'y' } });
    table.put(e);
    const a = table.get(e.key)!;
    a.status!.label = 'changed';
    a.error!.gatewayText = 'changed';
    a.text = 'changed';
    assert.deepEqual(table.get(e.key), e);
    assert.notEqual(table.get(e.key), table.get(e.key));
  });

  it('drops fields whose value is undefined, as the JSON files do', () => {
    const table = new EntryTable();
    const e = { ...entry(), smsId: undefined, batchId: undefined };
    table.put(e);
    const got = table.get(e.key)!;
    assert.ok(!('smsId' in got) && !('batchId' in got));
    // an unknown field beside an undefined one (known or not) is still kept
    const odd = { ...entry(), smsId: undefined, later: undefined, future: { n: [1] } };
    table.put(odd);
    assert.deepEqual(table.get(odd.key), { ...entry({ key: odd.key }), future: { n: [1] } });
  });

  it('an update replaces every field of the row, and clears the fields the new version lacks', () => {
    const table = new EntryTable();
    const first = entry({ smsId: 5, status: pending, lastPolledAt: '2025-05-01T10:01:05.123Z', extra: 1 } as Partial<HistoryEntry>);
    const row = table.put(first);
    const next = entry({ key: first.key, state: 'failed', rev: 4, error: { kind: 'gateway', code: 2, gatewayText: 'no', explanation: 'no' } });
    assert.equal(table.put(next), row, 'the same row');
    assert.deepEqual(table.get(first.key), next);
    assert.equal(table.size, 1);
    assert.equal(table.exceptionRows, 0, 'the old exceptions went with the old version');
  });

  it('interns repeated values: one pool entry per distinct sender, status, charge', () => {
    const table = new EntryTable();
    for (let i = 0; i < 500; i++) {
      table.put(entry({ sender: ['A', 'B'][i % 2], account: 'main', status: i % 3 ? delivered : pending, charge: [0.057, 0.114][i % 2], batchId: 'b' }));
    }
    // strings: A, B, main, sent, b; JSON: two statuses; numbers: two charges
    assert.deepEqual(table.poolSizes(), { strings: 5, json: 2, numbers: 2 });
  });

  it('finds keys through the index as it grows, uuids and other keys alike', () => {
    const table = new EntryTable();
    const keys: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const key = i % 7 === 0 ? `key-${i}` : randomUUID();
      keys.push(key);
      assert.equal(table.put(entry({ key })), i, 'rows are numbered in order');
    }
    assert.ok(table.indexSlots >= 2 * keys.length, `the index stays at most half full (${table.indexSlots} slots)`);
    keys.forEach((k, i) => {
      assert.equal(table.rowOf(k), i);
      assert.equal(table.keyOf(i), k);
    });
    assert.equal(table.rowOf(randomUUID()), -1);
    assert.equal(table.rowOf('key-unknown'), -1);
    assert.equal(table.get('key-unknown'), undefined);
  });

  it('a uuid in capitals is a different key from its lowercase form', () => {
    const table = new EntryTable();
    const lower = randomUUID();
    table.put(entry({ key: lower }));
    table.put(entry({ key: lower.toUpperCase(), sender: 'upper' }));
    assert.equal(table.size, 2);
    assert.equal(table.get(lower.toUpperCase())!.sender, 'upper');
    assert.equal(table.get(lower)!.sender, 'Acme');
  });

  it('a removed key keeps its row number; putting it again revives that row', () => {
    const table = new EntryTable();
    const a = entry();
    const b = entry();
    table.put(a);
    table.put(b);
    assert.equal(table.remove(a.key), 0);
    assert.equal(table.remove(a.key), -1, 'removing twice');
    assert.equal(table.get(a.key), undefined);
    assert.equal(table.isLive(0), false);
    assert.equal(table.rowOf(a.key), 0, 'the row stays known');
    assert.equal(table.size, 1);
    assert.equal(table.put({ ...a, text: 'back' }), 0);
    assert.deepEqual(table.get(a.key), { ...a, text: 'back' });
    assert.equal(table.size, 2);
    assert.equal(table.rowCount, 2);
  });

  it('texts: across sealed blocks, unicode intact, holes filled by compaction', () => {
    const table = new EntryTable();
    const all: HistoryEntry[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = `${i} il tuo appuntamento è confermato 😀 ${'ß'.repeat(i % 40)} ${'parola '.repeat(i % 30)}`;
      const e = entry({ text });
      table.put(e);
      all.push(e);
    }
    const before = table.textStats();
    assert.ok(before.sealedBlocks >= 5, `texts span several sealed blocks (${before.sealedBlocks})`);
    assert.ok(before.sealedBytes < before.liveBytes / 2, `sealed blocks are deflated (${before.sealedBytes} of ${before.liveBytes} bytes)`);
    // read in an order that defeats the small cache of inflated blocks
    for (let i = 0; i < all.length; i++) {
      const e = all[(i * 7919) % all.length];
      assert.equal(table.get(e.key)!.text, e.text);
    }
    for (let i = 0; i < all.length; i++) if (i % 3 !== 0) table.remove(all[i].key);
    const after = table.textStats();
    assert.ok(after.deadBytes < before.liveBytes / 2, `removal compacted the arena once the holes were as big as what is used (${after.deadBytes} dead)`);
    assert.ok(after.sealedBlocks < before.sealedBlocks, 'fewer blocks after compaction');
    for (let i = 0; i < all.length; i += 3) assert.deepEqual(table.get(all[i].key), all[i]);
    table.compactTexts();
    assert.equal(table.textStats().deadBytes, 0);
    for (let i = 0; i < all.length; i += 3) assert.equal(table.textOf(table.rowOf(all[i].key)), all[i].text);
  });

  it('an update with the same text keeps it in place; a new text leaves a hole', () => {
    const table = new EntryTable();
    const e = entry({ text: 'é'.repeat(10) });
    table.put(e);
    table.put({ ...e, rev: 4 });
    assert.equal(table.textStats().deadBytes, 0);
    assert.equal(table.textStats().liveBytes, 20);
    table.put({ ...e, rev: 5, text: 'new' });
    assert.deepEqual(table.textStats(), { ...table.textStats(), liveBytes: 3, deadBytes: 20 });
    assert.equal(table.get(e.key)!.text, 'new');
  });

  it('column readers answer without an object: time, text, key', () => {
    const table = new EntryTable();
    const a = entry({ createdAt: '2025-05-01T10:00:00.123Z' });
    const b = entry({ createdAt: '2025-05-01T10:00:00Z' });
    const c = entry({ createdAt: 'never' });
    for (const e of [a, b, c]) table.put(e);
    assert.equal(table.createdMs(0), Date.parse(a.createdAt));
    assert.equal(table.createdMs(1), Date.parse(b.createdAt));
    assert.ok(Number.isNaN(table.createdMs(2)));
    assert.deepEqual([0, 1, 2].map((r) => table.createdText(r)), [a.createdAt, b.createdAt, c.createdAt]);
    assert.deepEqual([0, 1, 2].map((r) => table.createdIsCanonical(r)), [true, false, false]);
    assert.equal(table.textOf(0), a.text);
    table.put(entry({ key: 'odd', text: 'lone \udc00' }));
    assert.equal(table.textOf(3), 'lone \udc00');
  });

  it('holds 100,000 realistic rows and reads every one back', () => {
    const table = new EntryTable();
    const base = Date.UTC(2025, 0, 1);
    const make = (i: number): HistoryEntry => {
      const at = base + i * 60_000 + (i % 1000);
      return {
        key: `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`,
        smsId: 10_000_000 + i,
        destination: `39333${String(i).padStart(7, '0')}`,
        sender: ['Acme', 'Clinic', 'Shop'][i % 3],
        text: `Appointment ${i} confirmed for tomorrow`,
        account: 'main',
        state: 'sent',
        createdAt: new Date(at).toISOString(),
        submittedOn: new Date(at + 2000).toISOString().replace(/[-:T]/g, '').slice(0, 14),
        lastChangeOn: new Date(at + 9000).toISOString().replace(/[-:T]/g, '').slice(0, 14),
        updatedAt: new Date(at + 65_000).toISOString(),
        lastPolledAt: new Date(at + 65_000).toISOString(),
        status: delivered,
        parts: 1,
        quantity: 1,
        charge: 0.057,
        rev: 3,
      };
    };
    for (let i = 0; i < 100_000; i++) table.put(make(i));
    assert.equal(table.size, 100_000);
    assert.equal(table.exceptionRows, 0);
    for (let i = 0; i < 100_000; i += 1) {
      const e = make(i);
      const row = table.rowOf(e.key);
      assert.equal(row, i);
      if (i % 97 === 0) assert.deepEqual(table.entry(row), e);
      else assert.equal(table.createdMs(row), Date.parse(e.createdAt));
    }
  });

  it('reads single fields, state fields and key order from the columns as the entry has them', () => {
    const table = new EntryTable();
    const error = { kind: 'gateway' as const, code: 1013, gatewayText: 'Error: 1013', explanation: 'No credit.' };
    const full = entry({ key: '00000000-0000-4000-8000-000000000002', smsId: 77, status: pending, batchId: 'b', accountLabel: 'Main', quantity: 2, charge: 0.114, error });
    const odd = { ...entry({ key: 'b-key', destination: '+39 333', state: 'failed', smsId: 2 ** 33, parts: 1.5 }), rev: 0.5 } as HistoryEntry;
    const uuidLow = entry({ key: '00000000-0000-4000-8000-000000000001' });
    for (const e of [full, odd, uuidLow]) table.put(e);
    const names = ['text', 'destination', 'sender', 'batchId', 'account', 'accountLabel', 'smsId', 'rev', 'parts', 'quantity', 'charge', 'state', 'status', 'error'] as const;
    for (const e of [full, odd, uuidLow]) {
      const row = table.rowOf(e.key);
      for (const name of names) assert.deepEqual(table.field(row, name), e[name], `${e.key} ${name}`);
      assert.deepEqual({ ...table.stateFields(row) }, Object.fromEntries(['state', 'status', 'smsId', 'createdAt'].filter((k) => k in e).map((k) => [k, e[k as keyof HistoryEntry]])));
    }
    const [a, b, c] = [full, odd, uuidLow].map((e) => table.rowOf(e.key));
    assert.equal(table.compareKeys(a, c), 1, 'uuids by their words, as their strings');
    assert.equal(table.compareKeys(c, a), -1);
    assert.equal(table.compareKeys(a, a), 0);
    assert.equal(table.compareKeys(a, b), -1, 'a uuid against another key, as strings');
    assert.equal(table.compareKeys(b, c), 1);
  });
});

