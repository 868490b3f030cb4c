import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import { readSettings, type Settings } from '../config';
import { GatewayClient } from '../gateway/client';
import { resolveProxy, withoutProxy } from '../gateway/proxy';
import type { BalanceReport, CallEvent, CallOptions, Credentials, GatewayClientOptions, ProxyOptions } from '../gateway/types';
import { SandboxGateway } from '../sandbox/server';
import { GatewayError, isMissingTwin } from '../gateway/errors';
import { DOCUMENTED_ORIGINS, unboundOrigins } from '../gateway/origins';
import type { GatewayCommand } from '../gateway/types';
import { SANDBOX_CREDENTIALS, type AccountStore } from './accountService';
import { GatewayMovedError, NotSignedInError, SANDBOX_ACCOUNT_ID, type Account, type GatewaySession, type SessionProvider } from './types';

/** Where a logged call went: the real gateway or the in-process sandbox. */
export type CallOrigin = 'gateway' | 'sandbox';

export interface SandboxSessionOptions {
  /** Speeds up the sandbox's status timeline (tests); 1 = the documented timings. */
  timeScale?: number;
}

export interface SessionDeps {
  /** Called after every gateway call; the extension connects it to the output channel. */
  log?: (event: CallEvent, origin: CallOrigin) => void;
  sandbox?: SandboxSessionOptions;
  /** Defaults to the user's settings; tests point it at their own gateway. */
  settings?: () => Settings;
  /** Defaults to VS Code's `http.*` proxy settings and the proxy environment variables. */
  proxy?: () => ProxyOptions | undefined;
}

/** VS Code's own proxy settings (and the proxy environment variables), which the gateway client honours. */
export function vscodeProxy(): ProxyOptions | undefined {
  const http = vscode.workspace.getConfiguration('http');
  return resolveProxy({
    proxy: http.get('proxy'), noProxy: http.get('noProxy'), strictSSL: http.get('proxyStrictSSL'),
    authorization: http.get('proxyAuthorization'), systemCertificates: http.get('systemCertificates'),
    support: http.get('proxySupport'),
  }, process.env);
}

/** The wire choices (endpoint set, charset, method, time zone) of one settings snapshot: the sandbox follows them too. */
export function wireOptions(settings: Settings): GatewayClientOptions {
  const o: GatewayClientOptions = {};
  if (settings.endpoints) o.endpoints = settings.endpoints;
  if (settings.charset) o.charset = settings.charset;
  if (settings.sendMethod) o.sendMethod = settings.sendMethod;
  if (settings.gatewayTimeZone) o.timeZone = settings.gatewayTimeZone;
  return o;
}

/** The client options one settings snapshot asks for. */
export function clientOptions(settings: Settings, proxy: ProxyOptions | undefined): GatewayClientOptions {
  const timeoutMs = settings.timeoutSeconds * 1000;
  return {
    ...wireOptions(settings),
    baseUrl: settings.baseUrl,
    sendUrl: settings.sendUrl || undefined,
    connectTimeoutMs: timeoutMs,
    headersTimeoutMs: timeoutMs,
    bodyTimeoutMs: timeoutMs,
    proxy: settings.useProxy ? proxy : withoutProxy(proxy),
  };
}

interface RunningSandbox {
  server: SandboxGateway;
  client: GatewayClient;
  close(): Promise<void>;
}

/**
 * Hands out gateway sessions: one GatewayClient shared by every real account (the settings are
 * per user, not per account), and one in-process sandbox for the Sandbox account.
 *
 * The sandbox keeps its balance and messages in memory only: they last as long as this extension
 * host (a window reload starts a fresh sandbox with the default balance). That is deliberate: it
 * is a place to try the extension, not a store.
 */
export class GatewaySessions extends DisposableBase implements SessionProvider {
  private gateway: GatewayClient | undefined;
  private sandboxStart: Promise<RunningSandbox> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly settings: () => Settings;
  private readonly proxy: () => ProxyOptions | undefined;
  /** Credentials being checked by Sign In, with the origins they may go to (the ones in use when the check began). */
  private readonly verifying = new WeakMap<Credentials, readonly string[]>();

  constructor(
    private readonly accounts: AccountStore,
    private readonly deps: SessionDeps = {},
  ) {
    super();
    this.settings = deps.settings ?? readSettings;
    this.proxy = deps.proxy ?? vscodeProxy;
  }

  async forActive(): Promise<GatewaySession> {
    const account = this.accounts.active();
    if (!account) throw new NotSignedInError(vscode.l10n.t('You are not signed in to Inviosmart. Run "Inviosmart: Sign In" or switch to the Sandbox.'));
    return this.forAccount(account.id);
  }

  async forAccount(accountId: string): Promise<GatewaySession> {
    const account = this.accounts.find(accountId);
    if (!account) throw new NotSignedInError(vscode.l10n.t('That Inviosmart account no longer exists on this computer. Sign in again.'));
    if (account.id === SANDBOX_ACCOUNT_ID) {
      const sandbox = await this.sandbox();
      return { account, client: sandbox.client, credentials: { ...SANDBOX_CREDENTIALS } };
    }
    // Checked before the secret is even read; the client checks each call again (checkTarget).
    const unbound = unboundOrigins(account.origins, this.configuredOrigins());
    if (unbound.length > 0) throw movedError(account, unbound);
    const credentials = await this.accounts.credentials(account);
    if (!credentials) {
      throw new NotSignedInError(
        vscode.l10n.t('The password for the Inviosmart account "{0}" is not available on this computer. Sign in again.', account.label),
      );
    }
    return { account, client: this.gatewayClient(), credentials };
  }

  /**
   * Checks credentials with a balance call on the real gateway, before anything is saved. On the
   * webservice set it also asks the status address about SMS 1 (not the user's): any gateway answer
   * shows the address is there; a 404 or an HTML page is thrown, so Sign In can say so.
   */
  async verify(credentials: Credentials, options: CallOptions = {}): Promise<{ report: BalanceReport; origins: string[] }> {
    const client = this.gatewayClient();
    // The origins are fixed now: a setting changed during the check makes the check fail, never bind the new host.
    const origins = client.readers();
    const checked = { ...credentials };
    this.verifying.set(checked, origins);
    const report = await client.balance(checked, undefined, options);
    if (client.endpoints === 'webservice') {
      await client.status(checked, 1, options).catch((e: unknown) => {
        if (isMissingTwin(e)) throw e;
      });
    }
    return { report, origins };
  }

  /** The origins (and a proxy that can read the requests) that would receive a password with the settings as they are now. */
  configuredOrigins(): string[] {
    // An address that is not http(s) gets nothing: the client refuses it itself, saying what to fix.
    return new GatewayClient(clientOptions(this.settings(), this.proxy())).readers().filter((r) => /^https?:\/\//i.test(r));
  }

  /**
   * The last check before a password leaves: the address must be one its account was signed in against.
   * Credentials of no saved account (none of ours is at stake) pass.
   */
  private checkTarget(command: GatewayCommand, credentials: Credentials, readers: readonly string[]): void {
    const checking = this.verifying.get(credentials);
    if (checking) {
      const unbound = unboundOrigins(checking, readers);
      if (unbound.length > 0) throw targetRefused(command, movedText(credentials.username, checking, unbound));
      return;
    }
    const account = this.accounts.list().find((a) => !a.sandbox && a.username === credentials.username);
    if (!account) return;
    const unbound = unboundOrigins(account.origins, readers);
    if (unbound.length > 0) throw targetRefused(command, movedError(account, unbound).message);
  }

  /** The client for real accounts, built on first use from the current settings. */
  gatewayClient(): GatewayClient {
    if (this.isDisposed) throw new Error('GatewaySessions is disposed');
    this.gateway ??= new GatewayClient({
      ...clientOptions(this.settings(), this.proxy()),
      onCall: (event) => this.deps.log?.(event, 'gateway'),
      checkTarget: (command, _url, credentials, readers) => this.checkTarget(command, credentials, readers),
    });
    return this.gateway;
  }

  /** The in-process sandbox, started if needed: tests read its messages (the shipped sandbox has no fault injection). */
  async sandboxGateway(): Promise<SandboxGateway> {
    return (await this.sandbox()).server;
  }

  /** Re-reads the settings into the shared client; calls in flight finish with the old ones. */
  applySettings(): void {
    const settings = this.settings();
    this.gateway?.updateOptions(clientOptions(settings, this.proxy()));
    void this.sandboxStart?.then((s) => s.client.updateOptions(wireOptions(settings)), () => undefined);
  }

  /** Like dispose, but resolves once the sandbox has stopped listening (deactivate and tests await it). */
  async shutdown(): Promise<void> {
    await this.stop();
  }

  override dispose(): void {
    void this.stop();
  }

  private stop(): Promise<void> {
    if (!this.isDisposed) {
      super.dispose();
      const gateway = this.gateway;
      this.gateway = undefined;
      const sandbox = this.sandboxStart;
      this.stopped = Promise.all([
        gateway?.close().catch(() => undefined),
        sandbox?.then((s) => s.close(), () => undefined),
      ]).then(() => undefined);
    }
    return this.stopped ?? Promise.resolve();
  }

  private sandbox(): Promise<RunningSandbox> {
    if (this.isDisposed) return Promise.reject(new Error('GatewaySessions is disposed'));
    // One sandbox per extension host, started on first use: most sessions never touch it.
    this.sandboxStart ??= this.startSandbox();
    return this.sandboxStart;
  }

  private async startSandbox(): Promise<RunningSandbox> {
    let server: SandboxGateway;
    try {
      // Provider-local times and both endpoint sets, like the real gateway, so a rehearsal here means something.
      server = await SandboxGateway.start({ port: 0, timeScale: this.deps.sandbox?.timeScale ?? 1, timeZone: this.settings().gatewayTimeZone ?? 'UTC' });
    } catch (e) {
      // Let a later call try again rather than caching the failure for the whole session.
      this.sandboxStart = undefined;
      throw e;
    }
    const client = new GatewayClient({ ...wireOptions(this.settings()), baseUrl: server.url, onCall: (event) => this.deps.log?.(event, 'sandbox') });
    let closed: Promise<void> | undefined;
    return {
      server,
      client,
      close: () => {
        closed ??= Promise.all([client.close().catch(() => undefined), server.close()]).then(() => undefined);
        return closed;
      },
    };
  }
}

function movedText(label: string, bound: readonly string[], unbound: readonly string[]): string {
  return vscode.l10n.t(
    'Your Inviosmart password was not sent: the gateway address in your settings changed since you signed in to "{0}". The account was checked against {1}; the settings now send to {2}. If you made this change, run "Inviosmart: Sign In" again for this account, which checks the new address. If you did not, another program or extension changed inviosmart.gateway or http.proxy in your user settings: undo that change.',
    label,
    bound.join(', '),
    unbound.join(', '),
  );
}

function movedError(account: Account, unbound: readonly string[]): GatewayMovedError {
  return new GatewayMovedError(movedText(account.label, account.origins ?? DOCUMENTED_ORIGINS, unbound), account.id, unbound);
}

/** Refused before anything left this machine: a settings problem, not an outcome to retry. */
function targetRefused(command: GatewayCommand, explanation: string): GatewayError {
  return new GatewayError({
    kind: 'config', command, retryable: false, outcomeUnknown: false, explanation,
    gatewayText: 'not sent: the gateway address is not the one the account was signed in against',
  });
}
