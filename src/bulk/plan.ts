// From the checked rows to what is sent: which rows go, which are skipped and why, and how they are
// packed into requests (rows with the same text share one request, destinations joined by '.').
import { countryPrefixOf } from '../gateway/countries';
import { isBlocked, OPTIONAL_ISSUES, type IssueKind, type PreparedRow, type RowIssue } from './prepare';

/** The gateway takes several destinations per request; more than this per request is asking for trouble. */
export const MAX_DESTINATIONS_PER_REQUEST = 50;

export interface PlanChoices {
  /** Send rows whose number repeats an earlier row's. Default false. */
  includeDuplicates?: boolean;
  /** Send rows with an empty placeholder. Default false. */
  includeEmptyPlaceholders?: boolean;
  /** Destinations per request for rows with the same text; 1 sends each row alone. Default 50. */
  maxPerRequest?: number;
}

export interface PlannedRow {
  /** CSV data row index (0-based). */
  row: number;
  line: number;
  destination: string;
  text: string;
  parts: number;
}

export interface SkippedRow {
  row: number;
  line: number;
  destinationInput: string;
  issues: RowIssue[];
}

export interface PlannedRequest {
  /** Row indices, in the order of `destinations`. */
  rows: number[];
  destinations: string[];
  text: string;
  parts: number;
}

export interface PlanTotals {
  rows: number;
  /** SMS parts over every planned row. */
  parts: number;
  requests: number;
  /** SMS parts per country calling code, for the cost estimate. */
  partsByPrefix: Record<string, number>;
}

export interface BulkPlan {
  rows: PlannedRow[];
  skipped: SkippedRow[];
  requests: PlannedRequest[];
  totals: PlanTotals;
}

export function clampPerRequest(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return MAX_DESTINATIONS_PER_REQUEST;
  return Math.max(1, Math.min(MAX_DESTINATIONS_PER_REQUEST, Math.floor(n)));
}

function skipReasons(row: PreparedRow, choices: PlanChoices): RowIssue[] {
  if (isBlocked(row)) return row.issues.filter((i) => i.kind !== 'ragged');
  const included: IssueKind[] = [];
  if (choices.includeDuplicates) included.push('duplicate-number');
  if (choices.includeEmptyPlaceholders) included.push('empty-placeholder');
  return row.issues.filter((i) => OPTIONAL_ISSUES.includes(i.kind) && !included.includes(i.kind));
}

/**
 * Packs rows into requests: rows with the same text share a request, up to `maxPerRequest`
 * destinations, never the same number twice in one request (the answers are matched by position).
 * Requests come in the order of their first row, so a send follows the file.
 */
export function groupRequests(rows: readonly PlannedRow[], maxPerRequest = MAX_DESTINATIONS_PER_REQUEST): PlannedRequest[] {
  const limit = clampPerRequest(maxPerRequest);
  const requests: PlannedRequest[] = [];
  const open = new Map<string, Array<{ request: PlannedRequest; numbers: Set<string> }>>();
  for (const row of rows) {
    let chunks = open.get(row.text);
    if (!chunks) {
      chunks = [];
      open.set(row.text, chunks);
    }
    let chunk = chunks.find((c) => c.request.rows.length < limit && !c.numbers.has(row.destination));
    if (!chunk) {
      chunk = { request: { rows: [], destinations: [], text: row.text, parts: row.parts }, numbers: new Set() };
      chunks.push(chunk);
      requests.push(chunk.request);
    }
    chunk.request.rows.push(row.row);
    chunk.request.destinations.push(row.destination);
    chunk.numbers.add(row.destination);
    // Full chunks are never looked at again.
    if (chunk.request.rows.length >= limit) chunks.splice(chunks.indexOf(chunk), 1);
  }
  return requests;
}

export function planTotals(rows: readonly PlannedRow[], requests: number): PlanTotals {
  const partsByPrefix: Record<string, number> = {};
  let parts = 0;
  for (const r of rows) {
    parts += r.parts;
    const prefix = countryPrefixOf(r.destination);
    partsByPrefix[prefix] = (partsByPrefix[prefix] ?? 0) + r.parts;
  }
  return { rows: rows.length, parts, requests, partsByPrefix };
}

/** Every prepared row ends up exactly once: planned, or skipped with its reasons. */
export function planBatch(prepared: readonly PreparedRow[], choices: PlanChoices = {}): BulkPlan {
  const rows: PlannedRow[] = [];
  const skipped: SkippedRow[] = [];
  for (const p of prepared) {
    const reasons = skipReasons(p, choices);
    if (reasons.length > 0 || p.destination === undefined) {
      skipped.push({ row: p.index, line: p.line, destinationInput: p.destinationInput, issues: reasons });
    } else {
      rows.push({ row: p.index, line: p.line, destination: p.destination, text: p.text, parts: p.parts });
    }
  }
  const requests = groupRequests(rows, choices.maxPerRequest);
  return { rows, skipped, requests, totals: planTotals(rows, requests.length) };
}

export interface CostEstimate {
  /** Euro, over the prefixes whose price is known. */
  total: number;
  /** Country codes without a known price (their parts are not in `total`). */
  unknownPrefixes: string[];
}

/** Parts per prefix times the price of one part there. */
export function estimateCost(partsByPrefix: Readonly<Record<string, number>>, pricePerPart: (prefix: string) => number | undefined): CostEstimate {
  let total = 0;
  const unknownPrefixes: string[] = [];
  for (const [prefix, parts] of Object.entries(partsByPrefix)) {
    const price = pricePerPart(prefix);
    if (price === undefined || !Number.isFinite(price)) unknownPrefixes.push(prefix);
    else total += price * parts;
  }
  return { total, unknownPrefixes };
}
