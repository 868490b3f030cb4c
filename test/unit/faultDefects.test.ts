// The three disk defects of issue 8, each reproduced the way it was found, against real files:
//   1. compaction under a real process file-size limit (prlimit --fsize) lost the newest entries;
//   2. a batch journal ending in a torn dispatch line made Resume send a paid SMS again;
//   4. a sealed journal that could not be read (permissions) was skipped, then deleted.
// Each failed on d02d8e2 and passes now.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchStore } from '../../src/bulk/batchStore';
import { runBatch } from '../../src/bulk/runner';
import { GatewayClient } from '../../src/gateway/client';
import { HistoryStore, JOURNAL_FILE, loadHistory } from '../../src/history/store';
import { SandboxGateway } from '../../src/sandbox/server';
import { newBatch, numberFor, plannedRows, waitUntil } from './bulkFixtures';
import { PLAIN_ERROR } from './faultFs';
import { removeDir, tempDir } from './fixtures/historyHelpers';

const WORKER = path.join(__dirname, 'faultWorker.js');
const NOBODY = 65534;

interface WorkerResult {
  keys?: string[];
  loaded?: number;
  compacted?: boolean | string;
  errors?: string[];
  crashed?: string;
}

/** Runs faultWorker.js (optionally under a file-size limit, or as another user) and returns its JSON line. */
function worker(job: Record<string, unknown>, how: { fsize?: number; uid?: number } = {}): WorkerResult {
  const args = [WORKER, JSON.stringify(job)];
  const [cmd, argv] = how.fsize ? ['prlimit', [`--fsize=${how.fsize}`, process.execPath, ...args]] : [process.execPath, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...(how.uid !== undefined ? { uid: how.uid, gid: how.uid } : {}) });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `worker printed nothing useful (status ${r.status}, ${r.signal ?? ''}): ${r.stdout} ${r.stderr}`);
  return JSON.parse(line) as WorkerResult;
}

describe('issue 8 disk defects, reproduced', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => removeDir(dir));

  it('defect 1: compaction under a real file-size limit (prlimit --fsize) keeps all 40 entries and says the disk is full', async () => {
    const { keys } = worker({ job: 'record', dir, count: 40, textBytes: 300 });
    assert.equal(keys?.length, 40);
    const journalBytes = fs.statSync(path.join(dir, JOURNAL_FILE)).size;
    // The snapshot is about as large as the journal: a limit at 80% cuts it short.
    const limit = Math.floor(journalBytes * 0.8);
    const r = worker({ job: 'compact', dir }, { fsize: limit });
    assert.equal(r.loaded, 40);
    assert.equal(typeof r.compacted, 'string', `compaction must fail, not report success: ${JSON.stringify(r)}`);
    assert.match(r.compacted as string, PLAIN_ERROR);
    assert.match(r.compacted as string, /disk is full/);
    const loaded = await loadHistory(dir);
    assert.deepEqual(new Set(loaded.entries.map((e) => e.key)), new Set(keys), 'every entry is still on disk');
    // With room again, the next compaction folds everything.
    const again = worker({ job: 'compact', dir });
    assert.equal(again.compacted, true);
    assert.equal((await loadHistory(dir)).entries.length, 40);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp')), [], 'no temp file left');
  });

  it('defect 2: a torn dispatch line at the end of the batch journal does not make Resume send the row again', async () => {
    const sandbox = await SandboxGateway.start({ accounts: [{ username: 'u', password: 'p', balance: 1000 }] });
    const client = new GatewayClient({ baseUrl: sandbox.url });
    const historyDir = path.join(dir, 'history');
    const batchDir = path.join(dir, 'batches');
    const creds = { username: 'u', password: 'p' };
    try {
      // A window sends rows 0..2, then row 3 reaches the gateway and the window dies before the answer.
      let history = await HistoryStore.open(historyDir, { watch: false });
      const dead = new BatchStore(batchDir, { owner: { pid: spawnSync(process.execPath, ['-e', '0']).pid!, host: os.hostname() } });
      const handle = await dead.create(newBatch(plannedRows(6), { maxPerRequest: 1 }));
      void runBatch(handle, {
        history,
        send: async (req) => {
          const result = await client.send(creds, req);
          if (req.destinations.includes(numberFor(3))) await new Promise(() => undefined); // the window is gone
          return result;
        },
      }, { concurrency: 1, maxPerSecond: 0 });
      await waitUntil(() => sandbox.messages.some((m) => m.destination === numberFor(3)), 'row 3 at the gateway');
      await history.close();
      // What the old code left after a short write of that dispatch line: the line cut off.
      const journal = path.join(batchDir, `${handle.batchId}.journal.jsonl`);
      const text = fs.readFileSync(journal, 'utf8');
      const at = text.lastIndexOf('{"t":"dispatch"');
      assert.match(text.slice(at), /"rows":\[3\]/);
      fs.writeFileSync(journal, text.slice(0, at) + text.slice(at, at + '{"t":"dispatch","d":4,"rows":'.length));

      // Resume in the next window.
      history = await HistoryStore.open(historyDir, { watch: false });
      const store = new BatchStore(batchDir);
      const resumed = await store.open(handle.batchId);
      await resumed.reconcile(history);
      const summary = await runBatch(resumed, { history, send: (req) => client.send(creds, req) }, { concurrency: 1, maxPerSecond: 0 });
      await resumed.close();
      await history.close();

      const count = (row: number): number => sandbox.messages.filter((m) => m.destination === numberFor(row)).length;
      for (let row = 0; row < 6; row++) assert.ok(count(row) <= 1, `row ${row} reached the gateway ${count(row)} times`);
      assert.equal(count(3), 1);
      assert.equal(count(5), 1, 'a row never prepared is still sent');
      assert.ok(summary.unknown.some((u) => u.row === 3), 'row 3 is unknown: the user decides');
      assert.equal(summary.counts.unsent, 0);
    } finally {
      await client.close();
      await sandbox.close();
    }
  });

  it('defect 4: a sealed journal nobody can read is reported, and compaction neither skips nor deletes it', async () => {
    const { keys } = worker({ job: 'record', dir, count: 5 });
    const sealed = path.join(dir, 'history.journal.1-old.sealed.jsonl');
    fs.renameSync(path.join(dir, JOURNAL_FILE), sealed);
    // Real permissions: as root, the store runs as another user (root reads any file).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
    fs.chmodSync(sealed, 0o000);
    try {
      const r = worker({ job: 'compact', dir }, asRoot ? { uid: NOBODY } : {});
      assert.equal(r.loaded, 0);
      assert.equal(r.errors?.length, 1, `the unreadable file is reported: ${JSON.stringify(r)}`);
      assert.match(r.errors![0], /Permission denied[^]*history\.journal\.1-old\.sealed\.jsonl[^]*Nothing was deleted/);
      assert.equal(typeof r.compacted, 'string', 'compaction refuses');
      assert.ok(fs.existsSync(sealed), 'the sealed journal is still there');
    } finally {
      if (fs.existsSync(sealed)) fs.chmodSync(sealed, 0o644); // (the old code had deleted it)
    }
    // Readable again: everything is back, and compaction folds it.
    const again = worker({ job: 'compact', dir }, asRoot ? { uid: NOBODY } : {});
    assert.deepEqual({ loaded: again.loaded, compacted: again.compacted, errors: again.errors }, { loaded: 5, compacted: true, errors: [] });
    assert.deepEqual(new Set((await loadHistory(dir)).entries.map((e) => e.key)), new Set(keys));
  });
});
