// Counting SMS parts the way the gateway charges them: GSM-7 septets or UCS-2 code units.
// Pure functions: the sandbox charges with them and the send UI shows the same numbers.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Longest text the gateway accepts (4 concatenated GSM-7 SMS); longer texts get error 1029. */
export const MAX_MESSAGE_LENGTH = 612;

/** Per-part capacity: a lone SMS, and each part of a concatenated one (the header takes the rest). */
export const GSM7_SINGLE = 160;
export const GSM7_MULTI = 153;
export const UCS2_SINGLE = 70;
export const UCS2_MULTI = 67;

/** The GSM 03.38 default alphabet, one septet each (the escape code 0x1B is not a character). */
export const GSM7_BASIC_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each costs two septets (escape + code). Form feed is part of it too. */
export const GSM7_EXTENSION_CHARS = '^{}\\[~]|€\f';

const basic = new Set(GSM7_BASIC_CHARS);
const extension = new Set(GSM7_EXTENSION_CHARS);

export interface TextAnalysis {
  encoding: SmsEncoding;
  /**
   * Length as the gateway counts it: septets for GSM-7 (extension characters count 2),
   * UTF-16 code units for UCS-2 (an emoji outside the BMP counts 2).
   */
  characters: number;
  /** SMS parts charged; 0 for an empty text. */
  parts: number;
  /** Capacity of each part at the current part count (160/153 or 70/67). */
  perPart: number;
  /** Characters (in the same unit) still free before another part is needed. */
  remainingInPart: number;
  /** Distinct user-perceived characters that force UCS-2, in order of first appearance. */
  ucs2Chars: string[];
}

/** Septets one character takes in GSM-7, or undefined when it has no GSM-7 form. */
export function gsm7Septets(ch: string): 1 | 2 | undefined {
  if (basic.has(ch)) return 1;
  if (extension.has(ch)) return 2;
  return undefined;
}

/** True when the whole text can travel as GSM-7. */
export function isGsm7(text: string): boolean {
  for (const ch of text) {
    if (gsm7Septets(ch) === undefined) return false;
  }
  return true;
}

// Grapheme clusters keep an accent with its letter and an emoji with its modifiers when listing culprits.
// Built on first use: creating it loads ICU's break rules, a few ms the extension's load should not pay.
let segmenter: Intl.Segmenter | null | undefined;
function graphemeSegmenter(): Intl.Segmenter | null {
  segmenter ??= typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  return segmenter;
}

/** User-perceived characters (an accent with its letter, an emoji with its modifiers). */
export function graphemes(text: string): string[] {
  const s = graphemeSegmenter();
  if (!s) return [...text];
  return Array.from(s.segment(text), (g) => g.segment);
}

/**
 * Encoding, length and part count of a message text.
 * Parts follow the plain formula (1 part up to 160/70, else ceil(n/153) or ceil(n/67));
 * the gateway's split points are not documented, so escape pairs and surrogate pairs
 * straddling a part boundary are not special-cased.
 */
export function analyzeText(text: string): TextAnalysis {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    const n = gsm7Septets(ch);
    if (n === undefined) {
      gsm = false;
      break;
    }
    septets += n;
  }

  const ucs2Chars: string[] = [];
  if (!gsm) {
    const seen = new Set<string>();
    for (const g of graphemes(text)) {
      if (!seen.has(g) && !isGsm7(g)) {
        seen.add(g);
        ucs2Chars.push(g);
      }
    }
  }

  const characters = gsm ? septets : text.length;
  const single = gsm ? GSM7_SINGLE : UCS2_SINGLE;
  const multi = gsm ? GSM7_MULTI : UCS2_MULTI;
  const parts = characters === 0 ? 0 : characters <= single ? 1 : Math.ceil(characters / multi);
  const perPart = parts > 1 ? multi : single;
  const remainingInPart = parts === 0 ? perPart : parts * perPart - characters;
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', characters, parts, perPart, remainingInPart, ucs2Chars };
}
