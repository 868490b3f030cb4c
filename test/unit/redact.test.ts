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
  });
});
