import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { escapeMarkdown, escapeMarkdownLine } from '../../src/common/markdown';
import type { GatewayErrorKind, StatusClass } from '../../src/gateway/types';
import type { EntryState, HistoryEntry } from '../../src/history/types';
import {
  WallClock,
  contextValueOf,
  dayGroupLabel,
  daysBetween,
  englishL10n,
  errorTitle,
  messageCountLabel,
  messageDescription,
  messageLabel,
  statusLabel,
  tooltipMarkdown,
  type L10n,
} from '../../src/views/entryPresentation';
import { displayGatewayTime } from '../../src/gateway/time';

// A real CommonMark renderer (shipped with @vscode/vsce) with raw HTML and linkify on: the most
// permissive settings, so anything our escaping lets through would show up as a tag.
const load = createRequire(__filename);
const MarkdownIt = load('markdown-it') as new (options: object) => { render(src: string): string };
const md = new MarkdownIt({ html: true, linkify: true });

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    key: 'k1',
    destination: '393391234567',
    sender: 'Acme',
    text: 'Hello',
    account: 'acct',
    state: 'sent',
    createdAt: '2024-03-10T12:00:00.000Z',
    updatedAt: '2024-03-10T12:00:00.000Z',
    parts: 1,
    rev: 1,
    ...over,
  };
}

function status(code: number, statusClass: StatusClass, final: boolean, label: string): HistoryEntry['status'] {
  return { code, statusClass, final, label };
}

/** Records what went through l10n.t, to prove the strings are marked for translation. */
function recordingL10n(): L10n & { seen: string[] } {
  const seen: string[] = [];
  return { seen, t: (m, ...a) => (seen.push(m), englishL10n.t(m, ...a)) };
}

const ATTACK = '**x** <img src=x onerror=alert(1)> [a](javascript:alert(1))';

describe('entryPresentation', () => {
  describe('WallClock and day groups', () => {
    it('puts the same instant on different days in different zones', () => {
      const t = Date.parse('2024-03-10T23:30:00Z');
      assert.equal(new WallClock('UTC').dayKey(t), '2024-03-10');
      assert.equal(new WallClock('Europe/Rome').dayKey(t), '2024-03-11');
      assert.equal(new WallClock('America/Los_Angeles').dayKey(t), '2024-03-10');
      assert.equal(new WallClock('Asia/Kathmandu').dayKey(Date.parse('2024-03-10T18:14:59Z')), '2024-03-10');
      assert.equal(new WallClock('Asia/Kathmandu').dayKey(Date.parse('2024-03-10T18:15:00Z')), '2024-03-11');
    });

    it('reads wall-clock time across a DST change', () => {
      const rome = new WallClock('Europe/Rome');
      // 2024-03-31 02:00 local jumps to 03:00 (01:00Z)
      assert.deepEqual(rome.parts(Date.parse('2024-03-31T00:59:00Z')), { year: 2024, month: 3, day: 31, hour: 1, minute: 59, second: 0 });
      assert.deepEqual(rome.parts(Date.parse('2024-03-31T01:00:00Z')), { year: 2024, month: 3, day: 31, hour: 3, minute: 0, second: 0 });
      const la = new WallClock('America/Los_Angeles');
      // 2024-11-03 02:00 PDT falls back to 01:00 PST (09:00Z)
      assert.equal(la.parts(Date.parse('2024-11-03T08:30:00Z')).hour, 1);
      assert.equal(la.parts(Date.parse('2024-11-03T09:30:00Z')).hour, 1);
    });

    it('finds the next local midnight, also on 23- and 25-hour days', () => {
      const rome = new WallClock('Europe/Rome');
      assert.equal(rome.nextMidnight(Date.parse('2024-03-31T10:00:00Z')), Date.parse('2024-03-31T22:00:00Z'));
      assert.equal(rome.nextMidnight(Date.parse('2024-03-30T22:00:00Z')), Date.parse('2024-03-30T23:00:00Z'));
      assert.equal(rome.nextMidnight(Date.parse('2024-10-27T10:00:00Z')), Date.parse('2024-10-27T23:00:00Z'));
      const la = new WallClock('America/Los_Angeles');
      assert.equal(la.nextMidnight(Date.parse('2024-11-03T12:00:00Z')), Date.parse('2024-11-04T08:00:00Z'));
      assert.equal(new WallClock('UTC').nextMidnight(Date.parse('2024-12-31T23:59:59Z')), Date.parse('2025-01-01T00:00:00Z'));
    });

    it('agrees with the system zone when none is given', () => {
      const t = Date.parse('2024-07-01T12:34:56Z');
      const d = new Date(t);
      const p = new WallClock().parts(t);
      assert.deepEqual([p.year, p.month, p.day, p.hour, p.minute], [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()]);
    });

    it('labels days as Today, Yesterday, weekday, then date', () => {
      const l10n = recordingL10n();
      const today = '2024-03-10'; // a Sunday
      assert.equal(dayGroupLabel('2024-03-10', today, l10n, 'en-GB'), 'Today');
      assert.equal(dayGroupLabel('2024-03-09', today, l10n, 'en-GB'), 'Yesterday');
      assert.equal(dayGroupLabel('2024-03-08', today, l10n, 'en-GB'), 'Friday');
      assert.equal(dayGroupLabel('2024-03-04', today, l10n, 'en-GB'), 'Monday');
      assert.equal(dayGroupLabel('2024-03-03', today, l10n, 'en-GB'), '3 March');
      assert.equal(dayGroupLabel('2023-12-31', today, l10n, 'en-GB'), '31 December 2023');
      assert.equal(dayGroupLabel('2024-03-11', today, l10n, 'en-GB'), '11 March', 'a future day (clock skew) is a date');
      assert.equal(dayGroupLabel('2024-03-08', today, l10n, 'it'), 'venerdì');
      assert.deepEqual(l10n.seen, ['Today', 'Yesterday']);
    });

    it('counts days across month, year and DST boundaries', () => {
      assert.equal(daysBetween('2024-02-29', '2024-03-01'), 1);
      assert.equal(daysBetween('2023-12-31', '2024-01-01'), 1);
      assert.equal(daysBetween('2024-03-30', '2024-04-01'), 2);
      assert.equal(daysBetween('2024-03-12', '2024-03-10'), -2);
    });

    it('groups an entry just before and after midnight by the injected now and zone', () => {
      const now = Date.parse('2024-03-10T23:30:00Z');
      const label = (createdAt: string, tz: string): string => {
        const clock = new WallClock(tz);
        return dayGroupLabel(clock.dayKey(Date.parse(createdAt)), clock.dayKey(now), englishL10n, 'en-GB');
      };
      // 22:50Z is 23:50 in Rome on the 10th, while Rome's now is already 00:30 on the 11th
      assert.equal(label('2024-03-10T22:50:00Z', 'Europe/Rome'), 'Yesterday');
      assert.equal(label('2024-03-10T23:10:00Z', 'Europe/Rome'), 'Today');
      assert.equal(label('2024-03-10T22:50:00Z', 'UTC'), 'Today');
      assert.equal(label('2024-03-09T23:59:59Z', 'UTC'), 'Yesterday');
      assert.equal(label('2024-03-10T07:59:00Z', 'America/Los_Angeles'), 'Yesterday'); // 23:59 PST on the 9th
      assert.equal(label('2024-03-10T08:00:00Z', 'America/Los_Angeles'), 'Today');
    });
  });

  describe('status', () => {
    // States, groups, icons and the badge are messageState.test.ts's; here only the words.
    const cases: Array<{ name: string; e: Partial<HistoryEntry>; label: string }> = [
      { name: 'sending', e: { state: 'sending' }, label: 'Sending…' },
      { name: 'accepted, no status yet', e: { state: 'sent', smsId: 5 }, label: 'Accepted, waiting for status' },
      { name: 'queued (1)', e: { state: 'sent', status: status(1, 'queued', false, 'Queued') }, label: 'Queued' },
      { name: 'pending (32)', e: { state: 'sent', status: status(32, 'pending', false, 'Pending') }, label: 'Pending' },
      { name: 'delivered (2048)', e: { state: 'sent', status: status(2048, 'delivered', true, 'Delivered') }, label: 'Delivered' },
      { name: 'failed status (64)', e: { state: 'sent', status: status(64, 'failed', true, 'Undelivered') }, label: 'Undelivered' },
      { name: 'refused by the gateway', e: { state: 'failed' }, label: 'Not sent' },
      { name: 'HLR sent (16384)', e: { state: 'sent', status: status(16384, 'lookup', false, 'HLR sent') }, label: 'HLR sent' },
      { name: 'HLR completed (32768)', e: { state: 'sent', status: status(32768, 'lookup', true, 'HLR completed') }, label: 'HLR completed' },
      { name: 'unknown status 4096', e: { state: 'sent', status: status(4096, 'unknown', false, 'unknown status 4096') }, label: 'unknown status 4096' },
      { name: 'unknown outcome', e: { state: 'unknown' }, label: 'Unknown outcome: may have been sent' },
    ];
    for (const c of cases) {
      it(`words ${c.name}`, () => {
        assert.equal(statusLabel(entry({ status: undefined, ...c.e }), englishL10n), c.label);
      });
    }

    it('words a message the poller stopped checking as such, label and tooltip', () => {
      const e = entry({ smsId: 9, status: status(32, 'pending', false, 'Pending') });
      assert.equal(statusLabel(e, englishL10n, 'stale'), 'No final status — stopped checking');
      const text = tooltipMarkdown(e, { l10n: englishL10n, clock: new WallClock('UTC'), locale: 'en', state: 'stale' });
      assert.match(text, /no longer checked by itself/);
      assert.match(text, /status 32/, 'the last status code stays in view');
      assert.doesNotMatch(tooltipMarkdown(e, { l10n: englishL10n, clock: new WallClock('UTC'), locale: 'en', state: 'pending' }), /no longer checked/);
    });

    it('builds context values menus can match', () => {
      assert.equal(contextValueOf(entry({ state: 'sending' })), 'message.sending');
      assert.equal(contextValueOf(entry({ state: 'sent', smsId: 12 })), 'message.sent.id');
      assert.equal(contextValueOf(entry({ state: 'sent', smsId: 0, sandbox: true })), 'message.sent.id.sandbox');
      assert.equal(contextValueOf(entry({ state: 'failed' })), 'message.failed');
      assert.equal(contextValueOf(entry({ state: 'failed', smsId: 3 })), 'message.failed.id');
      assert.equal(contextValueOf(entry({ state: 'unknown', sandbox: true })), 'message.unknown.sandbox');
      const states: EntryState[] = ['sending', 'sent', 'failed', 'unknown'];
      for (const state of states) {
        assert.match(contextValueOf(entry({ state, smsId: 1 })), /^message\.\w+\.id\b/);
        assert.doesNotMatch(contextValueOf(entry({ state })), /^message\.\w+\.id\b/);
      }
    });
  });

  describe('labels and descriptions', () => {
    it('uses the first non-blank line, collapsed and cut at 40 characters', () => {
      assert.equal(messageLabel('\n  \n  Hello   there \nsecond line', englishL10n), 'Hello there');
      const long = 'abcdefghij'.repeat(5);
      const cut = messageLabel(long, englishL10n);
      assert.equal([...cut].length, 40);
      assert.ok(cut.endsWith('…'));
      assert.equal(messageLabel('x'.repeat(40), englishL10n), 'x'.repeat(40));
      assert.equal(messageLabel('   \n\t', englishL10n), '(empty message)');
    });

    it('never splits an emoji when cutting', () => {
      const label = messageLabel('😀'.repeat(60), englishL10n);
      assert.equal([...label].length, 40);
      assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(label), 'no lone high surrogate');
    });

    it('keeps markup as plain text in the label', () => {
      assert.equal(messageLabel('<b>hi</b>', englishL10n), '<b>hi</b>');
    });

    it('describes destination and time, or date when older', () => {
      const clock = new WallClock('Europe/Rome');
      const now = Date.parse('2024-03-10T20:00:00Z');
      const ctx = { clock, now, locale: 'en-GB' };
      const today = entry({ createdAt: '2024-03-10T08:05:00Z' });
      const older = entry({ createdAt: '2024-03-02T08:05:00Z' });
      const lastYear = entry({ createdAt: '2023-03-02T08:05:00Z' });
      assert.equal(messageDescription(today, ctx, false), '+39 339 123 4567 · 09:05');
      assert.equal(messageDescription(older, ctx, false), '+39 339 123 4567 · 2 Mar');
      assert.equal(messageDescription(lastYear, ctx, false), '+39 339 123 4567 · 2 Mar 2023');
      assert.equal(messageDescription(older, ctx, true), '+39 339 123 4567 · 09:05', 'under a day group only the time');
      assert.equal(messageDescription(entry({ createdAt: 'garbage' }), ctx, false), '+39 339 123 4567');
    });

    it('formats provider times and leaves "nothing yet" out', () => {
      assert.equal(displayGatewayTime('20101212152514'), '2010-12-12 15:25:14');
      assert.equal(displayGatewayTime('00000000000000'), undefined);
      assert.equal(displayGatewayTime(''), undefined);
      assert.equal(displayGatewayTime(undefined), undefined);
      assert.equal(displayGatewayTime('2010-bad'), '2010-bad');
    });

    it('counts messages', () => {
      assert.equal(messageCountLabel(1, englishL10n), '1 message');
      assert.equal(messageCountLabel(0, englishL10n), '0 messages');
      assert.equal(messageCountLabel(1234, englishL10n), '1234 messages');
    });
  });

  describe('tooltip Markdown', () => {
    /** What a reader sees: the escaping undone the way a CommonMark renderer undoes it. */
    const unescape = (s: string): string =>
      s
        .replace(/\\\n/g, '\n')
        .replace(/&nbsp;/g, ' ')
        .replace(/\\([!-/:-@[-`{-~])/g, '$1');

    it('renders the attack string as its literal text, with no tag, link or emphasis', () => {
      const html = md.render(escapeMarkdown(ATTACK));
      assert.doesNotMatch(html, /<img|<a |<strong|<em/);
      // markdown-it HTML-escapes the text it outputs
      assert.equal(html.trim(), `<p>${ATTACK.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</p>`);
    });

    it('stops headings, lists, code blocks, autolinks, entities and icons from forming', () => {
      const text = '# h\n- item\n1. one\n    indented code\n> quote\nhttps://evil.example www.evil.example\n&lt;b&gt; $(alert)\n| a | b |\n===';
      const html = md.render(escapeMarkdown(text));
      assert.doesNotMatch(html, /<h\d|<li|<ol|<ul|<pre|<code|<blockquote|<a |<table/);
      assert.ok(html.includes('&amp;lt;b&amp;gt;'), 'entity shown literally');
      assert.ok(html.includes('$(alert)'));
    });

    it('escapes losslessly and leaves no active punctuation, for any text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (s) => {
          const out = escapeMarkdown(s);
          const normal = s
            // eslint-disable-next-line no-control-regex
            .replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
            .replace(/^(?:[ \t]*\n)+/, '').replace(/\s+$/, '');
          // every ASCII punctuation is preceded by a backslash, except our own &nbsp; and line-break backslashes
          const stripped = out.replace(/\\[!-/:-@[-`{-~]/g, '').replace(/&nbsp;/g, '').replace(/\\\n/g, '\n');
          assert.doesNotMatch(stripped, /[!-/:-@[-`{-~]/);
          assert.equal(unescape(out), normal.replace(/^[ \t]+/gm, (b) => ' '.repeat(b.replace(/\t/g, '    ').length)));
        }),
        { numRuns: 300 },
      );
    });

    it('the one-line form keeps a table cell one cell: no pipe, break or tag survives', () => {
      const cell = escapeMarkdownLine(`${ATTACK}|x\r\nnext`, ' ⏎ ');
      assert.doesNotMatch(cell, /\n/);
      const html = md.render(`| a | b |\n| - | - |\n| ${cell} | z |`);
      assert.equal((html.match(/<td>/g) ?? []).length, 2, html);
      assert.doesNotMatch(html, /<img|<a |<strong|<em/);
      assert.ok(html.includes('|x ⏎ next'));
    });

    const full = entry({
      smsId: 98765,
      destination: '393391234567',
      sender: ATTACK,
      text: `${ATTACK}\nsecond line`,
      account: ATTACK,
      sandbox: true,
      batchId: ATTACK,
      state: 'failed',
      createdAt: '2024-03-10T08:05:06Z',
      submittedOn: '20240310090507',
      lastChangeOn: '20240310091000',
      status: status(64, 'failed', true, 'Undelivered'),
      parts: 2,
      quantity: 2,
      charge: 0.057,
      error: { kind: 'gateway', code: 1012, gatewayText: ATTACK, explanation: ATTACK },
    });

    it('lists every field', () => {
      const l10n = recordingL10n();
      const src = tooltipMarkdown(full, { l10n, clock: new WallClock('Europe/Rome'), locale: 'en-GB' });
      const text = unescape(src);
      for (const expected of [
        'Undelivered',
        '(status 64)',
        'SMSId:** 98765',
        'Destination:** +39 339 123 4567',
        `Sender:** ${ATTACK}`,
        `Account:** ${ATTACK} (sandbox: nothing really sent)`,
        'Created:** 2024-03-10 09:05:06',
        'Submitted:** 2024-03-10 09:05:07 (provider local time)',
        'Last status change:** 2024-03-10 09:10:00 (provider local time)',
        'Parts:** 2',
        'Charged as:** 2 SMS',
        'Charge:** €0.057',
        `Batch:** ${ATTACK}`,
        `${ATTACK}\nsecond line`,
        `Error 1012:** ${ATTACK}`,
      ]) {
        assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)} in\n${text}`);
      }
      for (const s of ['SMSId', 'Destination', 'Sender', 'Account', 'Created', 'Charge', 'Error {0}']) assert.ok(l10n.seen.includes(s), s);
    });

    it('renders with no tag or link from user or gateway text', () => {
      const html = md.render(tooltipMarkdown(full, { l10n: englishL10n, clock: new WallClock('UTC'), locale: 'en' }));
      assert.doesNotMatch(html, /<img|<a |<script|javascript:alert\(1\)"/);
      // our own bold labels do render
      assert.match(html, /<strong>Sender:<\/strong>/);
      assert.equal((html.match(/<strong>/g) ?? []).length, 13, 'only the status, the 11 field labels and the error title are bold');
    });

    it('titles every kind of error', () => {
      const err = (kind: GatewayErrorKind, code?: number) => ({ kind, code, gatewayText: 't', explanation: 'e' });
      assert.equal(errorTitle(err('gateway', 1013), englishL10n), 'Error 1013');
      assert.equal(errorTitle(err('gateway'), englishL10n), 'Gateway error');
      assert.equal(errorTitle(err('unnumbered'), englishL10n), 'Gateway error');
      assert.equal(errorTitle(err('http', 503), englishL10n), 'HTTP error 503');
      assert.equal(errorTitle(err('http'), englishL10n), 'HTTP error');
      assert.equal(errorTitle(err('malformed'), englishL10n), 'Unreadable gateway answer');
      assert.equal(errorTitle(err('timeout'), englishL10n), 'Timed out');
      assert.equal(errorTitle(err('network'), englishL10n), 'Network error');
      assert.equal(errorTitle(err('aborted'), englishL10n), 'Cancelled');
      assert.equal(errorTitle(err('config'), englishL10n), 'Configuration error');
      const text = tooltipMarkdown(entry({ state: 'unknown', error: err('timeout') }), { l10n: englishL10n, clock: new WallClock('UTC'), locale: 'en' });
      assert.ok(text.includes('**Timed out:** t\\\ne'), text);
    });

    it('warns about an unknown outcome and leaves out what is not known', () => {
      const e = entry({ state: 'unknown', text: '' });
      const text = unescape(tooltipMarkdown(e, { l10n: englishL10n, clock: new WallClock('UTC'), locale: 'en' }));
      assert.ok(text.includes('may or may not have been sent'));
      assert.ok(text.includes('(empty message)'));
      for (const absent of ['SMSId', 'Submitted', 'Charge', 'Batch', 'Error', 'sandbox']) assert.ok(!text.includes(absent), absent);
    });
  });
});
