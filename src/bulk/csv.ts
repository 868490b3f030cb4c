// Reading the CSV file of a bulk send: bytes to text (BOMs, UTF-16, Excel's Windows-1252), the
// separator (`,` `;` or tab), the header, and every record with the line it starts on. Plain Node.
import type * as CsvParse from 'csv-parse/sync';
import { BulkError } from './errors';
import { coreMessage } from '../gateway/messages';

let lib: typeof CsvParse | undefined;
/** csv-parse is loaded with the first file read, not at activation (scripts/build.mjs keeps it in dist/csv-parse.js). */
function csvParse(): typeof CsvParse {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lib ??= require('csv-parse/sync') as typeof CsvParse;
  return lib;
}

export type CsvDelimiter = ',' | ';' | '\t';
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/** A bulk send is at most this many rows; more is a mistake or a job for the provider's own tools. */
export const MAX_CSV_ROWS = 100_000;
/** Files larger than this are refused before they are parsed. */
export const MAX_CSV_BYTES = 32 * 1024 * 1024;

export interface CsvRow {
  /** 0-based position among the data rows (the header is not a row). */
  index: number;
  /** 1-based line of the file where the record starts. */
  line: number;
  /** The fields as written (not trimmed); may be fewer or more than the columns. */
  cells: string[];
}

export interface CsvTable {
  delimiter: CsvDelimiter;
  hasHeader: boolean;
  /** Column names: the header's (made unique, blanks named by letter), or A, B, C… without a header. */
  columns: string[];
  rows: CsvRow[];
}

export interface ReadCsvOptions {
  /** Default: detected from the first records. */
  delimiter?: CsvDelimiter;
  /** Default 'auto': the first record is a header unless one of its fields looks like a phone number. */
  header?: boolean | 'auto';
}

/**
 * Decodes a file's bytes: a UTF-8 or UTF-16 BOM decides; without one UTF-8 is tried and, when the
 * bytes are not valid UTF-8, Windows-1252 (what Excel writes on Italian Windows) is used instead.
 */
export function decodeCsvBytes(bytes: Uint8Array): string {
  if (bytes.length > MAX_CSV_BYTES) {
    throw new BulkError('csv-too-large', coreMessage('csvTooManyBytes', bytes.length, MAX_CSV_BYTES));
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(i: number): string {
  let n = i + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

// Lenient on stray quotes inside unquoted fields (common in hand-made files), strict on the rest.
function parseRecords(text: string, delimiter: CsvDelimiter, to?: number): string[][] {
  return csvParse().parse(text, {
    delimiter,
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    ...(to !== undefined ? { to } : {}),
  }) as string[][];
}

/**
 * The separator that splits the first records into the same number (> 1) of fields most often;
 * ties go to `,` then `;` then tab. A file with one column gets `,`.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  let best: CsvDelimiter = ',';
  let bestScore = 0;
  for (const d of CSV_DELIMITERS) {
    let records: string[][];
    try {
      records = parseRecords(text, d, 50);
    } catch {
      continue;
    }
    if (records.length === 0) continue;
    const width = records[0].length;
    if (width < 2) continue;
    const same = records.filter((r) => r.length === width).length;
    // Consistency first, then the number of columns (a separator that also appears inside text splits less evenly).
    const score = (same / records.length) * 1000 + Math.min(width, 999);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;

function looksLikePhone(cell: string): boolean {
  const t = cell.trim();
  return PHONE_LIKE.test(t) && t.replace(/\D/g, '').length >= 8;
}

function uniqueNames(header: readonly string[], width: number): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < width; i++) {
    const base = (header[i] ?? '').trim() || columnLetter(i);
    let name = base;
    for (let n = 2; seen.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    seen.add(name.toLowerCase());
    names.push(name);
  }
  return names;
}

function lineBreaks(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) n++;
  return n;
}

/** Parses CSV text into named columns and rows. Throws BulkError (`csv-invalid`, `csv-empty`, `csv-too-large`). */
export function readCsv(input: string, options: ReadCsvOptions = {}): CsvTable {
  // One line ending everywhere: line numbers stay right and a CR never reaches an SMS.
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text.length > MAX_CSV_BYTES) {
    throw new BulkError('csv-too-large', coreMessage('csvTooManyCharacters', text.length, MAX_CSV_BYTES));
  }
  const delimiter = options.delimiter ?? detectDelimiter(text);
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = csvParse().parse(text, {
      delimiter,
      record_delimiter: '\n',
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
      to: MAX_CSV_ROWS + 2,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (e) {
    if (e instanceof csvParse().CsvError) {
      const line = typeof (e as { lines?: unknown }).lines === 'number' ? (e as unknown as { lines: number }).lines : undefined;
      // With relax_quotes, an unclosed quote is the one way a file fails to parse; any other reason keeps the parser's words.
      const why = e.code === 'CSV_QUOTE_NOT_CLOSED' ? coreMessage('csvQuoteNotClosed') : coreMessage('csvUnreadable', e.message);
      throw new BulkError('csv-invalid', why, line);
    }
    throw new BulkError('csv-invalid', coreMessage('csvUnreadable', e instanceof Error ? e.message : String(e)));
  }
  if (parsed.length === 0) throw new BulkError('csv-empty', coreMessage('csvNoRows'));

  const first = parsed[0].record;
  const hasHeader = options.header === 'auto' || options.header === undefined ? !first.some(looksLikePhone) : options.header;
  const data = hasHeader ? parsed.slice(1) : parsed;
  if (data.length === 0) throw new BulkError('csv-empty', coreMessage('csvHeaderOnly'), parsed[0].info.lines + 1);
  if (data.length > MAX_CSV_ROWS) {
    throw new BulkError('csv-too-large', coreMessage('csvTooManyRows', MAX_CSV_ROWS));
  }
  let width = hasHeader ? first.length : 0;
  for (const r of data) width = Math.max(width, r.record.length);
  const columns = uniqueNames(hasHeader ? first : [], width);
  const rows: CsvRow[] = data.map((r, index) => ({
    index,
    line: r.info.lines - lineBreaks(r.record),
    cells: r.record,
  }));
  return { delimiter, hasHeader, columns, rows };
}
