// Everything the extension does, loaded after `activate` has returned (src/extension.ts): builds the
// container (src/container.ts, the composition root) and registers the commands against its services.
// Bundled on its own as dist/core.js (scripts/bundles.mjs), so VS Code's load of dist/extension.js
// reads only the small part that registers the commands.
import * as vscode from 'vscode';
import { CommandIds } from './common/commandIds';
export { warmSettings } from './config';
import { Container } from './container';
import { smsTaskProvider } from './tasks/provider';
import { testApi, type InviosmartApi } from './testApi';

/** What src/extension.ts keeps of the started extension. */
export interface StartedCore {
  /** The narrow test API (src/testApi.ts); extension.ts hands it out under ExtensionMode.Test only. */
  testApi(): InviosmartApi;
  /** Stops everything; waits for the sandbox and the history to close. */
  shutdown(): Promise<void>;
  /** The chat tools by name and the task provider: src/extension.ts registered them at activation and hands them each call. */
  readonly tools: ReadonlyMap<string, vscode.LanguageModelTool<unknown>>;
  readonly taskProvider: vscode.TaskProvider;
}

/** Builds every service once and registers every command (each id of CommandIds). */
export function startCore(context: vscode.ExtensionContext): StartedCore {
  const container = Container.create(context);
  context.subscriptions.push(container);
  registerCommands(container, context.subscriptions);
  return {
    testApi: () => testApi(container),
    shutdown: () => container.shutdown(),
    tools: container.smsTools.tools,
    taskProvider: smsTaskProvider(container.taskSms),
  };
}

/** The palette's, the views' and the chat's entry points, each calling a service of the container. */
function registerCommands(c: Container, subscriptions: vscode.Disposable[]): void {
  const account = c.accountCommands;
  const run = (job: () => Promise<unknown>) => async () => {
    await job();
  };
  subscriptions.push(
    vscode.commands.registerCommand(CommandIds.signIn, run(() => account.signIn())),
    vscode.commands.registerCommand(CommandIds.signOut, (arg?: unknown) =>
      account.signOut(typeof arg === 'string' ? arg : (arg as { id?: string } | undefined)?.id).then(() => undefined),
    ),
    vscode.commands.registerCommand(CommandIds.switchAccount, run(() => account.switchAccount())),
    vscode.commands.registerCommand(CommandIds.refreshBalance, run(() => account.refreshBalance())),
    vscode.commands.registerCommand(CommandIds.sendSms, () => c.send.run()),
    vscode.commands.registerCommand(CommandIds.sendSelection, () => {
      const editor = vscode.window.activeTextEditor;
      const text = editor ? editor.selections.map((s) => editor.document.getText(s)).join('\n').trim() : '';
      if (!text) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select the text to send first.'));
        return undefined;
      }
      return c.send.run({ text });
    }),
    vscode.commands.registerCommand(CommandIds.openPanel, (key?: unknown) => c.panel.show(typeof key === 'string' ? key : undefined)),
    vscode.commands.registerCommand(CommandIds.showLog, () => c.log.show()),
    vscode.commands.registerCommand(CommandIds.whenHistoryLoaded, () => c.historyLoaded.then(() => undefined)),
  );
}
