// "Send Bulk SMS from CSV" and "Resume Bulk Send": the VS Code side of src/bulk. Picks the file, the
// number column, the sender and the template; shows the rendered preview and the validation report;
// confirms with the total parts and the cost against the balance; runs the batch under a cancellable
// progress notification; tells the outcome. Every prompt is injectable so tests can script them. The prompts
// are src/commands/bulkPrompts.ts, the texts (plain, testable) bulkReport.ts, the CSV source bulkSource.ts.
import { batchEntries, firstOf } from '../history/rows';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readBulkSettings, type BulkSettings, type Settings } from '../config';
import { NotSignedInError, type GatewaySession, type SessionProvider } from '../credentials/types';
import { pricePerPart } from '../gateway/countries';
import { DEFAULT_CLIENT_OPTIONS, type GatewayClient } from '../gateway/client';
import { validateSender } from '../gateway/validation';
import type { HistoryReader } from '../history/types';
import {
  BatchStore,
  BulkError,
  countRows,
  estimateCost,
  guessDestinationColumn,
  isBlocked,
  planBatch,
  planTotals,
  prepareRows,
  readCsv,
  runBatch,
  validationReport,
  type BatchHandle,
  type BatchSummary,
  type BulkHistory,
  type PlannedRow,
  type BulkProgress,
  type PreparedRow,
  type RowStatus,
} from '../bulk';
import { BatchSettleWatch, tellSettled } from './bulkSummary';
import { defaultPrompts, showRenderedReport, type BulkPrompts, type ResendChoice } from './bulkPrompts';
import { columnChoices, describeTemplate, outcomeText, progressText, reviewMarkdown, summaryMarkdown } from './bulkReport';
import { pickSource } from './bulkSource';
import { bulkErrorText, describeError, explain, localized, userL10n, windowNotify, type Notify } from './errors';
import { formatEuro } from '../common/money';
import { CommandIds } from '../common/commandIds';
import { DisposableBase } from '../common/lifecycle';
import { writeFileDurable } from '../common/durable';
import { readStored, RECENT_SENDERS_KEPT, rememberFirst, StorageKeys, writeStored } from '../common/storageKeys';

export { showRenderedReport, type BulkPrompts, type ColumnChoice, type ResendChoice, type ReviewChoice, type ReviewOptions } from './bulkPrompts';

/** Context key: a bulk report was shown in this window, so "Save Bulk Report As…" has something to save. */
const HAS_REPORT_CONTEXT = 'inviosmart.hasBulkReport';

export const BULK_REPORT_SCHEME = 'inviosmart-bulk';

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

const MAX_PRICE_LOOKUPS = 10;

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

export class BulkCommand extends DisposableBase implements vscode.TextDocumentContentProvider {
  private readonly prompts: BulkPrompts;
  private readonly notify: Notify;
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly reports = new Map<string, string>();
  /** The commands and the report provider are registered (not in a second, test-only instance). */
  private readonly registered: boolean;
  private readonly running = new Set<AbortController>();
  /** One watch per batch sent from this window, until its messages settle. */
  private readonly settling = new Map<string, BatchSettleWatch>();
  private reportSeq = 0;
  private lastReport?: vscode.Uri;

  constructor(private readonly deps: BulkDeps) {
    super();
    this.prompts = deps.prompts ?? defaultPrompts();
    this.notify = deps.notify ?? windowNotify;
    this.registered = deps.register !== false;
    if (this.registered) {
      this._register(vscode.workspace.registerTextDocumentContentProvider(BULK_REPORT_SCHEME, this));
      this._register(vscode.commands.registerCommand(CommandIds.sendBulk, (uri?: unknown) => this.run(uri instanceof vscode.Uri ? uri : undefined)));
      this._register(vscode.commands.registerCommand(CommandIds.resumeBulk, (batchId?: unknown) => this.resume(typeof batchId === 'string' ? batchId : undefined)));
      this._register(vscode.commands.registerCommand(CommandIds.saveBulkReport, () => this.saveReport()));
    }
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
    if (this.registered) void vscode.commands.executeCommand('setContext', HAS_REPORT_CONTEXT, true);
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
    const source = await pickSource(this.prompts, uri);
    if (!source) return undefined;
    const table = readCsv(source.text);

    const column = await this.prompts.column(columnChoices(table, settings.defaultCountry), guessDestinationColumn(table, settings.defaultCountry));
    if (column === undefined) return undefined;

    const recent = readStored(this.deps.state, StorageKeys.recentSenders, []);
    const senderProblem = (v: string) => {
      const r = validateSender(v);
      return r.ok ? undefined : localized(r.message);
    };
    const sender = await this.prompts.sender(recent[0] ?? settings.defaultSender, senderProblem);
    if (sender === undefined) return undefined;
    if (senderProblem(sender)) throw new Error(senderProblem(sender));

    const describe = (v: string) => describeTemplate(userL10n(), v, table, session.client.sendCharset);
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
    const reportUri = this.showReport(vscode.l10n.t('Bulk SMS report - {0}', source.name), reviewMarkdown(userL10n(), { name: source.name, table, column, sender, template, rows: prepared }));
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
      const action = await this.prompts.resumeAction(batch, counts.unsent);
      if (!action) return undefined;
      const now = new Date().toISOString();
      const unknownRows = statuses.filter((s) => s.state === 'unknown' && !s.settled).map((s) => s.row);
      if (action === 'discard') {
        const unsent = statuses.filter((s) => s.state === 'unsent').map((s) => s.row);
        if (unsent.length > 0) await handle.append({ t: 'settle', rows: unsent, as: 'drop', at: now });
        if (unknownRows.length > 0) await handle.append({ t: 'settle', rows: unknownRows, as: 'keep-unknown', at: now });
        await handle.finishIfDone(lookup);
        void this.notify('info', vscode.l10n.t('Bulk send {0} finished: {1} rows were not sent.', batch.source, unsent.length));
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
      const toSend = handle.plan.rows.filter((r) => resend.includes(r.row) || statuses.find((s) => s.row === r.row)?.state === 'unsent');
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
        reason: s.error ? `${s.error.gatewayText} — ${explain(s.error)}` : '',
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
            progress.report({ increment: pct - shown, message: progressText(userL10n(), p, abort.signal.aborted) });
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
    const unfinished = s.counts.unsent > 0 || s.counts.undecided > 0;
    const text = outcomeText(userL10n(), source, s);
    const clean = r.failed === 0 && r.unknown === 0 && r.notSent === 0;
    const actions = clean ? [showPanel] : unfinished ? [showReport, resume, showPanel] : [showReport, showPanel];
    const pick = await this.notify(clean ? 'info' : s.stopped || r.unknown > 0 ? 'warning' : r.failed > 0 ? 'warning' : 'info', text, ...actions);
    if (pick === showReport) {
      const uri = this.showReport(vscode.l10n.t('Bulk SMS summary - {0}', source), summaryMarkdown(userL10n(), source, s));
      await showRenderedReport(uri, false);
    } else if (pick === resume) {
      await vscode.commands.executeCommand(CommandIds.resumeBulk, s.batchId);
    } else if (pick === showPanel) {
      const first = firstOf(batchEntries(this.deps.history, s.batchId));
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
    const total = formatEuro(est.total, vscode.env.language);
    const left = formatEuro(balance ?? 0, vscode.env.language, { precision: 'cents' });
    const lines = [
      est.unknownPrefixes.length === 0
        ? vscode.l10n.t('Estimated cost: about {0} of {1} balance', total, left)
        : vscode.l10n.t('Estimated cost: at least {0} of {1} balance (no price known for +{2})', total, left, est.unknownPrefixes.join(', +')),
    ];
    if (session.account.sandbox) lines.push(vscode.l10n.t('Sandbox prices: nothing is charged for real.'));
    if (balance !== undefined && est.total > balance) {
      lines.push(vscode.l10n.t('The estimate is more than the balance: sending stops when the credit runs out, and the rest can be resumed after a top-up.'));
    }
    return lines.join('\n');
  }

  private fail(prefix: string, e: unknown): void {
    const line = e instanceof BulkError ? e.line : undefined;
    const said = e instanceof BulkError ? bulkErrorText(e) : describeError(e).full;
    const text = line !== undefined ? vscode.l10n.t('{0} (line {1})', said, line) : said;
    // The log keeps the core's English; the notification speaks the user's language.
    this.deps.log.warn(`bulk: ${e instanceof BulkError ? e.message : said}${line !== undefined ? ` (line ${line})` : ''}`);
    const showLog = vscode.l10n.t('Show Log');
    void this.notify('error', `${prefix} ${text}`, showLog).then((pick) => {
      if (pick === showLog) this.deps.log.show();
    });
  }

  override dispose(): void {
    // Graceful: no new requests start; those in flight finish or are cut by the closing client.
    this.cancelRunning();
    for (const w of this.settling.values()) w.dispose();
    this.settling.clear();
    super.dispose();
  }
}
