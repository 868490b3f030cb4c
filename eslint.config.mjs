// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What each part of src/ may import besides itself (docs/ARCHITECTURE.md, "Import directions"). A
 * folder not listed for another is out of its reach; test/unit/importGraph.test.ts checks the result
 * has no cycle. `config` is src/config.ts; `root` stands for the composition files at the top of src/
 * (extension.ts, container.ts, testApi.ts), which may import every folder but webview/.
 */
const layers = {
  gateway: [],
  common: ['gateway'],
  sandbox: ['gateway', 'common'],
  history: ['gateway', 'common'],
  bulk: ['gateway', 'common', 'history'],
  panel: ['gateway', 'common', 'history'],
  config: ['gateway', 'common'],
  credentials: ['gateway', 'common', 'sandbox', 'history', 'config'],
  balance: ['gateway', 'common', 'history', 'credentials', 'config'],
  views: ['gateway', 'common', 'history', 'panel', 'config', 'credentials', 'balance'],
  commands: ['gateway', 'common', 'history', 'bulk', 'panel', 'config', 'credentials', 'balance', 'views'],
  lm: ['gateway', 'common', 'history', 'bulk', 'panel', 'config', 'credentials', 'balance', 'views', 'commands'],
  tasks: ['gateway', 'common', 'history', 'bulk', 'panel', 'config', 'credentials', 'balance', 'views', 'commands', 'lm'],
  // Runs inside the webview: the shared panel module only (no Node, no 'vscode').
  webview: ['panel'],
};
/** Parts that run in plain Node (the sandbox CLI, unit tests, the webview's shared model): no VS Code API. */
const plainNode = ['gateway', 'sandbox', 'history', 'bulk', 'panel'];
const rootFiles = ['extension', 'core', 'container', 'testApi'];

function importDirections() {
  const parts = Object.keys(layers);
  const fileOf = (part) => (part === 'config' ? 'src/config.ts' : `src/${part}/**/*.ts`);
  // A part's relative imports of another part: from a folder one level down, `../x` and `../x/…`.
  const spelled = (part) => (part === 'config' ? ['../config'] : [`../${part}`, `../${part}/*`]);
  const fromConfig = (spec) => spec.replace(/^\.\.\//, './');
  const configs = parts.map((part) => {
    const allowed = layers[part];
    const outOfReach = parts.filter((p) => p !== part && !allowed.includes(p));
    let group = outOfReach.flatMap(spelled);
    group.push(...rootFiles.map((f) => `../${f}`));
    if (part === 'config') group = group.map(fromConfig);
    const message = `src/${part === 'config' ? 'config.ts' : part} may import only ${allowed.length ? allowed.join(', ') : 'itself'} (docs/ARCHITECTURE.md, "Import directions").`;
    const patterns = [{ group, message }];
    const paths = plainNode.includes(part) ? [{ name: 'vscode', message: `src/${part} runs in plain Node: no VS Code API.` }] : [];
    if (part === 'webview') patterns.push({ group: ['node:*'], message: 'The webview has no Node.' });
    return { files: [fileOf(part)], rules: { 'no-restricted-imports': ['error', { paths, patterns }] } };
  });
  configs.push({
    files: ['src/*.ts'],
    ignores: ['src/config.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['./webview', './webview/*'], message: 'The extension host never imports webview code: shared code lives in src/panel/.' }] }] },
  });
  return configs;
}

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'media/**', '.vscode-test/**', '.tmp/**', 'test-results/**', '*.vsix', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  ...importDirections(),
  {
    // The adversary test extension (test/adversary): plain CommonJS, packaged and loaded as it is.
    files: ['test/adversary/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', exports: 'writable', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URLSearchParams: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.mjs', 'stryker.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly', fetch: 'readonly' } },
  },
  {
    // The resolve hook scripts/mutation.mjs preloads into Stryker's processes: CommonJS, as `--require` takes it.
    files: ['scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
