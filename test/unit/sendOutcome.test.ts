// One mapping of gateway answers to history entries: the single send and the bulk runner record the
// same answer the same way. Answers are real gateway texts run through the real parser; the history
// and the batch files are real, in a temp folder.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchStore } from '../../src/bulk/batchStore';
import { runBatch } from '../../src/bulk/runner';
import { toGatewayError } from '../../src/gateway/errors';
import { parseSendAnswer } from '../../src/gateway/protocol';
import type { SendRequest, SendResult } from '../../src/gateway/types';
import { dispatchSend } from '../../src/history/dispatch';
import { HistoryStore } from '../../src/history/store';
import { isFinal, isInFlight, statusGroupOf } from '../../src/history/messageState';
import type { HistoryEntry } from '../../src/history/types';
import { contextValueOf, englishL10n, statusLabel, tooltipMarkdown, WallClock } from '../../src/views/entryPresentation';
import { newBatch, numberFor, plannedRows, removeDir, tempDir } from './bulkFixtures';

/** Three destinations in one request, and what the gateway answers. */
const ANSWERS: Array<{ name: string; body: string; states: Array<HistoryEntry['state']> }> = [
  { name: 'all accepted', body: 'OK ID:101|OK ID:102|OK ID:103', states: ['sent', 'sent', 'sent'] },
  { name: 'one refused (1005)', body: 'OK ID:101|Error: 1005 - Invalid destination number|OK ID:103', states: ['sent', 'failed', 'sent'] },
  { name: 'one queued without an id (1026: outcome unknown)', body: 'OK ID:101|Status: 1026 - Batch queued, about to be transmitted|OK ID:103', states: ['sent', 'unknown', 'sent'] },
  { name: 'one held (1022)', body: 'OK ID:101|OK ID:102|Status: 1022 - Awaiting cost confirmation, not sent yet', states: ['sent', 'sent', 'held'] },
  { name: 'the whole request held (1022)', body: 'Status: 1022 - Awaiting cost confirmation, not sent yet', states: ['held', 'held', 'held'] },
  { name: 'the whole request refused (1013)', body: 'Error: 1013 - No credits available for user', states: ['failed', 'failed', 'failed'] },
];

/** The gateway as both paths call it: the real parser over a fixed answer. */
function answering(body: string) {
  return (req: SendRequest): Promise<SendResult> => {
    try {
      return Promise.resolve(parseSendAnswer(body, req.destinations));
    } catch (e) {
      return Promise.reject(toGatewayError(e, 'send'));
    }
  };
}

describe('One send outcome mapping (single send = bulk)', function () {
  this.timeout(30_000);
  let dir: string;
  let history: HistoryStore;

  beforeEach(async () => {
    dir = tempDir('inviosmart-outcome-');
    history = await HistoryStore.open(path.join(dir, 'history'), { durable: false, watch: false });
  });
  afterEach(async () => {
    await history.close();
    removeDir(dir);
  });

  for (const a of ANSWERS) {
    it(`${a.name}: ${a.states.join(', ')} on both paths, with the same SMSIds and error codes`, async () => {
      const destinations = [0, 1, 2].map(numberFor);
      const send = answering(a.body);
      const single = await dispatchSend(
        history,
        { client: { send: (_c, req) => send(req) }, credentials: { username: 'u', password: 'p' }, account: 'acct-1', sandbox: false },
        { destinations, sender: 'Acme', message: 'Shared text 0' },
        1,
      );
      const batches = new BatchStore(path.join(dir, 'batches'), { durable: false });
      const handle = await batches.create(newBatch(plannedRows(3, 1), { maxPerRequest: 50 }));
      try {
        await runBatch(handle, { history, send }, { maxPerSecond: 0 });
      } finally {
        await handle.close();
      }
      const bulk = destinations.map((d) => history.all().find((e) => e.batchId === handle.batchId && e.destination === d)!);
      const view = (e: HistoryEntry) => ({ state: e.state, smsId: e.smsId, code: e.error?.code, kind: e.error?.kind });
      const singleStored = single.entries.map((e) => history.get(e.key)!);
      assert.deepEqual(singleStored.map((e) => e.state), a.states, 'single send');
      assert.deepEqual(bulk.map(view), singleStored.map(view), 'bulk records the same as the single send');
    });
  }
});

describe('A held message (1022) as every surface shows it', () => {
  const held: HistoryEntry = {
    key: 'k1', destination: '393331234567', sender: 'Acme', text: 'x', account: 'a', state: 'held', parts: 1, rev: 2,
    createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:00.000Z',
    error: { kind: 'gateway', code: 1022, gatewayText: 'Status: 1022 - Awaiting cost confirmation, not sent yet', explanation: 'held' },
  };

  it('is its own state: labelled held, waiting (not failed, not in flight), kept by retention, resendable from the tree with a warning', () => {
    assert.equal(statusLabel(held, englishL10n), 'Held: awaiting cost confirmation');
    assert.equal(statusGroupOf(held), 'held', 'one group for the tree, the panel and the export');
    assert.equal(isInFlight(held), false, 'nothing polls it: it has no SMSId');
    assert.equal(isFinal(held), false, 'retention keeps it: it may still be sent');
    assert.match(tooltipMarkdown(held, { l10n: englishL10n, clock: new WallClock('UTC'), locale: 'en' }), /confirming it there sends it/);
    assert.equal(contextValueOf(held), 'message.held');
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } };
    const resend = pkg.contributes.menus['view/item/context'].find((m) => m.command === 'inviosmart.resend');
    assert.ok(resend?.when && new RegExp(/viewItem =~ \/(.*)\//.exec(resend.when)![1].replace(/\\\\/g, '\\')).test('message.held'), 'Resend is offered on a held message');
  });

  it('survives a reload of the history (a state the store keeps, not drops)', async () => {
    const dir = tempDir('inviosmart-held-');
    try {
      const store = await HistoryStore.open(dir, { durable: false, watch: false });
      const e = await store.record({ destination: '393331234567', sender: 'Acme', text: 'x', account: 'a', parts: 1 });
      await store.update(e.key, { state: 'held', error: held.error });
      await store.close();
      const again = await HistoryStore.open(dir, { durable: false, watch: false });
      assert.equal(again.get(e.key)?.state, 'held');
      await again.close();
    } finally {
      removeDir(dir);
    }
  });
});
