// The one lock file implementation (history compaction, a batch being sent). Plain Node.
//
// Taking: the lock appears with its owner already written in it (a hard link of a filled file;
// O_EXCL and then fill where the file system has no hard links), so a process killed while taking
// it never leaves an empty lock nobody can judge.
//
// Staleness, one rule for every lock:
//   - this machine's lock is stale when its process is gone, or it was taken before the machine
//     started (the pid may be reused since); a live owner's lock is never broken, however old;
//   - another machine's lock (a shared folder) cannot be checked that way: its owner refreshes the
//     file's time while it holds it, and it is stale when not refreshed for `staleMs`;
//   - a lock that cannot be read (being written, or torn) is stale after 10 s.
// Breaking moves the lock aside first and checks it is still the one judged stale: a window that
// broke the same lock a moment earlier may have put a fresh one there, which is then put back.
import * as os from 'node:os';
import { randomUUID } from 'node:crypto';
import { errCode } from '../gateway/values';
import { readWhole, realFs, removeFile, type DurableFs } from './durable';

export interface LockOwner {
  pid: number;
  host: string;
}

export interface LockContent extends LockOwner {
  nonce: string;
  /** When it was taken, ms since the epoch. */
  at: number;
}

export interface LockOptions {
  fs?: DurableFs;
  /** Who takes the lock; default this process. */
  owner?: LockOwner;
  /** Whether a process id is running on this machine; default `process.kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean;
  /** Another machine's lock is stale when its time was not refreshed for this long. Default 30 s. */
  staleMs?: number;
}

const UNREADABLE_STALE_MS = 10_000;

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM'; // it exists, but belongs to someone else
  }
}

interface Seen {
  text: string;
  content?: LockContent;
  mtimeMs: number;
}

function parse(text: string): LockContent | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const at = typeof o.at === 'number' ? o.at : typeof o.at === 'string' ? Date.parse(o.at) : NaN;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.nonce === 'string' && Number.isFinite(at)) {
      return { pid: o.pid, host: o.host, nonce: o.nonce, at };
    }
  } catch {
    // torn or empty
  }
  return undefined;
}

/** A lock this process holds. */
export class HeldLock {
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    readonly content: LockContent,
    private readonly fs: DurableFs,
    staleMs: number,
  ) {
    // Tell other machines it is alive (this machine's windows check the pid instead).
    this.heartbeat = setInterval(() => void this.fs.utimes(this.file, new Date()).catch(() => undefined), Math.max(1000, staleMs / 3));
    this.heartbeat.unref();
  }

  get nonce(): string {
    return this.content.nonce;
  }

  /** Whether the lock file is still ours (not broken as stale and taken by someone else). */
  async stillHeld(): Promise<boolean> {
    const seen = await readLock(this.fs, this.file);
    return seen?.content?.nonce === this.content.nonce;
  }

  /** Removes the lock if it is still ours. Safe to call twice. */
  async release(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (await this.stillHeld()) await removeFile(this.fs, this.file);
  }
}

async function readLock(fs: DurableFs, file: string): Promise<Seen | undefined> {
  try {
    const [buf, st] = await Promise.all([readWhole(fs, file), fs.stat(file)]);
    const text = buf.toString('utf8');
    return { text, content: parse(text), mtimeMs: Number(st.mtimeMs) };
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export class LockFiles {
  private readonly fs: DurableFs;
  private readonly owner: LockOwner;
  private readonly isAlive: (pid: number) => boolean;
  private readonly staleMs: number;

  constructor(options: LockOptions = {}) {
    this.fs = options.fs ?? realFs;
    this.owner = options.owner ?? { pid: process.pid, host: os.hostname() };
    this.isAlive = options.isAlive ?? defaultIsAlive;
    this.staleMs = options.staleMs ?? 30_000;
  }

  /** Who holds `file` now, if anyone (stale or not). */
  async holder(file: string): Promise<LockContent | undefined> {
    return (await readLock(this.fs, file))?.content;
  }

  /** Whether a live owner holds `file`. */
  async isHeld(file: string): Promise<boolean> {
    const seen = await readLock(this.fs, file);
    return seen !== undefined && !this.isStale(seen);
  }

  /** Whether `holder` is this very process. */
  isMine(holder: LockOwner | undefined): boolean {
    return holder !== undefined && holder.pid === this.owner.pid && holder.host === this.owner.host;
  }

  private isStale(seen: Seen): boolean {
    const now = Date.now();
    const held = seen.content;
    if (!held) return now - seen.mtimeMs > UNREADABLE_STALE_MS;
    if (held.host !== this.owner.host) return now - seen.mtimeMs > this.staleMs;
    if (held.at < now - os.uptime() * 1000 - 60_000) return true; // taken before this machine started
    if (held.pid === this.owner.pid) return false;
    return !this.isAlive(held.pid);
  }

  /** Takes the lock; undefined when a live owner holds it. File errors are thrown. */
  async tryLock(file: string): Promise<HeldLock | undefined> {
    const content: LockContent = { ...this.owner, nonce: randomUUID(), at: Date.now() };
    const text = JSON.stringify(content);
    const filled = `${file}.${content.nonce.slice(0, 8)}.new`;
    const h = await this.fs.open(filled, 'wx');
    try {
      const buf = Buffer.from(text, 'utf8');
      let done = 0;
      while (done < buf.length) {
        const { bytesWritten } = await h.write(buf, done, buf.length - done, done);
        if (bytesWritten <= 0) throw Object.assign(new Error('no space for the lock file'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
    } finally {
      await h.close().catch(() => undefined);
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await this.create(filled, file, text);
          return new HeldLock(file, content, this.fs, this.staleMs);
        } catch (err) {
          const code = errCode(err);
          if (code === 'ENOENT') return undefined; // our filled file was cleared away by a clean-up
          if (code !== 'EEXIST') throw err;
          if (!(await this.breakStale(file))) return undefined;
        }
      }
      return undefined;
    } finally {
      await removeFile(this.fs, filled).catch(() => undefined);
    }
  }

  private async create(filled: string, file: string, text: string): Promise<void> {
    try {
      await this.fs.link(filled, file);
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST' || code === 'ENOENT') throw err;
      // No hard links on this file system (FAT, some network shares): create exclusively, then fill.
      const h = await this.fs.open(file, 'wx');
      try {
        const buf = Buffer.from(text, 'utf8');
        const { bytesWritten } = await h.write(buf, 0, buf.length, 0);
        if (bytesWritten !== buf.length) throw Object.assign(new Error('short write of the lock file'), { code: 'ENOSPC' });
      } catch (e) {
        await h.close().catch(() => undefined);
        await removeFile(this.fs, file).catch(() => undefined);
        throw e;
      }
      await h.close();
    }
  }

  /** True when the lock was stale and is gone now (try again); false when someone really holds it. */
  private async breakStale(file: string): Promise<boolean> {
    const seen = await readLock(this.fs, file);
    if (!seen) return true;
    if (!this.isStale(seen)) return false;
    const grave = `${file}.${randomUUID().slice(0, 8)}.stale`;
    try {
      await this.fs.rename(file, grave);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return true;
      throw err;
    }
    const moved = await readLock(this.fs, grave).catch(() => undefined);
    if (moved && moved.text !== seen.text) {
      await this.fs.link(grave, file).catch(() => undefined);
      await removeFile(this.fs, grave).catch(() => undefined);
      return false;
    }
    await removeFile(this.fs, grave).catch(() => undefined);
    return true;
  }
}
