// Runs inside a real VS Code extension host: the extension activates and "Show API Help" shows a sandbox's help.
import * as assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_HELP_TEXT, SandboxGateway } from '../../src/sandbox/server';
import { EXTENSION_ID, extensionApi } from './helpers';
import { SANDBOX_ACCOUNT_ID } from '../../src/credentials/types';
import { compareVersions } from '../../src/lm/confirmation';
import { CommandIds } from '../../src/common/commandIds';
import { deferredStart } from '../../src/common/deferredStart';

// out/test/integration -> the repository
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** 'source' (extensionDevelopmentPath = the repo) or 'vsix' (the packaged build installed as users get it). */
const MODE = process.env.INVIOSMART_TEST_MODE ?? 'source';

function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('inviosmart');
}

async function showHelpWith(sandbox: SandboxGateway): Promise<vscode.TextEditor> {
  // Signed out, help comes from the configured gateway (with the Sandbox account, from the built-in one).
  await (await extensionApi()).accounts.accounts.setActive(undefined);
  await settings().update('gateway.baseUrl', sandbox.url, vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('inviosmart.showHelp');
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'no active editor after Show API Help');
  return editor;
}

/** The document's text once it equals `expected`, or its last text after a few seconds. */
async function settledText(doc: vscode.TextDocument, expected: string): Promise<string> {
  for (let i = 0; i < 50 && doc.getText().trim() !== expected.trim(); i++) await new Promise((r) => setTimeout(r, 100));
  return doc.getText();
}

suite('extension in a real VS Code', () => {
  const sandboxes: SandboxGateway[] = [];
  const start = async (helpText: string) => {
    const sb = await SandboxGateway.start({ port: 0, helpText });
    sandboxes.push(sb);
    return sb;
  };

  suiteTeardown(async () => {
    await settings().update('gateway.baseUrl', undefined, vscode.ConfigurationTarget.Global);
    await Promise.all(sandboxes.map((s) => s.close()));
  });

  test(`the extension under test is the ${MODE} build`, () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    const extPath = realpathSync(ext.extensionPath);
    if (MODE === 'vsix') {
      assert.notEqual(extPath, realpathSync(REPO_ROOT), 'expected the installed .vsix, got the source folder');
      assert.match(basename(extPath), /^inviosmart-sms-team\.inviosmart-sms-\d+\.\d+\.\d+/);
      assert.ok(existsSync(join(extPath, 'dist', 'extension.js')), 'the package has no dist/extension.js');
      assert.ok(!existsSync(join(extPath, 'src')), 'the package ships src/');
    } else {
      assert.equal(MODE, 'source', `unknown INVIOSMART_TEST_MODE ${MODE}`);
      assert.equal(extPath, realpathSync(REPO_ROOT));
    }
  });

  test('runs on the VS Code and Node its host claims, none older than engines.vscode', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const declared = String((ext?.packageJSON as { engines?: { vscode?: string } } | undefined)?.engines?.vscode ?? '');
    const floor = /^\^(\d+\.\d+\.\d+)$/.exec(declared)?.[1];
    assert.ok(floor, `engines.vscode is "${declared}", not ^x.y.z`);
    assert.ok(compareVersions(vscode.version, floor) >= 0, `VS Code ${vscode.version} is older than the declared ${floor}`);
    // Set by scripts/vscode-host.mjs (code-server hosts); a desktop run sets neither.
    if (process.env.INVIOSMART_HOST_VSCODE) assert.equal(vscode.version, process.env.INVIOSMART_HOST_VSCODE);
    if (process.env.INVIOSMART_HOST_NODE) assert.equal(process.versions.node, process.env.INVIOSMART_HOST_NODE);
  });

  test('activates and registers Show API Help', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('inviosmart.showHelp'), 'inviosmart.showHelp is not registered');
  });

  test('once started, every command id is registered by the core (its stand-in is gone, no id is left without a handler)', async () => {
    await extensionApi();
    const commands = new Set(await vscode.commands.getCommands(true));
    const missing = Object.values(CommandIds).filter((id) => !commands.has(id));
    assert.deepEqual(missing, []);
  });

  test('stand-ins in the real command registry: a command run before the start waits, then runs the real one with the same arguments', async () => {
    const id = `inviosmart.test.standIn${Date.now()}`;
    const steps: Array<() => void> = [];
    const seen: unknown[][] = [];
    let real: vscode.Disposable | undefined;
    const deferred = deferredStart({
      ids: [id],
      commands: vscode.commands,
      later: (step) => void steps.push(step),
      load: () => () => {
        real = vscode.commands.registerCommand(id, (...args: unknown[]) => {
          seen.push(args);
          return 'real';
        });
      },
      onError: (e) => assert.fail(String(e)),
    });
    try {
      const node = { key: 'k1' };
      const uri = vscode.Uri.file(join(REPO_ROOT, 'contacts.csv'));
      const answer = vscode.commands.executeCommand(id, node, uri);
      // The load task, then the start task (each queues the next), as setImmediate would run them.
      for (let i = 0; i < 2; i++) {
        await new Promise((r) => setImmediate(r));
        assert.equal(seen.length, 0, 'the real command ran before the start');
        steps.shift()?.();
      }
      assert.equal(await answer, 'real');
      assert.equal(seen.length, 1);
      assert.equal(seen[0][0], node, 'the same object reaches the real command');
      assert.equal(seen[0][1], uri);
    } finally {
      deferred.dispose();
      real?.dispose();
    }
  });

  test('Show API Help opens the sandbox help text, read-only', async () => {
    const helpText = `Inviosmart sandbox help for test ${Date.now()}\nline two: /sendsms/`;
    const editor = await showHelpWith(await start(helpText));
    assert.equal(editor.document.uri.scheme, 'inviosmart-help');
    assert.equal(editor.document.getText().trim(), helpText);

    // Typing goes through the editor like a user's keys; check it reaches an ordinary editor first.
    const scratch = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: '' }));
    await vscode.commands.executeCommand('type', { text: 'typed' });
    assert.equal(scratch.document.getText(), 'typed', 'typing did not reach the active editor');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');

    const help = await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('type', { text: 'typed' });
    assert.equal(help.document.getText().trim(), helpText, 'the help document accepted typing');
    assert.equal(help.document.isDirty, false);
  });

  test('with the Sandbox account active, Show API Help shows the built-in sandbox help', async () => {
    const api = await extensionApi();
    await settings().update('gateway.baseUrl', 'http://127.0.0.1:9/', vscode.ConfigurationTarget.Global);
    await api.accounts.accounts.setActive(SANDBOX_ACCOUNT_ID);
    try {
      await vscode.commands.executeCommand('inviosmart.showHelp');
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor, 'Show API Help failed with the Sandbox active');
      assert.equal(editor.document.uri.scheme, 'inviosmart-help');
      assert.equal((await settledText(editor.document, DEFAULT_HELP_TEXT)).trim(), DEFAULT_HELP_TEXT.trim());
    } finally {
      await api.accounts.accounts.setActive(undefined);
    }
  });

  test('Show API Help follows a changed gateway.baseUrl', async () => {
    await showHelpWith(await start('first sandbox help'));
    const second = 'second sandbox help';
    const editor = await showHelpWith(await start(second));
    assert.equal(editor.document.uri.scheme, 'inviosmart-help');
    assert.equal((await settledText(editor.document, second)).trim(), second);
  });

  test('an unreachable gateway leaves the last help text in place', async () => {
    const last = 'help before the gateway went away';
    const editor = await showHelpWith(await start(last));
    const gone = await start('closed');
    const url = gone.url;
    await gone.close();
    await settings().update('gateway.baseUrl', url, vscode.ConfigurationTarget.Global);
    // The command reports the failure itself; its error message may wait for the user, so don't wait for it.
    const ran = vscode.commands.executeCommand('inviosmart.showHelp').then(() => 'done', (e: unknown) => e);
    const outcome = await Promise.race([ran, new Promise((r) => setTimeout(() => r('waiting'), 5000))]);
    assert.ok(outcome === 'done' || outcome === 'waiting', `the command rejected: ${String(outcome)}`);
    assert.equal(editor.document.getText().trim(), last);
  });
});
