// A window killed in the middle of a bulk send (SIGKILL of a real process sending to a real sandbox
// gateway on 127.0.0.1), then resumed here: no number gets two messages, every row ends sent or
// unknown, and only rows that were in flight at the kill can be unknown.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { BatchStore } from '../../src/bulk/batchStore';
import { runBatch } from '../../src/bulk/runner';
import { GatewayClient } from '../../src/gateway/client';
import { HistoryStore } from '../../src/history/store';
import { FaultySandbox } from '../../src/sandbox/faults';
import { numberFor, realDelay, removeDir, tempDir, waitUntil } from './bulkFixtures';

const USER = { username: 'bulk', password: 'pw&crash 1' };

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('bulk send killed mid-way (SIGKILL), then resumed', function () {
  this.timeout(60_000);
  let sandbox: FaultySandbox;

  before(async () => {
    sandbox = await FaultySandbox.start({ accounts: [{ username: USER.username, password: USER.password, balance: 1_000_000 }] });
  });
  after(() => sandbox.close());

  const cases = [
    { rows: 40, distinctTexts: 0, maxPerRequest: 1, concurrency: 4 },
    { rows: 40, distinctTexts: 0, maxPerRequest: 1, concurrency: 4 },
    { rows: 60, distinctTexts: 3, maxPerRequest: 5, concurrency: 3 },
    { rows: 60, distinctTexts: 3, maxPerRequest: 5, concurrency: 3 },
  ];
  const seed = Number(process.env.BULK_CRASH_SEED ?? Math.floor(Math.random() * 1e9));
  const random = seeded(seed);

  cases.forEach((c, n) => {
    it(`run ${n + 1}: ${c.rows} rows, ${c.maxPerRequest} per request, concurrency ${c.concurrency} (seed ${seed})`, async () => {
      const dir = tempDir();
      const firstMessage = sandbox.messages.length;
      const sentBy = (d: string) => sandbox.messages.slice(firstMessage).filter((m) => m.destination === d).length;
      try {
        sandbox.injectFault({ fault: { kind: 'latency', ms: 25 }, command: 'send' });
        const options = { historyDir: path.join(dir, 'history'), batchDir: path.join(dir, 'batches'), url: sandbox.url, ...USER, ...c };
        const child = spawn(process.execPath, [path.join(__dirname, 'bulkWorker.js'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (s: string) => (out += s));
        const exited = new Promise((r) => child.on('exit', r));
        const killAt = 1 + Math.floor(random() * (c.rows - 10));
        await waitUntil(() => sandbox.messages.length - firstMessage >= killAt || /END|ERR/.test(out), `${killAt} messages`, 20_000);
        child.kill('SIGKILL');
        await exited;
        assert.doesNotMatch(out, /ERR|END/, 'the worker was killed before it finished');
        const batchId = /^B (\S+)/m.exec(out)?.[1];
        assert.ok(batchId, out);
        // Requests the sandbox already read are carried out after their latency even though the client is gone.
        await realDelay(80);
        sandbox.clearFaults();

        const history = await HistoryStore.open(options.historyDir, { watch: false });
        const client = new GatewayClient({ baseUrl: sandbox.url });
        try {
          const store = new BatchStore(options.batchDir);
          const handle = await store.open(batchId);
          await handle.reconcile(history);
          const summary = await runBatch(handle, { history, send: (req) => client.send(USER, req) }, { concurrency: 4, maxPerSecond: 0 });
          await handle.close();

          assert.equal(summary.counts.unsent, 0);
          assert.equal(summary.counts.failed, 0);
          assert.equal(summary.counts.sent + summary.counts.unknown, c.rows);
          assert.ok(summary.counts.unknown <= c.concurrency * c.maxPerRequest, `${summary.counts.unknown} unknown rows; at most the in-flight ones`);
          const unknownRows = new Set(summary.unknown.map((u) => u.row));
          for (let i = 0; i < c.rows; i++) {
            const count = sentBy(numberFor(i));
            assert.ok(count <= 1, `row ${i} reached the gateway ${count} times (seed ${seed})`);
            if (!unknownRows.has(i)) assert.equal(count, 1, `row ${i} is sent (seed ${seed})`);
          }
          const entries = history.all().filter((e) => e.batchId === batchId);
          assert.ok(entries.every((e) => e.state === 'sent' || e.state === 'unknown'), `states: ${[...new Set(entries.map((e) => e.state))].join(', ')}`);
          assert.equal(entries.length, c.rows, 'one history entry per row: never-dispatched leftovers were removed');
        } finally {
          await client.close();
          await history.close();
        }
      } finally {
        sandbox.clearFaults();
        removeDir(dir);
      }
    });
  });
});
