// Phone numbers in tool results: masked as the log masks them ("+39 339 *** **67"), unless the
// user asked about that very number. Plain functions, no VS Code API.
import { countryPrefixOf } from '../gateway/countries';

/** "+39 339 *** **67" for 393391234567: country code, three digits, the last two. */
export function maskNumber(destination: string): string {
  const digits = destination.replace(/\D/g, '');
  if (digits.length < 6) return '***';
  const country = countryPrefixOf(digits);
  const national = digits.slice(country.length);
  return `+${country} ${national.slice(0, 3)} *** **${national.slice(-2)}`;
}

/** Shows the numbers the user named in full, every other one masked. */
export function numberShower(named: Iterable<string>): (destination: string) => string {
  const reveal = new Set(named);
  return (destination) => (reveal.has(destination) ? `+${destination}` : maskNumber(destination));
}
