// One sample of bench/longTasks.ts, in a process of its own (cold, as a new window's extension host):
// opens the history folder given as argv[2] as the container does (the store loads in slices, the
// Messages tree's model is rebuilt in slices once it is in, `stats()` for the log line and a poller
// started when `ready` resolves) and notes the longest gap a 1 ms timer sees until the tree is whole.
// Prints one JSON line: { longestCpuMs, longestWallMs, cpuKind, entries }.
import { StatusPoller } from '../../src/history/poller';
import { selectForRemoval } from '../../src/history/retention';
import { timeSlicer } from '../../src/history/slices';
import { HistoryStore } from '../../src/history/store';
import { HistoryTreeModel } from '../../src/views/treeModel';

async function main(dir: string): Promise<void> {
  // Thread CPU where Node has it (22.?+, the extension host's 24); the process's otherwise (threadpool and GC helpers included).
  const threadCpu = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  const cpu = (): number => {
    const u = threadCpu ? threadCpu.call(process) : process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let lastWall = performance.now();
  let lastCpu = cpu();
  let longestWallMs = 0;
  let longestCpuMs = 0;
  const timer = setInterval(() => {
    const wall = performance.now();
    const c = cpu();
    longestWallMs = Math.max(longestWallMs, wall - lastWall);
    longestCpuMs = Math.max(longestCpuMs, c - lastCpu);
    lastWall = wall;
    lastCpu = c;
  }, 1);
  const store = HistoryStore.create(dir, { watch: false, retention: (entries, now) => selectForRemoval(entries, now, { maxAgeDays: 0, maxEntries: 0 }) });
  const tree = new HistoryTreeModel(store, 'day', { now: () => Date.now(), maxAgeMs: () => 48 * 3600_000 });
  const poller = new StatusPoller({ store, checkStatus: () => Promise.reject(new Error('not in this benchmark')), isActive: () => false });
  const treeBuilt = new Promise<void>((resolve) => {
    store.onDidLoad(() => {
      setImmediate(async () => {
        const slicer = timeSlicer();
        const steps = tree.rebuildSteps();
        while (!steps.next().done) {
          const turn = slicer.step();
          if (turn) await turn;
        }
        resolve();
      });
    });
  });
  await store.ready.then(() => {
    store.stats();
    poller.start();
  });
  await treeBuilt;
  await new Promise((r) => setTimeout(r, 5)); // the timer sees the last task end
  clearInterval(timer);
  poller.dispose();
  await store.close();
  process.stdout.write(JSON.stringify({ longestCpuMs, longestWallMs, cpuKind: threadCpu ? 'thread' : 'process', entries: tree.summary.total }) + '\n');
}

main(process.argv[2]).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
