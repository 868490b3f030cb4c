import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  normalizeDestination,
  parseDestinationList,
  validateDestination,
  validateSender,
} from '../../src/gateway/validation';
import { countryPrefixOf, e164, formatNumber, numberingPlanProblem, phoneLibLoaded } from '../../src/gateway/countries';

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
      ['+39 33 91 23 45 67', undefined, '393391234567'], // spaces anywhere
      ['+999 1234 5678', undefined, '99912345678'], // a calling code no plan lists: only the wire rules apply
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
      // the country's numbering plan
      ['06 1234 5678', '39', /landline number in Italy \(\+39\): landlines cannot receive SMS/],
      ['+49 30 1234567', undefined, /landline number in Germany \(\+49\)/],
      ['+44 20 7946 0958', undefined, /landline number in United Kingdom \(\+44\)/],
      ['+33 6 12 34 56 7', undefined, /too short for France \(\+33\): 8 digits after \+33/],
      ['+44 20712345678', undefined, /too long for United Kingdom \(\+44\)|too long for the plan of \+44/],
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

  describe('numbering plans (libphonenumber-js)', () => {
    it('formats numbers in their country\'s international form, unknown codes as +digits, text as given', () => {
      assert.equal(formatNumber('393391234567'), '+39 339 123 4567');
      assert.equal(formatNumber('12025550123'), '+1 202 555 0123');
      assert.equal(formatNumber('8613800138000'), '+86 138 0013 8000');
      assert.equal(formatNumber('99912345678'), '+99912345678');
      assert.equal(formatNumber('not a number'), 'not a number');
      assert.equal(e164('393391234567'), '+393391234567');
    });

    it('reads the calling code from the plan: 1, 2 or 3 digits', () => {
      assert.deepEqual(
        ['12025550123', '79161234567', '393391234567', '447700900123', '8613800138000', '35312345678', '88212345678', '99912345678'].map(countryPrefixOf),
        ['1', '7', '39', '44', '86', '353', '882', '999'],
      );
    });

    it('says nothing for a mobile number of the right length', () => {
      assert.equal(numberingPlanProblem('393391234567'), undefined);
      assert.equal(numberingPlanProblem('491701234567'), undefined);
    });

    it('ships in its own bundle, dist/phone.js, which the extension requires on first use', () => {
      // scripts/build.mjs builds dist/ before the tests (`--tests`).
      const root = path.join(__dirname, '..', '..', '..');
      // dist/core.js and its layers dist/core-N.js hold the extension's code (dist/extension.js only the stand-ins that load them).
      const dist = path.join(root, 'dist');
      const extension = fs.readdirSync(dist).filter((f) => /^core(-\d+)?\.js$/.test(f)).map((f) => fs.readFileSync(path.join(dist, f), 'utf8')).join('\n');
      const phone = fs.readFileSync(path.join(root, 'dist', 'phone.js'), 'utf8');
      assert.match(extension, /require\("\.\/phone\.js"\)/);
      assert.ok(phone.includes('country_calling_codes'), 'the numbering plans are in dist/phone.js');
      assert.ok(!extension.includes('country_calling_codes'), 'the numbering plans are not in the extension bundle');
    });

    it('is loaded on first use only', () => {
      // Other tests in this process may have loaded it already; after a use it must be loaded.
      formatNumber('393391234567');
      assert.equal(phoneLibLoaded(), true);
    });
  });

  describe('parseDestinationList', () => {
    it('splits on commas, semicolons and new lines, normalises and de-duplicates', () => {
      const text = '+39 339 1234567, 3391234567;\n\n+44 7700 900123\r\nabc; +39 339 123 4567 ,abc, 123';
      const parsed = parseDestinationList(text, '39');
      assert.deepEqual({ ...parsed, invalid: parsed.invalid.map(({ input, reason }) => ({ input, reason })) }, {
        valid: ['393391234567', '447700900123'],
        invalid: [
          { input: 'abc', reason: "contains 'a': use only digits, spaces, '-', '.', '/', parentheses and a leading '+'" },
          { input: '123', reason: 'too short: 5 digits with the country code, expected 8 to 15' },
        ],
        duplicates: 3,
      });
      assert.deepEqual(parsed.invalid.map((i) => i.message), [
        { id: 'numberBadCharacter', args: ['a'] },
        { id: 'numberTooShort', args: [5, 8, 15] },
      ]);
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
