// Everyday use inside the real VS Code (code-server): the user's proxy settings (and the proxy environment) steer
// the extension's own gateway requests through a real forward proxy on 127.0.0.1 or past it; the default keybinding
// collides with nothing in VS Code's defaults; the walkthrough's steps name real commands; and the window is a
// remote one (code-server opens folders as vscode-remote://), where the extension runs on the workspace side.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXTENSION_ID, TesterGateway, setUserSetting, waitFor } from './helpers';
import { startForwardProxy, testTls, type ForwardProxy } from '../shared/forwardProxy';

// out/test/integration/ → the repository root (the suite runs from the checkout, also in the .vsix pass)
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const KEY = 'ctrl+shift+alt+m';

/** Sets an `http.*` user setting and resolves once VS Code has announced it (so the extension's listener ran). */
const setHttpSetting = (key: string, value: unknown): Promise<void> => setUserSetting(key, value, 'http');

suite('Everyday use: proxies, keybinding, walkthrough, remote window', () => {
  suite('proxy settings in the real extension', () => {
    let gateway: TesterGateway;
    let proxy: ForwardProxy;
    const savedEnv = process.env.http_proxy;
    const savedCertFile = process.env.SSL_CERT_FILE;

    setup(async () => {
      proxy = await startForwardProxy();
      gateway = await TesterGateway.start({ balance: 7 });
    });

    teardown(async () => {
      if (savedEnv === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = savedEnv;
      if (savedCertFile === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = savedCertFile;
      await setHttpSetting('proxy', undefined);
      await setHttpSetting('noProxy', undefined);
      await setHttpSetting('proxyAuthorization', undefined);
      await setHttpSetting('systemCertificates', undefined);
      if (gateway) await setUserSetting('gateway.baseUrl', gateway.sandbox.url);
      await gateway?.close();
      await proxy?.close();
    });

    const viaProxy = (): number => proxy.requests.filter((r) => r.target.startsWith(`${gateway.sandbox.url}/account-balance/`)).length;
    const atGateway = (): number => gateway.sandbox.requests.filter((r) => r.command === 'balance').length;

    /** Runs the real Refresh Balance command and waits until the gateway has answered one more balance request. */
    async function refreshBalance(): Promise<void> {
      const before = atGateway();
      await vscode.commands.executeCommand('inviosmart.refreshBalance');
      await waitFor(() => atGateway() > before, 10_000, 'the balance request to reach the gateway');
    }

    test('http.proxy sends the requests through the proxy; http.noProxy takes a host off it again', async () => {
      await setHttpSetting('proxy', proxy.url);
      // A proxy that reads plain http is one more place the password goes: signed in again through it.
      await gateway.rebind();
      await refreshBalance();
      assert.ok(viaProxy() >= 1, `the proxy saw: ${JSON.stringify(proxy.requests)}`);

      await setHttpSetting('noProxy', ['127.0.0.1']);
      const before = viaProxy();
      await refreshBalance();
      await refreshBalance();
      assert.equal(viaProxy(), before, 'no request through the proxy once 127.0.0.1 is in http.noProxy');
    });

    test('with http.proxy empty, http_proxy from the environment is used', async () => {
      await setHttpSetting('proxy', '');
      await refreshBalance();
      assert.equal(viaProxy(), 0, 'no proxy set: direct');
      process.env.http_proxy = proxy.url;
      // The environment is read when the http settings change (or the window starts).
      await setHttpSetting('noProxy', ['unrelated.example']);
      await gateway.rebind();
      await refreshBalance();
      assert.ok(viaProxy() >= 1, `the proxy saw: ${JSON.stringify(proxy.requests)}`);
    });

    test('a proxy that asks for credentials gets those in the proxy URL, or http.proxyAuthorization instead', async () => {
      const locked = await startForwardProxy({ credentials: basic('corp', 'pa:ss') });
      try {
        await setHttpSetting('proxy', locked.url.replace('http://', 'http://corp:pa%3Ass@'));
        await gateway.rebind();
        await refreshBalance();
        assert.equal(locked.requests.at(-1)?.proxyAuthorization, basic('corp', 'pa:ss'));
        await setHttpSetting('proxy', locked.url);
        await setHttpSetting('proxyAuthorization', basic('corp', 'pa:ss'));
        await gateway.rebind();
        const before = locked.requests.length;
        await refreshBalance();
        assert.ok(locked.requests.length > before);
        assert.equal(locked.requests.at(-1)?.proxyAuthorization, basic('corp', 'pa:ss'));
      } finally {
        await locked.close();
      }
    });

    test('a TLS-inspecting proxy is trusted through the system certificates, and only through them', async () => {
      const tlsFiles = testTls(repoRoot);
      const inspecting = await startForwardProxy({ inspect: { cert: tlsFiles.cert, key: tlsFiles.key } });
      try {
        // The system's bundle, as OpenSSL's SSL_CERT_FILE names it, holds the proxy's root; read when the settings change.
        process.env.SSL_CERT_FILE = tlsFiles.caFile;
        await setUserSetting('gateway.baseUrl', `https://127.0.0.1:${gateway.sandbox.port}`);
        await gateway.rebind();
        await setHttpSetting('proxy', inspecting.url);
        await refreshBalance();
        assert.equal(inspecting.requests.filter((r) => r.inspected).length, 1, JSON.stringify(inspecting.requests));

        await setHttpSetting('systemCertificates', false);
        const state = await gateway.api.accounts.balance.refresh();
        assert.equal(state.kind, 'failed');
        assert.match(state.kind === 'failed' ? state.failure.explanation : '', /certificate/);
        assert.equal(inspecting.requests.filter((r) => r.inspected).length, 1, 'nothing got through without the system certificates');
      } finally {
        await inspecting.close();
      }
    });
  });

  test(`the default keybinding ${KEY} is bound to Send SMS and to nothing else among the defaults`, async () => {
    await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
    const isDefaults = (): boolean => /keybindings\.json$/.test(vscode.window.activeTextEditor?.document.uri.path ?? '');
    await waitFor(isDefaults, 10_000, 'the default keybindings to open');
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // The file is JSON with // comments (and commented-out entries for commands without a key).
    const entries = JSON.parse(text.split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n')) as Array<{ key: string; command: string }>;
    assert.ok(entries.length > 200, `only ${entries.length} default keybindings read`);
    const ours = entries.filter((e) => e.key === KEY);
    assert.deepEqual(ours.map((e) => e.command), ['inviosmart.sendSms'], `bound to ${KEY}: ${JSON.stringify(ours)}`);
    console.log(`      ${entries.length} default keybindings; ${KEY} is bound only to inviosmart.sendSms`);
  });

  test('every walkthrough step completes on a command or view that exists, and offers a command button', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as {
      contributes: { walkthroughs: Array<{ steps: Array<{ id: string; description: string; completionEvents: string[]; media: { image: string } }> }> };
    };
    const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const commands = new Set(await vscode.commands.getCommands(true));
    const steps = manifest.contributes.walkthroughs[0].steps;
    assert.equal(steps.length, 6);
    for (const step of steps) {
      for (const event of step.completionEvents) {
        const [kind, what] = event.split(/:(.*)/s);
        if (kind === 'onCommand') assert.ok(commands.has(what), `${step.id}: ${what} is not a command`);
        else if (kind === 'onView') assert.ok(commands.has(`${what}.focus`), `${step.id}: no view ${what}`);
        else assert.equal(kind, 'onContext', `${step.id}: ${event}`);
      }
      const description = nls[step.description.replace(/^%|%$/g, '')];
      const buttons = [...description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(buttons.length > 0, `${step.id} has no button`);
      for (const b of buttons) assert.ok(commands.has(b), `${step.id}: button ${b} is not a command`);
      assert.ok(fs.existsSync(path.join(ext.extensionPath, step.media.image)), `${step.id}: ${step.media.image} is not shipped`);
    }
  });

  test('in a remote window the extension runs on the workspace side and works', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext?.isActive);
    // code-server is a remote window seen from the browser: the browser side cannot run a Node extension, so the
    // 'workspace' kind is used. In desktop SSH/WSL/container windows 'ui' comes first: it runs on the user's side.
    assert.ok(vscode.env.remoteName, 'code-server windows are remote');
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
    assert.deepEqual((ext.packageJSON as { extensionKind?: string[] }).extensionKind, ['ui', 'workspace']);
    const gateway = await TesterGateway.start({ balance: 3 });
    try {
      await vscode.commands.executeCommand('inviosmart.refreshBalance');
      await waitFor(() => gateway.sandbox.requests.some((r) => r.command === 'balance'), 10_000, 'a balance request');
    } finally {
      await gateway.close();
    }
  });
});
