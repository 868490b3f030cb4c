// Command ids live in one module: package.json contributes exactly those, and no source file spells one out.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CommandIds, InternalCommandIds } from '../../src/common/commandIds';

const root = path.resolve(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

describe('Command ids', () => {
  it('package.json contributes every public id in CommandIds and no other', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    const ids = Object.values(CommandIds).filter((id) => !InternalCommandIds.includes(id)).sort();
    assert.deepEqual(contributed, ids);
  });

  it('no file under src/ but common/commandIds.ts spells a command id', () => {
    const ids = new Set<string>(Object.values(CommandIds));
    const offenders: string[] = [];
    for (const file of sourceFiles(path.join(root, 'src'))) {
      if (file.endsWith(path.join('common', 'commandIds.ts'))) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/['"`](inviosmart\.[\w.]+)['"`]/g)) {
        if (ids.has(m[1])) offenders.push(`${path.relative(root, file)}: ${m[1]}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
