// Lists the user-facing strings of the extension (every `l10n.t(…)` call in src/) and checks the
// Italian bundle against them.
//   node scripts/l10n.mjs check        exit 1 when a string has no Italian translation, placeholders differ,
//                                      or a call's message cannot be read from the source
//   node scripts/l10n.mjs missing      print a JSON object of the untranslated strings (to translate)
//   node scripts/l10n.mjs prune        drop translations whose English string is no longer used
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_IT = join(root, 'l10n', 'bundle.l10n.it.json');
export const NLS = join(root, 'package.nls.json');
export const NLS_IT = join(root, 'package.nls.it.json');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

/** The text of a string-valued expression made only of literals: 'a', `a`, 'a' + 'b', ('a'), 'a' as const. */
function literalText(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression?.(node)) return literalText(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(node.left);
    const right = literalText(node.right);
    return left !== undefined && right !== undefined ? left + right : undefined;
  }
  return undefined;
}

/** `const NAME = <literal>` declarations of one file, so `l10n.t(NAME)` can be read too. */
function constStrings(source) {
  const out = new Map();
  const visit = (node) => {
    if (ts.isVariableDeclarationList(node) && node.flags & ts.NodeFlags.Const) {
      for (const d of node.declarations) {
        const text = ts.isIdentifier(d.name) && d.initializer ? literalText(d.initializer) : undefined;
        if (text !== undefined) out.set(d.name.text, text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function messageText(node, consts) {
  const text = literalText(node);
  if (text !== undefined) return text;
  if (ts.isIdentifier(node)) return consts.get(node.text);
  return undefined;
}

/**
 * The bundle key of a call's first argument, as VS Code looks it up: the message, or for the
 * `{ message, comment }` form `message/comment` (a comment array joined with '').
 */
function keyOf(arg, consts) {
  if (!ts.isObjectLiteralExpression(arg)) return messageText(arg, consts);
  let message;
  let comment = '';
  for (const p of arg.properties) {
    if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) return undefined;
    const name = p.name.getText();
    const value = ts.isShorthandPropertyAssignment(p) ? p.name : p.initializer;
    if (name === 'message') {
      message = messageText(value, consts);
      if (message === undefined) return undefined;
    } else if (name === 'comment') {
      if (ts.isArrayLiteralExpression(value)) {
        const parts = value.elements.map((e) => messageText(e, consts));
        if (parts.some((c) => c === undefined)) return undefined;
        comment = parts.join('');
      } else {
        const c = messageText(value, consts);
        if (c === undefined) return undefined;
        comment = c;
      }
    }
  }
  if (message === undefined) return undefined;
  return comment ? `${message}/${comment}` : message;
}

/**
 * Every message passed to `<something>.l10n.t` or `l10n.t` in `dir` (default src/; first-seen place as `file:line`),
 * and the calls whose message cannot be read from the source (a variable, a template with `${…}`):
 * those would show in English whatever the bundle holds.
 */
export function extractAll(dir = join(root, 'src')) {
  const strings = new Map();
  const dynamic = [];
  const base = dir.endsWith(sep) ? dir : dir + sep;
  for (const file of files(dir)) {
    // Code inside the webview gets its strings from the host; it has no l10n API of its own.
    if (file.slice(base.length).startsWith(`webview${sep}`)) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const consts = constStrings(source);
    const where = (node) => `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't') {
        const target = node.expression.expression.getText(source);
        if (/(^|\.)l10n$/.test(target) && node.arguments.length > 0) {
          const key = keyOf(node.arguments[0], consts);
          if (key === undefined) dynamic.push({ where: where(node), call: node.getText(source).slice(0, 120) });
          else if (!strings.has(key)) strings.set(key, where(node.arguments[0]));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { strings, dynamic };
}

/** Every message passed to `l10n.t` in src/, with where it is first used. */
export function extractStrings(dir) {
  return extractAll(dir).strings;
}

/**
 * The `{0}`/`{name}` placeholders vscode.l10n fills, as a sorted set; `{{column}}` (the bulk template
 * syntax shown to the user) is text, not a placeholder.
 */
export function placeholders(s) {
  return [...new Set([...s.matchAll(/(?<!\{)\{([^{}]+)\}(?!\})/g)].map((m) => m[1]))].sort().join(',');
}

/** The `$(icon)` codicons of a string, in order: a translation must keep them as they are. */
export function codicons(s) {
  return [...s.matchAll(/\$\([a-z0-9-]+(?:~[a-z]+)?\)/g)].map((m) => m[0]).join(' ');
}

export function readJson(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
}

export function checkBundle() {
  const { strings, dynamic } = extractAll();
  const bundle = readJson(BUNDLE_IT);
  const missing = [...strings.keys()].filter((s) => typeof bundle[s] !== 'string' || bundle[s].trim() === '');
  const badPlaceholders = [...strings.keys()].filter(
    (s) => typeof bundle[s] === 'string' && (placeholders(s) !== placeholders(bundle[s]) || codicons(s) !== codicons(bundle[s])),
  );
  const unused = Object.keys(bundle).filter((s) => !strings.has(s));
  return { strings, bundle, missing, badPlaceholders, unused, dynamic };
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
    console.log(
      `l10n: ${r.strings.size} strings, ${r.missing.length} without Italian, ${r.badPlaceholders.length} with different placeholders, ` +
        `${r.unused.length} unused, ${r.dynamic.length} calls whose message is not a literal`,
    );
    for (const s of r.missing) console.log(`  missing: ${JSON.stringify(s)} (${r.strings.get(s)})`);
    for (const s of r.badPlaceholders) console.log(`  placeholders differ: ${JSON.stringify(s)}`);
    for (const d of r.dynamic) console.log(`  not a literal: ${d.where}: ${d.call}`);
    process.exit(r.missing.length + r.badPlaceholders.length + r.dynamic.length > 0 ? 1 : 0);
  }
}
