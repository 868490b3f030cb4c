// Host side of the SMS History panel: creates or restores the webview, answers its questions over
// the whole history (a PanelSession per page: only the rows in view cross), and turns row actions
// into commands.
import * as vscode from 'vscode';
import { inertNotificationText } from '../common/notificationText';
import { explain } from '../common/wording';
import { CommandIds } from '../common/commandIds';
import { DisposableBase, toDisposable } from '../common/lifecycle';
import type { HistoryEntry, HistoryReader, StateFields } from '../history/types';
import { createNonce, panelHtml } from './panelHtml';
import { formatDestination, statusName } from './entryPresentation';
import {
  HistoryPanelViewType,
  isWebviewMessage,
  type HostMessage,
  type RowAction,
} from '../panel/protocol';
import { PanelSession, type PanelSessionOptions } from './panelSession';
import { panelPageText, panelStrings } from './panelStrings';

export { HistoryPanelViewType } from '../panel/protocol';
export * as panelProtocol from '../panel/protocol';

export interface HistoryPanelOptions {
  /** Runs a row action's command; defaults to `vscode.commands.executeCommand`. */
  executeCommand?: (command: string, ...args: unknown[]) => Thenable<unknown>;
  /**
   * Asks before deleting. Left out by default because the deleteEntry command itself asks in a
   * modal (the tree uses it too); set it only when wiring a command that does not.
   */
  confirmDelete?: (entry: HistoryEntry) => Thenable<boolean>;
  /** How a page's session runs work later (the push after changes); real timers by default, tests fire them. */
  later?: PanelSessionOptions['later'];
  /** The poller's max age in ms (the `inviosmart.status.maxAgeHours` setting); default 48 h. */
  maxAgeMs?: () => number;
}

export type ResolvedPanelOptions = Pick<Required<HistoryPanelOptions>, 'executeCommand'> & Pick<HistoryPanelOptions, 'confirmDelete' | 'later' | 'maxAgeMs'>;

export interface HistoryPanelController extends vscode.Disposable {
  /** Opens the panel (or brings it to the front); selects `revealKey` when given. */
  show(revealKey?: string): void;
  /** The open panel's host, if a panel is open (tests read its state). */
  readonly host: HistoryPanelHost | undefined;
}

/**
 * The parts of a webview panel the host uses. A real `vscode.WebviewPanel` fits; tests hand in a
 * double to play the webview's side of the protocol, which the extension host cannot reach.
 */
export interface HostedPanel {
  readonly webview: Pick<vscode.Webview, 'options' | 'html' | 'cspSource' | 'asWebviewUri' | 'postMessage' | 'onDidReceiveMessage'>;
  readonly visible: boolean;
  reveal(): void;
  readonly onDidChangeViewState: vscode.Event<unknown>;
  readonly onDidDispose: vscode.Event<void>;
  dispose(): void;
}

const actionCommands: Record<RowAction, string> = {
  refreshStatus: CommandIds.refreshStatus,
  resend: CommandIds.resend,
  copyId: CommandIds.copyId,
  copyText: CommandIds.copyText,
  deleteEntry: CommandIds.deleteEntry,
};

/**
 * Entries as the panel shows them: the number formatted as in the tree and notifications (the webview
 * carries no numbering plans), the gateway status named in the UI language (history keeps the English label).
 */
function forDisplay(entries: readonly HistoryEntry[]): HistoryEntry[] {
  const english = vscode.env.language.startsWith('en');
  return entries.map((e) => ({
    ...e,
    destination: formatDestination(e.destination),
    ...(e.status && !english ? { status: { ...e.status, label: statusName(e.status, vscode.l10n) } } : {}),
    ...(e.error ? { error: { ...e.error, explanation: explain(e.error) } } : {}),
  }));
}

/** The status as the user reads it, for the search; undefined in English (the stored label). */
function localStatusLabel(entry: StateFields): string | undefined {
  if (!entry.status || vscode.env.language.startsWith('en')) return undefined;
  return statusName(entry.status, vscode.l10n);
}

/** One open panel: its webview, its subscriptions and whether the webview is listening yet. */
export class HistoryPanelHost extends DisposableBase {
  /** Messages posted before `ready` would be lost: the webview rebuilds on every re-show. */
  private ready = false;
  private revealKey: string | undefined;
  /** The current page's session; a new page (after `ready`) gets a new one. */
  private session: PanelSession | undefined;

  constructor(
    readonly panel: HostedPanel,
    private readonly mediaRoot: vscode.Uri,
    private readonly history: HistoryReader,
    private readonly options: ResolvedPanelOptions,
    onDispose: () => void = () => undefined,
  ) {
    super();
    panel.webview.options = { enableScripts: true, localResourceRoots: [mediaRoot] };
    panel.webview.html = this.html();
    this._register(panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)));
    this._register(panel.onDidChangeViewState(() => {
      // Hidden without retainContextWhenHidden means the page is gone; it says `ready` again when back.
      if (!panel.visible) this.notReady();
    }));
    this._register(panel.onDidDispose(() => {
      this.dispose();
      onDispose();
    }));
    // Registered last, so disposed first: the page's session ends before the listeners go.
    this._register(toDisposable(() => this.notReady()));
  }

  /** The open page's session (tests read its rows). */
  get currentSession(): PanelSession | undefined {
    return this.session;
  }

  /** True between the webview's `ready` and the page going away (hidden or disposed). */
  get isReady(): boolean {
    return this.ready;
  }

  reveal(key: string | undefined): void {
    this.panel.reveal();
    if (!key) return;
    if (this.ready) this.post({ type: 'reveal', key });
    else this.revealKey = key;
  }

  private html(): string {
    const webview = this.panel.webview;
    return panelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'dist', 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'panel.css')).toString(),
      lang: vscode.env.language,
      ...panelPageText(vscode.l10n),
    });
  }

  private notReady(): void {
    this.ready = false;
    this.session?.dispose();
    this.session = undefined;
  }

  private post(message: HostMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: unknown): void {
    if (!isWebviewMessage(message)) return;
    if (message.type === 'ready') {
      this.notReady();
      this.ready = true;
      const revealKey = this.revealKey;
      this.revealKey = undefined;
      this.session = new PanelSession({
        history: this.history,
        post: (m) => this.post(m),
        localize: forDisplay,
        statusLabel: localStatusLabel,
        later: this.options.later,
        maxAgeMs: this.options.maxAgeMs,
      });
      this.session.start(panelStrings(vscode.l10n), vscode.env.language, revealKey);
      return;
    }
    if (message.type === 'query') {
      this.session?.answer(message.query);
      return;
    }
    void this.runAction(message.action, message.key);
  }

  private async runAction(action: RowAction, key: string): Promise<void> {
    const entry = this.history.get(key);
    // The row may have been deleted in another window a moment ago.
    if (!entry) return;
    try {
      if (action === 'deleteEntry' && this.options.confirmDelete && !(await this.options.confirmDelete(entry))) return;
      await this.options.executeCommand(actionCommands[action], key);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(inertNotificationText(vscode.l10n.t('Could not complete the action: {0}', reason)));
    }
  }
}

/**
 * Registers the SMS History panel: its serializer (so the panel comes back after a window reload;
 * needs the `onWebviewPanel:inviosmart.historyPanel` activation event) and a controller to open it.
 */
export function registerHistoryPanel(
  context: vscode.ExtensionContext,
  history: HistoryReader,
  options: HistoryPanelOptions = {},
): HistoryPanelController {
  return new HistoryPanels(vscode.Uri.joinPath(context.extensionUri, 'media'), history, {
    executeCommand: options.executeCommand ?? ((command, ...args) => vscode.commands.executeCommand(command, ...args)),
    confirmDelete: options.confirmDelete,
    later: options.later,
    maxAgeMs: options.maxAgeMs,
  });
}

/** The one open panel (if any) and the serializer that brings it back. */
class HistoryPanels extends DisposableBase implements HistoryPanelController {
  private current: HistoryPanelHost | undefined;

  constructor(
    private readonly mediaRoot: vscode.Uri,
    private readonly history: HistoryReader,
    private readonly options: ResolvedPanelOptions,
  ) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(HistoryPanelViewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel): Promise<void> => {
        // The webview restores its own view state from getState(); the host only re-attaches.
        this.adopt(panel);
      },
    }));
    // Registered last, so disposed first: the open panel closes before the serializer goes.
    this._register(toDisposable(() => {
      this.current?.panel.dispose();
      this.current = undefined;
    }));
  }

  get host(): HistoryPanelHost | undefined {
    return this.current;
  }

  show(revealKey?: string): void {
    if (this.current) {
      this.current.reveal(revealKey);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      HistoryPanelViewType,
      vscode.l10n.t('SMS History'),
      vscode.ViewColumn.Active,
      { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [this.mediaRoot] },
    );
    this.adopt(panel).reveal(revealKey);
  }

  private adopt(panel: vscode.WebviewPanel): HistoryPanelHost {
    // One panel at a time: a restored duplicate replaces the older one.
    this.current?.panel.dispose();
    const host: HistoryPanelHost = new HistoryPanelHost(panel, this.mediaRoot, this.history, this.options, () => {
      if (this.current === host) this.current = undefined;
    });
    this.current = host;
    return host;
  }
}
