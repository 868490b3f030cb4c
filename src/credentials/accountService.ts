import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { DisposableBase } from '../common/lifecycle';
import { SECRET_KEY_PREFIX, StorageKeys } from '../common/storageKeys';
import type { Credentials } from '../gateway/types';
import { SANDBOX_ACCOUNT_ID, type Account, type AccountService } from './types';

/** The SecretStorage key of an account's password. */
export function secretKey(accountId: string): string {
  return `${SECRET_KEY_PREFIX}${accountId}.password`;
}

/** The sandbox's fixed login, accepted by the in-process SandboxGateway. */
export const SANDBOX_CREDENTIALS: Readonly<Credentials> = Object.freeze({ username: 'sandbox', password: 'sandbox' });

/** The built-in sandbox account: always present, needs no secret, sends no real SMS. */
export const SANDBOX_ACCOUNT: Readonly<Account> = Object.freeze({
  id: SANDBOX_ACCOUNT_ID,
  label: 'Sandbox',
  username: SANDBOX_CREDENTIALS.username,
  sandbox: true,
});

export interface AccountStoreOptions {
  /** Sets a VS Code context key; the default runs the `setContext` command. Tests with several stores pass a no-op. */
  setContext?: (key: string, value: unknown) => Thenable<unknown>;
  /**
   * Fires when this window may have missed another window's globalState write (globalState has no
   * change event). The default is the window gaining focus.
   */
  onShouldReread?: vscode.Event<unknown>;
}

/** What the rest of the extension can rely on about the active account at a glance. */
export interface AccountsSnapshot {
  active?: Account;
  /** True when the active account is the sandbox or its password could be read. */
  signedIn: boolean;
}

interface StoredAccount {
  id: string;
  label: string;
  username: string;
  /** The gateway origins the password was checked against (see Account.origins). */
  origins?: string[];
}

function isStoredAccount(v: unknown): v is StoredAccount {
  const a = v as Partial<StoredAccount> | null;
  return !!a && typeof a.id === 'string' && a.id !== SANDBOX_ACCOUNT_ID && typeof a.label === 'string' && typeof a.username === 'string';
}

/** The stored origins when they are a list of strings; anything else counts as none (the documented gateway). */
function storedOrigins(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((o) => typeof o === 'string') ? [...(v as string[])] : undefined;
}

/**
 * Accounts kept the way VS Code expects: names in globalState (shared by every window), passwords
 * only in SecretStorage under `secretKey(id)`. Nothing here throws for a missing or unreadable
 * secret: that is the ordinary "signed out" state on machines without a keyring.
 */
export class AccountStore extends DisposableBase implements AccountService {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  private current: AccountsSnapshot = { signedIn: false };
  private fingerprint: string | undefined;
  private rereading: Promise<void> | undefined;
  private readonly setContext: (key: string, value: unknown) => Thenable<unknown>;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    options: AccountStoreOptions = {},
  ) {
    super();
    this.setContext = options.setContext ?? ((key, value) => vscode.commands.executeCommand('setContext', key, value));
    this._register(
      secrets.onDidChange((e) => {
        if (e.key.startsWith(SECRET_KEY_PREFIX)) void this.reread();
      }),
    );
    const reread = options.onShouldReread ?? vscode.window.onDidChangeWindowState;
    this._register(
      reread((e) => {
        // Only a window that just gained focus needs to catch up; blur events carry { focused: false }.
        if ((e as { focused?: boolean } | undefined)?.focused !== false) void this.reread();
      }),
    );
  }

  /** The last computed view of the active account; `ready()` resolves once the first one is known. */
  get snapshot(): AccountsSnapshot {
    return this.current;
  }

  /** Computes the first snapshot and sets the context keys. Never rejects. */
  ready(): Promise<void> {
    return this.reread();
  }

  list(): readonly Account[] {
    const stored = this.stored().map((a): Account => ({ ...a, sandbox: false }));
    stored.sort((a, b) => a.label.localeCompare(b.label) || a.username.localeCompare(b.username));
    return [SANDBOX_ACCOUNT, ...stored];
  }

  active(): Account | undefined {
    const id = this.state.get<string | null>(StorageKeys.activeAccount);
    // First run: the sandbox works without any sign-in, so it is where a new user lands.
    if (id === undefined) return SANDBOX_ACCOUNT;
    if (id === null) return undefined;
    return this.find(id);
  }

  find(id: string): Account | undefined {
    return this.list().find((a) => a.id === id);
  }

  async setActive(id: string | undefined): Promise<void> {
    if (id !== undefined && !this.find(id)) throw new Error(vscode.l10n.t('There is no Inviosmart account with id {0}.', id));
    await this.state.update(StorageKeys.activeAccount, id ?? null);
    await this.reread(true);
  }

  async credentials(account: Account): Promise<Credentials | undefined> {
    if (account.sandbox) return { ...SANDBOX_CREDENTIALS };
    let password: string | undefined;
    try {
      password = await this.secrets.get(secretKey(account.id));
    } catch {
      // A keyring that cannot decrypt (new machine, reset keychain) is the same as no password.
      return undefined;
    }
    return password ? { username: account.username, password } : undefined;
  }

  /**
   * Saves an account (or updates the one with the same username) and returns it. The metadata is
   * written before the secret, so another window reacting to the secret's change event finds it all.
   * `origins`: the gateway origins the password was just checked against; left out, the account keeps its own.
   */
  async save(
    input: { username: string; password: string; label?: string },
    options: { activate?: boolean; origins?: readonly string[] } = {},
  ): Promise<Account> {
    const username = input.username.trim();
    const label = input.label?.trim() || username;
    const accounts = this.stored();
    const existing = accounts.find((a) => a.username === username);
    const origins = options.origins ? [...options.origins] : existing?.origins;
    const account: StoredAccount = { id: existing?.id ?? randomUUID(), label, username, ...(origins ? { origins } : {}) };
    const next = existing ? accounts.map((a) => (a.id === account.id ? account : a)) : [...accounts, account];
    await this.state.update(StorageKeys.accounts, next);
    if (options.activate !== false) await this.state.update(StorageKeys.activeAccount, account.id);
    await this.secrets.store(secretKey(account.id), input.password);
    await this.reread(true);
    return { ...account, sandbox: false };
  }

  /** Removes an account's password and metadata; removing the active one signs out. */
  async remove(id: string): Promise<void> {
    if (id === SANDBOX_ACCOUNT_ID) return;
    let secretError: unknown;
    try {
      await this.secrets.delete(secretKey(id));
    } catch (e) {
      // Still drop the metadata, then report: a half-removed account is worse than an error message.
      secretError = e;
    }
    await this.state.update(
      StorageKeys.accounts,
      this.stored().filter((a) => a.id !== id),
    );
    if (this.state.get<string | null>(StorageKeys.activeAccount) === id) await this.state.update(StorageKeys.activeAccount, null);
    await this.reread(true);
    if (secretError) throw secretError;
  }

  private stored(): StoredAccount[] {
    const raw = this.state.get<unknown>(StorageKeys.accounts);
    return Array.isArray(raw)
      ? raw.filter(isStoredAccount).map(({ id, label, username, origins }) => {
        const bound = storedOrigins(origins);
        return bound ? { id, label, username, origins: bound } : { id, label, username };
      })
      : [];
  }

  /** Re-reads globalState and the active secret; fires onDidChange when anything visible changed (or when forced). */
  private reread(force = false): Promise<void> {
    // One at a time, in order, so a slow secret read cannot overwrite a newer snapshot.
    const run = async (): Promise<void> => {
      try {
        await this.recompute(force);
      } catch {
        // A broken storage read must not stop later re-reads; the snapshot keeps its last value.
      }
    };
    const previous = this.rereading ?? Promise.resolve();
    const next = previous.then(run);
    this.rereading = next;
    return next;
  }

  private async recompute(force: boolean): Promise<void> {
    const active = this.active();
    const signedIn = !!active && (active.sandbox || (await this.credentials(active)) !== undefined);
    const snapshot: AccountsSnapshot = { active, signedIn };
    const fingerprint = JSON.stringify([this.list(), active?.id ?? null, signedIn]);
    // The first read only establishes the baseline: nothing has changed for listeners yet.
    const changed = this.fingerprint !== undefined && fingerprint !== this.fingerprint;
    this.current = snapshot;
    this.fingerprint = fingerprint;
    if (this.isDisposed) return;
    await Promise.all([
      this.setContext('inviosmart.signedIn', signedIn),
      this.setContext('inviosmart.sandbox', !!active?.sandbox),
      this.setContext('inviosmart.hasAccounts', this.list().length > 1),
    ]).catch(() => undefined);
    if (changed || force) this.changed.fire();
  }
}
