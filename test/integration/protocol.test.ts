// The send endpoint's character set in the real extension host: the live counter the Send SMS prompt
// shows for `àèìòù €`, and the bytes that reach a real sandbox gateway on 127.0.0.1, for the
// Latin-1 webservice endpoint (the default set) and for UTF-8. Then Sign In on the chosen endpoint set:
// the offer of the http set when the HTTPS twin does not answer, and the cleartext warning. Only the
// prompts (and, for sign-in, the storage edges) are scripted.
import * as assert from 'node:assert/strict';
import type { SendCommand, SendDeps } from '../../src/commands/send';
import { readSettings } from '../../src/config';
import { AccountStore } from '../../src/credentials/accountService';
import { AccountCommands } from '../../src/commands/accounts';
import { StorageKeys } from '../../src/common/storageKeys';
import { GatewaySessions } from '../../src/credentials/sessions';
import type { CallEvent } from '../../src/gateway/types';
import { FaultySandbox } from '../../src/sandbox/faults';
import { LEAK_CANARY } from '../shared/canary';
import { MemoryMemento, MemorySecretStorage, ScriptedPrompts, testSettings } from './accountDoubles';
import { presentBalance } from '../../src/views/balanceStatusBar';
import { Notices, ScriptedSendPrompts, TesterGateway, extensionApi, setUserSetting, withSandboxAccount } from './helpers';

const ITALIAN = 'àèìòù €';

function sendCommand(gw: TesterGateway, prompts: ScriptedSendPrompts): SendCommand {
  const deps: SendDeps = {
    sessions: gw.api.accounts.sessions,
    history: gw.api.history,
    state: new MemoryMemento(),
    settings: readSettings,
    log: gw.api.log,
    prompts,
    notify: new Notices().notify,
  };
  const Send = gw.api.classes.SendCommand;
  return new Send(deps);
}

suite('Character set of the send endpoint (real extension host, real sandbox)', () => {
  let gw: TesterGateway;

  setup(async () => {
    gw = await TesterGateway.start();
  });

  teardown(async () => {
    await setUserSetting('send.charset', undefined);
    await gw.close();
  });

  test('webservice (Latin-1): the counter names € and its stand-in, and the sandbox receives one byte per accented letter', async () => {
    await setUserSetting('gateway.endpoints', 'webservice');
    const prompts = new ScriptedSendPrompts({ destinations: '+39 333 1234567', sender: 'Acme', message: ITALIAN, confirm: true });
    const entries = await sendCommand(gw, prompts).run();
    // `àèìòù EUR`: 9 GSM-7 septets in one SMS, and the replacement said before anything is sent.
    assert.equal(prompts.messageInfo?.info, '9 characters · GSM-7 · 1 SMS · ISO-8859-1 endpoint: sent as € → EUR');
    assert.equal(prompts.messageInfo?.error, undefined);
    assert.match(prompts.confirmDetail ?? '', /the text goes out as: àèìòù EUR$/m);
    assert.equal(entries?.[0]?.state, 'sent');
    const sent = gw.sandbox.requests.find((r) => r.command === 'send');
    assert.deepEqual([sent?.method, sent?.path, sent?.charset], ['POST', '/webservice/sms/sendSMSHTTP.php', 'iso-8859-1']);
    assert.equal(sent?.rawMessage, '%E0%E8%EC%F2%F9%20EUR');
    assert.equal(gw.sandbox.messages[0]?.message, 'àèìòù EUR');
  });

  test('webservice (Latin-1): an emoji has no stand-in, so the prompt refuses it and nothing is sent', async () => {
    await setUserSetting('gateway.endpoints', 'webservice');
    const prompts = new ScriptedSendPrompts({ destinations: '+39 333 1234567', sender: 'Acme', message: `${ITALIAN} ☕`, confirm: true });
    assert.equal(await sendCommand(gw, prompts).run(), undefined);
    assert.match(prompts.messageInfo?.error ?? '', /cannot carry: ☕/);
    assert.equal(gw.sandbox.requestCount('send'), 0);
  });

  test('utf-8 (httpapi set): the counter shows the text as typed, and the sandbox receives its UTF-8 bytes', async () => {
    await setUserSetting('gateway.endpoints', 'httpapi');
    await setUserSetting('send.charset', 'utf-8');
    const prompts = new ScriptedSendPrompts({ destinations: '+39 333 1234567', sender: 'Acme', message: ITALIAN, confirm: true });
    await sendCommand(gw, prompts).run();
    // `€` is a GSM-7 extension character: 2 septets, so 5 + 1 + 2 = 8.
    assert.equal(prompts.messageInfo?.info, '8 characters · GSM-7 · 1 SMS');
    const sent = gw.sandbox.requests.find((r) => r.command === 'send');
    assert.deepEqual([sent?.method, sent?.path, sent?.charset], ['GET', '/sendsms', 'utf-8']);
    assert.equal(sent?.rawMessage, '%C3%A0%C3%A8%C3%AC%C3%B2%C3%B9%20%E2%82%AC');
    assert.equal(gw.sandbox.messages[0]?.message, ITALIAN);
  });
});

suite('Sign-in on the chosen endpoint set (real extension host, real sandbox)', () => {
  let gateway: FaultySandbox;
  let accounts: AccountStore;
  let sessions: GatewaySessions;
  let state: MemoryMemento;
  let baseUrl: string;

  setup(async () => {
    gateway = await FaultySandbox.start({ accounts: [{ username: 'alice', password: LEAK_CANARY, balance: 12.34 }] });
    baseUrl = gateway.url;
    state = new MemoryMemento();
    accounts = new AccountStore(new MemorySecretStorage(), state, { setContext: async () => undefined });
    // The endpoint set is read from the real user setting, so the command's own switch to http takes effect.
    sessions = new GatewaySessions(accounts, { settings: () => testSettings({ baseUrl, endpoints: readSettings().endpoints }) });
    await accounts.ready();
    await setUserSetting('gateway.endpoints', 'webservice');
  });

  teardown(async () => {
    await setUserSetting('gateway.endpoints', undefined);
    await sessions.shutdown();
    accounts.dispose();
    await gateway.close();
  });

  const cases = [
    { command: 'balance', fault: { kind: 'http', status: 404 } },
    { command: 'balance', fault: { kind: 'html' } },
    { command: 'status', fault: { kind: 'http', status: 404 } },
  ] as const;
  for (const { command, fault } of cases) {
    test(`the HTTPS ${command} twin answers ${fault.kind === 'http' ? '404' : 'an HTML page'}: the user is told and chooses the http set, never silently`, async () => {
      gateway.injectFault({ fault, command, times: 2 });
      const declined = new ScriptedPrompts(['alice', LEAK_CANARY, ''], [], [], [undefined]);
      const no = await new AccountCommands(accounts, sessions, undefined, declined, state).signIn();
      assert.equal(no.kind, 'rejected');
      assert.match(declined.messages[0]?.text ?? '', new RegExp(`HTTPS ${command} address .* did not answer like the Inviosmart gateway .*unencrypted`));
      assert.deepEqual(declined.messages[0]?.actions, ['Use the http Addresses']);
      assert.equal(readSettings().endpoints, 'webservice', 'nothing switched without the user');
      assert.equal(accounts.list().filter((a) => !a.sandbox).length, 0, 'nothing saved');

      const agreed = new ScriptedPrompts(['alice', LEAK_CANARY, '', 'alice', LEAK_CANARY, ''], [], [], ['Use the http Addresses']);
      const yes = await new AccountCommands(accounts, sessions, undefined, agreed, state).signIn();
      assert.equal(yes.kind, 'signedIn');
      assert.equal(readSettings().endpoints, 'httpapi');
      const attempt = command === 'balance'
        ? ['/webservice/sms/getAccountBalance.php']
        : ['/webservice/sms/getAccountBalance.php', '/webservice/sms/getSMSStatus.php'];
      assert.deepEqual(gateway.requests.map((r) => r.path), [...attempt, ...attempt, '/account-balance']);
    });
  }

  test('a plain-http gateway off this machine: the password is not sent until the user accepts the warning', async () => {
    await setUserSetting('gateway.endpoints', 'httpapi');
    baseUrl = 'http://httpapi.inviosmart.invalid';
    sessions.applySettings();
    const calls: CallEvent[] = [];
    const logged = new GatewaySessions(accounts, { settings: () => testSettings({ baseUrl, endpoints: 'httpapi' }), log: (e) => calls.push(e) });
    try {
      const prompts = new ScriptedPrompts(['alice', LEAK_CANARY, ''], [], [false]);
      const outcome = await new AccountCommands(accounts, logged, undefined, prompts, state).signIn();
      assert.equal(outcome.kind, 'cancelled');
      assert.deepEqual(prompts.confirmsAsked, ['Your Inviosmart password would travel unencrypted']);
      assert.equal(calls.length, 0, 'no request went out');
      assert.equal(state.get(StorageKeys.cleartextAccepted), undefined);
    } finally {
      await logged.shutdown();
    }
  });
});

suite('Balance tooltip: low-cost count and cleartext line', () => {
  const account = { id: 'a1', label: 'Shop', username: 'alice', sandbox: false };
  const report = { balance: 12.5, smsRemainCount: 227, lcSmsRemainCount: 284, raw: '' };

  test('the low-cost count shows only with the low-cost route on; plain http adds the cleartext line', () => {
    const base = { kind: 'ok', account, report, level: 'ok', countryPrefix: '39', at: new Date() } as const;
    const plain = presentBalance(base).tooltip;
    assert.doesNotMatch(plain, /low-cost/);
    assert.doesNotMatch(plain, /unencrypted/);
    const lowCost = presentBalance({ ...base, lowCost: true }).tooltip;
    assert.match(lowCost, /About 284 SMS to \+39 on the low-cost route/);
    const cleartext = presentBalance({ ...base, cleartext: ['send', 'status', 'balance'] }).tooltip;
    assert.match(cleartext, /unencrypted \(plain http\) for: send, status, balance/);
  });

  test('the balance service reports plain-http commands for a non-loopback gateway only', async () => {
    const api = await extensionApi();
    await withSandboxAccount(api, async () => {
      const state = await api.accounts.balance.refresh();
      assert.equal(state.kind, 'ok');
      assert.ok(state.kind === 'ok' && state.cleartext === undefined, 'the in-process sandbox is on 127.0.0.1');
    });
  });
});
