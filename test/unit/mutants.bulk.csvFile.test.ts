// Reading the CSV file when the size the system reports is not what the file holds (issue #10 item 11;
// docs/TESTING.md, "Mutation testing"). A file in /proc reports size 0 and yet has bytes, as a file that
// grows between the size check and the read does: it is read to its end, or refused one byte past the
// limit, never handed on cut short (before, the read stopped one byte past the reported size).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readCsvFile } from '../../src/bulk/csvFile';

describe('mutants: bulk, the CSV file read past its reported size', () => {
  // Linux only, like CI; elsewhere there is no /proc and this fails rather than skips.
  const file = '/proc/self/status';

  it('more bytes than the reported size, over the limit: refused as too large, by the size the system reports', async () => {
    assert.deepEqual(await readCsvFile(file, 0), { ok: false, reason: 'too-large', size: 0, max: 0 });
    assert.deepEqual(await readCsvFile(file, 10), { ok: false, reason: 'too-large', size: 0, max: 10 });
  });

  it('more bytes than the reported size, within the limit: read to the end', async () => {
    const r = await readCsvFile(file);
    assert.ok(r.ok);
    const text = Buffer.from(r.bytes).toString('utf8');
    const lines = text.split('\n');
    assert.ok(lines.length > 10, text);
    assert.ok(text.endsWith('\n'), 'the last line whole');
    // The same fields, in the same order, as Node reads them (their values change from read to read).
    const names = (t: string) => t.split('\n').map((l) => l.split(':')[0]);
    assert.deepEqual(names(text), names(readFileSync(file, 'utf8')));
  });
});
