// Mutation-testing gaps of the poller's due queue (dueHeap.ts) and of what a send answer means for each
// entry (outcome.ts), through their exported functions (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import type { GatewayErrorInfo, SendResult, StatusReport } from '../../src/gateway/types';
import { DueHeap } from '../../src/history/dueHeap';
import { entryError, HELD_CODE, outcomeOfError, outcomeOfItem, outcomePatch, outcomesOfResult } from '../../src/history/outcome';
import { statusPatch } from '../../src/history/statusPatch';
import { seeded } from '../shared/seeded';

function gatewayError(over: Partial<GatewayErrorInfo> = {}): GatewayErrorInfo {
  return {
    kind: 'gateway',
    command: 'send',
    code: 1013,
    gatewayText: 'Error: 1013',
    explanation: 'No credit.',
    retryable: false,
    outcomeUnknown: false,
    ...over,
  };
}

describe('mutants: history due queue', () => {
  it('pops in order of due time, over random pushes and pops with many ties', () => {
    const random = seeded(5);
    const heap = new DueHeap();
    const model: Array<[number, string]> = [];
    for (let step = 0; step < 3000; step++) {
      if (random() < 0.6 || model.length === 0) {
        const due = Math.floor(random() * 50);
        const key = `k${step}`;
        heap.push(due, key);
        model.push([due, key]);
      } else {
        const top = heap.peek()!;
        const least = Math.min(...model.map(([d]) => d));
        assert.equal(top.due, least, `step ${step}`);
        const at = model.findIndex(([d, k]) => d === top.due && k === top.key);
        assert.ok(at >= 0, 'the key came with that due time');
        model.splice(at, 1);
        heap.pop();
      }
      assert.equal(heap.size, model.length);
    }
    const drained: number[] = [];
    while (heap.size > 0) {
      drained.push(heap.peek()!.due);
      heap.pop();
    }
    assert.deepEqual(drained, model.map(([d]) => d).sort((a, b) => a - b));
  });

  it('a smaller due time pushed later comes out first; each key stays with its own time', () => {
    const heap = new DueHeap();
    heap.push(30, 'c');
    heap.push(20, 'b');
    heap.push(10, 'a');
    heap.push(25, 'x');
    heap.push(5, 'first');
    const out: string[] = [];
    while (heap.peek()) {
      const { due, key } = heap.peek()!;
      out.push(`${key}@${due}`);
      heap.pop();
    }
    assert.deepEqual(out, ['first@5', 'a@10', 'b@20', 'x@25', 'c@30']);
  });

  it('empty: no peek, a pop does nothing; clear empties it', () => {
    const heap = new DueHeap();
    assert.equal(heap.peek(), undefined);
    heap.pop();
    assert.equal(heap.size, 0);
    heap.push(1, 'a');
    heap.push(0, 'b');
    heap.clear();
    assert.equal(heap.size, 0);
    assert.equal(heap.peek(), undefined);
    heap.push(7, 'c');
    assert.deepEqual(heap.peek(), { due: 7, key: 'c' });
    heap.pop();
    assert.equal(heap.peek(), undefined);
  });
});

describe('mutants: history send outcomes', () => {
  it('entryError keeps what the history stores and nothing else', () => {
    assert.deepEqual(entryError(gatewayError({ retryable: true, held: true })), { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013', explanation: 'No credit.' });
  });

  it('a gateway 1022 is held; the same code from elsewhere is not', () => {
    assert.equal(HELD_CODE, 1022);
    assert.equal(outcomeOfError(gatewayError({ code: HELD_CODE })).state, 'held');
    assert.equal(outcomeOfError(gatewayError({ kind: 'http', code: HELD_CODE })).state, 'failed');
    assert.equal(outcomeOfError(gatewayError({ code: 1021 })).state, 'failed');
  });

  it('a failure whose outcome is unknown is unknown, else failed, with the error kept', () => {
    const unknown = outcomeOfError(gatewayError({ kind: 'network', code: undefined, outcomeUnknown: true, gatewayText: 'socket hang up' }));
    assert.deepEqual(unknown, { state: 'unknown', error: { kind: 'network', code: undefined, gatewayText: 'socket hang up', explanation: 'No credit.' } });
    assert.deepEqual(outcomeOfError(gatewayError()), { state: 'failed', error: { kind: 'gateway', code: 1013, gatewayText: 'Error: 1013', explanation: 'No credit.' } });
  });

  it('each destination gets its own answer; a missing answer is unknown, with the raw body and a reason', () => {
    const result: SendResult = {
      raw: 'OK 123\nKO 1013',
      items: [
        { destination: '39333', ok: true, smsId: 123, raw: 'OK 123' },
        { destination: '39334', ok: false, error: gatewayError(), raw: 'KO 1013' },
      ],
    };
    const out = outcomesOfResult(result, 3);
    assert.equal(out.length, 3);
    assert.deepEqual(out[0], { state: 'sent', smsId: 123 });
    assert.equal(out[1].state, 'failed');
    assert.equal(out[2].state, 'unknown');
    const missing = out[2] as { error: { kind: string; gatewayText: string; explanation: string } };
    assert.equal(missing.error.kind, 'malformed');
    assert.equal(missing.error.gatewayText, 'OK 123\nKO 1013');
    assert.ok(missing.error.explanation.length > 10, missing.error.explanation);
    assert.deepEqual(outcomeOfItem(undefined, 'x'), { state: 'unknown', error: { ...missing.error, gatewayText: 'x' } });
    assert.deepEqual(outcomesOfResult(result, 1), [{ state: 'sent', smsId: 123 }]);
  });

  it('the patch an outcome makes: the id when sent, else the state and error', () => {
    assert.deepEqual(outcomePatch({ state: 'sent', smsId: 9 }), { state: 'sent', smsId: 9 });
    const error = entryError(gatewayError());
    assert.deepEqual(outcomePatch({ state: 'held', error }), { state: 'held', error });
    assert.deepEqual(outcomePatch({ state: 'unknown', error }), { state: 'unknown', error });
  });
});

describe('mutants: history status patch', () => {
  const report = (over: Partial<StatusReport> = {}): StatusReport => ({
    smsId: 7,
    submittedOn: { raw: '20250501100001' },
    destination: '393391234567',
    deliveredOn: { raw: '20250501100009' },
    status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
    quantity: 2,
    charge: 0.114,
    raw: '7|...',
    ...over,
  });

  it('carries the status, the gateway times, the charge and the poll time', () => {
    assert.deepEqual(statusPatch(report(), '2025-05-01T10:01:00.000Z'), {
      status: { code: 2048, label: 'Delivered', statusClass: 'delivered', final: true },
      state: 'sent',
      quantity: 2,
      charge: 0.114,
      lastPolledAt: '2025-05-01T10:01:00.000Z',
      submittedOn: '20250501100001',
      lastChangeOn: '20250501100009',
    });
  });

  it('a failed status makes the entry failed; empty gateway times are left out', () => {
    const p = statusPatch(report({ status: { code: 64, label: 'Undelivered', statusClass: 'failed', final: true }, submittedOn: { raw: '' }, deliveredOn: { raw: '' } }), 'at');
    assert.equal(p.state, 'failed');
    assert.ok(!('submittedOn' in p) && !('lastChangeOn' in p), JSON.stringify(p));
    const pendingPatch = statusPatch(report({ status: { code: 32, label: 'Pending', statusClass: 'pending', final: false } }), 'at');
    assert.equal(pendingPatch.state, 'sent');
  });
});
