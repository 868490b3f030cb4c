import * as assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { EXPORT_COLUMNS, exportHistory, maskNumber, maskText } from '../../src/bulk/export';
import type { HistoryEntry } from '../../src/history/types';

const entries: HistoryEntry[] = [
  {
    key: 'k1',
    smsId: 1234,
    destination: '393331234567',
    sender: 'Acme',
    text: 'Ciao Mario, il tuo codice è 42',
    account: 'acct-uuid-1',
    batchId: 'bulk-20240310-153012-a1b2',
    state: 'sent',
    createdAt: '2024-03-10T14:30:12.000Z',
    updatedAt: '2024-03-10T14:31:00.000Z',
    status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
    submittedOn: '20240310153013',
    lastChangeOn: '20240310153019',
    parts: 1,
    quantity: 1,
    charge: 0.055,
    rev: 3,
  },
  {
    key: 'k2',
    destination: '447700900123',
    sender: 'Acme',
    text: '=HYPERLINK("http://x","click")',
    account: 'sandbox',
    sandbox: true,
    state: 'unknown',
    createdAt: '2024-03-10T14:30:13.000Z',
    updatedAt: '2024-03-10T14:30:43.000Z',
    parts: 1,
    error: {
      kind: 'timeout',
      gatewayText: 'timeout for 447700900123 at http://gw/sendsms/?username=u&password=hunter2',
      explanation: 'No answer: it may or may not have been sent.',
    },
    rev: 2,
  },
];

const labels = (id: string) => (id === 'sandbox' ? 'Sandbox' : 'Shop');

describe('bulk: history export', () => {
  it('masks numbers keeping the country code and the last digits', () => {
    assert.equal(maskNumber('393331234567'), '39333****567');
    assert.equal(maskNumber('447700900123'), '44770****123');
    assert.equal(maskNumber('12345678'), '123***78');
    assert.equal(maskNumber('123'), '***');
  });

  it('masks texts to their length', () => {
    assert.equal(maskText('Ciao Mario!!'), '[12 chars]');
    assert.equal(maskText('😀'), '[1 char]');
  });

  it('CSV: a header, one row per message, every field, Excel-safe', () => {
    const csv = exportHistory(entries, { format: 'csv', accountLabel: labels });
    assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 BOM for Excel');
    const rows = parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(Object.keys(rows[0]), [...EXPORT_COLUMNS]);
    assert.equal(rows.length, 2);
    assert.deepEqual(
      [rows[0].smsId, rows[0].destination, rows[0].text, rows[0].status, rows[0].statusCode, rows[0].charge, rows[0].batchId, rows[0].account, rows[0].sandbox],
      ['1234', '+393331234567', 'Ciao Mario, il tuo codice è 42', 'Delivered', '2048', '0.055', 'bulk-20240310-153012-a1b2', 'Shop', 'false'],
    );
    assert.equal(rows[1].smsId, '');
    assert.equal(rows[1].state, 'unknown');
    assert.equal(rows[1].text, `'=HYPERLINK("http://x","click")`, 'a formula is turned into text');
    assert.equal(rows[1].account, 'Sandbox');
  });

  it('never carries a password, even one that slipped into an error text', () => {
    for (const format of ['csv', 'json'] as const) {
      const out = exportHistory(entries, { format });
      assert.ok(!out.includes('hunter2'), `${format} leaks the password`);
      assert.match(out, /password=\*\*\*/);
    }
  });

  it('masked CSV hides numbers (also inside error texts) and texts', () => {
    const csv = exportHistory(entries, { format: 'csv', maskNumbers: true, maskTexts: true });
    const rows = parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(rows.map((r) => [r.destination, r.text]), [['39333****567', '[30 chars]'], ['44770****123', '[30 chars]']]);
    assert.ok(!csv.includes('393331234567') && !csv.includes('447700900123'), 'a number survived masking');
    assert.ok(!csv.includes('Mario'), 'a text survived masking');
  });

  it('JSON: a document that says what it holds, with typed values', () => {
    const doc = JSON.parse(exportHistory(entries, { format: 'json', maskNumbers: true, scope: 'batch bulk-1', now: Date.UTC(2024, 2, 11) })) as {
      format: string;
      version: number;
      exportedAt: string;
      scope: string;
      masked: { numbers: boolean; texts: boolean };
      count: number;
      messages: Array<Record<string, unknown>>;
    };
    assert.equal(doc.format, 'inviosmart-sms-history-export');
    assert.equal(doc.exportedAt, '2024-03-11T00:00:00.000Z');
    assert.deepEqual(doc.masked, { numbers: true, texts: false });
    assert.equal(doc.scope, 'batch bulk-1');
    assert.equal(doc.count, 2);
    assert.deepEqual([doc.messages[0].smsId, doc.messages[0].charge, doc.messages[0].final, doc.messages[0].destination], [1234, 0.055, true, '39333****567']);
    assert.equal(doc.messages[0].text, 'Ciao Mario, il tuo codice è 42');
    assert.equal(doc.messages[1].text, '=HYPERLINK("http://x","click")', 'JSON keeps texts as they are');
    assert.equal(doc.messages[1].smsId, null);
  });

  it('an empty export is still a valid file', () => {
    assert.equal(parse(exportHistory([], { format: 'csv' }), { bom: true }).length, 1);
    assert.equal(JSON.parse(exportHistory([], { format: 'json' })).count, 0);
  });
});
