// A separate process working on a history folder, for the end-to-end fault tests (faultDefects.test.ts):
// run under `prlimit --fsize` (a real file-size limit) or as another user (real permissions).
// Usage: node faultWorker.js '<json>'; prints one JSON line with what happened.
//   { job: 'record', dir, count, textBytes }   records `count` entries, prints their keys
//   { job: 'compact', dir }                    opens, compacts, prints the outcome and the errors seen
import { HistoryStore } from '../../src/history/store';
import { draft } from './fixtures/historyHelpers';

interface Job {
  job: 'record' | 'compact';
  dir: string;
  count?: number;
  textBytes?: number;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as Job;
  const errors: string[] = [];
  const store = await HistoryStore.open(o.dir, { watch: false, pollIntervalMs: 0, autoCompact: false, onError: (e) => errors.push(e instanceof Error ? e.message : String(e)) });
  if (o.job === 'record') {
    const keys: string[] = [];
    for (let i = 0; i < (o.count ?? 1); i++) keys.push((await store.record(draft(i, { text: `${i} `.padEnd(o.textBytes ?? 20, 'x') }))).key);
    await store.close();
    process.stdout.write(JSON.stringify({ keys }) + '\n');
    return;
  }
  const loaded = store.all().length;
  let compacted: boolean | string;
  try {
    compacted = await store.compact();
  } catch (e) {
    compacted = e instanceof Error ? e.message : String(e);
  }
  await store.close();
  process.stdout.write(JSON.stringify({ loaded, compacted, errors }) + '\n');
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ crashed: e instanceof Error ? e.message : String(e) }) + '\n');
  process.exit(1);
});
