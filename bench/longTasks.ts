// The longest task while a window loads its history, in plain Node (no VS Code): each sample is a new
// process (bench/support/longTaskChild.ts) that opens the folder as the container does: the store read
// in slices, the Messages tree's model rebuilt in slices, the log line's stats() and the poller started
// when the history is in. The figure is the longest gap a 1 ms timer saw, in CPU time, worst of the
// samples, against the same 50 ms budget as the activation benchmark's row (which measures it in the
// real extension host, with the core's own load and start around it); a 1,000-message history, measured
// alternately in the same run, shows what does not grow with the history.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { formatNumber, median, type Bench, type Row } from './report';
import { buildHistory } from './support/historyData';

const SAMPLES = 7;
const BUDGET_MS = 50;

interface Sample {
  longestCpuMs: number;
  longestWallMs: number;
  cpuKind: 'thread' | 'process';
  entries: number;
}

function sample(dir: string): Promise<Sample> {
  const child = spawn(process.execPath, [path.join(__dirname, 'support', 'longTaskChild.js'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`longTaskChild failed (exit ${code}): ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as Sample);
    });
  });
}

export const longTasksBench: Bench = {
  name: 'longtasks',
  description: 'Longest task while a window loads a 100,000-message history (plain Node, a new process per sample) vs a 50 ms budget',
  async run(log) {
    log('  building the histories...');
    const big = await buildHistory(100_000, { tail: 1000, end: Date.now() - 60_000 });
    const small = await buildHistory(1000, { tail: 1000, end: Date.now() - 60_000 });
    try {
      const got: Sample[][] = [[], []];
      for (let i = 0; i < SAMPLES; i++) {
        for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) got[k].push(await sample(k === 0 ? big.dir : small.dir));
      }
      if (got[0].some((s) => s.entries !== big.count)) throw new Error(`the tree did not hold all ${big.count} messages`);
      const kind = got[0][0].cpuKind === 'thread' ? "the thread's own CPU time" : "the process's CPU time (this Node has no threadCpuUsage: GC and threadpool threads included)";
      const cpu = got.map((g) => g.map((s) => s.longestCpuMs));
      const wall = got.map((g) => g.map((s) => s.longestWallMs));
      const fmt = (v: number[]): string => `max ${Math.max(...v).toFixed(1)} ms, median ${median(v).toFixed(1)} ms`;
      const rows: Row[] = [
        {
          name: `longest task opening a ${formatNumber(big.count)}-message history as a window does (load, tree, stats, poller; plain Node), ${kind}, worst of ${SAMPLES} processes`,
          measured: fmt(cpu[0]),
          baseline: `${BUDGET_MS} ms`,
          ratio: Math.max(...cpu[0]) / BUDGET_MS,
          target: { op: '<=', value: 1 },
        },
        { name: `  same, ${formatNumber(small.count)}-message history (what does not grow with the history)`, measured: fmt(cpu[1]), baseline: `${BUDGET_MS} ms`, ratio: Math.max(...cpu[1]) / BUDGET_MS },
        { name: `  wall clock, ${formatNumber(big.count)} vs ${formatNumber(small.count)} messages (includes time the OS gave other processes)`, measured: fmt(wall[0]), baseline: fmt(wall[1]) },
      ];
      return rows;
    } finally {
      big.remove();
      small.remove();
    }
  },
};
