// A batch's plan and journal as data: the line format, reading a journal back (torn lines included),
// and where each row stands. No I/O (batchStore.ts reads and writes the files).
//
//   <id>.plan.json      the rows to send (number, rendered text, parts) and the skipped ones
//   <id>.journal.jsonl  one line per step:
//                         dispatch  rows about to go out, with their history keys. Written AFTER the
//                                   history entries and BEFORE the request: a row without a dispatch
//                                   line was never sent; a row with one and no answer may have been
//                         done      the answer for a dispatch, per row
//                         settle    the user's decision: leave unknown rows unsent, or drop unsent rows
//
// Every row is exactly one of: unsent (never dispatched: safe to send), sent/failed (answered), or
// unknown (dispatched, no answer: never sent again on its own). A torn dispatch line (a crash while
// writing it) still counts: the rows it names are taken as dispatched, never as unsent.
import { randomBytes } from 'node:crypto';
import type { HistoryEntry } from '../history/types';
import { isRecord } from '../gateway/values';
import type { PlannedRow, SkippedRow } from './plan';

export const BATCH_FORMAT = 'inviosmart-bulk-batch';
export const BATCH_VERSION = 1;

export type ErrorSummary = NonNullable<HistoryEntry['error']>;

export interface BatchPlanFile {
  format: typeof BATCH_FORMAT;
  version: typeof BATCH_VERSION;
  batchId: string;
  createdAt: string;
  /** Account id the batch is sent with (resume uses the same). */
  account: string;
  sandbox: boolean;
  sender: string;
  pricecat?: 0 | 1;
  /** File name the rows came from, for the lists. */
  source: string;
  template: string;
  destinationColumn: string;
  maxPerRequest: number;
  rows: PlannedRow[];
  skipped: SkippedRow[];
}

export type NewBatch = Omit<BatchPlanFile, 'format' | 'version' | 'batchId' | 'createdAt'> & { batchId?: string };

export type RowOutcome = { s: 'sent'; smsId: number } | { s: 'failed'; error: ErrorSummary } | { s: 'unknown'; error?: ErrorSummary };

export type JournalLine =
  /** `torn`: read from a line cut short by a crash; `rows`/`keys` are what could be read of it. */
  | { t: 'dispatch'; d: number; rows: number[]; keys: string[]; at: string; torn?: true }
  | { t: 'done'; d: number; out: RowOutcome[]; at: string }
  | { t: 'settle'; rows: number[]; as: 'keep-unknown' | 'drop'; at: string };

export type RowState = 'unsent' | 'in-flight' | 'sent' | 'failed' | 'unknown' | 'dropped';

export interface RowStatus {
  row: number;
  state: RowState;
  /** How many times the row was dispatched (more than 1 only by the user's explicit choice). */
  attempts: number;
  /** History key of the latest attempt. */
  key?: string;
  smsId?: number;
  error?: ErrorSummary;
  /** For unknown rows: the user chose to leave them unsent. */
  settled?: boolean;
}

export interface BatchCounts {
  total: number;
  /** Never dispatched: safe to send. */
  unsent: number;
  inFlight: number;
  sent: number;
  failed: number;
  unknown: number;
  /** Unknown rows nobody has decided about yet. */
  undecided: number;
  dropped: number;
}

/** A batch id that sorts by time and reads as one: bulk-20240310-153012-a1b2. */
export function newBatchId(now: number): string {
  const iso = new Date(now).toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `bulk-${stamp}-${randomBytes(2).toString('hex')}`;
}


const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n));

function parseLine(text: string): JournalLine | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined; // a line torn by a crash
  }
  if (!isRecord(o)) return undefined;
  if (o.t === 'dispatch' && Number.isInteger(o.d) && isIntArray(o.rows) && Array.isArray(o.keys)) return o as JournalLine;
  if (o.t === 'done' && Number.isInteger(o.d) && Array.isArray(o.out)) return o as JournalLine;
  if (o.t === 'settle' && isIntArray(o.rows) && (o.as === 'keep-unknown' || o.as === 'drop')) return o as JournalLine;
  return undefined;
}

const DISPATCH_START = '{"t":"dispatch"';
const TORN_DISPATCH_RE = /^\{"t":"dispatch"(?:,"d":(\d+)(?=,)(?:,"rows":(?:\[([\d,]*)(\])?)?(?:,"keys":\[(.*))?)?)?/;

/**
 * What can be read of a line cut short that may have been a dispatch: its number (-1 when cut
 * before it), the row numbers written in full (a number the cut may have shortened is left out),
 * and the keys written in full. Undefined when the piece cannot be the start of a dispatch line.
 */
function parseTornDispatch(text: string): JournalLine | undefined {
  if (!text.startsWith(DISPATCH_START)) return DISPATCH_START.startsWith(text) ? { t: 'dispatch', d: -1, rows: [], keys: [], at: '', torn: true } : undefined;
  const m = TORN_DISPATCH_RE.exec(text)!;
  const parts = (m[2] ?? '').split(',');
  if (!m[3]) parts.pop();
  const rows = parts.filter((p) => p !== '').map(Number);
  const keys = [...(m[4] ?? '').matchAll(/"([^"\\]+)"[,\]]/g)].map((k) => k[1]);
  return { t: 'dispatch', d: m[1] === undefined ? -1 : Number(m[1]), rows, keys: keys.slice(0, rows.length), at: '', torn: true };
}

/**
 * The text one append writes: the lines, one JSON object each. The leading newline ends a line a crash
 * or a short write left torn, so the first new line stands alone (parseJournal skips the empty lines).
 */
export function journalRecord(lines: readonly JournalLine[]): string {
  return '\n' + lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

export function parseJournal(text: string): JournalLine[] {
  const lines: JournalLine[] = [];
  const torn: JournalLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const line = parseLine(raw);
    if (line) lines.push(line);
    else {
      const piece = parseTornDispatch(raw);
      if (piece) torn.push(piece);
    }
  }
  // A piece whose dispatch was written again whole (after a short write) is that dispatch.
  const whole = new Set(lines.map((l) => (l.t === 'dispatch' ? l.d : -1)));
  for (const piece of torn) if (piece.t === 'dispatch' && !whole.has(piece.d)) lines.push(piece);
  return lines;
}

export function isPlanFile(o: unknown): o is BatchPlanFile {
  return (
    isRecord(o) &&
    o.format === BATCH_FORMAT &&
    o.version === BATCH_VERSION &&
    typeof o.batchId === 'string' &&
    typeof o.account === 'string' &&
    typeof o.sender === 'string' &&
    Array.isArray(o.rows) &&
    Array.isArray(o.skipped)
  );
}

export const INTERRUPTED: ErrorSummary = {
  kind: 'aborted',
  gatewayText: 'Interrupted: no answer was recorded for this send.',
  explanation:
    'The window closed, reloaded or crashed while this SMS was being sent: it may or may not have gone out. It is not sent again unless you choose to.',
};

/**
 * Where each planned row stands, from the journal. A dispatch without an answer is 'in-flight' while
 * `live` (this handle is running it), else the history entry's state decides, and without one it is
 * 'unknown'. Never 'unsent' once dispatched: that is what keeps a row from going out twice.
 */
export function rowStatuses(
  plan: Pick<BatchPlanFile, 'rows'>,
  lines: readonly JournalLine[],
  lookup?: (key: string) => HistoryEntry | undefined,
  live = false,
): RowStatus[] {
  // `dispatch` remembers which dispatch a row's state came from: a later one (the user's resend) wins.
  type Tracked = RowStatus & { dispatch?: number };
  const byRow = new Map<number, Tracked>();
  for (const r of plan.rows) byRow.set(r.row, { row: r.row, state: 'unsent', attempts: 0 });
  const dispatches = new Map<number, number[]>();
  for (const line of lines) {
    if (line.t === 'dispatch') {
      if (dispatches.has(line.d)) continue; // the same line twice (written again after a short write)
      dispatches.set(line.d, line.rows);
      line.rows.forEach((row, i) => {
        const s = byRow.get(row);
        // A torn piece cannot tell a first send from the user's resend: it only keeps a row from looking unsent.
        if (s && (!line.torn || s.state === 'unsent')) byRow.set(row, { row, state: 'in-flight', attempts: s.attempts + 1, key: line.keys[i], dispatch: line.d });
      });
    } else if (line.t === 'done') {
      dispatches.get(line.d)?.forEach((row, i) => {
        const s = byRow.get(row);
        if (!s || s.dispatch !== line.d) return;
        const out = line.out[i];
        if (out?.s === 'sent') byRow.set(row, { ...s, state: 'sent', smsId: out.smsId });
        else if (out?.s === 'failed') byRow.set(row, { ...s, state: 'failed', error: out.error });
        else byRow.set(row, { ...s, state: 'unknown', error: out?.error ?? INTERRUPTED });
      });
    } else {
      for (const row of line.rows) {
        const s = byRow.get(row);
        if (!s) continue;
        if (line.as === 'drop' && s.state === 'unsent') s.state = 'dropped';
        if (line.as === 'keep-unknown' && (s.state === 'unknown' || s.state === 'in-flight')) s.settled = true;
      }
    }
  }
  const out: RowStatus[] = [];
  for (const { dispatch: _dispatch, ...status } of byRow.values()) {
    if (status.state === 'in-flight' && !live) {
      const entry = status.key ? lookup?.(status.key) : undefined;
      if (entry?.state === 'sent') Object.assign(status, { state: 'sent', smsId: entry.smsId });
      else if (entry?.state === 'failed') Object.assign(status, { state: 'failed', error: entry.error });
      else Object.assign(status, { state: 'unknown', error: entry?.state === 'unknown' ? (entry.error ?? INTERRUPTED) : INTERRUPTED });
    }
    out.push(status);
  }
  return out;
}

export function countRows(statuses: readonly RowStatus[]): BatchCounts {
  const c: BatchCounts = { total: statuses.length, unsent: 0, inFlight: 0, sent: 0, failed: 0, unknown: 0, undecided: 0, dropped: 0 };
  for (const s of statuses) {
    if (s.state === 'unsent') c.unsent++;
    else if (s.state === 'in-flight') c.inFlight++;
    else if (s.state === 'sent') c.sent++;
    else if (s.state === 'failed') c.failed++;
    else if (s.state === 'dropped') c.dropped++;
    else {
      c.unknown++;
      if (!s.settled) c.undecided++;
    }
  }
  return c;
}

/** Nothing left to send or to decide. */
export function isFinished(c: BatchCounts): boolean {
  return c.unsent === 0 && c.inFlight === 0 && c.undecided === 0;
}
