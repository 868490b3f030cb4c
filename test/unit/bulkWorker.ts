// A separate process that creates a batch and sends it, for the SIGKILL test (bulkCrash.test.ts).
// Usage: node bulkWorker.js '<json options>'; prints `B <batchId>` once the plan is on disk, `END` when done.
import { BatchStore } from '../../src/bulk/batchStore';
import { runBatch } from '../../src/bulk/runner';
import { GatewayClient } from '../../src/gateway/client';
import { HistoryStore } from '../../src/history/store';
import { newBatch, plannedRows } from './bulkFixtures';

interface Options {
  historyDir: string;
  batchDir: string;
  url: string;
  username: string;
  password: string;
  rows: number;
  distinctTexts: number;
  maxPerRequest: number;
  concurrency: number;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as Options;
  const history = await HistoryStore.open(o.historyDir, { watch: false });
  const store = new BatchStore(o.batchDir);
  const handle = await store.create(newBatch(plannedRows(o.rows, o.distinctTexts), { maxPerRequest: o.maxPerRequest }));
  process.stdout.write(`B ${handle.batchId}\n`);
  const client = new GatewayClient({ baseUrl: o.url, maxConcurrency: o.concurrency });
  const creds = { username: o.username, password: o.password };
  await runBatch(handle, { history, send: (req) => client.send(creds, req) }, { concurrency: o.concurrency, maxPerSecond: 0 });
  await handle.close();
  await client.close();
  await history.close();
  process.stdout.write('END\n');
}

main().catch((e: unknown) => {
  process.stdout.write(`ERR ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
