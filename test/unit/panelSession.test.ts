import * as assert from 'node:assert/strict';
import type { Disposable, HistoryEntry } from '../../src/history/types';
import { MAX_PAGE_ROWS, type HostMessage, type PanelPage, type PanelQuery } from '../../src/panel/protocol';
import { PanelSession } from '../../src/views/panelSession';
import { comparator, computeTotals, defaultSort, emptyFilter, textSortKey } from '../../src/panel/model';

function entry(i: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    key: `k${i}`,
    smsId: 1000 + i,
    destination: `39333${String(i).padStart(7, '0')}`,
    sender: ['Shop', 'Clinic'][Math.abs(i) % 2],
    text: `Message ${i}`,
    account: 'acct',
    state: 'sent',
    createdAt: new Date(Date.UTC(2025, 2, 10) - i * 60_000).toISOString(),
    updatedAt: '2025-03-10T00:00:00.000Z',
    parts: 1,
    charge: (i % 3) * 0.05,
    status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
    rev: 1,
    ...over,
  };
}

type Change = { upserted: HistoryEntry[]; removed: string[] };

/** A history in memory and a session over it, with timers run by hand. */
function setup(count: number) {
  let entries = Array.from({ length: count }, (_, i) => entry(i));
  const listeners = new Set<(c: Change) => void>();
  const timers: Array<() => void> = [];
  const posted: HostMessage[] = [];
  const session = new PanelSession({
    history: {
      all: () => entries,
      onDidChange: (l): Disposable => {
        listeners.add(l);
        return { dispose: () => listeners.delete(l) };
      },
    },
    post: (m) => posted.push(m),
    localize: (list) => list.map((e) => (e.status ? { ...e, status: { ...e.status, label: `it:${e.status.label}` } } : e)),
    later: (work) => {
      timers.push(work);
      return { dispose: () => timers.splice(timers.indexOf(work), 1) };
    },
  });
  let seq = 0;
  return {
    session,
    posted,
    pages: () => posted.flatMap((m) => (m.type === 'page' ? [m.page] : [])),
    ask(q: Partial<PanelQuery> = {}): PanelPage {
      session.answer({ seq: ++seq, filter: { ...emptyFilter }, sort: { ...defaultSort }, start: 0, end: 20, ...q });
      const last = posted.at(-1);
      assert.ok(last?.type === 'page');
      return last.page;
    },
    change(c: Change) {
      entries = [...c.upserted.filter((u) => !entries.some((e) => e.key === u.key)), ...entries.map((e) => c.upserted.find((u) => u.key === e.key) ?? e)]
        .filter((e) => !c.removed.includes(e.key));
      for (const l of [...listeners]) l(c);
    },
    runTimers() {
      for (const t of timers.splice(0)) t();
    },
    get entries() {
      return entries;
    },
  };
}

describe('PanelSession (the host answers the panel over the whole history)', () => {
  it('answers the rows asked for, localized, with exact counts and totals over every message', () => {
    const s = setup(1000);
    const page = s.ask({ start: 10, end: 15 });
    assert.equal(page.count, 1000);
    assert.equal(page.size, 1000);
    assert.deepEqual(page.totals, computeTotals(s.entries));
    assert.equal(page.start, 10);
    assert.deepEqual(page.entries.map((e) => e.key), ['k10', 'k11', 'k12', 'k13', 'k14']);
    assert.equal(page.entries[0].status?.label, 'it:Delivered');
  });

  it('gives at most a page, and clamps past the end', () => {
    const s = setup(1000);
    assert.equal(s.ask({ start: 0, end: 1000 }).entries.length, MAX_PAGE_ROWS);
    const end = s.ask({ start: 990, end: 2000 });
    assert.deepEqual([end.start, end.entries.length], [990, 10]);
    const past = s.ask({ start: 5000, end: 5100 });
    assert.deepEqual([past.start, past.entries.length, past.count], [1000, 0, 1000]);
  });

  it('filters and sorts over everything, and says where an entry stands', () => {
    const s = setup(1000);
    const found = s.ask({ filter: { ...emptyFilter, search: 'message 99' }, locate: 'k999' });
    assert.deepEqual(found.entries.map((e) => e.key), ['k99', 'k990', 'k991', 'k992', 'k993', 'k994', 'k995', 'k996', 'k997', 'k998', 'k999']);
    assert.deepEqual(found.totals, computeTotals(s.entries.filter((e) => e.text.includes('Message 99'))));
    assert.equal(found.located?.index, 10);
    assert.equal(found.located?.entry?.status?.label, 'it:Delivered');
    const hidden = s.ask({ filter: { ...emptyFilter, search: 'message 99' }, locate: 'k5' });
    assert.deepEqual({ index: hidden.located?.index, has: hidden.located?.entry !== undefined }, { index: -1, has: true });
    assert.deepEqual(s.ask({ locate: 'nope' }).located, { key: 'nope', index: -1 });

    const sort = { column: 'charge' as const, direction: 'asc' as const };
    const sorted = s.ask({ sort, start: 0, end: MAX_PAGE_ROWS });
    const expected = [...s.entries].sort(comparator(sort)).slice(0, MAX_PAGE_ROWS).map((e) => e.key);
    assert.deepEqual(sorted.entries.map((e) => e.key), expected);
  });

  it('after history changes, one pushed page for the last question, with the new counts', () => {
    const s = setup(100);
    s.ask({ start: 0, end: 10, locate: 'k3' });
    const before = s.pages().length;
    s.change({ upserted: [entry(3, { rev: 2, status: { code: 32, label: 'Pending', statusClass: 'pending', final: false } })], removed: [] });
    s.change({ upserted: [entry(-1)], removed: [] });
    s.change({ upserted: [], removed: ['k5'] });
    assert.equal(s.pages().length, before, 'changes are gathered first');
    s.runTimers();
    const pushed = s.pages().slice(before);
    assert.equal(pushed.length, 1);
    const page = pushed[0];
    assert.equal(page.pushed, true);
    assert.equal(page.seq, s.pages()[before - 1].seq);
    assert.equal(page.count, 100);
    assert.deepEqual(page.entries.map((e) => e.key), ['k-1', 'k0', 'k1', 'k2', 'k3', 'k4', 'k6', 'k7', 'k8', 'k9']);
    assert.equal(page.located?.entry?.status?.label, 'it:Pending');
    assert.deepEqual(page.totals, computeTotals(s.entries));
  });

  it('nothing is pushed before the first question or after dispose', () => {
    const s = setup(10);
    s.change({ upserted: [entry(-1)], removed: [] });
    s.runTimers();
    assert.deepEqual(s.posted, []);
    s.ask();
    s.session.dispose();
    s.change({ upserted: [entry(-2)], removed: [] });
    s.runTimers();
    assert.equal(s.pages().length, 1);
  });

  it('text sort keys: case and accents ignored, numbers by value', () => {
    const sorted = ['item 10', 'Item 9', 'ítem 2', 'item 1', 'apple', '0039 333', '39 334'].sort((a, b) => (textSortKey(a) < textSortKey(b) ? -1 : 1));
    assert.deepEqual(sorted, ['0039 333', '39 334', 'apple', 'item 1', 'ítem 2', 'Item 9', 'item 10']);
    assert.equal(textSortKey('Caffè'), textSortKey('caffe'));
    assert.ok(textSortKey('393331234567') < textSortKey('3933312345678'));
    assert.ok(textSortKey('9') < textSortKey('10'));
  });
});
