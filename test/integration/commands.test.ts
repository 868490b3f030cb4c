// Send, status, resend, copy, delete and help inside the real extension host, on the extension's own
// services (sessions, history store, poller, log) against real sandbox gateways on 127.0.0.1. Only
// the prompts, notifications and modal confirmations are scripted.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CommandIds } from '../../src/common/commandIds';
import type { InviosmartApi } from '../../src/extension';
import { JOURNAL_FILE } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { FaultySandbox } from '../../src/sandbox/faults';
import {
  KEEP,
  Notices,
  TESTER,
  TesterGateway,
  extensionApi,
  setUserSetting,
  waitFor,
  messagesWith,
  sendWith,
  withSandboxAccount,
  type SendScript,
} from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const OK_SCRIPT: SendScript = { destinations: '+39 333 1234567', sender: 'Acme', message: 'Hello from the integration test', confirm: true };

/** Sends one message through a fresh rig and returns its entry (asserting it went out). */
async function sendOne(api: InviosmartApi, script: SendScript = OK_SCRIPT): Promise<HistoryEntry> {
  const entries = await sendWith(api, script).send.run();
  assert.equal(entries?.length, 1);
  return entries[0];
}

suite('Status poller on the built-in Sandbox (no clicks)', () => {
  test('a sandbox message reaches Delivered, and one to …02 ends failed (Undelivered), on their own', async function () {
    this.timeout(30_000);
    const api = await extensionApi();
    await withSandboxAccount(api, async () => {
      const rig = sendWith(api, { destinations: '+39 333 1234567, +39 333 1234502', sender: 'Acme', message: 'Poll me', confirm: true });
      const entries = await rig.send.run();
      assert.ok(entries);
      assert.deepEqual(entries.map((e) => e.state), ['sent', 'sent']);
      assert.ok(entries.every((e) => e.sandbox === true && e.account === 'sandbox'));
      const [ok, bad] = entries.map((e) => e.key);
      // Sandbox timeline at time scale 1: the outcome comes at 3 s; the poller asks every few seconds.
      await waitFor(() => api.history.get(ok)?.status?.code === 2048 && api.history.get(bad)?.state === 'failed', 20_000, 'final statuses');
      const delivered = api.history.get(ok)!;
      assert.equal(delivered.state, 'sent');
      assert.deepEqual(delivered.status, { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true });
      assert.equal(delivered.charge, 0.055);
      assert.equal(delivered.quantity, 1);
      assert.match(delivered.lastChangeOn ?? '', /^\d{14}$/);
      const undelivered = api.history.get(bad)!;
      assert.equal(undelivered.status?.code, 64);
      assert.equal(undelivered.status?.statusClass, 'failed');
      assert.equal(undelivered.status?.final, true);
    });
  });
});

suite('Send SMS (real services, scripted prompts)', () => {
  let api: InviosmartApi;
  let gw: TesterGateway;

  suiteSetup(async () => {
    api = await extensionApi();
  });
  setup(async () => {
    gw = await TesterGateway.start();
  });
  teardown(async () => {
    await gw.close();
    await setUserSetting('gateway.timeoutSeconds', undefined);
  });
  suiteTeardown(async () => {
    await setUserSetting('gateway.baseUrl', undefined);
  });

  test('one destination: recorded with its SMS ID as sent, reported, and the balance refreshed', async () => {
    const rig = sendWith(api, OK_SCRIPT);
    const balanceBefore = gw.sandbox.requestCount('balance');
    const entries = await rig.send.run();

    assert.ok(entries);
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(gw.sandbox.requestCount('send'), 1);
    const [accepted] = gw.sandbox.messages;
    assert.equal(accepted.destination, '393331234567');
    assert.equal(accepted.sender, 'Acme');
    assert.equal(accepted.message, 'Hello from the integration test');
    assert.equal(entry.state, 'sent');
    assert.equal(entry.smsId, accepted.smsId);
    assert.equal(entry.destination, '393331234567');
    assert.equal(entry.account, gw.account.id);
    assert.equal(entry.parts, 1);
    assert.equal(entry.sandbox, undefined, 'a real account is not marked sandbox');
    const stored = api.history.get(entry.key);
    assert.equal(stored?.state, 'sent');
    assert.equal(stored?.smsId, accepted.smsId);

    const sent = gw.sandbox.requests.find((r) => r.command === 'send');
    assert.equal(sent?.query.password, '***', 'the sandbox saw the password (it records it masked)');
    assert.equal(sent?.query.pricecat, undefined);

    assert.deepEqual(rig.prompts.asked, ['destinations', 'sender', 'message', 'confirm']);
    assert.deepEqual(rig.prompts.sendersOffered, [], 'no sender used before and no default sender');
    assert.equal(rig.prompts.confirmSummary, 'Send 1 SMS to +39 333 123 4567?');
    assert.equal(rig.afterSendCalls(), 1);
    await waitFor(() => gw.sandbox.requestCount('balance') > balanceBefore + 1, 5000, 'the balance refresh after the send');
    const told = rig.notices.last();
    assert.equal(told.kind, 'info');
    assert.equal(told.text, `SMS sent to +39 333 123 4567 (ID ${accepted.smsId}).`);
    assert.deepEqual(told.actions, ['Show Status', 'Copy ID']);
    assert.ok(!rig.notices.shown.some((n) => n.text.includes(TESTER.password)));
  });

  test('"Show Status" on the sent notification checks that message; "Copy ID" copies the IDs', async () => {
    const show = new Notices();
    show.answerNext('Show Status');
    const [entry] = (await sendWith(api, OK_SCRIPT, show).send.run())!;
    await waitFor(() => api.history.get(entry.key)?.status !== undefined, 5000, 'the status check');
    assert.equal(gw.sandbox.requestCount('status'), 1);
    assert.equal(api.history.get(entry.key)?.status?.label, 'Queued');

    const copy = new Notices();
    copy.answerNext('Copy ID');
    const entries = (await sendWith(api, { ...OK_SCRIPT, destinations: '393331234567, 393337654321' }, copy).send.run())!;
    const ids = entries.map((e) => e.smsId).join(', ');
    let clip = '';
    for (let i = 0; i < 100 && (clip = await vscode.env.clipboard.readText()) !== ids; i++) await sleep(20);
    assert.equal(clip, ids);
  });

  test('several destinations: normalised, recorded together, one request, one entry each in order', async () => {
    const rig = sendWith(api, { ...OK_SCRIPT, destinations: '+39 333 1234567, 0039 333 7654321' });
    const recordings: string[][] = [];
    const sub = api.history.onDidChange(({ upserted }) => {
      const sending = upserted.filter((e) => e.state === 'sending' && e.text === OK_SCRIPT.message);
      if (sending.length > 0) recordings.push(sending.map((e) => e.destination));
    });
    let entries: HistoryEntry[] | undefined;
    try {
      entries = await rig.send.run();
    } finally {
      sub.dispose();
    }
    // One write for the whole request: a crash can never leave half of it recorded as "sending".
    assert.deepEqual(recordings, [['393331234567', '393337654321']]);

    assert.equal(rig.prompts.destinationsProblem, undefined);
    assert.equal(gw.sandbox.requestCount('send'), 1, 'one request for both');
    assert.equal(gw.sandbox.requests.find((r) => r.command === 'send')?.query.destination, '393331234567.393337654321');
    assert.ok(entries);
    assert.deepEqual(entries.map((e) => e.destination), ['393331234567', '393337654321']);
    assert.deepEqual(entries.map((e) => e.smsId), gw.sandbox.messages.map((m) => m.smsId));
    assert.ok(entries.every((e) => e.state === 'sent' && api.history.get(e.key)?.state === 'sent'));
    assert.equal(new Set(entries.map((e) => e.key)).size, 2);
    assert.equal(rig.prompts.confirmSummary, 'Send 1 SMS each to 2 numbers?');
    assert.match(rig.prompts.confirmDetail ?? '', /^To: \+39 333 123 4567, \+39 333 765 4321$/m);
    assert.match(rig.notices.last().text, /^2 SMS sent \(IDs \d+, \d+\)\.$/);
  });

  test('an invalid destination sends nothing and names the number and the reason', async () => {
    const rig = sendWith(api, { ...OK_SCRIPT, destinations: '+39 333 1234567, 12ab' });
    assert.equal(await rig.send.run(), undefined);

    assert.match(rig.prompts.destinationsProblem ?? '', /^12ab: .+/, 'the input box says what is wrong while typing');
    assert.deepEqual(rig.prompts.asked, ['destinations'], 'it stops at the bad number');
    assert.equal(gw.sandbox.requestCount('send'), 0);
    assert.deepEqual(gw.entries(), []);
    const told = rig.notices.last();
    assert.equal(told.kind, 'error');
    assert.match(told.text, /^Nothing was sent\. Fix these numbers: 12ab \(.+\)$/);
    assert.ok(!told.text.includes('393331234567'), 'only the bad number is named');
  });

  test('an empty destination list sends nothing', async () => {
    const rig = sendWith(api, { ...OK_SCRIPT, destinations: ' , ' });
    assert.equal(await rig.send.run(), undefined);
    assert.equal(rig.prompts.destinationsProblem, 'Enter at least one phone number.');
    assert.equal(rig.notices.last().text, 'Nothing was sent: enter at least one phone number.');
    assert.equal(gw.sandbox.requestCount('send'), 0);
  });

  for (const [sender, reason] of [
    ['12345', /letter/],
    ['ABCDEFGHIJKL', /12 characters long/],
    ['Acmé', /sender contains 'é'/],
  ] as const) {
    test(`a bad sender (${sender}) sends nothing`, async () => {
      const rig = sendWith(api, { ...OK_SCRIPT, sender });
      assert.equal(await rig.send.run(), undefined);
      assert.match(rig.prompts.senderProblem ?? '', reason);
      assert.deepEqual(rig.prompts.asked, ['destinations', 'sender']);
      const told = rig.notices.last();
      assert.equal(told.kind, 'error');
      assert.match(told.text, /^Nothing was sent: /);
      assert.match(told.text, reason);
      assert.equal(gw.sandbox.requestCount('send'), 0);
      assert.deepEqual(gw.entries(), []);
    });
  }

  test('a text over 612 characters sends nothing and says by how much to shorten it', async () => {
    const rig = sendWith(api, { ...OK_SCRIPT, message: 'x'.repeat(613) });
    assert.equal(await rig.send.run(), undefined);
    assert.equal(rig.prompts.messageInfo?.info, '613 characters · GSM-7 · 5 SMS');
    assert.equal(rig.prompts.messageInfo?.error, 'The message has 613 characters; the gateway accepts at most 612. Shorten it by 1.');
    assert.equal(rig.notices.last().text, `Nothing was sent: ${rig.prompts.messageInfo?.error}`);
    assert.deepEqual(rig.prompts.asked, ['destinations', 'sender', 'message']);
    assert.equal(gw.sandbox.requestCount('send'), 0);
    assert.deepEqual(gw.entries(), []);
  });

  test('a UCS-2 text is described as such, counted in UTF-16 units, and sent in the parts counted', async () => {
    const text = 'Caffè ☕ pronto? ' + 'a'.repeat(55); // 71 UTF-16 units: one over a single UCS-2 SMS
    const rig = sendWith(api, { ...OK_SCRIPT, message: text });
    const entries = await rig.send.run();
    assert.equal(rig.prompts.messageInfo?.info, '71 characters · UCS-2 · 2 SMS · UCS-2 because of: ☕');
    assert.equal(rig.prompts.messageInfo?.error, undefined);
    assert.ok(rig.prompts.confirmDetail?.includes('71 characters · UCS-2 · 2 SMS'));
    assert.equal(rig.prompts.confirmSummary, 'Send 2 SMS to +39 333 123 4567?');
    assert.equal(entries?.[0].parts, 2);
    assert.equal(gw.sandbox.messages[0].parts, 2, 'the gateway counted the same parts');
    assert.equal(gw.sandbox.messages[0].message, text, 'the text arrived intact');
  });

  for (const step of ['destinations', 'sender', 'message', 'confirm'] as const) {
    test(`cancelling at the ${step} step sends and records nothing`, async () => {
      const script: SendScript = { ...OK_SCRIPT, [step]: step === 'confirm' ? false : undefined };
      const rig = sendWith(api, script);
      assert.equal(await rig.send.run(), undefined);
      assert.equal(rig.prompts.asked.at(-1), step, 'nothing is asked after the cancelled step');
      assert.equal(gw.sandbox.requestCount('send'), 0);
      assert.deepEqual(gw.entries(), []);
      assert.deepEqual(rig.notices.shown, [], 'a cancel is silent');
      assert.equal(rig.afterSendCalls(), 0);
    });
  }

  test('the confirmation shows the estimated cost from the balance answer', async () => {
    const one = sendWith(api, { ...OK_SCRIPT, confirm: false });
    await one.send.run();
    // 10 EUR buys floor(10 / 0.055) = 181 SMS to +39, so one part is estimated at 10/181 EUR.
    // 10 / 181 per part, shown with up to four decimals
    assert.equal(one.prompts.confirmDetail, [
      'To: +39 333 123 4567',
      'From: Acme',
      'Account: tester',
      '31 characters · GSM-7 · 1 SMS',
      'Estimated cost: about €0.0552 of €10.00 balance',
    ].join('\n'));
    assert.equal(gw.sandbox.requests.find((r) => r.command === 'balance')?.query.countryprefix, '39');

    const two = sendWith(api, { ...OK_SCRIPT, destinations: '393331234567, 393337654321', message: 'y'.repeat(161), confirm: false });
    await two.send.run();
    assert.match(two.prompts.confirmDetail ?? '', /^Estimated cost: about €0\.221 of €10\.00 balance$/m);
    assert.equal(gw.sandbox.requestCount('send'), 0);
  });

  test('a wrong password (1012) leaves a failed entry with the code and an explanation', async () => {
    await gw.close();
    gw = await TesterGateway.start({ password: 'not-the-password' });
    const rig = sendWith(api, OK_SCRIPT);
    const entries = await rig.send.run();
    assert.match(rig.prompts.confirmDetail ?? '', /^Estimated cost: unknown \(1012\)$/m);
    assert.equal(entries?.length, 1);
    const entry = api.history.get(entries[0].key)!;
    assert.equal(entry.state, 'failed');
    assert.equal(entry.smsId, undefined);
    assert.equal(entry.error?.code, 1012);
    assert.match(entry.error?.explanation ?? '', /did not accept the user name and password/);
    assert.match(entry.error?.gatewayText ?? '', /^Error: 1012 /);
    assert.equal(gw.sandbox.requestCount('send'), 1);
    assert.equal(gw.sandbox.messages.length, 0);
    const told = rig.notices.last();
    assert.equal(told.kind, 'error');
    assert.match(told.text, /^SMS not sent: The gateway did not accept the user name and password\. .*\(Error: 1012 - Authendication failure/);
    assert.ok(!JSON.stringify(rig.notices.shown).includes('not-the-password'));
    assert.ok(!JSON.stringify(entry).includes('not-the-password'));
  });

  test('no credit at all (1013) and not enough for the destination (1018) fail with their codes', async () => {
    gw.sandbox.account(TESTER.username)!.balance = 0;
    const none = await sendWith(api, OK_SCRIPT).send.run();
    assert.equal(none?.[0].state, 'failed');
    assert.equal(none?.[0].error?.code, 1013);

    gw.sandbox.account(TESTER.username)!.balance = 0.03; // one part to +39 costs 0.055
    const rig = sendWith(api, OK_SCRIPT);
    const short = await rig.send.run();
    assert.equal(short?.[0].state, 'failed');
    assert.equal(short?.[0].error?.code, 1018);
    assert.match(rig.notices.last().text, /^SMS not sent: /);
    assert.equal(gw.sandbox.messages.length, 0);
  });

  test('credit for one of two destinations: the first is sent, the second fails with 1018, both recorded', async () => {
    gw.sandbox.account(TESTER.username)!.balance = 0.06;
    const rig = sendWith(api, { ...OK_SCRIPT, destinations: '393331234567, 393337654321' });
    const entries = (await rig.send.run())!;
    assert.deepEqual(entries.map((e) => api.history.get(e.key)?.state), ['sent', 'failed']);
    assert.equal(entries[0].smsId, gw.sandbox.messages[0].smsId);
    assert.equal(entries[1].smsId, undefined);
    assert.equal(entries[1].error?.code, 1018);
    assert.equal(gw.sandbox.requestCount('send'), 1);
    const told = rig.notices.last();
    assert.equal(told.kind, 'error');
    assert.match(told.text, /^1 of 2 SMS sent; failed for \+39 333 765 4321: The credit left does not cover/);
  });

  test('1031 (temporarily unavailable) fails, says to try again, and is not retried', async () => {
    gw.sandbox.injectFault({ fault: { kind: 'error1031' }, command: 'send' });
    const rig = sendWith(api, OK_SCRIPT);
    const entries = await rig.send.run();
    const entry = api.history.get(entries![0].key)!;
    assert.equal(entry.state, 'failed');
    assert.equal(entry.error?.code, 1031);
    assert.match(entry.error?.explanation ?? '', /temporarily unavailable/);
    assert.match(rig.notices.last().text, /try again/i);
    // The background paths that touch an entry after a send: a status pass over it sends nothing.
    await api.poller.refreshNow([entry.key]);
    assert.equal(gw.sandbox.requestCount('send'), 1, 'a send is never retried automatically');
  });

  test('a time-out leaves the entry unknown, sent once — and the gateway did take it, which is why it is not resent', async () => {
    await setUserSetting('gateway.timeoutSeconds', 2);
    gw.sandbox.injectFault({ fault: { kind: 'hang' }, command: 'send' });
    const rig = sendWith(api, OK_SCRIPT);
    const started = Date.now();
    const entries = await rig.send.run();
    const took = Date.now() - started;
    assert.ok(took >= 1900 && took < 8000, `gave up after ${took} ms`);
    const entry = api.history.get(entries![0].key)!;
    assert.equal(entry.state, 'unknown');
    assert.equal(entry.error?.kind, 'timeout');
    assert.match(entry.error?.explanation ?? '', /may or may not have been sent/);
    assert.equal(entry.smsId, undefined);
    assert.equal(gw.sandbox.requestCount('send'), 1);
    assert.equal(gw.sandbox.messages.length, 1, 'the gateway recorded (and charged) the SMS although no answer came');
    const told = rig.notices.last();
    assert.equal(told.kind, 'warning');
    assert.match(told.text, /^No answer came for the SMS to \+39 333 123 4567: it may or may not have been sent, so it was not retried\./);
  });

  test('an HTML page instead of an answer leaves the send unknown (the client cannot tell whether it went out)', async () => {
    gw.sandbox.injectFault({ fault: { kind: 'html' }, command: 'send' });
    const rig = sendWith(api, OK_SCRIPT);
    const entries = await rig.send.run();
    const entry = api.history.get(entries![0].key)!;
    assert.equal(entry.state, 'unknown');
    assert.equal(entry.error?.kind, 'malformed');
    assert.match(entry.error?.gatewayText ?? '', /^HTML page instead of a gateway answer/);
    assert.equal(gw.sandbox.requestCount('send'), 1);
    assert.equal(rig.notices.last().kind, 'warning');
  });

  test('the entry is recorded as sending before the request leaves', async () => {
    gw.sandbox.injectFault({ fault: { kind: 'latency', ms: 500 }, command: 'send' });
    const seen: Array<{ at: number; state: string }> = [];
    const sub = api.history.onDidChange(({ upserted }) => {
      for (const e of upserted) if (e.text === OK_SCRIPT.message) seen.push({ at: Date.now(), state: e.state });
    });
    try {
      const rig = sendWith(api, OK_SCRIPT);
      const running = rig.send.run();
      await waitFor(() => gw.sandbox.requestCount('send') === 1, 5000, 'the send request');
      const inFlight = gw.entries().filter((e) => e.text === OK_SCRIPT.message);
      assert.equal(inFlight.length, 1);
      assert.equal(inFlight[0].state, 'sending', 'recorded, and still waiting for the answer');
      assert.equal(inFlight[0].smsId, undefined);
      // On disk too, so a crashed window still knows this request may have gone out.
      const journal = await readFile(join(api.history.dir, JOURNAL_FILE), 'utf8');
      const lines = journal.split('\n').filter((l) => l.includes(inFlight[0].key)).map((l) => JSON.parse(l) as { state?: string });
      assert.deepEqual(lines.map((l) => l.state), ['sending']);
      const arrived = gw.sandbox.requests.find((r) => r.command === 'send')!.at;
      assert.ok(seen[0].state === 'sending' && seen[0].at <= arrived, 'recorded before the gateway saw the request');
      const entries = await running;
      assert.equal(entries?.[0].state, 'sent');
      assert.equal(api.history.get(inFlight[0].key)?.state, 'sent');
    } finally {
      sub.dispose();
    }
  });
});

suite('Message commands (status, resend, copy, delete)', () => {
  let api: InviosmartApi;
  let gw: TesterGateway;

  suiteSetup(async () => {
    api = await extensionApi();
  });
  setup(async () => {
    gw = await TesterGateway.start();
  });
  teardown(async () => {
    await gw.close();
  });
  suiteTeardown(async () => {
    await setUserSetting('gateway.baseUrl', undefined);
  });

  test('Check Status updates the entry and reports the status', async () => {
    const entry = await sendOne(api);
    const rig = messagesWith(api, sendWith(api, {}).send);
    const updated = await rig.messages.checkStatus(entry.key);

    assert.equal(gw.sandbox.requestCount('status'), 1);
    assert.ok(updated);
    assert.equal(updated.status?.code, 1, 'just sent: queued');
    assert.equal(updated.status?.label, 'Queued');
    assert.equal(updated.status?.final, false);
    assert.equal(updated.quantity, 1);
    assert.equal(updated.charge, 0.055);
    assert.ok(updated.lastPolledAt);
    assert.ok(updated.rev > entry.rev);
    assert.deepEqual(api.history.get(entry.key)?.status, updated.status);
    const told = rig.notices.last();
    assert.equal(told.kind, 'info');
    assert.equal(told.text, `SMS ${entry.smsId} to +39 333 123 4567: Queued (status 1) · 1 SMS · €0.055`);
  });

  test('the extension\'s own Check Status command updates the entry too', async () => {
    const entry = await sendOne(api);
    const updated = await vscode.commands.executeCommand<HistoryEntry | undefined>('inviosmart.checkStatus', entry.key);
    assert.equal(updated?.key, entry.key);
    assert.equal(api.history.get(entry.key)?.status?.code, 1);
  });

  test('sending while signed out asks nothing and offers Sign In', async () => {
    await api.accounts.accounts.setActive(undefined);
    const rig = sendWith(api, OK_SCRIPT);
    assert.equal(await rig.send.run(), undefined);
    assert.deepEqual(rig.prompts.asked, []);
    const told = rig.notices.last();
    assert.equal(told.kind, 'warning');
    assert.match(told.text, /not signed in/);
    assert.deepEqual(told.actions, ['Sign In']);
    assert.equal(gw.sandbox.requestCount('send'), 0);
  });

  test('Refresh Status asks the gateway now for the given entries', async () => {
    const entries = (await sendWith(api, { ...OK_SCRIPT, destinations: '393331234567, 393337654321' }).send.run())!;
    await vscode.commands.executeCommand('inviosmart.refreshStatus', { key: entries[0].key }, entries.map((e) => ({ key: e.key })));
    assert.equal(gw.sandbox.requestCount('status'), 2);
    assert.ok(entries.every((e) => api.history.get(e.key)?.status?.code === 1));
  });

  test('Check Status on an entry without an SMS ID warns and asks nothing', async () => {
    gw.sandbox.account(TESTER.username)!.balance = 0;
    const failed = await sendOne(api);
    assert.equal(failed.smsId, undefined);
    const rig = messagesWith(api, sendWith(api, {}).send);
    const same = await rig.messages.checkStatus(failed.key);
    assert.equal(same?.key, failed.key);
    assert.equal(gw.sandbox.requestCount('status'), 0);
    assert.equal(rig.notices.last().kind, 'warning');
    assert.match(rig.notices.last().text, /no SMS ID/);
  });

  test('a 1031 on status shows the error and leaves the entry unchanged', async () => {
    const entry = await sendOne(api);
    gw.sandbox.injectFault({ fault: { kind: 'error1031' }, command: 'status', times: 3 });
    const rig = messagesWith(api, sendWith(api, {}).send);
    const result = await rig.messages.checkStatus(entry.key);
    assert.equal(gw.sandbox.requestCount('status'), 3, 'status is safe to retry: asked three times');
    assert.deepEqual(api.history.get(entry.key), entry, 'the entry is untouched');
    assert.deepEqual(result, entry);
    const told = rig.notices.last();
    assert.equal(told.kind, 'error');
    assert.match(told.text, new RegExp(`^The status of SMS ${entry.smsId} could not be checked: The gateway is temporarily unavailable\\. Wait a few minutes and try again\\. \\(gateway said: Error: 1031 `));
    assert.deepEqual(told.actions, ['Show Log']);
  });

  test('Check Status does not wait for its error notification to be dismissed', async () => {
    const entry = await sendOne(api);
    gw.sandbox.injectFault({ fault: { kind: 'error1031' }, command: 'status', times: 3 });
    // The real command, with real notifications that nobody clicks.
    const done = vscode.commands.executeCommand('inviosmart.checkStatus', entry.key).then(() => 'returned');
    const outcome = await Promise.race([done, sleep(8000).then(() => 'still waiting')]);
    assert.equal(outcome, 'returned');
  });

  test('resending an unknown entry asks first; declined, nothing is sent', async () => {
    gw.sandbox.injectFault({ fault: { kind: 'html' }, command: 'send', times: 1 });
    const unknown = await sendOne(api);
    assert.equal(unknown.state, 'unknown');
    const resendRig = sendWith(api, { destinations: KEEP, message: KEEP, confirm: true });
    const rig = messagesWith(api, resendRig.send, [false]);

    assert.equal(await rig.messages.resend(unknown.key), undefined);
    assert.equal(rig.confirm.asked.length, 1);
    assert.match(rig.confirm.asked[0].message, /\+39 333 123 4567 had no answer: it may already have been delivered\. Resending could deliver it twice, and you would pay twice\./);
    assert.equal(rig.confirm.asked[0].action, 'Resend Anyway');
    assert.deepEqual(resendRig.prompts.asked, [], 'the send dialog never opened');
    assert.equal(gw.sandbox.requestCount('send'), 1, 'only the first attempt');
  });

  test('resending an unknown entry after "Resend Anyway" offers the same message again', async () => {
    gw.sandbox.injectFault({ fault: { kind: 'html' }, command: 'send', times: 1 });
    const unknown = await sendOne(api);
    const resendRig = sendWith(api, { destinations: KEEP, message: KEEP, confirm: true });
    const rig = messagesWith(api, resendRig.send, [true]);

    const again = await rig.messages.resend(unknown.key);
    assert.equal(resendRig.prompts.destinationsInitial, '393331234567');
    assert.equal(resendRig.prompts.messageInitial, OK_SCRIPT.message);
    assert.deepEqual(resendRig.prompts.asked, ['destinations', 'message', 'confirm'], 'the sender is kept');
    assert.equal(again?.length, 1);
    assert.equal(again[0].state, 'sent');
    assert.equal(again[0].sender, 'Acme');
    assert.notEqual(again[0].key, unknown.key, 'a resend is a new entry');
    assert.equal(api.history.get(unknown.key)?.state, 'unknown', 'the first attempt keeps its own record');
    assert.equal(gw.sandbox.requestCount('send'), 2);
  });

  test('resending a failed entry does not ask for confirmation', async () => {
    gw.sandbox.account(TESTER.username)!.balance = 0;
    const failed = await sendOne(api);
    gw.sandbox.account(TESTER.username)!.balance = 10;
    const resendRig = sendWith(api, { destinations: KEEP, message: KEEP, confirm: false });
    const rig = messagesWith(api, resendRig.send);
    await rig.messages.resend(failed.key);
    assert.equal(rig.confirm.asked.length, 0);
    assert.deepEqual(resendRig.prompts.asked, ['destinations', 'message', 'confirm']);
  });

  test('Copy ID and Copy Text put the SMS ID and the text on the clipboard', async () => {
    const entry = await sendOne(api, { ...OK_SCRIPT, message: 'Copy me: àèìòù ☕ line\nsecond line' });
    await vscode.commands.executeCommand('inviosmart.copyId', entry.key);
    assert.equal(await vscode.env.clipboard.readText(), String(entry.smsId));
    await vscode.commands.executeCommand('inviosmart.copyText', { key: entry.key });
    assert.equal(await vscode.env.clipboard.readText(), 'Copy me: àèìòù ☕ line\nsecond line');
  });

  test('Copy ID of an entry without an SMS ID warns and leaves the clipboard alone', async () => {
    gw.sandbox.account(TESTER.username)!.balance = 0;
    const failed = await sendOne(api);
    await vscode.env.clipboard.writeText('untouched');
    const rig = messagesWith(api, sendWith(api, {}).send);
    await rig.messages.copy(failed.key, 'id');
    assert.equal(await vscode.env.clipboard.readText(), 'untouched');
    assert.equal(rig.notices.last().text, 'This message has no SMS ID.');
  });

  test('Delete asks, keeps the entry when declined, removes it when confirmed', async () => {
    const entry = await sendOne(api);
    const rig = messagesWith(api, sendWith(api, {}).send, [false, true]);
    assert.equal(await rig.messages.delete(entry.key), false);
    assert.ok(api.history.get(entry.key), 'declined: still there');
    assert.equal(rig.confirm.asked[0].message, 'Delete this message from the history?');
    assert.equal(rig.confirm.asked[0].detail, 'Only the local record is removed; the gateway keeps its own.');
    assert.equal(rig.confirm.asked[0].action, 'Delete');

    assert.equal(await rig.messages.delete({ key: entry.key }), true);
    assert.equal(api.history.get(entry.key), undefined);
    assert.ok(!api.history.all().some((e) => e.key === entry.key));
  });

  test('Delete of several selected entries asks once', async () => {
    const entries = await sendWith(api, { ...OK_SCRIPT, destinations: '393331234567, 393337654321' }).send.run();
    assert.ok(entries);
    const rig = messagesWith(api, sendWith(api, {}).send, [true]);
    assert.equal(await rig.messages.delete(entries[0].key, entries.map((e) => ({ key: e.key }))), true);
    assert.equal(rig.confirm.asked.length, 1);
    assert.equal(rig.confirm.asked[0].message, 'Delete 2 messages from the history?');
    assert.ok(entries.every((e) => api.history.get(e.key) === undefined));
  });

  test('Open in Panel opens the SMS History panel', async () => {
    const entry = await sendOne(api);
    await vscode.commands.executeCommand(CommandIds.openEntryInPanel, { key: entry.key });
    try {
      await waitFor(() => api.panel.host?.isReady === true, 10_000, 'the panel to load');
    } finally {
      api.panel.host?.panel.dispose();
    }
  });
});

suite('Show API Help error path', () => {
  test('a closed gateway: no throw, the error is shown, nothing opens', async () => {
    const api = await extensionApi();
    const closed = await FaultySandbox.start({ port: 0 });
    const url = closed.url;
    await closed.close();
    const previous = api.accounts.accounts.active()?.id;
    await api.accounts.accounts.setActive(undefined); // signed out: help comes from the configured gateway
    await setUserSetting('gateway.baseUrl', url);
    try {
      const notices = new Notices();
      const Help = api.classes.HelpCommand;
      const help = new Help(api.accounts.sessions, api.log, { notify: notices.notify, register: false });
      try {
        const editorBefore = vscode.window.activeTextEditor;
        assert.equal(await help.run(), undefined);
        assert.equal(vscode.window.activeTextEditor, editorBefore);
        const told = notices.last();
        assert.equal(told.kind, 'error');
        assert.match(told.text, /^Could not get the API help: The gateway refused the connection; nothing was sent\./);
        assert.deepEqual(told.actions, ['Show Log']);
      } finally {
        help.dispose();
      }
      // The registered command with real notifications returns too, without waiting for a click.
      const ran = vscode.commands.executeCommand('inviosmart.showHelp').then(() => 'returned', (e: unknown) => `threw ${String(e)}`);
      assert.equal(await Promise.race([ran, sleep(8000).then(() => 'still waiting')]), 'returned');
    } finally {
      await setUserSetting('gateway.baseUrl', undefined);
      await api.accounts.accounts.setActive(previous);
    }
  });
});
