// Sending with a paper trail: every attempt is written to history before the request goes out,
// then completed with the SMSId or the error. Shared by the single send and (later) bulk sends.
import type { GatewayClient } from '../gateway/client';
import { GatewayError, toGatewayError } from '../gateway/errors';
import type { Credentials, SendRequest } from '../gateway/types';
import type { HistoryEntry } from './types';

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

export interface DispatchOutcome {
  entries: HistoryEntry[];
  /** Set when the whole request failed (the same error is on every entry). */
  error?: GatewayError;
}

function errorOf(e: GatewayError): HistoryEntry['error'] {
  return { kind: e.kind, code: e.code, gatewayText: e.gatewayText, explanation: e.explanation };
}

/**
 * Records one 'sending' entry per destination, sends them in one request, and completes each entry.
 * Never re-sends: a lost answer leaves the entries in state 'unknown' for the user to decide.
 */
export async function dispatchSend(
  store: DispatchStore,
  ctx: DispatchContext,
  request: SendRequest,
  parts: number,
): Promise<DispatchOutcome> {
  // One write for the whole request: a crash between per-destination writes would leave some
  // entries "sending" for a request that never went out.
  const entries = await store.recordMany(
    request.destinations.map((destination) => ({
      destination,
      sender: request.sender,
      text: request.message,
      account: ctx.account,
      accountLabel: ctx.accountLabel,
      sandbox: ctx.sandbox || undefined,
      batchId: ctx.batchId,
      state: 'sending' as const,
      parts,
    })),
  );
  try {
    const result = await ctx.client.send(ctx.credentials, request, { signal: ctx.signal });
    const done: HistoryEntry[] = [];
    for (let i = 0; i < entries.length; i++) {
      const item = result.items[i];
      const entry = entries[i];
      let patch: Partial<HistoryEntry>;
      if (!item) {
        patch = {
          state: 'unknown',
          error: {
            kind: 'malformed',
            gatewayText: result.raw,
            explanation: 'The gateway answered for fewer destinations than were sent; this one may or may not have been sent.',
          },
        };
      } else if (item.ok) {
        patch = { state: 'sent', smsId: item.smsId };
      } else {
        patch = { state: 'failed', error: { kind: item.error.kind, code: item.error.code, gatewayText: item.error.gatewayText, explanation: item.error.explanation } };
      }
      done.push((await store.update(entry.key, patch)) ?? { ...entry, ...patch });
    }
    return { entries: done };
  } catch (e) {
    const error = toGatewayError(e, 'send');
    const patch: Partial<HistoryEntry> = { state: error.outcomeUnknown ? 'unknown' : 'failed', error: errorOf(error) };
    const done: HistoryEntry[] = [];
    for (const entry of entries) done.push((await store.update(entry.key, patch)) ?? { ...entry, ...patch });
    return { entries: done, error };
  }
}
