// Survivors of the Stryker run over src/gateway/countries.ts (2026-12-02; docs/TESTING.md): the calling code
// of a destination, how a number is shown, what the numbering plan says of it, country names, and the price of
// one SMS part estimated from a balance answer.
import * as assert from 'node:assert/strict';
import { countryName, countryPrefixOf, e164, formatNumber, numberingPlanProblem, pricePerPart } from '../../src/gateway/countries';

describe('mutants: gateway countries', () => {
  it('the calling code: the plan\'s when it knows one, else the first three digits; anything not a digit is ignored', () => {
    assert.equal(countryPrefixOf('393391234567'), '39');
    assert.equal(countryPrefixOf('12025550123'), '1');
    assert.equal(countryPrefixOf('+39 339 123 4567'), '39');
    assert.equal(countryPrefixOf('999123456789'), '999');
  });

  it('a number is shown in its plan\'s international form, an unknown one as +digits, anything else as given', () => {
    assert.equal(formatNumber('393391234567'), '+39 339 123 4567');
    assert.equal(formatNumber('447700900123'), '+44 7700 900123');
    assert.equal(formatNumber('393391234567'), '+39 339 123 4567', 'the second time from the cache, the same');
    assert.equal(formatNumber('999123456789'), '+999123456789');
    assert.equal(formatNumber('000'), '+000', 'digits no plan reads');
    for (const given of ['abc123', '123abc', '+39 339', '']) assert.equal(formatNumber(given), given);
  });

  it('E.164 for digits only', () => {
    assert.equal(e164('393391234567'), '+393391234567');
    for (const given of ['x1', '1x', '+39']) assert.equal(e164(given), given);
  });

  it('what the plan says: too short, too long, a landline, nothing for a mobile or an unknown code', () => {
    assert.deepEqual(numberingPlanProblem('3933912'), { kind: 'too-short', country: '+39', digits: 5 });
    assert.deepEqual(numberingPlanProblem('39339123456789012'), { kind: 'too-long', country: '+39', digits: 15 });
    assert.deepEqual(numberingPlanProblem('390612345678'), { kind: 'landline', country: 'IT' });
    assert.deepEqual(numberingPlanProblem('4930123456'), { kind: 'landline', country: 'DE' });
    assert.equal(numberingPlanProblem('393391234567'), undefined);
    assert.equal(numberingPlanProblem('999123456789'), undefined);
  });

  it('country names for two capital letters only, in the locale asked for', () => {
    assert.equal(countryName('IT'), 'Italy');
    assert.equal(countryName('IT', 'it'), 'Italia');
    for (const code of ['it', 'ITA', 'I', '']) assert.equal(countryName(code), code);
  });

  it('the price of a part: the balance over the count, only when both say something', () => {
    assert.equal(pricePerPart(10, 100), 0.1);
    assert.equal(pricePerPart(0.5, 1), 0.5);
    for (const [balance, count] of [[10, 0], [10, -9999], [10, undefined], [0, 100], [-1, 100], [Number.NaN, 100]] as const) {
      assert.equal(pricePerPart(balance, count), undefined, `${balance} / ${count}`);
    }
  });
});
