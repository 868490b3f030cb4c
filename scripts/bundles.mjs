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

/** Every bundle the product ships: the extension, undici, the phone plans, the CSV libraries, the standalone sandbox, and the webview script. */
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
    { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', plugins: [undiciApart, phoneApart, csvApart, settingsOnly(root)] },
    { ...common, entryPoints: { 'csv-parse': 'node_modules/csv-parse/dist/cjs/sync.cjs', 'csv-stringify': 'node_modules/csv-stringify/dist/cjs/sync.cjs' }, outdir: 'dist' },
    { ...common, entryPoints: { undici: 'node_modules/undici/index.js' }, outdir: 'dist' },
    { ...common, entryPoints: { phone: 'node_modules/libphonenumber-js/max/index.cjs' }, outdir: 'dist' },
    { ...common, entryPoints: { sandbox: 'src/sandbox/cli.ts' }, outdir: 'dist', plugins: [phoneApart] },
    // The SMS History webview app (with the vscode-elements it uses), loaded by media/ inside the webview.
    // Keeps Lit's and vscode-elements' licence notices (collected at the end) even when minified.
    { ...common, entryPoints: { panel: 'src/webview/main.ts' }, outdir: 'media/dist', platform: 'browser', format: 'iife', target: 'es2022', external: [], legalComments: 'eof' },
  ];
}

/**
 * Words only the test-only code holds: the sandbox's scriptable faults (src/sandbox/faults.ts) and the
 * disk-full switch (src/common/diskFullSwitch.ts). None may appear in a production dist/extension.js.
 */
export const TEST_ONLY_MARKERS = ['injectFault', 'clearFaults', 'resetBeforeRead', 'resetAfterRead', 'truncatedStatus', 'INVIOSMART_TEST_DISK_FULL', 'no space left on device'];

/** The test-only markers found in a bundle's text (none for a clean production bundle). */
export function testOnlyCodeIn(text) {
  return TEST_ONLY_MARKERS.filter((m) => text.includes(m));
}
