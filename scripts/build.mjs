// Builds the extension with esbuild.
//   node scripts/build.mjs                 development bundle with source maps
//   node scripts/build.mjs --production    minified bundle for packaging
//   node scripts/build.mjs --tests         also transpiles src/ and test/ to out/ for mocha
//   node scripts/build.mjs --watch         rebuilds the bundles on change
import * as esbuild from 'esbuild';
import { bundleOptions, CORE_LAYER_ENTRY, testDefine } from './bundles.mjs';
import { copyFileSync, readdirSync, statSync, rmSync } from 'node:fs';
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

/** Every bundle the product ships (scripts/bundles.mjs): the extension, undici, the phone plans, the standalone sandbox, the webview script. */
export const bundles = bundleOptions({ root, production });

export async function build() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  // media/dist is packaged whole: a dev build's source map must not linger into a production .vsix.
  rmSync(join(root, 'media', 'dist'), { recursive: true, force: true });
  const entries = bundles.filter((b) => Object.values(b.entryPoints).every((p) => {
    // The core's layers have an entry the build makes up (scripts/bundles.mjs, CORE_LAYERS).
    if (p === CORE_LAYER_ENTRY) return true;
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
      define: testDefine(false),
    });
    // src/config.ts imports ../package.json (the settings' defaults): out/src/ finds it as out/package.json.
    copyFileSync(join(root, 'package.json'), join(root, 'out', 'package.json'));
    // The integration suite's entry is bundled with mocha: mocha 12 is an ES module that require()s ES modules,
    // which the extension host of the oldest VS Code tested (1.96, Node 20.18.1) cannot do.
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['test/integration/index.ts'],
      outfile: 'out/test/integration/index.js',
      bundle: true,
      external: ['vscode'],
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
      // Only mocha's parallel mode, never used here, resolves files beside itself.
      logOverride: { 'require-resolve-not-external': 'silent' },
      allowOverwrite: true,
      define: testDefine(false),
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
