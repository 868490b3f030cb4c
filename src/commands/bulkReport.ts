// The texts of a bulk send, built from plain data: the review report, the batch summary, the progress
// line and the outcome notification. Plain TypeScript (no 'vscode'): the command passes vscode.l10n,
// tests pass englishL10n, and test/unit/bulkReport.test.ts checks them without a window.
import { escapeMarkdownLine } from '../common/markdown';
import type { L10n } from '../gateway/l10n';
import { formatNumber } from '../gateway/countries';
import { wordExplanation, wordMessage } from '../gateway/messages';
import { analyzeText, MAX_MESSAGE_LENGTH } from '../gateway/smsText';
import { textForCharset, type SendCharset } from '../gateway/endpoints';
import { normalizeDestination } from '../gateway/validation';
import { parseTemplate, renderTemplate, templateProblem, validationReport } from '../bulk';
import type { ColumnChoice } from './bulkPrompts';
import type { BatchSummary, BulkProgress, CsvTable, IssueKind, PreparedRow } from '../bulk';

/** Rows shown in the review's preview table. */
export const PREVIEW_ROWS = 5;

/** What the review report describes. */
export interface ReviewInput {
  /** The CSV file's name. */
  name: string;
  table: CsvTable;
  /** Index of the column the numbers come from. */
  column: number;
  sender: string;
  template: string;
  rows: readonly PreparedRow[];
}

const mdEscape = (s: string): string => escapeMarkdownLine(s, ' ⏎ ');

export function formatDuration(l10n: L10n, ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return l10n.t('{0} s', s);
  const m = Math.floor(s / 60);
  if (m < 60) return l10n.t('{0} min {1} s', m, s % 60);
  return l10n.t('{0} h {1} min', Math.floor(m / 60), m % 60);
}

export function issueTitle(l10n: L10n, kind: IssueKind): string {
  switch (kind) {
    case 'blank-row': return l10n.t('Empty rows');
    case 'invalid-number': return l10n.t('Invalid numbers');
    case 'too-long': return l10n.t('Over {0} characters', MAX_MESSAGE_LENGTH);
    case 'empty-text': return l10n.t('Empty message');
    case 'invalid-text': return l10n.t('Broken characters');
    case 'unrepresentable': return l10n.t('Characters the ISO-8859-1 send endpoint cannot carry');
    case 'duplicate-number': return l10n.t('Duplicate numbers');
    case 'empty-placeholder': return l10n.t('Empty placeholders');
    case 'ragged': return l10n.t('Rows with more or fewer fields than the header');
  }
}

/** The progress notification's line while a batch runs. */
export function progressText(l10n: L10n, p: BulkProgress, cancelling: boolean): string {
  const parts = [l10n.t('{0} of {1}', p.done, p.total), l10n.t('{0} sent', p.sent)];
  if (p.failed > 0) parts.push(l10n.t('{0} failed', p.failed));
  if (p.unknown > 0) parts.push(l10n.t('{0} unknown', p.unknown));
  if (cancelling) parts.push(l10n.t('stopping after the requests in flight…'));
  else if (p.etaMs !== undefined && p.done < p.total) parts.push(l10n.t('about {0} left', formatDuration(l10n, p.etaMs)));
  return parts.join(' · ');
}

/** What to review before a bulk send: the file's shape, a preview of the first rows, every problem by kind, the totals. */
export function reviewMarkdown(l10n: L10n, input: ReviewInput): string {
  const { name, table, column, sender, template, rows } = input;
  const report = validationReport(rows);
  const sep = table.delimiter === '\t' ? 'tab' : table.delimiter;
  const out: string[] = [
    `# ${l10n.t('Bulk SMS: {0}', mdEscape(name))}`,
    '',
    l10n.t('{0} rows · separator "{1}" · header: {2} · numbers from column "{3}" · sender {4}', table.rows.length, sep, table.hasHeader ? l10n.t('yes') : l10n.t('no'), mdEscape(table.columns[column]), mdEscape(sender)),
    '',
    `${l10n.t('Template')}: \`${template.replace(/`/g, "'")}\``,
    '',
    `## ${l10n.t('Preview (first {0} rows)', Math.min(PREVIEW_ROWS, rows.length))}`,
    '',
    `| ${l10n.t('Row')} | ${l10n.t('Number')} | ${l10n.t('Encoding')} | ${l10n.t('Characters')} | ${l10n.t('Parts')} | ${l10n.t('Text')} |`,
    '|---|---|---|---|---|---|',
    ...rows.slice(0, PREVIEW_ROWS).map((r) => `| ${r.index + 1} | ${mdEscape(r.destination !== undefined ? formatNumber(r.destination) : r.destinationInput)} | ${r.encoding} | ${r.characters} | ${r.parts} | ${mdEscape(r.text)} |`),
    '',
    `## ${l10n.t('Problems')}`,
    '',
  ];
  const kinds = Object.keys(report.byKind) as IssueKind[];
  const any = kinds.some((k) => report.byKind[k].length > 0);
  if (!any) out.push(l10n.t('None: every row can be sent.'));
  for (const kind of kinds) {
    const list = report.byKind[kind];
    if (list.length === 0) continue;
    const when = kind === 'duplicate-number' || kind === 'empty-placeholder'
      ? l10n.t('skipped unless you include them')
      : kind === 'ragged' ? l10n.t('a note: they are sent') : l10n.t('never sent');
    out.push(`### ${issueTitle(l10n, kind)} (${list.length}) — ${when}`, '');
    for (const i of list.slice(0, 200)) {
      const r = rows[i];
      const issue = r.issues.find((x) => x.kind === kind);
      out.push(`- ${l10n.t('Row {0} (line {1})', r.index + 1, r.line)}: ${mdEscape(r.destinationInput || '—')} — ${mdEscape(issue ? wordMessage(issue.message, l10n) : '')}`);
    }
    if (list.length > 200) out.push(`- … ${l10n.t('and {0} more', list.length - 200)}`);
    out.push('');
  }
  const sendable = rows.filter((r) => !r.issues.some((i) => i.kind !== 'ragged'));
  const parts = sendable.reduce((n, r) => n + r.parts, 0);
  out.push(`## ${l10n.t('Totals')}`, '', l10n.t('{0} rows ready to send ({1} SMS parts) before your choices about duplicates and empty placeholders.', sendable.length, parts), '');
  return out.join('\n');
}

/** A batch's outcome: counts, the failed rows and the rows whose outcome is unknown. */
export function summaryMarkdown(l10n: L10n, source: string, s: BatchSummary): string {
  const out = [
    `# ${l10n.t('Bulk SMS summary: {0}', mdEscape(source))}`,
    '',
    l10n.t('Batch {0}: {1} sent, {2} failed, {3} with unknown outcome, {4} not sent, of {5} rows.', s.batchId, s.counts.sent, s.counts.failed, s.counts.unknown, s.counts.unsent + s.counts.dropped, s.counts.total),
    '',
  ];
  if (s.stopped) out.push(l10n.t('Stopped early: {0} ({1})', mdEscape(wordExplanation(s.stopped, l10n)), mdEscape(s.stopped.gatewayText)), '');
  if (s.failures.length > 0) {
    out.push(`## ${l10n.t('Failed')}`, '');
    for (const f of s.failures) out.push(`- ${l10n.t('Row {0} (line {1})', f.row + 1, f.line)}: ${mdEscape(formatNumber(f.destination))} — ${mdEscape(f.reason)}`);
    out.push('');
  }
  if (s.unknown.length > 0) {
    out.push(`## ${l10n.t('Outcome unknown (not resent: check before sending again)')}`, '');
    for (const u of s.unknown) out.push(`- ${l10n.t('Row {0} (line {1})', u.row + 1, u.line)}: ${mdEscape(formatNumber(u.destination))} — ${mdEscape(u.reason)}`);
    out.push('');
  }
  return out.join('\n');
}

/** The notification after a batch that needs a decision: what went out, what did not, and why it stopped. */
export function outcomeText(l10n: L10n, source: string, s: BatchSummary): string {
  const r = s.run;
  const parts = [l10n.t('{0} sent', r.sent)];
  if (r.failed > 0) parts.push(l10n.t('{0} failed', r.failed));
  if (r.unknown > 0) parts.push(l10n.t('{0} with unknown outcome (not resent)', r.unknown));
  if (r.notSent > 0) parts.push(l10n.t('{0} not sent yet', r.notSent));
  let text = l10n.t('Bulk SMS {0}: {1}.', source, parts.join(', '));
  if (s.cancelled) text += ' ' + l10n.t('Cancelled: requests already out were completed.');
  if (s.stopped) text += ' ' + l10n.t('Stopped: {0} ({1})', wordExplanation(s.stopped, l10n), s.stopped.gatewayText);
  if (s.failureReasons.length > 0) text += ' ' + l10n.t('Failures: {0}', s.failureReasons.slice(0, 3).map((f) => `${f.reason} ×${f.count}`).join('; '));
  return text;
}

/** The template box's hint: row 1 as it would reach the phone through the send endpoint's charset, or what is wrong. */
export function describeTemplate(l10n: L10n, template: string, table: CsvTable, charset: SendCharset): { info: string; error?: string } {
  const placeholders = table.columns.map((c) => `{{${c}}}`).join(' ');
  const problem = templateProblem(template, table.columns, l10n);
  if (problem) return { info: l10n.t('Columns: {0}', placeholders), error: problem };
  const first = table.rows[0];
  const wire = textForCharset(renderTemplate(parseTemplate(template, table.columns), first.cells).text, charset);
  const rendered = wire.text;
  const a = analyzeText(rendered);
  const info = l10n.t('Row 1: "{0}" · {1} · {2} SMS · columns: {3}', rendered.slice(0, 80), a.encoding, a.parts, placeholders);
  const missing = [...wire.replaced.map((r) => r.from), ...wire.left];
  return missing.length > 0 ? { info: `${info} · ${l10n.t('the ISO-8859-1 send endpoint cannot carry: {0}', missing.join(' '))}` } : { info };
}

/** The number-column choices: each column's valid numbers among the first 200 rows, and a sample. */
export function columnChoices(table: CsvTable, defaultCountry: string): ColumnChoice[] {
  const sample = table.rows.slice(0, 200);
  return table.columns.map((name, index) => ({
    index,
    name,
    valid: validNumbers(table, index, defaultCountry, sample.length),
    sample: sample.slice(0, 3).map((r) => (r.cells[index] ?? '').trim()).filter(Boolean).join(', '),
  }));
}

/** How many of the first `n` rows have a usable number in `column`. */
function validNumbers(table: CsvTable, column: number, defaultCountry: string, n: number): number {
  let valid = 0;
  for (const r of table.rows.slice(0, n)) if (normalizeDestination(r.cells[column] ?? '', defaultCountry).ok) valid++;
  return valid;
}
