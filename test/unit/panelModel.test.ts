import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { statusGroupOf } from '../../src/history/messageState';
import type { HistoryEntry } from '../../src/history/types';
import { PanelModel } from '../../src/panel/panelModel';
import { createFormatters, safeLocale } from '../../src/webview/format';
import {
  compileFilter,
  comparator,
  computeTotals,
  emptyFilter,
  localDayStart,
  maxScrollTop,
  moveSelection,
  restoreViewState,
  scrollTopToReveal,
  sortColumns,
  visibleRange,
  type PanelFilter,
  type SortSpec,
} from '../../src/panel/model';
import { createNonce, panelCsp, panelHtml } from '../../src/views/panelHtml';
import { isHostMessage, isWebviewMessage } from '../../src/panel/protocol';

function entry(over: Partial<HistoryEntry> & { key: string }): HistoryEntry {
  return {
    destination: '393391234567',
    sender: 'Shop',
    text: 'hello',
    account: 'acct',
    state: 'sent',
    createdAt: '2025-03-10T12:00:00.000Z',
    updatedAt: '2025-03-10T12:00:00.000Z',
    parts: 1,
    rev: 1,
    ...over,
  };
}

const delivered = { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true };
const pending = { code: 32, label: 'Pending', statusClass: 'pending' as const, final: false };
const expired = { code: 128, label: 'Expired', statusClass: 'failed' as const, final: true };

/** Local noon of a day, so the date-range tests do not depend on the machine's time zone. */
function localNoon(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d, 12).toISOString();
}

describe('panel model', () => {
  describe('status filter', () => {
    it('filters by the status groups of messageState.ts', () => {
      assert.equal(statusGroupOf(entry({ key: 'a', state: 'sending' })), 'sending');
      assert.equal(statusGroupOf(entry({ key: 'a', state: 'unknown' })), 'unknown');
      assert.equal(statusGroupOf(entry({ key: 'a', state: 'failed' })), 'failed');
      assert.equal(statusGroupOf(entry({ key: 'a', state: 'sent' })), 'queued');
      assert.equal(statusGroupOf(entry({ key: 'a', state: 'sent', status: delivered })), 'delivered');
      assert.equal(statusGroupOf(entry({ key: 'a', state: 'sent', status: expired })), 'failed');
      // an undocumented number is still polled: waiting, not "unknown outcome"
      assert.equal(statusGroupOf(entry({ key: 'a', status: { code: 4096, label: 'unknown status 4096', statusClass: 'unknown', final: false } })), 'pending');
    });

    it('keeps a message the poller gave up on apart, as `stale`', () => {
      const old = entry({ key: 'old', state: 'sent', smsId: 1, createdAt: '2026-01-01T00:00:00.000Z' });
      const young = entry({ key: 'young', state: 'sent', smsId: 2, createdAt: '2026-01-03T00:00:00.000Z' });
      const at = { now: Date.parse('2026-01-03T01:00:00.000Z'), maxAgeMs: 48 * 3600_000 };
      const model = new PanelModel({ ...emptyFilter, status: 'stale' }, undefined, undefined, () => at);
      model.reset([young, old]);
      assert.deepEqual(model.rows.map((e) => e.key), ['old']);
      model.setFilter({ ...emptyFilter, status: 'queued' });
      assert.deepEqual(model.rows.map((e) => e.key), ['young']);
      // without the age limit nothing is stale
      assert.equal(compileFilter({ ...emptyFilter, status: 'stale' })(old), false);
    });
  });

  describe('filter', () => {
    const rows = [
      entry({ key: 'a', text: 'Your code is 1234', smsId: 501, status: delivered, batchId: 'b1' }),
      entry({ key: 'b', text: 'Promo', sender: 'MegaStore', smsId: 502, status: pending }),
      entry({ key: 'c', text: 'Late', state: 'failed', error: { kind: 'gateway', code: 1013, gatewayText: 'No credits available for user', explanation: 'Top up' } }),
      entry({ key: 'd', text: 'x', destination: '306912345678', state: 'sending', batchId: 'b1' }),
    ];
    const keys = (f: Partial<PanelFilter>) => rows.filter(compileFilter({ ...emptyFilter, ...f })).map((e) => e.key);

    it('searches text, sender, destination, SMSId, status and error text without case', () => {
      assert.deepEqual(keys({ search: 'CODE' }), ['a']);
      assert.deepEqual(keys({ search: 'megastore' }), ['b']);
      assert.deepEqual(keys({ search: '30691' }), ['d']);
      assert.deepEqual(keys({ search: '502' }), ['b']);
      assert.deepEqual(keys({ search: 'pending' }), ['b']);
      assert.deepEqual(keys({ search: 'no credits' }), ['c']);
      assert.deepEqual(keys({ search: '   ' }), ['a', 'b', 'c', 'd']);
    });

    it('finds a number typed as the panel shows it (spaces, +, brackets) among the stored digits', () => {
      assert.deepEqual(keys({ search: '+30 691 234 5678' }), ['d']);
      assert.deepEqual(keys({ search: '(691) 234-56' }), ['d']);
      assert.deepEqual(keys({ search: '+39 691' }), []);
    });

    it('filters by status category and batch', () => {
      assert.deepEqual(keys({ status: 'failed' }), ['c']);
      assert.deepEqual(keys({ status: 'sending' }), ['d']);
      assert.deepEqual(keys({ status: 'delivered' }), ['a']);
      assert.deepEqual(keys({ batch: 'b1' }), ['a', 'd']);
      assert.deepEqual(keys({ batch: 'b1', status: 'sending' }), ['d']);
    });

    it('takes from/to as inclusive local days', () => {
      const dated = ['2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03'].map((day, i) =>
        entry({ key: String(i), createdAt: localNoon(day) }),
      );
      const pick = (f: Partial<PanelFilter>) => dated.filter(compileFilter({ ...emptyFilter, ...f })).map((e) => e.key);
      assert.deepEqual(pick({ from: '2025-02-01', to: '2025-02-02' }), ['1', '2']);
      assert.deepEqual(pick({ from: '2025-02-02' }), ['2', '3']);
      assert.deepEqual(pick({ to: '2025-01-31' }), ['0']);
      // A day that does not exist is ignored rather than rolled over into March.
      assert.deepEqual(pick({ from: '2025-02-31' }), ['0', '1', '2', '3']);
      const lastMoment = new Date(2025, 1, 2, 23, 59, 59, 999).toISOString();
      assert.equal(compileFilter({ ...emptyFilter, to: '2025-02-02' })(entry({ key: 'z', createdAt: lastMoment })), true);
    });

    it('parses only real calendar days', () => {
      assert.equal(localDayStart('2024-02-29'), new Date(2024, 1, 29).getTime());
      assert.equal(localDayStart('2023-02-29'), undefined);
      assert.equal(localDayStart('2023-2-1'), undefined);
      assert.equal(localDayStart(''), undefined);
    });
  });

  describe('sort', () => {
    const rows = [
      entry({ key: 'a', smsId: 10, charge: 0.05, createdAt: '2025-03-10T10:00:00Z', destination: '39333' }),
      entry({ key: 'b', smsId: 9, createdAt: '2025-03-10T11:00:00Z', destination: '39222' }),
      entry({ key: 'c', smsId: 11, charge: 0.02, createdAt: '2025-03-10T09:00:00Z', destination: '39111' }),
      entry({ key: 'd', createdAt: '2025-03-10T12:00:00Z', destination: '39444', state: 'sending' }),
    ];
    const order = (sort: SortSpec) => [...rows].sort(comparator(sort)).map((e) => e.key);

    it('sorts by each column in both directions', () => {
      assert.deepEqual(order({ column: 'createdAt', direction: 'desc' }), ['d', 'b', 'a', 'c']);
      assert.deepEqual(order({ column: 'createdAt', direction: 'asc' }), ['c', 'a', 'b', 'd']);
      assert.deepEqual(order({ column: 'destination', direction: 'asc' }), ['c', 'b', 'a', 'd']);
      assert.deepEqual(order({ column: 'status', direction: 'asc' }), ['d', 'b', 'a', 'c']);
    });

    it('keeps missing numbers last in either direction', () => {
      assert.deepEqual(order({ column: 'charge', direction: 'asc' }), ['c', 'a', 'd', 'b']);
      assert.deepEqual(order({ column: 'charge', direction: 'desc' }), ['a', 'c', 'd', 'b']);
      assert.deepEqual(order({ column: 'smsId', direction: 'asc' }), ['b', 'a', 'c', 'd']);
      assert.deepEqual(order({ column: 'smsId', direction: 'desc' }), ['c', 'a', 'b', 'd']);
    });

    it('flips on the same column and starts numbers and time descending', () => {
      const model = new PanelModel();
      assert.deepEqual(model.toggleSort('createdAt'), { column: 'createdAt', direction: 'asc' });
      assert.deepEqual(model.toggleSort('text'), { column: 'text', direction: 'asc' });
      assert.deepEqual(model.toggleSort('text'), { column: 'text', direction: 'desc' });
      assert.deepEqual(model.toggleSort('charge'), { column: 'charge', direction: 'desc' });
    });
  });

  describe('totals', () => {
    it('counts messages, charged parts and euro exactly, and reports unknown charges', () => {
      const rows = Array.from({ length: 1000 }, (_, i) => entry({ key: String(i), parts: 1, quantity: 2, charge: 0.057 }));
      rows.push(entry({ key: 'x', parts: 3 }));
      assert.deepEqual(computeTotals(rows), { messages: 1001, parts: 2003, charge: 57, chargeUnknown: 1 });
      assert.deepEqual(computeTotals([]), { messages: 0, parts: 0, charge: 0, chargeUnknown: 0 });
    });

    it('follows the filter', () => {
      const model = new PanelModel();
      model.reset([
        entry({ key: 'a', status: delivered, charge: 0.1, quantity: 2 }),
        entry({ key: 'b', status: pending, charge: 0.2 }),
      ]);
      model.setFilter({ status: 'delivered' });
      assert.deepEqual(model.totals, { messages: 1, parts: 2, charge: 0.1, chargeUnknown: 0 });
      model.upsert([entry({ key: 'b', status: delivered, charge: 0.2, rev: 2 })]);
      assert.deepEqual(model.totals, { messages: 2, parts: 3, charge: 0.3, chargeUnknown: 0 });
    });
  });

  describe('incremental updates', () => {
    it('ignores an older revision than the one held', () => {
      const model = new PanelModel();
      model.reset([entry({ key: 'a', status: delivered, rev: 5 })]);
      const change = model.upsert([entry({ key: 'a', status: pending, rev: 4 })]);
      assert.deepEqual(change, { changed: [], orderChanged: false });
      assert.equal(model.get('a')?.status?.label, 'Delivered');
    });

    it('reports a status change that keeps the row in place as no reorder', () => {
      const model = new PanelModel();
      model.reset([entry({ key: 'a', createdAt: '2025-01-02T00:00:00Z' }), entry({ key: 'b', createdAt: '2025-01-01T00:00:00Z' })]);
      const change = model.upsert([entry({ key: 'b', createdAt: '2025-01-01T00:00:00Z', status: delivered, rev: 2 })]);
      assert.deepEqual(change, { changed: ['b'], orderChanged: false });
      assert.deepEqual(model.rows.map((e) => e.key), ['a', 'b']);
      assert.equal(model.indexOf('b'), 1);
    });

    it('drops a row that no longer matches the filter and adds one that now does', () => {
      const model = new PanelModel({ ...emptyFilter, status: 'pending' });
      model.reset([entry({ key: 'a', status: pending }), entry({ key: 'b', status: delivered })]);
      assert.deepEqual(model.rows.map((e) => e.key), ['a']);
      assert.equal(model.upsert([entry({ key: 'a', status: delivered, rev: 2 })]).orderChanged, true);
      assert.equal(model.indexOf('a'), -1);
      assert.equal(model.rows.length, 0);
      model.upsert([entry({ key: 'b', status: pending, rev: 2 })]);
      assert.deepEqual(model.rows.map((e) => e.key), ['b']);
      assert.deepEqual(model.remove(['b', 'nope']), { changed: [], orderChanged: true });
      assert.equal(model.size, 1);
    });

    it('removes thousands of rows at once (retention) in one rebuild, with the same result', () => {
      const all = Array.from({ length: 30_000 }, (_, i) =>
        entry({ key: `k${i}`, createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(), status: i % 3 ? delivered : pending, charge: 0.05 }));
      const model = new PanelModel({ ...emptyFilter, status: 'delivered' });
      model.reset(all);
      const gone = all.slice(0, 20_000).map((e) => e.key); // the oldest two thirds
      const t = performance.now();
      assert.deepEqual(model.remove([...gone, 'no-such-key']), { changed: [], orderChanged: true });
      const ms = performance.now() - t;
      const expected = all.slice(20_000).filter((e) => e.status === delivered).reverse();
      assert.deepEqual(model.rows.map((e) => e.key), expected.map((e) => e.key));
      assert.equal(model.size, 10_000);
      assert.deepEqual(model.totals, computeTotals(expected));
      // Key by key this took seconds; one rebuild takes milliseconds (a generous bound for slow machines).
      assert.ok(ms < 1000, `removing 20,000 rows took ${ms.toFixed(0)} ms`);
      // Rows that were all filtered out: nothing shown changes.
      const pendingOnly = all.slice(20_000).filter((e) => e.status === pending).map((e) => e.key);
      assert.deepEqual(model.remove(pendingOnly.concat(Array.from({ length: 2000 }, (_, i) => `x${i}`))), { changed: [], orderChanged: false });
      assert.equal(model.rows.length, expected.length);
    });

    it('lists the batch ids present', () => {
      const model = new PanelModel();
      model.reset([entry({ key: 'a', batchId: 'b10' }), entry({ key: 'b', batchId: 'b2' }), entry({ key: 'c' }), entry({ key: 'd', batchId: 'b2' })]);
      assert.deepEqual(model.batches(), ['b2', 'b10']);
    });

    it('always equals a full filter-and-sort of the same entries (property)', () => {
      const keyArb = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7');
      const statusArb = fc.constantFrom(undefined, delivered, pending, expired);
      const entryArb = fc.record({
        key: keyArb,
        rev: fc.integer({ min: 0, max: 5 }),
        text: fc.constantFrom('alpha', 'beta', 'Gamma', 'alpha beta'),
        charge: fc.option(fc.constantFrom(0.01, 0.05, 0.1), { nil: undefined }),
        minute: fc.integer({ min: 0, max: 3 }),
        status: statusArb,
      }).map(({ minute, ...rest }) => entry({ ...rest, createdAt: `2025-05-01T10:0${minute}:00.000Z` }));
      const sortArb = fc.record({ column: fc.constantFrom(...sortColumns), direction: fc.constantFrom('asc' as const, 'desc' as const) });
      const filterArb = fc.record({
        search: fc.constantFrom('', 'alpha', 'BETA'),
        status: fc.constantFrom('' as const, 'delivered' as const, 'queued' as const, 'failed' as const),
        from: fc.constant(''),
        to: fc.constant(''),
        batch: fc.constant(''),
      });
      // Sorts and filters change in between too, so sorted copies kept across them are checked as well.
      const opArb = fc.oneof(
        fc.record({ kind: fc.constant('upsert' as const), entries: fc.array(entryArb, { maxLength: 4 }) }),
        fc.record({ kind: fc.constant('remove' as const), keys: fc.array(keyArb, { maxLength: 3 }) }),
        fc.record({ kind: fc.constant('sort' as const), sort: sortArb }),
        fc.record({ kind: fc.constant('filter' as const), filter: filterArb }),
      );
      fc.assert(
        fc.property(fc.array(entryArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 10 }), sortArb, filterArb, (initial, ops, firstSort, firstFilter) => {
          let sort: SortSpec = firstSort;
          let filter: PanelFilter = firstFilter;
          const model = new PanelModel(filter, sort);
          model.reset(initial);
          const truth = new Map<string, HistoryEntry>();
          for (const e of initial) if (!truth.has(e.key) || truth.get(e.key)!.rev <= e.rev) truth.set(e.key, e);
          for (const op of ops) {
            if (op.kind === 'upsert') {
              model.upsert(op.entries);
              for (const e of op.entries) if (!truth.has(e.key) || truth.get(e.key)!.rev <= e.rev) truth.set(e.key, e);
            } else if (op.kind === 'sort') {
              sort = op.sort;
              model.setSort(sort);
            } else if (op.kind === 'filter') {
              filter = op.filter;
              model.setFilter(filter);
            } else {
              model.remove(op.keys);
              for (const k of op.keys) truth.delete(k);
            }
          }
          const expected = [...truth.values()].filter(compileFilter(filter)).sort(comparator(sort));
          assert.deepEqual(model.rows.map((e) => e.key), expected.map((e) => e.key));
          assert.deepEqual(model.totals, computeTotals(expected));
          for (const [i, e] of expected.entries()) assert.equal(model.indexOf(e.key), i);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('virtual window', () => {
    it('covers exactly the visible rows plus overscan, clamped to the list', () => {
      assert.deepEqual(visibleRange(0, 240, 24, 1000, 0), { start: 0, end: 10 });
      assert.deepEqual(visibleRange(0, 240, 24, 1000, 5), { start: 0, end: 15 });
      assert.deepEqual(visibleRange(2400, 240, 24, 1000, 5), { start: 95, end: 115 });
      assert.deepEqual(visibleRange(10, 240, 24, 1000, 0), { start: 0, end: 11 });
      assert.deepEqual(visibleRange(23990, 240, 24, 1000, 5), { start: 994, end: 1000 });
      assert.deepEqual(visibleRange(0, 240, 24, 0, 5), { start: 0, end: 0 });
      assert.deepEqual(visibleRange(-50, 240, 24, 3, 5), { start: 0, end: 3 });
    });

    it('always includes every row that intersects the viewport (property)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 100_000 }),
          fc.integer({ min: 1, max: 2000 }),
          fc.integer({ min: 0, max: 3_000_000 }),
          fc.integer({ min: 0, max: 10 }),
          (count, height, scrollTop, overscan) => {
            const rowHeight = 24;
            const top = Math.min(scrollTop, maxScrollTop(count, height, rowHeight));
            const { start, end } = visibleRange(top, height, rowHeight, count, overscan);
            assert.ok(start >= 0 && start <= end && end <= count);
            for (let i = Math.floor(top / rowHeight); i < Math.min(count, Math.ceil((top + height) / rowHeight)); i++) {
              assert.ok(i >= start && i < end, `row ${i} missing from ${start}..${end}`);
            }
            // Never more than the viewport's rows plus overscan on both sides (+1 for a partial row).
            assert.ok(end - start <= Math.ceil(height / rowHeight) + 1 + 2 * overscan);
          },
        ),
      );
    });

    it('scrolls the least needed to reveal a row', () => {
      assert.equal(scrollTopToReveal(5, 0, 240, 24), 0);
      assert.equal(scrollTopToReveal(10, 0, 240, 24), 24);
      assert.equal(scrollTopToReveal(2, 100, 240, 24), 48);
      assert.equal(scrollTopToReveal(50, 0, 240, 24), 51 * 24 - 240);
    });

    it('moves the selection with arrows, pages, Home and End', () => {
      assert.equal(moveSelection('ArrowDown', -1, 10, 5), 0);
      assert.equal(moveSelection('ArrowDown', 9, 10, 5), 9);
      assert.equal(moveSelection('ArrowUp', 0, 10, 5), 0);
      assert.equal(moveSelection('ArrowUp', 4, 10, 5), 3);
      assert.equal(moveSelection('PageDown', 2, 10, 5), 6);
      assert.equal(moveSelection('PageUp', 2, 10, 5), 0);
      assert.equal(moveSelection('End', 2, 10, 5), 9);
      assert.equal(moveSelection('Home', 2, 10, 5), 0);
      assert.equal(moveSelection('a', 2, 10, 5), undefined);
      assert.equal(moveSelection('ArrowDown', -1, 0, 5), undefined);
    });
  });

  describe('view state', () => {
    it('restores a saved state and drops what is not valid', () => {
      const saved = { filter: { search: 'x', status: 'failed', from: '2025-01-01', to: 'junk', batch: 'b' }, sort: { column: 'charge', direction: 'asc' }, scrollTop: 480, selectedKey: 'k' };
      assert.deepEqual(restoreViewState(JSON.parse(JSON.stringify(saved))), {
        filter: { search: 'x', status: 'failed', from: '2025-01-01', to: '', batch: 'b' },
        sort: { column: 'charge', direction: 'asc' },
        scrollTop: 480,
        selectedKey: 'k',
      });
      const fresh = restoreViewState(undefined);
      assert.deepEqual(fresh, { filter: emptyFilter, sort: { column: 'createdAt', direction: 'desc' }, scrollTop: 0 });
      assert.deepEqual(restoreViewState({ filter: { status: 'bogus' }, sort: { column: 'nope', direction: 'up' }, scrollTop: Number.NaN }), fresh);
    });
  });

  describe('formatting', () => {
    it('formats euro, counts and local times, and survives odd locale tags', () => {
      const f = createFormatters('en-US');
      assert.equal(f.euro(0.057), '€0.057');
      assert.equal(f.euro(12), '€12.00');
      assert.equal(f.count(12345), '12,345');
      assert.equal(f.localTime('not a date'), '');
      assert.match(f.localTime('2025-03-10T12:00:00Z'), /2025/);
      assert.equal(safeLocale('not a locale!'), undefined);
      assert.doesNotThrow(() => createFormatters('zz-invalid-$$$').euro(1));
    });
  });
});

describe('panel protocol and page', () => {
  it('accepts only well-formed messages from the webview', () => {
    assert.equal(isWebviewMessage({ type: 'ready' }), true);
    assert.equal(isWebviewMessage({ type: 'action', action: 'resend', key: 'k' }), true);
    assert.equal(isWebviewMessage({ type: 'action', action: 'rm -rf', key: 'k' }), false);
    assert.equal(isWebviewMessage({ type: 'action', action: 'resend', key: '' }), false);
    assert.equal(isWebviewMessage({ type: 'action', action: 'resend' }), false);
    assert.equal(isWebviewMessage(null), false);
    assert.equal(isWebviewMessage('ready'), false);
    const query = { seq: 1, filter: { ...emptyFilter }, sort: { column: 'createdAt', direction: 'desc' }, start: 0, end: 50 };
    assert.equal(isWebviewMessage({ type: 'query', query }), true);
    assert.equal(isWebviewMessage({ type: 'query', query: { ...query, locate: 'k1' } }), true);
    assert.equal(isWebviewMessage({ type: 'query', query: { ...query, end: -1 } }), false);
    assert.equal(isWebviewMessage({ type: 'query', query: { ...query, start: 0.5 } }), false);
    assert.equal(isWebviewMessage({ type: 'query', query: { ...query, sort: { column: 'constructor', direction: 'asc' } } }), false);
    assert.equal(isWebviewMessage({ type: 'query', query: { ...query, filter: { ...emptyFilter, status: 'all' } } }), false);
    assert.equal(isWebviewMessage({ type: 'query', query: { ...query, filter: { search: 'x' } } }), false);
    assert.equal(isWebviewMessage({ type: 'query' }), false);
    assert.equal(isHostMessage({ type: 'init', strings: {} }), false);
    assert.equal(isHostMessage({ type: 'init', strings: {}, locale: 'en' }), true);
    const page = { seq: 1, pushed: false, count: 0, size: 0, totals: computeTotals([]), batches: [], start: 0, entries: [] };
    assert.equal(isHostMessage({ type: 'page', page }), true);
    assert.equal(isHostMessage({ type: 'page', page: { ...page, count: -1 } }), false);
    assert.equal(isHostMessage({ type: 'page', page: { ...page, entries: {} } }), false);
    assert.equal(isHostMessage({ type: 'upsert', entries: [] }), false);
    assert.equal(isHostMessage({ type: 'reveal', key: 'k' }), true);
  });

  it('builds a page whose only script carries a fresh nonce, under a strict CSP', () => {
    const a = createNonce();
    const b = createNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9+/]{24}$/);
    const html = panelHtml({
      cspSource: 'https://x.vscode-cdn.net',
      nonce: a,
      scriptUri: 'https://x.vscode-cdn.net/media/dist/panel.js',
      styleUri: 'https://x.vscode-cdn.net/media/panel.css',
      title: 'SMS <History>',
      lang: 'en',
      loadingText: 'Loading "history"…',
    });
    assert.equal(
      panelCsp('https://x.vscode-cdn.net', a),
      `default-src 'none'; script-src 'nonce-${a}'; style-src https://x.vscode-cdn.net 'nonce-${a}'; font-src https://x.vscode-cdn.net`,
    );
    assert.ok(html.includes(`content="${panelCsp('https://x.vscode-cdn.net', a)}"`));
    assert.equal(html.includes('unsafe-inline'), false);
    assert.equal(html.includes('unsafe-eval'), false);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script nonce="${a}" src="https://x.vscode-cdn.net/media/dist/panel.js">`]);
    assert.ok(html.includes('<title>SMS &lt;History&gt;</title>'));
    assert.ok(html.includes('Loading &quot;history&quot;…'));
  });
});
