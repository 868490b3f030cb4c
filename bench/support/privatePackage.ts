// Packages the extension as `npm run package` does, but in a private folder: the production bundles are
// written there, not into the checkout's dist/ and media/dist/, where another build running at the same
// time (a shared checkout) could swap in a development bundle between the build and vsce.
// Keep the esbuild options in step with scripts/build.mjs (production) and the files with .vscodeignore.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** What .vscodeignore lets through, besides the bundles built here. */
const SHIPPED = ['package.json', 'package.nls.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media/icon.png', 'media/activity.svg', 'media/screenshots', 'l10n'];

const undiciApart: esbuild.Plugin = {
  name: 'undici-apart',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
  },
};

const phoneApart: esbuild.Plugin = {
  name: 'phone-apart',
  setup(b) {
    b.onResolve({ filter: /^libphonenumber-js\/max$/ }, () => ({ path: './phone.js', external: true }));
  },
};

const csvApart: esbuild.Plugin = {
  name: 'csv-apart',
  setup(b) {
    b.onResolve({ filter: /^csv-(parse|stringify)\/sync$/ }, (args) => ({ path: `./${args.path.slice(0, -'/sync'.length)}.js`, external: true }));
  },
};

export async function packagePrivately(dir: string, outVsix: string): Promise<void> {
  mkdirSync(path.join(dir, 'media'), { recursive: true });
  for (const rel of SHIPPED) if (existsSync(path.join(repoRoot, rel))) cpSync(path.join(repoRoot, rel), path.join(dir, rel), { recursive: true });
  for (const name of readdirSync(repoRoot)) if (/^package\.nls\..+\.json$/.test(name)) cpSync(path.join(repoRoot, name), path.join(dir, name));
  for (const name of readdirSync(path.join(repoRoot, 'media'))) if (name.endsWith('.css')) cpSync(path.join(repoRoot, 'media', name), path.join(dir, 'media', name));
  const common: esbuild.BuildOptions = {
    absWorkingDir: repoRoot, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
    minify: true, sourcemap: false, logLevel: 'warning', legalComments: 'none',
  };
  await Promise.all([
    // As scripts/build.mjs: undici, the phone plans and the CSV libraries in their own files, required by the extension on first use.
    esbuild.build({ ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: path.join(dir, 'dist'), plugins: [undiciApart, phoneApart, csvApart] }),
    esbuild.build({
      ...common,
      entryPoints: {
        undici: 'node_modules/undici/index.js',
        phone: 'node_modules/libphonenumber-js/max/index.cjs',
        'csv-parse': 'node_modules/csv-parse/dist/cjs/sync.cjs',
        'csv-stringify': 'node_modules/csv-stringify/dist/cjs/sync.cjs',
      },
      outdir: path.join(dir, 'dist'),
    }),
    esbuild.build({ ...common, entryPoints: { sandbox: 'src/sandbox/cli.ts' }, outdir: path.join(dir, 'dist'), plugins: [phoneApart] }),
    esbuild.build({
      ...common, entryPoints: { panel: 'src/webview/main.ts' }, outdir: path.join(dir, 'media', 'dist'),
      platform: 'browser', format: 'iife', target: 'es2022', external: [], legalComments: 'eof',
    }),
  ]);
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', outVsix], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
}
