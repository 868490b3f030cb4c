// Bulk preview against a Latin-1 send endpoint: rows are counted as they reach the phone, and a
// character the endpoint cannot carry blocks the row with the character (and its stand-in) named.
import * as assert from 'node:assert/strict';
import { readCsv } from '../../src/bulk/csv';
import { isBlocked, prepareRows, validationReport } from '../../src/bulk/prepare';

const table = readCsv('number,name\n393331000001,Città\n393331000002,5€ off\n393331000003,☕ time\n');
const template = 'Ciao {{name}}';

describe('Bulk preview and the send endpoint character set', () => {
  it('UTF-8: nothing to refuse', () => {
    const rows = prepareRows(table, { destinationColumn: 'number', template, charset: 'utf-8' });
    assert.deepEqual(rows.map(isBlocked), [false, false, false]);
  });

  it('Latin-1: a row with € or an emoji is refused, naming the character and its stand-in', () => {
    const rows = prepareRows(table, { destinationColumn: 'number', template, charset: 'iso-8859-1' });
    assert.deepEqual(rows.map(isBlocked), [false, true, true]);
    assert.equal(rows[1]?.issues.find((i) => i.kind === 'unrepresentable')?.detail, 'the ISO-8859-1 send endpoint cannot carry € (→ EUR)');
    assert.equal(rows[2]?.issues.find((i) => i.kind === 'unrepresentable')?.detail, 'the ISO-8859-1 send endpoint cannot carry ☕');
    assert.deepEqual(validationReport(rows).byKind.unrepresentable, [1, 2]);
  });

  it('Latin-1 with the user agreeing to stand-ins: the row goes out as EUR and is counted so; an emoji still blocks', () => {
    const rows = prepareRows(table, { destinationColumn: 'number', template, charset: 'iso-8859-1', transliterate: true });
    assert.deepEqual(rows.map(isBlocked), [false, false, true]);
    assert.equal(rows[1]?.text, 'Ciao 5EUR off');
    assert.equal(rows[1]?.characters, 'Ciao 5EUR off'.length);
    assert.equal(rows[0]?.text, 'Ciao Città', 'Latin-1 letters are kept');
  });
});
