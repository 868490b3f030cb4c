// Country calling codes, used to ask the gateway for the right per-country price (countryprefix).
// Only the prefix lengths matter here: 1-digit and 2-digit codes are listed, everything else is 3 digits.

const ONE_DIGIT = new Set(['1', '7']);
const TWO_DIGIT = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** The country calling code at the start of a wire-form destination (digits with country code). */
export function countryPrefixOf(destination: string): string {
  const d = destination.replace(/\D/g, '');
  if (ONE_DIGIT.has(d.slice(0, 1))) return d.slice(0, 1);
  if (TWO_DIGIT.has(d.slice(0, 2))) return d.slice(0, 2);
  return d.slice(0, 3);
}

/**
 * Price of one SMS part in a country, estimated from a balance answer asked with that countryprefix:
 * the gateway says how many SMS the balance buys there. Undefined when it cannot be known.
 */
export function pricePerPart(balance: number, smsRemainCount: number | undefined): number | undefined {
  if (smsRemainCount === undefined || smsRemainCount <= 0 || !(balance > 0)) return undefined;
  return balance / smsRemainCount;
}
