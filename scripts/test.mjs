// `npm test`: everything CI checks, from a fresh clone with only npm and apt reachable.
//   ensure-deps -> typecheck -> lint -> build --tests -> unit -> package -> VS Code host
//   -> integration in code-server from the source folder -> the same suite from the installed .vsix
// Prints a summary; the last line is `N passed, N failed` over all suites. Exits 1 on any failure.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Reads mocha's spec reporter totals. */
function mochaCounts(output) {
  const n = (word) => {
    const m = new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(output);
    return m ? Number(m[1]) : 0;
  };
  return { passed: n('passing'), failed: n('failing'), pending: n('pending') };
}

async function main() {
  const started = Date.now();
  // ensure-deps runs before anything from node_modules is loaded: the helpers below import only builtins,
  // and playwright-core is loaded later, on demand.
  const depsStarted = Date.now();
  let depsError;
  try {
    console.log('=== ensure-deps ===');
    ensureDeps();
  } catch (e) {
    depsError = e instanceof Error ? e.message : String(e);
    console.error(depsError);
  }
  const { Steps, runCommand, integrationSteps } = await import('./test-integration.mjs');
  const steps = new Steps();
  steps.results.push({ name: 'ensure-deps', ok: !depsError, durationMs: Date.now() - depsStarted, note: depsError ? 'failed' : '' });
  if (depsError) {
    steps.print('npm test summary');
    process.exit(1);
  }

  const node = (script, ...args) => runCommand(process.execPath, [join(root, script), ...args]);
  await steps.run('typecheck', async () => ({ ok: (await node('node_modules/typescript/bin/tsc', '--noEmit', '-p', '.')).code === 0 }));
  await steps.run('lint', async () => ({ ok: (await node('node_modules/eslint/bin/eslint.js', '.')).code === 0 }));
  const build = await steps.run('build', async () => ({ ok: (await node('scripts/build.mjs', '--tests')).code === 0 }));
  if (!build.ok) {
    for (const s of ['unit', 'browser', 'package', 'vscode-host', 'integration:source', 'integration:vsix']) steps.skip(s, 'build failed');
  } else {
    await steps.run('unit', async () => {
      const r = await runCommand(process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js'), '--config', '.mocharc.json'], { capture: true });
      const counts = mochaCounts(r.output);
      return { ok: r.code === 0 && counts.passed > 0, ...counts, note: r.code === 0 ? '' : `exit ${r.code}` };
    });
    // Browser tests: the webview app and the real workbench UI in Debian's Chromium (test/e2e).
    await steps.run('browser', async () => {
      const r = await runCommand(
        process.execPath,
        [join(root, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--timeout', '120000', '--exit', 'out/test/e2e/**/*.test.js'],
        { capture: true },
      );
      const counts = mochaCounts(r.output);
      return { ok: r.code === 0 && counts.passed > 0, ...counts, note: r.code === 0 ? '' : `exit ${r.code}` };
    });
    await integrationSteps(steps);
  }
  steps.results.push({ name: 'total', ok: true, durationMs: Date.now() - started });
  steps.print('npm test summary');
  process.exit(steps.ok ? 0 : 1);
}

await main();
