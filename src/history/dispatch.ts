// Sending with a paper trail: every attempt is written to history before the request goes out,
// then completed with the SMSId or the error. Long destination lists go out as several requests,
// each recorded as it goes, so a failure part-way leaves the earlier numbers sent and the later
// ones visibly not sent. A history write that fails after the gateway answered never turns the
// answer into a failure: the outcome is kept in memory, told to the user and written again later.
import type { GatewayClient } from '../gateway/client';
import { GatewayError, toGatewayError } from '../gateway/errors';
import type { Credentials, SendRequest } from '../gateway/types';
import { outcomeOfError, outcomePatch, outcomesOfResult, type SendOutcome } from './outcome';
import type { HistoryEntry, HistoryPatch } from './types';
import { coreMessage, wordMessage } from '../gateway/messages';

export interface DispatchStore {
  /** Records every draft with one write: all of them are on disk, or none. */
  recordMany(drafts: ReadonlyArray<Omit<HistoryEntry, 'key' | 'rev' | 'createdAt' | 'updatedAt'>>): Promise<HistoryEntry[]>;
  update(key: string, patch: Partial<HistoryEntry>): Promise<HistoryEntry | undefined>;
}

export interface DispatchContext {
  client: Pick<GatewayClient, 'send'>;
  credentials: Credentials;
  account: string;
  /** The account's display name, kept with each entry. */
  accountLabel?: string;
  sandbox: boolean;
  batchId?: string;
  signal?: AbortSignal;
}

/** Destinations per request: the bulk runner's cap, far below any server's URL limit. */
export const MAX_DESTINATIONS_PER_SEND = 50;
/** Characters of the joined destination list per request, whatever the count. */
export const MAX_DESTINATION_CHARS = 1000;

/** A history change that could not be written; `retryUnsaved` writes it later. */
export interface UnsavedChange {
  key: string;
  patch: HistoryPatch;
}

export interface DispatchOutcome {
  /** One per destination, in the order given, as they stand (in memory when the history could not be written). */
  entries: HistoryEntry[];
  /** Set when a whole request failed: its entries carry it, and later requests were not sent. */
  error?: GatewayError;
  /** Requests the destinations were split into, and how many of them went out. */
  requests: { total: number; sent: number };
  /** Set when the history could not be written after a request went out; `unsaved` holds what is missing. */
  historyError?: unknown;
  unsaved: UnsavedChange[];
}

/** Splits destinations into requests of at most `maxCount` numbers and `maxChars` joined characters. */
export function splitDestinations(destinations: readonly string[], maxCount = MAX_DESTINATIONS_PER_SEND, maxChars = MAX_DESTINATION_CHARS): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const d of destinations) {
    // A number joins the current request after a comma, or starts the next one.
    if (current.length > 0 && (current.length >= maxCount || chars + 1 + d.length > maxChars)) {
      out.push(current);
      current = [];
    }
    chars = current.length > 0 ? chars + 1 + d.length : d.length;
    current.push(d);
  }
  if (current.length > 0) out.push(current);
  return out;
}

function notSentError(request: number, total: number, historyFailed: boolean): NonNullable<HistoryEntry['error']> {
  return historyFailed
    ? {
      kind: 'config',
      gatewayText: `history not saved before request ${request} of ${total}`,
      explanation: wordMessage(coreMessage('notSentHistoryFailed', request, total)),
    }
    : {
      kind: 'config',
      gatewayText: `request ${request} of ${total} failed`,
      explanation: wordMessage(coreMessage('notSentAfterFailure', request, total)),
    };
}

/** Writes each change; resolves with the entries as stored, those that could not be written, and the first error. */
async function save(store: DispatchStore, changes: readonly UnsavedChange[]): Promise<{ stored: Map<string, HistoryEntry>; unsaved: UnsavedChange[]; error?: unknown }> {
  const stored = new Map<string, HistoryEntry>();
  const unsaved: UnsavedChange[] = [];
  let error: unknown;
  for (const change of changes) {
    try {
      const entry = await store.update(change.key, change.patch);
      if (entry) stored.set(change.key, entry);
    } catch (e) {
      error ??= e;
      unsaved.push(change);
    }
  }
  return { stored, unsaved, error };
}

/**
 * Records 'sending' entries and sends them, one request per part of the list, then completes each
 * entry. Never re-sends: a lost answer leaves the entries 'unknown' for the user to decide, and
 * stops the requests after it. Rejects only when nothing was sent (the first record failed).
 */
export async function dispatchSend(
  store: DispatchStore,
  ctx: DispatchContext,
  request: SendRequest,
  parts: number,
): Promise<DispatchOutcome> {
  const groups = splitDestinations(request.destinations);
  const draftsOf = (destinations: readonly string[], patch: HistoryPatch = {}) =>
    destinations.map((destination) => ({
      destination,
      sender: request.sender,
      text: request.message,
      account: ctx.account,
      accountLabel: ctx.accountLabel,
      sandbox: ctx.sandbox || undefined,
      batchId: ctx.batchId,
      state: 'sending' as const,
      parts,
      ...patch,
    }));
  const entries: HistoryEntry[] = [];
  const unsaved: UnsavedChange[] = [];
  let historyError: unknown;
  let error: GatewayError | undefined;
  let sent = 0;

  for (let g = 0; g < groups.length && !error && historyError === undefined; g++) {
    // One write per request: a crash between per-destination writes would leave some entries
    // "sending" for a request that never went out. A failure here means this request never went out.
    let recorded: HistoryEntry[];
    try {
      recorded = await store.recordMany(draftsOf(groups[g]));
    } catch (e) {
      if (g === 0) throw e;
      historyError = e;
      break;
    }
    let outcomes: SendOutcome[];
    try {
      const result = await ctx.client.send(ctx.credentials, { ...request, destinations: groups[g] }, { signal: ctx.signal });
      outcomes = outcomesOfResult(result, recorded.length);
    } catch (e) {
      error = toGatewayError(e, 'send');
      outcomes = recorded.map(() => outcomeOfError(error as GatewayError));
    }
    sent++;
    const changes = recorded.map((entry, i) => ({ key: entry.key, patch: outcomePatch(outcomes[i]) }));
    const saved = await save(store, changes);
    if (saved.unsaved.length > 0) {
      // One more try at once: a short hiccup should not leave the history behind.
      const again = await save(store, saved.unsaved);
      again.stored.forEach((e, k) => saved.stored.set(k, e));
      if (again.unsaved.length > 0) {
        historyError = again.error ?? saved.error;
        unsaved.push(...again.unsaved);
      }
    }
    // As stored; the outcome in memory where the history could not take it.
    recorded.forEach((entry, i) => entries.push(saved.stored.get(entry.key) ?? { ...entry, ...changes[i].patch }));
  }

  // The numbers after a failed request are kept, visibly not sent (only in memory if that write fails).
  const rest = request.destinations.slice(entries.length);
  if (rest.length > 0) {
    const reason = notSentError(error ? sent : sent + 1, groups.length, !error);
    const drafts = draftsOf(rest, { state: 'failed', error: reason });
    let recorded: HistoryEntry[] | undefined;
    if (historyError === undefined) {
      recorded = await store.recordMany(drafts).catch((e: unknown) => {
        historyError = e;
        return undefined;
      });
    }
    const now = new Date().toISOString();
    entries.push(...(recorded ?? drafts.map((d, i) => ({ ...d, key: `unsaved-${i}`, rev: 0, createdAt: now, updatedAt: now }))));
  }
  return { entries, error, requests: { total: groups.length, sent }, historyError, unsaved };
}

/** Tries to write what `dispatchSend` could not; resolves with what is still unsaved. */
export async function retryUnsaved(store: DispatchStore, changes: readonly UnsavedChange[]): Promise<UnsavedChange[]> {
  return (await save(store, changes)).unsaved;
}
