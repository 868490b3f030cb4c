// Helpers for the bulk tests: a fake clock driven by the test, a fake gateway function (the edge the
// runner sends through), temp directories and a plan maker. Everything else in the tests is real.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BulkClock } from '../../src/bulk/clock';
import type { NewBatch } from '../../src/bulk/batchStore';
import type { PlannedRow } from '../../src/bulk/plan';
import { GatewayError, gatewayCodeError } from '../../src/gateway/errors';
import type { SendRequest, SendResult } from '../../src/gateway/types';

export function tempDir(prefix = 'inviosmart-bulk-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const realDelay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds (real time), failing after `ms`. */
export async function waitUntil(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await realDelay(2);
  }
}

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * Fake time. `run(work)` advances it to the next timer whenever a few real milliseconds pass without
 * anyone starting a new sleep (the runner's disk writes are real and take real time).
 */
export class FakeClock implements BulkClock {
  private t = 0;
  private timers: Timer[] = [];
  private registered = 0;

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.registered++;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  async run<T>(work: Promise<T>, quietMs = 4): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      const seen = this.registered;
      await realDelay(quietMs);
      if (settled || this.registered !== seen || this.timers.length === 0) continue;
      const next = Math.min(...this.timers.map((x) => x.at));
      this.t = Math.max(this.t, next);
      const due = this.timers.filter((x) => x.at <= this.t);
      this.timers = this.timers.filter((x) => x.at > this.t);
      for (const x of due) x.resolve();
    }
    return work;
  }
}

export interface FakeCall {
  destinations: string[];
  message: string;
  startedAt: number;
}

export interface FakeGatewayOptions {
  clock?: BulkClock;
  /** Fake-time latency of each request. */
  latencyMs?: number;
  /** Per destination: what the gateway does with it. Default: accepted. */
  behaviour?: (destination: string, call: number) => 'ok' | 'invalid' | 'unknown' | 'no-credit' | 'hang' | 'held';
}

/**
 * The gateway as the runner sees it: one function per send request. Counts calls per destination,
 * requests in flight and the most at once; `hold()` keeps requests waiting until `release()`.
 */
export class FakeGateway {
  readonly calls: FakeCall[] = [];
  readonly perDestination = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  private nextId = 5000;
  private held = false;
  private waiting: Array<() => void> = [];

  constructor(private readonly options: FakeGatewayOptions = {}) {}

  hold(): void {
    this.held = true;
  }

  /** Lets `n` held requests go (all when n is undefined), and stops holding when all are let go. */
  release(n?: number): void {
    const go = n === undefined ? this.waiting.splice(0) : this.waiting.splice(0, n);
    if (n === undefined) this.held = false;
    for (const g of go) g();
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  sentCount(destination: string): number {
    return this.perDestination.get(destination) ?? 0;
  }

  readonly send = async (request: SendRequest): Promise<SendResult> => {
    const call: FakeCall = { destinations: [...request.destinations], message: request.message, startedAt: this.options.clock?.now() ?? Date.now() };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const behaviours = request.destinations.map((d) => {
        const n = (this.perDestination.get(d) ?? 0) + 1;
        // Counted as reaching the gateway the moment it is called, whatever comes back.
        this.perDestination.set(d, n);
        return this.options.behaviour?.(d, n) ?? 'ok';
      });
      if (this.held) await new Promise<void>((r) => this.waiting.push(r));
      if (this.options.latencyMs) await (this.options.clock?.sleep(this.options.latencyMs) ?? realDelay(this.options.latencyMs));
      if (behaviours.includes('hang')) await new Promise(() => undefined);
      if (behaviours.includes('unknown')) {
        throw new GatewayError({
          kind: 'timeout',
          command: 'send',
          gatewayText: 'Headers Timeout Error (UND_ERR_HEADERS_TIMEOUT)',
          explanation: 'The gateway did not answer in time after the request went out.',
          retryable: false,
          outcomeUnknown: true,
        });
      }
      if (behaviours.includes('no-credit')) throw gatewayCodeError('send', 1013, 'Error: 1013 - No credits available for user');
      const refused = (code: number, raw: string) => ({ ok: false as const, error: gatewayCodeError('send', code, raw).toInfo(), raw });
      const items = request.destinations.map((destination, i) =>
        behaviours[i] === 'invalid'
          ? { destination, ...refused(1005, 'Error: 1005 - Invalid destination number') }
          : behaviours[i] === 'held'
            ? { destination, ...refused(1022, 'Status: 1022 - Awaiting cost confirmation, not sent yet') }
            : { destination, ok: true as const, smsId: this.nextId++, raw: '' },
      );
      return { items, raw: items.map((i) => (i.ok ? `OK ID:${i.smsId}` : i.raw)).join('|') };
    } finally {
      this.inFlight--;
    }
  };
}

/** A destination for row i: Italian mobile numbers, distinct per row. */
export function numberFor(i: number): string {
  return `39333${String(1_000_000 + i).slice(1)}1`;
}

/** Planned rows: `n` rows, `distinctTexts` different texts (0 = every row its own text). */
export function plannedRows(n: number, distinctTexts = 0): PlannedRow[] {
  return Array.from({ length: n }, (_, i) => ({
    row: i,
    line: i + 2,
    destination: numberFor(i),
    text: distinctTexts > 0 ? `Shared text ${i % distinctTexts}` : `Hello row ${i}`,
    parts: 1,
  }));
}

export function newBatch(rows: PlannedRow[], extra: Partial<NewBatch> = {}): NewBatch {
  return {
    account: 'acct-1',
    sandbox: false,
    sender: 'Acme',
    source: 'contacts.csv',
    template: 'Hello {{name}}',
    destinationColumn: 'phone',
    maxPerRequest: 1,
    rows,
    skipped: [],
    ...extra,
  };
}
