// Runs the benchmarks and prints one table. `npm run bench -- gateway` runs only the named ones.
// Each figure is a ratio against a baseline measured in the same run; the exit code is 0 whatever the
// verdicts, and 1 only when a benchmark crashes.
import * as os from 'node:os';
import { formatMarkdown, formatTable, verdict, type Bench, type Row } from './report';
import { bulkBench } from './bulk';
import { activationBench } from './activation';
import { gatewayClientBench } from './gatewayClient';
import { historyBench } from './history';
import { longTasksBench } from './longTasks';
import { panelBench } from './panel';
import { pollerBench } from './poller';
import { pollerWindowsBench } from './pollerWindows';

/** Every benchmark, in the order they run; add new files here. */
const BENCHES: readonly Bench[] = [gatewayClientBench, historyBench, longTasksBench, pollerBench, pollerWindowsBench, panelBench, activationBench, bulkBench];

async function main(argv: readonly string[]): Promise<number> {
  const markdown = argv.includes('--markdown');
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const selected = names.length === 0 ? BENCHES : BENCHES.filter((b) => names.includes(b.name));
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.release()}`);
  const rows: Row[] = [];
  const started = performance.now();
  for (const bench of selected) {
    console.log(`\n[${bench.name}] ${bench.description}`);
    const t = performance.now();
    rows.push(...(await bench.run((line) => console.log(line))));
    console.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n${formatTable(rows)}`);
  if (markdown) console.log(`\n${formatMarkdown(rows)}`);
  const missed = rows.filter((r) => verdict(r) === 'MISSES').length;
  console.log(`\n${rows.length} rows, ${missed} below target, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
