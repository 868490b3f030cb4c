// Starts the extension's real work in a later task than `activate`, so that VS Code's activation (load
// the main file, call activate) costs about what an empty extension's does. Every command still exists
// from the start: until the work has started, each id is a stand-in that waits for it and then runs the
// real command with the same arguments. Plain TypeScript (the VS Code command registry is passed in), so
// the unit tests drive it with their own registry and task queue.
import type { Disposable } from './lifecycle';

/** The part of `vscode.commands` used here. */
export interface CommandRegistry {
  registerCommand(id: string, run: (...args: never[]) => unknown): Disposable;
  executeCommand(id: string, ...args: unknown[]): PromiseLike<unknown>;
}

export interface DeferredStartOptions<T> {
  /** Every command id the started work registers: each has a stand-in until then. */
  ids: readonly string[];
  commands: CommandRegistry;
  /**
   * Steps run before `load`, each in a task of its own (the parts the code needs, loaded one at a time). A step
   * that returns an array of functions has them run next, each in a task of its own too.
   */
  preload?: ReadonlyArray<() => unknown>;
  /** Loads the code (its own task) and gives the step that starts it (the next task). */
  load(): () => T;
  /** Shows why the work could not load or start: once when it fails, and again on each command run after. */
  onError(error: unknown): void;
  /** Runs a step in a later task (default `setImmediate`); tests pass their own queue. */
  later?: (step: () => void) => void;
}

export interface DeferredStart<T> extends Disposable {
  /** The started work, or undefined when it could not load or start (`onError` has been told) or was disposed first. */
  readonly started: Promise<T | undefined>;
  /** Removes the stand-ins; before the start, also calls it off (a window closed right after activation). */
  dispose(): void;
}

/** Registers the stand-ins now; loads in the next tasks (each preload, then `load`) and starts in the one after (see the file's head). */
export function deferredStart<T>(options: DeferredStartOptions<T>): DeferredStart<T> {
  const later = options.later ?? ((step: () => void) => void setImmediate(step));
  const nextTask = () => new Promise<void>((resolve) => later(resolve));
  let failure: { error: unknown } | undefined;
  let disposed = false;
  const standIns: Disposable[] = options.ids.map((id) =>
    options.commands.registerCommand(id, async (...args: never[]) => {
      await started;
      if (failure) {
        options.onError(failure.error);
        return undefined;
      }
      // The real command is registered now, under the same id.
      return options.commands.executeCommand(id, ...args);
    }),
  );
  const removeStandIns = () => {
    for (const d of standIns.splice(0)) d.dispose();
  };
  const started = (async (): Promise<T | undefined> => {
    try {
      const steps = [...(options.preload ?? [])];
      for (let step = steps.shift(); step; step = steps.shift()) {
        await nextTask();
        if (disposed) return undefined;
        const more = step();
        if (Array.isArray(more) && more.every((m) => typeof m === 'function')) steps.unshift(...(more as Array<() => unknown>));
      }
      await nextTask();
      if (disposed) return undefined;
      const start = options.load();
      await nextTask();
      if (disposed) return undefined;
      // Same task: no command can run between the stand-ins going and the real commands coming.
      removeStandIns();
      return start();
    } catch (e) {
      failure = { error: e };
      options.onError(e);
      return undefined;
    }
  })();
  return {
    started,
    dispose: () => {
      disposed = true;
      removeStandIns();
    },
  };
}
