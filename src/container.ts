// The composition root: every service is built here once, in order, handed to those that need it
// through their constructors, and disposed here in reverse order. Nothing else creates services;
// `activate` (extension.ts) creates the container and registers the commands. No domain logic here:
// what a service does lives with the service.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BalanceBroadcast } from './balance/balanceBroadcast';
import { BalanceService } from './balance/balanceService';
import { BatchStore } from './bulk/batchStore';
import { AccountCommands } from './commands/accounts';
import { BulkCommand } from './commands/bulk';
import { ExportCommand } from './commands/export';
import { notifyFinal } from './commands/finalToast';
import { HelpCommand } from './commands/help';
import { MessageCommands } from './commands/messages';
import { SendCommand } from './commands/send';
import { diskFullSwitch } from './common/diskFullSwitch';
import { realFs } from './common/durable';
import { DisposableBase } from './common/lifecycle';
import { Log } from './common/log';
import { readPollerSettings, readRetentionSettings, readSettings, readTaskSettings, settingsChanged } from './config';
import { AccountStore } from './credentials/accountService';
import { statusWithAdoption } from './credentials/adoption';
import { GatewaySessions } from './credentials/sessions';
import { GatewayError } from './gateway/errors';
import { PollerElection } from './history/election';
import { StatusPoller } from './history/poller';
import { newestWriteIn, RetentionService, selectForRemoval } from './history/retention';
import { HistoryStore } from './history/store';
import { SmsTools } from './lm/tools';
import { TaskSms } from './tasks/taskSms';
import { TextMeWhenDone } from './tasks/textMe';
import { BalanceStatusBar } from './views/balanceStatusBar';
import { registerHistoryPanel, type HistoryPanelController } from './views/historyPanel';
import { registerHistoryTree, type HistoryTreeHandle } from './views/historyTree';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class Container extends DisposableBase {
  /** Resolves once the accounts are read and the first balance check finished. */
  readonly ready: Promise<void>;
  readonly sharedBalance: BalanceBroadcast;
  readonly accounts: AccountStore;
  readonly sessions: GatewaySessions;
  readonly balance: BalanceService;
  readonly statusBar: BalanceStatusBar;
  readonly retention: RetentionService;
  readonly election: PollerElection;
  readonly poller: StatusPoller;
  readonly tree: HistoryTreeHandle;
  readonly panel: HistoryPanelController;
  readonly accountCommands: AccountCommands;
  readonly send: SendCommand;
  readonly messages: MessageCommands;
  readonly help: HelpCommand;
  readonly bulk: BulkCommand;
  readonly exporter: ExportCommand;
  readonly smsTools: SmsTools;
  readonly taskSms: TaskSms;
  readonly textMe: TextMeWhenDone;
  /** Settles once the history has been read (or could not be): the poller and retention start then. */
  readonly historyLoaded: Promise<void>;

  /** Builds every service; the history store is the one part that is opened first (it reads the disk). */
  static create(context: vscode.ExtensionContext): Container {
    const log = new Log();
    const historyDir = path.join(context.globalStorageUri.fsPath, 'history');
    // Read in the background, in slices: activate returns before the history is in (the views show
    // it loading; a send meanwhile waits for the load, then is written before its request goes out).
    const history = HistoryStore.create(historyDir, {
      onError: (e) => log.warn(`history: ${message(e)}`),
      // Every compaction (this window's or on its own) applies the retention settings.
      retention: (entries, now) => selectForRemoval(entries, now, readRetentionSettings()),
      fs: context.extensionMode === vscode.ExtensionMode.Test ? diskFullSwitch(realFs) : undefined,
    });
    return new Container(context, log, history, historyDir);
  }

  private constructor(
    context: vscode.ExtensionContext,
    readonly log: Log,
    readonly history: HistoryStore,
    historyDir: string,
  ) {
    super();
    this._register(log);
    this._register(history);
    this.historyLoaded = history.ready.then(
      () => log.info(`history: ${history.stats().entries} messages in ${historyDir}`),
      (e: unknown) => log.warn(`history: could not be read: ${message(e)}`),
    );
    const afterSend = () => void this.balance.refresh();

    // Accounts, gateway sessions and the balance. Account metadata is not synced: passwords never
    // leave the machine, and an account without one is useless elsewhere.
    context.globalState.setKeysForSync([]);
    // Balance checks are shared with the other windows through the history folder.
    this.sharedBalance = this._register(new BalanceBroadcast(historyDir, { onError: (e) => log.warn(`balance broadcast: ${String(e)}`) }));
    this.accounts = this._register(new AccountStore(context.secrets, context.globalState));
    this.sessions = this._register(new GatewaySessions(this.accounts, { log: (event) => log.call(event) }));
    this.balance = this._register(new BalanceService(this.accounts, this.sessions, { shared: this.sharedBalance }));
    this.statusBar = this._register(new BalanceStatusBar(this.balance));
    this.accountCommands = new AccountCommands(this.accounts, this.sessions, this.balance, undefined, context.globalState);
    this.ready = this.accounts.ready().then(async () => {
      await this.balance.start();
    });
    void this.ready.then(() => this.learnSecrets());
    this._register(this.accounts.onDidChange(() => void this.learnSecrets()));

    // History retention and the status poller (one window polls for all: the lease holder).
    this.retention = this._register(new RetentionService({
      store: history,
      limits: readRetentionSettings,
      lastWrite: () => newestWriteIn(historyDir),
      onPruned: (n) => log.info(`history: removed ${n} messages beyond the retention settings`),
      onError: (e) => log.warn(`history retention: ${message(e)}`),
    }));
    void this.historyLoaded.then(() => this.retention.start());
    this.election = this._register(new PollerElection({ dir: historyDir, isFocused: () => vscode.window.state.focused, onError: (e) => log.warn(`poller lease: ${String(e)}`) }));
    this.poller = this._register(new StatusPoller({
      store: history,
      checkStatus: (entry, signal) => statusWithAdoption(this.sessions, entry, signal),
      ...readPollerSettings(),
      isActive: () => vscode.window.state.focused && this.election.isLeader,
      onFinal: (entry) => notifyFinal(entry, readSettings().notifyOn, (key) => this.panel.show(key)),
      onError: (entry, e) => log.warn(`status of SMS ${entry.smsId}: ${e instanceof GatewayError ? `${e.kind} ${e.code ?? ''} ${e.gatewayText}` : String(e)}`),
    }));
    void this.historyLoaded.then(() => this.poller.start()); // no-op once disposed
    this._register(this.election.onDidChange(() => this.poller.setActive(vscode.window.state.focused)));
    void this.election.start();
    this._register(vscode.window.onDidChangeWindowState((s) => {
      this.poller.setActive(s.focused);
      void this.election.poke();
    }));

    // Views. A message older than this without a final status is no longer polled: every view shows it as `stale`.
    const maxAgeMs = (): number => readSettings().maxAgeHours * 3600_000;
    this.tree = this._register(registerHistoryTree(history, () => readSettings().groupBy, { maxAgeMs }));
    this.panel = this._register(registerHistoryPanel(context, history, { maxAgeMs }));

    // Commands. Chat tools and tasks send through the same checks, confirmation facts and recorded dispatch as Send SMS.
    const state = context.globalState;
    this.send = new SendCommand({ sessions: this.sessions, history, state, settings: readSettings, log, afterSend });
    this.messages = this._register(new MessageCommands({
      history,
      sessions: this.sessions,
      send: this.send,
      poller: this.poller,
      openPanel: (key) => this.panel.show(key),
      maxAgeMs,
      log,
      selection: () => this.tree.view.selection.flatMap((n) => (n.kind === 'message' ? [n.key] : [])),
    }));
    this.help = this._register(new HelpCommand(this.sessions, log));
    this.bulk = this._register(new BulkCommand({
      sessions: this.sessions,
      history,
      batches: new BatchStore(path.join(context.globalStorageUri.fsPath, 'batches')),
      state,
      settings: readSettings,
      log,
      afterSend,
      openPanel: (key) => this.panel.show(key),
    }));
    this.exporter = this._register(new ExportCommand({ history, accountLabel: (id) => this.accounts.find(id)?.label ?? id, maxAgeMs }));
    // Registered at activation by src/extension.ts, which hands each call to these.
    this.smsTools = this._register(new SmsTools({ sessions: this.sessions, history, settings: readSettings, afterSend, register: false }));
    this.taskSms = this._register(new TaskSms({ sessions: this.sessions, history, state, settings: readSettings, taskSettings: readTaskSettings, log, afterSend }));
    this.textMe = this._register(new TextMeWhenDone({ sms: this.taskSms, settings: readSettings, taskSettings: readTaskSettings }));

    // The one settings change handler.
    this._register(vscode.workspace.onDidChangeConfiguration((e) => settingsChanged(e, {
      gateway: () => this.sessions.applySettings(),
      poller: () => {
        this.poller.updateSettings(readPollerSettings());
        // maxAgeHours also decides which messages show as "stopped checking".
        this.tree.provider.refresh();
      },
      retention: () => this.retention.limitsChanged(),
      balance: (reschedule) => this.balance.settingsChanged(reschedule),
      groupBy: () => this.tree.setGroupBy(readSettings().groupBy),
    })));
  }

  /** Stops everything and waits until the sandbox has stopped and the history is closed (from `deactivate`). */
  async shutdown(): Promise<void> {
    const stopped = this.sessions.shutdown();
    this.dispose();
    await stopped;
    await this.history.close();
  }

  /** Passwords are masked by pattern in the log anyway; knowing them masks them wherever they appear. */
  private async learnSecrets(): Promise<void> {
    for (const account of this.accounts.list()) {
      // The sandbox's password is public ('sandbox'): masking it would blank out every mention of the sandbox.
      if (!account.sandbox) this.log.addSecret((await this.accounts.credentials(account))?.password);
    }
  }
}
