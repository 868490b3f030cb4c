// What `activate` returns to the integration tests, and only when VS Code runs the extension under test
// (ExtensionMode.Test). Any other installed extension can call `getExtension(ours).activate()` and walk
// whatever is returned, so nothing here leads to a password: accounts, sessions, the gateway client and
// the log are handed out as closures over the real services (a closure's variables cannot be walked),
// never as the services themselves, and none of them returns a credential or the log's set of secrets.
// A test that needs more adds a closure here; it never hands out AccountStore, GatewaySessions, the
// SecretStorage, the context, or a command instance (each holds one of those).
import type * as vscode from 'vscode';
import { BatchStore } from './bulk/batchStore';
import { BulkCommand } from './commands/bulk';
import { ExportCommand } from './commands/export';
import { HelpCommand } from './commands/help';
import { MessageCommands } from './commands/messages';
import { SendCommand } from './commands/send';
import type { Log } from './common/log';
import type { Container } from './container';
import type { Account, GatewaySession, SessionProvider } from './credentials/types';
import type { GatewayClient } from './gateway/client';
import type { Credentials } from './gateway/types';
import type { RetentionService } from './history/retention';
import { HistoryStore } from './history/store';
import type { BalanceState } from './balance/balanceService';
import type { HistoryPanelController } from './views/historyPanel';
import type { TaskSms } from './tasks/taskSms';

/** The accounts, without their passwords: a password can be stored, never read back. */
export interface AccountsView {
  readonly onDidChange: vscode.Event<void>;
  list(): Account[];
  active(): Account | undefined;
  find(id: string): Account | undefined;
  setActive(id: string | undefined): Promise<void>;
  save(input: { username: string; password: string; label?: string }, options?: { activate?: boolean }): Promise<Account>;
  remove(id: string): Promise<void>;
}

/**
 * The panel, as far as tests look at it: open it, see whether its page said ready, read what VS Code
 * shows, close it. The same open panel always gives the same `host` object.
 */
export interface PanelView {
  show(revealKey?: string): void;
  readonly host: PanelHostView | undefined;
}

export interface PanelHostView {
  readonly isReady: boolean;
  readonly panel: {
    readonly viewType: string;
    readonly title: string;
    readonly webview: Pick<vscode.Webview, 'html' | 'cspSource' | 'options'>;
    dispose(): void;
  };
}

/** Sessions whose client sends with the account's password without showing it (`credentials.password` is empty). */
export type SealedSessions = SessionProvider & { gatewayClient(): GatewayClient };

export interface InviosmartApi {
  log: Log;
  accounts: {
    accounts: AccountsView;
    sessions: SealedSessions;
    balance: { refresh(): Promise<BalanceState> };
    statusBar: { readonly item: Pick<vscode.StatusBarItem, 'text' | 'name' | 'tooltip'> };
  };
  history: HistoryStore;
  retention: RetentionService;
  poller: { refreshNow(keys?: readonly string[]): Promise<void> };
  panel: PanelView;
  /**
   * The extension bundle's own classes, for tests that build a second instance with scripted prompts: the
   * bundle is separate from the tests' copy of src/, and mixing the two copies breaks `instanceof`.
   */
  classes: {
    SendCommand: typeof SendCommand;
    MessageCommands: typeof MessageCommands;
    HelpCommand: typeof HelpCommand;
    BulkCommand: typeof BulkCommand;
    ExportCommand: typeof ExportCommand;
    BatchStore: typeof BatchStore;
    HistoryStore: typeof HistoryStore;
  };
  /** Sends for tasks and task-end notifications, as closures (the TaskSms object itself holds the sessions). */
  taskSms: Pick<TaskSms, 'send' | 'confirmWith' | 'sentToday' | 'onDidReport'>;
}

/** The container's services this API hands out (as closures, see above). */
export type TestApiServices = Pick<Container, 'log' | 'accounts' | 'sessions' | 'balance' | 'statusBar' | 'history' | 'retention' | 'poller' | 'panel' | 'taskSms'>;

const copy = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

/**
 * Every method of `target` (own and inherited), called through a closure that returns nothing: a
 * method that answers (such as a redaction helper) cannot serve as an oracle for guessing a secret.
 */
function writeOnly<T extends object>(target: T): T {
  const out: Record<string, unknown> = {};
  for (let proto: object | null = target; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in out) continue;
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof d?.value !== 'function') continue;
      const fn = d.value as (...a: unknown[]) => unknown;
      out[name] = (...args: unknown[]): void => void fn.apply(target, args);
    }
  }
  return out as T;
}

/** A client that fills in `credentials` itself (the caller's are ignored) and exposes nothing else. */
function sealClient(client: GatewayClient, credentials: Credentials | undefined): GatewayClient {
  const creds = (given: Credentials) => credentials ?? given;
  const sealed: Pick<GatewayClient, 'help' | 'send' | 'status' | 'balance' | 'updateOptions' | 'sendCharset' | 'endpoints' | 'urls'> = {
    // The wire choices the commands read (the live counter's charset, the balance tooltip's addresses): no secret.
    get sendCharset() { return client.sendCharset; },
    get endpoints() { return client.endpoints; },
    urls: () => client.urls(),
    help: (o) => client.help(o),
    send: (c, req, o) => client.send(creds(c), req, o),
    status: (c, smsId, o) => client.status(creds(c), smsId, o),
    balance: (c, prefix, o) => client.balance(creds(c), prefix, o),
    updateOptions: (patch) => client.updateOptions(patch),
  };
  // The commands use only these members; the cast keeps their parameter types (GatewayClient) unchanged.
  return sealed as GatewayClient;
}

function sealSessions(sessions: Container['sessions']): SealedSessions {
  const seal = (s: GatewaySession): GatewaySession => ({
    account: copy(s.account),
    client: sealClient(s.client, s.credentials),
    credentials: { username: s.credentials.username, password: '' },
  });
  return {
    forActive: async () => seal(await sessions.forActive()),
    forAccount: async (id) => seal(await sessions.forAccount(id)),
    gatewayClient: () => sealClient(sessions.gatewayClient(), undefined),
  };
}

function panelView(panel: HistoryPanelController): PanelView {
  const views = new WeakMap<object, PanelHostView>();
  const view = (host: NonNullable<HistoryPanelController['host']>): PanelHostView => {
    // The host's panel is a real vscode.WebviewPanel whenever it is the extension's own.
    const real = host.panel as vscode.WebviewPanel;
    return {
      get isReady() { return host.isReady; },
      panel: {
        get viewType() { return real.viewType; },
        get title() { return real.title; },
        webview: {
          get html() { return real.webview.html; },
          get cspSource() { return real.webview.cspSource; },
          get options() { return real.webview.options; },
        },
        dispose: () => real.dispose(),
      },
    };
  };
  return {
    show: (key) => panel.show(key),
    get host() {
      const host = panel.host;
      if (!host) return undefined;
      let v = views.get(host);
      if (!v) views.set(host, (v = view(host)));
      return v;
    },
  };
}

export function testApi(s: TestApiServices): InviosmartApi {
  const store = s.accounts;
  const accounts: AccountsView = {
    onDidChange: (listener, thisArg, disposables) => store.onDidChange(listener, thisArg, disposables),
    list: () => copy([...store.list()]),
    active: () => copy(store.active()),
    find: (id) => copy(store.find(id)),
    setActive: (id) => store.setActive(id),
    // As a sign-in would: the account is bound to the gateway origins configured now.
    save: async (input, options) => copy(await store.save(
      { username: input.username, password: input.password, label: input.label },
      { activate: options?.activate, origins: s.sessions.configuredOrigins() },
    )),
    remove: (id) => store.remove(id),
  };
  const balance = s.balance;
  const statusBar = s.statusBar;
  return {
    log: writeOnly(s.log),
    accounts: {
      accounts,
      sessions: sealSessions(s.sessions),
      balance: { refresh: async () => copy(await balance.refresh()) },
      statusBar: {
        get item() {
          const { text, name, tooltip } = statusBar.item;
          return { text, name, tooltip };
        },
      },
    },
    history: s.history,
    retention: s.retention,
    poller: { refreshNow: (keys) => s.poller.refreshNow(keys) },
    panel: panelView(s.panel),
    classes: { SendCommand, MessageCommands, HelpCommand, BulkCommand, ExportCommand, BatchStore, HistoryStore },
    taskSms: {
      send: (request, out) => s.taskSms.send(request, out),
      confirmWith: (confirm) => s.taskSms.confirmWith(confirm),
      sentToday: () => s.taskSms.sentToday(),
      onDidReport: (listener, thisArg, disposables) => s.taskSms.onDidReport((r) => listener.call(thisArg, copy(r)), undefined, disposables),
    },
  };
}
