// Installs what the build and the tests need, using Node builtins only (it runs before node_modules exists).
//   node scripts/ensure-deps.mjs        npm ci when node_modules is missing or stale; Debian packages when missing
// Works as root without a TTY (CI); as another user it prints the apt-get command to run instead.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Debian packages the real-VS Code tests need: the browser, kerberos headers for code-server's native build, a font. */
export const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'fonts-dejavu-core'];

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** True when node_modules must be (re)installed: absent, or older than package-lock.json. */
export function nodeModulesStale(dir = root) {
  const lock = mtimeMs(join(dir, 'package-lock.json'));
  // npm writes this hidden lockfile at the end of every install, so its age is the install's age.
  const installed = mtimeMs(join(dir, 'node_modules', '.package-lock.json'));
  if (installed === undefined) return true;
  return lock !== undefined && lock > installed;
}

/** Runs `npm ci` when node_modules is missing or stale. Returns true when it installed. */
export function ensureNodeModules({ log = console.log } = {}) {
  if (!nodeModulesStale()) return false;
  log('ensure-deps: node_modules missing or older than package-lock.json: npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  return true;
}

/** The packages from `names` that dpkg does not report as installed. */
export function missingAptPackages(names = APT_PACKAGES) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/** apt-get update + install of the missing Debian packages. Returns the packages it installed. */
export function ensureAptPackages({ names = APT_PACKAGES, log = console.log } = {}) {
  const missing = missingAptPackages(names);
  if (missing.length === 0) return [];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `ensure-deps: missing Debian packages: ${missing.join(' ')}; install them with: ` +
        `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`ensure-deps: installing Debian packages: ${missing.join(' ')}`);
  // No TTY in CI: never let apt or dpkg stop to ask a question.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...missing], { env });
  const still = missingAptPackages(missing);
  if (still.length > 0) throw new Error(`ensure-deps: apt-get did not install: ${still.join(' ')}`);
  return missing;
}

/** Both steps, as `npm test` needs them. */
export function ensureDeps(options = {}) {
  const npm = ensureNodeModules(options);
  const apt = ensureAptPackages(options);
  return { npm, apt };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { npm, apt } = ensureDeps();
    console.log(`ensure-deps: ok (${npm ? 'npm ci ran' : 'node_modules up to date'}; ${apt.length ? `apt installed ${apt.join(' ')}` : 'Debian packages present'})`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
