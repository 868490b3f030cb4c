// Checking rows before a bulk send, at the edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"):
// the destination column by index or name, what a blank row, an empty or broken text and the Latin-1
// endpoint make of a row, the length limit, ragged rows with and without a header, the report's counts
// and the column guess. Pure functions over parsed CSV.
import * as assert from 'node:assert/strict';
import { readCsv, type CsvTable } from '../../src/bulk/csv';
import { BulkError } from '../../src/bulk/errors';
import { guessDestinationColumn, isBlocked, prepareRows, validationReport, type PrepareOptions } from '../../src/bulk/prepare';
import { coreMessage, wordMessage } from '../../src/gateway/messages';
import { MAX_MESSAGE_LENGTH } from '../../src/gateway/smsText';

const kindsOf = (table: CsvTable, options: PrepareOptions) => prepareRows(table, options).map((r) => r.issues.map((i) => i.kind));

describe('mutants: bulk, checking the rows', () => {
  const table = readCsv('name,phone\nMario,3331234567\n');

  it('the destination column by index: only a whole index inside the table', () => {
    assert.equal(prepareRows(table, { destinationColumn: 1, template: 'x', defaultCountry: '39' })[0].destination, '393331234567');
    assert.equal(prepareRows(table, { destinationColumn: 0, template: 'x', defaultCountry: '39' })[0].destinationInput, 'Mario');
    for (const bad of [-1, 2, 0.5]) {
      assert.throws(() => prepareRows(table, { destinationColumn: bad, template: 'x' }), (e: unknown) => {
        assert.ok(e instanceof BulkError);
        assert.equal(e.code, 'column-unknown');
        assert.equal(e.message, wordMessage(coreMessage('columnUnknown', JSON.stringify(String(bad)), 'name, phone')));
        return true;
      });
    }
  });

  it('the destination column by name: exact first, then without case or spaces around it', () => {
    // By hand: readCsv itself makes header names unique without case.
    const t: CsvTable = { delimiter: ',', hasHeader: true, columns: ['Phone', 'phone'], rows: [{ index: 0, line: 2, cells: ['3331234567', '3339999999'] }] };
    assert.equal(prepareRows(t, { destinationColumn: 'phone', template: 'x', defaultCountry: '39' })[0].destinationInput, '3339999999');
    assert.equal(prepareRows(t, { destinationColumn: ' PHONE ', template: 'x', defaultCountry: '39' })[0].destinationInput, '3331234567');
    assert.throws(() => prepareRows(t, { destinationColumn: 'mobile', template: 'x' }), /The file has no column "mobile"\. Columns: Phone, phone/);
  });

  it('a blank row is only blank: no other problem is looked for', () => {
    const t = readCsv('name,phone\n , \nAnna,3331234567\n');
    assert.deepEqual(kindsOf(t, { destinationColumn: 'phone', template: 'Ciao {{name}}', defaultCountry: '39' }), [['blank-row'], []]);
  });

  it('a short row has no number rather than a made-up one', () => {
    const t = readCsv('name,phone\nMario\nAnna,3331234567\n');
    const r = prepareRows(t, { destinationColumn: 'phone', template: 'Ciao {{name}}', defaultCountry: '39' });
    assert.equal(r[0].destinationInput, '');
    assert.deepEqual(r[0].issues.map((i) => i.kind), ['invalid-number', 'ragged']);
    assert.equal(r[0].issues[1].detail, wordMessage(coreMessage('rowRagged', 1, 2)));
  });

  it('a text that is only spaces is empty; a lone surrogate is a broken character', () => {
    // By hand: a lone surrogate cannot come through the CSV parser, but a template can hold one.
    const t: CsvTable = { delimiter: ',', hasHeader: true, columns: ['name', 'phone'], rows: [{ index: 0, line: 2, cells: ['  ', '3331234567'] }, { index: 1, line: 3, cells: ['\uD800x', '3339999999'] }] };
    assert.deepEqual(kindsOf(t, { destinationColumn: 'phone', template: '{{name}}', defaultCountry: '39' }), [['empty-text', 'empty-placeholder'], ['invalid-text']]);
    const ok = readCsv('name,phone\n\uD83D\uDE00,3331234567\n');
    assert.deepEqual(kindsOf(ok, { destinationColumn: 'phone', template: '{{name}}', defaultCountry: '39' }), [[]], 'a whole pair is a character');
  });

  it('Latin-1 endpoint: a character with a stand-in is refused unless agreed, naming both; one without is refused always', () => {
    const t = readCsv('name,phone\n5€,3331234567\n😀,3339999999\nCiao,3338888888\n');
    const asked = prepareRows(t, { destinationColumn: 'phone', template: '{{name}}', defaultCountry: '39', charset: 'iso-8859-1' });
    assert.deepEqual(asked.map((r) => r.issues.map((i) => i.kind)), [['unrepresentable'], ['unrepresentable'], []]);
    assert.equal(asked[0].issues[0].detail, wordMessage(coreMessage('rowUnrepresentable', '€ (→ EUR)')));
    assert.equal(asked[0].text, '5€', 'shown as written until the user agrees');
    assert.equal(asked[1].issues[0].detail, wordMessage(coreMessage('rowUnrepresentable', '😀')));
    const agreed = prepareRows(t, { destinationColumn: 'phone', template: '{{name}}', defaultCountry: '39', charset: 'iso-8859-1', transliterate: true });
    assert.deepEqual(agreed.map((r) => r.issues.map((i) => i.kind)), [[], ['unrepresentable'], []]);
    assert.equal(agreed[0].text, '5EUR');
    assert.equal(agreed[1].issues[0].detail, wordMessage(coreMessage('rowUnrepresentable', '😀')));
    const utf8 = prepareRows(t, { destinationColumn: 'phone', template: '{{name}}', defaultCountry: '39' });
    assert.deepEqual(utf8.map((r) => r.issues.length), [0, 0, 0], 'the UTF-8 endpoint carries them all');
  });

  it('the length limit: at most, not over', () => {
    const t = readCsv(`name,phone\n${'a'.repeat(MAX_MESSAGE_LENGTH)},3331234567\n${'a'.repeat(MAX_MESSAGE_LENGTH + 1)},3339999999\n`);
    const r = prepareRows(t, { destinationColumn: 'phone', template: '{{name}}', defaultCountry: '39' });
    assert.deepEqual(r.map((x) => x.issues.map((i) => i.kind)), [[], ['too-long']]);
    assert.equal(r[1].issues[0].detail, wordMessage(coreMessage('rowTooLong', MAX_MESSAGE_LENGTH + 1, MAX_MESSAGE_LENGTH)));
  });

  it('ragged against the header; without a header a row is measured against itself', () => {
    const t = readCsv('3331234567,a\n3339999999,b,c\n', { header: false });
    assert.deepEqual(kindsOf(t, { destinationColumn: 0, template: '{{B}}', defaultCountry: '39' }), [[], []]);
    const h = readCsv('phone,a\n3331234567,a,extra\n3339999999,b\n');
    assert.deepEqual(kindsOf(h, { destinationColumn: 0, template: '{{a}}', defaultCountry: '39' }), [[], ['ragged']], 'the header is as wide as the widest row');
  });

  it('empty placeholders named once each; a duplicate names the earlier row by its number', () => {
    const t = readCsv('phone,a,b\n3331234567,,\n3331234567,x,y\n');
    const r = prepareRows(t, { destinationColumn: 'phone', template: '{{a}}{{b}}{{a}} hi', defaultCountry: '39' });
    assert.equal(r[0].issues[0].detail, wordMessage(coreMessage('rowEmptyPlaceholders', '{{a}} {{b}}')));
    assert.equal(r[1].issues[0].detail, wordMessage(coreMessage('rowDuplicate', 1)));
    assert.equal(r[1].duplicateOf, 0);
  });

  it('the report: each row once under each kind it has; ragged rows are clean, optional ones are neither', () => {
    const t = readCsv('phone,a,b\n3331234567,x,y\n3339999999,x\n3338888888,,y\nbad,x,y\n');
    const rows = prepareRows(t, { destinationColumn: 'phone', template: 'Hi {{a}}{{a}}', defaultCountry: '39' });
    const report = validationReport(rows);
    assert.deepEqual(report.byKind.ragged, [1]);
    assert.deepEqual(report.byKind['empty-placeholder'], [2]);
    assert.deepEqual(report.byKind['invalid-number'], [3]);
    assert.deepEqual([report.rows, report.clean, report.blocked], [4, 2, 1]);
    assert.deepEqual(rows.map(isBlocked), [false, false, false, true]);
    assert.deepEqual(validationReport([]), { rows: 0, byKind: { 'blank-row': [], 'invalid-number': [], 'too-long': [], 'empty-text': [], 'invalid-text': [], unrepresentable: [], 'duplicate-number': [], 'empty-placeholder': [], ragged: [] }, clean: 0, blocked: 0 });
  });

  it('the column guess: most valid numbers wins, a tie goes left, only the first rows are sampled', () => {
    assert.equal(guessDestinationColumn(readCsv('a,b\n3331234567,3339999999\nx,3338888888\n'), '39'), 1);
    assert.equal(guessDestinationColumn(readCsv('a,b\n3331234567,3339999999\n'), '39'), 0);
    const many = ['a,b', ...Array.from({ length: 3 }, () => '3331234567,x'), ...Array.from({ length: 5 }, () => 'x,3339999999')].join('\n');
    assert.equal(guessDestinationColumn(readCsv(many), '39'), 1);
    assert.equal(guessDestinationColumn(readCsv(many), '39', 3), 0);
    assert.equal(guessDestinationColumn(readCsv('a,b\n+393331234567,3339999999\n')), 0, 'without a default country only international numbers count');
  });
});
