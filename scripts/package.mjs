// `npm run package`: production build, then a .vsix holding only what users need.
// Prints the file list and size so a stray file is noticed. Usage: node scripts/package.mjs [--out file.vsix]
import { spawnSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_LAYERS, testOnlyCodeIn } from './bundles.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? process.argv[outIndex + 1] : join(root, `${pkg.name}-${pkg.version}.vsix`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    console.error(`package: ${cmd} ${args.join(' ')} failed (exit ${r.status})`);
    process.exit(1);
  }
  return r.stdout;
}

run(process.execPath, [join(root, 'scripts/build.mjs'), '--production']);
// Fault injection and the disk-full switch are for tests: a package that carries them is not shipped.
for (const bundle of ['dist/extension.js', 'dist/core.js', ...CORE_LAYERS.map((l) => `dist/${l.name}.js`)]) {
  const leftovers = testOnlyCodeIn(readFileSync(join(root, bundle), 'utf8'));
  if (leftovers.length > 0) {
    console.error(`package: ${bundle} carries test-only code (${leftovers.join(', ')}); see scripts/bundles.mjs`);
    process.exit(1);
  }
}
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
// Dependencies are bundled into dist/, so node_modules is not shipped. The README's screenshots ship in the
// .vsix and its links stay relative (VS Code's extension page resolves them there): no rewriting to a host.
run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out]);
const listing = run(process.execPath, [vsce, 'ls', '--no-dependencies']);
const files = listing.split('\n').map((l) => l.trim()).filter(Boolean);
console.log(`package: ${files.length} files`);
for (const f of files) console.log(`  ${f}  ${statSync(join(root, f)).size} B`);
console.log(`package: ${out} (${statSync(out).size} bytes)`);
