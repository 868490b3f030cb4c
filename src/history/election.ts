// One status poller for all windows: the windows sharing a history folder elect one through a
// lease file in it. Plain Node, no 'vscode'.
//
// The lease names its holder, when the holder last renewed it (its heartbeat) and whether the
// holder's window is focused. Every window looks at it each heartbeat:
//   - the holder renews it; it stays the poller while the file names it;
//   - another window takes it when it is missing, unreadable, older than `staleMs` (the holder's
//     window closed without saying so, or its extension host stalls), or held by an unfocused
//     window while this one is focused (polling follows the user, as it did per window);
//   - a claim counts only when the next look still finds it there, so two windows claiming at
//     once settle on the one whose rename came last instead of both polling.
// A closing window deletes its own lease, so the next one takes over at its next look.
// When the lease cannot be written at all (disk full, read-only folder), a window polls as if it
// were alone unless another window provably holds a fresh lease: statuses keep coming, at worst
// from every window as before elections.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIfExists, realFs, removeFile, writeFileDurable, type DurableFs } from '../common/durable';
import { isRecord } from '../gateway/values';
import { systemClock, type TimerClock } from './clock';
import { DisposableBase, toDisposable } from '../common/lifecycle';
import type { Disposable } from './types';

export const LEASE_FILE = 'poller.lease.json';
export const DEFAULT_HEARTBEAT_MS = 2000;
/** A lease not renewed for this long belongs to a window that closed or stalls. */
export const DEFAULT_STALE_MS = 3 * DEFAULT_HEARTBEAT_MS;

export interface Lease {
  owner: string;
  /** Clock time of the holder's last renewal. */
  heartbeatAt: number;
  focused: boolean;
}

/** Temp files of the lease and the shared balance (`<name>.<id>.tmp`), left only by a crash mid-write. */
const SHARED_TEMP_RE = /^(poller\.lease|balance)\.json\.[\w-]+\.tmp$/;
/** Older than this, a temp file's writer is gone (a write takes milliseconds). */
const TEMP_STALE_MS = 60_000;

/** Deletes what crashed lease and balance writes left in `dir`; failures only mean they stay a while longer. */
export async function sweepSharedTemps(dir: string, fs: DurableFs = realFs, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!SHARED_TEMP_RE.test(name)) continue;
    const file = path.join(dir, name);
    try {
      if (now - Number((await fs.stat(file)).mtimeMs) < TEMP_STALE_MS) continue;
      await removeFile(fs, file);
      removed++;
    } catch {
      // in use or unreadable: the next window start tries again
    }
  }
  return removed;
}

export function parseLease(text: string): Lease | undefined {
  try {
    const o = JSON.parse(text) as Partial<Lease> | null;
    if (
      isRecord(o) &&
      typeof o.owner === 'string' && o.owner.length > 0 &&
      typeof o.heartbeatAt === 'number' && Number.isFinite(o.heartbeatAt) &&
      typeof o.focused === 'boolean'
    ) {
      return { owner: o.owner, heartbeatAt: o.heartbeatAt, focused: o.focused };
    }
  } catch {
    // torn or foreign content: nobody holds it
  }
  return undefined;
}

export interface PollerElectionOptions {
  /** The shared history folder. */
  dir: string;
  /** Whether this window is focused now. */
  isFocused: () => boolean;
  clock?: TimerClock;
  heartbeatMs?: number;
  staleMs?: number;
  /** This window's id in the lease; random by default. */
  owner?: string;
  /** The file calls (the durable write's); tests hand in failing ones. */
  fs?: DurableFs;
  /** A lease read or write failed (the election goes on). */
  onError?: (err: unknown) => void;
}

/** Disposing it steps down and deletes the lease if it is this window's (the window is closing). */
export class PollerElection extends DisposableBase {
  readonly owner: string;
  private readonly file: string;
  private readonly clock: TimerClock;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly fs: DurableFs;
  private leader = false;
  /** Set after writing a claim, until the next look confirms or refutes it. */
  private claimed = false;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private again = false;
  /** When set, the next look comes then instead of a heartbeat later. */
  private confirmAt: number | undefined;
  private readonly listeners = new Set<(leader: boolean) => void>();

  constructor(private readonly options: PollerElectionOptions) {
    super();
    this._register(toDisposable(() => this.stepDown()));
    this.owner = options.owner ?? `${process.pid}-${randomBytes(6).toString('hex')}`;
    this.file = path.join(options.dir, LEASE_FILE);
    this.clock = options.clock ?? systemClock;
    this.heartbeatMs = Math.max(1, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.staleMs = Math.max(this.heartbeatMs * 2, options.staleMs ?? DEFAULT_STALE_MS);
    this.fs = options.fs ?? realFs;
  }

  /** True while this window is the one that polls. */
  get isLeader(): boolean {
    return this.leader && !this.isDisposed;
  }

  onDidChange(listener: (leader: boolean) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Takes the first look; later ones follow every heartbeat. */
  start(): Promise<void> {
    void sweepSharedTemps(this.options.dir, this.fs);
    return this.poke();
  }

  /** Looks at the lease now (focus changed, or a test wants a step); resolves when that look is done. */
  poke(): Promise<void> {
    if (this.isDisposed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.clearTimer();
    this.running = (async () => {
      do {
        this.again = false;
        await this.look();
      } while (this.again && !this.isDisposed);
    })().finally(() => {
      this.running = undefined;
      this.arm();
    });
    return this.running;
  }

  /** Resolves when no look is under way (tests step the clock, then wait for this). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private stepDown(): void {
    const wasLeader = this.leader || this.claimed;
    this.clearTimer();
    this.setLeader(false);
    this.listeners.clear();
    if (!wasLeader) return;
    // Synchronous: the extension host may exit right after dispose returns.
    try {
      if (parseLease(fs.readFileSync(this.file, 'utf8'))?.owner === this.owner) fs.rmSync(this.file, { force: true });
    } catch {
      // gone already, or unreadable: it goes stale on its own
    }
  }

  private async read(): Promise<{ lease?: Lease; unreadable: boolean }> {
    try {
      const text = await readIfExists(this.fs, this.file);
      return { lease: text === undefined ? undefined : parseLease(text.toString('utf8')), unreadable: false };
    } catch (err) {
      this.options.onError?.(err);
      return { unreadable: true };
    }
  }

  private async write(): Promise<boolean> {
    const lease: Lease = { owner: this.owner, heartbeatAt: this.clock.now(), focused: this.options.isFocused() };
    try {
      await writeFileDurable(this.file, JSON.stringify(lease), { fs: this.fs, what: 'the status poller lease', verify: (b) => parseLease(b.toString('utf8'))?.owner === this.owner });
      return true;
    } catch (err) {
      this.options.onError?.(err);
      return false;
    }
  }

  private async look(): Promise<void> {
    const { lease, unreadable } = await this.read();
    if (this.isDisposed) return;
    if (unreadable) {
      // Nobody can be told apart: poll as if alone rather than let statuses stop.
      this.claimed = false;
      this.setLeader(true);
      return;
    }
    const now = this.clock.now();
    const mine = lease?.owner === this.owner;
    const fresh = lease !== undefined && !mine && now - lease.heartbeatAt <= this.staleMs && lease.heartbeatAt <= now + this.staleMs;
    if (mine) {
      // Our claim survived a look (or we hold it): renew.
      this.claimed = false;
      // A failed renewal keeps polling: if the lease goes stale and another window takes it, the next look sees that.
      await this.write();
      if (this.isDisposed) return;
      this.setLeader(true);
      return;
    }
    if (fresh && !(lease.focused === false && this.options.isFocused())) {
      // Someone else holds it and should keep it.
      this.claimed = false;
      this.setLeader(false);
      return;
    }
    // Free, stale, or held by an unfocused window while we are focused.
    if (this.claimed) {
      // Our claim was overwritten by another claimant since: let theirs stand this round.
      this.claimed = false;
      this.setLeader(false);
      return;
    }
    const written = await this.write();
    if (this.isDisposed) return;
    if (written) {
      this.claimed = true;
      // Not leader until the next look finds the claim still there; a focused window taking over
      // from an unfocused holder waits one heartbeat, which the holder's window does not poll anyway.
      this.setLeader(false);
      this.armSoon();
    } else {
      // The lease cannot be written: coordinate nothing, poll as if alone (unless someone holds it fresh).
      this.setLeader(!fresh);
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    for (const l of [...this.listeners]) {
      try {
        l(leader);
      } catch {
        // a failing listener must not stop the election
      }
    }
  }

  /** The claim is confirmed a quarter heartbeat later, long enough for a rival's rename to land. */
  private armSoon(): void {
    this.confirmAt = this.clock.now() + Math.max(1, Math.floor(this.heartbeatMs / 4));
  }

  private arm(): void {
    if (this.isDisposed) return;
    this.clearTimer();
    const at = this.confirmAt ?? this.clock.now() + this.heartbeatMs;
    this.confirmAt = undefined;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.poke();
    }, Math.max(0, at - this.clock.now()));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
