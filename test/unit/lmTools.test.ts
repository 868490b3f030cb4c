import * as assert from 'node:assert/strict';
import { compareVersions, mustAskItself, OUTSIDE_CHAT_CONFIRMATION_SINCE } from '../../src/lm/confirmation';
import { maskNumber, numberShower } from '../../src/lm/mask';
import { entryLine, searchEntries, stateWord } from '../../src/lm/results';
import type { HistoryEntry } from '../../src/history/types';

function entry(over: Partial<HistoryEntry>): HistoryEntry {
  return {
    key: over.key ?? 'k',
    destination: '393331234567',
    sender: 'Build',
    text: 'deploy done',
    account: 'sandbox',
    state: 'sent',
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    parts: 1,
    rev: 1,
    ...over,
  };
}

describe('chat tools: who confirms a send', () => {
  it('orders versions by their numbers, not as text', () => {
    assert.ok(compareVersions('1.96.0', '1.139.0') < 0);
    assert.ok(compareVersions('1.139.1', '1.139.0') > 0);
    assert.equal(compareVersions('1.139.0-insider', '1.139.0'), 0);
    assert.ok(compareVersions('2.0', '1.200.3') > 0);
  });

  it('asks itself whenever no confirmation was prepared for the input, in chat or not, on any version', () => {
    for (const version of ['1.96.0', OUTSIDE_CHAT_CONFIRMATION_SINCE, '1.200.0']) {
      assert.equal(mustAskItself(version, true, false), true);
      assert.equal(mustAskItself(version, false, false), true);
    }
  });

  it('leaves a prepared confirmation to chat, and outside chat only from the version seen showing it', () => {
    assert.equal(mustAskItself('1.96.0', true, true), false);
    assert.equal(mustAskItself('1.96.0', false, true), true);
    assert.equal(mustAskItself('1.138.9', false, true), true);
    assert.equal(mustAskItself('1.139.0', false, true), false);
    assert.equal(mustAskItself('1.139.1', false, true), false);
  });
});

describe('chat tools: results', () => {
  it('masks numbers as the log does, and shows in full only the ones the user named', () => {
    assert.equal(maskNumber('393391234567'), '+39 339 *** **67');
    assert.equal(maskNumber('14155550123'), '+1 415 *** **23');
    assert.equal(maskNumber('3531234567'), '+353 123 *** **67');
    const show = numberShower(['393331234567']);
    assert.equal(show('393331234567'), '+393331234567');
    assert.equal(show('393391234567'), '+39 339 *** **67');
  });

  it('words a message state the way the search filters it', () => {
    assert.equal(stateWord(entry({ state: 'unknown' })), 'unknown');
    assert.equal(stateWord(entry({ state: 'sent' })), 'queued', 'accepted, no status yet');
    assert.equal(stateWord(entry({ status: { code: 2, label: 'Queued on SMSC', statusClass: 'pending', final: false } })), 'pending');
    assert.equal(stateWord(entry({ state: 'held' })), 'held');
    // the poller's max age passed without a final status: the same word the tree and panel use
    const waiting = entry({ createdAt: '2026-12-01T08:00:00.000Z', smsId: 9, status: { code: 32, label: 'Pending', statusClass: 'pending', final: false } });
    assert.equal(stateWord(waiting, { now: Date.parse('2026-12-04T08:00:00.000Z'), maxAgeMs: 48 * 3600_000 }), 'stale');
    assert.equal(stateWord(waiting, { now: Date.parse('2026-12-02T08:00:00.000Z'), maxAgeMs: 48 * 3600_000 }), 'pending');
    assert.equal(stateWord(entry({ status: { code: 3, label: 'Delivered', statusClass: 'delivered', final: true } })), 'delivered');
    assert.equal(stateWord(entry({ state: 'failed', status: { code: 5, label: 'Undeliverable', statusClass: 'failed', final: true } })), 'failed');
  });

  it('searches by number, text, status and dates, newest first, bounded by the limit', () => {
    const all = [
      entry({ key: 'a', createdAt: '2026-12-03T08:00:00.000Z', text: 'Deploy DONE', smsId: 3 }),
      entry({ key: 'b', createdAt: '2026-12-02T08:00:00.000Z', destination: '393391234567', smsId: 2, status: { code: 3, label: 'Delivered', statusClass: 'delivered', final: true } }),
      entry({ key: 'c', createdAt: '2026-12-01T08:00:00.000Z', text: 'lunch?', state: 'failed' }),
    ];
    assert.deepEqual(searchEntries(all, { limit: 20, text: 'deploy' }).matches.map((e) => e.key), ['a', 'b']);
    assert.deepEqual(searchEntries(all, { limit: 20, destination: '393391234567' }).matches.map((e) => e.key), ['b']);
    assert.deepEqual(searchEntries(all, { limit: 20, status: 'failed' }).matches.map((e) => e.key), ['c']);
    assert.deepEqual(searchEntries(all, { limit: 20, since: Date.parse('2026-12-02T00:00:00Z'), until: Date.parse('2026-12-02T23:59:59Z') }).matches.map((e) => e.key), ['b']);
    const bounded = searchEntries(all, { limit: 2 });
    assert.deepEqual(bounded.matches.map((e) => e.key), ['a', 'b']);
    assert.equal(bounded.total, 3);
  });

  it('writes one line per message with its ID, masked number, status, parts and the sandbox mark', () => {
    const line = entryLine(entry({ smsId: 17, sandbox: true, charge: 0.05, status: { code: 3, label: 'Delivered', statusClass: 'delivered', final: true } }), numberShower([]), true);
    assert.match(line, /^SMSId 17 · to \+39 333 \*\*\* \*\*67 · delivered \(Delivered, code 3\) · 1 SMS · €0\.05 · sandbox · recorded 2026-12-01 10:00 UTC · text "deploy done"$/);
    assert.doesNotMatch(line, /1234567/);
  });
});
