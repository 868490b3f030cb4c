// The history store at 100,000 messages: (1) loading against reading and JSON.parse-ing the same files,
// the least any loader must do; (2) appending message number ~100,000 against number ~1,000, with and
// without fdatasync, plus what compaction adds per append at each size; (3) the heap one window holds
// for that history with every surface's data built, against a budget of 25 MB.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HistoryStore, JOURNAL_FILE, SNAPSHOT_FILE, loadHistory } from '../src/history/store';
import type { HistoryDraft } from '../src/history/types';
import { PanelModel } from '../src/panel/panelModel';
import { HistoryTreeModel } from '../src/views/treeModel';
import { formatNumber, median, spread, type Bench, type Row } from './report';
import { fullGc } from './support/gc';
import { percentile } from './support/stats';
import { buildHistory, realisticHistory, type BuiltHistory } from './support/historyData';

const BIG = 100_000;
const SMALL = 1_000;
/** Messages at the end of the history that are still in the journal (3 lines each: recorded, SMSId, status). */
const TAIL = 1_000;
const LOAD_SAMPLES = 7;
const APPEND_WARMUP = 20;
const APPENDS = 200;
/** Heap one window may hold for a 100,000-message history (issue #12). */
const HEAP_BUDGET_MB = 25;

/** The least a loader can do: read both files and JSON.parse the snapshot and every journal line. */
function bareParse(dir: string): number {
  const snapshot = JSON.parse(fs.readFileSync(path.join(dir, SNAPSHOT_FILE), 'utf8')) as { entries: unknown[] };
  let n = snapshot.entries.length;
  const journal = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
  for (const line of journal.split('\n')) {
    if (line !== '') {
      JSON.parse(line);
      n++;
    }
  }
  return n;
}

async function storeOpen(dir: string): Promise<number> {
  const store = await HistoryStore.open(dir);
  try {
    return store.rows.rowsNewestFirst().length; // the first reader (the Messages tree) asks for the ordered rows at once
  } finally {
    await store.close();
  }
}

async function load(big: BuiltHistory, log: (line: string) => void): Promise<Row[]> {
  const series = {
    bare: async () => bareParse(big.dir),
    open: () => storeOpen(big.dir),
    loadHistory: async () => (await loadHistory(big.dir)).entries.length,
  };
  const ms: Record<keyof typeof series, number[]> = { bare: [], open: [], loadHistory: [] };
  const names = Object.keys(series) as Array<keyof typeof series>;
  for (const name of names) await series[name](); // warm-up: page cache and JIT
  for (let s = 0; s < LOAD_SAMPLES; s++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + s) % names.length];
      fullGc();
      const t = performance.now();
      const n = await series[name]();
      ms[name].push(performance.now() - t);
      if (name === 'open' && n !== big.count) throw new Error(`the store loaded ${n} entries, expected ${big.count}`);
    }
  }
  // Ratios of samples taken side by side, so a slow moment slows both.
  const ratio = (name: 'open' | 'loadHistory'): number => median(ms[name].map((v, i) => v / ms.bare[i]));
  const mb = (big.snapshotBytes + big.journalBytes) / 1e6;
  log(`  ${formatNumber(big.count)} entries: snapshot ${(big.snapshotBytes / 1e6).toFixed(1)} MB + journal ${formatNumber(big.journalLines)} lines (${(big.journalBytes / 1e6).toFixed(2)} MB)`);
  const baseline = `${median(ms.bare).toFixed(0)} ms ${spread(ms.bare)} (read + JSON.parse, ${mb.toFixed(1)} MB)`;
  return [
    {
      name: `load ${formatNumber(big.count)} messages (snapshot + ${formatNumber(TAIL)}-message journal tail): HistoryStore.open + ordered rows`,
      measured: `${median(ms.open).toFixed(0)} ms ${spread(ms.open)}`,
      baseline,
      ratio: ratio('open'),
      target: { op: '<=', value: 2 },
    },
    {
      name: '  same, read-only loadHistory()',
      measured: `${median(ms.loadHistory).toFixed(0)} ms ${spread(ms.loadHistory)}`,
      baseline,
      ratio: ratio('loadHistory'),
    },
  ];
}

async function appendTimes(stores: HistoryStore[], drafts: () => HistoryDraft, rounds: number): Promise<number[][]> {
  const out = stores.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < stores.length; k++) {
      const i = (k + r) % stores.length; // alternate which goes first
      const t = performance.now();
      await stores[i].record(drafts());
      out[i].push(performance.now() - t);
    }
  }
  return out;
}

async function append(big: BuiltHistory, small: BuiltHistory): Promise<Row[]> {
  // New messages as the send command records them: before the request goes out, no SMSId yet.
  const fresh = realisticHistory(2 * (APPEND_WARMUP + APPENDS), 7, Date.now(), 0);
  let i = 0;
  const draft = (): HistoryDraft => {
    const e = fresh[i++ % fresh.length];
    return { destination: e.destination, sender: e.sender, text: e.text, account: e.account, batchId: e.batchId, parts: e.parts };
  };
  const rows: Row[] = [];
  for (const durable of [true, false]) {
    const stores = [await HistoryStore.open(small.dir, { durable }), await HistoryStore.open(big.dir, { durable })];
    try {
      await appendTimes(stores, draft, APPEND_WARMUP);
      fullGc();
      const [s, b] = await appendTimes(stores, draft, APPENDS);
      const fmt = (v: number[]): string => `${(median(v) * 1000).toFixed(0)} µs (p90 ${(percentile(v, 0.9) * 1000).toFixed(0)})`;
      rows.push({
        name: durable
          ? `append message #${formatNumber(BIG)} vs #${formatNumber(SMALL)} (record(), fdatasync as shipped; median of ${APPENDS})`
          : '  same without fdatasync (the store\'s own CPU work)',
        measured: fmt(b),
        baseline: fmt(s),
        ratio: median(b) / median(s),
        target: { op: '<=', value: 2 },
      });
    } finally {
      await Promise.all(stores.map((st) => st.close()));
    }
  }
  // Compaction runs when the journal outgrows max(2,000 lines, a quarter of the snapshot): its cost
  // grows with the history, but so does the number of appends between two compactions.
  const perAppend: number[] = [];
  const labels: string[] = [];
  for (const h of [big, small]) {
    const store = await HistoryStore.open(h.dir, { autoCompact: false });
    try {
      fullGc();
      const t = performance.now();
      if (!(await store.compact())) throw new Error('compaction did not run');
      const ms = performance.now() - t;
      const every = Math.max(2000, Math.floor(store.stats().snapshotEntries * 0.25));
      perAppend.push((ms * 1000) / every);
      labels.push(`${ms.toFixed(0)} ms every ${formatNumber(every)} appends`);
    } finally {
      await store.close();
    }
  }
  rows.push({
    name: '  compaction, spread over the appends between two compactions',
    measured: `${perAppend[0].toFixed(0)} µs/append (${labels[0]})`,
    baseline: `${perAppend[1].toFixed(0)} µs/append (${labels[1]})`,
    ratio: perAppend[0] / perAppend[1],
  });
  return rows;
}

/** Heap in use after a full collection: V8's heap plus the typed arrays and buffers outside it. */
function heapNow(): number {
  fullGc();
  fullGc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * One window's history in memory: the store open and loaded, the Messages tree's model built, the
 * panel's model reset over the store's rows as a panel session does, and the poller's pending index,
 * minus the heap before the store opened. The old figure: the same entries held as parsed objects
 * (what the store alone kept before the entry table).
 */
async function memory(big: BuiltHistory): Promise<Row[]> {
  const before = heapNow();
  const store = await HistoryStore.open(big.dir, { watch: false, autoCompact: false });
  let bytes: number;
  try {
    const tree = new HistoryTreeModel(store, 'day', { now: () => big.end, maxAgeMs: () => 48 * 3600_000 });
    const panel = new PanelModel();
    panel.reset(store.rows);
    const pending = store.pending(big.end);
    bytes = heapNow() - before;
    // Read after the measure, so all of them are still held during it.
    // (the append rows added a few hundred messages to the big history)
    const count = store.stats().entries;
    if (count < big.count || tree.summary.total !== count || panel.count !== count || !Array.isArray(pending)) {
      throw new Error(`the surfaces hold ${tree.summary.total} and ${panel.count} messages, expected ${count}`);
    }
  } finally {
    await store.close();
  }
  const objects = await objectsHeap(big.dir);
  const mb = bytes / 1e6;
  return [
    {
      name: `heap of one window at ${formatNumber(big.count)} messages (store + tree + panel + pending index, after GC): ratio = measured ÷ ${HEAP_BUDGET_MB} MB budget`,
      measured: `${mb.toFixed(1)} MB`,
      baseline: `${HEAP_BUDGET_MB} MB budget`,
      ratio: mb / HEAP_BUDGET_MB,
      target: { op: '<=', value: 1 },
    },
    {
      name: '  the same entries as parsed objects by key (what the store alone held before the entry table) ÷ the window now',
      measured: `${(objects / 1e6).toFixed(1)} MB`,
      baseline: `${mb.toFixed(1)} MB`,
      ratio: objects / bytes,
    },
  ];
}

/**
 * Heap held by the history's entries as parsed objects by key, as the store held them before the
 * entry table (the snapshot's entries, then the journal's lines, the last version of a key kept).
 */
async function objectsHeap(dir: string): Promise<number> {
  const before = heapNow();
  const byKey = new Map<string, unknown>();
  const snapshot = JSON.parse(fs.readFileSync(path.join(dir, SNAPSHOT_FILE), 'utf8')) as { entries: Array<{ key: string }> };
  for (const e of snapshot.entries) byKey.set(e.key, e);
  for (const line of fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').split('\n')) {
    const o = line === '' ? undefined : (JSON.parse(line) as { key?: string });
    if (o?.key) byKey.set(o.key, o);
  }
  const bytes = heapNow() - before;
  if (byKey.size === 0) throw new Error('no entries read'); // read after the measure: held during it
  return bytes;
}

export const historyBench: Bench = {
  name: 'history',
  description: `History store with ${formatNumber(BIG)} realistic messages: load vs bare JSON.parse, append at 100k vs 1k`,
  async run(log) {
    log('  building the histories (as the extension writes them)...');
    const big = await buildHistory(BIG, { tail: TAIL });
    const small = await buildHistory(SMALL, { tail: Math.round((TAIL * SMALL) / BIG) });
    try {
      return [...(await load(big, log)), ...(await append(big, small)), ...(await memory(big))];
    } finally {
      big.remove();
      small.remove();
    }
  },
};
