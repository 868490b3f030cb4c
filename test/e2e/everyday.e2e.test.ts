// Everyday habits in the real VS Code workbench (code-server + Debian's Chromium), with the keyboard and the mouse:
// "Inviosmart: Send SMS" typed in the palette lists Send SMS first; Ctrl+Shift+Alt+M opens it; and the walkthrough's
// steps tick as the real commands run (completionEvents), from a fresh profile where none is done.
// The gateway for the sign-in step is a SandboxGateway on 127.0.0.1; the first send goes to the built-in Sandbox.
//   node scripts/build.mjs --tests && npx mocha --no-config --timeout 180000 out/test/e2e/everyday.e2e.test.js
import * as assert from 'node:assert/strict';
import { SandboxGateway } from '../../src/sandbox/server';
import { signIn } from './support/flows';
import { clearResults, startWorkbench, type WorkbenchServer } from './support/host';
import { Workbench, waitFor } from './support/workbench';
import { LEAK_CANARY } from '../shared/canary';
import { stepwise } from './support/stepwise';

const ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';
const STEPS = ['sendSandbox', 'messagesView', 'panel', 'signIn', 'balance', 'bulk'] as const;
type Step = (typeof STEPS)[number];

describe('Everyday use in the workbench: palette order, keybinding, walkthrough', function () {
  this.timeout(120_000);

  let sandbox: SandboxGateway;
  let host: WorkbenchServer | undefined;
  let wb: Workbench;
  const steps = stepwise({ windows: () => [wb], host: () => host, logs: 'e2e-logs-everyday', cleanup: async () => sandbox?.close() });

  before(async function () {
    this.timeout(15 * 60_000);
    clearResults(['e2e-failure-window-', 'e2e-logs-everyday']);
    sandbox = await SandboxGateway.start({ accounts: [{ username: 'walker', password: LEAK_CANARY, balance: 9 }] });
    host = await startWorkbench({ 'inviosmart.gateway.baseUrl': sandbox.url, 'inviosmart.status.pollIntervalSeconds': 1 }, 'inviosmart-everyday-');
    wb = await Workbench.open(host.context, host.urlFor('workspace'), 'window');
    steps.started();
  });

  /** The walkthrough's steps as its page shows them: ticked or not. */
  async function walkthroughState(): Promise<Record<string, boolean>> {
    return wb.page.locator('[data-done-step-id*="#inviosmart.gettingStarted#"]').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [(e.getAttribute('data-done-step-id') ?? '').split('.').pop(), e.getAttribute('aria-checked') === 'true'])));
  }

  async function waitForTicked(expected: readonly Step[]): Promise<void> {
    await waitFor(`the walkthrough to show ${expected.join(', ') || 'nothing'} done`, async () => {
      const state = await walkthroughState();
      if (Object.keys(state).length !== STEPS.length) return undefined;
      return STEPS.every((s) => state[s] === expected.includes(s)) ? true : undefined;
    }, { timeoutMs: 15_000, describe: async () => JSON.stringify(await walkthroughState()) });
  }

  async function openWalkthrough(): Promise<void> {
    await wb.runCommand('Welcome: Open Walkthrough...');
    const row = wb.page.locator(ROWS).filter({ hasText: 'Get Started with Inviosmart SMS' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
    await wb.page.locator('[data-done-step-id]').first().waitFor({ state: 'visible', timeout: 15_000 });
  }

  /** Expands a step of the open walkthrough and clicks its command button. */
  async function clickStepButton(step: Step, label: string): Promise<void> {
    await wb.page.locator(`button.getting-started-step[data-step-id$="#inviosmart.gettingStarted.${step}"]`).click();
    await wb.page.locator('.getting-started-step.expanded a.monaco-button', { hasText: label }).first().click();
  }

  it('typing "Inviosmart: Send SMS" in the palette lists Send SMS first, with its keybinding', async () => {
    const page = wb.page;
    await page.keyboard.press('F1');
    await page.keyboard.type('Inviosmart: Send SMS');
    const rows = await waitFor('the palette to list Send SMS and the bulk send', async () => {
      const labels = await page.locator(ROWS).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      return labels.some((l) => l.startsWith('Inviosmart: Send SMS in Bulk')) && labels.some((l) => /^Inviosmart: Send SMS(,|$)/.test(l)) ? labels : undefined;
    }, { describe: () => wb.quickInputSummary() });
    console.log(`      palette: ${JSON.stringify(rows.slice(0, 3))}`);
    assert.match(rows[0], /^Inviosmart: Send SMS, Control\+Shift\+Alt\+M$/);
    await page.keyboard.press('Escape');
  });

  it('the walkthrough opens from the Welcome page with no step done', async () => {
    await openWalkthrough();
    await waitForTicked([]);
  });

  it('Ctrl+Shift+Alt+M opens Send SMS; a send on the sandbox ticks the first step', async () => {
    await wb.page.keyboard.press('Control+Shift+Alt+KeyM');
    await wb.answerQuickInput(/^Send SMS \(1\/3\): destination/, '+39 339 123 4567');
    await wb.answerQuickInput(/^Send SMS \(2\/3\): sender/, 'E2Etest');
    await wb.answerQuickInput(/^Send SMS \(3\/3\): message/, 'First steps');
    const dialog = await wb.clickDialogButton(/Send 1 SMS to \+39 339 123 4567\?/, 'Send');
    assert.match(dialog, /Account: Sandbox/);
    await wb.waitForNotification(/^SMS sent to \+39 339 123 4567 \(ID \d+\)\./);
    await waitForTicked(['sendSandbox']);
  });

  it("the walkthrough's own buttons show the Messages view and open the panel, and tick their steps", async () => {
    await clickStepButton('messagesView', 'Show the Messages view');
    await waitForTicked(['sendSandbox', 'messagesView']);
    await clickStepButton('panel', 'Open SMS History');
    await waitFor('the SMS History panel', async () => ((await wb.page.locator('iframe.webview').count()) > 0 ? true : undefined));
    await openWalkthrough();
    await waitForTicked(['sendSandbox', 'messagesView', 'panel']);
  });

  it('signing in, refreshing the balance and starting a bulk send tick the rest', async () => {
    // The walkthrough page takes the focus back when it re-renders, which can eat keystrokes typed into a prompt.
    await wb.runCommand('View: Close All Editors');
    await signIn(wb, { username: 'walker', password: LEAK_CANARY, label: 'Walker' });
    await wb.runCommand('Inviosmart: Refresh Balance');
    await waitFor('the balance of the signed-in account', async () => ((await wb.statusBarBalance()) === 9 ? true : undefined), {
      describe: () => wb.statusBarSummary(),
    });
    await wb.runCommand('Inviosmart: Send SMS in Bulk from CSV');
    // No CSV here: whatever it asks first (which file, or the file picker) is cancelled.
    const prompt = wb.page.locator('.quick-input-widget:not(.quick-input-widget-closing)');
    await prompt.waitFor({ state: 'visible', timeout: 15_000 });
    await waitFor('the bulk send prompts to close on Escape', async () => {
      if (!(await prompt.isVisible())) return true;
      await wb.page.keyboard.press('Escape');
      return undefined;
    }, { intervalMs: 500, describe: () => wb.quickInputSummary() });
    await openWalkthrough();
    await waitForTicked([...STEPS]);
    await wb.screenshot('e2e-walkthrough.png');
  });
});
