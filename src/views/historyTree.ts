// The Messages tree in the sidebar: sent messages grouped by day or by status, paged, refreshed in bursts.
import * as vscode from 'vscode';
import { CommandIds } from '../commands/ids';
import { DisposableBase } from '../common/lifecycle';
import type { GroupBy } from '../config';
import type { HistoryEntry, HistoryReader } from '../history/types';
import { timeSlicer, type Slicer } from '../history/slices';
import {
  contextValueOf,
  dayGroupLabel,
  dayLongLabel,
  isInFlight,
  messageCountLabel,
  messageDescription,
  messageLabel,
  STATUS_GROUPS,
  statusGroupIcon,
  statusGroupLabel,
  statusGroupOf,
  statusIcon,
  statusLabel,
  tooltipMarkdown,
  WallClock,
  type IconSpec,
  type L10n,
  type StatusGroup,
} from './entryPresentation';

export const HISTORY_VIEW_ID = 'inviosmart.history';

/** The commands this module registers. */
export const HistoryTreeCommandIds = { toggleGroupBy: CommandIds.toggleGroupBy, showMore: CommandIds.showMore } as const;

/** Context keys this module sets, for `when` clauses in package.json. */
export const HistoryContextKeys = {
  empty: 'inviosmart.historyEmpty',
  groupBy: 'inviosmart.historyGroupBy',
} as const;

/** Group id of the top level, for paging a very long list of day groups. */
export const ROOT_GROUP_ID = 'root';

/** A day (`day:YYYY-MM-DD`, `day:unknown`) or a status (`status:failed`, ...). */
export interface GroupNode {
  readonly kind: 'group';
  readonly id: string;
}
/** One message. Commands receive it and read `key` (the history key). */
export interface MessageNode {
  readonly kind: 'message';
  readonly key: string;
  readonly groupId: string;
}
/** "Show more…" at the end of a group (or of the top level: ROOT_GROUP_ID). */
export interface MoreNode {
  readonly kind: 'more';
  readonly groupId: string;
}
export type HistoryNode = GroupNode | MessageNode | MoreNode;

export interface HistorySummary {
  total: number;
  /** Sending, or sent and not final. */
  inFlight: number;
}

export interface HistoryTreeOptions {
  /** Children shown per group before "Show more…" (default 200). */
  pageSize?: number;
  /** Changes arriving within this window are applied together (default 100 ms). */
  debounceMs?: number;
  /** Clock for "Today" and HH:mm; epoch ms. */
  now?: () => number;
  /** Runs `run` once after `ms` unless disposed first (the debounce and midnight timers); tests drive their own. */
  after?: (ms: number, run: () => void) => vscode.Disposable;
  /** IANA zone for day groups and times; default the system's. */
  timeZone?: string;
  /** Locale for dates and amounts; default `vscode.env.language`. */
  locale?: string;
  /** Default `vscode.l10n`. */
  l10n?: L10n;
}

interface Member {
  readonly key: string;
  readonly t: number;
}

interface Placement {
  groupId: string;
  member: Member;
  inFlight: boolean;
}

class Group {
  readonly node: GroupNode;
  /** Newest first (t descending, then key). */
  readonly members: Member[] = [];
  shown: number;
  constructor(id: string, pageSize: number) {
    this.node = { kind: 'group', id };
    this.shown = pageSize;
  }
}

const NO_TIME = -8.64e15; // earliest Date: entries whose time does not parse sort last

function compareMembers(a: Member, b: Member): number {
  return b.t - a.t || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Index of `m` in `list`, or where it would go. */
function search(list: readonly Member[], m: Member): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareMembers(list[mid], m) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function themeIcon(spec: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(spec.codicon, new vscode.ThemeColor(spec.color));
}

/**
 * Tree data over the history. It keeps its own index (entry → group, groups sorted newest first)
 * and updates it from change events only for the keys that changed, so a refresh costs what
 * changed plus what is shown, not the size of the history.
 */
export class HistoryTreeProvider extends DisposableBase implements vscode.TreeDataProvider<HistoryNode> {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<HistoryNode | HistoryNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly summaryEmitter = this._register(new vscode.EventEmitter<HistorySummary>());
  /** Fires when the total or the in-flight count changed. */
  readonly onDidChangeSummary = this.summaryEmitter.event;

  private readonly pageSize: number;
  private readonly debounceMs: number;
  private readonly now: () => number;
  private readonly clock: WallClock;
  private readonly locale: string;
  private readonly l10n: L10n;

  private mode: GroupBy;
  private readonly placements = new Map<string, Placement>();
  private readonly groups = new Map<string, Group>();
  /** Top-level order; undefined when a group came or went. */
  private order: Group[] | undefined;
  private rootShown: number;
  /** Nodes handed to VS Code, kept so a later change event can name the same object. */
  private readonly messageNodes = new Map<string, MessageNode>();
  private readonly moreNodes = new Map<string, MoreNode>();
  private inFlight = 0;
  private lastSummary: HistorySummary = { total: 0, inFlight: 0 };

  private readonly pending = new Set<string>();
  /** Counts rebuilds, so a sliced one stops when another started; true while a sliced one runs. */
  private rebuilds = 0;
  private rebuilding = false;
  private flushTimer: vscode.Disposable | undefined;
  private midnightTimer: vscode.Disposable | undefined;
  private readonly after: NonNullable<HistoryTreeOptions['after']>;

  constructor(
    private readonly history: HistoryReader,
    groupBy: GroupBy,
    options: HistoryTreeOptions = {},
  ) {
    super();
    this.pageSize = Math.max(1, Math.floor(options.pageSize ?? 200));
    this.debounceMs = Math.max(0, options.debounceMs ?? 100);
    this.now = options.now ?? Date.now;
    this.after = options.after ?? afterWithTimer;
    this.clock = new WallClock(options.timeZone);
    this.locale = options.locale ?? vscode.env.language;
    this.l10n = options.l10n ?? vscode.l10n;
    this.mode = groupBy;
    this.rootShown = this.pageSize;
    this._register(history.onDidChange((change) => this.enqueue(change)));
    this._register({
      dispose: () => {
        this.flushTimer?.dispose();
        this.midnightTimer?.dispose();
      },
    });
    this.rebuild();
    this.scheduleMidnight();
  }

  get groupBy(): GroupBy {
    return this.mode;
  }

  get summary(): HistorySummary {
    return { total: this.placements.size, inFlight: this.inFlight };
  }

  setGroupBy(groupBy: GroupBy): void {
    if (groupBy === this.mode) return;
    this.mode = groupBy;
    this.refresh();
  }

  /** Re-reads the whole history and redraws the tree (regrouping, or if events were missed). */
  refresh(): void {
    this.pending.clear();
    this.flushTimer?.dispose();
    this.flushTimer = undefined;
    this.rebuild();
    this.changeEmitter.fire(undefined);
    this.emitSummary();
  }

  /** Shows the next page of a group (or of the top level); false when the group is gone. */
  showMore(groupId: string): boolean {
    if (groupId === ROOT_GROUP_ID) {
      this.rootShown += this.pageSize;
      this.changeEmitter.fire(undefined);
      return true;
    }
    const group = this.groups.get(groupId);
    if (!group) return false;
    group.shown += this.pageSize;
    this.changeEmitter.fire(group.node);
    return true;
  }

  /** Applies queued change events now instead of at the end of the debounce window. */
  flush(): void {
    this.flushTimer?.dispose();
    this.flushTimer = undefined;
    if (this.pending.size === 0 || this.isDisposed || this.rebuilding) return;
    const changedGroups = new Set<Group>();
    const changedMessages: MessageNode[] = [];
    let rootChanged = false;
    for (const key of this.pending) {
      const entry = this.history.get(key);
      const old = this.placements.get(key);
      if (!entry) {
        if (old) rootChanged = this.unplace(key, old, changedGroups) || rootChanged;
        continue;
      }
      const t = this.timeOf(entry);
      const groupId = this.groupIdOf(entry, t);
      if (old && old.groupId === groupId && old.member.t === t) {
        this.setInFlight(old, isInFlight(entry));
        const node = this.messageNodes.get(key);
        if (node) changedMessages.push(node);
        continue;
      }
      if (old) rootChanged = this.unplace(key, old, changedGroups) || rootChanged;
      rootChanged = this.place(entry, t, groupId, changedGroups) || rootChanged;
    }
    this.pending.clear();
    if (rootChanged) {
      this.order = undefined;
      this.changeEmitter.fire(undefined);
    } else {
      const nodes: HistoryNode[] = [...changedGroups].map((g) => g.node);
      // a message inside a refreshed group is redrawn with it
      for (const m of changedMessages) if (!nodes.some((n) => n.kind === 'group' && n.id === m.groupId)) nodes.push(m);
      if (nodes.length > 0) this.changeEmitter.fire(nodes);
    }
    this.emitSummary();
  }

  // ---- TreeDataProvider

  getChildren(element?: HistoryNode): HistoryNode[] {
    if (this.rebuilding) return [];
    if (!element) {
      const order = this.sortedGroups();
      const shown: HistoryNode[] = order.slice(0, this.rootShown).map((g) => g.node);
      if (order.length > this.rootShown) shown.push(this.moreNode(ROOT_GROUP_ID));
      return shown;
    }
    if (element.kind !== 'group') return [];
    const group = this.groups.get(element.id);
    if (!group) return [];
    const children: HistoryNode[] = [];
    const end = Math.min(group.shown, group.members.length);
    for (let i = 0; i < end; i++) children.push(this.messageNode(group.members[i].key, group.node.id));
    if (group.members.length > group.shown) children.push(this.moreNode(group.node.id));
    return children;
  }

  getParent(element: HistoryNode): HistoryNode | undefined {
    if (element.kind === 'group') return undefined;
    return this.groups.get(element.groupId)?.node;
  }

  getTreeItem(element: HistoryNode): vscode.TreeItem {
    switch (element.kind) {
      case 'group':
        return this.groupItem(element);
      case 'message':
        return this.messageItem(element);
      case 'more':
        return this.moreItem(element);
    }
  }

  // ---- items

  private groupItem(node: GroupNode): vscode.TreeItem {
    const { l10n } = this;
    const group = this.groups.get(node.id);
    const count = group?.members.length ?? 0;
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = messageCountLabel(count, l10n);
    if (node.id.startsWith('status:')) {
      const status = node.id.slice('status:'.length) as StatusGroup;
      item.label = statusGroupLabel(status, l10n);
      item.iconPath = themeIcon(statusGroupIcon(status));
      item.contextValue = 'group.status';
      item.tooltip = l10n.t('{0}: {1}', item.label, item.description);
      // what still needs attention starts open; the delivered pile starts closed
      if (status !== 'delivered') item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
    } else {
      const dayKey = node.id.slice('day:'.length);
      const todayKey = this.clock.dayKey(this.now());
      item.contextValue = 'group.day';
      if (dayKey === 'unknown') {
        item.label = l10n.t('No date');
        item.tooltip = l10n.t('{0}: {1}', item.label, item.description);
      } else {
        item.label = dayGroupLabel(dayKey, todayKey, l10n, this.locale);
        item.tooltip = l10n.t('{0}: {1}', dayLongLabel(dayKey, this.locale), item.description);
        if (dayKey === todayKey || this.sortedGroups()[0] === group) item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
      }
    }
    item.accessibilityInformation = { label: l10n.t('{0}, {1}', String(item.label), item.description) };
    return item;
  }

  private messageItem(node: MessageNode): vscode.TreeItem {
    const { l10n } = this;
    const entry = this.history.get(node.key);
    if (!entry) {
      // deleted since the last refresh; the next one removes it
      const gone = new vscode.TreeItem(l10n.t('(deleted)'), vscode.TreeItemCollapsibleState.None);
      gone.id = `${node.groupId}/${node.key}`;
      return gone;
    }
    const label = messageLabel(entry.text, l10n);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    // unique per tree: a message moving between status groups must never collide with its old row
    item.id = `${node.groupId}/${node.key}`;
    const description = messageDescription(entry, { clock: this.clock, now: this.now(), locale: this.locale }, this.mode === 'day');
    item.description = description;
    item.iconPath = themeIcon(statusIcon(entry));
    item.contextValue = contextValueOf(entry);
    const md = new vscode.MarkdownString(tooltipMarkdown(entry, { l10n, clock: this.clock, locale: this.locale }), false);
    md.isTrusted = false;
    md.supportHtml = false;
    item.tooltip = md;
    item.accessibilityInformation = { label: l10n.t('{0}, {1}, {2}', label, statusLabel(entry, l10n), description) };
    return item;
  }

  private moreItem(node: MoreNode): vscode.TreeItem {
    const { l10n } = this;
    const item = new vscode.TreeItem(l10n.t('Show more…'), vscode.TreeItemCollapsibleState.None);
    item.id = `${node.groupId}/more`;
    item.contextValue = 'showMore';
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    if (node.groupId === ROOT_GROUP_ID) {
      const total = this.sortedGroups().length;
      item.description = l10n.t('{0} of {1} days shown', Math.min(this.rootShown, total), total);
    } else {
      const group = this.groups.get(node.groupId);
      const total = group?.members.length ?? 0;
      item.description = l10n.t('{0} of {1} shown', Math.min(group?.shown ?? 0, total), total);
    }
    item.command = { command: HistoryTreeCommandIds.showMore, title: l10n.t('Show more…'), arguments: [node.groupId] };
    return item;
  }

  // ---- index

  private enqueue(change: { upserted: HistoryEntry[]; removed: string[] }): void {
    for (const e of change.upserted) this.pending.add(e.key);
    for (const k of change.removed) this.pending.add(k);
    // a fixed window from the first event: a steady stream still refreshes every debounceMs
    if (this.pending.size > 0 && !this.flushTimer && !this.isDisposed) {
      this.flushTimer = this.after(this.debounceMs, () => this.flush());
    }
  }

  private rebuild(): void {
    this.rebuilds++;
    this.rebuilding = false;
    const steps = this.rebuildSteps();
    while (!steps.next().done);
  }

  /**
   * `refresh` in slices (the first load of a big history: about 2 µs an entry, 0.2 s for 100,000,
   * too long for the extension host's one thread). Changes queue meanwhile and are applied after;
   * the top level stays empty until the new index is whole.
   */
  async refreshInSlices(slicer: Slicer = timeSlicer()): Promise<void> {
    const generation = ++this.rebuilds;
    this.rebuilding = true;
    this.pending.clear();
    this.flushTimer?.dispose();
    this.flushTimer = undefined;
    const steps = this.rebuildSteps();
    while (!steps.next().done) {
      const turn = slicer.step();
      if (!turn) continue;
      await turn;
      if (this.isDisposed || generation !== this.rebuilds) return; // disposed, or a full rebuild came first
    }
    this.rebuilding = false;
    this.changeEmitter.fire(undefined);
    this.emitSummary();
    this.flush();
  }

  /** The index from scratch, one step an entry. */
  private *rebuildSteps(): Generator<void> {
    this.placements.clear();
    this.groups.clear();
    this.messageNodes.clear();
    this.moreNodes.clear();
    this.order = undefined;
    this.rootShown = this.pageSize;
    this.inFlight = 0;
    for (const entry of this.history.all()) {
      if (this.placements.has(entry.key)) continue;
      const t = this.timeOf(entry);
      const groupId = this.groupIdOf(entry, t);
      let group = this.groups.get(groupId);
      if (!group) this.groups.set(groupId, (group = new Group(groupId, this.pageSize)));
      const member = { key: entry.key, t };
      group.members.push(member);
      const inFlight = isInFlight(entry);
      if (inFlight) this.inFlight++;
      this.placements.set(entry.key, { groupId, member, inFlight });
      yield;
    }
    for (const group of this.groups.values()) {
      // all() is newest first already; sort only when it was not
      const m = group.members;
      for (let i = 1; i < m.length; i++) {
        if (compareMembers(m[i - 1], m[i]) > 0) {
          m.sort(compareMembers);
          break;
        }
      }
      yield;
    }
  }

  /** Adds an entry to its group; true when the group is new (the top level changed). */
  private place(entry: HistoryEntry, t: number, groupId: string, changed: Set<Group>): boolean {
    let created = false;
    let group = this.groups.get(groupId);
    if (!group) {
      this.groups.set(groupId, (group = new Group(groupId, this.pageSize)));
      created = true;
    }
    const member = { key: entry.key, t };
    group.members.splice(search(group.members, member), 0, member);
    const inFlight = isInFlight(entry);
    if (inFlight) this.inFlight++;
    this.placements.set(entry.key, { groupId, member, inFlight });
    changed.add(group);
    return created;
  }

  /** Removes an entry from its group; true when the group emptied (the top level changed). */
  private unplace(key: string, placement: Placement, changed: Set<Group>): boolean {
    this.placements.delete(key);
    this.messageNodes.delete(key);
    if (placement.inFlight) this.inFlight--;
    const group = this.groups.get(placement.groupId);
    if (!group) return false;
    const i = search(group.members, placement.member);
    if (group.members[i]?.key === key) group.members.splice(i, 1);
    changed.add(group);
    if (group.members.length > 0) return false;
    this.groups.delete(group.node.id);
    this.moreNodes.delete(group.node.id);
    return true;
  }

  private setInFlight(p: Placement, inFlight: boolean): void {
    if (p.inFlight === inFlight) return;
    this.inFlight += inFlight ? 1 : -1;
    p.inFlight = inFlight;
  }

  private timeOf(entry: HistoryEntry): number {
    const t = Date.parse(entry.createdAt);
    return Number.isNaN(t) ? NO_TIME : t;
  }

  private groupIdOf(entry: HistoryEntry, t: number): string {
    if (this.mode === 'status') return `status:${statusGroupOf(entry)}`;
    return t === NO_TIME ? 'day:unknown' : `day:${this.clock.dayKey(t)}`;
  }

  private sortedGroups(): Group[] {
    if (!this.order) {
      const groups = [...this.groups.values()];
      if (this.mode === 'status') {
        const rank = (g: Group): number => STATUS_GROUPS.indexOf(g.node.id.slice('status:'.length) as StatusGroup);
        groups.sort((a, b) => rank(a) - rank(b));
      } else {
        // `day:YYYY-MM-DD` sorts by text; newest first, the undated group last
        const rank = (g: Group): string => (g.node.id === 'day:unknown' ? '' : g.node.id);
        groups.sort((a, b) => (rank(a) < rank(b) ? 1 : rank(a) > rank(b) ? -1 : 0));
      }
      this.order = groups;
    }
    return this.order;
  }

  private messageNode(key: string, groupId: string): MessageNode {
    let node = this.messageNodes.get(key);
    if (!node || node.groupId !== groupId) this.messageNodes.set(key, (node = { kind: 'message', key, groupId }));
    return node;
  }

  private moreNode(groupId: string): MoreNode {
    let node = this.moreNodes.get(groupId);
    if (!node) this.moreNodes.set(groupId, (node = { kind: 'more', groupId }));
    return node;
  }

  private emitSummary(): void {
    const s = this.summary;
    if (s.total === this.lastSummary.total && s.inFlight === this.lastSummary.inFlight) return;
    this.lastSummary = s;
    this.summaryEmitter.fire(s);
  }

  /** At local midnight "Today" becomes "Yesterday" and times become dates: redraw. */
  private scheduleMidnight(): void {
    if (this.isDisposed) return;
    const now = this.now();
    // a second late, so the new day has surely begun; capped so a moved system clock is noticed
    const delay = Math.min(Math.max(this.clock.nextMidnight(now) - now + 1000, 1000), 6 * 60 * 60 * 1000);
    this.midnightTimer = this.after(delay, () => {
      this.changeEmitter.fire(undefined);
      this.scheduleMidnight();
    });
  }
}

function afterWithTimer(ms: number, run: () => void): vscode.Disposable {
  const timer = setTimeout(run, ms);
  return { dispose: () => clearTimeout(timer) };
}

export interface HistoryTreeHandle extends vscode.Disposable {
  readonly provider: HistoryTreeProvider;
  readonly view: vscode.TreeView<HistoryNode>;
  setGroupBy(groupBy: GroupBy): void;
}

export interface RegisterHistoryTreeOptions extends HistoryTreeOptions {
  /** Default HISTORY_VIEW_ID. */
  viewId?: string;
  /** Default HistoryTreeCommandIds; tests pass their own to run beside the activated extension. */
  commandIds?: { toggleGroupBy: string; showMore: string };
  /** Saves the toggled grouping; default writes the `inviosmart.history.groupBy` user setting. */
  persistGroupBy?: (groupBy: GroupBy) => Thenable<unknown> | void;
}

/**
 * Creates the Messages view over the history and registers its own two commands (toggle grouping,
 * show more). Keeps the `inviosmart.historyEmpty` / `inviosmart.historyGroupBy` context keys and
 * the in-flight badge current, and follows changes of the groupBy setting through `getGroupBy`.
 */
export function registerHistoryTree(
  history: HistoryReader,
  getGroupBy: () => GroupBy,
  options: RegisterHistoryTreeOptions = {},
): HistoryTreeHandle {
  return new HistoryTree(history, getGroupBy, options);
}

class HistoryTree extends DisposableBase implements HistoryTreeHandle {
  readonly provider: HistoryTreeProvider;
  readonly view: vscode.TreeView<HistoryNode>;
  private readonly l10n: L10n;
  private empty: boolean | undefined;
  private loading = false;

  constructor(history: HistoryReader, getGroupBy: () => GroupBy, options: RegisterHistoryTreeOptions) {
    super();
    this.l10n = options.l10n ?? vscode.l10n;
    const ids = options.commandIds ?? HistoryTreeCommandIds;
    const persist =
      options.persistGroupBy ??
      ((g: GroupBy) => vscode.workspace.getConfiguration('inviosmart').update('history.groupBy', g, vscode.ConfigurationTarget.Global));

    this.provider = this._register(new HistoryTreeProvider(history, getGroupBy(), options));
    this.view = this._register(
      vscode.window.createTreeView(options.viewId ?? HISTORY_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true }),
    );

    this._register(
      vscode.commands.registerCommand(ids.toggleGroupBy, async () => {
        const next: GroupBy = this.provider.groupBy === 'day' ? 'status' : 'day';
        this.setGroupBy(next);
        try {
          await persist(next);
        } catch {
          // the view already switched; only the remembered choice is lost
        }
      }),
    );
    this._register(
      vscode.commands.registerCommand(ids.showMore, (arg: unknown) => {
        const groupId = typeof arg === 'string' ? arg : (arg as Partial<MoreNode> | undefined)?.groupId;
        if (typeof groupId === 'string') this.provider.showMore(groupId);
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('inviosmart.history.groupBy')) this.setGroupBy(getGroupBy());
      }),
    );
    this._register(this.provider.onDidChangeSummary((s) => this.showSummary(s)));
    if (history.loaded === false) {
      // Until the history is in: a loading line, no badge, no "no messages yet" welcome.
      this.loading = true;
      this.view.message = this.l10n.t('Loading history…');
      const done = history.onDidLoad?.(() => {
        done?.dispose();
        void this.provider.refreshInSlices().then(() => {
          this.loading = false;
          this.view.message = undefined;
          this.showSummary(this.provider.summary);
        });
      });
      if (done) this._register(done);
    }
    this.showSummary(this.provider.summary);
    this.showGroupBy();
  }

  setGroupBy(groupBy: GroupBy): void {
    this.provider.setGroupBy(groupBy);
    this.showGroupBy();
  }

  private showGroupBy(): void {
    const mode = this.provider.groupBy;
    this.view.description = mode === 'status' ? this.l10n.t('by status') : undefined;
    void vscode.commands.executeCommand('setContext', HistoryContextKeys.groupBy, mode);
  }

  private showSummary(s: HistorySummary): void {
    if (this.loading) return;
    const empty = s.total === 0;
    if (empty !== this.empty) {
      this.empty = empty;
      void vscode.commands.executeCommand('setContext', HistoryContextKeys.empty, empty);
    }
    this.view.badge =
      s.inFlight > 0
        ? { value: s.inFlight, tooltip: s.inFlight === 1 ? this.l10n.t('1 message in flight') : this.l10n.t('{0} messages in flight', s.inFlight) }
        : undefined;
  }
}
