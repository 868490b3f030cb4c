// Two VS Code windows on one account, sending at the same time. Every message from both must end
// up in both windows' Messages tree and SMS History panel, and in the history on disk.
//
// How: one code-server, one browser profile, two pages. Each page is a separate VS Code window
// with its own extension host, and they share what two desktop windows share: the user-data folder
// (globalStorage, where the history lives) and the profile's secrets and global state, so signing
// in once, in window A, signs in both. Then both windows run the real "Inviosmart: Send SMS"
// command from the palette PER_WINDOW times each, concurrently, without waiting for one send to
// finish before starting the next (each send goes on in the background while the next is typed).
// That is the honest path: every message goes through the prompts, the confirmation and the
// history writes of a real window, and two extension hosts append to the same history files at the
// same time. Driving sends through the UI costs about 3 s each, which bounds PER_WINDOW.
//
// Every message goes to its own number (ending in 57: the sandbox delivers it), so each one can be
// told apart everywhere. Final-status notifications are off to keep the notification centre quiet.
//   node scripts/build.mjs --tests && npx mocha --no-config --timeout 180000 out/test/e2e/twoWindows.e2e.test.js
import * as assert from 'node:assert/strict';
import { SandboxGateway } from '../../src/sandbox/server';
import type { HistoryEntry } from '../../src/history/types';
import { historyDir, readHistoryFromDisk, sendSms, signIn } from './support/flows';
import { clearResults, startWorkbench, type WorkbenchServer } from './support/host';
import { Workbench, trace, waitFor } from './support/workbench';
import { LEAK_CANARY } from '../shared/canary';
import { stepwise } from './support/stepwise';

const USERNAME = 'e2e-user';
const PASSWORD = LEAK_CANARY;
const ACCOUNT_NAME = 'Shared Account';
const START_BALANCE = 10;
const SENDER = 'E2Etwo';
const PER_WINDOW = 6;
/** Price of one SMS part to +39 in the sandbox's default price list. */
const PRICE_39 = 0.055;

interface Planned {
  window: 'A' | 'B';
  typed: string;
  destination: string;
  text: string;
}

function plan(window: 'A' | 'B'): Planned[] {
  const digit = window === 'A' ? '1' : '2';
  return Array.from({ length: PER_WINDOW }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return {
      window,
      typed: `+39 339 ${digit}${n} 0057`,
      destination: `39339${digit}${n}0057`,
      text: `Window ${window} message ${i + 1}`,
    };
  });
}

describe('Two windows sending at once (code-server + Chromium)', function () {
  this.timeout(120_000);

  let sandbox: SandboxGateway;
  let host: WorkbenchServer | undefined;
  const windows: Workbench[] = [];
  const steps = stepwise({ windows: () => windows, host: () => host, logs: 'e2e-logs-two-windows', cleanup: async () => sandbox?.close() });

  before(async function () {
    // A cold machine installs code-server first (once, about 80 s).
    this.timeout(15 * 60_000);
    clearResults(['e2e-failure-A-', 'e2e-failure-B-', 'e2e-logs-two-windows']);
    sandbox = await SandboxGateway.start({
      accounts: [{ username: USERNAME, password: PASSWORD, balance: START_BALANCE }],
      timeScale: 10,
    });
    host = await startWorkbench(
      {
        'inviosmart.gateway.baseUrl': sandbox.url,
        'inviosmart.status.pollIntervalSeconds': 1,
        'inviosmart.notifications.onFinalStatus': 'none',
        'workbench.colorTheme': 'Default Dark Modern',
      },
      'inviosmart-e2e-two-',
    );
    windows.push(await Workbench.open(host.context, host.urlFor('window-a'), 'A'));
    steps.started();
  });

  it('signs in once in window A; window B, opened after, uses the same account', async () => {
    const [a] = windows;
    await signIn(a, { username: USERNAME, password: PASSWORD, label: ACCOUNT_NAME });
    await waitFor('window A to show the account balance', async () => (/^€10\.00\b/.test(await a.statusBarText()) ? true : undefined), {
      describe: () => a.statusBarText(),
    });
    assert.ok(host);
    const b = await Workbench.open(host.context, host.urlFor('window-b'), 'B');
    windows.push(b);
    await waitFor('window B to show the same account balance', async () => (/^€10\.00\b/.test(await b.statusBarText()) ? true : undefined), {
      describe: () => b.statusBarText(),
    });
  });

  it(`both send ${PER_WINDOW} SMS at the same time; both windows and the disk end with all ${2 * PER_WINDOW}`, async function () {
    this.timeout(180_000);
    const [a, b] = windows;
    assert.ok(a && b && host);
    // The views are open before the sends, so everything arrives live, from this window or the other.
    for (const wb of windows) {
      await wb.openMessagesView();
      await wb.runCommand('Inviosmart: Open SMS History');
      await waitFor(`${wb.name}: the SMS History panel to load`, async () => ((await wb.panelFrame().getByText('No messages yet').count().catch(() => 0)) > 0 ? true : undefined));
    }

    const planned = [...plan('A'), ...plan('B')];
    const started = Date.now();
    await Promise.all(
      windows.map(async (wb) => {
        for (const p of planned.filter((m) => m.window === wb.name)) {
          trace(`${wb.name}: send ${p.text}`);
          await sendSms(wb, { typed: p.typed, destination: p.destination, sender: SENDER, text: p.text, account: ACCOUNT_NAME });
        }
      }),
    );
    const typedMs = Date.now() - started;

    // The gateway got each message exactly once.
    await waitFor(`the gateway to hold ${planned.length} messages`, async () => (sandbox.messages.length >= planned.length ? true : undefined), {
      describe: async () => JSON.stringify(sandbox.messages.map((m) => m.message)),
    });
    assert.equal(sandbox.requestCount('send'), planned.length, 'one send request per confirmed send');
    const byText = new Map(sandbox.messages.map((m) => [m.message, m]));
    for (const p of planned) {
      const m = byText.get(p.text);
      assert.ok(m, `the gateway never got "${p.text}"`);
      assert.equal(m.destination, p.destination);
    }

    // Both windows show every message, from both, as Delivered: in the tree and in the panel.
    const texts = planned.map((p) => p.text);
    for (const wb of windows) {
      await waitFor(
        `${wb.name}: all ${texts.length} messages Delivered in the Messages tree`,
        async () => {
          const rows = await wb.treeRows();
          return texts.every((t) => rows.some((r) => r.label === t && /, Delivered, /.test(r.ariaLabel))) ? true : undefined;
        },
        { timeoutMs: 60_000, describe: async () => missing(texts, (await wb.treeRows()).filter((r) => /, Delivered, /.test(r.ariaLabel)).map((r) => r.label)) },
      );
      const panelRows = await waitFor(
        `${wb.name}: all ${texts.length} messages Delivered in the SMS History panel`,
        async () => {
          const rows = await wb.panelRows();
          return texts.every((t) => rows.some((r) => r.text === t && r.status === 'Delivered')) ? rows : undefined;
        },
        { timeoutMs: 60_000, describe: async () => missing(texts, (await wb.panelRows()).filter((r) => r.status === 'Delivered').map((r) => r.text)) },
      );
      assert.equal(panelRows.length, texts.length, `${wb.name}: panel rows ${JSON.stringify(panelRows.map((r) => r.text))}`);
      for (const p of planned) {
        const row = panelRows.find((r) => r.text === p.text);
        assert.equal(row?.id, String(byText.get(p.text)?.smsId), `${wb.name}: SMS id of "${p.text}"`);
      }
    }

    // The files on disk hold every message once, with its SMS id and final status.
    const dir = historyDir(host.server.userDataDir);
    const onDisk = await waitFor(
      `the history in ${dir} to hold all ${texts.length} messages as Delivered`,
      async () => {
        const entries = await readHistoryFromDisk(dir);
        return texts.every((t) => entries.some((e) => e.text === t && e.status?.label === 'Delivered')) ? entries : undefined;
      },
      { timeoutMs: 30_000, describe: async () => describeDisk(await readHistoryFromDisk(dir), texts) },
    );
    assert.equal(onDisk.length, texts.length, `entries on disk: ${describeDisk(onDisk, texts)}`);
    assert.equal(new Set(onDisk.map((e) => e.key)).size, texts.length, 'history keys are unique');
    for (const e of onDisk) {
      assert.equal(e.smsId, byText.get(e.text)?.smsId, `SMS id on disk of "${e.text}"`);
      assert.equal(e.account !== 'sandbox', true, 'sent with the signed-in account, not the built-in sandbox');
    }

    // Both windows poll the shared history: this shows how many status checks that cost.
    console.log(`      status requests: ${sandbox.requestCount('status')} for ${planned.length} messages`);
    console.log(`      ${planned.length} sends typed in ${(typedMs / 1000).toFixed(1)} s (two windows at once); all Delivered everywhere after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const wb of windows) await wb.screenshot(`e2e-two-windows-${wb.name.toLowerCase()}.png`);
  });

  it('both windows show the balance the gateway has after all the sends', async () => {
    const expected = Math.round((START_BALANCE - 2 * PER_WINDOW * PRICE_39) * 100) / 100;
    assert.equal(Number(sandbox.account(USERNAME)?.balance.toFixed(2)), expected);
    for (const wb of windows) {
      // Each window refreshed after its own sends; the other window's later sends need a refresh.
      await wb.runCommand('Inviosmart: Refresh Balance');
      await waitFor(`${wb.name}: the status bar to show €${expected.toFixed(2)}`, async () => ((await wb.statusBarBalance()) === expected ? true : undefined), {
        describe: () => wb.statusBarText(),
      });
    }
  });
});

function missing(expected: string[], seen: string[]): string {
  const absent = expected.filter((t) => !seen.includes(t));
  return `missing ${JSON.stringify(absent)} (seen ${seen.length}: ${JSON.stringify(seen)})`;
}

function describeDisk(entries: HistoryEntry[], expected: string[]): string {
  const summary = entries.map((e) => `${e.text} [${e.state}${e.status ? `/${e.status.label}` : ''}${e.smsId ? ` #${e.smsId}` : ''}]`);
  return `${entries.length} entries: ${JSON.stringify(summary)}; ${missing(expected, entries.map((e) => e.text))}`;
}
