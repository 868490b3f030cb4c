// One lifecycle pattern: DisposableBase disposes what an owner registered, last first, exactly once, and
// disposes at once what is registered too late. Then each plain-Node owner built on it, with its real
// collaborators where they are plain Node (files in a temp folder) and a fake clock for its timers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DisposableBase, toDisposable, type Disposable } from '../../src/common/lifecycle';
import { PollerElection, LEASE_FILE } from '../../src/history/election';
import { StatusPoller } from '../../src/history/poller';
import { RetentionService } from '../../src/history/retention';
import type { HistoryChange } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { BalanceBroadcast } from '../../src/balance/balanceBroadcast';
import { PanelSession } from '../../src/views/panelSession';
import { defaultSort, emptyFilter } from '../../src/panel/model';
import { FakeClock } from './fixtures/fakeClock';
import { removeDir, tempDir } from './fixtures/historyHelpers';

/** An owner that registers what the test hands it, as a real owner does in its constructor. */
class Owner extends DisposableBase {
  constructor(...owned: Disposable[]) {
    super();
    for (const d of owned) this._register(d);
  }

  add<T extends Disposable>(d: T): T {
    return this._register(d);
  }

  get disposedYet(): boolean {
    return this.isDisposed;
  }
}

/** A disposable that writes its name to `log` each time it is disposed. */
function recorder(log: string[], name: string): Disposable {
  return toDisposable(() => log.push(name));
}

/** A history whose subscriptions the test can count, with a log of unsubscriptions. */
function recordingHistory(log: string[], pending: HistoryEntry[] = []) {
  const listeners = new Set<(c: HistoryChange) => void>();
  return {
    listeners,
    all: (): readonly HistoryEntry[] => pending,
    get: (key: string): HistoryEntry | undefined => pending.find((e) => e.key === key),
    pending: (): HistoryEntry[] => pending,
    update: async (): Promise<HistoryEntry | undefined> => undefined,
    compact: async () => true,
    onDidChange(listener: (c: HistoryChange) => void): Disposable {
      listeners.add(listener);
      return toDisposable(() => {
        log.push('unsubscribe');
        listeners.delete(listener);
      });
    },
  };
}

/** A FakeClock that also logs each cancelled timer. */
class LoggingClock extends FakeClock {
  constructor(private readonly log: string[]) {
    super(Date.UTC(2030, 0, 1));
  }

  override clearTimeout(handle: unknown): void {
    this.log.push('clearTimer');
    super.clearTimeout(handle);
  }
}

describe('DisposableBase', () => {
  it('disposes what was registered in reverse order, once, even when one of them throws', () => {
    const log: string[] = [];
    const owner = new Owner(recorder(log, 'a'), toDisposable(() => {
      log.push('b');
      throw new Error('b fails');
    }), recorder(log, 'c'));
    owner.add(recorder(log, 'd'));
    assert.equal(owner.disposedYet, false);
    owner.dispose();
    assert.deepEqual(log, ['d', 'c', 'b', 'a'], 'last registered goes first; a throwing one does not stop the rest');
    assert.equal(owner.disposedYet, true);
    owner.dispose();
    assert.deepEqual(log, ['d', 'c', 'b', 'a'], 'a second dispose does nothing');
  });

  it('disposes at once what is registered after the owner was disposed, and still returns it', () => {
    const log: string[] = [];
    const owner = new Owner(recorder(log, 'early'));
    owner.dispose();
    const late = recorder(log, 'late');
    assert.equal(owner.add(late), late);
    assert.deepEqual(log, ['early', 'late']);
    owner.dispose();
    assert.deepEqual(log, ['early', 'late'], 'the late one is not kept to be disposed again');
  });

  it('takes any { dispose() } (no vscode needed), and `_register` returns what it was given', () => {
    let disposed = 0;
    const plain = { dispose: () => disposed++, extra: 42 };
    const owner = new Owner();
    assert.equal(owner.add(plain).extra, 42);
    owner.dispose();
    assert.equal(disposed, 1);
  });
});

describe('owners built on DisposableBase', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  it('StatusPoller: disposing drops the history subscription, then the timer (reverse of registration)', async () => {
    const log: string[] = [];
    const clock = new LoggingClock(log);
    // Sent just now: its first check is a base interval away, so the poller arms a timer for it.
    const at = new Date(clock.now()).toISOString();
    const sent: HistoryEntry = { key: 'k1', smsId: 1, destination: '393401234567', sender: 'Test', text: 'hi', account: 'a', state: 'sent', createdAt: at, updatedAt: at, parts: 1, rev: 1 };
    const history = recordingHistory(log, [sent]);
    const poller = new StatusPoller({ store: history, clock, checkStatus: () => Promise.reject(new Error('not asked')) });
    poller.start();
    assert.equal(history.listeners.size, 1);
    assert.equal(clock.pendingTimers, 1, 'the next check is armed');
    log.length = 0;
    poller.dispose();
    assert.equal(history.listeners.size, 0, 'no longer listening to the history');
    assert.equal(log[0], 'unsubscribe', 'the subscription (registered in start) goes first');
    assert.ok(log.includes('clearTimer'), 'then its timer is cancelled');
    assert.equal(clock.pendingTimers, 0);
    poller.start();
    assert.equal(history.listeners.size, 0, 'a disposed poller does not start again');
  });

  it('RetentionService: disposing cancels the armed run, and no later call arms another', () => {
    const log: string[] = [];
    const clock = new LoggingClock(log);
    const service = new RetentionService({ store: recordingHistory(log), limits: () => ({ maxAgeDays: 1, maxEntries: 1 }), clock });
    service.start();
    assert.equal(clock.pendingTimers, 1);
    service.dispose();
    assert.equal(clock.pendingTimers, 0);
    service.limitsChanged();
    assert.equal(clock.pendingTimers, 0, 'limitsChanged after dispose arms nothing');
  });

  it('PollerElection: disposing the leader steps down, deletes its lease and cancels its heartbeat', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const election = new PollerElection({ dir, owner: 'A', clock, heartbeatMs: 1000, isFocused: () => true });
    const told: boolean[] = [];
    election.onDidChange((leader) => told.push(leader));
    await election.start();
    await clock.advance(1000, () => election.settled());
    assert.equal(election.isLeader, true);
    assert.ok(fs.existsSync(path.join(dir, LEASE_FILE)));
    election.dispose();
    assert.equal(election.isLeader, false);
    assert.deepEqual(told, [true, false]);
    assert.equal(fs.existsSync(path.join(dir, LEASE_FILE)), false, 'the lease is gone, so another window takes over');
    assert.equal(clock.pendingTimers, 0);
  });

  it('PanelSession: disposing unsubscribes from the history, then cancels the pending push', () => {
    const log: string[] = [];
    const history = recordingHistory(log);
    const armed = new Set<string>();
    const session = new PanelSession({
      history,
      post: () => undefined,
      localize: (entries) => [...entries],
      later: (_work, ms) => {
        const name = ms === 0 ? 'warm' : 'push';
        armed.add(name);
        return toDisposable(() => {
          log.push(`cancel ${name}`);
          armed.delete(name);
        });
      },
    });
    session.answer({ seq: 1, start: 0, end: 10, filter: { ...emptyFilter }, sort: { ...defaultSort } });
    for (const l of history.listeners) l({ upserted: [], removed: ['gone'] });
    assert.ok(armed.has('push'), 'a change arms a push');
    session.dispose();
    assert.equal(history.listeners.size, 0);
    assert.equal(armed.size, 0, 'nothing left armed');
    assert.equal(log[0], 'unsubscribe', 'the subscription (registered last) goes first');
  });

  it('BalanceBroadcast: disposing closes the folder watcher its first listener opened', async () => {
    const watchers = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    const before = watchers();
    const broadcast = new BalanceBroadcast(dir);
    broadcast.onDidReceive(() => undefined);
    assert.equal(watchers(), before + 1, 'listening watches the folder');
    broadcast.dispose();
    // The handle is released on the loop's next turn; wait (bounded) for that positive change.
    for (let i = 0; i < 100 && watchers() > before; i++) await new Promise((r) => setImmediate(r));
    assert.equal(watchers(), before, 'disposed: the watcher is closed, nothing keeps the process alive');
    broadcast.onDidReceive(() => undefined);
    assert.equal(watchers(), before, 'a listener after dispose opens no watcher');
  });
});
