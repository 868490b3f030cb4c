// A DurableFs over the real disk that fails one chosen step the way a disk does: a short write, an
// errno (ENOSPC, EIO, EACCES, EPERM), or a crash (the process is gone: from that step on nothing
// reaches the disk). Files are real, in a real temp folder; only the failure is made up.
//
// Usage: run a scenario once with `new FaultyFs()` to get its `trace` (every step, numbered), then
// once per (step, fault) with `new FaultyFs({ at: n, fault })`. Used by the fault*.test.ts suites
// and meant for any other write path (the send path) that takes a DurableFs.
import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { realFs, type DurableFs, type DurableHandle } from '../../src/common/durable';

export type FsOp = 'open' | 'read' | 'write' | 'sync' | 'datasync' | 'fstat' | 'close' | 'rename' | 'unlink' | 'link' | 'readdir' | 'stat' | 'mkdir' | 'utimes';

export interface FsStep {
  n: number;
  op: FsOp;
  file: string;
  /** For open: the flags. */
  flags?: string;
}

export type Errno = 'ENOSPC' | 'EIO' | 'EACCES' | 'EPERM';

export type Fault =
  /** The step fails with this code; with `persist`, every later step of the same op fails too (a full disk stays full). */
  | { kind: 'errno'; code: Errno; persist?: boolean }
  /** A write stores only part of its bytes and says so: 1 byte (first), half (middle), all but 1 (last). Then the disk is full, or not. */
  | { kind: 'short'; cut: 'first' | 'middle' | 'last'; then: 'ok' | 'ENOSPC' }
  /** The process dies before the step (or, `torn`, half-way through a write). */
  | { kind: 'crash'; torn?: boolean };

export const ERRNOS: readonly Errno[] = ['ENOSPC', 'EIO', 'EACCES', 'EPERM'];

export class CrashError extends Error {
  constructor() {
    super('crashed (simulated): the process is gone');
  }
}

function errnoError(code: string, op: FsOp, file: string): NodeJS.ErrnoException {
  const text: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EIO: 'i/o error',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
  };
  return Object.assign(new Error(`${code}: ${text[code] ?? code}, ${op} '${file}'`), { code, syscall: op, path: file });
}

/** Which faults make sense at a step: short writes and torn crashes only for writes. */
export function faultsFor(step: FsStep): Fault[] {
  const out: Fault[] = ERRNOS.map((code): Fault => ({ kind: 'errno', code }));
  out.push({ kind: 'crash' });
  if (step.op === 'write') {
    out.push({ kind: 'crash', torn: true });
    for (const cut of ['first', 'middle', 'last'] as const) for (const then of ['ok', 'ENOSPC'] as const) out.push({ kind: 'short', cut, then });
  }
  return out;
}

export function describeFault(f: Fault): string {
  if (f.kind === 'errno') return f.code + (f.persist ? ' (persistent)' : '');
  if (f.kind === 'short') return `short write (${f.cut}, then ${f.then === 'ok' ? 'space again' : 'ENOSPC'})`;
  return f.torn ? 'crash half-way through the write' : 'crash before the step';
}

export class FaultyFs implements DurableFs {
  readonly trace: FsStep[] = [];
  crashed = false;
  /** Whether the planned fault was reached. */
  fired = false;
  private persistOp: FsOp | undefined;
  private fullAfterShort = false;
  private readonly open_ = new Set<DurableHandle>();

  constructor(
    private readonly plan?: { at: number; fault: Fault },
    private readonly real: DurableFs = realFs,
  ) {}

  /**
   * Runs one step: counts it, then applies the fault if this is its step. `run` gets how many bytes
   * a write may store (a short write), or undefined for all.
   */
  private async step<T>(op: FsOp, file: string, run: (limit?: number) => Promise<T>, writeLength?: number, flags?: string): Promise<T> {
    if (this.crashed) throw new CrashError();
    const n = this.trace.length;
    this.trace.push({ n, op, file, ...(flags ? { flags } : {}) });
    if (this.persistOp === op) throw errnoError((this.plan!.fault as { code: Errno }).code, op, file);
    if (this.fullAfterShort && op === 'write') throw errnoError('ENOSPC', op, file);
    if (!this.plan || this.plan.at !== n) return run();
    this.fired = true;
    const f = this.plan.fault;
    if (f.kind === 'errno') {
      if (f.persist) this.persistOp = op;
      throw errnoError(f.code, op, file);
    }
    if (f.kind === 'crash') {
      if (f.torn && op === 'write' && writeLength !== undefined && writeLength > 1) await run(Math.floor(writeLength / 2));
      this.crashed = true;
      throw new CrashError();
    }
    if (op !== 'write' || writeLength === undefined || writeLength < 2) return run();
    const limit = f.cut === 'first' ? 1 : f.cut === 'middle' ? Math.floor(writeLength / 2) : writeLength - 1;
    if (f.then === 'ENOSPC') this.fullAfterShort = true;
    return run(limit);
  }

  /** Closes what the "crashed" process left open (the kernel would), so the test leaks nothing. */
  async closeAll(): Promise<void> {
    for (const h of this.open_) await h.close().catch(() => undefined);
    this.open_.clear();
  }

  async open(file: string, flags: string): Promise<DurableHandle> {
    const real = await this.step('open', file, () => this.real.open(file, flags), undefined, flags);
    if (this.crashed) {
      // "Crashed" while this open was under way (a step run alongside it): the kernel closes it.
      await real.close().catch(() => undefined);
      throw new CrashError();
    }
    this.open_.add(real);
    const step = this.step.bind(this);
    const opened = this.open_;
    const handle: DurableHandle = {
      write: (buffer, offset, length, position) =>
        step('write', file, (limit) => real.write(buffer, offset, limit === undefined ? length : Math.min(limit, length), position), length),
      read: (buffer, offset, length, position) => step('read', file, () => real.read(buffer, offset, length, position)),
      stat: (): Promise<BigIntStats> => step('fstat', file, () => real.stat()),
      sync: () => step('sync', file, () => real.sync()),
      datasync: () => step('datasync', file, () => real.datasync()),
      close: async () => {
        try {
          await step('close', file, () => real.close());
          opened.delete(real);
        } catch (err) {
          if (!(err instanceof CrashError)) {
            // close(2) releases the descriptor even when it reports an error
            await real.close().catch(() => undefined);
            opened.delete(real);
          }
          throw err;
        }
      },
    };
    return handle;
  }

  rename(from: string, to: string): Promise<void> {
    return this.step('rename', from, () => this.real.rename(from, to));
  }
  unlink(file: string): Promise<void> {
    return this.step('unlink', file, () => this.real.unlink(file));
  }
  link(existing: string, newPath: string): Promise<void> {
    return this.step('link', newPath, () => this.real.link(existing, newPath));
  }
  readdir(dir: string): Promise<string[]> {
    return this.step('readdir', dir, () => this.real.readdir(dir));
  }
  stat(file: string): Promise<BigIntStats> {
    return this.step('stat', file, () => this.real.stat(file));
  }
  mkdir(dir: string): Promise<void> {
    return this.step('mkdir', dir, () => this.real.mkdir(dir));
  }
  utimes(file: string, time: Date): Promise<void> {
    return this.step('utimes', file, () => this.real.utimes(file, time));
  }
}

/** Words a user can act on: what failed, and what to do about it. */
export const PLAIN_ERROR = /(disk is full|Permission denied|input\/output error|Another program|read-only)[^]*(Free some space|Check|Close that program|Make the folder writable)/;

export interface FaultRun {
  dir: string;
  step: FsStep;
  fault: Fault;
  fsx: FaultyFs;
  /** What the scenario threw, if it did. */
  failed: unknown;
}

/**
 * Runs `scenario` once without faults to learn its steps, then once per (step, fault that fits
 * it), each in a fresh temp folder set up by `prepare`, and hands each outcome to `check`.
 * Returns how many combinations ran.
 */
export async function everyFault(
  scenario: (fsx: FaultyFs, dir: string) => Promise<unknown>,
  check: (run: FaultRun) => void | Promise<void>,
  prepare: (dir: string) => void = () => undefined,
): Promise<number> {
  const fresh = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inviosmart-fault-'));
    prepare(dir);
    return dir;
  };
  const cleanDir = fresh();
  const clean = new FaultyFs();
  try {
    await scenario(clean, cleanDir);
  } finally {
    fs.rmSync(cleanDir, { recursive: true, force: true });
  }
  let combinations = 0;
  for (const step of clean.trace) {
    for (const fault of faultsFor(step)) {
      const dir = fresh();
      try {
        const fsx = new FaultyFs({ at: step.n, fault });
        let failed: unknown;
        await scenario(fsx, dir).catch((e: unknown) => (failed = e));
        await fsx.closeAll();
        combinations++;
        await check({ dir, step, fault, fsx, failed });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return combinations;
}
