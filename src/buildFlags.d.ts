// Replaced at build time by esbuild's `define` (scripts/build.mjs): true in the development and test
// builds, false in the production bundle, where code under `if (__TEST__)` is dropped as dead code.
declare const __TEST__: boolean;
// The files dist/extension.js loads, one per task, before dist/core.js (scripts/bundles.mjs, CORE_LAYERS):
// `["core-1.js", …]` in the extension bundle, empty in the tests' unbundled out/.
declare const __CORE_PARTS__: readonly string[];
