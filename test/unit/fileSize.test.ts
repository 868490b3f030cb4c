// Files with one job: no file under src/ is over 500 lines unless docs/ARCHITECTURE.md ("Files over
// 500 lines") names it with its one job.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const MAX_LINES = 500;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.(ts|mts|cts|js|mjs)$/.test(name) ? [full] : [];
  });
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The files the "Files over 500 lines" section names, each with the job written after it. */
function namedLongFiles(architecture: string): Map<string, string> {
  const named = new Map<string, string>();
  const start = architecture.search(/^## Files over 500 lines$/m);
  if (start < 0) return named;
  const rest = architecture.slice(start).split('\n').slice(1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  const section = (end < 0 ? rest : rest.slice(0, end)).join('\n');
  for (const m of section.matchAll(/^- `(src\/[^`]+)` — (.+)$/gm)) named.set(m[1], m[2].trim());
  return named;
}

describe('files with one job', () => {
  it('counts lines as wc -l does, and reads the list of named files', () => {
    assert.equal(lineCount('a\nb\n'), 2);
    assert.equal(lineCount('a\nb'), 2);
    const doc = '# A\n\n## Files over 500 lines\n\nText.\n\n- `src/x.ts` — the x job\n  more words\n- `src/y.ts` —\n\n## Next\n\n- `src/z.ts` — not in the section\n';
    assert.deepEqual([...namedLongFiles(doc)], [['src/x.ts', 'the x job']]);
  });

  it(`no file under src/ is over ${MAX_LINES} lines unless docs/ARCHITECTURE.md names its one job`, () => {
    const named = namedLongFiles(readFileSync(path.join(root, 'docs', 'ARCHITECTURE.md'), 'utf8'));
    const long = sourceFiles(path.join(root, 'src'))
      .map((file) => ({ file: path.relative(root, file).split(path.sep).join('/'), lines: lineCount(readFileSync(file, 'utf8')) }))
      .filter((f) => f.lines > MAX_LINES);
    const unnamed = long.filter((f) => !named.has(f.file)).map((f) => `${f.file} (${f.lines} lines)`);
    assert.deepEqual(unnamed, [], 'split these along their seams, or name their one job under "Files over 500 lines" in docs/ARCHITECTURE.md');
  });
});
