// The extension's entry point, kept small: VS Code loads and runs this file (dist/extension.js) on the
// extension host's one thread before it counts the extension as active. `activate` only registers what
// VS Code may call at once — a stand-in for each command, the chat tools and the task provider — and
// returns; the code that does the work (src/core.ts, dist/core.js: the container and the commands) is
// loaded and started in the tasks right after, and a call before then waits for it
// (src/common/deferredStart.ts). docs/PERFORMANCE.md, "Activation", has the figures.
import * as path from 'node:path';
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

/**
 * What runs before the core starts, each step in a task of its own, so that no one step holds the
 * extension host's thread for long (docs/PERFORMANCE.md, "Activation"): the layers dist/core.js needs and
 * undici (scripts/bundles.mjs, CORE_PARTS; none in the tests' unbundled build), dist/core.js itself, then a
 * first read of the settings (VS Code's `inspect` is slow, and the services ask for them as they are built).
 */
const preload: Array<() => unknown> = [
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...__CORE_PARTS__.map((file) => loadOnce(`dist/${file}`, () => require(path.join(__dirname, file)) as unknown)),
  () => {
    performance.mark(CoreMarks.willLoad);
    loadCore();
    performance.mark(CoreMarks.didLoad);
  },
  // Steps of their own, each in its task (src/config.ts).
  () => loadCore().warmSettings,
];

/** What `deactivate` has to stop (once started), and how to call off a start that has not happened yet. */
let running: { deferred: vscode.Disposable; started: Promise<Core.StartedCore | undefined> } | undefined;

/** Why the core could not load or start, in the user's words. */
function failureText(e: unknown): string {
  const reason = e instanceof PartLoadError && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return e instanceof PartLoadError
    ? vscode.l10n.t('Inviosmart SMS could not start: its file {0} could not be loaded ({1}). Reinstall the extension.', e.part, reason)
    : vscode.l10n.t('Inviosmart SMS could not start: {0}', reason);
}

/** The names of the chat tools and the task types package.json contributes: VS Code asks for them right after activating for them. */
function contributed(context: vscode.ExtensionContext): { tools: string[]; taskTypes: string[] } {
  const c = (context.extension.packageJSON as { contributes?: { languageModelTools?: Array<{ name: string }>; taskDefinitions?: Array<{ type: string }> } }).contributes;
  return { tools: (c?.languageModelTools ?? []).map((t) => t.name), taskTypes: (c?.taskDefinitions ?? []).map((t) => t.type) };
}

/** Chat tools and the task provider registered now, each call handed to the core once it has started. */
function forwardToCore(context: vscode.ExtensionContext, core: () => Promise<Core.StartedCore>): vscode.Disposable[] {
  const { tools, taskTypes } = contributed(context);
  const tool = async (name: string): Promise<vscode.LanguageModelTool<unknown>> => {
    const found = (await core()).tools.get(name);
    if (!found) throw new Error(`no chat tool named ${name}`);
    return found;
  };
  return [
    ...tools.map((name) =>
      vscode.lm.registerTool<unknown>(name, {
        prepareInvocation: async (options, token) => (await tool(name)).prepareInvocation?.(options, token),
        invoke: async (options, token) => (await tool(name)).invoke(options, token),
      }),
    ),
    ...taskTypes.map((type) =>
      vscode.tasks.registerTaskProvider(type, {
        provideTasks: async (token) => (await core()).taskProvider.provideTasks(token),
        resolveTask: async (task, token) => (await core()).taskProvider.resolveTask(task, token),
      }),
    ),
  ];
}

/**
 * Exports nothing to other extensions: any installed extension can call `getExtension(ours).activate()`.
 * Under test (ExtensionMode.Test) it waits for the start and returns the narrow test API of
 * src/testApi.ts, which reads no secret.
 */
export async function activate(context: vscode.ExtensionContext): Promise<InviosmartApi | undefined> {
  let failure: unknown;
  const deferred = deferredStart({
    ids: Object.values(CommandIds),
    commands: vscode.commands,
    preload,
    load: () => {
      // Already loaded by a preload step (loadOnce keeps it): this only takes it.
      const core = loadCore();
      return () => {
        performance.mark(CoreMarks.willStart);
        const started = core.startCore(context);
        performance.mark(CoreMarks.didStart);
        return started;
      };
    },
    onError: (e) => {
      failure = e;
      void vscode.window.showErrorMessage(failureText(e));
    },
  });
  const started = deferred.started;
  const core = async (): Promise<Core.StartedCore> => {
    const c = await started;
    if (!c) throw new Error(failureText(failure));
    return c;
  };
  context.subscriptions.push(deferred, ...forwardToCore(context, core));
  running = { deferred, started };
  performance.mark(CoreMarks.activated);
  if (context.extensionMode === vscode.ExtensionMode.Test) return (await started)?.testApi();
  return undefined;
}

export async function deactivate(): Promise<void> {
  // Never deletes data or credentials: this runs on every window reload.
  const stopping = running;
  running = undefined;
  stopping?.deferred.dispose();
  await (await stopping?.started)?.shutdown();
}
