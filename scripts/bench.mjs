// Builds the sources and the benchmarks (out/), then runs them:
//   npm run bench                      every benchmark
//   npm run bench -- gateway           only the named ones
//   npm run bench -- --markdown        also print the table as Markdown (for README.md)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--tests'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// A separate process, so the build's memory and JIT state do not colour the figures.
const run = spawnSync(process.execPath, [join(root, 'out', 'bench', 'index.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
