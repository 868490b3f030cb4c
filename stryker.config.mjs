// @ts-check
// Mutation testing of the plain-Node core (gateway/, history/, bulk/) against the unit tests: by hand, not in CI.
// Run one folder at a time with `npm run mutation -- gateway` (scripts/mutation.mjs; docs/TESTING.md).
//
// Stryker copies the project into .stryker-tmp/, writes every mutant into the TypeScript sources at once
// (each behind a switch), then `buildCommand` compiles the sandbox's src/ and test/ to out/ with esbuild, as
// `npm run test:unit` does, and the mocha runner loads the built unit tests and turns one mutant on at a time.

// scripts/mutation.mjs names a folder per run so the reports of one folder do not replace another's.
const reportDir = process.env.INVIOSMART_MUTATION_REPORT_DIR ?? 'reports/mutation';
// `--tests a,b` (scripts/mutation.mjs): only out/test/unit/a.test.js and b.test.js, for a quick partial run.
const onlyTests = (process.env.INVIOSMART_MUTATION_TESTS ?? '').split(',').filter(Boolean);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The sources are TypeScript but the tests run from esbuild's out/: build the sandbox after mutating it.
  buildCommand: 'node scripts/mutation/build-sandbox.mjs',
  mochaOptions: {
    spec: onlyTests.length > 0 ? onlyTests.map((t) => `out/test/unit/${t}.test.js`) : ['out/test/unit/**/*.test.js'],
    // Left out: ensureDeps checks scripts/ensure-deps.mjs, which sees the sandbox's fresh package-lock.json as newer
    // than node_modules and wants `npm ci`; l10n reads the source text, which in the sandbox holds every mutant behind
    // a switch (so its extractor sees non-literal messages), and gives the same verdict whatever mutant is on; fileSize
    // counts the lines of src/, which the mutants written in make longer than 500 in the sandbox.
    ignore: ['out/test/unit/ensureDeps.test.js', 'out/test/unit/l10n.test.js', 'out/test/unit/fileSize.test.js'],
    // The settings .mocharc.json gives (spec, timeout) are given here instead, so none of it is read twice.
    'no-config': true,
  },
  // The TypeScript checker drops mutants that do not compile before they are run. On a loaded machine it is the
  // slowest step (a type-check of the whole project per group of mutants): `--no-check` (scripts/mutation.mjs)
  // skips it, and a mutant that does not compile is then run as esbuild's JavaScript like any other.
  checkers: process.env.INVIOSMART_MUTATION_NO_CHECK ? [] : ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Folder by folder: scripts/mutation.mjs passes --mutate and its own incremental file.
  mutate: ['src/gateway/**/*.ts', 'src/history/**/*.ts', 'src/bulk/**/*.ts', '!src/**/index.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `${reportDir}/incremental.json`,
  // 2 cores shared with the rest of the team.
  concurrency: 2,
  // Mutants that only run while a module loads (a constant, a regular expression) each need the whole unit suite
  // reloaded: minutes apiece on this machine. They are reported as Ignored and left out of the score
  // (docs/TESTING.md gives their number per folder); `--ignoreStatic false` tests them too.
  ignoreStatic: true,
  timeoutMS: 20000,
  dryRunTimeoutMinutes: 20,
  // Built output and test state from the worktree are not copied into the sandbox: the build makes its own.
  ignorePatterns: ['out', 'dist', 'media/dist', '.vscode-test', '.tmp', 'test-results', 'reports', '*.vsix'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${reportDir}/mutation.html` },
  jsonReporter: { fileName: `${reportDir}/mutation.json` },
  tempDirName: '.stryker-tmp',
  // scripts/mutation/build-sandbox.mjs links it before building (Stryker would link it only after the build).
  symlinkNodeModules: false,
  thresholds: { high: 90, low: 80, break: null },
};

export default config;
