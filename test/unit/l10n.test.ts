import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

interface Extracted {
  strings: Map<string, string>;
  dynamic: Array<{ where: string; call: string }>;
}

/** What test/unit needs from scripts/l10n.mjs (an ES module, so it is loaded with import()). */
interface L10nScript {
  BUNDLE_IT: string;
  NLS: string;
  NLS_IT: string;
  extractAll(dir?: string): Extracted;
  placeholders(s: string): string;
  codicons(s: string): string;
}

// out/test/unit/ → the repository root
const root = path.resolve(__dirname, '..', '..', '..');

/** Strings that read the same in Italian, or are names and sample output shown as they are. */
const SAME_IN_ITALIAN = new Set(['Account', 'Account: {0}', 'Password', 'no', 'SMSId', '[12 chars]']);
/** Product names, units and codes that stay as they are in any language. */
const KEPT_WORDS = /\b(?:SMS|SMSId|Sandbox|Inviosmart|ID|HTTP|CSV|JSON|UCS-2|GSM|OK|euro|s|min|h)\b/g;

/** True when nothing is left to translate once placeholders, codicons and kept words are taken out. */
function nothingToTranslate(s: string): boolean {
  const rest = s.replace(/\{[^{}]*\}/g, '').replace(/\$\([^)]*\)/g, '').replace(KEPT_WORDS, '');
  return !/\p{L}/u.test(rest);
}

function readObject(file: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `${file} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Markdown command links and `#setting#` references: a translation must point at the same places. */
function links(s: string): string {
  return [...s.matchAll(/\(command:[\w.]+\)|#[\w.]+#/g)].map((m) => m[0]).sort().join(' ');
}

describe('Italian translation', () => {
  let script: L10nScript;
  let extracted: Extracted;
  let bundle: Record<string, unknown>;

  before(async () => {
    // A computed specifier, so the CJS transpile keeps a real import() of the ES module.
    const specifier = pathToFileURL(path.join(root, 'scripts', 'l10n.mjs')).href;
    script = (await import(specifier)) as L10nScript;
    extracted = script.extractAll();
    bundle = readObject(script.BUNDLE_IT);
  });

  describe('l10n/bundle.l10n.it.json', () => {
    it('is where package.json tells VS Code to look, and holds only non-empty strings', () => {
      const manifest = readObject(path.join(root, 'package.json'));
      assert.equal(path.resolve(root, String(manifest.l10n), 'bundle.l10n.it.json'), script.BUNDLE_IT);
      const bad = Object.entries(bundle).filter(([, v]) => typeof v !== 'string' || v.trim() === '');
      assert.deepEqual(bad, []);
    });

    it('finds the strings of the extension (the extraction is not silently empty)', () => {
      assert.ok(extracted.strings.size > 100, `only ${extracted.strings.size} strings found in src/`);
      assert.ok(extracted.strings.has('Sign In'));
    });

    it('reads every l10n.t message from the source (no variables or ${…} templates)', () => {
      assert.deepEqual(extracted.dynamic, []);
    });

    it('translates every string of src/', () => {
      const missing = [...extracted.strings].filter(([s]) => typeof bundle[s] !== 'string').map(([s, where]) => `${where}: ${JSON.stringify(s)}`);
      assert.deepEqual(missing, [], 'run `node scripts/l10n.mjs missing` and add these to l10n/bundle.l10n.it.json');
    });

    it('keeps the placeholders and codicons of each string', () => {
      const differ = Object.entries(bundle)
        .filter(([en, it]) => typeof it === 'string' && (script.placeholders(en) !== script.placeholders(it) || script.codicons(en) !== script.codicons(it)))
        .map(([en, it]) => `${JSON.stringify(en)} → ${JSON.stringify(it)}`);
      assert.deepEqual(differ, []);
    });

    it('translates: no Italian text is the English one, except names, units and format-only strings', () => {
      const same = Object.entries(bundle)
        .filter(([en, it]) => it === en && !SAME_IN_ITALIAN.has(en) && !nothingToTranslate(en))
        .map(([en]) => en);
      assert.deepEqual(same, []);
    });

    it('has no translations left over from strings src/ no longer uses', () => {
      const unused = Object.keys(bundle).filter((s) => !extracted.strings.has(s));
      assert.deepEqual(unused, [], 'run `node scripts/l10n.mjs prune`');
    });
  });

  describe('package.nls.it.json', () => {
    let nls: Record<string, unknown>;
    let nlsIt: Record<string, unknown>;
    before(() => {
      nls = readObject(script.NLS);
      nlsIt = readObject(script.NLS_IT);
    });

    it('has exactly the keys of package.nls.json, each a non-empty string', () => {
      assert.deepEqual(Object.keys(nlsIt).sort(), Object.keys(nls).sort());
      assert.deepEqual(Object.entries(nlsIt).filter(([, v]) => typeof v !== 'string' || v.trim() === ''), []);
    });

    it('keeps placeholders, codicons, command links and setting references', () => {
      const differ = Object.keys(nls)
        .map((k) => [k, String(nls[k]), String(nlsIt[k])] as const)
        .filter(([, en, it]) => script.placeholders(en) !== script.placeholders(it) || script.codicons(en) !== script.codicons(it) || links(en) !== links(it))
        .map(([k]) => k);
      assert.deepEqual(differ, []);
    });

    it('covers every %key% that package.json uses', () => {
      const used = new Set<string>();
      const walk = (v: unknown): void => {
        if (typeof v === 'string') {
          const m = /^%([^%]+)%$/.exec(v);
          if (m) used.add(m[1]);
        } else if (v && typeof v === 'object') {
          for (const x of Object.values(v)) walk(x);
        }
      };
      walk(readObject(path.join(root, 'package.json')));
      assert.ok(used.size > 10);
      assert.deepEqual([...used].filter((k) => !(k in nls) || !(k in nlsIt)), []);
    });
  });

  describe('scripts/l10n.mjs extraction', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'l10n-extract-'));
      mkdirSync(path.join(dir, 'webview'));
      writeFileSync(
        path.join(dir, 'a.ts'),
        [
          "import * as vscode from 'vscode';",
          "const TITLE = 'Held in a constant';",
          'export function f(n: number, l10n: { t(m: string, ...a: unknown[]): string }, name: string) {',
          "  vscode.l10n.t('Plain {0}', n);",
          '  vscode.l10n.t(`Backticks`);',
          "  l10n.t('Joined ' + 'by plus');",
          '  vscode.l10n.t(TITLE);',
          "  vscode.l10n.t({ message: 'Object form {0}', args: [n] });",
          "  vscode.l10n.t({ message: 'With comment', comment: ['a ', 'note'] });",
          "  vscode.l10n.t({ message: 'With one comment', comment: 'hint' });",
          '  vscode.l10n.t(`Dynamic ${name}`);',
          '  vscode.l10n.t(name);',
          "  other.t('Not l10n');",
          '}',
        ].join('\n'),
      );
      writeFileSync(path.join(dir, 'webview', 'b.ts'), "l10n.t('Inside the webview');\n");
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads literal, constant, concatenated and object-form messages, keyed as VS Code looks them up', () => {
      const r = script.extractAll(dir);
      assert.deepEqual([...r.strings.keys()].sort(), [
        'Backticks',
        'Held in a constant',
        'Joined by plus',
        'Object form {0}',
        'Plain {0}',
        'With comment/a note',
        'With one comment/hint',
      ]);
      assert.match(r.strings.get('Plain {0}') ?? '', /a\.ts:4$/);
    });

    it('reports the calls whose message is only known at run time', () => {
      const r = script.extractAll(dir);
      assert.deepEqual(r.dynamic.map((d) => d.call), ['vscode.l10n.t(`Dynamic ${name}`)', 'vscode.l10n.t(name)']);
    });

    it('treats {0} and {name} as placeholders and {{column}} as text', () => {
      assert.equal(script.placeholders('{1} and {0}, {0} again, {name}'), '0,1,name');
      assert.equal(script.placeholders('with {{column}} placeholders'), '');
      assert.equal(script.codicons('$(play) go $(sync~spin)'), '$(play) $(sync~spin)');
    });
  });
});
