// scripts/ensure-deps.mjs and the plan scripts/test.mjs follows: on a machine without dpkg, or as a user who cannot
// install packages, `npm test` still runs the type-check, lint and unit tests and then stops before the browser and
// real-VS-Code suites with the command to run. Run for real: a child Node with a PATH that has no dpkg-query, and a
// child running as the unprivileged user `nobody` against this machine's dpkg.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

// out/test/unit/ → the repository root
const root = path.resolve(__dirname, '..', '..', '..');
const ensureDepsUrl = pathToFileURL(path.join(root, 'scripts', 'ensure-deps.mjs')).href;
const testUrl = pathToFileURL(path.join(root, 'scripts', 'test.mjs')).href;

interface SystemDeps {
  ok: boolean;
  missing: string[];
  command?: string;
  reason?: string;
}
interface Plan {
  run: string[];
  system: string[];
  stop?: string;
}

/** Runs an ES-module snippet in a child Node and returns what it printed as JSON. */
function inChild(code: string, options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root, encoding: 'utf8', env: options.env ?? process.env, uid: options.uid, gid: options.gid, timeout: 60_000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasDpkg = spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' }).status === 0;

describe('scripts/ensure-deps.mjs and the npm test plan', () => {
  let emptyBin: string;

  before(() => {
    emptyBin = mkdtempSync(path.join(tmpdir(), 'inviosmart-no-dpkg-'));
  });
  after(() => rmSync(emptyBin, { recursive: true, force: true }));

  it('without dpkg-query on PATH and without Chromium, ensureDeps does not throw, and the plan stops after the unit tests with a command', () => {
    const out = inChild(
      `const d = await import(${JSON.stringify(ensureDepsUrl)});
       const t = await import(${JSON.stringify(testUrl)});
       const { system } = d.ensureDeps({ log: () => {} });
       console.log(JSON.stringify({ system, plan: t.stepPlan(system), all: t.SYSTEM_STEPS }));`,
      { env: { ...process.env, PATH: emptyBin, INVIOSMART_CHROMIUM: path.join(emptyBin, 'no-chromium') } },
    ) as { system: SystemDeps; plan: Plan; all: string[] };
    assert.equal(out.system.ok, false);
    assert.equal(out.system.reason, 'no-dpkg');
    assert.ok(out.system.missing.includes('chromium'), JSON.stringify(out.system));
    assert.deepEqual(out.plan.run, ['typecheck', 'lint', 'build', 'unit']);
    assert.deepEqual(out.plan.system, []);
    assert.match(out.plan.stop ?? '', /no dpkg\/apt/);
    assert.ok(out.plan.stop?.includes(out.system.command ?? '<none>'), out.plan.stop);
    for (const step of ['browser', 'integration:source', 'integration:vsix', 'start']) assert.ok(out.all.includes(step), step);
  });

  it('without dpkg, names the install command of the distribution /etc/os-release names', async () => {
    const { systemDeps } = (await import(ensureDepsUrl)) as {
      systemDeps(o: { env: NodeJS.ProcessEnv; osRelease: string }): SystemDeps;
    };
    const env = { ...process.env, PATH: emptyBin, INVIOSMART_CHROMIUM: path.join(emptyBin, 'no-chromium') };
    const cases: Array<[string, RegExp]> = [
      ['ID=fedora\nVERSION_ID=41\n', /^sudo dnf install -y chromium krb5-devel/],
      ['ID="rocky"\nID_LIKE="rhel centos fedora"\n', /^sudo dnf install/],
      ['ID=arch\n', /^sudo pacman -S --needed chromium/],
      ['ID=alpine\n', /^sudo apk add chromium krb5-dev/],
      ['ID=opensuse-tumbleweed\nID_LIKE="opensuse suse"\n', /^sudo zypper install/],
      ['ID=nixos\n', /sudo apt-get update && sudo apt-get install -y chromium( |$)/],
    ];
    for (const [text, expected] of cases) {
      const file = path.join(emptyBin, 'os-release');
      writeFileSync(file, text);
      const deps = systemDeps({ env, osRelease: file });
      assert.equal(deps.reason, 'no-dpkg', text);
      assert.match(deps.command ?? '', expected, text);
    }
    // No os-release at all (e.g. macOS): still a message, never a crash.
    assert.match(systemDeps({ env, osRelease: path.join(emptyBin, 'absent') }).command ?? '', /apt-get install/);
  });

  it('without dpkg, packages installed some other way are found by their files, and the plan runs every suite', async () => {
    const { systemDeps } = (await import(ensureDepsUrl)) as {
      systemDeps(o: { env: NodeJS.ProcessEnv; packageFiles: Record<string, (env: NodeJS.ProcessEnv) => string[]> }): SystemDeps;
    };
    const { stepPlan, SYSTEM_STEPS } = (await import(testUrl)) as { stepPlan(s: SystemDeps): Plan; SYSTEM_STEPS: string[] };
    const there = path.join(emptyBin, 'installed');
    writeFileSync(there, '');
    const env = { ...process.env, PATH: emptyBin, INVIOSMART_CHROMIUM: there };
    const files = (absent?: string) => ({
      chromium: (e: NodeJS.ProcessEnv) => [e.INVIOSMART_CHROMIUM ?? ''],
      'libkrb5-dev': () => [absent === 'libkrb5-dev' ? path.join(emptyBin, 'absent.h') : there],
      'fonts-dejavu-core': () => [path.join(emptyBin, 'absent-font'), there],
      ripgrep: () => [there],
    });
    const found = systemDeps({ env, packageFiles: files() });
    assert.deepEqual(found, { ok: true, missing: [] });
    assert.deepEqual(stepPlan(found).system, SYSTEM_STEPS);
    const partly = systemDeps({ env, packageFiles: files('libkrb5-dev') });
    assert.deepEqual(partly.missing, ['libkrb5-dev']);
    assert.equal(partly.reason, 'no-dpkg');
  });

  it('as a user who is not root, reports the missing Debian package with the exact apt-get command', () => {
    // Fails rather than skips elsewhere: it needs root (to start a child as `nobody`) and a real dpkg, as CI has.
    assert.ok(isRoot && hasDpkg, `needs root and dpkg (root: ${isRoot}, dpkg: ${hasDpkg}): run the unit tests as CI does`);
    const out = inChild(
      `const d = await import(${JSON.stringify(ensureDepsUrl)});
       const t = await import(${JSON.stringify(testUrl)});
       const system = d.systemDeps({ names: ['dpkg', 'inviosmart-no-such-package'] });
       console.log(JSON.stringify({ uid: process.getuid(), system, plan: t.stepPlan(system) }));`,
      { uid: 65534, gid: 65534 },
    ) as { uid: number; system: SystemDeps; plan: Plan };
    assert.equal(out.uid, 65534);
    assert.deepEqual(out.system, {
      ok: false,
      missing: ['inviosmart-no-such-package'],
      command: 'sudo apt-get update && sudo apt-get install -y inviosmart-no-such-package',
      reason: 'not-root',
    });
    assert.deepEqual(out.plan.system, []);
    assert.match(out.plan.stop ?? '', /needs root.*sudo apt-get install -y inviosmart-no-such-package$/);
  });

  it('with the packages installed, the plan runs every suite (CI as root on Debian)', () => {
    assert.ok(hasDpkg, 'asks this machine\'s dpkg: run the unit tests on Debian, as CI does');
    const out = inChild(
      `const d = await import(${JSON.stringify(ensureDepsUrl)});
       const t = await import(${JSON.stringify(testUrl)});
       const system = d.systemDeps({ names: ['dpkg'] });
       console.log(JSON.stringify({ system, plan: t.stepPlan(system), all: t.SYSTEM_STEPS }));`,
    ) as { system: SystemDeps; plan: Plan; all: string[] };
    assert.deepEqual(out.system, { ok: true, missing: [] });
    assert.deepEqual(out.plan.system, out.all);
    assert.equal(out.plan.stop, undefined);
  });
});
