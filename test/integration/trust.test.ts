// A workspace's .vscode/settings.json that points inviosmart.gateway.baseUrl and sendUrl at another host must
// not move the credentials there: the extension reads the gateway URLs from the user's settings only.
// Runs twice: in the normal integration pass (workspace trusted, the settings written while running), and in a
// second pass that scripts/test-integration.mjs starts with workspace trust on and the folder untrusted, opened
// with the rogue settings already in it (INVIOSMART_TRUST_PASS=untrusted, INVIOSMART_ROGUE_PORT).
// The "rogue" is an HTTP server on 127.0.0.1 that records every request it gets.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SendCommand } from '../../src/commands/send';
import { readSettings } from '../../src/config';
import { LEAK_CANARY } from '../shared/canary';
import { TesterGateway, scriptedSend, waitFor } from './helpers';

const UNTRUSTED_PASS = process.env.INVIOSMART_TRUST_PASS === 'untrusted';

/** Records the path of every request; whether it carried the password, never the password itself. */
class RogueServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly requests: Array<{ method: string; path: string; hadPassword: boolean }>,
  ) {}

  static async start(port: number): Promise<RogueServer> {
    const requests: RogueServer['requests'] = [];
    const server = http.createServer((req, res) => {
      const url = req.url ?? '';
      requests.push({ method: req.method ?? '', path: url.split('?')[0], hadPassword: url.includes(encodeURIComponent(LEAK_CANARY)) || url.includes('password=') });
      req.resume();
      res.end('Error: 1012 - Authentication failure');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return new RogueServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function sendRig(gw: TesterGateway): SendCommand {
  return scriptedSend(gw.api, { destinations: '+39 333 7654321', sender: 'Trust', message: 'Where does this go?', confirm: true });
}

suite(`Workspace trust (rogue gateway in .vscode/settings.json, ${UNTRUSTED_PASS ? 'untrusted' : 'trusted'} window)`, () => {
  let rogue: RogueServer;
  let gw: TesterGateway | undefined;
  let rogueBase: string;
  let file: string | undefined;
  let original: string | undefined;

  suiteSetup(async function () {
    this.timeout(60_000);
    rogue = await RogueServer.start(Number(process.env.INVIOSMART_ROGUE_PORT ?? 0));
    rogueBase = `${rogue.url}/rogue`;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the window has a workspace folder');
    file = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
    if (UNTRUSTED_PASS) {
      // The harness opened the folder with the rogue settings already in it, as a cloned repository would be.
      assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`"inviosmart\\.gateway\\.baseUrl": "${rogueBase.replace(/[.]/g, '\\.')}"`));
    } else {
      // VS Code refuses to write these application-scoped settings into a workspace, so they are added to the file
      // directly, as a repository would carry them. VS Code creates the file first (its watcher then follows it);
      // an editor setting written with them shows when the workbench has read the new content.
      original = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      await vscode.workspace.getConfiguration('editor').update('tabSize', 7, vscode.ConfigurationTarget.Workspace);
      const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      const rogueSettings = { ...current, 'inviosmart.gateway.baseUrl': rogueBase, 'inviosmart.gateway.sendUrl': `${rogueBase}/send`, 'editor.tabSize': 5 };
      fs.writeFileSync(file, JSON.stringify(rogueSettings, null, 2));
      await waitFor(() => vscode.workspace.getConfiguration('editor').inspect('tabSize')?.workspaceValue === 5, 15_000, 'the workspace settings file to be read');
    }
    // The rogue answers: a request to it would be seen (and is not counted below).
    assert.equal((await fetch(`${rogue.url}/ping`)).status, 200);
    rogue.requests.length = 0;
    gw = await TesterGateway.start({ balance: 10 });
  });

  suiteTeardown(async () => {
    await gw?.close();
    if (!UNTRUSTED_PASS && file && fs.existsSync(file)) {
      fs.writeFileSync(file, original ?? '{}');
      await waitFor(() => vscode.workspace.getConfiguration('editor').inspect('tabSize')?.workspaceValue !== 5, 15_000, 'the workspace settings to be restored');
    }
    await rogue?.close();
  });

  test(`the window is ${UNTRUSTED_PASS ? 'untrusted (restricted mode)' : 'trusted'}`, () => {
    assert.equal(vscode.workspace.isTrusted, !UNTRUSTED_PASS);
  });

  test('the workspace\'s gateway URLs are ignored: VS Code and the extension see the user\'s gateway', () => {
    const inspected = vscode.workspace.getConfiguration('inviosmart').inspect<string>('gateway.baseUrl');
    assert.equal(inspected?.globalValue, gw!.sandbox.url);
    // scope "application" in package.json: VS Code itself drops a workspace's value, trusted or not
    // (and restrictedConfigurations names them for restricted mode); the extension also reads globalValue only.
    assert.equal(inspected?.workspaceValue, undefined);
    assert.equal(vscode.workspace.getConfiguration('inviosmart').get<string>('gateway.baseUrl'), gw!.sandbox.url);
    assert.equal(vscode.workspace.getConfiguration('inviosmart').get<string>('gateway.sendUrl'), '');
    const s = readSettings();
    assert.equal(s.baseUrl, gw!.sandbox.url);
    assert.equal(s.sendUrl, '');
  });

  test('send, status check and balance with a signed-in account reach the user gateway and never the rogue', async function () {
    this.timeout(60_000);
    const api = gw!.api;
    const sendsBefore = gw!.sandbox.requestCount('send');
    const entries = await sendRig(gw!).run();
    assert.equal(entries?.length, 1);
    assert.equal(entries[0].state, 'sent', 'the send went through (to the legit gateway)');
    assert.equal(gw!.sandbox.requestCount('send'), sendsBefore + 1);

    const statusBefore = gw!.sandbox.requestCount('status');
    await api.poller.refreshNow([entries[0].key]);
    await waitFor(() => gw!.sandbox.requestCount('status') > statusBefore, 10_000, 'a status request at the user gateway');

    const balanceBefore = gw!.sandbox.requestCount('balance');
    const balance = await api.accounts.balance.refresh();
    assert.ok(gw!.sandbox.requestCount('balance') > balanceBefore, 'a balance request at the user gateway');
    assert.ok(!JSON.stringify(balance).includes(rogue.url));

    // The timed paths (a poller pass, a balance refresh) run once more and are awaited: none reaches the rogue.
    await api.poller.refreshNow([entries[0].key]);
    await api.accounts.balance.refresh();
    assert.deepEqual(rogue.requests, [], 'the rogue server got requests');
  });
});
