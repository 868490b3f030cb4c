// The folders of src/ depend on each other in one direction only: no folder-level import cycle.
// The graph is read from the import statements themselves, so a new cycle fails here with its path.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const src = path.join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

// `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')` (also in types) and `require('x')`.
const SPECIFIER = /\b(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g;

/** The module specifiers a file names, comments left out. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\\])\/\/.*$/gm, '$1');
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]);
}

/** A file's folder under src/ (`history`), or the file itself for one at the top (`extension.ts`). */
function unitOf(file: string): string {
  const rel = path.relative(src, file).split(path.sep);
  return rel[0];
}

/** Folder → the folders it imports, each with one file that does it (for the message). */
function folderGraph(files: readonly string[], read: (file: string) => string): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = unitOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const spec of importsOf(read(file))) {
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (path.relative(src, target).startsWith('..')) continue;
      const isFolder = existsSync(target) && statSync(target).isDirectory();
      const to = unitOf(isFolder ? path.join(target, 'index.ts') : target.endsWith('.ts') ? target : `${target}.ts`);
      if (to !== from && !edges.has(to)) edges.set(to, `${path.relative(root, file)} imports '${spec}'`);
    }
  }
  return graph;
}

/** Every cycle's path (`a -> b -> a`), one per strongly connected group of folders. */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  // One concrete loop through each group: a shortest way back from its first member.
  return groups.map((group) => {
    const members = new Set(group);
    const start = group.sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v)?.keys() ?? []) {
        if (!members.has(w) || previous.has(w)) continue;
        previous.set(w, v);
        if (w === start) queue.length = 0;
        else queue.push(w);
      }
    }
    const loop = [start];
    for (let v = previous.get(start)!; v !== start; v = previous.get(v)!) loop.unshift(v);
    loop.unshift(start);
    return loop;
  });
}

/** A cycle with the import that makes each step. */
function explain(graph: Map<string, Map<string, string>>, loop: string[]): string {
  const steps = loop.slice(1).map((to, i) => `  ${loop[i]} -> ${to}: ${graph.get(loop[i])!.get(to)}`);
  return `${loop.join(' -> ')}\n${steps.join('\n')}`;
}

describe('Folder import graph of src/', () => {
  it('has no cycle between folders', () => {
    const graph = folderGraph(sourceFiles(src), (f) => readFileSync(f, 'utf8'));
    const found = cycles(graph).map((loop) => explain(graph, loop));
    assert.equal(found.length, 0, `folder-level import cycles:\n${found.join('\n')}`);
  });

  it('finds a cycle and prints its path', () => {
    const files: Record<string, string> = {
      [path.join(src, 'a', 'x.ts')]: "import { y } from '../b/y';",
      [path.join(src, 'b', 'y.ts')]: "import type { z } from '../c/z';\n// import { nothing } from '../a/x';",
      [path.join(src, 'c', 'z.ts')]: "export { x } from '../a/x';",
      [path.join(src, 'd.ts')]: "import { x } from './a/x';",
    };
    const graph = folderGraph(Object.keys(files), (f) => files[f]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c', 'a']]);
    assert.match(explain(graph, ['a', 'b', 'c', 'a']), /c -> a: src\/c\/z\.ts imports '\.\.\/a\/x'/);
  });
});
