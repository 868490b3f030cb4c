import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import { readSettings, type Settings } from '../config';
import type { AccountStore } from '../credentials/accountService';
import { NotSignedInError, type Account, type SessionProvider } from '../credentials/types';
import { GatewayError } from '../gateway/errors';
import { isCleartextUrl } from '../gateway/endpoints';
import { redactText } from '../gateway/redact';
import type { BalanceReport, GatewayErrorKind } from '../gateway/types';
import type { BalanceBroadcast, SharedBalance } from './balanceBroadcast';

/** How worrying a balance is, by the user's thresholds. */
export type BalanceLevel = 'ok' | 'warning' | 'error';

export interface BalanceFailure {
  /** Plain-language reason with the fix (a GatewayError's explanation). */
  explanation: string;
  /** The gateway's (or transport's) own text, redacted. */
  gatewayText?: string;
  code?: number;
  kind?: GatewayErrorKind;
}

export interface BalanceKnown {
  kind: 'ok';
  account: Account;
  report: BalanceReport;
  level: BalanceLevel;
  /** The prefix the SMS count refers to; undefined when none was asked. */
  countryPrefix?: string;
  /** The low-cost route setting is on, so its count (when the gateway gives one) is shown. */
  lowCost?: boolean;
  /** Commands whose URL is plain http off this machine: the password crosses the network unencrypted. */
  cleartext?: Array<'send' | 'status' | 'balance'>;
  at: Date;
}

export type BalanceState =
  /** No active account, or its password is missing (`account` set then). */
  | { kind: 'signedOut'; account?: Account; reason?: string }
  /** A check is running; `previous` is the last known balance of the same account, if any. */
  | { kind: 'refreshing'; account: Account; previous?: BalanceKnown }
  | BalanceKnown
  | { kind: 'failed'; account: Account; failure: BalanceFailure; at: Date };

/** Below `errorBelow` is an error, below `warningBelow` a warning (both strictly less than). */
export function balanceLevel(balance: number, settings: Pick<Settings, 'balanceWarningBelow' | 'balanceErrorBelow'>): BalanceLevel {
  if (balance < settings.balanceErrorBelow) return 'error';
  if (balance < settings.balanceWarningBelow) return 'warning';
  return 'ok';
}

/** Any failure as data the status bar can show; never carries a password. */
export function toFailure(e: unknown): BalanceFailure {
  if (e instanceof GatewayError) {
    const failure: BalanceFailure = { explanation: e.explanation, gatewayText: e.gatewayText, kind: e.kind };
    if (e.code !== undefined) failure.code = e.code;
    return failure;
  }
  return { explanation: redactText(e instanceof Error ? e.message : String(e)) };
}

export interface BalanceServiceOptions {
  /** Defaults to the user's settings; tests pass their thresholds and refresh interval. */
  settings?: () => Settings;
  /** Shares each balance check with the other windows, and shows theirs. */
  shared?: Pick<BalanceBroadcast, 'publish' | 'onDidReceive'>;
  /** Runs `tick` every `ms` until the returned handle is disposed; tests pass a clock they drive. */
  every?: (ms: number, tick: () => void) => vscode.Disposable;
}

function everyWithTimer(ms: number, tick: () => void): vscode.Disposable {
  const timer = setInterval(tick, ms);
  return { dispose: () => clearInterval(timer) };
}

/**
 * Knows the active account's balance: checks it at start, on demand (after each send), on account
 * or settings changes, and every `balance.refreshMinutes` (0 = never).
 */
export class BalanceService extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<BalanceState>());
  readonly onDidChangeState = this.changed.event;

  private current: BalanceState;
  private generation = 0;
  private inFlight: { abort: AbortController; done: Promise<BalanceState> } | undefined;
  private timer: vscode.Disposable | undefined;
  private lastKnown: BalanceKnown | undefined;
  private readonly settings: () => Settings;
  private readonly shared: BalanceServiceOptions['shared'];
  private readonly every: NonNullable<BalanceServiceOptions['every']>;

  constructor(
    private readonly accounts: AccountStore,
    private readonly sessions: SessionProvider,
    options: BalanceServiceOptions = {},
  ) {
    super();
    this.settings = options.settings ?? readSettings;
    this.every = options.every ?? everyWithTimer;
    const active = accounts.active();
    this.current = active ? { kind: 'refreshing', account: active } : { kind: 'signedOut' };
    // Only a different active account (or its password appearing/vanishing) changes the balance shown.
    let watched = this.accountKey();
    this._register(
      accounts.onDidChange(() => {
        const key = this.accountKey();
        if (key === watched) return;
        watched = key;
        void this.refresh();
      }),
    );
    this._register({ dispose: () => this.stopTimer() });
    this.shared = options.shared;
    if (this.shared) this._register(this.shared.onDidReceive((b) => this.adopt(b)));
  }

  get state(): BalanceState {
    return this.current;
  }

  /** Starts the periodic refresh and the first check. */
  start(): Promise<BalanceState> {
    this.schedule();
    return this.refresh();
  }

  /**
   * Checks the balance now. A newer call supersedes an older one still running (its answer could
   * predate a send), and every caller gets the state the newest check ended in.
   */
  refresh(): Promise<BalanceState> {
    if (this.isDisposed) return Promise.resolve(this.current);
    this.inFlight?.abort.abort();
    const generation = ++this.generation;
    const abort = new AbortController();
    const done = this.check(generation, abort.signal).then((state) => {
      if (generation !== this.generation) return this.inFlight?.done ?? this.current;
      this.inFlight = undefined;
      return state;
    });
    this.inFlight = { abort, done };
    return done;
  }

  /** Its settings (or the gateway's) changed: check again, and restart the timer when the interval did. */
  settingsChanged(reschedule: boolean): void {
    if (reschedule) this.schedule();
    void this.refresh();
  }

  /** Re-reads `balance.refreshMinutes` and restarts the timer. */
  schedule(): void {
    this.stopTimer();
    const minutes = this.settings().balanceRefreshMinutes;
    if (!(minutes > 0) || this.isDisposed) return;
    this.timer = this.every(minutes * 60_000, () => void this.refresh());
  }

  override dispose(): void {
    this.inFlight?.abort.abort();
    super.dispose();
  }

  private accountKey(): string {
    return JSON.stringify([this.accounts.active() ?? null, this.accounts.snapshot.signedIn]);
  }

  private stopTimer(): void {
    this.timer?.dispose();
    this.timer = undefined;
  }

  private async check(generation: number, signal: AbortSignal): Promise<BalanceState> {
    const current = (): boolean => generation === this.generation && !this.isDisposed;
    const account = this.accounts.active();
    if (!account) return this.set({ kind: 'signedOut' }, current);
    const previous = this.lastKnown?.account.id === account.id ? this.lastKnown : undefined;
    this.set({ kind: 'refreshing', account, ...(previous ? { previous } : {}) }, current);
    const settings = this.settings();
    const countryPrefix = settings.balanceCountryPrefix || undefined;
    try {
      const session = await this.sessions.forAccount(account.id);
      const report = await session.client.balance(session.credentials, countryPrefix, { signal });
      const urls = session.client.urls();
      const cleartext = (['send', 'status', 'balance'] as const).filter((c) => isCleartextUrl(urls[c]));
      const known: BalanceKnown = {
        kind: 'ok',
        account,
        report,
        level: balanceLevel(report.balance, settings),
        ...(countryPrefix ? { countryPrefix } : {}),
        ...(settings.lowCostRoute ? { lowCost: true } : {}),
        ...(cleartext.length > 0 ? { cleartext } : {}),
        at: new Date(),
      };
      if (current()) {
        this.lastKnown = known;
        void this.shared?.publish({ account: account.id, report, countryPrefix, at: known.at.getTime() });
      }
      return this.set(known, current);
    } catch (e) {
      if (e instanceof NotSignedInError) return this.set({ kind: 'signedOut', account, reason: e.message }, current);
      return this.set({ kind: 'failed', account, failure: toFailure(e), at: new Date() }, current);
    }
  }

  /** Another window's check of the same account, newer than ours and for the same country: shown as ours. */
  private adopt(b: SharedBalance): void {
    const account = this.accounts.active();
    const settings = this.settings();
    if (this.isDisposed || this.inFlight || account?.id !== b.account) return;
    if ((settings.balanceCountryPrefix || undefined) !== b.countryPrefix) return;
    if (this.lastKnown?.account.id === account.id && this.lastKnown.at.getTime() >= b.at) return;
    const level = balanceLevel(b.report.balance, settings);
    const known: BalanceKnown = { kind: 'ok', account, report: b.report, level, ...(b.countryPrefix ? { countryPrefix: b.countryPrefix } : {}), at: new Date(b.at) };
    this.lastKnown = known;
    this.set(known, () => true);
  }

  /** Publishes a state unless a newer check has started since. */
  private set(state: BalanceState, current: () => boolean): BalanceState {
    if (!current()) return state;
    this.current = state;
    this.changed.fire(state);
    return state;
  }
}
