// What "Send Bulk SMS from CSV" and "Resume Bulk Send" ask the user: the prompts' shapes (tests
// replace them with scripted answers) and the VS Code quick picks, input boxes and dialogs behind them.
import * as vscode from 'vscode';
import { describedInput } from './describedInput';
import type { BatchListing } from '../bulk';
import { formatNumber } from '../gateway/countries';

/**
 * Opens a report rendered, as a document and not as Markdown source: the built-in Markdown preview, beside
 * the editor or in it. Only when that preview is missing (the Markdown extension disabled) is the source shown.
 */
export async function showRenderedReport(uri: vscode.Uri, beside: boolean): Promise<void> {
  try {
    await vscode.commands.executeCommand(beside ? 'markdown.showPreviewToSide' : 'markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: beside ? vscode.ViewColumn.Beside : undefined, preview: true, preserveFocus: beside });
  }
}

export interface ColumnChoice {
  index: number;
  name: string;
  /** Valid numbers among the first rows. */
  valid: number;
  sample: string;
}

export interface ReviewOptions {
  duplicates: number;
  emptyPlaceholders: number;
}

export interface ReviewChoice {
  includeDuplicates: boolean;
  includeEmptyPlaceholders: boolean;
}

export interface ResendChoice {
  row: number;
  destination: string;
  state: 'unknown' | 'failed';
  reason: string;
}

/** What the user is asked; tests replace it with scripted answers. `undefined` always means cancel. */
export interface BulkPrompts {
  /** The active editor holds a CSV: use it, or pick a file? */
  source(openName: string): Promise<'active' | 'pick' | undefined>;
  openFile(): Promise<vscode.Uri | undefined>;
  column(choices: ColumnChoice[], suggested: number | undefined): Promise<number | undefined>;
  sender(initial: string, validate: (v: string) => string | undefined): Promise<string | undefined>;
  template(initial: string, describe: (v: string) => { info: string; error?: string }): Promise<string | undefined>;
  /** Shows the report document and asks which optional problems to include. */
  review(report: vscode.Uri, options: ReviewOptions): Promise<ReviewChoice | undefined>;
  /** Where to save a report (a Markdown file); undefined cancels. */
  saveTarget(defaultName: string): Promise<vscode.Uri | undefined>;
  confirm(summary: string, detail: string, action: string): Promise<boolean>;
  pickBatch(batches: BatchListing[]): Promise<BatchListing | undefined>;
  resumeAction(batch: BatchListing, unsent: number): Promise<'send' | 'discard' | undefined>;
  /** Rows that ended unknown or failed: which to send again (none by default). */
  pickResend(rows: ResendChoice[]): Promise<number[] | undefined>;
}

export function defaultPrompts(): BulkPrompts {
  return {
    async source(openName) {
      const active = { label: `$(file) ${openName}`, description: vscode.l10n.t('the open editor'), value: 'active' as const };
      const pick = { label: `$(folder-opened) ${vscode.l10n.t('Choose a CSV file…')}`, value: 'pick' as const };
      const choice = await vscode.window.showQuickPick([active, pick], { title: vscode.l10n.t('Send Bulk SMS: which file?'), ignoreFocusOut: true });
      return choice?.value;
    },
    async openFile() {
      const picked = await vscode.window.showOpenDialog({
        title: vscode.l10n.t('Send Bulk SMS: choose the CSV file'),
        canSelectMany: false,
        filters: { [vscode.l10n.t('CSV files')]: ['csv', 'tsv', 'txt'], [vscode.l10n.t('All files')]: ['*'] },
      });
      return picked?.[0];
    },
    async column(choices, suggested) {
      const items = choices.map((c) => ({
        label: c.name,
        description: c.sample,
        detail: vscode.l10n.t('{0} valid numbers in the first rows', c.valid),
        index: c.index,
      }));
      const qp = vscode.window.createQuickPick<(typeof items)[number]>();
      qp.title = vscode.l10n.t('Send Bulk SMS (1/3): the column with the phone numbers');
      qp.ignoreFocusOut = true;
      qp.items = items;
      const best = items.find((i) => i.index === suggested);
      if (best) qp.activeItems = [best];
      return new Promise((resolve) => {
        let done = false;
        qp.onDidAccept(() => {
          done = true;
          resolve(qp.selectedItems[0]?.index);
          qp.hide();
        });
        qp.onDidHide(() => {
          if (!done) resolve(undefined);
          qp.dispose();
        });
        qp.show();
      });
    },
    sender: (initial, validate) =>
      Promise.resolve(
        vscode.window.showInputBox({
          title: vscode.l10n.t('Send Bulk SMS (2/3): sender'),
          prompt: vscode.l10n.t('Sender name shown on the phone: up to 11 characters, letters required'),
          value: initial,
          ignoreFocusOut: true,
          validateInput: validate,
        }),
      ),
    template: (initial, describe) =>
      describedInput(vscode.l10n.t('Send Bulk SMS (3/3): message, with {{column}} placeholders'), initial, describe),
    async saveTarget(defaultName) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      return vscode.window.showSaveDialog({
        title: vscode.l10n.t('Save Bulk Report As'),
        defaultUri: folder ? vscode.Uri.joinPath(folder, defaultName) : undefined,
        filters: { [vscode.l10n.t('Markdown files')]: ['md'] },
      });
    },
    async review(report, options) {
      await showRenderedReport(report, true);
      const items: Array<vscode.QuickPickItem & { key: keyof ReviewChoice }> = [];
      if (options.duplicates > 0) items.push({ label: vscode.l10n.t('Also send the {0} rows whose number repeats an earlier row', options.duplicates), key: 'includeDuplicates' });
      if (options.emptyPlaceholders > 0) items.push({ label: vscode.l10n.t('Also send the {0} rows with an empty placeholder', options.emptyPlaceholders), key: 'includeEmptyPlaceholders' });
      if (items.length === 0) return { includeDuplicates: false, includeEmptyPlaceholders: false };
      const picked = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Review the report: these rows are skipped unless you tick them'),
        canPickMany: true,
        ignoreFocusOut: true,
      });
      if (!picked) return undefined;
      return { includeDuplicates: picked.some((p) => p.key === 'includeDuplicates'), includeEmptyPlaceholders: picked.some((p) => p.key === 'includeEmptyPlaceholders') };
    },
    async confirm(summary, detail, action) {
      return (await vscode.window.showInformationMessage(summary, { modal: true, detail }, action)) === action;
    },
    async pickBatch(batches) {
      const items = batches.map((b) => ({
        label: `${b.source} — ${new Date(b.createdAt).toLocaleString(vscode.env.language)}`,
        description: [
          b.counts.unsent > 0 ? vscode.l10n.t('{0} not sent', b.counts.unsent) : '',
          b.counts.undecided > 0 ? vscode.l10n.t('{0} outcome unknown', b.counts.undecided) : '',
          b.busy ? vscode.l10n.t('running in a window') : '',
        ].filter(Boolean).join(' · '),
        detail: vscode.l10n.t('{0} sent of {1} · from {2} · "{3}"', b.counts.sent, b.counts.total, b.sender, b.text.slice(0, 60)),
        batch: b,
      }));
      return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Resume Bulk Send: unfinished batches'), ignoreFocusOut: true, matchOnDetail: true }))?.batch;
    },
    async resumeAction(batch, unsent) {
      const send = { label: vscode.l10n.t('$(play) Send the {0} rows not sent yet', unsent), value: 'send' as const };
      const decide = { label: vscode.l10n.t('$(question) Decide about the rows with an unknown outcome'), value: 'send' as const };
      const discard = { label: vscode.l10n.t('$(trash) Finish this batch without sending more'), value: 'discard' as const };
      const items = [unsent > 0 ? send : decide, discard];
      return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Resume {0}', batch.source), ignoreFocusOut: true }))?.value;
    },
    async pickResend(rows) {
      const items = rows.map((r) => ({
        label: formatNumber(r.destination),
        description: r.state === 'unknown' ? vscode.l10n.t('row {0} · outcome unknown: it may have been sent', r.row + 1) : vscode.l10n.t('row {0} · failed', r.row + 1),
        detail: r.reason,
        row: r.row,
      }));
      const picked = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Send any of these again? None is sent unless you tick it'),
        placeHolder: vscode.l10n.t('A row with an unknown outcome may already have arrived: check before sending it again'),
        canPickMany: true,
        ignoreFocusOut: true,
      });
      return picked?.map((p) => p.row);
    },
  };
}
