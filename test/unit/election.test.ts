import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_STALE_MS,
  LEASE_FILE,
  PollerElection,
  parseLease,
  writeWhole,
  type LeaseFileOps,
  type PollerElectionOptions,
} from '../../src/history/election';
import { removeDir, tempDir } from './fixtures/historyHelpers';
import { FakeClock } from './fixtures/fakeClock';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const HB = DEFAULT_HEARTBEAT_MS;

/** One VS Code window's side of the election: its own clock (so one can stall) and focus. */
interface Win {
  name: string;
  clock: FakeClock;
  focused: boolean;
  election: PollerElection;
  errors: unknown[];
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('PollerElection (one poller for all windows, lease in the shared folder)', function () {
  let dir: string;
  let wins: Win[];

  beforeEach(() => {
    dir = tempDir();
    wins = [];
  });
  afterEach(() => {
    for (const w of wins) w.election.dispose();
    removeDir(dir);
  });

  function open(name: string, extra: Partial<PollerElectionOptions> = {}, clock = new FakeClock(T0)): Win {
    const win: Win = { name, clock, focused: true, errors: [], election: undefined as unknown as PollerElection };
    win.election = new PollerElection({ dir, owner: name, clock, isFocused: () => win.focused, onError: (e) => win.errors.push(e), ...extra });
    wins.push(win);
    return win;
  }

  const settleAll = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) for (const w of wins) await w.election.settled();
  };

  /** Moves every window's clock (except `stalled` ones) forward together, in small steps. */
  async function run(ms: number, stalled: Win[] = []): Promise<void> {
    const step = 50;
    for (let t = 0; t < ms; t += step) {
      for (const w of wins) if (!stalled.includes(w)) await w.clock.advance(step, settleAll);
    }
  }

  const leaders = (): string[] => wins.filter((w) => w.election.isLeader).map((w) => w.name);
  const leaseOnDisk = () => parseLease(fs.readFileSync(path.join(dir, LEASE_FILE), 'utf8'));

  it('a lone window becomes the poller once its claim is confirmed, and renews the lease', async () => {
    const a = open('A');
    await a.election.start();
    assert.equal(a.election.isLeader, false, 'a claim alone is not leadership');
    await run(HB);
    assert.deepEqual(leaders(), ['A']);
    const first = leaseOnDisk();
    await run(3 * HB);
    const later = leaseOnDisk();
    assert.equal(later?.owner, 'A');
    assert.ok(later!.heartbeatAt > first!.heartbeatAt, 'the heartbeat moves on');
    assert.deepEqual(fs.readdirSync(dir), [LEASE_FILE], 'no temp files left behind');
  });

  it('three windows starting at once settle on exactly one poller and keep it', async () => {
    const ws = [open('A'), open('B'), open('C')];
    await Promise.all(ws.map((w) => w.election.start()));
    await run(2 * HB);
    const chosen = leaders();
    assert.equal(chosen.length, 1, `leaders: ${chosen.join(',')}`);
    // Sampled every 50 ms over 20 heartbeats: never two at once, never a change of hands.
    for (let i = 0; i < 40 * 10; i++) {
      await run(50);
      assert.deepEqual(leaders(), chosen);
    }
  });

  it('hands over when the poller window closes', async () => {
    const ws = [open('A'), open('B'), open('C')];
    await Promise.all(ws.map((w) => w.election.start()));
    await run(2 * HB);
    const [first] = leaders();
    const closing = ws.find((w) => w.name === first)!;
    closing.election.dispose();
    wins = wins.filter((w) => w !== closing);
    assert.equal(fs.existsSync(path.join(dir, LEASE_FILE)), false, 'the closing window deleted its lease');
    await run(2 * HB);
    assert.equal(leaders().length, 1);
    assert.notEqual(leaders()[0], first);
  });

  it('hands over when the poller window stalls, and the stalled one steps down when it wakes', async () => {
    const ws = [open('A'), open('B')];
    await Promise.all(ws.map((w) => w.election.start()));
    await run(2 * HB);
    const stalled = ws.find((w) => w.election.isLeader)!;
    const other = ws.find((w) => w !== stalled)!;
    await run(DEFAULT_STALE_MS - HB, [stalled]);
    assert.equal(other.election.isLeader, false, 'not before the lease is stale');
    await run(2 * HB + HB, [stalled]);
    assert.equal(other.election.isLeader, true, 'took over a stale lease');
    // The stalled window's timers fire late, all at once: its first look sees the new holder.
    stalled.clock.t = other.clock.t;
    await stalled.election.poke();
    assert.deepEqual(leaders(), [other.name]);
  });

  it('follows focus: a focused window takes over from an unfocused poller', async () => {
    const a = open('A');
    await a.election.start();
    await run(HB);
    const b = open('B');
    b.focused = false;
    await b.election.start();
    await run(2 * HB);
    assert.deepEqual(leaders(), ['A']);
    a.focused = false;
    b.focused = true;
    await a.election.poke(); // the focus event: the lease now says A is unfocused
    await b.election.poke();
    await run(HB);
    assert.deepEqual(leaders(), ['B']);
    // A focused again does not snatch it back from a focused B.
    a.focused = true;
    await run(3 * HB);
    assert.deepEqual(leaders(), ['B']);
  });

  it('treats a torn or foreign lease file as free', async () => {
    fs.writeFileSync(path.join(dir, LEASE_FILE), '{"owner":"X","heartbe');
    const a = open('A');
    await a.election.start();
    await run(HB);
    assert.deepEqual(leaders(), ['A']);
    assert.equal(leaseOnDisk()?.owner, 'A');
  });

  describe('faults on the lease file', () => {
    /** Real file operations with one step failing as told. */
    function faulty(fail: { open?: string; write?: 'short' | 'zero' | string; sync?: string; rename?: string; read?: string }): LeaseFileOps {
      return {
        open: async (file, flags) => {
          if (fail.open) throw errno(fail.open);
          const h = await fsp.open(file, flags);
          return {
            write: (async (buffer: Buffer, offset: number, length: number) => {
              if (fail.write === 'short') return h.write(buffer, offset, Math.min(length, 3)); // short writes that do progress
              if (fail.write === 'zero') return { bytesWritten: 0, buffer };
              if (fail.write) throw errno(fail.write);
              return h.write(buffer, offset, length);
            }) as never,
            sync: async () => {
              if (fail.sync) throw errno(fail.sync);
              return h.sync();
            },
            close: () => h.close(),
          };
        },
        rename: async (from, to) => {
          if (fail.rename) throw errno(fail.rename);
          return fsp.rename(from, to);
        },
        readFile: async (file, encoding) => {
          if (fail.read) throw errno(fail.read);
          return fsp.readFile(file, encoding);
        },
        rm: (file, options) => fsp.rm(file, options),
      };
    }

    const writeFaults: Array<[string, Parameters<typeof faulty>[0]]> = [
      ['ENOSPC on write', { write: 'ENOSPC' }],
      ['EIO on write', { write: 'EIO' }],
      ['a write that makes no progress', { write: 'zero' }],
      ['EACCES on open', { open: 'EACCES' }],
      ['EIO on fsync', { sync: 'EIO' }],
      ['a crash before the rename (rename fails)', { rename: 'EIO' }],
    ];

    for (const [name, fail] of writeFaults) {
      it(`${name}: the old lease stays whole, no temp file stays, and a lone window still polls`, async () => {
        const file = path.join(dir, LEASE_FILE);
        const before = JSON.stringify({ owner: 'gone', heartbeatAt: T0 - 60_000, focused: true });
        fs.writeFileSync(file, before);
        const a = open('A', { ops: faulty(fail) });
        await a.election.start();
        await run(HB);
        assert.deepEqual(leaders(), ['A'], 'statuses keep coming');
        assert.equal(fs.readFileSync(file, 'utf8'), before);
        assert.deepEqual(fs.readdirSync(dir), [LEASE_FILE]);
        assert.ok(a.errors.length > 0, 'the failure was reported');
      });
    }

    it('short writes are completed, not taken as the whole lease', async () => {
      const a = open('A', { ops: faulty({ write: 'short' }) });
      await a.election.start();
      await run(HB);
      assert.deepEqual(leaders(), ['A']);
      assert.equal(leaseOnDisk()?.owner, 'A');
    });

    it('a window that cannot write stays out while another holds a fresh lease', async () => {
      const a = open('A');
      await a.election.start();
      await run(HB);
      const b = open('B', { ops: faulty({ write: 'ENOSPC' }) });
      b.focused = false;
      await b.election.start();
      await run(3 * HB);
      assert.deepEqual(leaders(), ['A']);
    });

    it('EIO reading the lease: the window polls as if alone', async () => {
      const a = open('A', { ops: faulty({ read: 'EIO' }) });
      await a.election.start();
      assert.deepEqual(leaders(), ['A']);
    });

    it('a poller that cannot renew loses the lease to a healthy window once it is stale, then steps down', async () => {
      let failing = false;
      const ops: LeaseFileOps = { ...fsp, open: async (f, flags) => { if (failing) throw errno('ENOSPC'); return fsp.open(f, flags); } };
      const a = open('A', { ops });
      await a.election.start();
      await run(HB);
      const b = open('B');
      b.focused = false;
      await b.election.start();
      await run(HB);
      assert.deepEqual(leaders(), ['A']);
      failing = true;
      await run(DEFAULT_STALE_MS + 2 * HB);
      assert.deepEqual(leaders(), ['B']);
    });
  });

  it('writeWhole replaces a file whole', async () => {
    const file = path.join(dir, 'x.json');
    await writeWhole(file, 'first');
    await writeWhole(file, 'second');
    assert.equal(fs.readFileSync(file, 'utf8'), 'second');
    assert.deepEqual(fs.readdirSync(dir), ['x.json']);
  });
});
