// Builds the extension with esbuild.
//   node scripts/build.mjs                 development bundle with source maps
//   node scripts/build.mjs --production    minified bundle for packaging
//   node scripts/build.mjs --tests         also transpiles src/ and test/ to out/ for mocha
//   node scripts/build.mjs --watch         rebuilds the bundles on change
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

function tsFiles(dir) {
  const out = [];
  try { statSync(dir); } catch { return out; }
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: production ? 'none' : 'inline',
};

/**
 * undici is two thirds of the code but only needed with the first request: the extension bundle leaves it
 * out and `require('undici')` loads dist/undici.js (its own bundle) then, so activation does not parse it.
 */
export const undiciApart = {
  name: 'undici-apart',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
  },
};

/**
 * libphonenumber-js with its full numbering plans is as big again, and only needed when a number is shown
 * or checked: `require('libphonenumber-js/max')` loads dist/phone.js (its own bundle) then.
 */
export const phoneApart = {
  name: 'phone-apart',
  setup(b) {
    b.onResolve({ filter: /^libphonenumber-js\/max$/ }, () => ({ path: './phone.js', external: true }));
  },
};

/**
 * csv-parse and csv-stringify are only needed by a bulk send and the export: `require('csv-parse/sync')`
 * loads dist/csv-parse.js and `require('csv-stringify/sync')` dist/csv-stringify.js then.
 */
export const csvApart = {
  name: 'csv-apart',
  setup(b) {
    b.onResolve({ filter: /^csv-(parse|stringify)\/sync$/ }, (args) => ({ path: `./${args.path.slice(0, -'/sync'.length)}.js`, external: true }));
  },
};

/** Every bundle the product ships: the extension, undici, the phone plans, the CSV libraries, the standalone sandbox, and the webview script. */
export const bundles = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', plugins: [undiciApart, phoneApart, csvApart] },
  { ...common, entryPoints: { 'csv-parse': 'node_modules/csv-parse/dist/cjs/sync.cjs', 'csv-stringify': 'node_modules/csv-stringify/dist/cjs/sync.cjs' }, outdir: 'dist' },
  { ...common, entryPoints: { undici: 'node_modules/undici/index.js' }, outdir: 'dist' },
  { ...common, entryPoints: { phone: 'node_modules/libphonenumber-js/max/index.cjs' }, outdir: 'dist' },
  { ...common, entryPoints: { sandbox: 'src/sandbox/cli.ts' }, outdir: 'dist', plugins: [phoneApart] },
  // The SMS History webview app (with the vscode-elements it uses), loaded by media/ inside the webview.
  // Keeps Lit's and vscode-elements' licence notices (collected at the end) even when minified.
  { ...common, entryPoints: { panel: 'src/webview/main.ts' }, outdir: 'media/dist', platform: 'browser', format: 'iife', target: 'es2022', external: [], legalComments: 'eof' },
];

export async function build() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  // media/dist is packaged whole: a dev build's source map must not linger into a production .vsix.
  rmSync(join(root, 'media', 'dist'), { recursive: true, force: true });
  const entries = bundles.filter((b) => Object.values(b.entryPoints).every((p) => {
    try { return statSync(join(root, p)).isFile(); } catch { return false; }
  }));
  await Promise.all(entries.map((b) => esbuild.build(b)));
  if (args.has('--tests')) {
    rmSync(join(root, 'out'), { recursive: true, force: true });
    const files = [...tsFiles(join(root, 'src')), ...tsFiles(join(root, 'test')), ...tsFiles(join(root, 'bench'))]
      .map((f) => relative(root, f));
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: files,
      outdir: 'out',
      outbase: '.',
      bundle: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
    });
  }
}

if (args.has('--watch')) {
  const contexts = await Promise.all(bundles.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await build();
}
