// Reading the bulk CSV at its edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"): the character
// limit, the unclosed quote's sentence, the header choice, a header wider than its rows, records spanning
// lines, and separators in files with nothing to go by. Pure functions.
import * as assert from 'node:assert/strict';
import { decodeCsvBytes, detectDelimiter, MAX_CSV_BYTES, readCsv } from '../../src/bulk/csv';
import { BulkError } from '../../src/bulk/errors';
import { coreMessage, wordMessage } from '../../src/gateway/messages';

function refused(fn: () => unknown): BulkError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BulkError);
    return e;
  }
  assert.fail('expected a BulkError');
}

describe('mutants: bulk, reading the CSV', () => {
  it('more characters than the limit are refused before parsing, saying how many', () => {
    const e = refused(() => readCsv('x'.repeat(MAX_CSV_BYTES + 1)));
    assert.equal(e.code, 'csv-too-large');
    assert.equal(e.message, wordMessage(coreMessage('csvTooManyCharacters', MAX_CSV_BYTES + 1, MAX_CSV_BYTES)));
    // Counted after CRLF became LF and the BOM went: this text fits.
    const t = readCsv(`\uFEFFa,b\r\n${'1,2\r\n'.repeat(10)}`);
    assert.equal(t.rows.length, 10);
  });

  it('an unclosed quote says so in the user\'s terms, with its line', () => {
    const e = refused(() => readCsv('name,phone\nMario,"3331234567\nAnna,1\n'));
    assert.equal(e.code, 'csv-invalid');
    assert.equal(e.message, wordMessage(coreMessage('csvQuoteNotClosed')));
    assert.equal(typeof e.line, 'number');
  });

  it('no rows at all, or only blank lines: empty, without a line', () => {
    for (const text of ['', '\n\r\n']) {
      const e = refused(() => readCsv(text));
      assert.equal(e.code, 'csv-empty');
      assert.equal(e.message, wordMessage(coreMessage('csvNoRows')));
      assert.equal(e.line, undefined);
    }
  });

  it('the header: "auto" looks at the first row; true and false are taken as said', () => {
    const phoneFirst = 'Mario,3331234567\nAnna,3339876543\n';
    const namesFirst = 'name,phone\nAnna,3339876543\n';
    assert.equal(readCsv(phoneFirst, { header: 'auto' }).hasHeader, false);
    assert.equal(readCsv(namesFirst, { header: 'auto' }).hasHeader, true);
    const forcedOff = readCsv(namesFirst, { header: false });
    assert.deepEqual([forcedOff.hasHeader, forcedOff.rows.length, forcedOff.columns], [false, 2, ['A', 'B']]);
    const forcedOn = readCsv(phoneFirst, { header: true });
    assert.deepEqual([forcedOn.hasHeader, forcedOn.rows.length, forcedOn.columns], [true, 1, ['Mario', '3331234567']]);
  });

  it('a header wider than its rows keeps every name; a row wider than the header adds letters', () => {
    assert.deepEqual(readCsv('a,b,c\n1,2\n').columns, ['a', 'b', 'c']);
    assert.deepEqual(readCsv('3331234567,x,y\n3339999999\n').columns, ['A', 'B', 'C']);
  });

  it('a record over several lines starts at its first line; the next record at its own', () => {
    const t = readCsv('name,note\nA,"one\ntwo\nthree"\nB,x\n');
    assert.deepEqual(t.rows.map((r) => r.line), [2, 5]);
  });

  it('header names are trimmed; a first row whose cell has 7 digits among other characters is still a header', () => {
    assert.deepEqual(readCsv(' name , phone \nMario,3331234567\n').columns, ['name', 'phone']);
    assert.equal(readCsv('12 34 567,x\n3331234567,y\n').hasHeader, true);
  });

  it('a quoted cell that starts with a line break still counts it, so the next record\'s line is right', () => {
    const t = readCsv('name,note\nA,"\nx"\nB,y\n');
    assert.deepEqual(t.rows.map((r) => [r.cells[0], r.line]), [['A', 2], ['B', 4]]);
  });

  it('the UTF-8 BOM is three bytes together: any two of them without the third are Windows-1252 text', () => {
    const cases: Array<[number[], string]> = [[[0x41, 0xbb, 0xbf], 'A»¿'], [[0xef, 0x41, 0xbf], 'ïA¿'], [[0xef, 0xbb, 0x41], 'ï»A']];
    for (const [b, text] of cases) assert.equal(decodeCsvBytes(new Uint8Array(b)), text, JSON.stringify(b));
  });

  it('a separator is chosen only from records it splits; nothing to go by gives ","', () => {
    assert.equal(detectDelimiter(''), ',');
    assert.equal(detectDelimiter('one\ntwo\n'), ',');
    assert.equal(detectDelimiter('"open;a\tb'), ',', 'an unclosed quote under every separator');
    assert.equal(detectDelimiter('a\tb\nc\td\n'), '\t');
    assert.equal(detectDelimiter('a;b\nc;d\n'), ';');
  });
});
