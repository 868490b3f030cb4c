// Lists the user-facing strings of the extension (every `l10n.t('…')` call in src/) and checks the
// Italian bundle against them.
//   node scripts/l10n.mjs check        exit 1 when a string has no Italian translation or placeholders differ
//   node scripts/l10n.mjs missing      print a JSON object of the untranslated strings (to translate)
//   node scripts/l10n.mjs prune        drop translations whose English string is no longer used
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_IT = join(root, 'l10n', 'bundle.l10n.it.json');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Every string literal passed as the first argument of a call to `<something>.l10n.t` or `l10n.t`. */
export function extractStrings() {
  const found = new Map();
  for (const file of files(join(root, 'src'))) {
    // Code inside the webview gets its strings from the host; it has no l10n API of its own.
    if (file.includes(`${join('src', 'webview')}`)) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't') {
        const target = node.expression.expression.getText(source);
        if (/(^|\.)l10n$/.test(target) && node.arguments.length > 0) {
          const a = node.arguments[0];
          if (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a)) {
            if (!found.has(a.text)) found.set(a.text, `${file.slice(root.length)}:${source.getLineAndCharacterOfPosition(a.getStart()).line + 1}`);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

const placeholders = (s) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort().join(',');

export function checkBundle() {
  const strings = extractStrings();
  const bundle = existsSync(BUNDLE_IT) ? JSON.parse(readFileSync(BUNDLE_IT, 'utf8')) : {};
  const missing = [...strings.keys()].filter((s) => typeof bundle[s] !== 'string' || bundle[s].trim() === '');
  const badPlaceholders = [...strings.keys()].filter((s) => typeof bundle[s] === 'string' && placeholders(s) !== placeholders(bundle[s]));
  const unused = Object.keys(bundle).filter((s) => !strings.has(s));
  return { strings, bundle, missing, badPlaceholders, unused };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const mode = process.argv[2] ?? 'check';
  const r = checkBundle();
  if (mode === 'missing') {
    console.log(JSON.stringify(Object.fromEntries(r.missing.map((s) => [s, ''])), null, 2));
  } else if (mode === 'prune') {
    const kept = Object.fromEntries(Object.entries(r.bundle).filter(([k]) => r.strings.has(k)).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(BUNDLE_IT, JSON.stringify(kept, null, 2) + '\n');
    console.log(`l10n: kept ${Object.keys(kept).length}, dropped ${r.unused.length}`);
  } else {
    console.log(`l10n: ${r.strings.size} strings, ${r.missing.length} without Italian, ${r.badPlaceholders.length} with different placeholders, ${r.unused.length} unused`);
    for (const s of r.missing) console.log(`  missing: ${JSON.stringify(s)} (${r.strings.get(s)})`);
    for (const s of r.badPlaceholders) console.log(`  placeholders differ: ${JSON.stringify(s)}`);
    process.exit(r.missing.length + r.badPlaceholders.length > 0 ? 1 : 0);
  }
}
