// The Send SMS chat tool's confirmation in the real workbench (code-server + Chromium): another
// extension calls vscode.lm.invokeTool outside chat, VS Code shows the tool's confirmation as a
// modal dialog, and the test clicks it like a person. Cancel must reject the call and send nothing
// (counted at a SandboxGateway on 127.0.0.1); the confirm button must send exactly once.
// This cannot run in the integration suite: VS Code confirms tool confirmations by itself while
// extension tests run.
//
// The caller is a real second extension, written and packaged here (vsce) and installed beside the
// extension under development; it takes its request from a file and writes the outcome to another.
//   node scripts/build.mjs --tests && npx mocha --no-config --timeout 180000 out/test/e2e/lmTools.e2e.test.js
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SandboxGateway } from '../../src/sandbox/server';
import { signIn } from './support/flows';
import { clearResults, repoRoot, startWorkbench, type WorkbenchServer } from './support/host';
import { stepwise } from './support/stepwise';
import { Workbench, waitFor } from './support/workbench';

const USERNAME = 'e2e-tools';
const PASSWORD = 'e2e-tools-pw';
const ACCOUNT_NAME = 'Tools Account';
const CALLER_COMMAND = 'Tool Caller: Invoke Requested Tool';

/**
 * A second extension with one command: invoke the tool named in the request file, outside chat.
 * Returns its packaged .vsix.
 */
function packCallerExtension(dir: string, requestFile: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'tool-caller', publisher: 'inviosmart-test', version: '0.0.1', engines: { vscode: '^1.96.0' }, main: './extension.js',
    activationEvents: [], contributes: { commands: [{ command: 'toolCaller.invoke', title: CALLER_COMMAND }] },
  }, null, 2));
  fs.writeFileSync(path.join(dir, 'extension.js'), `
const vscode = require('vscode');
const fs = require('fs');
const path = require('path');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('toolCaller.invoke', async () => {
    const request = JSON.parse(fs.readFileSync(${JSON.stringify(requestFile)}, 'utf8'));
    let outcome;
    try {
      const result = await vscode.lm.invokeTool(request.name, { input: request.input, toolInvocationToken: undefined });
      outcome = { text: result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('') };
    } catch (e) {
      outcome = { error: e instanceof Error ? e.message : String(e) };
    }
    fs.writeFileSync(request.reply + '.tmp', JSON.stringify(outcome));
    fs.renameSync(request.reply + '.tmp', request.reply);
  }));
};
`);
  const vsix = path.join(dir, 'tool-caller.vsix');
  const r = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `packaging the caller extension: ${r.stdout}${r.stderr}`);
  return vsix;
}

describe('Chat tools end to end: the confirmation outside chat (code-server + Chromium)', function () {
  this.timeout(120_000);

  let sandbox: SandboxGateway;
  let host: WorkbenchServer | undefined;
  let wb: Workbench;
  let callerDir: string;
  let calls = 0;
  const steps = stepwise({ windows: () => [wb], host: () => host, logs: 'e2e-logs-lmtools', cleanup: async () => {
    await sandbox?.close();
    if (callerDir) fs.rmSync(callerDir, { recursive: true, force: true });
  } });

  before(async function () {
    this.timeout(15 * 60_000);
    clearResults(['e2e-failure-window-', 'e2e-logs-lmtools']);
    sandbox = await SandboxGateway.start({ accounts: [{ username: USERNAME, password: PASSWORD, balance: 10 }] });
    callerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-tool-caller-'));
    const vsix = packCallerExtension(path.join(callerDir, 'src'), path.join(callerDir, 'request.json'));
    host = await startWorkbench({ 'inviosmart.gateway.baseUrl': sandbox.url }, 'inviosmart-e2e-lm-', { vsix: [vsix] });
    wb = await Workbench.open(host.context, host.urlFor('workspace'), 'window');
    await signIn(wb, { username: USERNAME, password: PASSWORD, label: ACCOUNT_NAME });
    await wb.waitForNotification(/^Signed in to Inviosmart as Tools Account/);
    steps.started();
  });

  /** Starts the caller's command; resolves with its outcome once the call finished. */
  async function callTool(name: string, input: object): Promise<() => Promise<{ text?: string; error?: string }>> {
    const reply = path.join(callerDir, `reply-${calls++}.json`);
    fs.writeFileSync(path.join(callerDir, 'request.json'), JSON.stringify({ name, input, reply }));
    await wb.runCommand(CALLER_COMMAND);
    return () => waitFor(`the tool call to finish (${reply})`, async () => (fs.existsSync(reply) ? JSON.parse(fs.readFileSync(reply, 'utf8')) as { text?: string; error?: string } : undefined), { timeoutMs: 30_000 });
  }

  /** The names of the open dialog's buttons. */
  async function dialogButtons(): Promise<string[]> {
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    return dialog.locator('.monaco-button').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()).filter(Boolean));
  }

  it('shows the Send SMS facts in a modal; Cancel rejects the call and nothing reaches the gateway', async () => {
    const sendsBefore = sandbox.requestCount('send');
    const outcome = await callTool('inviosmart_sendSms', { destinations: ['+39 333 7200001'], text: 'E2E cancelled', sender: 'E2E' });
    const shown = await wb.clickDialogButton(/Send 1 SMS to \+39 333 720 0001\?/, 'Cancel');
    assert.match(shown, /To: \+39 333 720 0001/);
    assert.match(shown, /From: E2E/);
    assert.match(shown, /Account: Tools Account/);
    assert.match(shown, /1 SMS/);
    assert.match(shown, /Estimated cost: about €\d+\.\d{2,4} of €10\.00 balance/);
    assert.match(shown, /Text: E2E cancelled/);
    const r = await outcome();
    assert.match(r.error ?? '', /Cancel/i, `the call was rejected: ${JSON.stringify(r)}`);
    assert.equal(sandbox.requestCount('send'), sendsBefore, 'a Cancel sends nothing');
  });

  it('sends exactly once when the person confirms, and returns the SMSId', async () => {
    const sendsBefore = sandbox.requestCount('send');
    const outcome = await callTool('inviosmart_sendSms', { destinations: ['+39 333 7200002'], text: 'E2E confirmed', sender: 'E2E' });
    const buttons = await dialogButtons();
    const accept = buttons.find((b) => b !== 'Cancel');
    assert.ok(accept, `a confirm button besides Cancel: ${JSON.stringify(buttons)}`);
    await wb.clickDialogButton(/Send 1 SMS to \+39 333 720 0002\?/, accept);
    const r = await outcome();
    assert.match(r.text ?? '', /^sent: 1 of 1 accepted by the gateway \(account Tools Account\)/, JSON.stringify(r));
    const smsId = Number(/SMSId (\d+)/.exec(r.text ?? '')?.[1]);
    assert.equal(sandbox.requestCount('send') - sendsBefore, 1);
    const received = sandbox.messages.find((m) => m.smsId === smsId);
    assert.equal(received?.destination, '393337200002');
    assert.equal(received?.message, 'E2E confirmed');
  });
});
