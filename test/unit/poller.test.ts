import * as assert from 'node:assert/strict';
import { HistoryStore } from '../../src/history/store';
import { messageState } from '../../src/history/messageState';
import { StatusPoller, pollDelay, BUSY_BACKOFF_FIRST_MS, INACTIVE_RECHECK_MS, type StatusPollerOptions } from '../../src/history/poller';
import type { HistoryEntry } from '../../src/history/types';
import type { StatusReport } from '../../src/gateway/types';
import { formatStatusLine, parseStatusAnswer } from '../../src/gateway/protocol';
import { gatewayCodeError } from '../../src/gateway/errors';
import { GatewayClient } from '../../src/gateway/client';
import { FaultySandbox } from '../../src/sandbox/faults';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';
import { FakeClock } from './fixtures/fakeClock';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;

function statusLine(smsId: number, status: number, deliveredOn = ''): string {
  return formatStatusLine({ smsId, submittedOn: '20300101120000', destination: '393401234567', deliveredOn, status, quantity: 1, charge: '0.055' });
}

/** A stand-in gateway answering from a script; the answers go through the real status parser. */
class ScriptedGateway {
  calls: Array<{ key: string; smsId: number; at: number }> = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Answer for an entry: a status number, a status line, or an error to throw. */
  answer: (e: HistoryEntry, callNo: number) => number | string | Error = () => 1;
  /** When set, calls wait until the test releases them. */
  hold = false;
  private held: Array<() => void> = [];

  constructor(private readonly clock: FakeClock) {}

  readonly check = async (e: HistoryEntry, signal: AbortSignal): Promise<StatusReport> => {
    const callNo = this.calls.filter((c) => c.key === e.key).length;
    this.calls.push({ key: e.key, smsId: e.smsId!, at: this.clock.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
      if (signal.aborted) throw new Error('aborted');
      const a = this.answer(e, callNo);
      if (a instanceof Error) throw a;
      return parseStatusAnswer(typeof a === 'number' ? statusLine(e.smsId!, a) : a, e.smsId);
    } finally {
      this.inFlight--;
    }
  };

  release(n = Infinity): number {
    const batch = this.held.splice(0, n);
    batch.forEach((r) => r());
    return batch.length;
  }

  get heldCount(): number {
    return this.held.length;
  }

  callsFor(key: string): number[] {
    return this.calls.filter((c) => c.key === key).map((c) => c.at);
  }
}

describe('StatusPoller', function () {
  let dir: string;
  let store: HistoryStore;
  let clock: FakeClock;
  let gateway: ScriptedGateway;
  let poller: StatusPoller | undefined;

  beforeEach(async () => {
    dir = tempDir();
    clock = new FakeClock(T0);
    store = await HistoryStore.open(dir, { clock, durable: false, watch: false, pollIntervalMs: 0 });
    gateway = new ScriptedGateway(clock);
  });
  afterEach(async () => {
    poller?.dispose();
    poller = undefined;
    await store.close();
    removeDir(dir);
  });

  function makePoller(extra: Partial<StatusPollerOptions> = {}): StatusPoller {
    poller = new StatusPoller({ store, checkStatus: gateway.check, clock, ...extra });
    return poller;
  }
  /** Lets real file I/O and promise chains finish between fake-clock steps. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      await poller?.idle();
    }
  }
  async function advance(ms: number): Promise<void> {
    await clock.advance(ms, settle);
  }
  async function sent(i: number, extra: Partial<HistoryEntry> = {}): Promise<HistoryEntry> {
    const e = await store.record(draft(i));
    return (await store.update(e.key, { smsId: 5000 + i, state: 'sent', ...extra }))!;
  }

  it('asks only about messages with an SMSId whose status is not final', async () => {
    await store.record(draft(1)); // still sending: no SMSId
    const failedSend = await store.record(draft(2));
    await store.update(failedSend.key, { state: 'failed' });
    const delivered = await sent(3, { status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } });
    const fresh = await sent(4);
    const pending = await sent(5, { status: { code: 32, label: 'Pending', statusClass: 'pending', final: false } });
    makePoller().start();
    await advance(5 * SEC);
    assert.deepEqual(new Set(gateway.calls.map((c) => c.key)), new Set([fresh.key, pending.key]));
    assert.equal(gateway.callsFor(delivered.key).length, 0);
  });

  it('never has more than maxConcurrency checks in flight', async () => {
    for (let i = 0; i < 10; i++) await sent(i);
    gateway.hold = true;
    makePoller({ maxConcurrency: 3 }).start();
    await clock.advance(5 * SEC, () => new Promise((r) => setImmediate(r)));
    assert.equal(gateway.inFlight, 3);
    // Let them finish a few at a time (real file writes in between), watching the count.
    for (let spins = 0; (gateway.calls.length < 10 || gateway.heldCount > 0) && spins < 2000; spins++) {
      gateway.release(1);
      await new Promise((r) => setTimeout(r, 1));
      assert.ok(gateway.inFlight <= 3, `${gateway.inFlight} in flight`);
    }
    await settle();
    assert.equal(gateway.calls.length, 10);
    assert.equal(gateway.maxInFlight, 3);
  });

  it('checks often while a message is young and less often as it ages', async () => {
    const e = await sent(1);
    makePoller().start();
    await advance(3 * 3600 * SEC);
    const ages = gateway.callsFor(e.key).map((t) => t - Date.parse(e.createdAt));
    // Each next check comes pollDelay(age at the previous check) later: 5 s, then 15 s, 60 s, 5 min.
    const expected: number[] = [];
    for (let age = 0; ; ) {
      age += pollDelay(age);
      if (age > 3 * 3600 * SEC) break;
      expected.push(age);
    }
    assert.deepEqual(ages, expected);
    assert.deepEqual(ages.slice(0, 3), [5 * SEC, 10 * SEC, 15 * SEC]);
    const gaps = ages.slice(1).map((a, i) => a - ages[i]);
    assert.deepEqual([...new Set(gaps)], [5 * SEC, 15 * SEC, 60 * SEC, 5 * MIN]);
    assert.equal(ages.length, 12 + 36 + 50 + 24, 'checks in 3 hours: 12 in the first minute, 36 to 10 min, 50 to 1 h, 24 after');
    assert.equal(store.get(e.key)?.lastPolledAt, new Date(T0 + ages[ages.length - 1]).toISOString());
  });

  it('the base interval setting scales the schedule', async () => {
    const e = await sent(1);
    makePoller({ baseIntervalMs: 2 * SEC }).start();
    await advance(10 * SEC);
    assert.deepEqual(gateway.callsFor(e.key).map((t) => t - T0), [2, 4, 6, 8, 10].map((s) => s * SEC));
  });

  it('updateSettings: a new base interval reschedules the same poller, without a rebuild', async () => {
    const e = await sent(1);
    const p = makePoller({ baseIntervalMs: 60 * SEC });
    p.start();
    await advance(10 * SEC);
    assert.equal(gateway.callsFor(e.key).length, 0, 'the first check is a minute away');
    p.updateSettings({ baseIntervalMs: 2 * SEC });
    await settle();
    await advance(10 * SEC);
    // Overdue at once under the 2 s schedule, then every 2 s.
    assert.deepEqual(gateway.callsFor(e.key).map((t) => t - T0), [10, 12, 14, 16, 18, 20].map((s) => s * SEC));
  });

  it('updateSettings: a longer age limit takes back a message the poller had let go, a larger cap lets more run', async () => {
    const old = await sent(1);
    for (let i = 2; i <= 4; i++) await sent(i);
    await clock.advance(20 * MIN, () => new Promise((r) => setImmediate(r)));
    const p = makePoller({ maxAgeMs: 10 * MIN, maxConcurrency: 1 });
    gateway.hold = true;
    p.start();
    await clock.advance(SEC, () => new Promise((r) => setImmediate(r)));
    assert.equal(gateway.calls.length, 0, 'all four are older than the limit');
    p.updateSettings({ maxAgeMs: 48 * 3600 * SEC, maxConcurrency: 1 });
    await clock.advance(SEC, () => new Promise((r) => setImmediate(r)));
    assert.equal(gateway.inFlight, 1);
    p.updateSettings({ maxAgeMs: 48 * 3600 * SEC, maxConcurrency: 3 });
    await clock.advance(0, () => new Promise((r) => setImmediate(r)));
    assert.equal(gateway.inFlight, 3);
    gateway.release();
    gateway.hold = false;
    await advance(SEC);
    assert.ok(gateway.callsFor(old.key).length >= 1);
    assert.equal(new Set(gateway.calls.map((c) => c.key)).size, 4);
  });

  it('stops at a final status and applies the report to the entry', async () => {
    const ok = await sent(1);
    const bad = await sent(2);
    const finals: HistoryEntry[] = [];
    gateway.answer = (e, n) => (n < 2 ? statusLine(e.smsId!, 2, '20300101120003') : statusLine(e.smsId!, e.key === ok.key ? 2048 : 64, '20300101120012'));
    makePoller({ onFinal: (e) => finals.push(e) }).start();
    await advance(MIN);
    assert.equal(gateway.callsFor(ok.key).length, 3);
    assert.equal(gateway.callsFor(bad.key).length, 3);
    await advance(3600 * SEC);
    assert.equal(gateway.calls.length, 6, 'no check after the final status');
    const got = store.get(ok.key)!;
    assert.deepEqual(got.status, { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true });
    assert.equal(got.state, 'sent');
    assert.equal(got.lastChangeOn, '20300101120012');
    assert.equal(got.submittedOn, '20300101120000');
    assert.equal(got.quantity, 1);
    assert.equal(got.charge, 0.055);
    assert.equal(got.lastPolledAt, new Date(T0 + 15 * SEC).toISOString());
    assert.equal(store.get(bad.key)!.state, 'failed');
    assert.equal(store.get(bad.key)!.status?.statusClass, 'failed');
    assert.deepEqual(finals.map((f) => f.key).sort(), [ok.key, bad.key].sort());
    assert.equal(store.pending().length, 0);
  });

  it('stops asking at maxAgeMs without marking anything', async () => {
    const e = await sent(1);
    makePoller({ maxAgeMs: 10 * MIN }).start();
    await advance(3600 * SEC);
    const ages = gateway.callsFor(e.key).map((t) => t - T0);
    assert.ok(ages.length > 0);
    assert.ok(ages.every((a) => a <= 10 * MIN), `asked at ${ages.at(-1)} ms`);
    assert.equal(ages.at(-1), 10 * MIN, 'the last check falls exactly at the limit');
    const after = store.get(e.key)!;
    assert.equal(after.state, 'sent');
    assert.equal(after.status?.final, false);
    assert.equal(after.error, undefined);
    assert.equal(clock.pendingTimers, 0, 'nothing left to wake up for');
  });

  it('a message past maxAgeMs is left alone (stale), yet Refresh Status asks the gateway once', async () => {
    const e = await sent(1);
    const p = makePoller({ maxAgeMs: 10 * MIN });
    p.start();
    await advance(3600 * SEC);
    const asked = gateway.callsFor(e.key).length;
    assert.equal(messageState(store.get(e.key)!, { now: clock.now(), maxAgeMs: 10 * MIN }), 'stale');
    assert.deepEqual(store.pending(clock.now(), 10 * MIN), [], 'not pending for the poller');
    await p.refreshNow([e.key]);
    assert.equal(gateway.callsFor(e.key).length, asked + 1, 'asked once, by hand');
    await advance(3600 * SEC);
    assert.equal(gateway.callsFor(e.key).length, asked + 1, 'and not again by itself');
  });

  it('a 1031 answer pauses the whole poller, doubling, and it recovers after a success', async () => {
    const entries = [await sent(1), await sent(2), await sent(3)];
    let down = true;
    const errors: unknown[] = [];
    gateway.answer = (e) => (down ? gatewayCodeError('status', 1031, 'Error: 1031 - Service temporarily unavailable, try again in a few minutes') : e.smsId! % 2 ? 1 : 2);
    makePoller({ onError: (_e, err) => errors.push(err) }).start();
    await advance(5 * SEC);
    assert.equal(gateway.calls.length, 3, 'the first pass was already under way');
    await advance(BUSY_BACKOFF_FIRST_MS - 1);
    assert.equal(gateway.calls.length, 3, 'nothing during the pause');
    await advance(1);
    assert.equal(gateway.calls.length, 4, 'one probe after the pause');
    // The probe failed again: 20 s, then 40 s.
    await advance(2 * BUSY_BACKOFF_FIRST_MS - 1);
    assert.equal(gateway.calls.length, 4);
    await advance(1);
    assert.equal(gateway.calls.length, 5);
    down = false;
    await advance(4 * BUSY_BACKOFF_FIRST_MS);
    const afterRecovery = gateway.calls.slice(5);
    assert.ok(afterRecovery.length >= 3, `recovered: ${afterRecovery.length} calls`);
    assert.equal(afterRecovery[0].at, T0 + 5 * SEC + 10 * SEC + 20 * SEC + 40 * SEC);
    assert.ok(entries.every((e) => store.get(e.key)!.lastPolledAt !== undefined), 'every entry checked again');
    assert.equal(errors.length, 5);
    assert.ok(errors.every((e) => (e as { code?: number }).code === 1031));
    // Back to the normal cadence: the next checks come at the usual interval, all together.
    const before = gateway.calls.length;
    await advance(15 * SEC);
    assert.ok(gateway.calls.length - before >= 3);
  });

  it('an error that is not "busy" slows down only that message', async () => {
    const broken = await sent(1);
    const fine = await sent(2);
    const errors: number[] = [];
    gateway.answer = (e) => (e.key === broken.key ? gatewayCodeError('status', 1028, 'Error: 1028 - No valid parameters given') : 1);
    makePoller({ onError: (_e, err) => errors.push((err as { code: number }).code) }).start();
    await advance(45 * SEC);
    assert.deepEqual(gateway.callsFor(fine.key).map((t) => (t - T0) / SEC), [5, 10, 15, 20, 25, 30, 35, 40, 45]);
    // 5 s, then 10 s (twice 5), then 20 s, ...
    assert.deepEqual(gateway.callsFor(broken.key).map((t) => (t - T0) / SEC), [5, 15, 35]);
    assert.deepEqual(errors, [1028, 1028, 1028]);
  });

  it('pauses while the window is inactive and catches up when it is active again', async () => {
    const e = await sent(1);
    const p = makePoller();
    p.start();
    p.setActive(false);
    await advance(10 * MIN);
    assert.equal(gateway.calls.length, 0);
    p.setActive(true);
    await settle();
    assert.deepEqual(gateway.callsFor(e.key), [T0 + 10 * MIN], 'checked at once on focus');
  });

  it('with only an isActive callback, looks again every 30 s while inactive', async () => {
    await sent(1);
    let focused = false;
    makePoller({ isActive: () => focused }).start();
    await advance(5 * MIN);
    assert.equal(gateway.calls.length, 0);
    focused = true;
    await advance(INACTIVE_RECHECK_MS);
    assert.equal(gateway.calls.length, 1);
  });

  it('refreshNow checks at once, ignoring the schedule, pauses and focus', async () => {
    const a = await sent(1);
    const b = await sent(2);
    const c = await sent(3);
    await store.update(c.key, { status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } });
    const p = makePoller({ maxConcurrency: 1 });
    p.start();
    p.setActive(false);
    await p.refreshNow([a.key, c.key]);
    assert.deepEqual(gateway.calls.map((x) => x.key), [a.key], 'final entries are not asked');
    await p.refreshNow();
    assert.deepEqual(gateway.calls.map((x) => x.key).sort(), [a.key, a.key, b.key].sort());
    assert.equal(gateway.maxInFlight, 1, 'still bounded');
    // Also during a busy pause.
    gateway.answer = () => gatewayCodeError('status', 1031, 'Error: 1031 - Service temporarily unavailable');
    p.setActive(true);
    await p.refreshNow([a.key]);
    const n = gateway.calls.length;
    gateway.answer = () => 1;
    await p.refreshNow([b.key]);
    assert.equal(gateway.calls.length, n + 1);
  });

  it('never moves a status backwards: a late non-final answer does not undo a final one', async () => {
    const e = await sent(1);
    const finals: HistoryEntry[] = [];
    gateway.hold = true;
    makePoller({ onFinal: (x) => finals.push(x) }).start();
    await clock.advance(5 * SEC, () => new Promise((r) => setImmediate(r)));
    assert.equal(gateway.heldCount, 1);
    // Meanwhile another window learned it was delivered.
    await store.update(e.key, { status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true }, lastChangeOn: '20300101120004' });
    gateway.answer = () => 2; // the held check answers "queued on SMSC"
    gateway.release();
    await settle();
    assert.equal(store.get(e.key)?.status?.code, 2048);
    assert.deepEqual(finals, [], 'not announced twice');
    await advance(MIN);
    assert.equal(gateway.calls.length, 1, 'no more checks');
  });

  it('keeps the newer of two non-final statuses (by the time of the last change)', async () => {
    const e = await sent(1, { status: { code: 16, label: 'Temporarily unavailable', statusClass: 'pending', final: false }, lastChangeOn: '20300101120030' });
    gateway.answer = () => statusLine(e.smsId!, 1, '20300101120001');
    makePoller().start();
    await advance(5 * SEC);
    assert.equal(gateway.calls.length, 1);
    assert.equal(store.get(e.key)?.status?.code, 16);
    assert.equal(store.get(e.key)?.lastChangeOn, '20300101120030');
  });

  it('a check by another window (lastPolledAt) counts: no double asking', async () => {
    const e = await sent(1);
    clock.t = T0 + 4 * SEC;
    await store.update(e.key, { lastPolledAt: new Date(clock.t).toISOString() });
    makePoller().start();
    await advance(6 * SEC);
    assert.deepEqual(gateway.callsFor(e.key), [T0 + 9 * SEC]);
  });

  it('picks up messages sent after it started, and drops removed ones', async () => {
    makePoller().start();
    await advance(MIN);
    const e = await sent(1);
    const gone = await sent(2);
    await store.remove([gone.key]);
    await advance(5 * SEC);
    assert.deepEqual(gateway.calls.map((c) => c.key), [e.key]);
  });

  it('dispose cancels checks in flight and stops everything', async () => {
    await sent(1);
    gateway.hold = true;
    const errors: unknown[] = [];
    const p = makePoller({ onError: (_e, err) => errors.push(err) });
    p.start();
    await clock.advance(5 * SEC, () => new Promise((r) => setImmediate(r)));
    p.dispose();
    gateway.release();
    await settle();
    assert.deepEqual(errors, []);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(store.get(gateway.calls[0].key)?.lastPolledAt, undefined);
  });

  it('end to end: the real client against the sandbox gateway on 127.0.0.1', async () => {
    const sandbox = await FaultySandbox.start({ clock });
    const client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
    const creds = { username: 'sandbox', password: 'sandbox' };
    try {
      const destinations = ['393401234567', '393401234502']; // delivered; undelivered (see sandbox rules)
      const drafts = await store.recordMany(destinations.map((d, i) => draft(i, { destination: d })));
      const result = await client.send(creds, { destinations, sender: 'Inviosmart', message: 'hello' });
      for (const [i, item] of result.items.entries()) {
        assert.ok(item.ok);
        await store.update(drafts[i].key, { smsId: item.smsId, state: 'sent' });
      }
      const finals: string[] = [];
      makePoller({ checkStatus: (e, signal) => client.status(creds, e.smsId!, { signal }), onFinal: (e) => finals.push(e.destination) }).start();
      sandbox.injectFault({ fault: { kind: 'error1031' }, command: 'status', times: 2 });
      await advance(5 * SEC); // both answered 1031
      assert.equal(sandbox.requestCount('status'), 2);
      await advance(10 * SEC); // one probe after the pause: the sandbox has recovered
      await advance(5 * SEC);
      assert.deepEqual(finals.sort(), [...destinations].sort());
      assert.equal(store.get(drafts[0].key)?.status?.label, 'Delivered');
      assert.equal(store.get(drafts[1].key)?.state, 'failed');
      const statusRequests = sandbox.requests.filter((r) => r.command === 'status');
      assert.ok(statusRequests.every((r) => r.query.password === '***'));
    } finally {
      await client.close();
      await sandbox.close();
    }
  });
});
