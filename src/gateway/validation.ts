// Destination and sender rules: what the gateway accepts on the wire, and turning what a
// user types into that form. Pure functions shared by the sandbox and the send UI.
import { countryPrefixOf, numberingPlanProblem, type PlanProblem } from './countries';
import { coreMessage, wordMessage, type CoreMessage } from './messages';

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

/** A refusal: `reason` is the English sentence, `message` the same from the catalogue for the UI to word in the user's language. */
interface Refusal {
  reason: string;
  message: CoreMessage;
}

export type DestinationCheck = { ok: true } | ({ ok: false; code: 1003 | 1005 } & Refusal);

export type NormalizedDestination =
  | { ok: true; destination: string }
  | ({ ok: false; input: string } & Refusal);

export interface DestinationList {
  /** Valid destinations in wire form, in input order, without duplicates. */
  valid: string[];
  /** Entries that could not be used, each once, with what to fix. */
  invalid: Array<{ input: string } & Refusal>;
  /** How many entries were dropped because they repeat an earlier destination. */
  duplicates: number;
}

export type SenderCheck = { ok: true } | ({ ok: false; code: 1006 | 1007 | 1008 | 1016 | 1021 } & Refusal);

function refusal(message: CoreMessage): Refusal {
  return { reason: wordMessage(message), message };
}

/**
 * Checks a destination in the wire form: digits only, country code first, no leading '+' or '00'
 * (and no leading 0 at all: no country code starts with 0), 8 to 15 digits.
 */
export function validateDestination(digits: string): DestinationCheck {
  if (digits.trim() === '') return { ok: false, code: 1003, ...refusal(coreMessage('destinationMissing')) };
  if (digits.startsWith('+')) {
    return { ok: false, code: 1005, ...refusal(coreMessage('destinationPlus')) };
  }
  if (!/^[0-9]+$/.test(digits)) {
    return { ok: false, code: 1005, ...refusal(coreMessage('destinationNotDigits')) };
  }
  if (digits.startsWith('00')) {
    return { ok: false, code: 1005, ...refusal(coreMessage('destinationDoubleZero')) };
  }
  if (digits.startsWith('0')) {
    return { ok: false, code: 1005, ...refusal(coreMessage('destinationLeadingZero')) };
  }
  if (digits.length < DESTINATION_MIN_DIGITS) {
    return { ok: false, code: 1005, ...refusal(coreMessage('destinationTooShort', digits.length, DESTINATION_MIN_DIGITS, DESTINATION_MAX_DIGITS)) };
  }
  if (digits.length > DESTINATION_MAX_DIGITS) {
    return { ok: false, code: 1005, ...refusal(coreMessage('destinationTooLong', digits.length, DESTINATION_MIN_DIGITS, DESTINATION_MAX_DIGITS)) };
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
  const fail = (message: CoreMessage): NormalizedDestination => ({ ok: false, input, ...refusal(message) });
  const text = input.trim();
  if (text === '') return fail(coreMessage('numberEmpty'));

  const bad = [...text].find((ch) => !/[0-9+\s.\-()/]/.test(ch));
  if (bad !== undefined) {
    return fail(coreMessage('numberBadCharacter', bad));
  }
  if (text.lastIndexOf('+') > 0) return fail(coreMessage('numberPlusInside'));

  let digits = text.replace(/[^0-9]/g, '');
  if (digits === '') return fail(coreMessage('numberNoDigits'));

  const international = text.startsWith('+') || digits.startsWith('00');
  if (text.startsWith('+')) {
    if (digits.startsWith('0')) return fail(coreMessage('numberZeroAfterPlus'));
  } else if (digits.startsWith('00')) {
    digits = digits.slice(2);
    if (digits.startsWith('0')) return fail(coreMessage('numberZeroAfterDoubleZero'));
  }

  if (!international) {
    const country = defaultCountry?.replace(/^\+|^00/, '');
    if (country !== undefined && country !== '') {
      if (!/^[1-9][0-9]{0,3}$/.test(country)) {
        return fail(coreMessage('numberBadDefaultCountry', defaultCountry ?? ''));
      }
      if (!digits.startsWith(country)) digits = country + digits;
    } else if (digits.startsWith('0')) {
      return fail(coreMessage('numberNoCountry'));
    }
  }

  const check = validateDestination(digits);
  if (!check.ok) {
    if (digits.length < DESTINATION_MIN_DIGITS || digits.length > DESTINATION_MAX_DIGITS) {
      const which = digits.length < DESTINATION_MIN_DIGITS ? 'numberTooShort' : 'numberTooLong';
      return fail(coreMessage(which, digits.length, DESTINATION_MIN_DIGITS, DESTINATION_MAX_DIGITS));
    }
    return fail(check.message);
  }
  const plan = numberingPlanProblem(digits);
  if (plan) return fail(planMessage(plan, countryPrefixOf(digits)));
  return { ok: true, destination: digits };
}

/** What to fix, for a number its country's numbering plan refuses. */
export function planMessage(plan: PlanProblem, callingCode: string): CoreMessage {
  switch (plan.kind) {
    case 'too-short':
      return coreMessage('planTooShort', plan.country, callingCode, plan.digits);
    case 'too-long':
      return coreMessage('planTooLong', plan.country, callingCode, plan.digits);
    case 'bad-length':
      return coreMessage('planBadLength', plan.country, callingCode, plan.digits);
    case 'landline':
      return coreMessage('planLandline', plan.country, callingCode);
  }
}

/** Splits a pasted list on commas, semicolons and new lines, normalising each entry. */
export function parseDestinationList(text: string, defaultCountry?: string): DestinationList {
  const valid: string[] = [];
  const invalid: DestinationList['invalid'] = [];
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
      invalid.push({ input: entry, reason: result.reason, message: result.message });
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
    return { ok: false, code: 1008, ...refusal(coreMessage('senderMissing', SENDER_MAX_LENGTH)) };
  }
  const chars = [...sender];
  if (/^[0-9]+$/.test(sender) && chars.length > NUMERIC_SENDER_MAX_LENGTH) {
    return { ok: false, code: 1007, ...refusal(coreMessage('senderNumericTooLong', chars.length, NUMERIC_SENDER_MAX_LENGTH)) };
  }
  if (chars.length > SENDER_MAX_LENGTH) {
    return { ok: false, code: 1006, ...refusal(coreMessage('senderTooLong', chars.length, SENDER_MAX_LENGTH)) };
  }
  const bad = chars.find((ch) => !/[A-Za-z0-9]/.test(ch) && !SENDER_PUNCTUATION.includes(ch));
  if (bad !== undefined) {
    return { ok: false, code: 1021, ...refusal(coreMessage('senderBadCharacter', bad, [...SENDER_PUNCTUATION].join(' '))) };
  }
  if (!/[A-Za-z]/.test(sender)) {
    return { ok: false, code: 1016, ...refusal(coreMessage('senderNoLetters')) };
  }
  return { ok: true };
}
