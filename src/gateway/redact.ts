// Keeps the password out of every URL and text that leaves the gateway client (errors, logs, call events).

const MASK = '***';

// `password=value` in a query string (its value may hold %26, an encoded '&').
const PASSWORD_PARAM = /\b((?:password|passwd|pwd)=)[^&\s#"<>]*/gi;
// The same inside a URL that was itself percent-encoded into another one: `%3Fpassword%3Dvalue%26...`.
const NESTED_PASSWORD_PARAM = /((?:%3F|%26|\b)(?:password|passwd|pwd)%3D)(?:(?!%26)[^&\s#"<>])*/gi;
// `scheme://user:secret@host`, e.g. a proxy URL with credentials.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#:@]*:)([^\s/?#@]*)@/gi;

// Shorter secrets only count as a whole token, so a 2-letter password does not blank out every word.
const MIN_FREE_MATCH = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The spellings a secret can take in a URL or a message: as typed, percent-encoded, form-encoded. */
function spellings(secret: string): string[] {
  const forms = new Set<string>([secret]);
  try {
    const encoded = encodeURIComponent(secret);
    forms.add(encoded);
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    forms.add(encoded.replace(/%20/g, '+'));
    forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
  } catch {
    // A lone surrogate cannot be encoded, so it cannot appear encoded either.
  }
  return [...forms].filter((f) => f.length > 0);
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
  const patterns = usable
    .flatMap(spellings)
    .sort((a, b) => b.length - a.length)
    .map((form) => {
      const body = escapeRegExp(form);
      return new RegExp(form.length >= MIN_FREE_MATCH ? body : `(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'gu');
    });
  if (patternCache.size >= PATTERN_CACHE_SIZE) patternCache.delete(patternCache.keys().next().value as string);
  patternCache.set(cacheKey, patterns);
  return patterns;
}

/**
 * Removes passwords from free text: every `password=` value, credentials inside URLs, and each
 * given secret in any of its encodings.
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
