// Accounts, sign-in/out/switch and gateway sessions, inside the real extension host. The gateway is a
// real SandboxGateway on 127.0.0.1; only the storage edges (SecretStorage, Memento) and the prompts are doubles.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { StorageKeys } from '../../src/common/storageKeys';
import { AccountStore, SANDBOX_ACCOUNT, secretKey } from '../../src/credentials/accountService';
import { AccountCommands } from '../../src/commands/accounts';
import { GatewaySessions } from '../../src/credentials/sessions';
import { NotSignedInError, SANDBOX_ACCOUNT_ID } from '../../src/credentials/types';
import { GatewayError } from '../../src/gateway/errors';
import type { CallEvent } from '../../src/gateway/types';
import { FaultySandbox } from '../../src/sandbox/faults';
import type { InviosmartApi } from '../../src/extension';
import { MemoryMemento, MemorySecretStorage, ScriptedPrompts, nextEvent, testSettings, waitFor } from './accountDoubles';
import { LEAK_CANARY, LEAK_CANARY_2 } from '../shared/canary';
import { extensionApi, setUserSetting } from './helpers';

const PASSWORD = LEAK_CANARY;
const OTHER_PASSWORD = LEAK_CANARY_2;

suite('Accounts and sign-in', () => {
  let gateway: FaultySandbox;
  let secrets: MemorySecretStorage;
  let state: MemoryMemento;
  let contextKeys: Map<string, unknown>;
  let reread: vscode.EventEmitter<void>;
  let accounts: AccountStore;
  let sessions: GatewaySessions;
  let calls: Array<{ event: CallEvent; origin: string }>;
  let baseUrl: string;
  /** Saved as a sign-in against the test gateway would save it: bound to its origin. */
  const here = () => ({ origins: [new URL(baseUrl).origin] });

  function build(): void {
    contextKeys = new Map();
    reread = new vscode.EventEmitter<void>();
    accounts = new AccountStore(secrets, state, {
      setContext: async (key, value) => contextKeys.set(key, value),
      onShouldReread: reread.event,
    });
    calls = [];
    sessions = new GatewaySessions(accounts, {
      settings: () => testSettings({ baseUrl }),
      log: (event, origin) => calls.push({ event, origin }),
      sandbox: { timeScale: 50 },
    });
  }

  setup(async () => {
    gateway = await FaultySandbox.start({
      accounts: [
        { username: 'alice', password: PASSWORD, balance: 12.34 },
        { username: 'bob', password: OTHER_PASSWORD, balance: 40 },
      ],
    });
    baseUrl = gateway.url;
    secrets = new MemorySecretStorage();
    state = new MemoryMemento();
    build();
    await accounts.ready();
  });

  teardown(async () => {
    await sessions.shutdown();
    accounts.dispose();
    reread.dispose();
    await gateway.close();
  });

  test('first run: the Sandbox is active and counts as signed in', async () => {
    assert.equal(accounts.active()?.id, SANDBOX_ACCOUNT_ID);
    assert.deepEqual(accounts.list().map((a) => a.id), [SANDBOX_ACCOUNT_ID]);
    assert.equal(contextKeys.get('inviosmart.signedIn'), true);
    assert.equal(contextKeys.get('inviosmart.sandbox'), true);
    assert.equal(contextKeys.get('inviosmart.hasAccounts'), false);
    assert.deepEqual(await accounts.credentials(SANDBOX_ACCOUNT), { username: 'sandbox', password: 'sandbox' });
  });

  test('sign-in checks the credentials, then stores the password only in SecretStorage', async () => {
    const prompts = new ScriptedPrompts(['alice', PASSWORD, 'Shop']);
    const outcome = await new AccountCommands(accounts, sessions, undefined, prompts).signIn();

    assert.equal(outcome.kind, 'signedIn');
    assert.ok(outcome.kind === 'signedIn');
    assert.equal(outcome.report.balance, 12.34);
    assert.equal(gateway.requestCount('balance'), 1, 'one balance call checked the credentials');

    const [username, password, label] = prompts.inputsAsked;
    assert.equal(username.ignoreFocusOut, true);
    assert.equal(password.password, true, 'the password box is masked');
    assert.equal(password.ignoreFocusOut, true);
    assert.equal(label.password, undefined);

    const active = accounts.active();
    assert.equal(active?.label, 'Shop');
    assert.equal(active?.username, 'alice');
    assert.equal(active?.sandbox, false);
    assert.deepEqual([...secrets.dump()], [[secretKey(active!.id), PASSWORD]]);
    assert.ok(!state.json().includes(PASSWORD), 'the password is not in globalState');
    assert.ok(state.json().includes('Shop'));

    assert.equal(contextKeys.get('inviosmart.signedIn'), true);
    assert.equal(contextKeys.get('inviosmart.sandbox'), false);
    assert.equal(contextKeys.get('inviosmart.hasAccounts'), true);
    assert.match(prompts.messages.at(-1)!.text, /alice|Shop/);
    assert.match(prompts.messages.at(-1)!.text, /€12\.34/);
    assert.ok(calls.length > 0 && calls.every((c) => c.origin === 'gateway' && !c.event.url.includes(PASSWORD)));
    assert.ok(calls.some((c) => c.event.url.includes('password=***')));
  });

  test('an empty account name falls back to the username', async () => {
    const outcome = await new AccountCommands(accounts, sessions, undefined, new ScriptedPrompts(['alice', PASSWORD, ''])).signIn();
    assert.ok(outcome.kind === 'signedIn');
    assert.equal(outcome.account.label, 'alice');
  });

  test('a wrong password (1012) is explained and nothing is saved', async () => {
    const prompts = new ScriptedPrompts(['alice', 'wrong-password', '']);
    const outcome = await new AccountCommands(accounts, sessions, undefined, prompts).signIn();

    assert.equal(outcome.kind, 'rejected');
    assert.ok(outcome.kind === 'rejected' && outcome.error instanceof GatewayError && outcome.error.code === 1012);
    const shown = prompts.messages.at(-1)!;
    assert.equal(shown.kind, 'error');
    assert.match(shown.text, /did not accept the username and password/);
    assert.match(shown.text, /1012/);
    assert.match(shown.text, /Nothing was saved/);
    assert.ok(!shown.text.includes('wrong-password'));
    assert.deepEqual(shown.actions, ['Try Again']);

    assert.equal(secrets.dump().size, 0);
    assert.equal(state.get(StorageKeys.accounts), undefined);
    assert.equal(accounts.active()?.id, SANDBOX_ACCOUNT_ID, 'the active account is unchanged');
  });

  test('"Try Again" after a 1012 asks again with the username filled in', async () => {
    const prompts = new ScriptedPrompts(
      ['alice', 'typo', 'Shop', (o) => o.value, PASSWORD, (o) => o.value],
      [],
      [],
      ['Try Again'],
    );
    const outcome = await new AccountCommands(accounts, sessions, undefined, prompts).signIn();
    assert.ok(outcome.kind === 'signedIn');
    assert.equal(prompts.inputsAsked[3].value, 'alice');
    assert.equal(prompts.inputsAsked[5].value, 'Shop');
    assert.equal(outcome.account.label, 'Shop');
    assert.equal(secrets.dump().get(secretKey(outcome.account.id)), PASSWORD);
  });

  test('another gateway error is shown with its explanation and nothing is saved', async () => {
    gateway.injectFault({ fault: { kind: 'html' }, command: 'balance' });
    const prompts = new ScriptedPrompts(['alice', PASSWORD, '']);
    const outcome = await new AccountCommands(accounts, sessions, undefined, prompts).signIn();
    assert.equal(outcome.kind, 'rejected');
    const shown = prompts.messages.at(-1)!;
    assert.ok(outcome.kind === 'rejected' && outcome.error instanceof GatewayError);
    assert.ok(shown.text.includes(outcome.error.explanation), shown.text);
    assert.match(shown.text, /Nothing was saved/);
    assert.equal(secrets.dump().size, 0);
  });

  test('cancelling at the password step asks nothing of the gateway', async () => {
    const outcome = await new AccountCommands(accounts, sessions, undefined, new ScriptedPrompts(['alice', undefined])).signIn();
    assert.equal(outcome.kind, 'cancelled');
    assert.equal(gateway.requestCount(), 0);
    assert.equal(secrets.dump().size, 0);
  });

  test('signing in again with the same username updates that account instead of adding one', async () => {
    const first = await accounts.save({ username: 'alice', password: 'old', label: 'Old name' }, here());
    const outcome = await new AccountCommands(accounts, sessions, undefined, new ScriptedPrompts(['alice', PASSWORD, 'New name'])).signIn();
    assert.ok(outcome.kind === 'signedIn');
    assert.equal(outcome.account.id, first.id);
    assert.deepEqual(accounts.list().map((a) => a.label), ['Sandbox', 'New name']);
    assert.equal(secrets.dump().get(secretKey(first.id)), PASSWORD);
  });

  test('a missing secret is a normal signed-out state, not an error', async () => {
    const account = await accounts.save({ username: 'alice', password: PASSWORD }, here());
    assert.equal(accounts.snapshot.signedIn, true);

    const changed = nextEvent(accounts.onDidChange);
    await secrets.delete(secretKey(account.id)); // e.g. the keyring was reset, or another window signed out
    await changed;
    assert.equal(accounts.snapshot.signedIn, false);
    assert.equal(contextKeys.get('inviosmart.signedIn'), false);
    assert.equal(await accounts.credentials(account), undefined);
    await assert.rejects(sessions.forActive(), (e: unknown) => e instanceof NotSignedInError && /not available/.test(e.message));
  });

  test('an undecryptable secret reads as missing and nothing throws at start', async () => {
    await accounts.save({ username: 'alice', password: PASSWORD }, here());
    secrets.failReads = true;
    accounts.dispose();
    build();
    await accounts.ready();
    assert.equal(accounts.active()?.username, 'alice');
    assert.equal(accounts.snapshot.signedIn, false);
    assert.equal(contextKeys.get('inviosmart.signedIn'), false);
    assert.equal(await accounts.credentials(accounts.active()!), undefined);
  });

  test('sign-out asks which account and for confirmation, then removes secret and metadata', async () => {
    const alice = await accounts.save({ username: 'alice', password: PASSWORD }, here());
    const bob = await accounts.save({ username: 'bob', password: OTHER_PASSWORD }, here());
    assert.equal(accounts.active()?.id, bob.id);

    const declined = new ScriptedPrompts([], [(items) => items.find((i) => i.accountId === bob.id)], [false]);
    assert.equal(await new AccountCommands(accounts, sessions, undefined, declined).signOut(), undefined);
    assert.equal(secrets.dump().size, 2, 'nothing removed when the confirmation is declined');

    const prompts = new ScriptedPrompts([], [(items) => items.find((i) => i.accountId === bob.id)], [true]);
    const removed = await new AccountCommands(accounts, sessions, undefined, prompts).signOut();
    assert.equal(removed?.id, bob.id);
    const offered = prompts.picksShown[0];
    assert.deepEqual(offered.map((i) => i.accountId), [alice.id, bob.id], 'the sandbox cannot be signed out of');
    assert.ok(offered.find((i) => i.accountId === bob.id)!.label.startsWith('$(check)'), 'the active account is marked');
    assert.match(prompts.confirmsAsked[0], /bob/);

    assert.equal(secrets.dump().has(secretKey(bob.id)), false);
    assert.equal(secrets.dump().get(secretKey(alice.id)), PASSWORD);
    assert.deepEqual(accounts.list().map((a) => a.username), ['sandbox', 'alice']);
    assert.ok(!state.json().includes(bob.id));
    assert.equal(accounts.active(), undefined, 'signing out of the active account leaves none active');
    assert.equal(contextKeys.get('inviosmart.signedIn'), false);
  });

  test('with one account, sign-out goes straight to the confirmation', async () => {
    const alice = await accounts.save({ username: 'alice', password: PASSWORD }, here());
    const prompts = new ScriptedPrompts([], [], [true]);
    assert.equal((await new AccountCommands(accounts, sessions, undefined, prompts).signOut())?.id, alice.id);
    assert.equal(prompts.picksShown.length, 0);
    assert.equal(secrets.dump().size, 0);
    assert.equal(state.get<unknown[]>(StorageKeys.accounts)?.length, 0);
  });

  test('switch account lists the Sandbox and every account, marks the active one, and switches', async () => {
    const alice = await accounts.save({ username: 'alice', password: PASSWORD, label: 'Shop' }, here());
    await accounts.save({ username: 'bob', password: OTHER_PASSWORD }, { activate: false, ...here() });
    const prompts = new ScriptedPrompts([], [(items) => items.find((i) => i.accountId === SANDBOX_ACCOUNT_ID)]);
    const changed = nextEvent(accounts.onDidChange);
    const chosen = await new AccountCommands(accounts, sessions, undefined, prompts).switchAccount();
    await changed;

    const items = prompts.picksShown[0];
    assert.match(items[0].label, /Sandbox/);
    assert.match(items[0].description ?? '', /no real SMS/);
    assert.equal(items.filter((i) => i.label.startsWith('$(check)')).map((i) => i.accountId).join(), alice.id);
    assert.match(items.at(-1)!.label, /Sign in to another account/);
    assert.equal(items.at(-2)!.kind, vscode.QuickPickItemKind.Separator);

    assert.equal(chosen?.id, SANDBOX_ACCOUNT_ID);
    assert.equal(accounts.active()?.id, SANDBOX_ACCOUNT_ID);
    assert.equal(contextKeys.get('inviosmart.sandbox'), true);
    const session = await sessions.forActive();
    assert.equal(session.account.sandbox, true);
  });

  test('switching to an account whose password is gone offers to sign in again', async () => {
    const alice = await accounts.save({ username: 'alice', password: PASSWORD }, { activate: false, ...here() });
    await secrets.delete(secretKey(alice.id));
    const prompts = new ScriptedPrompts([], [(items) => items.find((i) => i.accountId === alice.id)]);
    await new AccountCommands(accounts, sessions, undefined, prompts).switchAccount();
    assert.equal(accounts.active()?.id, alice.id);
    assert.equal(prompts.messages[0].kind, 'warning');
    assert.match(prompts.messages[0].text, /not available/);
    assert.deepEqual(prompts.messages[0].actions, ['Sign In Again']);
  });

  test('two windows sharing globalState and SecretStorage agree', async () => {
    const otherKeys = new Map<string, unknown>();
    const otherReread = new vscode.EventEmitter<void>();
    const other = new AccountStore(secrets, state, { setContext: async (k, v) => otherKeys.set(k, v), onShouldReread: otherReread.event });
    try {
      await other.ready();
      const seen = nextEvent(other.onDidChange);
      const alice = await accounts.save({ username: 'alice', password: PASSWORD }, here());
      await seen;
      assert.deepEqual(other.list().map((a) => a.id), [SANDBOX_ACCOUNT_ID, alice.id]);
      assert.equal(other.active()?.id, alice.id);
      assert.equal(otherKeys.get('inviosmart.signedIn'), true);

      // A change only globalState carries (no secret event) shows up when the window is focused again.
      await state.update('inviosmart.activeAccount', SANDBOX_ACCOUNT_ID);
      const focused = nextEvent(other.onDidChange);
      otherReread.fire();
      await focused;
      assert.equal(otherKeys.get('inviosmart.sandbox'), true);
    } finally {
      other.dispose();
      otherReread.dispose();
    }
  });

  test('the sandbox session starts one in-process gateway and stops it on shutdown', async () => {
    const first = await sessions.forAccount(SANDBOX_ACCOUNT_ID);
    const second = await sessions.forAccount(SANDBOX_ACCOUNT_ID);
    assert.equal(first.client, second.client);
    const sandbox = await sessions.sandboxGateway();
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const report = await first.client.balance(first.credentials, '39');
    assert.equal(report.balance, 25);
    assert.ok(calls.some((c) => c.origin === 'sandbox' && c.event.command === 'balance'));

    await sessions.shutdown();
    await assert.rejects(fetch(`${sandbox.url}/help`));
  });

  test('real accounts share one client that follows settings changes', async () => {
    const second = await FaultySandbox.start({ accounts: [{ username: 'alice', password: PASSWORD, balance: 99 }] });
    try {
      const alice = await accounts.save({ username: 'alice', password: PASSWORD }, here());
      const bob = await accounts.save({ username: 'bob', password: OTHER_PASSWORD }, { activate: false, ...here() });

      const a = await sessions.forAccount(alice.id);
      const b = await sessions.forAccount(bob.id);
      assert.equal(a.client, b.client);
      assert.deepEqual(b.credentials, { username: 'bob', password: OTHER_PASSWORD });
      assert.equal((await a.client.balance(a.credentials)).balance, 12.34);

      // Another address: the password stays here, even through a session obtained before the change.
      baseUrl = second.url;
      sessions.applySettings();
      await assert.rejects(a.client.balance(a.credentials), (e: unknown) => e instanceof GatewayError && e.kind === 'config' && /password was not sent/.test(e.explanation));
      await assert.rejects(sessions.forAccount(alice.id), (e: Error) => e.name === 'GatewayMovedError' && e.message.includes(second.url) && e.message.includes(gateway.url) && /Sign In/.test(e.message));
      assert.equal(second.requestCount(), 0, 'the password went to an address it was never checked against');

      // Signed in again there (bound to the new address): the shared client follows the settings.
      await accounts.save({ username: 'alice', password: PASSWORD }, here());
      const moved = await sessions.forAccount(alice.id);
      assert.equal(moved.client, a.client);
      assert.equal((await moved.client.balance(moved.credentials)).balance, 99);
      await waitFor(() => second.requestCount('balance') === 1);
    } finally {
      await second.close();
    }
  });

  test('no active account: forActive says how to sign in', async () => {
    await accounts.setActive(undefined);
    await assert.rejects(sessions.forActive(), (e: unknown) => e instanceof NotSignedInError && /Sign In/.test(e.message));
  });
});

suite('Accounts in the running extension (real SecretStorage and globalState)', () => {
  let api: InviosmartApi;

  suiteSetup(async () => {
    api = await extensionApi();
  });

  test('a password round-trips through the real SecretStorage: the gateway accepts it, the test API never shows it', async () => {
    const { accounts, sessions } = api.accounts;
    const stamp = Date.now();
    const username = `it-user-${stamp}`;
    const password = LEAK_CANARY_2;
    const gateway = await FaultySandbox.start({ port: 0, accounts: [{ username, password, balance: 3.21 }] });
    const previousUrl = vscode.workspace.getConfiguration('inviosmart').inspect<string>('gateway.baseUrl')?.globalValue;
    await setUserSetting('gateway.baseUrl', gateway.url);
    const account = await accounts.save({ username, password }, { activate: false });
    try {
      assert.ok(accounts.list().some((a) => a.id === account.id));
      const session = await sessions.forAccount(account.id);
      assert.equal(session.credentials.password, '', 'the test API handed out the password');
      assert.ok(!JSON.stringify(session).includes(password));
      // The sandbox answers 1012 to any other password: a balance means the stored one is exactly right.
      assert.equal((await session.client.balance(session.credentials)).balance, 3.21);
      assert.equal(gateway.requestCount('balance'), 1);
    } finally {
      await accounts.remove(account.id);
      await setUserSetting('gateway.baseUrl', previousUrl);
      await gateway.close();
    }
    assert.ok(!accounts.list().some((a) => a.id === account.id));
    await assert.rejects(sessions.forAccount(account.id), (e: Error) => e.name === 'NotSignedInError');
  });

  test('the real status-bar item shows the Sandbox balance', async () => {
    const before = api.accounts.accounts.active()?.id;
    try {
      await api.accounts.accounts.setActive(SANDBOX_ACCOUNT_ID);
      await api.accounts.balance.refresh();
      assert.match(String(api.accounts.statusBar.item.text), /^\$\(beaker\) Sandbox €\d+\.\d\d/);
      assert.equal(api.accounts.statusBar.item.name, 'Inviosmart Balance');
    } finally {
      await api.accounts.accounts.setActive(before);
    }
  });
});
