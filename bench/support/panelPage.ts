// The SMS History webview page served from 127.0.0.1 the way test/e2e/panel.browser.test.ts serves it
// (the host's own HTML and CSP, media/ as the only resource root), and a Chromium to open it in.
// Only acquireVsCodeApi, which exists only inside VS Code, is stubbed.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createNonce, panelHtml } from '../../src/views/panelHtml';
import { panelStringKeys, type PanelStrings } from '../../src/views/panelProtocol';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const mediaRoot = path.join(repoRoot, 'media');
export const PANEL_BUNDLE = path.join(mediaRoot, 'dist', 'panel.js');
export const CHROMIUM_PATH = process.env.INVIOSMART_CHROMIUM ?? '/usr/bin/chromium';

/** Every string the panel shows; the key itself is text enough for timing. */
export const benchStrings = Object.fromEntries(panelStringKeys.map((k) => [k, k.replace(/_/g, ' ')])) as PanelStrings;

export interface ServedPanel {
  origin: string;
  close(): Promise<void>;
}

export async function servePanel(): Promise<ServedPanel> {
  if (!existsSync(PANEL_BUNDLE)) throw new Error(`${PANEL_BUNDLE} is missing: run "node scripts/build.mjs" first`);
  // Read once: a rebuild in the same checkout clears media/dist for a moment.
  const files = new Map<string, Buffer>();
  for (const rel of ['dist/panel.js', 'panel.css']) files.set(`/media/${rel}`, readFileSync(path.join(mediaRoot, rel)));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://${req.headers.host}`;
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(panelHtml({
        cspSource: origin,
        nonce: createNonce(),
        scriptUri: `${origin}/media/dist/panel.js`,
        styleUri: `${origin}/media/panel.css`,
        title: 'SMS History',
        lang: 'en',
        loadingText: 'Loading history…',
      }));
      return;
    }
    const body = files.get(url.pathname);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': url.pathname.endsWith('.css') ? 'text/css' : 'text/javascript' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Debian's Chromium, headless. Frames are not tied to a 60 Hz vsync here, so "the first frame after
 * the rows exist" is not rounded up to the next 16.7 ms tick (which would hide small differences).
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      '--disable-gpu-vsync', '--disable-frame-rate-limit',
    ],
  });
}

declare global {
  interface Window {
    __benchPosted: unknown[];
    /** When the last message event began (before the panel's own listener runs). */
    __benchMessageAt: number;
  }
}

/** Runs in the page before its own script: the VS Code API stub (no saved view state). */
function stubVsCodeApi(): void {
  window.__benchPosted = [];
  window.__benchMessageAt = 0;
  // Registered before the panel's listener, so it runs first; it does not touch event.data, so the
  // panel's listener still pays for reading the message as it would in VS Code.
  window.addEventListener('message', () => (window.__benchMessageAt = performance.now()));
  (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => window.__benchPosted.push(m),
    getState: () => undefined,
    setState: () => undefined,
  });
}

/** A fresh page with the panel loaded and waiting for its history (it has posted `ready`). */
export async function openPanel(browser: Browser, origin: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText ?? 'failed'}`));
  await page.addInitScript(stubVsCodeApi);
  await page.goto(origin + '/');
  try {
    await page.waitForFunction(() => window.__benchPosted.some((m) => (m as { type?: string }).type === 'ready'), undefined, { timeout: 20_000 });
  } catch (e) {
    await page.close();
    throw new Error(`the panel did not say ready (${problems.join('; ') || 'no page errors'}): ${e instanceof Error ? e.message : String(e)}`);
  }
  return page;
}
