// History export's edges (issue #10 item 11; docs/TESTING.md, "Mutation testing"): how much of a number of
// each length is masked, which columns are guarded against spreadsheet formulas, the error column, the
// empty values, and the JSON document's defaults. Pure functions.
import * as assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { EXPORT_FORMAT, EXPORT_VERSION, exportHistory, exportRecord, maskNumber, maskText } from '../../src/bulk/export';
import type { HistoryEntry } from '../../src/history/types';

const base: HistoryEntry = {
  key: 'k-1',
  destination: '393331234567',
  sender: 'Acme',
  text: 'Ciao',
  account: 'acct-1',
  state: 'sending',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  parts: 2,
  rev: 1,
};

const csvRows = (entries: HistoryEntry[], options: Parameters<typeof exportHistory>[1] = { format: 'csv' }) =>
  parse(exportHistory(entries, options), { bom: true, columns: true }) as Array<Record<string, string>>;

describe('mutants: bulk, history export', () => {
  it('numbers: all hidden up to 4 digits; then 1, 3 or 5 digits kept in front and 1, 2 or 3 at the end', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      ['1234', '****'],
      ['12345', '1***5'],
      ['1234567', '1*****7'],
      ['12345678', '123***78'],
      ['123456789', '123****89'],
      ['1234567890', '12345**890'],
      ['393331234567', '39333****567'],
    ];
    for (const [n, masked] of cases) assert.equal(maskNumber(n), masked, n);
  });

  it('texts: their length in characters, one or many', () => {
    assert.equal(maskText(''), '[0 chars]');
    assert.equal(maskText('ab'), '[2 chars]');
    assert.equal(maskText('x'), '[1 char]');
  });

  it('a message without the optional fields exports empty values, not made-up ones', () => {
    const r = exportRecord(base);
    assert.deepEqual(r, {
      recorded: base.createdAt,
      smsId: null,
      destination: '+393331234567',
      sender: 'Acme',
      text: 'Ciao',
      parts: 2,
      state: 'sending',
      status: '',
      statusCode: null,
      final: null,
      submittedOn: '',
      lastChangeOn: '',
      quantity: null,
      charge: null,
      batchId: '',
      account: 'acct-1',
      sandbox: false,
      errorCode: null,
      errorKind: '',
      error: '',
      key: 'k-1',
    });
    const csv = csvRows([base])[0];
    assert.deepEqual([csv.smsId, csv.statusCode, csv.final, csv.quantity, csv.errorCode, csv.sandbox, csv.parts], ['', '', '', '', '', 'false', '2']);
  });

  it('a status that is not final says false, not empty', () => {
    const r = exportRecord({ ...base, status: { code: 1, label: 'Queued', statusClass: 'pending', final: false } });
    assert.equal(r.final, false);
    assert.equal(csvRows([{ ...base, status: { code: 1, label: 'Queued', statusClass: 'pending', final: false } }])[0].final, 'false');
  });

  it('the error column: the gateway\'s words and the explanation, or the words alone; numbers masked in it on request', () => {
    const error = { kind: 'gateway', code: 1005, gatewayText: 'Error: 1005 - 393331234567 is invalid', explanation: 'Check 393331234567.' } as const;
    const r = exportRecord({ ...base, state: 'failed', error });
    assert.equal(r.error, 'Error: 1005 - 393331234567 is invalid — Check 393331234567.');
    assert.deepEqual([r.errorCode, r.errorKind], [1005, 'gateway']);
    assert.equal(exportRecord({ ...base, state: 'failed', error: { ...error, explanation: '' } }).error, 'Error: 1005 - 393331234567 is invalid');
    const masked = exportRecord({ ...base, state: 'failed', error }, { maskNumbers: true });
    assert.equal(masked.error, 'Error: 1005 - 39333****567 is invalid — Check 39333****567.');
    assert.equal(exportRecord({ ...base, destination: '', state: 'failed', error }, { maskNumbers: true }).error, error.gatewayText + ' — ' + error.explanation);
  });

  it('only free-text columns (text, sender, error, account) are guarded against formulas, for each starting character', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      const e: HistoryEntry = {
        ...base,
        text: `${start}1+1`,
        sender: `${start}S`,
        account: 'acct',
        state: 'failed',
        error: { kind: 'network', gatewayText: `${start}E`, explanation: '' },
        batchId: `${start}batch`,
        status: { code: 3, label: `${start}L`, statusClass: 'failed', final: true },
      };
      const r = csvRows([e], { format: 'csv', accountLabel: () => `${start}A` })[0];
      assert.deepEqual([r.text, r.sender, r.error, r.account], [`'${start}1+1`, `'${start}S`, `'${start}E`, `'${start}A`], JSON.stringify(start));
      assert.equal(r.batchId, `${start}batch`, 'not free text: as it is');
      assert.equal(r.status, `${start}L`);
    }
    assert.equal(csvRows([{ ...base, text: 'a=b' }])[0].text, 'a=b', 'only at the start');
  });

  it('CSV lines end with CRLF, as Excel writes them', () => {
    const csv = exportHistory([base], { format: 'csv' });
    assert.equal(csv.split('\r\n').length, 3);
  });

  it('JSON without options: all messages, nothing masked, exported now, ending with a newline', () => {
    const before = Date.now();
    const text = exportHistory([base], { format: 'json' });
    const after = Date.now();
    assert.ok(text.endsWith('}\n'));
    const doc = JSON.parse(text);
    assert.equal(doc.format, EXPORT_FORMAT);
    assert.equal(doc.version, EXPORT_VERSION);
    assert.equal(doc.scope, 'all messages');
    assert.deepEqual(doc.masked, { numbers: false, texts: false });
    const t = Date.parse(doc.exportedAt);
    assert.ok(t >= before && t <= after, doc.exportedAt);
    assert.equal(doc.messages[0].destination, '+393331234567');
    const masked = JSON.parse(exportHistory([base], { format: 'json', maskTexts: true, now: 0 }));
    assert.deepEqual(masked.masked, { numbers: false, texts: true });
    assert.equal(masked.messages[0].text, '[4 chars]');
    assert.equal(masked.exportedAt, '1970-01-01T00:00:00.000Z');
  });
});
