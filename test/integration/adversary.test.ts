// A hostile second extension (test/adversary), installed from its own .vsix beside Inviosmart, tries every
// way it has to read a password or make Inviosmart write a file: the exports of `activate`, every command
// with crafted arguments, a webview message channel, SecretStorage, the storage folder on disk.
// Runs only in the passes scripts/test-integration.mjs starts for it (INVIOSMART_ADVERSARY):
//   'test'       Inviosmart from the source folder under ExtensionMode.Test, two real accounts signed in: the
//                adversary walks the test API and every reader it offers;
//   'production' Inviosmart installed from its .vsix as a user has it: `activate` must export nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Account } from '../../src/credentials/types';
import { LEAK_CANARY, LEAK_CANARY_2 } from '../shared/canary';
import { EXTENSION_ID, extensionApi, TesterGateway } from './helpers';

const PASS = process.env.INVIOSMART_ADVERSARY;
const ADVERSARY_ID = 'inviosmart-test.inviosmart-adversary';
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** What the adversary's attack command returns (test/adversary/extension.js). */
interface AttackReport {
  exportsKind: string;
  objectsWalked: number;
  readerCalls: number;
  accountsSeen: number;
  commands: number;
  commandRuns: number;
  commandsSettled: number;
  commandsWaitingForUser: number;
  secretsRead: string[];
  storageFiles: number;
  webviewChannels: string[];
  webviewTabs: number;
  found: Array<{ where: string; how: string; spelling: number }>;
  written: string[];
}

function attack(options: { canaries: string[]; outDir: string; watch?: string[]; only?: 'exports' }): Promise<AttackReport> {
  return Promise.resolve(vscode.commands.executeCommand<AttackReport>('inviosmartAdversary.attack', options));
}

if (PASS === 'test' || PASS === 'production') {
  suite(`Adversary: a second installed extension (Inviosmart ${PASS === 'production' ? 'installed, production mode' : 'under test, test API exported'})`, () => {
    let gw: TesterGateway | undefined;
    let second: Account | undefined;
    let outDir: string;
    // Reachable on purpose (an account's name): the control that shows the adversary finds what it can reach.
    const visibleLabel = `Adversary-Control-${Date.now()}`;

    suiteSetup(async function () {
      this.timeout(60_000);
      outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-adversary-'));
      if (PASS === 'test') {
        // The active account signs in for real (the sandbox checks its password); a second one is only stored.
        gw = await TesterGateway.start({ balance: 10 });
        second = await gw.api.accounts.accounts.save({ username: 'second', password: LEAK_CANARY_2, label: visibleLabel }, { activate: false });
      }
    });

    suiteTeardown(async () => {
      if (second) await gw?.api.accounts.accounts.remove(second.id);
      await gw?.close();
      fs.rmSync(outDir, { recursive: true, force: true });
    });

    test('the adversary is installed from its own .vsix, beside Inviosmart', () => {
      const adversary = vscode.extensions.getExtension(ADVERSARY_ID);
      assert.ok(adversary, `${ADVERSARY_ID} is not installed`);
      assert.ok(!fs.realpathSync(adversary.extensionPath).startsWith(fs.realpathSync(REPO_ROOT)), 'the adversary runs from the source folder, not from its package');
      assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} is not installed`);
    });

    if (PASS === 'test') {
      test('control: the adversary finds what the test API does show (an account name)', async function () {
        this.timeout(120_000);
        const report = await attack({ canaries: [visibleLabel], outDir, only: 'exports' });
        assert.equal(report.exportsKind, 'object');
        assert.ok(report.found.length > 0, 'the walk did not reach the accounts: the real attack below would prove nothing');
      });
    }

    test('it reads no password and makes Inviosmart write no file', async function () {
      this.timeout(20 * 60_000);
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const report = await attack({ canaries: [LEAK_CANARY, LEAK_CANARY_2], outDir, watch: folder ? [folder] : [] });
      const { found, written, ...figures } = report;
      console.log(`adversary (${PASS}): ${JSON.stringify(figures)}`);
      assert.deepEqual(found, [], 'the adversary reached a password');
      assert.deepEqual(written, [], 'a file was written that no save dialog chose');
      assert.deepEqual(report.secretsRead, [], "the adversary's SecretStorage gave it Inviosmart's keys");
      assert.deepEqual(report.webviewChannels, [], 'the adversary reached a webview message channel');
      assert.ok(report.commands >= 20, `only ${report.commands} Inviosmart commands were tried`);
      assert.ok(report.commandsSettled > 0);
      if (PASS === 'production') {
        assert.equal(report.exportsKind, 'undefined', 'activate exported something outside ExtensionMode.Test');
      } else {
        assert.equal(report.exportsKind, 'object');
        assert.ok(report.accountsSeen >= 2 && report.readerCalls > 0, 'the walk never called a reader with an account');
        // The account is still signed in and usable: the attack did not just break the extension.
        const api = await extensionApi();
        assert.equal(api.accounts.accounts.active()?.id, gw?.account.id);
      }
    });
  });
}
