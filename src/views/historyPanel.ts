// Host side of the SMS History panel: creates or restores the webview, answers its questions over
// the whole history (a PanelSession per page: only the rows in view cross), and turns row actions
// into commands.
import * as vscode from 'vscode';
import { inertNotificationText } from '../commands/errors';
import { CommandIds } from '../commands/ids';
import type { HistoryEntry, HistoryReader } from '../history/types';
import { createNonce, panelHtml } from './panelHtml';
import { formatDestination, statusName } from './entryPresentation';
import {
  HistoryPanelViewType,
  isWebviewMessage,
  type HostMessage,
  type PanelStrings,
  type RowAction,
} from './panelProtocol';
import { PanelSession } from './panelSession';

export { HistoryPanelViewType } from './panelProtocol';
export * as panelProtocol from './panelProtocol';

export interface HistoryPanelOptions {
  /** Runs a row action's command; defaults to `vscode.commands.executeCommand`. */
  executeCommand?: (command: string, ...args: unknown[]) => Thenable<unknown>;
  /**
   * Asks before deleting. Left out by default because the deleteEntry command itself asks in a
   * modal (the tree uses it too); set it only when wiring a command that does not.
   */
  confirmDelete?: (entry: HistoryEntry) => Thenable<boolean>;
}

export type ResolvedPanelOptions = Pick<Required<HistoryPanelOptions>, 'executeCommand'> & Pick<HistoryPanelOptions, 'confirmDelete'>;

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

/** Localized strings for the webview; literal `l10n.t` calls so the strings can be extracted. */
export function panelStrings(): PanelStrings {
  return {
    heading: vscode.l10n.t('SMS History'),
    gridLabel: vscode.l10n.t('Message history'),
    searchLabel: vscode.l10n.t('Search'),
    searchPlaceholder: vscode.l10n.t('Search text, number, sender, ID…'),
    statusFilterLabel: vscode.l10n.t('Status'),
    allStatuses: vscode.l10n.t('All statuses'),
    fromLabel: vscode.l10n.t('From'),
    toLabel: vscode.l10n.t('To'),
    batchFilterLabel: vscode.l10n.t('Batch'),
    allBatches: vscode.l10n.t('All batches'),
    clearFilters: vscode.l10n.t('Clear Filters'),
    colId: vscode.l10n.t('ID'),
    colTime: vscode.l10n.t('Time'),
    colDestination: vscode.l10n.t('Destination'),
    colSender: vscode.l10n.t('Sender'),
    colText: vscode.l10n.t('Text'),
    colStatus: vscode.l10n.t('Status'),
    colParts: vscode.l10n.t('Parts'),
    colCharge: vscode.l10n.t('Charge'),
    status_sending: vscode.l10n.t('Sending'),
    status_queued: vscode.l10n.t('Queued'),
    status_pending: vscode.l10n.t('Pending'),
    status_delivered: vscode.l10n.t('Delivered'),
    status_failed: vscode.l10n.t('Failed'),
    status_unknown: vscode.l10n.t('Unknown'),
    status_lookup: vscode.l10n.t('Number lookup'),
    outcomeUnknown: vscode.l10n.t('Outcome unknown'),
    acceptedNoStatus: vscode.l10n.t('Accepted'),
    totalMessages: vscode.l10n.t('Messages'),
    totalParts: vscode.l10n.t('Parts'),
    totalCharge: vscode.l10n.t('Charge'),
    totalInHistory: vscode.l10n.t('In history'),
    chargeIncomplete: vscode.l10n.t('Charge not known yet'),
    sandbox: vscode.l10n.t('Sandbox'),
    sandboxTitle: vscode.l10n.t('Sent through the built-in sandbox gateway: no real SMS went out'),
    emptyHistory: vscode.l10n.t('No messages yet. Messages you send appear here.'),
    loadingHistory: vscode.l10n.t('Loading history…'),
    noMatches: vscode.l10n.t('No messages match the filters.'),
    detailsLabel: vscode.l10n.t('Selected message'),
    actionsLabel: vscode.l10n.t('Actions for the selected message'),
    action_refreshStatus: vscode.l10n.t('Refresh Status'),
    action_resend: vscode.l10n.t('Resend'),
    action_copyId: vscode.l10n.t('Copy ID'),
    action_copyText: vscode.l10n.t('Copy Text'),
    action_deleteEntry: vscode.l10n.t('Delete from History'),
    fieldRecorded: vscode.l10n.t('Recorded'),
    fieldSubmitted: vscode.l10n.t('Submitted'),
    fieldLastChange: vscode.l10n.t('Last status change'),
    fieldLastChecked: vscode.l10n.t('Last checked'),
    fieldAccount: vscode.l10n.t('Account'),
    fieldBatch: vscode.l10n.t('Batch'),
    fieldError: vscode.l10n.t('Error'),
    fieldStatusCode: vscode.l10n.t('Gateway status'),
    providerLocalTime: vscode.l10n.t('provider local time'),
    notAvailable: vscode.l10n.t('not available'),
  };
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
  }));
}

/** The status as the user reads it, for the search; undefined in English (the stored label). */
function localStatusLabel(entry: HistoryEntry): string | undefined {
  if (!entry.status || vscode.env.language.startsWith('en')) return undefined;
  return statusName(entry.status, vscode.l10n);
}

/** One open panel: its webview, its subscriptions and whether the webview is listening yet. */
export class HistoryPanelHost {
  private readonly disposables: vscode.Disposable[] = [];
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
    panel.webview.options = { enableScripts: true, localResourceRoots: [mediaRoot] };
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
      panel.onDidChangeViewState(() => {
        // Hidden without retainContextWhenHidden means the page is gone; it says `ready` again when back.
        if (!panel.visible) this.notReady();
      }),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
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

  dispose(): void {
    this.notReady();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private html(): string {
    const webview = this.panel.webview;
    return panelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'dist', 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'panel.css')).toString(),
      title: vscode.l10n.t('SMS History'),
      lang: vscode.env.language,
      loadingText: vscode.l10n.t('Loading history…'),
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
      });
      this.session.start(panelStrings(), vscode.env.language, revealKey);
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
  const mediaRoot = vscode.Uri.joinPath(context.extensionUri, 'media');
  const resolved: ResolvedPanelOptions = {
    executeCommand: options.executeCommand ?? ((command, ...args) => vscode.commands.executeCommand(command, ...args)),
    confirmDelete: options.confirmDelete,
  };
  let current: HistoryPanelHost | undefined;

  const adopt = (panel: vscode.WebviewPanel): HistoryPanelHost => {
    // One panel at a time: a restored duplicate replaces the older one.
    current?.panel.dispose();
    const session: HistoryPanelHost = new HistoryPanelHost(panel, mediaRoot, history, resolved, () => {
      if (current === session) current = undefined;
    });
    current = session;
    return session;
  };

  const serializer = vscode.window.registerWebviewPanelSerializer(HistoryPanelViewType, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
      // The webview restores its own view state from getState(); the host only re-attaches.
      adopt(panel);
    },
  });

  return {
    get host(): HistoryPanelHost | undefined {
      return current;
    },
    show(revealKey?: string): void {
      if (current) {
        current.reveal(revealKey);
        return;
      }
      const panel = vscode.window.createWebviewPanel(
        HistoryPanelViewType,
        vscode.l10n.t('SMS History'),
        vscode.ViewColumn.Active,
        { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [mediaRoot] },
      );
      adopt(panel).reveal(revealKey);
    },
    dispose(): void {
      serializer.dispose();
      current?.panel.dispose();
      current = undefined;
    },
  };
}
