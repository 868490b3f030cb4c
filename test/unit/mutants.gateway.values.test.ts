// Mutants of the gateway's value helpers the rest of the suite let through (docs/TESTING.md): the timestamps
// (time.ts), the unknown-value checks (values.ts), the destination rules (validation.ts), the SMS counting
// (smsText.ts) and the password redaction (redact.ts). Each is asserted through its exported functions.
//
// time.ts and smsText.ts keep what they build on first use (Intl formats per zone, the grapheme segmenter) in a
// module variable, so in a process where another test already built it the first-use code never runs again. The
// tests of that code load a fresh copy of the module (the shared one stays in require's cache for the others).
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { redactText, redactUrl } from '../../src/gateway/redact';
import { analyzeText, graphemes } from '../../src/gateway/smsText';
import { displayGatewayTime, formatGatewayTime, parseGatewayTime } from '../../src/gateway/time';
import { normalizeDestination, parseDestinationList } from '../../src/gateway/validation';
import { errCode, isRecord } from '../../src/gateway/values';

const load = createRequire(__filename);

/** A copy of `path` (relative to this test) loaded from scratch, with none of the shared copy's module state. */
function freshModule<T>(path: string): T {
  const id = load.resolve(path);
  const shared = load.cache[id];
  delete load.cache[id];
  try {
    return load(id) as T;
  } finally {
    if (shared) load.cache[id] = shared;
    else delete load.cache[id];
  }
}

describe('mutants: gateway value helpers', () => {
  describe('time.ts', () => {
    type TimeModule = { parseGatewayTime: typeof parseGatewayTime; formatGatewayTime: typeof formatGatewayTime };

    it('a fresh module builds its zone formats on first use: 24-hour fields, year to second, in the zone asked for', () => {
      const t = freshModule<TimeModule>('../../src/gateway/time');
      // First use of each zone in this copy: the format is made here, then read back from the cache.
      assert.equal(t.parseGatewayTime('20240101120000', 'Europe/Rome').date?.toISOString(), '2024-01-01T11:00:00.000Z');
      assert.equal(t.parseGatewayTime('20240101120000', 'Europe/Rome').date?.toISOString(), '2024-01-01T11:00:00.000Z');
      assert.equal(t.formatGatewayTime(new Date('2024-07-01T22:05:06Z'), 'Asia/Tokyo'), '20240702070506');
      // Midnight is hour 00, not 24 (hourCycle h23).
      assert.equal(t.formatGatewayTime(new Date('2024-07-01T22:00:00Z'), 'Europe/Rome'), '20240702000000');
      assert.equal(t.formatGatewayTime(new Date('2024-12-31T23:59:59Z'), 'America/New_York'), '20241231185959');
    });

    it('parseGatewayTime: wall times just before and inside the spring change need the offset of the right side', () => {
      // Rome moves from +01:00 to +02:00 at 2024-03-31T01:00:00Z (02:00 local). Before it, the offset is one hour.
      assert.equal(parseGatewayTime('20240331003000', 'Europe/Rome').date?.toISOString(), '2024-03-30T23:30:00.000Z');
      assert.equal(parseGatewayTime('20240331013000', 'Europe/Rome').date?.toISOString(), '2024-03-31T00:30:00.000Z');
      assert.equal(parseGatewayTime('20240331015959', 'Europe/Rome').date?.toISOString(), '2024-03-31T00:59:59.000Z');
    });

    it('parseGatewayTime: a year below 100 is not taken for 19xx', () => {
      // Date.UTC reads years 0-99 as 1900-1999: the round trip must catch it, also when the other fields match.
      for (const raw of ['00500315120000', '00990101000000', '00010101000000']) {
        assert.deepEqual(parseGatewayTime(raw), { raw }, raw);
      }
    });

    it('formatGatewayTime in UTC keeps a year below 100 as it is, four digits', () => {
      assert.equal(formatGatewayTime(new Date('0050-06-15T10:20:30Z')), '00500615102030');
      assert.equal(formatGatewayTime(new Date('0050-06-15T10:20:30Z'), 'UTC'), '00500615102030');
      assert.equal(formatGatewayTime(new Date('0001-01-01T00:00:00Z'), 'UTC'), '00010101000000');
    });

    it('displayGatewayTime: only an all-zero text is "nothing yet"; leading zeros alone are not', () => {
      assert.equal(displayGatewayTime('0123'), '0123');
      assert.equal(displayGatewayTime('007'), '007');
      assert.equal(displayGatewayTime('00000101000000'), '0000-01-01 00:00:00');
      assert.equal(displayGatewayTime('000'), undefined);
    });
  });

  describe('values.ts', () => {
    it('errCode: undefined for null and undefined, and for a code that is not a string', () => {
      assert.equal(errCode(null), undefined);
      assert.equal(errCode(undefined), undefined);
      assert.equal(errCode({ code: 42 }), undefined);
      assert.equal(errCode({ code: { name: 'ENOSPC' } }), undefined);
      assert.equal(errCode({}), undefined);
      assert.equal(errCode({ code: 'ENOSPC' }), 'ENOSPC');
      assert.equal(errCode(Object.assign(new Error('x'), { code: 'EPERM' })), 'EPERM');
      assert.equal(isRecord(null), false);
    });
  });

  describe('validation.ts', () => {
    it('normalizeDestination: the length refusal names which end, at both edges of 8 to 15 digits', () => {
      assert.deepEqual(normalizeDestination('+999 1234 5'), { ok: true, destination: '99912345' });
      assert.deepEqual(normalizeDestination('+999 1234 5678 9012'), { ok: true, destination: '999123456789012' });
      const short = normalizeDestination('+999 1234');
      assert.equal(short.ok, false);
      if (!short.ok) assert.match(short.reason, /too short: 7 digits/);
      const long = normalizeDestination('+999 1234 5678 9012 3');
      assert.equal(long.ok, false);
      if (!long.ok) assert.match(long.reason, /too long: 16 digits/);
      // '00' and nothing after it: no digits left once the prefix is taken off, refused as too short.
      const none = normalizeDestination('00');
      assert.equal(none.ok, false);
      if (!none.ok) assert.match(none.reason, /too short: 0 digits/);
    });

    it('parseDestinationList: runs of separators make no empty entries', () => {
      const list = parseDestinationList('+999 1234 5;;,\n\r\n,+999 1234 6,,');
      assert.deepEqual(list, { valid: ['99912345', '99912346'], invalid: [], duplicates: 0 });
    });
  });

  describe('smsText.ts', () => {
    type SmsTextModule = { graphemes: typeof graphemes; analyzeText: typeof analyzeText };

    it('a fresh module builds a grapheme segmenter on first use: an accent stays with its letter', () => {
      const s = freshModule<SmsTextModule>('../../src/gateway/smsText');
      assert.deepEqual(s.graphemes('e\u0301x'), ['e\u0301', 'x']);
      assert.deepEqual(s.graphemes('👍🏽!'), ['👍🏽', '!']);
      assert.deepEqual(s.analyzeText('Cafe\u0301').ucs2Chars, ['e\u0301']);
    });

    it('a GSM-7 text whose characters form one cluster (\\r\\n) stays GSM-7 with no culprits', () => {
      assert.deepEqual(analyzeText('a\r\nb'), { encoding: 'GSM-7', characters: 4, parts: 1, perPart: 160, remainingInPart: 156, ucs2Chars: [] });
      assert.deepEqual(graphemes('a\r\nb'), ['a', '\r\n', 'b']);
    });
  });

  describe('redact.ts', () => {
    it('a character without a named entity has only the numeric ones', () => {
      assert.equal(redactText('x &Stryker was here;bcd y', ['abcd']), 'x &Stryker was here;bcd y');
      assert.equal(redactText('x &#97;bcd y', ['abcd']), 'x *** y');
    });

    it('a lone surrogate has no percent-encoded form (its UTF-8 would be U+FFFD)', () => {
      const pw = 'ab\udfffcd';
      assert.equal(redactText('ab%EF%BF%BDcd', [pw]), 'ab%EF%BF%BDcd');
      assert.equal(redactText(`<${pw}>`, [pw]), '<***>');
      assert.equal(redactText('<ab\\udfffcd>', [pw]), '<***>', 'JSON-escaped');
      assert.equal(redactText('<ab&#57343;cd>', [pw]), '<***>', 'decimal entity');
    });

    it('"+" stands for a space only', () => {
      assert.equal(redactText('a+cd', ['abcd']), 'a+cd');
      assert.equal(redactText('[ab+cd]', ['ab cd']), '[***]');
    });

    it('an entity after a JSON backslash is a spelling of the quote only', () => {
      // The backslash before &#97; is not part of the password: it stays.
      assert.equal(redactText('\\&#97;bcd', ['abcd']), '\\***');
      assert.equal(redactText('\\&quot;bcd', ['"bcd']), '***');
    });

    it('U+FFFF is one UTF-16 unit: its JSON form is one \\uffff', () => {
      const pw = 'abc\uffff';
      assert.equal(redactText('x abc\\uffff y', [pw]), 'x *** y');
      assert.equal(redactText('x abc\\uFFFF y', [pw]), 'x *** y');
      assert.equal(redactText(`x ${pw} y`, [pw]), 'x *** y');
      // Above U+FFFF, a surrogate pair.
      assert.equal(redactText('x abc\\ud83d\\ude00 y', ['abc😀']), 'x *** y');
    });

    it('without secrets, only password= values and URL credentials are masked', () => {
      assert.equal(redactText('Stryker was here'), 'Stryker was here');
      assert.equal(redactText('Stryker was here', undefined), 'Stryker was here');
      assert.equal(redactUrl('http://h/?q=Stryker was here'), 'http://h/?q=Stryker was here');
    });

    it('entries that are not non-empty strings are skipped, the others still used', () => {
      const secrets = [undefined, null, '', 'Pw-991x'] as unknown as string[];
      assert.equal(redactText('a Pw-991x b', secrets), 'a *** b');
      assert.equal(redactText('a b, c', secrets), 'a b, c');
    });

    it('a mask that spells the secret again with its neighbours is masked again, up to five rounds', () => {
      const pw = 'a***b';
      assert.equal(redactText('aa***bb', [pw]), '***');
      assert.equal(redactText(`${'a'.repeat(5)}***${'b'.repeat(5)}`, [pw]), '***');
      // A secret the mask itself spells would grow the text each round; five rounds, then it stops:
      // ** → *** → **** → ****** → ********* → 13 stars.
      assert.equal(redactText('x ** y', ['**']), `x ${'*'.repeat(13)} y`);
    });
  });
});
