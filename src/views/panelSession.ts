// The host's half of the SMS History panel protocol, without 'vscode': it keeps the filtered,
// sorted list over the whole history and answers the webview's questions with the rows asked for,
// exact counts and totals. Only those rows cross to the webview, so a 100,000-message history
// costs the webview a screenful, and a search or sort covers every message from the first frame.
import { DisposableBase, toDisposable, type Disposable } from '../common/lifecycle';
import { DEFAULT_MAX_AGE_MS } from '../history/messageState';
import type { HistoryEntry, HistoryReader, StateFields } from '../history/types';
import type { PanelFilter, SortSpec } from '../panel/model';
import { PanelModel } from '../panel/panelModel';
import {
  MAX_PAGE_ROWS,
  type HostMessage,
  type LocatedEntry,
  type PanelPage,
  type PanelQuery,
  type PanelStrings,
} from '../panel/protocol';

export interface PanelSessionOptions {
  history: Pick<HistoryReader, 'all' | 'onDidChange' | 'loaded' | 'onDidLoad' | 'rows'>;
  post: (message: HostMessage) => void;
  /** Entries as the user reads them (status names in the UI language). */
  localize: (entries: readonly HistoryEntry[]) => HistoryEntry[];
  /** The status name the user reads, for the search; undefined when it is the stored one. */
  statusLabel?: (entry: StateFields) => string | undefined;
  /** Runs `work` a little later (to coalesce changes, and to make sort keys between answers). */
  later?: (work: () => void, ms: number) => Disposable;
  /** How long history changes are gathered before one page goes out. Default 50 ms. */
  pushDelayMs?: number;
  /** The poller's max age in ms, for the `stale` state (messageState.ts); default 48 h. */
  maxAgeMs?: () => number;
  /** Epoch ms; default Date.now. */
  now?: () => number;
}

function sameFilter(a: PanelFilter, b: PanelFilter): boolean {
  return a.search === b.search && a.status === b.status && a.from === b.from && a.to === b.to && a.batch === b.batch;
}

function sameSort(a: SortSpec, b: SortSpec): boolean {
  return a.column === b.column && a.direction === b.direction;
}

const realLater = (work: () => void, ms: number): Disposable => {
  const t = setTimeout(work, ms);
  return { dispose: () => clearTimeout(t) };
};

/** One webview page's session: from its `ready` until it goes away. */
export class PanelSession extends DisposableBase {
  private model: PanelModel | undefined;
  private last: PanelQuery | undefined;
  private batches: string[] | undefined;
  private push: Disposable | undefined;
  private warm: Disposable | undefined;
  private loadWait: Disposable | undefined;
  private readonly later: (work: () => void, ms: number) => Disposable;

  constructor(private readonly options: PanelSessionOptions) {
    super();
    this.later = options.later ?? realLater;
    // The pending push and warm-up are replaced as they go: one step clears whichever is armed.
    this._register(toDisposable(() => {
      this.loadWait?.dispose();
      this.push?.dispose();
      this.warm?.dispose();
      this.model = undefined;
    }));
    this._register(options.history.onDidChange(({ upserted, removed }) => {
      const model = this.model;
      if (!model || this.isDisposed) return;
      if (removed.length > 0) model.remove(removed);
      if (upserted.length > 0) model.upsert(upserted);
      this.batches = undefined;
      this.schedulePush();
    }));
  }

  /** The webview's `ready`: the strings go out; the webview then asks for its first rows. */
  start(strings: PanelStrings, locale: string, revealKey?: string): void {
    this.options.post({ type: 'init', strings, locale, maxAgeMs: this.maxAgeMs(), ...(revealKey ? { revealKey } : {}) });
  }

  /** Answers one question at once, over every message in the history. */
  answer(query: PanelQuery): void {
    if (this.isDisposed) return;
    this.last = query;
    // While the history is being read, the webview keeps its loading line; the latest question
    // is answered once it is in.
    if (this.options.history.loaded === false && this.options.history.onDidLoad) {
      this.loadWait ??= this.options.history.onDidLoad(() => {
        this.loadWait?.dispose();
        this.loadWait = undefined;
        if (!this.isDisposed && this.last) this.options.post({ type: 'page', page: this.page(this.last, false) });
      });
      return;
    }
    this.options.post({ type: 'page', page: this.page(query, false) });
  }

  private maxAgeMs(): number {
    return this.options.maxAgeMs?.() ?? DEFAULT_MAX_AGE_MS;
  }

  /** The list a question is answered from, made now (tests read it). */
  get rows(): readonly HistoryEntry[] {
    return this.model?.rows ?? [];
  }

  private ensureModel(query: PanelQuery): PanelModel {
    let model = this.model;
    if (!model) {
      model = new PanelModel(query.filter, query.sort, this.options.statusLabel, () => ({ now: (this.options.now ?? Date.now)(), maxAgeMs: this.maxAgeMs() }));
      // The store's rows by reference (nothing copied); a reader without rows gives its entries.
      model.reset(this.options.history.rows ?? this.options.history.all());
      this.model = model;
      this.warmUp();
      return model;
    }
    if (!sameFilter(model.filter, query.filter)) model.setFilter(query.filter);
    if (!sameSort(model.sort, query.sort)) model.setSort(query.sort);
    return model;
  }

  /** Makes the text sort keys in slices between answers, so the first sort by text is quick too. */
  private warmUp(): void {
    this.warm = this.later(() => {
      this.warm = undefined;
      if (this.isDisposed || !this.model) return;
      if (!this.model.warmSortKeys(performance.now() + 8)) this.warmUp();
    }, 0);
  }

  private page(query: PanelQuery, pushed: boolean): PanelPage {
    const model = this.ensureModel(query);
    const count = model.count;
    const start = Math.min(query.start, count);
    const end = Math.max(start, Math.min(query.end, count, start + MAX_PAGE_ROWS));
    this.batches ??= model.batches();
    const page: PanelPage = {
      seq: query.seq,
      pushed,
      count,
      size: model.size,
      totals: { ...model.totals },
      batches: this.batches,
      start,
      entries: this.options.localize(model.slice(start, end)),
    };
    if (query.locate !== undefined) page.located = this.locate(model, query.locate);
    return page;
  }

  private locate(model: PanelModel, key: string): LocatedEntry {
    const entry = model.get(key);
    const located: LocatedEntry = { key, index: entry ? model.indexOf(key) : -1 };
    if (entry) located.entry = this.options.localize([entry])[0];
    return located;
  }

  private schedulePush(): void {
    if (this.push || !this.last) return;
    this.push = this.later(() => {
      this.push = undefined;
      if (this.isDisposed || !this.last) return;
      this.options.post({ type: 'page', page: this.page(this.last, true) });
    }, this.options.pushDelayMs ?? 50);
  }
}
