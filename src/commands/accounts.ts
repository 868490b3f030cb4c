import * as vscode from 'vscode';
import { explain, windowNotify } from './errors';
import { CommandIds } from '../common/commandIds';
import { readStored, StorageKeys, writeStored } from '../common/storageKeys';
import { GatewayError, isMissingTwin } from '../gateway/errors';
import { isCleartextUrl } from '../gateway/endpoints';
import type { BalanceReport, Credentials } from '../gateway/types';
import type { BalanceService } from '../balance/balanceService';
import { balanceText } from '../views/balanceStatusBar';
import type { AccountStore } from '../credentials/accountService';
import type { GatewaySessions } from '../credentials/sessions';
import type { Account } from '../credentials/types';

/** One choice in an account quick pick. */
export interface AccountPickItem extends vscode.QuickPickItem {
  /** The account it stands for; undefined for "Sign in to another account…" and separators. */
  accountId?: string;
  signIn?: boolean;
}

export type MessageKind = 'info' | 'warning' | 'error';

/** Everything the account commands ask or tell the user. Tests replace it with scripted answers. */
export interface AccountPrompts {
  /** Resolves undefined when the user cancels. */
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  pick(items: AccountPickItem[], options: vscode.QuickPickOptions): Thenable<AccountPickItem | undefined>;
  /** A modal question; true when `action` was chosen. */
  confirm(message: string, detail: string, action: string): Thenable<boolean>;
  /** A notification; resolves with the chosen action, if any. */
  message(kind: MessageKind, text: string, ...actions: string[]): Thenable<string | undefined>;
}

/** The prompts as VS Code shows them. */
export const windowPrompts: AccountPrompts = {
  input: (options) => vscode.window.showInputBox(options),
  pick: (items, options) => vscode.window.showQuickPick(items, options),
  confirm: async (message, detail, action) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action,
  message: (kind, text, ...actions) => windowNotify(kind, text, ...actions),
};

/** What a finished sign-in attempt came to (tests assert on it; the commands ignore it). */
export type SignInOutcome =
  | { kind: 'signedIn'; account: Account; report: BalanceReport }
  | { kind: 'cancelled' }
  | { kind: 'rejected'; error: GatewayError | Error };

export interface SignInDraft {
  username?: string;
  label?: string;
}




/** The Sign In, Sign Out, Switch Account and Refresh Balance jobs. */
export class AccountCommands {
  constructor(
    private readonly accounts: AccountStore,
    private readonly sessions: GatewaySessions,
    private readonly balance: BalanceService | undefined,
    private readonly prompts: AccountPrompts = windowPrompts,
    private readonly state?: vscode.Memento,
  ) {}

  /**
   * Asks for username, password and an optional name, checks them with a balance call, and only
   * then saves them (password in SecretStorage, the rest in globalState) and makes the account active.
   */
  async signIn(draft: SignInDraft = {}): Promise<SignInOutcome> {
    const title = vscode.l10n.t('Inviosmart: Sign In');
    const username = (
      await this.prompts.input({
        title: `${title} (1/3)`,
        prompt: vscode.l10n.t('The username of your Inviosmart account'),
        placeHolder: vscode.l10n.t('Username'),
        value: draft.username ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Enter the username.')),
      })
    )?.trim();
    if (!username) return { kind: 'cancelled' };
    const password = await this.prompts.input({
      title: `${title} (2/3)`,
      prompt: vscode.l10n.t('The password for {0}. It is kept in VS Code\'s secret storage, never in settings.', username),
      placeHolder: vscode.l10n.t('Password'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v ? undefined : vscode.l10n.t('Enter the password.')),
    });
    if (!password) return { kind: 'cancelled' };
    const label = await this.prompts.input({
      title: `${title} (3/3)`,
      prompt: vscode.l10n.t('A name for this account (optional). Press Enter to use the username.'),
      placeHolder: username,
      value: draft.label ?? '',
      ignoreFocusOut: true,
    });
    if (label === undefined) return { kind: 'cancelled' };

    const credentials: Credentials = { username, password };
    if (!(await this.acceptCleartext())) return { kind: 'cancelled' };
    let report: BalanceReport;
    let origins: string[];
    try {
      ({ report, origins } = await this.verify(credentials));
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (isMissingTwin(e) && this.sessions.gatewayClient().endpoints === 'webservice') {
        // Never a silent switch to http: the user chooses, knowing the password would then travel in cleartext.
        const useHttp = vscode.l10n.t('Use the http Addresses');
        const action = await this.prompts.message('warning', missingTwinText(e), useHttp);
        if (action !== useHttp) return { kind: 'rejected', error };
        await vscode.workspace.getConfiguration('inviosmart').update('gateway.endpoints', 'httpapi', vscode.ConfigurationTarget.Global);
        this.sessions.applySettings();
        await this.rememberCleartext();
        return this.signIn({ username, label });
      }
      const again = vscode.l10n.t('Try Again');
      const action = await this.prompts.message('error', signInFailureText(username, e), again);
      if (action === again) return this.signIn({ username, label });
      return { kind: 'rejected', error };
    }

    // The password will go only where it was just checked.
    const account = await this.accounts.save({ username, password, label }, { activate: true, origins });
    void this.prompts.message('info', vscode.l10n.t('Signed in to Inviosmart as {0}. Balance: {1}.', account.label, balanceText(report.balance)));
    return { kind: 'signedIn', account, report };
  }

  /**
   * Before a password goes to a plain-http address off this machine, says so once (per set of
   * addresses) and lets the user stop. True to go on.
   */
  private async acceptCleartext(): Promise<boolean> {
    const urls = this.cleartextUrls();
    if (urls.length === 0) return true;
    const accepted = this.state ? readStored(this.state, StorageKeys.cleartextAccepted, []) : [];
    if (urls.every((u) => accepted.includes(u))) return true;
    const go = vscode.l10n.t('Continue over http');
    const ok = await this.prompts.confirm(
      vscode.l10n.t('Your Inviosmart password would travel unencrypted'),
      vscode.l10n.t('The gateway addresses in use are plain http: {0}. Your user name and password go with every send, status check and balance refresh, readable by anyone on the network path and by any proxy. To encrypt them, set inviosmart.gateway.endpoints to webservice (HTTPS).', urls.join(', ')),
      go,
    );
    if (ok) await this.rememberCleartext();
    return ok;
  }

  private cleartextUrls(): string[] {
    const urls = this.sessions.gatewayClient().urls();
    const origin = (u: string): string => {
      try {
        return new URL(u).origin;
      } catch {
        return u;
      }
    };
    return [...new Set(Object.values(urls).filter(isCleartextUrl).map(origin))];
  }

  private async rememberCleartext(): Promise<void> {
    if (!this.state) return;
    const accepted = readStored(this.state, StorageKeys.cleartextAccepted, []);
    await writeStored(this.state, StorageKeys.cleartextAccepted, [...new Set([...accepted, ...this.cleartextUrls()])]);
  }

  /** Removes an account's password and metadata after a confirmation. */
  async signOut(accountId?: string): Promise<Account | undefined> {
    const real = this.accounts.list().filter((a) => !a.sandbox);
    if (real.length === 0) {
      void this.prompts.message('info', vscode.l10n.t('No Inviosmart account is signed in on this computer. The Sandbox needs no sign-in.'));
      return undefined;
    }
    let account = accountId ? real.find((a) => a.id === accountId) : real.length === 1 ? real[0] : undefined;
    if (!account) {
      const active = this.accounts.active();
      const picked = await this.prompts.pick(
        real.map((a) => accountItem(a, a.id === active?.id)),
        { title: vscode.l10n.t('Inviosmart: Sign Out'), placeHolder: vscode.l10n.t('Which account do you want to sign out of?') },
      );
      account = real.find((a) => a.id === picked?.accountId);
      if (!account) return undefined;
    }
    const signOut = vscode.l10n.t('Sign Out');
    const confirmed = await this.prompts.confirm(
      vscode.l10n.t('Sign out of the Inviosmart account "{0}"?', account.label),
      vscode.l10n.t('Its password will be removed from this computer. Your message history stays.'),
      signOut,
    );
    if (!confirmed) return undefined;
    try {
      await this.accounts.remove(account.id);
    } catch {
      void this.prompts.message(
        'warning',
        vscode.l10n.t('Signed out of {0}, but VS Code could not delete the stored password. It is no longer used.', account.label),
      );
      return account;
    }
    void this.prompts.message('info', vscode.l10n.t('Signed out of {0}.', account.label));
    return account;
  }

  /** Chooses the active account among the saved ones and the Sandbox, or starts a new sign-in. */
  async switchAccount(): Promise<Account | undefined> {
    const active = this.accounts.active();
    const items: AccountPickItem[] = this.accounts.list().map((a) => accountItem(a, a.id === active?.id));
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: `$(add) ${vscode.l10n.t('Sign in to another account…')}`, signIn: true },
    );
    const picked = await this.prompts.pick(items, {
      title: vscode.l10n.t('Inviosmart: Switch Account'),
      placeHolder: active ? vscode.l10n.t('Active: {0}', active.label) : vscode.l10n.t('No account is active'),
    });
    if (!picked) return undefined;
    if (picked.signIn) {
      const outcome = await this.signIn();
      return outcome.kind === 'signedIn' ? outcome.account : undefined;
    }
    const account = this.accounts.list().find((a) => a.id === picked.accountId);
    if (!account) return undefined;
    if (account.id !== active?.id) await this.accounts.setActive(account.id);
    if (!account.sandbox && !(await this.accounts.credentials(account))) {
      const again = vscode.l10n.t('Sign In Again');
      const action = await this.prompts.message(
        'warning',
        vscode.l10n.t('The password for {0} is not available on this computer (the system keyring may have been reset).', account.label),
        again,
      );
      if (action === again) await this.signIn({ username: account.username, label: account.label });
    }
    return account;
  }

  /** Checks the balance now and explains a failure; the status bar shows the result either way. */
  async refreshBalance(): Promise<void> {
    if (!this.balance) return;
    const state = await this.balance.refresh();
    if (state.kind === 'failed') {
      const f = state.failure;
      const text = f.gatewayText && f.gatewayText !== f.explanation
        ? vscode.l10n.t('The Inviosmart balance could not be checked: {0} (gateway said: {1})', explain(f), f.gatewayText)
        : vscode.l10n.t('The Inviosmart balance could not be checked: {0}', explain(f));
      const showLog = vscode.l10n.t('Show Log');
      if ((await this.prompts.message('warning', text, showLog)) === showLog) {
        await vscode.commands.executeCommand(CommandIds.showLog).then(undefined, () => undefined);
      }
    } else if (state.kind === 'signedOut') {
      const signIn = vscode.l10n.t('Sign In');
      const text = state.reason ?? vscode.l10n.t('Sign in to Inviosmart to see the balance.');
      if ((await this.prompts.message('info', text, signIn)) === signIn) await this.signIn();
    }
  }

  private verify(credentials: Credentials): Thenable<{ report: BalanceReport; origins: string[] }> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking the Inviosmart account {0}…', credentials.username), cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        const listener = token.onCancellationRequested(() => abort.abort());
        return this.sessions.verify(credentials, { signal: abort.signal }).finally(() => listener.dispose());
      },
    );
  }
}

function accountItem(account: Account, active: boolean): AccountPickItem {
  const icon = active ? '$(check)' : account.sandbox ? '$(beaker)' : '$(account)';
  const notes: string[] = [];
  if (active) notes.push(vscode.l10n.t('active'));
  if (account.sandbox) notes.push(vscode.l10n.t('built in: no real SMS, no cost'));
  else if (account.username !== account.label) notes.push(account.username);
  return {
    label: `${icon} ${account.sandbox ? vscode.l10n.t('Sandbox') : account.label}`,
    description: notes.join(' · ') || undefined,
    accountId: account.id,
  };
}

/** The HTTPS status/balance twin did not answer like the gateway: what happened and the choice, with the cleartext warning. */
export function missingTwinText(e: GatewayError): string {
  return vscode.l10n.t(
    'The HTTPS {1} address on www.inviosmart.it did not answer like the Inviosmart gateway ({0}). Nothing was saved. You can use the documented http addresses instead, but then your user name and password travel unencrypted with every send, status check and balance refresh.',
    e.kind === 'http' ? `HTTP ${e.code ?? ''}`.trim() : vscode.l10n.t('an HTML page'),
    e.command === 'status' ? vscode.l10n.t('status') : vscode.l10n.t('balance'),
  );
}

/** Why a sign-in was refused, in words that say what to do; never includes the password. */
export function signInFailureText(username: string, e: unknown): string {
  if (e instanceof GatewayError && (e.code === 1012 || e.code === 1014)) {
    return vscode.l10n.t(
      'Inviosmart did not accept the username and password for {0} (error {1}: authentication failure). Check both, they are case-sensitive, and try again. Nothing was saved.',
      username,
      e.code,
    );
  }
  if (e instanceof GatewayError) {
    return vscode.l10n.t('The account could not be checked: {0} (gateway said: {1}). Nothing was saved.', explain(e), e.gatewayText);
  }
  return vscode.l10n.t('The account could not be checked. Nothing was saved.');
}
