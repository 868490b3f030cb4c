// Mutation-testing gaps of the status poller's edges (poller.ts) and of the time slicer (slices.ts):
// schedule boundaries, back-off caps, settings that fall back, answers for another SMS (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import { formatStatusLine, parseStatusAnswer } from '../../src/gateway/protocol';
import { gatewayCodeError } from '../../src/gateway/errors';
import type { StatusReport } from '../../src/gateway/types';
import {
  BUSY_BACKOFF_FIRST_MS,
  BUSY_BACKOFF_MAX_MS,
  DEFAULT_BASE_INTERVAL_MS,
  ENTRY_BACKOFF_MAX_MS,
  isBusyError,
  pollDelay,
  StatusPoller,
  type StatusPollerOptions,
} from '../../src/history/poller';
import { noSlices, timeSlicer } from '../../src/history/slices';
import { HistoryStore } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { FakeClock } from './fixtures/fakeClock';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;

describe('mutants: history poller', () => {
  it('pollDelay: each step of the schedule starts exactly at its age', () => {
    assert.equal(DEFAULT_BASE_INTERVAL_MS, 5000);
    const cases: Array<[number, number]> = [
      [0, 1],
      [MIN - 1, 1],
      [MIN, 3],
      [10 * MIN - 1, 3],
      [10 * MIN, 12],
      [60 * MIN - 1, 12],
      [60 * MIN, 60],
      [48 * 60 * MIN, 60],
    ];
    for (const [age, times] of cases) {
      assert.equal(pollDelay(age), times * 5000, `age ${age}`);
      assert.equal(pollDelay(age, 2000), times * 2000, `age ${age}, base 2 s`);
    }
  });

  it('isBusyError: a 1031 or anything marked retryable; nothing else', () => {
    assert.equal(isBusyError({ code: 1031 }), true);
    assert.equal(isBusyError({ code: 1030, retryable: true }), true);
    assert.equal(isBusyError({ code: 1030, retryable: false }), false);
    assert.equal(isBusyError({ retryable: 'yes' }), false);
    assert.equal(isBusyError({ code: '1031' }), false);
    for (const v of [null, undefined, 1031, 'busy']) assert.equal(isBusyError(v), false, String(v));
  });

  describe('with a store and a fake clock', () => {
    let dir: string;
    let store: HistoryStore;
    let clock: FakeClock;
    let poller: StatusPoller | undefined;
    let calls: Array<{ key: string; at: number }>;
    let answer: (e: HistoryEntry) => StatusReport | Error;

    beforeEach(async () => {
      dir = tempDir();
      clock = new FakeClock(T0);
      store = await HistoryStore.open(dir, { clock, durable: false, watch: false, pollIntervalMs: 0 });
      calls = [];
      answer = (e) => report(e.smsId!, 1);
    });
    afterEach(async () => {
      poller?.dispose();
      poller = undefined;
      await store.close();
      removeDir(dir);
    });

    function report(smsId: number, status: number): StatusReport {
      return parseStatusAnswer(formatStatusLine({ smsId, submittedOn: '20300101120000', destination: '393401234567', deliveredOn: '', status, quantity: 1, charge: '0.055' }), smsId);
    }
    const check = async (e: HistoryEntry): Promise<StatusReport> => {
      calls.push({ key: e.key, at: clock.now() });
      const a = answer(e);
      if (a instanceof Error) throw a;
      return a;
    };
    function start(extra: Partial<StatusPollerOptions> = {}): StatusPoller {
      poller = new StatusPoller({ store, checkStatus: check, clock, ...extra });
      poller.start();
      return poller;
    }
    async function settle(): Promise<void> {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        await poller?.idle();
      }
    }
    const advance = (ms: number): Promise<void> => clock.advance(ms, settle);
    async function sent(i: number): Promise<HistoryEntry> {
      const e = await store.record(draft(i));
      return (await store.update(e.key, { smsId: 7000 + i, state: 'sent' }))!;
    }
    const secondsOf = (key: string): number[] => calls.filter((c) => c.key === key).map((c) => (c.at - T0) / SEC);

    it('settings that are not numbers fall back to the defaults; a cap below 1 is 1', async () => {
      for (let i = 0; i < 6; i++) await sent(i);
      start({ maxConcurrency: NaN, baseIntervalMs: NaN, maxAgeMs: NaN });
      await advance(5 * SEC);
      assert.equal(calls.length, 6, 'the default base interval (5 s), every message asked');
      poller!.dispose();
      calls = [];
      let inFlight = 0;
      let most = 0;
      poller = new StatusPoller({
        store,
        clock,
        maxConcurrency: 0,
        checkStatus: async (e) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setImmediate(r));
          inFlight--;
          return check(e);
        },
      });
      poller.start();
      await advance(5 * SEC);
      assert.equal(most, 1, 'a cap of 0 still lets one check run, one at a time');
      assert.equal(calls.length, 6, 'and every message got its turn');
    });

    it('a message whose checks keep failing waits twice as long each time, at most an hour', async () => {
      const e = await sent(1);
      answer = () => gatewayCodeError('status', 1028, 'Error: 1028 - No valid parameters given');
      const errors: unknown[] = [];
      start({ onError: (_e, err) => errors.push(err) });
      await advance(3 * 60 * MIN);
      const at = secondsOf(e.key);
      const gaps = at.slice(1).map((t, i) => t - at[i]);
      // 5 s base while young, doubling: 10, 20, 40, 80 (now older than a minute: 15 s base × 2^n) …
      assert.equal(at[0], 5);
      assert.ok(gaps.every((g, i) => i === 0 || g >= gaps[i - 1]), `gaps never shrink: ${gaps.join(', ')}`);
      assert.equal(Math.max(...gaps), ENTRY_BACKOFF_MAX_MS / SEC, `capped at an hour: ${gaps.join(', ')}`);
      assert.equal(errors.length, at.length);
    });

    it('a gateway that stays busy pauses the poller longer each time, at most 10 minutes', async () => {
      await sent(1);
      answer = () => gatewayCodeError('status', 1031, 'Error: 1031 - Service temporarily unavailable');
      start();
      await advance(60 * MIN);
      const gaps = calls.slice(1).map((c, i) => (c.at - calls[i].at) / SEC);
      assert.deepEqual(gaps.slice(0, 7), [10, 20, 40, 80, 160, 320, 600]);
      assert.ok(gaps.slice(6).every((g) => g === BUSY_BACKOFF_MAX_MS / SEC), gaps.join(', '));
      assert.equal(BUSY_BACKOFF_FIRST_MS, 10 * SEC);
    });

    it('an answer about another SMS is an error, and changes nothing', async () => {
      const e = await sent(1);
      answer = () => report(999, 2048);
      const errors: string[] = [];
      const finals: HistoryEntry[] = [];
      start({ onError: (_e, err) => errors.push((err as Error).message), onFinal: (f) => finals.push(f) });
      await advance(5 * SEC);
      assert.equal(errors.length, 1);
      assert.match(errors[0], /999/);
      assert.match(errors[0], /7001/);
      assert.equal(store.get(e.key)!.status, undefined);
      assert.deepEqual(finals, []);
    });

    it('a final answer is reported once, with the entry as stored; a listener that throws stops nothing', async () => {
      const a = await sent(1);
      const b = await sent(2);
      answer = (e) => report(e.smsId!, e.key === a.key ? 2048 : 1);
      const finals: string[] = [];
      start({
        onFinal: (f) => {
          finals.push(`${f.key}:${f.status?.label}:${f.state}`);
          throw new Error('listener failed');
        },
        onError: () => {
          throw new Error('listener failed too');
        },
      });
      await advance(5 * SEC);
      assert.equal(finals.length, 1);
      assert.ok(finals[0].startsWith(`${a.key}:`) && finals[0].endsWith(':sent'), finals[0]);
      await advance(30 * SEC);
      assert.equal(finals.length, 1, 'not again');
      assert.ok(secondsOf(b.key).length >= 3, 'the other message is still checked');
      assert.equal(secondsOf(a.key).length, 1);
    });

    it('after dispose: updateSettings, start and refreshNow do nothing', async () => {
      await sent(1);
      const p = start();
      p.dispose();
      p.updateSettings({ baseIntervalMs: 1000 });
      p.start();
      await p.refreshNow();
      await advance(MIN);
      assert.equal(calls.length, 0);
      await p.idle();
    });

    it('updateSettings before start only stores the settings', async () => {
      const e = await sent(1);
      poller = new StatusPoller({ store, checkStatus: check, clock });
      poller.updateSettings({ baseIntervalMs: 2000 });
      await advance(10 * SEC);
      assert.equal(calls.length, 0, 'not started');
      poller.start();
      await settle();
      await advance(2 * SEC);
      assert.deepEqual(secondsOf(e.key), [10, 12], 'due at once, then at the new interval');
    });
  });
});

describe('mutants: history time slicer', () => {
  it('gives a turn only every 64 steps, and only once the budget is spent', async () => {
    let t = 0;
    const slicer = timeSlicer(8, () => t);
    for (let i = 1; i < 64; i++) {
      t += 100;
      assert.equal(slicer.step(), undefined, `step ${i}`);
    }
    const turn = slicer.step();
    assert.ok(turn instanceof Promise, 'the 64th step, past the budget');
    await turn;
    t += 7;
    for (let i = 1; i < 64; i++) assert.equal(slicer.step(), undefined);
    assert.equal(slicer.step(), undefined, 'within the budget since the turn: no turn');
    t += 1;
    for (let i = 1; i < 64; i++) slicer.step();
    assert.ok(slicer.step() instanceof Promise, 'exactly the budget spent: a turn');
  });

  it('the budget is measured from the end of the last turn', async () => {
    let t = 1000;
    const slicer = timeSlicer(10, () => t);
    t = 1020;
    for (let i = 1; i < 64; i++) slicer.step();
    const turn = slicer.step();
    assert.ok(turn);
    t = 1030;
    await turn;
    t = 1039;
    for (let i = 1; i < 64; i++) slicer.step();
    assert.equal(slicer.step(), undefined, '9 ms after the turn ended');
  });

  it('a turn really lets other work run first; noSlices never yields', async () => {
    let t = 0;
    const slicer = timeSlicer(1, () => t);
    t = 5;
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    for (let i = 1; i < 64; i++) slicer.step();
    await slicer.step();
    assert.equal(ran, true);
    for (let i = 0; i < 200; i++) assert.equal(noSlices.step(), undefined);
  });
});
