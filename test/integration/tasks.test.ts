// Tasks of type "inviosmart" and "Text Me When a Task Ends" in the real VS Code: a tasks.json in the
// window's folder, run with vscode.tasks.executeTask, sending to a real sandbox gateway that counts
// every request. The first-run question is answered by a scripted confirm (VS Code refuses modal
// dialogs while extension tests run); everything else is the extension as installed.
// The "Workspace trust" suite also runs in the untrusted pass of scripts/test-integration.mjs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TaskSmsReport } from '../../src/tasks/taskSms';
import { ScriptedConfirm, setUserSetting, suiteTesterGateway, TesterGateway } from './helpers';

const UNTRUSTED_PASS = process.env.INVIOSMART_TRUST_PASS === 'untrusted';
const TASK_NUMBER = '+39 333 7100001';
const ME = '+39 333 7100002';

/** Resolves with the next report of TaskSms matching `filter`. */
function nextReport(gw: TesterGateway, filter: (r: TaskSmsReport) => boolean = () => true): Promise<TaskSmsReport> {
  return new Promise((resolve) => {
    const sub = gw.api.taskSms.onDidReport((r) => {
      if (!filter(r)) return;
      sub.dispose();
      resolve(r);
    });
  });
}

/** Resolves when a task execution named `name` ends. */
function taskEnd(name: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = vscode.tasks.onDidEndTask((e) => {
      if (e.execution.task.name !== name) return;
      sub.dispose();
      resolve();
    });
  });
}

/** A file whose creation lets a waiting task or command end (a shell loop waits for it). */
function releaseFile(kind: string): string {
  return path.join(os.tmpdir(), `inviosmart-${kind}-release-${process.pid}-${Date.now()}`);
}

/** Lets the watched task or command end, then checks the notification SMS that arrives. */
async function releaseAndExpectNotification(gw: TesterGateway, release: string, text: RegExp): Promise<void> {
  const report = nextReport(gw, (r) => r.origin === 'notification');
  fs.writeFileSync(release, '');
  try {
    const r = await report;
    assert.equal(r.outcome, 'sent', r.message);
    const received = gw.sandbox.messages.at(-1);
    assert.equal(received?.destination, '393337100002');
    assert.match(received?.message ?? '', text);
    assert.ok(gw.entries().some((e) => e.smsId === received?.smsId), 'in the history like any other message');
  } finally {
    fs.rmSync(release, { force: true });
  }
}

async function fetchInviosmartTask(label: string): Promise<vscode.Task> {
  let found: vscode.Task | undefined;
  const until = Date.now() + 20_000;
  while (!found) {
    found = (await vscode.tasks.fetchTasks({ type: 'inviosmart' })).find((t) => t.name === label);
    if (found) break;
    if (Date.now() > until) throw new Error(`tasks.json task "${label}" never appeared in fetchTasks`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

suite('Tasks: type inviosmart and Text Me When a Task Ends', () => {
  let gw: TesterGateway;
  let tasksFile: string;
  let confirm: ScriptedConfirm;

  suiteSetup(async function () {
    this.timeout(60_000);
    gw = await TesterGateway.start({ balance: 10 });
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the window has a workspace folder');
    tasksFile = path.join(folder.uri.fsPath, '.vscode', 'tasks.json');
    fs.mkdirSync(path.dirname(tasksFile), { recursive: true });
    fs.writeFileSync(tasksFile, JSON.stringify({
      version: '2.0.0',
      tasks: [{ label: 'Text the team', type: 'inviosmart', destinations: [TASK_NUMBER], sender: 'CI', text: 'Build of ${workspaceFolderBasename} done' }],
    }, null, 2));
    // The first run is declined, the second allowed.
    confirm = new ScriptedConfirm([false, true]);
    gw.api.taskSms.confirmWith(confirm.confirm);
  });

  suiteTeardown(async () => {
    gw?.api.taskSms.confirmWith(undefined);
    if (tasksFile) fs.rmSync(tasksFile, { force: true });
    await setUserSetting('tasks.dailyLimit', undefined);
    await setUserSetting('tasks.notificationNumber', undefined);
    await gw?.close();
  });

  test('a tasks.json task asks on its first run (declined: nothing sent), then sends with its variables resolved', async function () {
    this.timeout(60_000);
    const task = await fetchInviosmartTask('Text the team');
    const sendsBefore = gw.sandbox.requestCount('send');

    const declined = nextReport(gw);
    await vscode.tasks.executeTask(task);
    assert.equal((await declined).outcome, 'declined');
    assert.equal(confirm.asked.length, 1);
    const question = confirm.asked[0];
    assert.match(question.message, /^Send 1 SMS to \+39 333 710 0001\?$/);
    assert.match(question.detail ?? '', /The task "Text the team" wants to send an SMS/);
    assert.match(question.detail ?? '', /From: CI/);
    assert.match(question.detail ?? '', /Account: tester/);
    assert.match(question.detail ?? '', /Estimated cost: about €\d+\.\d{2,4} of €10\.00 balance/);
    assert.equal(gw.sandbox.requestCount('send'), sendsBefore, 'a declined first run sends nothing');

    const sent = nextReport(gw);
    const ended = taskEnd('Text the team');
    await vscode.tasks.executeTask(task);
    const report = await sent;
    await ended;
    assert.equal(report.outcome, 'sent', report.message);
    const folderName = path.basename(vscode.workspace.workspaceFolders![0].uri.fsPath);
    const received = gw.sandbox.messages.at(-1);
    assert.equal(received?.destination, '393337100001');
    assert.equal(received?.message, `Build of ${folderName} done`);
    assert.equal(received?.sender, 'CI');
    assert.match(report.message, new RegExp(`^Sent to \\+393337100001: SMSId ${received?.smsId}$`), 'the terminal shows the SMSId');
    assert.ok(gw.entries().some((e) => e.smsId === received?.smsId), 'in the history like any other message');

    // Approved once: the same definition runs again without asking.
    const again = nextReport(gw);
    await vscode.tasks.executeTask(task);
    assert.equal((await again).outcome, 'sent');
    assert.equal(confirm.asked.length, 2);

    // The approval was given for this account: with another one active (here the Sandbox) it asks again, so a
    // definition allowed on the free Sandbox never charges a real account unasked.
    await gw.api.accounts.accounts.setActive('sandbox');
    try {
      const elsewhere = nextReport(gw);
      await vscode.tasks.executeTask(task);
      assert.equal((await elsewhere).outcome, 'declined');
      assert.equal(confirm.asked.length, 3);
      assert.match(confirm.asked[2].detail ?? '', /Sandbox/);
    } finally {
      await gw.api.accounts.accounts.setActive(gw.account.id);
    }
  });

  test('a failing task sends the notification with its exit code', async function () {
    this.timeout(60_000);
    await setUserSetting('tasks.notificationNumber', ME);
    const release = releaseFile('task');
    const name = 'failing build';
    const task = new vscode.Task({ type: 'inviosmart-test-shell' }, vscode.TaskScope.Workspace, name, 'test',
      new vscode.ShellExecution(`while [ ! -f '${release}' ]; do sleep 0.1; done; exit 3`));
    const started = new Promise<void>((resolve) => {
      const sub = vscode.tasks.onDidStartTaskProcess((e) => {
        if (e.execution.task.name !== name) return;
        sub.dispose();
        resolve();
      });
    });
    await vscode.tasks.executeTask(task);
    await started;
    const watched = await vscode.commands.executeCommand<string | undefined>('inviosmart.textMeWhenTaskEnds', name);
    assert.equal(watched, name);
    await releaseAndExpectNotification(gw, release, /^"failing build" failed with exit code 3 after \d+ s\.$/);
  });

  test('the daily cap stops the next SMS with a clear message and sends nothing', async function () {
    this.timeout(60_000);
    const used = gw.api.taskSms.sentToday();
    assert.ok(used >= 3, `three SMS were counted today (${used})`);
    await setUserSetting('tasks.dailyLimit', used);
    const task = await fetchInviosmartTask('Text the team');
    const sendsBefore = gw.sandbox.requestCount('send');
    const refused = nextReport(gw);
    await vscode.tasks.executeTask(task);
    const r = await refused;
    assert.equal(r.outcome, 'refused');
    assert.equal(r.message, `Not sent: tasks and task notifications already sent ${used} SMS today, the daily limit is ${used} (setting inviosmart.tasks.dailyLimit). It starts again tomorrow.`);
    assert.equal(gw.sandbox.requestCount('send'), sendsBefore);
  });
});

suite(`Workspace trust: tasks (${UNTRUSTED_PASS ? 'untrusted' : 'trusted'} window)`, () => {
  const gateway = suiteTesterGateway({ balance: 10 });

  test(UNTRUSTED_PASS ? 'an untrusted window sends nothing from tasks or task notifications' : 'a trusted window passes the trust guard', async () => {
    const gw = gateway();
    assert.equal(vscode.workspace.isTrusted, !UNTRUSTED_PASS);
    const sendsBefore = gw.sandbox.requestCount('send');
    // An invalid number: past the trust guard, this is refused for the number, never sent.
    const r = await gw.api.taskSms.send({ origin: 'task', label: 'rogue', input: { destinations: ['+39 12'], sender: 'Rogue', text: 'hi' } });
    assert.equal(r.outcome, 'refused');
    if (UNTRUSTED_PASS) {
      assert.match(r.message, /^Not sent: this workspace is not trusted/);
      const valid = await gw.api.taskSms.send({ origin: 'notification', label: 'rogue', input: { destinations: ['+39 333 7100003'], sender: 'Rogue', text: 'hi' } });
      assert.equal(valid.outcome, 'refused');
      assert.match(valid.message, /not trusted/);
      assert.equal(await vscode.commands.executeCommand('inviosmart.textMeWhenTaskEnds', 'anything'), undefined);
    } else {
      assert.match(r.message, /Fix these numbers: \+39 12/);
    }
    assert.equal(gw.sandbox.requestCount('send'), sendsBefore);
    assert.equal(gw.entries().length, 0);
  });
});

suite('Tasks: Text Me When a terminal command ends (shell integration)', () => {
  const gateway = suiteTesterGateway({ balance: 10 });
  let terminal: vscode.Terminal | undefined;

  suiteTeardown(async () => {
    terminal?.dispose();
    await setUserSetting('tasks.notificationNumber', undefined);
  });

  test('a command that fails in a bash terminal sends its exit code', async function () {
    this.timeout(60_000);
    const gw = gateway();
    await setUserSetting('tasks.notificationNumber', ME);
    const shell = new Promise<vscode.TerminalShellIntegration>((resolve) => {
      const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
        if (e.terminal !== terminal) return;
        sub.dispose();
        resolve(e.shellIntegration);
      });
    });
    terminal = vscode.window.createTerminal({ name: 'sms-shell', shellPath: '/bin/bash' });
    terminal.show();
    const integration = terminal.shellIntegration ?? (await shell);
    const release = releaseFile('shell');
    const started = new Promise<void>((resolve) => {
      const sub = vscode.window.onDidStartTerminalShellExecution((e) => {
        if (e.terminal !== terminal) return;
        sub.dispose();
        resolve();
      });
    });
    integration.executeCommand(`while [ ! -f '${release}' ]; do sleep 0.1; done; (exit 4)`);
    await started;
    const watched = await vscode.commands.executeCommand<string | undefined>('inviosmart.textMeWhenTaskEnds', terminal);
    assert.equal(watched, 'Command in terminal "sms-shell"');
    // The SMS names the command line (cut to 60 characters), not just the terminal.
    await releaseAndExpectNotification(gw, release, /^"while \[ ! -f '.{30,}…" failed with exit code 4 after \d+ s\.$/);
  });
});
