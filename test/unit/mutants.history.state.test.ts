// Mutation-testing gaps of "where does this message stand?" (messageState.ts) and of the poller lease's
// reading (election.ts) (docs/TESTING.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realFs, type DurableFs } from '../../src/common/durable';
import { DEFAULT_HEARTBEAT_MS, LEASE_FILE, parseLease, PollerElection } from '../../src/history/election';
import { isFinal, messageState, STATUS_GROUPS, statusGroupLabel } from '../../src/history/messageState';
import type { StateFields } from '../../src/history/types';
import { FakeClock } from './fixtures/fakeClock';
import { removeDir, tempDir } from './fixtures/historyHelpers';

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

describe('mutants: history election without an error listener', () => {
  const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
  const failing = (when: (flags: string) => boolean): DurableFs => ({
    ...realFs,
    open: async (f, flags) => {
      if (when(String(flags))) throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
      return realFs.open(f, flags);
    },
  });
  let dir: string;
  let election: PollerElection | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    election?.dispose();
    election = undefined;
    removeDir(dir);
  });

  it('a lease that cannot be read: it polls as if alone', async () => {
    fs.writeFileSync(path.join(dir, LEASE_FILE), JSON.stringify({ owner: 'X', heartbeatAt: T0, focused: true }));
    election = new PollerElection({ dir, owner: 'A', clock: new FakeClock(T0), isFocused: () => true, fs: failing((f) => f === 'r') });
    await election.start();
    assert.equal(election.isLeader, true);
  });

  it('windows given no owner get their own: non-empty, different, starting with the process id', () => {
    const a = new PollerElection({ dir, isFocused: () => true });
    const b = new PollerElection({ dir, isFocused: () => true });
    try {
      assert.notEqual(a.owner, b.owner);
      assert.match(a.owner, new RegExp(`^${process.pid}-[0-9a-f]{12}$`));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('a claim that cannot be written: it polls as if alone', async () => {
    election = new PollerElection({ dir, owner: 'A', clock: new FakeClock(T0), isFocused: () => true, fs: failing((f) => f !== 'r') });
    await election.start();
    assert.equal(election.isLeader, true);
  });
});

describe('mutants: history election, a leader whose lease vanished', () => {
  it('claims it again and is leader a quarter heartbeat later, not a heartbeat later', async () => {
    const dir = tempDir();
    const clock = new FakeClock(Date.UTC(2030, 0, 1, 12, 0, 0));
    const election = new PollerElection({ dir, owner: 'A', clock, isFocused: () => true, onError: () => undefined });
    try {
      const advance = (ms: number): Promise<void> => clock.advance(ms, () => election.settled());
      await election.start();
      await advance(DEFAULT_HEARTBEAT_MS / 4);
      assert.equal(election.isLeader, true);
      await advance(DEFAULT_HEARTBEAT_MS);
      assert.equal(election.isLeader, true, 'renewed');
      fs.rmSync(path.join(dir, LEASE_FILE));
      await election.poke();
      assert.equal(parseLease(fs.readFileSync(path.join(dir, LEASE_FILE), 'utf8'))?.owner, 'A', 'claimed again at once');
      await advance(DEFAULT_HEARTBEAT_MS / 4);
      assert.equal(election.isLeader, true, 'confirmed a quarter heartbeat later');
    } finally {
      election.dispose();
      removeDir(dir);
    }
  });
});
