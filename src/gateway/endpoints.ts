// Where each command goes and how its parameters travel: the two endpoint sets, the send endpoint's
// character set and the request method (docs/PROTOCOL.md, "Endpoints", "Character set", "POST").
// Pure functions: the client, the sandbox and the send UI agree through them.
import type { GatewayCommand } from './types';
import { graphemes } from './smsText';

/** `httpapi`: the documented http URLs; `webservice`: HTTPS, all three commands under /webservice/sms/. */
export type EndpointSet = 'httpapi' | 'webservice';
/** How the send endpoint reads the bytes of `message` (and every other value). */
export type SendCharset = 'utf-8' | 'iso-8859-1';
export type SendMethod = 'GET' | 'POST';

export const ENDPOINT_SETS: Readonly<Record<EndpointSet, { origin: string; paths: Readonly<Record<GatewayCommand, string>> }>> =
  Object.freeze({
    httpapi: {
      origin: 'http://httpapi.inviosmart.it',
      paths: { help: '/help', send: '/sendsms/', status: '/smsstatus/', balance: '/account-balance/' },
    },
    webservice: {
      origin: 'https://www.inviosmart.it',
      paths: {
        help: '/help',
        send: '/webservice/sms/sendSMSHTTP.php',
        status: '/webservice/sms/getSMSStatus.php',
        balance: '/webservice/sms/getAccountBalance.php',
      },
    },
  });

/** The UTF-8 twin of the webservice send endpoint (the platform's docs; unverified on www.inviosmart.it). */
export const WEBSERVICE_UTF8_SEND_PATH = '/webservice/sms/sendSMSHTTPUTF8.php';

/** The gateway address used when the base URL setting is empty (the `httpapi` set). */
export const DEFAULT_BASE_URL = ENDPOINT_SETS.httpapi.origin;

/** The usage text is documented only on the http set; it carries no credentials, so it stays there. */
export const HELP_URL = `${DEFAULT_BASE_URL}${ENDPOINT_SETS.httpapi.paths.help}`;

export function isEndpointSet(v: unknown): v is EndpointSet {
  return v === 'httpapi' || v === 'webservice';
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** The character set an endpoint reads: Latin-1 for `sendSMSHTTP.php`, UTF-8 for `/sendsms/` and `…UTF8.php`. */
export function charsetForSendUrl(url: string): SendCharset {
  return /\/sendSMSHTTP\.php$/i.test(pathOf(url)) ? 'iso-8859-1' : 'utf-8';
}

/** POST for the PHP webservice endpoints (as the platform's public clients do), GET for the httpapi paths. */
export function methodForSendUrl(url: string): SendMethod {
  return /\.php$/i.test(pathOf(url)) ? 'POST' : 'GET';
}

/** True for 127.0.0.0/8, ::1 and localhost: plain http there never leaves the machine. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True when credentials sent to `url` would cross the network unencrypted. */
export function isCleartextUrl(url: string): boolean {
  return /^http:/i.test(url.trim()) && !isLoopbackUrl(url);
}

// ---------------------------------------------------------------------------------------------
// Latin-1

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/**
 * Percent-encodes a value in the endpoint's character set (spaces as %20, which PHP reads in a query
 * and in a form body alike). Returns undefined when a character has no form in that set, or for a
 * lone UTF-16 surrogate.
 */
export function percentEncode(value: string, charset: SendCharset): string | undefined {
  if (charset === 'utf-8') {
    try {
      return encodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (code > 0xff) return undefined;
    out += UNRESERVED.test(ch) ? ch : `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes percent-encoded bytes as the endpoint would read them ('+' is a space, as PHP reads it). */
export function percentDecode(value: string, charset: SendCharset): string | undefined {
  const bytes: number[] = [];
  const text = value.replace(/\+/g, ' ');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      // Literal characters outside ASCII are taken as UTF-8, as a browser would have sent them.
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  if (charset === 'iso-8859-1') return buf.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return undefined;
  }
}

function fitsLatin1(text: string): boolean {
  for (const ch of text) if ((ch.codePointAt(0) as number) > 0xff) return false;
  return true;
}

/** Distinct characters of `text` that `charset` cannot carry, in order of first appearance. */
export function unrepresentableChars(text: string, charset: SendCharset): string[] {
  if (charset === 'utf-8' || fitsLatin1(text)) return [];
  const seen = new Set<string>();
  for (const g of graphemes(text)) if (!fitsLatin1(g)) seen.add(g);
  return [...seen];
}

// Replacements a reader understands; anything else outside Latin-1 loses its accent (NFD) or stays.
const LATIN1_REPLACEMENTS: Readonly<Record<string, string>> = {
  '€': 'EUR', '‘': "'", '’': "'", '‚': "'", '‛': "'", '“': '"', '”': '"', '„': '"', '′': "'", '″': '"',
  '–': '-', '—': '-', '‐': '-', '‑': '-', '−': '-', '…': '...', '•': '-', '™': 'TM', '‹': '<', '›': '>',
  'Œ': 'OE', 'œ': 'oe', 'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'ı': 'i', 'ƒ': 'f', 'ˆ': '^', '˜': '~',
  '\u2009': ' ', '\u200a': ' ', '\u202f': ' ', '\u2007': ' ',
};

export interface Transliteration {
  /** The text with every replaceable character replaced. */
  text: string;
  /** What was replaced, each once: `€ → EUR`. */
  replaced: Array<{ from: string; to: string }>;
  /** Characters that have no Latin-1 stand-in (emoji, most non-Latin scripts). */
  left: string[];
}

/** The text as it will go out through an endpoint reading `charset`: unchanged for UTF-8, transliterated for Latin-1. */
export function textForCharset(text: string, charset: SendCharset): Transliteration {
  return charset === 'utf-8' ? { text, replaced: [], left: [] } : transliterateLatin1(text);
}

/** Replaces what Latin-1 cannot carry with the closest Latin-1 text (`€` → `EUR`, `ł` → `l`, `ő` → `o`). */
export function transliterateLatin1(text: string): Transliteration {
  const replaced = new Map<string, string>();
  const left = new Set<string>();
  let out = '';
  for (const g of graphemes(text)) {
    if (fitsLatin1(g)) {
      out += g;
      continue;
    }
    const direct = LATIN1_REPLACEMENTS[g];
    const stripped = g.normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');
    const to = direct ?? (stripped !== '' && fitsLatin1(stripped) ? stripped : undefined);
    if (to === undefined) {
      left.add(g);
      out += g;
    } else {
      replaced.set(g, to);
      out += to;
    }
  }
  return { text: out, replaced: [...replaced].map(([from, to]) => ({ from, to })), left: [...left] };
}
