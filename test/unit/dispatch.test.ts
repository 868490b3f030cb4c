// The single send's paper trail against the real sandbox gateway on 127.0.0.1 and a real history
// store in a temp folder: what each answer becomes in history, long lists split into requests, and
// a history write failing after the gateway answered.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { GatewayClient } from '../../src/gateway/client';
import type { Credentials } from '../../src/gateway/types';
import { dispatchSend, retryUnsaved, splitDestinations, type DispatchStore } from '../../src/history/dispatch';
import { HistoryStore } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { FaultySandbox } from '../../src/sandbox/faults';
import { diskFullSwitch } from '../../src/common/diskFullSwitch';
import { realFs } from '../../src/common/durable';
import { removeDir, tempDir } from './bulkFixtures';
import { CrashError, describeFault, FaultyFs, faultsFor } from './faultFs';

const creds: Credentials = { username: 'sandbox', password: 'sandbox' };
const OPTS = { connectTimeoutMs: 2000, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, maxRetries: 0 };
const ctxFor = (client: Pick<GatewayClient, 'send'>) => ({ client, credentials: creds, account: 'sandbox', sandbox: true });
const numbers = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `3934${String(10_000_000 + from + i)}`);

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/** The real store, with its writes after the first `recordMany` failing like a full disk while `full` is set. */
function fullAfterRecord(store: HistoryStore): DispatchStore & { full: boolean } {
  const s = {
    full: false,
    recordMany: async (drafts: Parameters<DispatchStore['recordMany']>[0]) => {
      if (s.full) throw enospc();
      const out = await store.recordMany(drafts);
      s.full = true; // the disk fills right after the 'sending' entries were written
      return out;
    },
    update: async (key: string, patch: Partial<HistoryEntry>) => {
      if (s.full) throw enospc();
      return store.update(key, patch);
    },
  };
  return s;
}

describe('Single send (dispatch)', function () {
  this.timeout(30_000);
  let dir: string;
  let sandbox: FaultySandbox;
  let client: GatewayClient;
  let history: HistoryStore;

  beforeEach(async () => {
    dir = tempDir('inviosmart-dispatch-');
    sandbox = await FaultySandbox.start({ accounts: [{ username: 'sandbox', password: 'sandbox', balance: 1000 }] });
    client = new GatewayClient({ baseUrl: sandbox.url, ...OPTS });
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
  });
  afterEach(async () => {
    await history.close();
    await client.close();
    await sandbox.close();
    removeDir(dir);
  });

  describe('a history write failing after the gateway accepted the send (disk full)', () => {
    it('keeps the SMSId, records no failure and no "try again", and writes it once the disk has room', async () => {
      const store = fullAfterRecord(history);
      const out = await dispatchSend(store, ctxFor(client), { destinations: ['393401234567'], sender: 'Inviosmart', message: 'paid' }, 1);
      assert.equal(sandbox.messages.length, 1, 'the gateway took it');
      const smsId = sandbox.messages[0].smsId;
      assert.equal(out.error, undefined, 'a history failure is not a gateway failure');
      assert.equal((out.historyError as NodeJS.ErrnoException | undefined)?.code, 'ENOSPC');
      assert.equal(out.entries[0].state, 'sent');
      assert.equal(out.entries[0].smsId, smsId);
      assert.equal(out.entries[0].error, undefined);
      assert.deepEqual(out.unsaved, [{ key: out.entries[0].key, patch: { state: 'sent', smsId } }]);
      // On disk it is still 'sending', which warns before any resend; never 'failed'.
      assert.equal(history.get(out.entries[0].key)?.state, 'sending');

      assert.equal((await retryUnsaved(store, out.unsaved)).length, 1, 'still full: still unsaved');
      store.full = false;
      assert.deepEqual(await retryUnsaved(store, out.unsaved), []);
      assert.equal(history.get(out.entries[0].key)?.state, 'sent');
      assert.equal(history.get(out.entries[0].key)?.smsId, smsId);
      assert.equal(sandbox.requestCount('send'), 1, 'never sent again');
    });

    it('a refused send whose history write fails stays "sending" on disk, not a silent success', async () => {
      const store = fullAfterRecord(history);
      sandbox.injectFault({ fault: { kind: 'http', status: 200, body: 'Error: 1012 - Not enough credits' }, command: 'send', times: 1 });
      const out = await dispatchSend(store, ctxFor(client), { destinations: ['393401234567'], sender: 'Inviosmart', message: 'refused' }, 1);
      assert.equal(out.error?.code, 1012);
      assert.equal(out.entries[0].state, 'failed');
      assert.equal(history.get(out.entries[0].key)?.state, 'sending');
      assert.equal(out.unsaved.length, 1);
    });

    it('a history that cannot be written before the send sends nothing', async () => {
      const store = fullAfterRecord(history);
      store.full = true;
      await assert.rejects(
        dispatchSend(store, ctxFor(client), { destinations: ['393401234567'], sender: 'Inviosmart', message: 'x' }, 1),
        (e: NodeJS.ErrnoException) => e.code === 'ENOSPC',
      );
      assert.equal(sandbox.requestCount('send'), 0);
    });
  });

  describe('1022 "Awaiting cost confirmation"', () => {
    it('is recorded as held, with the gateway text, not failed and not unknown', async () => {
      sandbox.injectFault({ fault: { kind: 'http', status: 200, body: 'Status: 1022 - Awaiting cost confirmation, not sent yet' }, command: 'send', times: 1 });
      const out = await dispatchSend(history, ctxFor(client), { destinations: ['393401234567'], sender: 'Inviosmart', message: 'held' }, 1);
      const entry = history.get(out.entries[0].key);
      assert.equal(entry?.state, 'held');
      assert.equal(entry?.error?.code, 1022);
      assert.match(entry?.error?.gatewayText ?? '', /Awaiting cost confirmation/);
    });
  });

  describe('long destination lists', () => {
    it('splits at 50 numbers and at the character budget, keeping the order', () => {
      const list = numbers(123);
      const groups = splitDestinations(list);
      assert.deepEqual(groups.map((g) => g.length), [50, 50, 23]);
      assert.deepEqual(groups.flat(), list);
      const long = splitDestinations(numbers(10), 50, 40); // 12 digits + '.' each: 3 fit in 40
      assert.deepEqual(long.map((g) => g.length), [3, 3, 3, 1]);
      assert.ok(long.every((g) => g.join('.').length <= 40));
      assert.deepEqual(splitDestinations(['1234567890123'], 50, 5), [['1234567890123']], 'one number always goes, alone');
      assert.deepEqual(splitDestinations([]), []);
    });

    it('sends 230 numbers as 5 requests, each recorded before it goes out', async () => {
      const list = numbers(230);
      const seen: number[] = [];
      const counting = {
        send: (c: Credentials, req: Parameters<GatewayClient['send']>[1], o?: Parameters<GatewayClient['send']>[2]) => {
          seen.push(history.all().filter((e) => e.state === 'sending').length);
          return client.send(c, req, o);
        },
      };
      const out = await dispatchSend(history, ctxFor(counting), { destinations: list, sender: 'Inviosmart', message: 'many' }, 1);
      assert.equal(sandbox.requestCount('send'), 5);
      assert.deepEqual(out.requests, { total: 5, sent: 5 });
      assert.deepEqual(seen, [50, 50, 50, 50, 30], 'only the request about to go out is "sending"');
      assert.deepEqual(out.entries.map((e) => e.destination), list);
      assert.ok(out.entries.every((e) => e.state === 'sent' && e.smsId !== undefined));
      assert.equal(new Set(sandbox.messages.map((m) => m.destination)).size, 230);
    });

    it('a failure in request 3 of 5 leaves 1–2 sent, 3 failed and 4–5 recorded as not sent', async () => {
      const list = numbers(230);
      let calls = 0;
      const third = {
        send: (c: Credentials, req: Parameters<GatewayClient['send']>[1], o?: Parameters<GatewayClient['send']>[2]) => {
          if (++calls === 3) sandbox.injectFault({ fault: { kind: 'http', status: 414 }, command: 'send', times: 1 });
          return client.send(c, req, o);
        },
      };
      const out = await dispatchSend(history, ctxFor(third), { destinations: list, sender: 'Inviosmart', message: 'many' }, 1);
      assert.equal(sandbox.requestCount('send'), 3, 'nothing after the failed request went out');
      assert.deepEqual(out.requests, { total: 5, sent: 3 });
      assert.equal(out.error?.code, 414);
      const stored = out.entries.map((e) => history.get(e.key));
      assert.equal(stored.length, 230);
      assert.ok(stored.slice(0, 100).every((e) => e?.state === 'sent' && e.smsId !== undefined), 'requests 1–2 sent');
      assert.ok(stored.slice(100, 150).every((e) => e?.state === 'failed' && e.error?.code === 414), 'request 3 failed');
      const rest = stored.slice(150);
      assert.ok(rest.every((e) => e?.state === 'failed' && e.smsId === undefined), 'requests 4–5 not sent');
      assert.match(rest[0]?.error?.explanation ?? '', /request 3 of 5 failed/);
      assert.deepEqual(stored.map((e) => e?.destination), list);
      assert.equal(sandbox.messages.length, 100);
    });

    it('an outcome-unknown request stops the rest: they are not sent, and its own numbers stay unknown', async () => {
      const list = numbers(120);
      let calls = 0;
      const second = {
        send: (c: Credentials, req: Parameters<GatewayClient['send']>[1], o?: Parameters<GatewayClient['send']>[2]) => {
          if (++calls === 2) sandbox.injectFault({ fault: { kind: 'resetAfterRead' }, command: 'send', times: 1 });
          return client.send(c, req, o);
        },
      };
      const out = await dispatchSend(history, ctxFor(second), { destinations: list, sender: 'Inviosmart', message: 'many' }, 1);
      assert.equal(sandbox.requestCount('send'), 2);
      const states = out.entries.map((e) => history.get(e.key)?.state);
      assert.deepEqual([...new Set(states.slice(0, 50))], ['sent']);
      assert.deepEqual([...new Set(states.slice(50, 100))], ['unknown']);
      assert.deepEqual([...new Set(states.slice(100))], ['failed']);
    });
  });

  describe('the disk failing after the gateway answered, at the file-system boundary', () => {
    const QUIET = { watch: false, pollIntervalMs: 0, autoCompact: false } as const;
    const send = { destinations: ['393401234567', '393401234568'], sender: 'Inviosmart', message: 'paid' };

    it('the test switch (a full history folder): SMSIds kept, told, saved once there is room', async () => {
      let full = false;
      const folder = path.join(dir, 'switched');
      const store = await HistoryStore.open(folder, { ...QUIET, fs: diskFullSwitch(realFs, () => full) });
      try {
        // The disk fills while the request is at the gateway.
        const filling = { send: async (...a: Parameters<GatewayClient['send']>) => client.send(...a).finally(() => (full = true)) };
        const out = await dispatchSend(store, ctxFor(filling), send, 1);
        assert.equal(out.error, undefined);
        assert.equal((out.historyError as { code?: string }).code, 'ENOSPC');
        assert.deepEqual(out.entries.map((e) => e.smsId), sandbox.messages.map((m) => m.smsId));
        assert.ok(out.entries.every((e) => e.state === 'sent'));
        const onDisk = await HistoryStore.open(folder, QUIET);
        assert.deepEqual(onDisk.all().map((e) => e.state), ['sending', 'sending'], 'on disk: still "sending", which warns before a resend');
        await onDisk.close();
        full = false;
        assert.deepEqual(await retryUnsaved(store, out.unsaved), []);
        assert.deepEqual(store.all().map((e) => e.state), ['sent', 'sent']);
      } finally {
        await store.close();
      }
    });

    it('every fault at every step after the answer: never failed, never sent twice, SMSIds kept, the user told', async function () {
      this.timeout(120_000);
      // A dry run numbers the steps; the ones after the gateway answered are the ones tried.
      const dry = new FaultyFs();
      let answeredAt = -1;
      const dryFolder = path.join(dir, 'dry');
      const dryStore = await HistoryStore.open(dryFolder, { ...QUIET, fs: dry });
      const marking = { send: async (...a: Parameters<GatewayClient['send']>) => client.send(...a).finally(() => (answeredAt = dry.trace.length)) };
      await dispatchSend(dryStore, ctxFor(marking), send, 1);
      await dryStore.close();
      const steps = dry.trace.slice(answeredAt).filter((s) => !['close'].includes(s.op));
      assert.ok(steps.some((s) => s.op === 'write'), 'the answer is written after the send');

      let combos = 0;
      let told = 0;
      for (const step of steps) {
        for (const fault of faultsFor(step)) {
          const what = `${describeFault(fault)} at step ${step.n} (${step.op})`;
          combos++;
          const folder = path.join(dir, `c${combos}`);
          const fsx = new FaultyFs({ at: step.n, fault });
          const before = sandbox.messages.length;
          const store = await HistoryStore.open(folder, { ...QUIET, fs: fsx });
          let out: Awaited<ReturnType<typeof dispatchSend>> | undefined;
          try {
            out = await dispatchSend(store, ctxFor(client), send, 1);
          } catch (e) {
            assert.ok(e instanceof CrashError, `${what}: only a crash may end the send: ${String(e)}`);
          } finally {
            await store.close().catch(() => undefined);
            await fsx.closeAll();
          }
          assert.equal(sandbox.messages.length - before, 2, `${what}: sent once`);
          const ids = sandbox.messages.slice(before).map((m) => m.smsId);
          if (out) {
            assert.equal(out.error, undefined, what);
            assert.deepEqual(out.entries.map((e) => [e.state, e.smsId]), ids.map((id) => ['sent', id]), `${what}: the outcome keeps the SMSIds`);
            if (out.historyError !== undefined) {
              told++;
              assert.ok(out.unsaved.length > 0, what);
            }
          }
          // What the next window reads: never "failed"; "sent" with its SMSId, or still "sending" (which warns).
          const next = await HistoryStore.open(folder, QUIET);
          try {
            const states = next.all().map((e) => e.state);
            assert.equal(states.length, 2, `${what}: both attempts are on disk`);
            for (const e of next.all()) {
              assert.ok(e.state === 'sending' || (e.state === 'sent' && ids.includes(e.smsId!)), `${what}: ${e.state} ${e.smsId}`);
            }
            if (out && out.unsaved.length > 0) {
              assert.deepEqual(await retryUnsaved(next, out.unsaved), [], `${what}: saved once the disk works`);
              assert.deepEqual(next.all().map((e) => e.state), ['sent', 'sent']);
            }
          } finally {
            await next.close();
          }
        }
      }
      assert.ok(combos >= 20, `${combos} combinations`);
      assert.ok(told > 0, 'some faults reached the user');
      console.log(`      send path: ${combos} fault combinations after the answer over ${steps.length} steps; 0 recorded failed, 0 sent twice, ${told} told`);
    });
  });
});
