// Tests that kill mutants of src/bulk/ the rest of the suite let through (issue #10 item 11; docs/TESTING.md).
import * as assert from 'node:assert/strict';
import { decodeCsvBytes, detectDelimiter, MAX_CSV_BYTES, readCsv } from '../../src/bulk/csv';
import { BulkError, isBulkError } from '../../src/bulk/errors';
import { coreMessage, wordMessage } from '../../src/gateway/messages';
import { clampPerRequest, estimateCost, MAX_DESTINATIONS_PER_REQUEST } from '../../src/bulk/plan';
import { parseTemplate, renderTemplate, templateProblem } from '../../src/bulk/template';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('mutants: bulk', () => {
  describe('CSV separator', () => {
    it("a tie goes to ',' ('a;b,c' splits in two either way)", () => {
      assert.equal(detectDelimiter('a;b,c\n'), ',');
      assert.equal(detectDelimiter('a;b,c\nd;e,f\n'), ',');
      assert.deepEqual(readCsv('a;b,c\n3331234567;x,y\n', { header: false }).rows.map((r) => r.cells), [['a;b', 'c'], ['3331234567;x', 'y']]);
    });

    it('between two separators that split every row alike, the one giving more columns wins', () => {
      assert.equal(detectDelimiter('a,b;c;d\n1,2;3;4\n'), ';');
      assert.equal(detectDelimiter('a;b,c,d\n1;2,3,4\n'), ',');
    });

    it("a tie between ';' and tab goes to ';'", () => {
      assert.equal(detectDelimiter('a;b\tc\nd;e\tf\n'), ';');
    });

    it("an Italian first line that splits wider on ',' than on ';' still reads as ';' when the rows agree on ';'", () => {
      const text = 'messaggio, nota, altro;telefono\nCiao;3331234567\nSalve;3339876543\n';
      const t = readCsv(text);
      assert.equal(t.delimiter, ';');
      assert.deepEqual(t.columns, ['messaggio, nota, altro', 'telefono']);
      assert.deepEqual(t.rows.map((r) => r.cells), [['Ciao', '3331234567'], ['Salve', '3339876543']]);
    });
  });

  describe('decoding the file', () => {
    it('drops a UTF-8 BOM itself, and keeps the first bytes of a file without one', () => {
      assert.equal(decodeCsvBytes(bytes(0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62)), 'a,b');
      assert.equal(decodeCsvBytes(new TextEncoder().encode('name,phone')), 'name,phone');
    });

    it('reads Windows-1252 text that merely starts or goes on with a BOM byte as Windows-1252', () => {
      const cases: Array<[number[], string]> = [
        [[0xff, 0x41], 'ÿA'], [[0xfe, 0x41], 'þA'], [[0x41, 0xfe], 'Aþ'], [[0x41, 0xff], 'Aÿ'],
        [[0xef, 0x41, 0x42], 'ïAB'], [[0x41, 0xbb, 0x42], 'A»B'], [[0x41, 0x42, 0xbf], 'AB¿'],
      ];
      for (const [b, text] of cases) assert.equal(decodeCsvBytes(bytes(...b)), text, JSON.stringify(b));
    });

    it('reads a file of exactly the limit', () => {
      assert.equal(decodeCsvBytes(new Uint8Array(MAX_CSV_BYTES)).length, MAX_CSV_BYTES);
    });
  });

  describe('the header', () => {
    it('a first row with 8 digits in a cell is data; 7 digits are a header', () => {
      assert.equal(readCsv('1234 5678,Mario\n3331234567,Anna\n').hasHeader, false);
      assert.equal(readCsv('1234567,Mario\n3331234567,Anna\n').hasHeader, true);
    });

    it('a header with no rows is refused at the line after it', () => {
      try {
        readCsv('\n\nname,phone\n');
        assert.fail('expected csv-empty');
      } catch (e) {
        assert.ok(e instanceof BulkError);
        assert.equal(e.code, 'csv-empty');
        assert.equal(e.line, 4);
      }
    });

    it('only a BOM at the very start is dropped; one inside a cell stays', () => {
      const t = readCsv('name,phone\nMa\uFEFFrio,3331234567\n');
      assert.equal(t.rows[0].cells[0], 'Ma\uFEFFrio');
    });
  });

  describe('templates', () => {
    it('a placeholder that names a column exactly takes it, before one that matches only without case', () => {
      const t = parseTemplate('{{Nome}}', ['NOME', 'Nome']);
      assert.equal(renderTemplate(t, ['wrong', 'right']).text, 'right');
    });

    it('says where an unclosed or empty placeholder starts, quoting it', () => {
      assert.equal(templateProblem('Ciao {{nome', ['nome']), '"{{" at character 6 is not closed with "}}".');
      assert.equal(templateProblem('Ciao {{ }}!', ['nome']), '"{{ }}" at character 6 does not name a column.');
    });

    it('names an unknown placeholder once, however often it is used', () => {
      assert.equal(templateProblem('{{x}} {{x}} {{y}}', ['nome']), 'No column named "x", "y". Columns: {{nome}}');
    });
  });

  describe('the plan', () => {
    it('a request size that is not a number takes the gateway maximum; others are clamped to 1…50', () => {
      for (const n of [undefined, NaN, Infinity, -Infinity]) assert.equal(clampPerRequest(n), MAX_DESTINATIONS_PER_REQUEST, String(n));
      assert.deepEqual([0, -3, 1, 7.9, 50, 99].map(clampPerRequest), [1, 1, 1, 7, 50, 50]);
    });

    it('a country whose price is unknown, or not a number, is named and left out of the total', () => {
      const prices: Record<string, number | undefined> = { 39: 0.05, 44: NaN, 33: Infinity };
      const cost = estimateCost({ 39: 4, 44: 1, 33: 2, 49: 3 }, (prefix) => prices[prefix]);
      assert.ok(Math.abs(cost.total - 0.2) < 1e-9, String(cost.total));
      assert.deepEqual(cost.unknownPrefixes.sort(), ['33', '44', '49']);
    });
  });

  describe('the error type', () => {
    it('a catalogue sentence is kept for the UI to word, and worded in English as the message', () => {
      const sentence = coreMessage('csvHeaderOnly');
      const e = new BulkError('csv-empty', sentence, 7);
      assert.deepEqual([e.name, e.code, e.line, e.message], ['BulkError', 'csv-empty', 7, wordMessage(sentence)]);
      assert.deepEqual(e.sentence, sentence);
      assert.ok(e instanceof Error);
    });

    it('plain English text has no sentence and no line unless given', () => {
      const e = new BulkError('batch-busy', 'Busy.');
      assert.deepEqual([e.message, e.sentence, e.line], ['Busy.', undefined, undefined]);
      assert.equal(isBulkError(e), true);
      assert.equal(isBulkError(new Error('Busy.')), false);
      assert.equal(isBulkError(undefined), false);
    });
  });
});
