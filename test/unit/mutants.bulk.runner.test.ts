// The bulk runner's edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"): which failures stop a
// batch, the progress events and their ETA, the summary's counts, problems and reasons, the history and
// journal failing under it, cancel, resend and the concurrency bounds. Real history and batch files in a
// temp folder; the gateway is a function the test scripts, and time moves only when the gateway says so.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { BatchStore, type BatchHandle } from '../../src/bulk/batchStore';
import { BulkError } from '../../src/bulk/errors';
import { runBatch, stopsBatch, type BulkProgress, type BulkSend, type RunnerDeps } from '../../src/bulk/runner';
import { coreMessage, wordMessage } from '../../src/gateway/messages';
import { GatewayError, gatewayCodeError } from '../../src/gateway/errors';
import type { GatewayErrorInfo, SendRequest, SendResult } from '../../src/gateway/types';
import { HistoryStore } from '../../src/history/store';
import type { PlannedRow } from '../../src/bulk/plan';
import { FakeGateway, newBatch, numberFor, plannedRows, removeDir, tempDir, waitUntil } from './bulkFixtures';
import { FaultyFs } from './faultFs';

const START = 5_000;

const refused = (destination: string, code: number, raw: string) => ({ destination, ok: false as const, error: gatewayCodeError('send', code, raw).toInfo(), raw });
const accepted = (destination: string, smsId: number) => ({ destination, ok: true as const, smsId, raw: `OK ID:${smsId}` });
const failure = (kind: GatewayErrorInfo['kind'], gatewayText: string, extra: Partial<GatewayErrorInfo> = {}): GatewayError =>
  new GatewayError({ kind, command: 'send', gatewayText, explanation: 'what happened', retryable: false, outcomeUnknown: false, ...extra });

describe('mutants: bulk, the runner', function () {
  this.timeout(30_000);
  let dir: string;
  let history: HistoryStore;
  let store: BatchStore;
  let now: number;
  const clock = { now: () => now, sleep: () => Promise.reject(new Error('the runner was not to wait here')) };
  const open: BatchHandle[] = [];

  beforeEach(async () => {
    dir = tempDir();
    now = START;
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
  const entriesOf = (batchId: string) => history.all().filter((e) => e.batchId === batchId);
  /** A gateway that answers with `answer` and takes 100 ms of the test's time per request. */
  const scripted = (answer: (req: SendRequest, call: number) => SendResult): { send: BulkSend; calls: SendRequest[] } => {
    const calls: SendRequest[] = [];
    return {
      calls,
      send: async (req) => {
        calls.push(req);
        now += 100;
        return answer(req, calls.length);
      },
    };
  };
  const allOk = (req: SendRequest, call: number): SendResult => {
    const items = req.destinations.map((d, i) => accepted(d, call * 100 + i));
    return { items, raw: items.map((i) => i.raw).join('|') };
  };
  const deps = (send: BulkSend, extra: Partial<RunnerDeps> = {}): RunnerDeps => ({ history, send, clock, ...extra });

  it('which failures stop a batch', () => {
    const cases: Array<[Pick<GatewayErrorInfo, 'kind' | 'code' | 'outcomeUnknown'>, boolean]> = [
      [{ kind: 'gateway', code: 1013, outcomeUnknown: false }, true],
      [{ kind: 'gateway', code: 1005, outcomeUnknown: false }, false],
      [{ kind: 'gateway', outcomeUnknown: false }, false],
      [{ kind: 'config', outcomeUnknown: true }, true],
      [{ kind: 'http', code: 500, outcomeUnknown: true }, true],
      [{ kind: 'aborted', outcomeUnknown: true }, true],
      [{ kind: 'network', outcomeUnknown: false }, true],
      [{ kind: 'network', outcomeUnknown: true }, false],
      [{ kind: 'timeout', outcomeUnknown: false }, true],
      [{ kind: 'timeout', outcomeUnknown: true }, false],
      [{ kind: 'malformed', outcomeUnknown: false }, true],
      [{ kind: 'malformed', outcomeUnknown: true }, false],
      [{ kind: 'unnumbered', outcomeUnknown: false }, false],
    ];
    for (const [e, stops] of cases) assert.equal(stopsBatch(e), stops, JSON.stringify(e));
  });

  it('each row is recorded with the plan\'s sender, account, text, parts and batch, and sent with its sender and price category', async () => {
    const rows: PlannedRow[] = [{ row: 0, line: 2, destination: numberFor(0), text: 'Ciao', parts: 2 }];
    const gw = scripted(allOk);
    const h = await create(rows, { sandbox: true, sender: 'Shop', account: 'acct-9', pricecat: 1 });
    await runBatch(h, deps(gw.send), { maxPerSecond: 0 });
    assert.deepEqual(gw.calls, [{ destinations: [numberFor(0)], sender: 'Shop', message: 'Ciao', pricecat: 1 }]);
    const [e] = entriesOf(h.batchId);
    assert.deepEqual(
      { destination: e.destination, sender: e.sender, text: e.text, account: e.account, sandbox: e.sandbox, parts: e.parts, state: e.state, smsId: e.smsId },
      { destination: numberFor(0), sender: 'Shop', text: 'Ciao', account: 'acct-9', sandbox: true, parts: 2, state: 'sent', smsId: 100 },
    );
    const dispatch = h.journal().find((l) => l.t === 'dispatch');
    assert.ok(dispatch?.t === 'dispatch');
    assert.deepEqual(dispatch.keys, [e.key]);
    assert.equal(dispatch.at, new Date(START).toISOString(), 'written before the request, at the runner\'s time');
    const done = h.journal().find((l) => l.t === 'done');
    assert.equal(done?.at, new Date(START + 100).toISOString(), 'written after the answer');

    const live = await create(plannedRows(1));
    await runBatch(live, deps(scripted(allOk).send), { maxPerSecond: 0 });
    assert.equal(entriesOf(live.batchId)[0].sandbox, undefined, 'not a sandbox batch: no sandbox mark');
  });

  it('progress: the time taken, the estimate at the pace so far, rows in flight and requests done', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(4));
    const events: BulkProgress[] = [];
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0, onProgress: (p) => events.push({ ...p }) });
    assert.equal(summary.run.elapsedMs, 400, 'four requests of 100 ms');
    assert.deepEqual(events[0], { total: 4, done: 0, sent: 0, failed: 0, unknown: 0, inFlight: 0, requestsDone: 0, requestsTotal: 4, elapsedMs: 0, etaMs: undefined });
    assert.ok(events.some((e) => e.inFlight === 1 && e.done === 0), 'the first request, out');
    for (const e of events) {
      assert.ok(e.elapsedMs >= 0 && e.elapsedMs <= 400, `elapsed ${e.elapsedMs}`);
      if (e.done === 0) assert.equal(e.etaMs, undefined);
      else assert.equal(e.etaMs, Math.round((e.elapsedMs / e.done) * (4 - e.done)), JSON.stringify(e));
    }
    assert.ok(events.some((e) => e.done === 2 && e.elapsedMs > 0 && e.etaMs === e.elapsedMs), 'half way: as long again');
    const last = events.at(-1);
    assert.deepEqual(last, { total: 4, done: 4, sent: 4, failed: 0, unknown: 0, inFlight: 0, requestsDone: 4, requestsTotal: 4, elapsedMs: 400, etaMs: 0 });
  });

  it('rows of one request are in flight together', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(3, 1), { maxPerRequest: 3 });
    const events: BulkProgress[] = [];
    await runBatch(h, deps(gw.send), { maxPerSecond: 0, onProgress: (p) => events.push({ ...p }) });
    assert.equal(gw.calls.length, 1);
    assert.ok(events.some((e) => e.inFlight === 3 && e.requestsTotal === 1 && e.requestsDone === 0));
    assert.deepEqual([events.at(-1)?.inFlight, events.at(-1)?.requestsDone], [0, 1]);
  });

  it('a listener that throws does not stop the send', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(3));
    const summary = await runBatch(h, deps(gw.send), { maxPerSecond: 0, onProgress: () => {
      throw new Error('listener broke');
    } });
    assert.equal(summary.run.sent, 3);
  });

  it('the summary: counts per outcome, each problem row with its line, number, code and reason, reasons most frequent first', async () => {
    const raw = 'OK|Error:1022-Held|Error: 1005 - Invalid destination number';
    const gw = scripted((req) => ({
      // Four answers for five numbers: the fifth has none.
      items: [refused(req.destinations[0], 1022, 'Error:1022-Held'), accepted(req.destinations[1], 77), refused(req.destinations[2], 1005, 'Error: 1005 - Invalid destination number'), refused(req.destinations[3], 1005, 'Note Error: 1005 - x')],
      raw,
    }));
    const h = await create(plannedRows(5, 1), { maxPerRequest: 5 });
    const events: BulkProgress[] = [];
    const summary = await runBatch(h, deps(gw.send), { maxPerSecond: 0, onProgress: (p) => events.push({ ...p }) });
    assert.deepEqual(summary.run, { rows: 5, sent: 1, failed: 3, unknown: 1, notSent: 0, requests: 1, elapsedMs: 100 });
    const last = events.at(-1);
    assert.deepEqual([last?.sent, last?.failed, last?.unknown, last?.done], [1, 3, 1, 5]);
    assert.deepEqual(summary.counts, { total: 5, unsent: 0, inFlight: 0, sent: 1, failed: 3, unknown: 1, undecided: 1, dropped: 0 });
    assert.deepEqual(summary.failures, [
      { row: 0, line: 2, destination: numberFor(0), code: 1022, reason: 'Error 1022: Held' },
      { row: 2, line: 4, destination: numberFor(2), code: 1005, reason: 'Error 1005: Invalid destination number' },
      { row: 3, line: 5, destination: numberFor(3), code: 1005, reason: 'Error 1005: Note Error: 1005 - x' },
    ]);
    assert.deepEqual(summary.unknown, [{ row: 4, line: 6, destination: numberFor(4), code: undefined, reason: raw }]);
    assert.deepEqual(summary.failureReasons, [
      { reason: 'Error 1022: Held', count: 1 },
      { reason: 'Error 1005: Invalid destination number', count: 1 },
      { reason: 'Error 1005: Note Error: 1005 - x', count: 1 },
    ]);
    assert.equal(summary.stopped, undefined);
    assert.equal(summary.cancelled, false);
    assert.equal(entriesOf(h.batchId).find((e) => e.destination === numberFor(0))?.state, 'held', 'failed in the journal, held in the history');
  });

  it('reasons are counted and the most frequent comes first', async () => {
    const gw = scripted((req) => {
      const items = req.destinations.map((d, i) => (i === 0 ? refused(d, 1022, 'Error: 1022 - Held') : refused(d, 1005, 'Error: 1005 - Invalid destination number')));
      return { items, raw: '' };
    });
    const h = await create(plannedRows(3, 1), { maxPerRequest: 3 });
    const summary = await runBatch(h, deps(gw.send), { maxPerSecond: 0 });
    assert.deepEqual(summary.failureReasons, [
      { reason: 'Error 1005: Invalid destination number', count: 2 },
      { reason: 'Error 1022: Held', count: 1 },
    ]);
  });

  it('a failure of the whole request that is not the gateway\'s own answer keeps its words, and stops the batch', async () => {
    const gw = { calls: 0, send: async (): Promise<SendResult> => {
      gw.calls++;
      throw failure('http', 'HTTP 503 Service Unavailable', { code: 503 });
    } };
    const h = await create(plannedRows(3));
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(gw.calls, 1);
    assert.deepEqual(summary.failures, [{ row: 0, line: 2, destination: numberFor(0), code: 503, reason: 'HTTP 503 Service Unavailable' }]);
    assert.equal(summary.stopped?.kind, 'http');
    assert.equal(summary.stopped?.gatewayText, 'HTTP 503 Service Unavailable');
    assert.deepEqual([summary.run.failed, summary.run.notSent, summary.counts.unsent], [1, 2, 2]);
  });

  it('a network failure before anything was sent stops the batch; the rows are failed, not unknown', async () => {
    let calls = 0;
    const send: BulkSend = async () => {
      calls++;
      throw failure('network', 'connect ECONNREFUSED 127.0.0.1:9');
    };
    const h = await create(plannedRows(4));
    const summary = await runBatch(h, deps(send), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(calls, 1);
    assert.equal(summary.stopped?.kind, 'network');
    assert.deepEqual([summary.run.failed, summary.run.unknown, summary.counts.unsent], [1, 0, 3]);
  });

  it('a per-number answer that would repeat for every row stops the batch after its request', async () => {
    const gw = scripted((req, call) => {
      const items = req.destinations.map((d) => (call === 2 ? refused(d, 1013, 'Error: 1013 - No credits available for user') : accepted(d, call)));
      return { items, raw: '' };
    });
    const h = await create(plannedRows(5));
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(gw.calls.length, 2);
    assert.equal(summary.stopped?.code, 1013);
    assert.deepEqual([summary.run.sent, summary.run.failed, summary.run.notSent], [1, 1, 3]);
  });

  it('requests without an answer stop the batch only when they come in a row', async () => {
    // Calls 1, 2, 4, 5 go unanswered; 3 and 6 are answered: never three in a row.
    const lost = new Set([1, 2, 4, 5]);
    const gw = scripted((req, call) => (lost.has(call) ? { items: [], raw: 'cut' } : allOk(req, call)));
    const h = await create(plannedRows(7));
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(gw.calls.length, 7);
    assert.equal(summary.stopped, undefined);
    assert.deepEqual([summary.run.sent, summary.run.unknown], [3, 4]);
  });

  it('three answers in a row without a word for any number stop the batch with the last one\'s reason', async () => {
    const gw = scripted(() => ({ items: [], raw: '<html>proxy</html>' }));
    const h = await create(plannedRows(6));
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(gw.calls.length, 3);
    assert.equal(summary.stopped?.kind, 'malformed');
    assert.equal(summary.stopped?.gatewayText, '<html>proxy</html>');
    assert.equal(summary.stopped?.explanation, wordMessage(coreMessage('bulkNoAnswers', 3)));
    assert.deepEqual([summary.run.unknown, summary.counts.unsent], [3, 3]);
  });

  it('a history without updateMany is updated one entry at a time; a lost update is left for reconcile', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(3));
    const plain = { recordMany: history.recordMany.bind(history), update: history.update.bind(history), get: history.get.bind(history), remove: history.remove.bind(history) };
    const summary = await runBatch(h, deps(gw.send, { history: plain }), { concurrency: 2, maxPerSecond: 0 });
    assert.equal(summary.run.sent, 3);
    assert.ok(entriesOf(h.batchId).every((e) => e.state === 'sent'));

    const h2 = await create(plannedRows(2));
    const failing = { ...plain, update: () => Promise.reject(new Error('disk gone')) };
    const s2 = await runBatch(h2, deps(scripted(allOk).send, { history: failing }), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(s2.run.sent, 2, 'the journal has the answers');
    assert.ok(entriesOf(h2.batchId).every((e) => e.state === 'sending'));
    await h2.close();
    const again = await store.open(h2.batchId);
    open.push(again);
    await again.reconcile(history);
    assert.ok(entriesOf(h2.batchId).every((e) => e.state === 'sent'), 'put right from the journal');
  });

  it('a history that cannot be written stops the batch before anything is sent', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(3));
    const broken = { recordMany: () => Promise.reject(new Error('history disk full')), update: history.update.bind(history), get: history.get.bind(history), remove: history.remove.bind(history) };
    const summary = await runBatch(h, deps(gw.send, { history: broken }), { maxPerSecond: 0 });
    assert.equal(gw.calls.length, 0);
    assert.deepEqual(
      { kind: summary.stopped?.kind, text: summary.stopped?.gatewayText, explanation: summary.stopped?.explanation },
      { kind: 'config', text: 'history disk full', explanation: wordMessage(coreMessage('bulkHistoryUnwritable')) },
    );
    assert.equal(summary.counts.unsent, 3);
  });

  it('a journal that cannot be written stops the batch before the request, and its history entries go', async () => {
    // Learn the steps of one send, then fail the first write of the journal.
    const probeDir = path.join(dir, 'probe');
    const probe = new FaultyFs();
    const p = await new BatchStore(probeDir, { durable: false, fs: probe }).create(newBatch(plannedRows(2), { batchId: 'bulk-jw' }));
    await runBatch(p, deps(scripted(allOk).send), { concurrency: 1, maxPerSecond: 0 });
    await p.close();
    const write = probe.trace.find((s) => s.op === 'write' && s.file.endsWith('bulk-jw.journal.jsonl'));
    assert.ok(write);
    const fsx = new FaultyFs({ at: write.n, fault: { kind: 'errno', code: 'ENOSPC' } });
    const h = await new BatchStore(path.join(dir, 'faulty'), { durable: false, fs: fsx }).create(newBatch(plannedRows(2), { batchId: 'bulk-jw' }));
    open.push(h);
    const gw = scripted(allOk);
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0 });
    assert.equal(gw.calls.length, 0);
    assert.equal(summary.stopped?.kind, 'config');
    assert.match(summary.stopped?.gatewayText ?? '', /Could not write batch bulk-jw/);
    assert.equal(summary.stopped?.explanation, wordMessage(coreMessage('bulkBatchUnwritable')));
    assert.deepEqual(entriesOf('bulk-jw').filter((e) => e.state === 'sending').length, 0, 'the entries of the request that never went are removed');
    assert.equal(summary.counts.unsent, 2);
  });

  it('an answer the journal cannot take does not fail the send: the history has it, and the row counts as sent', async () => {
    // Learn the steps of one send, then fail the journal's second write (the answer; the first is the dispatch).
    const probe = new FaultyFs();
    const p = await new BatchStore(path.join(dir, 'probe'), { durable: false, fs: probe }).create(newBatch(plannedRows(1), { batchId: 'bulk-aw' }));
    await runBatch(p, deps(scripted(allOk).send), { concurrency: 1, maxPerSecond: 0 });
    await p.close();
    const writes = probe.trace.filter((s) => s.op === 'write' && s.file.endsWith('bulk-aw.journal.jsonl'));
    assert.equal(writes.length, 2);
    const fsx = new FaultyFs({ at: writes[1].n, fault: { kind: 'errno', code: 'EIO' } });
    const h = await new BatchStore(path.join(dir, 'faulty'), { durable: false, fs: fsx }).create(newBatch(plannedRows(1), { batchId: 'bulk-aw' }));
    open.push(h);
    const gw = scripted(allOk);
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0 });
    assert.ok(fsx.fired);
    assert.equal(gw.calls.length, 1);
    assert.equal(summary.stopped, undefined);
    assert.deepEqual([summary.run.sent, summary.counts.sent], [1, 1]);
    assert.deepEqual(h.journal().map((l) => l.t), ['dispatch'], 'the answer is not in the journal');
  });

  it('cancel: the request out finishes, nothing else starts, and what was prepared is taken back', async () => {
    const abort = new AbortController();
    const gw = scripted((req, call) => {
      if (call === 2) abort.abort();
      return allOk(req, call);
    });
    const h = await create(plannedRows(6));
    const summary = await runBatch(h, deps(gw.send), { concurrency: 1, maxPerSecond: 0, signal: abort.signal });
    assert.equal(gw.calls.length, 2);
    assert.equal(summary.cancelled, true);
    assert.deepEqual([summary.run.sent, summary.run.notSent, summary.counts.unsent], [2, 4, 4]);
    const entries = entriesOf(h.batchId);
    assert.deepEqual(entries.map((e) => e.state), ['sent', 'sent'], 'no entry left sending');
  });

  it('a signal aborted before the start sends nothing', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(3));
    const abort = new AbortController();
    abort.abort();
    const summary = await runBatch(h, deps(gw.send), { signal: abort.signal, maxPerSecond: 0 });
    assert.equal(gw.calls.length, 0);
    assert.equal(summary.cancelled, true);
    assert.deepEqual([summary.run.rows, summary.run.notSent, summary.run.requests], [3, 3, 0]);
    assert.deepEqual(entriesOf(h.batchId), []);
  });

  it('resend: a sent row is refused by its number; a dropped row or one not in the plan is passed over', async () => {
    const h = await create(plannedRows(4));
    const abort = new AbortController();
    const first = scripted((req, call) => {
      abort.abort();
      return allOk(req, call);
    });
    await runBatch(h, deps(first.send), { concurrency: 1, maxPerSecond: 0, signal: abort.signal });
    await h.append({ t: 'settle', rows: [3], as: 'drop', at: new Date(START).toISOString() });
    await assert.rejects(runBatch(h, deps(scripted(allOk).send), { resend: [0], maxPerSecond: 0 }), (e: unknown) => {
      assert.ok(e instanceof BulkError);
      assert.equal(e.code, 'row-already-sent');
      assert.equal(e.message, 'Row 1 was sent already; it is never sent twice.');
      return true;
    });
    const gw = scripted(allOk);
    const summary = await runBatch(h, deps(gw.send), { resend: [3, 99], concurrency: 1, maxPerSecond: 0 });
    assert.deepEqual(gw.calls.map((c) => c.destinations[0]), [numberFor(1), numberFor(2)]);
    assert.equal(summary.run.rows, 2);
    assert.equal(summary.counts.dropped, 1);
  });

  it('resend of a failed row sends it again, with the rows never sent', async () => {
    const h = await create(plannedRows(3));
    await runBatch(h, deps(scripted((req, call) => (call === 2 ? { items: [refused(req.destinations[0], 1005, 'Error: 1005 - Invalid destination number')], raw: '' } : allOk(req, call))).send), { concurrency: 1, maxPerSecond: 0 });
    const gw = scripted(allOk);
    const summary = await runBatch(h, deps(gw.send), { resend: [1], maxPerSecond: 0 });
    assert.deepEqual(gw.calls.map((c) => c.destinations[0]), [numberFor(1)]);
    assert.deepEqual([summary.run.rows, summary.counts.sent, summary.counts.failed], [1, 3, 0]);
  });

  it('destinations per request: the run\'s choice over the plan\'s', async () => {
    const gw = scripted(allOk);
    const h = await create(plannedRows(6, 1), { maxPerRequest: 1 });
    await runBatch(h, deps(gw.send), { maxPerRequest: 3, maxPerSecond: 0 });
    assert.deepEqual(gw.calls.map((c) => c.destinations.length), [3, 3]);
  });

  describe('requests in flight at once', () => {
    /** Runs `rows` one-number requests through a gateway that holds each until the test lets it go. */
    async function mostAtOnce(rows: number, concurrency: number | undefined, expected: number): Promise<number> {
      const gw = new FakeGateway();
      gw.hold();
      const h = await create(plannedRows(rows));
      let finished = false;
      const run = runBatch(h, { history, send: gw.send }, { concurrency, maxPerSecond: 0 }).finally(() => (finished = true));
      // One at a time, each once as many as may be out are waiting: more than that would show in maxInFlight.
      for (let released = 0; released < rows; released++) {
        await waitUntil(() => finished || gw.waitingCount >= Math.min(expected, rows - released), `${expected} waiting`);
        gw.release(1);
      }
      gw.release();
      await run;
      return gw.maxInFlight;
    }

    it('the concurrency asked for, rounded down', async () => {
      assert.equal(await mostAtOnce(5, 2.9, 2), 2);
    });
    it('at least one', async () => {
      assert.equal(await mostAtOnce(3, 0, 1), 1);
    });
    it('four when none or no number is given', async () => {
      assert.equal(await mostAtOnce(6, undefined, 4), 4);
      assert.equal(await mostAtOnce(6, Number.NaN, 4), 4);
      assert.equal(await mostAtOnce(6, Infinity, 4), 4);
    });
    it('at most 64', async () => {
      assert.equal(await mostAtOnce(66, 1000, 64), 64);
    });
  });
});
