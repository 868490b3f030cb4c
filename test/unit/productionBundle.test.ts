// The shipped extension carries the built-in sandbox but none of the test-only code: the sandbox's
// scriptable faults (src/sandbox/faults.ts) and the disk-full switch (src/common/diskFullSwitch.ts).
// Builds src/extension.ts in memory with the production options of scripts/bundles.mjs and looks for
// the words only that code holds; the same words in the test builds prove they are the right ones.
import * as assert from 'node:assert/strict';
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

async function bundleText(production: boolean, entry = 'src/extension.ts'): Promise<string> {
  const { bundleOptions } = await bundlesModule();
  const options = bundleOptions({ root, production }).find((b) => JSON.stringify(b.entryPoints).includes('src/extension.ts'));
  assert.ok(options, 'scripts/bundles.mjs has no extension bundle');
  const result = await esbuild.build({ ...options, entryPoints: { extension: entry }, write: false, sourcemap: false, outdir: path.join(root, 'out', 'bundle-check') });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  assert.ok(js, 'esbuild wrote no JavaScript');
  return js.text;
}

describe('production bundle', function () {
  this.timeout(60_000);

  it('dist/extension.js of a production build carries no fault injection and no disk-full switch', async () => {
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
    const found = testOnlyCodeIn(await bundleText(true, 'src/sandbox/faults.ts'));
    assert.deepEqual(found, TEST_ONLY_MARKERS.filter((m) => !['INVIOSMART_TEST_DISK_FULL', 'no space left on device'].includes(m)));
  });
});
