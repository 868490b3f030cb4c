// The extension end to end through the real VS Code workbench (code-server) in Debian's Chromium,
// driven only with the keyboard and the mouse: sign in, send from the palette, watch the Messages
// tree, the SMS History panel and the status bar follow on their own.
//
// The gateway is a SandboxGateway started here on 127.0.0.1 and reached through the user setting
// inviosmart.gateway.baseUrl, so the test can see every request and the account's balance. Its
// timeScale makes "Delivered" come in about 1.5 s; the extension polls every second
// (inviosmart.status.pollIntervalSeconds = 1). code-server runs in a fresh state folder and loads
// the extension from this repository (extensionDevelopmentPath in the page URL, as `npm start`).
//
// Notifications: code-server runs with the smoke-test driver (vscode-host needs it for test
// payloads), and with it the workbench never shows toasts, so they are read from the notification
// centre (toasts are looked at too, in case they do appear).
//
// Screenshots: test-results/e2e-tree.png, e2e-panel.png, e2e-statusbar.png; on failure
// test-results/e2e-failure-*.png. Each run also renews the README's pictures in media/screenshots/
// (tree, panel, send prompt with its counter, balance), so they never go stale. The tests run in order and share one window; after a failure the
// rest are skipped (they would fail for the same reason).
//   node scripts/build.mjs --tests && npx mocha --no-config --timeout 180000 out/test/e2e/workbench.e2e.test.js
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { SandboxGateway } from '../../src/sandbox/server';
import { sendSmsAndWait, signIn } from './support/flows';
import { clearResults, startWorkbench, type WorkbenchServer } from './support/host';
import { BALANCE_ITEM_SELECTOR, Workbench, waitFor } from './support/workbench';
import { LEAK_CANARY } from '../shared/canary';
import { stepwise } from './support/stepwise';

const USERNAME = 'e2e-user';
const PASSWORD = LEAK_CANARY;
const ACCOUNT_NAME = 'E2E Account';
const START_BALANCE = 10;
const DESTINATION_TYPED = '+39 339 123 4567';
const DESTINATION = '393391234567';
const SENDER = 'E2Etest';
const PLAIN_TEXT = 'Hello from the workbench e2e test';
const MARKUP_TEXT = '<img src=x onerror=alert(1)>';

describe('Workbench end to end (code-server + Chromium)', function () {
  this.timeout(120_000);

  let sandbox: SandboxGateway;
  let host: WorkbenchServer | undefined;
  let wb: Workbench;
  const steps = stepwise({ windows: () => [wb], host: () => host, logs: 'e2e-logs-workbench', cleanup: async () => sandbox?.close() });

  before(async function () {
    // A cold machine installs code-server first (once, about 80 s).
    this.timeout(15 * 60_000);
    clearResults(['e2e-failure-window-', 'e2e-logs-workbench']);
    sandbox = await SandboxGateway.start({
      accounts: [{ username: USERNAME, password: PASSWORD, balance: START_BALANCE }],
      timeScale: 2,
    });
    host = await startWorkbench(
      {
        'inviosmart.gateway.baseUrl': sandbox.url,
        'inviosmart.status.pollIntervalSeconds': 1,
        'workbench.colorTheme': 'Default Dark Modern',
      },
      'inviosmart-e2e-',
    );
    wb = await Workbench.open(host.context, host.urlFor('workspace'), 'window');
    steps.started();
  });

  it('shows the built-in Sandbox account in the status bar before anyone signs in', async () => {
    const text = await wb.statusBarText();
    assert.match(text, /^Sandbox €25\.00\b/, `status bar item text: ${JSON.stringify(text)}`);
    assert.equal(await wb.statusBarAriaLabel(), 'Inviosmart balance: €25.00');
    // The built-in sandbox runs inside the extension host: our gateway has not been asked anything.
    assert.equal(sandbox.requestCount(), 0, `requests to the test gateway: ${JSON.stringify(sandbox.requests)}`);
  });

  it('signs in from the palette with a masked password and shows the account balance', async () => {
    await wb.clearNotifications();
    await signIn(wb, { username: USERNAME, password: PASSWORD, label: ACCOUNT_NAME });

    const note = await wb.waitForNotification(/^Signed in to Inviosmart as E2E Account\. Balance: €10\.00\.$/);
    assert.ok(note.text);
    const text = await waitFor('the status bar to show the signed-in balance', async () => {
      const t = await wb.statusBarText();
      return /^€10\.00\b/.test(t) ? t : undefined;
    }, { describe: () => wb.statusBarText() });
    assert.doesNotMatch(text, /Sandbox/);

    const balanceChecks = sandbox.requests.filter((r) => r.command === 'balance');
    assert.ok(balanceChecks.length >= 1, 'the sign-in checked the credentials with a balance call');
    for (const r of sandbox.requests) {
      assert.equal(r.query.username, USERNAME);
      assert.equal(r.query.password, '***', 'the sandbox log redacts; the real password arrived (else 1012)');
    }
    // The password must not be left anywhere on screen or in the DOM (input values included).
    const leaked = await wb.page.evaluate((pw) => {
      const inputs = [...document.querySelectorAll('input, textarea')].some((i) => (i as HTMLInputElement).value.includes(pw));
      return inputs || document.documentElement.outerHTML.includes(pw);
    }, PASSWORD);
    assert.equal(leaked, false, 'the password is still in the page');
  });

  it('sends from the palette; the tree and the panel reach Delivered with no click, the balance drops', async () => {
    // Both views are open before the send, so everything that follows arrives live.
    await wb.openMessagesView();
    await wb.runCommand('Inviosmart: Open SMS History');
    await waitFor('the SMS History panel to load (its empty-history text)', async () => {
      const empty = await wb.panelFrame().getByText('No messages yet').count().catch(() => 0);
      return empty > 0 ? true : undefined;
    }, { describe: async () => `webview frames: ${await wb.page.locator('iframe.webview').count()}` });
    const before = await wb.statusBarBalance();
    assert.equal(before, START_BALANCE);

    const sendsBefore = sandbox.requestCount('send');
    const smsId = await sendFromPalette(wb, PLAIN_TEXT, { firstSend: true });
    assert.equal(sandbox.requestCount('send') - sendsBefore, 1, 'exactly one send request per confirmed send');
    const accepted = sandbox.messages.find((m) => m.smsId === smsId);
    assert.ok(accepted, `the gateway holds SMS ${smsId}`);
    assert.equal(accepted.destination, DESTINATION);
    assert.equal(accepted.sender, SENDER);
    assert.equal(accepted.message, PLAIN_TEXT);

    // From here on, nothing is clicked or typed: the poller and the views must do it all.
    const seen = new Set<string>();
    const treeRow = await waitFor(`the tree row for SMS ${smsId} to say Delivered`, async () => {
      const row = (await wb.treeRows()).find((r) => r.label === PLAIN_TEXT);
      if (row) seen.add(row.ariaLabel.split(', ')[1] ?? row.ariaLabel);
      return row && /, Delivered, /.test(row.ariaLabel) ? row : undefined;
    }, { describe: async () => JSON.stringify(await wb.treeRows()) });
    assert.match(treeRow.description, /^\+39 339 123 4567 · \d\d:\d\d$/);
    const panelRow = await wb.waitForPanelRow((r) => r.text === PLAIN_TEXT && r.status === 'Delivered', `for "${PLAIN_TEXT}" saying Delivered`);
    assert.equal(panelRow.id, String(smsId));
    assert.equal(panelRow.destination, DESTINATION_TYPED, 'the panel shows the number as the tree does');
    assert.equal(panelRow.category, 'delivered');
    assert.ok(sandbox.requestCount('status') >= 1, 'the status came from the gateway');
    await wb.waitForNotification(/^SMS to \+39 339 123 4567: Delivered/);

    const after = await waitFor('the status bar balance to drop below €10.00', async () => {
      const b = await wb.statusBarBalance();
      return b !== undefined && b < START_BALANCE ? b : undefined;
    }, { describe: () => wb.statusBarText() });
    const account = sandbox.account(USERNAME);
    assert.ok(account);
    assert.equal(after, Number(account.balance.toFixed(2)), 'the status bar shows what the gateway says');
    console.log(`      statuses seen in the tree: ${[...seen].join(' → ')}; balance €${before} → €${after}`);

    await saveScreenshots(wb, { readme: true });
  });

  it('shows a message whose text is markup as that text: no element, no dialog, no request', async () => {
    const requestsBefore = wb.watch.requests.length;
    const smsId = await sendFromPalette(wb, MARKUP_TEXT, { firstSend: false });
    assert.equal(sandbox.messages.find((m) => m.smsId === smsId)?.message, MARKUP_TEXT, 'the gateway got the text unchanged');

    const treeRow = await wb.waitForTreeMessage(MARKUP_TEXT, /, Delivered, /);
    assert.equal(treeRow.label, MARKUP_TEXT);
    // The tooltip is Markdown: the text must come out literally, without escape backslashes or markup.
    const hover = await wb.treeHover(MARKUP_TEXT, `SMSId: ${smsId}`);
    assert.ok(hover.text.includes(MARKUP_TEXT), `the hover shows the text as it is: ${JSON.stringify(hover.text)}`);
    assert.doesNotMatch(hover.html, /<img/i, 'the hover holds an <img>');
    const panelRow = await wb.waitForPanelRow((r) => r.id === String(smsId) && r.status === 'Delivered', `for SMS ${smsId} saying Delivered`);
    assert.equal(panelRow.text, MARKUP_TEXT);
    assert.deepEqual(panelRow.foreignElements, [], 'the text cell holds only the app\'s own spans');
    assert.equal(await wb.panelElementCount('img'), 0, 'an <img> exists in the panel');
    assert.equal(await wb.page.locator(`${'.part.sidebar'} img`).count(), 0, 'an <img> exists in the side bar');
    // Not a pause: each frame's own probe image fails after any <img> made before it (see settleFrames).
    assert.ok((await wb.settleFrames()) > 0, 'no frame answered the probe');
    assert.deepEqual(wb.watch.dialogs, [], 'a page dialog (alert) fired');
    const toX = wb.watch.requests.slice(requestsBefore).filter((u) => /\/x(?:[?#]|$)/.test(new URL(u).pathname + new URL(u).search));
    assert.deepEqual(toX, [], 'a request went to x (the img src)');

    await saveScreenshots(wb);
  });

  it('never showed the password and never sent it anywhere but the gateway', () => {
    const withPassword = wb.watch.requests.filter((u) => u.includes(PASSWORD) || u.includes(encodeURIComponent(PASSWORD)));
    assert.deepEqual(withPassword, [], 'a browser request carried the password');
    assert.deepEqual(wb.watch.errors.filter((e) => e.includes(PASSWORD)), []);
  });
});

/** The README's pictures, renewed by every run. */
const readmeShots = path.resolve(__dirname, '..', '..', '..', 'media', 'screenshots');

function toReadme(shot: string, name: string): void {
  mkdirSync(readmeShots, { recursive: true });
  copyFileSync(shot, path.join(readmeShots, name));
}

/** The whole Send SMS flow through the palette, ending at the "SMS sent" notification; returns the SMSId. */
async function sendFromPalette(wb: Workbench, text: string, { firstSend }: { firstSend: boolean }): Promise<number> {
  await wb.clearNotifications();
  return sendSmsAndWait(wb, {
    // The first send pictures the message prompt with its live counter for the README.
    onMessageTyped: firstSend
      ? async () => {
        const widget = wb.page.locator('.quick-input-widget');
        await waitFor('the message prompt to count the text', async () => (/characters/.test((await widget.textContent()) ?? '') ? true : undefined), {
          describe: async () => (await widget.textContent()) ?? '',
        });
        toReadme(await wb.screenshot('e2e-send-prompt.png', widget), 'send-prompt.png');
      }
      : undefined,
    typed: DESTINATION_TYPED,
    destination: DESTINATION,
    sender: SENDER,
    text,
    account: ACCOUNT_NAME,
    // The sender used last time is offered first.
    expectFirstSender: firstSend ? undefined : SENDER,
  });
}

async function saveScreenshots(wb: Workbench, { readme = false }: { readme?: boolean } = {}): Promise<void> {
  const page = wb.page;
  const tree = await wb.screenshot('e2e-tree.png', page.locator('.part.sidebar'));
  const panel = await wb.screenshot('e2e-panel.png', page.locator('.part.editor'));
  const statusBar = page.locator('.part.statusbar');
  const balance = await wb.screenshot('e2e-statusbar.png', page.locator(BALANCE_ITEM_SELECTOR), { padX: 240, padY: 0, within: statusBar });
  if (readme) {
    toReadme(tree, 'tree.png');
    toReadme(panel, 'panel.png');
    toReadme(balance, 'balance.png');
  }
}
