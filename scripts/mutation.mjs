// `npm run mutation -- <folder>…`: Stryker over the plain-Node core, one folder per run (docs/TESTING.md).
//   npm run mutation -- gateway           mutates src/gateway/**/*.ts
//   npm run mutation -- history bulk      one run per folder, one after the other
//   npm run mutation                      all three, one after the other
//   npm run mutation -- gateway --force   anything after the folders goes to Stryker (--force: ignore the incremental file)
//   npm run mutation -- bulk --mutate src/bulk/csv.ts --tests bulkCsv,mutants.bulk
//                                         a quick partial run: some files, against some unit files (out/test/unit/<name>.test.js)
//   npm run mutation -- bulk --no-check   without the TypeScript checker (faster on a loaded machine)
//   npm run mutation -- gateway --split 4 the folder's files in 4 parts (about the same number of lines each), one
//                                         run per part, each with its own report in reports/mutation/<folder>/part-<n>/:
//                                         a run cut short keeps the parts that finished. Same mutants, same tests, so
//                                         the parts add up to the whole folder (scripts/mutation/survivors.mjs adds them).
// Each folder keeps its own incremental file (reports/mutation/<folder>.incremental.json, not committed), so a later
// run of the same folder tests again only the mutants whose code or covering tests changed. By hand, not in CI.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['gateway', 'history', 'bulk'];

const args = process.argv.slice(2);
// --tests is ours, not Stryker's: it narrows the unit files the mocha runner loads (stryker.config.mjs).
const testsAt = args.indexOf('--tests');
const onlyTests = testsAt >= 0 ? args.splice(testsAt, 2)[1] ?? '' : '';
// --no-check: leave out the TypeScript checker (stryker.config.mjs).
const noCheckAt = args.indexOf('--no-check');
const noCheck = noCheckAt >= 0 && args.splice(noCheckAt, 1).length > 0;
// --split N: one run per part of the folder's files.
const splitAt = args.indexOf('--split');
const parts = splitAt >= 0 ? Math.max(1, Number(args.splice(splitAt, 2)[1]) || 1) : 0;
const folders = args.filter((a) => FOLDERS.includes(a));
const passThrough = args.filter((a) => !FOLDERS.includes(a));
const unknown = passThrough.filter((a) => !a.startsWith('-') && !passThrough[passThrough.indexOf(a) - 1]?.startsWith('--'));
if (unknown.length > 0) {
  console.error(`Unknown folder ${unknown.join(', ')}: choose from ${FOLDERS.join(', ')}.`);
  process.exit(2);
}

const shim = join(root, 'scripts', 'mutation', 'mocha12-paths.cjs');
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(shim)}`.trim() };

/** The folder's files (index.ts left out) in `n` parts of about the same number of lines, biggest files first. */
function splitFiles(folder, n) {
  const dir = join(root, 'src', folder);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => ({ file: `src/${folder}/${f}`, lines: readFileSync(join(dir, f), 'utf8').split('\n').length }))
    .sort((a, b) => b.lines - a.lines);
  const groups = Array.from({ length: Math.min(n, files.length) }, () => ({ files: [], lines: 0 }));
  for (const f of files) {
    const smallest = groups.reduce((a, b) => (b.lines < a.lines ? b : a));
    smallest.files.push(f.file);
    smallest.lines += f.lines;
  }
  return groups.map((g) => g.files.sort());
}

function run(folder, files, part) {
  const out = join('reports', 'mutation', folder, ...(part ? [part] : []));
  mkdirSync(join(root, out), { recursive: true });
  const strykerArgs = [
    'run',
    '--mutate', files ? files.join(',') : `src/${folder}/**/*.ts,!src/${folder}/index.ts`,
    '--incrementalFile', join(out, 'incremental.json'),
    ...passThrough,
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), ...strykerArgs], {
      cwd: root,
      env: { ...env, INVIOSMART_MUTATION_REPORT_DIR: out, INVIOSMART_MUTATION_TESTS: onlyTests, ...(noCheck ? { INVIOSMART_MUTATION_NO_CHECK: '1' } : {}) },
      stdio: 'inherit',
    });
    child.on('exit', (code) => {
      const minutes = ((Date.now() - started) / 60000).toFixed(1);
      console.log(`mutation: ${files ? files.join(', ') : `src/${folder}`} took ${minutes} min (exit ${code})`);
      resolve(code ?? 1);
    });
  });
}

let failed = 0;
for (const folder of folders.length > 0 ? folders : FOLDERS) {
  if (parts === 0) {
    if ((await run(folder)) !== 0) failed++;
    continue;
  }
  const groups = splitFiles(folder, parts);
  for (const [i, files] of groups.entries()) if ((await run(folder, files, `part-${i + 1}`)) !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
