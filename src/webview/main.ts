// The SMS History webview app: filters, sortable virtualised table, details with row actions,
// live patches from the host, and view state kept through setState.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-context-menu/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeContextMenu } from '@vscode-elements/elements/dist/vscode-context-menu/vscode-context-menu.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { HistoryEntry } from '../history/types';
import {
  isHostMessage,
  isRowAction,
  type HostMessage,
  type PanelStringKey,
  type PanelStrings,
  type RowAction,
  type WebviewMessage,
} from '../views/panelProtocol';
import { createFormatters, formatGatewayTime, type Formatters } from './format';
import {
  entryParts,
  maxScrollTop,
  moveSelection,
  PanelModel,
  restoreViewState,
  scrollTopToReveal,
  statusCategory,
  type PanelFilter,
  type PanelViewState,
  type SortColumn,
  type StatusCategory,
} from './model';
import { VirtualTable, type RowPainter } from './table';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const ROW_HEIGHT = 24;
const OVERSCAN = 8;

interface Column {
  id: SortColumn;
  label: PanelStringKey;
  numeric?: boolean;
}

const columns: Column[] = [
  { id: 'smsId', label: 'colId', numeric: true },
  { id: 'createdAt', label: 'colTime' },
  { id: 'destination', label: 'colDestination' },
  { id: 'sender', label: 'colSender' },
  { id: 'text', label: 'colText' },
  { id: 'status', label: 'colStatus' },
  { id: 'parts', label: 'colParts', numeric: true },
  { id: 'charge', label: 'colCharge', numeric: true },
];

const filterStatuses: StatusCategory[] = ['queued', 'pending', 'delivered', 'failed', 'unknown', 'sending', 'lookup'];

/** Creates an element with a class and optional text; text goes in as text, never as markup. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setText(node: Element | null | undefined, text: string): void {
  if (node && node.textContent !== text) node.textContent = text;
}

/** Actions that make sense for an entry; Refresh Status and Copy ID need a gateway SMSId. */
function actionsFor(entry: HistoryEntry): RowAction[] {
  const actions: RowAction[] = [];
  if (entry.smsId !== undefined) actions.push('refreshStatus');
  actions.push('resend');
  if (entry.smsId !== undefined) actions.push('copyId');
  actions.push('copyText', 'deleteEntry');
  return actions;
}

class HistoryPanelApp {
  private readonly model: PanelModel;
  private strings!: PanelStrings;
  private fmt!: Formatters;
  private table!: VirtualTable;
  private selectedKey: string | undefined;
  private pendingScrollTop: number;
  private built = false;
  private frame = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private knownBatches = '';
  /** While the host is still sending the history after `init`: entries here so far, and how many in all. */
  private loading: { received: number; total: number } | undefined;
  /** A restored scroll position deeper than the rows here so far; followed until reached or the user scrolls. */
  private restoreScroll: number | undefined;
  /** Where this page last put the scroll position itself, to tell the user's scrolling apart. */
  private placedScrollTop = 0;
  /** A reveal for an entry whose part has not arrived yet. */
  private pendingReveal: string | undefined;

  // Built once the first init brings the strings.
  private grid!: HTMLElement;
  private header!: HTMLElement;
  private spacer!: HTMLElement;
  private empty!: HTMLElement;
  private details!: HTMLElement;
  private totals!: HTMLElement;
  private search!: VscodeTextfield;
  private statusSelect!: VscodeSingleSelect;
  private fromField!: VscodeTextfield;
  private toField!: VscodeTextfield;
  private batchGroup!: HTMLElement;
  private batchSelect!: VscodeSingleSelect;
  private menu!: VscodeContextMenu;
  private menuKey: string | undefined;

  constructor(private readonly vscode: VsCodeApi, private readonly root: HTMLElement) {
    const state = restoreViewState(vscode.getState());
    this.model = new PanelModel(state.filter, state.sort);
    this.selectedKey = state.selectedKey;
    this.pendingScrollTop = state.scrollTop;
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isHostMessage(event.data)) this.onMessage(event.data);
    });
    vscode.postMessage({ type: 'ready' });
  }

  private onMessage(message: HostMessage): void {
    switch (message.type) {
      case 'init':
        this.init(message.entries, message.strings, message.locale, message.total);
        if (message.revealKey) this.reveal(message.revealKey);
        break;
      case 'append':
        if (this.built) this.append(message.entries, message.done);
        break;
      case 'upsert':
        if (this.built) this.applyChange(() => this.model.upsert(message.entries).orderChanged);
        break;
      case 'remove':
        if (this.built) this.applyRemove(message.keys);
        break;
      case 'reveal':
        if (this.built) this.reveal(message.key);
        break;
    }
  }

  private init(entries: HistoryEntry[], strings: PanelStrings, locale: string, total: number | undefined): void {
    this.model.reset(entries);
    this.loading = total !== undefined && total > entries.length ? { received: entries.length, total } : undefined;
    this.pendingReveal = undefined;
    if (!this.built) {
      this.strings = strings;
      this.fmt = createFormatters(locale);
      this.build();
      this.built = true;
      this.root.removeAttribute('aria-busy');
    }
    this.syncBatches();
    this.table.setRows(this.model.rows);
    // The selected entry may be in a part still on its way.
    if (!this.loading && this.selectedKey && !this.model.get(this.selectedKey)) this.selectedKey = undefined;
    this.table.setSelected(this.selectedKey);
    this.placeScroll(this.pendingScrollTop);
    this.restoreScroll = this.loading && this.grid.scrollTop < this.pendingScrollTop ? this.pendingScrollTop : undefined;
    this.grid.toggleAttribute('aria-busy', this.loading !== undefined);
    this.renderAll();
  }

  /** A later part of the history: one bulk add, one redraw, the user's place and selection kept. */
  private append(entries: HistoryEntry[], done: boolean): void {
    if (this.loading) this.loading.received += entries.length;
    if (done) this.loading = undefined;
    const userScrolled = this.grid.scrollTop !== this.placedScrollTop;
    this.applyChange(() => this.model.append(entries).orderChanged);
    if (this.restoreScroll !== undefined) {
      if (userScrolled) this.restoreScroll = undefined;
      else {
        this.placeScroll(this.restoreScroll);
        if (this.grid.scrollTop >= this.restoreScroll || done) this.restoreScroll = undefined;
        this.renderRows();
      }
    }
    if (done) {
      this.grid.removeAttribute('aria-busy');
      if (this.selectedKey && !this.model.get(this.selectedKey)) this.select(undefined);
    }
    const reveal = this.pendingReveal;
    if (reveal && (this.model.get(reveal) || done)) {
      this.pendingReveal = undefined;
      this.reveal(reveal);
    }
    this.renderTotals();
  }

  private placeScroll(top: number): void {
    this.grid.scrollTop = Math.min(top, maxScrollTop(this.model.rows.length, this.table.rowsViewportHeight(), ROW_HEIGHT));
    this.placedScrollTop = this.grid.scrollTop;
  }

  // ---- building -------------------------------------------------------------------------------

  private build(): void {
    const s = this.strings;
    this.root.replaceChildren();
    // Landmarks for screen readers (axe-core finds none missing): a banner with the page's one heading and
    // the search filters, the grid and the selected message's details in main, the totals as contentinfo.
    const banner = el('header', 'banner');
    banner.append(el('h1', 'visually-hidden', s.heading), this.buildToolbar());
    const main = el('main', 'main');
    this.root.append(banner, main);
    main.append(this.buildGrid());
    this.details = el('section', 'details');
    this.details.setAttribute('aria-label', s.detailsLabel);
    this.details.hidden = true;
    this.details.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.grid.focus();
      }
    });
    this.totals = el('footer', 'totals');
    this.menu = document.createElement('vscode-context-menu');
    this.menu.className = 'row-menu';
    this.menu.addEventListener('vsc-context-menu-select', (e) => {
      const action = e.detail.value;
      if (this.menuKey && isRowAction(action)) this.post(action, this.menuKey);
      this.grid.focus();
    });
    this.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.grid.focus();
    });
    main.append(this.details);
    this.root.append(this.totals, this.menu);

    const painter: RowPainter = {
      create: (row) => this.createRowCells(row),
      paint: (row, entry) => this.paintRow(row, entry),
    };
    this.table = new VirtualTable({
      scroller: this.grid,
      spacer: this.spacer,
      headerHeight: () => this.header.offsetHeight,
      rowHeight: ROW_HEIGHT,
      overscan: OVERSCAN,
      painter,
      idPrefix: 'row-',
    });
    this.grid.addEventListener('scroll', () => {
      this.scheduleRender();
      this.scheduleSave();
    });
    new ResizeObserver(() => this.scheduleRender()).observe(this.grid);
  }

  private buildToolbar(): HTMLElement {
    const s = this.strings;
    const f = this.model.filter;
    const bar = el('div', 'toolbar');
    bar.setAttribute('role', 'search');

    this.search = document.createElement('vscode-textfield');
    this.search.id = 'search';
    this.search.type = 'search';
    this.search.placeholder = s.searchPlaceholder;
    this.search.label = s.searchLabel;
    this.search.value = f.search;
    this.search.className = 'search';
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      // Debounced: on 100k entries each keystroke re-filters everything.
      this.searchTimer = setTimeout(() => this.setFilter({ search: this.search.value }), 120);
    });

    this.statusSelect = this.makeSelect('status-filter', s.allStatuses, filterStatuses.map((c) => [c, s[`status_${c}`]]));
    this.statusSelect.value = f.status;
    this.statusSelect.addEventListener('change', () => this.setFilter({ status: this.statusSelect.value as StatusCategory | '' }));

    this.fromField = this.dateField('from-date', f.from, (v) => this.setFilter({ from: v }));
    this.toField = this.dateField('to-date', f.to, (v) => this.setFilter({ to: v }));

    this.batchSelect = this.makeSelect('batch-filter', s.allBatches, []);
    this.batchSelect.addEventListener('change', () => this.setFilter({ batch: this.batchSelect.value }));
    this.batchGroup = this.group(s.batchFilterLabel, this.batchSelect);
    this.batchGroup.hidden = true;

    const clear = document.createElement('vscode-button');
    clear.id = 'clear-filters';
    clear.secondary = true;
    clear.textContent = s.clearFilters;
    clear.addEventListener('click', () => this.clearFilters());

    bar.append(
      this.search,
      this.group(s.statusFilterLabel, this.statusSelect),
      this.group(s.fromLabel, this.fromField),
      this.group(s.toLabel, this.toField),
      this.batchGroup,
      clear,
    );
    return bar;
  }

  private group(label: string, control: HTMLElement): HTMLElement {
    const group = el('div', 'filter-group');
    const lab = document.createElement('vscode-label');
    lab.htmlFor = control.id;
    lab.textContent = label;
    group.append(lab, control);
    return group;
  }

  private makeSelect(id: string, allLabel: string, options: [string, string][]): VscodeSingleSelect {
    const select = document.createElement('vscode-single-select');
    select.id = id;
    this.fillOptions(select, allLabel, options);
    return select;
  }

  private fillOptions(select: VscodeSingleSelect, allLabel: string, options: [string, string][]): void {
    const nodes = [['', allLabel] as [string, string], ...options].map(([value, label]) => {
      const option = document.createElement('vscode-option');
      option.value = value;
      option.textContent = label;
      return option;
    });
    select.replaceChildren(...nodes);
  }

  private dateField(id: string, value: string, onChange: (value: string) => void): VscodeTextfield {
    const field = document.createElement('vscode-textfield');
    field.id = id;
    field.type = 'date';
    field.value = value;
    field.className = 'date';
    field.addEventListener('change', () => onChange(field.value));
    return field;
  }

  private buildGrid(): HTMLElement {
    const s = this.strings;
    this.grid = el('div', 'grid');
    this.grid.setAttribute('role', 'grid');
    this.grid.setAttribute('aria-label', s.gridLabel);
    this.grid.tabIndex = 0;
    this.grid.style.setProperty('--row-height', `${ROW_HEIGHT}px`);

    this.header = el('div', 'row head');
    this.header.setAttribute('role', 'row');
    this.header.setAttribute('aria-rowindex', '1');
    for (const column of columns) {
      const cell = el('div', `cell col-${column.id}${column.numeric ? ' num' : ''}`);
      cell.setAttribute('role', 'columnheader');
      cell.dataset.column = column.id;
      const button = el('button', 'sort');
      button.type = 'button';
      button.title = s[column.label];
      button.append(el('span', 'label', s[column.label]), el('span', 'sort-indicator'));
      button.addEventListener('click', () => {
        this.model.toggleSort(column.id);
        this.afterReorder(true);
      });
      cell.append(button);
      this.header.append(cell);
    }
    const head = el('div', 'grid-head');
    head.setAttribute('role', 'rowgroup');
    head.append(this.header);

    this.spacer = el('div', 'spacer');
    this.spacer.setAttribute('role', 'rowgroup');
    this.empty = el('div', 'empty');
    this.empty.hidden = true;
    this.grid.append(head, this.spacer, this.empty);

    this.spacer.addEventListener('click', (e) => {
      const key = this.rowKeyFromEvent(e);
      if (key) this.select(key);
    });
    this.spacer.addEventListener('dblclick', (e) => {
      if (this.rowKeyFromEvent(e)) this.focusActions();
    });
    this.spacer.addEventListener('contextmenu', (e) => {
      const key = this.rowKeyFromEvent(e);
      if (!key) return;
      e.preventDefault();
      this.select(key);
      this.openMenu(key, e.clientX, e.clientY);
    });
    this.grid.addEventListener('keydown', (e) => this.onGridKey(e));
    return this.grid;
  }

  private rowKeyFromEvent(e: Event): string | undefined {
    const row = (e.target as Element | null)?.closest<HTMLElement>('.row');
    return row?.dataset.key;
  }

  private createRowCells(row: HTMLElement): void {
    for (const column of columns) {
      const cell = el('div', `cell col-${column.id}${column.numeric ? ' num' : ''}`);
      cell.setAttribute('role', 'gridcell');
      if (column.id === 'status') {
        cell.append(el('span', 'indicator'), el('span', 'status-label'));
      } else if (column.id === 'text') {
        const tag = el('span', 'tag sandbox-tag', this.strings.sandbox);
        tag.title = this.strings.sandboxTitle;
        cell.append(tag, el('span', 'message-text'));
      }
      row.append(cell);
    }
  }

  private paintRow(row: HTMLElement, entry: HistoryEntry): void {
    const cells = row.children;
    const category = statusCategory(entry);
    row.dataset.key = entry.key;
    row.dataset.status = category;
    row.classList.toggle('is-sandbox', entry.sandbox === true);
    setText(cells[0], entry.smsId === undefined ? '' : String(entry.smsId));
    setText(cells[1], this.fmt.localTime(entry.createdAt));
    setText(cells[2], entry.destination);
    setText(cells[3], entry.sender);
    const text = cells[4];
    setText(text.querySelector('.message-text'), entry.text);
    text.setAttribute('title', entry.text);
    const status = cells[5];
    status.querySelector('.indicator')?.setAttribute('data-status', category);
    const label = this.statusLabel(entry);
    setText(status.querySelector('.status-label'), label);
    status.setAttribute('title', entry.error ? `${label}: ${entry.error.gatewayText}` : label);
    setText(cells[6], this.fmt.count(entryParts(entry)));
    setText(cells[7], entry.charge === undefined ? '' : this.fmt.euro(entry.charge));
  }

  private statusLabel(entry: HistoryEntry): string {
    if (entry.state === 'unknown') return this.strings.outcomeUnknown;
    if (entry.status) return entry.status.label;
    if (entry.state === 'sent') return this.strings.acceptedNoStatus;
    return this.strings[`status_${statusCategory(entry)}`];
  }

  // ---- changes ------------------------------------------------------------------------------

  /**
   * Applies a model change and keeps the rows the user is looking at in place: when rows are
   * inserted or removed above the first visible one, the scroll position follows that row.
   */
  private applyChange(change: () => boolean): void {
    const anchor = this.scrollAnchor();
    const orderChanged = change();
    if (orderChanged && anchor) {
      const index = this.model.indexOf(anchor.key);
      if (index >= 0) this.grid.scrollTop = index * ROW_HEIGHT + anchor.offset;
    }
    this.syncBatches();
    this.table.setRows(this.model.rows);
    this.renderRows();
    this.renderTotals();
    this.renderDetails();
    this.renderEmpty();
  }

  private applyRemove(keys: string[]): void {
    const selected = this.selectedKey;
    const removed = new Set(keys);
    const successor = selected && removed.has(selected) ? this.survivingNeighbour(selected, removed) : null;
    this.applyChange(() => this.model.remove(keys).orderChanged);
    // The next row that stays takes the selection (the previous one at the end), as in a list editor.
    if (successor !== null) this.select(successor, false);
  }

  private survivingNeighbour(key: string, removed: Set<string>): string | undefined {
    const rows = this.model.rows;
    const index = this.model.indexOf(key);
    if (index < 0) return undefined;
    for (let i = index + 1; i < rows.length; i++) if (!removed.has(rows[i].key)) return rows[i].key;
    for (let i = index - 1; i >= 0; i--) if (!removed.has(rows[i].key)) return rows[i].key;
    return undefined;
  }

  private scrollAnchor(): { key: string; offset: number } | undefined {
    const top = this.grid.scrollTop;
    // At the very top new messages should come into view, so no anchoring there.
    if (top <= 0) return undefined;
    const index = Math.floor(top / ROW_HEIGHT);
    const entry = this.model.rows[index];
    return entry ? { key: entry.key, offset: top - index * ROW_HEIGHT } : undefined;
  }

  private setFilter(filter: Partial<PanelFilter>): void {
    this.model.setFilter(filter);
    this.afterReorder(false);
  }

  private clearFilters(): void {
    this.search.value = '';
    this.statusSelect.value = '';
    this.fromField.value = '';
    this.toField.value = '';
    this.batchSelect.value = '';
    this.setFilter({ search: '', status: '', from: '', to: '', batch: '' });
  }

  /** After a filter or sort change: keep the selected row in view, else go back to the top. */
  private afterReorder(keepSelection: boolean): void {
    this.table.setRows(this.model.rows);
    const index = this.selectedKey ? this.model.indexOf(this.selectedKey) : -1;
    if (index >= 0 && keepSelection) {
      const height = this.table.rowsViewportHeight();
      this.grid.scrollTop = Math.max(0, index * ROW_HEIGHT - Math.floor(height / 2 / ROW_HEIGHT) * ROW_HEIGHT);
    } else {
      this.grid.scrollTop = 0;
    }
    this.renderAll();
    this.scheduleSave();
  }

  private syncBatches(): void {
    const batches = this.model.batches();
    const signature = batches.join('\u0000');
    if (signature === this.knownBatches) return;
    this.knownBatches = signature;
    const current = this.model.filter.batch;
    this.fillOptions(this.batchSelect, this.strings.allBatches, batches.map((b) => [b, b]));
    this.batchSelect.value = batches.includes(current) ? current : '';
    this.batchGroup.hidden = batches.length === 0;
  }

  // ---- selection, keyboard, actions ---------------------------------------------------------

  private select(key: string | undefined, reveal = false): void {
    this.selectedKey = key;
    this.table.setSelected(key);
    if (reveal && key) {
      const index = this.model.indexOf(key);
      if (index >= 0) {
        this.grid.scrollTop = scrollTopToReveal(index, this.grid.scrollTop, this.table.rowsViewportHeight(), ROW_HEIGHT);
        this.renderRows();
      }
    }
    this.updateActiveDescendant();
    this.renderDetails();
    this.scheduleSave();
  }

  private reveal(key: string): void {
    if (!this.model.get(key)) {
      if (this.loading) this.pendingReveal = key;
      return;
    }
    if (this.model.indexOf(key) < 0) this.clearFilters();
    this.select(key, true);
  }

  private onGridKey(e: KeyboardEvent): void {
    if (e.target !== this.grid) return;
    const rows = this.model.rows;
    const current = this.selectedKey ? this.model.indexOf(this.selectedKey) : -1;
    const next = moveSelection(e.key, current, rows.length, this.table.viewportRows());
    if (next !== undefined) {
      e.preventDefault();
      this.select(rows[next].key, true);
      return;
    }
    if (!this.selectedKey || current < 0) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.focusActions();
    } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault();
      const rect = this.table.rowElement(this.selectedKey)?.getBoundingClientRect();
      const gridRect = this.grid.getBoundingClientRect();
      this.openMenu(this.selectedKey, (rect?.left ?? gridRect.left) + 24, rect?.bottom ?? gridRect.top + 24);
    } else if (e.key === 'Delete') {
      e.preventDefault();
      this.post('deleteEntry', this.selectedKey);
    }
  }

  private focusActions(): void {
    this.renderDetails();
    this.details.querySelector<HTMLElement>('vscode-button:not([disabled])')?.focus();
  }

  private openMenu(key: string, x: number, y: number): void {
    const entry = this.model.get(key);
    if (!entry) return;
    this.menuKey = key;
    const actions = actionsFor(entry);
    const data = actions.flatMap((action) => {
      const item = { label: this.strings[`action_${action}`], value: action };
      return action === 'deleteEntry' ? [{ separator: true }, item] : [item];
    });
    this.menu.data = data;
    // Keep the menu on screen: open it upward/leftward when there is no room.
    const width = 220;
    const height = data.length * 26 + 12;
    this.menu.style.left = `${Math.max(0, Math.min(x, window.innerWidth - width))}px`;
    this.menu.style.top = `${Math.max(0, Math.min(y, window.innerHeight - height))}px`;
    this.menu.show = true;
  }

  private post(action: RowAction, key: string): void {
    this.vscode.postMessage({ type: 'action', action, key });
  }

  private updateActiveDescendant(): void {
    const id = this.selectedKey ? this.table.rowId(this.selectedKey) : undefined;
    if (id) this.grid.setAttribute('aria-activedescendant', id);
    else this.grid.removeAttribute('aria-activedescendant');
  }

  // ---- rendering ----------------------------------------------------------------------------

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderRows();
    });
  }

  private renderAll(): void {
    this.renderHeader();
    this.renderRows();
    this.renderTotals();
    this.renderDetails();
    this.renderEmpty();
  }

  private renderRows(): void {
    this.table.render();
    this.grid.setAttribute('aria-rowcount', String(this.model.rows.length + 1));
    this.updateActiveDescendant();
  }

  private renderHeader(): void {
    const { column, direction } = this.model.sort;
    for (const cell of Array.from(this.header.children) as HTMLElement[]) {
      const sorted = cell.dataset.column === column;
      cell.setAttribute('aria-sort', sorted ? (direction === 'asc' ? 'ascending' : 'descending') : 'none');
      cell.classList.toggle('sorted', sorted);
      setText(cell.querySelector('.sort-indicator'), sorted ? (direction === 'asc' ? '\u25B2' : '\u25BC') : '');
    }
  }

  private renderEmpty(): void {
    const none = this.model.rows.length === 0;
    this.empty.hidden = !none;
    if (none) setText(this.empty, this.model.size === 0 ? this.strings.emptyHistory : this.strings.noMatches);
  }

  private renderTotals(): void {
    const s = this.strings;
    const t = this.model.totals;
    const items: [string, string, string][] = [
      ['messages', s.totalMessages, this.fmt.count(t.messages)],
      ['parts', s.totalParts, this.fmt.count(t.parts)],
      ['charge', s.totalCharge, this.fmt.euro(t.charge)],
    ];
    if (t.chargeUnknown > 0) items.push(['charge-unknown', s.chargeIncomplete, this.fmt.count(t.chargeUnknown)]);
    if (t.messages !== this.model.size) items.push(['in-history', s.totalInHistory, this.fmt.count(this.model.size)]);
    const loading = this.loading
      ? s.loadingProgress.replace('{0}', this.fmt.count(this.loading.received)).replace('{1}', this.fmt.count(this.loading.total))
      : '';
    const signature = items.map((i) => i.join('=')).join(';') + loading;
    if (this.totals.dataset.signature === signature) return;
    this.totals.dataset.signature = signature;
    this.totals.replaceChildren(
      ...items.map(([id, label, value]) => {
        const item = el('span', 'total');
        item.dataset.total = id;
        item.append(el('span', 'total-label', label), el('span', 'total-value', value));
        return item;
      }),
    );
    if (loading) {
      const note = el('span', 'total loading', loading);
      note.dataset.total = 'loading';
      this.totals.append(note);
    }
  }

  private renderDetails(): void {
    const entry = this.selectedKey ? this.model.get(this.selectedKey) : undefined;
    const shown = entry !== undefined && this.model.indexOf(entry.key) >= 0;
    this.details.hidden = !shown;
    if (!entry || !shown) {
      delete this.details.dataset.key;
      return;
    }
    const signature = `${entry.key}@${entry.rev}`;
    if (this.details.dataset.signature === signature) return;
    const hadFocus = this.details.contains(document.activeElement);
    const focusedAction = (document.activeElement as HTMLElement | null)?.dataset?.action;
    this.details.dataset.signature = signature;
    this.details.dataset.key = entry.key;
    const s = this.strings;
    const category = statusCategory(entry);

    const head = el('div', 'details-head');
    const status = el('span', 'details-status');
    const indicator = el('span', 'indicator');
    indicator.dataset.status = category;
    status.append(indicator, el('span', 'status-label', this.statusLabel(entry)));
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
      button.addEventListener('click', () => this.post(action, entry.key));
      actions.append(button);
    }
    head.append(actions);

    const text = el('p', 'details-text', entry.text);
    const fields = el('dl', 'details-fields');
    const add = (label: string, value: string | undefined, note?: string): void => {
      if (!value) return;
      const dd = el('dd', undefined, value);
      if (note) dd.append(el('span', 'note', ` (${note})`));
      fields.append(el('dt', undefined, label), dd);
    };
    add(s.colId, entry.smsId === undefined ? s.notAvailable : String(entry.smsId));
    add(s.fieldRecorded, this.fmt.localTime(entry.createdAt));
    add(s.fieldSubmitted, formatGatewayTime(entry.submittedOn), s.providerLocalTime);
    add(s.fieldLastChange, formatGatewayTime(entry.lastChangeOn), s.providerLocalTime);
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
    this.details.replaceChildren(head, text, fields);
    if (hadFocus) {
      const again = focusedAction
        ? this.details.querySelector<HTMLElement>(`vscode-button[data-action="${focusedAction}"]`)
        : null;
      (again ?? this.details.querySelector<HTMLElement>('vscode-button'))?.focus();
    }
  }

  private scheduleSave(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveState(), 150);
  }

  private saveState(): void {
    this.pendingScrollTop = this.grid.scrollTop;
    this.vscode.setState({
      filter: this.model.filter,
      sort: this.model.sort,
      // Still loading towards a deeper restored place: keep that one, not where the rows so far end.
      scrollTop: this.restoreScroll ?? this.grid.scrollTop,
      selectedKey: this.selectedKey,
    });
  }
}

const root = document.getElementById('app');
if (root) new HistoryPanelApp(acquireVsCodeApi(), root);
