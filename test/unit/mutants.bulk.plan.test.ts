// From checked rows to requests, at the edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"):
// what a skipped row lists as its reasons, the totals, and the cost of prices that are not numbers.
import * as assert from 'node:assert/strict';
import { readCsv } from '../../src/bulk/csv';
import { estimateCost, groupRequests, planBatch, planTotals, type PlannedRow } from '../../src/bulk/plan';
import { prepareRows } from '../../src/bulk/prepare';

describe('mutants: bulk, the plan', () => {
  const table = readCsv(['name;phone;code', 'Blank;;', 'Short;12ab', 'Dup;3331234567;A', 'Dup;3331234567;', 'Extra;3339999999;C;more'].join('\n'));
  const prepared = prepareRows(table, { destinationColumn: 'phone', template: 'Ciao {{name}} {{code}}', defaultCountry: '39' });

  it('a blocked row lists every reason but the ragged note; an optional one lists only what was not included', () => {
    const plan = planBatch(prepared);
    const skipped = new Map(plan.skipped.map((s) => [s.row, s.issues.map((i) => i.kind)]));
    assert.deepEqual(skipped.get(1), ['invalid-number', 'empty-placeholder'], 'blocked: no "ragged"');
    assert.deepEqual(skipped.get(0), ['invalid-number', 'empty-placeholder']);
    assert.deepEqual(skipped.get(3), ['empty-placeholder', 'duplicate-number']);
    assert.deepEqual(plan.rows.map((r) => r.row), [2, 4], 'a ragged row alone is sent');
    const some = planBatch(prepared, { includeDuplicates: true });
    assert.deepEqual(new Map(some.skipped.map((s) => [s.row, s.issues.map((i) => i.kind)])).get(3), ['empty-placeholder']);
    const other = planBatch(prepared, { includeEmptyPlaceholders: true });
    assert.deepEqual(new Map(other.skipped.map((s) => [s.row, s.issues.map((i) => i.kind)])).get(3), ['duplicate-number']);
    const s = plan.skipped.find((x) => x.row === 1);
    assert.deepEqual([s?.line, s?.destinationInput], [3, '12ab']);
  });

  it('totals: rows, parts, requests and parts per country code', () => {
    const rows: PlannedRow[] = [
      { row: 0, line: 2, destination: '393331234567', text: 'a', parts: 2 },
      { row: 1, line: 3, destination: '447700900123', text: 'a', parts: 3 },
      { row: 2, line: 4, destination: '393339999999', text: 'b', parts: 1 },
    ];
    assert.deepEqual(planTotals(rows, 7), { rows: 3, parts: 6, requests: 7, partsByPrefix: { '39': 3, '44': 3 } });
    assert.deepEqual(planTotals([], 0), { rows: 0, parts: 0, requests: 0, partsByPrefix: {} });
    const plan = planBatch(prepared, { maxPerRequest: 1 });
    assert.equal(plan.totals.requests, plan.requests.length);
    assert.equal(plan.requests.length, 2);
  });

  it('a request takes its first row\'s text and parts', () => {
    const rows: PlannedRow[] = [
      { row: 0, line: 2, destination: '391', text: 'same', parts: 2 },
      { row: 1, line: 3, destination: '392', text: 'same', parts: 2 },
    ];
    assert.deepEqual(groupRequests(rows), [{ rows: [0, 1], destinations: ['391', '392'], text: 'same', parts: 2 }]);
  });

  it('a price that is not a finite number is unknown; a price of 0 is known', () => {
    const est = estimateCost({ '39': 4, '44': 1, '33': 2, '49': 5 }, (p) => ({ '39': 0, '44': Number.NaN, '33': Infinity })[p]);
    assert.equal(est.total, 0);
    assert.deepEqual(est.unknownPrefixes, ['33', '44', '49']);
  });
});
