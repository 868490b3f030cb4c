// Preloaded (NODE_OPTIONS --require) into Stryker's processes by scripts/mutation.mjs.
// @stryker-mutator/mocha-runner 9 requires mocha's CLI helpers by extensionless path
// (`mocha/lib/cli/run-helpers`); mocha 12 ships them as `.cjs`, which Node's require does not try on its own.
// Stryker 10 knows mocha 12 but needs Node 22; until the project moves, this maps the old paths to the new files.
'use strict';
const Module = require('node:module');

const resolve = Module._resolveFilename;
const MOCHA_CLI = /[\\/]mocha[\\/]lib[\\/]cli[\\/][\w-]+$/;

Module._resolveFilename = function resolveMochaCli(request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (e) {
    if (typeof request === 'string' && MOCHA_CLI.test(request)) return resolve.call(this, `${request}.cjs`, ...rest);
    throw e;
  }
};
