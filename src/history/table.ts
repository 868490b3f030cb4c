// The history in memory as columns: every entry is one row of typed arrays, so 100,000 messages cost
// about a tenth of what 100,000 parsed objects do. Plain Node, no 'vscode'.
//
//   keys      uuids packed in 16 bytes (others kept as strings), found through an open-addressing
//             hash index; a row keeps its number for the table's life (a removed key that comes
//             back gets its old row again), so views may hold row numbers
//   times     ISO times as epoch ms (createdAt) and ms after createdAt (updatedAt, lastPolledAt);
//             the gateway's `YYYYMMDDHHmmSS` as seconds after createdAt
//   repeated  sender, account, label, batch, state: ids into one string pool; status and error
//             objects: ids into a JSON pool; charges: ids into a number pool
//   texts     UTF-8 in an arena: the open block plain, full blocks sealed with deflateRaw, a few
//             recently read blocks kept inflated; removed texts leave holes until `compactTexts`
//
// Whatever does not fit the compact form (a time not written the canonical way, an unknown field,
// a destination that is not plain digits, ...) is kept as it came in a per-row exceptions record,
// so `entry(put(e))` deep-equals `e` for every JSON entry.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { HistoryEntry } from './types';

/** Uncompressed bytes of texts gathered before a block is sealed. */
const BLOCK_BYTES = 64 * 1024;
/** Inflated sealed blocks kept for reading. */
const CACHED_BLOCKS = 4;
const NONE32 = 0xffffffff;
const NONE16 = 0xffff;
const NO_DELTA = -0x80000000;

/** The row's flags. */
const LIVE = 1;
const HAS_SANDBOX = 2;
const SANDBOX_TRUE = 4;
const KEY_STRING = 8;

/** The entry's fields in the order a row materialises them (the order the store's entries have). */
const FIELDS = [
  'key', 'smsId', 'destination', 'sender', 'text', 'account', 'accountLabel', 'sandbox', 'batchId', 'state', 'createdAt',
  'submittedOn', 'lastChangeOn', 'updatedAt', 'lastPolledAt', 'status', 'parts', 'quantity', 'charge', 'error', 'rev',
] as const;
const KNOWN: ReadonlySet<string> = new Set(FIELDS);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const GATEWAY_TIME_RE = /^\d{14}$/;
const DIGITS_RE = /^[1-9]\d{0,14}$/;
/** In `u` mode a pair is one code point, so this finds only halves UTF-8 cannot carry. */
const LONE_SURROGATE_RE = /[\ud800-\udfff]/u;

/** Epoch ms of an ISO time written as `toISOString` writes it, else NaN. */
function isoMs(s: string): number {
  if (!ISO_RE.test(s)) return NaN;
  const ms = Date.parse(s);
  return Number.isNaN(ms) || new Date(ms).toISOString() !== s ? NaN : ms;
}

/** Seconds of a `YYYYMMDDHHmmSS` time read as UTC (only to store it: no zone is implied), else NaN. */
function gatewaySeconds(s: string): number {
  if (!GATEWAY_TIME_RE.test(s)) return NaN;
  const ms = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14));
  return gatewayText(ms / 1000) === s ? ms / 1000 : NaN;
}

function gatewayText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function fitsInt32(n: number): boolean {
  return Number.isInteger(n) && n > NO_DELTA && n <= 0x7fffffff;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashWords(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ d ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The four words of a lowercase uuid, or undefined for any other key. */
function uuidWords(key: string): [number, number, number, number] | undefined {
  if (key.length !== 36 || !UUID_RE.test(key)) return undefined;
  const hex = key.slice(0, 8) + key.slice(9, 13) + key.slice(14, 18) + key.slice(19, 23) + key.slice(24);
  return [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8, 16), 16), parseInt(hex.slice(16, 24), 16), parseInt(hex.slice(24), 16)];
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Values seen before, by id (ids start at 1; 0 means absent). */
class Pool<T> {
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

type Columns = {
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
function allocate(capacity: number): Columns {
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

export interface TextStats {
  /** Sealed (deflated) blocks and their bytes. */
  sealedBlocks: number;
  sealedBytes: number;
  /** Bytes in the open block. */
  openBytes: number;
  /** UTF-8 bytes of the texts of live rows, and of texts no row uses any more. */
  liveBytes: number;
  deadBytes: number;
}

/** The texts of every row: see the file's head. */
class TextArena {
  private sealed: Buffer[] = [];
  private open = Buffer.allocUnsafe(BLOCK_BYTES);
  private openUsed = 0;
  private readonly cache: Array<{ block: number; data: Buffer }> = [];
  liveBytes = 0;
  deadBytes = 0;

  /** Appends a text; returns [block, start, bytes]. */
  add(text: string): [number, number, number] {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.openUsed + bytes > this.open.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.open.length * 2, this.openUsed + bytes));
      this.open.copy(bigger, 0, 0, this.openUsed);
      this.open = bigger;
    }
    const start = this.openUsed;
    this.open.write(text, start, 'utf8');
    this.openUsed += bytes;
    const block = this.sealed.length;
    if (this.openUsed >= BLOCK_BYTES) this.seal();
    this.liveBytes += bytes;
    return [block, start, bytes];
  }

  read(block: number, start: number, bytes: number): string {
    if (block === this.sealed.length) return this.open.toString('utf8', start, start + bytes);
    return this.inflated(block).toString('utf8', start, start + bytes);
  }

  drop(bytes: number): void {
    this.liveBytes -= bytes;
    this.deadBytes += bytes;
  }

  stats(): TextStats {
    return {
      sealedBlocks: this.sealed.length,
      sealedBytes: this.sealed.reduce((n, b) => n + b.length, 0),
      openBytes: this.openUsed,
      liveBytes: this.liveBytes,
      deadBytes: this.deadBytes,
    };
  }

  /** Bytes held (sealed blocks, the open block, the inflated cache). */
  heldBytes(): number {
    return this.sealed.reduce((n, b) => n + b.length, 0) + this.open.length + this.cache.reduce((n, c) => n + c.data.length, 0);
  }

  private seal(): void {
    // Level 1: most of the gain (texts repeat words) for a fraction of the time, during the load.
    this.sealed.push(deflateRawSync(this.open.subarray(0, this.openUsed), { level: 1 }));
    this.open = Buffer.allocUnsafe(BLOCK_BYTES);
    this.openUsed = 0;
  }

  private inflated(block: number): Buffer {
    const i = this.cache.findIndex((c) => c.block === block);
    if (i >= 0) {
      const hit = this.cache[i];
      if (i !== 0) {
        this.cache.splice(i, 1);
        this.cache.unshift(hit);
      }
      return hit.data;
    }
    const data = inflateRawSync(this.sealed[block]);
    this.cache.unshift({ block, data });
    if (this.cache.length > CACHED_BLOCKS) this.cache.pop();
    return data;
  }
}

/**
 * Every entry of one history as a row. `put` stores an entry (a new row, or the key's row again),
 * `entry` gives a fresh object equal to what was put; column readers (`createdMs`, `keyOf`, ...)
 * answer without making one.
 */
export class EntryTable {
  private capacity = 0;
  private rows = 0;
  private live = 0;
  private c: Columns = allocate(0);
  /** Row + 1 per slot, 0 for empty; at most half full. */
  private index = new Int32Array(16);
  private readonly keyStrings = new Map<number, string>();
  private readonly exceptions = new Map<number, Record<string, unknown>>();
  private readonly strings = new Pool<string>();
  private readonly json = new Pool<string>();
  private readonly numbers = new Pool<number>();
  private texts = new TextArena();

  /** Rows ever made; row numbers run from 0 to this (removed rows included). */
  get rowCount(): number {
    return this.rows;
  }

  /** Live rows. */
  get size(): number {
    return this.live;
  }

  isLive(row: number): boolean {
    return row >= 0 && row < this.rows && (this.c.flags[row] & LIVE) !== 0;
  }

  /** The key's row (live or removed), or -1 when the key was never put. */
  rowOf(key: string): number {
    const words = uuidWords(key);
    const mask = this.index.length - 1;
    let slot = (words ? hashWords(...words) : hashString(key)) & mask;
    for (;;) {
      const at = this.index[slot];
      if (at === 0) return -1;
      const row = at - 1;
      if (words ? this.wordsEqual(row, words) : this.keyStrings.get(row) === key) return row;
      slot = (slot + 1) & mask;
    }
  }

  has(key: string): boolean {
    return this.isLive(this.rowOf(key));
  }

  /** The live entry under `key`, as a fresh object. */
  get(key: string): HistoryEntry | undefined {
    const row = this.rowOf(key);
    return this.isLive(row) ? this.entry(row) : undefined;
  }

  /** Stores `e` (fields whose value is undefined are left out, as JSON leaves them); returns its row. */
  put(e: HistoryEntry): number {
    let row = this.rowOf(e.key);
    if (row < 0) row = this.newRow(e.key);
    this.fill(row, e);
    return row;
  }

  /** Removes the key's entry; returns its row, or -1 when it was not there. */
  remove(key: string): number {
    const row = this.rowOf(key);
    if (!this.isLive(row)) return -1;
    this.c.flags[row] &= ~LIVE;
    this.live--;
    this.texts.drop(this.c.textBytes[row]);
    this.exceptions.delete(row);
    // Holes are worth filling once they are as big as what is still used.
    const t = this.texts;
    if (t.deadBytes > BLOCK_BYTES * 4 && t.deadBytes > t.liveBytes) this.compactTexts();
    return row;
  }

  /** The row's entry as a fresh object. */
  entry(row: number): HistoryEntry {
    const c = this.c;
    const exc = this.exceptions.get(row);
    const out: Record<string, unknown> = { key: this.keyOf(row) };
    const created = c.created[row];
    if (c.smsId[row] !== NONE32) out.smsId = c.smsId[row];
    else if (exc && 'smsId' in exc) out.smsId = exc.smsId;
    if (!Number.isNaN(c.destination[row])) out.destination = String(c.destination[row]);
    else if (exc && 'destination' in exc) out.destination = exc.destination;
    this.pooled(out, 'sender', c.sender[row], exc);
    if (c.textBytes[row] !== NONE32) out.text = this.texts.read(c.textBlock[row], c.textStart[row], c.textBytes[row]);
    else if (exc && 'text' in exc) out.text = exc.text;
    this.pooled(out, 'account', c.account[row], exc);
    this.pooled(out, 'accountLabel', c.accountLabel[row], exc);
    const flags = c.flags[row];
    if (flags & HAS_SANDBOX) out.sandbox = (flags & SANDBOX_TRUE) !== 0;
    else if (exc && 'sandbox' in exc) out.sandbox = exc.sandbox;
    this.pooled(out, 'batchId', c.batchId[row], exc);
    this.pooled(out, 'state', c.state[row], exc);
    if (!Number.isNaN(created)) out.createdAt = new Date(created).toISOString();
    else if (exc && 'createdAt' in exc) out.createdAt = exc.createdAt;
    this.gatewayTime(out, 'submittedOn', c.submitted[row], created, exc);
    this.gatewayTime(out, 'lastChangeOn', c.lastChange[row], created, exc);
    this.isoDelta(out, 'updatedAt', c.updated[row], created, exc);
    this.isoDelta(out, 'lastPolledAt', c.polled[row], created, exc);
    this.jsonField(out, 'status', c.status[row], exc);
    if (c.parts[row] !== NONE16) out.parts = c.parts[row];
    else if (exc && 'parts' in exc) out.parts = exc.parts;
    if (c.quantity[row] !== NONE16) out.quantity = c.quantity[row];
    else if (exc && 'quantity' in exc) out.quantity = exc.quantity;
    if (c.charge[row] !== 0) out.charge = this.numbers.values[c.charge[row] - 1];
    else if (exc && 'charge' in exc) out.charge = exc.charge;
    this.jsonField(out, 'error', c.error[row], exc);
    if (c.rev[row] !== NONE32) out.rev = c.rev[row];
    else if (exc && 'rev' in exc) out.rev = exc.rev;
    if (exc) for (const [k, v] of Object.entries(exc)) if (!KNOWN.has(k)) out[k] = copyJson(v);
    return out as unknown as HistoryEntry;
  }

  keyOf(row: number): string {
    if (this.c.flags[row] & KEY_STRING) return this.keyStrings.get(row) as string;
    const w = this.c.keyWords;
    const a = hex8(w[row * 4]);
    const b = hex8(w[row * 4 + 1]);
    const c = hex8(w[row * 4 + 2]);
    const d = hex8(w[row * 4 + 3]);
    return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
  }

  /** createdAt as epoch ms (NaN when it is not a time). */
  createdMs(row: number): number {
    const ms = this.c.created[row];
    if (!Number.isNaN(ms)) return ms;
    const raw = this.exceptions.get(row)?.createdAt;
    return typeof raw === 'string' ? Date.parse(raw) : NaN;
  }

  /** createdAt as stored, for ordering like the strings do. */
  createdText(row: number): string {
    const ms = this.c.created[row];
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
    const raw = this.exceptions.get(row)?.createdAt;
    return typeof raw === 'string' ? raw : '';
  }

  /** True when createdAt is kept as ms (so comparing `createdMs` orders like comparing the strings). */
  createdIsCanonical(row: number): boolean {
    return !Number.isNaN(this.c.created[row]);
  }

  textOf(row: number): string {
    const c = this.c;
    if (c.textBytes[row] !== NONE32) return this.texts.read(c.textBlock[row], c.textStart[row], c.textBytes[row]);
    const raw = this.exceptions.get(row)?.text;
    return typeof raw === 'string' ? raw : '';
  }

  /** Rewrites the live rows' texts into fresh blocks, leaving out what removed rows held. */
  compactTexts(): void {
    const old = this.texts;
    const fresh = new TextArena();
    const c = this.c;
    for (let row = 0; row < this.rows; row++) {
      if (c.textBytes[row] === NONE32) continue;
      if (!(c.flags[row] & LIVE)) {
        c.textBytes[row] = NONE32;
        continue;
      }
      [c.textBlock[row], c.textStart[row], c.textBytes[row]] = fresh.add(old.read(c.textBlock[row], c.textStart[row], c.textBytes[row]));
    }
    this.texts = fresh;
  }

  textStats(): TextStats {
    return this.texts.stats();
  }

  /** Values held in the pools, for tests: strings, JSON objects, numbers. */
  poolSizes(): { strings: number; json: number; numbers: number } {
    return { strings: this.strings.size, json: this.json.size, numbers: this.numbers.size };
  }

  /** Rows keeping some field outside the columns. */
  get exceptionRows(): number {
    return this.exceptions.size;
  }

  /** Slots of the key index (grows to stay at most half full). */
  get indexSlots(): number {
    return this.index.length;
  }

  // ---- internals

  private newRow(key: string): number {
    if (this.rows === this.capacity) this.grow();
    const row = this.rows++;
    const words = uuidWords(key);
    if (words) this.c.keyWords.set(words, row * 4);
    else {
      this.c.flags[row] = KEY_STRING;
      this.keyStrings.set(row, key);
    }
    if ((this.rows + 1) * 2 > this.index.length) this.rehash(this.index.length * 2);
    else this.insertIndex(row, words ? hashWords(...words) : hashString(key));
    return row;
  }

  private grow(): void {
    // 1.5x, so a large history carries at most half its size again in unused rows.
    const capacity = Math.max(1024, Math.ceil(this.capacity * 1.5));
    const next = allocate(capacity);
    for (const name of Object.keys(next) as Array<keyof Columns>) (next[name] as Uint8Array).set(this.c[name] as Uint8Array);
    this.c = next;
    this.capacity = capacity;
  }

  private insertIndex(row: number, hash: number): void {
    const mask = this.index.length - 1;
    let slot = hash & mask;
    while (this.index[slot] !== 0) slot = (slot + 1) & mask;
    this.index[slot] = row + 1;
  }

  private rehash(slots: number): void {
    this.index = new Int32Array(slots);
    const w = this.c.keyWords;
    for (let row = 0; row < this.rows; row++) {
      const hash = this.c.flags[row] & KEY_STRING ? hashString(this.keyStrings.get(row) as string) : hashWords(w[row * 4], w[row * 4 + 1], w[row * 4 + 2], w[row * 4 + 3]);
      this.insertIndex(row, hash);
    }
  }

  private wordsEqual(row: number, words: readonly number[]): boolean {
    if (this.c.flags[row] & KEY_STRING) return false;
    const w = this.c.keyWords;
    const at = row * 4;
    return w[at] === words[0] && w[at + 1] === words[1] && w[at + 2] === words[2] && w[at + 3] === words[3];
  }

  /** Writes every column of `row` from `e`; what does not fit goes to the row's exceptions. */
  private fill(row: number, e: HistoryEntry): void {
    const c = this.c;
    const wasLive = (c.flags[row] & LIVE) !== 0;
    if (!wasLive) this.live++;
    // Texts never change after a message is recorded: an update keeps the text where it is.
    const oldText = wasLive && c.textBytes[row] !== NONE32 ? [c.textBlock[row], c.textStart[row], c.textBytes[row]] as const : undefined;
    let textKept = false;
    c.flags[row] = LIVE | (c.flags[row] & KEY_STRING);
    c.smsId[row] = NONE32;
    c.destination[row] = NaN;
    c.sender[row] = c.account[row] = c.accountLabel[row] = c.batchId[row] = c.state[row] = 0;
    c.status[row] = c.error[row] = c.charge[row] = 0;
    c.parts[row] = c.quantity[row] = NONE16;
    c.rev[row] = NONE32;
    c.textBytes[row] = NONE32;
    c.updated[row] = c.polled[row] = c.submitted[row] = c.lastChange[row] = NO_DELTA;
    const exc: Record<string, unknown> = {};
    let odd = false;
    const keep = (k: string, v: unknown): void => {
      exc[k] = copyJson(v);
      odd = true;
    };
    const record = e as unknown as Record<string, unknown>;
    const createdRaw = record.createdAt;
    const created = typeof createdRaw === 'string' ? isoMs(createdRaw) : NaN;
    c.created[row] = created;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (v === undefined || k === 'key') continue;
      switch (k) {
        case 'createdAt':
          if (Number.isNaN(created)) keep(k, v);
          break;
        case 'smsId':
          if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < NONE32 && !Object.is(v, -0)) c.smsId[row] = v;
          else keep(k, v);
          break;
        case 'destination':
          if (typeof v === 'string' && DIGITS_RE.test(v)) c.destination[row] = Number(v);
          else keep(k, v);
          break;
        case 'sender':
        case 'account':
        case 'accountLabel':
        case 'batchId':
        case 'state':
          if (typeof v === 'string') c[k][row] = this.strings.id(v, v);
          else keep(k, v);
          break;
        case 'text':
          if (typeof v !== 'string' || LONE_SURROGATE_RE.test(v)) keep(k, v);
          else if (oldText && this.texts.read(...oldText) === v) {
            [c.textBlock[row], c.textStart[row], c.textBytes[row]] = oldText;
            textKept = true;
          } else [c.textBlock[row], c.textStart[row], c.textBytes[row]] = this.texts.add(v);
          break;
        case 'sandbox':
          if (typeof v === 'boolean') c.flags[row] |= HAS_SANDBOX | (v ? SANDBOX_TRUE : 0);
          else keep(k, v);
          break;
        case 'updatedAt':
        case 'lastPolledAt': {
          const ms = typeof v === 'string' ? isoMs(v) - created : NaN;
          if (fitsInt32(ms)) (k === 'updatedAt' ? c.updated : c.polled)[row] = ms;
          else keep(k, v);
          break;
        }
        case 'submittedOn':
        case 'lastChangeOn': {
          const s = typeof v === 'string' ? gatewaySeconds(v) - Math.floor(created / 1000) : NaN;
          if (fitsInt32(s)) (k === 'submittedOn' ? c.submitted : c.lastChange)[row] = s;
          else keep(k, v);
          break;
        }
        case 'status':
        case 'error':
          if (typeof v === 'object' && v !== null) {
            const text = JSON.stringify(v);
            c[k][row] = this.json.id(text, text);
          } else keep(k, v);
          break;
        case 'parts':
        case 'quantity':
          if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < NONE16 && !Object.is(v, -0)) c[k][row] = v;
          else keep(k, v);
          break;
        case 'charge':
          if (typeof v === 'number' && !Object.is(v, -0)) c.charge[row] = this.numbers.id(v, v);
          else keep(k, v);
          break;
        case 'rev':
          if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < NONE32 && !Object.is(v, -0)) c.rev[row] = v;
          else keep(k, v);
          break;
        default:
          keep(k, v);
      }
    }
    if (oldText && !textKept) this.texts.drop(oldText[2]);
    if (odd) this.exceptions.set(row, exc);
    else this.exceptions.delete(row);
  }

  private pooled(out: Record<string, unknown>, name: string, id: number, exc: Record<string, unknown> | undefined): void {
    if (id !== 0) out[name] = this.strings.values[id - 1];
    else if (exc && name in exc) out[name] = exc[name];
  }

  private jsonField(out: Record<string, unknown>, name: string, id: number, exc: Record<string, unknown> | undefined): void {
    if (id !== 0) out[name] = JSON.parse(this.json.values[id - 1]);
    else if (exc && name in exc) out[name] = copyJson(exc[name]);
  }

  private isoDelta(out: Record<string, unknown>, name: string, delta: number, created: number, exc: Record<string, unknown> | undefined): void {
    if (delta !== NO_DELTA) out[name] = new Date(created + delta).toISOString();
    else if (exc && name in exc) out[name] = exc[name];
  }

  private gatewayTime(out: Record<string, unknown>, name: string, delta: number, created: number, exc: Record<string, unknown> | undefined): void {
    if (delta !== NO_DELTA) out[name] = gatewayText(Math.floor(created / 1000) + delta);
    else if (exc && name in exc) out[name] = exc[name];
  }
}

function copyJson(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? JSON.parse(JSON.stringify(v)) : v;
}
