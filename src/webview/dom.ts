// Small DOM helpers the panel's modules share. Text always goes in as text, never as markup.
import type { HistoryEntry } from '../history/types';
import type { PanelStrings, RowAction } from '../views/panelProtocol';
import { statusCategory } from './model';

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

/** The status an entry shows, in the grid and in the details alike. */
export function statusLabel(strings: PanelStrings, entry: HistoryEntry): string {
  if (entry.state === 'unknown') return strings.outcomeUnknown;
  if (entry.status) return entry.status.label;
  if (entry.state === 'sent') return strings.acceptedNoStatus;
  return strings[`status_${statusCategory(entry)}`];
}
