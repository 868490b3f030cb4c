// The history store under disk faults: every step of a session (open, record, update, remove,
// compact, record again, close) is failed once with each fault that fits it (ENOSPC, EIO, EACCES,
// EPERM, a crash before it; for writes also a crash half-way and short writes at the first, middle
// and last byte, followed by space again or by ENOSPC). Real files in a temp folder; the fault is
// injected at the DurableFs boundary (faultFs.ts). For every combination, read back from disk:
//   - every change the store acknowledged (a resolved record/update/remove) is there;
//   - every error the store raised says in words what failed and what to do;
//   - afterwards the history opens and compacts normally, still holding all of it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore, loadHistory, JOURNAL_FILE, type HistoryStoreOptions } from '../../src/history/store';
import type { HistoryEntry } from '../../src/history/types';
import { describeFault, FaultyFs, faultsFor, PLAIN_ERROR, type Fault } from './faultFs';
import { draft, removeDir, tempDir } from './fixtures/historyHelpers';

/** A process id that existed and is gone: the owner a crashed window leaves in its lock. */
const DEAD_PID = spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999_999;

interface Outcome {
  /** key → the rev the store acknowledged. */
  acked: Map<string, number>;
  removed: Set<string>;
  errors: unknown[];
}

const QUIET: HistoryStoreOptions = { watch: false, pollIntervalMs: 0, autoCompact: false };

/** A history with a snapshot (3 entries), a sealed journal (2 more, 1 update) and a journal (2 more). */
async function seed(dir: string): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  let s = await HistoryStore.open(dir, QUIET);
  for (let i = 0; i < 3; i++) acked.set((await s.record(draft(i))).key, 1);
  assert.equal(await s.compact(), true);
  const a = await s.record(draft(3));
  acked.set(a.key, (await s.update(a.key, { state: 'sent', smsId: 7003 }))!.rev);
  acked.set((await s.record(draft(4))).key, 1);
  await s.close();
  fs.renameSync(path.join(dir, JOURNAL_FILE), path.join(dir, 'history.journal.1-seed.sealed.jsonl'));
  s = await HistoryStore.open(dir, QUIET);
  for (let i = 5; i < 7; i++) acked.set((await s.record(draft(i))).key, 1);
  await s.close();
  return acked;
}

/** One session on the faulty disk; stops at the first operation that fails (as a user would see it). */
async function session(dir: string, fsx: FaultyFs, seeded: Map<string, number>): Promise<Outcome> {
  const out: Outcome = { acked: new Map(seeded), removed: new Set(), errors: [] };
  let store: HistoryStore | undefined;
  const ack = (e: HistoryEntry | undefined): void => {
    if (e) out.acked.set(e.key, e.rev);
  };
  const seededKeys = [...seeded.keys()];
  const steps: Array<() => Promise<void>> = [
    async () => {
      store = await HistoryStore.open(dir, { ...QUIET, fs: fsx, lockOwner: { pid: DEAD_PID, host: os.hostname() }, onError: (err) => out.errors.push(err) });
    },
    async () => {
      for (const e of await store!.recordMany([draft(10), draft(11)])) ack(e);
    },
    async () => ack(await store!.update(seededKeys[5], { state: 'sent', smsId: 7005 })),
    async () => {
      out.acked.delete(seededKeys[0]); // asked to go: gone or not, both are right until the remove is acknowledged
      await store!.remove([seededKeys[0]]);
      out.removed.add(seededKeys[0]);
    },
    async () => {
      await store!.compact();
    },
    async () => ack(await store!.record(draft(12))),
    async () => ack(await store!.update(seededKeys[1], { state: 'sent', smsId: 7001 })),
    async () => {
      await store!.close();
      store = undefined;
    },
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      out.errors.push(err);
      break;
    }
  }
  await store?.close().catch(() => undefined);
  await fsx.closeAll();
  return out;
}

/** What must hold on disk after any fault: nothing acknowledged lost, nothing removed back. */
async function assertKept(dir: string, out: Outcome, ctx: string): Promise<void> {
  const loaded = await loadHistory(dir);
  const byKey = new Map(loaded.entries.map((e) => [e.key, e]));
  for (const [key, rev] of out.acked) {
    const e = byKey.get(key);
    assert.ok(e, `acknowledged entry ${key} lost ${ctx}: ${fs.readdirSync(dir).join(' ')}; ${JSON.stringify(out.errors.map(String))}`);
    assert.ok(e.rev >= rev, `acknowledged change to ${key} (rev ${rev}) lost: rev ${e.rev} ${ctx}`);
  }
  for (const key of out.removed) assert.equal(byKey.get(key), undefined, `removed entry ${key} came back ${ctx}`);
}

function assertWorded(err: unknown, ctx: string): void {
  const message = err instanceof Error ? err.message : String(err);
  assert.match(message, PLAIN_ERROR, `error without words for the user ${ctx}: ${message}`);
}

describe('history store under disk faults (fault injection at the fs boundary)', function () {
  this.timeout(300_000);
  let seedDir: string;
  let seeded: Map<string, number>;
  let trace: FaultyFs['trace'];

  before(async () => {
    seedDir = tempDir();
    seeded = await seed(seedDir);
    const dir = tempDir();
    fs.cpSync(seedDir, dir, { recursive: true });
    const clean = new FaultyFs();
    const out = await session(dir, clean, seeded);
    assert.deepEqual(out.errors, [], 'the session runs clean without faults');
    await assertKept(dir, out, 'without faults');
    trace = clean.trace;
    if (process.env.FAULT_TRACE) for (const t of trace) console.log(t.n, t.op, path.basename(t.file), t.flags ?? '');
    removeDir(dir);
  });
  after(() => removeDir(seedDir));

  it('every step × every fault: nothing acknowledged is lost, every error is in words, and it recovers', async () => {
    const figures = { combinations: 0, fired: 0, reported: 0, absorbed: 0, crashes: 0, lost: 0 };
    const ops = new Set<string>();
    for (const step of trace) {
      for (const fault of faultsFor(step) as Fault[]) {
        const ctx = `(fault: ${describeFault(fault)} at step ${step.n}, ${step.op} ${path.basename(step.file)})`;
        const dir = tempDir();
        try {
          fs.cpSync(seedDir, dir, { recursive: true });
          const fsx = new FaultyFs({ at: step.n, fault });
          const out = await session(dir, fsx, seeded);
          figures.combinations++;
          if (fsx.fired) figures.fired++;
          ops.add(step.op);
          if (fault.kind === 'crash') figures.crashes++;
          else if (out.errors.length > 0) figures.reported++;
          else figures.absorbed++;
          if (fault.kind !== 'crash') for (const err of out.errors) assertWorded(err, ctx);
          await assertKept(dir, out, ctx);
          // The next window (a healthy disk, the crashed owner gone) opens it and compacts it whole.
          const next = await HistoryStore.open(dir, QUIET);
          try {
            assert.deepEqual(next.unreadableFiles(), [], ctx);
            assert.equal(await next.compact(), true, `compaction after the fault ${ctx}`);
          } finally {
            await next.close();
          }
          await assertKept(dir, out, `after recovery ${ctx}`);
        } finally {
          removeDir(dir);
        }
      }
    }
    console.log(`      history faults: ${trace.length} steps (${[...ops].sort().join(', ')}), ${JSON.stringify(figures)}`);
    assert.ok(figures.combinations > 200, `only ${figures.combinations} combinations`);
    assert.equal(figures.fired, figures.combinations, 'every planned fault was reached');
  });
});
