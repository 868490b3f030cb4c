// `npm test`: everything CI checks, from a fresh clone with only npm and apt reachable.
//   ensure-deps -> typecheck -> lint -> build --tests -> unit -> package -> VS Code host
//   -> integration in code-server from the source folder -> the same suite from the installed .vsix
//   -> the workspace-trust pass (untrusted folder) -> the adversarial second extension (test API, then production)
//   -> the .vsix again on the oldest VS Code engines.vscode declares (code-server 4.96.4 = VS Code 1.96.4, Node 20.18.1)
//   -> `npm start` (start, fetch the page, stop) -> leak-scan of every kept state folder, test-results/ and the output
// Where the system packages cannot be installed (not Debian, not root) it still runs everything up to the unit tests,
// then stops before the browser and real-VS-Code suites with the command that installs what is missing.
// Prints a summary; the last line is `N passed, N failed` over all suites. Exits 1 on any failure.
//   node scripts/test.mjs --start-check   only the `npm start` check
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSystemDeps, ensureDeps } from './ensure-deps.mjs';

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

/** The steps that need the system packages (a browser, code-server), in the order they run. */
export const SYSTEM_STEPS = ['browser', 'vscode-host', 'integration:source', 'package', 'integration:vsix', 'integration:untrusted', 'package:adversary', 'integration:adversary', 'integration:adversary-prod',
  'vscode-host:oldest', 'integration:oldest', 'start'];

/**
 * What `npm test` runs for a systemDeps() answer: `run` before the real-VS-Code suites, `system` (the steps that need
 * the system packages, or none when they are missing) and `stop` (the message with the command, when they are).
 */
export function stepPlan(system) {
  const run = ['typecheck', 'lint', 'build', 'unit'];
  if (system.ok) return { run, system: SYSTEM_STEPS, stop: undefined };
  return { run, system: [], stop: describeSystemDeps(system) };
}

const START_CHECK_TIMEOUT_MS = 10 * 60_000;

/**
 * The `npm start` check: runs scripts/start.mjs (code-server, never a desktop window), waits for the address it
 * prints, fetches that page and the sandbox it names, then stops it with SIGTERM and waits for it to exit.
 * Everything on 127.0.0.1; bounded by START_CHECK_TIMEOUT_MS (a cold code-server install is in it).
 */
export function startCheck({ timeoutMs = START_CHECK_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
      cwd: root, env: { ...process.env, INVIOSMART_START_CODE_SERVER: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let output = '';
    let settled = false;
    let checking = false;
    const exited = new Promise((r) => child.on('exit', (code, signal) => r(code ?? signal)));
    const finish = async (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const exit = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      if (exit === 'still running') {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        resolve({ ok: false, passed: 0, failed: 1, note: 'npm start did not stop on SIGTERM within 15 s' });
        return;
      }
      resolve(result);
    };
    const timer = setTimeout(() => void finish({ ok: false, passed: 0, failed: 1, note: `no working address within ${timeoutMs / 1000} s` }), timeoutMs);
    const onData = (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
      const page = /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?\S+)$/m.exec(output)?.[1];
      const sandbox = /sandbox gateway (http:\/\/127\.0\.0\.1:\d+)\s/.exec(output)?.[1];
      if (!page || !sandbox || checking) return;
      checking = true;
      void (async () => {
        try {
          const r = await fetch(page);
          const html = await r.text();
          if (r.status !== 200 || !/<html/i.test(html) || !/workbench/i.test(html)) {
            return finish({ ok: false, passed: 0, failed: 1, note: `${page} answered ${r.status} without the workbench` });
          }
          const s = await fetch(`${sandbox}/help`);
          if (s.status !== 200) return finish({ ok: false, passed: 0, failed: 1, note: `the sandbox at ${sandbox} answered ${s.status}` });
          await finish({ ok: true, passed: 1, failed: 0, note: `workbench at ${new URL(page).origin}, sandbox at ${sandbox}` });
        } catch (e) {
          await finish({ ok: false, passed: 0, failed: 1, note: `fetching ${page}: ${e instanceof Error ? e.message : String(e)}` });
        }
      })();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => void finish({ ok: false, passed: 0, failed: 1, note: `npm start exited (${code ?? signal}) before printing a working address` }));
  });
}

async function main() {
  const started = Date.now();
  const leak = collectForLeakScan();
  // ensure-deps runs before anything from node_modules is loaded: the helpers below import only builtins,
  // and playwright-core is loaded later, on demand.
  const depsStarted = Date.now();
  let depsError;
  let system = { ok: true, missing: [] };
  try {
    console.log('=== ensure-deps ===');
    system = ensureDeps().system;
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
  const plan = stepPlan(system);
  if (plan.stop) console.error(plan.stop);

  // Captured (and shown live) so the output of every step reaches the leak scan.
  const node = (script, ...args) => runCommand(process.execPath, [join(root, script), ...args], { capture: true });
  await steps.run('typecheck', async () => ({ ok: (await node('node_modules/typescript/bin/tsc', '--noEmit', '-p', '.')).code === 0 }));
  await steps.run('lint', async () => ({ ok: (await node('node_modules/eslint/bin/eslint.js', '.')).code === 0 }));
  const build = await steps.run('build', async () => ({ ok: (await node('scripts/build.mjs', '--tests')).code === 0 }));
  if (!build.ok) {
    for (const s of ['unit', ...SYSTEM_STEPS]) steps.skip(s, 'build failed');
  } else {
    await steps.run('unit', async () => {
      const r = await runCommand(process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js'), '--config', '.mocharc.json'], { capture: true });
      const counts = mochaCounts(r.output);
      return { ok: r.code === 0 && counts.passed > 0, ...counts, note: r.code === 0 ? '' : `exit ${r.code}` };
    });
    if (plan.stop) {
      // Not a pass: the suites a user would meet in VS Code did not run. The summary says why and what to install.
      steps.results.push({ name: 'system-deps', ok: false, durationMs: 0, note: `missing ${system.missing.join(' ')}: ${system.command}` });
      for (const s of SYSTEM_STEPS) steps.skip(s, 'system packages missing');
    } else {
      // Browser tests: the webview app and the real workbench UI in Debian's Chromium (test/e2e).
      await steps.run('browser', async () => {
        const r = await runCommand(
          process.execPath,
          // No --exit: every suite stops what it started, and a handle left open fails the step instead of hiding.
          [join(root, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--timeout', '120000', 'out/test/e2e/**/*.test.js'],
          { capture: true, exitAfterSummaryMs: 30_000 },
        );
        const counts = mochaCounts(r.output);
        return { ok: r.code === 0 && counts.passed > 0, ...counts, note: r.leaked ? 'did not exit: a handle leaked' : r.code === 0 ? '' : `exit ${r.code}` };
      });
      await integrationSteps(steps);
      await steps.run('start', () => startCheck());
    }
  }
  await leakScanStep(steps, leak);
  steps.results.push({ name: 'total', ok: true, durationMs: Date.now() - started });
  if (plan.stop) console.error(`\n${plan.stop}`);
  steps.print('npm test summary');
  process.exit(steps.ok ? 0 : 1);
}

async function startCheckOnly() {
  const { Steps } = await import('./test-integration.mjs');
  const steps = new Steps();
  await steps.run('start', () => startCheck());
  steps.print('start check');
  process.exit(steps.ok ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--start-check')) await startCheckOnly();
  else await main();
}
