// Message templates: `Ciao {{Nome}}, il tuo codice è {{codice}}` filled from each CSV row.
// A placeholder names a column (case and surrounding spaces ignored). Plain functions.
import { BulkError } from './errors';
import { coreMessage, wordMessage } from '../gateway/messages';
import { englishL10n, type L10n } from '../gateway/l10n';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; name: string; column: number };

export interface Template {
  source: string;
  parts: TemplatePart[];
  /** Column names the template uses, each once, in order of first use. */
  fields: string[];
}

export interface Rendered {
  text: string;
  /** Placeholders whose cell is empty (or missing from a short row), each once. */
  empty: string[];
}

function findColumn(name: string, columns: readonly string[]): number {
  const exact = columns.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return columns.findIndex((c) => c.trim().toLowerCase() === lower);
}

/** Parses a template against the file's columns. Throws BulkError `template-invalid` saying what to fix. */
export function parseTemplate(source: string, columns: readonly string[]): Template {
  if (source.trim() === '') throw new BulkError('template-invalid', coreMessage('templateEmpty'));
  const parts: TemplatePart[] = [];
  const fields: string[] = [];
  const unknown: string[] = [];
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) {
      parts.push({ kind: 'text', text: source.slice(pos) });
      break;
    }
    if (open > pos) parts.push({ kind: 'text', text: source.slice(pos, open) });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new BulkError('template-invalid', coreMessage('templateUnclosed', open + 1));
    const name = source.slice(open + 2, close).trim();
    if (name === '' || name.includes('{')) {
      throw new BulkError('template-invalid', coreMessage('templateNotAColumn', source.slice(open, close + 2), open + 1));
    }
    const column = findColumn(name, columns);
    if (column < 0) {
      if (!unknown.includes(name)) unknown.push(name);
    } else {
      parts.push({ kind: 'field', name: columns[column], column });
      if (!fields.includes(columns[column])) fields.push(columns[column]);
    }
    pos = close + 2;
  }
  if (unknown.length > 0) {
    const names = unknown.map((n) => `"${n}"`).join(', ');
    throw new BulkError('template-invalid', coreMessage('templateUnknownColumns', names, columns.map((c) => `{{${c}}}`).join(' ')));
  }
  return { source, parts, fields };
}

/** The template's problem, or undefined when it is usable: for live validation while typing. */
export function templateProblem(source: string, columns: readonly string[], l10n: L10n = englishL10n): string | undefined {
  try {
    parseTemplate(source, columns);
    return undefined;
  } catch (e) {
    if (!(e instanceof BulkError)) return String(e);
    return e.sentence ? wordMessage(e.sentence, l10n) : e.message;
  }
}

/** Fills the template from one row; cells are trimmed (a space after the comma is not part of a name). */
export function renderTemplate(template: Template, cells: readonly string[]): Rendered {
  let text = '';
  const empty: string[] = [];
  for (const part of template.parts) {
    if (part.kind === 'text') {
      text += part.text;
      continue;
    }
    const value = (cells[part.column] ?? '').trim();
    if (value === '' && !empty.includes(part.name)) empty.push(part.name);
    text += value;
  }
  return { text, empty };
}
