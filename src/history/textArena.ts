// The texts of an EntryTable (table.ts): UTF-8 in blocks, the open block plain, full blocks sealed
// with deflateRaw (texts repeat words: a quarter of the bytes), a few recently read blocks kept
// inflated. Texts never change after a message is recorded; one no row uses any more is a hole
// until the table rewrites the live texts into a fresh arena.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Uncompressed bytes of texts gathered before a block is sealed. */
export const TEXT_BLOCK_BYTES = 64 * 1024;
/** Inflated sealed blocks kept for reading. */
const CACHED_BLOCKS = 4;

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

/** The texts of every row. */
export class TextArena {
  private sealed: Buffer[] = [];
  private open = Buffer.allocUnsafe(TEXT_BLOCK_BYTES);
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
    if (this.openUsed >= TEXT_BLOCK_BYTES) this.seal();
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
    this.open = Buffer.allocUnsafe(TEXT_BLOCK_BYTES);
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
