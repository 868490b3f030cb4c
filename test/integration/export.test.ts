// Export History inside a real VS Code: the registered command over the extension's real history,
// and the extension's own ExportCommand class with scripted prompts and a scripted save dialog.
// The files written are read back and checked, CSV and JSON, masked and not.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'csv-parse/sync';
import type { ExportPrompts } from '../../src/commands/export';
import type { InviosmartApi } from '../../src/extension';
import type { HistoryEntry } from '../../src/history/types';
import { extensionApi, Notices } from './helpers';

const PASSWORD = 'Sup3r-Secret!';

suite('Export History (real VS Code)', () => {
  let api: InviosmartApi;
  let dir: string;
  let entries: HistoryEntry[];
  const batchId = `bulk-export-test-${Date.now()}`;

  suiteSetup(async () => {
    api = await extensionApi();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-export-it-'));
    // Entries in the extension's real history: one sent with a status, one failed, one of another batch.
    const drafts: Array<Parameters<typeof api.history.record>[0]> = [
      // A final status from the start and no SMS ID on the others: the running poller leaves them alone.
      { destination: '393331234567', sender: 'Acme', text: 'Ciao Mario, codice 42', account: 'sandbox', sandbox: true, batchId, parts: 1, state: 'sent', smsId: 90001,
        status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true }, charge: 0.055, quantity: 1 },
      { destination: '393339876543', sender: 'Acme', text: '=1+2 Ciao Anna', account: 'sandbox', sandbox: true, batchId, parts: 1, state: 'failed',
        error: { kind: 'gateway', code: 1005, gatewayText: `Error: 1005 - Invalid destination number (393339876543) password=${PASSWORD}`, explanation: 'Check the number.' } },
      { destination: '447700900123', sender: 'Other', text: 'Not in the batch', account: 'sandbox', sandbox: true, batchId: `${batchId}-other`, parts: 1, state: 'unknown' },
    ];
    // One at a time, a few milliseconds apart: the export is in recording order.
    entries = [];
    for (const d of drafts) {
      entries.push(await api.history.record(d));
      await new Promise((r) => setTimeout(r, 5));
    }
  });

  suiteTeardown(async () => {
    await api.history.remove(entries.map((e) => e.key));
    // npm test keeps the files for scripts/leak-scan.mjs.
    if (!process.env.INVIOSMART_KEEP_TEST_STATE) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The extension's own caller: it may name the file and ask for no masking (the registered command may not). */
  const ownCaller = () => new api.classes.ExportCommand({ history: api.history, accountLabel: () => 'Sandbox', register: false });

  test('an own caller exports one batch to CSV, unmasked, with every field', async () => {
    const target = vscode.Uri.file(path.join(dir, 'batch.csv'));
    const written = await ownCaller().run({ batchId, format: 'csv', maskNumbers: false, maskTexts: false, target });
    assert.equal(written?.fsPath, target.fsPath);
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.ok(text.startsWith('\uFEFF'));
    assert.ok(!text.includes(PASSWORD), 'the password reached the file');
    const rows = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(rows.map((r) => r.destination), ['+393331234567', '+393339876543'], 'only the batch, oldest first');
    assert.deepEqual([rows[0].smsId, rows[0].status, rows[0].statusCode, rows[0].charge, rows[0].batchId, rows[0].account], ['90001', 'Delivered', '2048', '0.055', batchId, 'Sandbox']);
    assert.equal(rows[0].text, 'Ciao Mario, codice 42');
    assert.equal(rows[1].text, "'=1+2 Ciao Anna", 'a formula-looking text is made inert for spreadsheets');
    assert.equal(rows[1].errorCode, '1005');
    assert.match(rows[1].error, /password=\*\*\*/);
  });

  test('an own caller exports chosen keys to JSON, numbers masked', async () => {
    const target = vscode.Uri.file(path.join(dir, 'keys.json'));
    await ownCaller().run({ keys: [entries[1].key, entries[2].key], format: 'json', maskNumbers: true, target });
    const doc = JSON.parse(fs.readFileSync(target.fsPath, 'utf8')) as { count: number; masked: { numbers: boolean; texts: boolean }; messages: Array<Record<string, unknown>> };
    assert.equal(doc.count, 2);
    assert.deepEqual(doc.masked, { numbers: true, texts: false });
    assert.deepEqual(doc.messages.map((m) => m.destination), ['39333****543', '44770****123']);
    assert.equal(doc.messages[0].text, '=1+2 Ciao Anna');
    const raw = fs.readFileSync(target.fsPath, 'utf8');
    assert.ok(!raw.includes('393339876543') && !raw.includes('447700900123'), 'a full number is in the masked file (error texts too)');
    assert.ok(!raw.includes(PASSWORD));
  });

  /**
   * Runs the registered command as another extension or a `command:` link could, closing every question
   * it asks (as a user pressing Escape) until it returns. Resolves with its result and how many it asked.
   */
  async function runRegisteredDismissing(args: unknown): Promise<{ result: unknown; dismissed: number }> {
    let settled = false;
    const ran = Promise.resolve(vscode.commands.executeCommand('inviosmart.exportHistory', args)).finally(() => (settled = true));
    let dismissed = 0;
    while (!settled) {
      await new Promise((r) => setTimeout(r, 100));
      if (settled) break;
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      dismissed++;
    }
    return { result: await ran, dismissed };
  }

  test('the registered command takes neither a target nor "unmasked" from its arguments: the user is asked, nothing is written', async function () {
    this.timeout(30_000);
    const target = vscode.Uri.file(path.join(dir, 'from-arguments.csv'));
    const getterArgs = {
      batchId,
      format: 'csv',
      get maskNumbers() { return false; },
      get maskTexts() { return false; },
      get target() { return target; },
    };
    for (const args of [
      { batchId, format: 'csv', maskNumbers: false, maskTexts: false, target },
      { keys: [entries[0].key], format: 'json', maskNumbers: true, maskTexts: true, target },
      { batchId, format: 'csv', unmasked: true, target: target.toString() },
      getterArgs,
    ]) {
      const { result, dismissed } = await runRegisteredDismissing(args);
      assert.equal(result, undefined, 'the command wrote a file');
      assert.ok(dismissed >= 1, 'the command asked nothing');
      assert.equal(fs.existsSync(target.fsPath), false, `a file was written where the arguments said (${JSON.stringify(Object.keys(args))})`);
    }
  });

  test('scripted prompts: scope by batch, JSON, numbers and texts masked, through the save dialog', async () => {
    const asked: string[] = [];
    const target = vscode.Uri.file(path.join(dir, 'chosen.json'));
    const prompts: ExportPrompts = {
      scope: async (counts) => {
        asked.push(`scope ${counts.batches > 0}`);
        return 'batch';
      },
      batch: async (list) => {
        asked.push('batch');
        assert.ok(list.some((b) => b.batchId === batchId && b.count === 2));
        return batchId;
      },
      status: async () => assert.fail('not asked'),
      search: async () => assert.fail('not asked'),
      format: async () => (asked.push('format'), 'json'),
      masking: async () => (asked.push('masking'), { maskNumbers: true, maskTexts: true }),
      saveAs: async (suggested, format) => {
        asked.push(`save ${format} ${path.basename(suggested.path)}`);
        return target;
      },
    };
    const notices = new Notices();
    const Export = api.classes.ExportCommand;
    const exporter = new Export({ history: api.history, prompts, notify: notices.notify, register: false });
    assert.equal((await exporter.run())?.fsPath, target.fsPath);
    assert.deepEqual(asked.slice(0, 4), ['scope true', 'batch', 'format', 'masking']);
    assert.match(asked[4], /^save json inviosmart-history-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(fs.readFileSync(target.fsPath, 'utf8')) as { scope: string; messages: Array<Record<string, unknown>> };
    assert.equal(doc.scope, `batch ${batchId}`);
    assert.deepEqual(doc.messages.map((m) => [m.destination, m.text]), [['39333****567', '[21 chars]'], ['39333****543', '[14 chars]']]);
    assert.match(notices.last().text, /Exported 2 messages/);
  });

  test('cancelling the save dialog writes nothing', async () => {
    const Export = api.classes.ExportCommand;
    const prompts: ExportPrompts = {
      scope: async () => 'all',
      batch: async () => undefined,
      status: async () => undefined,
      search: async () => undefined,
      format: async () => 'csv',
      masking: async () => ({ maskNumbers: false, maskTexts: false }),
      saveAs: async () => undefined,
    };
    const before = fs.readdirSync(dir).length;
    assert.equal(await new Export({ history: api.history, prompts, register: false }).run(), undefined);
    assert.equal(fs.readdirSync(dir).length, before);
  });
});
