// The chat tools in the real VS Code, called as another extension would: through
// vscode.lm.invokeTool, with no model, against a real sandbox gateway that counts every request.
// VS Code confirms a tool's confirmation by itself while extension tests run (its dialog service
// skips dialogs then), so the confirmation shown and Cancel honoured are tested in a real
// workbench instead: test/e2e/lmTools.e2e.test.ts. On a VS Code older than 1.139 (npm test's oldest-host pass,
// 1.96) the tool asks on its own instead (src/lm/confirmation.ts), and the send test checks that question.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readSettings } from '../../src/config';
import { compareVersions, OUTSIDE_CHAT_CONFIRMATION_SINCE } from '../../src/lm/confirmation';
import { SmsTools, ToolNames } from '../../src/lm/tools';
import { ScriptedConfirm, setUserSetting, suiteTesterGateway, type TesterGateway } from './helpers';

const NUMBER = '+39 333 7001234';
const WIRE = '393337001234';

function text(result: vscode.LanguageModelToolResult): string {
  return result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

function invoke(name: string, input: object): Thenable<vscode.LanguageModelToolResult> {
  return vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
}

suite('Chat tools (vscode.lm.invokeTool, outside chat)', () => {
  const gateway = suiteTesterGateway({ balance: 10 });
  let gw: TesterGateway;
  setup(() => {
    gw = gateway();
  });

  test('all four tools are registered with their contributed names', () => {
    const names = vscode.lm.tools.map((t) => t.name);
    for (const name of Object.values(ToolNames)) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    const send = vscode.lm.tools.find((t) => t.name === ToolNames.sendSms);
    assert.match(send?.description ?? '', /confirm/i);
  });

  test('sendSms refuses bad input with what to fix, asks nothing and sends nothing', async () => {
    const before = gw.sandbox.requestCount('send');
    const result = text(await invoke(ToolNames.sendSms, { destinations: ['+39 12', '0039 333 x'], text: 'hello', sender: '12345' }));
    assert.match(result, /^refused: nothing was sent/);
    assert.match(result, /\+39 12 \(too short/);
    assert.match(result, /contains 'x'/);
    assert.match(result, /sender has no letters/);
    assert.equal(gw.sandbox.requestCount('send'), before);
  });

  test('sendSms sends and returns the SMSId; status, balance and search read it back', async () => {
    const input = { destinations: [NUMBER], text: 'Deploy done', sender: 'OnCall' };
    let sent: string;
    if (compareVersions(vscode.version, OUTSIDE_CHAT_CONFIRMATION_SINCE) >= 0) {
      // VS Code confirms for the tool (and skips its dialog while extension tests run).
      sent = text(await invoke(ToolNames.sendSms, input));
    } else {
      // An older VS Code (the oldest-host pass, 1.96): the registered tool asks the user itself, with a modal
      // that the test host refuses to show; the question is the send's, and nothing went out.
      const before = gw.sandbox.requestCount('send');
      await assert.rejects(Promise.resolve(invoke(ToolNames.sendSms, input)), /Send 1 SMS to \+39 333 700 1234\?/);
      assert.equal(gw.sandbox.requestCount('send'), before);
      // The user's yes, scripted: the tool's own instance with the running extension's services.
      const confirm = new ScriptedConfirm([true]);
      const tools = new SmsTools({ sessions: gw.api.accounts.sessions, history: gw.api.history, settings: readSettings, confirm: confirm.confirm });
      await tools.prepareSend(input);
      sent = text(await tools.send(input, false));
      assert.equal(confirm.asked.length, 1);
    }
    assert.match(sent, /^sent: 1 of 1 accepted by the gateway \(account tester\)/);
    const smsId = Number(/SMSId (\d+)/.exec(sent)?.[1]);
    assert.ok(smsId > 0, sent);
    assert.match(sent, new RegExp(`to \\+${WIRE}`), 'the number the user named is shown in full');
    const delivered = gw.sandbox.messages.find((m) => m.smsId === smsId);
    assert.equal(delivered?.destination, WIRE);
    assert.equal(delivered?.message, 'Deploy done');
    assert.ok(gw.entries().some((e) => e.smsId === smsId && e.state === 'sent'), 'recorded in the history like any send');

    const byId = text(await invoke(ToolNames.checkStatus, { smsId }));
    assert.match(byId, new RegExp(`^SMSId ${smsId} · to \\+39 333 \\*\\*\\* \\*\\*34 · .+ \\(code \\d+, (final|may still change)\\)`), 'a number the user did not name is masked');
    assert.doesNotMatch(byId, /7001234/);
    const byNumber = text(await invoke(ToolNames.checkStatus, { destination: NUMBER }));
    assert.match(byNumber, new RegExp(`^SMSId ${smsId} · to \\+${WIRE}`));

    const balance = text(await invoke(ToolNames.getBalance, { countryPrefix: '39' }));
    assert.match(balance, /^account tester · balance €\d+\.\d\d\nbuys \d+ SMS to \+39/);

    const found = text(await invoke(ToolNames.searchHistory, { text: 'deploy DONE', limit: 5 }));
    assert.match(found, /^1 matching message, newest first/);
    assert.match(found, new RegExp(`SMSId ${smsId} · to \\+39 333 \\*\\*\\* \\*\\*34 .*text "Deploy done"`));
    const foundByNumber = text(await invoke(ToolNames.searchHistory, { destination: NUMBER }));
    assert.match(foundByNumber, new RegExp(`to \\+${WIRE}`));
  });

  test('status, balance and search refuse bad input with what to fix', async () => {
    assert.match(text(await invoke(ToolNames.checkStatus, {})), /^refused: no status was checked\n- Give either smsId/);
    assert.match(text(await invoke(ToolNames.checkStatus, { destination: '+39 12' })), /^refused: no status was checked\n- \+39 12: too short/);
    assert.match(text(await invoke(ToolNames.getBalance, { countryPrefix: '0' })), /^refused: no balance was read\n- "0" is not a country calling code/);
    const search = text(await invoke(ToolNames.searchHistory, { since: 'last week', status: 'delivered' }));
    assert.match(search, /^refused: the history was not searched\n- since "last week" is not a date/);
  });

  test('the built-in Sandbox account says so in every result', async () => {
    await gw.api.accounts.accounts.setActive('sandbox');
    try {
      assert.match(text(await invoke(ToolNames.getBalance, {})), /Sandbox account: no real SMS was sent and nothing was charged\./);
    } finally {
      await gw.api.accounts.accounts.setActive(gw.account.id);
    }
  });

  test('where VS Code is not known to confirm (older versions, or no prepared confirmation), invoke asks itself', async () => {
    // The tool's own instance with the running extension's services; only the version and the question are the test's.
    const confirm = new ScriptedConfirm([false, true, false]);
    const tools = (version: string) => new SmsTools({ sessions: gw.api.accounts.sessions, history: gw.api.history, settings: readSettings, confirm: confirm.confirm, version, register: false });
    const input = { destinations: ['+39 333 7001299'], text: 'Asked by the tool itself', sender: 'OnCall' };
    const sends = () => gw.sandbox.requestCount('send');
    const before = sends();

    // 1.96 outside chat, even with a prepared confirmation: the tool asks; "no" sends nothing.
    const old = tools('1.96.0');
    await old.prepareSend(input);
    assert.match(text(await old.send(input, false)), /^cancelled: the user declined; nothing was sent/);
    assert.equal(sends(), before);
    assert.match(confirm.asked[0].message, /^Send 1 SMS to \+39 333 700 1299\?$/);
    assert.match(confirm.asked[0].detail ?? '', /From: OnCall\nAccount: tester\n.*1 SMS\nEstimated cost: about €[\d.]+ of €[\d.]+ balance\nText: Asked by the tool itself/);

    // A yes sends once.
    await old.prepareSend(input);
    assert.match(text(await old.send(input, false)), /^sent: 1 of 1/);
    assert.equal(sends(), before + 1);

    // In chat but with no prepareInvocation for this input: the tool asks.
    const current = tools('1.139.1');
    assert.match(text(await current.send(input, true)), /^cancelled/);
    assert.equal(confirm.asked.length, 3);
    assert.equal(sends(), before + 1);

    // 1.139 outside chat after prepareInvocation: VS Code asked (the dialog test in test/e2e), the tool does not ask again.
    await current.prepareSend(input);
    assert.match(text(await current.send(input, false)), /^sent: 1 of 1/);
    assert.equal(confirm.asked.length, 3);
    assert.equal(sends(), before + 2);
  });

  test('on a Latin-1 send endpoint the tool confirms and sends what reaches the phone (€ as EUR)', async () => {
    await setUserSetting('send.charset', 'iso-8859-1');
    try {
      const confirm = new ScriptedConfirm([true]);
      const tools = new SmsTools({ sessions: gw.api.accounts.sessions, history: gw.api.history, settings: readSettings, confirm: confirm.confirm, version: '1.96.0', register: false });
      const input = { destinations: ['+39 333 7001288'], text: 'Costa 5 €', sender: 'OnCall' };
      await tools.prepareSend(input);
      const sent = text(await tools.send(input, false));
      assert.match(sent, /^sent: 1 of 1/);
      assert.match(confirm.asked[0].detail ?? '', /ISO-8859-1, so the text goes out as: Costa 5 EUR/);
      const smsId = Number(/SMSId (\d+)/.exec(sent)?.[1]);
      assert.equal(gw.sandbox.messages.find((m) => m.smsId === smsId)?.message, 'Costa 5 EUR');
    } finally {
      await setUserSetting('send.charset', undefined);
    }
  });
});
