// The shipped extension carries the built-in sandbox but none of the test-only code: the sandbox's
// scriptable faults (src/sandbox/faults.ts) and the disk-full switch (src/common/diskFullSwitch.ts).
// Builds src/extension.ts in memory with the production options of scripts/bundles.mjs and looks for
// the words only that code holds; the same words in the test builds prove they are the right ones.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '..', '..', '..');

interface BundlesModule {
  bundleOptions(o: { root: string; production: boolean }): esbuild.BuildOptions[];
  testOnlyCodeIn(text: string): string[];
  TEST_ONLY_MARKERS: string[];
}

let loaded: Promise<BundlesModule> | undefined;
function bundlesModule(): Promise<BundlesModule> {
  // A computed specifier keeps esbuild from turning the import of an ES module into require().
  const specifier = pathToFileURL(path.join(root, 'scripts', 'bundles.mjs')).href;
  loaded ??= import(specifier) as Promise<BundlesModule>;
  return loaded;
}

/** The names of the extension's own bundles: dist/extension.js, the core's layers and dist/core.js (scripts/bundles.mjs, CORE_LAYERS). */
const OWN_BUNDLE = /^(extension|core(-\d+)?)$/;

/** The JavaScript files of the extension's bundles (dist/extension.js, dist/core-N.js, dist/core.js), or of `entries` built with the extension's options. */
async function bundleFiles(production: boolean, entries?: Record<string, string>): Promise<Map<string, string>> {
  const { bundleOptions } = await bundlesModule();
  const all = bundleOptions({ root, production });
  const options = entries
    ? all.filter((b) => JSON.stringify(b.entryPoints).includes('src/extension.ts')).map((b) => ({ ...b, entryPoints: entries }))
    : all.filter((b) => Object.keys(b.entryPoints as Record<string, string>).every((name) => OWN_BUNDLE.test(name)));
  assert.ok(options.length > 0, 'scripts/bundles.mjs has no extension bundle');
  const files = new Map<string, string>();
  for (const o of options) {
    const result = await esbuild.build({ ...o, write: false, sourcemap: false, outdir: path.join(root, 'out', 'bundle-check') });
    for (const f of result.outputFiles.filter((f) => f.path.endsWith('.js'))) files.set(path.basename(f.path), f.text);
  }
  assert.ok(files.size > 0, 'esbuild wrote no JavaScript');
  return files;
}

async function bundleText(production: boolean, entries?: Record<string, string>): Promise<string> {
  return [...(await bundleFiles(production, entries)).values()].join('\n');
}

describe('production bundle', function () {
  this.timeout(60_000);

  it('dist/extension.js and dist/core.js of a production build carry no fault injection and no disk-full switch', async () => {
    const { testOnlyCodeIn } = await bundlesModule();
    const text = await bundleText(true);
    assert.deepEqual(testOnlyCodeIn(text), []);
    // The built-in sandbox itself ships: its gateway's answers are in the bundle.
    assert.ok(text.includes('Authendication failure'), 'the built-in sandbox is missing from the production bundle');
  });

  it('the development build keeps the disk-full switch the real-VS-Code tests use', async () => {
    const { testOnlyCodeIn } = await bundlesModule();
    assert.deepEqual(testOnlyCodeIn(await bundleText(false)), ['INVIOSMART_TEST_DISK_FULL', 'no space left on device']);
  });

  it('the markers are the fault injection code: a bundle of src/sandbox/faults.ts holds every fault marker', async () => {
    const { testOnlyCodeIn, TEST_ONLY_MARKERS } = await bundlesModule();
    const found = testOnlyCodeIn(await bundleText(true, { faults: 'src/sandbox/faults.ts' }));
    assert.deepEqual(found, TEST_ONLY_MARKERS.filter((m) => !['INVIOSMART_TEST_DISK_FULL', 'no space left on device'].includes(m)));
  });

  it('dist/extension.js, what VS Code loads to activate, is the stand-ins only: the services are in dist/core.js, required after', async () => {
    const files = await bundleFiles(true);
    const main = files.get('extension.js');
    assert.deepEqual([...files.keys()].sort(), ['core-1.js', 'core-2.js', 'core-3.js', 'core.js', 'extension.js']);
    assert.ok(main);
    assert.match(main, /require\("\.\/core\.js"\)/);
    // The layers, then undici, one per task before dist/core.js (src/extension.ts): in the order each needs the one before.
    assert.ok(main.includes('["core-1.js","core-2.js","core-3.js","undici.js"]'), 'dist/extension.js does not name the core\'s parts in order');
    // The container, the history store and the built-in sandbox are not in the activation bundle, and each is in one core file only.
    for (const [word, file] of [['Authendication failure', 'core-1.js'], ['history.journal.jsonl', 'core-2.js'], ['Messages with one status', 'core.js'], ['history: could not be read', 'core.js']]) {
      assert.ok(!main.includes(word), `dist/extension.js holds "${word}"`);
      const holders = [...files].filter(([name, text]) => name !== 'extension.js' && text.includes(word)).map(([name]) => name);
      assert.deepEqual(holders, [file], `"${word}" is in ${holders.join(', ') || 'no file'}`);
    }
    assert.ok(main.length < 8 * 1024, `dist/extension.js is ${main.length} bytes`);
  });

  it('a layer of the core reads the modules of the layers before it from their files, never from a later one', async () => {
    const files = await bundleFiles(true);
    const needs = (text: string) => [...new Set([...text.matchAll(/require\("\.\/(core-\d+)\.js"\)/g)].map((m) => m[1]))].sort();
    assert.deepEqual(needs(files.get('core-1.js')!), []);
    assert.deepEqual(needs(files.get('core-2.js')!), ['core-1']);
    assert.deepEqual(needs(files.get('core-3.js')!), ['core-1', 'core-2']);
    assert.deepEqual(needs(files.get('core.js')!), ['core-1', 'core-2', 'core-3']);
    // Each layer hands its modules on by path.
    assert.match(files.get('core-2.js')!, /"src\/history\/store\.ts":/);
  });

  it('every module a layer reads from an earlier one is in that one\'s modules (a folder\'s index.ts of re-exports too)', async () => {
    for (const production of [true, false]) {
      const files = await bundleFiles(production);
      const lookups: string[] = [];
      for (const [name, text] of files) {
        for (const m of text.matchAll(/require\("\.\/(core-\d+\.js)"\)\.modules\["([^"]+)"\]/g)) {
          lookups.push(`${name} → ${m[1]} ${m[2]}`);
          const layer = files.get(m[1]);
          assert.ok(layer?.includes(`${JSON.stringify(m[2])}:`), `${name} reads ${m[2]} from ${m[1]}, which does not hand it on`);
        }
      }
      assert.ok(lookups.some((l) => l.endsWith('src/bulk/index.ts')), 'the commands read the bulk folder through its index');
      assert.ok(lookups.length > 40, `only ${lookups.length} lookups`);
    }
  });

  it('each core file copies the vscode API object once (vscodeOnce), not once per module that imports it', async () => {
    const files = await bundleFiles(true);
    for (const [name, text] of files) if (name !== 'extension.js') assert.equal(text.match(/require\("vscode"\)/g)?.length, 1, name);
  });
  it('dist/undici.js is the parts of undici the gateway client uses: a request direct and one through a proxy, on 127.0.0.1', async () => {
    const { bundleOptions } = await bundlesModule();
    const options = bundleOptions({ root, production: true }).find((b) => JSON.stringify(b.entryPoints).includes('"undici"'));
    assert.ok(options, 'scripts/bundles.mjs has no undici bundle');
    const built = await esbuild.build({ ...options, write: false, outdir: path.join(root, 'out', 'bundle-check') });
    const text = built.outputFiles.find((f) => f.path.endsWith('undici.js'))!.text;
    // fetch, the mocks and the caches stay out (undici's index has them all).
    for (const word of ['MockAgent', 'EventSource', 'SqliteCacheStore']) assert.equal(text.includes(word), false, `${word} is in dist/undici.js`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-undici-'));
    const file = path.join(dir, 'undici.js');
    fs.writeFileSync(file, text);
    const servers: http.Server[] = [];
    const listen = async (handler: http.RequestListener): Promise<string> => {
      const server = http.createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const undici = require(file) as Pick<typeof import('undici'), 'Agent' | 'ProxyAgent' | 'Dispatcher'>;
      const gateway = await listen((req, res) => res.end(`credit for ${req.url}`));
      const proxied: string[] = [];
      const proxy = await listen((req, res) => {
        proxied.push(req.url ?? '');
        http.get(req.url ?? '', (answer) => answer.pipe(res)); // forwards an absolute-URI request
      });
      const direct = new undici.Agent();
      const viaProxy = new undici.ProxyAgent({ uri: proxy, proxyTunnel: false });
      assert.ok(direct instanceof undici.Dispatcher && viaProxy instanceof undici.Dispatcher);
      const read = async (d: InstanceType<typeof undici.Dispatcher>, p: string): Promise<string> => {
        const res = await d.request({ origin: gateway, path: p, method: 'GET' });
        return res.body.text();
      };
      assert.equal(await read(direct, '/BALANCE?a=1'), 'credit for /BALANCE?a=1');
      assert.equal(await read(viaProxy, '/BALANCE?a=2'), 'credit for /BALANCE?a=2');
      assert.deepEqual(proxied, [`${gateway}/BALANCE?a=2`]);
      await Promise.all([direct.close(), viaProxy.close()]);
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
