// Appends to one file with group commit: items resolve in the order they were asked for, each once its
// record is written and, when it asks for it, on disk. Used by the batch journal (src/bulk/batchStore.ts).
import { appendRecord, flushToDisk, type DurableFs, type DurableHandle } from './durable';

interface Waiting<T> {
  item: T;
  sync: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitOptions<T> {
  fs: DurableFs;
  file: string;
  /** Words for errors: what the file is ("batch …"). */
  what: string;
  /** fdatasync the items that ask for it; false: none is synced. */
  durable: boolean;
  /** One record for the items written together: it must start with "\n" (see appendRecord). */
  encode: (items: T[]) => Uint8Array;
  /** Called in order with the items of each record once it is written (and on disk, when one of them asked). */
  done: (items: T[]) => void;
  /** The error an item fails with, from what went wrong. */
  error: (cause: unknown) => unknown;
}

/**
 * - Items asked for while a write is under way go out together in the next record, one write a record,
 *   in order; a record is written even while the one before it is being flushed.
 * - One fdatasync at a time. It covers every record written before it started, and their items resolve
 *   when it returns. Two flushes of one descriptor at once could not be trusted: Linux reports a failed
 *   write-back once per open file, to whichever flush looks first, so the other would succeed for bytes
 *   that never reached the disk.
 * - After a failed write or flush the file is not trusted again: the items not yet resolved and every
 *   later one fail with that error (the file is opened anew by whoever opens it next). A later item must
 *   never be on disk while an earlier one is lost.
 */
export class GroupCommit<T> {
  private readonly queued: Array<Waiting<T>> = [];
  /** Records written and not yet resolved, oldest first. */
  private readonly written: Array<Array<Waiting<T>>> = [];
  private writing = false;
  private flushing = false;
  private broken: { cause: unknown } | undefined;
  private closed = false;
  private fd: DurableHandle | undefined;
  private readonly idle: Array<() => void> = [];

  constructor(private readonly o: GroupCommitOptions<T>) {}

  append(item: T, sync: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) this.broken ??= { cause: new Error(`${this.o.what} is closed`) };
      if (this.broken) {
        reject(this.o.error(this.broken.cause));
        return;
      }
      this.queued.push({ item, sync, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once nothing is queued, written but unresolved, or being flushed. */
  settled(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.pump();
    });
  }

  /** Waits for what is under way, then closes the file. */
  async close(): Promise<void> {
    await this.settled();
    this.closed = true;
    const fd = this.fd;
    this.fd = undefined;
    await fd?.close().catch(() => undefined);
  }

  private pump(): void {
    if (!this.writing && this.queued.length > 0) {
      this.writing = true;
      void this.writeNext();
    }
    if (!this.flushing && this.written.length > 0) this.flushWritten();
    if (!this.writing && !this.flushing && this.queued.length === 0 && this.written.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async writeNext(): Promise<void> {
    const record = this.queued.splice(0);
    try {
      if (this.broken) throw this.broken.cause;
      this.fd ??= await this.o.fs.open(this.o.file, 'a');
      await appendRecord(this.fd, this.o.encode(record.map((w) => w.item)), { sync: false, what: this.o.what, file: this.o.file });
      this.written.push(record);
    } catch (e) {
      // Nothing after this is written; records written before it that no flush has started on fail too.
      this.broken ??= { cause: e };
      this.reject(record, e);
    } finally {
      this.writing = false;
      this.pump();
    }
  }

  private flushWritten(): void {
    const records = this.written.splice(0);
    if (this.broken) {
      this.settle(records, this.broken);
      return;
    }
    if (!this.o.durable || !records.some((r) => r.some((w) => w.sync))) {
      this.settle(records);
      return;
    }
    if (!this.fd) {
      this.broken = { cause: new Error(`${this.o.what}: written, but its file is no longer open to flush`) };
      this.settle(records, this.broken);
      return;
    }
    this.flushing = true;
    flushToDisk(this.fd, { what: this.o.what, file: this.o.file })
      .then(
        () => this.settle(records),
        (cause: unknown) => {
          this.broken = { cause };
          this.settle(records, this.broken);
        },
      )
      .finally(() => {
        this.flushing = false;
        this.pump();
      });
  }

  private settle(records: Array<Array<Waiting<T>>>, failed?: { cause: unknown }): void {
    for (const record of records) {
      if (failed) {
        this.reject(record, failed.cause);
        continue;
      }
      try {
        this.o.done(record.map((w) => w.item));
      } catch {
        // the caller's bookkeeping; the items are on disk whatever it did
      }
      for (const w of record) w.resolve();
    }
  }

  private reject(record: Array<Waiting<T>>, cause: unknown): void {
    let err: unknown = cause;
    try {
      err = this.o.error(cause);
    } catch {
      // keep the cause itself
    }
    for (const w of record) w.reject(err);
  }
}
