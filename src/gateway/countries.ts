// Phone numbers by each country's numbering plan (libphonenumber-js with its full metadata): the calling
// code of a destination (for the per-country price), how a number is shown, and what the plan says of it.
// The library is loaded on first use, not at activation: the bundles map it to dist/phone.js (scripts/build.mjs).
import type * as PhoneLib from 'libphonenumber-js/max';

let lib: typeof PhoneLib | undefined;
function phoneLib(): typeof PhoneLib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lib ??= require('libphonenumber-js/max') as typeof PhoneLib;
  return lib;
}

/** True once the numbering-plan library has been loaded (tests check that activation does not load it). */
export function phoneLibLoaded(): boolean {
  return lib !== undefined;
}

function parse(destination: string): PhoneLib.PhoneNumber | undefined {
  const digits = destination.replace(/\D/g, '');
  if (digits === '') return undefined;
  try {
    return phoneLib().parsePhoneNumberFromString(`+${digits}`);
  } catch {
    return undefined;
  }
}

/** The country calling code at the start of a wire-form destination (digits with country code). */
export function countryPrefixOf(destination: string): string {
  const d = destination.replace(/\D/g, '');
  const code = parse(d)?.countryCallingCode;
  // Not a calling code the plan knows: the first three digits, the longest a calling code has.
  return code !== undefined && d.startsWith(code) ? code : d.slice(0, 3);
}

// Histories run to 100k entries with far fewer distinct numbers: each is formatted once.
const shown = new Map<string, string>();
const SHOWN_MAX = 50_000;

/**
 * A destination as every view shows it: the international form of its country's plan
 * (`+39 339 123 4567`); digits the plan cannot read as `+digits`; anything not digits as given.
 */
export function formatNumber(destination: string): string {
  if (!/^\d+$/.test(destination)) return destination;
  let text = shown.get(destination);
  if (text === undefined) {
    text = parse(destination)?.formatInternational() ?? `+${destination}`;
    if (shown.size >= SHOWN_MAX) shown.clear();
    shown.set(destination, text);
  }
  return text;
}

/** A destination in E.164 (`+393391234567`): what exports write, one token a spreadsheet reads back whole. */
export function e164(destination: string): string {
  return /^\d+$/.test(destination) ? `+${destination}` : destination;
}

/** What a country's numbering plan says against a wire-form destination, when it says anything. */
export type PlanProblem =
  | { kind: 'too-short' | 'too-long' | 'bad-length'; country: string; digits: number }
  | { kind: 'landline'; country: string };

/**
 * Checks a wire-form destination (already 8 to 15 digits) against its country's plan: a length the
 * plan never uses, or a fixed-line number, which cannot receive SMS. Undefined when the plan has no
 * objection, or does not know the calling code (then only the wire rules apply).
 */
export function numberingPlanProblem(destination: string): PlanProblem | undefined {
  const p = parse(destination);
  if (!p) return undefined;
  const country = p.country ?? `+${p.countryCallingCode}`;
  const national = p.nationalNumber.length;
  switch (phoneLib().validatePhoneNumberLength(`+${destination}`)) {
    case 'TOO_SHORT':
      return { kind: 'too-short', country, digits: national };
    case 'TOO_LONG':
      return { kind: 'too-long', country, digits: national };
    case 'INVALID_LENGTH':
      return { kind: 'bad-length', country, digits: national };
    default:
      break;
  }
  if (p.getType() === 'FIXED_LINE') return { kind: 'landline', country };
  return undefined;
}

/** The country's name in English for a region code (`IT` → Italy), the code itself when unknown. */
export function countryName(region: string, locale = 'en'): string {
  if (!/^[A-Z]{2}$/.test(region)) return region;
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(region) ?? region;
  } catch {
    return region;
  }
}

/**
 * Price of one SMS part in a country, estimated from a balance answer asked with that countryprefix:
 * the gateway says how many SMS the balance buys there. Undefined when it cannot be known.
 */
export function pricePerPart(balance: number, smsRemainCount: number | undefined): number | undefined {
  if (smsRemainCount === undefined || smsRemainCount <= 0 || !(balance > 0)) return undefined;
  return balance / smsRemainCount;
}
