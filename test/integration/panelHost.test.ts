// The SMS History panel's host inside the real extension host: the real panel once (it opens, its
// webview loads under the CSP and says `ready`), then the host's message protocol (init, questions
// answered with pages, pushed pages after changes) driven through a panel double playing the
// webview's side, over the extension's real history store and commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InviosmartApi } from '../../src/extension';
import type { HistoryDraft, HistoryEntry } from '../../src/history/types';
import { HistoryPanelHost, type HostedPanel, type ResolvedPanelOptions } from '../../src/views/historyPanel';
import { HistoryPanelViewType, MAX_PAGE_ROWS, panelStringKeys, type HostMessage, type PanelPage, type PanelQuery } from '../../src/panel/protocol';
import { comparator, computeTotals, defaultSort, emptyFilter } from '../../src/panel/model';
import { EXTENSION_ID, extensionApi, waitFor } from './helpers';

const FAKE_CSP_SOURCE = 'https://fake-webview.test';

/** The session's "later" work, armed and fired by the test: "nothing is armed" proves nothing will be posted. */
class ManualTimers {
  private readonly armed = new Set<() => void>();
  readonly later = (work: () => void): vscode.Disposable => {
    const item = () => work();
    this.armed.add(item);
    return new vscode.Disposable(() => this.armed.delete(item));
  };

  get size(): number {
    return this.armed.size;
  }

  /** Runs what is armed now (work it arms in turn waits for the next flush). */
  flush(): void {
    for (const item of [...this.armed]) {
      this.armed.delete(item);
      item();
    }
  }
}

/** A webview panel as the host sees it; the test plays the page by firing its messages. */
class FakePanel implements HostedPanel {
  readonly posted: HostMessage[] = [];
  visible = true;
  reveals = 0;
  private readonly incoming = new vscode.EventEmitter<unknown>();
  private readonly viewState = new vscode.EventEmitter<unknown>();
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidChangeViewState = this.viewState.event;
  readonly onDidDispose = this.disposed.event;
  readonly webview = {
    options: {} as vscode.WebviewOptions,
    html: '',
    cspSource: FAKE_CSP_SOURCE,
    asWebviewUri: (uri: vscode.Uri) => vscode.Uri.parse(`${FAKE_CSP_SOURCE}${uri.path}`),
    postMessage: async (message: unknown): Promise<boolean> => {
      this.posted.push(message as HostMessage);
      return true;
    },
    onDidReceiveMessage: this.incoming.event,
  };

  /** A message from the page to the host. */
  fromWebview(message: unknown): void {
    this.incoming.fire(message);
  }

  reveal(): void {
    this.reveals++;
    this.setVisible(true);
  }

  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    this.viewState.fire({});
  }

  dispose(): void {
    this.disposed.fire();
    for (const e of [this.incoming, this.viewState, this.disposed]) e.dispose();
  }

  ofType<T extends HostMessage['type']>(type: T): Array<Extract<HostMessage, { type: T }>> {
    return this.posted.filter((m): m is Extract<HostMessage, { type: T }> => m.type === type);
  }

  private seq = 0;

  /** Asks as the page does and returns the host's answer (the host answers at once). */
  ask(query: Partial<PanelQuery> = {}): PanelPage {
    const seq = ++this.seq;
    this.fromWebview({ type: 'query', query: { seq, filter: { ...emptyFilter }, sort: { ...defaultSort }, start: 0, end: 60, ...query } });
    const page = this.ofType('page').at(-1)?.page;
    assert.ok(page && page.seq === seq && !page.pushed, 'the host answered the question at once');
    return page;
  }

  /** Pages the host sent on its own after changes. */
  pushed(): PanelPage[] {
    return this.ofType('page').map((m) => m.page).filter((p) => p.pushed);
  }
}

/** The directives of the page's CSP meta tag. */
function cspOf(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has no CSP meta tag');
  const policy = m[1].replace(/&amp;/g, '&');
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
}

/** Asserts the strict policy and returns the nonce every script carries. */
function assertStrictPage(html: string, cspSource: string): string {
  const csp = cspOf(html);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  const scriptSrc = csp.get('script-src') ?? [];
  assert.equal(scriptSrc.length, 1, `script-src allows only a nonce: ${scriptSrc.join(' ')}`);
  const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(scriptSrc[0])?.[1];
  assert.ok(nonce, `script-src is not a nonce: ${scriptSrc[0]}`);
  assert.ok(Buffer.from(nonce, 'base64').length >= 16, 'the nonce has at least 128 bits');
  // cspSource may itself be several sources (code-server: 'self' plus its CDN).
  const webviewSources = cspSource.split(/\s+/);
  assert.deepEqual(csp.get('style-src'), [...webviewSources, `'nonce-${nonce}'`]);
  assert.deepEqual(csp.get('font-src'), webviewSources);
  for (const [name, sources] of csp) {
    for (const s of sources) {
      assert.ok(!/unsafe-|^\*$|^https?:$|^data:$/.test(s), `${name} allows ${s}`);
    }
  }
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  for (const [, attrs, body] of scripts) {
    assert.ok(attrs.includes(`nonce="${nonce}"`), 'the script carries the nonce');
    assert.match(attrs, /src="[^"]+\/media\/dist\/panel\.js"/);
    assert.equal(body.trim(), '', 'no inline script');
  }
  assert.match(html, /<link rel="stylesheet" href="[^"]+\/media\/panel\.css" nonce="/);
  return nonce;
}

/** The clipboard once it reads `expected` (the command runs asynchronously), or what it read last. */
async function clipboardBecomes(expected: string, ms = 3000): Promise<string> {
  const until = Date.now() + ms;
  let text = await vscode.env.clipboard.readText();
  while (text !== expected && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    text = await vscode.env.clipboard.readText();
  }
  return text;
}

/** An entry as the panel is sent it: the number formatted by the host. */
function shown(entry: HistoryEntry | undefined): HistoryEntry | undefined {
  return entry && { ...entry, destination: entry.destination === '393331234567' ? '+39 333 123 4567' : entry.destination };
}

function draft(over: Partial<HistoryDraft> = {}): HistoryDraft {
  return {
    destination: '393331234567',
    sender: 'Acme',
    text: `panel host test ${Date.now()}`,
    account: 'sandbox',
    sandbox: true,
    parts: 1,
    // Final, so the running poller leaves these entries alone.
    state: 'sent',
    smsId: 4000 + Math.floor(Math.random() * 5000),
    status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
    ...over,
  };
}

suite('SMS History panel host', () => {
  let api: InviosmartApi;
  let mediaRoot: vscode.Uri;
  const recorded: string[] = [];
  const hosts: HistoryPanelHost[] = [];

  const record = async (over: Partial<HistoryDraft> = {}): Promise<HistoryEntry> => {
    const entry = await api.history.record(draft(over));
    recorded.push(entry.key);
    return entry;
  };

  const hostOn = (panel: FakePanel, options: Partial<ResolvedPanelOptions> = {}): HistoryPanelHost => {
    const host = new HistoryPanelHost(panel, mediaRoot, api.history, {
      executeCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
      ...options,
    });
    hosts.push(host);
    return host;
  };

  suiteSetup(async () => {
    api = await extensionApi();
    mediaRoot = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, 'media');
  });

  teardown(async () => {
    for (const h of hosts.splice(0)) h.dispose();
    const left = recorded.splice(0).filter((k) => api.history.get(k));
    if (left.length > 0) await api.history.remove(left);
  });

  test('the real panel opens, loads its page under the CSP, and says ready', async function () {
    this.timeout(30_000);
    const entry = await record();
    api.panel.show(entry.key);
    try {
      await waitFor(() => api.panel.host !== undefined, 5000, 'the panel host');
      const host = api.panel.host!;
      const panel = host.panel as vscode.WebviewPanel;
      assert.equal(panel.viewType, HistoryPanelViewType);
      assert.equal(panel.viewType, 'inviosmart.historyPanel');
      assert.equal(panel.title, 'SMS History');
      // `ready` only comes once panel.js ran, which the CSP allows only with the nonce.
      await waitFor(() => host.isReady, 20_000, 'the webview to say ready');
      const webviewTabs = () =>
        vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(HistoryPanelViewType));
      await waitFor(() => webviewTabs().length === 1, 5000, 'one webview tab of our type');
      assert.equal(webviewTabs()[0].label, 'SMS History');

      assertStrictPage(panel.webview.html, panel.webview.cspSource);
      const options = panel.webview.options;
      assert.equal(options.enableScripts, true);
      assert.deepEqual(options.localResourceRoots?.map((u) => u.toString()), [mediaRoot.toString()], 'only media/ is readable');

      api.panel.show();
      assert.equal(api.panel.host, host, 'showing again reuses the open panel');
      // A later tab as the positive signal: once it is listed, a webview tab opened before it would be too.
      const marker = vscode.Uri.joinPath(mediaRoot, 'panel.css');
      const markerTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === marker.toString());
      await vscode.window.showTextDocument(marker, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
      await waitFor(() => markerTabs().length === 1, 5000, 'the marker tab');
      assert.equal(webviewTabs().length, 1);
      await vscode.window.tabGroups.close(markerTabs());
    } finally {
      api.panel.host?.panel.dispose();
    }
    await waitFor(() => api.panel.host === undefined, 5000, 'the host to let go of the closed panel');
  });

  test('the page has the strict CSP with a fresh nonce per render, and resources only from media/', () => {
    const first = new FakePanel();
    const second = new FakePanel();
    hostOn(first);
    hostOn(second);
    const a = assertStrictPage(first.webview.html, FAKE_CSP_SOURCE);
    const b = assertStrictPage(second.webview.html, FAKE_CSP_SOURCE);
    assert.notEqual(a, b, 'every render has its own nonce');
    assert.equal(first.webview.options.enableScripts, true);
    assert.deepEqual(first.webview.options.localResourceRoots?.map((u) => u.toString()), [mediaRoot.toString()]);
    assert.ok(first.webview.html.includes(`${FAKE_CSP_SOURCE}${mediaRoot.path}/dist/panel.js`), 'the script goes through asWebviewUri');
  });

  test('nothing is posted before ready; ready brings every string, and a question the rows asked for over the whole history', async () => {
    const panel = new FakePanel();
    hostOn(panel);
    const entry = await record();
    assert.deepEqual(panel.posted, [], 'the page is not listening yet');

    panel.fromWebview({ type: 'ready' });
    assert.equal(panel.posted.length, 1);
    const init = panel.ofType('init')[0];
    assert.ok(init, `expected init, got ${JSON.stringify(panel.posted[0]).slice(0, 80)}`);
    assert.deepEqual(Object.keys(init.strings).sort(), [...panelStringKeys].sort());
    assert.ok(Object.values(init.strings).every((s) => typeof s === 'string' && s.length > 0));
    assert.equal(init.strings.action_copyId, 'Copy ID');
    assert.equal(init.locale, vscode.env.language);
    assert.equal(init.revealKey, undefined);

    const all = api.history.all();
    const page = panel.ask({ start: 0, end: 5, locate: entry.key });
    assert.equal(page.count, all.length);
    assert.equal(page.size, all.length);
    assert.deepEqual(page.totals, computeTotals(all));
    // Newest first; messages recorded in the same millisecond by key.
    const sorted = [...all].sort(comparator(defaultSort));
    assert.deepEqual(page.entries.map((e) => e.key), sorted.slice(0, 5).map((e) => e.key));
    assert.deepEqual(page.located, { key: entry.key, index: sorted.findIndex((e) => e.key === entry.key), entry: shown(api.history.get(entry.key)) });
  });

  test('history changes reach the page as a pushed page for its last question', async () => {
    const panel = new FakePanel();
    hostOn(panel);
    panel.fromWebview({ type: 'ready' });
    panel.ask({ start: 0, end: 20 });

    const added = await record();
    await waitFor(() => panel.pushed().some((p) => p.entries.some((e) => e.key === added.key)), 3000, 'a page with the new entry');

    const changed = await api.history.update(added.key, { charge: 0.055, quantity: 1 });
    await waitFor(() => panel.pushed().some((p) => p.entries.some((e) => e.key === added.key && e.rev === changed?.rev)), 3000, 'a page with the change');
    const last = panel.pushed().at(-1)!;
    assert.deepEqual(last.entries.find((e) => e.key === added.key), shown(api.history.get(added.key)));
    assert.deepEqual(last.totals, computeTotals(api.history.all()));

    const before = panel.pushed().length;
    await api.history.remove([added.key]);
    await waitFor(() => panel.pushed().length > before && !panel.pushed().at(-1)!.entries.some((e) => e.key === added.key), 3000, 'a page without it');
    assert.equal(panel.pushed().at(-1)!.count, api.history.all().length);
  });

  test('a big history: counts, totals, search and sort cover every message; only the rows asked for cross', async function () {
    this.timeout(60_000);
    const count = 3000;
    const made = await api.history.recordMany(Array.from({ length: count }, (_, i) => draft({ text: `chunk ${i}`, charge: 0.001 * (i % 7) })));
    recorded.push(...made.map((e) => e.key));
    const all = api.history.all();

    const panel = new FakePanel();
    hostOn(panel);
    panel.fromWebview({ type: 'ready' });
    const first = panel.ask({ start: 0, end: 60 });
    assert.equal(first.count, all.length);
    assert.deepEqual(first.totals, computeTotals(all));
    assert.equal(first.entries.length, 60);

    // A question for more than a page gets a page.
    const deep = panel.ask({ start: 1000, end: 5000 });
    assert.equal(deep.start, 1000);
    assert.equal(deep.entries.length, MAX_PAGE_ROWS);
    const shown = [...all].sort(comparator(defaultSort));
    assert.deepEqual(deep.entries.map((e) => e.key), shown.slice(1000, 1000 + MAX_PAGE_ROWS).map((e) => e.key));

    // The oldest of them, found by search, whatever was sent before.
    const found = panel.ask({ filter: { ...emptyFilter, search: 'CHUNK 2999' } });
    assert.deepEqual(found.entries.map((e) => e.key), [made[2999].key]);
    assert.equal(found.count, 1);
    assert.equal(found.size, all.length);

    const byCharge = panel.ask({ sort: { column: 'charge', direction: 'desc' }, start: 0, end: 3 });
    assert.equal(byCharge.entries[0].charge, Math.max(...all.map((e) => e.charge ?? -1)));
    const crossed = panel.ofType('page').reduce((n, m) => n + m.page.entries.length, 0);
    assert.ok(crossed < 600, `${crossed} entries crossed for ${all.length} in the history`);
  });

  test('hidden: the page is gone, so no answer and no pushed page goes to it', async function () {
    const panel = new FakePanel();
    const timers = new ManualTimers();
    hostOn(panel, { later: timers.later });
    panel.fromWebview({ type: 'ready' });
    panel.ask();
    panel.setVisible(false);
    const posted = panel.posted.length;
    await record();
    // The change was announced before record() resolved: a live session would have armed a push.
    assert.equal(timers.size, 0, 'a push is armed for a page that is gone');
    timers.flush();
    panel.fromWebview({ type: 'query', query: { seq: 9, filter: { ...emptyFilter }, sort: { ...defaultSort }, start: 0, end: 10 } });
    assert.equal(panel.posted.length, posted);
  });

  test('malformed questions are ignored', () => {
    const panel = new FakePanel();
    hostOn(panel);
    panel.fromWebview({ type: 'ready' });
    const posted = panel.posted.length;
    const good = { seq: 1, filter: { ...emptyFilter }, sort: { ...defaultSort }, start: 0, end: 10 };
    for (const query of [
      { ...good, start: -1 },
      { ...good, end: 1.5 },
      { ...good, start: 10, end: 2 },
      { ...good, sort: { column: 'password', direction: 'asc' } },
      { ...good, filter: { ...emptyFilter, status: 'everything' } },
      { ...good, filter: { ...emptyFilter, search: 'x'.repeat(5000) } },
      { ...good, locate: 42 },
      undefined,
    ]) {
      panel.fromWebview({ type: 'query', query });
    }
    assert.equal(panel.posted.length, posted);
  });

  test('a row action from the page runs the command: copyId puts the SMS ID on the clipboard', async () => {
    const entry = await record();
    await vscode.env.clipboard.writeText('before');
    const panel = new FakePanel();
    hostOn(panel);
    panel.fromWebview({ type: 'ready' });
    panel.fromWebview({ type: 'action', action: 'copyId', key: entry.key });
    assert.equal(await clipboardBecomes(String(entry.smsId)), String(entry.smsId));
    panel.fromWebview({ type: 'action', action: 'copyText', key: entry.key });
    assert.equal(await clipboardBecomes(entry.text), entry.text);
  });

  test('every row action maps to its command with the entry key; malformed messages are ignored', async () => {
    const entry = await record();
    const ran: Array<[string, unknown[]]> = [];
    const panel = new FakePanel();
    hostOn(panel, {
      executeCommand: async (command, ...args) => {
        ran.push([command, args]);
        return undefined;
      },
    });
    panel.fromWebview({ type: 'ready' });
    for (const action of ['refreshStatus', 'resend', 'copyId', 'copyText', 'deleteEntry']) {
      panel.fromWebview({ type: 'action', action, key: entry.key });
    }
    // Things a compromised or buggy page might send.
    panel.fromWebview({ type: 'action', action: 'workbench.action.terminal.new', key: entry.key });
    panel.fromWebview({ type: 'action', action: 'copyId' });
    panel.fromWebview({ type: 'action', action: 'copyId', key: '' });
    panel.fromWebview({ type: 'action', action: 'copyId', key: 'no-such-entry' });
    panel.fromWebview({ type: 'command', command: 'inviosmart.deleteEntry', args: [entry.key] });
    panel.fromWebview('ready');
    panel.fromWebview(null);
    // A well-formed action after them: once it ran, anything sent before it was handled one way or the other.
    panel.fromWebview({ type: 'action', action: 'copyText', key: entry.key });
    await waitFor(() => ran.length >= 6, 3000, 'the five actions and the last one');
    assert.deepEqual(ran, [
      ['inviosmart.refreshStatus', [entry.key]],
      ['inviosmart.resend', [entry.key]],
      ['inviosmart.copyId', [entry.key]],
      ['inviosmart.copyText', [entry.key]],
      ['inviosmart.deleteEntry', [entry.key]],
      ['inviosmart.copyText', [entry.key]],
    ]);
    assert.equal(panel.ofType('init').length, 1, 'a bare "ready" string is not a ready message');
  });

  test('a delete confirmation hook, when set, can stop the delete', async () => {
    const entry = await record();
    const ran: string[] = [];
    const asked: string[] = [];
    const panel = new FakePanel();
    hostOn(panel, {
      executeCommand: async (command) => {
        ran.push(command);
        return undefined;
      },
      confirmDelete: async (e) => {
        asked.push(e.key);
        return false;
      },
    });
    panel.fromWebview({ type: 'ready' });
    panel.fromWebview({ type: 'action', action: 'deleteEntry', key: entry.key });
    await waitFor(() => asked.length === 1, 3000, 'the confirmation');
    // A later action that does run: the declined delete was decided before it.
    panel.fromWebview({ type: 'action', action: 'copyId', key: entry.key });
    await waitFor(() => ran.length >= 1, 3000, 'the later action');
    assert.deepEqual(asked, [entry.key]);
    assert.deepEqual(ran, ['inviosmart.copyId'], 'the declined delete ran');
    assert.ok(api.history.get(entry.key));
  });

  test('reveal: kept for init before ready, posted directly after', async () => {
    const a = await record();
    const b = await record();
    const panel = new FakePanel();
    const host = hostOn(panel);
    host.reveal(a.key);
    assert.deepEqual(panel.posted, []);
    panel.fromWebview({ type: 'ready' });
    assert.equal(panel.ofType('init')[0].revealKey, a.key);
    host.reveal(b.key);
    assert.deepEqual(panel.posted.at(-1), { type: 'reveal', key: b.key });
    assert.ok(panel.reveals >= 2);
  });

  test('hidden, the page is gone: changes wait, and the next ready gets a fresh init and answers', async () => {
    const panel = new FakePanel();
    const timers = new ManualTimers();
    const host = hostOn(panel, { later: timers.later });
    panel.fromWebview({ type: 'ready' });
    panel.ask();
    assert.equal(host.isReady, true);
    panel.setVisible(false);
    assert.equal(host.isReady, false);
    const whileHidden = await record();
    assert.equal(timers.size, 0, 'a push is armed for a page that is gone');
    timers.flush();
    assert.ok(!panel.ofType('page').some((m) => m.page.entries.some((e) => e.key === whileHidden.key)), 'nothing is posted to a page that is gone');

    panel.setVisible(true);
    panel.fromWebview({ type: 'ready' });
    assert.equal(panel.ofType('init').length, 2);
    assert.ok(panel.ask().entries.some((e) => e.key === whileHidden.key), 'the new page gets what changed while hidden');
    // The same change to a page that is there arms a push through these timers, so the checks above could fail.
    const pushes = panel.ofType('page').filter((m) => m.page.pushed).length;
    const whileShown = await record();
    assert.ok(timers.size > 0, 'no push armed for a page that is there');
    timers.flush();
    const pushed = panel.ofType('page').filter((m) => m.page.pushed);
    assert.equal(pushed.length, pushes + 1);
    assert.ok(pushed.at(-1)!.page.entries.some((e) => e.key === whileShown.key));
  });

  test('disposed with its panel: no more posts', async () => {
    const panel = new FakePanel();
    const timers = new ManualTimers();
    const host = hostOn(panel, { later: timers.later });
    panel.fromWebview({ type: 'ready' });
    panel.ask();
    panel.dispose();
    assert.equal(host.isReady, false);
    const count = panel.posted.length;
    await record();
    assert.equal(timers.size, 0, 'a push is armed for a disposed panel');
    timers.flush();
    assert.equal(panel.posted.length, count);
  });
});
