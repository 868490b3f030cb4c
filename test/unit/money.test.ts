// One euro formatter for every place that shows an amount: the user's locale, two decimals for a
// balance, up to four for a charge or a price per part.
import * as assert from 'node:assert/strict';
import { formatEuro } from '../../src/common/money';

describe('formatEuro', () => {
  it('writes a balance with exactly two decimals, in the locale asked for', () => {
    assert.equal(formatEuro(12.3, 'en', { precision: 'cents' }), '€12.30');
    assert.equal(formatEuro(1234.5, 'en', { precision: 'cents' }), '€1,234.50');
    assert.equal(formatEuro(-0.5, 'en', { precision: 'cents' }), '-€0.50');
    assert.equal(formatEuro(12.345, 'en', { precision: 'cents' }), '€12.35');
    assert.equal(formatEuro(1234.5, 'it', { precision: 'cents' }).replace(/\s/g, ' '), '1234,50 €');
  });

  it('writes a charge or a price with two to four decimals (the default)', () => {
    assert.equal(formatEuro(0.055, 'en'), '€0.055');
    assert.equal(formatEuro(0.0575, 'en'), '€0.0575');
    assert.equal(formatEuro(10 / 181, 'en'), '€0.0552');
    assert.equal(formatEuro(1.2, 'en'), '€1.20');
    assert.equal(formatEuro(0.055, 'it').replace(/\s/g, ' '), '0,055 €');
  });

  it('falls back to English for a tag Intl refuses, and to the runtime default when none is given', () => {
    assert.equal(formatEuro(1, 'zz-invalid-$$$'), '€1.00');
    assert.equal(formatEuro(1, undefined), new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR', minimumFractionDigits: 2 }).format(1));
  });
});
