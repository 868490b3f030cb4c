// Asks the gateway for the delivery status of sent messages until each one is final. Plain Node.
//
// Schedule (from the last check of that message, or from when it was recorded):
//   younger than 1 min: every base interval (5 s by default)
//   younger than 10 min: every 3 × base (15 s)
//   younger than 1 h:    every 12 × base (60 s)
//   older:               every 60 × base (5 min)
// until its status is final or it is older than maxAgeMs (48 h): then it is simply no longer asked.
// A message whose check fails (not a "busy" error) waits twice as long each time, at most 1 h.
// A 1031 "temporarily unavailable" or any retryable error pauses the whole poller (10 s, doubling
// up to 10 min); afterwards one check at a time runs until one succeeds.
// The poller keeps its own due-time heap of pending messages, so a pass costs the number of
// pending messages (log-scaled), never the size of the history.
import type { StatusReport } from '../gateway/types';
import type { HistoryChange } from './store';
import type { Disposable, HistoryEntry, HistoryPatch } from './types';
import { systemClock, type TimerClock } from './clock';
import { DisposableBase, toDisposable } from '../common/lifecycle';
import { DueHeap } from './dueHeap';
import { awaitsStatus, DEFAULT_MAX_AGE_MS, shouldPoll } from './messageState';
import { statusPatch } from './statusPatch';

export type PollerClock = TimerClock;

/** What the poller needs from the history (HistoryStore has it). */
export interface PollerStore {
  /** Pollable entries (SMSId, status not final) recorded at most `maxAgeMs` before `now`. */
  pending(now?: number, maxAgeMs?: number): HistoryEntry[];
  get(key: string): HistoryEntry | undefined;
  update(key: string, patch: HistoryPatch): Promise<HistoryEntry | undefined>;
  onDidChange(listener: (change: HistoryChange) => void): Disposable;
}

/** The poller's settings (`status.*`); `updateSettings` replaces them while it runs. */
export interface PollerSettings {
  /** Most checks in flight at once. Default 4. */
  maxConcurrency?: number;
  /** Messages older than this are no longer asked about. Default 48 h. */
  maxAgeMs?: number;
  /** First interval of the schedule (the `status.pollIntervalSeconds` setting). Default 5000. */
  baseIntervalMs?: number;
}

export interface StatusPollerOptions extends PollerSettings {
  store: PollerStore;
  /** One status request for this entry's SMSId (the gateway client's `status`, with credentials bound). */
  checkStatus: (entry: HistoryEntry, signal: AbortSignal) => Promise<StatusReport>;
  clock?: PollerClock;
  /** Whether polling may run now (the window is focused). Also see `setActive`. */
  isActive?: () => boolean;
  /** A check brought this entry to a final status. */
  onFinal?: (entry: HistoryEntry) => void;
  /** A check failed (never called for checks cancelled by `dispose`). */
  onError?: (entry: HistoryEntry, err: unknown) => void;
}

export const DEFAULT_BASE_INTERVAL_MS = 5000;
export const BUSY_BACKOFF_FIRST_MS = 10_000;
export const BUSY_BACKOFF_MAX_MS = 10 * 60_000;
export const ENTRY_BACKOFF_MAX_MS = 3600_000;
/** While inactive according to `isActive()` alone, how often to look again. */
export const INACTIVE_RECHECK_MS = 30_000;

/** How long to wait before the next check of a message this old (see the schedule above). */
export function pollDelay(ageMs: number, baseMs: number = DEFAULT_BASE_INTERVAL_MS): number {
  if (ageMs < 60_000) return baseMs;
  if (ageMs < 10 * 60_000) return baseMs * 3;
  if (ageMs < 3600_000) return baseMs * 12;
  return baseMs * 60;
}

/** The gateway said "busy, try later" (1031) or the failure is safe to retry (network, time-out). */
export function isBusyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; retryable?: unknown };
  return e.code === 1031 || e.retryable === true;
}

interface Tracked {
  due: number;
  /** Failed checks in a row (not counting "busy"). */
  failures: number;
  /** When this window last finished a check of it. */
  lastTriedAt: number;
}

export class StatusPoller extends DisposableBase {
  private readonly store: PollerStore;
  private readonly clock: PollerClock;
  private maxConcurrency = 4;
  private maxAgeMs = DEFAULT_MAX_AGE_MS;
  private baseIntervalMs = DEFAULT_BASE_INTERVAL_MS;
  private readonly tracked = new Map<string, Tracked>();
  private readonly heap = new DueHeap();
  /** Due keys waiting for a free slot. */
  private queue: string[] = [];
  private readonly queued = new Set<string>();
  /** Keys asked for by refreshNow, served before the schedule and regardless of pauses. */
  private forced: string[] = [];
  private readonly forcedWaiters = new Map<string, Array<() => void>>();
  private readonly inFlight = new Map<string, { abort: AbortController; startedAt: number; done: Promise<void> }>();
  private idleWaiters: Array<() => void> = [];
  private timer: unknown;
  private started = false;
  private active = true;
  private busyFailures = 0;
  private pauseUntil = 0;
  private lastBusyAt = -Infinity;
  /** After a busy pause: one check at a time until one succeeds. */
  private recovering = false;

  constructor(private readonly options: StatusPollerOptions) {
    super();
    this._register(toDisposable(() => this.stop()));
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.applySettings(options);
  }

  private applySettings(s: PollerSettings): void {
    // NaN would disable the cap and arm NaN timers (nothing polled ever): fall back to the defaults.
    const finite = (v: number | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
    this.maxConcurrency = Math.max(1, Math.floor(finite(s.maxConcurrency, 4)));
    this.maxAgeMs = finite(s.maxAgeMs, DEFAULT_MAX_AGE_MS);
    this.baseIntervalMs = Math.max(1, finite(s.baseIntervalMs, DEFAULT_BASE_INTERVAL_MS));
  }

  /**
   * The `status.*` settings changed: the schedule is worked out again with the new interval, age
   * limit and concurrency. Checks under way go on (the poller is not rebuilt); a setting left out
   * goes back to its default.
   */
  updateSettings(settings: PollerSettings): void {
    if (this.isDisposed) return;
    this.applySettings(settings);
    if (!this.started) return;
    for (const key of [...this.tracked.keys()]) {
      const e = this.store.get(key);
      if (e && !this.inFlight.has(key)) this.track(e);
    }
    this.resync();
    this.tick();
  }

  /** Starts watching the history and checking what is due. */
  start(): void {
    if (this.started || this.isDisposed) return;
    this.started = true;
    this._register(this.store.onDidChange((c) => this.onStoreChange(c)));
    this.resync();
    this.tick();
  }

  /** The window gained (true) or lost (false) focus: polling pauses while inactive. */
  setActive(active: boolean): void {
    this.active = active;
    if (active && this.started && !this.isDisposed) {
      this.resync();
      this.tick();
    }
  }

  /**
   * Checks the given entries (or every pending one) now, ignoring the schedule, any pause and
   * focus; resolves when those checks are done. Explicit keys are checked even when older than maxAgeMs.
   */
  async refreshNow(keys?: readonly string[]): Promise<void> {
    if (this.isDisposed) return;
    const now = this.clock.now();
    const entries = keys
      ? keys.map((k) => this.store.get(k)).filter((e): e is HistoryEntry => e !== undefined && awaitsStatus(e))
      : this.store.pending(now, this.maxAgeMs);
    const waits = entries.map((e) => this.force(e.key));
    this.pump();
    await Promise.all(waits);
  }

  /** Resolves when no check is running or ready to run (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Disposing: checks under way are aborted, waiters released, nothing more is asked. */
  private stop(): void {
    this.clearTimer();
    for (const f of this.inFlight.values()) f.abort.abort();
    this.queue = [];
    this.queued.clear();
    this.forced = [];
    for (const ws of this.forcedWaiters.values()) ws.forEach((w) => w());
    this.forcedWaiters.clear();
    this.heap.clear();
    this.tracked.clear();
    this.notifyIdle();
  }

  // ---- scheduling ----------------------------------------------------------------------------

  private isActiveNow(): boolean {
    return this.active && (this.options.isActive?.() ?? true);
  }

  /** Whether the schedule still asks about it (messageState.ts: awaits a status, not `stale`). */
  private polls(e: HistoryEntry, now: number): boolean {
    return shouldPoll(e, { now, maxAgeMs: this.maxAgeMs });
  }

  private dueOf(e: HistoryEntry, t: Pick<Tracked, 'failures' | 'lastTriedAt'>): number {
    const created = Date.parse(e.createdAt);
    const polled = e.lastPolledAt ? Date.parse(e.lastPolledAt) : NaN;
    // Another window's check counts too (lastPolledAt is shared), so windows do not double up.
    const last = Math.max(created, Number.isFinite(polled) ? polled : created, t.lastTriedAt);
    let wait = pollDelay(last - created, this.baseIntervalMs);
    if (t.failures > 0) wait = Math.max(wait, Math.min(wait * 2 ** t.failures, ENTRY_BACKOFF_MAX_MS));
    return last + wait;
  }

  private track(e: HistoryEntry): number {
    const t = this.tracked.get(e.key) ?? { due: 0, failures: 0, lastTriedAt: 0 };
    const due = this.dueOf(e, t);
    if (this.tracked.get(e.key) !== t || due !== t.due) {
      t.due = due;
      this.tracked.set(e.key, t);
      this.heap.push(due, e.key);
    }
    return due;
  }

  /** Rebuilds the tracked set from the store's pending index (start, focus regained). */
  private resync(): void {
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const e of this.store.pending(now, this.maxAgeMs)) {
      seen.add(e.key);
      if (!this.inFlight.has(e.key)) this.track(e);
    }
    for (const key of this.tracked.keys()) if (!seen.has(key) && !this.inFlight.has(key)) this.tracked.delete(key);
  }

  private onStoreChange(change: HistoryChange): void {
    if (this.isDisposed) return;
    const now = this.clock.now();
    let earliest = Infinity;
    for (const key of change.removed) this.tracked.delete(key);
    for (const e of change.upserted) {
      if (this.inFlight.has(e.key)) continue; // rescheduled when its check ends
      if (!this.polls(e, now)) {
        this.tracked.delete(e.key);
        continue;
      }
      earliest = Math.min(earliest, this.track(e));
    }
    if (earliest < this.armedAt) this.armAt(earliest);
  }

  private armedAt = Infinity;

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private armAt(at: number): void {
    if (!this.started || this.isDisposed) return;
    this.clearTimer();
    this.armedAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.armedAt = Infinity;
      this.tick();
    }, Math.max(0, at - this.clock.now()));
  }

  /** Arms the timer for the earliest due check (or the end of a pause). */
  private armNext(): void {
    for (;;) {
      const top = this.heap.peek();
      if (!top) {
        this.clearTimer();
        return;
      }
      const t = this.tracked.get(top.key);
      if (!t || t.due !== top.due || this.inFlight.has(top.key) || this.queued.has(top.key)) {
        this.heap.pop(); // stale: rescheduled, finished, or already waiting for a slot
        continue;
      }
      this.armAt(Math.max(top.due, this.pauseUntil));
      return;
    }
  }

  private tick(): void {
    if (!this.started || this.isDisposed) return;
    const now = this.clock.now();
    if (!this.isActiveNow()) {
      this.clearTimer();
      // With only a focus callback nobody tells us when focus returns: look again later.
      if (this.active && this.options.isActive) this.armAt(now + INACTIVE_RECHECK_MS);
      return;
    }
    if (now < this.pauseUntil) {
      this.armAt(this.pauseUntil);
      return;
    }
    for (let top = this.heap.peek(); top && top.due <= now; top = this.heap.peek()) {
      this.heap.pop();
      const t = this.tracked.get(top.key);
      if (!t || t.due !== top.due || this.inFlight.has(top.key) || this.queued.has(top.key)) continue;
      const e = this.store.get(top.key);
      if (!e || !this.polls(e, now)) {
        this.tracked.delete(top.key);
        continue;
      }
      this.queue.push(top.key);
      this.queued.add(top.key);
    }
    this.pump();
    this.armNext();
  }

  private force(key: string): Promise<void> {
    const running = this.inFlight.get(key);
    if (running) return running.done;
    return new Promise((resolve) => {
      const ws = this.forcedWaiters.get(key);
      if (ws) ws.push(resolve);
      else {
        this.forcedWaiters.set(key, [resolve]);
        this.forced.push(key);
      }
    });
  }

  private releaseForced(key: string): void {
    const ws = this.forcedWaiters.get(key);
    this.forcedWaiters.delete(key);
    ws?.forEach((w) => w());
  }

  /** Starts queued checks while slots are free. */
  private pump(): void {
    if (this.isDisposed) return;
    for (;;) {
      const capacity = this.recovering && this.forced.length === 0 ? 1 : this.maxConcurrency;
      if (this.inFlight.size >= capacity) break;
      let key = this.forced.shift();
      if (key === undefined) {
        const now = this.clock.now();
        if (!this.isActiveNow() || now < this.pauseUntil) break;
        key = this.queue.shift();
        if (key === undefined) break;
        this.queued.delete(key);
        const t = this.tracked.get(key);
        if (!t || t.due > now || this.inFlight.has(key)) continue; // a forced check already did it
      } else if (this.inFlight.has(key)) {
        continue; // its waiters are released when that check ends
      }
      const e = this.store.get(key);
      if (!e || !awaitsStatus(e)) {
        this.releaseForced(key);
        continue;
      }
      this.launch(e);
    }
    this.notifyIdle();
  }

  private launch(e: HistoryEntry): void {
    const abort = new AbortController();
    const startedAt = this.clock.now();
    const slot = { abort, startedAt, done: Promise.resolve() };
    this.inFlight.set(e.key, slot);
    slot.done = this.runCheck(e, abort.signal, startedAt).finally(() => this.finish(e.key));
  }

  private async runCheck(e: HistoryEntry, signal: AbortSignal, startedAt: number): Promise<void> {
    try {
      const report = await this.options.checkStatus(e, signal);
      if (this.isDisposed) return;
      await this.apply(e, report);
      this.noteSuccess(e.key, startedAt);
    } catch (err) {
      if (this.isDisposed || signal.aborted) return;
      this.noteFailure(e, err, startedAt);
    }
  }

  private async apply(e: HistoryEntry, report: StatusReport): Promise<void> {
    const current = this.store.get(e.key);
    if (!current) return; // removed meanwhile
    if (report.smsId !== current.smsId) {
      throw new Error(`The status answer was for SMS ID ${report.smsId}, not ${String(current.smsId)}.`);
    }
    if (current.status?.final) return; // final already (maybe from another window): never move it back
    const updated = await this.store.update(e.key, statusPatch(report, new Date(this.clock.now()).toISOString()));
    if (updated?.status?.final && !this.isDisposed) this.options.onFinal?.(updated);
  }

  private noteSuccess(key: string, startedAt: number): void {
    const t = this.tracked.get(key);
    if (t) t.failures = 0;
    // Only a check started after the last "busy" answer proves the gateway is back.
    if (startedAt > this.lastBusyAt) {
      this.busyFailures = 0;
      this.pauseUntil = 0;
      this.recovering = false;
    }
  }

  private noteFailure(e: HistoryEntry, err: unknown, startedAt: number): void {
    const now = this.clock.now();
    if (isBusyError(err)) {
      // Checks that were already under way when the gateway first said "busy" do not double the pause again.
      if (startedAt > this.lastBusyAt) {
        this.busyFailures++;
        this.pauseUntil = now + Math.min(BUSY_BACKOFF_FIRST_MS * 2 ** (this.busyFailures - 1), BUSY_BACKOFF_MAX_MS);
      }
      this.lastBusyAt = Math.max(this.lastBusyAt, now);
      this.recovering = true;
    } else {
      const t = this.tracked.get(e.key) ?? { due: 0, failures: 0, lastTriedAt: 0 };
      t.failures++;
      this.tracked.set(e.key, t);
    }
    try {
      this.options.onError?.(e, err);
    } catch {
      // a failing listener must not stop polling
    }
  }

  private finish(key: string): void {
    this.inFlight.delete(key);
    if (this.isDisposed) {
      this.notifyIdle();
      return;
    }
    const e = this.store.get(key);
    const now = this.clock.now();
    if (e && this.polls(e, now)) {
      const t = this.tracked.get(key) ?? { due: 0, failures: 0, lastTriedAt: 0 };
      t.lastTriedAt = now;
      t.due = 0; // force a fresh heap item
      this.tracked.set(key, t);
      this.track(e);
    } else {
      this.tracked.delete(key);
    }
    this.releaseForced(key);
    this.pump();
    this.armNext();
  }

  private isIdle(): boolean {
    if (this.isDisposed) return true;
    if (this.inFlight.size > 0 || this.forced.length > 0) return false;
    return this.queue.length === 0 || !this.isActiveNow() || this.clock.now() < this.pauseUntil;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    ws.forEach((w) => w());
  }
}
