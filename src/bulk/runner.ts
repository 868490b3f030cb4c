// Sends a batch: requests from the plan with bounded concurrency and a rate limit, each recorded in
// history and in the batch journal before it goes out, progress events, cancel, and a summary.
// Cancel is graceful: no new request starts, those in flight finish and get their answers.
import { toGatewayError } from '../gateway/errors';
import type { GatewayErrorInfo, SendRequest, SendResult } from '../gateway/types';
import { entryError, outcomeOfError, outcomePatch, outcomesOfResult, type SendOutcome } from '../history/outcome';
import type { HistoryDraft, HistoryEntry, HistoryPatch } from '../history/types';
import {
  countRows,
  type BatchCounts,
  type BatchHandle,
  type BulkHistory,
  type ErrorSummary,
  type RowOutcome,
} from './batchStore';
import { RateLimiter, realClock, type BulkClock } from './clock';
import { BulkError } from './errors';
import { coreMessage, wordMessage } from '../gateway/messages';
import { groupRequests, type PlannedRequest, type PlannedRow } from './plan';

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_MAX_PER_SECOND = 10;
/** This many requests in a row without an answer stop the batch: the gateway or the network is in trouble. */
export const MAX_CONSECUTIVE_UNKNOWN = 3;

/** One send request to the gateway (the client's `send` with the credentials bound). */
export type BulkSend = (request: SendRequest) => Promise<SendResult>;

export interface RunnerDeps {
  history: Pick<BulkHistory, 'recordMany' | 'update' | 'updateMany' | 'get' | 'remove'>;
  send: BulkSend;
  clock?: BulkClock;
}

export interface BulkProgress {
  /** Rows this run sends. */
  total: number;
  /** Rows answered so far in this run. */
  done: number;
  sent: number;
  failed: number;
  unknown: number;
  inFlight: number;
  requestsDone: number;
  requestsTotal: number;
  elapsedMs: number;
  /** Estimated time left, once a first answer gives a pace. */
  etaMs?: number;
}

export interface RunOptions {
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Requests started per second at most; 0 or Infinity for no limit. Default 10. */
  maxPerSecond?: number;
  /** Destinations per request for rows with the same text. Default: the plan's. */
  maxPerRequest?: number;
  /** Stops starting requests (those in flight finish). */
  signal?: AbortSignal;
  /**
   * Rows to send again that ended failed or unknown: only by the user's explicit choice. A row that
   * was sent is refused (BulkError `row-already-sent`).
   */
  resend?: readonly number[];
  onProgress?: (progress: BulkProgress) => void;
}

export interface RowProblem {
  row: number;
  line: number;
  destination: string;
  /** Gateway code (or HTTP status), when there is one. */
  code?: number;
  reason: string;
}

export interface BatchSummary {
  batchId: string;
  /** This run. */
  run: { rows: number; sent: number; failed: number; unknown: number; notSent: number; requests: number; elapsedMs: number };
  /** The whole batch after this run (earlier runs included). */
  counts: BatchCounts;
  failures: RowProblem[];
  /** Failures grouped by reason, most frequent first. */
  failureReasons: Array<{ reason: string; count: number }>;
  unknown: RowProblem[];
  cancelled: boolean;
  /** The failure that made the runner stop early, if one did. */
  stopped?: ErrorSummary;
}

/** Answers after which sending more requests only repeats the failure (or costs money for nothing). */
const STOPPING_CODES = new Set([1001, 1002, 1012, 1013, 1014, 1025, 1028, 1031, 1032, 1038, 1043]);

/** Whether a failure means the rest of the batch would fail the same way. */
export function stopsBatch(e: Pick<GatewayErrorInfo, 'kind' | 'code' | 'outcomeUnknown'>): boolean {
  switch (e.kind) {
    case 'gateway':
      return e.code !== undefined && STOPPING_CODES.has(e.code);
    case 'config':
    case 'http':
    case 'aborted':
      return true;
    case 'network':
    case 'timeout':
      // Nothing was sent: the gateway cannot be reached. Unknown outcomes count towards MAX_CONSECUTIVE_UNKNOWN.
      return !e.outcomeUnknown;
    case 'malformed':
      return !e.outcomeUnknown;
    default:
      return false;
  }
}

/**
 * A row's line in the batch journal. The journal has no "held" (1022): such a row is recorded as
 * failed there, so resume never sends it on its own, while its history entry says "held".
 */
function rowOutcome(o: SendOutcome): RowOutcome {
  return o.state === 'sent' ? { s: 'sent', smsId: o.smsId } : { s: o.state === 'held' ? 'failed' : o.state, error: o.error };
}

function reasonOf(e: ErrorSummary | undefined): string {
  if (!e) return 'no answer';
  return e.code !== undefined && e.kind === 'gateway' ? `Error ${e.code}: ${e.gatewayText.replace(/^Error:\s*\d+\s*-\s*/, '')}` : e.gatewayText;
}

/**
 * Group commit for history writes: items asked for while a write is under way go out together in the
 * next one, so concurrent requests share one disk write (and fsync) instead of queueing one by one.
 */
class Coalescer<In, Out> {
  private queued: Array<{ item: In; resolve: (v: Out) => void; reject: (e: unknown) => void }> = [];
  private running = false;

  constructor(private readonly write: (items: In[]) => Promise<Out[]>) {}

  push(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      try {
        const out = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(out[i]));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.running = false;
  }
}

function clampConcurrency(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return DEFAULT_CONCURRENCY;
  return Math.max(1, Math.min(64, Math.floor(n)));
}

/**
 * Runs what is left of a batch: every unsent row, plus `resend` rows. The handle must be open
 * (locked) and, after an interruption, reconciled. Never sends a row twice on its own: a row whose
 * request went out without an answer stays 'unknown' until the user decides.
 */
export async function runBatch(handle: BatchHandle, deps: RunnerDeps, options: RunOptions = {}): Promise<BatchSummary> {
  const clock = deps.clock ?? realClock;
  const started = clock.now();
  const plan = handle.plan;
  const lookup = (key: string): HistoryEntry | undefined => deps.history.get(key);
  const before = handle.statuses(lookup);
  const stateOf = new Map(before.map((s) => [s.row, s.state]));
  const resend = new Set(options.resend ?? []);
  for (const row of resend) {
    const state = stateOf.get(row);
    if (state === 'sent') throw new BulkError('row-already-sent', `Row ${row + 1} was sent already; it is never sent twice.`);
    if (state !== 'failed' && state !== 'unknown' && state !== 'unsent') resend.delete(row);
  }
  const toSend: PlannedRow[] = plan.rows.filter((r) => stateOf.get(r.row) === 'unsent' || resend.has(r.row));
  const rowInfo = new Map(plan.rows.map((r) => [r.row, r]));
  const queue: PlannedRequest[] = groupRequests(toSend, options.maxPerRequest ?? plan.maxPerRequest);
  const requestsTotal = queue.length;

  const halt = new AbortController();
  const onCancel = (): void => halt.abort();
  if (options.signal?.aborted) halt.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const limiter = new RateLimiter(options.maxPerSecond ?? DEFAULT_MAX_PER_SECOND, clock);

  const progress: BulkProgress = { total: toSend.length, done: 0, sent: 0, failed: 0, unknown: 0, inFlight: 0, requestsDone: 0, requestsTotal, elapsedMs: 0 };
  let stopped: ErrorSummary | undefined;
  let consecutiveUnknown = 0;
  const emit = (): void => {
    const elapsedMs = clock.now() - started;
    const left = progress.total - progress.done;
    const etaMs = progress.done > 0 ? Math.round((elapsedMs / progress.done) * left) : undefined;
    try {
      options.onProgress?.({ ...progress, elapsedMs, etaMs });
    } catch {
      // a failing listener must not stop a send half-way
    }
  };
  const stop = (e: ErrorSummary): void => {
    stopped ??= e;
    halt.abort();
  };

  const history = deps.history;
  const recorder = new Coalescer<HistoryDraft[], HistoryEntry[]>(async (groups) => {
    const entries = await history.recordMany(groups.flat());
    let at = 0;
    return groups.map((g) => entries.slice(at, (at += g.length)));
  });
  type Update = { key: string; patch: HistoryPatch };
  const updater = new Coalescer<Update, void>(async (updates) => {
    // A lost history update is repaired from the journal by the next reconcile.
    if (history.updateMany) await history.updateMany(updates).catch(() => undefined);
    else await Promise.all(updates.map((u) => history.update(u.key, u.patch).catch(() => undefined)));
    return updates.map(() => undefined);
  });

  interface Prepared {
    request: PlannedRequest;
    entries: HistoryEntry[];
  }

  // Stage 1, ahead of time: the history entries ('sending'). Harmless if the request never goes:
  // without a dispatch line they are provably unsent, and are removed (here, or by reconcile).
  const prepare = async (): Promise<Prepared | undefined> => {
    if (halt.signal.aborted) return undefined;
    const request = queue.shift();
    if (!request) return undefined;
    const drafts: HistoryDraft[] = request.destinations.map((destination) => ({
      destination,
      sender: plan.sender,
      text: request.text,
      account: plan.account,
      sandbox: plan.sandbox || undefined,
      batchId: plan.batchId,
      state: 'sending',
      parts: request.parts,
    }));
    try {
      return { request, entries: await recorder.push(drafts) };
    } catch (e) {
      stop({ kind: 'config', gatewayText: e instanceof Error ? e.message : String(e), explanation: wordMessage(coreMessage('bulkHistoryUnwritable')) });
      return undefined;
    }
  };

  const discard = async (p: Prepared): Promise<void> => {
    await deps.history.remove(p.entries.map((e) => e.key)).catch(() => undefined);
  };

  // Stage 2: the dispatch line, the request, and its answer in the journal. Returns the outcomes,
  // or undefined when the line could not be written (then nothing was sent).
  const dispatch = async (p: Prepared, onOut: () => void): Promise<{ outcomes: RowOutcome[]; answers: SendOutcome[]; answered: Promise<void> } | undefined> => {
    const { request, entries } = p;
    const d = handle.takeDispatchNumber();
    try {
      // The point of no return: once this line is on disk the rows count as possibly sent.
      await handle.append({ t: 'dispatch', d, rows: request.rows, keys: entries.map((e) => e.key), at: new Date(clock.now()).toISOString() });
    } catch (e) {
      await discard(p);
      stop({ kind: 'config', gatewayText: e instanceof Error ? e.message : String(e), explanation: wordMessage(coreMessage('bulkBatchUnwritable')) });
      return undefined;
    }
    progress.inFlight += request.rows.length;
    emit();
    onOut();
    let answers: SendOutcome[];
    let requestError: ErrorSummary | undefined;
    try {
      const result = await deps.send({ destinations: request.destinations, sender: plan.sender, message: request.text, pricecat: plan.pricecat });
      answers = outcomesOfResult(result, request.destinations.length);
      result.items.forEach((item) => {
        if (!item.ok && stopsBatch(item.error)) stop(entryError(item.error));
      });
    } catch (e) {
      const err = toGatewayError(e, 'send');
      requestError = entryError(err);
      answers = request.rows.map(() => outcomeOfError(err));
      if (stopsBatch(err)) stop(requestError);
    }
    const outcomes = answers.map(rowOutcome);
    if (outcomes.every((o) => o.s === 'unknown')) {
      consecutiveUnknown++;
      if (consecutiveUnknown >= MAX_CONSECUTIVE_UNKNOWN) {
        stop({
          ...(requestError ?? (outcomes[0] as { error?: ErrorSummary }).error ?? { kind: 'timeout', gatewayText: 'no answer' }),
          explanation: wordMessage(coreMessage('bulkNoAnswers', MAX_CONSECUTIVE_UNKNOWN)),
        });
      }
    } else {
      consecutiveUnknown = 0;
    }
    // Queued before this worker's next dispatch line, so it is written (and made durable by that
    // line's fdatasync) before anything else goes out: a killed window loses only what is in flight,
    // and a power loss at worst leaves these rows unknown. Not awaited: the next dispatch waits for it.
    const answered = handle.append({ t: 'done', d, out: outcomes, at: new Date(clock.now()).toISOString() }, { sync: false }).catch(() => undefined);
    return { outcomes, answers, answered };
  };

  // Stage 3, in the background of the next request: the history updates.
  const finish = async (p: Prepared, outcomes: RowOutcome[], answers: SendOutcome[]): Promise<void> => {
    await Promise.all(p.entries.map((entry, i) => updater.push({ key: entry.key, patch: outcomePatch(answers[i]) })));
    progress.inFlight -= p.request.rows.length;
    progress.requestsDone++;
    for (const o of outcomes) {
      progress.done++;
      if (o.s === 'sent') progress.sent++;
      else if (o.s === 'failed') progress.failed++;
      else progress.unknown++;
    }
    emit();
  };

  // Each worker keeps one request at the gateway; the bookkeeping before and after it overlaps with
  // the request, so the concurrency setting is spent on the gateway rather than on disk writes.
  const worker = async (): Promise<void> => {
    let next: Promise<Prepared | undefined> = prepare();
    let finishing: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const p = await next;
        next = Promise.resolve(undefined);
        if (!p) break;
        if (halt.signal.aborted || !(await limiter.acquire(halt.signal))) {
          await discard(p);
          break;
        }
        // The next request is prepared while this one is at the gateway.
        const r = await dispatch(p, () => (next = prepare()));
        if (!r) break;
        await finishing;
        finishing = Promise.all([finish(p, r.outcomes, r.answers), r.answered]).then(() => undefined);
      }
      const left = await next;
      if (left) await discard(left);
    } finally {
      await finishing;
    }
  };

  emit();
  try {
    await Promise.all(Array.from({ length: Math.min(clampConcurrency(options.concurrency), Math.max(1, queue.length)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onCancel);
  }

  const after = handle.statuses(lookup);
  await handle.finishIfDone(lookup).catch(() => false);
  const failures: RowProblem[] = [];
  const unknown: RowProblem[] = [];
  for (const s of after) {
    if (s.state !== 'failed' && s.state !== 'unknown') continue;
    const info = rowInfo.get(s.row);
    const problem: RowProblem = { row: s.row, line: info?.line ?? 0, destination: info?.destination ?? '', code: s.error?.code, reason: reasonOf(s.error) };
    (s.state === 'failed' ? failures : unknown).push(problem);
  }
  const reasons = new Map<string, number>();
  for (const f of failures) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + 1);
  return {
    batchId: plan.batchId,
    run: {
      rows: toSend.length,
      sent: progress.sent,
      failed: progress.failed,
      unknown: progress.unknown,
      notSent: toSend.length - progress.done,
      requests: progress.requestsDone,
      elapsedMs: clock.now() - started,
    },
    counts: countRows(after),
    failures,
    failureReasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    unknown,
    cancelled: options.signal?.aborted === true,
    stopped,
  };
}
