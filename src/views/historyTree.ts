// The Messages tree in the sidebar: the TreeDataProvider over treeModel.ts (grouping, paging, the
// in-flight count), with the debounce, midnight and max-age timers and the items VS Code draws.
import * as vscode from 'vscode';
import { CommandIds } from '../common/commandIds';
import { DisposableBase } from '../common/lifecycle';
import type { GroupBy } from '../config';
import { DEFAULT_MAX_AGE_MS, stateIcon, statusGroupIcon, statusGroupLabel, type IconSpec } from '../history/messageState';
import type { HistoryEntry, HistoryReader } from '../history/types';
import { timeSlicer, type Slicer } from '../history/slices';
import {
  contextValueOf,
  dayGroupLabel,
  dayLongLabel,
  messageCountLabel,
  messageDescription,
  messageLabel,
  statusLabel,
  tooltipMarkdown,
  type L10n,
} from './entryPresentation';
import { HistoryTreeModel, ROOT_GROUP_ID, statusGroupOfId, type GroupNode, type HistoryNode, type HistorySummary, type MessageNode, type MoreNode } from './treeModel';

export { ROOT_GROUP_ID, type GroupNode, type HistoryNode, type HistorySummary, type MessageNode, type MoreNode } from './treeModel';

export const HISTORY_VIEW_ID = 'inviosmart.history';

/** The commands this module registers. */
export const HistoryTreeCommandIds = { toggleGroupBy: CommandIds.toggleGroupBy, showMore: CommandIds.showMore } as const;

/** Context keys this module sets, for `when` clauses in package.json. */
export const HistoryContextKeys = {
  empty: 'inviosmart.historyEmpty',
  groupBy: 'inviosmart.historyGroupBy',
} as const;

export interface HistoryTreeOptions {
  /** Children shown per group before "Show more…" (default 200). */
  pageSize?: number;
  /** Changes arriving within this window are applied together (default 100 ms). */
  debounceMs?: number;
  /** Clock for "Today", HH:mm and the max age; epoch ms. */
  now?: () => number;
  /** Runs `run` once after `ms` unless disposed first (the debounce, midnight and max-age timers); tests drive their own. */
  after?: (ms: number, run: () => void) => vscode.Disposable;
  /** IANA zone for day groups and times; default the system's. */
  timeZone?: string;
  /** Locale for dates and amounts; default `vscode.env.language`. */
  locale?: string;
  /** Default `vscode.l10n`. */
  l10n?: L10n;
  /** The poller's max age in ms (the `inviosmart.status.maxAgeHours` setting), read at each use; default 48 h. */
  maxAgeMs?: () => number;
}

/** Longest wait of the max-age timer, so a moved system clock is noticed. */
const MAX_STALE_WAIT_MS = 6 * 60 * 60 * 1000;

function themeIcon(spec: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(spec.codicon, new vscode.ThemeColor(spec.color));
}

/**
 * Tree data over the history. The model (treeModel.ts) keeps the index and is updated from change
 * events only for the keys that changed; this class batches the events and turns nodes into items.
 */
export class HistoryTreeProvider extends DisposableBase implements vscode.TreeDataProvider<HistoryNode> {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<HistoryNode | HistoryNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly summaryEmitter = this._register(new vscode.EventEmitter<HistorySummary>());
  /** Fires when the total or the in-flight count changed. */
  readonly onDidChangeSummary = this.summaryEmitter.event;

  private readonly debounceMs: number;
  private readonly now: () => number;
  private readonly locale: string;
  private readonly l10n: L10n;
  private readonly model: HistoryTreeModel;
  private readonly readMaxAge: () => number;
  /** The max age as last read (on start and on each refresh), not once per item drawn. */
  private maxAge: number;
  private lastSummary: HistorySummary = { total: 0, inFlight: 0 };

  private readonly pending = new Set<string>();
  /** Counts rebuilds, so a sliced one stops when another started; true while a sliced one runs. */
  private rebuilds = 0;
  private rebuilding = false;
  private flushTimer: vscode.Disposable | undefined;
  private midnightTimer: vscode.Disposable | undefined;
  private staleTimer: { at: number; timer: vscode.Disposable } | undefined;
  private readonly after: NonNullable<HistoryTreeOptions['after']>;

  constructor(
    private readonly history: HistoryReader,
    groupBy: GroupBy,
    options: HistoryTreeOptions = {},
  ) {
    super();
    this.debounceMs = Math.max(0, options.debounceMs ?? 100);
    this.now = options.now ?? Date.now;
    this.after = options.after ?? afterWithTimer;
    this.locale = options.locale ?? vscode.env.language;
    this.l10n = options.l10n ?? vscode.l10n;
    this.readMaxAge = options.maxAgeMs ?? (() => DEFAULT_MAX_AGE_MS);
    this.maxAge = this.readMaxAge();
    this.model = new HistoryTreeModel(history, groupBy, { pageSize: options.pageSize, now: this.now, timeZone: options.timeZone, maxAgeMs: () => this.maxAge });
    this._register(history.onDidChange((change) => this.enqueue(change)));
    this._register({
      dispose: () => {
        this.flushTimer?.dispose();
        this.midnightTimer?.dispose();
        this.staleTimer?.timer.dispose();
      },
    });
    this.lastSummary = this.model.summary;
    this.scheduleMidnight();
    this.scheduleStale();
  }

  get groupBy(): GroupBy {
    return this.model.groupBy;
  }

  get summary(): HistorySummary {
    return this.model.summary;
  }

  setGroupBy(groupBy: GroupBy): void {
    if (groupBy === this.model.groupBy) return;
    this.model.setGroupBy(groupBy);
    this.refresh();
  }

  /** Re-reads the whole history and redraws the tree (regrouping, a new max age, or if events were missed). */
  refresh(): void {
    this.rebuilds++;
    this.rebuilding = false;
    this.pending.clear();
    this.flushTimer?.dispose();
    this.flushTimer = undefined;
    this.maxAge = this.readMaxAge();
    this.model.rebuild();
    this.changeEmitter.fire(undefined);
    this.emitSummary();
    this.scheduleStale();
  }

  /**
   * `refresh` in slices, for the first load of a big history. Changes queue meanwhile and are
   * applied after; the top level stays empty until the new index is whole.
   */
  async refreshInSlices(slicer: Slicer = timeSlicer()): Promise<void> {
    const generation = ++this.rebuilds;
    this.rebuilding = true;
    this.pending.clear();
    this.flushTimer?.dispose();
    this.flushTimer = undefined;
    this.maxAge = this.readMaxAge();
    const steps = this.model.rebuildSteps();
    while (!steps.next().done) {
      const turn = slicer.step();
      if (!turn) continue;
      await turn;
      if (this.isDisposed || generation !== this.rebuilds) return; // disposed, or a full rebuild came first
    }
    this.rebuilding = false;
    this.changeEmitter.fire(undefined);
    this.emitSummary();
    this.scheduleStale();
    this.flush();
  }

  /** Shows the next page of a group (or of the top level); false when the group is gone. */
  showMore(groupId: string): boolean {
    if (!this.model.showMore(groupId)) return false;
    this.changeEmitter.fire(groupId === ROOT_GROUP_ID ? undefined : this.model.parent({ kind: 'more', groupId }));
    return true;
  }

  /** Applies queued change events now instead of at the end of the debounce window. */
  flush(): void {
    this.flushTimer?.dispose();
    this.flushTimer = undefined;
    if (this.pending.size === 0 || this.isDisposed || this.rebuilding) return;
    const keys = [...this.pending];
    this.pending.clear();
    this.redraw(this.model.apply(keys));
  }

  // ---- TreeDataProvider

  getChildren(element?: HistoryNode): HistoryNode[] {
    if (this.rebuilding) return [];
    return this.model.children(element);
  }

  getParent(element: HistoryNode): HistoryNode | undefined {
    return this.model.parent(element);
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
    const count = this.model.groupSize(node.id)?.count ?? 0;
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = messageCountLabel(count, l10n);
    const status = statusGroupOfId(node.id);
    if (status) {
      item.label = statusGroupLabel(status, l10n);
      item.iconPath = themeIcon(statusGroupIcon(status));
      item.contextValue = 'group.status';
      item.tooltip = l10n.t('{0}: {1}', item.label, item.description);
      // what still needs attention starts open; the delivered pile starts closed
      if (status !== 'delivered') item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
    } else {
      const dayKey = node.id.slice('day:'.length);
      const todayKey = this.model.clock.dayKey(this.now());
      item.contextValue = 'group.day';
      if (dayKey === 'unknown') {
        item.label = l10n.t('No date');
        item.tooltip = l10n.t('{0}: {1}', item.label, item.description);
      } else {
        item.label = dayGroupLabel(dayKey, todayKey, l10n, this.locale);
        item.tooltip = l10n.t('{0}: {1}', dayLongLabel(dayKey, this.locale), item.description);
        if (dayKey === todayKey || this.model.isFirstGroup(node.id)) item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
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
    const state = this.model.stateOf(entry);
    const label = messageLabel(entry.text, l10n);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    // unique per tree: a message moving between status groups must never collide with its old row
    item.id = `${node.groupId}/${node.key}`;
    const description = messageDescription(entry, { clock: this.model.clock, now: this.now(), locale: this.locale }, this.model.groupBy === 'day');
    item.description = description;
    item.iconPath = themeIcon(stateIcon(state));
    item.contextValue = contextValueOf(entry);
    const md = new vscode.MarkdownString(tooltipMarkdown(entry, { l10n, clock: this.model.clock, locale: this.locale, state }), false);
    md.isTrusted = false;
    md.supportHtml = false;
    item.tooltip = md;
    item.accessibilityInformation = { label: l10n.t('{0}, {1}, {2}', label, statusLabel(entry, l10n, state), description) };
    return item;
  }

  private moreItem(node: MoreNode): vscode.TreeItem {
    const { l10n } = this;
    const item = new vscode.TreeItem(l10n.t('Show more…'), vscode.TreeItemCollapsibleState.None);
    item.id = `${node.groupId}/more`;
    item.contextValue = 'showMore';
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    if (node.groupId === ROOT_GROUP_ID) {
      const total = this.model.groupCount;
      item.description = l10n.t('{0} of {1} days shown', Math.min(this.model.rootShown, total), total);
    } else {
      const size = this.model.groupSize(node.groupId);
      const total = size?.count ?? 0;
      item.description = l10n.t('{0} of {1} shown', Math.min(size?.shown ?? 0, total), total);
    }
    item.command = { command: HistoryTreeCommandIds.showMore, title: l10n.t('Show more…'), arguments: [node.groupId] };
    return item;
  }

  // ---- updates

  private enqueue(change: { upserted: HistoryEntry[]; removed: string[] }): void {
    for (const e of change.upserted) this.pending.add(e.key);
    for (const k of change.removed) this.pending.add(k);
    // a fixed window from the first event: a steady stream still refreshes every debounceMs
    if (this.pending.size > 0 && !this.flushTimer && !this.isDisposed) {
      this.flushTimer = this.after(this.debounceMs, () => this.flush());
    }
  }

  private redraw(update: { groups: GroupNode[] | undefined; messages: MessageNode[] }): void {
    if (update.groups === undefined) this.changeEmitter.fire(undefined);
    else {
      const nodes: HistoryNode[] = [...update.groups, ...update.messages];
      if (nodes.length > 0) this.changeEmitter.fire(nodes);
    }
    this.emitSummary();
    this.scheduleStale();
  }

  private emitSummary(): void {
    const s = this.model.summary;
    if (s.total === this.lastSummary.total && s.inFlight === this.lastSummary.inFlight) return;
    this.lastSummary = s;
    this.summaryEmitter.fire(s);
  }

  /** At local midnight "Today" becomes "Yesterday" and times become dates: redraw. */
  private scheduleMidnight(): void {
    if (this.isDisposed) return;
    const now = this.now();
    // a second late, so the new day has surely begun; capped so a moved system clock is noticed
    const delay = Math.min(Math.max(this.model.clock.nextMidnight(now) - now + 1000, 1000), 6 * 60 * 60 * 1000);
    this.midnightTimer = this.after(delay, () => {
      this.changeEmitter.fire(undefined);
      this.scheduleMidnight();
    });
  }

  /** When a message waiting for a status passes the max age it stops counting as in flight: redraw it then. */
  private scheduleStale(): void {
    if (this.isDisposed) return;
    const next = this.model.nextStaleAt();
    if (next === undefined) {
      this.staleTimer?.timer.dispose();
      this.staleTimer = undefined;
      return;
    }
    if (this.staleTimer && this.staleTimer.at <= next) return;
    this.staleTimer?.timer.dispose();
    const delay = Math.min(Math.max(next - this.now(), 0), MAX_STALE_WAIT_MS);
    const timer = this.after(delay, () => {
      this.staleTimer = undefined;
      this.redraw(this.model.restale());
    });
    this.staleTimer = { at: this.now() + delay, timer };
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
 * the in-flight badge current. Starts grouped by `getGroupBy()`; the settings handler
 * (config.ts `settingsChanged`) calls `setGroupBy` when the setting changes.
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
    this._register(this.provider.onDidChangeSummary((s) => this.showSummary(s)));
    if (history.loaded === false) {
      // Until the history is in: a loading line, no badge, no "no messages yet" welcome.
      this.loading = true;
      this.view.message = this.l10n.t('Loading history…');
      const done = history.onDidLoad?.(() => {
        done?.dispose();
        // From a task of its own: the load's last slice, and the poller's first look at the history, run in this one.
        setImmediate(() => {
          if (this.isDisposed) return;
          void this.provider.refreshInSlices().then(() => {
            this.loading = false;
            this.view.message = undefined;
            this.showSummary(this.provider.summary);
          });
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
