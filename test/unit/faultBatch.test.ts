// A bulk send under disk faults: a window creates a batch and sends it to a real sandbox gateway
// on 127.0.0.1 while one step of its disk (batch plan, batch journal, markers, locks, and the
// history it records in) fails with each fault that fits it (faultFs.ts). The next window, on a
// healthy disk, resumes the batch. For every combination:
//   - no number reaches the gateway twice (no row dispatched twice by resume);
//   - no row the gateway accepted is recorded as failed, and none is left pending;
//   - every error the batch raised says in words what failed and what to do.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchStore, countRows, type BatchHandle } from '../../src/bulk/batchStore';
import { BulkError } from '../../src/bulk/errors';
import { runBatch, type BatchSummary } from '../../src/bulk/runner';
import { GatewayClient } from '../../src/gateway/client';
import type { SendRequest } from '../../src/gateway/types';
import { HistoryStore } from '../../src/history/store';
import { SandboxGateway } from '../../src/sandbox/server';
import { newBatch, numberFor, plannedRows, removeDir, tempDir } from './bulkFixtures';
import { describeFault, FaultyFs, faultsFor, PLAIN_ERROR, type FsStep } from './faultFs';

const DEAD_PID = spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999_999;
const ROWS = 4;
const USER = { username: 'faults', password: 'pw fault 1' };
const QUIET = { watch: false, pollIntervalMs: 0, autoCompact: false } as const;

interface Window {
  errors: string[];
  batchId?: string;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The first window: creates the batch and sends it on the faulty disk. */
async function firstWindow(dir: string, fsx: FaultyFs, client: GatewayClient): Promise<Window> {
  const w: Window = { errors: [] };
  let history: HistoryStore | undefined;
  let handle: BatchHandle | undefined;
  try {
    history = await HistoryStore.open(path.join(dir, 'history'), { ...QUIET, fs: fsx, lockOwner: { pid: DEAD_PID, host: os.hostname() }, onError: (e) => w.errors.push(message(e)) });
    const store = new BatchStore(path.join(dir, 'batches'), { fs: fsx, owner: { pid: DEAD_PID, host: os.hostname() } });
    handle = await store.create(newBatch(plannedRows(ROWS), { maxPerRequest: 1 }));
    w.batchId = handle.batchId;
    const send = (req: SendRequest): ReturnType<GatewayClient['send']> => {
      // A crashed window sends nothing more.
      if (fsx.crashed) return Promise.reject(new Error('the window is gone'));
      return client.send(USER, req);
    };
    const summary: BatchSummary = await runBatch(handle, { history, send }, { concurrency: 1, maxPerSecond: 0 });
    if (summary.stopped) w.errors.push(`${summary.stopped.gatewayText} ${summary.stopped.explanation ?? ''}`);
    await handle.finishIfDone((k) => history?.get(k));
  } catch (e) {
    w.errors.push(message(e));
  }
  await handle?.close().catch(() => undefined);
  await history?.close().catch(() => undefined);
  await fsx.closeAll();
  // The batch id is on disk even if create failed after the lock: look for a plan.
  if (!w.batchId) {
    const plans = fs.existsSync(path.join(dir, 'batches')) ? fs.readdirSync(path.join(dir, 'batches')).filter((n) => n.endsWith('.plan.json')) : [];
    w.batchId = plans[0]?.slice(0, -'.plan.json'.length);
  }
  return w;
}

describe('bulk send under disk faults (fault injection at the fs boundary, real sandbox gateway)', function () {
  this.timeout(600_000);
  let sandbox: SandboxGateway;
  let client: GatewayClient;
  let trace: FsStep[];

  before(async () => {
    sandbox = await SandboxGateway.start({ accounts: [{ ...USER, balance: 1_000_000 }] });
    client = new GatewayClient({ baseUrl: sandbox.url });
    const dir = tempDir();
    const clean = new FaultyFs();
    const w = await firstWindow(dir, clean, client);
    assert.deepEqual(w.errors, [], 'the batch runs clean without faults');
    trace = clean.trace;
    removeDir(dir);
  });
  after(async () => {
    await client.close();
    await sandbox.close();
  });

  it('every step × every fault: nothing sent twice, nothing accepted recorded as failed, errors in words', async () => {
    const figures = { combinations: 0, fired: 0, resumed: 0, neverCreated: 0, gatewaySends: 0, duplicates: 0, acceptedAsFailed: 0, pendingLeft: 0 };
    for (const step of trace) {
      for (const fault of faultsFor(step)) {
        const ctx = `(fault: ${describeFault(fault)} at step ${step.n}, ${step.op} ${path.basename(step.file)})`;
        const dir = tempDir();
        const first = sandbox.messages.length;
        try {
          const fsx = new FaultyFs({ at: step.n, fault });
          const w = await firstWindow(dir, fsx, client);
          figures.combinations++;
          if (fsx.fired) figures.fired++;
          if (fault.kind !== 'crash') for (const e of w.errors) assert.match(e, PLAIN_ERROR, `error without words for the user ${ctx}: ${e}`);

          // The next window, healthy disk.
          const history = await HistoryStore.open(path.join(dir, 'history'), QUIET);
          try {
            const store = new BatchStore(path.join(dir, 'batches'));
            let handle: BatchHandle | undefined;
            try {
              handle = w.batchId ? await store.open(w.batchId) : undefined;
            } catch (e) {
              // A plan that never reached the disk whole is no batch: nothing can have been sent for it.
              if (!(e instanceof BulkError) || (e.code !== 'batch-not-found' && e.code !== 'batch-corrupt')) throw e;
            }
            if (handle) {
              figures.resumed++;
              await handle.reconcile(history);
              await runBatch(handle, { history, send: (req) => client.send(USER, req) }, { concurrency: 1, maxPerSecond: 0 });
              const counts = countRows(handle.statuses((k) => history.get(k)));
              figures.pendingLeft += counts.unsent;
              assert.equal(counts.unsent, 0, `rows left pending after resume ${ctx}`);
              for (const s of handle.statuses((k) => history.get(k))) {
                const accepted = sandbox.messages.slice(first).some((m) => m.destination === numberFor(s.row));
                if (accepted && s.state === 'failed') figures.acceptedAsFailed++;
                assert.ok(!(accepted && s.state === 'failed'), `row ${s.row} was accepted by the gateway but is recorded as failed ${ctx}`);
              }
              await handle.close();
            } else {
              figures.neverCreated++;
              assert.equal(sandbox.messages.length, first, `sent without a batch on disk ${ctx}`);
            }
            for (const e of history.all()) {
              const accepted = sandbox.messages.slice(first).some((m) => m.destination === e.destination);
              assert.ok(!(accepted && e.state === 'failed'), `history entry for ${e.destination} accepted but failed ${ctx}`);
            }
          } finally {
            await history.close();
          }
          const sent = sandbox.messages.slice(first);
          figures.gatewaySends += sent.length;
          for (let row = 0; row < ROWS; row++) {
            const n = sent.filter((m) => m.destination === numberFor(row)).length;
            if (n > 1) figures.duplicates++;
            assert.ok(n <= 1, `row ${row} reached the gateway ${n} times ${ctx}`);
          }
        } finally {
          removeDir(dir);
        }
      }
    }
    console.log(`      batch faults: ${trace.length} steps, ${JSON.stringify(figures)}`);
    assert.equal(figures.fired, figures.combinations, 'every planned fault was reached');
    assert.ok(figures.combinations > 300, `only ${figures.combinations} combinations`);
  });
});
