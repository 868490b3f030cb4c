// Status requests with several windows open on one history: the windows elect one poller through
// the lease in the shared folder, so three windows should ask the gateway no more than one does.
// Each "window" is what a VS Code window runs: its own HistoryStore on the shared folder (watching
// the others' writes), its own PollerElection and StatusPoller, and its own GatewayClient talking
// to the sandbox on 127.0.0.1. 100 messages that stay pending (numbers ending in 00) are sent
// through the sandbox for real. One window, three elected windows and three without the election run
// side by side (so they share the machine's load), each on its own folder and sandbox account; the
// requests are counted per account at the sandbox over the same 10 s (1 s base interval, all messages
// under a minute old).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayClient } from '../src/gateway/client';
import { PollerElection } from '../src/history/election';
import { StatusPoller } from '../src/history/poller';
import { HistoryStore } from '../src/history/store';
import { SandboxGateway } from '../src/sandbox/server';
import { median, type Bench } from './report';

const PENDING_COUNT = 100;
const WINDOWS = 3;
const BASE_INTERVAL_MS = 1000;
const MEASURE_MS = 10_000;
const ROUNDS = 3;
type Creds = { username: string; password: string };
/** One sandbox account per setup, so the setups running side by side are counted apart. */
const ACCOUNTS: Creds[] = ['one', 'three', 'unelected'].map((name) => ({ username: `bench-${name}`, password: `bench-${name}-secret` }));

interface Window {
  store: HistoryStore;
  election: PollerElection | undefined;
  poller: StatusPoller;
  client: GatewayClient;
  close(): Promise<void>;
}

async function openWindow(dir: string, sandbox: SandboxGateway, creds: Creds, elected: boolean): Promise<Window> {
  const store = await HistoryStore.open(dir, { durable: false, autoCompact: false });
  const client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
  const election = elected ? new PollerElection({ dir, isFocused: () => true }) : undefined;
  const poller = new StatusPoller({
    store,
    baseIntervalMs: BASE_INTERVAL_MS,
    // As before elections, every (focused) window polls when there is none.
    isActive: () => election?.isLeader ?? true,
    checkStatus: (e, signal) => client.status(creds, e.smsId as number, { signal }),
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

function statusRequests(sandbox: SandboxGateway, creds: Creds): number {
  return sandbox.requests.filter((r) => r.command === 'status' && r.query.username === creds.username).length;
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
async function freshHistory(sandbox: SandboxGateway, creds: Creds): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inviosmart-${creds.username}-`));
  const client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
  const destinations = Array.from({ length: PENDING_COUNT }, (_, i) => `39340${String(i).padStart(5, '0')}00`);
  const sent = await client.send(creds, { destinations, sender: 'Bench', message: 'Pending for ever' });
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

interface Setup {
  creds: Creds;
  dir: string;
  windows: Window[];
}

async function openSetup(sandbox: SandboxGateway, creds: Creds, count: number, elected: boolean): Promise<Setup> {
  const dir = await freshHistory(sandbox, creds);
  const windows: Window[] = [];
  for (let i = 0; i < count; i++) windows.push(await openWindow(dir, sandbox, creds, elected));
  return { creds, dir, windows };
}

async function closeSetup(s: Setup): Promise<void> {
  await Promise.all(s.windows.map((w) => w.close()));
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/**
 * One round: the one-window setup and the three-window ones run side by side (so they share whatever
 * load the machine has), each on its own folder and sandbox account; requests counted per account.
 */
async function round(sandbox: SandboxGateway): Promise<{ one: number; three: number; unelected: number; handoverMs: number }> {
  const setups = [
    await openSetup(sandbox, ACCOUNTS[0], 1, true),
    await openSetup(sandbox, ACCOUNTS[1], WINDOWS, true),
    await openSetup(sandbox, ACCOUNTS[2], WINDOWS, false),
  ];
  try {
    for (const s of setups.slice(0, 2)) await waitUntil('a poller to be elected', () => s.windows.some((w) => w.election?.isLeader));
    const before = setups.map((s) => statusRequests(sandbox, s.creds));
    await sleep(MEASURE_MS);
    const [one, three, unelected] = setups.map((s, i) => statusRequests(sandbox, s.creds) - before[i]);
    // The poller window closes: how long until another one asks the gateway again.
    const elected = setups[1];
    const leader = elected.windows.find((w) => w.election?.isLeader)!;
    elected.windows.splice(elected.windows.indexOf(leader), 1);
    const asked = statusRequests(sandbox, elected.creds);
    const t = performance.now();
    await leader.close();
    await waitUntil('another window to take over', () => elected.windows.some((w) => w.election?.isLeader) && statusRequests(sandbox, elected.creds) > asked);
    return { one, three, unelected, handoverMs: performance.now() - t };
  } finally {
    await Promise.all(setups.map(closeSetup));
  }
}

export const pollerWindowsBench: Bench = {
  name: 'windows',
  description: `Gateway status requests with ${WINDOWS} windows open on one history (${PENDING_COUNT} pending) vs one window, side by side, counted at the sandbox`,
  async run(log) {
    // Requests are counted per account from the sandbox's log, which keeps the latest 1,000 by default:
    // past that the counts of later rounds came out wrong (negative). It keeps them all here.
    const sandbox = await SandboxGateway.start({ accounts: ACCOUNTS.map((a) => ({ ...a, balance: 1000 })), maxLoggedRequests: 1_000_000 });
    try {
      const rounds: Array<Awaited<ReturnType<typeof round>>> = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await round(sandbox);
        rounds.push(r);
        log(`  round ${i + 1}: one window ${r.one} requests, ${WINDOWS} elected ${r.three}, ${WINDOWS} without election ${r.unelected} (hand-over ${r.handoverMs.toFixed(0)} ms)`);
      }
      const per = (v: number[]): string => `${median(v).toFixed(0)} status requests in ${MEASURE_MS / 1000} s`;
      const one = rounds.map((r) => r.one);
      return [
        {
          name: `${WINDOWS} windows polling ${PENDING_COUNT} pending messages vs one window alongside (status requests at the sandbox; median of ${ROUNDS} rounds)`,
          measured: per(rounds.map((r) => r.three)),
          baseline: per(one),
          ratio: median(rounds.map((r) => r.three / r.one)),
          target: { op: '<=', value: 1.05 },
        },
        {
          name: `  same ${WINDOWS} windows without the election (each window polls, as before)`,
          measured: per(rounds.map((r) => r.unelected)),
          baseline: per(one),
          ratio: median(rounds.map((r) => r.unelected / r.one)),
        },
        {
          name: '  the poller window closes: until another window asks the gateway (median)',
          measured: `${median(rounds.map((r) => r.handoverMs)).toFixed(0)} ms`,
          baseline: '—',
        },
      ];
    } finally {
      await sandbox.close();
    }
  },
};
