// The SMS History webview app: filters, sortable virtualised table, details with row actions,
// and view state kept through setState. The host holds the history and answers questions (filter,
// sort, which rows): the page keeps only the rows around the viewport, and the exact totals.
// This file asks the questions, holds the selection and scroll place, and ties the parts together:
// toolbar.ts (filters), grid.ts (grid and keys), details.ts, contextMenu.ts, viewState.ts (setState).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-context-menu/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HistoryEntry } from '../panel/model';
import { isHostMessage, type HostMessage, type PanelPage, type PanelStrings, type RowAction, type WebviewMessage } from '../panel/protocol';
import { RowMenu } from './contextMenu';
import { DetailsView } from './details';
import { el, setMaxAge, setText } from './dom';
import { createFormatters, type Formatters } from './format';
import { buildGrid, createRowCells, gridKeyCommand, OVERSCAN, paintRow, renderHeader, ROW_HEIGHT } from './grid';
import {
  emptyFilter,
  maxScrollTop,
  nextSort,
  PageCache,
  scrollTopToReveal,
  visibleRange,
  type PanelFilter,
  type PanelViewState,
  type SortSpec,
} from '../panel/model';
import { VirtualTable, type RowPainter } from './table';
import { Toolbar } from './toolbar';
import { SavedViewState, type StateApi } from './viewState';

interface VsCodeApi extends StateApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Rows asked for beyond the viewport on each side, so scrolling a little needs no new question. */
const PREFETCH = 100;

/** What to do with the scroll position and selection when the answer to the latest question comes. */
type Intent = 'restore' | 'top' | 'keepSelection' | 'reveal';

class HistoryPanelApp {
  private filter: PanelFilter;
  private sort: SortSpec;
  /** The host's last answer: counts, totals, and the rows around the viewport. */
  private readonly rows = new PageCache();
  private readonly saved: SavedViewState;
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
  private details!: DetailsView;
  private totals!: HTMLElement;
  private toolbar!: Toolbar;
  private menu!: RowMenu;

  constructor(private readonly vscode: VsCodeApi, private readonly root: HTMLElement) {
    this.saved = new SavedViewState(vscode, () => this.viewState());
    const state = this.saved.restored();
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
        if (message.maxAgeMs !== undefined) setMaxAge(message.maxAgeMs);
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
    this.toolbar.syncBatches(this.rows.batches, this.filter.batch);
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
    if (intent) this.saved.schedule();
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
    this.toolbar = new Toolbar(s, this.filter, {
      filter: (change) => this.setFilter(change),
      clear: () => this.clearFilters(),
    });
    banner.append(el('h1', 'visually-hidden', s.heading), this.toolbar.element);
    const main = el('main', 'main');
    this.root.append(banner, main);
    const parts = buildGrid(s, {
      sort: (column) => {
        this.sort = nextSort(this.sort, column);
        renderHeader(this.header, this.sort);
        this.ask('keepSelection');
        this.saved.schedule();
      },
      select: (key) => this.select(key),
      openActions: () => this.focusActions(),
      contextMenu: (key, x, y) => {
        this.select(key);
        this.openMenu(key, x, y);
      },
      key: (e) => this.onGridKey(e),
    });
    ({ grid: this.grid, header: this.header, spacer: this.spacer, empty: this.empty } = parts);
    main.append(this.grid);
    this.details = new DetailsView(s, this.fmt, (action, key) => this.post(action, key), () => this.grid.focus());
    this.totals = el('footer', 'totals');
    this.menu = new RowMenu(s, (action, key) => this.post(action, key), () => this.grid.focus());
    main.append(this.details.element);
    this.root.append(this.totals, this.menu.element);

    const painter: RowPainter = {
      create: (row) => createRowCells(s, row),
      paint: (row, entry) => paintRow(s, this.fmt, row, entry),
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
      this.saved.schedule();
    });
    new ResizeObserver(() => this.scheduleRender()).observe(this.grid);
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
    this.saved.schedule();
  }

  private clearFilters(): void {
    this.toolbar.clear();
    this.setFilter({ ...emptyFilter });
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
    this.saved.schedule();
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
    this.saved.schedule();
    this.ask();
  }

  private onGridKey(e: KeyboardEvent): void {
    if (e.target !== this.grid) return;
    const current = this.selectedKey ? this.selectedIndex : -1;
    const command = gridKeyCommand(e, current, this.rows.count, this.table.viewportRows());
    if (!command) return;
    e.preventDefault();
    const key = this.selectedKey as string; // every command but 'move' comes only with a selection
    switch (command.kind) {
      case 'move': {
        const entry = this.rows.at(command.index);
        if (entry) {
          this.select(entry.key, true);
        } else {
          // Far away (End on 100,000 rows): go there, and select the row when the host sends it.
          this.pendingSelect = command.index;
          this.grid.scrollTop = scrollTopToReveal(command.index, this.grid.scrollTop, this.table.rowsViewportHeight(), ROW_HEIGHT);
          this.askIfNeeded();
        }
        break;
      }
      case 'actions':
        this.focusActions();
        break;
      case 'menu': {
        const rect = this.table.rowElement(key)?.getBoundingClientRect();
        const gridRect = this.grid.getBoundingClientRect();
        this.openMenu(key, (rect?.left ?? gridRect.left) + 24, rect?.bottom ?? gridRect.top + 24);
        break;
      }
      case 'delete':
        this.post('deleteEntry', key);
        break;
    }
  }

  private focusActions(): void {
    this.renderDetails();
    this.details.focusFirstAction();
  }

  private openMenu(key: string, x: number, y: number): void {
    const entry = key === this.selectedKey ? this.selectedEntry : this.rows.at(this.rows.indexOf(key));
    if (entry) this.menu.open(entry, x, y);
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
    renderHeader(this.header, this.sort);
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
    this.details.show(this.selectedIndex >= 0 ? entry : undefined);
  }

  /** What `setState` keeps; before the first answer the grid is empty, so the place to restore is still the saved one. */
  private viewState(): PanelViewState {
    if (this.intent !== 'restore') this.pendingScrollTop = this.grid.scrollTop;
    return { filter: this.filter, sort: this.sort, scrollTop: this.pendingScrollTop, selectedKey: this.selectedKey };
  }
}

const root = document.getElementById('app');
if (root) new HistoryPanelApp(acquireVsCodeApi(), root);
