// Load: 5,000 pending messages polled through the real client against the sandbox, with the status
// requests in flight counted by a real HTTP relay in front of it; then 1031 answers at that load.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from '../../src/gateway/client';
import type { Credentials } from '../../src/gateway/types';
import { BUSY_BACKOFF_FIRST_MS, StatusPoller } from '../../src/history/poller';
import { HistoryStore, loadHistory } from '../../src/history/store';
import { FaultySandbox } from '../../src/sandbox/faults';
import { removeDir, tempDir } from './fixtures/historyHelpers';
import { FakeClock } from './fixtures/fakeClock';

const creds: Credentials = { username: 'load', password: 'load-pw' };
const PENDING = Number(process.env.INVIOSMART_LOAD_PENDING ?? 5000);
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** Relays every request to the sandbox and counts how many are open at once. */
class CountingRelay {
  inFlight = 0;
  maxInFlight = 0;
  total = 0;
  private server!: http.Server;
  constructor(private readonly target: string) {}
  async start(): Promise<string> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.server = http.createServer((req, res) => {
      this.total++;
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      let done = false;
      const finish = (): void => {
        if (!done) {
          done = true;
          this.inFlight--;
        }
      };
      res.on('close', finish);
      const upstream = http.get(`${this.target}${req.url}`, { agent }, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'text/plain' });
        up.pipe(res);
      });
      upstream.on('error', () => {
        res.destroy();
        finish();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('Load: 5,000 pending messages', function () {
  this.timeout(180_000);
  let dir: string;
  let sandbox: FaultySandbox;
  let relay: CountingRelay;
  let relayUrl: string;
  let clock: FakeClock;
  let store: HistoryStore;
  let smsIds: number[];

  before(async () => {
    sandbox = await FaultySandbox.start({ accounts: [{ username: creds.username, password: creds.password, balance: 1_000_000 }] });
    relay = new CountingRelay(sandbox.url);
    relayUrl = await relay.start();
    // The messages really exist at the sandbox, 50 destinations per request.
    const seeder = new GatewayClient({ baseUrl: sandbox.url, maxConcurrency: 8 });
    const groups = Array.from({ length: Math.ceil(PENDING / 50) }, (_, g) =>
      Array.from({ length: Math.min(50, PENDING - g * 50) }, (_, i) => `39340${String(g * 50 + i).padStart(7, '0')}`));
    const results = await Promise.all(groups.map((destinations) => seeder.send(creds, { destinations, sender: 'Inviosmart', message: 'load' })));
    smsIds = results.flatMap((r) => r.items.map((i) => (i.ok ? i.smsId : 0)));
    await seeder.close();
    assert.equal(smsIds.filter((id) => id > 0).length, PENDING);
  });
  after(async () => {
    await relay.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    dir = tempDir();
    clock = new FakeClock(T0);
    store = await HistoryStore.open(dir, { clock, durable: false, watch: false, pollIntervalMs: 0 });
    relay.inFlight = 0;
    relay.maxInFlight = 0;
    relay.total = 0;
  });
  afterEach(async () => {
    sandbox.clearFaults();
    await store.close();
    removeDir(dir);
  });

  /** `n` sent messages waiting for their status, each a real message at the sandbox. */
  async function fill(n: number): Promise<void> {
    await store.recordMany(smsIds.slice(0, n).map((smsId, i) => ({ destination: `39340${String(i).padStart(7, '0')}`, sender: 'Inviosmart', text: 'load', account: 'load', parts: 1, smsId, state: 'sent' as const })));
    assert.equal(store.pending().length, n);
  }

  async function pollOnce(poller: StatusPoller): Promise<void> {
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        await poller.idle();
      }
    };
    await clock.advance(5_000, settle);
  }

  // The full 5,000 once with the poller's cap (status.maxConcurrency) deciding; the client's own cap on fewer.
  for (const { pollerCap, clientCap, n } of [{ pollerCap: 8, clientCap: 16, n: PENDING }, { pollerCap: 16, clientCap: 3, n: Math.min(PENDING, 600) }]) {
    it(`${n} pending, poller cap ${pollerCap}, client cap ${clientCap}: at most ${Math.min(pollerCap, clientCap)} status requests in flight at the gateway, every message checked once`, async () => {
      await fill(n);
      const client = new GatewayClient({ baseUrl: relayUrl, maxConcurrency: clientCap, maxRetries: 0 });
      sandbox.injectFault({ fault: { kind: 'latency', ms: 1 }, command: 'status' }); // answers overlap
      const poller = new StatusPoller({ store, clock, maxConcurrency: pollerCap, checkStatus: (e, signal) => client.status(creds, e.smsId!, { signal }) });
      try {
        poller.start();
        await pollOnce(poller);
        const cap = Math.min(pollerCap, clientCap);
        assert.equal(relay.total, n, 'one status request per pending message');
        assert.ok(relay.maxInFlight <= cap, `${relay.maxInFlight} in flight > cap ${cap}`);
        assert.ok(relay.maxInFlight >= 2, `the load really overlapped (${relay.maxInFlight})`);
        assert.ok(store.all().every((e) => e.lastPolledAt !== undefined), 'every entry checked');
        if (process.env.INVIOSMART_FIGURES) console.log(`load: ${n} pending, caps ${pollerCap}/${clientCap}, max in flight ${relay.maxInFlight}`);
      } finally {
        poller.dispose();
        await client.close();
      }
    });
  }

  it('1031 answers at load pause the whole poller (doubling), and it recovers afterwards', async () => {
    const n = Math.min(PENDING, 600);
    await fill(n);
    const client = new GatewayClient({ baseUrl: relayUrl, maxConcurrency: 4, maxRetries: 0 });
    // The first 4 (the first wave) and the first probe are answered 1031.
    sandbox.injectFault({ fault: { kind: 'error1031' }, command: 'status', times: 5 });
    const errors: unknown[] = [];
    const poller = new StatusPoller({ store, clock, maxConcurrency: 4, checkStatus: (e, signal) => client.status(creds, e.smsId!, { signal }), onError: (_e, err) => errors.push(err) });
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        await poller.idle();
      }
    };
    try {
      poller.start();
      await clock.advance(5_000, settle);
      const firstWave = relay.total;
      assert.equal(firstWave, 4, 'only the first wave went out before the pause');
      assert.ok(errors.length >= 1 && errors.every((e) => (e as { code?: number }).code === 1031));
      await clock.advance(BUSY_BACKOFF_FIRST_MS - 1, settle);
      assert.equal(relay.total, firstWave, 'nothing during the first pause');
      await clock.advance(1, settle);
      assert.equal(relay.total, firstWave + 1, 'one probe after 10 s');
      await clock.advance(2 * BUSY_BACKOFF_FIRST_MS - 1, settle);
      assert.equal(relay.total, firstWave + 1, 'nothing during the doubled pause');
      await clock.advance(1, settle); // the second probe succeeds: back to full speed
      assert.equal(relay.total, n + firstWave + 1, 'every message checked after recovery; only the 5 busy answers were asked twice');
      assert.ok(relay.maxInFlight <= 4);
      assert.equal(store.all().filter((e) => e.lastPolledAt === undefined).length, 0);
    } finally {
      poller.dispose();
      await client.close();
    }
  });
});

// One "window" in its own process: its own HistoryStore, client and poller on the shared directory.
// Sends its messages 4 at a time, polls until every message of both windows is final, and reports
// any status it saw move backwards. Plain JS run with `node -e` on the transpiled sources.
const WINDOW_SCRIPT = String.raw`
const [src, dir, baseUrl, tag, count] = process.argv.slice(1);
const { HistoryStore } = require(src + '/history/store.js');
const { GatewayClient } = require(src + '/gateway/client.js');
const { dispatchSend } = require(src + '/history/dispatch.js');
const { StatusPoller } = require(src + '/history/poller.js');
const creds = { username: 'sandbox', password: 'sandbox' };
const rank = { sending: 0, unknown: 1, sent: 2, failed: 2 };
(async () => {
  const store = await HistoryStore.open(dir, { durable: false, pollIntervalMs: 200, onError: (e) => console.error('store', e) });
  const client = new GatewayClient({ baseUrl, maxConcurrency: 4, maxRetries: 3, retryBaseDelayMs: 20 });
  const seen = new Map();
  const regressions = [];
  store.onDidChange((c) => {
    for (const e of c.upserted) {
      const before = seen.get(e.key);
      if (before) {
        const why = [];
        if (e.rev < before.rev) why.push('rev');
        if (rank[e.state] < rank[before.state]) why.push('state ' + before.state + '->' + e.state);
        if (before.final && (!e.status || !e.status.final || e.status.code !== before.code)) why.push('final undone');
        if (before.lastChangeOn && (!e.lastChangeOn || e.lastChangeOn < before.lastChangeOn)) why.push('lastChangeOn');
        if (before.smsId !== undefined && e.smsId !== before.smsId) why.push('smsId');
        if (why.length) regressions.push(e.key + ': ' + why.join(', '));
      }
      seen.set(e.key, { rev: e.rev, state: e.state, final: !!(e.status && e.status.final), code: e.status && e.status.code, lastChangeOn: e.lastChangeOn, smsId: e.smsId });
    }
  });
  const poller = new StatusPoller({ store, baseIntervalMs: 300, maxConcurrency: 4, checkStatus: (e, signal) => client.status(creds, e.smsId, { signal }) });
  poller.start();
  let next = 0;
  const errors = [];
  const worker = async () => {
    for (let i = next++; i < Number(count); i = next++) {
      // Endings 04 (temporarily unavailable, then delivered) and 02 (undelivered) make longer histories.
      const ending = ['04', '02', '55', '77'][i % 4];
      const destination = '3934' + tag + String(i).padStart(4, '0') + ending;
      const out = await dispatchSend(store, { client, credentials: creds, account: 'sandbox', sandbox: true }, { destinations: [destination], sender: 'Inviosmart', message: 'window ' + tag + ' #' + i }, 1);
      if (out.error) errors.push(out.error.message);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const until = Date.now() + 90000;
  const total = Number(count) * 2;
  while (Date.now() < until) {
    const all = store.all();
    if (all.length >= total && all.every((e) => e.status && e.status.final)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  poller.dispose();
  await client.close();
  const all = store.all();
  process.stdout.write(JSON.stringify({ seen: all.length, final: all.filter((e) => e.status && e.status.final).length, errors, regressions }) + '\n');
  await store.close();
})().catch((e) => { process.stdout.write(JSON.stringify({ fatal: String(e && e.stack || e) }) + '\n'); process.exitCode = 1; });
`;

interface WindowReport {
  seen: number;
  final: number;
  errors: string[];
  regressions: string[];
  fatal?: string;
}

function runWindow(dir: string, baseUrl: string, tag: string, count: number): Promise<WindowReport> {
  const src = path.join(__dirname, '..', '..', 'src');
  const child = spawn(process.execPath, ['-e', WINDOW_SCRIPT, src, dir, baseUrl, tag, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as WindowReport);
      } catch {
        reject(new Error(`window ${tag} printed: ${out}`));
      }
    });
  });
}

describe('Concurrency: two windows (processes) sending 200 messages each at once', function () {
  this.timeout(180_000);
  const PER_WINDOW = Number(process.env.INVIOSMART_CONCURRENCY_COUNT ?? 200);

  it('both end with all 400, one request and one SMS per message, and no status ever moves backwards', async () => {
    const dir = tempDir();
    const sandbox = await FaultySandbox.start({ accounts: [{ username: 'sandbox', password: 'sandbox', balance: 10_000 }] });
    try {
      const [a, b] = await Promise.all([runWindow(dir, sandbox.url, '1', PER_WINDOW), runWindow(dir, sandbox.url, '2', PER_WINDOW)]);
      for (const [name, r] of [['A', a], ['B', b]] as const) {
        assert.equal(r.fatal, undefined, `${name}: ${r.fatal}`);
        assert.deepEqual(r.errors, [], `${name}: send errors`);
        assert.deepEqual(r.regressions, [], `${name}: statuses moved backwards`);
        assert.equal(r.seen, 2 * PER_WINDOW, `${name} sees every message of both windows`);
        assert.equal(r.final, 2 * PER_WINDOW, `${name} sees every status final`);
      }
      assert.equal(sandbox.requestCount('send'), 2 * PER_WINDOW);
      assert.equal(sandbox.messages.length, 2 * PER_WINDOW);
      const onDisk = await loadHistory(dir);
      assert.equal(onDisk.skippedLines, 0);
      assert.equal(onDisk.entries.length, 2 * PER_WINDOW);
      assert.equal(new Set(onDisk.entries.map((e) => e.smsId)).size, 2 * PER_WINDOW, 'every entry has its own SMSId');
      for (const e of onDisk.entries) {
        const expected = e.destination.endsWith('02') ? 'Undelivered' : 'Delivered';
        assert.equal(e.status?.label, expected, `${e.destination}: ${e.status?.label}`);
        assert.equal(e.state, expected === 'Delivered' ? 'sent' : 'failed');
      }
      if (process.env.INVIOSMART_FIGURES) console.log(`concurrency: 2 x ${PER_WINDOW} sends, ${sandbox.requestCount('status')} status requests, 0 lost, 0 regressions`);
    } finally {
      await sandbox.close();
      removeDir(dir);
    }
  });
});
