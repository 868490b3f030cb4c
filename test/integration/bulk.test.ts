// Bulk send inside a real VS Code: the extension's own BulkCommand class over its real services
// (accounts, sessions, history), a real sandbox gateway on 127.0.0.1 as the user's gateway, real
// CSV files read through workspace.fs, a real progress notification. Only the prompts are scripted.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchListing, BatchStore, BatchSummary } from '../../src/bulk';
import { showRenderedReport, type BulkCommand, type BulkPrompts, type ColumnChoice, type ResendChoice, type ReviewChoice, type ReviewOptions } from '../../src/commands/bulk';
import { toastOnFinal } from '../../src/commands/bulkSummary';
import type { InviosmartApi } from '../../src/extension';
import { MemoryMemento, testSettings } from './accountDoubles';
import { extensionApi, Notices, TesterGateway, waitFor } from './helpers';

/** Prompts that answer from a script and keep what they were shown. */
class ScriptedBulkPrompts implements BulkPrompts {
  columns?: ColumnChoice[];
  suggested?: number;
  templateInfo?: { info: string; error?: string };
  reportUri?: vscode.Uri;
  reviewOptions?: ReviewOptions;
  confirmed: Array<{ summary: string; detail: string; action: string }> = [];
  batchesShown?: BatchListing[];
  resendShown?: ResendChoice[];

  constructor(
    private readonly script: {
      template?: string;
      review?: ReviewChoice;
      confirm?: boolean;
      resumeAction?: 'send' | 'discard';
      resend?: number[];
    } = {},
  ) {}

  async source(): Promise<'active' | 'pick' | undefined> {
    return 'pick';
  }
  async openFile(): Promise<vscode.Uri | undefined> {
    return undefined;
  }
  async column(choices: ColumnChoice[], suggested: number | undefined): Promise<number | undefined> {
    this.columns = choices;
    this.suggested = suggested;
    return suggested;
  }
  async sender(_initial: string, validate: (v: string) => string | undefined): Promise<string | undefined> {
    assert.match(validate('12345') ?? '', /letters/);
    return 'Acme';
  }
  async template(_initial: string, describe: (v: string) => { info: string; error?: string }): Promise<string | undefined> {
    const t = this.script.template ?? 'Ciao {{nome}}';
    assert.ok(describe('Ciao {{nessuna}}').error, 'an unknown placeholder is refused while typing');
    this.templateInfo = describe(t);
    return t;
  }
  async review(report: vscode.Uri, options: ReviewOptions): Promise<ReviewChoice | undefined> {
    this.reportUri = report;
    this.reviewOptions = options;
    return this.script.review ?? { includeDuplicates: false, includeEmptyPlaceholders: false };
  }
  saveTo?: vscode.Uri;
  async saveTarget(): Promise<vscode.Uri | undefined> {
    return this.saveTo;
  }
  async confirm(summary: string, detail: string, action: string): Promise<boolean> {
    this.confirmed.push({ summary, detail, action });
    return this.script.confirm ?? true;
  }
  async pickBatch(batches: BatchListing[]): Promise<BatchListing | undefined> {
    this.batchesShown = batches;
    return batches[0];
  }
  async resumeAction(): Promise<'send' | 'discard' | undefined> {
    return this.script.resumeAction ?? 'send';
  }
  async pickResend(rows: ResendChoice[]): Promise<number[] | undefined> {
    this.resendShown = rows;
    return this.script.resend ?? [];
  }
}

interface Rig {
  bulk: BulkCommand;
  prompts: ScriptedBulkPrompts;
  notices: Notices;
  /** The entries "Show" asked the panel to reveal. */
  opened: Array<string | undefined>;
}

suite('Bulk SMS from CSV (real VS Code, sandbox gateway on 127.0.0.1)', () => {
  let api: InviosmartApi;
  let gw: TesterGateway;
  let dir: string;
  let batches: BatchStore;
  const rigs: BulkCommand[] = [];

  const rig = (script: ConstructorParameters<typeof ScriptedBulkPrompts>[0], bulkSettings = { concurrency: 3, maxPerSecond: 100, maxPerRequest: 50 }): Rig => {
    const prompts = new ScriptedBulkPrompts(script);
    const notices = new Notices();
    const opened: Array<string | undefined> = [];
    const Bulk = api.classes.BulkCommand;
    const bulk = new Bulk({
      sessions: api.accounts.sessions,
      history: api.history,
      batches,
      state: new MemoryMemento(),
      settings: () => testSettings({ baseUrl: gw.sandbox.url }),
      bulkSettings: () => bulkSettings,
      log: api.log,
      prompts,
      notify: notices.notify,
      openPanel: (key) => opened.push(key),
      register: false,
    });
    rigs.push(bulk);
    return { bulk, prompts, notices, opened };
  };
  const csvFile = (name: string, content: string | Buffer): vscode.Uri => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return vscode.Uri.file(file);
  };
  const messagesTo = (destination: string) => gw.sandbox.messages.filter((m) => m.destination === destination).length;

  suiteSetup(async () => {
    api = await extensionApi();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-bulk-it-'));
    const Store = api.classes.BatchStore;
    batches = new Store(path.join(dir, 'batches'), { durable: false });
  });

  setup(async () => {
    gw = await TesterGateway.start({ balance: 1000 });
  });

  teardown(async () => {
    for (const b of rigs.splice(0)) b.dispose();
    await gw.close();
  });

  suiteTeardown(() => {
    // npm test keeps the files for scripts/leak-scan.mjs.
    if (!process.env.INVIOSMART_KEEP_TEST_STATE) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the commands are registered and contributed', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['inviosmart.sendBulk', 'inviosmart.resumeBulk', 'inviosmart.exportHistory', 'inviosmart.saveBulkReport']) assert.ok(commands.includes(id), `${id} is not registered`);
    const pkg = vscode.extensions.getExtension('inviosmart-sms-team.inviosmart-sms')?.packageJSON as { contributes: { commands: Array<{ command: string }>; configuration: { properties: Record<string, { default: unknown }> } } };
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'inviosmart.sendBulk'));
    assert.equal(pkg.contributes.configuration.properties['inviosmart.bulk.concurrency'].default, 4);
    assert.equal(pkg.contributes.configuration.properties['inviosmart.bulk.maxPerSecond'].default, 10);
  });

  test('a pipe, a folder or an over-limit file is refused before it is read, saying what to do; nothing is sent', async function () {
    this.timeout(30_000);
    const fifo = path.join(dir, 'pipe.csv');
    if (process.platform !== 'win32') execFileSync('mkfifo', [fifo]);
    const huge = path.join(dir, 'huge.csv');
    fs.writeFileSync(huge, 'name,phone\n');
    fs.truncateSync(huge, 8 * 1024 ** 3); // sparse: 8 GiB by its size, nothing on disk
    const cases: Array<[string, RegExp]> = [
      [dir, /is a folder\. Choose a CSV file/],
      [huge, /is 8192\.0 MB; a bulk send reads at most 32\.0 MB\. Split it into smaller files/],
      ...(process.platform !== 'win32' ? [[fifo, /is not a regular file .*Save the data to a CSV file/] as [string, RegExp]] : []),
    ];
    const sendsBefore = gw.sandbox.requestCount('send');
    try {
      for (const [file, says] of cases) {
        const { bulk, prompts, notices } = rig({ template: 'never asked' });
        // A FIFO nobody writes to would keep a read waiting forever: the command must answer on its own.
        assert.equal(await bulk.run(vscode.Uri.file(file)), undefined);
        assert.equal(notices.last().kind, 'error');
        assert.match(notices.last().text, /^Bulk SMS: nothing was sent\./);
        assert.match(notices.last().text, says);
        assert.equal(prompts.columns, undefined, 'the file was read and its columns offered');
      }
      assert.equal(gw.sandbox.requestCount('send'), sendsBefore);
    } finally {
      fs.rmSync(huge, { force: true });
      fs.rmSync(fifo, { force: true });
    }
  });

  test('a CSV with good and bad rows: only good rows go out, same texts share a request, all recorded with the batch', async function () {
    this.timeout(60_000);
    // Italian Excel: BOM, ';', quotes, an empty line, a ragged row.
    const rows = [
      'nome;telefono;promo',
      '"Rossi; Mario";+39 333 100 0001;A',
      'Anna;333 100 0002;B',
      'Bruno;3331000003;A',
      '',
      'Carla;12ab;A', // invalid number
      'Dario;+39 333 100 0001;B', // duplicate of the first
      'Elena;3331000006;', // empty placeholder
      `Franco;3331000007;${'x'.repeat(700)}`, // over 612 once rendered
      'Gina;3331000008;B;extra', // ragged: still sent
      'Ugo;3331000009;Città', // UCS-2? no: à is GSM-7
    ];
    const uri = csvFile('clienti.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rows.join('\r\n'), 'utf8')]));
    const { bulk, prompts, notices } = rig({ template: 'Promo {{promo}} per te' });
    const sendsBefore = gw.sandbox.requestCount('send');

    const summary = await bulk.run(uri);

    assert.ok(summary, `nothing ran: ${JSON.stringify(notices.shown)}`);
    assert.equal(prompts.columns?.[prompts.suggested ?? -1]?.name, 'telefono', 'the number column is suggested');
    assert.match(prompts.templateInfo?.info ?? '', /Promo A per te/);
    assert.deepEqual(prompts.reviewOptions, { duplicates: 1, emptyPlaceholders: 1 });
    const report = bulk.provideTextDocumentContent(prompts.reportUri!);
    assert.match(report, /GSM-7/);
    assert.match(report, /Invalid numbers \(1\)/);
    assert.match(report, /Duplicate numbers \(1\)/);
    assert.match(report, /Empty placeholders \(1\)/);
    assert.match(report, /Over 612 characters \(1\)/);
    assert.match(prompts.confirmed[0].summary, /^Send 5 SMS \(5 parts\) from clienti\.csv\?/);
    assert.match(prompts.confirmed[0].detail, /Estimated cost: about €0\.275 of €1,000\.00 balance/);

    // 5 rows: promo A ×2, B ×2, Città ×1 → three requests.
    assert.equal(summary.run.sent, 5);
    assert.equal(gw.sandbox.requestCount('send') - sendsBefore, 3);
    for (const n of ['393331000001', '393331000002', '393331000003', '393331000008', '393331000009']) assert.equal(messagesTo(n), 1, n);
    for (const n of ['393331000006', '393331000007']) assert.equal(messagesTo(n), 0, n);
    const entries = api.history.all().filter((e) => e.batchId === summary.batchId);
    assert.equal(entries.length, 5);
    assert.ok(entries.every((e) => e.state === 'sent' && typeof e.smsId === 'number' && e.sender === 'Acme' && e.account === gw.account.id));
    assert.deepEqual(notices.shown, [], 'a batch that went out whole says nothing until its messages settle');
    assert.deepEqual(await batches.list((k) => api.history.get(k)), [], 'a finished batch is not offered for resume');
    // The real poller brings the statuses.
    await waitFor(() => notices.shown.length > 0, 45_000, 'the batch summary');
    // The sandbox's endings: 01–03 and 08 (1024 Unknown error) fail; 09 ends in 32768 HLR completed (docs/SANDBOX.md).
    assert.deepEqual(notices.shown, [{ kind: 'warning', text: 'clienti.csv: 1 delivered, 4 failed', actions: ['Show'] }]);
  });

  test('cancel in the middle, then resume: every row reaches the gateway exactly once; an unknown row is listed and not resent', async function () {
    this.timeout(90_000);
    const n = 40;
    const lines = ['nome,telefono', ...Array.from({ length: n }, (_, i) => `Cliente ${i},+39 334 ${String(2_000_000 + i)}`)];
    const uri = csvFile('quaranta.csv', lines.join('\n'));
    const numbers = Array.from({ length: n }, (_, i) => `39334${2_000_000 + i}`);
    const { bulk, notices } = rig({}, { concurrency: 2, maxPerSecond: 100, maxPerRequest: 50 });
    gw.sandbox.injectFault({ fault: { kind: 'latency', ms: 40 }, command: 'send' });
    // The 4th request is carried out but its answer never arrives: its outcome is unknown.
    let seen = 0;
    const sub = api.history.onDidChange(({ upserted }) => {
      if (upserted.some((e) => e.state === 'sending' && numbers.includes(e.destination)) && ++seen === 4) {
        gw.sandbox.injectFault({ fault: { kind: 'resetAfterRead' }, command: 'send', times: 1 });
      }
    });

    const running = bulk.run(uri);
    await waitFor(() => gw.sandbox.messages.filter((m) => numbers.includes(m.destination)).length >= 12, 30_000, '12 messages');
    assert.equal(bulk.cancelRunning(), 1);
    const first = (await running) as BatchSummary;
    sub.dispose();
    gw.sandbox.clearFaults();
    assert.equal(first.cancelled, true);
    assert.ok(first.run.notSent > 0 && first.run.notSent < n - 10, `not sent: ${first.run.notSent}`);
    assert.equal(first.run.unknown, 1);
    assert.match(notices.last().text, /not sent yet/);
    assert.ok(notices.last().actions.includes('Resume'));

    const resume = rig({ resumeAction: 'send', resend: [] });
    const second = await resume.bulk.resume();
    assert.ok(second, `resume did not run: ${JSON.stringify(resume.notices.shown)}`);
    assert.deepEqual(resume.prompts.batchesShown?.map((b) => [b.batchId, b.counts.unsent, b.counts.undecided]), [[first.batchId, first.run.notSent, 1]]);
    assert.deepEqual(resume.prompts.resendShown?.map((r) => r.state), ['unknown']);
    assert.equal(second.counts.sent, n - 1);
    assert.equal(second.counts.unknown, 1);
    for (const number of numbers) assert.equal(messagesTo(number), 1, `${number} got ${messagesTo(number)} messages`);
    assert.deepEqual(await batches.list((k) => api.history.get(k)), [], 'decided: the batch is finished');
  });

  test('a batch tells its story once: no toast per message, one summary when its messages settle, Show opens the panel', async function () {
    this.timeout(60_000);
    const uri = csvFile('trio.csv', 'nome,telefono\nA,3331000011\nB,3331000012\nC,3331000013\n');
    const { bulk, notices, opened } = rig({ template: 'Ciao {{nome}}' });
    notices.answerNext('Show');
    const summary = await bulk.run(uri);
    assert.ok(summary, `nothing ran: ${JSON.stringify(notices.shown)}`);
    assert.equal(summary.run.sent, 3);
    const entries = () => api.history.all().filter((e) => e.batchId === summary.batchId);
    // The window's own per-message notification (extension.ts) asks this for every final status.
    for (const e of entries()) assert.equal(toastOnFinal({ ...e, status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } }, 'all'), false);
    await waitFor(() => entries().every((e) => e.status?.final === true), 45_000, 'the real poller to bring the final statuses');
    await waitFor(() => notices.shown.length > 0, 5_000, 'the batch summary');
    assert.deepEqual(notices.shown, [{ kind: 'info', text: 'trio.csv: 3 delivered, 0 failed', actions: ['Show'] }]);
    await waitFor(() => opened.length > 0, 5_000, 'Show to open the panel');
    assert.ok(entries().some((e) => e.key === opened[0]), 'Show reveals a message of the batch');
    // A single send keeps its toast, unless the setting says otherwise.
    const single = { ...entries()[0], batchId: undefined };
    assert.equal(toastOnFinal(single, 'all'), true);
    assert.equal(toastOnFinal(single, 'failures'), false);
    assert.equal(toastOnFinal({ ...single, status: { code: 64, label: 'Undelivered', statusClass: 'failed', final: true } }, 'failures'), true);
  });

  test('the report opens rendered in the Markdown preview, reads without escapes, and saves as a file', async function () {
    this.timeout(60_000);
    const uri = csvFile('customers.csv', 'name,phone\nAnna,3331000011\nBruno,not-a-number\nCarla,06 1234 5678\n');
    const { bulk, prompts, notices } = rig({ template: 'Hi {{name}}, 5 €.', confirm: false });
    assert.equal(await bulk.run(uri), undefined, 'declined at the confirmation');
    const report = prompts.reportUri!;
    const source = bulk.provideTextDocumentContent(report);
    assert.match(source, /\+39 333 100 0011/, 'numbers as the tree shows them');
    assert.match(source, /landline number in Italy/, "the country's plan speaks in the preview");

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await showRenderedReport(report, true);
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    await waitFor(() => tabs().some((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType)), 10_000, 'the Markdown preview tab');
    assert.ok(!tabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === report.scheme), 'the Markdown source is not opened as text');

    // What the preview shows: the Markdown extension's own renderer, text without tags.
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', source);
    const shown = html.replace(/<[^>]*>/g, '');
    for (const text of ['customers.csv', 'not-a-number', 'Hi Anna, 5 €.', '+39 333 100 0011']) assert.ok(shown.includes(text), `${text} in ${shown.slice(0, 400)}`);
    assert.doesNotMatch(shown, /\\[.\-+#(){}!|_*]/, 'no Markdown escape shows');

    prompts.saveTo = vscode.Uri.file(path.join(dir, 'saved report.md'));
    assert.equal((await bulk.saveReport())?.fsPath, prompts.saveTo.fsPath);
    assert.equal(fs.readFileSync(prompts.saveTo.fsPath, 'utf8'), source);
    // A place that cannot be written (its "folder" is a file): said, and nothing else changes.
    prompts.saveTo = vscode.Uri.file(path.join(dir, 'saved report.md', 'inside.md'));
    assert.equal(await bulk.saveReport(), undefined);
    assert.equal(notices.last().kind, 'error');
    assert.match(notices.last().text, /^The report was not saved\. /);
    assert.equal(fs.readFileSync(path.join(dir, 'saved report.md'), 'utf8'), source);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a file that cannot be read says where, and sends nothing', async () => {
    const uri = csvFile('rotto.csv', 'nome,telefono\nMario,"3331234567\n');
    const { bulk, notices } = rig({});
    const before = gw.sandbox.requestCount();
    assert.equal(await bulk.run(uri), undefined);
    assert.equal(notices.last().kind, 'error');
    assert.match(notices.last().text, /A quoted field is never closed: a closing " is missing before the end of the file\. \(line \d+\)/);
    assert.equal(gw.sandbox.requestCount(), before);
  });
});
