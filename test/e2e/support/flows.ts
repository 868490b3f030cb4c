// The user's flows through the extension's own prompts (Sign In, Send SMS), and a look at the
// history as it lies on disk, shared by the workbench tests.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { HistoryStore } from '../../../src/history/store';
import type { HistoryEntry } from '../../../src/history/types';
import type { Workbench } from './workbench';

/** Where the extension keeps its history under a code-server user-data folder (globalStorage). */
export function historyDir(userDataDir: string): string {
  return path.join(userDataDir, 'User', 'globalStorage', 'inviosmart-sms-team.inviosmart-sms', 'history');
}

/** Inviosmart: Sign In from the palette: username, masked password, account name. */
export async function signIn(wb: Workbench, { username, password, label }: { username: string; password: string; label: string }): Promise<void> {
  await wb.runCommand('Inviosmart: Sign In');
  await wb.answerQuickInput(/^Inviosmart: Sign In \(1\/3\)/, username);
  await wb.answerQuickInput(/^Inviosmart: Sign In \(2\/3\)/, password, { password: true });
  await wb.answerQuickInput(/^Inviosmart: Sign In \(3\/3\)/, label);
}

export interface SendOptions {
  /** As typed, e.g. `+39 339 123 4567`: the international form the extension shows numbers in. */
  typed: string;
  /** As the extension normalises it (digits with country code). */
  destination: string;
  sender: string;
  text: string;
  /** The sender the quick pick must offer first (the one used last), when known. */
  expectFirstSender?: string;
  /** Account name the confirmation must show. */
  account: string;
  /** Called while the message prompt shows the typed text and its live counter, before Enter. */
  onMessageTyped?: () => Promise<void>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Inviosmart: Send SMS from the palette: destination, sender (quick pick: typed, then Enter),
 * message, then the modal's Send button. Returns the confirmation's text once the dialog closed;
 * the send itself goes on in the background.
 */
export async function sendSms(wb: Workbench, o: SendOptions): Promise<string> {
  await wb.runCommand('Inviosmart: Send SMS');
  await wb.answerQuickInput(/^Send SMS \(1\/3\): destination/, o.typed);
  if (o.expectFirstSender) {
    await wb.waitForQuickInput(/^Send SMS \(2\/3\): sender/);
    const rows = await wb.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    assert.ok(rows[0]?.startsWith(o.expectFirstSender), `${wb.name}: sender choices ${JSON.stringify(rows)}, expected ${o.expectFirstSender} first`);
  }
  await wb.answerQuickInput(/^Send SMS \(2\/3\): sender/, o.sender);
  await wb.answerQuickInput(/^Send SMS \(3\/3\): message/, o.text, { beforeEnter: o.onMessageTyped });
  const dialog = await wb.clickDialogButton(new RegExp(`Send 1 SMS to ${escapeRegExp(o.typed)}\\?`), 'Send');
  assert.match(dialog, new RegExp(`From: ${o.sender}`));
  assert.match(dialog, new RegExp(`Account: ${o.account}`));
  return dialog;
}

/** Like sendSms, then waits for "SMS sent to … (ID n)." and returns n. Clear older notifications first. */
export async function sendSmsAndWait(wb: Workbench, o: SendOptions): Promise<number> {
  await sendSms(wb, o);
  const sent = await wb.waitForNotification(new RegExp(`^SMS sent to ${escapeRegExp(o.typed)} \\(ID \\d+\\)\\.`));
  const id = Number(/\(ID (\d+)\)/.exec(sent.text)?.[1]);
  assert.ok(Number.isSafeInteger(id), `${wb.name}: no SMS id in ${JSON.stringify(sent.text)}`);
  return id;
}

/**
 * The history as a new window would load it from disk (snapshot + journals, merged), read with
 * the extension's own store but without watching or compacting, so the files are left as they are.
 */
export async function readHistoryFromDisk(dir: string): Promise<HistoryEntry[]> {
  const store = await HistoryStore.open(dir, { watch: false, autoCompact: false, durable: false });
  try {
    return [...store.all()];
  } finally {
    await store.close();
  }
}
