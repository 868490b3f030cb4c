// The EntryTable's parts (table.ts): its typed-array columns, the pools of repeated values, and
// the compact forms of keys, times and numbers with their checks (a value whose compact form would
// not give back the same text is kept as it came, in the row's exceptions).

/** Absent, in the unsigned columns; no delta, in the time columns. */
export const NONE32 = 0xffffffff;
export const NONE16 = 0xffff;
export const NO_DELTA = -0x80000000;

export const DIGITS_RE = /^[1-9]\d{0,14}$/;
/** In `u` mode a pair is one code point, so this finds only halves UTF-8 cannot carry. */
export const LONE_SURROGATE_RE = /[\ud800-\udfff]/u;

/** The digits of `s` from `at`, `n` of them, as a number; NaN when one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]);
}

/** Seconds since 1970 of a date and time whose fields are in range (each written back gives the same digits), else NaN. */
function fieldSeconds(y: number, mo: number, d: number, h: number, mi: number, sec: number): number {
  if (Number.isNaN(y + mo + d + h + mi + sec) || !validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return NaN;
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

/** Epoch ms of an ISO time written as `toISOString` writes it (`YYYY-MM-DDTHH:mm:ss.sssZ`), else NaN. */
export function isoMs(s: string): number {
  if (s.length !== 24 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.' || s[23] !== 'Z') return NaN;
  const seconds = fieldSeconds(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2));
  return seconds * 1000 + digits(s, 20, 3);
}

/** Seconds of a `YYYYMMDDHHmmSS` time read as UTC (only to store it: no zone is implied), else NaN. */
export function gatewaySeconds(s: string): number {
  if (s.length !== 14) return NaN;
  return fieldSeconds(digits(s, 0, 4), digits(s, 4, 2), digits(s, 6, 2), digits(s, 8, 2), digits(s, 10, 2), digits(s, 12, 2));
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Year, month, day, hour, minute, second of seconds since 1970 (H. Hinnant's civil_from_days). */
function civil(seconds: number): [number, number, number, number, number, number] {
  const days = Math.floor(seconds / 86400);
  let rest = seconds - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const mi = Math.floor(rest / 60);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, h, mi, rest - mi * 60];
}

/** `YYYYMMDDHHmmSS` of seconds since 1970. */
export function gatewayText(seconds: number): string {
  const [y, m, d, h, mi, sec] = civil(seconds);
  return String(y).padStart(4, '0') + PAD2[m] + PAD2[d] + PAD2[h] + PAD2[mi] + PAD2[sec];
}

/** What `new Date(ms).toISOString()` gives, without the Date (years 0 to 9999; others through Date). */
export function isoText(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const [y, m, d, h, mi, sec] = civil(seconds);
  if (y < 0 || y > 9999) return new Date(ms).toISOString();
  const milli = ms - seconds * 1000;
  return `${String(y).padStart(4, '0')}-${PAD2[m]}-${PAD2[d]}T${PAD2[h]}:${PAD2[mi]}:${PAD2[sec]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

export function fitsInt32(n: number): boolean {
  return Number.isInteger(n) && n > NO_DELTA && n <= 0x7fffffff;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function hashWords(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ d ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The value of a lowercase hex digit, else -1. */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/** The four words of a lowercase uuid (8-4-4-4-12 hex digits), or undefined for any other key. */
export function uuidWords(key: string): [number, number, number, number] | undefined {
  if (key.length !== 36 || key[8] !== '-' || key[13] !== '-' || key[18] !== '-' || key[23] !== '-') return undefined;
  const words: [number, number, number, number] = [0, 0, 0, 0];
  let n = 0;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const v = hexDigit(key.charCodeAt(i));
    if (v < 0) return undefined;
    const w = n >> 3;
    words[w] = words[w] * 16 + v;
    n++;
  }
  return words;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex8(n: number): string {
  return HEX_PAIRS[n >>> 24] + HEX_PAIRS[(n >>> 16) & 0xff] + HEX_PAIRS[(n >>> 8) & 0xff] + HEX_PAIRS[n & 0xff];
}

/** Values seen before, by id (ids start at 1; 0 means absent). */
export class Pool<T> {
  private readonly ids = new Map<string | number, number>();
  readonly values: T[] = [];
  id(lookup: string | number, value: T): number {
    let id = this.ids.get(lookup);
    if (id === undefined) {
      this.values.push(value);
      this.ids.set(lookup, (id = this.values.length));
    }
    return id;
  }
  get size(): number {
    return this.values.length;
  }
}

export type Columns = {
  flags: Uint8Array;
  keyWords: Uint32Array;
  created: Float64Array;
  updated: Int32Array;
  polled: Int32Array;
  submitted: Int32Array;
  lastChange: Int32Array;
  smsId: Uint32Array;
  destination: Float64Array;
  sender: Uint32Array;
  account: Uint32Array;
  accountLabel: Uint32Array;
  batchId: Uint32Array;
  state: Uint32Array;
  status: Uint32Array;
  error: Uint32Array;
  charge: Uint32Array;
  parts: Uint16Array;
  quantity: Uint16Array;
  rev: Uint32Array;
  textBlock: Uint32Array;
  textStart: Uint32Array;
  textBytes: Uint32Array;
};

/** New columns of `capacity` rows holding the rows of `c` (as many as fit). */
export function resized(c: Columns, capacity: number): Columns {
  const next = allocate(capacity);
  for (const name of Object.keys(next) as Array<keyof Columns>) (next[name] as Uint8Array).set((c[name] as Uint8Array).subarray(0, next[name].length));
  return next;
}

/** Typed-array columns per row (keyWords holds 4 a row). */
export function allocate(capacity: number): Columns {
  return {
    flags: new Uint8Array(capacity),
    keyWords: new Uint32Array(capacity * 4),
    created: new Float64Array(capacity),
    updated: new Int32Array(capacity),
    polled: new Int32Array(capacity),
    submitted: new Int32Array(capacity),
    lastChange: new Int32Array(capacity),
    smsId: new Uint32Array(capacity),
    destination: new Float64Array(capacity),
    sender: new Uint32Array(capacity),
    account: new Uint32Array(capacity),
    accountLabel: new Uint32Array(capacity),
    batchId: new Uint32Array(capacity),
    state: new Uint32Array(capacity),
    status: new Uint32Array(capacity),
    error: new Uint32Array(capacity),
    charge: new Uint32Array(capacity),
    parts: new Uint16Array(capacity),
    quantity: new Uint16Array(capacity),
    rev: new Uint32Array(capacity),
    textBlock: new Uint32Array(capacity),
    textStart: new Uint32Array(capacity),
    textBytes: new Uint32Array(capacity),
  };
}

/** A JSON value as a fresh copy (objects deep), for what a row keeps or gives back as it came. */
export function copyJson(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? JSON.parse(JSON.stringify(v)) : v;
}

/** A row's fields that do not fit its columns, as they came. */
export type Exceptions = Record<string, unknown> | undefined;

/** The exceptions with `name` kept as it came (a copy): made on the first one. */
export function kept(exc: Exceptions, name: string, v: unknown): Record<string, unknown> {
  const out = exc ?? {};
  out[name] = copyJson(v);
  return out;
}

/** A whole number from 0 to below `limit` (not -0): what an unsigned column holds, `limit` meaning absent. */
export function below(v: unknown, limit: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < limit && !Object.is(v, -0);
}

/** An ISO time as ms after `created` into `column`, or into the exceptions when that does not give it back. */
export function msAfter(column: Int32Array, row: number, name: string, v: unknown, created: number, exc: Exceptions): Exceptions {
  const ms = typeof v === 'string' ? isoMs(v) - created : NaN;
  if (!fitsInt32(ms)) return kept(exc, name, v);
  column[row] = ms;
  return exc;
}

/** A gateway time (`YYYYMMDDHHmmSS`) as seconds after `created` into `column`, or into the exceptions. */
export function secondsAfter(column: Int32Array, row: number, name: string, v: unknown, created: number, exc: Exceptions): Exceptions {
  const s = typeof v === 'string' ? gatewaySeconds(v) - Math.floor(created / 1000) : NaN;
  if (!fitsInt32(s)) return kept(exc, name, v);
  column[row] = s;
  return exc;
}
