// Reading the bulk CSV from a real disk: a pipe, a device or a folder is refused at once (no read that
// waits forever), and an over-limit file is refused by its size before its bytes are read.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CSV_BYTES } from '../../src/bulk/csv';
import { readCsvFile } from '../../src/bulk/csvFile';

describe('bulk: reading the CSV file from disk', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'inviosmart-csvfile-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file up to the limit, byte for byte', async () => {
    const file = join(dir, 'ok.csv');
    writeFileSync(file, 'name,phone\nMario,3331234567\n');
    const r = await readCsvFile(file);
    assert.ok(r.ok);
    assert.equal(Buffer.from(r.bytes).toString('utf8'), 'name,phone\nMario,3331234567\n');
    const exact = join(dir, 'exact.csv');
    writeFileSync(exact, 'x'.repeat(64));
    const atLimit = await readCsvFile(exact, 64);
    assert.ok(atLimit.ok && atLimit.bytes.length === 64);
  });

  it('refuses a file over the limit by its size, without reading it (an 8 GiB sparse file answers at once)', async () => {
    const file = join(dir, 'huge.csv');
    writeFileSync(file, '');
    truncateSync(file, 8 * 1024 ** 3);
    const r = await readCsvFile(file);
    assert.deepEqual(r, { ok: false, reason: 'too-large', size: 8 * 1024 ** 3, max: MAX_CSV_BYTES });
    const small = join(dir, 'one-over.csv');
    writeFileSync(small, 'x'.repeat(65));
    assert.deepEqual(await readCsvFile(small, 64), { ok: false, reason: 'too-large', size: 65, max: 64 });
  });

  it('refuses a folder', async () => {
    assert.deepEqual(await readCsvFile(dir), { ok: false, reason: 'folder' });
  });

  // POSIX only, like CI: on Windows these fail (no mkfifo, no /dev) rather than skip and read as passed.
  it('refuses a FIFO nobody writes to, without waiting for a writer', async () => {
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(await readCsvFile(fifo), { ok: false, reason: 'not-a-file' });
  });

  it('refuses a device that never ends (/dev/zero) and one that is always empty (/dev/null)', async () => {
    assert.deepEqual(await readCsvFile('/dev/zero'), { ok: false, reason: 'not-a-file' });
    assert.deepEqual(await readCsvFile('/dev/null'), { ok: false, reason: 'not-a-file' });
  });

  it('a missing file is an ordinary error (ENOENT), not a refusal', async () => {
    await assert.rejects(readCsvFile(join(dir, 'missing.csv')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});
