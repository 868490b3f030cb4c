// The panel's grid: the sortable header, the cells of a row and how an entry paints them, the
// mouse gestures on rows, and what each key does. The app owns the selection and the rows held; the
// virtual scrolling itself is src/webview/table.ts.
import type { HistoryEntry } from '../panel/model';
import type { PanelStringKey, PanelStrings } from '../panel/protocol';
import { el, groupOf, setText, statusLabel } from './dom';
import type { Formatters } from './format';
import { entryParts, moveSelection, type SortColumn, type SortSpec } from '../panel/model';

export const ROW_HEIGHT = 24;
export const OVERSCAN = 8;

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

export interface GridEvents {
  /** A column header was clicked. */
  sort(column: SortColumn): void;
  /** A row was clicked. */
  select(key: string): void;
  /** A row was double-clicked: go to its actions. */
  openActions(): void;
  /** A row was right-clicked at (x, y). */
  contextMenu(key: string, x: number, y: number): void;
  key(e: KeyboardEvent): void;
}

/** The grid's elements: the scroller, its header row, the rows' spacer and the empty-list message. */
export interface GridParts {
  grid: HTMLElement;
  header: HTMLElement;
  spacer: HTMLElement;
  empty: HTMLElement;
}

export function buildGrid(s: PanelStrings, events: GridEvents): GridParts {
  const grid = el('div', 'grid');
  grid.setAttribute('role', 'grid');
  grid.setAttribute('aria-label', s.gridLabel);
  grid.tabIndex = 0;
  grid.style.setProperty('--row-height', `${ROW_HEIGHT}px`);

  const header = el('div', 'row head');
  header.setAttribute('role', 'row');
  header.setAttribute('aria-rowindex', '1');
  for (const column of columns) {
    const cell = el('div', `cell col-${column.id}${column.numeric ? ' num' : ''}`);
    cell.setAttribute('role', 'columnheader');
    cell.dataset.column = column.id;
    const button = el('button', 'sort');
    button.type = 'button';
    button.title = s[column.label];
    button.append(el('span', 'label', s[column.label]), el('span', 'sort-indicator'));
    button.addEventListener('click', () => events.sort(column.id));
    cell.append(button);
    header.append(cell);
  }
  const head = el('div', 'grid-head');
  head.setAttribute('role', 'rowgroup');
  head.append(header);

  const spacer = el('div', 'spacer');
  spacer.setAttribute('role', 'rowgroup');
  // Until the host's first answer (it may still be reading the history): a loading line.
  const empty = el('div', 'empty');
  setText(empty, s.loadingHistory);
  grid.append(head, spacer, empty);

  spacer.addEventListener('click', (e) => {
    const key = rowKeyFromEvent(e);
    if (key) events.select(key);
  });
  spacer.addEventListener('dblclick', (e) => {
    if (rowKeyFromEvent(e)) events.openActions();
  });
  spacer.addEventListener('contextmenu', (e) => {
    const key = rowKeyFromEvent(e);
    if (!key) return;
    e.preventDefault();
    events.contextMenu(key, e.clientX, e.clientY);
  });
  grid.addEventListener('keydown', (e) => events.key(e));
  return { grid, header, spacer, empty };
}

function rowKeyFromEvent(e: Event): string | undefined {
  const row = (e.target as Element | null)?.closest<HTMLElement>('.row');
  return row?.dataset.key;
}

/** The cells of a new row element, empty until `paintRow`. */
export function createRowCells(s: PanelStrings, row: HTMLElement): void {
  for (const column of columns) {
    const cell = el('div', `cell col-${column.id}${column.numeric ? ' num' : ''}`);
    cell.setAttribute('role', 'gridcell');
    if (column.id === 'status') {
      cell.append(el('span', 'indicator'), el('span', 'status-label'));
    } else if (column.id === 'text') {
      const tag = el('span', 'tag sandbox-tag', s.sandbox);
      tag.title = s.sandboxTitle;
      cell.append(tag, el('span', 'message-text'));
    }
    row.append(cell);
  }
}

/** Shows an entry in a row made by `createRowCells` (rows are reused as the list scrolls). */
export function paintRow(s: PanelStrings, fmt: Formatters, row: HTMLElement, entry: HistoryEntry): void {
  const cells = row.children;
  const category = groupOf(entry);
  row.dataset.key = entry.key;
  row.dataset.status = category;
  row.classList.toggle('is-sandbox', entry.sandbox === true);
  setText(cells[0], entry.smsId === undefined ? '' : String(entry.smsId));
  setText(cells[1], fmt.localTime(entry.createdAt));
  setText(cells[2], entry.destination);
  setText(cells[3], entry.sender);
  const text = cells[4];
  setText(text.querySelector('.message-text'), entry.text);
  text.setAttribute('title', entry.text);
  const status = cells[5];
  status.querySelector('.indicator')?.setAttribute('data-status', category);
  const label = statusLabel(s, entry);
  setText(status.querySelector('.status-label'), label);
  status.setAttribute('title', entry.error ? `${label}: ${entry.error.gatewayText}` : label);
  setText(cells[6], fmt.count(entryParts(entry)));
  setText(cells[7], entry.charge === undefined ? '' : fmt.euro(entry.charge));
}

/** Marks the sorted column (for screen readers too) with its direction. */
export function renderHeader(header: HTMLElement, sort: SortSpec): void {
  const { column, direction } = sort;
  for (const cell of Array.from(header.children) as HTMLElement[]) {
    const sorted = cell.dataset.column === column;
    cell.setAttribute('aria-sort', sorted ? (direction === 'asc' ? 'ascending' : 'descending') : 'none');
    cell.classList.toggle('sorted', sorted);
    setText(cell.querySelector('.sort-indicator'), sorted ? (direction === 'asc' ? '\u25B2' : '\u25BC') : '');
  }
}

/** What a key pressed on the grid asks for. */
export type GridKeyCommand =
  | { kind: 'move'; index: number }
  | { kind: 'actions' }
  | { kind: 'menu' }
  | { kind: 'delete' };

/**
 * The command for a key on the grid: arrows, Page Up/Down, Home and End move the selection; with a row
 * selected (`current` ≥ 0), Enter and Space go to its actions, the context-menu key or Shift+F10 open its
 * menu, Delete deletes it.
 */
export function gridKeyCommand(e: Pick<KeyboardEvent, 'key' | 'shiftKey'>, current: number, count: number, viewportRows: number): GridKeyCommand | undefined {
  const next = moveSelection(e.key, current, count, viewportRows);
  if (next !== undefined) return { kind: 'move', index: next };
  if (current < 0) return undefined;
  if (e.key === 'Enter' || e.key === ' ') return { kind: 'actions' };
  if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) return { kind: 'menu' };
  if (e.key === 'Delete') return { kind: 'delete' };
  return undefined;
}
