// The status poller's work against the size of the history: one pass over the same 100 pending
// messages inside a 100,000-message history and inside a history of just those 100. The gateway is a
// function answering at once ("pending", not final), and the clock is driven by hand, so a pass is
// only the poller's and the store's own work: the due-heap, the checks, and one journal write each.
import { StatusPoller, type PollerClock } from '../src/history/poller';
import { HistoryStore } from '../src/history/store';
import type { StatusReport } from '../src/gateway/types';
import type { HistoryDraft, HistoryEntry } from '../src/history/types';
import { formatNumber, median, type Bench } from './report';
import { percentile } from './support/stats';
import { fullGc } from './support/gc';
import { buildHistory, PENDING, realisticHistory, toDraft } from './support/historyData';

const BIG = 100_000;
const PENDING_COUNT = 100;
const WARMUP_PASSES = 5;
const PASSES = 100;
/** Every pending message is due again after this (the schedule's longest step is 60 × 5 s). */
const PASS_EVERY_MS = 10 * 60_000;

/** A clock that moves only when told; timers fire during `advance`. */
class ManualClock implements PollerClock {
  private timers: Array<{ at: number; cb: () => void; id: number }> = [];
  private nextId = 1;
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  setTimeout(cb: () => void, ms: number): unknown {
    const t = { at: this.time + ms, cb, id: this.nextId++ };
    this.timers.push(t);
    return t.id;
  }
  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.cb();
  }
}

/** Sent a moment ago, no final status yet: what the poller works on. */
function pendingDrafts(): HistoryDraft[] {
  return realisticHistory(PENDING_COUNT, 99, Date.UTC(2025, 5, 1), 1).map((e, i) => ({ ...toDraft(e), smsId: 50_000_000 + i, status: PENDING }));
}

function answer(e: HistoryEntry, now: number): StatusReport {
  return {
    smsId: e.smsId as number,
    submittedOn: { raw: '20250601120000' },
    destination: e.destination,
    deliveredOn: { raw: new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14) },
    status: { ...PENDING },
    quantity: e.parts,
    charge: 0.057 * e.parts,
    raw: `${e.smsId};20250601120000;${e.destination};;32;${e.parts};0.057`,
  };
}

interface Setup {
  store: HistoryStore;
  poller: StatusPoller;
  clock: ManualClock;
  checks: number;
  close(): Promise<void>;
}

/** A store over `dir` with the 100 pending messages recorded 30 minutes before the clock starts. */
async function setup(dir: string, start: number): Promise<Setup> {
  const clock = new ManualClock(start - 30 * 60_000);
  const store = await HistoryStore.open(dir, { clock, durable: false, autoCompact: false, watch: false, pollIntervalMs: 0 });
  await store.recordMany(pendingDrafts());
  clock.time = start;
  const s: Setup = {
    store,
    clock,
    checks: 0,
    poller: new StatusPoller({
      store,
      clock,
      maxConcurrency: 4,
      maxAgeMs: 30 * 86_400_000,
      checkStatus: async (e) => {
        s.checks++;
        return answer(e, clock.now());
      },
      onError: (_e, err) => {
        throw err;
      },
    }),
    close: async () => {
      s.poller.dispose();
      await store.close();
    },
  };
  return s;
}

/** One pass: every pending message comes due, the poller checks each once. */
async function pass(s: Setup): Promise<{ ms: number; cpuMs: number }> {
  const before = s.checks;
  const cpu = process.cpuUsage();
  const t = performance.now();
  s.clock.advance(PASS_EVERY_MS);
  await s.poller.idle();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  if (s.checks - before !== PENDING_COUNT) throw new Error(`a pass checked ${s.checks - before} messages, expected ${PENDING_COUNT}`);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

export const pollerBench: Bench = {
  name: 'poller',
  description: `Status poller: a pass over ${PENDING_COUNT} pending messages in a ${formatNumber(BIG)}-message history vs in a ${PENDING_COUNT}-message one`,
  async run(log) {
    log('  building the histories...');
    // Every other message settled, so both sides have exactly the same pending set.
    const bigDir = await buildHistory(BIG - PENDING_COUNT, { tail: 1000, pendingShare: 0 });
    const smallDir = await buildHistory(0);
    const start = bigDir.end + 3600_000;
    const sides = [await setup(smallDir.dir, start), await setup(bigDir.dir, start)];
    try {
      // The store keeps its pending index as it reads the rows; the first pending() call of a window
      // only drops what is too old (it was one scan of every row): timed on its own, since a first
      // pass would also time the JIT warming up.
      let index: number[] = [];
      for (let round = 0; round < 3; round++) {
        index = []; // the last round counts: the first ones warm the code up
        for (const s of sides) {
          const fresh = await HistoryStore.open(s.store.dir, { watch: false, pollIntervalMs: 0, autoCompact: false });
          fullGc();
          const t = performance.now();
          fresh.pending(start, 30 * 86_400_000);
          index.push(performance.now() - t);
          await fresh.close();
        }
      }
      for (const s of sides) {
        s.poller.start(); // all are due: this is the first pass
        await s.poller.idle();
        if (s.checks !== PENDING_COUNT) throw new Error(`the first pass checked ${s.checks} messages, expected ${PENDING_COUNT}`);
      }
      for (let i = 0; i < WARMUP_PASSES; i++) for (const s of sides) await pass(s);
      const ms: number[][] = [[], []];
      const cpu: number[][] = [[], []];
      for (let i = 0; i < PASSES; i++) {
        if (i % 10 === 0) fullGc();
        for (let k = 0; k < 2; k++) {
          const side = (k + i) % 2; // alternate which goes first
          const p = await pass(sides[side]);
          ms[side].push(p.ms);
          cpu[side].push(p.cpuMs);
        }
      }
      log(`  ${formatNumber(sides[1].store.stats().entries)} vs ${formatNumber(sides[0].store.stats().entries)} entries, ${sides[1].store.stats().pending} pending in each`);
      const fmt = (v: number[]): string => `${median(v).toFixed(2)} ms (p90 ${percentile(v, 0.9).toFixed(2)})`;
      return [
        {
          name: `poller pass, ${PENDING_COUNT} pending in ${formatNumber(BIG)} vs in ${PENDING_COUNT} messages (median of ${PASSES})`,
          measured: fmt(ms[1]),
          baseline: fmt(ms[0]),
          ratio: median(ms[1].map((v, i) => v / ms[0][i])),
          target: { op: '<=', value: 1.2 },
        },
        {
          name: '  same, CPU time of this process per pass (less disturbed by other processes)',
          measured: fmt(cpu[1]),
          baseline: fmt(cpu[0]),
          ratio: median(cpu[1]) / median(cpu[0]),
        },
        {
          name: '  once per window: the first pending() call after the load (the index is kept while reading)',
          measured: `${index[1].toFixed(1)} ms`,
          baseline: `${index[0].toFixed(2)} ms`,
          ratio: index[1] / index[0],
        },
      ];
    } finally {
      await Promise.all(sides.map((s) => s.close()));
      bigDir.remove();
      smallDir.remove();
    }
  },
};
