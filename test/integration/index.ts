// Entry point the VS Code test runners load inside the extension host (code-server, or desktop via
// @vscode/test-electron): runs every out/test/integration/**/*.test.js with mocha and rejects on failure.
import Mocha from 'mocha';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...testFiles(full));
    else if (name.endsWith('.test.js')) found.push(full);
  }
  return found;
}

export function run(): Promise<void> {
  // Real servers and a real workbench: be generous, a loaded CI machine is slow to open editors.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  // INVIOSMART_TEST_GREP narrows a run while working on one test.
  if (process.env.INVIOSMART_TEST_GREP) mocha.grep(process.env.INVIOSMART_TEST_GREP);
  for (const file of testFiles(__dirname)) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const { passes = 0, pending = 0 } = runner.stats ?? {};
        // One line the orchestrator reads to add this suite's counts to its total.
        console.log(`integration-result: ${passes} passed, ${failures} failed, ${pending} pending`);
        if (passes + failures === 0) reject(new Error('no integration test ran'));
        else if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e);
    }
  });
}
