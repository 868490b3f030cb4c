// What the user sees after a send, in the real extension host on the extension's own services and
// real sandbox gateways on 127.0.0.1: the disk filling during a send (through the extension's test
// switch on its own history folder), a message the gateway holds for cost confirmation (1022), and
// Resend going out through the message's own account. Only prompts, notifications and modal
// confirmations are scripted.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DISK_FULL_ENV } from '../../src/common/diskFullSwitch';
import { SANDBOX_ACCOUNT_ID } from '../../src/credentials/types';
import type { InviosmartApi } from '../../src/extension';
import type { HistoryEntry } from '../../src/history/types';
import { KEEP, Notices, ScriptedConfirm, TesterGateway, extensionApi, messagesWith, sendWith, waitFor, type SendScript } from './helpers';

/** The installed .vsix (production bundle) rather than the source folder's development build. */
const PACKAGED = process.env.INVIOSMART_TEST_MODE === 'vsix';

const SCRIPT: SendScript = { destinations: '+39 333 1234567', sender: 'Acme', message: 'Outcome test', confirm: true };

/** Send and message commands sharing one set of notices and one scripted confirmation. */
function rig(api: InviosmartApi, script: SendScript, confirms: boolean[] = []) {
  const notices = new Notices();
  const confirm = new ScriptedConfirm(confirms);
  const { send, prompts } = sendWith(api, script, notices, { confirm: confirm.confirm, historyRetryMs: 100 });
  const { messages } = messagesWith(api, send, confirm, notices);
  return { send, messages, notices, confirm, prompts };
}

suite('Send outcome: full disk, held messages, Resend account', () => {
  let api: InviosmartApi;
  let gw: TesterGateway;
  const extra = new Set<string>();

  suiteSetup(async () => {
    api = await extensionApi();
  });
  setup(async () => {
    gw = await TesterGateway.start();
  });
  teardown(async () => {
    delete process.env[DISK_FULL_ENV];
    const left = [...extra].filter((k) => api.history.get(k));
    extra.clear();
    if (left.length > 0) await api.history.remove(left);
    await gw.close();
  });

  // The packaged extension (INVIOSMART_TEST_MODE=vsix) is the production bundle, which leaves the disk-full
  // switch out (test/unit/productionBundle.test.ts): there the variable must change nothing.
  if (!PACKAGED) {
    test('the disk fills during a send: a clear notification with the SMS ID, no "try again", and the history catches up', async () => {
      // The history folder fills up right after the "sending" entry is written, while the request is out.
      const sub = api.history.onDidChange(({ upserted }) => {
        if (upserted.some((e) => e.state === 'sending')) process.env[DISK_FULL_ENV] = '1';
      });
      const r = rig(api, SCRIPT);
      let entries: HistoryEntry[] | undefined;
      try {
        entries = await r.send.run();
      } finally {
        sub.dispose();
      }
      assert.equal(gw.sandbox.messages.length, 1, 'the gateway took it');
      const smsId = gw.sandbox.messages[0].smsId;
      assert.equal(entries?.length, 1);
      assert.equal(entries[0].state, 'sent');
      assert.equal(entries[0].smsId, smsId);

      await waitFor(() => r.notices.shown.length > 0, 5000, 'the notification');
      assert.equal(r.notices.shown.length, 1, 'one notification');
      const told = r.notices.shown[0];
      assert.equal(told.kind, 'error', `the disk-full switch did not act (it works only under ExtensionMode.Test); the user was told: ${told.text}`);
      assert.equal(
        told.text,
        `The SMS was sent (ID ${smsId}) but the history could not be saved: the disk is full. Keep the ID; the history is saved as soon as it can be. Do not send it again.`,
      );
      assert.deepEqual(told.actions, ['Copy ID', 'Show Log']);
      assert.ok(!/try again/i.test(told.text + told.actions.join(' ')), 'no "try again"');
      const stored = api.history.get(entries[0].key);
      assert.equal(stored?.state, 'sending', 'on disk it is still "sending", never "failed"');

      // Space again: the kept outcome is written on its own.
      delete process.env[DISK_FULL_ENV];
      await waitFor(() => api.history.get(entries![0].key)?.state === 'sent', 10_000, 'the history to catch up');
      assert.equal(api.history.get(entries[0].key)?.smsId, smsId);
      assert.equal(gw.sandbox.requestCount('send'), 1, 'never sent again');
    });

    test('the disk is full before a send: nothing goes out, and the user is told what to fix', async () => {
      process.env[DISK_FULL_ENV] = '1';
      const r = rig(api, SCRIPT);
      assert.equal(await r.send.run(), undefined);
      delete process.env[DISK_FULL_ENV];
      assert.equal(gw.sandbox.requestCount('send'), 0, 'nothing sent without a record of it');
      assert.equal(r.notices.shown.length, 1);
      assert.equal(r.notices.shown[0].kind, 'error', `the disk-full switch did not act (it works only under ExtensionMode.Test): ${r.notices.shown[0].text}`);
      assert.equal(
        r.notices.shown[0].text,
        'Nothing was sent: the message history could not be saved (the disk is full). Free some space or fix the folder, then send again.',
      );
    });
  } else {
    test('the packaged extension has no disk-full switch: the test variable changes nothing', async () => {
      process.env[DISK_FULL_ENV] = '1';
      const r = rig(api, SCRIPT);
      const entries = await r.send.run();
      delete process.env[DISK_FULL_ENV];
      assert.equal(gw.sandbox.requestCount('send'), 1, 'sent');
      assert.equal(entries?.length, 1);
      await waitFor(() => api.history.get(entries![0].key)?.state === 'sent', 10_000, 'the history to save the sent message');
      assert.ok(!r.notices.shown.some((n) => n.kind === 'error'), `no error: ${r.notices.shown.map((n) => n.text).join(' | ')}`);
      extra.add(entries[0].key);
    });
  }

  test('120 numbers go out as 3 requests; a lost answer on the 2nd: its numbers unknown, the 3rd not sent, each told', async () => {
    const numbers = Array.from({ length: 120 }, (_, i) => `39333${String(1_000_000 + i).slice(1)}0`);
    // The gateway drops the connection of the request after the first answer came back.
    let armed = false;
    const sub = api.history.onDidChange(({ upserted }) => {
      if (!armed && upserted.some((e) => e.state === 'sent')) {
        armed = true;
        gw.sandbox.injectFault({ fault: { kind: 'resetAfterRead' }, command: 'send', times: 1 });
      }
    });
    const r = rig(api, { ...SCRIPT, destinations: numbers.join(', ') });
    let entries: HistoryEntry[] | undefined;
    try {
      entries = await r.send.run();
    } finally {
      sub.dispose();
    }
    assert.equal(gw.sandbox.requestCount('send'), 2, 'the 3rd request never went out');
    assert.deepEqual(entries?.map((e) => e.destination), numbers);
    const states = entries!.map((e) => api.history.get(e.key)?.state);
    assert.deepEqual([...new Set(states.slice(0, 50))], ['sent']);
    assert.deepEqual([...new Set(states.slice(50, 100))], ['unknown']);
    assert.deepEqual([...new Set(states.slice(100))], ['failed']);
    await waitFor(() => r.notices.shown.length >= 2, 5000, 'both notifications');
    const [lost, notSent] = r.notices.shown;
    assert.equal(lost.kind, 'warning');
    assert.match(lost.text, /^No answer came for the SMS to \+39 333 000 0500, .*\+39 333 000 0990: it may or may not have been sent/);
    assert.equal(notSent.kind, 'error');
    assert.match(notSent.text, /^50 of 120 SMS sent; failed for \+39 333 000 1000, .*\+39 333 000 1190: Not sent: request 2 of 3 failed, so the numbers after it were not sent\./);
  });

  test('1022: the message is held (not failed), the user is told to confirm it on the website, and Resend warns of paying twice', async () => {
    gw.sandbox.injectFault({ fault: { kind: 'http', status: 200, body: 'Status: 1022 - Awaiting cost confirmation, not sent yet' }, command: 'send', times: 1 });
    const r = rig(api, SCRIPT, [false]);
    const entries = await r.send.run();
    assert.equal(entries?.[0].state, 'held');
    assert.equal(api.history.get(entries[0].key)?.state, 'held');
    await waitFor(() => r.notices.shown.length > 0, 5000, 'the notification');
    assert.equal(r.notices.shown[0].kind, 'warning');
    assert.match(r.notices.shown[0].text, /^The gateway is holding the SMS to \+39 333 123 4567 until its cost is confirmed on the Inviosmart website: it has not been sent yet\./);
    assert.deepEqual(r.notices.shown[0].actions, [], 'no "try again"');

    assert.equal(await r.messages.resend(entries[0].key), undefined);
    assert.equal(r.confirm.asked.length, 1);
    assert.match(r.confirm.asked[0].message, /Confirming it there would send it; resending it here as well would send it twice, and you would pay twice\./);
    assert.equal(gw.sandbox.requestCount('send'), 1, 'declined: nothing more sent');
  });

  test('Resend goes out through the message\'s own account, not the active one', async () => {
    await api.accounts.accounts.setActive(SANDBOX_ACCOUNT_ID);
    const first = await rig(api, SCRIPT).send.run();
    assert.equal(first?.[0].account, SANDBOX_ACCOUNT_ID);
    first.forEach((e) => extra.add(e.key));
    await api.accounts.accounts.setActive(gw.account.id); // the real (tester) account is active now

    const r = rig(api, { destinations: KEEP, message: KEEP, confirm: true });
    const again = await r.messages.resend(first[0].key);
    again?.forEach((e) => extra.add(e.key));
    assert.equal(again?.[0].account, SANDBOX_ACCOUNT_ID, 'resent through the sandbox');
    assert.equal(gw.sandbox.requestCount('send'), 0, 'the active real account was not charged');
    assert.equal(r.confirm.asked.length, 0, 'nothing to ask: the account is still there');
  });

  test('Resend asks before using the active account when the message\'s account is gone', async () => {
    const first = await rig(api, SCRIPT).send.run();
    assert.equal(first?.[0].account, gw.account.id);
    await api.accounts.accounts.remove(gw.account.id);
    await api.accounts.accounts.setActive(SANDBOX_ACCOUNT_ID);

    const declined = rig(api, { destinations: KEEP, message: KEEP, confirm: true }, [false]);
    assert.equal(await declined.messages.resend(first[0].key), undefined);
    assert.equal(declined.confirm.asked.length, 1);
    assert.match(declined.confirm.asked[0].message, /^The account "tester" that sent this message is no longer available here\. Send it with the active account "Sandbox" instead\?$/);
    assert.deepEqual(declined.prompts.asked, [], 'declined: the send dialog never opened');

    const agreed = rig(api, { destinations: KEEP, message: KEEP, confirm: true }, [true]);
    const again = await agreed.messages.resend(first[0].key);
    again?.forEach((e) => extra.add(e.key));
    assert.equal(again?.[0].account, SANDBOX_ACCOUNT_ID);
    assert.equal(gw.sandbox.requestCount('send'), 1, 'only the first attempt reached the removed account\'s gateway');
  });
});

/** The "Inviosmart" output channel's log files VS Code wrote under the user-data folder (history is in its globalStorage). */
function channelLogs(historyDir: string): string[] {
  const userData = join(historyDir, '..', '..', '..', '..');
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory() && depth < 5) walk(full, depth + 1);
      else if (st.isFile() && /Inviosmart\.log$/.test(name)) found.push(full);
    }
  };
  walk(join(userData, 'logs'), 0);
  return found;
}

suite('The log on disk (privacy)', () => {
  test('by default a send shows the command, masked numbers and the text length, never the numbers or the text', async () => {
    const api = await extensionApi();
    const marker = `privacy-${Math.random().toString(36).replace(/[^a-z]/g, '')}`; // letters only: digits would be masked
    api.log.call({
      command: 'send',
      url: `http://127.0.0.1:9/sendsms.php?username=${marker}&password=***&destination=393331234567.393401234599&sender=Acme&message=Ciao%20Maria%2C%20il%20codice%20%C3%A8%20123`,
      durationMs: 12,
      attempt: 1,
      outcome: 'ok',
      summary: 'OK ID:41|OK ID:42',
    });
    api.log.warn(`status of SMS 41: gateway 1005 Error: 1005 - Invalid destination 393331234567 (${marker})`);
    let text = '';
    await waitFor(() => {
      text = channelLogs(api.history.dir).map((f) => readFileSync(f, 'utf8')).join('\n');
      return text.split(marker).length >= 3;
    }, 15_000, 'the log lines on disk');
    assert.match(text, /Phone numbers are masked and message texts shown only by their length in this log\. To see them in full, set the log level of "Inviosmart" to Trace\./);
    const lines = text.split('\n').filter((l) => l.includes(marker));
    assert.equal(lines.length, 2);
    assert.match(lines[0], /send ok in 12 ms \(attempt 1\): OK ID:41\|OK ID:42 — http:\/\/127\.0\.0\.1:9\/sendsms\.php\?username=privacy-[a-z]+&password=\*\*\*&destination=\+39 333 \*\*\* \*\*67\.\+39 340 \*\*\* \*\*99&sender=Acme&message=<27 characters>/);
    assert.match(lines[1], /Invalid destination \+39 333 \*\*\* \*\*67/);
    for (const leak of ['393331234567', '393401234599', 'Maria', 'codice']) assert.ok(!lines.join('\n').includes(leak), `${leak} is in the log`);
  });
});

