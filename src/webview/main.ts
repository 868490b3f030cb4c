// The SMS History webview app: filters, sortable virtualised table, details with row actions,
// and view state kept through setState. The host holds the history and answers questions (filter,
// sort, which rows): the page keeps only the rows around the viewport, and the exact totals.
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
  type PanelPage,
  type PanelStringKey,
  type PanelStrings,
  type RowAction,
  type WebviewMessage,
} from '../views/panelProtocol';
import { createFormatters, formatGatewayTime, type Formatters } from './format';
import {
  emptyFilter,
  entryParts,
  maxScrollTop,
  moveSelection,
  nextSort,
  PageCache,
  restoreViewState,
  scrollTopToReveal,
  statusCategory,
  visibleRange,
  type PanelFilter,
  type PanelViewState,
  type SortColumn,
  type SortSpec,
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
/** Rows asked for beyond the viewport on each side, so scrolling a little needs no new question. */
const PREFETCH = 100;

/** What to do with the scroll position and selection when the answer to the latest question comes. */
type Intent = 'restore' | 'top' | 'keepSelection' | 'reveal';

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
  private filter: PanelFilter;
  private sort: SortSpec;
  /** The host's last answer: counts, totals, and the rows around the viewport. */
  private readonly rows = new PageCache();
  private strings!: PanelStrings;
  private fmt!: Formatters;
  private table!: VirtualTable;
  private selectedKey: string | undefined;
  /** Where the selection is in the shown list (-1: filtered out or not known yet). */
  private selectedIndex = -1;
  /** The selected entry as last heard from the host (it may be outside the rows held). */
  private selectedEntry: HistoryEntry | undefined;
  private pendingScrollTop: number;
  private built = false;
  private answered = false;
  private frame = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private knownBatches = '';
  /** Number of the latest question; older answers are dropped. */
  private seq = 0;
  /** The rows the latest question asked for. */
  private asked = { start: 0, end: 0 };
  private intent: Intent | undefined;
  /** An entry to select and show once the answer tells where it is. */
  private revealKey: string | undefined;
  /** A row the keyboard moved to before its entry arrived; selected when it does. */
  private pendingSelect: number | undefined;

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
    this.filter = state.filter;
    this.sort = state.sort;
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
        this.init(message.strings, message.locale, message.revealKey);
        break;
      case 'page':
        if (this.built) this.onPage(message.page);
        break;
      case 'reveal':
        if (this.built) this.reveal(message.key);
        break;
    }
  }

  private init(strings: PanelStrings, locale: string, revealKey: string | undefined): void {
    if (!this.built) {
      this.strings = strings;
      this.fmt = createFormatters(locale);
      this.build();
      this.built = true;
      this.root.removeAttribute('aria-busy');
    }
    // Busy until the first answer: the host is filtering and sorting the whole history.
    this.grid.setAttribute('aria-busy', 'true');
    if (revealKey) this.reveal(revealKey);
    else this.ask('restore');
  }

  /** Asks the host for the rows around the viewport, filtered and sorted as shown. */
  private ask(intent?: Intent): void {
    if (intent) this.intent = intent;
    const around = this.intent === 'top' || this.intent === 'keepSelection' ? 0 : this.intent === 'restore' ? this.pendingScrollTop : this.grid.scrollTop;
    const first = Math.floor(around / ROW_HEIGHT);
    const rows = Math.ceil(this.table.rowsViewportHeight() / ROW_HEIGHT) + 1;
    this.asked = { start: Math.max(0, first - PREFETCH), end: first + rows + PREFETCH };
    const locate = this.intent === 'reveal' ? this.revealKey : this.selectedKey;
    this.vscode.postMessage({
      type: 'query',
      query: { seq: ++this.seq, filter: this.filter, sort: this.sort, start: this.asked.start, end: this.asked.end, ...(locate ? { locate } : {}) },
    });
  }

  /** Asks again when the viewport has moved past the rows held (and not already asked for). */
  private askIfNeeded(): void {
    const { start, end } = visibleRange(this.grid.scrollTop, this.table.rowsViewportHeight(), ROW_HEIGHT, this.rows.count, OVERSCAN);
    if (this.rows.covers(start, end)) return;
    if (this.intent === undefined && start >= this.asked.start && end <= this.asked.end) return; // on its way
    this.ask();
  }

  private onPage(page: PanelPage): void {
    if (page.seq !== this.seq) return; // an answer to an older question
    const intent = page.pushed ? undefined : this.intent;
    if (!page.pushed) this.intent = undefined;
    // The first row in view stays in place when rows come or go above it.
    const anchor = this.scrollAnchor();
    const neighbours = this.neighbours();
    this.rows.apply(page);
    this.answered = true;
    this.grid.removeAttribute('aria-busy');
    this.syncBatches();
    this.table.setRows(this.rows);
    const located = page.located;
    if (located && located.key === this.selectedKey) {
      if (located.entry) {
        this.selectedEntry = located.entry;
        this.selectedIndex = located.index;
        this.table.setSelected(this.selectedKey);
      } else {
        // Deleted (here or in another window): the next row that stays gets the selection (the previous one at the end), as in a list editor.
        const successor = neighbours.map((key) => this.rows.indexOf(key)).find((i) => i >= 0);
        this.setSelection(successor === undefined ? undefined : this.rows.at(successor)?.key, successor ?? -1, successor === undefined ? undefined : this.rows.at(successor));
      }
    }
    switch (intent) {
      case 'top':
        this.placeScroll(0);
        break;
      case 'keepSelection': {
        const index = this.selectedIndex;
        const height = this.table.rowsViewportHeight();
        this.placeScroll(index >= 0 ? Math.max(0, index * ROW_HEIGHT - Math.floor(height / 2 / ROW_HEIGHT) * ROW_HEIGHT) : 0);
        break;
      }
      case 'restore':
        this.placeScroll(this.pendingScrollTop);
        break;
      case 'reveal':
        this.afterReveal(located);
        break;
      default:
        if (anchor) {
          const index = this.rows.indexOf(anchor.key);
          if (index >= 0 && index !== anchor.index) this.placeScroll(index * ROW_HEIGHT + anchor.offset);
        }
    }
    const pending = this.pendingSelect;
    if (pending !== undefined && this.rows.at(pending)) {
      this.pendingSelect = undefined;
      this.select(this.rows.at(pending)!.key, true);
    }
    this.renderAll();
    if (intent) this.scheduleSave();
    this.askIfNeeded();
  }

  /** Keys of the held rows after the selection, then those before it, nearest first. */
  private neighbours(): string[] {
    const at = this.selectedIndex;
    if (!this.selectedKey || at < 0) return [];
    const keys: string[] = [];
    for (let i = at + 1; this.rows.at(i); i++) keys.push(this.rows.at(i)!.key);
    for (let i = at - 1; i >= 0 && this.rows.at(i); i--) keys.push(this.rows.at(i)!.key);
    return keys;
  }

  private placeScroll(top: number): void {
    this.grid.scrollTop = Math.min(top, maxScrollTop(this.rows.count, this.table.rowsViewportHeight(), ROW_HEIGHT));
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
    const f = this.filter;
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
      // Debounced: each question makes the host filter every message.
      this.searchTimer = setTimeout(() => this.setFilter({ search: this.search.value }), 80);
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
        this.sort = nextSort(this.sort, column.id);
        this.renderHeader();
        this.ask('keepSelection');
        this.scheduleSave();
      });
      cell.append(button);
      this.header.append(cell);
    }
    const head = el('div', 'grid-head');
    head.setAttribute('role', 'rowgroup');
    head.append(this.header);

    this.spacer = el('div', 'spacer');
    this.spacer.setAttribute('role', 'rowgroup');
    // Until the host's first answer (it may still be reading the history): a loading line.
    this.empty = el('div', 'empty');
    setText(this.empty, this.strings.loadingHistory);
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

  // ---- questions and selection ----------------------------------------------------------------

  private scrollAnchor(): { key: string; index: number; offset: number } | undefined {
    const top = this.grid.scrollTop;
    // At the very top new messages should come into view, so no anchoring there.
    if (top <= 0) return undefined;
    const index = Math.floor(top / ROW_HEIGHT);
    const entry = this.rows.at(index);
    return entry ? { key: entry.key, index, offset: top - index * ROW_HEIGHT } : undefined;
  }

  private setFilter(filter: Partial<PanelFilter>): void {
    this.filter = { ...this.filter, ...filter };
    this.ask('top');
    this.scheduleSave();
  }

  private clearFilters(): void {
    this.search.value = '';
    this.statusSelect.value = '';
    this.fromField.value = '';
    this.toField.value = '';
    this.batchSelect.value = '';
    this.setFilter({ ...emptyFilter });
  }

  private syncBatches(): void {
    const batches = this.rows.batches;
    const signature = batches.join('\u0000');
    if (signature === this.knownBatches) return;
    this.knownBatches = signature;
    const current = this.filter.batch;
    this.fillOptions(this.batchSelect, this.strings.allBatches, batches.map((b) => [b, b]));
    this.batchSelect.value = batches.includes(current) ? current : '';
    this.batchGroup.hidden = batches.length === 0;
  }

  private setSelection(key: string | undefined, index: number, entry: HistoryEntry | undefined): void {
    this.selectedKey = key;
    this.selectedIndex = key ? index : -1;
    this.selectedEntry = key ? entry : undefined;
    this.table.setSelected(key);
  }

  private select(key: string | undefined, reveal = false): void {
    const index = key ? this.rows.indexOf(key) : -1;
    const changed = key !== this.selectedKey;
    this.setSelection(key, index, index >= 0 ? this.rows.at(index) : undefined);
    if (reveal && index >= 0) {
      this.grid.scrollTop = scrollTopToReveal(index, this.grid.scrollTop, this.table.rowsViewportHeight(), ROW_HEIGHT);
      this.renderRows();
    }
    this.updateActiveDescendant();
    this.renderDetails();
    this.scheduleSave();
    // The host follows the selection, so its later pages keep the details up to date.
    if (changed && key) this.ask();
  }

  /** Shows one entry: once the host says where it is, clearing the filters if they hide it. */
  private reveal(key: string): void {
    this.revealKey = key;
    this.ask('reveal');
  }

  private afterReveal(located: PanelPage['located']): void {
    const key = this.revealKey;
    if (!located || located.key !== key) return;
    if (!located.entry) {
      this.revealKey = undefined; // not in the history (deleted meanwhile)
      return;
    }
    if (located.index < 0) {
      this.clearFilters();
      this.intent = 'reveal';
      return;
    }
    this.revealKey = undefined;
    this.setSelection(key, located.index, located.entry);
    this.grid.scrollTop = scrollTopToReveal(located.index, this.grid.scrollTop, this.table.rowsViewportHeight(), ROW_HEIGHT);
    this.scheduleSave();
    this.ask();
  }

  private onGridKey(e: KeyboardEvent): void {
    if (e.target !== this.grid) return;
    const current = this.selectedKey ? this.selectedIndex : -1;
    const next = moveSelection(e.key, current, this.rows.count, this.table.viewportRows());
    if (next !== undefined) {
      e.preventDefault();
      const entry = this.rows.at(next);
      if (entry) {
        this.select(entry.key, true);
      } else {
        // Far away (End on 100,000 rows): go there, and select the row when the host sends it.
        this.pendingSelect = next;
        this.grid.scrollTop = scrollTopToReveal(next, this.grid.scrollTop, this.table.rowsViewportHeight(), ROW_HEIGHT);
        this.askIfNeeded();
      }
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
    const entry = key === this.selectedKey ? this.selectedEntry : this.rows.at(this.rows.indexOf(key));
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
      if (this.answered) this.askIfNeeded();
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
    this.grid.setAttribute('aria-rowcount', String(this.rows.count + 1));
    this.updateActiveDescendant();
  }

  private renderHeader(): void {
    const { column, direction } = this.sort;
    for (const cell of Array.from(this.header.children) as HTMLElement[]) {
      const sorted = cell.dataset.column === column;
      cell.setAttribute('aria-sort', sorted ? (direction === 'asc' ? 'ascending' : 'descending') : 'none');
      cell.classList.toggle('sorted', sorted);
      setText(cell.querySelector('.sort-indicator'), sorted ? (direction === 'asc' ? '\u25B2' : '\u25BC') : '');
    }
  }

  private renderEmpty(): void {
    if (!this.answered) return; // the loading line stays
    const none = this.answered && this.rows.count === 0;
    this.empty.hidden = !none;
    if (none) setText(this.empty, this.rows.size === 0 ? this.strings.emptyHistory : this.strings.noMatches);
  }

  private renderTotals(): void {
    const s = this.strings;
    if (!this.answered) return;
    const t = this.rows.totals;
    const items: [string, string, string][] = [
      ['messages', s.totalMessages, this.fmt.count(t.messages)],
      ['parts', s.totalParts, this.fmt.count(t.parts)],
      ['charge', s.totalCharge, this.fmt.euro(t.charge)],
    ];
    if (t.chargeUnknown > 0) items.push(['charge-unknown', s.chargeIncomplete, this.fmt.count(t.chargeUnknown)]);
    if (t.messages !== this.rows.size) items.push(['in-history', s.totalInHistory, this.fmt.count(this.rows.size)]);
    const signature = items.map((i) => i.join('=')).join(';');
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
  }

  private renderDetails(): void {
    // The held row is the newest word on it; else what the host last said about the selection.
    const held = this.selectedIndex >= 0 ? this.rows.at(this.selectedIndex) : undefined;
    if (held && held.key === this.selectedKey) this.selectedEntry = held;
    const entry = this.selectedKey ? this.selectedEntry : undefined;
    const shown = entry !== undefined && this.selectedIndex >= 0;
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
    // Before the first answer the grid is empty: the place to restore is still the saved one.
    if (this.intent !== 'restore') this.pendingScrollTop = this.grid.scrollTop;
    this.vscode.setState({
      filter: this.filter,
      sort: this.sort,
      scrollTop: this.pendingScrollTop,
      selectedKey: this.selectedKey,
    });
  }
}

const root = document.getElementById('app');
if (root) new HistoryPanelApp(acquireVsCodeApi(), root);
