// Tests that kill mutants of src/gateway/ the rest of the suite let through (issue #10 item 11; docs/TESTING.md).
// Each states a behaviour a user or a log reader depends on, checked with the test's own encoders.
import * as assert from 'node:assert/strict';
import { redactText } from '../../src/gateway/redact';
import { normalizeDestination, parseDestinationList } from '../../src/gateway/validation';

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
  });
});
