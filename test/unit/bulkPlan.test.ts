import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { readCsv } from '../../src/bulk/csv';
import { BulkError } from '../../src/bulk/errors';
import { estimateCost, groupRequests, planBatch, type PlannedRow } from '../../src/bulk/plan';
import { guessDestinationColumn, prepareRows, validationReport } from '../../src/bulk/prepare';

const CSV = [
  'name;phone;code',
  'Mario;+39 333 1234567;A1', // 0 ok
  'Anna;3339876543;B2', // 1 ok (national, default country 39)
  'Bad;12ab;C3', // 2 invalid number
  'Again;0039 333 1234567;D4', // 3 duplicate of row 0
  'NoCode;3331112222;', // 4 empty placeholder
  ';;', // 5 blank
  `Long;3332223333;${'x'.repeat(600)}`, // 6 too long once rendered
  'Short;3334445555', // 7 ragged (and empty placeholder)
].join('\n');

describe('bulk: validation report', () => {
  const table = readCsv(CSV);
  const rows = prepareRows(table, { destinationColumn: 'phone', template: 'Ciao {{name}}, codice {{code}}', defaultCountry: '39' });
  const kinds = (i: number) => rows[i].issues.map((x) => x.kind);

  it('renders every row with its encoding and parts', () => {
    assert.equal(rows[0].text, 'Ciao Mario, codice A1');
    assert.equal(rows[0].destination, '393331234567');
    assert.equal(rows[0].encoding, 'GSM-7');
    assert.equal(rows[0].parts, 1);
    assert.equal(rows[1].destination, '393339876543');
    assert.equal(rows[6].parts, 5);
  });

  it('names each problem', () => {
    assert.deepEqual(kinds(0), []);
    assert.deepEqual(kinds(2), ['invalid-number']);
    assert.deepEqual(kinds(3), ['duplicate-number']);
    assert.equal(rows[3].duplicateOf, 0);
    assert.deepEqual(kinds(4), ['empty-placeholder']);
    assert.match(rows[4].issues[0].detail, /\{\{code\}\}/);
    assert.deepEqual(kinds(5), ['blank-row']);
    assert.deepEqual(kinds(6), ['too-long']);
    assert.match(rows[6].issues[0].detail, /^618 characters/);
    assert.deepEqual(kinds(7), ['empty-placeholder', 'ragged']);
  });

  it('counts them in the report', () => {
    const report = validationReport(rows);
    assert.equal(report.rows, 8);
    assert.deepEqual(report.byKind['invalid-number'], [2]);
    assert.deepEqual(report.byKind['duplicate-number'], [3]);
    assert.deepEqual(report.byKind['empty-placeholder'], [4, 7]);
    assert.deepEqual(report.byKind['too-long'], [6]);
    assert.equal(report.clean, 2);
    assert.equal(report.blocked, 3);
  });

  it('UCS-2 texts are measured in UTF-16 units against 612', () => {
    const t = readCsv(`phone,msg\n3331234567,${'è'.repeat(10)}${'€'.repeat(1)}\n3331234568,${'ж'.repeat(613)}\n`);
    const r = prepareRows(t, { destinationColumn: 'phone', template: '{{msg}}', defaultCountry: '39' });
    assert.equal(r[0].encoding, 'GSM-7');
    assert.equal(r[0].characters, 12); // € is two septets
    assert.equal(r[1].encoding, 'UCS-2');
    assert.deepEqual(r[1].issues.map((i) => i.kind), ['too-long']);
  });

  it('a duplicate is measured against rows that can be sent, not against refused ones', () => {
    const t = readCsv(`phone,msg\n3331234567,${'x'.repeat(700)}\n3331234567,ok\n3331234567,again\n`);
    const r = prepareRows(t, { destinationColumn: 'phone', template: '{{msg}}', defaultCountry: '39' });
    assert.deepEqual(r.map((x) => x.issues.map((i) => i.kind)), [['too-long'], [], ['duplicate-number']]);
  });

  it('refuses an unknown column and a bad template with typed errors', () => {
    assert.throws(() => prepareRows(table, { destinationColumn: 'mobile', template: 'x' }), (e: unknown) => e instanceof BulkError && e.code === 'column-unknown');
    assert.throws(() => prepareRows(table, { destinationColumn: 'phone', template: '{{nope}}' }), (e: unknown) => e instanceof BulkError && e.code === 'template-invalid');
  });

  it('guesses the destination column', () => {
    assert.equal(guessDestinationColumn(table, '39'), 1);
    assert.equal(guessDestinationColumn(readCsv('a,b\nx,y\n'), '39'), undefined);
  });
});

describe('bulk: planning', () => {
  const table = readCsv(CSV);
  const prepared = prepareRows(table, { destinationColumn: 'phone', template: 'Ciao {{name}}, codice {{code}}', defaultCountry: '39' });

  it('skips blocked rows always and optional ones unless included', () => {
    const plan = planBatch(prepared);
    assert.deepEqual(plan.rows.map((r) => r.row), [0, 1]);
    assert.deepEqual(plan.skipped.map((s) => s.row), [2, 3, 4, 5, 6, 7]);
    const all = planBatch(prepared, { includeDuplicates: true, includeEmptyPlaceholders: true });
    assert.deepEqual(all.rows.map((r) => r.row), [0, 1, 3, 4, 7]);
    assert.deepEqual(all.skipped.map((s) => [s.row, s.issues.map((i) => i.kind)]), [[2, ['invalid-number']], [5, ['blank-row']], [6, ['too-long']]]);
    assert.equal(all.totals.parts, 5);
    assert.deepEqual(all.totals.partsByPrefix, { '39': 5 });
  });

  it('groups rows with the same text, at most N per request, never one number twice in a request', () => {
    const rows: PlannedRow[] = [
      { row: 0, line: 2, destination: '391', text: 'A', parts: 1 },
      { row: 1, line: 3, destination: '392', text: 'B', parts: 1 },
      { row: 2, line: 4, destination: '393', text: 'A', parts: 1 },
      { row: 3, line: 5, destination: '391', text: 'A', parts: 1 },
      { row: 4, line: 6, destination: '394', text: 'A', parts: 1 },
      { row: 5, line: 7, destination: '395', text: 'A', parts: 1 },
    ];
    const requests = groupRequests(rows, 3);
    assert.deepEqual(requests.map((r) => [r.text, r.rows]), [['A', [0, 2, 4]], ['B', [1]], ['A', [3, 5]]]);
    assert.deepEqual(requests[2].destinations, ['391', '395']);
    assert.deepEqual(groupRequests(rows, 1).map((r) => r.rows), [[0], [1], [2], [3], [4], [5]]);
    assert.deepEqual(groupRequests(rows, 500).map((r) => r.rows), [[0, 2, 4, 5], [1], [3]], 'the repeated number waits for a request of its own');
  });

  it('1,000 rows with one text make 20 requests of 50', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ row: i, line: i + 2, destination: `39333${String(i).padStart(7, '0')}`, text: 'Same', parts: 1 }));
    const requests = groupRequests(rows);
    assert.equal(requests.length, 20);
    assert.ok(requests.every((r) => r.destinations.length === 50));
  });

  it('estimates the cost per country prefix and names prefixes without a price', () => {
    const est = estimateCost({ '39': 10, '44': 2, '1': 3 }, (p) => ({ '39': 0.05, '44': 0.07 })[p]);
    assert.equal(est.total.toFixed(2), '0.64');
    assert.deepEqual(est.unknownPrefixes, ['1']);
  });
});

describe('bulk: property — any CSV text and template', () => {
  // Cells built from the characters that make CSV hard, plus arbitrary text.
  const cell = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('', ' ', '"', '""', ',', ';', '\t', '\n', '\r\n', '{{', '}}', '+39 333 1234567', '3331234567', '00393331234567', 'è€😀'),
    fc.stringMatching(/^[0-9 +()-]{0,16}$/),
  );
  const quoted = cell.map((c) => `"${c.replace(/"/g, '""')}"`);
  const csvText = fc.oneof(
    fc.array(fc.array(fc.oneof(cell, quoted), { minLength: 1, maxLength: 5 }), { minLength: 0, maxLength: 12 }).chain((rows) =>
      fc.tuple(fc.constantFrom(',', ';', '\t'), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean()).map(
        ([sep, eol, bom]) => (bom ? '\uFEFF' : '') + rows.map((r) => r.join(sep)).join(eol),
      ),
    ),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  const template = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('A', 'B', 'name', 'phone', 'x y', ''), fc.string({ maxLength: 10 })).map(([a, n, b]) => `${a}{{${n}}}${b}`),
  );

  it('never throws anything but a BulkError, and never loses a row', () => {
    fc.assert(
      fc.property(csvText, template, fc.nat(6), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 60 }), (text, tpl, col, dup, empty, per) => {
        try {
          const table = readCsv(text);
          const prepared = prepareRows(table, { destinationColumn: Math.min(col, table.columns.length - 1), template: tpl, defaultCountry: '39' });
          const plan = planBatch(prepared, { includeDuplicates: dup, includeEmptyPlaceholders: empty, maxPerRequest: per });
          const seen = [...plan.rows.map((r) => r.row), ...plan.skipped.map((s) => s.row)].sort((a, b) => a - b);
          assert.deepEqual(seen, table.rows.map((r) => r.index), 'every input row is planned or reported, once');
          assert.ok(plan.skipped.every((s) => s.issues.length > 0), 'a skipped row says why');
          const inRequests = plan.requests.flatMap((r) => r.rows).sort((a, b) => a - b);
          assert.deepEqual(inRequests, plan.rows.map((r) => r.row), 'every planned row is in exactly one request');
          for (const r of plan.requests) {
            assert.ok(r.rows.length >= 1 && r.rows.length <= Math.min(per, 50));
            assert.equal(new Set(r.destinations).size, r.destinations.length);
          }
        } catch (e) {
          if (!(e instanceof BulkError)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });
});
