// The balance service and its status-bar item, inside the real extension host, against a real
// SandboxGateway on 127.0.0.1. Storage edges are in memory; the item is a real StatusBarItem.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Settings } from '../../src/config';
import { AccountStore } from '../../src/credentials/accountService';
import { GatewaySessions } from '../../src/credentials/sessions';
import { SANDBOX_ACCOUNT_ID } from '../../src/credentials/types';
import { CommandIds } from '../../src/common/commandIds';
import { FaultySandbox } from '../../src/sandbox/faults';
import { BalanceService, balanceLevel } from '../../src/balance/balanceService';
import { BalanceStatusBar, balanceText } from '../../src/views/balanceStatusBar';
import { MemoryMemento, MemorySecretStorage, testSettings, waitFor } from './accountDoubles';
import { LEAK_CANARY } from '../shared/canary';

const PASSWORD = LEAK_CANARY;

function backgroundOf(item: vscode.StatusBarItem): string | undefined {
  return (item.backgroundColor as unknown as { id?: string } | undefined)?.id;
}

function tooltipOf(item: vscode.StatusBarItem): string {
  const tooltip = item.tooltip;
  return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
}

suite('Balance status bar', () => {
  let gateway: FaultySandbox;
  let accounts: AccountStore;
  let sessions: GatewaySessions;
  let balance: BalanceService;
  let bar: BalanceStatusBar;
  let settings: Partial<Settings>;
  let reread: vscode.EventEmitter<void>;

  setup(async () => {
    gateway = await FaultySandbox.start({ accounts: [{ username: 'alice', password: PASSWORD, balance: 12.34 }] });
    settings = { baseUrl: gateway.url, balanceCountryPrefix: '39', balanceWarningBelow: 5, balanceErrorBelow: 1, balanceRefreshMinutes: 0 };
    reread = new vscode.EventEmitter<void>();
    accounts = new AccountStore(new MemorySecretStorage(), new MemoryMemento(), {
      setContext: async () => undefined,
      onShouldReread: reread.event,
    });
    const current = () => testSettings(settings);
    sessions = new GatewaySessions(accounts, { settings: current, sandbox: { timeScale: 50 } });
    await accounts.save({ username: 'alice', password: PASSWORD, label: 'Shop' }, { origins: [new URL(gateway.url).origin] });
    await accounts.ready();
    balance = new BalanceService(accounts, sessions, { settings: current });
    // A second item next to the extension's own one: its own id, and no second click command.
    bar = new BalanceStatusBar(balance, { id: 'inviosmart.balance.test', registerCommand: false });
  });

  teardown(async () => {
    bar.dispose();
    balance.dispose();
    await sessions.shutdown();
    accounts.dispose();
    reread.dispose();
    await gateway.close();
  });

  test('shows the balance and the SMS count for the country prefix', async () => {
    const state = await balance.refresh();
    assert.equal(state.kind, 'ok');
    const count = state.kind === 'ok' ? state.report.smsRemainCount : undefined;
    assert.ok(typeof count === 'number' && count > 0);
    assert.equal(bar.item.text, `$(credit-card) €12.34 · ${count} SMS`);
    assert.equal(backgroundOf(bar.item), undefined);
    assert.equal(bar.item.name, 'Inviosmart Balance');
    assert.equal(bar.item.command, CommandIds.balanceActions);
    const tooltip = tooltipOf(bar.item);
    assert.match(tooltip, /Shop/);
    assert.match(tooltip, /alice/);
    assert.ok(!tooltip.includes(PASSWORD));
  });

  test('without a country prefix only the amount is shown', async () => {
    settings.balanceCountryPrefix = '';
    await balance.refresh();
    assert.equal(bar.item.text, '$(credit-card) €12.34');
    assert.equal(gateway.requests.at(-1)?.query.countryprefix, undefined);
  });

  test('warning and error colours follow the thresholds', async () => {
    gateway.account('alice')!.balance = 3;
    await balance.refresh();
    assert.match(bar.item.text, /^\$\(credit-card\) €3\.00 · \d+ SMS$/);
    assert.equal(backgroundOf(bar.item), 'statusBarItem.warningBackground');

    gateway.account('alice')!.balance = 0.5;
    await balance.refresh();
    assert.match(bar.item.text, /^\$\(credit-card\) €0\.50/);
    assert.equal(backgroundOf(bar.item), 'statusBarItem.errorBackground');

    gateway.account('alice')!.balance = 5;
    await balance.refresh();
    assert.equal(backgroundOf(bar.item), undefined, 'exactly the warning threshold is not below it');
  });

  test('a failed check stays visible with the reason in the tooltip', async () => {
    await balance.refresh();
    gateway.injectFault({ fault: { kind: 'error1031' }, command: 'balance' });
    const state = await balance.refresh();
    assert.equal(state.kind, 'failed');
    assert.equal(bar.item.text, '$(warning) Balance unavailable');
    assert.equal(backgroundOf(bar.item), undefined);
    const tooltip = tooltipOf(bar.item);
    assert.match(tooltip, /temporarily unavailable/i);
    assert.match(tooltip, /1031/);
    assert.match(tooltip, /Shop/);
    assert.ok(!tooltip.includes(PASSWORD));
    assert.equal(bar.item.command, CommandIds.balanceActions);
  });

  test('an HTML page instead of an answer is a failure too', async () => {
    gateway.injectFault({ fault: { kind: 'html' }, command: 'balance' });
    const state = await balance.refresh();
    assert.ok(state.kind === 'failed');
    assert.equal(state.failure.kind, 'malformed');
    assert.equal(bar.item.text, '$(warning) Balance unavailable');
    const tooltip = tooltipOf(bar.item);
    assert.match(tooltip, /HTML page came back/);
    assert.match(tooltip, /html/i, 'the gateway text is shown');
    assert.ok(!/(^|[^\\])</.test(tooltip), 'gateway HTML is escaped, never rendered');
  });

  test('the Sandbox is marked as such', async () => {
    await accounts.setActive(SANDBOX_ACCOUNT_ID);
    const state = await balance.refresh();
    assert.equal(state.kind, 'ok');
    assert.match(bar.item.text, /^\$\(beaker\) Sandbox €25\.00 · \d+ SMS$/);
    assert.match(tooltipOf(bar.item), /not delivered and nothing is charged/);
  });

  test('shows a spinner with the last amount while refreshing', async () => {
    await balance.refresh();
    gateway.injectFault({ fault: { kind: 'latency', ms: 400 }, command: 'balance', times: 1 });
    gateway.account('alice')!.balance = 20;
    const pending = balance.refresh();
    await waitFor(() => balance.state.kind === 'refreshing', 2000, 'refreshing state');
    assert.match(bar.item.text, /^\$\(sync~spin\) €12\.34/);
    await pending;
    assert.match(bar.item.text, /^\$\(credit-card\) €20\.00/);
  });

  test('refreshing with nothing known yet shows a spinner alone', async () => {
    gateway.injectFault({ fault: { kind: 'latency', ms: 300 }, command: 'balance', times: 1 });
    const pending = balance.refresh();
    assert.equal(balance.state.kind, 'refreshing');
    assert.equal(bar.item.text, '$(sync~spin) Balance…');
    await pending;
  });

  test('signed out links to Sign In', async () => {
    await accounts.setActive(undefined);
    await balance.refresh();
    assert.equal(bar.item.text, '$(account) Inviosmart: Sign In');
    assert.equal(bar.item.command, CommandIds.signIn);
  });

  test('an account change refreshes on its own', async () => {
    await balance.refresh();
    const before = gateway.requestCount('balance');
    await accounts.setActive(SANDBOX_ACCOUNT_ID);
    await waitFor(() => balance.state.kind === 'ok' && balance.state.account.sandbox, 5000, 'sandbox balance');
    assert.equal(gateway.requestCount('balance'), before, 'the sandbox balance comes from the in-process sandbox');
    assert.match(bar.item.text, /Sandbox/);
  });

  test('a newer refresh supersedes an older one and both callers get the newest state', async () => {
    gateway.injectFault({ fault: { kind: 'latency', ms: 300 }, command: 'balance', times: 1 });
    const older = balance.refresh();
    gateway.account('alice')!.balance = 7;
    const newer = balance.refresh();
    const [a, b] = await Promise.all([older, newer]);
    assert.equal(a, b);
    assert.ok(a.kind === 'ok' && a.report.balance === 7);
    assert.match(bar.item.text, /€7\.00/);
  });

  test('refreshes every balanceRefreshMinutes, and never when it is 0', async () => {
    settings.balanceRefreshMinutes = 0.002; // 120 ms, on the real timer
    balance.schedule();
    await waitFor(() => gateway.requestCount('balance') >= 2, 5000, 'two timed refreshes');

    // The same service on a clock the test drives: what is armed, and what a tick does.
    const armed: Array<{ ms: number; tick: () => void; live: boolean }> = [];
    const every = (ms: number, tick: () => void) => {
      const t = { ms, tick, live: true };
      armed.push(t);
      return { dispose: () => void (t.live = false) };
    };
    settings.balanceRefreshMinutes = 0;
    balance.schedule();
    const driven = new BalanceService(accounts, sessions, { settings: () => testSettings(settings), every });
    try {
      settings.balanceRefreshMinutes = 2;
      driven.schedule();
      assert.deepEqual(armed.map((t) => [t.ms, t.live]), [[120_000, true]]);
      assert.equal(driven.state.kind, 'refreshing', 'nothing checked before the first tick');
      armed[0].tick();
      await waitFor(() => driven.state.kind === 'ok', 5000, 'the ticked refresh');
      settings.balanceRefreshMinutes = 0;
      driven.schedule();
      assert.deepEqual(armed.map((t) => t.live), [false], 'at 0 the timer is stopped and no other armed');
    } finally {
      driven.dispose();
    }
    assert.ok(armed.every((t) => !t.live));
  });

  test('a click offers the balance and account actions', async () => {
    await balance.refresh();
    let offered: string[] = [];
    const clickable = new BalanceStatusBar(balance, {
      id: 'inviosmart.balance.test2',
      registerCommand: false,
      pick: async (items) => {
        offered = items.map((i) => i.command);
        return undefined;
      },
    });
    try {
      assert.equal(await clickable.showActions(), undefined);
      assert.deepEqual(offered, [CommandIds.refreshBalance, CommandIds.openPanel, CommandIds.switchAccount, CommandIds.sendSms]);
    } finally {
      clickable.dispose();
    }
  });

  test('levels and amounts are computed as documented', () => {
    const t = { balanceWarningBelow: 5, balanceErrorBelow: 1 };
    assert.equal(balanceLevel(5, t), 'ok');
    assert.equal(balanceLevel(4.99, t), 'warning');
    assert.equal(balanceLevel(1, t), 'warning');
    assert.equal(balanceLevel(0.99, t), 'error');
    assert.equal(balanceLevel(-2, t), 'error');
    // the display language of the test host is English
    assert.equal(balanceText(112.24), '€112.24');
    assert.equal(balanceText(1234.5), '€1,234.50');
    assert.equal(balanceText(0), '€0.00');
    assert.equal(balanceText(-0.5), '-€0.50');
  });
});
