import * as assert from 'node:assert/strict';
import { dayKey, reserve, usedToday } from '../../src/tasks/dailyCap';

describe('tasks: the daily cap', () => {
  it('keys counts by the local calendar day', () => {
    assert.equal(dayKey(new Date(2026, 11, 1, 23, 59)), '2026-12-01');
    assert.equal(dayKey(new Date(2026, 11, 2, 0, 0)), '2026-12-02');
  });

  it('counts only today, and treats anything malformed as nothing sent', () => {
    assert.equal(usedToday({ day: '2026-12-01', count: 7 }, '2026-12-01'), 7);
    assert.equal(usedToday({ day: '2026-11-30', count: 7 }, '2026-12-01'), 0);
    for (const bad of [undefined, null, 'x', { day: '2026-12-01', count: -1 }, { day: '2026-12-01', count: 'many' }, { day: '2026-12-01', count: Number.NaN }]) {
      assert.equal(usedToday(bad, '2026-12-01'), 0);
    }
  });

  it('allows up to the limit, counts before sending, and refuses the SMS that would pass it', () => {
    let stored: unknown;
    for (let i = 1; i <= 3; i++) {
      const r = reserve(stored, '2026-12-01', 3, 1);
      assert.ok(r.allowed, `SMS ${i} of 3`);
      stored = r.next;
    }
    assert.deepEqual(reserve(stored, '2026-12-01', 3, 1), { allowed: false, used: 3 });
    assert.equal(reserve(stored, '2026-12-02', 3, 1).allowed, true, 'a new day starts from 0');
    assert.deepEqual(reserve({ day: '2026-12-01', count: 1 }, '2026-12-01', 3, 3), { allowed: false, used: 1 }, 'a task to 3 numbers needs 3 left');
    assert.equal(reserve(undefined, '2026-12-01', 0, 1).allowed, false, 'a limit of 0 stops every send');
  });
});
