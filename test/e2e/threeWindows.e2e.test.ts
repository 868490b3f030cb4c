// Three VS Code windows on one account and one history: one poller for all of them, and a balance
// change seen in one window shows in the others at once.
//
// How: one code-server, one browser profile, three pages (three windows, three extension hosts,
// one shared globalStorage), as the two-window test does. Window A signs in and sends one SMS for
// real, which tells us the account's id in the history. Then 100 messages that stay pending for
// ever (numbers ending in 00) are sent to the sandbox and recorded into the shared history, 15
// minutes old, as another window would: every window's poller sees them, and each is due every
// 12 s (12 × the 1 s base interval, for messages 10–60 minutes old). The status requests are
// counted at the sandbox, per round of checks (a burst of requests, then quiet until the next
// round), first with window A alone, then with all three open.
//   node scripts/build.mjs --tests && npx mocha --no-config --timeout 180000 out/test/e2e/threeWindows.e2e.test.js
import * as assert from 'node:assert/strict';
import { GatewayClient } from '../../src/gateway/client';
import { HistoryStore } from '../../src/history/store';
import { SandboxGateway } from '../../src/sandbox/server';
import { historyDir, readHistoryFromDisk, sendSmsAndWait, signIn } from './support/flows';
import { clearResults, startWorkbench, type WorkbenchServer } from './support/host';
import { Workbench, sleep, trace, waitFor } from './support/workbench';
import { LEAK_CANARY } from '../shared/canary';
import { stepwise } from './support/stepwise';

const USERNAME = 'e2e-three';
const PASSWORD = LEAK_CANARY;
const ACCOUNT_NAME = 'Three Windows';
const START_BALANCE = 10;
const PENDING = 100;
/** Quiet this long after a burst of status requests ends a round of checks. */
const QUIET_MS = 2500;
const ROUNDS = 3;

describe('Three windows, one poller (code-server + Chromium)', function () {
  this.timeout(120_000);

  let sandbox: SandboxGateway;
  let host: WorkbenchServer | undefined;
  const windows: Workbench[] = [];
  const steps = stepwise({ windows: () => windows, host: () => host, logs: 'e2e-logs-three-windows', cleanup: async () => sandbox?.close() });
  let alone: number[] = [];

  const statusRequests = (): number => sandbox.requestCount('status');

  /** Requests in each of the next `rounds` rounds of checks, starting at a quiet moment. */
  async function rounds(what: string, count: number): Promise<number[]> {
    const quiet = async (): Promise<void> => {
      let seen = statusRequests();
      let since = Date.now();
      await waitFor(`${what}: a quiet moment between rounds of checks`, async () => {
        const now = statusRequests();
        if (now !== seen) {
          seen = now;
          since = Date.now();
        }
        return Date.now() - since >= QUIET_MS ? true : undefined;
      }, { timeoutMs: 40_000 });
    };
    await quiet();
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const before = statusRequests();
      await waitFor(`${what}: round ${i + 1} to start`, async () => (statusRequests() > before ? true : undefined), { timeoutMs: 40_000 });
      await quiet();
      sizes.push(statusRequests() - before);
      trace(`${what}: round ${i + 1}: ${sizes[i]} status requests`);
    }
    return sizes;
  }

  before(async function () {
    this.timeout(15 * 60_000);
    clearResults(['e2e-failure-A-', 'e2e-failure-B-', 'e2e-failure-C-', 'e2e-logs-three-windows']);
    sandbox = await SandboxGateway.start({ accounts: [{ username: USERNAME, password: PASSWORD, balance: START_BALANCE }], timeScale: 10 });
    host = await startWorkbench(
      {
        'inviosmart.gateway.baseUrl': sandbox.url,
        'inviosmart.status.pollIntervalSeconds': 1,
        'inviosmart.notifications.onFinalStatus': 'none',
        // Only explicit refreshes and the broadcast change the balance shown.
        'inviosmart.balance.refreshMinutes': 0,
        'workbench.colorTheme': 'Default Dark Modern',
      },
      'inviosmart-e2e-three-',
    );
    windows.push(await Workbench.open(host.context, host.urlFor('window-a'), 'A'));
    steps.started();
  });

  it(`window A alone checks each of ${PENDING} pending messages once per round`, async function () {
    this.timeout(240_000);
    const [a] = windows;
    assert.ok(host);
    await signIn(a, { username: USERNAME, password: PASSWORD, label: ACCOUNT_NAME });
    await waitFor('window A to show the balance', async () => (/^€10\.00\b/.test(await a.statusBarText()) ? true : undefined), { describe: () => a.statusBarText() });
    // One real send (delivered at once) tells the account id the extension files messages under.
    const smsId = await sendSmsAndWait(a, { typed: '+39 339 555 0057', destination: '393395550057', sender: 'E2Ethree', text: 'First', account: ACCOUNT_NAME });
    const dir = historyDir(host.server.userDataDir);
    const first = await waitFor('the first message on disk, Delivered', async () =>
      (await readHistoryFromDisk(dir)).find((e) => e.smsId === smsId && e.status?.final));

    const client = new GatewayClient({ baseUrl: sandbox.url, maxRetries: 0 });
    const destinations = Array.from({ length: PENDING }, (_, i) => `39340${String(i).padStart(5, '0')}00`);
    const sent = await client.send({ username: USERNAME, password: PASSWORD }, { destinations, sender: 'E2Ethree', message: 'Pending for ever' });
    await client.close();
    const writer = await HistoryStore.open(dir, { clock: { now: () => Date.now() - 15 * 60_000 }, watch: false, pollIntervalMs: 0, autoCompact: false });
    await writer.recordMany(
      sent.items.map((item) => {
        assert.ok(item.ok, `the sandbox refused ${item.destination}`);
        return { destination: item.destination, sender: 'E2Ethree', text: 'Pending for ever', account: first.account, accountLabel: ACCOUNT_NAME, parts: 1, smsId: item.smsId, state: 'sent' as const };
      }),
    );
    await writer.close();

    alone = await rounds('window A alone', ROUNDS);
    for (const size of alone) assert.equal(size, PENDING, `one window checks each pending message once a round: ${JSON.stringify(alone)}`);
  });

  it('with windows B and C open too, the gateway gets no more status requests (≤ 1.05×)', async function () {
    this.timeout(240_000);
    assert.ok(host);
    for (const name of ['B', 'C']) {
      const wb = await Workbench.open(host.context, host.urlFor(`window-${name.toLowerCase()}`), name);
      windows.push(wb);
      await waitFor(`window ${name} to show the same account balance`, async () => ((await wb.statusBarBalance()) !== undefined ? true : undefined), {
        describe: () => wb.statusBarText(),
      });
    }
    const three = await rounds('three windows', ROUNDS);
    const ratio = three.reduce((s, n) => s + n, 0) / alone.reduce((s, n) => s + n, 0);
    console.log(`      status requests per round: one window ${JSON.stringify(alone)}, three windows ${JSON.stringify(three)}: ${ratio.toFixed(2)}× (target ≤ 1.05×)`);
    assert.ok(ratio <= 1.05, `three windows asked ${ratio.toFixed(2)}× as often as one`);
    for (const size of three) assert.ok(size >= PENDING, `every pending message is still checked each round: ${JSON.stringify(three)}`);
  });

  it('a balance refreshed in window A shows in B and C without a refresh there', async () => {
    const [a, b, c] = windows;
    const account = sandbox.account(USERNAME);
    assert.ok(account);
    account.balance = 3.21;
    await a.runCommand('Inviosmart: Refresh Balance');
    for (const wb of [a, b, c]) {
      await waitFor(`${wb.name}: the status bar to show €3.21`, async () => ((await wb.statusBarBalance()) === 3.21 ? true : undefined), {
        timeoutMs: 10_000,
        describe: () => wb.statusBarText(),
      });
    }
    assert.equal(sandbox.requestCount('balance') >= 1, true);
  });

  it('closing windows A and B hands polling over to C', async function () {
    this.timeout(120_000);
    const [a, b] = windows.splice(0, 2);
    await a.page.close();
    await b.page.close();
    // The lease of a closed window is deleted (or goes stale): C checks every pending message again.
    await sleep(1000);
    const after = await rounds('window C alone', 1);
    assert.ok(after[0] >= PENDING, `C checked ${after[0]} messages in a round`);
  });
});
