// Keeps the password out of every URL and text that leaves the gateway client (errors, logs, call events).

import { escapeRegExp } from './values';

const MASK = '***';

// `password=value` in a query string (its value may hold %26, an encoded '&').
const PASSWORD_PARAM = /\b((?:password|passwd|pwd)=)[^&\s#"<>]*/gi;
// The same inside a URL that was itself percent-encoded into another one: `%3Fpassword%3Dvalue%26...`.
const NESTED_PASSWORD_PARAM = /((?:%3F|%26|\b)(?:password|passwd|pwd)%3D)(?:(?!%26)[^&\s#"<>])*/gi;
// `scheme://user:secret@host`, e.g. a proxy URL with credentials; the userinfo ends at the last '@' (`p@ss` is one password).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#:@]*:)([^\s/?#]*)@/gi;

// Shorter secrets only count as a whole token, so a 2-letter password does not blank out every word.
const MIN_FREE_MATCH = 4;

/** A hex number that matches in either case, with any leading zeros: `&#x00E8;` and `\u00e8` alike. */
function hexPattern(n: number, width = 0): string {
  const hex = n.toString(16).padStart(width, '0');
  return hex.replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
}

const NAMED_ENTITIES: Record<string, string[]> = {
  '&': ['amp'], '<': ['lt'], '>': ['gt'], '"': ['quot'], "'": ['apos'], '\u00a0': ['nbsp'],
};
const utf8 = new TextEncoder();
const JSON_SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function htmlEntities(ch: string): string[] {
  const cp = ch.codePointAt(0) as number;
  return [...(NAMED_ENTITIES[ch] ?? []).map((name) => `&${name};`), `&#0*${cp};?`, `&#[xX]0*${hexPattern(cp)};?`];
}

/**
 * Every way one character of a secret can be written in a text that came back through a web page, a URL,
 * a form or JSON: as typed; percent-encoded (either hex case, `+` for a space); as an HTML entity (named,
 * decimal or hex); JSON-escaped (`\"`, `\/`, `\u00e8`, a surrogate pair for emoji).
 */
function charPattern(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  const forms: string[] = [escapeRegExp(ch)];
  // A lone surrogate has no UTF-8 form, so it cannot appear percent-encoded.
  if (!(cp >= 0xd800 && cp <= 0xdfff)) forms.push([...utf8.encode(ch)].map((b) => `%${hexPattern(b, 2)}`).join(''));
  if (ch === ' ') forms.push('\\+');
  const entities = htmlEntities(ch);
  forms.push(...entities);
  // JSON's `\"`, also when the JSON was then put into an HTML page (`\&quot;`).
  if (JSON_SHORT[ch]) forms.push(escapeRegExp(JSON_SHORT[ch]));
  if (ch === '"') forms.push(...entities.map((e) => `\\\\${e}`));
  const units = cp > 0xffff ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [cp];
  forms.push(units.map((u) => `\\\\u${hexPattern(u, 4)}`).join(''));
  return forms.length === 1 ? forms[0] : `(?:${forms.join('|')})`;
}

/** One pattern for a secret in any mix of its spellings (each character may be written its own way). */
function secretPattern(secret: string): RegExp {
  const body = [...secret].map(charPattern).join('');
  // Free-standing check on the length as typed: a short password matches only as a whole token.
  return new RegExp([...secret].length >= MIN_FREE_MATCH ? body : `(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'gu');
}

// Compiled patterns for the last few secret sets: every gateway call redacts with the same password.
const patternCache = new Map<string, RegExp[]>();
const PATTERN_CACHE_SIZE = 8;

function secretPatterns(secrets: readonly string[] | undefined): RegExp[] {
  const usable = (secrets ?? []).filter((s) => typeof s === 'string' && s.length > 0);
  if (usable.length === 0) return [];
  const cacheKey = JSON.stringify(usable);
  const cached = patternCache.get(cacheKey);
  if (cached) return cached;
  // Longer secrets first, so one that contains another is masked whole.
  const patterns = [...new Set(usable)].sort((a, b) => b.length - a.length).map(secretPattern);
  if (patternCache.size >= PATTERN_CACHE_SIZE) patternCache.delete(patternCache.keys().next().value as string);
  patternCache.set(cacheKey, patterns);
  return patterns;
}

/**
 * Removes passwords from free text: every `password=` value, credentials inside URLs, and each
 * given secret in any of its spellings (see charPattern).
 */
export function redactText(text: string, secrets?: readonly string[]): string {
  const forms = secretPatterns(secrets);
  // Secrets go first, whole, before the URL patterns cut them at a delimiter; repeat in case the mask
  // and its neighbours spell a secret again.
  let out = text;
  for (let round = 0; round < 5; round++) {
    const before = out;
    for (const pattern of forms) out = out.replace(pattern, MASK);
    if (out === before) break;
  }
  return out
    .replace(PASSWORD_PARAM, `$1${MASK}`)
    .replace(NESTED_PASSWORD_PARAM, `$1${MASK}`)
    .replace(USERINFO, `$1${MASK}@`);
}

/** A URL safe to show or log: `password=***` and no credentials in the authority. */
export function redactUrl(url: string | URL, secrets?: readonly string[]): string {
  return redactText(typeof url === 'string' ? url : url.href, secrets);
}
