// How long the message history keeps messages, and the service that applies it. Plain Node.
//
// The rule (the settings inviosmart.history.maxAgeDays and inviosmart.history.maxEntries):
//   1. A message whose state is not final (messageState.ts `isFinal`) is never removed: being sent,
//      outcome unknown, held for cost confirmation, or sent without a final delivery status yet
//      (also once the poller stopped checking it). Only the user settles those.
//   2. Age comes first: every other message recorded more than maxAgeDays ago is removed.
//   3. Then count: while more than maxEntries messages remain, the oldest (by recorded time)
//      that are not in flight are removed, even when younger than maxAgeDays. In-flight
//      messages count towards maxEntries, so they can keep the history above it.
//   0 turns a limit off. A message is never removed for any other reason.
//
// Removal happens inside the store's compaction (HistoryStore option `retention`): the rule is
// applied to everything the compacting window has read, under the compaction lock, and each removed
// key becomes a tombstone in the new snapshot, so every other window drops it too and a late write
// from a window that had not seen the removal yet cannot bring it back. A message another window
// records while this one compacts lands in the new journal, which this compaction never looks at:
// it can only be judged by a later compaction, so a new message is never lost to a race.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DisposableBase, toDisposable } from '../common/lifecycle';
import type { EntryList, HistoryEntry } from './types';
import { systemClock, type TimerClock } from './clock';
import { isFinal } from './messageState';

export interface RetentionLimits {
  /** Days; 0 keeps messages forever. */
  maxAgeDays: number;
  /** 0 for no limit. */
  maxEntries: number;
}

export const DEFAULT_RETENTION: RetentionLimits = { maxAgeDays: 365, maxEntries: 100_000 };

const DAY_MS = 86_400_000;

/** Limits as given by a user (any number), made whole and non-negative; non-numbers fall back to the defaults. */
export function normalizeLimits(limits: Partial<RetentionLimits>): RetentionLimits {
  const whole = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.floor(v)) : fallback);
  return { maxAgeDays: whole(limits.maxAgeDays, DEFAULT_RETENTION.maxAgeDays), maxEntries: whole(limits.maxEntries, DEFAULT_RETENTION.maxEntries) };
}

/** How far behind the newest message the clock may be (a small correction) before it is not trusted. */
export const CLOCK_SLACK_MS = 10 * 60_000;

/**
 * Why the clock cannot be trusted to judge ages, or undefined when it can. The age rule is only as
 * good as the clock: a clock set back would keep nothing safe, and one jumped years ahead would
 * remove the whole settled history in every window. So age pruning waits when:
 *   - the clock is earlier than the newest message (or the newest history write) was recorded;
 *   - or the clock is so far past the newest message and the newest write to the history folder
 *     that the age rule would remove every message, the newest included. A message sent (or any
 *     write) with the clock as it is now confirms it, and pruning resumes.
 * The count limit does not depend on the clock and always applies.
 */
export function clockDoubt(newestFirst: EntryList, now: number, limits: RetentionLimits, lastWriteMs?: number): string | undefined {
  const newest = newestFirst.at(0);
  const times = [newest && Date.parse(newest.createdAt), newest && Date.parse(newest.updatedAt), lastWriteMs].filter(
    (t): t is number => typeof t === 'number' && Number.isFinite(t),
  );
  if (times.length === 0) return undefined;
  const latest = Math.max(...times);
  const iso = (t: number): string => new Date(t).toISOString();
  if (!Number.isFinite(now)) return 'the clock gives no time';
  if (now < latest - CLOCK_SLACK_MS) {
    return `the clock (${iso(now)}) is earlier than the newest history entry or write (${iso(latest)})`;
  }
  const { maxAgeDays } = normalizeLimits(limits);
  if (maxAgeDays > 0 && now - latest > maxAgeDays * DAY_MS) {
    return `the clock (${iso(now)}) is more than ${maxAgeDays} days past the newest history entry or write (${iso(latest)}), so the age limit would remove every message`;
  }
  return undefined;
}

/** What the rule removes now, and why the age limit was left out when the clock is in doubt. */
export interface RemovalPlan {
  keys: string[];
  clockDoubt?: string;
}

/**
 * The keys the rule removes now, oldest first, with the age limit left out when the clock is in
 * doubt (see clockDoubt). `newestFirst` is the whole history as the store keeps it (newest first by
 * createdAt). Stops at the first message both limits keep, so the cost is the number removed (plus
 * in-flight messages passed over), not the size of the history.
 */
export function planRemoval(newestFirst: EntryList, now: number, limits: RetentionLimits, lastWriteMs?: number): RemovalPlan {
  const doubt = clockDoubt(newestFirst, now, limits, lastWriteMs);
  const { maxAgeDays, maxEntries } = normalizeLimits(limits);
  const cutoff = maxAgeDays > 0 && !doubt ? now - maxAgeDays * DAY_MS : -Infinity;
  let excess = maxEntries > 0 ? newestFirst.length - maxEntries : 0;
  const out: string[] = [];
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const e = newestFirst.at(i) as HistoryEntry;
    const created = Date.parse(e.createdAt);
    // An unreadable time is never "too old"; the count limit may still take it.
    const expired = created < cutoff;
    if (!expired && excess <= 0) break;
    if (!isFinal(e)) continue; // outcome or delivery not settled: kept whatever its age
    out.push(e.key);
    excess--;
  }
  return { keys: out, clockDoubt: doubt };
}

/** The keys the rule removes now, oldest first (planRemoval without the reason). */
export function selectForRemoval(newestFirst: EntryList, now: number, limits: RetentionLimits): string[] {
  return planRemoval(newestFirst, now, limits).keys;
}

/** The newest modification time of the files in a folder (the history journal and snapshot), if any. */
export async function newestWriteIn(dir: string): Promise<number | undefined> {
  let newest: number | undefined;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const st = await fs.stat(path.join(dir, name));
      if (st.isFile()) newest = Math.max(newest ?? -Infinity, st.mtimeMs);
    } catch {
      // gone meanwhile
    }
  }
  return newest;
}

/** The store as retention sees it (HistoryStore has it). */
export interface RetentionStore {
  all(): readonly HistoryEntry[];
  /** The same, each entry made when read (the store's: the rule stops at the first message it keeps). */
  newestFirstList?(): EntryList;
  get(key: string): HistoryEntry | undefined;
  /** Folds the journal into a snapshot, applying the retention rule; false when another window holds the lock. */
  compact(): Promise<boolean>;
}

export type RetentionClock = TimerClock;

export interface RetentionServiceOptions {
  store: RetentionStore;
  /** Read at every run, so a changed setting counts from the next one. */
  limits: () => RetentionLimits;
  clock?: RetentionClock;
  /** First run after `start`; default 10 s, so it does not compete with the window starting up. */
  initialDelayMs?: number;
  /** Then one run every this often; default a day. */
  intervalMs?: number;
  /** After a run that could not compact (another window held the lock), try again this soon; default 1 min. */
  retryMs?: number;
  /** The newest write to the history folder (ms), to judge the clock by; see clockDoubt. */
  lastWrite?: () => Promise<number | undefined>;
  /** A run removed messages. */
  onPruned?: (removed: number) => void;
  /** A run left the age limit out because the clock is in doubt (the reason, in English, for the log). */
  onClockDoubt?: (reason: string) => void;
  onError?: (err: unknown) => void;
}

export interface RetentionResult {
  /** Messages beyond the limits when the run started. */
  due: number;
  /** Of those, how many are gone now. */
  removed: number;
  /** The compaction did not run (another window was compacting); a retry is scheduled. */
  deferred: boolean;
  /** Set when the age limit was left out because the clock is in doubt. */
  clockDoubt?: string;
}

/**
 * Applies the retention rule at start-up, once a day and when the limits change, by compacting the
 * store when something is beyond them (the store's compaction does the removing). Compactions the
 * store runs on its own apply the rule as well.
 */
export class RetentionService extends DisposableBase {
  private readonly clock: RetentionClock;
  private readonly intervalMs: number;
  private readonly retryMs: number;
  private timer: unknown;
  private running: Promise<RetentionResult> | undefined;

  constructor(private readonly options: RetentionServiceOptions) {
    super();
    this._register(toDisposable(() => this.clearTimer()));
    this.clock = options.clock ?? systemClock;
    this.intervalMs = Math.max(1, options.intervalMs ?? DAY_MS);
    this.retryMs = Math.max(1, options.retryMs ?? 60_000);
  }

  /** Schedules the first run (then daily). */
  start(): void {
    this.schedule(this.options.initialDelayMs ?? 10_000);
  }

  /** The limits changed: run soon. */
  limitsChanged(): void {
    this.schedule(1000);
  }

  /**
   * Applies the rule now. Runs one at a time: a call while a run is under way waits for it and
   * then runs again (the history may have changed meanwhile).
   */
  run(): Promise<RetentionResult> {
    if (this.running) return this.running.catch(() => undefined).then(() => this.run());
    const run = this.runOnce().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async runOnce(): Promise<RetentionResult> {
    if (this.isDisposed) return { due: 0, removed: 0, deferred: false };
    const { store } = this.options;
    const lastWrite = await this.options.lastWrite?.().catch(() => undefined);
    const plan = planRemoval(store.newestFirstList?.() ?? store.all(), this.clock.now(), this.options.limits(), lastWrite);
    if (plan.clockDoubt) {
      const why = `not removing messages by age: ${plan.clockDoubt}. Check the system clock.`;
      if (this.options.onClockDoubt) this.options.onClockDoubt(why);
      else this.options.onError?.(new Error(why));
    }
    const due = plan.keys;
    const doubt = plan.clockDoubt ? { clockDoubt: plan.clockDoubt } : {};
    if (due.length === 0) return { due: 0, removed: 0, deferred: false, ...doubt };
    const compacted = await store.compact();
    const removed = due.filter((k) => store.get(k) === undefined).length;
    if (removed > 0) this.options.onPruned?.(removed);
    // Whoever holds the lock applies the same rule; if it did not get everything, look again soon.
    const deferred = !compacted && removed < due.length;
    if (deferred && !this.isDisposed) this.schedule(this.retryMs);
    return { due: due.length, removed, deferred, ...doubt };
  }

  private schedule(ms: number): void {
    if (this.isDisposed) return;
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // The daily run is armed first, so a failing run does not end the schedule.
      this.schedule(this.intervalMs);
      this.run().catch((err) => this.options.onError?.(err));
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
