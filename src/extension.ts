// The extension's entry point, kept small: VS Code loads and runs this file (dist/extension.js) on the
// extension host's one thread before it counts the extension as active. `activate` only registers a
// stand-in for each command; the code that does the work (src/core.ts, dist/core.js: the container and
// the commands) is loaded and started in the tasks right after, and a command run before then waits for
// it (src/common/deferredStart.ts). docs/PERFORMANCE.md, "Activation", has the figures.
import * as vscode from 'vscode';
import { CommandIds } from './common/commandIds';
import { deferredStart } from './common/deferredStart';
import { loadOnce, PartLoadError } from './common/loadOnce';
import type * as Core from './core';
import type { InviosmartApi } from './testApi';

export type { InviosmartApi } from './testApi';

/**
 * User Timing marks (Node's `performance`, shared by the extension host): the activation bench's probe
 * (bench/support/activationProbe.ts) reads them to time the core's load and start and to watch the thread
 * from activate's end.
 */
export const CoreMarks = {
  activated: 'inviosmart.activated',
  willLoad: 'inviosmart.core.willLoad',
  didLoad: 'inviosmart.core.didLoad',
  willStart: 'inviosmart.core.willStart',
  didStart: 'inviosmart.core.didStart',
} as const;

/** dist/core.js: scripts/bundles.mjs maps this require to the bundle beside this one. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadCore = loadOnce('dist/core.js', () => require('./core') as typeof Core);

/** What `deactivate` has to stop (once started). */
let starting: Promise<Core.StartedCore | undefined> | undefined;

function startFailed(e: unknown): void {
  const reason = e instanceof PartLoadError && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  const text = e instanceof PartLoadError
    ? vscode.l10n.t('Inviosmart SMS could not start: its file {0} could not be loaded ({1}). Reinstall the extension.', e.part, reason)
    : vscode.l10n.t('Inviosmart SMS could not start: {0}', reason);
  void vscode.window.showErrorMessage(text);
}

/**
 * Exports nothing to other extensions: any installed extension can call `getExtension(ours).activate()`.
 * Under test (ExtensionMode.Test) it waits for the start and returns the narrow test API of
 * src/testApi.ts, which reads no secret.
 */
export async function activate(context: vscode.ExtensionContext): Promise<InviosmartApi | undefined> {
  const deferred = deferredStart({
    ids: Object.values(CommandIds),
    commands: vscode.commands,
    load: () => {
      performance.mark(CoreMarks.willLoad);
      const core = loadCore();
      performance.mark(CoreMarks.didLoad);
      return () => {
        performance.mark(CoreMarks.willStart);
        const started = core.startCore(context);
        performance.mark(CoreMarks.didStart);
        return started;
      };
    },
    onError: startFailed,
  });
  context.subscriptions.push(deferred);
  starting = deferred.started;
  performance.mark(CoreMarks.activated);
  if (context.extensionMode === vscode.ExtensionMode.Test) return (await starting)?.testApi();
  return undefined;
}

export async function deactivate(): Promise<void> {
  // Never deletes data or credentials: this runs on every window reload.
  const core = await starting;
  starting = undefined;
  await core?.shutdown();
}
