// The one way this extension writes a file that matters (history snapshot and journal, batch plan
// and journal, markers, exports). Plain Node, no `vscode`.
//
// Why our own module and not write-file-atomic / proper-lockfile: write-file-atomic fsyncs the file
// but not the folder, does not read back what it wrote before the rename, and has no appends;
// neither lets a test put faults between the code and the disk. What we need is small: the
// `DurableFs` boundary below (the real one is node:fs/promises), so the unit suite can inject a
// short write, ENOSPC, EIO, EACCES/EPERM or a crash at any single step (test/unit/fault*.test.ts).
//
// Rules kept here, so no caller can forget one:
//   - every byte is written: a short write is continued (whole files) or the record written again
//     whole (appends), never taken for success;
//   - a new file is written to a temp name, fsynced, checked (size, and parse where the caller
//     says how) and only then renamed into place; the folder is fsynced after the rename;
//   - only ENOENT means "not there": every other error is an error, with words saying what to do.
import type { BigIntStats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { errCode } from '../gateway/values';

/** The file calls durable writes use: node:fs/promises in the product, a faulty one in tests. */
export interface DurableHandle {
  write(buffer: Uint8Array, offset: number, length: number, position?: number | null): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  stat(): Promise<BigIntStats>;
  sync(): Promise<void>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export interface DurableFs {
  open(file: string, flags: string): Promise<DurableHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  link(existing: string, newPath: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  stat(file: string): Promise<BigIntStats>;
  mkdir(dir: string): Promise<void>;
  utimes(file: string, time: Date): Promise<void>;
}

class RealHandle implements DurableHandle {
  constructor(private readonly h: fsp.FileHandle) {}
  write(buffer: Uint8Array, offset: number, length: number, position?: number | null): Promise<{ bytesWritten: number }> {
    return this.h.write(buffer, offset, length, position ?? null);
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }> {
    return this.h.read(buffer, offset, length, position);
  }
  stat(): Promise<BigIntStats> {
    return this.h.stat({ bigint: true });
  }
  sync(): Promise<void> {
    return this.h.sync();
  }
  datasync(): Promise<void> {
    return this.h.datasync();
  }
  close(): Promise<void> {
    return this.h.close();
  }
}

export const realFs: DurableFs = {
  open: async (file, flags) => new RealHandle(await fsp.open(file, flags)),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  link: (existing, newPath) => fsp.link(existing, newPath),
  readdir: (dir) => fsp.readdir(dir),
  stat: (file) => fsp.stat(file, { bigint: true }),
  mkdir: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
  utimes: (file, time) => fsp.utimes(file, time, time),
};

export type DurableErrorKind = 'disk-full' | 'permission' | 'io' | 'busy' | 'read-only' | 'other';

/**
 * A file operation that failed, with a plain message: what failed, on which file, and what to do.
 * `code` is the system's (ENOSPC, EIO, …), `kind` its meaning for the user.
 */
export class DurableError extends Error {
  readonly kind: DurableErrorKind;
  constructor(
    readonly code: string,
    readonly op: string,
    readonly file: string,
    readonly what: string,
    detail?: string,
  ) {
    const kind = kindOf(code);
    super(plainMessage(kind, op, file, what, detail));
    this.name = 'DurableError';
    this.kind = kind;
  }
}

/** The kind of a file-system error code, shared by the store's messages and the UI's (commands/errors.ts). */
export function kindOf(code: string): DurableErrorKind {
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' || code === 'SHORT_WRITE') return 'disk-full';
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  if (code === 'EIO') return 'io';
  if (code === 'EBUSY' || code === 'ETXTBSY') return 'busy';
  if (code === 'EROFS') return 'read-only';
  return 'other';
}

function plainMessage(kind: DurableErrorKind, op: string, file: string, what: string, detail?: string): string {
  const where = `${what} (${file})`;
  switch (kind) {
    case 'disk-full':
      return `The disk is full (or a file-size limit was reached): could not ${op} ${where}. Free some space, then try again. Nothing already saved was lost.`;
    case 'permission':
      return `Permission denied: could not ${op} ${where}. Check that your user can read and write this folder and its files (owner and permissions), then try again. Nothing was deleted.`;
    case 'io':
      return `The disk reported an input/output error: could not ${op} ${where}. Check the disk or its connection (a network or removable drive), then try again. Nothing was deleted.`;
    case 'busy':
      return `Another program is using ${where}, so it could not ${op} it. Close that program (a virus scanner or a backup tool, often), then try again.`;
    case 'read-only':
      return `The disk holding ${where} is read-only, so it could not ${op} it. Make the folder writable, then try again.`;
    default:
      return `Could not ${op} ${where}${detail ? `: ${detail}` : ''}.`;
  }
}

/** Turns a failure of `op` on `file` into a DurableError (kept as is when it is one already). */
export function fileError(err: unknown, op: string, file: string, what: string): DurableError {
  if (err instanceof DurableError) return err;
  const code = errCode(err) ?? 'EUNKNOWN';
  return new DurableError(code, op, file, what, err instanceof Error ? err.message : String(err));
}

/** Runs one step; a failure becomes a DurableError saying what failed and what to do. */
async function step<T>(what: string, op: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fileError(err, op, file, what);
  }
}

/**
 * Writes every byte of `buf` at `position` (continuing after short writes). A write that makes no
 * progress and raises nothing is the disk full by another name: it becomes ENOSPC.
 */
export async function writeAll(h: DurableHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await h.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error(`no space: ${done} of ${buf.length} bytes written`), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

/**
 * Appends one record to a descriptor opened with 'a'/'a+' and returns once all of it is written
 * (and on disk with `sync`). The record must start with "\n": a short write is answered by writing
 * the whole record again, whose leading newline ends the torn piece, so readers (which skip lines
 * they cannot parse) see either nothing or the whole record; a piece is never continued, because
 * another process may have appended between the two writes.
 */
export async function appendRecord(h: DurableHandle, record: Uint8Array, options: { sync: boolean; what: string; file: string }): Promise<void> {
  if (record[0] !== 10) throw new Error('appendRecord: a record must start with a newline');
  await step(options.what, 'write', options.file, async () => {
    for (let attempt = 0; ; attempt++) {
      const { bytesWritten } = await h.write(record, 0, record.length, null);
      if (bytesWritten === record.length) break;
      if (bytesWritten <= 0 || attempt >= 3) {
        throw Object.assign(new Error(`short write: ${bytesWritten} of ${record.length} bytes`), { code: 'ENOSPC' });
      }
    }
  });
  if (options.sync) await flushToDisk(h, options);
}

/** fdatasync of an appended file; a failure becomes a DurableError ("flush to disk"). */
export function flushToDisk(h: DurableHandle, where: { what: string; file: string }): Promise<void> {
  return step(where.what, 'flush to disk', where.file, () => h.datasync());
}

/** The whole of a file (one read per chunk the system gives, one buffer). */
export async function readWhole(fs: DurableFs, file: string): Promise<Buffer> {
  const h = await fs.open(file, 'r');
  try {
    const size = Number((await h.stat()).size);
    // One byte spare: the read that finds the end then needs no bigger buffer (a copy of the whole file).
    let buf = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2); // it grew while we read (an append)
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await h.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buf.subarray(0, filled);
  } finally {
    await h.close().catch(() => undefined);
  }
}

/** The file's contents, or undefined when it does not exist (only ENOENT: other errors are thrown). */
export async function readIfExists(fs: DurableFs, file: string): Promise<Buffer | undefined> {
  try {
    return await readWhole(fs, file);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function statIfExists(fs: DurableFs, file: string): Promise<BigIntStats | undefined> {
  try {
    return await fs.stat(file);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Deletes a file; true when it is gone (it was, or now is). Only ENOENT counts as gone already. */
export async function removeFile(fs: DurableFs, file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Windows refuses to replace a file another process is reading for a moment; try again briefly. */
async function renameWithRetry(fs: DurableFs, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (err) {
      const code = errCode(err);
      if (process.platform !== 'win32' || attempt >= 20 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw err;
      await delay(25 * (attempt + 1));
    }
  }
}

/** Codes that mean "this file system cannot fsync a folder", not that anything failed. */
const NO_DIR_SYNC = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EBADF', 'EPERM', 'EACCES']);

/**
 * Makes a rename or a new file in `dir` survive power loss. Where the file system cannot do it
 * (Windows, some network drives) it is skipped: the rename itself is still atomic. An I/O error is thrown.
 */
export async function fsyncDir(dir: string, fs: DurableFs = realFs): Promise<void> {
  if (process.platform === 'win32') return; // folders cannot be opened for fsync there
  let h: DurableHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch (err) {
    if (!NO_DIR_SYNC.has(errCode(err) ?? '')) throw fileError(err, 'flush to disk', dir, 'the folder');
  } finally {
    await h?.close().catch(() => undefined);
  }
}

export type Chunks = Uint8Array | string | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

export interface WriteFileOptions {
  fs?: DurableFs;
  /** Words for messages: "the message history", "batch bulk-…". */
  what: string;
  /** fsync the file and the folder. Default true (false only for tests that measure something else). */
  sync?: boolean;
  /**
   * Checks the bytes as read back from the temp file before the rename commits them (parse it,
   * count entries, compare a digest); false or a throw refuses the write. Without it only the size
   * is checked. It may take its time in slices (a promise).
   */
  verify?: (written: Buffer) => boolean | Promise<boolean>;
}

/** A temp file written, synced and verified, waiting for `commit`. */
export interface TempFile {
  readonly path: string;
  readonly target: string;
  readonly bytes: number;
}

function toBuffer(c: Uint8Array | string): Uint8Array {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}

async function* chunksOf(data: Chunks): AsyncIterable<Uint8Array> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    yield toBuffer(data);
    return;
  }
  for await (const c of data as AsyncIterable<Uint8Array | string>) yield toBuffer(c);
}

/** The temp name used for `target`; callers that clean up leftovers match `<name>.<id>.tmp`. */
export function tempNameFor(target: string): string {
  return `${target}.${randomUUID().slice(0, 8)}.tmp`;
}

/**
 * Writes `data` to a new temp file beside `target`: every byte, fsynced, size checked, and
 * verified by `verify` when given. Nothing is replaced yet: `commit` does that. The temp file is
 * removed when any step fails.
 */
export async function writeTemp(target: string, data: Chunks, options: WriteFileOptions): Promise<TempFile> {
  const fs = options.fs ?? realFs;
  const sync = options.sync !== false;
  const temp = tempNameFor(target);
  const { what } = options;
  let bytes = 0;
  try {
    const h = await step(what, 'create', temp, () => fs.open(temp, 'wx'));
    try {
      for await (const chunk of chunksOf(data)) {
        await step(what, 'write', temp, () => writeAll(h, chunk, bytes));
        bytes += chunk.length;
      }
      if (sync) await step(what, 'flush to disk', temp, () => h.sync());
      const size = Number((await step(what, 'check', temp, () => h.stat())).size);
      if (size !== bytes) throw new DurableError('SHORT_WRITE', 'write', temp, what, `${size} of ${bytes} bytes on disk`);
    } finally {
      await h.close().catch(() => undefined);
    }
    if (options.verify) {
      const back = await step(what, 'read back', temp, () => readWhole(fs, temp));
      let ok: boolean;
      try {
        ok = back.length === bytes && (await options.verify(back));
      } catch {
        ok = false;
      }
      if (!ok) throw new DurableError('EIO', 'verify', temp, what, 'what was read back differs from what was written');
    }
    return { path: temp, target, bytes };
  } catch (err) {
    await removeFile(fs, temp).catch(() => undefined);
    throw err;
  }
}

/** Renames a verified temp file into place and fsyncs the folder. Removes the temp file on failure. */
export async function commit(temp: TempFile, options: Pick<WriteFileOptions, 'fs' | 'what' | 'sync'>): Promise<void> {
  const fs = options.fs ?? realFs;
  try {
    await step(options.what, 'replace', temp.target, () => renameWithRetry(fs, temp.path, temp.target));
  } catch (err) {
    await removeFile(fs, temp.path).catch(() => undefined);
    throw err;
  }
  if (options.sync !== false) await fsyncDir(path.dirname(temp.target), fs);
}

/** Replaces `target` with `data` atomically and durably (writeTemp + commit). Returns the bytes written. */
export async function writeFileDurable(target: string, data: Chunks, options: WriteFileOptions): Promise<number> {
  const temp = await writeTemp(target, data, options);
  await commit(temp, options);
  return temp.bytes;
}
