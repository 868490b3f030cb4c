import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realFs, type DurableFs } from '../../src/common/durable';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_STALE_MS,
  LEASE_FILE,
  PollerElection,
  parseLease,
  sweepSharedTemps,
  type PollerElectionOptions,
} from '../../src/history/election';
import { describeFault, everyFault } from './faultFs';
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

  it('sweeps the temp files a crash mid-write left, and only old ones', async () => {
    const old = path.join(dir, `${LEASE_FILE}.dead1234.tmp`);
    const oldBalance = path.join(dir, 'balance.json.dead5678.tmp');
    const fresh = path.join(dir, `${LEASE_FILE}.live1234.tmp`);
    const other = path.join(dir, 'history.snapshot.json.abcd.tmp');
    for (const f of [old, oldBalance, fresh, other]) fs.writeFileSync(f, '{');
    const past = new Date(Date.now() - 5 * 60_000);
    for (const f of [old, oldBalance, other]) fs.utimesSync(f, past, past);
    assert.equal(await sweepSharedTemps(dir), 2);
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(other), path.basename(fresh)].sort());
  });

  describe('faults on the lease file', () => {
    it('every step × every fault (ENOSPC, EIO, EACCES, EPERM, short writes, crashes) while a window takes a stale lease: the lease on disk stays whole, the window still polls', async function () {
      this.timeout(120_000);
      const stale = JSON.stringify({ owner: 'gone', heartbeatAt: T0 - 60_000, focused: true });
      let runs = 0;
      const combinations = await everyFault(
        async (fsx, dir) => {
          const clock = new FakeClock(T0);
          const errors: unknown[] = [];
          const election = new PollerElection({ dir, owner: 'A', clock, fs: fsx, isFocused: () => true, onError: (e) => errors.push(e) });
          // No dispose: a crashed process never runs it, and the lease must be whole anyway.
          await election.start();
          await clock.advance(HB, () => election.settled());
          return { leader: election.isLeader, errors };
        },
        async ({ dir, fault, step, fsx }) => {
          runs++;
          const what = `${describeFault(fault)} at step ${step.n} (${step.op} ${path.basename(step.file)})`;
          const text = fs.readFileSync(path.join(dir, LEASE_FILE), 'utf8');
          const lease = parseLease(text);
          assert.ok(lease, `${what}: the lease on disk is torn: ${JSON.stringify(text)}`);
          assert.ok(text === stale || lease.owner === 'A', `${what}: ${text}`);
          if (!fsx.crashed) {
            const left = fs.readdirSync(dir).filter((n) => n !== LEASE_FILE);
            assert.deepEqual(left, [], `${what}: files left behind`);
          }
        },
        (dir) => fs.writeFileSync(path.join(dir, LEASE_FILE), stale),
      );
      assert.equal(runs, combinations);
      assert.ok(combinations >= 40, `only ${combinations} combinations`);
      console.log(`      ${combinations} step × fault combinations`);
    });

    it('a failing disk: a lone window polls as if alone, and the failure is reported', async () => {
      for (const code of ['ENOSPC', 'EIO', 'EACCES'] as const) {
        const failing: DurableFs = { ...realFs, open: async () => { throw Object.assign(new Error(`${code}: simulated`), { code }); } };
        const a = open(`A-${code}`, { fs: failing });
        await a.election.start();
        await run(HB);
        assert.equal(a.election.isLeader, true, code);
        assert.ok(a.errors.length > 0, `${code}: reported`);
        a.election.dispose();
        wins = wins.filter((w) => w !== a);
      }
    });

    it('a window that cannot write stays out while another holds a fresh lease', async () => {
      const a = open('A');
      await a.election.start();
      await run(HB);
      const full: DurableFs = { ...realFs, open: async (f, flags) => { if (flags !== 'r') throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }); return realFs.open(f, flags); } };
      const b = open('B', { fs: full });
      b.focused = false;
      await b.election.start();
      await run(3 * HB);
      assert.deepEqual(leaders(), ['A']);
    });

    it('EIO reading the lease: the window polls as if alone', async () => {
      const broken: DurableFs = { ...realFs, open: async (f, flags) => { if (flags === 'r') throw Object.assign(new Error('EIO'), { code: 'EIO' }); return realFs.open(f, flags); } };
      const a = open('A', { fs: broken });
      await a.election.start();
      assert.deepEqual(leaders(), ['A']);
    });

    it('a poller that cannot renew loses the lease to a healthy window once it is stale, then steps down', async () => {
      let failing = false;
      const fsx: DurableFs = { ...realFs, open: async (f, flags) => { if (failing && flags !== 'r') throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }); return realFs.open(f, flags); } };
      const a = open('A', { fs: fsx });
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
});
