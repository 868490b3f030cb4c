// Composition root: builds each service once and registers the UI. Minimal for now: the API help command.
import * as vscode from 'vscode';
import { CommandIds } from './commands/ids';
import { readSettings } from './config';
import { GatewayClient } from './gateway/client';
import { GatewayError } from './gateway/errors';

export const HELP_SCHEME = 'inviosmart-help';
const HELP_URI = vscode.Uri.from({ scheme: HELP_SCHEME, path: '/Inviosmart API Help.txt' });

/** Serves the last help text fetched; a virtual document, so the editor is read-only. */
class HelpDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private text = '';

  constructor(private readonly fetchHelp: () => Promise<string>) {}

  set(text: string): void {
    this.text = text;
    this.changed.fire(HELP_URI);
  }

  async provideTextDocumentContent(): Promise<string> {
    // An editor restored after a reload asks before any command ran.
    if (this.text === '') this.text = await this.fetchHelp();
    return this.text;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

async function fetchHelp(): Promise<string> {
  const client = new GatewayClient({ baseUrl: readSettings().baseUrl });
  try {
    return await client.help();
  } finally {
    await client.close();
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const helpDocs = new HelpDocuments(fetchHelp);
  context.subscriptions.push(
    helpDocs,
    vscode.workspace.registerTextDocumentContentProvider(HELP_SCHEME, helpDocs),
    vscode.commands.registerCommand(CommandIds.showHelp, async () => {
      try {
        helpDocs.set(await fetchHelp());
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(HELP_URI), { preview: true });
      } catch (e) {
        const why = e instanceof GatewayError ? `${e.explanation} (${e.gatewayText})` : e instanceof Error ? e.message : String(e);
        void vscode.window.showErrorMessage(`Inviosmart: could not get the API help. ${why}`);
      }
    }),
  );
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
