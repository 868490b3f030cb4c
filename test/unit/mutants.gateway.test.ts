// Tests that kill mutants of src/gateway/ the rest of the suite let through (issue #10 item 11; docs/TESTING.md).
// Each states a behaviour a user or a log reader depends on, checked with the test's own encoders.
import * as assert from 'node:assert/strict';
import { redactText } from '../../src/gateway/redact';
import { normalizeDestination, parseDestinationList, SENDER_PUNCTUATION, validateSender } from '../../src/gateway/validation';

describe('mutants: gateway', () => {
  describe('redaction, the five escapes of the hand-made run', () => {
    it('masks a password however many times one text repeats it (more than the five rounds of re-checking)', () => {
      const pw = 'Tr0ub4dor&3';
      for (const times of [6, 7, 12, 40]) {
        const text = Array.from({ length: times }, (_, i) => `try ${i}: ${pw}`).join('\n');
        const out = redactText(text, [pw]);
        assert.equal(out.includes('Tr0ub4dor'), false, `${times} copies`);
        assert.equal(out.split('***').length - 1, times, `${times} copies, each masked once`);
      }
    });

    it('masks a password with a space and !\'()~ in its form-encoded spelling (URLSearchParams: + and %21 %27 %28 %29 %7E)', () => {
      const pw = "my pass!'()~";
      const form = new URLSearchParams({ password: pw }).toString();
      // The form spelling is the one encodeURIComponent does not produce: check the test really holds it.
      assert.equal(form, 'password=my+pass%21%27%28%29%7E');
      const body = `gateway said: bad request for ${form.slice('password='.length)} (retry)`;
      assert.equal(redactText(body, [pw]), 'gateway said: bad request for *** (retry)');
      // Mixed: each character in a different spelling.
      const mixed = 'my+pass!%27(%29%7e';
      assert.equal(redactText(`[${mixed}]`, [pw]), '[***]');
    });
  });

  describe('redaction of JSON put into a web page', () => {
    it('masks a password with a quote written as JSON inside HTML (\\&quot;, \\&#34;, \\&#x22;)', () => {
      // A password no other test uses: its pattern is compiled here, not taken from the module's cache.
      const pw = 'Qu"ote-9k';
      for (const quote of ['&quot;', '&#34;', '&#x22;']) {
        const page = `<pre>{"password":"Qu\\${quote}ote-9k"}</pre>`;
        assert.equal(redactText(page, [pw]), '<pre>{"password":"***"}</pre>', quote);
      }
    });
  });

  describe('redaction of several secrets', () => {
    it('masks a secret that contains another one whole, whichever order they are given in', () => {
      const short = 'hunter22';
      const long = 'hunter22-and-more';
      for (const secrets of [[short, long], [long, short]]) {
        assert.equal(redactText(`proxy said ${long}; user typed ${short}`, secrets), 'proxy said ***; user typed ***', JSON.stringify(secrets));
      }
    });
  });

  describe('destinations', () => {
    it("refuses a second '+' inside a number ('+39 339+1234567'), alone and in a pasted list", () => {
      for (const input of ['+39 339+1234567', '+39+3391234567', '+393391234567+']) {
        const r = normalizeDestination(input);
        assert.equal(r.ok, false, input);
        if (!r.ok) assert.equal(r.message.id, 'numberPlusInside', input);
      }
      const list = parseDestinationList('+39 339 1234567; +39 339+1234567');
      assert.deepEqual(list.valid, ['393391234567']);
      assert.deepEqual(list.invalid.map((i) => i.input), ['+39 339+1234567']);
    });

    it("takes the default country with or without a leading '+' or '00', and refuses one with '+' or '00' elsewhere", () => {
      for (const country of ['39', '+39', '0039']) {
        assert.deepEqual(normalizeDestination('339 1234567', country), { ok: true, destination: '393391234567' }, country);
      }
      // A code with '00' inside keeps it: +800 is the international freephone code.
      assert.deepEqual(normalizeDestination('1234 5678', '800'), { ok: true, destination: '80012345678' });
      for (const country of ['3+9', '39+']) {
        const r = normalizeDestination('339 1234567', country);
        assert.equal(r.ok, false, country);
        if (!r.ok) assert.equal(r.message.id, 'numberBadDefaultCountry', country);
      }
    });

    it("an empty default country (or a bare '+') means none: an international number passes, a national one is asked for its code", () => {
      for (const country of ['', '+', '00']) {
        assert.deepEqual(normalizeDestination('393391234567', country), { ok: true, destination: '393391234567' }, JSON.stringify(country));
        const national = normalizeDestination('0612345678', country);
        assert.equal(national.ok, false);
        if (!national.ok) assert.equal(national.message.id, 'numberNoCountry', JSON.stringify(country));
      }
      // The same without any default: the refusal says to write the country code with '+', not the wire rule.
      const r = normalizeDestination('0612345678');
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, /write it first, e\.g\. \+39/);
    });

    it('a length the country never uses is refused as such (8 digits after +44)', () => {
      const r = normalizeDestination('+44 9999 9999');
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.message.id, 'planBadLength');
      assert.match(r.reason, /8 digits after \+44 is not a length used in the plan of \+44/);
    });
  });

  describe('senders', () => {
    it('an 11-digit numeric sender is not "too long" (it is refused for having no letter); 12 digits are', () => {
      const eleven = validateSender('12345678901');
      assert.equal(eleven.ok, false);
      if (!eleven.ok) assert.equal(eleven.code, 1016);
      const twelve = validateSender('123456789012');
      assert.equal(twelve.ok, false);
      if (!twelve.ok) assert.equal(twelve.code, 1007);
    });

    it('a 12-character sender with a letter at either end is too long (1006), not a long numeric sender (1007)', () => {
      for (const sender of ['A23456789012', '12345678901A']) {
        const r = validateSender(sender);
        assert.equal(r.ok, false, sender);
        if (!r.ok) assert.equal(r.code, 1006, sender);
      }
    });

    it('a refused character is answered with the whole list of allowed punctuation', () => {
      const r = validateSender('Shop_1');
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.code, 1021);
      assert.ok(r.reason.includes(`'_'`), r.reason);
      assert.ok(r.reason.endsWith([...SENDER_PUNCTUATION].join(' ')), r.reason);
    });
  });
});
