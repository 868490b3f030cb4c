import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import { escapeMarkdownLine } from '../common/markdown';
import { formatEuro } from '../common/money';
import { CommandIds } from '../common/commandIds';
import { explain } from '../common/wording';
import type { Account } from '../credentials/types';
import type { BalanceKnown, BalanceService, BalanceState } from '../balance/balanceService';

/** Internal command behind a click on the item (not contributed, so it stays out of the palette). */
export const BALANCE_STATUS_BAR_ID = 'inviosmart.balance';

const WARNING_BACKGROUND = 'statusBarItem.warningBackground';
const ERROR_BACKGROUND = 'statusBarItem.errorBackground';

/** Everything the item shows for one state; plain data so tests can compare it. */
export interface BalancePresentation {
  text: string;
  /** Markdown source of the tooltip. */
  tooltip: string;
  /** Theme colour id of the background, when the state calls for one. */
  background?: typeof WARNING_BACKGROUND | typeof ERROR_BACKGROUND;
  command: string;
  accessibilityLabel: string;
}

/** A balance in VS Code's display language, two decimals: `€12.34`, `-€0.50`, `12,34 €`. */
export function balanceText(amount: number): string {
  return formatEuro(amount, vscode.env.language, { precision: 'cents' });
}

/** Escapes text for a MarkdownString (account names and gateway texts are not ours to trust). */
const md = (text: string): string => escapeMarkdownLine(text);

function accountLine(account: Account): string {
  if (account.sandbox) return vscode.l10n.t('Account: **Sandbox** (built in: no real SMS, no cost)');
  const who = account.label === account.username ? md(account.label) : `${md(account.label)} (${md(account.username)})`;
  return vscode.l10n.t('Account: {0}', who);
}

function amountText(known: BalanceKnown): string {
  const count = known.report.smsRemainCount;
  const money = balanceText(known.report.balance);
  const withCount = known.countryPrefix && count !== undefined ? vscode.l10n.t('{0} · {1} SMS', money, count) : money;
  return known.account.sandbox ? vscode.l10n.t('Sandbox {0}', withCount) : withCount;
}

const SANDBOX_NOTE = (): string =>
  vscode.l10n.t('The Sandbox is a gateway running inside VS Code: messages are not delivered and nothing is charged. Its balance and messages last until the window is closed or reloaded.');

/** What the item should show for a balance state. */
export function presentBalance(state: BalanceState): BalancePresentation {
  const lines: string[] = [];
  switch (state.kind) {
    case 'signedOut': {
      const text = `$(account) ${vscode.l10n.t('Inviosmart: Sign In')}`;
      lines.push(`**${vscode.l10n.t('Inviosmart')}**`);
      lines.push(state.reason ? md(state.reason) : vscode.l10n.t('Sign in to see your balance and send SMS, or switch to the Sandbox to try things out.'));
      return { text, tooltip: lines.join('\n\n'), command: CommandIds.signIn, accessibilityLabel: vscode.l10n.t('Inviosmart: Sign In') };
    }
    case 'refreshing': {
      const shown = state.previous
        ? amountText(state.previous)
        : state.account.sandbox
          ? vscode.l10n.t('Sandbox')
          : vscode.l10n.t('Balance…');
      lines.push(`**${vscode.l10n.t('Inviosmart balance')}**`, vscode.l10n.t('Checking the balance…'), accountLine(state.account));
      if (state.account.sandbox) lines.push(SANDBOX_NOTE());
      const presentation: BalancePresentation = {
        text: `$(sync~spin) ${shown}`,
        tooltip: lines.join('\n\n'),
        command: CommandIds.balanceActions,
        accessibilityLabel: vscode.l10n.t('Inviosmart balance: checking'),
      };
      // Keep the last colour while checking, so the bar does not flash.
      const background = state.previous ? backgroundFor(state.previous) : undefined;
      if (background) presentation.background = background;
      return presentation;
    }
    case 'ok': {
      const icon = state.account.sandbox ? '$(beaker)' : '$(credit-card)';
      const count = state.report.smsRemainCount;
      lines.push(`**${vscode.l10n.t('Inviosmart balance')}**: ${md(balanceText(state.report.balance))}`);
      if (state.countryPrefix && count !== undefined) {
        lines.push(vscode.l10n.t('About {0} SMS to +{1} at the current price', count, state.countryPrefix));
      }
      const lowCost = state.report.lcSmsRemainCount;
      if (state.lowCost && state.countryPrefix && lowCost !== undefined) {
        lines.push(vscode.l10n.t('About {0} SMS to +{1} on the low-cost route', lowCost, state.countryPrefix));
      }
      if (state.cleartext) {
        lines.push(vscode.l10n.t('$(unlock) Your user name and password reach the gateway unencrypted (plain http) for: {0}. Choose the HTTPS endpoint set (inviosmart.gateway.endpoints: webservice) to encrypt them.', state.cleartext.join(', ')));
      }
      if (state.level === 'error') lines.push(vscode.l10n.t('$(error) The balance is very low: top up the account to keep sending.'));
      else if (state.level === 'warning') lines.push(vscode.l10n.t('$(warning) The balance is getting low.'));
      lines.push(accountLine(state.account), vscode.l10n.t('Checked at {0}', state.at.toLocaleTimeString()));
      if (state.account.sandbox) lines.push(SANDBOX_NOTE());
      lines.push(vscode.l10n.t('Click for balance and account actions.'));
      const presentation: BalancePresentation = {
        text: `${icon} ${amountText(state)}`,
        tooltip: lines.join('\n\n'),
        command: CommandIds.balanceActions,
        accessibilityLabel: vscode.l10n.t('Inviosmart balance: {0}', balanceText(state.report.balance)),
      };
      const background = backgroundFor(state);
      if (background) presentation.background = background;
      return presentation;
    }
    case 'failed': {
      const f = state.failure;
      lines.push(`**${vscode.l10n.t('The Inviosmart balance could not be checked')}**`, md(explain(f)));
      if (f.gatewayText && f.gatewayText !== f.explanation) lines.push(vscode.l10n.t('Gateway said: {0}', md(f.gatewayText)));
      lines.push(accountLine(state.account), vscode.l10n.t('Tried at {0}', state.at.toLocaleTimeString()));
      if (state.account.sandbox) lines.push(SANDBOX_NOTE());
      lines.push(vscode.l10n.t('Click for balance and account actions.'));
      return {
        text: `$(warning) ${vscode.l10n.t('Balance unavailable')}`,
        tooltip: lines.join('\n\n'),
        command: CommandIds.balanceActions,
        accessibilityLabel: vscode.l10n.t('Inviosmart balance unavailable'),
      };
    }
  }
}

function backgroundFor(known: BalanceKnown): BalancePresentation['background'] {
  if (known.level === 'error') return ERROR_BACKGROUND;
  if (known.level === 'warning') return WARNING_BACKGROUND;
  return undefined;
}

export interface ActionItem extends vscode.QuickPickItem {
  command: string;
}

export interface BalanceStatusBarOptions {
  /** Status-bar item id; tests that build a second item pass their own. */
  id?: string;
  /** Registers the click command; false when a test builds a second item. */
  registerCommand?: boolean;
  /** Shows the click menu; tests pass a scripted pick. */
  pick?: (items: ActionItem[], options: vscode.QuickPickOptions) => Thenable<ActionItem | undefined>;
}

/** The balance in the status bar. Always visible: signed out and failures have their own texts. */
export class BalanceStatusBar extends DisposableBase {
  private readonly statusBarItem: vscode.StatusBarItem;
  private shown: BalancePresentation;

  constructor(
    private readonly balance: BalanceService,
    private readonly options: BalanceStatusBarOptions = {},
  ) {
    super();
    this.statusBarItem = this._register(
      vscode.window.createStatusBarItem(options.id ?? BALANCE_STATUS_BAR_ID, vscode.StatusBarAlignment.Right, 100),
    );
    this.statusBarItem.name = vscode.l10n.t('Inviosmart Balance');
    this.shown = this.render(balance.state);
    this.statusBarItem.show();
    this._register(balance.onDidChangeState((state) => (this.shown = this.render(state))));
    if (options.registerCommand !== false) {
      this._register(vscode.commands.registerCommand(CommandIds.balanceActions, () => this.showActions()));
    }
  }

  /** The live item (tests read its text and background). */
  get item(): vscode.StatusBarItem {
    return this.statusBarItem;
  }

  /** What is shown now, as plain data. */
  get presentation(): BalancePresentation {
    return this.shown;
  }

  /** The click menu: the balance and account actions, each running its command. */
  async showActions(): Promise<string | undefined> {
    const state = this.balance.state;
    const items: ActionItem[] = [
      { label: `$(refresh) ${vscode.l10n.t('Refresh Balance')}`, command: CommandIds.refreshBalance },
      { label: `$(history) ${vscode.l10n.t('Open SMS History panel')}`, command: CommandIds.openPanel },
      {
        label: `$(account) ${vscode.l10n.t('Switch Account')}`,
        description: 'account' in state && state.account ? state.account.label : undefined,
        command: CommandIds.switchAccount,
      },
      { label: `$(comment) ${vscode.l10n.t('Send SMS')}`, command: CommandIds.sendSms },
    ];
    if (state.kind === 'failed') items.push({ label: `$(output) ${vscode.l10n.t('Show Log')}`, command: CommandIds.showLog });
    const pick = this.options.pick ?? ((list, opts) => vscode.window.showQuickPick(list, opts));
    const chosen = await pick(items, { title: vscode.l10n.t('Inviosmart'), placeHolder: presentBalance(state).text.replace(/\$\([^)]*\)\s*/g, '') });
    if (chosen) await vscode.commands.executeCommand(chosen.command);
    return chosen?.command;
  }

  private render(state: BalanceState): BalancePresentation {
    const p = presentBalance(state);
    const item = this.statusBarItem;
    item.text = p.text;
    const tooltip = new vscode.MarkdownString(p.tooltip, true);
    item.tooltip = tooltip;
    item.backgroundColor = p.background ? new vscode.ThemeColor(p.background) : undefined;
    item.command = p.command;
    item.accessibilityInformation = { label: p.accessibilityLabel };
    return p;
  }
}
