// The Messages tree's model: which group each message sits in, the groups' order, paging and the
// in-flight count. No 'vscode' here, so plain-Node tests cover it; historyTree.ts draws what it holds.
import { lowerBound } from '../panel/model';
import type { GroupBy } from '../config';
import {
  isInFlight,
  isStatusGroup,
  messageState,
  staleAt,
  stateFacts,
  STATUS_GROUPS,
  type MessageState,
  type Staleness,
  type StatusGroup,
} from '../history/messageState';
import { rowsOf, type RowSource } from '../history/rows';
import type { HistoryEntry, HistoryRows, StateFields } from '../history/types';
import { WallClock } from './entryPresentation';

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
  /** Counted in the badge (messageState.ts `isInFlight`): not `stale`, not final. */
  inFlight: number;
}

/** What a batch of changes touched: `undefined` groups means the top level changed (redraw all). */
export interface TreeUpdate {
  groups: GroupNode[] | undefined;
  messages: MessageNode[];
}

export interface TreeModelOptions {
  /** Children shown per group before "Show more…" (default 200). */
  pageSize?: number;
  /** Epoch ms; for day groups and for judging the poller's max age. */
  now: () => number;
  /** IANA zone for day groups; default the system's. */
  timeZone?: string;
  /** The poller's max age (`inviosmart.status.maxAgeHours` in ms); past it a waiting message is `stale`. */
  maxAgeMs: () => number;
}

class Group {
  readonly node: GroupNode;
  /** Rows, newest first (t descending, then key). */
  readonly members: number[] = [];
  shown: number;
  constructor(
    id: string,
    pageSize: number,
    /** Its number in the model's per-row index (1 and up). */
    readonly index: number,
  ) {
    this.node = { kind: 'group', id };
    this.shown = pageSize;
  }
}

const NO_TIME = -8.64e15; // earliest Date: entries whose time does not parse sort last

/** The status group a `status:…` id names, or undefined for a day group. */
export function statusGroupOfId(groupId: string): StatusGroup | undefined {
  const s = groupId.startsWith('status:') ? groupId.slice('status:'.length) : undefined;
  return isStatusGroup(s) ? s : undefined;
}

/**
 * The tree's own index over the history (entry → group, groups sorted newest first), updated from
 * change events only for the keys that changed, so a refresh costs what changed plus what is shown,
 * not the size of the history. Messages waiting for a status are watched for the moment they pass
 * the poller's max age (`nextStaleAt`, then `restale`), when they leave the badge and, by status,
 * move to their own group.
 */
/**
 * The tree's own index over the history (row → group, groups sorted newest first), updated from
 * change events only for the keys that changed, so a refresh costs what changed plus what is shown,
 * not the size of the history. It keeps row numbers (history/table.ts) in typed arrays, not an
 * object per message: nodes are made only for what is shown. Messages waiting for a status are
 * watched for the moment they pass the poller's max age (`nextStaleAt`, then `restale`), when they
 * leave the badge and, by status, move to their own group.
 */
export class HistoryTreeModel {
  readonly clock: WallClock;
  private readonly pageSize: number;
  private mode: GroupBy;
  private readonly rows: HistoryRows;
  /** Per row: its group's index (0: not placed), its time, whether the badge counts it. */
  private groupOfRow = new Int32Array(0);
  private timeOfRow = new Float64Array(0);
  private flightOfRow = new Uint8Array(0);
  private placed = 0;
  private readonly groups = new Map<string, Group>();
  /** Groups by index (index - 1); a removed group leaves undefined. */
  private groupList: Array<Group | undefined> = [];
  /** Top-level order; undefined when a group came or went. */
  private order: Group[] | undefined;
  private rootShownCount: number;
  /** Nodes handed out, kept so a later change can name the same object. */
  private readonly messageNodes = new Map<string, MessageNode>();
  private readonly moreNodes = new Map<string, MoreNode>();
  private inFlight = 0;
  /** Keys of messages that turn `stale` at the given time unless they change first. */
  private readonly staleWatch = new Map<string, number>();

  constructor(
    private readonly history: RowSource,
    groupBy: GroupBy,
    private readonly options: TreeModelOptions,
  ) {
    this.pageSize = Math.max(1, Math.floor(options.pageSize ?? 200));
    this.clock = new WallClock(options.timeZone);
    this.mode = groupBy;
    this.rootShownCount = this.pageSize;
    this.rows = rowsOf(history);
    this.rebuild();
  }

  get groupBy(): GroupBy {
    return this.mode;
  }

  get summary(): HistorySummary {
    return { total: this.placed, inFlight: this.inFlight };
  }

  get rootShown(): number {
    return this.rootShownCount;
  }

  setGroupBy(groupBy: GroupBy): boolean {
    if (groupBy === this.mode) return false;
    this.mode = groupBy;
    this.rebuild();
    return true;
  }

  /** The state a message is shown in now (the same answer that placed it). */
  stateOf(entry: HistoryEntry): MessageState {
    return messageState(entry, this.staleness());
  }

  /** Re-reads the whole history (regrouping, or if events were missed). */
  rebuild(): void {
    const steps = this.rebuildSteps();
    while (!steps.next().done);
  }

  /**
   * The same, one step an entry, so the provider can run it in slices (the first load of a big
   * history: about 2 µs an entry, 0.2 s for 100,000, too long for the extension host's one thread).
   */
  *rebuildSteps(): Generator<void> {
    this.groups.clear();
    this.groupList = [];
    this.messageNodes.clear();
    this.moreNodes.clear();
    this.staleWatch.clear();
    this.order = undefined;
    this.rootShownCount = this.pageSize;
    this.inFlight = 0;
    this.placed = 0;
    const at = this.staleness();
    const rows = this.rows.rowsNewestFirst();
    this.groupOfRow = new Int32Array(0);
    this.timeOfRow = new Float64Array(0);
    this.flightOfRow = new Uint8Array(0);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      this.ensure(row);
      if (this.groupOfRow[row] !== 0) continue;
      const t = this.timeAt(row);
      const fields = this.rows.stateFields(row);
      const state = messageState(fields, at);
      const group = this.groupFor(this.groupIdOf(state, t));
      group.members.push(row);
      this.note(row, fields, state, at, true);
      const inFlight = isInFlight(fields, at);
      if (inFlight) this.inFlight++;
      this.groupOfRow[row] = group.index;
      this.timeOfRow[row] = t;
      this.flightOfRow[row] = inFlight ? 1 : 0;
      this.placed++;
      yield;
    }
    const cmp = this.compareRows;
    for (const group of this.groups.values()) {
      // the rows come newest first already; sort only when they did not
      const m = group.members;
      for (let i = 1; i < m.length; i++) {
        if (cmp(m[i - 1], m[i]) > 0) {
          m.sort(cmp);
          break;
        }
      }
      yield;
    }
  }

  /** Re-places the given keys from the history as it is now; says what to redraw. */
  apply(keys: Iterable<string>): TreeUpdate {
    const at = this.staleness();
    const changedGroups = new Set<Group>();
    const changedMessages: MessageNode[] = [];
    let rootChanged = false;
    for (const key of keys) {
      const entry = this.history.get(key);
      const row = this.rows.rowOf(key);
      if (row < 0) continue;
      this.ensure(row);
      const oldGroup = this.groupOfRow[row];
      if (!entry) {
        if (oldGroup !== 0) rootChanged = this.unplace(row, key, changedGroups) || rootChanged;
        continue;
      }
      const t = timeOf(entry);
      const state = messageState(entry, at);
      const groupId = this.groupIdOf(state, t);
      if (oldGroup !== 0 && this.groupList[oldGroup - 1]?.node.id === groupId && this.timeOfRow[row] === t) {
        const inFlight = isInFlight(entry, at);
        if ((this.flightOfRow[row] === 1) !== inFlight) this.inFlight += inFlight ? 1 : -1;
        this.flightOfRow[row] = inFlight ? 1 : 0;
        this.note(row, entry, state, at, false);
        const node = this.messageNodes.get(key);
        if (node) changedMessages.push(node);
        continue;
      }
      if (oldGroup !== 0) rootChanged = this.unplace(row, key, changedGroups) || rootChanged;
      rootChanged = this.place(row, entry, state, t, groupId, at, changedGroups) || rootChanged;
    }
    if (rootChanged) {
      this.order = undefined;
      return { groups: undefined, messages: [] };
    }
    const groups = [...changedGroups].map((g) => g.node);
    // a message inside a redrawn group is redrawn with it
    const messages = changedMessages.filter((m) => !changedGroups.has(this.groups.get(m.groupId) as Group));
    return { groups, messages };
  }

  /** When the next watched message passes the max age, or undefined when none waits. */
  nextStaleAt(): number | undefined {
    let next: number | undefined;
    for (const at of this.staleWatch.values()) if (next === undefined || at < next) next = at;
    return next;
  }

  /** Re-places the messages that passed the max age by now. */
  restale(): TreeUpdate {
    const now = this.options.now();
    const due: string[] = [];
    for (const [key, at] of this.staleWatch) if (at <= now) due.push(key);
    return this.apply(due);
  }

  /** Shows the next page of a group (or of the top level); false when the group is gone. */
  showMore(groupId: string): boolean {
    if (groupId === ROOT_GROUP_ID) {
      this.rootShownCount += this.pageSize;
      return true;
    }
    const group = this.groups.get(groupId);
    if (!group) return false;
    group.shown += this.pageSize;
    return true;
  }

  children(element?: HistoryNode): HistoryNode[] {
    if (!element) {
      const order = this.sortedGroups();
      const shown: HistoryNode[] = order.slice(0, this.rootShownCount).map((g) => g.node);
      if (order.length > this.rootShownCount) shown.push(this.moreNode(ROOT_GROUP_ID));
      return shown;
    }
    if (element.kind !== 'group') return [];
    const group = this.groups.get(element.id);
    if (!group) return [];
    const children: HistoryNode[] = [];
    const end = Math.min(group.shown, group.members.length);
    for (let i = 0; i < end; i++) children.push(this.messageNode(this.rows.keyOf(group.members[i]), group.node.id));
    if (group.members.length > group.shown) children.push(this.moreNode(group.node.id));
    return children;
  }

  parent(element: HistoryNode): GroupNode | undefined {
    if (element.kind === 'group') return undefined;
    return this.groups.get(element.groupId)?.node;
  }

  /** How many messages a group holds and how many are shown; undefined when it is gone. */
  groupSize(groupId: string): { count: number; shown: number } | undefined {
    const group = this.groups.get(groupId);
    return group && { count: group.members.length, shown: group.shown };
  }

  /** The number of top-level groups. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** True for the top level's first group (opened on start in the day view). */
  isFirstGroup(groupId: string): boolean {
    return this.sortedGroups()[0]?.node.id === groupId;
  }

  // ---- index

  private staleness(): Staleness {
    return { now: this.options.now(), maxAgeMs: this.options.maxAgeMs() };
  }

  /** Newest first (time descending), then by key. */
  private readonly compareRows = (a: number, b: number): number => {
    const d = this.timeOfRow[b] - this.timeOfRow[a];
    if (d !== 0) return d;
    return a === b ? 0 : this.rows.compareKeys(a, b);
  };

  /** The per-row arrays cover `row`. */
  private ensure(row: number): void {
    if (row < this.groupOfRow.length) return;
    const size = Math.max(row + 1, Math.ceil(this.groupOfRow.length * 1.5), 1024);
    const groupOf = new Int32Array(size);
    groupOf.set(this.groupOfRow);
    const time = new Float64Array(size);
    time.set(this.timeOfRow);
    const flight = new Uint8Array(size);
    flight.set(this.flightOfRow);
    this.groupOfRow = groupOf;
    this.timeOfRow = time;
    this.flightOfRow = flight;
  }

  private timeAt(row: number): number {
    const t = this.rows.createdMs(row);
    return Number.isNaN(t) ? NO_TIME : t;
  }

  private groupFor(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId, this.pageSize, this.groupList.length + 1);
      this.groups.set(groupId, group);
      this.groupList.push(group);
    }
    return group;
  }

  /** Keeps the stale watch in step with the message's state. */
  private note(row: number, fields: StateFields, state: MessageState, at: Staleness, fresh: boolean): void {
    const when = state === 'stale' ? undefined : staleAt(fields, at.maxAgeMs);
    if (when !== undefined && when > at.now) this.staleWatch.set(this.rows.keyOf(row), when);
    else if (!fresh) this.staleWatch.delete(this.rows.keyOf(row));
  }

  /** Adds an entry to its group; true when the group is new (the top level changed). */
  private place(row: number, entry: HistoryEntry, state: MessageState, t: number, groupId: string, at: Staleness, changed: Set<Group>): boolean {
    const created = !this.groups.has(groupId);
    const group = this.groupFor(groupId);
    this.timeOfRow[row] = t;
    group.members.splice(lowerBound(group.members, row, this.compareRows), 0, row);
    const inFlight = isInFlight(entry, at);
    if (inFlight) this.inFlight++;
    this.note(row, entry, state, at, false);
    this.groupOfRow[row] = group.index;
    this.flightOfRow[row] = inFlight ? 1 : 0;
    this.placed++;
    changed.add(group);
    return created;
  }

  /** Removes an entry from its group; true when the group emptied (the top level changed). */
  private unplace(row: number, key: string, changed: Set<Group>): boolean {
    const group = this.groupList[this.groupOfRow[row] - 1];
    this.groupOfRow[row] = 0;
    this.placed--;
    this.messageNodes.delete(key);
    this.staleWatch.delete(key);
    if (this.flightOfRow[row]) this.inFlight--;
    this.flightOfRow[row] = 0;
    if (!group) return false;
    const i = lowerBound(group.members, row, this.compareRows);
    if (group.members[i] === row) group.members.splice(i, 1);
    changed.add(group);
    if (group.members.length > 0) return false;
    this.groups.delete(group.node.id);
    this.groupList[group.index - 1] = undefined;
    this.moreNodes.delete(group.node.id);
    return true;
  }

  private groupIdOf(state: MessageState, t: number): string {
    if (this.mode === 'status') return `status:${stateFacts(state).group}`;
    return t === NO_TIME ? 'day:unknown' : `day:${this.clock.dayKey(t)}`;
  }

  private sortedGroups(): Group[] {
    if (!this.order) {
      const groups = [...this.groups.values()];
      if (this.mode === 'status') {
        const rank = (g: Group): number => STATUS_GROUPS.indexOf(statusGroupOfId(g.node.id) as StatusGroup);
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
}

function timeOf(entry: HistoryEntry): number {
  const t = Date.parse(entry.createdAt);
  return Number.isNaN(t) ? NO_TIME : t;
}
