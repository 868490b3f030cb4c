// `npm run test:integration`: the integration suite inside a real VS Code (code-server): from the source folder
// (extensionDevelopmentPath), from the packaged .vsix installed into a fresh server, the trust and adversary passes,
// and the .vsix again on the oldest VS Code engines.vscode declares (HOSTS.oldest in scripts/vscode-host.mjs).
//   node scripts/test-integration.mjs --oldest   only the build, the package and the oldest-VS-Code pass
// Also holds the step runner and summary that scripts/test.mjs uses.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOSTS, ensureHost, makeStateDir, runExtensionTests } from './vscode-host.mjs';

export const root = fileURLToPath(new URL('..', import.meta.url));
const SUITE_INDEX = join(root, 'out', 'test', 'integration', 'index');
const SUITE_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs a command with the output shown live; resolves with its exit code and (when asked) the output.
 * `exitAfterSummaryMs` (with capture): once mocha printed its "N passing" summary, the process must exit within
 * that long; one that does not is kept alive by a leaked handle (a server, a child, a timer), so it is killed and
 * the run resolves with code 125 and `leaked: true` — a failure, where `--exit` would have hidden it.
 */
export function runCommand(cmd, args, { capture = false, env, cwd = root, exitAfterSummaryMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'] });
    let output = '';
    let watchdog;
    let leaked = false;
    const onOutput = () => {
      if (exitAfterSummaryMs === undefined || watchdog || !/^\s*\d+ passing\b/m.test(output)) return;
      watchdog = setTimeout(() => {
        leaked = true;
        const note = `\n${cmd} printed its summary but did not exit within ${exitAfterSummaryMs / 1000} s: a handle leaked; killing it\n`;
        output += note;
        process.stderr.write(note);
        child.kill('SIGKILL');
      }, exitAfterSummaryMs);
    };
    if (capture) {
      child.stdout.on('data', (d) => { output += d; process.stdout.write(d); onOutput(); });
      child.stderr.on('data', (d) => { output += d; process.stderr.write(d); onOutput(); });
    }
    child.on('error', (e) => { output += String(e); resolve({ code: 127, output }); });
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code: leaked ? 125 : code ?? (signal ? 128 : 1), output, leaked });
    });
  });
}

/**
 * Collects named steps with their result, duration and test counts, and prints the summary.
 * A step that fails without reporting a failed test adds one failure, so the total never reads as green.
 */
export class Steps {
  results = [];

  /** Runs fn (which returns { ok, passed?, failed?, pending?, note? }) and records it. */
  async run(name, fn) {
    console.log(`\n=== ${name} ===`);
    const started = Date.now();
    let r;
    try {
      r = await fn();
    } catch (e) {
      console.error(e instanceof Error ? e.message : String(e));
      r = { ok: false, note: 'crashed' };
    }
    const result = { name, durationMs: Date.now() - started, ...r };
    this.results.push(result);
    console.log(`=== ${name}: ${result.ok ? 'ok' : 'FAILED'} (${(result.durationMs / 1000).toFixed(1)} s) ===`);
    return result;
  }

  skip(name, why) {
    this.results.push({ name, ok: true, skipped: true, durationMs: 0, note: `skipped: ${why}` });
  }

  get ok() {
    return this.results.every((r) => r.ok);
  }

  totals() {
    let passed = 0;
    let failed = 0;
    for (const r of this.results) {
      passed += r.passed ?? 0;
      failed += r.failed ?? 0;
      if (!r.ok && !(r.failed > 0)) failed += 1;
    }
    return { passed, failed };
  }

  /** Prints the table; the last line is exactly `N passed, N failed`. */
  print(title) {
    console.log(`\n=== ${title} ===`);
    for (const r of this.results) {
      const status = r.skipped ? 'skipped' : r.ok ? 'ok' : 'FAILED';
      const counts = r.passed !== undefined || r.failed !== undefined
        ? `${r.passed ?? 0} passed, ${r.failed ?? 0} failed${r.pending ? `, ${r.pending} pending` : ''}` : '';
      const note = [counts, r.note].filter(Boolean).join('; ');
      console.log(`  ${r.name.padEnd(22)} ${status.padEnd(8)} ${`${(r.durationMs / 1000).toFixed(1)} s`.padStart(8)}  ${note}`);
    }
    const { passed, failed } = this.totals();
    console.log(`${passed} passed, ${failed} failed`);
  }
}

/** Reads the suite's own result line (printed by test/integration/index.ts). */
export function parseIntegrationCounts(output) {
  const m = /integration-result: (\d+) passed, (\d+) failed, (\d+) pending/.exec(output);
  return m ? { passed: Number(m[1]), failed: Number(m[2]), pending: Number(m[3]) } : {};
}

/** Builds the .vsix users would install. Swappable: today scripts/package.mjs, else vsce directly. */
export async function packageVsix(outFile) {
  if (existsSync(join(root, 'scripts', 'package.mjs'))) {
    return runCommand(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out', outFile]);
  }
  return runCommand('npx', ['vsce', 'package', '--no-dependencies', '-o', outFile]);
}

/** Packages the adversary test extension (test/adversary) into its own .vsix, as its author would. */
export async function packageAdversary(outFile) {
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  return runCommand(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', outFile], { cwd: join(root, 'test', 'adversary') });
}

/** Installs (or finds) a code-server host (HOSTS name, the current one by default); notes how long a cold install took. */
export async function hostStep(version) {
  const host = await ensureHost({ version });
  return { ok: true, note: host.installMs ? `cold install ${(host.installMs / 1000).toFixed(1)} s into ${host.dir}` : `cached in ${host.dir}` };
}

/**
 * One integration run: mode 'source' loads the repo as a development extension, 'vsix' installs the package and
 * runs the installed files as the development extension (so they run under ExtensionMode.Test, the only mode in
 * which the extension gives the tests its test API).
 */
export async function integrationStep(mode, vsix, { vscodeHost } = {}) {
  let output = '';
  const code = await runExtensionTests({
    vscodeHost,
    extensionDevelopmentPath: mode === 'source' ? root : undefined,
    extensionTestsPath: SUITE_INDEX,
    vsix: mode === 'vsix' ? vsix : undefined,
    developInstalled: mode === 'vsix',
    env: { INVIOSMART_TEST_MODE: mode },
    timeoutMs: SUITE_TIMEOUT_MS,
    onOutput: (s) => { output += s; process.stdout.write(s); },
  });
  const counts = parseIntegrationCounts(output);
  return { ok: code === 0 && counts.passed !== undefined, ...counts, note: code === 124 ? 'timed out' : code === 0 ? '' : `exit ${code}` };
}

/**
 * The packaged .vsix on the oldest VS Code that engines.vscode admits, run by that VS Code's Node: what a user on
 * the floor version installs. Recorded as `vscode-host:oldest` and `integration:oldest`.
 */
export async function oldestSteps(steps, vsixPath) {
  const { vscode, node } = HOSTS.oldest;
  const host = await steps.run('vscode-host:oldest', () => hostStep('oldest'));
  if (!host.ok) {
    steps.results.push({ name: 'integration:oldest', ok: false, durationMs: 0, note: `no VS Code ${vscode} host` });
    return;
  }
  if (!vsixPath) {
    steps.skip('integration:oldest', 'no .vsix');
    return;
  }
  const r = await steps.run('integration:oldest', () => integrationStep('vsix', vsixPath, { vscodeHost: 'oldest' }));
  r.note = [`VS Code ${vscode}, Node ${node}`, r.note].filter(Boolean).join('; ');
}

/** A port free on 127.0.0.1 right now (for the rogue server the untrusted pass's settings point at). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The workspace-trust pass: workspace trust on, a folder nobody trusted whose .vscode/settings.json points the
 * gateway URLs at a "rogue" server on 127.0.0.1; only test/integration/trust.test.ts runs (see there).
 */
export async function untrustedStep() {
  const port = await freePort();
  const folder = join(makeStateDir('inviosmart-untrusted-ws-'), 'rogue-repo');
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  const rogue = `http://127.0.0.1:${port}/rogue`;
  writeFileSync(join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'inviosmart.gateway.baseUrl': rogue, 'inviosmart.gateway.sendUrl': `${rogue}/send` }, null, 2)}\n`);
  let output = '';
  const code = await runExtensionTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: SUITE_INDEX,
    workspaceFolder: folder,
    workspaceTrust: true,
    settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' },
    env: { INVIOSMART_TEST_MODE: 'untrusted', INVIOSMART_TRUST_PASS: 'untrusted', INVIOSMART_ROGUE_PORT: String(port), INVIOSMART_TEST_GREP: 'Workspace trust' },
    timeoutMs: 5 * 60_000,
    onOutput: (s) => { output += s; process.stdout.write(s); },
  });
  if (!process.env.INVIOSMART_KEEP_TEST_STATE) rmSync(dirname(folder), { recursive: true, force: true });
  const counts = parseIntegrationCounts(output);
  return { ok: code === 0 && counts.passed > 0, ...counts, note: code === 124 ? 'timed out' : code === 0 ? '' : `exit ${code}` };
}

/**
 * The adversarial second extension (test/adversary), installed from its own .vsix beside Inviosmart; only
 * test/integration/adversary.test.ts runs. `under` 'test' runs Inviosmart from the source folder under
 * ExtensionMode.Test (the adversary walks the test API, with real accounts signed in); 'production' installs
 * Inviosmart's .vsix as a user has it (activate must export nothing).
 */
export async function adversaryStep(under, { vsix, adversaryVsix }) {
  let output = '';
  const production = under === 'production';
  const code = await runExtensionTests({
    extensionDevelopmentPath: production ? undefined : root,
    extensionTestsPath: SUITE_INDEX,
    vsix: production ? vsix : undefined,
    alsoInstall: [adversaryVsix],
    env: { INVIOSMART_TEST_MODE: production ? 'vsix' : 'source', INVIOSMART_ADVERSARY: under, INVIOSMART_TEST_GREP: 'Adversary' },
    timeoutMs: 15 * 60_000,
    onOutput: (s) => { output += s; process.stdout.write(s); },
  });
  const counts = parseIntegrationCounts(output);
  return { ok: code === 0 && counts.passed > 0, ...counts, note: code === 124 ? 'timed out' : code === 0 ? '' : `exit ${code}` };
}

/** Every integration run; `vsix` is built first unless given; `oldestOnly` runs only the oldest-VS-Code pass. Records into `steps`. */
export async function integrationSteps(steps, { vsix, oldestOnly = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'inviosmart-package-'));
  try {
    const packaged = async () => {
      if (vsix) return vsix;
      const out = join(work, 'inviosmart-sms.vsix');
      const pkg = await steps.run('package', async () => ({ ok: (await packageVsix(out)).code === 0 && existsSync(out) }));
      return pkg.ok ? out : undefined;
    };
    if (oldestOnly) {
      await oldestSteps(steps, await packaged());
      return;
    }
    const host = await steps.run('vscode-host', hostStep);
    if (!host.ok) {
      steps.skip('integration:source', 'no VS Code host');
      steps.skip('integration:vsix', 'no VS Code host');
      steps.skip('integration:oldest', 'no VS Code host');
      return;
    }
    // The source run first: packaging replaces dist/ with the production bundle, which leaves the
    // test-only code out (docs/ARCHITECTURE.md), and the source run is the development build.
    await steps.run('integration:source', () => integrationStep('source'));
    const vsixPath = await packaged();
    if (vsixPath) await steps.run('integration:vsix', () => integrationStep('vsix', vsixPath));
    else steps.skip('integration:vsix', 'no .vsix');
    await steps.run('integration:untrusted', untrustedStep);
    const adversaryVsix = join(work, 'inviosmart-adversary.vsix');
    const adv = await steps.run('package:adversary', async () => ({ ok: (await packageAdversary(adversaryVsix)).code === 0 && existsSync(adversaryVsix) }));
    if (adv.ok) {
      await steps.run('integration:adversary', () => adversaryStep('test', { adversaryVsix }));
      if (vsixPath) await steps.run('integration:adversary-prod', () => adversaryStep('production', { vsix: vsixPath, adversaryVsix }));
      else steps.skip('integration:adversary-prod', 'no .vsix');
    }
    await oldestSteps(steps, vsixPath);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  const steps = new Steps();
  const build = await steps.run('build', async () => ({ ok: (await runCommand(process.execPath, [join(root, 'scripts', 'build.mjs'), '--tests'])).code === 0 }));
  if (build.ok) await integrationSteps(steps, { oldestOnly: process.argv.includes('--oldest') });
  steps.print('test:integration summary');
  process.exit(steps.ok ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
