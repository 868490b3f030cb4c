import type * as vscode from 'vscode';
import type { Credentials } from '../gateway/types';

/** Account metadata (kept in globalState). The password lives only in SecretStorage under `secretKey(id)`. */
export interface Account {
  /** Stable id; 'sandbox' for the built-in sandbox account. */
  id: string;
  /** Name the user gave it (defaults to the username). */
  label: string;
  username: string;
  sandbox: boolean;
  /**
   * The gateway origins its password was checked against at sign-in; the password goes nowhere else.
   * Absent for accounts saved before origins were recorded: those are bound to the documented gateway.
   */
  origins?: readonly string[];
}

export const SANDBOX_ACCOUNT_ID = 'sandbox';

export interface AccountService extends vscode.Disposable {
  readonly onDidChange: vscode.Event<void>;
  /** All accounts, the sandbox one first. */
  list(): readonly Account[];
  /** The active account, or undefined when none is chosen (signed out). */
  active(): Account | undefined;
  setActive(id: string | undefined): Promise<void>;
  /** The credentials for an account; undefined when its secret is missing or unreadable (a normal state). */
  credentials(account: Account): Promise<Credentials | undefined>;
}

/** What a command needs to talk to the gateway for an account. */
export interface GatewaySession {
  account: Account;
  client: import('../gateway/client').GatewayClient;
  credentials: Credentials;
}

/** Resolves accounts to ready-to-use gateway sessions (starting the in-process sandbox when needed). */
export interface SessionProvider {
  /** The active account's session; rejects with NotSignedInError when there is none or its secret is missing. */
  forActive(): Promise<GatewaySession>;
  forAccount(accountId: string): Promise<GatewaySession>;
}

export class NotSignedInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotSignedInError';
  }
}

/** The gateway address in the settings is not one the account was checked against: its password stays here. */
export class GatewayMovedError extends NotSignedInError {
  constructor(
    message: string,
    readonly accountId: string,
    /** The configured origins the account was not checked against. */
    readonly unbound: readonly string[],
  ) {
    super(message);
    this.name = 'GatewayMovedError';
  }
}
