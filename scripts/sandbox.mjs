// Builds the standalone sandbox bundle and runs it, passing the arguments on:
//   npm run sandbox -- --port 0 [--username u --password p] [--balance 25] [--time-scale 10]
// Only dist/sandbox.js is (re)built, with the same esbuild settings as scripts/build.mjs, so a
// half-finished extension source cannot stop the sandbox and a running dev host keeps its bundle.
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await esbuild.build({
  absWorkingDir: root,
  entryPoints: { sandbox: 'src/sandbox/cli.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __TEST__: 'true' },
});

const child = spawn(process.execPath, [join(root, 'dist', 'sandbox.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
// The child gets Ctrl+C from the terminal itself; forward a plain kill so it can close cleanly too.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
