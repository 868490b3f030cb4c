// The bulk rate limit (issue #10 item 11; docs/TESTING.md, "Mutation testing"): the sliding one-second
// window at its edge, how a limit given as a fraction or as none is read, and cancel while waiting. The
// clock is the test's: time moves only by the waits the limiter asks for.
import * as assert from 'node:assert/strict';
import { RateLimiter, realClock, type BulkClock } from '../../src/bulk/clock';

class StepClock implements BulkClock {
  t = 10_000;
  readonly waits: number[] = [];
  /** When set, a wait is refused the way an aborted sleep is. */
  abortOnWait?: AbortController;
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.waits.push(ms);
    if (this.abortOnWait) {
      this.abortOnWait.abort();
      return Promise.reject(signal?.reason ?? new Error('aborted'));
    }
    this.t += ms;
    return Promise.resolve();
  }
}

describe('mutants: bulk, the rate limit', () => {
  it('a burst up to the limit goes at once; the next waits for the oldest start to leave the window', async () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(2, clock);
    assert.equal(await limiter.acquire(), true);
    clock.t += 300;
    assert.equal(await limiter.acquire(), true);
    assert.deepEqual(clock.waits, []);
    assert.equal(await limiter.acquire(), true);
    assert.deepEqual(clock.waits, [700], 'until exactly one second after the first start');
    assert.equal(clock.t, 11_000);
    // The window now holds the starts at 10,300 and 11,000: the next may go at 11,300.
    assert.equal(await limiter.acquire(), true);
    assert.deepEqual(clock.waits, [700, 300]);
  });

  it('a start exactly one second old has left the window; one a millisecond younger has not', async () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(1, clock);
    await limiter.acquire();
    clock.t += 999;
    await limiter.acquire();
    assert.deepEqual(clock.waits, [1]);
    clock.t += 1000;
    await limiter.acquire();
    assert.deepEqual(clock.waits, [1], 'no wait at exactly one second');
  });

  it('a fraction is rounded down, but never below one a second', async () => {
    for (const [perSecond, burst] of [[2.9, 2], [0.5, 1], [1, 1]] as const) {
      const clock = new StepClock();
      const limiter = new RateLimiter(perSecond, clock);
      for (let i = 0; i < burst; i++) await limiter.acquire();
      assert.deepEqual(clock.waits, [], `${perSecond}: ${burst} at once`);
      await limiter.acquire();
      assert.equal(clock.waits.length, 1, `${perSecond}: then a wait`);
    }
  });

  it('0, a negative number, Infinity or NaN mean no limit; an aborted signal still says no', async () => {
    for (const perSecond of [0, -3, Infinity, Number.NaN]) {
      const clock = new StepClock();
      const limiter = new RateLimiter(perSecond, clock);
      for (let i = 0; i < 50; i++) assert.equal(await limiter.acquire(), true);
      assert.deepEqual(clock.waits, [], String(perSecond));
      const aborted = new AbortController();
      aborted.abort();
      assert.equal(await limiter.acquire(aborted.signal), false, String(perSecond));
      assert.equal(await limiter.acquire(new AbortController().signal), true);
    }
  });

  it('an aborted signal takes no slot; an abort during the wait gives up', async () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(1, clock);
    const aborted = new AbortController();
    aborted.abort();
    assert.equal(await limiter.acquire(aborted.signal), false);
    assert.equal(await limiter.acquire(), true, 'the slot was not taken by the refused start');
    assert.deepEqual(clock.waits, []);
    const cancel = new AbortController();
    clock.abortOnWait = cancel;
    assert.equal(await limiter.acquire(cancel.signal), false);
    assert.equal(clock.waits.length, 1);
  });

  it('the real clock: a wait below zero is no wait; an aborted wait rejects with the reason', async () => {
    const t = Date.now();
    assert.ok(Math.abs(realClock.now() - t) < 1000);
    await realClock.sleep(-50);
    // A wait of 30 ms is at least that long (a lower bound only: timers never fire early).
    const before = Date.now();
    await realClock.sleep(30);
    assert.ok(Date.now() - before >= 25, `${Date.now() - before} ms`);
    const cancel = new AbortController();
    cancel.abort(new Error('stop'));
    await assert.rejects(realClock.sleep(10, cancel.signal), /stop/);
  });
});
