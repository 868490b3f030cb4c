// "Send Bulk SMS from CSV" and "Resume Bulk Send": the VS Code side of src/bulk. Picks the file, the
// number column, the sender and the template; shows the rendered preview and the validation report;
// confirms with the total parts and the cost against the balance; runs the batch under a cancellable
// progress notification; tells the outcome. Every prompt is injectable so tests can script them.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describedInput } from './describedInput';
import { readBulkSettings, type BulkSettings, type Settings } from '../config';
import { NotSignedInError, type GatewaySession, type SessionProvider } from '../credentials/types';
import { formatNumber, pricePerPart } from '../gateway/countries';
import { DEFAULT_CLIENT_OPTIONS, type GatewayClient } from '../gateway/client';
import { analyzeText, MAX_MESSAGE_LENGTH } from '../gateway/smsText';
import { normalizeDestination, validateSender } from '../gateway/validation';
import type { HistoryReader } from '../history/types';
import {
  BatchStore,
  BulkError,
  countRows,
  decodeCsvBytes,
  MAX_CSV_BYTES,
  readCsvFile,
  type CsvFileRead,
  estimateCost,
  guessDestinationColumn,
  isBlocked,
  parseTemplate,
  planBatch,
  planTotals,
  prepareRows,
  readCsv,
  renderTemplate,
  runBatch,
  templateProblem,
  validationReport,
  type BatchHandle,
  type BatchListing,
  type BatchSummary,
  type BulkHistory,
  type PlannedRow,
  type BulkProgress,
  type CsvTable,
  type IssueKind,
  type PreparedRow,
  type RowStatus,
} from '../bulk';
import { BatchSettleWatch, tellSettled } from './bulkSummary';
import { describeError, localized, windowNotify, type Notify } from './errors';
import { textForCharset } from '../gateway/endpoints';
import { CommandIds } from './ids';
import { escapeMarkdownLine } from '../common/markdown';
import { writeFileDurable } from '../common/durable';
import { readStored, RECENT_SENDERS_KEPT, rememberFirst, StorageKeys, writeStored } from '../common/storageKeys';

/** Context key: a bulk report was shown in this window, so "Save Bulk Report As…" has something to save. */
const HAS_REPORT_CONTEXT = 'inviosmart.hasBulkReport';

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

export const BULK_REPORT_SCHEME = 'inviosmart-bulk';

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
  resumeAction(batch: BatchListing, pending: number): Promise<'send' | 'discard' | undefined>;
  /** Rows that ended unknown or failed: which to send again (none by default). */
  pickResend(rows: ResendChoice[]): Promise<number[] | undefined>;
}

export interface BulkDeps {
  sessions: SessionProvider;
  history: BulkHistory & Pick<HistoryReader, 'all' | 'onDidChange' | 'ready'>;
  batches: BatchStore;
  state: vscode.Memento;
  settings: () => Settings;
  bulkSettings?: () => BulkSettings;
  log: { info(m: string): void; warn(m: string): void; show(): void };
  /** Called after a batch ran, so the balance shown stays true. */
  afterSend?: () => void;
  openPanel?: (key?: string) => void;
  prompts?: BulkPrompts;
  notify?: Notify;
  /** False leaves commands and the report provider unregistered (a second instance in tests). */
  register?: boolean;
}

const PREVIEW_ROWS = 5;
const MAX_PRICE_LOOKUPS = 10;

function csvLike(doc: vscode.TextDocument): boolean {
  return ['csv', 'tsv', 'csv (semicolon)', 'csv (pipe)'].includes(doc.languageId.toLowerCase()) || /\.(csv|tsv)$/i.test(doc.fileName);
}

function formatDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return vscode.l10n.t('{0} s', s);
  const m = Math.floor(s / 60);
  if (m < 60) return vscode.l10n.t('{0} min {1} s', m, s % 60);
  return vscode.l10n.t('{0} h {1} min', Math.floor(m / 60), m % 60);
}

const mdEscape = (s: string): string => escapeMarkdownLine(s, ' ⏎ ');

function issueTitle(kind: IssueKind): string {
  switch (kind) {
    case 'blank-row': return vscode.l10n.t('Empty rows');
    case 'invalid-number': return vscode.l10n.t('Invalid numbers');
    case 'too-long': return vscode.l10n.t('Over {0} characters', MAX_MESSAGE_LENGTH);
    case 'empty-text': return vscode.l10n.t('Empty message');
    case 'invalid-text': return vscode.l10n.t('Broken characters');
    case 'unrepresentable': return vscode.l10n.t('Characters the ISO-8859-1 send endpoint cannot carry');
    case 'duplicate-number': return vscode.l10n.t('Duplicate numbers');
    case 'empty-placeholder': return vscode.l10n.t('Empty placeholders');
    case 'ragged': return vscode.l10n.t('Rows with more or fewer fields than the header');
  }
}

function defaultPrompts(): BulkPrompts {
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
          b.counts.pending > 0 ? vscode.l10n.t('{0} not sent', b.counts.pending) : '',
          b.counts.undecided > 0 ? vscode.l10n.t('{0} outcome unknown', b.counts.undecided) : '',
          b.busy ? vscode.l10n.t('running in a window') : '',
        ].filter(Boolean).join(' · '),
        detail: vscode.l10n.t('{0} sent of {1} · from {2} · "{3}"', b.counts.sent, b.counts.total, b.sender, b.text.slice(0, 60)),
        batch: b,
      }));
      return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Resume Bulk Send: unfinished batches'), ignoreFocusOut: true, matchOnDetail: true }))?.batch;
    },
    async resumeAction(batch, pending) {
      const send = { label: vscode.l10n.t('$(play) Send the {0} rows not sent yet', pending), value: 'send' as const };
      const decide = { label: vscode.l10n.t('$(question) Decide about the rows with an unknown outcome'), value: 'send' as const };
      const discard = { label: vscode.l10n.t('$(trash) Finish this batch without sending more'), value: 'discard' as const };
      const items = [pending > 0 ? send : decide, discard];
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

// One bulk run raises the shared client's cap above the bulk concurrency (status polls need room too);
// the last run to finish puts it back.
const raised = new WeakMap<GatewayClient, number>();

function raiseClientLimit(client: GatewayClient, concurrency: number): () => void {
  const n = (raised.get(client) ?? 0) + 1;
  raised.set(client, n);
  client.updateOptions({ maxConcurrency: Math.max(DEFAULT_CLIENT_OPTIONS.maxConcurrency, concurrency + 2) });
  return () => {
    const left = (raised.get(client) ?? 1) - 1;
    raised.set(client, left);
    if (left === 0) client.updateOptions({ maxConcurrency: undefined });
  };
}

interface Source {
  name: string;
  text: string;
}

export class BulkCommand implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly prompts: BulkPrompts;
  private readonly notify: Notify;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly reports = new Map<string, string>();
  private readonly registrations: vscode.Disposable[];
  private readonly running = new Set<AbortController>();
  /** One watch per batch sent from this window, until its messages settle. */
  private readonly settling = new Map<string, BatchSettleWatch>();
  private reportSeq = 0;
  private lastReport?: vscode.Uri;

  constructor(private readonly deps: BulkDeps) {
    this.prompts = deps.prompts ?? defaultPrompts();
    this.notify = deps.notify ?? windowNotify;
    this.registrations = deps.register === false ? [] : [
      vscode.workspace.registerTextDocumentContentProvider(BULK_REPORT_SCHEME, this),
      vscode.commands.registerCommand(CommandIds.sendBulk, (uri?: unknown) => this.run(uri instanceof vscode.Uri ? uri : undefined)),
      vscode.commands.registerCommand(CommandIds.resumeBulk, (batchId?: unknown) => this.resume(typeof batchId === 'string' ? batchId : undefined)),
      vscode.commands.registerCommand(CommandIds.saveBulkReport, () => this.saveReport()),
    ];
  }

  /** Where the batches are kept (tests build a store of the same class for their own directory). */
  get batches(): BatchStore {
    return this.deps.batches;
  }

  /** Stops every bulk send of this window from starting more requests; returns how many were running. */
  cancelRunning(): number {
    for (const a of this.running) a.abort();
    return this.running.size;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.path) ?? vscode.l10n.t('This report is no longer available. Run the command again.');
  }

  /** A read-only document with `content`, at a fresh address. */
  showReport(title: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: BULK_REPORT_SCHEME, path: `/${++this.reportSeq}/${title}.md` });
    this.reports.set(uri.path, content);
    this.lastReport = uri;
    this.changed.fire(uri);
    if (this.registrations.length > 0) void vscode.commands.executeCommand('setContext', HAS_REPORT_CONTEXT, true);
    return uri;
  }

  /**
   * "Save Bulk Report As…": the report (the last one shown, or `uri`) as a Markdown file where the user
   * chooses. Returns where it was saved, or undefined when cancelled or nothing to save.
   */
  async saveReport(uri: vscode.Uri | undefined = this.lastReport): Promise<vscode.Uri | undefined> {
    const content = uri && this.reports.get(uri.path);
    if (!uri || content === undefined) {
      void this.notify('info', vscode.l10n.t('No bulk report to save: send a bulk SMS first.'));
      return undefined;
    }
    const target = await this.prompts.saveTarget(path.posix.basename(uri.path));
    if (!target) return undefined;
    try {
      // A file on this machine goes through the one durable write (every byte, verified, fsynced, renamed into place).
      if (target.scheme === 'file') await writeFileDurable(target.fsPath, content, { what: 'the bulk report' });
      else await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
    } catch (e) {
      this.fail(vscode.l10n.t('The report was not saved.'), e);
      return undefined;
    }
    return target;
  }

  private get bulkSettings(): BulkSettings {
    return (this.deps.bulkSettings ?? readBulkSettings)();
  }

  private async session(accountId?: string): Promise<GatewaySession | undefined> {
    try {
      return accountId ? await this.deps.sessions.forAccount(accountId) : await this.deps.sessions.forActive();
    } catch (e) {
      if (!(e instanceof NotSignedInError)) throw e;
      const signIn = vscode.l10n.t('Sign In');
      const pick = await this.notify('warning', e.message, signIn);
      if (pick === signIn) await vscode.commands.executeCommand(CommandIds.signIn);
      return undefined;
    }
  }

  private async source(uri: vscode.Uri | undefined): Promise<Source | undefined> {
    if (!uri) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc && csvLike(doc)) {
        const choice = await this.prompts.source(path.basename(doc.fileName));
        if (choice === undefined) return undefined;
        if (choice === 'active') return { name: path.basename(doc.fileName), text: doc.getText() };
      }
      uri = await this.prompts.openFile();
      if (!uri) return undefined;
    }
    // An open editor may hold unsaved changes: they are what the user sees, so they are what is sent.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri?.toString());
    const name = path.posix.basename(uri.path);
    if (open) return { name, text: open.getText() };
    return { name, text: decodeCsvBytes(await readSourceBytes(uri, name)) };
  }

  /** The whole "Send Bulk SMS from CSV" flow. Returns the summary, or undefined when cancelled or refused. */
  async run(uri?: vscode.Uri): Promise<BatchSummary | undefined> {
    try {
      return await this.runSteps(uri);
    } catch (e) {
      this.fail(vscode.l10n.t('Bulk SMS: nothing was sent.'), e);
      return undefined;
    }
  }

  private async runSteps(uri: vscode.Uri | undefined): Promise<BatchSummary | undefined> {
    const session = await this.session();
    if (!session) return undefined;
    const settings = this.deps.settings();
    const source = await this.source(uri);
    if (!source) return undefined;
    const table = readCsv(source.text);

    const sample = table.rows.slice(0, 200);
    const choices: ColumnChoice[] = table.columns.map((name, index) => ({
      index,
      name,
      valid: validNumbers(table, index, settings.defaultCountry, sample.length),
      sample: sample.slice(0, 3).map((r) => (r.cells[index] ?? '').trim()).filter(Boolean).join(', '),
    }));
    const column = await this.prompts.column(choices, guessDestinationColumn(table, settings.defaultCountry));
    if (column === undefined) return undefined;

    const recent = readStored(this.deps.state, StorageKeys.recentSenders, []);
    const senderProblem = (v: string) => {
      const r = validateSender(v);
      return r.ok ? undefined : localized(r.message);
    };
    const sender = await this.prompts.sender(recent[0] ?? settings.defaultSender, senderProblem);
    if (sender === undefined) return undefined;
    if (senderProblem(sender)) throw new Error(senderProblem(sender));

    const first = table.rows[0];
    const describe = (v: string): { info: string; error?: string } => {
      const placeholders = table.columns.map((c) => `{{${c}}}`).join(' ');
      const problem = templateProblem(v, table.columns);
      if (problem) return { info: vscode.l10n.t('Columns: {0}', placeholders), error: problem };
      // Row 1 as it would reach the phone through the send endpoint's character set.
      const wire = textForCharset(renderTemplate(parseTemplate(v, table.columns), first.cells).text, session.client.sendCharset);
      const rendered = wire.text;
      const a = analyzeText(rendered);
      const info = vscode.l10n.t('Row 1: "{0}" · {1} · {2} SMS · columns: {3}', rendered.slice(0, 80), a.encoding, a.parts, placeholders);
      const missing = [...wire.replaced.map((r) => r.from), ...wire.left];
      return missing.length > 0 ? { info: `${info} · ${vscode.l10n.t('the ISO-8859-1 send endpoint cannot carry: {0}', missing.join(' '))}` } : { info };
    };
    const template = await this.prompts.template(readStored(this.deps.state, StorageKeys.lastTemplate, ''), describe);
    if (template === undefined) return undefined;

    const prepareOptions = { destinationColumn: column, template, defaultCountry: settings.defaultCountry, charset: session.client.sendCharset };
    let prepared = prepareRows(table, prepareOptions);
    // A Latin-1 endpoint: rows that only need stand-ins (€ → EUR) go out with them if the user agrees; else they are refused.
    const withStandIns = prepared.some((r) => r.issues.some((i) => i.kind === 'unrepresentable')) ? prepareRows(table, { ...prepareOptions, transliterate: true }) : undefined;
    const fixable = withStandIns ? prepared.filter((r, i) => isBlocked(r) && !isBlocked(withStandIns[i] as PreparedRow)).length : 0;
    if (withStandIns && fixable > 0) {
      const use = vscode.l10n.t('Use Replacements');
      const text = vscode.l10n.t('{0} rows have characters the ISO-8859-1 send endpoint cannot carry, with a plain stand-in (for example € → EUR). Send them with the stand-ins? Otherwise they are skipped.', fixable);
      if ((await this.notify('warning', text, use)) === use) prepared = withStandIns;
    }
    const report = validationReport(prepared);
    const reportUri = this.showReport(vscode.l10n.t('Bulk SMS report - {0}', source.name), this.reviewMarkdown(source.name, table, column, sender, template, prepared));
    const review = await this.prompts.review(reportUri, { duplicates: report.byKind['duplicate-number'].length, emptyPlaceholders: report.byKind['empty-placeholder'].length });
    if (!review) return undefined;

    const bulk = this.bulkSettings;
    const plan = planBatch(prepared, { ...review, maxPerRequest: bulk.maxPerRequest });
    if (plan.rows.length === 0) {
      void this.notify('error', vscode.l10n.t('Bulk SMS: no row of {0} can be sent. See the report for the reasons.', source.name));
      return undefined;
    }
    const cost = await this.costLine(session, plan.rows);
    const summary = vscode.l10n.t('Send {0} SMS ({1} parts) from {2}?', plan.totals.rows, plan.totals.parts, source.name);
    const detail = [
      vscode.l10n.t('From: {0}', sender),
      vscode.l10n.t('Account: {0}', session.account.sandbox ? vscode.l10n.t('Sandbox (no real SMS, no cost)') : session.account.label),
      vscode.l10n.t('{0} rows in the file: {1} to send, {2} skipped (see the report).', table.rows.length, plan.totals.rows, plan.skipped.length),
      vscode.l10n.t('{0} requests to the gateway, at most {1} at a time and {2} a second.', plan.totals.requests, bulk.concurrency, bulk.maxPerSecond),
      cost,
    ].join('\n');
    if (!(await this.prompts.confirm(summary, detail, vscode.l10n.t('Send {0} SMS', plan.totals.rows)))) return undefined;

    await rememberFirst(this.deps.state, StorageKeys.recentSenders, sender, RECENT_SENDERS_KEPT);
    await writeStored(this.deps.state, StorageKeys.lastTemplate, template);
    const handle = await this.deps.batches.create({
      account: session.account.id,
      sandbox: session.account.sandbox,
      sender,
      pricecat: settings.lowCostRoute ? 1 : undefined,
      source: source.name,
      template,
      destinationColumn: table.columns[column],
      maxPerRequest: bulk.maxPerRequest,
      rows: plan.rows,
      skipped: plan.skipped,
    });
    this.deps.log.info(`bulk: batch ${handle.batchId} from ${source.name}: ${plan.totals.rows} rows in ${plan.totals.requests} requests, ${plan.skipped.length} skipped`);
    return this.execute(handle, session, []);
  }

  /** "Resume Bulk Send": pick an unfinished batch, decide about unknown/failed rows, send the rest. */
  async resume(batchId?: string): Promise<BatchSummary | undefined> {
    let handle: BatchHandle | undefined;
    try {
      // Reconciling against a history still loading would take sent rows for interrupted ones.
      await this.deps.history.ready?.catch(() => undefined);
      const lookup = (key: string) => this.deps.history.get(key);
      const listed = await this.deps.batches.list(lookup);
      let batch = batchId ? listed.find((b) => b.batchId === batchId) : undefined;
      if (!batch) {
        if (listed.length === 0) {
          void this.notify('info', vscode.l10n.t('No unfinished bulk sends.'));
          return undefined;
        }
        batch = await this.prompts.pickBatch(listed);
        if (!batch) return undefined;
      }
      const session = await this.session(batch.account);
      if (!session) return undefined;
      handle = await this.deps.batches.open(batch.batchId);
      const fixed = await handle.reconcile(this.deps.history);
      if (fixed.interrupted > 0 || fixed.removed > 0) {
        this.deps.log.info(`bulk: batch ${handle.batchId}: ${fixed.interrupted} interrupted sends marked unknown, ${fixed.removed} never-sent entries removed`);
      }
      const statuses = handle.statuses(lookup);
      const counts = countRows(statuses);
      const action = await this.prompts.resumeAction(batch, counts.pending);
      if (!action) return undefined;
      const now = new Date().toISOString();
      const unknownRows = statuses.filter((s) => s.state === 'unknown' && !s.settled).map((s) => s.row);
      if (action === 'discard') {
        const pending = statuses.filter((s) => s.state === 'pending').map((s) => s.row);
        if (pending.length > 0) await handle.append({ t: 'settle', rows: pending, as: 'drop', at: now });
        if (unknownRows.length > 0) await handle.append({ t: 'settle', rows: unknownRows, as: 'keep-unknown', at: now });
        await handle.finishIfDone(lookup);
        void this.notify('info', vscode.l10n.t('Bulk send {0} finished: {1} rows were not sent.', batch.source, pending.length));
        return undefined;
      }
      const candidates = this.resendChoices(handle, statuses);
      let resend: number[] = [];
      if (candidates.length > 0) {
        const picked = await this.prompts.pickResend(candidates);
        if (!picked) return undefined;
        resend = picked.filter((r) => candidates.some((c) => c.row === r));
      }
      // Unknown rows left unticked were seen and left alone: that decision is recorded.
      const kept = unknownRows.filter((r) => !resend.includes(r));
      if (kept.length > 0) await handle.append({ t: 'settle', rows: kept, as: 'keep-unknown', at: now });
      const toSend = handle.plan.rows.filter((r) => resend.includes(r.row) || statuses.find((s) => s.row === r.row)?.state === 'pending');
      if (toSend.length === 0) {
        await handle.finishIfDone(lookup);
        void this.notify('info', vscode.l10n.t('Nothing more to send in {0}.', batch.source));
        return undefined;
      }
      const parts = toSend.reduce((n, r) => n + r.parts, 0);
      const risky = resend.filter((r) => unknownRows.includes(r)).length;
      const detail = [
        vscode.l10n.t('From: {0}', handle.plan.sender),
        vscode.l10n.t('Account: {0}', session.account.sandbox ? vscode.l10n.t('Sandbox (no real SMS, no cost)') : session.account.label),
        risky > 0 ? vscode.l10n.t('{0} of them had an unknown outcome and may receive the message twice.', risky) : '',
        await this.costLine(session, toSend),
      ].filter(Boolean).join('\n');
      const ok = await this.prompts.confirm(vscode.l10n.t('Send {0} SMS ({1} parts) from {2}?', toSend.length, parts, batch.source), detail, vscode.l10n.t('Send {0} SMS', toSend.length));
      if (!ok) return undefined;
      const summary = await this.execute(handle, session, resend);
      handle = undefined; // execute closed it
      return summary;
    } catch (e) {
      this.fail(vscode.l10n.t('Bulk SMS: could not resume.'), e);
      return undefined;
    } finally {
      await handle?.close();
    }
  }

  private resendChoices(handle: BatchHandle, statuses: readonly RowStatus[]): ResendChoice[] {
    const rows = new Map(handle.plan.rows.map((r) => [r.row, r]));
    return statuses
      .filter((s) => (s.state === 'unknown' && !s.settled) || s.state === 'failed')
      .map((s) => ({
        row: s.row,
        destination: rows.get(s.row)?.destination ?? '',
        state: s.state as 'unknown' | 'failed',
        reason: s.error ? `${s.error.gatewayText} — ${s.error.explanation}` : '',
      }));
  }

  /** Runs a batch under a cancellable progress notification, closes it, and tells the outcome. */
  private async execute(handle: BatchHandle, session: GatewaySession, resend: number[]): Promise<BatchSummary> {
    const bulk = this.bulkSettings;
    const abort = new AbortController();
    this.running.add(abort);
    const restore = raiseClientLimit(session.client, bulk.concurrency);
    let summary: BatchSummary;
    try {
      summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Bulk SMS {0}', handle.plan.source), cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          const onProgress = (p: BulkProgress) => {
            const pct = p.total > 0 ? (p.done / p.total) * 100 : 100;
            progress.report({ increment: pct - shown, message: this.progressText(p, abort.signal.aborted) });
            shown = pct;
          };
          return runBatch(
            handle,
            { history: this.deps.history, send: (request) => session.client.send(session.credentials, request) },
            { concurrency: bulk.concurrency, maxPerSecond: bulk.maxPerSecond, maxPerRequest: bulk.maxPerRequest, signal: abort.signal, resend, onProgress },
          );
        },
      );
    } finally {
      restore();
      this.running.delete(abort);
      await handle.close();
    }
    this.deps.afterSend?.();
    const r = summary.run;
    this.deps.log.info(`bulk: batch ${summary.batchId}: ${r.sent} sent, ${r.failed} failed, ${r.unknown} unknown, ${r.notSent} not sent in ${r.elapsedMs} ms${summary.stopped ? `; stopped: ${summary.stopped.gatewayText}` : ''}`);
    void this.tell(handle.plan.source, summary);
    this.watchSettling(handle.plan.source, summary.batchId);
    return summary;
  }

  /** The one summary of a batch, when its last message has settled (a resumed batch's earlier watch gives way). */
  private watchSettling(source: string, batchId: string): void {
    this.settling.get(batchId)?.dispose();
    const watch = new BatchSettleWatch(this.deps.history, batchId, source, (tally) => {
      if (this.settling.get(batchId) === watch) this.settling.delete(batchId);
      void tellSettled(this.notify, this.deps.settings().notifyOn, source, tally, (key) => this.deps.openPanel?.(key));
    });
    this.settling.set(batchId, watch);
    watch.start();
  }

  private progressText(p: BulkProgress, cancelling: boolean): string {
    const parts = [vscode.l10n.t('{0} of {1}', p.done, p.total), vscode.l10n.t('{0} sent', p.sent)];
    if (p.failed > 0) parts.push(vscode.l10n.t('{0} failed', p.failed));
    if (p.unknown > 0) parts.push(vscode.l10n.t('{0} unknown', p.unknown));
    if (cancelling) parts.push(vscode.l10n.t('stopping after the requests in flight…'));
    else if (p.etaMs !== undefined && p.done < p.total) parts.push(vscode.l10n.t('about {0} left', formatDuration(p.etaMs)));
    return parts.join(' · ');
  }

  /**
   * What needs a decision now (failures, unknown outcomes, rows not sent), with actions to open the report
   * or resume. A batch that went out whole says nothing yet: its summary comes when its messages settle.
   */
  private async tell(source: string, s: BatchSummary): Promise<void> {
    const r = s.run;
    if (r.failed === 0 && r.unknown === 0 && r.notSent === 0 && !s.stopped && !s.cancelled) return;
    const showReport = vscode.l10n.t('Show Report');
    const showPanel = vscode.l10n.t('Show in Panel');
    const resume = vscode.l10n.t('Resume');
    const unfinished = s.counts.pending > 0 || s.counts.undecided > 0;
    const parts = [vscode.l10n.t('{0} sent', r.sent)];
    if (r.failed > 0) parts.push(vscode.l10n.t('{0} failed', r.failed));
    if (r.unknown > 0) parts.push(vscode.l10n.t('{0} with unknown outcome (not resent)', r.unknown));
    if (r.notSent > 0) parts.push(vscode.l10n.t('{0} not sent yet', r.notSent));
    let text = vscode.l10n.t('Bulk SMS {0}: {1}.', source, parts.join(', '));
    if (s.cancelled) text += ' ' + vscode.l10n.t('Cancelled: requests already out were completed.');
    if (s.stopped) text += ' ' + vscode.l10n.t('Stopped: {0} ({1})', s.stopped.explanation, s.stopped.gatewayText);
    if (s.failureReasons.length > 0) text += ' ' + vscode.l10n.t('Failures: {0}', s.failureReasons.slice(0, 3).map((f) => `${f.reason} ×${f.count}`).join('; '));
    const clean = r.failed === 0 && r.unknown === 0 && r.notSent === 0;
    const actions = clean ? [showPanel] : unfinished ? [showReport, resume, showPanel] : [showReport, showPanel];
    const pick = await this.notify(clean ? 'info' : s.stopped || r.unknown > 0 ? 'warning' : r.failed > 0 ? 'warning' : 'info', text, ...actions);
    if (pick === showReport) {
      const uri = this.showReport(vscode.l10n.t('Bulk SMS summary - {0}', source), this.summaryMarkdown(source, s));
      await showRenderedReport(uri, false);
    } else if (pick === resume) {
      await vscode.commands.executeCommand(CommandIds.resumeBulk, s.batchId);
    } else if (pick === showPanel) {
      const first = this.deps.history.all().find((e) => e.batchId === s.batchId);
      this.deps.openPanel?.(first?.key);
    }
  }

  private async costLine(session: GatewaySession, rows: readonly PlannedRow[]): Promise<string> {
    const partsByPrefix = planTotals(rows, 0).partsByPrefix;
    const prefixes = Object.keys(partsByPrefix);
    const prices = new Map<string, number | undefined>();
    let balance: number | undefined;
    try {
      for (const prefix of prefixes.slice(0, MAX_PRICE_LOOKUPS)) {
        const b = await session.client.balance(session.credentials, prefix);
        balance = b.balance;
        prices.set(prefix, pricePerPart(b.balance, b.smsRemainCount));
      }
    } catch (e) {
      return vscode.l10n.t('Estimated cost: unknown ({0})', describeError(e).short);
    }
    const est = estimateCost(partsByPrefix, (p) => prices.get(p));
    const lines = [
      est.unknownPrefixes.length === 0
        ? vscode.l10n.t('Estimated cost: about €{0} of €{1} balance', est.total.toFixed(3), (balance ?? 0).toFixed(2))
        : vscode.l10n.t('Estimated cost: at least €{0} of €{1} balance (no price known for +{2})', est.total.toFixed(3), (balance ?? 0).toFixed(2), est.unknownPrefixes.join(', +')),
    ];
    if (session.account.sandbox) lines.push(vscode.l10n.t('Sandbox prices: nothing is charged for real.'));
    if (balance !== undefined && est.total > balance) {
      lines.push(vscode.l10n.t('The estimate is more than the balance: sending stops when the credit runs out, and the rest can be resumed after a top-up.'));
    }
    return lines.join('\n');
  }

  private reviewMarkdown(name: string, table: CsvTable, column: number, sender: string, template: string, rows: readonly PreparedRow[]): string {
    const report = validationReport(rows);
    const sep = table.delimiter === '\t' ? 'tab' : table.delimiter;
    const out: string[] = [
      `# ${vscode.l10n.t('Bulk SMS: {0}', mdEscape(name))}`,
      '',
      vscode.l10n.t('{0} rows · separator "{1}" · header: {2} · numbers from column "{3}" · sender {4}', table.rows.length, sep, table.hasHeader ? vscode.l10n.t('yes') : vscode.l10n.t('no'), mdEscape(table.columns[column]), mdEscape(sender)),
      '',
      `${vscode.l10n.t('Template')}: \`${template.replace(/`/g, "'")}\``,
      '',
      `## ${vscode.l10n.t('Preview (first {0} rows)', Math.min(PREVIEW_ROWS, rows.length))}`,
      '',
      `| ${vscode.l10n.t('Row')} | ${vscode.l10n.t('Number')} | ${vscode.l10n.t('Encoding')} | ${vscode.l10n.t('Characters')} | ${vscode.l10n.t('Parts')} | ${vscode.l10n.t('Text')} |`,
      '|---|---|---|---|---|---|',
      ...rows.slice(0, PREVIEW_ROWS).map((r) => `| ${r.index + 1} | ${mdEscape(r.destination !== undefined ? formatNumber(r.destination) : r.destinationInput)} | ${r.encoding} | ${r.characters} | ${r.parts} | ${mdEscape(r.text)} |`),
      '',
      `## ${vscode.l10n.t('Problems')}`,
      '',
    ];
    const kinds = Object.keys(report.byKind) as IssueKind[];
    const any = kinds.some((k) => report.byKind[k].length > 0);
    if (!any) out.push(vscode.l10n.t('None: every row can be sent.'));
    for (const kind of kinds) {
      const list = report.byKind[kind];
      if (list.length === 0) continue;
      const when = kind === 'duplicate-number' || kind === 'empty-placeholder'
        ? vscode.l10n.t('skipped unless you include them')
        : kind === 'ragged' ? vscode.l10n.t('a note: they are sent') : vscode.l10n.t('never sent');
      out.push(`### ${issueTitle(kind)} (${list.length}) — ${when}`, '');
      for (const i of list.slice(0, 200)) {
        const r = rows[i];
        const issue = r.issues.find((x) => x.kind === kind);
        out.push(`- ${vscode.l10n.t('Row {0} (line {1})', r.index + 1, r.line)}: ${mdEscape(r.destinationInput || '—')} — ${mdEscape(issue ? localized(issue.message) : '')}`);
      }
      if (list.length > 200) out.push(`- … ${vscode.l10n.t('and {0} more', list.length - 200)}`);
      out.push('');
    }
    const sendable = rows.filter((r) => !r.issues.some((i) => i.kind !== 'ragged'));
    const parts = sendable.reduce((n, r) => n + r.parts, 0);
    out.push(`## ${vscode.l10n.t('Totals')}`, '', vscode.l10n.t('{0} rows ready to send ({1} SMS parts) before your choices about duplicates and empty placeholders.', sendable.length, parts), '');
    return out.join('\n');
  }

  private summaryMarkdown(source: string, s: BatchSummary): string {
    const out = [
      `# ${vscode.l10n.t('Bulk SMS summary: {0}', mdEscape(source))}`,
      '',
      vscode.l10n.t('Batch {0}: {1} sent, {2} failed, {3} with unknown outcome, {4} not sent, of {5} rows.', s.batchId, s.counts.sent, s.counts.failed, s.counts.unknown, s.counts.pending + s.counts.dropped, s.counts.total),
      '',
    ];
    if (s.stopped) out.push(vscode.l10n.t('Stopped early: {0} ({1})', mdEscape(s.stopped.explanation), mdEscape(s.stopped.gatewayText)), '');
    if (s.failures.length > 0) {
      out.push(`## ${vscode.l10n.t('Failed')}`, '');
      for (const f of s.failures) out.push(`- ${vscode.l10n.t('Row {0} (line {1})', f.row + 1, f.line)}: ${mdEscape(formatNumber(f.destination))} — ${mdEscape(f.reason)}`);
      out.push('');
    }
    if (s.unknown.length > 0) {
      out.push(`## ${vscode.l10n.t('Outcome unknown (not resent: check before sending again)')}`, '');
      for (const u of s.unknown) out.push(`- ${vscode.l10n.t('Row {0} (line {1})', u.row + 1, u.line)}: ${mdEscape(formatNumber(u.destination))} — ${mdEscape(u.reason)}`);
      out.push('');
    }
    return out.join('\n');
  }

  private fail(prefix: string, e: unknown): void {
    const text = e instanceof BulkError
      ? e.line !== undefined ? vscode.l10n.t('{0} (line {1})', e.message, e.line) : e.message
      : describeError(e).full;
    this.deps.log.warn(`bulk: ${text}`);
    const showLog = vscode.l10n.t('Show Log');
    void this.notify('error', `${prefix} ${text}`, showLog).then((pick) => {
      if (pick === showLog) this.deps.log.show();
    });
  }

  dispose(): void {
    // Graceful: no new requests start; those in flight finish or are cut by the closing client.
    this.cancelRunning();
    for (const w of this.settling.values()) w.dispose();
    this.settling.clear();
    for (const d of this.registrations) d.dispose();
    this.changed.dispose();
  }
}

/**
 * The CSV file's bytes, checked before they are read: a folder, a pipe or a device is refused (reading one
 * could wait forever), and so is a file over the size limit, with what to do about it.
 */
async function readSourceBytes(uri: vscode.Uri, name: string): Promise<Uint8Array> {
  let read: CsvFileRead;
  if (uri.scheme === 'file') {
    read = await readCsvFile(uri.fsPath);
  } else {
    const st = await vscode.workspace.fs.stat(uri);
    read = st.type & vscode.FileType.Directory ? { ok: false, reason: 'folder' }
      : !(st.type & vscode.FileType.File) ? { ok: false, reason: 'not-a-file' }
      : st.size > MAX_CSV_BYTES ? { ok: false, reason: 'too-large', size: st.size, max: MAX_CSV_BYTES }
      : { ok: true, bytes: await vscode.workspace.fs.readFile(uri) };
  }
  if (read.ok) return read.bytes;
  switch (read.reason) {
    case 'folder':
      throw new BulkError('csv-invalid', vscode.l10n.t('"{0}" is a folder. Choose a CSV file.', name));
    case 'not-a-file':
      throw new BulkError('csv-invalid', vscode.l10n.t('"{0}" is not a regular file (it is a pipe, a socket or a device). Save the data to a CSV file and choose that.', name));
    case 'too-large': {
      const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
      throw new BulkError('csv-too-large', vscode.l10n.t('"{0}" is {1} MB; a bulk send reads at most {2} MB. Split it into smaller files.', name, mb(read.size), mb(read.max)));
    }
  }
}

/** How many of the first `n` rows have a usable number in `column`. */
function validNumbers(table: CsvTable, column: number, defaultCountry: string, n: number): number {
  let valid = 0;
  for (const r of table.rows.slice(0, n)) if (normalizeDestination(r.cells[column] ?? '', defaultCountry).ok) valid++;
  return valid;
}
