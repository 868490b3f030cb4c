// The send endpoint's character set in the real extension host: the live counter the Send SMS prompt
// shows for `àèìòù €`, and the bytes that reach a real sandbox gateway on 127.0.0.1, for the
// Latin-1 webservice endpoint (the default set) and for UTF-8. Only the prompts are scripted.
import * as assert from 'node:assert/strict';
import type { SendCommand, SendDeps } from '../../src/commands/send';
import { readSettings } from '../../src/config';
import { MemoryMemento } from './accountDoubles';
import { Notices, ScriptedSendPrompts, TesterGateway, bundleClass, setUserSetting } from './helpers';

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
  const Send = bundleClass(gw.api.send) as unknown as new (d: SendDeps) => SendCommand;
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
    // `€` is a GSM-7 extension character: 2 septets, so 6 + 1 + 2 = 9.
    assert.equal(prompts.messageInfo?.info, '9 characters · GSM-7 · 1 SMS');
    const sent = gw.sandbox.requests.find((r) => r.command === 'send');
    assert.deepEqual([sent?.method, sent?.path, sent?.charset], ['GET', '/sendsms', 'utf-8']);
    assert.equal(sent?.rawMessage, '%C3%A0%C3%A8%C3%AC%C3%B2%C3%B9%20%E2%82%AC');
    assert.equal(gw.sandbox.messages[0]?.message, ITALIAN);
  });
});
