// The EntryTable's parts (table.ts): its typed-array columns, the pools of repeated values, and
// the compact forms of keys, times and numbers with their checks (a value whose compact form would
// not give back the same text is kept as it came, in the row's exceptions).

/** Absent, in the unsigned columns; no delta, in the time columns. */
export const NONE32 = 0xffffffff;
export const NONE16 = 0xffff;
export const NO_DELTA = -0x80000000;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const GATEWAY_TIME_RE = /^\d{14}$/;
export const DIGITS_RE = /^[1-9]\d{0,14}$/;
/** In `u` mode a pair is one code point, so this finds only halves UTF-8 cannot carry. */
export const LONE_SURROGATE_RE = /[\ud800-\udfff]/u;

/** Epoch ms of an ISO time written as `toISOString` writes it, else NaN. */
export function isoMs(s: string): number {
  if (!ISO_RE.test(s)) return NaN;
  const ms = Date.parse(s);
  return Number.isNaN(ms) || new Date(ms).toISOString() !== s ? NaN : ms;
}

/** Seconds of a `YYYYMMDDHHmmSS` time read as UTC (only to store it: no zone is implied), else NaN. */
export function gatewaySeconds(s: string): number {
  if (!GATEWAY_TIME_RE.test(s)) return NaN;
  const ms = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14));
  return gatewayText(ms / 1000) === s ? ms / 1000 : NaN;
}

export function gatewayText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
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

/** The four words of a lowercase uuid, or undefined for any other key. */
export function uuidWords(key: string): [number, number, number, number] | undefined {
  if (key.length !== 36 || !UUID_RE.test(key)) return undefined;
  const hex = key.slice(0, 8) + key.slice(9, 13) + key.slice(14, 18) + key.slice(19, 23) + key.slice(24);
  return [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8, 16), 16), parseInt(hex.slice(16, 24), 16), parseInt(hex.slice(24), 16)];
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
