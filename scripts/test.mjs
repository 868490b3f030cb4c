// `npm test`: everything CI checks, from a fresh clone with only npm and apt reachable.
//   ensure-deps -> typecheck -> lint -> build --tests -> unit -> package -> VS Code host
//   -> integration in code-server from the source folder -> the same suite from the installed .vsix
//   -> the workspace-trust pass (untrusted folder) -> the adversarial second extension (test API, then production)
//   -> leak-scan of every kept state folder, test-results/ and the output
// Prints a summary; the last line is `N passed, N failed` over all suites. Exits 1 on any failure.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * Every run's state (code-server folders, exported files) goes under one folder and is kept, and everything this
 * process prints is copied into it, so scripts/leak-scan.mjs can look for the test password in all of it at the end.
 */
function collectForLeakScan() {
  const stateRoot = mkdtempSync(join(tmpdir(), 'inviosmart-npm-test-'));
  process.env.INVIOSMART_STATE_ROOT = stateRoot;
  const keptByUser = !!process.env.INVIOSMART_KEEP_TEST_STATE;
  process.env.INVIOSMART_KEEP_TEST_STATE = '1';
  const logFile = join(stateRoot, 'captured-output', 'npm-test.log');
  mkdirSync(join(stateRoot, 'captured-output'), { recursive: true });
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      try {
        appendFileSync(logFile, chunk);
      } catch {
        // the copy is best effort; the console output is what matters
      }
      return write(chunk, ...rest);
    };
  }
  return { stateRoot, keptByUser };
}

async function leakScanStep(steps, { stateRoot, keptByUser }) {
  await steps.run('leak-scan', async () => {
    const { leakScan, report, selfCheck } = await import('./leak-scan.mjs');
    console.log(`leak-scan: self-check found all ${selfCheck()} planted spellings of the test passwords`);
    const targets = [stateRoot, join(root, 'test-results')].filter((p) => existsSync(p));
    const result = leakScan(targets);
    report(result);
    const ok = result.hits.length === 0;
    if (ok && !keptByUser) rmSync(stateRoot, { recursive: true, force: true });
    else console.log(`leak-scan: state kept in ${stateRoot}`);
    return { ok, passed: ok ? 1 : 0, failed: ok ? 0 : 1, note: `${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB, ${result.hits.length} leaks` };
  });
}

async function main() {
  const started = Date.now();
  const leak = collectForLeakScan();
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

  // Captured (and shown live) so the output of every step reaches the leak scan.
  const node = (script, ...args) => runCommand(process.execPath, [join(root, script), ...args], { capture: true });
  await steps.run('typecheck', async () => ({ ok: (await node('node_modules/typescript/bin/tsc', '--noEmit', '-p', '.')).code === 0 }));
  await steps.run('lint', async () => ({ ok: (await node('node_modules/eslint/bin/eslint.js', '.')).code === 0 }));
  const build = await steps.run('build', async () => ({ ok: (await node('scripts/build.mjs', '--tests')).code === 0 }));
  if (!build.ok) {
    for (const s of ['unit', 'browser', 'package', 'vscode-host', 'integration:source', 'integration:vsix', 'integration:untrusted']) steps.skip(s, 'build failed');
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
  await leakScanStep(steps, leak);
  steps.results.push({ name: 'total', ok: true, durationMs: Date.now() - started });
  steps.print('npm test summary');
  process.exit(steps.ok ? 0 : 1);
}

await main();
