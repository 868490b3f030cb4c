import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { redactText, redactUrl } from '../../src/gateway/redact';

describe('redact', () => {
  describe('redactUrl', () => {
    const cases: Array<[string, string]> = [
      ['http://h/sendsms/?username=u&password=hunter2&destination=39', 'http://h/sendsms/?username=u&password=***&destination=39'],
      ['http://h/smsstatus/?SMSId=5&username=u&password=p%20w%26x', 'http://h/smsstatus/?SMSId=5&username=u&password=***'],
      ['http://h/?password=', 'http://h/?password=***'],
      ['http://h/?PASSWORD=Abc#frag', 'http://h/?PASSWORD=***#frag'],
      ['http://h/help', 'http://h/help'],
      ['http://proxyuser:proxypass@proxy:3128/', 'http://proxyuser:***@proxy:3128/'],
      // The whole URL percent-encoded inside another one.
      ['http://x/?next=http%3A%2F%2Fh%2F%3Fpassword%3Dtopsecret%26a%3D1', 'http://x/?next=http%3A%2F%2Fh%2F%3Fpassword%3D***%26a%3D1'],
    ];
    for (const [input, expected] of cases) {
      it(`redacts ${input}`, () => {
        assert.equal(redactUrl(input), expected);
        assert.equal(redactUrl(new URL(input)).includes('hunter2'), false);
      });
    }
  });

  describe('redactText', () => {
    it('removes the password in every spelling it takes in a URL or message', () => {
      const pw = 'Pä ss/w&rd€';
      const forms = [pw, encodeURIComponent(pw), encodeURIComponent(pw).replace(/%20/g, '+'),
        encodeURIComponent(pw).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), new URLSearchParams({ v: pw }).toString().slice(2)];
      for (const form of forms) {
        const out = redactText(`login failed for ${form} (retry)`, [pw]);
        assert.equal(out, 'login failed for *** (retry)', form);
      }
    });

    it('removes a short password only where it stands alone, so words stay readable', () => {
      assert.equal(redactText('pw is ab, about done', ['ab']), 'pw is ***, about done');
      assert.equal(redactText('password=ab&x=1 about', ['ab']), 'password=***&x=1 about');
    });

    it('leaves text without secrets alone', () => {
      assert.equal(redactText('Error: 1012 - Authentication failure', ['s3cr3t!']), 'Error: 1012 - Authentication failure');
      assert.equal(redactText('Error: 1012', []), 'Error: 1012');
      assert.equal(redactText('Error: 1012', ['']), 'Error: 1012');
    });

    it('never leaves a password of 4+ characters in the text, wherever it was put', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 4, maxLength: 20, unit: 'grapheme' }),
          fc.string({ maxLength: 20 }),
          fc.string({ maxLength: 20 }),
          fc.constantFrom('raw', 'uri', 'form', 'param'),
          (pw, before, after, how) => {
            const inserted = how === 'raw' ? pw : how === 'uri' ? encodeURIComponent(pw)
              : how === 'form' ? new URLSearchParams({ v: pw }).toString().slice(2) : `?password=${encodeURIComponent(pw)}`;
            const out = redactText(`${before}${inserted}${after}`, [pw]);
            assert.equal(out.includes(pw), false, out);
            assert.equal(out.includes(encodeURIComponent(pw)), false, out);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('masks a password echoed many times in one text', () => {
      const pw = 's3cr&t<"x\'';
      const text = Array.from({ length: 50 }, (_, i) => (i % 2 ? htmlNamed(pw) : jsonEscaped(pw))).join(' / ');
      const out = redactText(text, [pw]);
      assert.equal(out, Array.from({ length: 50 }, () => '***').join(' / '));
    });
  });

  // Each spelling is built here with the test's own encoders, not the module's, so a spelling the module
  // forgets shows up as a failure.
  const spellings: Record<string, (pw: string) => string> = {
    raw: (pw) => pw,
    'percent-encoded': encodeURIComponent,
    'percent-encoded, lower hex': (pw) => encodeURIComponent(pw).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'percent-encoded, every byte': (pw) => [...new TextEncoder().encode(pw)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    'form-encoded': (pw) => new URLSearchParams({ v: pw }).toString().slice(2),
    "form-encoded with !'()~* too": (pw) => encodeURIComponent(pw).replace(/%20/g, '+').replace(/[!'()~*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    'HTML entities (named, &#39;)': htmlNamed,
    'HTML entities (&#x27;)': (pw) => htmlNamed(pw).replace(/&#39;/g, '&#x27;'),
    'HTML decimal entities for every non-ASCII-letter': (pw) => [...pw].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#${c.codePointAt(0)};`)).join(''),
    'HTML hex entities for every character': (pw) => [...pw].map((c) => `&#x${(c.codePointAt(0) as number).toString(16).toUpperCase()};`).join(''),
    'JSON-escaped': jsonEscaped,
    'JSON-escaped, \\/ and \\u for non-ASCII': (pw) => jsonEscaped(pw).replace(/\//g, '\\/').replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    'JSON inside an HTML page': (pw) => htmlNamed(jsonEscaped(pw)),
  };

  describe('every spelling of the password (matrix: spelling x password x surroundings)', () => {
    const passwords = ['hunter22', 'Pä ss/w&rd€', 'a"b\\c<d>e\'f', "it's (~*!) ok", 'naïve 😀 ünïcode', 'tab\there\nnewline', 'Canary-Pw-93xQ!z', '&amp;lit'];
    const surroundings: Array<[string, string]> = [['', ''], ['Error: ', ' was rejected'], ['<p>pwd=', '</p>'], ['{"password":"', '"}'], ['x', 'y']];
    for (const [name, spell] of Object.entries(spellings)) {
      it(name, () => {
        for (const pw of passwords) {
          for (const [before, after] of surroundings) {
            const out = redactText(`${before}${spell(pw)}${after} and again ${spell(pw)}`, [pw]);
            assert.equal(out, `${before}***${after} and again ***`, `${JSON.stringify(pw)} in ${JSON.stringify(before + spell(pw) + after)}`);
          }
        }
      });
    }

    it('property: no spelling of any 4+ character password survives, wherever and however often it is put', () => {
      const names = Object.keys(spellings);
      fc.assert(
        fc.property(
          fc.string({ minLength: 4, maxLength: 16, unit: 'binary' }),
          fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...names)), { minLength: 1, maxLength: 6 }),
          fc.string({ maxLength: 12 }),
          (pw, parts, tail) => {
            const text = parts.map(([before, how]) => before + spellings[how](pw)).join('') + tail;
            const out = redactText(text, [pw]);
            for (const how of names) assert.equal(out.includes(spellings[how](pw)), false, `${how} of ${JSON.stringify(pw)} left in ${JSON.stringify(out)}`);
          },
        ),
        { numRuns: 400 },
      );
    });
  });
});

function htmlNamed(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
