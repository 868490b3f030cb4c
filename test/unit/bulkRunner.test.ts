// The bulk runner and the batch files, over a real HistoryStore and real batch files in a temp
// directory; only the gateway (a function) and the clock are the test's.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchStore, countRows, parseJournal, type BatchHandle } from '../../src/bulk/batchStore';
import { BulkError } from '../../src/bulk/errors';
import { runBatch, type BulkProgress } from '../../src/bulk/runner';
import { HistoryStore } from '../../src/history/store';
import { FakeClock, FakeGateway, newBatch, numberFor, plannedRows, realDelay, removeDir, tempDir, waitUntil } from './bulkFixtures';

describe('bulk runner', function () {
  this.timeout(30_000);
  let dir: string;
  let history: HistoryStore;
  let store: BatchStore;
  const open: BatchHandle[] = [];

  beforeEach(async () => {
    dir = tempDir();
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
    store = new BatchStore(path.join(dir, 'batches'), { durable: false });
  });

  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
    await history.close();
    removeDir(dir);
  });

  const create = async (...args: Parameters<typeof newBatch>): Promise<BatchHandle> => {
    const h = await store.create(newBatch(...args));
    open.push(h);
    return h;
  };
  const reopen = async (batchId: string): Promise<BatchHandle> => {
    const h = await store.open(batchId);
    open.push(h);
    await h.reconcile(history);
    return h;
  };
  const entriesOf = (batchId: string) => history.all().filter((e) => e.batchId === batchId);

  it('sends every row once, records each in history with the batch id, and finishes the batch', async () => {
    const gw = new FakeGateway();
    const h = await create(plannedRows(12));
    const summary = await runBatch(h, { history, send: gw.send }, { concurrency: 3, maxPerSecond: 0 });
    assert.deepEqual(summary.run, { ...summary.run, rows: 12, sent: 12, failed: 0, unknown: 0, notSent: 0, requests: 12 });
    assert.deepEqual(summary.counts, { total: 12, unsent: 0, inFlight: 0, sent: 12, failed: 0, unknown: 0, undecided: 0, dropped: 0 });
    for (let i = 0; i < 12; i++) assert.equal(gw.sentCount(numberFor(i)), 1);
    const entries = entriesOf(h.batchId);
    assert.equal(entries.length, 12);
    assert.ok(entries.every((e) => e.state === 'sent' && e.smsId !== undefined && e.sender === 'Acme'));
    assert.ok(fs.existsSync(path.join(store.dir, `${h.batchId}.finished`)));
    assert.deepEqual(await store.list(), []);
  });

  it('each row is in history as "sending" and in the journal before its request goes out', async () => {
    const gw = new FakeGateway();
    const h = await create(plannedRows(4));
    const seenAtSend: Array<{ sending: number; dispatched: number[] }> = [];
    const send: typeof gw.send = async (req) => {
      const journal = parseJournal(fs.readFileSync(path.join(store.dir, `${h.batchId}.journal.jsonl`), 'utf8'));
      seenAtSend.push({
        sending: history.all().filter((e) => e.batchId === h.batchId && e.state === 'sending' && req.destinations.includes(e.destination)).length,
        dispatched: journal.flatMap((l) => (l.t === 'dispatch' ? l.rows : [])),
      });
      return gw.send(req);
    };
    await runBatch(h, { history, send }, { concurrency: 1, maxPerSecond: 0 });
    assert.deepEqual(seenAtSend.map((s) => s.sending), [1, 1, 1, 1]);
    seenAtSend.forEach((s, i) => assert.ok(s.dispatched.includes(i), `row ${i} was in the journal on disk before its send`));
  });

  it('never has more requests in flight than the concurrency', async () => {
    const gw = new FakeGateway();
    gw.hold();
    const h = await create(plannedRows(10));
    const run = runBatch(h, { history, send: gw.send }, { concurrency: 3, maxPerSecond: 0 });
    await waitUntil(() => gw.waitingCount === 3, '3 requests in flight');
    await realDelay(40);
    assert.equal(gw.calls.length, 3, 'a 4th request started while 3 were in flight');
    gw.release(1);
    await waitUntil(() => gw.calls.length === 4, 'the next request after one finished');
    await realDelay(20);
    assert.equal(gw.calls.length, 4);
    gw.release();
    const summary = await run;
    assert.equal(summary.run.sent, 10);
    assert.equal(gw.maxInFlight, 3);
  });

  it('never starts more than maxPerSecond requests in any second (fake clock)', async () => {
    const clock = new FakeClock();
    const gw = new FakeGateway({ clock });
    const h = await create(plannedRows(23));
    const summary = await clock.run(runBatch(h, { history, send: gw.send, clock }, { concurrency: 4, maxPerSecond: 5 }));
    assert.equal(summary.run.sent, 23);
    const starts = gw.calls.map((c) => c.startedAt);
    for (let i = 0; i + 5 < starts.length; i++) {
      assert.ok(starts[i + 5] - starts[i] >= 1000, `6 starts within a second: ${starts.slice(i, i + 6).join(', ')}`);
    }
    // 23 requests at 5 a second: the last group starts at 4 s, not much later.
    assert.ok(summary.run.elapsedMs >= 4000 && summary.run.elapsedMs <= 6000, `elapsed ${summary.run.elapsedMs} ms`);
  });

  it('with latency, bounded concurrency keeps close to the ideal time (fake clock)', async () => {
    const clock = new FakeClock();
    const gw = new FakeGateway({ clock, latencyMs: 100 });
    const h = await create(plannedRows(20));
    const summary = await clock.run(runBatch(h, { history, send: gw.send, clock }, { concurrency: 4, maxPerSecond: 0 }));
    assert.equal(summary.run.sent, 20);
    assert.equal(gw.maxInFlight, 4);
    // Ideal: 20 × 100 ms / 4 = 500 ms.
    assert.ok(summary.run.elapsedMs >= 500 && summary.run.elapsedMs <= 800, `elapsed ${summary.run.elapsedMs} ms`);
  });

  it('groups rows with the same text into multi-destination requests', async () => {
    const gw = new FakeGateway();
    const h = await create(plannedRows(120, 2), { maxPerRequest: 50 });
    const summary = await runBatch(h, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0 });
    assert.equal(summary.run.sent, 120);
    assert.deepEqual(gw.calls.map((c) => c.destinations.length).sort((a, b) => b - a), [50, 50, 10, 10]);
    assert.equal(entriesOf(h.batchId).length, 120);
  });

  it('reports progress with counts and an ETA', async () => {
    const gw = new FakeGateway();
    const h = await create(plannedRows(6));
    const events: BulkProgress[] = [];
    await runBatch(h, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0, onProgress: (p) => events.push(p) });
    assert.equal(events[0].done, 0);
    assert.equal(events[0].etaMs, undefined);
    const last = events[events.length - 1];
    assert.deepEqual([last.total, last.done, last.sent, last.inFlight, last.requestsDone, last.requestsTotal], [6, 6, 6, 0, 6, 6]);
    assert.ok(events.some((e) => e.done > 0 && e.done < 6 && typeof e.etaMs === 'number'));
    for (let i = 1; i < events.length; i++) assert.ok(events[i].done >= events[i - 1].done);
  });

  it('cancel mid-way, then resume: every row is sent exactly once', async () => {
    const gw = new FakeGateway();
    const h = await create(plannedRows(30));
    const abort = new AbortController();
    const first = await runBatch(h, { history, send: gw.send }, {
      concurrency: 3,
      maxPerSecond: 0,
      signal: abort.signal,
      onProgress: (p) => p.requestsDone >= 10 && abort.abort(),
    });
    assert.equal(first.cancelled, true);
    assert.ok(first.run.sent >= 10 && first.run.sent < 30, `sent ${first.run.sent}`);
    assert.equal(first.run.notSent, 30 - first.run.sent);
    assert.equal(first.counts.unsent, 30 - first.run.sent);
    assert.equal(first.counts.inFlight, 0, 'requests in flight at cancel finished');
    // Requests recorded ahead but never sent leave no trace in history.
    assert.deepEqual(entriesOf(h.batchId).map((e) => e.state), Array(first.run.sent).fill('sent'));
    await h.close();

    const listed = await store.list((k) => history.get(k));
    assert.deepEqual(listed.map((b) => [b.batchId, b.counts.unsent, b.busy]), [[h.batchId, 30 - first.run.sent, false]]);

    const again = await reopen(h.batchId);
    const second = await runBatch(again, { history, send: gw.send }, { concurrency: 3, maxPerSecond: 0 });
    assert.equal(second.run.sent, 30 - first.run.sent);
    assert.equal(second.counts.sent, 30);
    for (let i = 0; i < 30; i++) assert.equal(gw.sentCount(numberFor(i)), 1, `row ${i}`);
    assert.equal(entriesOf(h.batchId).length, 30);
  });

  it('a request without an answer leaves its rows unknown; neither the runner nor resume sends them again', async () => {
    const unlucky = new Set([numberFor(3), numberFor(7)]);
    const gw = new FakeGateway({ behaviour: (d) => (unlucky.has(d) ? 'unknown' : 'ok') });
    const h = await create(plannedRows(10));
    const first = await runBatch(h, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0 });
    assert.deepEqual(first.unknown.map((u) => u.row), [3, 7]);
    assert.equal(first.counts.undecided, 2);
    assert.equal(first.unknown[0].destination, numberFor(3));
    assert.match(first.unknown[0].reason, /Timeout/);
    assert.equal(history.all().find((e) => e.destination === numberFor(3))?.state, 'unknown');
    await h.close();

    // Listed for a decision; resuming without choosing them sends nothing.
    assert.equal((await store.list((k) => history.get(k)))[0]?.counts.undecided, 2);
    const again = await reopen(h.batchId);
    const second = await runBatch(again, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0 });
    assert.equal(second.run.rows, 0);
    assert.equal(gw.sentCount(numberFor(3)), 1);
    assert.equal(gw.sentCount(numberFor(7)), 1);

    // Decided: leave them. The batch is finished and no longer listed.
    await again.append({ t: 'settle', rows: [3, 7], as: 'keep-unknown', at: new Date().toISOString() });
    assert.equal(await again.finishIfDone((k) => history.get(k)), true);
    await again.close();
    assert.deepEqual(await store.list((k) => history.get(k)), []);
  });

  it('sends an unknown row again only when the user chooses it, and never a sent one', async () => {
    let calls = 0;
    const gw = new FakeGateway({ behaviour: (d) => (d === numberFor(1) && ++calls === 1 ? 'unknown' : 'ok') });
    const h = await create(plannedRows(3));
    await runBatch(h, { history, send: gw.send }, { concurrency: 1, maxPerSecond: 0 });
    await assert.rejects(runBatch(h, { history, send: gw.send }, { resend: [0] }), (e: unknown) => e instanceof BulkError && e.code === 'row-already-sent');
    const summary = await runBatch(h, { history, send: gw.send }, { resend: [1], maxPerSecond: 0 });
    assert.equal(summary.run.sent, 1);
    assert.equal(gw.sentCount(numberFor(1)), 2);
    assert.equal(gw.sentCount(numberFor(0)), 1);
    assert.deepEqual(summary.counts, { total: 3, unsent: 0, inFlight: 0, sent: 3, failed: 0, unknown: 0, undecided: 0, dropped: 0 });
    // Both attempts stay in history: the unknown one and the sent one.
    assert.deepEqual(entriesOf(h.batchId).filter((e) => e.destination === numberFor(1)).map((e) => e.state).sort(), ['sent', 'unknown']);
  });

  it('1022 "awaiting cost confirmation" rows are held in history (not failed, not unknown), and resume never sends them', async () => {
    const gw = new FakeGateway({ behaviour: (d) => (d === numberFor(1) || d === numberFor(3) ? 'held' : 'ok') });
    const h = await create(plannedRows(5, 1), { maxPerRequest: 50 });
    const summary = await runBatch(h, { history, send: gw.send }, { maxPerSecond: 0 });
    const byNumber = new Map(entriesOf(h.batchId).map((e) => [e.destination, e]));
    for (const i of [1, 3]) {
      assert.equal(byNumber.get(numberFor(i))?.state, 'held', `row ${i}`);
      assert.equal(byNumber.get(numberFor(i))?.error?.code, 1022);
    }
    for (const i of [0, 2, 4]) assert.equal(byNumber.get(numberFor(i))?.state, 'sent');
    assert.equal(summary.run.sent, 3);
    assert.deepEqual(summary.failures.map((f) => f.code), [1022, 1022], 'reported, with the gateway code');
    await h.close();
    open.splice(open.indexOf(h), 1);
    const again = await reopen(h.batchId);
    const resumed = await runBatch(again, { history, send: gw.send }, { maxPerSecond: 0 });
    assert.equal(resumed.run.rows, 0, 'nothing left to send on its own');
    assert.equal(gw.sentCount(numberFor(1)), 1);
    assert.equal(gw.sentCount(numberFor(3)), 1);
    assert.equal(byNumber.get(numberFor(1)) && history.get(byNumber.get(numberFor(1))!.key)?.state, 'held', 'reconcile keeps it held');
  });

  it('per-destination refusals are failures with their reason; the batch goes on', async () => {
    const gw = new FakeGateway({ behaviour: (d) => (d === numberFor(2) ? 'invalid' : 'ok') });
    const h = await create(plannedRows(5, 1), { maxPerRequest: 50 });
    const summary = await runBatch(h, { history, send: gw.send }, { maxPerSecond: 0 });
    assert.equal(gw.calls.length, 1);
    assert.equal(summary.run.sent, 4);
    assert.deepEqual(summary.failures.map((f) => [f.row, f.code]), [[2, 1005]]);
    assert.deepEqual(summary.failureReasons, [{ reason: 'Error 1005: Invalid destination number', count: 1 }]);
  });

  it('stops at an answer that would repeat for every row (no credit), leaving the rest to resume', async () => {
    let credit = false;
    const gw = new FakeGateway({ behaviour: (d) => (!credit && d === numberFor(4) ? 'no-credit' : 'ok') });
    const h = await create(plannedRows(20));
    const first = await runBatch(h, { history, send: gw.send }, { concurrency: 1, maxPerSecond: 0 });
    assert.equal(first.stopped?.code, 1013);
    assert.equal(first.run.sent, 4);
    assert.equal(first.run.failed, 1);
    assert.equal(first.counts.unsent, 15);
    assert.equal(gw.calls.length, 5);
    await h.close();
    credit = true;
    const again = await reopen(h.batchId);
    const second = await runBatch(again, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0 });
    assert.equal(second.run.sent, 15);
    assert.deepEqual([second.counts.sent, second.counts.failed], [19, 1]);
  });

  it('stops after several requests in a row without an answer', async () => {
    const gw = new FakeGateway({ behaviour: () => 'unknown' });
    const h = await create(plannedRows(10));
    const summary = await runBatch(h, { history, send: gw.send }, { concurrency: 1, maxPerSecond: 0 });
    assert.equal(gw.calls.length, 3);
    assert.match(summary.stopped?.explanation ?? '', /3 requests in a row/);
    assert.equal(summary.counts.unsent, 7);
  });
});

describe('HistoryStore.updateMany (the bulk runner\'s answers, one write)', () => {
  it('updates several entries in one write, skips unknown keys, and survives a reopen', async () => {
    const dir = tempDir();
    try {
      const store = await HistoryStore.open(dir, { watch: false });
      const [a, b, c] = await store.recordMany([0, 1, 2].map((i) => ({ destination: numberFor(i), sender: 'Acme', text: `t${i}`, account: 'x', parts: 1 })));
      const journalLines = () => fs.readFileSync(path.join(dir, 'history.journal.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').length;
      const linesBefore = journalLines();
      const out = await store.updateMany([
        { key: a.key, patch: { state: 'sent', smsId: 11 } },
        { key: 'no-such-key', patch: { state: 'failed' } },
        { key: c.key, patch: { state: 'unknown' } },
      ]);
      assert.deepEqual(out.map((e) => e?.state), ['sent', undefined, 'unknown']);
      assert.equal(journalLines(), linesBefore + 2);
      assert.deepEqual([store.get(a.key)?.rev, store.get(b.key)?.rev, store.get(c.key)?.rev], [2, 1, 2]);
      await store.close();
      const again = await HistoryStore.open(dir, { watch: false });
      assert.deepEqual([again.get(a.key)?.smsId, again.get(b.key)?.state, again.get(c.key)?.state], [11, 'sending', 'unknown']);
      await again.close();
    } finally {
      removeDir(dir);
    }
  });
});

describe('bulk batch files after a crash', function () {
  this.timeout(30_000);
  let dir: string;
  let history: HistoryStore;
  const DEAD_PID = 999_999_999;

  beforeEach(async () => {
    dir = tempDir();
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
  });
  afterEach(async () => {
    await history.close();
    removeDir(dir);
  });

  /** A window that dies: its store's owner is a process that no longer exists. */
  const deadWindow = () => new BatchStore(path.join(dir, 'batches'), { durable: false, owner: { pid: DEAD_PID, host: os.hostname() } });
  const liveWindow = () => new BatchStore(path.join(dir, 'batches'), { durable: false });

  it('a dispatch without an answer becomes unknown; rows never dispatched are sent by resume; nothing twice', async () => {
    const gw = new FakeGateway({ behaviour: (d) => (d === numberFor(5) ? 'hang' : 'ok') });
    const h = await deadWindow().create(newBatch(plannedRows(12)));
    const abort = new AbortController();
    // Row 5 hangs forever; we stop starting more once it is out, then "crash" (abandon the run).
    void runBatch(h, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0, signal: abort.signal });
    await waitUntil(() => gw.sentCount(numberFor(5)) === 1, 'row 5 dispatched');
    abort.abort();
    await realDelay(50);
    assert.equal(history.all().find((e) => e.destination === numberFor(5))?.state, 'sending');

    const store = liveWindow();
    const listed = await store.list((k) => history.get(k));
    assert.equal(listed.length, 1);
    assert.equal(listed[0].busy, false, 'the dead window\'s lock does not count');
    assert.equal(listed[0].counts.unknown, 1);
    const resumed = await store.open(h.batchId);
    try {
      // The worker stuck on row 5 had already recorded its next request, which never went out.
      assert.deepEqual(await resumed.reconcile(history), { interrupted: 1, removed: 1 });
      const entry = history.all().find((e) => e.destination === numberFor(5));
      assert.equal(entry?.state, 'unknown');
      assert.equal(entry?.error?.kind, 'aborted');
      const summary = await runBatch(resumed, { history, send: gw.send }, { concurrency: 2, maxPerSecond: 0 });
      assert.deepEqual(summary.unknown.map((u) => u.row), [5]);
      assert.equal(summary.counts.sent, 11);
      for (let i = 0; i < 12; i++) assert.equal(gw.sentCount(numberFor(i)), 1, `row ${i}`);
    } finally {
      await resumed.close();
    }
  });

  it('history entries recorded for a request that never got its dispatch line are removed, and the rows sent once', async () => {
    const h = await deadWindow().create(newBatch(plannedRows(3)));
    // The crash window between recording and dispatching: entries exist, the journal has no line.
    await history.recordMany([{ destination: numberFor(0), sender: 'Acme', text: 'Hello row 0', account: 'acct-1', batchId: h.batchId, parts: 1 }]);
    const resumed = await liveWindow().open(h.batchId);
    try {
      assert.deepEqual(await resumed.reconcile(history), { interrupted: 0, removed: 1 });
      const gw = new FakeGateway();
      const summary = await runBatch(resumed, { history, send: gw.send }, { maxPerSecond: 0 });
      assert.equal(summary.run.sent, 3);
      assert.equal(gw.sentCount(numberFor(0)), 1);
      assert.deepEqual(history.all().filter((e) => e.batchId === h.batchId).map((e) => e.state), ['sent', 'sent', 'sent']);
    } finally {
      await resumed.close();
    }
  });

  it('an answer written to the journal but lost from history is put back into history', async () => {
    const h = await deadWindow().create(newBatch(plannedRows(1)));
    const [entry] = await history.recordMany([{ destination: numberFor(0), sender: 'Acme', text: 'Hello row 0', account: 'acct-1', batchId: h.batchId, parts: 1 }]);
    await h.append({ t: 'dispatch', d: 1, rows: [0], keys: [entry.key], at: '' });
    await h.append({ t: 'done', d: 1, out: [{ s: 'sent', smsId: 4242 }], at: '' });
    const resumed = await liveWindow().open(h.batchId);
    try {
      await resumed.reconcile(history);
      assert.deepEqual([history.get(entry.key)?.state, history.get(entry.key)?.smsId], ['sent', 4242]);
      assert.equal(countRows(resumed.statuses()).sent, 1);
    } finally {
      await resumed.close();
    }
  });

  it('a torn last journal line is ignored, and the next line starts on its own', async () => {
    const h = await deadWindow().create(newBatch(plannedRows(2)));
    const journal = path.join(dir, 'batches', `${h.batchId}.journal.jsonl`);
    fs.writeFileSync(journal, '{"t":"dispatch","d":1,"rows":[0],"keys":["k"],"at":""}\n{"t":"done","d":1,"out":[{"s":"se');
    const resumed = await liveWindow().open(h.batchId);
    try {
      assert.equal(resumed.journal().length, 1);
      await resumed.append({ t: 'settle', rows: [0], as: 'keep-unknown', at: '' });
      const lines = parseJournal(fs.readFileSync(journal, 'utf8'));
      assert.deepEqual(lines.map((l) => l.t), ['dispatch', 'settle']);
      assert.deepEqual(countRows(resumed.statuses()), { total: 2, unsent: 1, inFlight: 0, sent: 0, failed: 0, unknown: 1, undecided: 0, dropped: 0 });
    } finally {
      await resumed.close();
    }
  });

  it('a batch is opened by one window at a time', async () => {
    const store = liveWindow();
    const h = await store.create(newBatch(plannedRows(2)));
    await assert.rejects(store.open(h.batchId), (e: unknown) => e instanceof BulkError && e.code === 'batch-busy' && /this window/.test(e.message));
    assert.equal((await store.list())[0]?.busy, true);
    const other = new BatchStore(store.dir, { durable: false, owner: { pid: process.pid, host: 'another-machine' } });
    await assert.rejects(other.open(h.batchId), (e: unknown) => e instanceof BulkError && e.code === 'batch-busy');
    await h.close();
    const again = await store.open(h.batchId);
    await again.close();
    assert.deepEqual(fs.readdirSync(store.dir).filter((n) => n.includes('.lock')), []);
  });

  it('drop settles pending rows: the batch is finished without sending them', async () => {
    const store = liveWindow();
    const h = await store.create(newBatch(plannedRows(4)));
    await h.append({ t: 'settle', rows: [0, 1, 2, 3], as: 'drop', at: '' });
    assert.equal(countRows(h.statuses()).dropped, 4);
    const gw = new FakeGateway();
    const summary = await runBatch(h, { history, send: gw.send }, { maxPerSecond: 0 });
    assert.equal(gw.calls.length, 0);
    assert.equal(summary.run.rows, 0);
    await h.close();
    assert.deepEqual(await store.list(), []);
  });

  it('refuses unreadable batch ids and reports missing batches', async () => {
    const store = liveWindow();
    await assert.rejects(store.open('../etc/passwd'), (e: unknown) => e instanceof BulkError && e.code === 'batch-not-found');
    await assert.rejects(store.open('bulk-nothing'), (e: unknown) => e instanceof BulkError && e.code === 'batch-not-found');
  });
});
