// Packages the extension as `npm run package` does, but in a private folder: the production bundles are
// written there, not into the checkout's dist/ and media/dist/, where another build running at the same
// time (a shared checkout) could swap in a development bundle between the build and vsce.
// The esbuild options come from scripts/bundles.mjs; keep the files in step with .vscodeignore.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** What .vscodeignore lets through, besides the bundles built here. */
const SHIPPED = ['package.json', 'package.nls.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media/icon.png', 'media/activity.svg', 'media/screenshots', 'l10n'];

/**
 * Packages into `outVsix` and returns a function that rewrites each `file.js:line:column` of a dist/ bundle in a
 * text to the source file and line it came from. The bundles of dist/ are built with external source maps beside
 * them: the code is the same, position for position (no comment is added), and .vscodeignore keeps the maps out
 * of the .vsix.
 */
export async function packagePrivately(dir: string, outVsix: string): Promise<(text: string) => string> {
  mkdirSync(path.join(dir, 'media'), { recursive: true });
  for (const rel of SHIPPED) if (existsSync(path.join(repoRoot, rel))) cpSync(path.join(repoRoot, rel), path.join(dir, rel), { recursive: true });
  for (const name of readdirSync(repoRoot)) if (/^package\.nls\..+\.json$/.test(name)) cpSync(path.join(repoRoot, name), path.join(dir, name));
  for (const name of readdirSync(path.join(repoRoot, 'media'))) if (name.endsWith('.css')) cpSync(path.join(repoRoot, 'media', name), path.join(dir, 'media', name));
  // The production bundles exactly as scripts/build.mjs makes them (scripts/bundles.mjs), written here instead.
  const bundles = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'bundles.mjs')).href)) as {
    bundleOptions(o: { root: string; production: boolean }): esbuild.BuildOptions[];
  };
  await Promise.all(bundles.bundleOptions({ root: repoRoot, production: true }).map((o) =>
    esbuild.build({ ...o, outdir: path.join(dir, o.outdir ?? 'dist'), ...(o.outdir === 'dist' ? { sourcemap: 'external' as const } : {}) })));
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', outVsix], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return sourceMapper(path.join(dir, 'dist'));
}

function sourceMapper(dir: string): (text: string) => string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      const p = path.join(dir, `${file}.map`);
      maps.set(file, existsSync(p) ? new SourceMap(JSON.parse(readFileSync(p, 'utf8')) as SourceMapPayload) : undefined);
    }
    return maps.get(file);
  };
  return (text) =>
    text.replace(/([\w.-]+\.js):(\d+):(\d+)/g, (whole, file: string, line: string, column: string) => {
      const m = mapOf(file);
      const e = m?.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number } | undefined;
      if (!e?.originalSource) return whole;
      return `${path.relative(repoRoot, e.originalSource.replace(/^file:\/\//, '')).split(path.sep).join('/')}:${(e.originalLine ?? 0) + 1}`;
    });
}
