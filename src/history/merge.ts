// How two versions of one history entry combine. Plain functions, no I/O.
//
// Every process reads the journal in its own order, so the combination must not depend on order:
// `mergeEntries` is commutative, associative and idempotent. It keeps two things apart:
//   - the record itself (text, smsId, state, error, ...): the version with the higher rev wins
//     (then the later updatedAt, then a fixed comparison, so every window picks the same one);
//   - the delivery status (status, lastChangeOn, submittedOn, quantity, charge, lastPolledAt):
//     the further-along version wins: final beats not final beats none, then the later change
//     time, then the later poll. So a status never moves backwards, whatever the revs say.
// The state is then derived from the status when there is one ('failed' or 'sent').
import type { EntryState, HistoryEntry } from './types';

export const STATUS_FIELDS = ['status', 'lastChangeOn', 'submittedOn', 'quantity', 'charge', 'lastPolledAt'] as const;

const ENTRY_STATES: ReadonlySet<string> = new Set<EntryState>(['sending', 'sent', 'failed', 'unknown', 'held']);

function cmp(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function finalRank(e: HistoryEntry): number {
  return e.status === undefined ? 0 : e.status.final ? 2 : 1;
}

/** The entry without its status part and state, as text: only used to break exact ties. */
function recordText(e: HistoryEntry): string {
  const copy: Record<string, unknown> = { ...e };
  for (const f of STATUS_FIELDS) delete copy[f];
  delete copy.state;
  return JSON.stringify(copy);
}

function statusText(e: HistoryEntry): string {
  return JSON.stringify(STATUS_FIELDS.map((f) => e[f] ?? null));
}

/** Order of the record part: > 0 when `a` is the newer change. */
export function compareRecord(a: HistoryEntry, b: HistoryEntry): number {
  return a.rev - b.rev || cmp(a.updatedAt, b.updatedAt) || cmp(recordText(a), recordText(b)) || cmp(a.state, b.state);
}

/** Order of the status part: > 0 when `a` is further along. */
export function compareStatus(a: HistoryEntry, b: HistoryEntry): number {
  return (
    finalRank(a) - finalRank(b) ||
    cmp(a.lastChangeOn, b.lastChangeOn) ||
    cmp(a.lastPolledAt, b.lastPolledAt) ||
    cmp(statusText(a), statusText(b))
  );
}

/** The state that matches the entry's status; the same object when nothing changes. */
export function normalizeEntry(e: HistoryEntry): HistoryEntry {
  if (e.status === undefined) return e;
  const state: EntryState = e.status.statusClass === 'failed' ? 'failed' : 'sent';
  return e.state === state ? e : { ...e, state };
}

/**
 * The combination of two versions of the same entry (same key). Returns `a` itself when `b`
 * adds nothing, so callers can tell "changed" by identity.
 */
export function mergeEntries(a: HistoryEntry, b: HistoryEntry): HistoryEntry {
  const rec = compareRecord(a, b);
  const st = compareStatus(a, b);
  if (rec >= 0 && st >= 0) return normalizeEntry(a);
  if (rec <= 0 && st <= 0) return normalizeEntry(b);
  const recordWinner = rec > 0 ? a : b;
  const statusWinner = st > 0 ? a : b;
  const out: Record<string, unknown> = { ...recordWinner };
  for (const f of STATUS_FIELDS) {
    if (statusWinner[f] === undefined) delete out[f];
    else out[f] = statusWinner[f];
  }
  return normalizeEntry(out as unknown as HistoryEntry);
}

/** Cheap shape check for an entry read from disk; anything else is skipped and counted. */
export function isHistoryEntry(o: unknown): o is HistoryEntry {
  if (typeof o !== 'object' || o === null) return false;
  const e = o as Record<string, unknown>;
  if (
    typeof e.key !== 'string' ||
    e.key === '' ||
    typeof e.rev !== 'number' ||
    !Number.isFinite(e.rev) ||
    typeof e.createdAt !== 'string' ||
    typeof e.updatedAt !== 'string' ||
    typeof e.state !== 'string' ||
    !ENTRY_STATES.has(e.state) ||
    typeof e.destination !== 'string' ||
    typeof e.sender !== 'string' ||
    typeof e.text !== 'string' ||
    typeof e.account !== 'string' ||
    typeof e.parts !== 'number'
  ) {
    return false;
  }
  if (e.smsId !== undefined && typeof e.smsId !== 'number') return false;
  if (e.status !== undefined) {
    const s = e.status as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || typeof s.code !== 'number' || typeof s.final !== 'boolean' || typeof s.statusClass !== 'string') {
      return false;
    }
  }
  return true;
}
