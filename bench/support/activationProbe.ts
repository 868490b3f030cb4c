// Runs inside the extension host as the window's "extension tests" (bench/activation.ts opens the window):
// waits until VS Code's own Startup Performance report lists the extensions named in
// INVIOSMART_BENCH_IDS, then writes their activation times as JSON to INVIOSMART_BENCH_OUT.
// The report is the workbench's document behind "Developer: Startup Performance"; its "Extension
// Activation Stats" table holds the same ActivationTimes that "Show Running Extensions" shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';

export interface ActivationRow {
  eager: boolean;
  /** ms: require() of the extension's main file. */
  loadCode: number;
  /** ms: the synchronous part of activate(). */
  callActivate: number;
  /** ms: from activate() returning until the promise it returned settled. */
  finishActivate: number;
  event: string;
}

/** The extension host's thread while our extension starts its core and loads its history, from our activate's end until the history is in. */
export interface HistoryLoadRow {
  /** Our extension was already active when the probe started. */
  activeAtStart: boolean;
  /** ms from the probe's start until the history was in. */
  loadedAfterMs: number;
  /** The longest stretch the thread did not get to a 1 ms timer, wall clock (includes time the OS ran other processes). */
  longestWallMs: number;
  /** The thread's own CPU time in that kind of stretch, the longest one (what our code held the thread for); undefined without process.threadCpuUsage. */
  longestCpuMs?: number;
  /** monitorEventLoopDelay's max, ms. */
  loopDelayMaxMs: number;
  /** The longest gaps by CPU time, each with its end on the monotonic clock (µs, as a CPU profile's timestamps). */
  longestGaps: Gap[];
  /**
   * The thread's CPU time in the longest gap in which our extension's code ran (a CPU profile sampled it
   * there: a frame of a file under its folder); undefined without process.threadCpuUsage. Gaps in which
   * only VS Code's or another extension's code ran, or only the garbage collector, do not count.
   */
  longestOursCpuMs?: number;
  /** ms (wall): the require of dist/core.js, after activate returned. */
  coreLoadMs: number;
  /** ms (wall): startCore (the container and the commands), in the task after. */
  coreStartMs: number;
  /** ms (wall) from activate's end until the core had started (the stand-ins gone). */
  coreUpAfterMs: number;
}

export interface Gap {
  cpuMs: number;
  wallMs: number;
  /** process.hrtime at the gap's end, in µs: the clock of a CPU profile's sample times. */
  endUs: number;
  /** Whether a sample in the gap had a frame of our extension's code on its stack (set after the profile is in). */
  ours?: boolean;
  /**
   * Where the samples of a gap of ours were: the innermost frames of our code and the functions on top of the
   * stack, the most frequent first, as `count× name file:line:column` (the bundle's positions, 1-based), so a
   * long task in a full run says what held the thread without a profile written to disk.
   */
  where?: string[];
}

/** Gaps kept per window (the longest by CPU time): enough that the longest of ours is among them. */
const GAPS_KEPT = 40;

/**
 * The User Timing marks src/extension.ts sets (`CoreMarks` there; the probe is copied alone, so the names
 * are repeated here: a renamed mark fails the probe, it is never read as zero).
 */
const Marks = {
  activated: 'inviosmart.activated',
  willLoad: 'inviosmart.core.willLoad',
  didLoad: 'inviosmart.core.didLoad',
  willStart: 'inviosmart.core.willStart',
  didStart: 'inviosmart.core.didStart',
} as const;

function markTime(name: string): number {
  const found = performance.getEntriesByName(name, 'mark');
  if (found.length === 0) throw new Error(`no performance mark ${name}: src/extension.ts sets it (CoreMarks)`);
  return found[found.length - 1].startTime;
}

/**
 * Watches the thread: a 1 ms timer notes each gap, in wall time and in this thread's CPU time. `from()`
 * gives the time (performance.now()) from which gaps count: a gap that ends after it counts whole.
 */
function watchThread(from: () => number | undefined): () => { longestWallMs: number; longestCpuMs?: number; loopDelayMaxMs: number; longestGaps: Gap[] } {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpuNow = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  const cpu = (): number => {
    const u = cpuNow!.call(process);
    return (u.user + u.system) / 1000;
  };
  let lastWall = performance.now();
  let lastCpu = cpuNow ? cpu() : 0;
  let longestWallMs = 0;
  let longestCpuMs = 0;
  let counting = false;
  const gaps: Gap[] = [];
  const timer = setInterval(() => {
    const wall = performance.now();
    const start = from();
    const counts = start !== undefined && wall >= start;
    if (counts && !counting) {
      // The loop delay's histogram likewise starts with the first gap that counts.
      delay.reset();
      counting = true;
    }
    if (counts) longestWallMs = Math.max(longestWallMs, wall - lastWall);
    const gapStart = lastWall;
    lastWall = wall;
    if (cpuNow) {
      const c = cpu();
      if (counts) {
        longestCpuMs = Math.max(longestCpuMs, c - lastCpu);
        if (gaps.length < GAPS_KEPT || c - lastCpu > gaps[gaps.length - 1].cpuMs) {
          gaps.push({ cpuMs: c - lastCpu, wallMs: wall - gapStart, endUs: Number(process.hrtime.bigint() / 1000n) });
          gaps.sort((a, b) => b.cpuMs - a.cpuMs);
          gaps.length = Math.min(gaps.length, GAPS_KEPT);
        }
      }
      lastCpu = c;
    }
  }, 1);
  return () => {
    clearInterval(timer);
    delay.disable();
    return { longestWallMs, ...(cpuNow ? { longestCpuMs } : {}), loopDelayMaxMs: delay.max / 1e6, longestGaps: gaps };
  };
}

/**
 * Watches the thread from the probe's start, counting the gaps that end after our `activate` returned
 * (its mark), until the history is in (its internal command resolves then, run as soon as the extension
 * is active: before the core has started, so through its stand-in). What counts: the load and start of
 * dist/core.js, which run in the tasks right after activate, and the history's load; not the require of
 * dist/extension.js, activate itself or VS Code's own start-up work, except the part of a gap that
 * straddles activate's end (counted whole).
 */
async function historyLoad(id: string): Promise<HistoryLoadRow> {
  const started = performance.now();
  const ext = vscode.extensions.getExtension(id);
  const activeAtStart = ext?.isActive ?? false;
  let activatedAt: number | undefined;
  const profiler = startProfiler(process.env.INVIOSMART_BENCH_PROFILE, ext?.extensionPath ?? '');
  const stop = watchThread(() => (activatedAt ??= performance.getEntriesByName(Marks.activated, 'mark').at(-1)?.startTime));
  const deadline = Date.now() + 120_000;
  while (!ext?.isActive) {
    if (Date.now() > deadline) throw new Error(`${id} never activated`);
    await new Promise((r) => setTimeout(r, 2));
  }
  await vscode.commands.executeCommand('inviosmart.whenHistoryLoaded');
  const loadedAfterMs = performance.now() - started;
  // The command resolves inside the task that brings the history in (the views' and the poller's
  // first work on it runs there too): one more timer turn, so the watch sees that task end.
  await new Promise((r) => setTimeout(r, 2));
  const watched = stop();
  await profiler(watched.longestGaps);
  const ours = watched.longestGaps.filter((g) => g.ours).map((g) => g.cpuMs);
  return {
    activeAtStart,
    loadedAfterMs,
    ...watched,
    ...(watched.longestCpuMs !== undefined ? { longestOursCpuMs: ours.length > 0 ? Math.max(...ours) : 0 } : {}),
    coreLoadMs: markTime(Marks.didLoad) - markTime(Marks.willLoad),
    coreStartMs: markTime(Marks.didStart) - markTime(Marks.willStart),
    coreUpAfterMs: markTime(Marks.didStart) - markTime(Marks.activated),
  };
}

/**
 * A CPU profile of this extension host from the probe's start until the history is in, sampled every ms (every
 * 250 µs with INVIOSMART_BENCH_PROFILE set to a folder, where it is written with the window's longest gaps, to
 * see which function held the thread). The gaps are marked `ours` when a sample inside one had a frame of a
 * file under `ownPath` (our extension's folder) on its stack.
 */
function startProfiler(dir: string | undefined, ownPath: string): (gaps: Gap[]) => Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  const started = post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: dir ? 250 : 1000 })).then(() => post('Profiler.start'));
  return async (gaps) => {
    await started;
    const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    markOurs(profile, gaps, ownPath);
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const name = `window-${Date.now()}-${process.pid}`;
    writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    writeFileSync(path.join(dir, `${name}.gaps.json`), JSON.stringify(gaps, null, 1));
  };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string; functionName?: string; lineNumber?: number; columnNumber?: number }; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Sets `ours` on each gap: some sample inside it (by the profile's clock) had a frame of a file under `ownPath`. */
function markOurs(profile: CpuProfile, gaps: Gap[], ownPath: string): void {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const own = new Map<number, boolean>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const isOurs = (id: number): boolean => {
    let known = own.get(id);
    if (known === undefined) {
      const url = byId.get(id)?.callFrame.url ?? '';
      const up = parent.get(id);
      known = (ownPath !== '' && url.includes(ownPath)) || (up !== undefined && isOurs(up));
      own.set(id, known);
    }
    return known;
  };
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  const frame = (id: number): string => {
    const f = byId.get(id)?.callFrame;
    return f ? `${f.functionName || '(anonymous)'} ${path.basename(f.url) || '(native)'}:${(f.lineNumber ?? -1) + 1}:${(f.columnNumber ?? -1) + 1}` : '?';
  };
  /** The innermost frame of our code on a sample's stack. */
  const innermostOurs = (id: number): number | undefined => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (ownPath !== '' && (byId.get(cur)?.callFrame.url ?? '').includes(ownPath)) return cur;
    }
    return undefined;
  };
  const top = (counts: Map<string, number>, prefix: string): string[] =>
    [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${prefix}${n}× ${k}`);
  for (const g of gaps) {
    const end = g.endUs;
    const start = end - g.wallMs * 1000;
    const inner = new Map<string, number>();
    const leaves = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      if (times[i] < start || times[i] > end) return;
      const leaf = frame(id);
      leaves.set(leaf, (leaves.get(leaf) ?? 0) + 1);
      const own = isOurs(id) ? innermostOurs(id) : undefined;
      if (own === undefined) return;
      const at = frame(own);
      inner.set(at, (inner.get(at) ?? 0) + 1);
    });
    g.ours = inner.size > 0;
    if (g.ours) g.where = [...top(inner, 'ours '), ...top(leaves, 'top ')];
  }
}

/** The "Extension Activation Stats" table of the report, by extension id (lower case). */
export function parseActivationTable(markdown: string): Record<string, ActivationRow> {
  const out: Record<string, ActivationRow> = {};
  const start = markdown.indexOf('Extension Activation Stats');
  if (start < 0) return out;
  for (const line of markdown.slice(start).split('\n')) {
    if (!line.startsWith('|')) {
      if (Object.keys(out).length > 0 && line.trim() === '') break;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length < 6 || !/^\d+(\.\d+)?$/.test(cells[2])) continue;
    out[cells[0].toLowerCase()] = {
      eager: cells[1] === 'true',
      loadCode: Number(cells[2]),
      callActivate: Number(cells[3]),
      finishActivate: Number(cells[4]),
      event: cells[5],
    };
  }
  return out;
}

export async function run(): Promise<void> {
  const outFile = process.env.INVIOSMART_BENCH_OUT;
  const ids = (process.env.INVIOSMART_BENCH_IDS ?? '').split(',').filter(Boolean).map((s) => s.toLowerCase());
  if (!outFile || ids.length === 0) throw new Error('INVIOSMART_BENCH_OUT and INVIOSMART_BENCH_IDS must be set');
  // The first id is ours: its history load is watched first, before the report is opened (its own work).
  const history = await historyLoad(ids[0]);
  // The report is a workbench document an extension cannot open by URI; showing it (the command
  // behind Developer: Startup Performance) makes the workbench share it with the extension host.
  await vscode.commands.executeCommand('perfview.show');
  const deadline = Date.now() + 120_000;
  let text = '';
  for (;;) {
    text = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'perf')?.getText() ?? '';
    const rows = parseActivationTable(text);
    if (ids.every((id) => rows[id])) {
      writeFileSync(outFile, JSON.stringify({ rows: Object.fromEntries(ids.map((id) => [id, rows[id]])), active: ids.map((id) => vscode.extensions.getExtension(id)?.isActive ?? false), history }));
      return;
    }
    if (Date.now() > deadline) throw new Error(`the Startup Performance report never listed ${ids.join(', ')}:\n${text.slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
