// Reads a bulk CSV file from disk without trusting its name: the opened file itself is checked (a pipe,
// a device or a folder is refused before any read, so nothing waits for data that never ends) and its
// size is checked before its bytes are read. Plain Node.
import { constants, promises as fs } from 'node:fs';
import { MAX_CSV_BYTES } from './csv';
import { errCode } from '../gateway/values';

export type CsvFileRefusal =
  | { reason: 'folder' }
  | { reason: 'not-a-file' } // a FIFO, socket or device
  | { reason: 'too-large'; size: number; max: number };

export type CsvFileRead = { ok: true; bytes: Uint8Array } | ({ ok: false } & CsvFileRefusal);

/**
 * The file's bytes, or why it was refused. O_NONBLOCK makes opening a FIFO return at once (without it the
 * open waits for a writer); fstat on the open handle answers for the file that is read, not for a path
 * that may change in between; the read goes on past the size to the file's end and stops one byte past
 * the limit, so a file growing meanwhile is read whole or refused, never cut short.
 */
export async function readCsvFile(file: string, max = MAX_CSV_BYTES): Promise<CsvFileRead> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    // Windows will not open a folder at all.
    if (errCode(e) === 'EISDIR') return { ok: false, reason: 'folder' };
    throw e;
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return { ok: false, reason: 'folder' };
    if (!st.isFile()) return { ok: false, reason: 'not-a-file' };
    if (st.size > max) return { ok: false, reason: 'too-large', size: st.size, max };
    let buf = new Uint8Array(Math.min(st.size, max) + 1);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        if (filled > max) break;
        // More than the size said (the file grew, or the system does not know its size): read on, never
        // stopping short of its end, which would hand on a file cut off mid-row.
        const bigger = new Uint8Array(Math.min(buf.length * 2, max + 1));
        bigger.set(buf);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > max) return { ok: false, reason: 'too-large', size: (await handle.stat()).size, max };
    return { ok: true, bytes: buf.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}
