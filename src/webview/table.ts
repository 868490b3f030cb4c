// The virtualised, keyed row list: only rows in (or near) the viewport exist in the DOM, each
// bound to one entry key, moved by transform and patched in place when its entry changes. Rows
// whose entry has not arrived from the host yet are drawn empty until it does.
import type { HistoryEntry } from '../panel/model';
import { visibleRange } from '../panel/model';

export interface RowPainter {
  /** Builds the empty cells of a row element (called once per row element). */
  create(row: HTMLElement): void;
  /** Writes an entry into a row built by `create`. Text only: never markup from data. */
  paint(row: HTMLElement, entry: HistoryEntry): void;
}

/** The shown list as far as the webview holds it: its length, and the entries it has. */
export interface RowSource {
  readonly length: number;
  at(index: number): HistoryEntry | undefined;
}

const noRows: RowSource = { length: 0, at: () => undefined };

interface RenderedRow {
  el: HTMLElement;
  entry: HistoryEntry | undefined;
  index: number;
}

export interface VirtualTableOptions {
  /** The scroll container (holds the sticky header and the spacer). */
  scroller: HTMLElement;
  /** Absolutely-positioned rows live here; its height is rows × rowHeight. */
  spacer: HTMLElement;
  /** Height of whatever sticks to the top of the scroller above the rows (the header). */
  headerHeight: () => number;
  rowHeight: number;
  overscan: number;
  painter: RowPainter;
  /** Prefix for row element ids (for aria-activedescendant). */
  idPrefix: string;
}

/** Not a possible entry key (those are uuids), so a placeholder never takes an entry's row. */
function placeholderKey(index: number): string {
  return `\u0000${index}`;
}

export class VirtualTable {
  private rows: RowSource = noRows;
  private readonly rendered = new Map<string, RenderedRow>();
  private selectedKey: string | undefined;
  private rowSeq = 0;

  constructor(private readonly options: VirtualTableOptions) {}

  /** The shown list changed (the same source may be passed again after it changed). */
  setRows(rows: RowSource): void {
    this.rows = rows;
    this.options.spacer.style.height = `${rows.length * this.options.rowHeight}px`;
  }

  setSelected(key: string | undefined): void {
    if (key === this.selectedKey) return;
    const before = this.selectedKey ? this.rendered.get(this.selectedKey) : undefined;
    this.selectedKey = key;
    if (before) this.markSelected(before.el, false);
    const after = key ? this.rendered.get(key) : undefined;
    if (after) this.markSelected(after.el, true);
  }

  /** Rows fully or partly visible between the header and the bottom edge. */
  viewportRows(): number {
    const height = this.options.scroller.clientHeight - this.options.headerHeight();
    return Math.max(1, Math.floor(height / this.options.rowHeight));
  }

  /** Height available to rows (viewport minus the sticky header). */
  rowsViewportHeight(): number {
    return Math.max(0, this.options.scroller.clientHeight - this.options.headerHeight());
  }

  rowElement(key: string): HTMLElement | undefined {
    return this.rendered.get(key)?.el;
  }

  rowId(key: string): string | undefined {
    return this.rendered.get(key)?.el.id;
  }

  /** Brings the DOM in line with the rows and the scroll position, touching only what differs. */
  render(): void {
    const { scroller, rowHeight, overscan, spacer, painter } = this.options;
    const { start, end } = visibleRange(scroller.scrollTop, this.rowsViewportHeight(), rowHeight, this.rows.length, overscan);
    const wanted = new Set<string>();
    for (let i = start; i < end; i++) wanted.add(this.rows.at(i)?.key ?? placeholderKey(i));
    for (const [key, row] of this.rendered) {
      if (!wanted.has(key)) {
        row.el.remove();
        this.rendered.delete(key);
      }
    }
    for (let i = start; i < end; i++) {
      const entry = this.rows.at(i);
      const key = entry?.key ?? placeholderKey(i);
      let row = this.rendered.get(key);
      if (!row) {
        const el = document.createElement('div');
        el.className = 'row';
        el.setAttribute('role', 'row');
        el.id = `${this.options.idPrefix}${++this.rowSeq}`;
        painter.create(el);
        if (entry) painter.paint(el, entry);
        else el.classList.add('placeholder');
        this.markSelected(el, entry !== undefined && entry.key === this.selectedKey);
        row = { el, entry, index: -1 };
        this.rendered.set(key, row);
        spacer.appendChild(el);
      } else if (entry && row.entry !== entry) {
        painter.paint(row.el, entry);
        row.entry = entry;
      }
      if (row.index !== i) {
        row.index = i;
        row.el.style.transform = `translateY(${i * rowHeight}px)`;
        // +2: the header row is row 1 of the grid.
        row.el.setAttribute('aria-rowindex', String(i + 2));
      }
    }
  }

  /** Drops every row element (e.g. when the strings or the whole list were replaced). */
  clear(): void {
    for (const row of this.rendered.values()) row.el.remove();
    this.rendered.clear();
  }

  private markSelected(el: HTMLElement, selected: boolean): void {
    el.classList.toggle('selected', selected);
    el.setAttribute('aria-selected', selected ? 'true' : 'false');
  }
}
