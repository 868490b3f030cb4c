// Bad-input matrix in the real VS Code: the Send SMS command of the running extension, on its real
// services and real user settings, against a sandbox on 127.0.0.1. Only the prompts and notifications
// are scripted. Every bad value must get a notice that says what to fix, no request, no new history.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { SendCommand, SendDeps } from '../../src/commands/send';
import { readSettings } from '../../src/config';
import type { InviosmartApi } from '../../src/extension';
import * as vscode from 'vscode';
import { StorageKeys } from '../../src/common/storageKeys';
import { AccountStore } from '../../src/credentials/accountService';
import { AccountCommands } from '../../src/commands/accounts';
import { GatewaySessions } from '../../src/credentials/sessions';
import { FaultySandbox, type SandboxFault } from '../../src/sandbox/faults';
import { MemoryMemento, MemorySecretStorage, ScriptedPrompts, testSettings } from './accountDoubles';
import { Notices, ScriptedConfirm, ScriptedSendPrompts, TesterGateway, extensionApi, setUserSetting, type SendScript } from './helpers';

function sendCommand(api: InviosmartApi, script: SendScript, notices: Notices): { send: SendCommand; prompts: ScriptedSendPrompts } {
  const prompts = new ScriptedSendPrompts(script);
  const deps: SendDeps = { sessions: api.accounts.sessions, history: api.history, state: new MemoryMemento(), settings: readSettings, log: api.log, prompts, notify: notices.notify };
  const Send = api.classes.SendCommand;
  return { send: new Send(deps), prompts };
}

const GOOD: Required<Pick<SendScript, 'destinations' | 'sender' | 'message'>> = { destinations: '+39 333 1234567', sender: 'Acme', message: 'Matrix text' };

interface BadCase {
  name: string;
  script: SendScript;
  /** What the notice must say (besides "Nothing was sent"). */
  says: RegExp;
  /** The prompt's own validation message must already name the problem. */
  promptSays?: { step: 'destinationsProblem' | 'senderProblem'; matches: RegExp };
}

const CASES: BadCase[] = [
  { name: 'destination with letters', script: { ...GOOD, destinations: '+39 333 12a4567' }, says: /contains 'a'/, promptSays: { step: 'destinationsProblem', matches: /contains 'a'/ } },
  { name: 'destination too short', script: { ...GOOD, destinations: '+39 12' }, says: /too short/, promptSays: { step: 'destinationsProblem', matches: /too short/ } },
  { name: 'destination too long', script: { ...GOOD, destinations: '+39 333 1234567 89012' }, says: /too long/ },
  { name: 'destination only separators', script: { ...GOOD, destinations: ' , ; ' }, says: /at least one phone number/ },
  { name: 'one bad number among good ones', script: { ...GOOD, destinations: '+39 333 1234567, 12, +39 333 7654321' }, says: /12 \(/ },
  { name: 'destination with full-width digits', script: { ...GOOD, destinations: '＋３９３３３１２３４５６７' }, says: /contains/ },
  { name: 'sender too long', script: { ...GOOD, sender: 'TwelveChars1' }, says: /shorten it to 11/, promptSays: { step: 'senderProblem', matches: /11/ } },
  { name: 'sender with an accent', script: { ...GOOD, sender: 'Café' }, says: /contains 'é'/ },
  { name: 'sender without letters', script: { ...GOOD, sender: '12345' }, says: /no letters/ },
  { name: 'sender blank', script: { ...GOOD, sender: '   ' }, says: /no sender/ },
  { name: 'message blank', script: { ...GOOD, message: '   ' }, says: /message text/i },
  { name: 'message too long', script: { ...GOOD, message: 'x'.repeat(613) }, says: /613 characters.*612/ },
];

suite('Bad-input matrix: Send SMS in the real VS Code', () => {
  let api: InviosmartApi;
  let gw: TesterGateway;

  suiteSetup(async () => {
    api = await extensionApi();
    gw = await TesterGateway.start({ balance: 100 });
  });
  suiteTeardown(async () => {
    await gw.close();
    await setUserSetting('gateway.baseUrl', undefined);
    await setUserSetting('gateway.sendUrl', undefined);
    await setUserSetting('send.defaultCountry', undefined);
  });

  for (const c of CASES) {
    test(`${c.name}: says what to fix, sends nothing, records nothing`, async () => {
      const notices = new Notices();
      const before = { requests: gw.sandbox.requestCount('send'), history: api.history.all().length };
      const { send, prompts } = sendCommand(api, { ...c.script, confirm: true }, notices);
      const entries = await send.run();
      assert.equal(entries, undefined, 'the command reported a send');
      assert.ok(!prompts.asked.includes('confirm'), 'asked to confirm a send that cannot go');
      const notice = notices.last();
      assert.equal(notice.kind, 'error');
      assert.match(notice.text, /Nothing was sent/);
      assert.match(notice.text, c.says);
      if (c.promptSays) assert.match(prompts[c.promptSays.step] ?? '', c.promptSays.matches, 'the prompt showed the problem while typing');
      assert.equal(gw.sandbox.requestCount('send'), before.requests, 'a request reached the gateway');
      assert.equal(api.history.all().length, before.history, 'history changed');
    });
  }

  test('setting send.defaultCountry "abc": a national number is refused naming the setting; nothing sent', async () => {
    await setUserSetting('send.defaultCountry', 'abc');
    try {
      const notices = new Notices();
      const before = gw.sandbox.requestCount('send');
      const { send } = sendCommand(api, { ...GOOD, destinations: '333 1234567', confirm: true }, notices);
      assert.equal(await send.run(), undefined);
      assert.match(notices.last().text, /Nothing was sent/);
      assert.match(notices.last().text, /inviosmart\.send\.defaultCountry/);
      assert.equal(gw.sandbox.requestCount('send'), before);
      // A number written with its country code still goes.
      const ok = sendCommand(api, { ...GOOD, confirm: true }, new Notices());
      const entries = await ok.send.run();
      assert.equal(entries?.[0]?.state, 'sent');
      assert.equal(entries?.[0]?.destination, '393331234567');
    } finally {
      await setUserSetting('send.defaultCountry', undefined);
    }
  });

  for (const url of ['ftp://x', 'not a url']) {
    test(`setting gateway.sendUrl ${JSON.stringify(url)}: the send fails with a fix, no request, the entry kept as failed`, async () => {
      await setUserSetting('gateway.sendUrl', url);
      try {
        const notices = new Notices();
        const before = gw.sandbox.requestCount('send');
        const { send } = sendCommand(api, { ...GOOD, confirm: true }, notices);
        const entries = await send.run();
        assert.equal(entries?.length, 1);
        const entry = api.history.get(entries[0].key);
        assert.equal(entry?.state, 'failed', 'a request that never left is failed, not unknown');
        assert.equal(entry?.error?.kind, 'config');
        assert.match(notices.last().text, /send URL/);
        assert.match(notices.last().text, /http:\/\/ or https:\/\//);
        assert.equal(gw.sandbox.requestCount('send'), before);
      } finally {
        await setUserSetting('gateway.sendUrl', undefined);
      }
    });
  }
});

interface AnswerCase {
  name: string;
  fault?: SandboxFault;
  /** Points the gateway setting elsewhere instead. */
  baseUrl?: () => Promise<string>;
  /** The send's entry: unknown when the SMS may have gone out. */
  send: 'failed' | 'unknown';
  /** Text the notices must contain. */
  says: RegExp;
  /** Help takes any text as its page, so an un-numbered line is shown rather than refused. */
  help?: false;
}

async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

const ANSWERS: AnswerCase[] = [
  { name: 'Error: 1012 (credentials)', fault: { kind: 'http', status: 200, body: 'Error: 1012 - Authentication failure' }, send: 'failed', says: /user name and password/ },
  { name: 'Error: 1031 (busy)', fault: { kind: 'error1031' }, send: 'failed', says: /temporarily unavailable/ },
  { name: 'Status: 1026 (queued, no id)', fault: { kind: 'http', status: 200, body: 'Status: 1026 - Batch queued, about to be transmitted' }, send: 'unknown', says: /Do not send it again|queued/ },
  { name: 'an un-numbered error', fault: { kind: 'http', status: 200, body: 'Internal Error.' }, send: 'failed', says: /refused the request/, help: false },
  { name: 'an HTML page', fault: { kind: 'html' }, send: 'unknown', says: /HTML page/ },
  { name: 'an empty body', fault: { kind: 'empty' }, send: 'unknown', says: /empty answer/ },
  { name: 'HTTP 502', fault: { kind: 'http', status: 502 }, send: 'unknown', says: /having trouble/ },
  { name: 'reset after the request is read', fault: { kind: 'resetAfterRead' }, send: 'unknown', says: /connection (to the gateway )?broke/ },
  { name: 'a time-out', fault: { kind: 'hang' }, send: 'unknown', says: /did not answer in time/ },
  { name: 'DNS failure', baseUrl: async () => 'http://inviosmart.invalid', send: 'failed', says: /Could not reach the gateway; nothing was sent/ },
  { name: 'connection refused', baseUrl: closedPortUrl, send: 'failed', says: /refused the connection; nothing was sent/ },
];

suite('Answer-class matrix: Send SMS, Check Status and Show API Help in the real VS Code', () => {
  let api: InviosmartApi;
  let gw: TesterGateway;
  let sentKey: string;

  suiteSetup(async () => {
    api = await extensionApi();
    gw = await TesterGateway.start({ balance: 100 });
    await setUserSetting('gateway.timeoutSeconds', 1);
    // One message that exists at the gateway, marked final so the running poller leaves it (and the faults) alone.
    const entries = await sendCommand(api, { ...GOOD, confirm: true }, new Notices()).send.run();
    assert.equal(entries?.[0]?.state, 'sent');
    sentKey = entries[0].key;
    await api.history.update(sentKey, { status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true } });
  });
  suiteTeardown(async () => {
    await gw.close();
    await setUserSetting('gateway.timeoutSeconds', undefined);
    await setUserSetting('gateway.baseUrl', undefined);
  });
  teardown(async () => {
    gw.sandbox.clearFaults();
    await setUserSetting('gateway.baseUrl', gw.sandbox.url);
    await gw.rebind();
  });

  for (const c of ANSWERS) {
    test(`${c.name}: each command tells the user in plain words; the send entry is ${c.send}; the status entry is unchanged`, async function () {
      this.timeout(60_000);
      if (c.baseUrl) {
        // The user moved the gateway on purpose and signed in there (a moved address is refused otherwise).
        await setUserSetting('gateway.baseUrl', await c.baseUrl());
        await gw.rebind();
      }
      const arm = (command: 'send' | 'status' | 'help'): void => {
        gw.sandbox.clearFaults();
        if (c.fault) gw.sandbox.injectFault({ fault: c.fault, command });
      };

      // Send: one request at most, the entry in the right state, the user told why.
      arm('send');
      const sendsBefore = gw.sandbox.requestCount('send');
      const notices = new Notices();
      const entries = await sendCommand(api, { ...GOOD, confirm: true }, notices).send.run();
      assert.equal(entries?.length, 1);
      assert.equal(api.history.get(entries[0].key)?.state, c.send);
      assert.ok(gw.sandbox.requestCount('send') - sendsBefore <= (c.baseUrl ? 0 : 1), 'never re-sent');
      const told = notices.last();
      assert.equal(told.kind, c.send === 'unknown' ? 'warning' : 'error');
      assert.match(told.text, c.says);
      if (c.send === 'unknown') assert.match(told.text, /not retried/);

      // Check Status: the entry exactly as it was, the reason shown.
      arm('status');
      const before = structuredClone(api.history.get(sentKey));
      const confirm = new ScriptedConfirm();
      const statusNotices = new Notices();
      const Messages = api.classes.MessageCommands;
      const messages = new Messages({ history: api.history, sessions: api.accounts.sessions, send: sendCommand(api, {}, new Notices()).send, poller: api.poller, openPanel: () => undefined, log: api.log, notify: statusNotices.notify, confirm: confirm.confirm, register: false });
      await messages.checkStatus(sentKey);
      assert.deepEqual(api.history.get(sentKey), before, 'the status check changed the entry');
      assert.equal(statusNotices.last().kind, 'error');
      assert.match(statusNotices.last().text, /could not be checked/);
      assert.match(statusNotices.last().text, c.says);

      // Show API Help: no editor, the reason shown.
      if (c.help === false) return;
      arm('help');
      const helpNotices = new Notices();
      const Help = api.classes.HelpCommand;
      const help = new Help(api.accounts.sessions, api.log, { notify: helpNotices.notify, register: false });
      try {
        assert.equal(await help.run(), undefined);
        assert.match(helpNotices.last().text, /^Could not get the API help:/);
        assert.match(helpNotices.last().text, c.says);
      } finally {
        help.dispose();
      }
    });
  }
});

suite('Bad-input matrix: account names at Sign In', () => {
  let gateway: FaultySandbox;
  let secrets: MemorySecretStorage;
  let state: MemoryMemento;
  let accounts: AccountStore;
  let sessions: GatewaySessions;
  let reread: vscode.EventEmitter<void>;

  setup(async () => {
    gateway = await FaultySandbox.start({ accounts: [{ username: 'alice', password: 'right-pw', balance: 5 }] });
    secrets = new MemorySecretStorage();
    state = new MemoryMemento();
    reread = new vscode.EventEmitter<void>();
    accounts = new AccountStore(secrets, state, { setContext: async () => undefined, onShouldReread: reread.event });
    sessions = new GatewaySessions(accounts, { settings: () => testSettings({ baseUrl: gateway.url }), log: () => undefined });
    await accounts.ready();
  });
  teardown(async () => {
    await sessions.shutdown();
    accounts.dispose();
    reread.dispose();
    await gateway.close();
  });

  test('a blank user name is refused by the input box itself, before any request', async () => {
    const prompts = new ScriptedPrompts(['   ']);
    await assert.rejects(new AccountCommands(accounts, sessions, undefined, prompts).signIn(), /Enter the username/);
    assert.equal(gateway.requestCount(), 0);
  });

  for (const username of ['Alice', ' alice x', 'alice\u200b', '<b>alice</b>', 'a'.repeat(500), 'alice&password=x', 'ålice']) {
    test(`user name ${JSON.stringify(username.length > 40 ? `${username.slice(0, 10)}… (${username.length})` : username)}: refused by the gateway, told what to fix, nothing saved`, async () => {
      const prompts = new ScriptedPrompts([username, 'right-pw', '']);
      const outcome = await new AccountCommands(accounts, sessions, undefined, prompts).signIn();
      assert.equal(outcome.kind, 'rejected');
      const shown = prompts.messages.at(-1);
      assert.equal(shown?.kind, 'error');
      assert.match(shown?.text ?? '', /Check both|check/i);
      assert.match(shown?.text ?? '', /Nothing was saved/);
      assert.ok(!(shown?.text ?? '').includes('right-pw'), 'the password in a message');
      assert.equal(secrets.dump().size, 0);
      assert.equal(state.get(StorageKeys.accounts), undefined);
      assert.equal(gateway.requestCount('send'), 0, 'signing in never sends');
      // The one balance request carried the name exactly as typed (trimmed), so "alice" was not guessed.
      const asked = gateway.requests.filter((r) => r.command === 'balance').map((r) => r.query.username);
      assert.deepEqual(asked, [username.trim()]);
    });
  }
});
