// The texts of a bulk send (src/commands/bulkReport.ts), built from real CSV rows without a window:
// the review report, the batch summary, the progress line, the outcome notification, the template
// hint and the number-column choices.
import * as assert from 'node:assert/strict';
import { prepareRows, readCsv, type BatchSummary, type BulkProgress } from '../../src/bulk';
import { englishL10n, type L10n } from '../../src/gateway/l10n';
import { columnChoices, describeTemplate, formatDuration, outcomeText, progressText, reviewMarkdown, summaryMarkdown } from '../../src/commands/bulkReport';

const CSV = 'name,phone\nAnna,3331234567\nBruno,12\nCarla,3331234567\nDario,+39 333 7654321\n';

/** Marks every translated piece, so a test sees that no sentence bypasses l10n. */
const marked: L10n = { t: (message, ...args) => `«${englishL10n.t(message, ...args)}»` };

function summary(extra: Partial<BatchSummary> = {}): BatchSummary {
  return {
    batchId: 'bulk-20261201-050000-a1b2',
    run: { rows: 4, sent: 2, failed: 1, unknown: 1, notSent: 0, requests: 2, elapsedMs: 1200 },
    counts: { total: 4, unsent: 0, inFlight: 0, sent: 2, failed: 1, unknown: 1, undecided: 1, dropped: 0 },
    failures: [{ row: 1, line: 3, destination: '393330000001', code: 1018, reason: 'Not enough credits' }],
    failureReasons: [{ reason: 'Not enough credits', count: 1 }],
    unknown: [{ row: 3, line: 5, destination: '393337654321', reason: 'connection lost *after* sending' }],
    cancelled: false,
    ...extra,
  };
}

describe('bulk report texts', () => {
  const table = readCsv(CSV);
  const rows = prepareRows(table, { destinationColumn: 'phone', template: 'Ciao {{name}}', defaultCountry: '39' });

  it('the review lists the file, a preview, each problem by kind and the totals', () => {
    const md = reviewMarkdown(englishL10n, { name: 'clients*.csv', table, column: 1, sender: 'Acme', template: 'Ciao {{name}}', rows });
    const lines = md.split('\n');
    assert.equal(lines[0], '# Bulk SMS: clients\\*\\.csv', 'the file name is escaped (every ASCII punctuation, src/common/markdown.ts)');
    assert.ok(lines.includes('4 rows · separator "," · header: yes · numbers from column "phone" · sender Acme'), md);
    assert.ok(lines.includes('| 1 | \\+39 333 123 4567 | GSM-7 | 9 | 1 | Ciao Anna |'), md);
    assert.ok(lines.some((l) => l.startsWith('### Invalid numbers (1) — never sent')), md);
    assert.ok(lines.some((l) => l.startsWith('### Duplicate numbers (1) — skipped unless you include them')), md);
    assert.ok(lines.some((l) => l.startsWith('- Row 2 (line 3): 12 — ')), md);
    assert.ok(lines.includes('2 rows ready to send (2 SMS parts) before your choices about duplicates and empty placeholders.'), md);
  });

  it('a clean file says so', () => {
    const clean = readCsv('phone\n3331234567\n');
    const md = reviewMarkdown(englishL10n, { name: 'a.csv', table: clean, column: 0, sender: 'Acme', template: 'Hi', rows: prepareRows(clean, { destinationColumn: 0, template: 'Hi', defaultCountry: '39' }) });
    assert.ok(md.includes('\nNone: every row can be sent.\n'), md);
  });

  it('the summary counts the batch and lists failed and unknown rows, escaped', () => {
    const md = summaryMarkdown(englishL10n, 'clients.csv', summary({ stopped: { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013', explanation: 'No credit' } }));
    assert.match(md, /^# Bulk SMS summary: clients\\\.csv\n/);
    assert.ok(md.includes('Batch bulk-20261201-050000-a1b2: 2 sent, 1 failed, 1 with unknown outcome, 0 not sent, of 4 rows.'), md);
    // worded again from code 1013 (the catalogue), not the stored English 'No credit'
    assert.ok(md.includes('Stopped early: The account has no credit left\\. '), md);
    assert.ok(md.includes('(Error\\: 1013)'), md);
    assert.ok(md.includes('## Failed\n\n- Row 2 (line 3): \\+39 333 000 0001 — Not enough credits\n'), md);
    assert.ok(md.includes('- Row 4 (line 5): \\+39 333 765 4321 — connection lost \\*after\\* sending'), md);
  });

  it('the progress line counts, and says what is left or that it is stopping', () => {
    const p: BulkProgress = { total: 10, done: 4, sent: 3, failed: 1, unknown: 0, inFlight: 2, requestsDone: 4, requestsTotal: 10, etaMs: 65_000 } as BulkProgress;
    assert.equal(progressText(englishL10n, p, false), '4 of 10 · 3 sent · 1 failed · about 1 min 5 s left');
    assert.equal(progressText(englishL10n, p, true), '4 of 10 · 3 sent · 1 failed · stopping after the requests in flight…');
    assert.equal(formatDuration(englishL10n, 400), '1 s');
    assert.equal(formatDuration(englishL10n, 2 * 3600_000 + 5 * 60_000), '2 h 5 min');
  });

  it('the outcome notification: counts, stop reason and the most frequent failures', () => {
    assert.equal(
      outcomeText(englishL10n, 'clients.csv', summary({ cancelled: true })),
      'Bulk SMS clients.csv: 2 sent, 1 failed, 1 with unknown outcome (not resent). Cancelled: requests already out were completed. Failures: Not enough credits ×1',
    );
  });

  it('every sentence goes through l10n', () => {
    const text = outcomeText(marked, 'clients.csv', summary());
    assert.equal(text.replace(/«[^«»]*(«[^«»]*»[^«»]*)*»/g, '').trim(), '', text);
  });

  it('the template hint shows row 1 as sent, or the problem', () => {
    assert.equal(describeTemplate(englishL10n, 'Ciao {{nome}}', table, 'utf-8').info, 'Columns: {{name}} {{phone}}');
    assert.ok(describeTemplate(englishL10n, 'Ciao {{nome}}', table, 'utf-8').error);
    const ok = describeTemplate(englishL10n, 'Ciao {{name}}, 5 €', table, 'utf-8');
    assert.equal(ok.error, undefined);
    assert.equal(ok.info, 'Row 1: "Ciao Anna, 5 €" · GSM-7 · 1 SMS · columns: {{name}} {{phone}}');
    const latin1 = describeTemplate(englishL10n, 'Ciao {{name}}, 5 €', table, 'iso-8859-1');
    assert.match(latin1.info, / · the ISO-8859-1 send endpoint cannot carry: €$/);
  });

  it('the column choices count valid numbers and show a sample', () => {
    assert.deepEqual(columnChoices(table, '39'), [
      { index: 0, name: 'name', valid: 0, sample: 'Anna, Bruno, Carla' },
      { index: 1, name: 'phone', valid: 3, sample: '3331234567, 12, 3331234567' },
    ]);
  });
});
