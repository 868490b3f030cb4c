// Small DOM helpers the panel's modules share. Text always goes in as text, never as markup.
import type { HistoryEntry } from '../panel/model';
import type { PanelStrings, RowAction } from '../panel/protocol';
import { DEFAULT_MAX_AGE_MS, statusGroupKey, statusGroupOf, type StatusGroup } from '../panel/model';

/** Creates an element with a class and optional text; text goes in as text, never as markup. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Sets an element's text only when it changed (no needless layout or screen-reader chatter). */
export function setText(node: Element | null | undefined, text: string): void {
  if (node && node.textContent !== text) node.textContent = text;
}

/** Actions that make sense for an entry; Refresh Status and Copy ID need a gateway SMSId. */
export function actionsFor(entry: HistoryEntry): RowAction[] {
  const actions: RowAction[] = [];
  if (entry.smsId !== undefined) actions.push('refreshStatus');
  actions.push('resend');
  if (entry.smsId !== undefined) actions.push('copyId');
  actions.push('copyText', 'deleteEntry');
  return actions;
}

/** The poller's max age (sent by the host at init): older messages without a final status show as `stale`. */
let maxAgeMs = DEFAULT_MAX_AGE_MS;
export function setMaxAge(ms: number): void {
  maxAgeMs = ms;
}

/** The entry's status group now (messageState.ts), as the host filters it. */
export function groupOf(entry: HistoryEntry): StatusGroup {
  return statusGroupOf(entry, { now: Date.now(), maxAgeMs });
}

/** The status an entry shows, in the grid and in the details alike. */
export function statusLabel(strings: PanelStrings, entry: HistoryEntry): string {
  const group = groupOf(entry);
  if (group === 'stale') return strings.status_stale;
  if (entry.state === 'unknown') return strings.outcomeUnknown;
  if (entry.status) return entry.status.label;
  if (entry.state === 'sent') return strings.acceptedNoStatus;
  return strings[statusGroupKey(group)];
}
