// The esbuild options of every bundle, without building anything: scripts/build.mjs builds them, and
// test/unit/productionBundle.test.ts builds the production extension bundle in memory to check it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `__TEST__` (declared in src/buildFlags.d.ts) is false only in the production bundle, where esbuild drops the
 * test-only code it guards (the disk-full switch).
 */
export function testDefine(production) {
  return { __TEST__: production ? 'false' : 'true' };
}

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
 * src/extension.ts is all VS Code loads to activate the extension: it registers stand-in commands and then
 * `require('./core')`s the rest in the next tasks, which loads dist/core.js (its own bundle).
 */
export const coreApart = {
  name: 'core-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/core$/ }, (args) => (/[\\/]src[\\/]extension\.ts$/.test(args.importer) ? { path: './core.js', external: true } : undefined));
  },
};

/**
 * esbuild turns each module's `import * as vscode from 'vscode'` into its own copy of the API object's
 * properties (`__toESM`), 28 copies of a few hundred getters in dist/core.js. Every import of 'vscode'
 * goes through one module that re-exports it instead: one copy.
 */
export const vscodeOnce = {
  name: 'vscode-once',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
    b.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
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

/**
 * src/config.ts imports package.json for the settings' declarations (defaults, bounds): the bundle
 * gets `contributes.configuration` alone, not the commands, menus and views around it.
 */
export function settingsOnly(root) {
  return {
    name: 'package-json-settings',
    setup(b) {
      b.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
        if (args.path !== join(root, 'package.json')) return undefined;
        const { contributes } = JSON.parse(readFileSync(args.path, 'utf8'));
        return { contents: JSON.stringify({ contributes: { configuration: contributes.configuration } }), loader: 'json' };
      });
    },
  };
}

/** Every bundle the product ships: the extension and its core, undici, the phone plans, the CSV libraries, the standalone sandbox, and the webview script. */
export function bundleOptions({ root, production }) {
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
    define: testDefine(production),
  };
  return [
    // dist/extension.js (what activation loads) and dist/core.js (everything else, loaded right after).
    { ...common, entryPoints: { extension: 'src/extension.ts', core: 'src/core.ts' }, outdir: 'dist', plugins: [coreApart, vscodeOnce, undiciApart, phoneApart, csvApart, settingsOnly(root)] },
    { ...common, entryPoints: { 'csv-parse': 'node_modules/csv-parse/dist/cjs/sync.cjs', 'csv-stringify': 'node_modules/csv-stringify/dist/cjs/sync.cjs' }, outdir: 'dist' },
    // Only what src/gateway/proxy.ts uses of undici (scripts/undici-entry.mjs): its first request loads it.
    { ...common, entryPoints: { undici: 'scripts/undici-entry.mjs' }, outdir: 'dist' },
    { ...common, entryPoints: { phone: 'node_modules/libphonenumber-js/max/index.cjs' }, outdir: 'dist' },
    { ...common, entryPoints: { sandbox: 'src/sandbox/cli.ts' }, outdir: 'dist', plugins: [phoneApart] },
    // The SMS History webview app (with the vscode-elements it uses), loaded by media/ inside the webview.
    // Keeps Lit's and vscode-elements' licence notices (collected at the end) even when minified.
    { ...common, entryPoints: { panel: 'src/webview/main.ts' }, outdir: 'media/dist', platform: 'browser', format: 'iife', target: 'es2022', external: [], legalComments: 'eof' },
  ];
}

/**
 * Words only the test-only code holds: the sandbox's scriptable faults (src/sandbox/faults.ts) and the
 * disk-full switch (src/common/diskFullSwitch.ts). None may appear in a production dist/extension.js or dist/core.js.
 */
export const TEST_ONLY_MARKERS = ['injectFault', 'clearFaults', 'resetBeforeRead', 'resetAfterRead', 'truncatedStatus', 'INVIOSMART_TEST_DISK_FULL', 'no space left on device'];

/** The test-only markers found in a bundle's text (none for a clean production bundle). */
export function testOnlyCodeIn(text) {
  return TEST_ONLY_MARKERS.filter((m) => text.includes(m));
}
