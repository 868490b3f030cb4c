// Reads a Stryker report (reports/mutation/<folder>/mutation.json) without the HTML: the score per file, the totals,
// and each survived / no-coverage mutant with its line, mutator and replacement (docs/TESTING.md).
//   node scripts/mutation/survivors.mjs gateway                  one folder (or a path to a mutation.json)
//   node scripts/mutation/survivors.mjs history --file retention only files whose path holds "retention"
//   node scripts/mutation/survivors.mjs bulk --summary           the scores only, no mutant list
// Score = (killed + timed out) ÷ (killed + timed out + survived + no coverage), as Stryker counts it: static mutants
// left out (Ignored) and mutants that do not compile or crash the runner (CompileError, RuntimeError) are not counted.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const fileAt = args.indexOf('--file');
const fileFilter = fileAt >= 0 ? args.splice(fileAt, 2)[1] ?? '' : '';
const summaryAt = args.indexOf('--summary');
const summaryOnly = summaryAt >= 0 && args.splice(summaryAt, 1).length > 0;
const target = args[0];
if (!target) {
  console.error('Usage: node scripts/mutation/survivors.mjs <gateway|history|bulk|path/to/mutation.json> [--file part] [--summary]');
  process.exit(2);
}
// A folder's report is its whole run's and its parts' (`--split`): each file is taken from the newest report that has it.
const reportPaths = existsSync(target) && target.endsWith('.json') ? [target] : reportsOf(join(root, 'reports', 'mutation', target));
if (reportPaths.length === 0) {
  console.error(`No report under reports/mutation/${target}: run \`npm run mutation -- ${target}\` first.`);
  process.exit(1);
}
const report = { files: {} };
const takenFrom = {};
for (const p of reportPaths.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)) {
  for (const [file, data] of Object.entries(JSON.parse(readFileSync(p, 'utf8')).files)) {
    report.files[file] = data;
    takenFrom[file] = relative(root, p);
  }
}
console.log(`Reports: ${[...new Set(Object.values(takenFrom))].join(', ')}`);

function reportsOf(dir) {
  if (!existsSync(dir)) return [];
  const found = existsSync(join(dir, 'mutation.json')) ? [join(dir, 'mutation.json')] : [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('part-') && existsSync(join(dir, name, 'mutation.json'))) found.push(join(dir, name, 'mutation.json'));
  }
  return found;
}

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'];
const emptyCounts = () => Object.fromEntries(STATUSES.map((s) => [s, 0]));

/** Stryker's score: undefined when no mutant counts. */
function score(c) {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return valid === 0 ? undefined : (100 * detected) / valid;
}
const pct = (s) => (s === undefined ? '   n/a' : `${s.toFixed(1).padStart(5)} %`);

const total = emptyCounts();
const rows = [];
const escapes = [];
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  if (fileFilter && !file.includes(fileFilter)) continue;
  const counts = emptyCounts();
  for (const m of mutants) {
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    total[m.status] = (total[m.status] ?? 0) + 1;
    if (m.status === 'Survived' || m.status === 'NoCoverage') escapes.push({ file, m });
  }
  rows.push({ file, counts, total: mutants.length });
}

const header = 'file                                      mutants static  killed+to survived nocov errors   score';
console.log(header);
const line = (name, c, n) =>
  `${name.padEnd(40).slice(0, 40)} ${String(n).padStart(8)} ${String(c.Ignored).padStart(6)} ${String(c.Killed + c.Timeout).padStart(10)} ${String(c.Survived).padStart(8)} ${String(c.NoCoverage).padStart(5)} ${String(c.CompileError + c.RuntimeError).padStart(6)} ${pct(score(c))}`;
for (const r of rows) console.log(line(r.file, r.counts, r.total));
console.log(line('ALL', total, rows.reduce((n, r) => n + r.total, 0)));
if (total.Pending > 0) console.log(`${total.Pending} mutants still pending: the run did not finish.`);

if (!summaryOnly) {
  let last = '';
  for (const { file, m } of escapes.sort((a, b) => a.file.localeCompare(b.file) || a.m.location.start.line - b.m.location.start.line)) {
    if (file !== last) console.log(`\n${file}`);
    last = file;
    const where = `${m.location.start.line}:${m.location.start.column}`;
    const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
    const tag = m.status === 'NoCoverage' ? 'NOCOV' : 'SURV ';
    console.log(`  ${tag} ${where.padEnd(8)} ${m.mutatorName.padEnd(22)} ${replacement}`);
  }
}
