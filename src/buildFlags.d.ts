// Replaced at build time by esbuild's `define` (scripts/build.mjs): true in the development and test
// builds, false in the production bundle, where code under `if (__TEST__)` is dropped as dead code.
declare const __TEST__: boolean;
