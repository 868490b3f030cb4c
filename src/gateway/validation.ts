// Destination and sender rules: what the gateway accepts on the wire, and turning what a
// user types into that form. Pure functions shared by the sandbox and the send UI.
import { countryName, countryPrefixOf, numberingPlanProblem, type PlanProblem } from './countries';

/** Shortest and longest destination, in digits, country code included (E.164 allows at most 15). */
export const DESTINATION_MIN_DIGITS = 8;
export const DESTINATION_MAX_DIGITS = 15;

/** Longest sender name the gateway shows on the handset. */
export const SENDER_MAX_LENGTH = 11;
/** Longest numeric (digits-only) sender the gateway takes before it answers 1007. */
export const NUMERIC_SENDER_MAX_LENGTH = 11;
/**
 * Punctuation allowed in an alphanumeric sender besides ASCII letters and digits: the platform's
 * published set `[A-Za-z0-9-.!#%&()<>]` (docs/PROTOCOL.md, "Sender"). No space, no underscore.
 */
export const SENDER_PUNCTUATION = '-.!#%&()<>';

export type DestinationCheck = { ok: true } | { ok: false; code: 1003 | 1005; reason: string };

export type NormalizedDestination =
  | { ok: true; destination: string }
  | { ok: false; input: string; reason: string };

export interface DestinationList {
  /** Valid destinations in wire form, in input order, without duplicates. */
  valid: string[];
  /** Entries that could not be used, each once, with what to fix. */
  invalid: Array<{ input: string; reason: string }>;
  /** How many entries were dropped because they repeat an earlier destination. */
  duplicates: number;
}

export type SenderCheck = { ok: true } | { ok: false; code: 1006 | 1007 | 1008 | 1016 | 1021; reason: string };

const RANGE = `${DESTINATION_MIN_DIGITS} to ${DESTINATION_MAX_DIGITS}`;

/**
 * Checks a destination in the wire form: digits only, country code first, no leading '+' or '00'
 * (and no leading 0 at all: no country code starts with 0), 8 to 15 digits.
 */
export function validateDestination(digits: string): DestinationCheck {
  if (digits.trim() === '') return { ok: false, code: 1003, reason: 'no destination number given' };
  if (digits.startsWith('+')) {
    return { ok: false, code: 1005, reason: "starts with '+': give the country code without '+' (e.g. 393391234567)" };
  }
  if (!/^[0-9]+$/.test(digits)) {
    return { ok: false, code: 1005, reason: 'contains characters other than digits' };
  }
  if (digits.startsWith('00')) {
    return { ok: false, code: 1005, reason: "starts with '00': give the country code without '00' (e.g. 393391234567)" };
  }
  if (digits.startsWith('0')) {
    return { ok: false, code: 1005, reason: 'starts with 0: the country code is missing (e.g. 39 for Italy)' };
  }
  if (digits.length < DESTINATION_MIN_DIGITS) {
    return { ok: false, code: 1005, reason: `too short (${digits.length} digits): a number with country code has ${RANGE} digits` };
  }
  if (digits.length > DESTINATION_MAX_DIGITS) {
    return { ok: false, code: 1005, reason: `too long (${digits.length} digits): a number with country code has ${RANGE} digits` };
  }
  return { ok: true };
}

/**
 * Turns a number as a person writes it (`+39 339 123-4567`, `0039 (339) 1234567`, `339.123.4567`)
 * into the wire form. Without '+' or '00' the number is taken as national: when `defaultCountry`
 * is given and the digits do not already start with it, it is put in front. That guess cannot tell
 * a national number that happens to begin with the country code; writing '+' is always unambiguous.
 */
export function normalizeDestination(input: string, defaultCountry?: string): NormalizedDestination {
  const fail = (reason: string): NormalizedDestination => ({ ok: false, input, reason });
  const text = input.trim();
  if (text === '') return fail('empty: enter a number with its country code, e.g. +39 339 1234567');

  const bad = [...text].find((ch) => !/[0-9+\s.\-()/]/.test(ch));
  if (bad !== undefined) {
    return fail(`contains '${bad}': use only digits, spaces, '-', '.', '/', parentheses and a leading '+'`);
  }
  if (text.lastIndexOf('+') > 0) return fail("'+' may only come first, before the country code");

  let digits = text.replace(/[^0-9]/g, '');
  if (digits === '') return fail('has no digits: enter a number with its country code, e.g. +39 339 1234567');

  const international = text.startsWith('+') || digits.startsWith('00');
  if (text.startsWith('+')) {
    if (digits.startsWith('0')) return fail("a country code never starts with 0: remove the 0 after '+'");
  } else if (digits.startsWith('00')) {
    digits = digits.slice(2);
    if (digits.startsWith('0')) return fail("a country code never starts with 0: check the digits after '00'");
  }

  if (!international) {
    const country = defaultCountry?.replace(/^\+|^00/, '');
    if (country !== undefined && country !== '') {
      if (!/^[1-9][0-9]{0,3}$/.test(country)) {
        return fail(`the default country code '${defaultCountry}' is not valid: set inviosmart.send.defaultCountry to digits such as 39, or write the number with '+' and its country code`);
      }
      if (!digits.startsWith(country)) digits = country + digits;
    } else if (digits.startsWith('0')) {
      return fail("the country code is missing: write it first, e.g. +39 for Italy");
    }
  }

  const check = validateDestination(digits);
  if (!check.ok) {
    if (digits.length < DESTINATION_MIN_DIGITS || digits.length > DESTINATION_MAX_DIGITS) {
      const which = digits.length < DESTINATION_MIN_DIGITS ? 'too short' : 'too long';
      return fail(`${which}: ${digits.length} digits with the country code, expected ${RANGE}`);
    }
    return fail(check.reason);
  }
  const plan = numberingPlanProblem(digits);
  if (plan) return fail(planReason(plan, countryPrefixOf(digits)));
  return { ok: true, destination: digits };
}

/** What to fix, for a number its country's numbering plan refuses. */
export function planReason(plan: PlanProblem, callingCode: string): string {
  const name = countryName(plan.country);
  const where = name.startsWith('+') ? `the plan of ${name}` : `${name} (+${callingCode})`;
  switch (plan.kind) {
    case 'too-short':
      return `too short for ${where}: ${plan.digits} digits after +${callingCode}; check for a missing digit`;
    case 'too-long':
      return `too long for ${where}: ${plan.digits} digits after +${callingCode}; check for an extra digit`;
    case 'bad-length':
      return `${plan.digits} digits after +${callingCode} is not a length used in ${where}; check the number`;
    case 'landline':
      return `a landline number in ${where}: landlines cannot receive SMS; use a mobile number`;
  }
}

/** Splits a pasted list on commas, semicolons and new lines, normalising each entry. */
export function parseDestinationList(text: string, defaultCountry?: string): DestinationList {
  const valid: string[] = [];
  const invalid: Array<{ input: string; reason: string }> = [];
  const seenValid = new Set<string>();
  const seenInvalid = new Set<string>();
  let duplicates = 0;
  for (const raw of text.split(/[,;\r\n]+/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    const result = normalizeDestination(entry, defaultCountry);
    if (result.ok) {
      if (seenValid.has(result.destination)) duplicates++;
      else {
        seenValid.add(result.destination);
        valid.push(result.destination);
      }
    } else if (seenInvalid.has(entry)) {
      duplicates++;
    } else {
      seenInvalid.add(entry);
      invalid.push({ input: entry, reason: result.reason });
    }
  }
  return { valid, invalid, duplicates };
}

/**
 * Checks a sender name, in this order: missing (1008), a digits-only sender over 11 digits (1007),
 * longer than 11 characters (1006), a character outside ASCII letters, digits and SENDER_PUNCTUATION
 * (1021), no letter (1016).
 */
export function validateSender(sender: string | undefined): SenderCheck {
  if (sender === undefined || sender.trim() === '') {
    return { ok: false, code: 1008, reason: 'no sender given: enter a name of up to 11 characters' };
  }
  const chars = [...sender];
  if (/^[0-9]+$/.test(sender) && chars.length > NUMERIC_SENDER_MAX_LENGTH) {
    return { ok: false, code: 1007, reason: `numeric sender is ${chars.length} digits long: use at most ${NUMERIC_SENDER_MAX_LENGTH} digits, or a name with letters` };
  }
  if (chars.length > SENDER_MAX_LENGTH) {
    return { ok: false, code: 1006, reason: `sender is ${chars.length} characters long: shorten it to ${SENDER_MAX_LENGTH}` };
  }
  const bad = chars.find((ch) => !/[A-Za-z0-9]/.test(ch) && !SENDER_PUNCTUATION.includes(ch));
  if (bad !== undefined) {
    return {
      ok: false,
      code: 1021,
      reason: `sender contains '${bad === ' ' ? 'a space' : bad}': use ASCII letters, digits and ${[...SENDER_PUNCTUATION].join(' ')}`,
    };
  }
  if (!/[A-Za-z]/.test(sender)) {
    return { ok: false, code: 1016, reason: 'sender has no letters: add at least one letter (digits-only senders are refused)' };
  }
  return { ok: true };
}
