// Starts an older code-server (before --vscode-option, e.g. 4.96.4) with VS Code's --enable-smoke-test-driver.
// Its argument parser refuses options it does not list, yet hands every parsed option to VS Code unchanged;
// so this adds that one VS Code option to the list, then runs code-server's entry as usual.
// Used by scripts/vscode-host.mjs: node code-server-smoke-driver.mjs <code-server args> --enable-smoke-test-driver,
// with INVIOSMART_CODE_SERVER_DIR naming the code-server package folder.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.env.INVIOSMART_CODE_SERVER_DIR;
if (!dir) throw new Error('code-server-smoke-driver: INVIOSMART_CODE_SERVER_DIR is not set');
const require = createRequire(join(dir, 'package.json'));
const { options } = require('./out/node/cli.js');
options['enable-smoke-test-driver'] ??= { type: 'boolean', description: 'VS Code smoke-test driver (tests only).' };
require('./out/node/entry.js');
