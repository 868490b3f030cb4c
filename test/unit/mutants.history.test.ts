// Tests that kill mutants of src/history/ the rest of the suite let through (issue #10 item 11; docs/TESTING.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEASE_FILE, parseLease, sweepSharedTemps } from '../../src/history/election';
import { CLOCK_SLACK_MS, clockDoubt } from '../../src/history/retention';
import type { HistoryEntry } from '../../src/history/types';

const DAY = 24 * 60 * 60_000;
/** clockDoubt reads only the two dates of the newest entry. */
const entryAt = (ms: number): HistoryEntry => ({ createdAt: new Date(ms).toISOString(), updatedAt: new Date(ms).toISOString() }) as unknown as HistoryEntry;

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

  describe('clockDoubt: when the age limit waits for a clock it can trust', () => {
    const T = Date.UTC(2026, 11, 1);
    const limits = { maxAgeDays: 30, maxEntries: 100 };

    it('with nothing to compare against (no entry, no write), the clock is trusted', () => {
      assert.equal(clockDoubt([], T, limits), undefined);
    });

    it('with only the folder\'s last write to compare against, that write decides', () => {
      assert.equal(clockDoubt([], T, limits, T - 1000), undefined);
      assert.match(clockDoubt([], T, limits, T + CLOCK_SLACK_MS + 1) ?? '', /is earlier than the newest/);
    });

    it('a clock that gives no time is not trusted', () => {
      assert.equal(clockDoubt([entryAt(T)], NaN, limits), 'the clock gives no time');
    });

    it('a clock behind the newest entry by exactly the slack is trusted; a millisecond more is not', () => {
      assert.equal(clockDoubt([entryAt(T)], T - CLOCK_SLACK_MS, limits), undefined);
      assert.match(clockDoubt([entryAt(T)], T - CLOCK_SLACK_MS - 1, limits) ?? '', /is earlier than the newest/);
    });

    it('a clock exactly maxAgeDays past the newest entry is trusted; a millisecond more is not; 0 days never doubts', () => {
      assert.equal(clockDoubt([entryAt(T)], T + 30 * DAY, limits), undefined);
      assert.match(clockDoubt([entryAt(T)], T + 30 * DAY + 1, limits) ?? '', /more than 30 days past/);
      assert.equal(clockDoubt([entryAt(T)], T + 3650 * DAY, { maxAgeDays: 0, maxEntries: 100 }), undefined);
    });
  });
});
