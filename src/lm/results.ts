// What the chat tools answer: short, structured English lines a model can quote (IDs, statuses,
// amounts), and the history search they run. Plain functions over history entries, no VS Code API.
import { STATUS_GROUPS, statusGroupOf, type Staleness, type StatusGroup } from '../history/messageState';
import type { HistoryEntry } from '../history/types';
import { formatEuro } from '../common/money';

export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 50;
/** The words a model filters by: the status groups every view uses (messageState.ts). */
export const SEARCH_STATUSES = STATUS_GROUPS;
export type SearchStatus = StatusGroup;

export interface HistoryQuery {
  /** Wire-form destination. */
  destination?: string;
  /** Case-insensitive part of the message text. */
  text?: string;
  status?: SearchStatus;
  /** Inclusive bounds on when the message was recorded, ms since the epoch. */
  since?: number;
  until?: number;
  limit: number;
  /** The poller's max age and now, so a message it stopped checking reads `stale`. */
  at?: Staleness;
}

/** The one word a model gets for where a message stands: its status group. */
export function stateWord(e: HistoryEntry, at?: Staleness): SearchStatus {
  return statusGroupOf(e, at);
}

/** Entries matching every given criterion, newest first, at most `limit`, and how many matched in all. */
export function searchEntries(newestFirst: readonly HistoryEntry[], q: HistoryQuery): { matches: HistoryEntry[]; total: number } {
  const needle = q.text?.toLocaleLowerCase();
  const matches: HistoryEntry[] = [];
  let total = 0;
  for (const e of newestFirst) {
    if (q.destination !== undefined && e.destination !== q.destination) continue;
    if (needle !== undefined && !e.text.toLocaleLowerCase().includes(needle)) continue;
    if (q.status !== undefined && stateWord(e, q.at) !== q.status) continue;
    const at = Date.parse(e.createdAt);
    if (q.since !== undefined && !(at >= q.since)) continue;
    if (q.until !== undefined && !(at <= q.until)) continue;
    total++;
    if (matches.length < q.limit) matches.push(e);
  }
  return { matches, total };
}

/** Message text for a result line: one line, at most 60 characters, quoted. */
function quoted(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 59)}…` : line);
}

/** One line per message: `SMSId 17 · to +39 333 *** **67 · delivered (Delivered, code 3) · 1 SMS · sandbox`. */
export function entryLine(e: HistoryEntry, show: (destination: string) => string, withText = false, at?: Staleness): string {
  const word = stateWord(e, at);
  const fields = [
    e.smsId !== undefined ? `SMSId ${e.smsId}` : 'no SMSId',
    `to ${show(e.destination)}`,
    e.status ? `${word} (${e.status.label}, code ${e.status.code})` : word,
    `${e.quantity ?? e.parts} SMS`,
  ];
  if (e.charge !== undefined) fields.push(formatEuro(e.charge, 'en'));
  if (e.error) fields.push(`error: ${e.error.explanation}${e.error.code !== undefined ? ` (code ${e.error.code})` : ''}`);
  if (e.sandbox) fields.push('sandbox');
  if (withText) fields.push(`recorded ${e.createdAt.slice(0, 16).replace('T', ' ')} UTC`, `text ${quoted(e.text)}`);
  return fields.join(' · ');
}

/** The sentence every sandbox result carries, so a model never reports a test message as delivered to a phone. */
export const SANDBOX_NOTE = 'Sandbox account: no real SMS was sent and nothing was charged.';
