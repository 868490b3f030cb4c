// Long loops of history work give the event loop a turn now and then: the extension host's one
// thread is shared by every extension in the window, so no slice of ours may hold it for long.

/** What a loop calls between items; it resolves at once until the slice's time is up. */
export interface Slicer {
  /** Yields to the event loop when the current slice has run its time; otherwise a no-op. */
  step(): Promise<void> | undefined;
}

/** Slices of about `budgetMs` (the clock is read every 64 steps), then a `setImmediate` turn. */
export function timeSlicer(budgetMs = 8, now: () => number = () => performance.now()): Slicer {
  let start = now();
  let count = 0;
  return {
    step() {
      if ((++count & 63) !== 0 || now() - start < budgetMs) return undefined;
      return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        start = now();
      });
    },
  };
}

/** Never yields: for tools that read a history outside any shared thread. */
export const noSlices: Slicer = { step: () => undefined };
