// The panel's filter bar: search, status, date range and batch, and Clear Filters. It owns its
// controls; the app owns the filter and asks the host again when the bar reports a change.
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { PanelStrings } from '../panel/protocol';
import { el } from './dom';
import { STATUS_GROUPS, statusGroupKey, type PanelFilter, type StatusGroup } from '../panel/model';


export interface ToolbarEvents {
  /** A control changed: the part of the filter it sets. */
  filter(change: Partial<PanelFilter>): void;
  /** Clear Filters was pressed. */
  clear(): void;
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly search: VscodeTextfield;
  private readonly statusSelect: VscodeSingleSelect;
  private readonly fromField: VscodeTextfield;
  private readonly toField: VscodeTextfield;
  private readonly batchGroup: HTMLElement;
  private readonly batchSelect: VscodeSingleSelect;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private knownBatches = '';

  constructor(private readonly strings: PanelStrings, filter: PanelFilter, events: ToolbarEvents) {
    const s = strings;
    const bar = el('div', 'toolbar');
    bar.setAttribute('role', 'search');

    const search = document.createElement('vscode-textfield');
    this.search = search;
    search.id = 'search';
    search.type = 'search';
    search.placeholder = s.searchPlaceholder;
    search.label = s.searchLabel;
    search.value = filter.search;
    search.className = 'search';
    search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      // Debounced: each question makes the host filter every message.
      this.searchTimer = setTimeout(() => events.filter({ search: search.value }), 80);
    });

    const statusSelect = this.makeSelect('status-filter', s.allStatuses, STATUS_GROUPS.map((g) => [g, s[statusGroupKey(g)]]));
    this.statusSelect = statusSelect;
    statusSelect.value = filter.status;
    statusSelect.addEventListener('change', () => events.filter({ status: statusSelect.value as StatusGroup | '' }));

    this.fromField = dateField('from-date', filter.from, (v) => events.filter({ from: v }));
    this.toField = dateField('to-date', filter.to, (v) => events.filter({ to: v }));

    const batchSelect = this.makeSelect('batch-filter', s.allBatches, []);
    this.batchSelect = batchSelect;
    batchSelect.addEventListener('change', () => events.filter({ batch: batchSelect.value }));
    this.batchGroup = group(s.batchFilterLabel, batchSelect);
    this.batchGroup.hidden = true;

    const clear = document.createElement('vscode-button');
    clear.id = 'clear-filters';
    clear.secondary = true;
    clear.textContent = s.clearFilters;
    clear.addEventListener('click', () => events.clear());

    bar.append(
      search,
      group(s.statusFilterLabel, statusSelect),
      group(s.fromLabel, this.fromField),
      group(s.toLabel, this.toField),
      this.batchGroup,
      clear,
    );
    this.element = bar;
  }

  /** Empties every control (the app then asks with the empty filter). */
  clear(): void {
    this.search.value = '';
    this.statusSelect.value = '';
    this.fromField.value = '';
    this.toField.value = '';
    this.batchSelect.value = '';
  }

  /** Offers the batches the history holds; the batch filter shows only when there is one. */
  syncBatches(batches: readonly string[], current: string): void {
    const signature = batches.join('\u0000');
    if (signature === this.knownBatches) return;
    this.knownBatches = signature;
    fillOptions(this.batchSelect, this.strings.allBatches, batches.map((b) => [b, b]));
    this.batchSelect.value = batches.includes(current) ? current : '';
    this.batchGroup.hidden = batches.length === 0;
  }

  private makeSelect(id: string, allLabel: string, options: [string, string][]): VscodeSingleSelect {
    const select = document.createElement('vscode-single-select');
    select.id = id;
    fillOptions(select, allLabel, options);
    return select;
  }
}

function group(label: string, control: HTMLElement): HTMLElement {
  const node = el('div', 'filter-group');
  const lab = document.createElement('vscode-label');
  lab.htmlFor = control.id;
  lab.textContent = label;
  node.append(lab, control);
  return node;
}

function fillOptions(select: VscodeSingleSelect, allLabel: string, options: [string, string][]): void {
  const nodes = [['', allLabel] as [string, string], ...options].map(([value, label]) => {
    const option = document.createElement('vscode-option');
    option.value = value;
    option.textContent = label;
    return option;
  });
  select.replaceChildren(...nodes);
}

function dateField(id: string, value: string, onChange: (value: string) => void): VscodeTextfield {
  const field = document.createElement('vscode-textfield');
  field.id = id;
  field.type = 'date';
  field.value = value;
  field.className = 'date';
  field.addEventListener('change', () => onChange(field.value));
  return field;
}
