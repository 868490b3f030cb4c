// No duplicate spending: a send whose answer is lost is recorded as outcome unknown and is never sent
// again by the client, the poller, the bulk sender or resume. The proof is the sandbox's own count of
// requests and of messages per destination.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { BatchStore, type BatchHandle } from '../../src/bulk/batchStore';
import { runBatch } from '../../src/bulk/runner';
import { GatewayClient } from '../../src/gateway/client';
import type { Credentials } from '../../src/gateway/types';
import { dispatchSend } from '../../src/history/dispatch';
import { StatusPoller } from '../../src/history/poller';
import { HistoryStore } from '../../src/history/store';
import { FaultySandbox, type SandboxFault } from '../../src/sandbox/faults';
import { newBatch, numberFor, plannedRows, realDelay, removeDir, tempDir } from './bulkFixtures';

const creds: Credentials = { username: 'sandbox', password: 'sandbox' };
// maxRetries high on purpose: if any path retried a send, this would let it.
const OPTS = { connectTimeoutMs: 2000, headersTimeoutMs: 300, bodyTimeoutMs: 300, maxRetries: 5, retryBaseDelayMs: 1, retryMaxDelayMs: 2 };

/** Faults after which the gateway may have taken the message but the client cannot know. */
const LOST: Array<{ name: string; fault: SandboxFault; charged: boolean }> = [
  { name: 'reset after the request is read', fault: { kind: 'resetAfterRead' }, charged: true },
  { name: 'no answer (time-out)', fault: { kind: 'hang' }, charged: true },
  { name: 'a truncated answer', fault: { kind: 'truncatedStatus' }, charged: true },
  { name: 'reset before the request is read', fault: { kind: 'resetBeforeRead' }, charged: false },
  { name: 'HTTP 502', fault: { kind: 'http', status: 502 }, charged: false },
];

function perDestination(sandbox: FaultySandbox): Map<string, number> {
  const m = new Map<string, number>();
  for (const msg of sandbox.messages) m.set(msg.destination, (m.get(msg.destination) ?? 0) + 1);
  return m;
}

describe('No duplicate spending', function () {
  this.timeout(60_000);
  let dir: string;
  let sandbox: FaultySandbox;
  let client: GatewayClient;
  let history: HistoryStore;
  const handles: BatchHandle[] = [];

  beforeEach(async () => {
    dir = tempDir('inviosmart-nodup-');
    sandbox = await FaultySandbox.start({ accounts: [{ username: 'sandbox', password: 'sandbox', balance: 1000 }] });
    client = new GatewayClient({ baseUrl: sandbox.url, ...OPTS });
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close();
    await history.close();
    await client.close();
    await sandbox.close();
    removeDir(dir);
  });

  for (const c of LOST) {
    it(`single send, ${c.name}: one request, entry unknown, not polled, still one request later`, async () => {
      sandbox.injectFault({ fault: c.fault, command: 'send', times: 1 });
      const out = await dispatchSend(history, { client, credentials: creds, account: 'sandbox', sandbox: true }, { destinations: ['393401234567'], sender: 'Inviosmart', message: 'once' }, 1);
      assert.equal(out.error?.outcomeUnknown, true, out.error?.message);
      assert.equal(history.get(out.entries[0].key)?.state, 'unknown');
      // The poller has nothing to ask about (no SMSId) and nothing in it may send.
      const poller = new StatusPoller({ store: history, checkStatus: (e, signal) => client.status(creds, e.smsId!, { signal }) });
      poller.start();
      await poller.refreshNow();
      poller.dispose();
      await realDelay(400); // long enough for any delayed retry of the HTTP layer to show
      assert.equal(sandbox.requestCount('send'), 1);
      assert.equal(sandbox.requestCount('status'), 0);
      assert.equal(sandbox.messages.length, c.charged ? 1 : 0);
    });
  }

  it('bulk: lost answers leave rows unknown; the run and a resume never send them again (counted at the sandbox)', async () => {
    const rows = 12;
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false });
    const h = await store.create(newBatch(plannedRows(rows), { sandbox: true, account: 'sandbox', sender: 'Inviosmart' }));
    handles.push(h);
    // The first two send requests lose their answers, one each way; the rest are answered.
    sandbox.injectFault({ fault: { kind: 'resetAfterRead' }, command: 'send', times: 1 });
    sandbox.injectFault({ fault: { kind: 'hang' }, command: 'send', times: 1 });
    const send = (req: Parameters<GatewayClient['send']>[1]) => client.send(creds, req);
    const first = await runBatch(h, { history, send }, { concurrency: 1, maxPerSecond: 0 });
    assert.equal(first.run.unknown, 2);
    assert.equal(first.run.sent, rows - 2);
    assert.equal(sandbox.requestCount('send'), rows);
    const unknownRows = first.unknown.map((u) => u.row);
    assert.deepEqual(unknownRows, [0, 1]);
    for (const r of unknownRows) {
      const entry = history.all().find((e) => e.destination === numberFor(r));
      assert.equal(entry?.state, 'unknown');
    }
    await h.close();
    handles.splice(handles.indexOf(h), 1);

    // Resume twice without choosing the unknown rows: nothing goes out.
    for (let round = 0; round < 2; round++) {
      const again = await store.open(h.batchId);
      handles.push(again);
      await again.reconcile(history);
      const next = await runBatch(again, { history, send }, { concurrency: 2, maxPerSecond: 0 });
      assert.equal(next.run.rows, 0);
      await again.close();
      handles.splice(handles.indexOf(again), 1);
    }
    await realDelay(400);
    assert.equal(sandbox.requestCount('send'), rows, 'one request per row, ever');
    const counts = perDestination(sandbox);
    for (let r = 0; r < rows; r++) assert.equal(counts.get(numberFor(r)), 1, `row ${r}: one SMS at the gateway`);
    assert.equal(history.all().length, rows, 'one history entry per row');
  });

  it('bulk: three lost answers in a row stop the batch instead of spending more', async () => {
    const store = new BatchStore(path.join(dir, 'batches'), { durable: false });
    const h = await store.create(newBatch(plannedRows(10), { sandbox: true, account: 'sandbox', sender: 'Inviosmart' }));
    handles.push(h);
    sandbox.injectFault({ fault: { kind: 'resetAfterRead' }, command: 'send' });
    const summary = await runBatch(h, { history, send: (req) => client.send(creds, req) }, { concurrency: 1, maxPerSecond: 0 });
    assert.ok(summary.stopped, 'stopped');
    assert.equal(summary.run.unknown, 3);
    assert.equal(sandbox.requestCount('send'), 3);
    assert.equal(summary.counts.unsent, 7);
  });
});
