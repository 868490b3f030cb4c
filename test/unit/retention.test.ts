import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import {
  clockDoubt,
  DEFAULT_RETENTION,
  newestWriteIn,
  planRemoval,
  normalizeLimits,
  RetentionService,
  selectForRemoval,
  type RetentionClock,
  type RetentionLimits,
} from '../../src/history/retention';
import { isFinal } from '../../src/history/messageState';
import { HistoryStore, LOCK_FILE, loadHistory, type HistoryStoreOptions } from '../../src/history/store';
import type { EntryList, EntryStatus, HistoryEntry } from '../../src/history/types';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 5, 1, 12);
const delivered: EntryStatus = { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true };
const pendingStatus: EntryStatus = { code: 32, label: 'Pending', statusClass: 'pending', final: false };

let seq = 0;
/** An entry recorded `ageDays` before NOW, delivered unless told otherwise. */
function entry(ageDays: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  seq++;
  const createdAt = new Date(NOW - ageDays * DAY).toISOString();
  return {
    key: `k${String(seq).padStart(6, '0')}`,
    smsId: seq,
    destination: '393401234567',
    sender: 'Test',
    text: `message ${seq}`,
    account: 'acct',
    state: 'sent',
    status: delivered,
    createdAt,
    updatedAt: createdAt,
    parts: 1,
    rev: 2,
    ...over,
  };
}

/** Newest first, as the store's all() returns them. */
function newestFirst(list: HistoryEntry[]): HistoryEntry[] {
  return [...list].sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : a.key > b.key ? -1 : 1));
}

describe('retention rule', () => {
  it('only messages whose outcome is settled can be removed', () => {
    assert.equal(isFinal(entry(1, { state: 'sending', smsId: undefined, status: undefined })), false);
    assert.equal(isFinal(entry(1, { state: 'unknown', smsId: undefined, status: undefined })), false);
    assert.equal(isFinal(entry(1, { status: pendingStatus })), false, 'sent, delivery not final yet');
    assert.equal(isFinal(entry(1, { status: undefined })), false, 'sent, never polled');
    assert.equal(isFinal(entry(1)), true, 'delivered');
    assert.equal(isFinal(entry(1, { state: 'failed', smsId: undefined, status: undefined })), true, 'refused by the gateway');
    assert.equal(isFinal(entry(1, { state: 'failed', status: { code: 16, label: 'Not delivered', statusClass: 'failed', final: true } })), true);
  });

  it('removes by age: everything settled older than maxAgeDays, oldest first, and nothing younger', () => {
    const list = [entry(400), entry(366), entry(364.9), entry(10), entry(0)];
    const keys = selectForRemoval(newestFirst(list), NOW, { maxAgeDays: 365, maxEntries: 0 });
    assert.deepEqual(keys, [list[0].key, list[1].key]);
  });

  it('never removes a message in flight, however old', () => {
    const sending = entry(900, { state: 'sending', smsId: undefined, status: undefined });
    const unknown = entry(800, { state: 'unknown', smsId: undefined, status: undefined });
    const notFinal = entry(700, { status: pendingStatus });
    const old = entry(600);
    const young = entry(1);
    const list = newestFirst([sending, unknown, notFinal, old, young]);
    assert.deepEqual(selectForRemoval(list, NOW, { maxAgeDays: 30, maxEntries: 4 }), [old.key]);
    // A count of 1 takes every settled message, young or not, and still leaves the three in flight.
    assert.deepEqual(selectForRemoval(list, NOW, { maxAgeDays: 30, maxEntries: 1 }), [old.key, young.key]);
  });

  it('then by count: the oldest settled beyond maxEntries go, even when younger than the age limit', () => {
    const list = [entry(50), entry(40, { state: 'sending', smsId: undefined, status: undefined }), entry(30), entry(20), entry(10), entry(5)];
    // Six entries, limit 3: the 50-day one by age, then the oldest settled until three remain (the in-flight one counts and stays).
    assert.deepEqual(selectForRemoval(newestFirst(list), NOW, { maxAgeDays: 45, maxEntries: 3 }), [list[0].key, list[2].key, list[3].key]);
    // With every one of them in flight, the history stays above the limit.
    const inFlight = list.map((e) => ({ ...e, state: 'unknown' as const }));
    assert.deepEqual(selectForRemoval(newestFirst(inFlight), NOW, { maxAgeDays: 0, maxEntries: 1 }), []);
  });

  it('0 turns a limit off; limits are made whole and non-negative', () => {
    const list = newestFirst([entry(5000), entry(3000), entry(1)]);
    assert.deepEqual(selectForRemoval(list, NOW, { maxAgeDays: 0, maxEntries: 0 }), []);
    assert.deepEqual(selectForRemoval(list, NOW, { maxAgeDays: 0, maxEntries: 2 }), [list[2].key]);
    assert.deepEqual(normalizeLimits({ maxAgeDays: -3, maxEntries: 10.7 }), { maxAgeDays: 0, maxEntries: 10 });
    assert.deepEqual(normalizeLimits({ maxAgeDays: Number.NaN }), DEFAULT_RETENTION);
    assert.deepEqual(DEFAULT_RETENTION, { maxAgeDays: 365, maxEntries: 100_000 });
  });

  it('looks only at the old end: 100,000 entries within the limits cost next to nothing', () => {
    const big: HistoryEntry[] = [];
    for (let i = 0; i < 100_000; i++) big.push(entry(i / 1000));
    const list = newestFirst(big);
    // A getter counts how many entries the rule reads.
    let reads = 0;
    const counted = new Proxy(list, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    // The newest (to check the clock against), and the oldest, which stops the walk.
    assert.deepEqual(selectForRemoval(counted, NOW, DEFAULT_RETENTION), []);
    assert.equal(reads, 2);
    reads = 0;
    // The newest; 9,999 older than 90 days, then one more for the count, then the one that stops the walk.
    assert.equal(selectForRemoval(counted, NOW, { maxAgeDays: 90, maxEntries: 90_000 }).length, 10_000);
    assert.equal(reads, 10_002);
  });

  it('property: keeps every message in flight and every one both limits allow; removes the oldest first; meets the count when it can', () => {
    const entryArb = fc.record({
      ageDays: fc.integer({ min: 0, max: 100 }),
      kind: fc.constantFrom('delivered', 'failed', 'sending', 'unknown', 'pending'),
    });
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 60 }), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 70 }), (specs, maxAgeDays, maxEntries) => {
        // A message recorded just now (in flight, so never removed) vouches for the clock.
        const list = newestFirst(
          [...specs, { ageDays: 0, kind: 'sending' as const }].map(({ ageDays, kind }) => {
            switch (kind) {
              case 'delivered':
                return entry(ageDays);
              case 'failed':
                return entry(ageDays, { state: 'failed', status: undefined, smsId: undefined });
              case 'pending':
                return entry(ageDays, { status: pendingStatus });
              default:
                return entry(ageDays, { state: kind, status: undefined, smsId: undefined });
            }
          }),
        );
        const limits: RetentionLimits = { maxAgeDays, maxEntries };
        const removed = selectForRemoval(list, NOW, limits);
        const gone = new Set(removed);
        assert.equal(gone.size, removed.length, 'no key twice');
        const kept = list.filter((e) => !gone.has(e.key));
        const expired = (e: HistoryEntry): boolean => maxAgeDays > 0 && Date.parse(e.createdAt) < NOW - maxAgeDays * DAY;
        for (const e of list) {
          if (!isFinal(e)) assert.ok(!gone.has(e.key), 'an in-flight message was removed');
          else if (expired(e)) assert.ok(gone.has(e.key), 'an expired settled message was kept');
        }
        // Removed for count only: each is older than every settled message kept.
        const keptSettled = kept.filter((e) => isFinal(e));
        for (const key of removed) {
          const e = list.find((x) => x.key === key)!;
          if (expired(e)) continue;
          for (const k of keptSettled) assert.ok(e.createdAt <= k.createdAt, 'a younger message went before an older one');
        }
        if (maxEntries > 0) {
          if (kept.length > maxEntries) assert.equal(keptSettled.length, 0, 'over the count while a settled message could go');
          else if (removed.some((k) => !expired(list.find((x) => x.key === k)!))) assert.equal(kept.length, maxEntries, 'removed more than the count asked');
        } else {
          assert.ok(removed.every((k) => expired(list.find((x) => x.key === k)!)));
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('retention in the history store', function () {
  let dir: string;
  const open: HistoryStore[] = [];
  let now = NOW;
  const clock = { now: () => now };
  async function openStore(options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const s = await HistoryStore.open(dir, { clock, durable: false, watch: false, pollIntervalMs: 0, autoCompact: false, ...options });
    open.push(s);
    return s;
  }
  const rule = (limits: RetentionLimits) => (list: EntryList, at: number) => selectForRemoval(list, at, limits);

  /** Records a delivered message at `ageDays` before NOW (the clock is moved back for it). */
  async function seed(store: HistoryStore, ageDays: number, status: EntryStatus | undefined = delivered, i = seq++): Promise<HistoryEntry> {
    const saved = now;
    now = NOW - ageDays * DAY;
    try {
      const e = await store.record(draft(i, { state: 'sent', smsId: 10_000 + i }));
      return status ? (await store.update(e.key, { status }))! : e;
    } finally {
      now = saved;
    }
  }

  beforeEach(() => {
    dir = tempDir();
    now = NOW;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    removeDir(dir);
  });

  it('a compaction drops what the rule names, as tombstones: other windows drop it and a late write cannot revive it', async () => {
    const a = await openStore({ retention: rule({ maxAgeDays: 30, maxEntries: 0 }) });
    const b = await openStore();
    const old = await seed(a, 40);
    const oldInFlight = await seed(a, 40, pendingStatus);
    const young = await seed(a, 20);
    await b.reload();
    assert.equal(b.all().length, 3);
    const removedInB = new Promise<string[]>((resolve) => b.onDidChange((c) => c.removed.length && resolve(c.removed)));
    const removedInA = new Promise<string[]>((resolve) => a.onDidChange((c) => c.removed.length && resolve(c.removed)));

    assert.equal(await a.compact(), true);
    assert.deepEqual(await removedInA, [old.key]);
    assert.equal(a.stats().pruned, 1);
    assert.deepEqual(new Set(a.all().map((e) => e.key)), new Set([oldInFlight.key, young.key]));

    await b.reload();
    assert.deepEqual(await removedInB, [old.key]);
    assert.equal(b.get(old.key), undefined);
    // A window that had not seen the removal yet writes the entry again: it stays removed.
    fs.appendFileSync(path.join(dir, 'history.journal.jsonl'), '\n' + JSON.stringify({ ...old, rev: 9, lastPolledAt: new Date(now).toISOString() }) + '\n');
    await b.reload();
    assert.equal(b.get(old.key), undefined);
    assert.equal(await b.update(old.key, { text: 'back?' }), undefined);

    const loaded = await loadHistory(dir);
    assert.deepEqual(new Set(loaded.entries.map((e) => e.key)), new Set([oldInFlight.key, young.key]));
    const fresh = await openStore();
    assert.equal(fresh.get(old.key), undefined);
    assert.equal(fresh.stats().tombstones, 1);
  });

  it('compactions the store runs on its own apply the rule too', async () => {
    const writer = await openStore();
    const seeded: HistoryEntry[] = [];
    for (let i = 0; i < 8; i++) seeded.push(await seed(writer, 8 - i));
    await writer.close();
    // 16 journal lines > 10: this store compacts in the background as soon as it has loaded them.
    const a = await openStore({ retention: rule({ maxAgeDays: 0, maxEntries: 5 }), autoCompact: true, compactLines: 10, compactRatio: 0 });
    for (let i = 0; i < 200 && a.stats().compactions === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(a.stats().compactions, 1);
    await a.close();
    const keys = new Set((await loadHistory(dir)).entries.map((e) => e.key));
    assert.equal(keys.size, 5);
    for (const e of seeded.slice(0, 3)) assert.ok(!keys.has(e.key), `${e.text} should have gone`);
    for (const e of seeded.slice(3)) assert.ok(keys.has(e.key), `${e.text} should have stayed`);
  });

  it('a rule that throws is reported and compaction keeps everything', async () => {
    const errors: unknown[] = [];
    const a = await openStore({
      retention: () => {
        throw new Error('broken rule');
      },
      onError: (e) => errors.push(e),
    });
    await seed(a, 400);
    assert.equal(await a.compact(), true);
    assert.equal(a.all().length, 1);
    assert.match(String(errors[0]), /broken rule/);
  });

  it('RetentionService: runs after the initial delay, then daily and when the limits change; waits out a held lock', async () => {
    const timers: Array<{ at: number; cb: () => void; id: number }> = [];
    let nextId = 1;
    const fake: RetentionClock = {
      now: () => now,
      setTimeout: (cb, ms) => {
        const t = { at: now + ms, cb, id: nextId++ };
        timers.push(t);
        return t.id;
      },
      clearTimeout: (id) => {
        const i = timers.findIndex((t) => t.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    /** Moves the clock on, firing timers that come due (and waiting for the runs they start). */
    const advance = async (ms: number): Promise<void> => {
      const until = now + ms;
      for (;;) {
        timers.sort((x, y) => x.at - y.at);
        const t = timers[0];
        if (!t || t.at > until) break;
        timers.shift();
        now = t.at;
        t.cb();
        await service.run(); // joins the run the timer started, then finds nothing more to do
      }
      now = until;
    };
    let limits: RetentionLimits = { maxAgeDays: 30, maxEntries: 0 };
    const store = await openStore({ retention: (list, at) => selectForRemoval(list, at, limits) });
    const pruned: number[] = [];
    const service = new RetentionService({ store, limits: () => limits, clock: fake, initialDelayMs: 5000, retryMs: 60_000, onPruned: (n) => pruned.push(n) });
    const a = await seed(store, 31);
    const b = await seed(store, 29);
    // In flight, so never removed: vouches for the clock as it moves on (see clockDoubt).
    await seed(store, 0, pendingStatus);
    service.start();
    await advance(4999);
    assert.ok(store.get(a.key), 'not before the initial delay');
    await advance(1);
    assert.equal(store.get(a.key), undefined);
    assert.deepEqual(pruned, [1]);

    // A day later b is 30 days and a bit old: the daily run takes it.
    await advance(DAY - 1000);
    assert.ok(store.get(b.key));
    await advance(DAY);
    assert.equal(store.get(b.key), undefined);

    // Another window holds the compaction lock: the run is deferred and retried.
    const c = await seed(store, 5);
    const d = await seed(store, 4);
    const lock = path.join(dir, LOCK_FILE);
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), nonce: 'other-window', at: new Date().toISOString() }));
    limits = { maxAgeDays: 30, maxEntries: 2 }; // the in-flight one counts
    service.limitsChanged();
    await advance(1000);
    assert.ok(store.get(c.key), 'deferred while the lock is held');
    assert.deepEqual(await service.run(), { due: 1, removed: 0, deferred: true });
    fs.rmSync(lock);
    await advance(60_000);
    assert.equal(store.get(c.key), undefined);
    assert.ok(store.get(d.key));
    service.dispose();
    assert.equal(timers.length, 0, 'dispose clears the schedule');
  });

  it('a run joins one under way and then runs again', async () => {
    const store = await openStore({ retention: rule({ maxAgeDays: 10, maxEntries: 0 }) });
    await seed(store, 20);
    await seed(store, 30);
    await seed(store, 1);
    const clockNow: RetentionClock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
    const service = new RetentionService({ store, limits: () => ({ maxAgeDays: 10, maxEntries: 0 }), clock: clockNow });
    const [first, second] = await Promise.all([service.run(), service.run()]);
    assert.deepEqual(first, { due: 2, removed: 2, deferred: false });
    assert.deepEqual(second, { due: 0, removed: 0, deferred: false });
    service.dispose();
  });
});

/** A child process with its own store (another VS Code window): records messages and settles them. */
function spawnWindow(dir: string, options: { count: number; tag: string; maxAgeDays: number; maxEntries: number }): Promise<Array<{ key: string; createdAt: string }>> {
  const storeJs = path.join(__dirname, '..', '..', 'src', 'history', 'store.js');
  const retentionJs = path.join(__dirname, '..', '..', 'src', 'history', 'retention.js');
  const script = `
    const { HistoryStore } = require(${JSON.stringify(storeJs)});
    const { selectForRemoval } = require(${JSON.stringify(retentionJs)});
    const o = JSON.parse(process.argv[1]);
    (async () => {
      const limits = { maxAgeDays: o.maxAgeDays, maxEntries: o.maxEntries };
      const store = await HistoryStore.open(o.dir, { durable: false, compactLines: 15, compactRatio: 0, retention: (l, now) => selectForRemoval(l, now, limits) });
      for (let i = 0; i < o.count; i++) {
        const e = await store.record({ destination: '3934' + i, sender: 'W', text: o.tag + ' ' + i, account: 'a', parts: 1 });
        await store.update(e.key, { state: 'sent', smsId: 1 + i, status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } });
        process.stdout.write('DONE ' + e.key + ' ' + e.createdAt + '\\n');
      }
      await store.close();
    })().catch((e) => { process.stdout.write('FAIL ' + e.stack + '\\n'); process.exitCode = 1; });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify({ dir, ...options })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    // 'close', not 'exit': at 'exit' the last lines may still be in the pipe, and a key not read is a write not checked.
    child.on('close', (code) => {
      const lines = out.split('\n').filter(Boolean);
      if (code !== 0 || lines.some((l) => l.startsWith('FAIL'))) reject(new Error(`window exited ${code}: ${out}`));
      else resolve(lines.map((l) => ({ key: l.split(' ')[1], createdAt: l.split(' ')[2] })));
    });
  });
}

describe('retention with several windows at once', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  /** Old messages written as a window would have months ago: delivered ones and ones still in flight. */
  async function seedOld(count: number): Promise<{ settled: string[]; inFlight: string[] }> {
    let t = Date.now() - 200 * DAY;
    const old = await HistoryStore.open(dir, { clock: { now: () => t }, durable: false, watch: false, autoCompact: false });
    const settled: string[] = [];
    const inFlight: string[] = [];
    for (let i = 0; i < count; i++) {
      t += 60_000;
      const e = await old.record(draft(i, { state: 'sent', smsId: 500 + i }));
      if (i % 10 === 0) inFlight.push(e.key);
      else {
        await old.update(e.key, { status: delivered });
        settled.push(e.key);
      }
    }
    await old.close();
    return { settled, inFlight };
  }

  it('retention compacting in this window while two others write and compact with retention: nothing newer than the limit is lost', async () => {
    const { settled, inFlight } = await seedOld(300);
    const limits = { maxAgeDays: 30, maxEntries: 0 };
    const me = await HistoryStore.open(dir, { durable: false, compactLines: 20, compactRatio: 0, retention: (l, at) => selectForRemoval(l, at, limits) });
    const mine: string[] = [];
    let running = true;
    const windows = Promise.all([
      spawnWindow(dir, { count: 150, tag: 'w1', ...limits }),
      spawnWindow(dir, { count: 150, tag: 'w2', ...limits }),
    ]).finally(() => (running = false));
    let compactions = 0;
    while (running) {
      const e = await me.record(draft(1000 + mine.length, { state: 'sent', smsId: 9 }));
      await me.update(e.key, { status: delivered });
      mine.push(e.key);
      if (await me.compact()) compactions++;
    }
    const written = [...(await windows).flat().map((w) => w.key), ...mine];
    await me.compact();
    await me.close();
    assert.ok(compactions > 0);

    const loaded = await loadHistory(dir);
    const keys = new Set(loaded.entries.map((e) => e.key));
    for (const k of written) assert.ok(keys.has(k), `a new message was lost: ${k}`);
    for (const k of inFlight) assert.ok(keys.has(k), `an old message in flight was removed: ${k}`);
    for (const k of settled) assert.ok(!keys.has(k), `an old settled message was kept: ${k}`);
    assert.equal(keys.size, written.length + inFlight.length);
    assert.ok(loaded.entries.filter((e) => written.includes(e.key)).every((e) => e.status?.final === true), 'every update survived');
  });

  it('a count limit with windows writing at once leaves exactly the newest messages', async () => {
    await seedOld(100);
    const limits = { maxAgeDays: 0, maxEntries: 120 };
    const me = await HistoryStore.open(dir, { durable: false, compactLines: 20, compactRatio: 0, retention: (l, at) => selectForRemoval(l, at, limits) });
    let running = true;
    const windows = Promise.all([
      spawnWindow(dir, { count: 100, tag: 'w1', ...limits }),
      spawnWindow(dir, { count: 100, tag: 'w2', ...limits }),
    ]).finally(() => (running = false));
    while (running) {
      await me.compact();
      await new Promise((r) => setTimeout(r, 5));
    }
    const written = (await windows).flat();
    await me.compact();
    await me.close();
    const loaded = await loadHistory(dir);
    const settledLeft = loaded.entries.filter((e) => isFinal(e));
    assert.equal(loaded.entries.filter((e) => !isFinal(e)).length, 10, 'the ten old in-flight messages stay');
    assert.equal(loaded.entries.length, 120);
    // Whatever each window saw when it compacted, the survivors are the newest settled messages of all
    // written (the old settled ones all went first): none removed is younger than one kept.
    assert.equal(settledLeft.length, 110);
    const left = new Set(settledLeft.map((e) => e.key));
    const oldestKept = settledLeft.reduce((m, e) => (e.createdAt < m ? e.createdAt : m), '9999');
    const youngestRemoved = written.filter((w) => !left.has(w.key)).reduce((m, w) => (w.createdAt > m ? w.createdAt : m), '');
    assert.ok(settledLeft.every((e) => written.some((w) => w.key === e.key)), 'an old settled message outlived new ones');
    assert.ok(youngestRemoved <= oldestKept, `removed one from ${youngestRemoved}, kept one from ${oldestKept}`);
  });
});

describe('retention does not trust an implausible clock', function () {
  this.timeout(20_000);
  let dir: string;
  let store: HistoryStore;
  let now = NOW;
  const clock = { now: () => now };

  beforeEach(async () => {
    dir = tempDir();
    now = NOW;
    store = await HistoryStore.open(dir, { clock, durable: false, watch: false, pollIntervalMs: 0, autoCompact: false, retention: (l, at) => selectForRemoval(l, at, { maxAgeDays: 30, maxEntries: 0 }) });
  });
  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  /** Settled messages recorded `ages` days before NOW, by the store's own clock. */
  async function history(...ages: number[]): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for (const [i, age] of ages.entries()) {
      now = NOW - age * DAY;
      const e = await store.record(draft(i, { state: 'sent', smsId: 500 + i }));
      out.push((await store.update(e.key, { status: delivered }))!);
    }
    now = NOW;
    return out;
  }

  const service = (at: () => number, extra: Partial<ConstructorParameters<typeof RetentionService>[0]> = {}) =>
    new RetentionService({
      store,
      limits: () => ({ maxAgeDays: 30, maxEntries: 0 }),
      clock: { now: at, setTimeout: () => 0, clearTimeout: () => undefined },
      ...extra,
    });

  it('a clock jumped years ahead removes nothing by age, says why, and the history survives on disk', async () => {
    const entries = await history(40, 10, 1);
    const doubts: string[] = [];
    const jumped = NOW + 3 * 365 * DAY;
    const s = service(() => jumped, { onClockDoubt: (why) => doubts.push(why) });
    const result = await s.run();
    s.dispose();
    assert.deepEqual(result.due, 0);
    assert.match(result.clockDoubt ?? '', /more than 30 days past the newest history entry/);
    assert.equal(doubts.length, 1);
    assert.match(doubts[0], /^not removing messages by age: the clock \(2033-.*Check the system clock\.$/);
    // The store's own compaction under the jumped clock keeps everything too.
    now = jumped;
    assert.equal(await store.compact(), true);
    assert.deepEqual(new Set((await loadHistory(dir)).entries.map((e) => e.key)), new Set(entries.map((e) => e.key)));
  });

  it('with a sane clock the same history is pruned (the test can fail)', async () => {
    const [old, ...rest] = await history(40, 10, 1);
    const s = service(() => NOW);
    const result = await s.run();
    s.dispose();
    assert.equal(result.clockDoubt, undefined);
    assert.equal(result.removed, 1);
    assert.equal(store.get(old.key), undefined);
    for (const e of rest) assert.ok(store.get(e.key));
  });

  it('a clock earlier than the newest message removes nothing by age', async () => {
    await history(40, 10, 1);
    const back = NOW - 5 * DAY; // the newest was recorded 1 day before NOW
    assert.match(clockDoubt(store.all(), back, { maxAgeDays: 30, maxEntries: 0 }) ?? '', /earlier than the newest history entry/);
    const s = service(() => back);
    const errors: unknown[] = [];
    const withLog = service(() => back, { onError: (e) => errors.push(e) });
    assert.equal((await withLog.run()).removed, 0);
    assert.match(String(errors[0]), /not removing messages by age: the clock .* is earlier than/);
    s.dispose();
    withLog.dispose();
    assert.equal(store.all().length, 3);
  });

  it('a small correction (minutes) is not doubted; the count limit applies whatever the clock', () => {
    const list = newestFirst([entry(0), entry(50), entry(60)]);
    assert.equal(clockDoubt(list, NOW - 5 * 60_000, { maxAgeDays: 30, maxEntries: 0 }), undefined);
    const jumped = NOW + 10 * 365 * DAY;
    const plan = planRemoval(list, jumped, { maxAgeDays: 30, maxEntries: 2 });
    assert.ok(plan.clockDoubt);
    assert.deepEqual(plan.keys, [list[2].key], 'only the count limit took one');
  });

  it('the newest write to the history folder vouches for the clock, and is read from the real files', async () => {
    await history(400, 300);
    const mtime = await newestWriteIn(dir);
    assert.ok(mtime !== undefined && Math.abs(mtime - Date.now()) < 60_000, 'the real mtime of the journal');
    // Messages all older than the limit, but the folder was written just now (by this clock's measure):
    // the clock is not doubted, and the old messages go.
    const at = NOW + 1000;
    assert.equal(clockDoubt(store.all(), at, { maxAgeDays: 30, maxEntries: 0 }, at - 1000) ?? 'none', 'none');
    assert.match(clockDoubt(store.all(), at, { maxAgeDays: 30, maxEntries: 0 }) ?? '', /more than 30 days past/);
    assert.equal(await newestWriteIn(path.join(dir, 'missing')), undefined);
  });
});
