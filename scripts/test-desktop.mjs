// `npm run test:desktop`: the integration suite in desktop VS Code through @vscode/test-electron, for
// machines that can download VS Code. Where it cannot be downloaded, says so in one line and exits 1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SilentReporter, downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const root = fileURLToPath(new URL('..', import.meta.url));
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|timed? ?out|getaddrinfo/i;

/** Desktop VS Code needs a display: start Xvfb when there is none and it is installed. */
function ensureDisplay() {
  if (process.platform !== 'linux' || process.env.DISPLAY) return undefined;
  const which = spawnSync('sh', ['-c', 'command -v Xvfb'], { encoding: 'utf8' });
  if (which.status !== 0) {
    console.log('test:desktop: no DISPLAY and no Xvfb (apt-get install xvfb); VS Code may fail to open a window');
    return undefined;
  }
  const display = `:${90 + (process.pid % 100)}`;
  const xvfb = spawn(which.stdout.trim(), [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  process.env.DISPLAY = display;
  return xvfb;
}

async function main() {
  let executable;
  try {
    executable = await downloadAndUnzipVSCode({ cachePath: join(root, '.vscode-test'), reporter: new SilentReporter() });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const reason = OFFLINE.test(why) ? 'no internet' : why.split('\n')[0];
    console.log(`test:desktop: desktop VS Code could not be downloaded (${reason}); run npm test for the code-server integration run`);
    return 1;
  }

  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--tests'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) return 1;
  const state = mkdtempSync(join(tmpdir(), 'inviosmart-desktop-'));
  mkdirSync(join(state, 'workspace'));
  const xvfb = ensureDisplay();
  try {
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'out', 'test', 'integration', 'index'),
      extensionTestsEnv: { INVIOSMART_TEST_MODE: 'source' },
      launchArgs: [
        join(state, 'workspace'), '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
        '--user-data-dir', join(state, 'user-data'), '--extensions-dir', join(state, 'extensions'),
      ],
    });
    return 0;
  } catch (e) {
    console.error(`test:desktop: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    xvfb?.kill();
    if (existsSync(state)) rmSync(state, { recursive: true, force: true });
  }
}

process.exit(await main());
