// The host's side of the SMS History panel for a panel page opened in plain Chromium: the real
// PanelSession (the same code the extension runs) over a history held in memory, wired to the page
// as VS Code wires a webview: the page's postMessage reaches the session, the session's messages
// arrive as `message` events.
import type { Page } from 'playwright-core';
import type { Disposable, HistoryEntry, HistoryReader } from '../../../src/history/types';
import { isWebviewMessage, type HostMessage, type PanelStrings, type WebviewMessage } from '../../../src/panel/protocol';
import { PanelSession } from '../../../src/views/panelSession';

type Change = { upserted: HistoryEntry[]; removed: string[] };

/** A history in memory, newest first, with the store's rule that a lower revision never wins. */
export class MemoryHistory implements Pick<HistoryReader, 'all' | 'get' | 'onDidChange'> {
  private entries: HistoryEntry[];
  private readonly byKey = new Map<string, HistoryEntry>();
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(entries: readonly HistoryEntry[]) {
    this.entries = [...entries].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    for (const e of this.entries) this.byKey.set(e.key, e);
  }

  all(): readonly HistoryEntry[] {
    return this.entries;
  }

  get(key: string): HistoryEntry | undefined {
    return this.byKey.get(key);
  }

  onDidChange(listener: (change: Change) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  upsert(entries: readonly HistoryEntry[]): void {
    const upserted: HistoryEntry[] = [];
    for (const e of entries) {
      const held = this.byKey.get(e.key);
      if (held && held.rev >= e.rev) continue;
      this.byKey.set(e.key, e);
      upserted.push(e);
    }
    if (upserted.length === 0) return;
    this.entries = [...this.byKey.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    this.fire({ upserted, removed: [] });
  }

  remove(keys: readonly string[]): void {
    const removed = keys.filter((k) => this.byKey.delete(k));
    if (removed.length === 0) return;
    this.entries = this.entries.filter((e) => this.byKey.has(e.key));
    this.fire({ upserted: [], removed });
  }

  private fire(change: Change): void {
    for (const l of [...this.listeners]) l(change);
  }
}

export interface PanelHostBridge {
  readonly history: MemoryHistory;
  /** Every message the host posted to the page, in order. */
  readonly sent: HostMessage[];
  /** The session of the page's latest `ready`. */
  session(): PanelSession | undefined;
  /** Posts a message to the page as the host would (e.g. a `reveal`). */
  post(message: HostMessage): Promise<void>;
}

/**
 * Wires `page` (before it loads) to a PanelSession over `history`. The page's stub of
 * acquireVsCodeApi must hand every message to `window.__toHost`.
 */
export async function attachPanelHost(page: Page, history: MemoryHistory, strings: PanelStrings, locale = 'en-US'): Promise<PanelHostBridge> {
  let session: PanelSession | undefined;
  const sent: HostMessage[] = [];
  // One chain, so messages reach the page in the order the host posted them.
  let chain = Promise.resolve();
  const post = (message: HostMessage): Promise<void> => {
    sent.push(message);
    chain = chain.then(() => page.evaluate((m) => window.postMessage(m, '*'), message).catch(() => undefined));
    return chain;
  };
  await page.exposeFunction('__toHost', (message: WebviewMessage) => {
    if (!isWebviewMessage(message)) return;
    if (message.type === 'ready') {
      session?.dispose();
      session = new PanelSession({ history, post: (m) => void post(m), localize: (entries) => [...entries] });
      session.start(strings, locale);
    } else if (message.type === 'query') {
      session?.answer(message.query);
    }
  });
  page.on('close', () => session?.dispose());
  return { history, sent, session: () => session, post };
}
