// Tests that kill mutants of src/history/ the rest of the suite let through (issue #10 item 11; docs/TESTING.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEASE_FILE, parseLease, sweepSharedTemps } from '../../src/history/election';

describe('mutants: history', () => {
  describe('parseLease: only a whole lease names a holder', () => {
    it('reads a whole lease', () => {
      assert.deepEqual(parseLease('{"owner":"w1","heartbeatAt":1700000000000,"focused":true,"extra":1}'), {
        owner: 'w1', heartbeatAt: 1700000000000, focused: true,
      });
    });

    const notALease: Array<[string, string]> = [
      ['null', 'null'],
      ['a number', '42'],
      ['a string', '"w1"'],
      ['an array', '[1,2]'],
      ['no owner', '{"heartbeatAt":1,"focused":false}'],
      ['an empty owner', '{"owner":"","heartbeatAt":1,"focused":false}'],
      ['an owner that is not text', '{"owner":7,"heartbeatAt":1,"focused":false}'],
      ['no heartbeat', '{"owner":"w1","focused":false}'],
      ['a heartbeat that is text', '{"owner":"w1","heartbeatAt":"1","focused":false}'],
      ['an infinite heartbeat', '{"owner":"w1","heartbeatAt":1e999,"focused":false}'],
      ['no focus flag', '{"owner":"w1","heartbeatAt":1}'],
      ['a focus flag that is text', '{"owner":"w1","heartbeatAt":1,"focused":"yes"}'],
      ['torn JSON', '{"owner":"w1","heartbe'],
    ];
    for (const [what, text] of notALease) {
      it(`is free with ${what}`, () => assert.equal(parseLease(text), undefined));
    }
  });

  describe('sweepSharedTemps: a crashed write\'s temp file goes once it is a minute old', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-sweep-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('keeps one written 59.999 s ago, deletes one written exactly 60 s ago', async () => {
      const file = path.join(dir, `${LEASE_FILE}.crashed1.tmp`);
      fs.writeFileSync(file, '{');
      // A whole second, so mtime + 60 000 is exact in floating point.
      fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
      const mtime = fs.statSync(file).mtimeMs;
      assert.equal(mtime, 1_700_000_000_000);
      assert.equal(await sweepSharedTemps(dir, undefined, mtime + 59_999), 0);
      assert.ok(fs.existsSync(file));
      assert.equal(await sweepSharedTemps(dir, undefined, mtime + 60_000), 1);
      assert.equal(fs.existsSync(file), false);
    });

    it('a folder that cannot be listed sweeps nothing and does not throw', async () => {
      assert.equal(await sweepSharedTemps(path.join(dir, 'missing')), 0);
    });
  });
});
