import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import type { Log } from '../common/log';
import type { GatewaySessions } from '../credentials/sessions';
import { showError, windowNotify, type Notify } from './errors';
import { CommandIds } from '../common/commandIds';

export const HELP_SCHEME = 'inviosmart-help';
const HELP_URI = vscode.Uri.from({ scheme: HELP_SCHEME, path: '/Inviosmart API Help.txt' });

export interface HelpCommandOptions {
  /** How a failure is told; defaults to VS Code notifications. */
  notify?: Notify;
  /** False leaves the command and the document provider unregistered (a second instance in tests). */
  register?: boolean;
}

/**
 * "Show API Help": the gateway's own usage text in a read-only editor (a virtual document).
 * Asks the active account's gateway (the sandbox when it is active); signed out, the configured one.
 */
export class HelpCommand extends DisposableBase implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private text = '';
  private readonly notify: Notify;

  constructor(
    private readonly sessions: Pick<GatewaySessions, 'forActive' | 'gatewayClient'>,
    private readonly log: Log,
    options: HelpCommandOptions = {},
  ) {
    super();
    this.notify = options.notify ?? windowNotify;
    if (options.register !== false) {
      this._register(vscode.workspace.registerTextDocumentContentProvider(HELP_SCHEME, this));
      this._register(vscode.commands.registerCommand(CommandIds.showHelp, () => this.run()));
    }
  }

  private async fetch(): Promise<string> {
    const client = await this.sessions.forActive().then(
      (s) => s.client,
      () => this.sessions.gatewayClient(),
    );
    return client.help();
  }

  async provideTextDocumentContent(): Promise<string> {
    // An editor restored after a reload asks before any command ran.
    if (this.text === '') {
      try {
        this.text = await this.fetch();
      } catch {
        return vscode.l10n.t('The gateway help could not be loaded. Run "Inviosmart: Show API Help" again.');
      }
    }
    return this.text;
  }

  /** Fetches the help and shows it; returns the editor, or undefined when it failed (the error is shown). */
  async run(): Promise<vscode.TextEditor | undefined> {
    try {
      this.text = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Inviosmart: loading API help…') },
        () => this.fetch(),
      );
      this.changed.fire(HELP_URI);
      const doc = await vscode.workspace.openTextDocument(HELP_URI);
      return await vscode.window.showTextDocument(doc, { preview: true });
    } catch (e) {
      this.log.warn(`help: ${e instanceof Error ? e.message : String(e)}`);
      void showError(vscode.l10n.t('Could not get the API help:'), e, () => this.log.show(), this.notify);
      return undefined;
    }
  }
}
