// The validation report of a bulk send: every row rendered, its number normalised, and each problem
// named, before anything is sent. Plain functions over the parsed CSV.
import { analyzeText, MAX_MESSAGE_LENGTH, type SmsEncoding } from '../gateway/smsText';
import { textForCharset, type SendCharset } from '../gateway/endpoints';
import { coreMessage, wordMessage, type CoreMessage } from '../gateway/messages';
import { normalizeDestination } from '../gateway/validation';
import type { CsvRow, CsvTable } from './csv';
import { BulkError } from './errors';
import { parseTemplate, renderTemplate, type Template } from './template';

export type IssueKind =
  | 'blank-row' // every field empty
  | 'invalid-number' // the destination cannot be turned into a number with country code
  | 'too-long' // over 612 characters once rendered
  | 'empty-text' // the rendered text is empty
  | 'invalid-text' // a broken character (lone UTF-16 surrogate) that cannot be sent
  | 'unrepresentable' // a character the send endpoint's character set (Latin-1) cannot carry
  | 'duplicate-number' // the same number as an earlier sendable row
  | 'empty-placeholder' // a placeholder whose cell is empty
  | 'ragged'; // more or fewer fields than the header: a note, never a reason to skip

/** Rows with one of these are never sent. */
export const BLOCKING_ISSUES: readonly IssueKind[] = ['blank-row', 'invalid-number', 'too-long', 'empty-text', 'invalid-text', 'unrepresentable'];
/** Rows with one of these are skipped unless the user includes them. */
export const OPTIONAL_ISSUES: readonly IssueKind[] = ['duplicate-number', 'empty-placeholder'];

export interface RowIssue {
  kind: IssueKind;
  /** Plain English detail: the number's problem, the empty placeholders, the length, the earlier row. */
  detail: string;
  /** The same from the catalogue, for the UI to word in the user's language. */
  message: CoreMessage;
}

function issue(kind: IssueKind, message: CoreMessage): RowIssue {
  return { kind, detail: wordMessage(message), message };
}

export interface PreparedRow {
  index: number;
  line: number;
  /** The destination cell as written. */
  destinationInput: string;
  /** Wire form, when valid. */
  destination?: string;
  text: string;
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 units (UCS-2), as the gateway counts. */
  characters: number;
  parts: number;
  issues: RowIssue[];
  /** For a duplicate: the index of the earlier row with the same number. */
  duplicateOf?: number;
}

export interface PrepareOptions {
  /** Column name (as in CsvTable.columns) or index. */
  destinationColumn: string | number;
  template: string | Template;
  /** Country code put in front of numbers written without one (settings `send.defaultCountry`). */
  defaultCountry?: string;
  /** The send endpoint's character set (GatewayClient.sendCharset); default UTF-8. */
  charset?: SendCharset;
  /**
   * Latin-1 only: send the closest Latin-1 text (`€` → `EUR`) when the user agreed; otherwise a row
   * with a character Latin-1 cannot carry is refused, its detail naming the character and its stand-in.
   */
  transliterate?: boolean;
}

export interface ValidationReport {
  rows: number;
  /** Row indices with each kind of issue (a row can be under several). */
  byKind: Record<IssueKind, number[]>;
  /** Rows without any blocking or optional issue. */
  clean: number;
  /** Rows with a blocking issue. */
  blocked: number;
}

// With the u flag a well-formed pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function resolveColumn(table: CsvTable, column: string | number): number {
  if (typeof column === 'number') {
    if (Number.isInteger(column) && column >= 0 && column < table.columns.length) return column;
  } else {
    const i = table.columns.indexOf(column);
    if (i >= 0) return i;
    const lower = column.trim().toLowerCase();
    const j = table.columns.findIndex((c) => c.toLowerCase() === lower);
    if (j >= 0) return j;
  }
  throw new BulkError('column-unknown', coreMessage('columnUnknown', JSON.stringify(String(column)), table.columns.join(', ')));
}

function prepareOne(row: CsvRow, width: number, column: number, template: Template, options: PrepareOptions): PreparedRow {
  const issues: RowIssue[] = [];
  const destinationInput = row.cells[column] ?? '';
  const rendered = renderTemplate(template, row.cells);
  // Counted as it reaches the phone: after the Latin-1 stand-ins when the user agreed to them.
  const wire = textForCharset(rendered.text, options.charset ?? 'utf-8');
  const text = options.transliterate ? wire.text : rendered.text;
  const analysis = analyzeText(text);
  const prepared: PreparedRow = {
    index: row.index,
    line: row.line,
    destinationInput,
    text,
    encoding: analysis.encoding,
    characters: analysis.characters,
    parts: analysis.parts,
    issues,
  };
  if (row.cells.every((c) => c.trim() === '')) {
    issues.push(issue('blank-row', coreMessage('rowBlank')));
    return prepared;
  }
  const normalized = normalizeDestination(destinationInput, options.defaultCountry);
  if (normalized.ok) prepared.destination = normalized.destination;
  else issues.push(issue('invalid-number', normalized.message));
  if (rendered.text.trim() === '') issues.push(issue('empty-text', coreMessage('rowEmptyText')));
  else if (LONE_SURROGATE.test(rendered.text)) issues.push(issue('invalid-text', coreMessage('rowBrokenCharacter')));
  else if (wire.left.length > 0 || (!options.transliterate && wire.replaced.length > 0)) {
    const stand = options.transliterate ? [] : wire.replaced.map((r) => `${r.from} (→ ${r.to})`);
    issues.push(issue('unrepresentable', coreMessage('rowUnrepresentable', [...stand, ...wire.left].join(' '))));
  }
  if (analysis.characters > MAX_MESSAGE_LENGTH) {
    issues.push(issue('too-long', coreMessage('rowTooLong', analysis.characters, MAX_MESSAGE_LENGTH)));
  }
  if (rendered.empty.length > 0) issues.push(issue('empty-placeholder', coreMessage('rowEmptyPlaceholders', rendered.empty.map((n) => `{{${n}}}`).join(' '))));
  if (row.cells.length !== width) issues.push(issue('ragged', coreMessage('rowRagged', row.cells.length, width)));
  return prepared;
}

export function isBlocked(row: PreparedRow): boolean {
  return row.issues.some((i) => BLOCKING_ISSUES.includes(i.kind));
}

/**
 * Renders and checks every row. A number already used by an earlier row that can be sent makes the
 * later one a duplicate (the earlier stays). Throws BulkError for an unknown column or a bad template.
 */
export function prepareRows(table: CsvTable, options: PrepareOptions): PreparedRow[] {
  const column = resolveColumn(table, options.destinationColumn);
  const template = typeof options.template === 'string' ? parseTemplate(options.template, table.columns) : options.template;
  // Ragged is measured against the header; without one every row sets its own width.
  const width = table.hasHeader ? table.columns.length : -1;
  const firstRowOf = new Map<string, number>();
  return table.rows.map((row) => {
    const prepared = prepareOne(row, width < 0 ? row.cells.length : width, column, template, options);
    if (prepared.destination !== undefined && !isBlocked(prepared)) {
      const earlier = firstRowOf.get(prepared.destination);
      if (earlier === undefined) firstRowOf.set(prepared.destination, row.index);
      else {
        prepared.duplicateOf = earlier;
        prepared.issues.push(issue('duplicate-number', coreMessage('rowDuplicate', earlier + 1)));
      }
    }
    return prepared;
  });
}

export function validationReport(rows: readonly PreparedRow[]): ValidationReport {
  const byKind: Record<IssueKind, number[]> = {
    'blank-row': [],
    'invalid-number': [],
    'too-long': [],
    'empty-text': [],
    'invalid-text': [],
    unrepresentable: [],
    'duplicate-number': [],
    'empty-placeholder': [],
    ragged: [],
  };
  let clean = 0;
  let blocked = 0;
  for (const row of rows) {
    for (const kind of new Set(row.issues.map((i) => i.kind))) byKind[kind].push(row.index);
    if (isBlocked(row)) blocked++;
    else if (!row.issues.some((i) => OPTIONAL_ISSUES.includes(i.kind))) clean++;
  }
  return { rows: rows.length, byKind, clean, blocked };
}

/**
 * The column most likely to hold the numbers: the one where most rows normalise to a valid number
 * (ties to the leftmost); undefined when no column has any.
 */
export function guessDestinationColumn(table: CsvTable, defaultCountry?: string, sample = 200): number | undefined {
  let best: number | undefined;
  let bestCount = 0;
  const rows = table.rows.slice(0, sample);
  for (let c = 0; c < table.columns.length; c++) {
    let count = 0;
    for (const r of rows) if (normalizeDestination(r.cells[c] ?? '', defaultCountry).ok) count++;
    if (count > bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best;
}
