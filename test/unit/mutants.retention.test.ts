// RetentionService's schedule and reports that retention.test.ts passes over (issue #10 item 11; docs/TESTING.md,
// "Mutation testing"): the default delays, the retry after a deferred prune, who is told what, a closed service.
// A real HistoryStore on disk; only the clock is a test double.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RetentionService, selectForRemoval, type RetentionLimits, type RetentionServiceOptions, type RetentionStore } from '../../src/history/retention';
import { HistoryStore, LOCK_FILE } from '../../src/history/store';
import type { EntryStatus, HistoryEntry } from '../../src/history/types';
import { FakeClock } from './fixtures/fakeClock';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 5, 1, 12);
const delivered: EntryStatus = { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true };
const pending: EntryStatus = { code: 32, label: 'Pending', statusClass: 'pending', final: false };
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('mutants: history, the retention service', function () {
  this.timeout(30_000);
  let dir: string;
  let clock: FakeClock;
  let store: HistoryStore;
  let limits: RetentionLimits;
  let limitReads: number;
  let compacts: Array<Promise<boolean>>;
  let seq = 0;
  const services: RetentionService[] = [];

  beforeEach(async () => {
    dir = tempDir();
    clock = new FakeClock(NOW);
    limits = { maxAgeDays: 30, maxEntries: 0 };
    limitReads = 0;
    compacts = [];
    store = await HistoryStore.open(dir, {
      clock,
      durable: false,
      watch: false,
      pollIntervalMs: 0,
      autoCompact: false,
      retention: (list, at) => selectForRemoval(list, at, limits),
    });
  });
  afterEach(async () => {
    for (const s of services.splice(0)) s.dispose();
    await store.close();
    removeDir(dir);
  });

  /** A delivered (or other) message recorded `ageDays` before NOW. */
  async function seed(ageDays: number, status: EntryStatus = delivered): Promise<HistoryEntry> {
    const saved = clock.t;
    clock.t = NOW - ageDays * DAY;
    try {
      const i = seq++;
      const e = await store.record(draft(i, { state: 'sent', smsId: 20_000 + i }));
      return (await store.update(e.key, { status }))!;
    } finally {
      clock.t = saved;
    }
  }

  /** The real store, with each compaction's promise kept so the test can wait for a run the clock started. */
  const watched = (): RetentionStore => ({
    all: () => store.all(),
    get: (k) => store.get(k),
    compact: () => {
      const p = store.compact();
      compacts.push(p);
      return p;
    },
  });
  const settle = async (): Promise<void> => {
    await flush();
    await Promise.all(compacts);
    await flush();
  };

  function service(extra: Partial<RetentionServiceOptions> = {}) {
    const pruned: number[] = [];
    const errors: unknown[] = [];
    const doubts: string[] = [];
    const s = new RetentionService({
      store: watched(),
      limits: () => {
        limitReads++;
        return limits;
      },
      clock,
      onPruned: (n) => pruned.push(n),
      onError: (e) => errors.push(e),
      onClockDoubt: (why) => doubts.push(why),
      ...extra,
    });
    services.push(s);
    return { s, pruned, errors, doubts, advance: (ms: number) => clock.advance(ms, settle) };
  }

  const holdLock = (): void =>
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'other-window', at: new Date().toISOString() }));
  const releaseLock = (): void => fs.rmSync(path.join(dir, LOCK_FILE));

  it('by default the first run comes 10 s after start, then one a day; a change of limits runs 1 s later', async () => {
    const { s, advance } = service();
    s.start();
    await advance(9_999);
    assert.equal(limitReads, 0);
    await advance(1);
    assert.equal(limitReads, 1);
    await advance(DAY - 1);
    assert.equal(limitReads, 1, 'not before a day');
    await advance(1);
    assert.equal(limitReads, 2);
    s.limitsChanged();
    await advance(999);
    assert.equal(limitReads, 2);
    await advance(1);
    assert.equal(limitReads, 3);
    // The change replaced the daily timer rather than adding one: the next run is a day after the change.
    assert.equal(clock.pendingTimers, 1);
  });

  it('a given initial delay and interval count', async () => {
    const { s, advance } = service({ initialDelayMs: 50, intervalMs: 1_000 });
    s.start();
    await advance(49);
    assert.equal(limitReads, 0);
    await advance(1);
    assert.equal(limitReads, 1);
    await advance(999);
    assert.equal(limitReads, 1);
    await advance(1);
    assert.equal(limitReads, 2);
  });

  it('an interval of 0 counts as 1 ms', async () => {
    const { s, advance } = service({ initialDelayMs: 0, intervalMs: 0 });
    s.start();
    await advance(0);
    assert.equal(limitReads, 1);
    await advance(1);
    assert.equal(limitReads, 2);
  });

  it('a run another window\'s lock defers: nobody is told of a prune, and it tries again a minute later (by default) until it gets through', async () => {
    const old = await seed(31);
    await seed(0, pending); // in flight: vouches for the clock
    holdLock();
    const { s, pruned, advance } = service({ initialDelayMs: 0 });
    s.start();
    await advance(0);
    assert.equal(limitReads, 1);
    assert.ok(store.get(old.key), 'kept while the lock is held');
    assert.deepEqual(pruned, [], 'nothing removed, nothing reported');
    await advance(59_999);
    assert.equal(limitReads, 1, 'the retry waits a minute');
    await advance(1);
    assert.equal(limitReads, 2, 'retried');
    assert.ok(store.get(old.key));
    releaseLock();
    await advance(60_000);
    assert.equal(limitReads, 3);
    assert.equal(store.get(old.key), undefined);
    assert.deepEqual(pruned, [1]);
    // Got through: the next run is the daily one, not another retry.
    await advance(60_000);
    assert.equal(limitReads, 3);
  });

  it('a given retry delay counts, and the result says the run was deferred', async () => {
    await seed(31);
    await seed(40);
    await seed(0, pending);
    holdLock();
    const { s, advance } = service({ retryMs: 500 });
    assert.deepEqual(await s.run(), { due: 2, removed: 0, deferred: true });
    await advance(499);
    assert.equal(limitReads, 1);
    await advance(1);
    assert.equal(limitReads, 2);
    releaseLock();
    assert.deepEqual(await s.run(), { due: 2, removed: 2, deferred: false });
  });

  it('a run with nothing due compacts nothing, reports nothing and schedules no retry', async () => {
    await seed(29);
    const { s, pruned } = service({ retryMs: 10 });
    assert.deepEqual(await s.run(), { due: 0, removed: 0, deferred: false });
    assert.equal(compacts.length, 0);
    assert.deepEqual(pruned, []);
    assert.equal(clock.pendingTimers, 0);
  });

  it('a closed service removes nothing and schedules nothing', async () => {
    const old = await seed(31);
    await seed(0, pending);
    const { s, pruned } = service();
    s.dispose();
    assert.deepEqual(await s.run(), { due: 0, removed: 0, deferred: false });
    assert.ok(store.get(old.key));
    s.start();
    s.limitsChanged();
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(pruned, []);
  });

  it('closing drops the schedule', async () => {
    const { s } = service();
    s.start();
    assert.equal(clock.pendingTimers, 1);
    s.dispose();
    assert.equal(clock.pendingTimers, 0);
  });

  it('a deferred run of a service closed meanwhile schedules no retry', async () => {
    await seed(31);
    await seed(0, pending);
    holdLock();
    const { s } = service();
    const running = s.run();
    s.dispose();
    assert.equal((await running).deferred, true);
    assert.equal(clock.pendingTimers, 0);
  });

  it('a clock in doubt is told to onClockDoubt, or else to onError, with the reason', async () => {
    await seed(31);
    await seed(0, pending);
    clock.t = NOW - 2 * DAY; // earlier than the newest message
    const told = service();
    const r = await told.s.run();
    assert.match(r.clockDoubt ?? '', /is earlier than the newest/);
    assert.equal(told.doubts.length, 1);
    assert.match(told.doubts[0], /^not removing messages by age: the clock .* Check the system clock\.$/);
    assert.deepEqual(told.errors, []);

    const errors: unknown[] = [];
    const untold = new RetentionService({ store: watched(), limits: () => limits, clock, onError: (e) => errors.push(e) });
    services.push(untold);
    await untold.run();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /not removing messages by age: the clock/);
  });

  it('a trusted clock tells nobody of doubt and the result carries none', async () => {
    await seed(31);
    await seed(0, pending);
    const { s, doubts, errors } = service();
    const r = await s.run();
    assert.deepEqual(r, { due: 1, removed: 1, deferred: false });
    assert.equal('clockDoubt' in r, false);
    assert.deepEqual(doubts, []);
    assert.deepEqual(errors, []);
  });

  it('the newest write vouches for a clock the messages alone would doubt; a failing lastWrite counts as none', async () => {
    await seed(100); // the only message: 100 days old, and the age limit 30 days would remove every message
    // (The store's own rule here is given no lastWrite, so it keeps the message; what the service plans is the point.)
    const vouched = service({ lastWrite: async () => NOW - DAY });
    const trusted = await vouched.s.run();
    assert.equal(trusted.due, 1);
    assert.equal(trusted.clockDoubt, undefined);
    assert.deepEqual(vouched.doubts, []);

    const failing = service({ lastWrite: () => Promise.reject(new Error('stat failed')) });
    const r = await failing.s.run();
    assert.equal(r.due, 0);
    assert.match(r.clockDoubt ?? '', /more than 30 days past/);
    assert.deepEqual(failing.errors, [], 'the failing lastWrite itself is not an error');
  });

  it('a run that throws is reported and the daily schedule goes on', async () => {
    let broken = true;
    const errors: unknown[] = [];
    const s = new RetentionService({
      store: watched(),
      limits: () => {
        limitReads++;
        if (broken) throw new Error('settings unreadable');
        return limits;
      },
      clock,
      initialDelayMs: 0,
      onError: (e) => errors.push(e),
    });
    services.push(s);
    s.start();
    await clock.advance(0, settle);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /settings unreadable/);
    broken = false;
    await clock.advance(DAY, settle);
    assert.equal(limitReads, 2);
    assert.equal(errors.length, 1);
  });

  it('a call while a run is under way waits for it, then runs again; a failed run does not stop the next', async () => {
    let fail = true;
    const s = new RetentionService({
      store: watched(),
      limits: () => {
        limitReads++;
        if (fail) {
          fail = false;
          throw new Error('once');
        }
        return limits;
      },
      clock,
    });
    services.push(s);
    const first = s.run();
    const second = s.run();
    await assert.rejects(first, /once/);
    assert.deepEqual(await second, { due: 0, removed: 0, deferred: false });
    assert.equal(limitReads, 2);
  });
});
