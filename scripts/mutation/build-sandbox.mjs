// Stryker's buildCommand, run inside its sandbox copy (<root>/.stryker-tmp/sandbox-…) after the mutants are written in.
// - Stryker links node_modules only after the build, but scripts/build.mjs bundles undici and the phone plans from
//   ./node_modules (and skips them when absent): link it first (symlinkNodeModules is off in stryker.config.mjs).
// - Stryker makes the folder readable by its owner only; some unit tests run a worker as the user `nobody` to prove
//   an unreadable file is reported (test/unit/faultDefects.test.ts), which needs the folder open as the worktree is.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';

const sandbox = process.cwd();
const nodeModules = resolve(sandbox, '..', '..', 'node_modules');
if (!existsSync(resolve(sandbox, 'node_modules'))) symlinkSync(nodeModules, resolve(sandbox, 'node_modules'), 'dir');
chmodSync(sandbox, 0o755);
const r = spawnSync(process.execPath, ['scripts/build.mjs', '--tests'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
