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
import {
  allocate, below, copyJson, DIGITS_RE, gatewayText, hashString, hashWords, hex8, isoMs, isoText, kept, LONE_SURROGATE_RE,
  msAfter, NO_DELTA, NONE16, NONE32, Pool, resized, secondsAfter, uuidWords, type Columns, type Exceptions,
} from './tableColumns';
import { TEXT_BLOCK_BYTES, TextArena, type TextStats } from './textArena';
import type { EntryStatus, HistoryEntry, RowField, StateFields } from './types';

export type { TextStats };

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
/** An entry's known fields, each of any type (a file may hold anything). */
type Loose = { [K in (typeof FIELDS)[number]]?: unknown };


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
  /** The JSON pool's values parsed once, frozen, for `stateFields`. */
  private readonly parsed: unknown[] = [];
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

  /**
   * Stores `e` (fields whose value is undefined are left out, as JSON leaves them); returns its row.
   * `known`: what `rowOf(e.key)` just gave, when nothing was put or removed since.
   */
  put(e: HistoryEntry, known = this.rowOf(e.key)): number {
    const row = known >= 0 ? known : this.newRow(e.key);
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
    if (t.deadBytes > TEXT_BLOCK_BYTES * 4 && t.deadBytes > t.liveBytes) this.compactTexts();
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
    if (!Number.isNaN(created)) out.createdAt = isoText(created);
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

  /** Orders two rows by key as comparing the key strings would; uuids by their words (same order: fixed layout, lowercase hex). */
  compareKeys(a: number, b: number): number {
    const flags = this.c.flags;
    if ((flags[a] | flags[b]) & KEY_STRING) {
      const x = this.keyOf(a);
      const y = this.keyOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const w = this.c.keyWords;
    for (let i = 0; i < 4; i++) {
      const x = w[a * 4 + i];
      const y = w[b * 4 + i];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
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
    if (!Number.isNaN(ms)) return isoText(ms);
    const raw = this.exceptions.get(row)?.createdAt;
    return typeof raw === 'string' ? raw : '';
  }

  /** True when createdAt is kept as ms (so comparing `createdMs` orders like comparing the strings). */
  createdIsCanonical(row: number): boolean {
    return !Number.isNaN(this.c.created[row]);
  }

  /** What messageState.ts reads, without making the whole entry (the status object is shared and frozen). */
  stateFields(row: number): StateFields {
    const c = this.c;
    const exc = this.exceptions.get(row);
    const out = { createdAt: this.createdText(row) } as StateFields;
    const state = c.state[row] !== 0 ? this.strings.values[c.state[row] - 1] : exc?.state;
    if (state !== undefined) out.state = state as StateFields['state'];
    const status = c.status[row] !== 0 ? this.frozenJson(c.status[row]) : exc?.status;
    if (status !== undefined) out.status = status as EntryStatus;
    const smsId = c.smsId[row] !== NONE32 ? c.smsId[row] : exc?.smsId;
    if (smsId !== undefined) out.smsId = smsId as number;
    return out;
  }

  /** One field of the row, without making the entry. */
  field<K extends RowField>(row: number, name: K): HistoryEntry[K] {
    const c = this.c;
    let v: unknown;
    const f = name as RowField;
    switch (f) {
      case 'text':
        return (c.textBytes[row] !== NONE32 ? this.textOf(row) : this.exceptions.get(row)?.text) as HistoryEntry[K];
      case 'destination':
        v = Number.isNaN(c.destination[row]) ? undefined : String(c.destination[row]);
        break;
      case 'sender':
      case 'batchId':
      case 'account':
      case 'accountLabel':
        v = c[f][row] !== 0 ? this.strings.values[c[f][row] - 1] : undefined;
        break;
      case 'smsId':
      case 'rev':
        v = c[f][row] !== NONE32 ? c[f][row] : undefined;
        break;
      case 'parts':
      case 'quantity':
        v = c[f][row] !== NONE16 ? c[f][row] : undefined;
        break;
      case 'charge':
        v = c.charge[row] !== 0 ? this.numbers.values[c.charge[row] - 1] : undefined;
        break;
      case 'state':
        v = c.state[row] !== 0 ? this.strings.values[c.state[row] - 1] : undefined;
        break;
      case 'status':
      case 'error':
        v = c[f][row] !== 0 ? this.frozenJson(c[f][row]) : undefined;
        break;
    }
    if (v === undefined) v = this.exceptions.get(row)?.[name];
    return v as HistoryEntry[K];
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

  /** Room for `rows` rows at once, for a load that knows how many come (growing 1.5× at a time copied every column a dozen times at 100,000). A hint: more still fit. */
  reserve(rows: number): void {
    if (rows > this.capacity) [this.c, this.capacity] = [resized(this.c, rows), rows];
    if ((rows + 1) * 2 > this.index.length) this.rehash(2 ** Math.ceil(Math.log2((rows + 1) * 2)));
  }

  private grow(): void {
    const capacity = Math.max(1024, Math.ceil(this.capacity * 1.5)); // 1.5x: a large history keeps at most half again unused
    [this.c, this.capacity] = [resized(this.c, capacity), capacity];
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
    // Every known field is read by its name (the entries of a file share one shape) and counted (`++fields`,
    // always true): only an entry with another field, or one set to undefined, pays for a walk over its keys.
    const x = e as unknown as Loose;
    let exc: Record<string, unknown> | undefined;
    let fields = 1; // the key
    let v: unknown;
    const created = typeof x.createdAt === 'string' ? isoMs(x.createdAt) : NaN;
    c.created[row] = created;
    if ((v = x.createdAt) !== undefined && ++fields && Number.isNaN(created)) exc = kept(exc, 'createdAt', v);
    if ((v = x.smsId) !== undefined && ++fields) {
      if (below(v, NONE32)) c.smsId[row] = v;
      else exc = kept(exc, 'smsId', v);
    }
    if ((v = x.destination) !== undefined && ++fields) {
      if (typeof v === 'string' && DIGITS_RE.test(v)) c.destination[row] = Number(v);
      else exc = kept(exc, 'destination', v);
    }
    if ((v = x.sender) !== undefined && ++fields) exc = this.intern(c.sender, row, 'sender', v, exc);
    if ((v = x.account) !== undefined && ++fields) exc = this.intern(c.account, row, 'account', v, exc);
    if ((v = x.accountLabel) !== undefined && ++fields) exc = this.intern(c.accountLabel, row, 'accountLabel', v, exc);
    if ((v = x.batchId) !== undefined && ++fields) exc = this.intern(c.batchId, row, 'batchId', v, exc);
    if ((v = x.state) !== undefined && ++fields) exc = this.intern(c.state, row, 'state', v, exc);
    if ((v = x.text) !== undefined && ++fields) {
      if (typeof v !== 'string' || LONE_SURROGATE_RE.test(v)) exc = kept(exc, 'text', v);
      else if (oldText && this.texts.read(...oldText) === v) {
        [c.textBlock[row], c.textStart[row], c.textBytes[row]] = oldText;
        textKept = true;
      } else [c.textBlock[row], c.textStart[row], c.textBytes[row]] = this.texts.add(v);
    }
    if ((v = x.sandbox) !== undefined && ++fields) {
      if (typeof v === 'boolean') c.flags[row] |= HAS_SANDBOX | (v ? SANDBOX_TRUE : 0);
      else exc = kept(exc, 'sandbox', v);
    }
    if ((v = x.updatedAt) !== undefined && ++fields) exc = msAfter(c.updated, row, 'updatedAt', v, created, exc);
    if ((v = x.lastPolledAt) !== undefined && ++fields) exc = msAfter(c.polled, row, 'lastPolledAt', v, created, exc);
    if ((v = x.submittedOn) !== undefined && ++fields) exc = secondsAfter(c.submitted, row, 'submittedOn', v, created, exc);
    if ((v = x.lastChangeOn) !== undefined && ++fields) exc = secondsAfter(c.lastChange, row, 'lastChangeOn', v, created, exc);
    if ((v = x.status) !== undefined && ++fields) exc = this.jsonId(c.status, row, 'status', v, exc);
    if ((v = x.error) !== undefined && ++fields) exc = this.jsonId(c.error, row, 'error', v, exc);
    if ((v = x.parts) !== undefined && ++fields) {
      if (below(v, NONE16)) c.parts[row] = v;
      else exc = kept(exc, 'parts', v);
    }
    if ((v = x.quantity) !== undefined && ++fields) {
      if (below(v, NONE16)) c.quantity[row] = v;
      else exc = kept(exc, 'quantity', v);
    }
    if ((v = x.charge) !== undefined && ++fields) {
      if (typeof v === 'number' && !Object.is(v, -0)) c.charge[row] = this.numbers.id(v, v);
      else exc = kept(exc, 'charge', v);
    }
    if ((v = x.rev) !== undefined && ++fields) {
      if (below(v, NONE32)) c.rev[row] = v;
      else exc = kept(exc, 'rev', v);
    }
    const keys = Object.keys(x);
    if (keys.length !== fields) {
      for (const k of keys) {
        const other = (x as Record<string, unknown>)[k];
        if (!KNOWN.has(k) && other !== undefined) exc = kept(exc, k, other);
      }
    }
    if (oldText && !textKept) this.texts.drop(oldText[2]);
    if (exc) this.exceptions.set(row, exc);
    else this.exceptions.delete(row);
  }

  /** A string field into the string pool (its id in `column`), or into the exceptions when it is not a string. */
  private intern(column: Uint32Array, row: number, name: string, v: unknown, exc: Exceptions): Exceptions {
    if (typeof v !== 'string') return kept(exc, name, v);
    column[row] = this.strings.id(v, v);
    return exc;
  }

  /** An object field (status, error) into the JSON pool, or into the exceptions when it is not an object. */
  private jsonId(column: Uint32Array, row: number, name: string, v: unknown, exc: Exceptions): Exceptions {
    if (typeof v !== 'object' || v === null) return kept(exc, name, v);
    const text = JSON.stringify(v);
    column[row] = this.json.id(text, text);
    return exc;
  }

  private frozenJson(id: number): unknown {
    let v = this.parsed[id - 1];
    if (v === undefined) this.parsed[id - 1] = v = Object.freeze(JSON.parse(this.json.values[id - 1]) as object);
    return v;
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
    if (delta !== NO_DELTA) out[name] = isoText(created + delta);
    else if (exc && name in exc) out[name] = exc[name];
  }

  private gatewayTime(out: Record<string, unknown>, name: string, delta: number, created: number, exc: Record<string, unknown> | undefined): void {
    if (delta !== NO_DELTA) out[name] = gatewayText(Math.floor(created / 1000) + delta);
    else if (exc && name in exc) out[name] = exc[name];
  }
}

