import * as assert from 'node:assert/strict';
import {
  normalizeDestination,
  parseDestinationList,
  validateDestination,
  validateSender,
} from '../../src/gateway/validation';

describe('validation', () => {
  describe('validateDestination (wire form)', () => {
    const good = ['393391234567', '12025550123', '30691234567', '4477009001', '12345678', '123456789012345'];
    for (const digits of good) {
      it(`accepts ${digits}`, () => assert.deepEqual(validateDestination(digits), { ok: true }));
    }
    const bad: Array<[string, 1003 | 1005, RegExp]> = [
      ['', 1003, /no destination/],
      ['   ', 1003, /no destination/],
      ['+393391234567', 1005, /'\+'/],
      ['00393391234567', 1005, /'00'/],
      ['03391234567', 1005, /country code is missing/],
      ['39 339 1234567', 1005, /other than digits/],
      ['39-3391234567', 1005, /other than digits/],
      ['3933912345a7', 1005, /other than digits/],
      ['１２３４５６７８９', 1005, /other than digits/], // full-width digits are not ASCII digits
      ['1234567', 1005, /too short \(7 digits\)/],
      ['1234567890123456', 1005, /too long \(16 digits\)/],
    ];
    for (const [digits, code, reason] of bad) {
      it(`refuses ${JSON.stringify(digits)} with ${code}`, () => {
        const r = validateDestination(digits);
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.code, code);
        assert.match(r.reason, reason);
      });
    }
  });

  describe('normalizeDestination', () => {
    const good: Array<[string, string | undefined, string]> = [
      ['+39 339 123-4567', undefined, '393391234567'],
      ['0039 339 1234567', undefined, '393391234567'],
      ['+39 (339) 123.45.67', undefined, '393391234567'],
      ['  393391234567  ', undefined, '393391234567'],
      ['+1 (202) 555-0123', undefined, '12025550123'],
      ['339 1234567', '39', '393391234567'],
      ['339/1234567', '+39', '393391234567'],
      ['06 1234 5678', '39', '390612345678'], // Italian landlines keep their 0
      ['393391234567', '39', '393391234567'], // already has the country code
      ['+44 7700 900123', '39', '447700900123'], // an explicit '+' wins over the default
      ['0044 7700 900123', '39', '447700900123'],
    ];
    for (const [input, country, expected] of good) {
      it(`turns ${JSON.stringify(input)}${country ? ` (default ${country})` : ''} into ${expected}`, () => {
        assert.deepEqual(normalizeDestination(input, country), { ok: true, destination: expected });
      });
    }
    const bad: Array<[string, string | undefined, RegExp]> = [
      ['', undefined, /empty/],
      ['   ', undefined, /empty/],
      ['+39 339 abc 4567', undefined, /contains 'a'/],
      ['tel:+393391234567', undefined, /contains 't'/],
      ['39+3391234567', undefined, /'\+' may only come first/],
      ['+', undefined, /no digits/],
      ['()', undefined, /no digits/],
      ['+0039 3391234567', undefined, /never starts with 0/],
      ['000393391234567', undefined, /never starts with 0/],
      ['0612345678', undefined, /country code is missing/],
      ['+39 123', undefined, /too short: 5 digits/],
      ['+39 3391 2345 6789 0123', undefined, /too long: 18 digits/],
      ['339 1234567', 'x9', /default country code 'x9' is not valid/],
      ['339 1234567', '039', /default country code '039' is not valid/],
    ];
    for (const [input, country, reason] of bad) {
      it(`refuses ${JSON.stringify(input)}${country ? ` (default ${country})` : ''}`, () => {
        const r = normalizeDestination(input, country);
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.input, input);
        assert.match(r.reason, reason);
      });
    }
  });

  describe('parseDestinationList', () => {
    it('splits on commas, semicolons and new lines, normalises and de-duplicates', () => {
      const text = '+39 339 1234567, 3391234567;\n\n+44 7700 900123\r\nabc; +39 339 123 4567 ,abc, 123';
      assert.deepEqual(parseDestinationList(text, '39'), {
        valid: ['393391234567', '447700900123'],
        invalid: [
          { input: 'abc', reason: "contains 'a': use only digits, spaces, '-', '.', '/', parentheses and a leading '+'" },
          { input: '123', reason: 'too short: 5 digits with the country code, expected 8 to 15' },
        ],
        duplicates: 3,
      });
    });

    it('returns nothing for blank input', () => {
      assert.deepEqual(parseDestinationList(' ,; \n '), { valid: [], invalid: [], duplicates: 0 });
    });
  });

  describe('validateSender', () => {
    // The platform's published set for alphanumeric senders: [A-Za-z0-9-.!#%&()<>].
    const good = ['Inviosmart', 'ACME', 'Shop24', 'A', 'B&B-Roma', 'Dr.Rossi', 'Shop(IT)', 'x-y.z!#%&', '<Promo>', '12345678901a'.slice(1)];
    for (const sender of good) {
      it(`accepts ${JSON.stringify(sender)}`, () => assert.deepEqual(validateSender(sender), { ok: true }));
    }
    const bad: Array<[string | undefined, number, RegExp]> = [
      [undefined, 1008, /no sender/],
      ['', 1008, /no sender/],
      ['   ', 1008, /no sender/],
      ['InviosmartSM', 1006, /12 characters long: shorten it to 11/],
      ['123456789012', 1007, /numeric sender is 12 digits/], // a long numeric sender is 1007, not 1006
      ['1234567890123456', 1007, /16 digits/],
      ['Caffè', 1021, /contains 'è'/],
      ['My Shop', 1021, /contains 'a space'/],
      ['My_Name', 1021, /contains '_'/],
      ["Mario's", 1021, /contains '''/],
      ['Shop+', 1021, /contains '\+'/],
      ['Shop@Home', 1021, /contains '@'/],
      ['Emoji😀', 1021, /contains '😀'/],
      ['3391234567', 1016, /no letters/],
      ['12-34.56', 1016, /no letters/],
    ];
    for (const [sender, code, reason] of bad) {
      it(`refuses ${JSON.stringify(sender)} with ${code}`, () => {
        const r = validateSender(sender);
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.code, code);
        assert.match(r.reason, reason);
      });
    }
    it('counts characters, not UTF-16 code units', () => {
      // 10 letters + an emoji: 11 characters, refused for the character, not for the length.
      assert.equal((validateSender('abcdefghij😀') as { code: number }).code, 1021);
    });
  });
});
