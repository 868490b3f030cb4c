// Mutation-testing gaps of "where does this message stand?" (messageState.ts) and of the poller lease's
// reading (election.ts) (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import { parseLease } from '../../src/history/election';
import { isFinal, messageState, STATUS_GROUPS, statusGroupLabel } from '../../src/history/messageState';
import type { StateFields } from '../../src/history/types';

const at = (over: Partial<StateFields>): StateFields => ({ createdAt: '2025-05-01T10:00:00.000Z', state: 'sent', smsId: 1, ...over });

describe('mutants: history message state', () => {
  it('a queued or pending status a file marks final is read as delivered, so nothing polls it forever', () => {
    assert.equal(messageState(at({ status: { code: 1, label: 'Queued', statusClass: 'queued', final: true } })), 'delivered');
    assert.equal(messageState(at({ status: { code: 32, label: 'Pending', statusClass: 'pending', final: true } })), 'delivered');
    assert.equal(messageState(at({ status: { code: 1, label: 'Queued', statusClass: 'queued', final: false } })), 'queued');
    assert.equal(messageState(at({ status: { code: 32, label: 'Pending', statusClass: 'pending', final: false } })), 'pending');
    assert.equal(isFinal(at({ status: { code: 32, label: 'Pending', statusClass: 'pending', final: true } })), true);
  });

  it('every group has its own English name, through the given l10n', () => {
    const asked: string[] = [];
    const english = { t: (m: string) => (asked.push(m), m) };
    const names = STATUS_GROUPS.map((g) => statusGroupLabel(g, english));
    assert.deepEqual(names, [
      'Sending',
      'Queued',
      'Pending',
      'Number lookup',
      'No final status — stopped checking',
      'Held: awaiting cost confirmation',
      'Unknown outcome',
      'Failed',
      'Delivered',
    ]);
    assert.deepEqual(asked, names, 'each name goes through l10n.t');
    const italian = { t: (m: string) => `it:${m}` };
    assert.equal(statusGroupLabel('failed', italian), 'it:Failed');
  });
});

describe('mutants: history lease reading', () => {
  it('an owner that is not text is no owner', () => {
    assert.equal(parseLease(JSON.stringify({ owner: ['w1'], heartbeatAt: 1, focused: true })), undefined);
    assert.equal(parseLease(JSON.stringify({ owner: { length: 2 }, heartbeatAt: 1, focused: true })), undefined);
    assert.deepEqual(parseLease(JSON.stringify({ owner: 'w1', heartbeatAt: 1, focused: false })), { owner: 'w1', heartbeatAt: 1, focused: false });
  });
});
