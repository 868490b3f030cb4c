// The sentences the core says to a user (why a number or a sender is refused), as a catalogue the UI
// words in the user's language. Each entry takes the translator first and calls `l10n.t` with its
// literal English text, so the l10n check finds and verifies every one; the core keeps the English
// wording (`englishL10n`) for the sandbox, logs and the language-model tools.
import { englishL10n, type L10n } from './l10n';
import { escapeRegExp } from './values';
import { countryName } from './countries';
import { EXPLANATION_SUFFIXES, GatewayExplanations } from './explanations';

/** What the core can say; the arguments of each are filled in when the sentence is worded. */
export const CoreMessages = {
  destinationMissing: (l10n: L10n) => l10n.t('no destination number given'),
  destinationPlus: (l10n: L10n) => l10n.t("starts with '+': give the country code without '+' (e.g. 393391234567)"),
  destinationNotDigits: (l10n: L10n) => l10n.t('contains characters other than digits'),
  destinationDoubleZero: (l10n: L10n) => l10n.t("starts with '00': give the country code without '00' (e.g. 393391234567)"),
  destinationLeadingZero: (l10n: L10n) => l10n.t('starts with 0: the country code is missing (e.g. 39 for Italy)'),
  destinationTooShort: (l10n: L10n, digits: number, min: number, max: number) =>
    l10n.t('too short ({0} digits): a number with country code has {1} to {2} digits', digits, min, max),
  destinationTooLong: (l10n: L10n, digits: number, min: number, max: number) =>
    l10n.t('too long ({0} digits): a number with country code has {1} to {2} digits', digits, min, max),

  numberEmpty: (l10n: L10n) => l10n.t('empty: enter a number with its country code, e.g. +39 339 1234567'),
  numberBadCharacter: (l10n: L10n, character: string) =>
    l10n.t("contains '{0}': use only digits, spaces, '-', '.', '/', parentheses and a leading '+'", character),
  numberPlusInside: (l10n: L10n) => l10n.t("'+' may only come first, before the country code"),
  numberNoDigits: (l10n: L10n) => l10n.t('has no digits: enter a number with its country code, e.g. +39 339 1234567'),
  numberZeroAfterPlus: (l10n: L10n) => l10n.t("a country code never starts with 0: remove the 0 after '+'"),
  numberZeroAfterDoubleZero: (l10n: L10n) => l10n.t("a country code never starts with 0: check the digits after '00'"),
  numberBadDefaultCountry: (l10n: L10n, setting: string) =>
    l10n.t("the default country code '{0}' is not valid: set inviosmart.send.defaultCountry to digits such as 39, or write the number with '+' and its country code", setting),
  numberNoCountry: (l10n: L10n) => l10n.t('the country code is missing: write it first, e.g. +39 for Italy'),
  numberTooShort: (l10n: L10n, digits: number, min: number, max: number) =>
    l10n.t('too short: {0} digits with the country code, expected {1} to {2}', digits, min, max),
  numberTooLong: (l10n: L10n, digits: number, min: number, max: number) =>
    l10n.t('too long: {0} digits with the country code, expected {1} to {2}', digits, min, max),

  planTooShort: (l10n: L10n, country: string, callingCode: string, digits: number) =>
    l10n.t('too short for {0}: {1} digits after +{2}; check for a missing digit', planPlace(l10n, country, callingCode), digits, callingCode),
  planTooLong: (l10n: L10n, country: string, callingCode: string, digits: number) =>
    l10n.t('too long for {0}: {1} digits after +{2}; check for an extra digit', planPlace(l10n, country, callingCode), digits, callingCode),
  planBadLength: (l10n: L10n, country: string, callingCode: string, digits: number) =>
    l10n.t('{0} digits after +{1} is not a length used in {2}; check the number', digits, callingCode, planPlace(l10n, country, callingCode)),
  planLandline: (l10n: L10n, country: string, callingCode: string) =>
    l10n.t('a landline number in {0}: landlines cannot receive SMS; use a mobile number', planPlace(l10n, country, callingCode)),

  senderMissing: (l10n: L10n, max: number) => l10n.t('no sender given: enter a name of up to {0} characters', max),
  senderNumericTooLong: (l10n: L10n, digits: number, max: number) =>
    l10n.t('numeric sender is {0} digits long: use at most {1} digits, or a name with letters', digits, max),
  senderTooLong: (l10n: L10n, characters: number, max: number) => l10n.t('sender is {0} characters long: shorten it to {1}', characters, max),
  senderBadCharacter: (l10n: L10n, character: string, allowed: string) =>
    l10n.t("sender contains '{0}': use ASCII letters, digits and {1}", character === ' ' ? l10n.t('a space') : character, allowed),
  senderNoLetters: (l10n: L10n) => l10n.t('sender has no letters: add at least one letter (digits-only senders are refused)'),

  rowBlank: (l10n: L10n) => l10n.t('every field is empty'),
  rowEmptyText: (l10n: L10n) => l10n.t('the message is empty once filled in'),
  rowBrokenCharacter: (l10n: L10n) => l10n.t('the text has a broken character'),
  rowUnrepresentable: (l10n: L10n, characters: string) => l10n.t('the ISO-8859-1 send endpoint cannot carry {0}', characters),
  rowTooLong: (l10n: L10n, characters: number, max: number) => l10n.t('{0} characters, at most {1}', characters, max),
  rowEmptyPlaceholders: (l10n: L10n, placeholders: string) => l10n.t('{0}', placeholders),
  rowRagged: (l10n: L10n, fields: number, header: number) => l10n.t('{0} fields, the header has {1}', fields, header),
  rowDuplicate: (l10n: L10n, earlierRow: number) => l10n.t('same number as row {0}', earlierRow),

  csvTooManyBytes: (l10n: L10n, bytes: number, max: number) => l10n.t('The file has {0} bytes; a bulk send reads at most {1}.', bytes, max),
  csvTooManyCharacters: (l10n: L10n, characters: number, max: number) =>
    l10n.t('The file has {0} characters; a bulk send reads at most {1}.', characters, max),
  csvTooManyRows: (l10n: L10n, max: number) => l10n.t('The file has more than {0} rows; split it into smaller files.', max),
  csvNoRows: (l10n: L10n) => l10n.t('The file has no rows.'),
  csvHeaderOnly: (l10n: L10n) => l10n.t('The file has a header but no rows.'),
  csvQuoteNotClosed: (l10n: L10n) => l10n.t('A quoted field is never closed: a closing " is missing before the end of the file.'),
  csvUnreadable: (l10n: L10n, detail: string) => l10n.t('The file cannot be read as CSV: {0}', detail),
  columnUnknown: (l10n: L10n, column: string, columns: string) => l10n.t('The file has no column {0}. Columns: {1}', column, columns),

  templateEmpty: (l10n: L10n) => l10n.t('The message template is empty.'),
  // The braces go in as arguments: VS Code's formatter reads `{{" … {0}` as one unknown placeholder.
  templateUnclosed: (l10n: L10n, character: number) => l10n.t('{0} at character {1} is not closed with {2}.', '"{{"', character, '"}}"'),
  templateNotAColumn: (l10n: L10n, placeholder: string, character: number) =>
    l10n.t('"{0}" at character {1} does not name a column.', placeholder, character),
  templateUnknownColumns: (l10n: L10n, names: string, columns: string) => l10n.t('No column named {0}. Columns: {1}', names, columns),

  ...GatewayExplanations,
} as const;

/** A country in a plan sentence: "Italy (+39)", or "the plan of +882" for a code with no country. */
function planPlace(l10n: L10n, country: string, callingCode: string): string {
  const name = countryName(country, l10n.language ?? 'en');
  return name.startsWith('+') ? l10n.t('the plan of {0}', name) : l10n.t('{0} ({1})', name, `+${callingCode}`);
}

type Catalogue = typeof CoreMessages;
export type CoreMessageId = keyof Catalogue;
type ArgsOf<K extends CoreMessageId> = Catalogue[K] extends (l10n: L10n, ...args: infer A) => string ? A : never;

/** One sentence of the catalogue with its arguments: plain data, worded by `wordMessage`. */
export type CoreMessage = { [K in CoreMessageId]: { readonly id: K; readonly args: ArgsOf<K> } }[CoreMessageId];

/** The sentences that take no arguments. */
export type PlainMessageId = { [K in CoreMessageId]: ArgsOf<K> extends readonly [] ? K : never }[CoreMessageId];

export function coreMessage<K extends CoreMessageId>(id: K, ...args: ArgsOf<K>): CoreMessage {
  return { id, args } as unknown as CoreMessage;
}

/** The sentence in the language of `l10n` (English by default). */
export function wordMessage(message: CoreMessage, l10n: L10n = englishL10n): string {
  const say = CoreMessages[message.id] as (l10n: L10n, ...args: readonly unknown[]) => string;
  return say(l10n, ...message.args);
}

// ---------------------------------------------------------------------------------------------
// A gateway error's explanation, worded again

/** What the history keeps of a failure: enough to find its sentences again. */
export interface ExplainedError {
  readonly kind?: string;
  readonly code?: number;
  readonly explanation: string;
}

type ExplanationId = keyof typeof GatewayExplanations;

interface Template {
  id: ExplanationId;
  pattern: RegExp;
  /** For each capture group, which argument it fills. */
  order: number[];
}

let exact: Map<string, ExplanationId> | undefined;
let templates: Template[] | undefined;

/** The English text of every explanation: whole sentences by text, sentences with numbers as patterns. */
function learnExplanations(): void {
  exact = new Map();
  templates = [];
  for (const id of Object.keys(GatewayExplanations) as ExplanationId[]) {
    const say = GatewayExplanations[id] as (l10n: L10n, ...args: readonly unknown[]) => string;
    const arity = say.length - 1;
    if (arity === 0) {
      exact.set(say(englishL10n), id);
      continue;
    }
    const template = say(englishL10n, ...Array.from({ length: arity }, (_, i) => `{${i}}`));
    const order: number[] = [];
    const source = escapeRegExp(template).replace(/\\\{(\d+)\\\}/g, (_m, i: string) => (order.push(Number(i)), '(.+?)'));
    templates.push({ id, pattern: new RegExp(`^${source}$`), order });
  }
}

function sentenceOf(text: string): CoreMessage | undefined {
  if (!exact || !templates) learnExplanations();
  const id = exact?.get(text);
  if (id) return { id, args: [] } as unknown as CoreMessage;
  for (const t of templates ?? []) {
    const m = t.pattern.exec(text);
    if (!m) continue;
    const args: unknown[] = [];
    t.order.forEach((argIndex, group) => (args[argIndex] = m[group + 1]));
    return { id: t.id, args } as unknown as CoreMessage;
  }
  return undefined;
}

/**
 * The catalogue sentences an error's explanation is made of: by its code for a numbered gateway
 * answer, else found from the English text (also for entries stored before this catalogue existed).
 * Undefined for a text the catalogue does not know; it is then shown as it is.
 */
export function explanationMessages(e: ExplainedError): CoreMessage[] | undefined {
  if (e.kind === 'gateway' && e.code !== undefined) return [coreMessage('gatewayCode', e.code)];
  const whole = sentenceOf(e.explanation);
  if (whole) return [whole];
  for (const id of EXPLANATION_SUFFIXES) {
    const tail = ` ${wordMessage(coreMessage(id))}`;
    if (!e.explanation.endsWith(tail)) continue;
    const head = sentenceOf(e.explanation.slice(0, -tail.length));
    if (head) return [head, coreMessage(id)];
  }
  return undefined;
}

/** An error's explanation in the language of `l10n`; the stored text when the catalogue does not know it. */
export function wordExplanation(e: ExplainedError, l10n: L10n = englishL10n): string {
  const messages = explanationMessages(e);
  return messages ? messages.map((m) => wordMessage(m, l10n)).join(' ') : e.explanation;
}
