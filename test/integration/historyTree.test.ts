// The Messages tree inside the real extension host: a real TreeDataProvider, TreeView, commands and
// MarkdownString, over an in-memory HistoryReader (the store edge) with a fixed clock and zone.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { realFs, type DurableFs } from '../../src/common/durable';
import { HistoryStore, SNAPSHOT_FILE } from '../../src/history/store';
import type { GroupBy } from '../../src/config';
import type { HistoryEntry, HistoryReader } from '../../src/history/types';
import {
  HistoryTreeProvider,
  registerHistoryTree,
  type HistoryNode,
  type HistoryTreeOptions,
  type MessageNode,
} from '../../src/views/historyTree';

/** The history store's read side, in memory: changes fire synchronously like the store's. */
class MemoryHistory implements HistoryReader {
  private readonly entries = new Map<string, HistoryEntry>();
  private readonly listeners = new Set<(c: { upserted: HistoryEntry[]; removed: string[] }) => void>();
  /** How often the whole history was read. */
  allCalls = 0;

  all(): readonly HistoryEntry[] {
    this.allCalls++;
    return [...this.entries.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  }
  get(key: string): HistoryEntry | undefined {
    return this.entries.get(key);
  }
  onDidChange(listener: (c: { upserted: HistoryEntry[]; removed: string[] }) => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  upsert(...list: HistoryEntry[]): void {
    for (const e of list) this.entries.set(e.key, e);
    for (const l of this.listeners) l({ upserted: list, removed: [] });
  }
  remove(...keys: string[]): void {
    for (const k of keys) this.entries.delete(k);
    for (const l of this.listeners) l({ upserted: [], removed: keys });
  }
}

const NOW = Date.parse('2024-03-10T20:00:00Z'); // Sunday, 21:00 in Rome
let seq = 0;

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  seq++;
  return {
    key: `key-${seq}`,
    destination: '393391234567',
    sender: 'Acme',
    text: `Message ${seq}`,
    account: 'alice',
    state: 'sent',
    smsId: 1000 + seq,
    createdAt: '2024-03-10T09:00:00Z',
    updatedAt: '2024-03-10T09:00:00Z',
    parts: 1,
    rev: 1,
    ...over,
  };
}

type ChangeEvent = HistoryNode | HistoryNode[] | undefined;

function nextChange(provider: HistoryTreeProvider, ms = 3000): Promise<ChangeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no tree change within ${ms} ms`));
    }, ms);
    const sub = provider.onDidChangeTreeData((e) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(e as ChangeEvent);
    });
  });
}


function item(provider: HistoryTreeProvider, node: HistoryNode): vscode.TreeItem {
  return provider.getTreeItem(node) as vscode.TreeItem;
}
function labelOf(provider: HistoryTreeProvider, node: HistoryNode): string {
  const label = item(provider, node).label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}
function rootLabels(provider: HistoryTreeProvider): string[] {
  return provider.getChildren().map((n) => labelOf(provider, n));
}
function rootByLabel(provider: HistoryTreeProvider, label: string): HistoryNode {
  const node = provider.getChildren().find((n) => labelOf(provider, n) === label);
  assert.ok(node, `no group "${label}" among ${JSON.stringify(rootLabels(provider))}`);
  return node;
}
function iconOf(i: vscode.TreeItem): { id: string; color?: string } {
  const icon = i.iconPath as vscode.ThemeIcon;
  assert.ok(icon instanceof vscode.ThemeIcon);
  return { id: icon.id, color: (icon.color as unknown as { id: string } | undefined)?.id };
}

suite('Messages tree', () => {
  let history: MemoryHistory;
  let provider: HistoryTreeProvider | undefined;
  let now: number;

  const make = (groupBy: GroupBy, options: HistoryTreeOptions = {}): HistoryTreeProvider => {
    provider = new HistoryTreeProvider(history, groupBy, {
      now: () => now,
      timeZone: 'Europe/Rome',
      locale: 'en-GB',
      debounceMs: 20,
      ...options,
    });
    return provider;
  };

  setup(() => {
    history = new MemoryHistory();
    now = NOW;
  });
  teardown(() => {
    provider?.dispose();
    provider = undefined;
  });

  test('groups by day, newest first, with counts, and opens today', () => {
    history.upsert(
      entry({ createdAt: '2024-03-10T19:00:00Z' }),
      entry({ createdAt: '2024-03-09T23:30:00Z' }), // 00:30 on the 10th in Rome: today
      entry({ createdAt: '2024-03-09T22:30:00Z' }), // 23:30 on the 9th in Rome: yesterday
      entry({ createdAt: '2024-03-05T10:00:00Z' }),
      entry({ createdAt: '2023-12-24T10:00:00Z' }),
    );
    const p = make('day');
    assert.deepEqual(rootLabels(p), ['Today', 'Yesterday', 'Tuesday', '24 December 2023']);
    const [today, yesterday] = p.getChildren();
    assert.equal(item(p, today).description, '2 messages');
    assert.equal(item(p, yesterday).description, '1 message');
    assert.equal(item(p, today).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.equal(item(p, yesterday).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.equal(item(p, today).contextValue, 'group.day');
    const todays = p.getChildren(today);
    assert.deepEqual(todays.map((n) => labelOf(p, n)), [`Message ${seq - 4}`, `Message ${seq - 3}`], 'newest first');
    assert.equal(p.getParent(todays[0]), today);
    assert.equal(p.summary.total, 5);
  });

  test('opens the newest group when there is nothing today', () => {
    history.upsert(entry({ createdAt: '2024-03-01T10:00:00Z' }), entry({ createdAt: '2024-02-01T10:00:00Z' }));
    const p = make('day');
    const [newest, older] = p.getChildren();
    assert.equal(item(p, newest).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.equal(item(p, older).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
  });

  test('shows a message with label, description, icon, context value, key and a safe tooltip', () => {
    const attack = '**x** <img src=x onerror=alert(1)> [a](javascript:alert(1))';
    const e = entry({
      text: `${attack} and a long tail of words\nsecond line`,
      sender: attack,
      createdAt: '2024-03-10T08:05:00Z',
      status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
      sandbox: true,
      charge: 0.05,
      quantity: 1,
      submittedOn: '20240310090501',
      lastChangeOn: '20240310090509',
    });
    history.upsert(e);
    const p = make('day');
    const [node] = p.getChildren(p.getChildren()[0]) as MessageNode[];
    assert.equal(node.key, e.key, 'commands read the history key from the element');
    const i = item(p, node);
    assert.equal(i.label, '**x** <img src=x onerror=alert(1)> [a](…', 'plain text, cut at 40 characters');
    assert.equal(i.description, '+39 339 123 4567 · 09:05');
    assert.deepEqual(iconOf(i), { id: 'pass-filled', color: 'charts.green' });
    assert.equal(i.contextValue, 'message.sent.id.sandbox');
    assert.equal(i.id, `day:2024-03-10/${e.key}`);
    assert.equal(i.command, undefined, 'a click only selects');
    assert.equal(i.collapsibleState, vscode.TreeItemCollapsibleState.None);
    const tip = i.tooltip;
    assert.ok(tip instanceof vscode.MarkdownString);
    assert.ok(!tip.isTrusted);
    assert.equal(tip.supportHtml, false);
    assert.ok(!tip.supportThemeIcons);
    assert.ok(tip.value.includes('\\*\\*x\\*\\* \\<img src\\=x onerror\\=alert\\(1\\)\\> \\[a\\]\\(javascript\\:alert\\(1\\)\\)'));
    assert.doesNotMatch(tip.value, /(?<!\\)<img|(?<!\\)\]\(javascript/, 'no unescaped tag or link');
    for (const field of ['SMSId', 'Destination', 'Sender', 'Account', 'Created', 'Submitted', 'Last status change', 'Parts', 'Charge']) {
      assert.ok(tip.value.includes(`**${field}:**`), field);
    }
    assert.ok(tip.value.includes('provider local time'));
    assert.ok(tip.value.includes('sandbox'));
  });

  test('gives every status its icon and colour', () => {
    const cases: Array<[Partial<HistoryEntry>, string, string, string]> = [
      [{ state: 'sending', smsId: undefined }, 'sync~spin', 'charts.blue', 'message.sending'],
      [{ state: 'sent' }, 'clock', 'charts.yellow', 'message.sent.id'],
      [{ state: 'sent', status: { code: 32, label: 'Pending', statusClass: 'pending', final: false } }, 'watch', 'charts.yellow', 'message.sent.id'],
      [{ state: 'sent', status: { code: 64, label: 'Undelivered', statusClass: 'failed', final: true } }, 'error', 'charts.red', 'message.sent.id'],
      [{ state: 'failed', smsId: undefined }, 'error', 'charts.red', 'message.failed'],
      [{ state: 'sent', status: { code: 8192, label: 'unknown status 8192', statusClass: 'unknown', final: false } }, 'question', 'charts.orange', 'message.sent.id'],
      [{ state: 'unknown', smsId: undefined }, 'question', 'charts.orange', 'message.unknown'],
    ];
    const entries = cases.map(([over]) => entry(over));
    history.upsert(...entries);
    const p = make('day');
    const nodes = p.getChildren(p.getChildren()[0]) as MessageNode[];
    for (const [i, [, icon, color, contextValue]] of cases.entries()) {
      const node = nodes.find((n) => n.key === entries[i].key);
      assert.ok(node);
      const ti = item(p, node);
      assert.deepEqual(iconOf(ti), { id: icon, color }, entries[i].state);
      assert.equal(ti.contextValue, contextValue);
    }
    assert.equal(p.summary.inFlight, 4, 'sending, accepted, pending, and the unknown status number are still in flight');
  });

  test('regroups by status in a fixed order, with the delivered pile closed', async () => {
    history.upsert(
      entry({ state: 'sending', smsId: undefined }),
      entry({ state: 'sent' }),
      entry({ state: 'sent', status: { code: 1, label: 'Queued', statusClass: 'queued', final: false } }),
      entry({ state: 'sent', status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } }),
      entry({ state: 'failed', smsId: undefined, createdAt: '2024-02-01T10:00:00Z' }),
      entry({ state: 'unknown', smsId: undefined }),
    );
    const p = make('day');
    const change = nextChange(p);
    p.setGroupBy('status');
    assert.equal(await change, undefined, 'regrouping redraws the whole tree');
    assert.equal(p.groupBy, 'status');
    assert.deepEqual(rootLabels(p), ['Sending', 'Queued', 'Unknown outcome', 'Failed', 'Delivered']);
    const groups = p.getChildren();
    assert.deepEqual(groups.map((g) => item(p, g).description), ['1 message', '2 messages', '1 message', '1 message', '1 message']);
    assert.deepEqual(groups.map((g) => iconOf(item(p, g)).id), ['sync', 'clock', 'question', 'error', 'pass-filled']);
    assert.equal(item(p, groups[4]).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.equal(item(p, groups[3]).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    const failed = p.getChildren(groups[3]);
    assert.equal(item(p, failed[0]).description, '+39 339 123 4567 · 1 Feb', 'an older message shows its date');
    const queued = p.getChildren(groups[1]);
    assert.equal(item(p, queued[0]).description, '+39 339 123 4567 · 10:00', "today's shows the time");
    p.setGroupBy('day');
    assert.deepEqual(rootLabels(p), ['Today', '1 February']);
  });

  test('redraws only the message, or only its group, or the whole tree when a group comes or goes', async () => {
    const a = entry();
    const b = entry({ createdAt: '2024-03-09T10:00:00Z' });
    history.upsert(a, b);
    const p = make('day');
    const [today, yesterday] = p.getChildren();
    const [nodeA] = p.getChildren(today) as MessageNode[];
    p.getChildren(yesterday);

    let change = nextChange(p);
    history.upsert({ ...a, status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true }, rev: 2 });
    assert.deepEqual(await change, [nodeA], 'a status change redraws that row alone');
    assert.deepEqual(iconOf(item(p, nodeA)).id, 'pass-filled');

    change = nextChange(p);
    const c = entry({ createdAt: '2024-03-10T12:00:00Z' });
    history.upsert(c);
    assert.deepEqual(await change, [today], 'a new message in an existing day redraws that day');
    assert.equal(item(p, today).description, '2 messages');
    assert.deepEqual((p.getChildren(today) as MessageNode[]).map((n) => n.key), [c.key, a.key]);

    change = nextChange(p);
    history.remove(b.key);
    assert.equal(await change, undefined, 'a day that empties leaves the tree');
    assert.deepEqual(rootLabels(p), ['Today']);

    change = nextChange(p);
    history.upsert(entry({ createdAt: '2024-03-01T12:00:00Z' }));
    assert.equal(await change, undefined, 'a new day joins the tree');
    assert.deepEqual(rootLabels(p), ['Today', '1 March']);
  });

  test('moves a message between status groups with unique row ids', async () => {
    const a = entry({ state: 'sent' });
    const b = entry({ state: 'sent', status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } });
    history.upsert(a, b);
    const p = make('status');
    const [pending, delivered] = p.getChildren();
    const before = item(p, p.getChildren(pending)[0]).id;
    const change = nextChange(p);
    history.upsert({ ...a, status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true }, rev: 2 });
    assert.equal(await change, undefined, 'the Queued group emptied');
    assert.deepEqual(rootLabels(p), ['Delivered']);
    const rows = p.getChildren(delivered).map((n) => item(p, n).id);
    assert.equal(rows.length, 2);
    assert.equal(new Set(rows).size, 2);
    assert.ok(!rows.includes(before), 'the moved row has a new id, so it never collides with its old one');

    const c = entry({ state: 'sending', smsId: undefined });
    const d = entry({ state: 'sending', smsId: undefined });
    history.upsert(c, d, entry({ state: 'sent' }));
    assert.equal(await nextChange(p), undefined, 'Sending and Queued appear');
    const sending = rootByLabel(p, 'Sending');
    const moved = nextChange(p);
    history.upsert({ ...c, state: 'failed', rev: 2 });
    history.upsert({ ...c, state: 'sent', smsId: 77, rev: 3 });
    const groupsRedrawn = (await moved) as HistoryNode[];
    assert.ok(Array.isArray(groupsRedrawn));
    assert.deepEqual(new Set(groupsRedrawn.map((n) => labelOf(p, n))), new Set(['Sending', 'Queued']), 'both groups, once');
    assert.equal(item(p, sending).description, '1 message');
  });

  test('coalesces a burst of 1,000 updates into one redraw', async () => {
    const entries = Array.from({ length: 50 }, () => entry({ state: 'sent' }));
    history.upsert(...entries);
    // The debounce timer is the test's: what is armed, and what its end does, without waiting.
    const armed: Array<{ ms: number; run: () => void; live: boolean }> = [];
    const after = (ms: number, run: () => void) => {
      const t = { ms, run, live: true };
      armed.push(t);
      return { dispose: () => void (t.live = false) };
    };
    const p = make('status', { debounceMs: 50, after });
    const flushes = () => armed.filter((t) => t.ms === 50);
    let events = 0;
    const sub = p.onDidChangeTreeData(() => events++);
    try {
      for (let i = 0; i < 1000; i++) {
        const e = entries[i % entries.length];
        const final = i >= 950;
        history.upsert({
          ...e,
          rev: i + 2,
          status: final ? { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } : { code: 32, label: 'Pending', statusClass: 'pending', final: false },
        });
      }
      assert.equal(events, 0, 'nothing is redrawn while the burst goes on');
      assert.equal(flushes().length, 1, 'one debounce window for the whole burst');
      flushes()[0].run();
      assert.equal(events, 1);
      assert.deepEqual(rootLabels(p), ['Delivered']);
      assert.equal(item(p, p.getChildren()[0]).description, '50 messages');
      assert.equal(p.summary.inFlight, 0);
    } finally {
      sub.dispose();
    }
  });

  test('pages a big group with "Show more…"', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => entry({ createdAt: new Date(NOW - (i + 1) * 60_000).toISOString() }));
    history.upsert(...entries);
    const p = make('day', { pageSize: 5 });
    const [today] = p.getChildren();
    let children = p.getChildren(today);
    assert.equal(children.length, 6);
    const more = children[5];
    assert.equal(more.kind, 'more');
    const moreItem = item(p, more);
    assert.equal(moreItem.label, 'Show more…');
    assert.equal(moreItem.description, '5 of 12 shown');
    assert.equal(moreItem.command?.command, 'inviosmart.history.showMore');
    assert.deepEqual(moreItem.command?.arguments, ['day:2024-03-10']);
    assert.equal(item(p, today).description, '12 messages', 'the count is of all, not of those shown');

    const change = nextChange(p);
    assert.ok(p.showMore('day:2024-03-10'));
    assert.equal(await change, today);
    children = p.getChildren(today);
    assert.equal(children.length, 11);
    assert.equal(item(p, children[10]).description, '10 of 12 shown');
    p.showMore('day:2024-03-10');
    children = p.getChildren(today);
    assert.equal(children.length, 12);
    assert.ok(children.every((n) => n.kind === 'message'));
    assert.deepEqual((children as MessageNode[]).map((n) => n.key), entries.map((e) => e.key));
    assert.equal(p.showMore('day:1999-01-01'), false);
  });

  test('pages a long list of days too', () => {
    history.upsert(...Array.from({ length: 7 }, (_, i) => entry({ createdAt: new Date(NOW - i * 86_400_000).toISOString() })));
    const p = make('day', { pageSize: 3 });
    const top = p.getChildren();
    assert.equal(top.length, 4);
    assert.equal(item(p, top[3]).description, '3 of 7 days shown');
    p.showMore('root');
    assert.equal(p.getChildren().length, 7);
  });

  test('handles 100,000 entries without rereading the history on updates', async () => {
    const big: HistoryEntry[] = [];
    for (let i = 0; i < 100_000; i++) {
      big.push(entry({ createdAt: new Date(NOW - i * 90_000).toISOString(), status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } }));
    }
    history.upsert(...big);
    let started = Date.now();
    const p = make('day');
    const buildMs = Date.now() - started;
    assert.equal(history.allCalls, 1);
    const top = p.getChildren();
    assert.equal(top.length, 105, '104 days (and a bit) fit the first page of 200 days');
    const [today] = top;
    assert.equal(p.getChildren(today).length, 200 + 1, 'a page and "Show more…"');

    started = Date.now();
    const change = nextChange(p);
    for (let i = 0; i < 1000; i++) history.upsert({ ...big[i * 50], state: 'failed', rev: 2 });
    history.remove(...big.slice(100, 110).map((e) => e.key));
    await change;
    const updateMs = Date.now() - started;
    assert.equal(history.allCalls, 1, 'updates are applied from the changed keys alone');
    assert.equal(p.summary.total, 99_990);
    // generous bounds: these catch a full rebuild per update, not a slow machine
    assert.ok(buildMs < 5000, `build took ${buildMs} ms`);
    assert.ok(updateMs < 2000, `1,010 updates took ${updateMs} ms`);

    p.setGroupBy('status');
    // big[100] was marked failed, then removed with the other nine
    assert.deepEqual(p.getChildren().map((g) => item(p, g).description), ['999 messages', '98991 messages'], 'Failed, then Delivered');
  });

  test('follows the clock past midnight', () => {
    history.upsert(entry({ createdAt: '2024-03-10T22:30:00Z' })); // 23:30 in Rome
    const p = make('day');
    const [group] = p.getChildren();
    assert.equal(labelOf(p, group), 'Today');
    now = Date.parse('2024-03-10T23:05:00Z'); // 00:05 on the 11th in Rome
    assert.equal(labelOf(p, group), 'Yesterday');
  });

  test('a message past status.maxAgeHours without a final status: its own group and look, out of the badge, still refreshable', async () => {
    const ids = { toggleGroupBy: 'inviosmart.test.history.toggleGroupBy', showMore: 'inviosmart.test.history.showMore' };
    const HOUR = 3600_000;
    const pendingStatus = { code: 32, label: 'Pending', statusClass: 'pending' as const, final: false };
    const gaveUp = entry({ createdAt: new Date(NOW - 49 * HOUR).toISOString(), status: pendingStatus });
    const soon = entry({ createdAt: new Date(NOW - 48 * HOUR + 30 * 60_000).toISOString(), status: pendingStatus });
    history.upsert(gaveUp, soon, entry({ status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } }));
    // The tree's timers are the test's: the one armed for the max age is fired by hand, no waiting.
    const armed: Array<{ ms: number; run: () => void; live: boolean }> = [];
    const after = (ms: number, run: () => void) => {
      const t = { ms, run, live: true };
      armed.push(t);
      return { dispose: () => void (t.live = false) };
    };
    const tree = registerHistoryTree(history, () => 'status', {
      viewId: 'inviosmart.historyTest',
      commandIds: ids,
      now: () => now,
      timeZone: 'Europe/Rome',
      locale: 'en-GB',
      maxAgeMs: () => 48 * HOUR,
      after,
    });
    try {
      const p = tree.provider;
      assert.equal(tree.view.badge?.value, 1, 'only the message still polled is in flight');
      assert.deepEqual(rootLabels(p), ['Pending', 'No final status — stopped checking', 'Delivered']);
      const staleGroup = rootByLabel(p, 'No final status — stopped checking');
      assert.deepEqual(iconOf(item(p, staleGroup)), { id: 'clock', color: 'disabledForeground' });
      const [row] = p.getChildren(staleGroup) as MessageNode[];
      assert.equal(row.key, gaveUp.key);
      const ti = item(p, row);
      assert.deepEqual(iconOf(ti), { id: 'clock', color: 'disabledForeground' }, 'not drawn as in flight');
      assert.equal(ti.contextValue, 'message.sent.id', 'Refresh Status is still on its menu');
      assert.match((ti.tooltip as vscode.MarkdownString).value, /no longer checked by itself/);
      assert.match(ti.accessibilityInformation?.label ?? '', /No final status/);

      // The other one passes the max age half an hour later: the armed timer moves it, and the badge goes.
      const timer = armed.find((t) => t.live && t.ms === 30 * 60_000 + 1);
      assert.ok(timer, `a timer for the next message to pass the max age among ${JSON.stringify(armed.map((t) => t.ms))}`);
      now += timer.ms;
      const change = nextChange(p);
      timer.run();
      assert.equal(await change, undefined, 'the Pending group emptied');
      assert.equal(tree.view.badge, undefined, 'nothing in flight, no badge');
      assert.deepEqual(rootLabels(p), ['No final status — stopped checking', 'Delivered']);
      assert.equal(item(p, rootByLabel(p, 'No final status — stopped checking')).description, '2 messages');

      // A final answer (e.g. from Refresh Status) takes it out of the group.
      const settled = nextChange(p);
      history.upsert({ ...gaveUp, status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true }, rev: 2 });
      armed.filter((t) => t.live && t.ms === 100).forEach((t) => t.run());
      await settled;
      assert.equal(item(p, rootByLabel(p, 'No final status — stopped checking')).description, '1 message');
      assert.equal(item(p, rootByLabel(p, 'Delivered')).description, '2 messages');
    } finally {
      tree.dispose();
    }
  });

  test('registerHistoryTree: toggles grouping, pages by command, badges messages in flight', async () => {
    const ids = { toggleGroupBy: 'inviosmart.test.history.toggleGroupBy', showMore: 'inviosmart.test.history.showMore' };
    history.upsert(
      ...Array.from({ length: 4 }, () => entry({ state: 'sent' })),
      ...Array.from({ length: 3 }, () => entry({ state: 'sent', status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } })),
    );
    const persisted: GroupBy[] = [];
    let setting: GroupBy = 'day';
    const tree = registerHistoryTree(history, () => setting, {
      viewId: 'inviosmart.historyTest',
      commandIds: ids,
      persistGroupBy: (g) => {
        persisted.push(g);
      },
      now: () => now,
      timeZone: 'Europe/Rome',
      locale: 'en-GB',
      debounceMs: 20,
      pageSize: 2,
    });
    try {
      const p = tree.provider;
      assert.equal(tree.view.badge?.value, 4);
      assert.equal(tree.view.badge?.tooltip, '4 messages in flight');
      assert.equal(tree.view.description, undefined);

      await vscode.commands.executeCommand(ids.toggleGroupBy);
      assert.equal(p.groupBy, 'status');
      assert.deepEqual(persisted, ['status']);
      assert.equal(tree.view.description, 'by status');
      const [queued, delivered] = p.getChildren();
      assert.equal(p.getChildren(queued).length, 3, 'two and "Show more…"');
      assert.equal(p.getChildren(delivered).length, 3, 'two and "Show more…"');

      await vscode.commands.executeCommand(ids.showMore, 'status:queued');
      assert.equal(p.getChildren(queued).length, 4, 'the next page holds the last two: no "Show more…"');
      assert.equal(p.getChildren(delivered).length, 3, 'other groups keep their page');
      await vscode.commands.executeCommand(ids.showMore, { kind: 'more', groupId: 'status:delivered' });
      assert.deepEqual(p.getChildren(delivered).map((n) => n.kind), ['message', 'message', 'message'], 'the element form of the argument works too');

      const waiting = history.all().filter((e) => e.state === 'sent' && !e.status);
      const change = nextChange(p);
      history.upsert(...waiting.map((e) => ({ ...e, status: { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true }, rev: 2 })));
      await change;
      assert.equal(tree.view.badge, undefined, 'nothing in flight, no badge');

      tree.setGroupBy('day');
      assert.equal(p.groupBy, 'day');
      assert.equal(tree.view.description, undefined);
      setting = 'status';
      await vscode.commands.executeCommand(ids.toggleGroupBy);
      assert.deepEqual(persisted, ['status', 'status']);
    } finally {
      tree.dispose();
    }
    const commands = await vscode.commands.getCommands(true);
    assert.ok(!commands.includes(ids.showMore), 'dispose unregisters the commands');
  });
  test('registerHistoryTree over a history still loading: "Loading history…", no badge, then the messages', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-tree-load-'));
    const ids = { toggleGroupBy: 'inviosmart.test.load.toggleGroupBy', showMore: 'inviosmart.test.load.showMore' };
    try {
      // A real history folder: 3,000 messages in the snapshot, 5 of them still in flight.
      const writer = await HistoryStore.open(dir, { watch: false, autoCompact: false, durable: false });
      const recorded = await writer.recordMany(Array.from({ length: 3000 }, (_, i) => ({ destination: '393391234567', sender: 'Acme', text: `Message ${i}`, account: 'alice', parts: 1 })));
      await writer.updateMany(recorded.slice(5).map((e) => ({ key: e.key, patch: { state: 'sent' as const, smsId: 1, status: { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true } } })));
      await writer.compact();
      await writer.close();
      // The test holds the snapshot's read: the store is certainly still loading while the view is checked.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const held: DurableFs = {
        ...realFs,
        open: async (file, flags) => {
          if (path.basename(file) === SNAPSHOT_FILE) await gate;
          return realFs.open(file, flags);
        },
      };
      const store = HistoryStore.create(dir, { watch: false, autoCompact: false, fs: held });
      const tree = registerHistoryTree(store, () => 'day', { viewId: 'inviosmart.historyTest', commandIds: ids, persistGroupBy: () => undefined });
      try {
        assert.equal(store.loaded, false);
        assert.equal(tree.view.message, 'Loading history…');
        assert.equal(tree.view.badge, undefined);
        assert.deepEqual(tree.provider.getChildren(), []);
        const shown = nextChange(tree.provider, 30_000);
        release();
        await store.ready;
        await shown;
        await new Promise((r) => setImmediate(r)); // the view's own follow-up to the same change
        assert.equal(tree.view.message, undefined);
        assert.equal(tree.provider.summary.total, 3000);
        assert.equal((tree.view.badge as vscode.ViewBadge | undefined)?.value, 5, "the badge once loaded");
        const [today] = tree.provider.getChildren();
        assert.equal(tree.provider.getChildren(today).filter((n) => n.kind === 'message').length, 200, 'the first page of the day');
      } finally {
        tree.dispose();
        await store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
