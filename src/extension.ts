// Composition root: every service is built once here, handed to those that need it, and every
// disposable goes to context.subscriptions. Nothing else creates services.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { inertNotificationText } from './commands/errors';
import { Log } from './common/log';
import { affects, readRetentionSettings, readSettings, readTaskSettings } from './config';
import { registerAccounts, type AccountsApi } from './credentials/commands';
import { BatchStore } from './bulk/batchStore';
import { BulkCommand } from './commands/bulk';
import { ExportCommand } from './commands/export';
import { HelpCommand } from './commands/help';
import { CommandIds } from './commands/ids';
import { MessageCommands } from './commands/messages';
import { SendCommand } from './commands/send';
import { GatewayError } from './gateway/errors';
import type { StatusReport } from './gateway/types';
import { StatusPoller } from './history/poller';
import { diskFullSwitch } from './common/diskFullSwitch';
import { realFs } from './common/durable';
import { newestWriteIn, RetentionService, selectForRemoval } from './history/retention';
import { PollerElection } from './history/election';
import { BalanceBroadcast } from './views/balanceBroadcast';
import { HistoryStore } from './history/store';
import type { HistoryEntry } from './history/types';
import { registerHistoryPanel } from './views/historyPanel';
import { registerHistoryTree } from './views/historyTree';
import { formatDestination, statusName } from './views/entryPresentation';
import { toastOnFinal } from './commands/bulkSummary';
import type { SandboxMessage } from './sandbox/server';
import { SANDBOX_ACCOUNT_ID } from './credentials/types';
import { SmsTools } from './lm/tools';
import { registerSmsTasks } from './tasks/provider';
import { TaskSms } from './tasks/taskSms';
import { TextMeWhenDone } from './tasks/textMe';
import { testApi, type InviosmartApi } from './testApi';

export type { InviosmartApi } from './testApi';

/** What `deactivate` has to close. */
let running: { accounts: AccountsApi; history: HistoryStore } | undefined;

/**
 * Exports nothing to other extensions: any installed extension can call `getExtension(ours).activate()`.
 * Under test (ExtensionMode.Test) it returns the narrow test API of src/testApi.ts, which reads no secret.
 */
export async function activate(context: vscode.ExtensionContext): Promise<InviosmartApi | undefined> {
  const log = new Log();
  context.subscriptions.push(log);
  const historyDir = path.join(context.globalStorageUri.fsPath, 'history');
  // Balance checks are shared with the other windows through the history folder.
  const sharedBalance = new BalanceBroadcast(historyDir, { onError: (e) => log.warn(`balance broadcast: ${String(e)}`) });
  context.subscriptions.push(sharedBalance);
  const accounts = registerAccounts(context, { log: (event) => log.call(event), balance: { shared: sharedBalance } });

  // Read in the background, in slices: activate returns before the history is in (the views show
  // it loading; a send meanwhile waits for the load, then is written before its request goes out).
  const history = HistoryStore.create(historyDir, {
    onError: (e) => log.warn(`history: ${e instanceof Error ? e.message : String(e)}`),
    // Every compaction (this window's or on its own) applies the retention settings.
    retention: (entries, now) => selectForRemoval(entries, now, readRetentionSettings()),
    fs: context.extensionMode === vscode.ExtensionMode.Test ? diskFullSwitch(realFs) : undefined,
  });
  context.subscriptions.push(history);
  const historyLoaded = history.ready.then(
    () => log.info(`history: ${history.stats().entries} messages in ${historyDir}`),
    (e: unknown) => log.warn(`history: could not be read: ${e instanceof Error ? e.message : String(e)}`),
  );
  const retention = new RetentionService({
    store: history,
    limits: readRetentionSettings,
    lastWrite: () => newestWriteIn(historyDir),
    onPruned: (n) => log.info(`history: removed ${n} messages beyond the retention settings`),
    onError: (e) => log.warn(`history retention: ${e instanceof Error ? e.message : String(e)}`),
  });
  context.subscriptions.push(retention);
  void historyLoaded.then(() => retention.start());

  // One window polls for all: the one holding the lease in the shared history folder.
  const election = new PollerElection({ dir: historyDir, isFocused: () => vscode.window.state.focused, onError: (e) => log.warn(`poller lease: ${String(e)}`) });
  context.subscriptions.push(election);
  // The poller is rebuilt when its settings change; everything else reaches it through this holder.
  const makePoller = () => {
    const settings = readSettings();
    const p = new StatusPoller({
      store: history,
      checkStatus: (entry, signal) => checkStatus(accounts, entry, signal),
      maxConcurrency: settings.maxConcurrency,
      baseIntervalMs: settings.pollIntervalSeconds * 1000,
      maxAgeMs: settings.maxAgeHours * 3600_000,
      isActive: () => vscode.window.state.focused && election.isLeader,
      onFinal: (entry) => notifyFinal(entry),
      onError: (entry, e) => log.warn(`status of SMS ${entry.smsId}: ${e instanceof GatewayError ? `${e.kind} ${e.code ?? ''} ${e.gatewayText}` : String(e)}`),
    });
    void historyLoaded.then(() => p.start()); // no-op once disposed
    return p;
  };
  let poller = makePoller();
  context.subscriptions.push(election.onDidChange(() => poller.setActive(vscode.window.state.focused)));
  void election.start();
  const pollerRef = { refreshNow: (keys?: readonly string[]) => poller.refreshNow(keys) };
  context.subscriptions.push(
    { dispose: () => poller.dispose() },
    vscode.window.onDidChangeWindowState((s) => {
      poller.setActive(s.focused);
      void election.poke();
    }),
  );

  // Passwords are masked by pattern in the log anyway; knowing them masks them wherever they appear.
  const learnSecrets = async () => {
    for (const account of accounts.accounts.list()) {
      // The sandbox's password is public ('sandbox'): masking it would blank out every mention of the sandbox.
      if (!account.sandbox) log.addSecret((await accounts.accounts.credentials(account))?.password);
    }
  };
  void accounts.ready.then(learnSecrets);
  context.subscriptions.push(accounts.accounts.onDidChange(() => void learnSecrets()));

  const tree = registerHistoryTree(history, () => readSettings().groupBy);
  const panel = registerHistoryPanel(context, history);
  context.subscriptions.push(tree, panel);

  const send = new SendCommand({
    sessions: accounts.sessions,
    history,
    state: context.globalState,
    settings: readSettings,
    log,
    afterSend: () => void accounts.balance.refresh(),
  });
  const messages = new MessageCommands({
    history,
    sessions: accounts.sessions,
    send,
    poller: pollerRef,
    openPanel: (key) => panel.show(key),
    log,
    selection: () => tree.view.selection.flatMap((n) => (n.kind === 'message' ? [n.key] : [])),
  });
  const help = new HelpCommand(accounts.sessions, log);
  const bulk = new BulkCommand({
    sessions: accounts.sessions,
    history,
    batches: new BatchStore(path.join(context.globalStorageUri.fsPath, 'batches')),
    state: context.globalState,
    settings: readSettings,
    log,
    afterSend: () => void accounts.balance.refresh(),
    openPanel: (key) => panel.show(key),
  });
  const exporter = new ExportCommand({ history, accountLabel: (id) => accounts.accounts.find(id)?.label ?? id });

  context.subscriptions.push(
    ...messages.register(),
    help,
    bulk,
    exporter,
    vscode.commands.registerCommand(CommandIds.sendSms, () => send.run()),
    vscode.commands.registerCommand(CommandIds.sendSelection, () => {
      const editor = vscode.window.activeTextEditor;
      const text = editor ? editor.selections.map((s) => editor.document.getText(s)).join('\n').trim() : '';
      if (!text) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select the text to send first.'));
        return undefined;
      }
      return send.run({ text });
    }),
    vscode.commands.registerCommand(CommandIds.openPanel, (key?: unknown) => panel.show(typeof key === 'string' ? key : undefined)),
    vscode.commands.registerCommand(CommandIds.showLog, () => log.show()),
    vscode.commands.registerCommand(CommandIds.whenHistoryLoaded, () => historyLoaded.then(() => undefined)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, 'gateway') || e.affectsConfiguration('http')) {
        accounts.sessions.applySettings();
      }
      if (affects(e, 'status')) {
        poller.dispose();
        poller = makePoller();
      }
      if (affects(e, 'history.maxAgeDays') || affects(e, 'history.maxEntries')) retention.limitsChanged();
    }),
  );

  // Chat tools and tasks send through the same checks, confirmation facts and recorded dispatch as Send SMS.
  const smsTools = new SmsTools({ sessions: accounts.sessions, history, settings: readSettings, afterSend: () => void accounts.balance.refresh() });
  const taskSms = new TaskSms({
    sessions: accounts.sessions,
    history,
    state: context.globalState,
    settings: readSettings,
    taskSettings: readTaskSettings,
    log,
    afterSend: () => void accounts.balance.refresh(),
  });
  context.subscriptions.push(
    ...smsTools.register(),
    taskSms,
    registerSmsTasks(taskSms),
    new TextMeWhenDone({ sms: taskSms, settings: readSettings, taskSettings: readTaskSettings }),
  );

  running = { accounts, history };
  return context.extensionMode === vscode.ExtensionMode.Test
    ? testApi({ log, accounts, history, retention, poller: pollerRef, panel, taskSms })
    : undefined;

  function notifyFinal(entry: HistoryEntry): void {
    const failed = entry.status?.statusClass === 'failed';
    if (!toastOnFinal(entry, readSettings().notifyOn)) return; // a batch's messages: one summary (bulkSummary.ts)
    const label = entry.status ? statusName(entry.status, vscode.l10n) : '';
    const show = vscode.l10n.t('Show in Panel');
    const message = failed
      ? vscode.l10n.t('SMS to {0} failed: {1}', formatDestination(entry.destination), label)
      : vscode.l10n.t('SMS to {0}: {1}', formatDestination(entry.destination), label);
    const shown = failed ? vscode.window.showWarningMessage(inertNotificationText(message), show) : vscode.window.showInformationMessage(inertNotificationText(message), show);
    void shown.then((pick) => {
      if (pick === show) panel.show(entry.key);
    });
  }
}

/**
 * One status request for the poller. A sandbox message sent before a window reload is unknown to
 * this window's new sandbox: it is handed over (adopted) and asked again, so its timeline goes on.
 */
async function checkStatus(accounts: AccountsApi, entry: HistoryEntry, signal: AbortSignal): Promise<StatusReport> {
  const session = await accounts.sessions.forAccount(entry.account);
  const ask = () => session.client.status(session.credentials, entry.smsId as number, { signal });
  try {
    return await ask();
  } catch (e) {
    if (!(entry.account === SANDBOX_ACCOUNT_ID && e instanceof GatewayError && e.code === 1028 && entry.smsId !== undefined)) throw e;
    const sandbox = await accounts.sessions.sandboxGateway();
    const adopted: SandboxMessage = {
      smsId: entry.smsId,
      username: session.credentials.username,
      destination: entry.destination,
      sender: entry.sender,
      message: entry.text,
      pricecat: 0,
      parts: entry.parts,
      charge: entry.charge ?? 0,
      submittedAt: Date.parse(entry.createdAt),
    };
    if (sandbox.adopt([adopted]) === 0) throw e;
    return ask();
  }
}

export async function deactivate(): Promise<void> {
  // Never deletes data or credentials: this runs on every window reload.
  await running?.accounts.shutdown();
  await running?.history.close();
  running = undefined;
}
