// What the log may show of a message by default: the command, a masked number and the text's
// length. Full numbers and texts only at the Trace log level. Plain Node, so unit tests cover it.
import { countryPrefixOf } from '../gateway/countries';

/** `393391234567` → `+39 339 *** **67`: the country code, the first three digits and the last two. */
export function maskNumber(digits: string): string {
  const d = digits.replace(/\D/g, '');
  if (d.length < 7) return `${'*'.repeat(Math.max(0, d.length - 2))}${d.slice(-2)}`;
  const cc = countryPrefixOf(d);
  const national = d.slice(cc.length);
  return `+${cc} ${national.slice(0, 3)} *** **${national.slice(-2)}`;
}

// A run of 10..16 digits (optionally after '+' or '00'), not part of a longer word or number:
// long enough to be a phone number with country code, too long for an SMS ID or an amount.
const PHONE_NUMBER = /(?<![\w%])(?:\+|%2B)?\d(?:[ ]?\d){9,15}(?![\w])/g;

/** Masks every phone number in a free text (a gateway error echoing it, a file name, ...). */
export function maskNumbersIn(text: string): string {
  return text.replace(PHONE_NUMBER, (m) => maskNumber(m.replace(/^%2B/, '')));
}

/**
 * A gateway URL as the default log shows it: destinations masked, the message replaced by its
 * length. Anything that is not a URL is masked as free text.
 */
export function maskCallUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return maskNumbersIn(url);
  const params = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    let value: string;
    try {
      value = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      value = raw;
    }
    switch (key.toLowerCase()) {
      case 'destination':
        return `${key}=${value.split(/[.,;]/).map(maskNumber).join('.')}`;
      case 'message':
        return `${key}=<${[...value].length} characters>`;
      default:
        return maskNumbersIn(pair);
    }
  });
  return `${maskNumbersIn(url.slice(0, q))}?${params.join('&')}`;
}
