// Typed access to scripts/vscode-host.mjs (an ES module) from the CommonJS test build, plus one
// running workbench: code-server on 127.0.0.1 with the extension loaded from this repository.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const resultsDir = path.join(repoRoot, 'test-results');

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  stop(): Promise<void>;
}

interface StartOptions {
  userDataDir: string;
  extensionsDir: string;
  stateDir?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  log?: (line: string) => void;
}

/** The parts of scripts/vscode-host.mjs these tests use. */
export interface HostModule {
  ensureHost(options?: { log?: (line: string) => void; apt?: boolean }): Promise<unknown>;
  startCodeServer(options: StartOptions): Promise<CodeServer>;
  openBrowser(options?: { headless?: boolean; args?: string[] }): Promise<Browser>;
  workbenchUrl(server: CodeServer, options: { folder?: string; extensionDevelopmentPath?: string; disableExtensions?: boolean }): string;
  makeStateDir(prefix?: string): string;
  installVsix(vsixPath: string, extensionsDir: string, options?: { stateDir?: string; log?: (line: string) => void }): Promise<void>;
}

let loaded: Promise<HostModule> | undefined;

/** Removes what an earlier run left in test-results under these names (failure shots, log copies). */
export function clearResults(prefixes: string[]): void {
  if (!existsSync(resultsDir)) return;
  for (const name of readdirSync(resultsDir)) {
    if (prefixes.some((p) => name.startsWith(p))) rmSync(path.join(resultsDir, name), { recursive: true, force: true });
  }
}

/** Loads the harness once; a computed specifier keeps both esbuild and tsc from turning it into require(). */
export function hostModule(): Promise<HostModule> {
  const specifier = pathToFileURL(path.join(repoRoot, 'scripts', 'vscode-host.mjs')).href;
  loaded ??= import(specifier) as Promise<HostModule>;
  return loaded;
}

export interface WorkbenchServer {
  server: CodeServer;
  browser: Browser;
  context: BrowserContext;
  stateDir: string;
  /** The URL that opens `folder` (created under the state dir) with the extension under development. */
  urlFor(folderName: string): string;
  /**
   * Copies code-server's and the extension hosts' logs to test-results/<name>/ and returns the lines
   * most likely to explain a failure (errors of the extension hosts, the extension's own log tail).
   */
  saveLogs(name: string): string;
  stop(): Promise<void>;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

function tailOf(file: string, lines: number, filter?: RegExp): string[] {
  try {
    const all = readFileSync(file, 'utf8').split('\n');
    return (filter ? all.filter((l) => filter.test(l)) : all).slice(-lines);
  } catch {
    return [];
  }
}

function collectLogs(stateDir: string, server: CodeServer, name: string): string {
  const dest = path.join(resultsDir, name);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const logsDir = path.join(server.userDataDir, 'logs');
  if (existsSync(logsDir)) cpSync(logsDir, path.join(dest, 'logs'), { recursive: true });
  if (existsSync(server.logFile)) cpSync(server.logFile, path.join(dest, 'code-server.log'));
  const lines: string[] = [`logs copied to ${path.relative(repoRoot, dest)}`];
  for (const file of filesUnder(logsDir)) {
    const base = path.basename(file);
    if (base === 'remoteexthost.log') lines.push(...tailOf(file, 10, /\[error\]/).map((l) => `  ${path.relative(stateDir, file)}: ${l}`));
    if (base === 'Inviosmart.log') lines.push(...tailOf(file, 15).map((l) => `  ${path.relative(stateDir, file)}: ${l}`));
  }
  return lines.join('\n');
}

/**
 * Starts code-server in a fresh state dir with the given user settings (and the given .vsix packages
 * installed), and Debian's Chromium with one browser context (one profile: its pages share
 * localStorage, hence SecretStorage).
 */
export async function startWorkbench(settings: Record<string, unknown>, prefix: string, { vsix = [] }: { vsix?: string[] } = {}): Promise<WorkbenchServer> {
  const host = await hostModule();
  // apt is the orchestrator's job (ensure-deps); here only a missing cache would install.
  await host.ensureHost({ apt: false, log: (line) => console.log(line) });
  const stateDir = host.makeStateDir(prefix);
  // Other extensions installed beside the one under development (which code-server loads alone).
  for (const file of vsix) await host.installVsix(file, path.join(stateDir, 'extensions'), { log: () => undefined });
  const server = await host.startCodeServer({
    stateDir,
    userDataDir: path.join(stateDir, 'user-data'),
    extensionsDir: path.join(stateDir, 'extensions'),
    settings,
    log: () => undefined,
  });
  let browser: Browser | undefined;
  try {
    browser = await host.openBrowser({ headless: !process.env.INVIOSMART_E2E_HEADED });
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 });
    const opened = browser;
    return {
      server,
      browser: opened,
      context,
      stateDir,
      urlFor(folderName: string): string {
        const folder = path.join(stateDir, folderName);
        mkdirSync(folder, { recursive: true });
        return host.workbenchUrl(server, { folder, extensionDevelopmentPath: repoRoot });
      },
      saveLogs(name: string): string {
        try {
          return collectLogs(stateDir, server, name);
        } catch (e) {
          return `could not collect the logs: ${e instanceof Error ? e.message : String(e)}`;
        }
      },
      async stop(): Promise<void> {
        await opened.close().catch(() => undefined);
        await server.stop();
        if (process.env.INVIOSMART_KEEP_TEST_STATE) console.log(`e2e: state kept in ${stateDir}`);
        else rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
}
