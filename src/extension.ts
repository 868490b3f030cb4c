// The extension's entry points. `activate` builds the services once (src/container.ts, the
// composition root) and registers the commands; `deactivate` stops them.
import * as vscode from 'vscode';
import { CommandIds } from './common/commandIds';
import { Container } from './container';
import { registerSmsTasks } from './tasks/provider';
import { testApi, type InviosmartApi } from './testApi';

export type { InviosmartApi } from './testApi';

/** What `deactivate` has to stop. */
let running: Container | undefined;

/**
 * Exports nothing to other extensions: any installed extension can call `getExtension(ours).activate()`.
 * Under test (ExtensionMode.Test) it returns the narrow test API of src/testApi.ts, which reads no secret.
 */
export async function activate(context: vscode.ExtensionContext): Promise<InviosmartApi | undefined> {
  const container = Container.create(context);
  context.subscriptions.push(container);
  registerCommands(container, context.subscriptions);
  running = container;
  return context.extensionMode === vscode.ExtensionMode.Test ? testApi(container) : undefined;
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
    registerSmsTasks(c.taskSms),
  );
}

export async function deactivate(): Promise<void> {
  // Never deletes data or credentials: this runs on every window reload.
  await running?.shutdown();
  running = undefined;
}
