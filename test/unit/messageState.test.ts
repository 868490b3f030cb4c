import * as assert from 'node:assert/strict';
import { englishL10n } from '../../src/gateway/l10n';
import { decodeStatus, STATUS_NUMBERS } from '../../src/gateway/protocol';
import type { StatusClass } from '../../src/gateway/types';
import {
  awaitsStatus,
  isFinal,
  isInFlight,
  isStatusGroup,
  messageState,
  shouldPoll,
  staleAt,
  stateFacts,
  stateIcon,
  STATUS_GROUPS,
  statusGroupIcon,
  statusGroupKey,
  statusGroupLabel,
  statusGroupOf,
  type MessageState,
  type StatusGroup,
} from '../../src/history/messageState';
import type { EntryState, HistoryEntry } from '../../src/history/types';

const HOUR = 3600_000;
const CREATED = '2026-11-01T10:00:00.000Z';
const created = Date.parse(CREATED);
const MAX_AGE = 48 * HOUR;
const young = { now: created + HOUR, maxAgeMs: MAX_AGE };
const old = { now: created + MAX_AGE + 1, maxAgeMs: MAX_AGE };

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    key: 'k1',
    destination: '393391234567',
    sender: 'Acme',
    text: 'Hello',
    account: 'acct',
    state: 'sent',
    createdAt: CREATED,
    updatedAt: CREATED,
    parts: 1,
    rev: 1,
    ...over,
  };
}

function status(code: number, statusClass: StatusClass, final: boolean): HistoryEntry['status'] {
  return { code, label: `status ${code}`, statusClass, final };
}

interface Case {
  name: string;
  e: Partial<HistoryEntry>;
  state: MessageState;
  group: StatusGroup;
  final: boolean;
  awaits: boolean;
  inFlight: boolean;
  /** The state once older than the max age. */
  aged: MessageState;
}

// Every shape an entry can take: each local state, and each status class final and not.
const cases: Case[] = [
  { name: 'sending', e: { state: 'sending' }, state: 'sending', group: 'sending', final: false, awaits: false, inFlight: true, aged: 'sending' },
  { name: 'outcome unknown', e: { state: 'unknown' }, state: 'unknownOutcome', group: 'unknown', final: false, awaits: false, inFlight: false, aged: 'unknownOutcome' },
  { name: 'held (1022)', e: { state: 'held' }, state: 'held', group: 'held', final: false, awaits: false, inFlight: false, aged: 'held' },
  { name: 'refused', e: { state: 'failed' }, state: 'failed', group: 'failed', final: true, awaits: false, inFlight: false, aged: 'failed' },
  { name: 'accepted, no status', e: { smsId: 7 }, state: 'accepted', group: 'queued', final: false, awaits: true, inFlight: true, aged: 'stale' },
  { name: 'queued (1)', e: { smsId: 7, status: status(1, 'queued', false) }, state: 'queued', group: 'queued', final: false, awaits: true, inFlight: true, aged: 'stale' },
  { name: 'pending (32)', e: { smsId: 7, status: status(32, 'pending', false) }, state: 'pending', group: 'pending', final: false, awaits: true, inFlight: true, aged: 'stale' },
  { name: 'unknown status 4096', e: { smsId: 7, status: status(4096, 'unknown', false) }, state: 'unrecognized', group: 'pending', final: false, awaits: true, inFlight: true, aged: 'stale' },
  { name: 'HLR sent', e: { smsId: 7, status: status(16384, 'lookup', false) }, state: 'lookup', group: 'lookup', final: false, awaits: true, inFlight: true, aged: 'stale' },
  { name: 'HLR completed', e: { smsId: 7, status: status(32768, 'lookup', true) }, state: 'lookupDone', group: 'lookup', final: true, awaits: false, inFlight: false, aged: 'lookupDone' },
  { name: 'delivered', e: { smsId: 7, status: status(2048, 'delivered', true) }, state: 'delivered', group: 'delivered', final: true, awaits: false, inFlight: false, aged: 'delivered' },
  { name: 'failed status (64)', e: { smsId: 7, state: 'failed', status: status(64, 'failed', true) }, state: 'failed', group: 'failed', final: true, awaits: false, inFlight: false, aged: 'failed' },
];

describe('messageState: one answer per message', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.state}, group ${c.group}, ${c.final ? 'final' : 'not final'}, ${c.awaits ? 'polled' : 'not polled'}, ${c.inFlight ? 'in' : 'not in'} the badge`, () => {
      const e = entry(c.e);
      assert.equal(messageState(e), c.state);
      assert.equal(messageState(e, young), c.state, 'young: the same');
      assert.equal(statusGroupOf(e, young), c.group);
      assert.equal(isFinal(e), c.final);
      assert.equal(stateFacts(c.state).final, c.final);
      assert.equal(awaitsStatus(e), c.awaits);
      assert.equal(shouldPoll(e, young), c.awaits);
      assert.equal(isInFlight(e, young), c.inFlight);
      assert.equal(messageState(e, old), c.aged, 'past the max age');
      assert.equal(shouldPoll(e, old), false, 'nothing older than the max age is polled');
      assert.equal(awaitsStatus(e), c.awaits, 'still refreshable by hand');
      if (c.aged === 'stale') {
        assert.equal(statusGroupOf(e, old), 'stale');
        assert.equal(isInFlight(e, old), false, 'not counted in the badge');
        assert.equal(isFinal(e), false, 'not final: retention keeps it');
        assert.equal(staleAt(e, MAX_AGE), created + MAX_AGE + 1);
      } else {
        assert.equal(isInFlight(e, old), c.inFlight);
        assert.equal(staleAt(e, MAX_AGE), undefined, 'age does not change it');
      }
    });
  }

  it('turns stale exactly past the max age, not at it', () => {
    const e = entry({ smsId: 1, status: status(32, 'pending', false) });
    assert.equal(messageState(e, { now: created + MAX_AGE, maxAgeMs: MAX_AGE }), 'pending');
    assert.equal(messageState(e, { now: created + MAX_AGE + 1, maxAgeMs: MAX_AGE }), 'stale');
    assert.equal(shouldPoll(e, { now: created + MAX_AGE, maxAgeMs: MAX_AGE }), true);
  });

  it('never polls what has no SMSId, whatever its status says', () => {
    assert.equal(awaitsStatus(entry({ state: 'sent' })), false);
    assert.equal(shouldPoll(entry({ state: 'sent', status: status(32, 'pending', false) }), young), false);
  });

  it('"unknown" means one thing: an unanswered request, never an undocumented status number', () => {
    const unanswered = entry({ state: 'unknown' });
    const undocumented = entry({ smsId: 3, status: decodeStatus(4096) });
    assert.equal(statusGroupOf(unanswered), 'unknown');
    assert.notEqual(statusGroupOf(undocumented), 'unknown');
    assert.equal(shouldPoll(undocumented, young), true, 'the gateway may still settle it');
    assert.equal(shouldPoll(unanswered, young), false, 'no SMSId to ask about');
  });

  it('agrees with the protocol table on what is final, for every documented number', () => {
    for (const s of STATUS_NUMBERS) {
      const e = entry({ smsId: 1, state: s.statusClass === 'failed' ? 'failed' : 'sent', status: { ...s } });
      assert.equal(isFinal(e), s.final, `${s.code} ${s.label}`);
      assert.equal(awaitsStatus(e), !s.final, `${s.code} ${s.label}`);
    }
  });

  it('covers every local state', () => {
    const states: EntryState[] = ['sending', 'sent', 'failed', 'unknown', 'held'];
    for (const state of states) assert.ok(isStatusGroup(statusGroupOf(entry({ state }))), state);
  });

  it('an entry whose time does not parse never turns stale', () => {
    const e = entry({ smsId: 1, createdAt: 'garbage' });
    assert.equal(messageState(e, old), 'accepted');
    assert.equal(staleAt(e, MAX_AGE), undefined);
  });

  it('names, icons and keys every group; every state sits in a listed group', () => {
    const seen: string[] = [];
    const l10n = { t: (m: string, ...a: Array<string | number | boolean>) => (seen.push(m), englishL10n.t(m, ...a)) };
    const labels = STATUS_GROUPS.map((g) => statusGroupLabel(g, l10n));
    assert.equal(new Set(labels).size, STATUS_GROUPS.length, 'no two groups read alike');
    assert.equal(seen.length, STATUS_GROUPS.length, 'every name goes through l10n');
    assert.equal(statusGroupLabel('stale', englishL10n), 'No final status — stopped checking');
    assert.equal(statusGroupKey('stale'), 'status_stale');
    for (const g of STATUS_GROUPS) {
      assert.match(statusGroupIcon(g).codicon, /^[a-z-]+$/);
      assert.match(statusGroupIcon(g).color, /^(charts\.[a-z]+|disabledForeground)$/);
    }
    for (const c of cases) {
      for (const state of [c.state, c.aged]) {
        assert.ok(STATUS_GROUPS.includes(stateFacts(state).group), state);
        assert.match(stateIcon(state).codicon, /^[a-z-]+(~spin)?$/);
      }
    }
    assert.notDeepEqual(stateIcon('stale'), stateIcon('pending'), 'a stale message does not look in flight');
  });
});
