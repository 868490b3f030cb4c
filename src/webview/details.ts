// The selected message's details under the grid: its status, route and actions, its text, and every
// field the history knows (gateway times in the provider's zone, the error and what it means).
import type { HistoryEntry } from '../panel/model';
import type { PanelStrings, RowAction } from '../panel/protocol';
import { actionsFor, el, groupOf, statusLabel } from './dom';
import type { Formatters } from './format';
import { displayGatewayTime, entryParts } from '../panel/model';

export class DetailsView {
  readonly element: HTMLElement;

  /** `onAction` runs an action button; `onEscape` runs when Escape is pressed inside the details. */
  constructor(
    private readonly strings: PanelStrings,
    private readonly fmt: Formatters,
    private readonly onAction: (action: RowAction, key: string) => void,
    onEscape: () => void,
  ) {
    this.element = el('section', 'details');
    this.element.setAttribute('aria-label', strings.detailsLabel);
    this.element.hidden = true;
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onEscape();
      }
    });
  }

  /** Moves the focus to the first action that can be used. */
  focusFirstAction(): void {
    this.element.querySelector<HTMLElement>('vscode-button:not([disabled])')?.focus();
  }

  /** Shows `entry` (rebuilt only when it changed, keeping the focused action), or hides the details. */
  show(entry: HistoryEntry | undefined): void {
    const details = this.element;
    details.hidden = entry === undefined;
    if (!entry) {
      delete details.dataset.key;
      return;
    }
    const signature = `${entry.key}@${entry.rev}`;
    if (details.dataset.signature === signature) return;
    const hadFocus = details.contains(document.activeElement);
    const focusedAction = (document.activeElement as HTMLElement | null)?.dataset?.action;
    details.dataset.signature = signature;
    details.dataset.key = entry.key;
    details.replaceChildren(this.head(entry), el('p', 'details-text', entry.text), this.fields(entry));
    if (hadFocus) {
      const again = focusedAction
        ? details.querySelector<HTMLElement>(`vscode-button[data-action="${focusedAction}"]`)
        : null;
      (again ?? details.querySelector<HTMLElement>('vscode-button'))?.focus();
    }
  }

  private head(entry: HistoryEntry): HTMLElement {
    const s = this.strings;
    const head = el('div', 'details-head');
    const status = el('span', 'details-status');
    const indicator = el('span', 'indicator');
    indicator.dataset.status = groupOf(entry);
    status.append(indicator, el('span', 'status-label', statusLabel(s, entry)));
    head.append(status);
    if (entry.sandbox) {
      const tag = el('span', 'tag sandbox-tag', s.sandbox);
      tag.title = s.sandboxTitle;
      head.append(tag);
    }
    head.append(el('span', 'details-route', `${entry.sender} \u2192 ${entry.destination}`));

    const actions = el('div', 'details-actions');
    actions.setAttribute('role', 'toolbar');
    actions.setAttribute('aria-label', s.actionsLabel);
    for (const action of actionsFor(entry)) {
      const button = document.createElement('vscode-button');
      button.dataset.action = action;
      button.secondary = action !== 'refreshStatus';
      button.textContent = s[`action_${action}`];
      button.addEventListener('click', () => this.onAction(action, entry.key));
      actions.append(button);
    }
    head.append(actions);
    return head;
  }

  private fields(entry: HistoryEntry): HTMLElement {
    const s = this.strings;
    const fields = el('dl', 'details-fields');
    const add = (label: string, value: string | undefined, note?: string): void => {
      if (!value) return;
      const dd = el('dd', undefined, value);
      if (note) dd.append(el('span', 'note', ` (${note})`));
      fields.append(el('dt', undefined, label), dd);
    };
    add(s.colId, entry.smsId === undefined ? s.notAvailable : String(entry.smsId));
    add(s.fieldRecorded, this.fmt.localTime(entry.createdAt));
    add(s.fieldSubmitted, displayGatewayTime(entry.submittedOn) ?? '', s.providerLocalTime);
    add(s.fieldLastChange, displayGatewayTime(entry.lastChangeOn) ?? '', s.providerLocalTime);
    add(s.fieldLastChecked, this.fmt.localTime(entry.lastPolledAt));
    add(s.fieldStatusCode, entry.status ? `${entry.status.code} \u2013 ${entry.status.label}` : undefined);
    add(s.colParts, this.fmt.count(entryParts(entry)));
    add(s.colCharge, entry.charge === undefined ? s.notAvailable : this.fmt.euro(entry.charge));
    add(s.fieldAccount, entry.accountLabel || entry.account);
    add(s.fieldBatch, entry.batchId);
    if (entry.error) {
      const code = entry.error.code === undefined ? '' : `${entry.error.code} \u2013 `;
      add(s.fieldError, `${code}${entry.error.gatewayText}`);
      const explanation = el('dd', 'error-explanation', entry.error.explanation);
      fields.append(el('dt'), explanation);
    }
    return fields;
  }
}
