// Tests that kill mutants of src/bulk/ the rest of the suite let through (issue #10 item 11; docs/TESTING.md).
import * as assert from 'node:assert/strict';
import { detectDelimiter, readCsv } from '../../src/bulk/csv';

describe('mutants: bulk', () => {
  describe('CSV separator', () => {
    it("a tie goes to ',' ('a;b,c' splits in two either way)", () => {
      assert.equal(detectDelimiter('a;b,c\n'), ',');
      assert.equal(detectDelimiter('a;b,c\nd;e,f\n'), ',');
      assert.deepEqual(readCsv('a;b,c\n3331234567;x,y\n', { header: false }).rows.map((r) => r.cells), [['a;b', 'c'], ['3331234567;x', 'y']]);
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
});
