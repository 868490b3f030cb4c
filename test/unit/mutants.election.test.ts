// The poller election's edges the window tests in election.test.ts pass over (issue #10 item 11; docs/TESTING.md,
// "Mutation testing"): when a claim becomes leadership, where a lease stops being fresh, what a closing window
// deletes, who hears of a change, and a look asked for while one is under way.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { realFs, type DurableFs } from '../../src/common/durable';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_STALE_MS, LEASE_FILE, PollerElection, parseLease, type Lease, type PollerElectionOptions } from '../../src/history/election';
import { removeDir, tempDir } from './fixtures/historyHelpers';
import { FakeClock } from './fixtures/fakeClock';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const HB = DEFAULT_HEARTBEAT_MS;

describe('mutants: history, the poller election', () => {
  let dir: string;
  let elections: PollerElection[];
  beforeEach(() => {
    dir = tempDir();
    elections = [];
  });
  afterEach(() => {
    for (const e of elections) e.dispose();
    removeDir(dir);
  });

  const leaseFile = (): string => path.join(dir, LEASE_FILE);
  const leaseOnDisk = (): Lease | undefined => (fs.existsSync(leaseFile()) ? parseLease(fs.readFileSync(leaseFile(), 'utf8')) : undefined);
  const putLease = (lease: Lease): void => fs.writeFileSync(leaseFile(), JSON.stringify(lease));

  function open(owner: string, extra: Partial<PollerElectionOptions> & { focused?: boolean } = {}, clock = new FakeClock(T0)) {
    const errors: unknown[] = [];
    const changes: boolean[] = [];
    const election = new PollerElection({ dir, owner, clock, isFocused: () => extra.focused ?? true, onError: (e) => errors.push(e), ...extra });
    election.onDidChange((leader) => changes.push(leader));
    elections.push(election);
    const advance = (ms: number): Promise<void> => clock.advance(ms, () => election.settled());
    return { election, clock, errors, changes, advance };
  }

  describe('a claim becomes leadership a quarter heartbeat later', () => {
    it('with the default heartbeat: not at 499 ms, at 500 ms; then the lease is renewed every 2 s', async () => {
      const a = open('A');
      await a.election.start();
      assert.equal(leaseOnDisk()?.owner, 'A', 'the claim is written at once');
      assert.equal(leaseOnDisk()?.heartbeatAt, T0);
      await a.advance(HB / 4 - 1);
      assert.equal(a.election.isLeader, false);
      await a.advance(1);
      assert.equal(a.election.isLeader, true);
      assert.equal(leaseOnDisk()?.heartbeatAt, T0 + HB / 4, 'confirming renews the lease');
      await a.advance(HB - 1);
      assert.equal(leaseOnDisk()?.heartbeatAt, T0 + HB / 4, 'not renewed before a heartbeat');
      await a.advance(1);
      assert.equal(leaseOnDisk()?.heartbeatAt, T0 + HB / 4 + HB, 'renewed at the heartbeat');
    });

    it('with a heartbeat of 10 ms the confirmation comes 2 ms later (a quarter, rounded down)', async () => {
      const a = open('A', { heartbeatMs: 10 });
      await a.election.start();
      await a.advance(1);
      assert.equal(a.election.isLeader, false);
      await a.advance(1);
      assert.equal(a.election.isLeader, true);
    });

    it('with a heartbeat of 1 ms (the smallest) the confirmation still waits 1 ms', async () => {
      const a = open('A', { heartbeatMs: 1 });
      await a.election.start();
      assert.equal(a.election.isLeader, false);
      await a.advance(1);
      assert.equal(a.election.isLeader, true);
    });

    it('a heartbeat of 0 or less counts as 1 ms', async () => {
      const a = open('A', { heartbeatMs: 0 });
      await a.election.start();
      await a.advance(1);
      assert.equal(a.election.isLeader, true);
      const renewed = leaseOnDisk()?.heartbeatAt;
      await a.advance(1);
      assert.equal(leaseOnDisk()?.heartbeatAt, renewed! + 1);
    });
  });

  describe('where a lease held by another window stops being fresh', () => {
    async function takesOver(heartbeatAt: number, options: Partial<PollerElectionOptions> = {}, holderFocused = true): Promise<boolean> {
      putLease({ owner: 'X', heartbeatAt, focused: holderFocused });
      const a = open('A', options);
      await a.election.start();
      return leaseOnDisk()?.owner === 'A';
    }

    it('renewed exactly staleMs ago it is fresh; a millisecond earlier it is stale', async () => {
      assert.equal(await takesOver(T0 - DEFAULT_STALE_MS), false);
      assert.equal(leaseOnDisk()?.owner, 'X');
      elections.pop()!.dispose();
      assert.equal(await takesOver(T0 - DEFAULT_STALE_MS - 1), true);
    });

    it('a heartbeat up to staleMs ahead of this clock is fresh (clocks differ a little); further ahead is not', async () => {
      assert.equal(await takesOver(T0 + DEFAULT_STALE_MS), false);
      elections.pop()!.dispose();
      assert.equal(await takesOver(T0 + DEFAULT_STALE_MS + 1), true);
    });

    it('a given staleMs counts', async () => {
      assert.equal(await takesOver(T0 - 10_000, { staleMs: 10_000 }), false);
      elections.pop()!.dispose();
      assert.equal(await takesOver(T0 - 10_001, { staleMs: 10_000 }), true);
    });

    it('staleMs is never less than two heartbeats', async () => {
      // Asked for 1 ms with a 2 s heartbeat: a lease renewed 4 s ago is still fresh, 4 s + 1 ms is not.
      assert.equal(await takesOver(T0 - 2 * HB, { staleMs: 1 }), false);
      elections.pop()!.dispose();
      assert.equal(await takesOver(T0 - 2 * HB - 1, { staleMs: 1 }), true);
    });

    it('a fresh focused holder keeps it from a focused window; a fresh unfocused holder keeps it from an unfocused one', async () => {
      assert.equal(await takesOver(T0, {}, true), false);
      elections.pop()!.dispose();
      const b = open('B', { focused: false });
      putLease({ owner: 'X', heartbeatAt: T0, focused: false });
      await b.election.start();
      await b.advance(3 * HB - 1);
      assert.equal(leaseOnDisk()?.owner, 'X');
      assert.equal(b.election.isLeader, false);
    });

    it('a window that loses its claim to a rival stays out that round, and does not claim over it again at once', async () => {
      const a = open('A');
      await a.election.start();
      // A rival's rename lands after A's claim: at A's confirming look the lease is the rival's, stale for A's clock.
      putLease({ owner: 'R', heartbeatAt: T0 - 60_000, focused: true });
      await a.advance(HB / 4);
      assert.equal(a.election.isLeader, false);
      assert.equal(leaseOnDisk()?.owner, 'R', 'the rival\'s claim stands this round');
      // The next look, a heartbeat later, finds it still stale and claims it.
      await a.advance(HB);
      assert.equal(leaseOnDisk()?.owner, 'A');
    });
  });

  describe('what a closing window deletes', () => {
    it('the leader deletes its own lease', async () => {
      const a = open('A');
      await a.election.start();
      await a.advance(HB);
      assert.equal(a.election.isLeader, true);
      a.election.dispose();
      assert.equal(fs.existsSync(leaseFile()), false);
      assert.equal(a.election.isLeader, false);
    });

    it('a window with an unconfirmed claim deletes it too', async () => {
      const a = open('A');
      await a.election.start();
      assert.equal(leaseOnDisk()?.owner, 'A');
      a.election.dispose();
      assert.equal(fs.existsSync(leaseFile()), false);
    });

    it('a leader whose lease another window took meanwhile leaves that lease alone', async () => {
      const a = open('A');
      await a.election.start();
      await a.advance(HB);
      assert.equal(a.election.isLeader, true);
      putLease({ owner: 'B', heartbeatAt: T0, focused: true });
      a.election.dispose();
      assert.equal(leaseOnDisk()?.owner, 'B');
    });

    it('a window that never held it leaves the holder\'s lease alone', async () => {
      putLease({ owner: 'X', heartbeatAt: T0, focused: true });
      const a = open('A');
      await a.election.start();
      assert.equal(a.election.isLeader, false);
      // Even were the file to name it (a later write it never saw confirmed), only a leader or claimant deletes.
      putLease({ owner: 'A', heartbeatAt: T0, focused: true });
      a.election.dispose();
      assert.equal(leaseOnDisk()?.owner, 'A');
    });

    it('a closed window looks no more: poke does nothing, timers are gone, the lease it deleted stays deleted', async () => {
      const a = open('A');
      await a.election.start();
      await a.advance(HB);
      a.election.dispose();
      assert.equal(a.clock.pendingTimers, 0);
      await a.election.poke();
      await a.advance(10 * HB);
      assert.equal(fs.existsSync(leaseFile()), false);
      assert.equal(a.election.isLeader, false);
    });

    it('closing while a look waits for the lease read: nothing is written afterwards', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let reads = 0;
      const slow: DurableFs = {
        ...realFs,
        open: async (f, flags) => {
          if (flags === 'r' && path.basename(f) === LEASE_FILE && reads++ === 0) await gate;
          return realFs.open(f, flags);
        },
      };
      putLease({ owner: 'X', heartbeatAt: T0 - 60_000, focused: true });
      const a = open('A', { fs: slow });
      const looking = a.election.start();
      a.election.dispose();
      release();
      await looking;
      assert.equal(leaseOnDisk()?.owner, 'X', 'the stale lease was not claimed by a closed window');
      assert.equal(a.election.isLeader, false);
      assert.deepEqual(a.changes, []);
    });

    it('closing while the claim is being written: the window does not become leader', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow: DurableFs = {
        ...realFs,
        rename: async (from, to) => {
          await gate;
          return realFs.rename(from, to);
        },
      };
      const a = open('A', { fs: slow });
      const looking = a.election.start();
      // Wait until the write reaches the rename.
      for (let i = 0; i < 100 && !fs.readdirSync(dir).some((n) => n.endsWith('.tmp')); i++) await new Promise((r) => setImmediate(r));
      a.election.dispose();
      release();
      await looking;
      assert.equal(a.election.isLeader, false);
      assert.deepEqual(a.changes, []);
      assert.equal(a.clock.pendingTimers, 0, 'no confirming look armed');
    });
  });

  describe('who hears of a change', () => {
    it('listeners hear true once on becoming leader and false once on closing, not every renewal', async () => {
      const a = open('A');
      await a.election.start();
      await a.advance(5 * HB);
      assert.deepEqual(a.changes, [true]);
      a.election.dispose();
      assert.deepEqual(a.changes, [true, false]);
    });

    it('a listener that throws does not stop the others or the election', async () => {
      const a = open('A');
      a.election.onDidChange(() => {
        throw new Error('listener failed');
      });
      const late: boolean[] = [];
      a.election.onDidChange((l) => late.push(l));
      await a.election.start();
      await a.advance(HB);
      assert.deepEqual(a.changes, [true]);
      assert.deepEqual(late, [true]);
      assert.equal(a.election.isLeader, true);
    });

    it('a disposed subscription hears nothing more', async () => {
      const a = open('A');
      const heard: boolean[] = [];
      const sub = a.election.onDidChange((l) => heard.push(l));
      sub.dispose();
      await a.election.start();
      await a.advance(HB);
      assert.deepEqual(heard, []);
      assert.deepEqual(a.changes, [true]);
    });

    it('a window that steps down for another tells its listeners', async () => {
      const a = open('A', { focused: false });
      await a.election.start();
      await a.advance(HB);
      assert.equal(a.election.isLeader, true);
      // A focused window took the unfocused holder's lease.
      putLease({ owner: 'B', heartbeatAt: a.clock.now(), focused: true });
      await a.advance(HB);
      assert.deepEqual(a.changes, [true, false]);
    });
  });

  describe('a look asked for while one is under way', () => {
    it('runs once more after the current one, and both callers wait for it', async () => {
      let release!: () => void;
      let gate: Promise<void> | undefined = new Promise<void>((r) => (release = r));
      let reads = 0;
      const counting: DurableFs = {
        ...realFs,
        open: async (f, flags) => {
          if (flags === 'r' && path.basename(f) === LEASE_FILE) {
            reads++;
            if (gate) await gate;
          }
          return realFs.open(f, flags);
        },
      };
      const a = open('A', { fs: counting });
      const first = a.election.start();
      const second = a.election.poke();
      const third = a.election.poke();
      gate = undefined;
      release();
      await Promise.all([first, second, third]);
      // The first look claimed; the one asked for meanwhile (the two pokes fold into one) confirmed the claim.
      assert.equal(reads, 2);
      assert.equal(a.election.isLeader, true);
      assert.equal(a.clock.pendingTimers, 1, 'one timer for the next heartbeat');
    });
  });

  describe('when the lease cannot be read or written', () => {
    it('an unreadable lease makes the window poll as if alone, and reports the read failure', async () => {
      putLease({ owner: 'X', heartbeatAt: T0, focused: true });
      const broken: DurableFs = { ...realFs, open: async (f, flags) => { if (flags === 'r') throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' }); return realFs.open(f, flags); } };
      const a = open('A', { fs: broken });
      await a.election.start();
      assert.equal(a.election.isLeader, true);
      assert.equal(a.errors.length, 1);
      assert.match(String(a.errors[0]), /EIO/);
    });

    it('a claim that cannot be written over a stale lease: the window polls, and says why', async () => {
      putLease({ owner: 'X', heartbeatAt: T0 - 60_000, focused: true });
      const full: DurableFs = { ...realFs, open: async (f, flags) => { if (flags !== 'r') throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' }); return realFs.open(f, flags); } };
      const a = open('A', { fs: full });
      await a.election.start();
      assert.equal(a.election.isLeader, true);
      assert.ok(a.errors.length >= 1);
      assert.equal(leaseOnDisk()?.owner, 'X');
    });

    it('a claim that cannot be written under a fresh unfocused holder: a focused window stays out', async () => {
      putLease({ owner: 'X', heartbeatAt: T0, focused: false });
      const full: DurableFs = { ...realFs, open: async (f, flags) => { if (flags !== 'r') throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' }); return realFs.open(f, flags); } };
      const a = open('A', { fs: full });
      await a.election.start();
      assert.equal(a.election.isLeader, false);
      assert.ok(a.errors.length >= 1);
    });

    it('a leader whose renewal fails keeps polling', async () => {
      let failing = false;
      const fsx: DurableFs = { ...realFs, open: async (f, flags) => { if (failing && flags !== 'r') throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' }); return realFs.open(f, flags); } };
      const a = open('A', { fs: fsx });
      await a.election.start();
      await a.advance(HB);
      failing = true;
      await a.advance(HB);
      assert.equal(a.election.isLeader, true);
      assert.ok(a.errors.length >= 1);
      assert.deepEqual(a.changes, [true]);
    });

    it('start sweeps old temp files through the window\'s own file calls', async () => {
      const old = path.join(dir, `${LEASE_FILE}.crashed99.tmp`);
      fs.writeFileSync(old, '{');
      const past = new Date(Date.now() - 5 * 60_000);
      fs.utimesSync(old, past, past);
      const listed: string[] = [];
      const watching: DurableFs = { ...realFs, readdir: async (d) => { listed.push(d); return realFs.readdir(d); } };
      const a = open('A', { fs: watching });
      await a.election.start();
      for (let i = 0; i < 100 && fs.existsSync(old); i++) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(listed, [dir]);
      assert.equal(fs.existsSync(old), false);
    });
  });
});
