// History retention inside a real VS Code: the user settings, the extension's own store and
// RetentionService, and a second store on the same folder playing another window that wrote
// messages months ago.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InviosmartApi } from '../../src/extension';
import { HistoryStore, loadHistory } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { waitFor } from './accountDoubles';
import { extensionApi, setUserSetting } from './helpers';

const DAY = 86_400_000;
const delivered = { code: 2048, label: 'Delivered', statusClass: 'delivered' as const, final: true };

interface Seeded {
  oldDelivered: HistoryEntry[];
  oldFailed: HistoryEntry;
  oldSending: HistoryEntry;
  oldUnknown: HistoryEntry;
  recent: HistoryEntry[];
}

/** Another window, months ago: writes straight into the extension's history folder with its own clock. */
async function seedFromAnotherWindow(dir: string): Promise<Seeded> {
  const now = Date.now();
  let t = now;
  const other = await HistoryStore.open(dir, { clock: { now: () => t }, watch: false, autoCompact: false });
  const record = async (ageDays: number, text: string, patch: Partial<HistoryEntry>): Promise<HistoryEntry> => {
    t = now - ageDays * DAY;
    const e = await other.record({ destination: '393401112223', sender: 'Retention', text, account: 'retention-test', parts: 1 });
    return (await other.update(e.key, patch))!;
  };
  try {
    return {
      oldDelivered: [
        await record(400, 'delivered 400 days ago', { state: 'sent', smsId: 901, status: delivered }),
        await record(200, 'delivered 200 days ago', { state: 'sent', smsId: 902, status: delivered }),
      ],
      oldFailed: await record(100, 'refused 100 days ago', { state: 'failed', error: { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013', explanation: 'no credit' } }),
      oldSending: await record(300, 'still sending after 300 days', { state: 'sending' }),
      oldUnknown: await record(250, 'outcome unknown for 250 days', { state: 'unknown' }),
      recent: [
        await record(20, 'delivered 20 days ago', { state: 'sent', smsId: 903, status: delivered }),
        await record(10, 'delivered 10 days ago', { state: 'sent', smsId: 904, status: delivered }),
      ],
    };
  } finally {
    await other.close();
  }
}

suite('history retention in a real VS Code', () => {
  let api: InviosmartApi;
  let seeded: Seeded;

  suiteSetup(async () => {
    api = await extensionApi();
    seeded = await seedFromAnotherWindow(api.history.dir);
    // The extension's store sees the other window's lines through its watcher; reload to not wait for it.
    await api.history.reload();
  });

  suiteTeardown(async () => {
    await setUserSetting('history.maxAgeDays', undefined);
    await setUserSetting('history.maxEntries', undefined);
    const all = [...seeded.oldDelivered, seeded.oldFailed, seeded.oldSending, seeded.oldUnknown, ...seeded.recent];
    await api.history.remove(all.map((e) => e.key).filter((k) => api.history.get(k)));
  });

  test('the settings are declared with their defaults', () => {
    const config = vscode.workspace.getConfiguration('inviosmart');
    assert.equal(config.inspect('history.maxAgeDays')?.defaultValue, 365);
    assert.equal(config.inspect('history.maxEntries')?.defaultValue, 100_000);
  });

  test('maxAgeDays removes settled messages older than the limit, in memory and on disk, and keeps messages in flight', async () => {
    for (const e of [...seeded.oldDelivered, seeded.oldFailed, seeded.oldSending, ...seeded.recent]) assert.ok(api.history.get(e.key), `seeded ${e.text} is not visible`);
    await setUserSetting('history.maxEntries', 0);
    await setUserSetting('history.maxAgeDays', 30);
    // The setting change schedules a run by itself; run once more to not wait for its timer.
    await api.retention.run();
    const gone = [...seeded.oldDelivered, seeded.oldFailed];
    await waitFor(() => gone.every((e) => !api.history.get(e.key)), 15_000, 'the old settled messages to be gone');
    for (const e of [seeded.oldSending, seeded.oldUnknown, ...seeded.recent]) assert.ok(api.history.get(e.key), `${e.text} was removed`);

    // On disk too: a fresh read of the folder (what the next window loads).
    const onDisk = new Set((await loadHistory(api.history.dir)).entries.map((e) => e.key));
    for (const e of gone) assert.ok(!onDisk.has(e.key), `${e.text} is still on disk`);
    for (const e of [seeded.oldSending, seeded.oldUnknown, ...seeded.recent]) assert.ok(onDisk.has(e.key), `${e.text} is missing on disk`);
    assert.ok(api.history.stats().pruned >= gone.length);
  });

  test('maxEntries removes the oldest settled messages first, even inside the age limit', async () => {
    await setUserSetting('history.maxAgeDays', 0);
    // One fewer than the history holds: the oldest settled message goes, which is the 20-day-old one
    // (the two older seeded ones are in flight and stay).
    await setUserSetting('history.maxEntries', api.history.all().length - 1);
    await api.retention.run();
    const [twentyDays, tenDays] = seeded.recent;
    await waitFor(() => !api.history.get(twentyDays.key), 15_000, 'the 20-day-old message to be gone');
    assert.ok(api.history.get(tenDays.key), 'the 10-day-old message was removed too');
    assert.ok(api.history.get(seeded.oldSending.key));
    assert.ok(api.history.get(seeded.oldUnknown.key));
    const onDisk = new Set((await loadHistory(api.history.dir)).entries.map((e) => e.key));
    assert.ok(!onDisk.has(twentyDays.key));
    assert.ok(onDisk.has(tenDays.key));
  });

  test('a store reopened on the folder (the next window) does not bring removed messages back', async () => {
    const next = await HistoryStore.open(api.history.dir, { watch: false, autoCompact: false });
    try {
      for (const e of [...seeded.oldDelivered, seeded.oldFailed, seeded.recent[0]]) assert.equal(next.get(e.key), undefined, `${e.text} came back`);
      assert.ok(next.get(seeded.recent[1].key));
    } finally {
      await next.close();
    }
  });
});
