// History export: the messages as CSV (csv-stringify) or JSON, optionally with numbers and texts
// masked. Only message data goes out: no account credentials exist in an entry, and error texts are
// redacted once more in case one ever carried a `password=`. Plain functions.
import type * as CsvStringify from 'csv-stringify/sync';
import { redactText } from '../gateway/redact';
import { e164 } from '../gateway/countries';
import type { HistoryEntry } from '../history/types';

export type ExportFormat = 'csv' | 'json';

export const EXPORT_FORMAT = 'inviosmart-sms-history-export';
export const EXPORT_VERSION = 1;

export interface ExportOptions {
  format: ExportFormat;
  /** 393331234567 → 39333****567. */
  maskNumbers?: boolean;
  /** The text → `[12 chars]`. */
  maskTexts?: boolean;
  /** Account name for an account id (default: the id). */
  accountLabel?: (accountId: string) => string;
  /** What was exported, in words (JSON only), e.g. `batch bulk-…`. */
  scope?: string;
  /** Time of the export (JSON only). Default now. */
  now?: number;
}

/** One exported message; the CSV columns are these keys, in this order. */
export interface ExportRecord {
  recorded: string;
  smsId: number | null;
  destination: string;
  sender: string;
  text: string;
  parts: number;
  state: string;
  status: string;
  statusCode: number | null;
  final: boolean | null;
  submittedOn: string;
  lastChangeOn: string;
  quantity: number | null;
  charge: number | null;
  batchId: string;
  account: string;
  sandbox: boolean;
  errorCode: number | null;
  errorKind: string;
  error: string;
  key: string;
}

export const EXPORT_COLUMNS: ReadonlyArray<keyof ExportRecord> = [
  'recorded', 'smsId', 'destination', 'sender', 'text', 'parts', 'state', 'status', 'statusCode', 'final',
  'submittedOn', 'lastChangeOn', 'quantity', 'charge', 'batchId', 'account', 'sandbox', 'errorCode', 'errorKind', 'error', 'key',
];

/** Keeps the country code and a few digits at both ends: 393331234567 → 39333****567. */
export function maskNumber(number: string): string {
  const n = number.length;
  if (n <= 4) return '*'.repeat(n);
  const head = n >= 10 ? 5 : n >= 8 ? 3 : 1;
  const tail = n >= 10 ? 3 : n >= 8 ? 2 : 1;
  return number.slice(0, head) + '*'.repeat(n - head - tail) + number.slice(n - tail);
}

/** Only the length of a text: `[12 chars]` (user-perceived characters as code points). */
export function maskText(text: string): string {
  const n = [...text].length;
  return n === 1 ? '[1 char]' : `[${n} chars]`;
}

// Spreadsheets run a cell that starts with one of these as a formula (CSV injection): an apostrophe
// in front makes it text. Only in CSV, only for free text.
const FORMULA_START = /^[=+\-@\t\r]/;

function defuse(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function errorText(entry: HistoryEntry, maskNumbers: boolean): string {
  const e = entry.error;
  if (!e) return '';
  let text = redactText(e.explanation ? `${e.gatewayText} — ${e.explanation}` : e.gatewayText);
  if (maskNumbers && entry.destination) text = text.split(entry.destination).join(maskNumber(entry.destination));
  return text;
}

export function exportRecord(entry: HistoryEntry, options: Omit<ExportOptions, 'format'> = {}): ExportRecord {
  const maskNumbers = options.maskNumbers === true;
  return {
    recorded: entry.createdAt,
    smsId: entry.smsId ?? null,
    destination: maskNumbers ? maskNumber(entry.destination) : e164(entry.destination),
    sender: entry.sender,
    text: options.maskTexts ? maskText(entry.text) : entry.text,
    parts: entry.parts,
    state: entry.state,
    status: entry.status?.label ?? '',
    statusCode: entry.status?.code ?? null,
    final: entry.status ? entry.status.final : null,
    submittedOn: entry.submittedOn ?? '',
    lastChangeOn: entry.lastChangeOn ?? '',
    quantity: entry.quantity ?? null,
    charge: entry.charge ?? null,
    batchId: entry.batchId ?? '',
    account: options.accountLabel ? options.accountLabel(entry.account) : entry.account,
    sandbox: entry.sandbox === true,
    errorCode: entry.error?.code ?? null,
    errorKind: entry.error?.kind ?? '',
    error: errorText(entry, maskNumbers),
    key: entry.key,
  };
}

/** The export file's content. CSV has a header row and a UTF-8 BOM (so Excel reads the accents). */
export function exportHistory(entries: readonly HistoryEntry[], options: ExportOptions): string {
  const records = entries.map((e) => exportRecord(e, options));
  if (options.format === 'json') {
    return JSON.stringify(
      {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        exportedAt: new Date(options.now ?? Date.now()).toISOString(),
        scope: options.scope ?? 'all messages',
        masked: { numbers: options.maskNumbers === true, texts: options.maskTexts === true },
        count: records.length,
        messages: records,
      },
      null,
      2,
    ) + '\n';
  }
  const rows = records.map((r) =>
    EXPORT_COLUMNS.map((c) => {
      const v = r[c];
      if (v === null) return '';
      if (typeof v === 'string') return c === 'text' || c === 'sender' || c === 'error' || c === 'account' ? defuse(v) : v;
      return String(v);
    }),
  );
  // csv-stringify is loaded with the first export, not at activation (scripts/build.mjs keeps it in dist/csv-stringify.js).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { stringify } = require('csv-stringify/sync') as typeof CsvStringify;
  return stringify(rows, { header: true, columns: EXPORT_COLUMNS as string[], bom: true, record_delimiter: 'windows' });
}
