// The shared reporting helper for every benchmark: timing, repeats, and the one table they all print.
// A benchmark compares against a baseline measured in the same run, so figures from a slow or busy
// machine still say something; nothing here fails a build.

/** Which way a ratio should point: at least `value`, or at most `value`. */
export interface Target {
  op: '>=' | '<=';
  value: number;
}

/** One line of the results table. */
export interface Row {
  name: string;
  /** Already formatted, unit included. */
  measured: string;
  baseline: string;
  /**
   * measured ÷ baseline (or the other way round, as the row's name says), possibly from paired samples
   * rather than the two medians shown; undefined when not comparable.
   */
  ratio?: number;
  /** Absent for rows that only explain another row. */
  target?: Target;
}

/** A benchmark file: a name to select it by and a run that returns its rows. */
export interface Bench {
  name: string;
  /** One sentence shown before it runs. */
  description: string;
  run(log: (line: string) => void): Promise<Row[]>;
}

export type Verdict = 'meets' | 'MISSES' | 'info';

export function verdict(row: Row): Verdict {
  if (!row.target || row.ratio === undefined || !Number.isFinite(row.ratio)) return 'info';
  const { op, value } = row.target;
  return (op === '>=' ? row.ratio >= value : row.ratio <= value) ? 'meets' : 'MISSES';
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Spread of repeated samples as ±% of the median, to show how much one figure can be trusted. */
export function spread(values: readonly number[]): string {
  const m = median(values);
  if (values.length < 2 || !(m > 0)) return '';
  const half = (Math.max(...values) - Math.min(...values)) / 2;
  return `±${((half / m) * 100).toFixed(1)}%`;
}

/** Wall-clock milliseconds and this process's CPU microseconds (user + system) spent in `fn`. */
export async function timed(fn: () => Promise<void>): Promise<{ ms: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUs: used.user + used.system };
}

/**
 * Runs `total` calls of `task` with at most `concurrency` in flight, each worker taking the next index
 * as soon as its previous call ends (a pool, not waves, so one slow call does not stall the rest).
 */
export async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export function formatTarget(t: Target | undefined): string {
  if (!t) return '—';
  return `${t.op === '>=' ? '≥' : '≤'} ${formatRatio(t.value)}`;
}

/** A plain-text table that reads the same in a terminal, a CI log and a Markdown code block. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'measured', 'baseline', 'ratio', 'target', 'verdict'];
  const body = rows.map((r) => [r.name, r.measured, r.baseline, formatRatio(r.ratio), formatTarget(r.target), verdict(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The same rows as a Markdown table, for the README. */
export function formatMarkdown(rows: readonly Row[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '| benchmark | measured | baseline | ratio | target | verdict |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${esc(r.name)} | ${esc(r.measured)} | ${esc(r.baseline)} | ${formatRatio(r.ratio)} | ${formatTarget(r.target)} | ${verdict(r)} |`),
  ].join('\n');
}
