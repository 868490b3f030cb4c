// The history's file formats, without any I/O: journal lines, tombstones and the snapshot document.
//
//   journal line    one JSON entry (HistoryEntry) or tombstone ({removed, at}) per line; a record
//                   is "\n" + lines + "\n", so a line a killed or short write left torn stands alone
//   snapshot        {"format":"inviosmart-sms-history","version":1,…,"entries":[ one entry a line ],
//                   "removed":[ one tombstone a line ]}; read line by line in slices (one JSON.parse
//                   a line, so no single task grows with the history), keeping what it can when
//                   damaged; a snapshot not laid out a record a line is read with one JSON.parse
import type { Slicer } from './slices';
import type { HistoryEntry } from './types';
import type { HistoryState } from './state';

export const SNAPSHOT_FILE = 'history.snapshot.json';
export const JOURNAL_FILE = 'history.journal.jsonl';
export const LOCK_FILE = 'history.lock';
export const REJECTED_FILE = 'history.rejected.txt';
export const SEALED_RE = /^history\.journal\.[\w-]+\.sealed\.jsonl$/;
export const TEMP_RE = /^history\.snapshot\.json\.[\w-]+\.tmp$/;
export const STALE_LOCK_RE = /^history\.lock\.[\w-]+\.(stale|new)$/;
const SNAPSHOT_FORMAT = 'inviosmart-sms-history';
const SNAPSHOT_VERSION = 1;


export interface Tombstone {
  removed: string;
  at: string;
}

export function isTombstone(o: unknown): o is Tombstone {
  if (typeof o !== 'object' || o === null) return false;
  const t = o as Record<string, unknown>;
  return typeof t.removed === 'string' && typeof t.at === 'string' && !('key' in t);
}

export function entryLine(e: HistoryEntry): string {
  return JSON.stringify(e);
}

/** The non-empty lines of `buf[0..end)`, in order. */
function* linesOf(buf: Buffer, end: number): Generator<string> {
  let start = 0;
  while (start < end) {
    let nl = buf.indexOf(10, start);
    if (nl < 0 || nl > end) nl = end;
    if (nl > start) yield buf.toString('utf8', start, nl);
    start = nl + 1;
  }
}

/** Reads every line of `buf[0..end)` into the state; returns how many non-empty lines there were. */
export function applyLines(state: HistoryState, buf: Buffer, end: number): number {
  let lines = 0;
  for (const line of linesOf(buf, end)) {
    lines++;
    state.applyLine(line);
  }
  return lines;
}

/** `applyLines` in slices: the same lines in the same order, with a turn for the event loop between slices. */
export async function applyLinesSliced(state: HistoryState, buf: Buffer, end: number, slicer: Slicer): Promise<number> {
  let lines = 0;
  for (const line of linesOf(buf, end)) {
    lines++;
    state.applyLine(line);
    const turn = slicer.step();
    if (turn) await turn;
  }
  return lines;
}

/** Reads a snapshot: one JSON.parse when it is intact, line by line (keeping what it can) when not. */
export function applySnapshot(state: HistoryState, text: string): number {
  let doc: { format?: unknown; entries?: unknown; removed?: unknown } | undefined;
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    doc = undefined;
  }
  if (doc && typeof doc === 'object' && doc.format === SNAPSHOT_FORMAT && Array.isArray(doc.entries)) {
    for (const e of doc.entries) state.applyObject(e);
    if (Array.isArray(doc.removed)) for (const t of doc.removed) state.applyObject(t);
    return doc.entries.length;
  }
  // Damaged: every entry sits on its own line ending in ',' (but the last), so most can be saved.
  let count = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(`{"format"`) || line.startsWith(']')) continue;
    const body = line.endsWith(',') ? line.slice(0, -1) : line;
    if (state.applyLine(body)) count++;
  }
  return count;
}

const SNAPSHOT_HEAD = `{"format":${JSON.stringify(SNAPSHOT_FORMAT)},`;
const ENTRIES_OPEN = ',"entries":[';

/** Beyond this the header's count is not believed (retention keeps 100,000 by default). */
const MAX_COUNT_HINT = 2_000_000;
/** No record as `entryLine` writes it is shorter: a count the file's size cannot hold is not believed either. */
const MIN_RECORD_BYTES = 100;

/** The `count` of a snapshot's header line (`{"format":…,"count":N,"entries":[`), or 0 when it has none that is sane. */
export function countHint(head: string): number {
  try {
    const count = (JSON.parse(`${head.slice(0, -ENTRIES_OPEN.length)}}`) as { count?: unknown }).count;
    return typeof count === 'number' && Number.isInteger(count) && count > 0 && count <= MAX_COUNT_HINT ? count : 0;
  } catch {
    return 0;
  }
}

/**
 * The rows to make room for before a snapshot is read: its header's count (the first line of `head`) and a
 * sixteenth more for the journal after it; 0 when the header says nothing sane or more than a file of
 * `fileBytes` can hold (a damaged or hostile count must not make every window allocate for millions).
 */
export function roomHinted(head: Buffer, fileBytes: number): number {
  const nl = head.indexOf(10);
  const count = nl < 0 ? 0 : countHint(head.toString('utf8', 0, nl).trim());
  return count === 0 || count > fileBytes / MIN_RECORD_BYTES ? 0 : count + Math.ceil(count / 16);
}

/**
 * Reads a snapshot a line at a time, in slices. `snapshotChunks` writes the header (ending in
 * `"entries":[`), one entry a line, `],"removed":[`, one tombstone a line, then `]}`; each record is
 * read on its own, so an intact snapshot gives what one JSON.parse of it gives and a damaged one
 * keeps every line that still reads (as `applySnapshot` does). A snapshot laid out otherwise goes
 * to `applySnapshot` whole. Returns the number of entries.
 */
export async function applySnapshotSliced(state: HistoryState, buf: Buffer, slicer: Slicer): Promise<number> {
  const firstNl = buf.indexOf(10);
  const head = buf.toString('utf8', 0, firstNl < 0 ? Math.min(buf.length, 4096) : firstNl).trim();
  if (!head.startsWith(SNAPSHOT_HEAD) || !head.endsWith(ENTRIES_OPEN)) return applySnapshot(state, buf.toString('utf8'));
  // The header's count, a hint: room for that many (and a journal's worth more) before the first row.
  state.reserve(roomHinted(buf, buf.length));
  let entries = 0;
  let inEntries = true;
  let start = firstNl + 1;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    if (buf[start] === 0x7b /* { */) {
      // A record as snapshotChunks writes it: the object, then ',' unless it is the last.
      let stop = nl;
      while (stop > start && (buf[stop - 1] === 0x0d || buf[stop - 1] === 0x20)) stop--;
      if (stop > start && buf[stop - 1] === 0x2c /* , */) stop--;
      if (inEntries) entries++;
      state.applyLine(buf.toString('utf8', start, stop));
    } else if (nl > start) {
      const line = buf.toString('utf8', start, nl).trim();
      if (line.startsWith(']')) inEntries = false;
      else if (line !== '') {
        if (inEntries) entries++;
        state.applyLine(line.endsWith(',') ? line.slice(0, -1) : line);
      }
    }
    start = nl + 1;
    const turn = slicer.step();
    if (turn) await turn;
  }
  return entries;
}

/**
 * The snapshot in chunks of about 1 MiB, the entries read from `entries` as they are written (so
 * no copy of the whole history is made first; a slicer in `entries` gives the event loop its turns).
 * `count` goes in the header (a hint: the reader makes room for that many rows at once, `countHint`, but
 * nothing relies on it being right; compaction's is the rows at the
 * seal, one more than written for each row removed while writing). One `entryLine` a record, as always.
 */
export async function* snapshotChunks(count: number, entries: AsyncIterable<HistoryEntry> | Iterable<HistoryEntry>, tombstones: Array<[string, string]>): AsyncGenerator<string> {
  let chunk = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, writtenAt: new Date().toISOString(), count }).slice(0, -1) + ',"entries":[\n';
  let first = true;
  for await (const e of entries) {
    chunk += (first ? '' : ',\n') + entryLine(e);
    first = false;
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  chunk += (first ? '' : '\n') + '],"removed":[\n';
  for (let i = 0; i < tombstones.length; i++) {
    const [removed, at] = tombstones[i];
    chunk += JSON.stringify({ removed, at } satisfies Tombstone) + (i + 1 < tombstones.length ? ',\n' : '\n');
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + ']}\n';
}
