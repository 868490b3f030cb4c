// What a gateway answer to a send means for each destination's history entry. The single send
// (dispatch.ts) and the bulk runner both map answers through here, so they can never disagree.
import type { GatewayErrorInfo, SendItemResult, SendResult } from '../gateway/types';
import type { HistoryEntry, HistoryPatch } from './types';
import { coreMessage, wordMessage } from '../gateway/messages';

export type EntryError = NonNullable<HistoryEntry['error']>;

/** One destination's outcome: accepted with an id, refused, held for cost confirmation, or unknown. */
export type SendOutcome =
  | { state: 'sent'; smsId: number }
  | { state: 'failed' | 'unknown' | 'held'; error: EntryError };

/** "Awaiting cost confirmation": the gateway keeps the message until the cost is confirmed on its website. */
export const HELD_CODE = 1022;

export function entryError(e: Pick<GatewayErrorInfo, 'kind' | 'code' | 'gatewayText' | 'explanation'>): EntryError {
  return { kind: e.kind, code: e.code, gatewayText: e.gatewayText, explanation: e.explanation };
}

/** The outcome of a failure that covers the destination (per number, or the whole request). */
export function outcomeOfError(e: Pick<GatewayErrorInfo, 'kind' | 'code' | 'gatewayText' | 'explanation' | 'outcomeUnknown'>): SendOutcome {
  const error = entryError(e);
  if (e.kind === 'gateway' && e.code === HELD_CODE) return { state: 'held', error };
  return { state: e.outcomeUnknown ? 'unknown' : 'failed', error };
}

/** One destination's answer; `item` is missing when the gateway answered for fewer destinations than were sent. */
export function outcomeOfItem(item: SendItemResult | undefined, raw: string): SendOutcome {
  if (!item) {
    return {
      state: 'unknown',
      error: {
        kind: 'malformed',
        gatewayText: raw,
        explanation: wordMessage(coreMessage('fewerAnswers')),
      },
    };
  }
  return item.ok ? { state: 'sent', smsId: item.smsId } : outcomeOfError(item.error);
}

/** Every destination's outcome of an answered request, in the order sent. */
export function outcomesOfResult(result: SendResult, count: number): SendOutcome[] {
  return Array.from({ length: count }, (_, i) => outcomeOfItem(result.items[i], result.raw));
}

/** The history change an outcome makes. */
export function outcomePatch(o: SendOutcome): HistoryPatch {
  return o.state === 'sent' ? { state: 'sent', smsId: o.smsId } : { state: o.state, error: o.error };
}
