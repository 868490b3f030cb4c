// The esbuild options of every bundle, without building anything: scripts/build.mjs builds them, and
// test/unit/productionBundle.test.ts builds the production extension bundle in memory to check it.
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as esbuild from 'esbuild';

/**
 * `__TEST__` (declared in src/buildFlags.d.ts) is false only in the production bundle, where esbuild drops the
 * test-only code it guards (the disk-full switch).
 */
export function testDefine(production) {
  // __CORE_PARTS__: the files src/extension.ts loads before dist/core.js; none outside the extension bundle (the tests' out/).
  return { __TEST__: production ? 'false' : 'true', __CORE_PARTS__: '[]' };
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

/**
 * The core (everything src/core.ts reaches) ships as four files, loaded one per task after `activate`
 * (src/extension.ts), so that no single load holds the extension host's thread for long: compiling and
 * running 300 KB of code at once took 45 to 110 ms there. The layers follow the import directions of
 * docs/ARCHITECTURE.md, so each file needs only those before it: dist/core-1.js (gateway, common,
 * sandbox), dist/core-2.js (history, panel, config.ts), dist/core-3.js (bulk, credentials, balance,
 * views) and dist/core.js (commands, chat tools, tasks and the container). Each module is in exactly one
 * file; an import of a lower layer's module becomes a lookup in that file's `modules`.
 */
export const CORE_LAYERS = [
  { name: 'core-1', holds: ['src/gateway/', 'src/common/', 'src/sandbox/'] },
  { name: 'core-2', holds: ['src/history/', 'src/panel/', 'src/config.ts', 'package.json'] },
  { name: 'core-3', holds: ['src/bulk/', 'src/credentials/', 'src/balance/', 'src/views/'] },
];

/** The made-up entry point of each layer's bundle: every module of the layer the core uses, as `modules`. */
export const CORE_LAYER_ENTRY = 'core-layer-entry';

/**
 * The files src/extension.ts loads before dist/core.js, in order, one per task: the core's layers, then
 * dist/undici.js, which the first balance check (right after the start) needs: in a task of its own rather
 * than in the one that sends that request.
 */
export const CORE_PARTS = [...CORE_LAYERS.map((l) => `${l.name}.js`), 'undici.js'];

/** The layer (index into CORE_LAYERS) a module belongs to, CORE_LAYERS.length for dist/core.js itself, undefined when not ours. */
export function layerOf(rel) {
  if (rel.startsWith('node_modules/') || rel.includes('/node_modules/')) return undefined;
  const at = CORE_LAYERS.findIndex((l) => l.holds.some((h) => (h.endsWith('/') ? rel.startsWith(h) : rel === h)));
  return at >= 0 ? at : CORE_LAYERS.length;
}

/**
 * The modules of each lower layer that a later layer imports (a first, plugin-free pass over src/core.ts:
 * esbuild's metafile). Only those need handing on; a module only its own layer uses stays inside it.
 */
function coreModules(root, production) {
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: ['src/core.ts'],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    external: ['vscode'],
    outfile: join(root, 'out', 'core-layers.js'),
    define: testDefine(production),
    logLevel: 'silent',
  });
  const byLayer = CORE_LAYERS.map(() => new Set());
  for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
    const from = layerOf(input);
    if (from === undefined) continue;
    for (const { path } of imports) {
      const to = layerOf(path);
      if (to !== undefined && to < from) byLayer[to].add(path);
    }
  }
  return byLayer.map((set) => [...set].sort());
}

/** A layer's file name, for messages (CORE_LAYERS.length: dist/core.js). */
const layerName = (i) => (i < CORE_LAYERS.length ? CORE_LAYERS[i].name : 'core');

/**
 * Puts a bundle in its layer: imports of a lower layer's modules are read from that layer's file, and an
 * import of a higher one, or of a module the lower layer does not hand on (`modules`, computed when the
 * options were: a `--watch` build that gained an import), fails the build.
 */
function layered(root, index, modules) {
  const entryModules = modules[index] ?? [];
  return {
    name: `core-layer-${index}`,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${CORE_LAYER_ENTRY}$`) }, () => ({ path: 'entry', namespace: 'core-layer-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'core-layer-entry' }, () => ({
        contents: [
          ...entryModules.map((m, i) => `import * as m${i} from ${JSON.stringify(join(root, m))};`),
          `export const modules = { ${entryModules.map((m, i) => `${JSON.stringify(m)}: m${i}`).join(', ')} };`,
        ].join('\n'),
        resolveDir: root,
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData?.layered) return undefined;
        const found = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { layered: true } });
        if (found.errors.length > 0 || found.external || !found.path) return undefined;
        const rel = relative(root, found.path).split(sep).join('/');
        const at = layerOf(rel);
        if (at === undefined || at === index) return found;
        const importer = `${relative(root, args.importer)} (${layerName(index)})`;
        if (at > index) return { errors: [{ text: `${importer} imports ${rel} from a later layer (${layerName(at)}): see CORE_LAYERS` }] };
        if (!modules[at].includes(rel)) return { errors: [{ text: `${importer} imports ${rel}, which ${layerName(at)} does not hand on: start the build again` }] };
        return { path: rel, namespace: 'core-layer', pluginData: at };
      });
      b.onLoad({ filter: /.*/, namespace: 'core-layer' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${CORE_LAYERS[args.pluginData].name}.js`)}).modules[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\/core-\d+\.js$/, namespace: 'core-layer' }, (args) => ({ path: args.path, external: true }));
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
  const apart = [vscodeOnce, undiciApart, phoneApart, csvApart, settingsOnly(root)];
  const modules = coreModules(root, production);
  return [
    // dist/extension.js (what activation loads: the stand-ins), then the core in layers, loaded right after (CORE_LAYERS).
    { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', plugins: [coreApart, ...apart], define: { ...common.define, __CORE_PARTS__: JSON.stringify(CORE_PARTS) } },
    ...CORE_LAYERS.map((l, i) => ({ ...common, entryPoints: { [l.name]: CORE_LAYER_ENTRY }, outdir: 'dist', plugins: [layered(root, i, modules), ...apart] })),
    { ...common, entryPoints: { core: 'src/core.ts' }, outdir: 'dist', plugins: [layered(root, CORE_LAYERS.length, modules), ...apart] },
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
