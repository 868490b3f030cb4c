// Bulk send against the sandbox in a child process, as the extension runs it: the real runner, a real
// HistoryStore and batch journal on disk with fsync, a GatewayClient, a 50 ms latency fault on send.
//   (1) 1,000 rows at the highest concurrency setting vs the ideal, and vs a sequential loop of single
//       sends (Send SMS once per row: record, send, complete);
//   (2) 1,000 rows at the default concurrency, each row its own request, vs the ideal;
//   (3) the same rows sharing one text, grouped 50 to a request, vs (2);
//   (4) the default rate limit (10 requests a second) vs the ideal it allows;
//   (5) the runner's own cost per row at 0 ms latency (history + journal), vs bare client sends.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchStore } from '../src/bulk/batchStore';
import { runBatch, DEFAULT_CONCURRENCY, DEFAULT_MAX_PER_SECOND } from '../src/bulk/runner';
import type { PlannedRow } from '../src/bulk/plan';
import { GatewayClient } from '../src/gateway/client';
import type { Credentials } from '../src/gateway/types';
import { dispatchSend } from '../src/history/dispatch';
import { HistoryStore } from '../src/history/store';
import { formatNumber, median, spread, timed, type Bench } from './report';
import { SandboxProcess } from './support/sandboxProcess';

const CREDS: Credentials = { username: 'bulk', password: 'bulk&b3nch pass' };
const BALANCE_EUR = 1_000_000;
const LATENCY_MS = 50;
const ROWS = 1000;
/** The highest `inviosmart.bulk.concurrency` allows. */
const MAX_CONCURRENCY = 16;
const SEQUENTIAL_ROWS = 100;
const SAMPLES = 3;
const RATE_ROWS = 50;
const GROUP = 50;

function rows(n: number, sharedText: boolean, offset = 0): PlannedRow[] {
  return Array.from({ length: n }, (_, i) => ({
    row: i,
    line: i + 2,
    destination: `39333${String(offset + i).padStart(7, '0')}`,
    text: sharedText ? 'Saldi: -30% su tutto fino a domenica!' : `Ciao cliente ${offset + i}, il tuo codice è ${1000 + i}`,
    parts: 1,
  }));
}

interface RunSpec {
  rows: PlannedRow[];
  concurrency: number;
  maxPerSecond: number;
  maxPerRequest: number;
  /** fsync the history and the journal, as the extension does. Default true. */
  durable?: boolean;
}

/** One batch from a fresh history and batch directory (a long-lived history would add compactions). */
async function runOnce(sandbox: SandboxProcess, spec: RunSpec): Promise<{ ms: number; requests: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-bench-bulk-'));
  const durable = spec.durable !== false;
  const history = await HistoryStore.open(path.join(dir, 'history'), { watch: false, durable });
  const store = new BatchStore(path.join(dir, 'batches'), { durable });
  // The extension raises the shared client's cap above the bulk concurrency the same way.
  const client = new GatewayClient({ baseUrl: sandbox.url, maxConcurrency: spec.concurrency + 2 });
  try {
    await client.send(CREDS, { destinations: ['393330000000'], sender: 'Bench', message: 'warm-up' });
    const handle = await store.create({
      account: 'bench', sandbox: false, sender: 'Bench', source: 'bench.csv', template: '', destinationColumn: 'phone',
      maxPerRequest: spec.maxPerRequest, rows: spec.rows, skipped: [],
    });
    const before = await sandbox.requestCount('send');
    let sent = 0;
    const t = await timed(async () => {
      const summary = await runBatch(handle, { history, send: (req) => client.send(CREDS, req) }, {
        concurrency: spec.concurrency, maxPerSecond: spec.maxPerSecond, maxPerRequest: spec.maxPerRequest,
      });
      sent = summary.run.sent;
    });
    await handle.close();
    const requests = (await sandbox.requestCount('send')) - before;
    if (sent !== spec.rows.length) throw new Error(`sent ${sent} of ${spec.rows.length}`);
    return { ms: t.ms, requests };
  } finally {
    await client.close();
    await history.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The single-send path once per row, one after another: what sending a list by hand costs. */
async function sequentialLoop(sandbox: SandboxProcess, list: PlannedRow[]): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-bench-seq-'));
  const history = await HistoryStore.open(path.join(dir, 'history'), { watch: false });
  const client = new GatewayClient({ baseUrl: sandbox.url });
  try {
    await client.send(CREDS, { destinations: ['393330000000'], sender: 'Bench', message: 'warm-up' });
    const t = await timed(async () => {
      for (const r of list) {
        const out = await dispatchSend(history, { client, credentials: CREDS, account: 'bench', sandbox: false }, { destinations: [r.destination], sender: 'Bench', message: r.text }, r.parts);
        if (out.entries[0]?.state !== 'sent') throw new Error(`sequential send failed: ${out.error?.gatewayText ?? out.entries[0]?.state}`);
      }
    });
    return t.ms;
  } finally {
    await client.close();
    await history.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same sends through a bare GatewayClient, all handed over at once, its own cap keeping `concurrency` in flight. */
async function bareSends(sandbox: SandboxProcess, list: PlannedRow[], concurrency: number, n: number, log: (line: string) => void): Promise<number[]> {
  const ms: number[] = [];
  for (let s = 0; s < n; s++) {
    const client = new GatewayClient({ baseUrl: sandbox.url, maxConcurrency: concurrency });
    try {
      await client.send(CREDS, { destinations: ['393330000000'], sender: 'Bench', message: 'warm-up' });
      ms.push((await timed(async () => {
        await Promise.all(list.map((r) => client.send(CREDS, { destinations: [r.destination], sender: 'Bench', message: r.text })));
      })).ms);
    } finally {
      await client.close();
    }
    log(`  ${list.length} bare client sends, c=${concurrency} ${s + 1}/${n}: ${formatNumber(ms[s])} ms`);
  }
  return ms;
}

async function samples(n: number, label: string, log: (line: string) => void, run: () => Promise<{ ms: number; requests: number }>, expectedRequests: number): Promise<number[]> {
  const ms: number[] = [];
  for (let s = 0; s < n; s++) {
    const r = await run();
    if (r.requests !== expectedRequests) throw new Error(`${label}: the sandbox saw ${r.requests} send requests, expected ${expectedRequests}`);
    ms.push(r.ms);
    log(`  ${label} ${s + 1}/${n}: ${formatNumber(r.ms)} ms, ${r.requests} requests`);
  }
  return ms;
}

export const bulkBench: Bench = {
  name: 'bulk',
  description: `Bulk send (runner + history + batch journal, fsync) vs the ideal, a sequential loop and grouping, against the sandbox in a child process at ${LATENCY_MS} ms`,
  async run(log) {
    const sandbox = await SandboxProcess.start([{ username: CREDS.username, password: CREDS.password, balance: BALANCE_EUR }]);
    try {
      await sandbox.injectFault({ fault: { kind: 'latency', ms: LATENCY_MS }, command: 'send' });
      const distinct = rows(ROWS, false);
      const shared = rows(ROWS, true);

      const fast = await samples(SAMPLES, `${ROWS} rows, c=${MAX_CONCURRENCY}`, log,
        () => runOnce(sandbox, { rows: distinct, concurrency: MAX_CONCURRENCY, maxPerSecond: 0, maxPerRequest: 1 }), ROWS);
      const noSync = await samples(SAMPLES, `${ROWS} rows, c=${MAX_CONCURRENCY}, no fsync`, log,
        () => runOnce(sandbox, { rows: distinct, concurrency: MAX_CONCURRENCY, maxPerSecond: 0, maxPerRequest: 1, durable: false }), ROWS);
      // What this machine allows: the same sends through a bare client at the same concurrency, no runner, no disk.
      const clientOnly = await bareSends(sandbox, distinct, MAX_CONCURRENCY, SAMPLES, log);
      const sequential: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        sequential.push(await sequentialLoop(sandbox, distinct.slice(0, SEQUENTIAL_ROWS)));
        log(`  ${SEQUENTIAL_ROWS} rows one by one ${s + 1}/${SAMPLES}: ${formatNumber(sequential[s])} ms`);
      }
      if (median(sequential) / SEQUENTIAL_ROWS < LATENCY_MS) throw new Error('the sandbox latency fault was not applied');
      const ungrouped = await samples(SAMPLES, `${ROWS} rows, one text, ungrouped, c=${DEFAULT_CONCURRENCY}`, log,
        () => runOnce(sandbox, { rows: shared, concurrency: DEFAULT_CONCURRENCY, maxPerSecond: 0, maxPerRequest: 1 }), ROWS);
      const grouped = await samples(SAMPLES, `${ROWS} rows, one text, ${GROUP} per request, c=${DEFAULT_CONCURRENCY}`, log,
        () => runOnce(sandbox, { rows: shared, concurrency: DEFAULT_CONCURRENCY, maxPerSecond: 0, maxPerRequest: GROUP }), ROWS / GROUP);
      const clientDefault = await bareSends(sandbox, shared, DEFAULT_CONCURRENCY, 1, log);
      const limited = await samples(1, `${RATE_ROWS} rows at ${DEFAULT_MAX_PER_SECOND}/s, c=${DEFAULT_CONCURRENCY}`, log,
        () => runOnce(sandbox, { rows: distinct.slice(0, RATE_ROWS), concurrency: DEFAULT_CONCURRENCY, maxPerSecond: DEFAULT_MAX_PER_SECOND, maxPerRequest: 1 }), RATE_ROWS);

      await sandbox.clearFaults();
      const overhead = await samples(SAMPLES, `${ROWS} rows at 0 ms, c=${MAX_CONCURRENCY}`, log,
        () => runOnce(sandbox, { rows: distinct, concurrency: MAX_CONCURRENCY, maxPerSecond: 0, maxPerRequest: 1 }), ROWS);
      const bare = await bareSends(sandbox, distinct, MAX_CONCURRENCY, SAMPLES, log);

      const idealFast = (ROWS * LATENCY_MS) / MAX_CONCURRENCY;
      const idealDefault = (ROWS * LATENCY_MS) / DEFAULT_CONCURRENCY;
      // A sliding window lets the first 10 go at once, then 10 more each second; the last answer comes one latency later.
      const idealRate = (Math.ceil(RATE_ROWS / DEFAULT_MAX_PER_SECOND) - 1) * 1000 + LATENCY_MS;
      const seqScaled = median(sequential) * (ROWS / SEQUENTIAL_ROWS);
      const m = (xs: number[]): string => `${formatNumber(median(xs))} ms ${spread(xs)}`.trim();
      const perRow = (xs: number[]): string => `${formatNumber((median(xs) * 1000) / ROWS)} µs/row`;
      return [
        {
          name: `${formatNumber(ROWS)} rows @ ${LATENCY_MS} ms, c=${MAX_CONCURRENCY}, vs ideal (lower is better)`,
          measured: m(fast),
          baseline: `${formatNumber(idealFast)} ms = ${ROWS}×${LATENCY_MS}/${MAX_CONCURRENCY}`,
          ratio: median(fast) / idealFast,
          target: { op: '<=', value: 1.15 },
        },
        {
          name: '  same without fsync (history and journal): the disk\'s share',
          measured: m(noSync),
          baseline: `${formatNumber(idealFast)} ms`,
          ratio: median(noSync) / idealFast,
        },
        {
          name: '  bare client, same sends, no runner or disk, vs ideal',
          measured: m(clientOnly),
          baseline: `${formatNumber(idealFast)} ms`,
          ratio: median(clientOnly) / idealFast,
        },
        {
          name: '  speed-up over a sequential loop of single sends',
          measured: `${formatNumber(median(fast))} ms`,
          baseline: `${formatNumber(seqScaled)} ms (${SEQUENTIAL_ROWS} rows ×${ROWS / SEQUENTIAL_ROWS})`,
          ratio: seqScaled / median(fast),
          target: { op: '>=', value: 10 },
        },
        {
          name: `${formatNumber(ROWS)} rows @ ${LATENCY_MS} ms, c=${DEFAULT_CONCURRENCY} (default), vs ideal`,
          measured: m(ungrouped),
          baseline: `${formatNumber(idealDefault)} ms = ${ROWS}×${LATENCY_MS}/${DEFAULT_CONCURRENCY}`,
          ratio: median(ungrouped) / idealDefault,
          target: { op: '<=', value: 1.15 },
        },
        {
          name: '  bare client, same sends, no runner or disk, vs ideal',
          measured: m(clientDefault),
          baseline: `${formatNumber(idealDefault)} ms`,
          ratio: median(clientDefault) / idealDefault,
        },
        {
          name: `  grouped speed-up: one text, ${GROUP} numbers a request (${ROWS / GROUP} requests) vs ${ROWS}`,
          measured: m(grouped),
          baseline: `${formatNumber(median(ungrouped))} ms ungrouped`,
          ratio: median(ungrouped) / median(grouped),
          target: { op: '>=', value: 5 },
        },
        {
          name: `${RATE_ROWS} rows at the default ${DEFAULT_MAX_PER_SECOND} requests/s vs ideal`,
          measured: m(limited),
          baseline: `${formatNumber(idealRate)} ms`,
          ratio: median(limited) / idealRate,
          target: { op: '<=', value: 1.15 },
        },
        {
          name: `  runner cost at 0 ms: history + journal (fsync) vs bare sends, c=${MAX_CONCURRENCY}`,
          measured: `${m(overhead)} (${perRow(overhead)})`,
          baseline: `${m(bare)} (${perRow(bare)})`,
          ratio: median(overhead) / median(bare),
        },
      ];
    } finally {
      await sandbox.clearFaults().catch(() => undefined);
      await sandbox.close();
    }
  },
};
