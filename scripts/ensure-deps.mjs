// Installs what the build and the tests need, using Node builtins only (it runs before node_modules exists).
//   node scripts/ensure-deps.mjs        npm ci when node_modules is missing or stale; Debian packages when missing
// npm packages are all the build, type-check, lint and unit tests need. The system packages (a browser, Kerberos
// headers, a font) are only for the real-VS-Code and browser suites: as root on Debian (CI) they are installed with
// apt-get; elsewhere systemDeps() says what is missing and the exact command to install it, and `npm test` stops
// before those suites instead of failing before the type-check.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Debian packages for the browser (Chromium through playwright-core, and a font to render with). */
export const BROWSER_PACKAGES = ['chromium', 'fonts-dejavu-core'];
/** Debian packages the one-time code-server install needs: kerberos headers for its native module. */
export const HOST_BUILD_PACKAGES = ['libkrb5-dev'];
/** Debian packages the one-time install of the oldest VS Code host needs: rg, which its ripgrep module would download. */
export const OLD_HOST_PACKAGES = ['ripgrep'];
/** Every Debian package the real-VS-Code tests need. */
export const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'fonts-dejavu-core', 'ripgrep'];

/** The same needs on other Linux distributions, by /etc/os-release ID (for the message only; nothing runs it). */
const OTHER_SYSTEMS = [
  { ids: ['fedora', 'rhel', 'centos', 'rocky', 'almalinux'], command: 'sudo dnf install -y chromium krb5-devel dejavu-sans-fonts ripgrep' },
  { ids: ['arch', 'manjaro'], command: 'sudo pacman -S --needed chromium krb5 ttf-dejavu ripgrep' },
  { ids: ['alpine'], command: 'sudo apk add chromium krb5-dev font-dejavu ripgrep' },
  { ids: ['opensuse', 'opensuse-leap', 'opensuse-tumbleweed', 'sles'], command: 'sudo zypper install -y chromium krb5-devel dejavu-fonts ripgrep' },
];

/**
 * Where each package's files are on any Linux, to tell whether it is installed on a system without dpkg
 * (Chromium: INVIOSMART_CHROMIUM, as scripts/vscode-host.mjs reads it, e.g. /usr/bin/chromium-browser on Fedora).
 */
export const PACKAGE_FILES = {
  chromium: (env) => [env.INVIOSMART_CHROMIUM || '/usr/bin/chromium'],
  'libkrb5-dev': () => ['/usr/include/krb5.h', '/usr/include/krb5/krb5.h'],
  ripgrep: () => ['/usr/bin/rg'],
  'fonts-dejavu-core': () => ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/dejavu-sans-fonts', '/usr/share/fonts/TTF/DejaVuSans.ttf'],
};

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

/** True when `dpkg-query` can be run here (a Debian-family system). */
export function hasDpkg(env = process.env) {
  const r = spawnSync('dpkg-query', ['--version'], { env, stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** The packages from `names` that dpkg does not report as installed (all of them when there is no dpkg). */
export function missingAptPackages(names = APT_PACKAGES, env = process.env) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', env });
    return r.error !== undefined || r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function osReleaseIds(file = '/etc/os-release') {
  try {
    const text = readFileSync(file, 'utf8');
    const value = (key) => (new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1] ?? '').replace(/^["']|["']$/g, '');
    return [value('ID'), ...value('ID_LIKE').split(/\s+/)].filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Whether the system packages are there, and if not, what to run. Runs nothing itself.
 * Returns { ok: true } or { ok: false, missing, command, reason }: reason 'installable' (root on Debian: ensureAptPackages
 * installs them), 'not-root', or 'no-dpkg' (then the packages' files were looked for, and `command` fits the distribution).
 */
export function systemDeps({
  names = APT_PACKAGES, env = process.env, isRoot = process.getuid?.() === 0, osRelease, packageFiles = PACKAGE_FILES,
} = {}) {
  if (!hasDpkg(env)) {
    // Installed some other way (dnf, pacman, by hand): look for the files themselves.
    const absent = names.filter((name) => !(packageFiles[name]?.(env) ?? []).some((f) => existsSync(f)));
    if (absent.length === 0) return { ok: true, missing: [] };
    const ids = osReleaseIds(osRelease);
    const other = OTHER_SYSTEMS.find((s) => s.ids.some((id) => ids.includes(id)));
    const command = other?.command ??
      `install Chromium (or point INVIOSMART_CHROMIUM at one), the Kerberos development headers, a font and ripgrep; on Debian or Ubuntu: sudo apt-get update && sudo apt-get install -y ${absent.join(' ')}`;
    return { ok: false, missing: absent, command, reason: 'no-dpkg' };
  }
  const missing = missingAptPackages(names, env);
  if (missing.length === 0) return { ok: true, missing: [] };
  const command = `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`;
  return isRoot ? { ok: false, missing, command, reason: 'installable' } : { ok: false, missing, command, reason: 'not-root' };
}

/** The one-line explanation of a systemDeps() answer that is not ok. */
export function describeSystemDeps(deps) {
  const why = deps.reason === 'no-dpkg' ? 'this system has no dpkg/apt' : 'installing them needs root';
  return `ensure-deps: missing system packages for the real-VS-Code and browser suites (${deps.missing.join(' ')}; ${why}); install them with: ${deps.command}`;
}

/** apt-get update + install of the missing Debian packages, as root; otherwise throws with the command to run. */
export function ensureAptPackages({ names = APT_PACKAGES, log = console.log } = {}) {
  const deps = systemDeps({ names });
  if (deps.ok) return [];
  if (deps.reason !== 'installable') throw new Error(describeSystemDeps(deps));
  const { missing } = deps;
  log(`ensure-deps: installing Debian packages: ${missing.join(' ')}`);
  // No TTY in CI: never let apt or dpkg stop to ask a question.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...missing], { env });
  const still = missingAptPackages(missing);
  if (still.length > 0) throw new Error(`ensure-deps: apt-get did not install: ${still.join(' ')}`);
  return missing;
}

/**
 * Both steps, as `npm test` needs them. npm failures throw; missing system packages that cannot be installed
 * here do not: the answer's `system` says what is missing and how to install it.
 */
export function ensureDeps(options = {}) {
  const npm = ensureNodeModules(options);
  const system = systemDeps(options);
  if (system.reason !== 'installable') return { npm, apt: [], system };
  const apt = ensureAptPackages(options);
  return { npm, apt, system: { ok: true, missing: [] } };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { npm, apt, system } = ensureDeps();
    console.log(`ensure-deps: ${system.ok ? 'ok' : 'npm part ok'} (${npm ? 'npm ci ran' : 'node_modules up to date'}; ${apt.length ? `apt installed ${apt.join(' ')}` : system.ok ? 'system packages present' : 'system packages missing'})`);
    if (!system.ok) {
      console.error(describeSystemDeps(system));
      process.exit(2);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
