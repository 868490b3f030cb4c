// Parts of the extension bundled on their own (dist/core.js, see scripts/bundles.mjs) are loaded with
// `require` when first needed, not when VS Code loads dist/extension.js. Plain TypeScript: the unit
// tests load real files with it.

/** A part of the extension that could not be loaded (a file missing from the install, or one that threw while loading). */
export class PartLoadError extends Error {
  constructor(
    readonly part: string,
    cause: unknown,
  ) {
    super(`the extension's ${part} could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PartLoadError';
  }
}

/**
 * `load` runs on the first call only and its result is kept; a load that throws is not kept (the next
 * call tries again) and throws a `PartLoadError` naming the part, with the original error as `cause`.
 */
export function loadOnce<T>(part: string, load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => {
    if (!loaded) {
      try {
        loaded = { value: load() };
      } catch (e) {
        throw new PartLoadError(part, e);
      }
    }
    return loaded.value;
  };
}
