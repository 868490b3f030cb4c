// Activation registers stand-ins and starts the real work in the next tasks (src/common/deferredStart.ts),
// loading it once from its own bundle (src/common/loadOnce.ts). The command registry is a double of
// VS Code's (it refuses a second registration of an id, as the extension host does); the tasks are a
// queue the test runs by hand; the loaded parts are real files in a temp folder.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deferredStart, type CommandRegistry } from '../../src/common/deferredStart';
import type { Disposable } from '../../src/common/lifecycle';
import { loadOnce, PartLoadError } from '../../src/common/loadOnce';
import { removeDir, tempDir } from './fixtures/historyHelpers';

type Handler = (...args: never[]) => unknown;

class Registry implements CommandRegistry {
  readonly handlers = new Map<string, Handler>();
  registerCommand(id: string, run: Handler): Disposable {
    if (this.handlers.has(id)) throw new Error(`command '${id}' already exists`);
    this.handlers.set(id, run);
    return { dispose: () => void (this.handlers.get(id) === run && this.handlers.delete(id)) };
  }
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    const run = this.handlers.get(id);
    if (!run) throw new Error(`command '${id}' not found`);
    return run(...(args as never[]));
  }
}

/** Steps handed to `later`, run one task at a time by the test. */
class Tasks {
  private readonly queue: Array<() => void> = [];
  readonly later = (step: () => void): void => void this.queue.push(step);
  get waiting(): number {
    return this.queue.length;
  }
  /** Runs the next step, then lets the promise reactions it caused settle. */
  async runNext(): Promise<void> {
    const step = this.queue.shift();
    assert.ok(step, 'no task is waiting');
    step();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const IDS = ['x.send', 'x.status'];

describe('deferred start: stand-in commands until the real work has started', () => {
  it('activation registers a stand-in per id and loads nothing; the load is the next task, the start the one after', async () => {
    const registry = new Registry();
    const tasks = new Tasks();
    const steps: string[] = [];
    const deferred = deferredStart({
      ids: IDS,
      commands: registry,
      later: tasks.later,
      load: () => {
        steps.push('load');
        return () => {
          steps.push('start');
          for (const id of IDS) registry.registerCommand(id, () => `real ${id}`);
          return 'core';
        };
      },
      onError: (e) => assert.fail(String(e)),
    });
    assert.deepEqual([...registry.handlers.keys()], IDS);
    assert.deepEqual(steps, []);
    await tasks.runNext();
    assert.deepEqual(steps, ['load']);
    assert.equal(tasks.waiting, 1);
    await tasks.runNext();
    assert.deepEqual(steps, ['load', 'start']);
    assert.equal(await deferred.started, 'core');
    assert.equal(await registry.executeCommand('x.send'), 'real x.send');
  });

  /** A deferred start with these preload steps, the test's registry and task queue, and a load that notes itself in `ran` and starts 'core'. */
  function withSteps(preload: Array<() => unknown>, onError: (e: unknown) => void = (e) => assert.fail(String(e))) {
    const registry = new Registry();
    const tasks = new Tasks();
    const ran: string[] = [];
    const deferred = deferredStart({
      ids: IDS,
      commands: registry,
      later: tasks.later,
      preload,
      load: () => {
        ran.push('load');
        return () => 'core';
      },
      onError,
    });
    return { registry, tasks, ran, deferred };
  }

  it('each preload step runs in a task of its own, in order, before the load; a window closed between steps stops them there', async () => {
    const steps: string[] = [];
    const { tasks, ran, deferred } = withSteps([() => steps.push('core-1'), () => steps.push('core-2'), () => steps.push('undici')]);
    for (const expected of [['core-1'], ['core-1', 'core-2'], ['core-1', 'core-2', 'undici']]) {
      await tasks.runNext();
      assert.deepEqual(steps, expected);
      assert.deepEqual(ran, []);
      assert.equal(tasks.waiting, 1, 'one step per task');
    }
    await tasks.runNext();
    assert.deepEqual(ran, ['load']);
    await tasks.runNext();
    assert.equal(await deferred.started, 'core');

    // Disposed after the first step: nothing after it runs, and the start resolves to undefined.
    const closedSteps: string[] = [];
    const closed = withSteps([() => closedSteps.push('core-1'), () => closedSteps.push('core-2')]);
    await closed.tasks.runNext();
    closed.deferred.dispose();
    while (closed.tasks.waiting > 0) await closed.tasks.runNext();
    assert.deepEqual(closedSteps, ['core-1']);
    assert.deepEqual(closed.ran, []);
    assert.equal(await closed.deferred.started, undefined);
    assert.deepEqual([...closed.registry.handlers.keys()], [], 'the stand-ins are gone');
  });

  it('a step that returns steps has them run next, each in a task of its own', async () => {
    const steps: string[] = [];
    const { tasks, ran, deferred } = withSteps([() => [() => steps.push('a'), () => steps.push('b')], () => steps.push('c')]);
    await tasks.runNext();
    assert.deepEqual(steps, []);
    for (const expected of [['a'], ['a', 'b'], ['a', 'b', 'c']]) {
      await tasks.runNext();
      assert.deepEqual(steps, expected);
    }
    while (tasks.waiting > 0) await tasks.runNext();
    assert.deepEqual(ran, ['load']);
    assert.equal(await deferred.started, 'core');
  });

  it('a preload step that throws fails the start: shown once, nothing after it runs', async () => {
    const errors: unknown[] = [];
    const steps: string[] = [];
    const part = loadOnce('dist/core-2.js', () => {
      throw new Error("Cannot find module './core-2.js'");
    });
    const { tasks, ran, deferred } = withSteps([() => steps.push('core-1'), part, () => steps.push('core-3')], (e) => errors.push(e));
    while (tasks.waiting > 0) await tasks.runNext();
    assert.equal(await deferred.started, undefined);
    assert.deepEqual(steps, ['core-1']);
    assert.deepEqual(ran, []);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof PartLoadError && errors[0].part === 'dist/core-2.js');
  });

  it('a command run before the start waits for it, then runs the real command with the same arguments', async () => {
    const registry = new Registry();
    const tasks = new Tasks();
    const seen: unknown[][] = [];
    const deferred = deferredStart({
      ids: IDS,
      commands: registry,
      later: tasks.later,
      load: () => () => {
        registry.registerCommand('x.status', (...args: never[]) => {
          seen.push(args);
          return 'answered';
        });
        registry.registerCommand('x.send', () => undefined);
      },
      onError: (e) => assert.fail(String(e)),
    });
    const node = { key: 'k1' };
    const answer = registry.executeCommand('x.status', node, 2);
    await tasks.runNext();
    assert.deepEqual(seen, []);
    await tasks.runNext();
    assert.equal(await answer, 'answered');
    assert.equal(seen.length, 1);
    assert.equal(seen[0][0], node, 'the same object, not a copy');
    assert.equal(seen[0][1], 2);
    await deferred.started;
  });

  it('a load that fails is shown once, keeps the stand-ins, and each command run then shows it again', async () => {
    const registry = new Registry();
    const tasks = new Tasks();
    const errors: unknown[] = [];
    const load = loadOnce('dist/core.js', () => {
      throw new Error('Cannot find module ./core.js');
    });
    const deferred = deferredStart({ ids: IDS, commands: registry, later: tasks.later, load: () => load(), onError: (e) => errors.push(e) });
    await tasks.runNext();
    assert.equal(await deferred.started, undefined);
    assert.equal(tasks.waiting, 0, 'no start step after a failed load');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof PartLoadError);
    assert.equal(errors[0].part, 'dist/core.js');
    assert.match(errors[0].message, /dist\/core\.js could not be loaded: Cannot find module/);
    assert.deepEqual([...registry.handlers.keys()], IDS);
    assert.equal(await registry.executeCommand('x.send'), undefined);
    assert.equal(errors.length, 2);
  });

  it('a start that throws is shown and leaves `started` undefined', async () => {
    const registry = new Registry();
    const tasks = new Tasks();
    const errors: unknown[] = [];
    const deferred = deferredStart({
      ids: IDS,
      commands: registry,
      later: tasks.later,
      load: () => () => {
        throw new Error('no global storage');
      },
      onError: (e) => errors.push(e),
    });
    await tasks.runNext();
    await tasks.runNext();
    assert.equal(await deferred.started, undefined);
    assert.deepEqual(errors.map((e) => (e as Error).message), ['no global storage']);
  });

  it('disposing before the load calls the start off: the stand-ins go, nothing is loaded or started', async () => {
    const registry = new Registry();
    const tasks = new Tasks();
    const steps: string[] = [];
    const deferred = deferredStart({
      ids: IDS,
      commands: registry,
      later: tasks.later,
      load: () => {
        steps.push('load');
        return () => steps.push('start');
      },
      onError: (e) => assert.fail(String(e)),
    });
    deferred.dispose();
    assert.equal(registry.handlers.size, 0);
    await tasks.runNext();
    assert.equal(await deferred.started, undefined);
    assert.deepEqual(steps, []);
  });

  it('disposing between the load and the start calls the start off', async () => {
    const registry = new Registry();
    const tasks = new Tasks();
    const steps: string[] = [];
    const deferred = deferredStart({
      ids: IDS,
      commands: registry,
      later: tasks.later,
      load: () => {
        steps.push('load');
        return () => steps.push('start');
      },
      onError: (e) => assert.fail(String(e)),
    });
    await tasks.runNext();
    deferred.dispose();
    await tasks.runNext();
    assert.equal(await deferred.started, undefined);
    assert.deepEqual(steps, ['load']);
  });
});

describe('loadOnce: a bundle required on first use', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  // Each file counts its own evaluations on a global, so the test sees how often Node ran it.
  const write = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `globalThis.__loads = (globalThis.__loads ?? 0) + 1;\n${body}\n`);
    return file;
  };
  const loads = (): number => (globalThis as { __loads?: number }).__loads ?? 0;
  const reset = (): void => void delete (globalThis as { __loads?: number }).__loads;

  it('requires the file on the first call only and hands back the same exports', () => {
    reset();
    const file = write('part.js', 'exports.answer = 42;');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const get = loadOnce('part', () => require(file) as { answer: number });
    assert.equal(loads(), 0, 'nothing is loaded before the first call');
    const first = get();
    assert.equal(first.answer, 42);
    assert.equal(get(), first);
    assert.equal(loads(), 1);
  });

  it('a missing file gives a PartLoadError naming the part, with Node\'s error as its cause', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const get = loadOnce('dist/core.js', () => require(path.join(dir, 'core.js')) as unknown);
    assert.throws(get, (e: unknown) => {
      assert.ok(e instanceof PartLoadError);
      assert.equal(e.part, 'dist/core.js');
      assert.equal((e.cause as NodeJS.ErrnoException).code, 'MODULE_NOT_FOUND');
      assert.match(e.message, /^the extension's dist\/core\.js could not be loaded: Cannot find module/);
      return true;
    });
  });

  it('a file that throws while loading is not kept: the next call loads it again', () => {
    reset();
    const file = write('flaky.js', 'if (globalThis.__loads === 1) throw new Error("first load breaks"); exports.ok = true;');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const get = loadOnce('flaky', () => require(file) as { ok: boolean });
    assert.throws(get, /flaky could not be loaded: first load breaks/);
    assert.equal(get().ok, true);
    assert.equal(loads(), 2);
  });
});
