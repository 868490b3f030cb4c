// The SMS History panel's first paint in Chromium with 100,000 messages against 100: the same page,
// bundle and CSP as in VS Code; the clock runs inside the page, from posting the `init` message
// (which the host sends once the webview says `ready`) to the first frame drawn with rows in it.
// The history goes in as the host sends it: the newest part in `init`, the rest in `append`s, each
// posted in its own task.
import type { Page } from 'playwright-core';
import type { HistoryEntry } from '../src/history/types';
import { APPEND_ENTRIES, INIT_ENTRIES, type PanelStrings } from '../src/views/panelProtocol';
import { formatNumber, median, type Bench, type Row } from './report';
import { realisticHistory } from './support/historyData';
import { benchStrings, launchChromium, openPanel, servePanel } from './support/panelPage';
import { percentile } from './support/stats';

const BIG = 100_000;
const SMALL = 100;
const WARMUP = 2;
const SAMPLES = 9;
const END = Date.UTC(2025, 5, 1);

interface Paint {
  /** postMessage(init) → first frame with rows. */
  total: number;
  /** postMessage(init) → the message event begins (copying the entries out; reading them in is the panel's). */
  delivered: number;
  /** postMessage(init) → rows in the DOM. */
  dom: number;
  /** postMessage(init) → the last append applied (every entry in the grid and the totals). */
  loaded: number;
  rows: number;
  rowCount: string | null;
}

declare global {
  interface Window {
    __makeHistory?: (count: number, seed: number, end: number, pendingShare: number) => HistoryEntry[];
    __entries?: HistoryEntry[];
  }
}

/** Builds the entries inside the page (newest first, as the host sends them), outside the timing. */
async function prepare(page: Page, count: number): Promise<void> {
  // Evaluated over the DevTools protocol, so the page's CSP (no eval) does not apply to it.
  await page.evaluate(`window.__makeHistory = ${realisticHistory.toString()}`);
  await page.evaluate(([n, end]) => {
    window.__entries = window.__makeHistory!(n, 42, end, 0.02).reverse();
  }, [count, END] as const);
}

/** Runs in the page: posts init and waits for the frame after the first rows appeared. */
async function measureInPage([strings, first, chunk]: readonly [PanelStrings, number, number]): Promise<Paint> {
  const entries = window.__entries!;
  window.__entries = undefined;
  // Start from a quiet page: let any pending frame go by first.
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  let dom = 0;
  let delivered = 0;
  window.__benchMessageAt = 0;
  const rowsIn = new Promise<void>((resolve) => {
    const mo = new MutationObserver(() => {
      if (!document.querySelector('.spacer > .row')) return;
      dom = performance.now();
      // Read now: the appends' message events come later and move this mark.
      delivered = window.__benchMessageAt;
      mo.disconnect();
      resolve();
    });
    mo.observe(document.body, { childList: true, subtree: true });
  });
  const t0 = performance.now();
  window.postMessage({ type: 'init', entries: entries.slice(0, first), strings, locale: 'en-US', total: entries.length }, '*');
  // As the host does: each later part in its own task after the one before.
  const appended = (async () => {
    for (let i = first; i < entries.length; i += chunk) {
      await new Promise((r) => setTimeout(r, 0));
      window.postMessage({ type: 'append', entries: entries.slice(i, i + chunk), done: i + chunk >= entries.length }, '*');
    }
  })();
  await rowsIn;
  // The rows are drawn in the next frame; its animation callback runs just before that paint, and a
  // task queued from it runs after the paint.
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const t1 = performance.now();
  await appended;
  await new Promise<void>((resolve) => {
    const check = () =>
      document.querySelector('.grid')?.getAttribute('aria-rowcount') === String(entries.length + 1) &&
      !document.querySelector('[data-total="loading"]')
        ? resolve()
        : setTimeout(check, 0);
    check();
  });
  const t2 = performance.now();
  return {
    total: t1 - t0,
    delivered: delivered - t0,
    dom: dom - t0,
    loaded: t2 - t0,
    rows: document.querySelectorAll('.spacer > .row').length,
    rowCount: document.querySelector('.grid')?.getAttribute('aria-rowcount') ?? null,
  };
}

export const panelBench: Bench = {
  name: 'panel',
  description: `SMS History panel first paint in Chromium: ${formatNumber(BIG)} messages vs ${SMALL}`,
  async run(log) {
    const served = await servePanel();
    const browser = await launchChromium();
    const samples: Record<number, Paint[]> = { [SMALL]: [], [BIG]: [] };
    try {
      log(`  Chromium ${browser.version()}, headless, 1280×760, frame rate not limited`);
      for (let s = 0; s < WARMUP + SAMPLES; s++) {
        const sizes = s % 2 === 0 ? [SMALL, BIG] : [BIG, SMALL];
        for (const size of sizes) {
          const page = await openPanel(browser, served.origin);
          try {
            await prepare(page, size);
            const paint = await page.evaluate(measureInPage, [benchStrings, INIT_ENTRIES, APPEND_ENTRIES] as const);
            if (paint.rowCount !== String(size + 1)) throw new Error(`the grid says ${paint.rowCount} rows for ${size} messages`);
            if (paint.rows === 0 || paint.rows > 80) throw new Error(`${paint.rows} rows in the DOM: not virtualised?`);
            if (s >= WARMUP) samples[size].push(paint);
          } finally {
            await page.close();
          }
        }
      }
    } finally {
      await browser.close();
      await served.close();
    }
    const big = samples[BIG];
    const small = samples[SMALL];
    const pick = (list: Paint[], key: keyof Paint): number[] => list.map((p) => p[key] as number);
    const fmt = (v: number[]): string => `${median(v).toFixed(1)} ms (p90 ${percentile(v, 0.9).toFixed(1)})`;
    const rows: Row[] = [
      {
        name: `panel first paint, ${formatNumber(BIG)} vs ${SMALL} messages (init posted → first frame with rows; median of ${SAMPLES})`,
        measured: fmt(pick(big, 'total')),
        baseline: fmt(pick(small, 'total')),
        ratio: median(pick(big, 'total')) / median(pick(small, 'total')),
        target: { op: '<=', value: 2 },
      },
      {
        name: `  of which: postMessage → message event (copying the ${INIT_ENTRIES} entries in init)`,
        measured: fmt(pick(big, 'delivered')),
        baseline: fmt(pick(small, 'delivered')),
        ratio: median(pick(big, 'delivered')) / median(pick(small, 'delivered')),
      },
      {
        name: '  of which: message event → rows in the DOM (reading the entries + the panel\'s work)',
        measured: fmt(big.map((p) => p.dom - p.delivered)),
        baseline: fmt(small.map((p) => p.dom - p.delivered)),
        ratio: median(big.map((p) => p.dom - p.delivered)) / median(small.map((p) => p.dom - p.delivered)),
      },
      {
        name: `  then: init posted → every entry in (the last of the ${APPEND_ENTRIES.toLocaleString('en-US')}-entry appends applied)`,
        measured: fmt(pick(big, 'loaded')),
        baseline: fmt(pick(small, 'loaded')),
        ratio: median(pick(big, 'loaded')) / median(pick(small, 'loaded')),
      },
    ];
    log(`  rows in the DOM: ${median(pick(big, 'rows'))} of ${formatNumber(BIG)}, ${median(pick(small, 'rows'))} of ${SMALL}`);
    return rows;
  },
};
