import * as assert from 'node:assert/strict';
import { HistoryStore } from '../../src/history/store';
import type { HistoryEntry, HistoryReader } from '../../src/history/types';
import { HistoryTreeModel, ROOT_GROUP_ID, statusGroupOfId, type GroupNode, type HistoryNode, type MessageNode } from '../../src/views/treeModel';
import { removeDir, tempDir } from './fixtures/historyHelpers';

const HOUR = 3600_000;
const NOW = Date.parse('2024-03-10T20:00:00Z');
const MAX_AGE = 48 * HOUR;

const pending = { code: 32, label: 'Pending', statusClass: 'pending' as const, final: false };
const delivered = { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true };

/** The store's read side, in memory. */
class MemoryHistory implements Pick<HistoryReader, 'all' | 'get'> {
  readonly entries = new Map<string, HistoryEntry>();
  allCalls = 0;
  all(): readonly HistoryEntry[] {
    this.allCalls++;
    return [...this.entries.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  }
  get(key: string): HistoryEntry | undefined {
    return this.entries.get(key);
  }
  put(...list: HistoryEntry[]): string[] {
    for (const e of list) this.entries.set(e.key, e);
    return list.map((e) => e.key);
  }
}

let seq = 0;
function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  seq++;
  return {
    key: `k${String(seq).padStart(4, '0')}`,
    destination: '393391234567',
    sender: 'Acme',
    text: `Message ${seq}`,
    account: 'a',
    state: 'sent',
    smsId: seq,
    createdAt: new Date(NOW - HOUR).toISOString(),
    updatedAt: new Date(NOW - HOUR).toISOString(),
    parts: 1,
    rev: 1,
    ...over,
  };
}

function ago(ms: number): string {
  return new Date(NOW - ms).toISOString();
}

describe('HistoryTreeModel', () => {
  let history: MemoryHistory;
  let now: number;
  const model = (groupBy: 'day' | 'status', pageSize = 200): HistoryTreeModel =>
    new HistoryTreeModel(history, groupBy, { now: () => now, timeZone: 'Europe/Rome', maxAgeMs: () => MAX_AGE, pageSize });
  const groupIds = (m: HistoryTreeModel): string[] => m.children().map((n) => (n.kind === 'group' ? n.id : `more:${n.groupId}`));
  const keysIn = (m: HistoryTreeModel, id: string): string[] =>
    m.children({ kind: 'group', id }).flatMap((n) => (n.kind === 'message' ? [n.key] : []));

  beforeEach(() => {
    history = new MemoryHistory();
    now = NOW;
  });

  it('groups by local day, newest first, the undated last', () => {
    history.put(
      entry({ createdAt: '2024-03-09T23:30:00Z' }), // 00:30 on the 10th in Rome
      entry({ createdAt: '2024-03-09T22:30:00Z' }),
      entry({ createdAt: 'not a time' }),
      entry({ createdAt: '2023-12-24T10:00:00Z' }),
    );
    const m = model('day');
    assert.deepEqual(groupIds(m), ['day:2024-03-10', 'day:2024-03-09', 'day:2023-12-24', 'day:unknown']);
    assert.equal(m.summary.total, 4);
    assert.ok(m.isFirstGroup('day:2024-03-10'));
  });

  it('groups by status in one fixed order, keeping apart what the panel keeps apart', () => {
    history.put(
      entry({ status: delivered }),
      entry({ state: 'unknown', smsId: undefined }),
      entry({ status: { code: 4096, label: 'unknown status 4096', statusClass: 'unknown', final: false } }),
      entry({ state: 'held', smsId: undefined }),
      entry({ status: { code: 32768, label: 'HLR completed', statusClass: 'lookup', final: true } }),
      entry({ status: pending, createdAt: ago(MAX_AGE + HOUR) }),
      entry({}),
      entry({ state: 'sending', smsId: undefined }),
      entry({ state: 'failed', smsId: undefined }),
    );
    const m = model('status');
    assert.deepEqual(groupIds(m), [
      'status:sending',
      'status:queued',
      'status:pending',
      'status:lookup',
      'status:stale',
      'status:held',
      'status:unknown',
      'status:failed',
      'status:delivered',
    ]);
    for (const id of groupIds(m)) assert.equal(m.groupSize(id)?.count, 1, id);
    assert.equal(statusGroupOfId('status:stale'), 'stale');
    assert.equal(statusGroupOfId('day:2024-03-10'), undefined);
    // sending, accepted, the undocumented number: the gateway may still change them and they are polled
    assert.equal(m.summary.inFlight, 3);
  });

  it('does not count a message past the max age in the badge, and shows it as stale in the day view too', () => {
    const [staleKey] = history.put(entry({ status: pending, createdAt: ago(MAX_AGE + 1) }));
    history.put(entry({ status: pending, createdAt: ago(MAX_AGE) }));
    const m = model('day');
    assert.equal(m.summary.inFlight, 1, 'exactly at the max age it is still polled');
    assert.equal(m.stateOf(history.get(staleKey)!), 'stale');
  });

  it('moves a message to `stale` when its time comes, and says what to redraw', () => {
    const [a] = history.put(entry({ status: pending, createdAt: ago(MAX_AGE - 30 * 60_000) }));
    const [b] = history.put(entry({ status: pending, createdAt: ago(MAX_AGE - 90 * 60_000) }));
    history.put(entry({ status: delivered }));
    const m = model('status');
    assert.equal(m.summary.inFlight, 2);
    assert.equal(m.nextStaleAt(), Date.parse(history.get(a)!.createdAt) + MAX_AGE + 1);
    now = m.nextStaleAt()!;
    let update = m.restale();
    assert.equal(update.groups, undefined, 'the stale group appeared: the top level changed');
    assert.deepEqual(groupIds(m), ['status:pending', 'status:stale', 'status:delivered']);
    assert.deepEqual(keysIn(m, 'status:stale'), [a]);
    assert.equal(m.summary.inFlight, 1);
    assert.equal(m.nextStaleAt(), Date.parse(history.get(b)!.createdAt) + MAX_AGE + 1);
    now = m.nextStaleAt()!;
    update = m.restale();
    assert.equal(update.groups, undefined, 'the pending group emptied');
    assert.deepEqual(keysIn(m, 'status:stale'), [b, a], 'newest first');
    assert.equal(m.summary.inFlight, 0);
    assert.equal(m.nextStaleAt(), undefined, 'nothing left to wait for');
  });

  it('in the day view a message turning stale redraws that row alone', () => {
    const [a] = history.put(entry({ status: pending, createdAt: ago(MAX_AGE - 60_000) }));
    const m = model('day');
    const [day] = m.children() as GroupNode[];
    const [node] = m.children(day) as MessageNode[];
    now += 60_001;
    const update = m.restale();
    assert.deepEqual(update, { groups: [], messages: [node] });
    assert.equal(node.key, a);
    assert.equal(m.summary.inFlight, 0);
  });

  it('a final status ends the watch; a late status on a stale message keeps it stale', () => {
    const [a] = history.put(entry({ status: pending, createdAt: ago(HOUR) }));
    const [b] = history.put(entry({ status: pending, createdAt: ago(MAX_AGE + HOUR) }));
    const m = model('status');
    assert.ok(m.nextStaleAt() !== undefined);
    history.put({ ...history.get(a)!, status: delivered, rev: 2 });
    m.apply([a]);
    assert.equal(m.nextStaleAt(), undefined);
    history.put({ ...history.get(b)!, status: { ...pending, code: 16, label: 'Temporarily unavailable' }, rev: 2 });
    m.apply([b]);
    assert.deepEqual(keysIn(m, 'status:stale'), [b]);
    history.put({ ...history.get(b)!, status: delivered, rev: 3 });
    m.apply([b]);
    assert.deepEqual(groupIds(m), ['status:delivered'], 'Refresh Status brought a final answer: it leaves the stale group');
  });

  it('updates from the changed keys alone: places, moves and removes', () => {
    const [a, b] = history.put(entry({}), entry({ createdAt: '2024-03-09T10:00:00Z' }));
    const m = model('day');
    const [today] = m.children() as GroupNode[];
    const [nodeA] = m.children(today) as MessageNode[];
    const calls = history.allCalls;
    history.put({ ...history.get(a)!, status: delivered, rev: 2 });
    assert.deepEqual(m.apply([a]), { groups: [], messages: [nodeA] }, 'a status change redraws its row');
    const [c] = history.put(entry({ createdAt: '2024-03-10T12:00:00Z' }));
    assert.deepEqual(m.apply([c]), { groups: [today], messages: [] }, 'a new message redraws its day');
    history.entries.delete(b);
    assert.deepEqual(m.apply([b]), { groups: undefined, messages: [] }, 'an emptied day leaves the top level');
    assert.deepEqual(keysIn(m, 'day:2024-03-10'), [a, c], 'newest first');
    assert.equal(history.allCalls, calls, 'no full read');
    assert.equal(m.summary.total, 2);
  });

  it('a year of history with 2% never settled: the badge counts only what is still polled', () => {
    const list: HistoryEntry[] = [];
    for (let i = 0; i < 10_000; i++) {
      // one message every ~53 minutes over a year; every 50th never got a final status
      list.push(entry({ createdAt: ago(i * 3150_000), status: i % 50 === 7 ? pending : delivered }));
    }
    history.put(...list);
    const m = model('status');
    const young = list.filter((e, i) => i % 50 === 7 && NOW - Date.parse(e.createdAt) <= MAX_AGE).length;
    assert.equal(m.summary.inFlight, young, 'not 200');
    assert.ok(young > 0 && young < 5);
    assert.equal(m.groupSize('status:stale')?.count, 200 - young);
    assert.equal(m.groupSize('status:pending')?.count, young);
  });

  it('pages groups and the top level', () => {
    history.put(...Array.from({ length: 5 }, (_, i) => entry({ createdAt: ago(i * 60_000) })));
    history.put(...Array.from({ length: 4 }, (_, i) => entry({ createdAt: ago((i + 1) * 86_400_000) })));
    const m = model('day', 3);
    assert.deepEqual(groupIds(m).at(-1), `more:${ROOT_GROUP_ID}`);
    assert.equal(m.children().length, 4);
    assert.ok(m.showMore(ROOT_GROUP_ID));
    assert.equal(m.children().length, 5);
    const today = m.children()[0] as GroupNode;
    assert.equal(m.children(today).length, 4, 'three and "Show more…"');
    assert.deepEqual(m.groupSize(today.id), { count: 5, shown: 3 });
    assert.ok(m.showMore(today.id));
    assert.equal(m.children(today).length, 5);
    assert.equal(m.showMore('day:1999-01-01'), false);
    assert.equal(m.parent(m.children(today)[0]), today);
  });

  it('regroups on setGroupBy and keeps the in-flight count', () => {
    history.put(entry({}), entry({ status: delivered }), entry({ state: 'sending', smsId: undefined }));
    const m = model('day');
    assert.equal(m.summary.inFlight, 2);
    assert.equal(m.setGroupBy('day'), false);
    assert.equal(m.setGroupBy('status'), true);
    assert.deepEqual(groupIds(m), ['status:sending', 'status:queued', 'status:delivered']);
    assert.equal(m.summary.inFlight, 2);
  });

  it('over a real store (its rows and entry table) shows what it shows over the same entries in memory', async () => {
    const dir = tempDir();
    let clock = NOW - 3 * 86_400_000;
    const store = await HistoryStore.open(dir, { clock: { now: () => clock }, watch: false, autoCompact: false });
    try {
      const keys: string[] = [];
      for (let i = 0; i < 60; i++) {
        clock += 3_600_000 * (i % 3); // several share a time, so the key breaks the tie
        const recorded = await store.recordMany([{ destination: `39333${i}`, sender: 'Acme', text: `m${i}`, account: 'a', parts: 1 }, { destination: `39334${i}`, sender: 'Acme', text: `n${i}`, account: 'a', parts: 1 }]);
        keys.push(...recorded.map((e) => e.key));
      }
      for (const [i, key] of keys.entries()) {
        if (i % 4 === 0) await store.update(key, { state: 'sent', smsId: i + 1 });
        if (i % 8 === 0) await store.update(key, { status: delivered });
      }
      const shown = (m: HistoryTreeModel): string[] => {
        const out: string[] = [];
        const walk = (nodes: HistoryNode[]): void => {
          for (const n of nodes) {
            out.push(n.kind === 'group' ? n.id : n.kind === 'message' ? `${n.groupId}/${n.key}` : `more:${n.groupId}`);
            if (n.kind === 'group') walk(m.children(n));
          }
        };
        walk(m.children());
        return out;
      };
      const compare = (groupBy: 'day' | 'status'): [HistoryTreeModel, HistoryTreeModel] => {
        history = new MemoryHistory();
        history.put(...store.all());
        const overStore = new HistoryTreeModel(store, groupBy, { now: () => now, timeZone: 'Europe/Rome', maxAgeMs: () => MAX_AGE, pageSize: 7 });
        const inMemory = model(groupBy, 7);
        assert.deepEqual(shown(overStore), shown(inMemory));
        assert.deepEqual(overStore.summary, inMemory.summary);
        assert.ok(overStore.summary.inFlight > 0 && overStore.summary.total === keys.length);
        return [overStore, inMemory];
      };
      compare('status');
      const [overStore, inMemory] = compare('day');
      // changes arrive as keys: a removal, a new message, a status
      await store.remove([keys[5], keys[6]]);
      const [added] = await store.recordMany([{ destination: '39335', sender: 'Acme', text: 'late', account: 'a', parts: 1 }]);
      await store.update(keys[4], { status: delivered });
      history = new MemoryHistory();
      history.put(...store.all());
      const changed = [keys[5], keys[6], added.key, keys[4]];
      overStore.apply(changed);
      const fresh = model('day', 7);
      assert.deepEqual(shown(overStore), shown(fresh));
      assert.deepEqual(overStore.summary, fresh.summary);
      assert.equal(overStore.summary.total, keys.length - 1);
      assert.notDeepEqual(shown(overStore), shown(inMemory), 'the change shows');
    } finally {
      await store.close();
      removeDir(dir);
    }
  });
});
