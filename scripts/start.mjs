// `npm start`: installs what it needs, builds, starts a sandbox gateway, and opens the extension in VS Code pointed at it.
//   node scripts/start.mjs [--port N] [--sandbox-port N]
// Works from a fresh clone: node_modules is installed first (npm ci), with Node builtins only until then.
// With a desktop `code` on PATH: a development window with its own profile. Otherwise code-server on
// 127.0.0.1 (installed on first use); open the printed URL in a browser. Ctrl+C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureNodeModules } from './ensure-deps.mjs';
import { QUIET_SETTINGS, ensureHost, makeStateDir, startCodeServer, workbenchUrl } from './vscode-host.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function fail(message) {
  console.error(`start: ${message}`);
  process.exit(1);
}

function portArg(text, name) {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`invalid --${name}: ${text}`);
  return n;
}

/** Merges `settings` into a settings.json, keeping what the developer set there before. */
function writeUserSettings(userDataDir, settings) {
  const file = join(userDataDir, 'User', 'settings.json');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  let before = {};
  try {
    before = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // absent or not plain JSON (comments): start over
  }
  writeFileSync(file, JSON.stringify({ ...before, ...settings }, null, 2));
}

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'sandbox-port': { type: 'string' } } });
  const port = portArg(values.port, 'port');
  const sandboxPort = portArg(values['sandbox-port'], 'sandbox-port');

  try {
    ensureNodeModules({ log: (line) => console.log(line.replace(/^ensure-deps/, 'start')) });
  } catch (e) {
    fail(`installing the npm packages failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  // --tests also writes out/, where the sandbox's importable API lives.
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--tests'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) fail('build failed');

  const { SandboxGateway, DEFAULT_ACCOUNT } = createRequire(import.meta.url)(join(root, 'out', 'src', 'sandbox', 'server.js'));
  const sandbox = await SandboxGateway.start({
    port: sandboxPort,
    onRequest: (r) => console.log(`sandbox: ${r.command} ${new URLSearchParams(r.query).toString()}`),
  });
  const settings = { 'inviosmart.gateway.baseUrl': sandbox.url };

  const cleanups = [() => sandbox.close()];
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log('start: stopping');
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const credentials = `sandbox gateway ${sandbox.url}  username: ${DEFAULT_ACCOUNT.username}  password: ${DEFAULT_ACCOUNT.password}`;
  const desktop = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).stdout.trim();
  if (desktop && !process.env.INVIOSMART_START_CODE_SERVER) {
    // A profile of its own, so the sandbox URL never lands in the developer's everyday settings.
    const userDataDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'inviosmart-sms', 'start-desktop', 'user-data');
    writeUserSettings(userDataDir, { ...QUIET_SETTINGS, ...settings });
    console.log(`start: ${credentials}`);
    console.log('start: opening a VS Code development window; close it or press Ctrl+C to stop');
    const child = spawn(desktop, ['--user-data-dir', userDataDir, `--extensionDevelopmentPath=${root}`, '--new-window', '--wait'], { stdio: 'inherit' });
    cleanups.push(() => child.kill());
    child.on('exit', () => void stop(0));
    return;
  }

  const host = await ensureHost({ browser: false });
  const stateDir = makeStateDir('inviosmart-start-');
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const workspace = join(stateDir, 'workspace');
  mkdirSync(workspace);
  const server = await startCodeServer({
    host, port, stateDir, userDataDir: join(stateDir, 'user-data'), extensionsDir: join(stateDir, 'extensions'), settings,
  });
  cleanups.push(() => server.stop());
  server.exited.then(() => {
    if (!stopping) {
      console.error(`start: code-server stopped unexpectedly; log: ${server.logFile}`);
      void stop(1);
    }
  });
  const url = workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: root });
  console.log('');
  console.log(`start: ${credentials}`);
  console.log(`start: open this in a browser (code-server on 127.0.0.1, extension loaded from ${root}):`);
  console.log(`  ${url}`);
  console.log('start: after changing the code, run `npm run build` and reload the window; Ctrl+C stops everything');
  if (!existsSync(join(root, 'dist', 'extension.js'))) console.log('start: warning: dist/extension.js is missing');
}

await main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
