// Status requests with several windows open on one history: the windows elect one poller through
// the lease in the shared folder, so three windows should ask the gateway no more than one does.
// Each "window" is what a VS Code window runs: its own HistoryStore on the shared folder (watching
// the others' writes), its own PollerElection and StatusPoller, and its own GatewayClient talking
// to the sandbox on 127.0.0.1. 100 messages that stay pending (numbers ending in 00) are sent
// through the sandbox for real; the requests are counted at the sandbox over the same stretch of
// real time, with the same schedule (1 s base interval, all messages under a minute old).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayClient } from '../src/gateway/client';
import { PollerElection } from '../src/history/election';
import { StatusPoller } from '../src/history/poller';
import { HistoryStore } from '../src/history/store';
import { SandboxGateway } from '../src/sandbox/server';
import type { Bench, Row } from './report';
import { median } from './report';

const PENDING_COUNT = 100;
const WINDOWS = 3;
const BASE_INTERVAL_MS = 1000;
const MEASURE_MS = 10_000;
const ROUNDS = 2;
const CREDS = { username: 'bench-windows', password: 'bench-windows-secret' };

interface Window {
  store: HistoryStore;
  election: PollerElection | undefined;
  poller: StatusPoller;
  client: GatewayClient;
  close(): Promise<void>;
}

async function openWindow(dir: string, sandbox: SandboxGateway, elected: boolean): Promise<Window> {
  const store = await HistoryStore.open(dir, { durable: false, autoCompact: false });
  const client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
  const election = elected ? new PollerElection({ dir, isFocused: () => true }) : undefined;
  const poller = new StatusPoller({
    store,
    baseIntervalMs: BASE_INTERVAL_MS,
    // As before elections, every (focused) window polls when there is none.
    isActive: () => election?.isLeader ?? true,
    checkStatus: (e, signal) => client.status(CREDS, e.smsId as number, { signal }),
  });
  election?.onDidChange(() => poller.setActive(true));
  poller.start();
  await election?.start();
  return {
    store,
    election,
    poller,
    client,
    close: async () => {
      poller.dispose();
      election?.dispose();
      await store.close();
      await client.close();
    },
  };
}

function statusRequests(sandbox: SandboxGateway): number {
  return sandbox.requests.filter((r) => r.command === 'status').length;
}

async function waitUntil(what: string, test: () => boolean, timeoutMs = 15_000): Promise<number> {
  const start = performance.now();
  while (!test()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - start;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh folder with 100 just-sent pending messages, as the send command records them. */
async function freshHistory(sandbox: SandboxGateway, round: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inviosmart-bench-windows-${round}-`));
  const client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
  const destinations = Array.from({ length: PENDING_COUNT }, (_, i) => `39340${String(i).padStart(5, '0')}00`);
  const sent = await client.send(CREDS, { destinations, sender: 'Bench', message: 'Pending for ever' });
  await client.close();
  const store = await HistoryStore.open(dir, { durable: false, autoCompact: false, watch: false, pollIntervalMs: 0 });
  await store.recordMany(
    sent.items.map((item) => {
      if (!item.ok) throw new Error(`the sandbox refused ${item.destination}`);
      return { destination: item.destination, sender: 'Bench', text: 'Pending for ever', account: 'bench', parts: 1, smsId: item.smsId, state: 'sent' as const };
    }),
  );
  await store.close();
  return dir;
}

/** Status requests in MEASURE_MS with `count` windows open, once a poller is elected. */
async function measure(sandbox: SandboxGateway, count: number, elected: boolean, round: string): Promise<{ requests: number; handoverMs?: number }> {
  const dir = await freshHistory(sandbox, round);
  const windows: Window[] = [];
  try {
    for (let i = 0; i < count; i++) windows.push(await openWindow(dir, sandbox, elected));
    if (elected) await waitUntil('a poller to be elected', () => windows.some((w) => w.election?.isLeader));
    const before = statusRequests(sandbox);
    await sleep(MEASURE_MS);
    const requests = statusRequests(sandbox) - before;
    let handoverMs: number | undefined;
    if (elected && count > 1) {
      // The poller's window closes: how long until another one asks the gateway again.
      const leader = windows.find((w) => w.election?.isLeader)!;
      windows.splice(windows.indexOf(leader), 1);
      const asked = statusRequests(sandbox);
      const t = performance.now();
      await leader.close();
      await waitUntil('another window to take over', () => windows.some((w) => w.election?.isLeader) && statusRequests(sandbox) > asked);
      handoverMs = performance.now() - t;
    }
    return { requests, handoverMs };
  } finally {
    await Promise.all(windows.map((w) => w.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const pollerWindowsBench: Bench = {
  name: 'windows',
  description: `Gateway status requests with ${WINDOWS} windows open on one history (${PENDING_COUNT} pending) vs one window, counted at the sandbox`,
  async run(log) {
    const sandbox = await SandboxGateway.start({ accounts: [{ ...CREDS, balance: 1000 }] });
    try {
      const one: number[] = [];
      const three: number[] = [];
      const unelected: number[] = [];
      const handovers: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        one.push((await measure(sandbox, 1, true, `1-${round}`)).requests);
        const m = await measure(sandbox, WINDOWS, true, `3-${round}`);
        three.push(m.requests);
        if (m.handoverMs !== undefined) handovers.push(m.handoverMs);
        log(`  round ${round + 1}: 1 window ${one[round]} requests, ${WINDOWS} windows ${three[round]} (handover ${m.handoverMs?.toFixed(0)} ms)`);
      }
      unelected.push((await measure(sandbox, WINDOWS, false, 'unelected')).requests);
      const per = (v: number[]): string => `${median(v).toFixed(0)} status requests in ${MEASURE_MS / 1000} s`;
      const rows: Row[] = [
        {
          name: `${WINDOWS} windows polling ${PENDING_COUNT} pending messages vs one window (status requests at the sandbox)`,
          measured: per(three),
          baseline: per(one),
          ratio: median(three) / median(one),
          target: { op: '<=', value: 1.05 },
        },
        {
          name: `  same ${WINDOWS} windows without the election (each window polls, as before)`,
          measured: per(unelected),
          baseline: per(one),
          ratio: median(unelected) / median(one),
        },
        {
          name: '  the poller window closes: until another window asks the gateway (median)',
          measured: `${median(handovers).toFixed(0)} ms`,
          baseline: '—',
        },
      ];
      return rows;
    } finally {
      await sandbox.close();
    }
  },
};
