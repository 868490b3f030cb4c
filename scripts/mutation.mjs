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
//   npm run mutation -- gateway --split 6 --parts 3,4
//                                         only parts 3 and 4 of the 6
// Each run keeps an incremental file (reports/mutation/<folder>[/part-<n>]/incremental.json), so a later run tests
// again only the mutants whose code or covering tests changed. A run that finishes also stores it, compressed, in
// test/mutation/<folder>/<its files>.incremental.json.gz (committed): a fresh clone starts from the last measured
// results instead of from nothing. A run without a local incremental file starts from the stored one that shares
// the most files with it (Stryker re-tests whatever changed since). By hand, not in CI.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

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
// --parts 3,4: only these parts of the split.
const partsAt = args.indexOf('--parts');
const onlyParts = partsAt >= 0 ? (args.splice(partsAt, 2)[1] ?? '').split(',').map(Number).filter((n) => n > 0) : [];
// --mutate a.ts,b.ts: only these files (of one folder); their results are stored under their names.
const mutateAt = args.indexOf('--mutate');
const onlyFiles = mutateAt >= 0 ? (args.splice(mutateAt, 2)[1] ?? '').split(',').filter(Boolean) : [];
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

/** The committed results of finished runs: test/mutation/<folder>/<files>.incremental.json.gz. */
const storeDir = (folder) => join(root, 'test', 'mutation', folder);
const storeName = (files) => `${files.map((f) => basename(f, '.ts')).sort().join('+')}.incremental.json.gz`;

/** The source files a stored incremental file holds results for. */
function storedFiles(path) {
  return Object.keys(JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')).files ?? {});
}

/** Starts a run without a local incremental file from the stored one sharing the most files with it. */
function restoreStored(folder, files, incremental) {
  if (existsSync(incremental) || !existsSync(storeDir(folder))) return;
  let best;
  for (const name of readdirSync(storeDir(folder)).filter((n) => n.endsWith('.incremental.json.gz'))) {
    const path = join(storeDir(folder), name);
    const shared = storedFiles(path).filter((f) => files.includes(f)).length;
    if (shared > 0 && (!best || shared > best.shared)) best = { path, shared };
  }
  if (!best) return;
  writeFileSync(incremental, gunzipSync(readFileSync(best.path)));
  console.log(`mutation: starting from ${join('test', 'mutation', folder, basename(best.path))} (${best.shared} of ${files.length} files)`);
}

/** Stores a finished run's incremental file, replacing stored ones whose files it covers. */
function store(folder, files, incremental) {
  if (!existsSync(incremental)) return;
  mkdirSync(storeDir(folder), { recursive: true });
  for (const name of readdirSync(storeDir(folder)).filter((n) => n.endsWith('.incremental.json.gz'))) {
    if (storedFiles(join(storeDir(folder), name)).every((f) => files.includes(f))) rmSync(join(storeDir(folder), name));
  }
  writeFileSync(join(storeDir(folder), storeName(files)), gzipSync(readFileSync(incremental), { level: 9 }));
  console.log(`mutation: results stored in ${join('test', 'mutation', folder, storeName(files))}`);
}

/** The folder's files to mutate (index.ts left out). */
function folderFiles(folder) {
  return readdirSync(join(root, 'src', folder)).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => `src/${folder}/${f}`).sort();
}

function run(folder, files, part) {
  const out = join('reports', 'mutation', folder, ...(part ? [part] : []));
  mkdirSync(join(root, out), { recursive: true });
  const mutated = files ?? folderFiles(folder);
  restoreStored(folder, mutated, join(root, out, 'incremental.json'));
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
      if (code === 0) store(folder, mutated, join(root, out, 'incremental.json'));
      resolve(code ?? 1);
    });
  });
}

let failed = 0;
for (const folder of folders.length > 0 ? folders : FOLDERS) {
  if (onlyFiles.length > 0) {
    // A report folder survivors.mjs reads with the parts (part-*).
    if ((await run(folder, onlyFiles, `part-${onlyFiles.map((f) => basename(f, '.ts')).sort().join('+')}`)) !== 0) failed++;
    continue;
  }
  if (parts === 0) {
    if ((await run(folder)) !== 0) failed++;
    continue;
  }
  const groups = splitFiles(folder, parts);
  for (const [i, files] of groups.entries()) {
    if (onlyParts.length > 0 && !onlyParts.includes(i + 1)) continue;
    if ((await run(folder, files, `part-${i + 1}`)) !== 0) failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
