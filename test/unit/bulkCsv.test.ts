import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { columnLetter, decodeCsvBytes, detectDelimiter, readCsv } from '../../src/bulk/csv';
import { BulkError } from '../../src/bulk/errors';
import { parseTemplate, renderTemplate, templateProblem } from '../../src/bulk/template';

function bulkError(fn: () => unknown, code: string): BulkError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BulkError, `expected a BulkError, got ${String(e)}`);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail(`expected BulkError ${code}`);
}

describe('bulk: reading the CSV', () => {
  it('reads a plain comma file with a header', () => {
    const t = readCsv('name,phone\nMario,+39 333 1234567\nAnna,3339876543\n');
    assert.equal(t.delimiter, ',');
    assert.equal(t.hasHeader, true);
    assert.deepEqual(t.columns, ['name', 'phone']);
    assert.deepEqual(t.rows.map((r) => r.cells), [['Mario', '+39 333 1234567'], ['Anna', '3339876543']]);
    assert.deepEqual(t.rows.map((r) => [r.index, r.line]), [[0, 2], [1, 3]]);
  });

  it('detects ";" (Italian Excel) even when decimals use commas', () => {
    const t = readCsv('nome;telefono;importo\r\nMario;3331234567;12,50\r\nAnna;3339876543;7,00\r\n');
    assert.equal(t.delimiter, ';');
    assert.deepEqual(t.columns, ['nome', 'telefono', 'importo']);
    assert.deepEqual(t.rows[0].cells, ['Mario', '3331234567', '12,50']);
  });

  it('detects tab separators', () => {
    assert.equal(detectDelimiter('a\tb\tc\n1\t2\t3\n'), '\t');
    assert.deepEqual(readCsv('a\tb\n1\t2\n').rows[0].cells, ['1', '2']);
  });

  it('falls back to "," for a one-column file', () => {
    const t = readCsv('phone\n3331234567\n3339876543\n');
    assert.equal(t.delimiter, ',');
    assert.deepEqual(t.columns, ['phone']);
    assert.equal(t.rows.length, 2);
  });

  it('strips a UTF-8 BOM, as text and as bytes', () => {
    const t = readCsv('\uFEFFname,phone\nMario,3331234567\n');
    assert.deepEqual(t.columns, ['name', 'phone']);
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('città,phone\nRoma,3331234567\n', 'utf8')]);
    assert.deepEqual(readCsv(decodeCsvBytes(bytes)).columns, ['città', 'phone']);
  });

  it('decodes UTF-16 LE/BE with BOM and Windows-1252 without one', () => {
    const text = 'nome;telefono\nNiccolò;3331234567\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.equal(decodeCsvBytes(le), text);
    const be = Buffer.from(le);
    be.swap16();
    be[0] = 0xfe;
    be[1] = 0xff;
    assert.equal(decodeCsvBytes(be), text);
    // "ò" is 0xF2 in Windows-1252: not valid UTF-8, so the fallback decides.
    const cp1252 = Buffer.from([...Buffer.from('Niccol', 'latin1'), 0xf2, ...Buffer.from(';3331234567\n', 'latin1')]);
    assert.equal(decodeCsvBytes(cp1252), 'Niccolò;3331234567\n');
    assert.equal(decodeCsvBytes(Buffer.from('€ uno', 'utf8')), '€ uno');
  });

  it('keeps quoted separators, quotes and line breaks; lines point at where a record starts', () => {
    const t = readCsv('name,phone,note\n"Rossi, Mario",3331234567,"He said ""hi""\nand left"\nAnna,3339876543,ok\n');
    assert.deepEqual(t.rows[0].cells, ['Rossi, Mario', '3331234567', 'He said "hi"\nand left']);
    assert.equal(t.rows[0].line, 2);
    assert.equal(t.rows[1].line, 4);
  });

  it('tolerates a stray quote inside an unquoted field', () => {
    assert.deepEqual(readCsv('name,phone\nO"Brien,3331234567\n').rows[0].cells, ['O"Brien', '3331234567']);
  });

  it('skips empty lines but keeps their line numbers right; CRLF and CR alike', () => {
    const t = readCsv('name,phone\r\n\r\nMario,3331234567\r\n\r\n\r\nAnna,3339876543\r\n');
    assert.deepEqual(t.rows.map((r) => [r.cells[0], r.line]), [['Mario', 3], ['Anna', 6]]);
    assert.deepEqual(readCsv('a,b\r1,2\r').rows[0].cells, ['1', '2']);
  });

  it('keeps ragged rows: short ones as they are, long ones with extra columns named by letter', () => {
    const t = readCsv('name,phone\nMario\nAnna,3339876543,extra\n');
    assert.deepEqual(t.columns, ['name', 'phone', 'C']);
    assert.deepEqual(t.rows.map((r) => r.cells.length), [1, 3]);
  });

  it('makes header names unique and names blank ones by letter', () => {
    assert.deepEqual(readCsv('Name,,name,Name\na,b,c,d\n').columns, ['Name', 'B', 'name (2)', 'Name (3)']);
    assert.deepEqual([0, 25, 26, 701, 702].map(columnLetter), ['A', 'Z', 'AA', 'ZZ', 'AAA']);
  });

  it('without a header (the first row holds a number) every row is data and columns are A, B, …', () => {
    const t = readCsv('Mario,+39 333 1234567\nAnna,3339876543\n');
    assert.equal(t.hasHeader, false);
    assert.deepEqual(t.columns, ['A', 'B']);
    assert.equal(t.rows.length, 2);
    assert.equal(t.rows[0].line, 1);
    assert.equal(readCsv('Mario,+39 333 1234567\nAnna,3339876543\n', { header: true }).rows.length, 1);
  });

  it('refuses an unclosed quote with a typed error and its line', () => {
    const e = bulkError(() => readCsv('name,phone\nMario,"3331234567\nAnna,1\n'), 'csv-invalid');
    assert.ok(typeof e.line === 'number' && e.line >= 2, `line ${String(e.line)}`);
  });

  it('refuses empty files and header-only files', () => {
    bulkError(() => readCsv(''), 'csv-empty');
    bulkError(() => readCsv('\n\n\n'), 'csv-empty');
    bulkError(() => readCsv('name,phone\n'), 'csv-empty');
  });

  it('refuses oversized inputs before parsing', () => {
    bulkError(() => decodeCsvBytes(new Uint8Array(32 * 1024 * 1024 + 1)), 'csv-too-large');
  });
});

describe('bulk: the CSV libraries ship apart', () => {
  it('dist/csv-parse.js and dist/csv-stringify.js, which the extension requires on first use, not at activation', () => {
    // scripts/build.mjs builds dist/ before the tests (`--tests`).
    const dist = path.join(__dirname, '..', '..', '..', 'dist');
    // dist/core.js and its layers dist/core-N.js hold the extension's code (dist/extension.js only the stand-ins that load them).
    const extension = fs.readdirSync(dist).filter((f) => /^core(-\d+)?\.js$/.test(f)).map((f) => fs.readFileSync(path.join(dist, f), 'utf8')).join('\n');
    assert.match(extension, /require\("\.\/csv-parse\.js"\)/);
    assert.match(extension, /require\("\.\/csv-stringify\.js"\)/);
    // One of the parser's own messages (our code names its error codes, so a code would not tell).
    assert.ok(fs.readFileSync(path.join(dist, 'csv-parse.js'), 'utf8').includes('Invalid Closing Quote'), 'the parser is in dist/csv-parse.js');
    assert.ok(!extension.includes('Invalid Closing Quote'), 'and not in the extension bundle');
    assert.ok(fs.readFileSync(path.join(dist, 'csv-stringify.js'), 'utf8').includes('CSV_INVALID_OPTION_HEADER_AS_COMMENT'), 'the writer is in dist/csv-stringify.js');
    assert.ok(!extension.includes('CSV_INVALID_OPTION_HEADER_AS_COMMENT'), 'and not in the extension bundle either');
  });
});

describe('bulk: message templates', () => {
  const columns = ['Nome', 'phone', 'First Name', 'codice'];

  it('fills placeholders by column name, ignoring case and spaces', () => {
    const t = parseTemplate('Ciao {{ nome }}, codice {{CODICE}} per {{First Name}}.', columns);
    assert.deepEqual(t.fields, ['Nome', 'codice', 'First Name']);
    assert.deepEqual(renderTemplate(t, ['Mario', '333', 'M.', 'X1']), { text: 'Ciao Mario, codice X1 per M..', empty: [] });
  });

  it('trims cells and reports empty or missing ones once each', () => {
    const t = parseTemplate('{{Nome}} {{Nome}} {{codice}}', columns);
    assert.deepEqual(renderTemplate(t, ['  Anna ', '333']), { text: 'Anna Anna ', empty: ['codice'] });
    assert.deepEqual(renderTemplate(t, ['', '333', '', '']).empty, ['Nome', 'codice']);
  });

  it('text without placeholders is sent as written', () => {
    const t = parseTemplate('Offerta { speciale } oggi!', columns);
    assert.equal(renderTemplate(t, []).text, 'Offerta { speciale } oggi!');
  });

  it('names unknown placeholders and lists the columns', () => {
    const problem = templateProblem('Ciao {{nome}} {{cognome}} {{città}}', columns);
    assert.match(problem ?? '', /"cognome", "città"/);
    assert.match(problem ?? '', /\{\{Nome\}\}/);
  });

  it('refuses an unclosed or empty placeholder and an empty template', () => {
    assert.match(templateProblem('Ciao {{nome', columns) ?? '', /not closed/);
    assert.match(templateProblem('Ciao {{ }}', columns) ?? '', /does not name a column/);
    assert.match(templateProblem('   ', columns) ?? '', /empty/);
    assert.equal(templateProblem('Ciao {{nome}}', columns), undefined);
  });
});
