// One lifecycle pattern for every owner of disposables. Plain TypeScript (no 'vscode' import): a
// `vscode.Disposable` fits `Disposable` structurally, so the UI and the plain-Node core share it.

/** Anything that can be disposed: a `vscode.Disposable`, a timer wrapper, a subscription. */
export interface Disposable {
  dispose(): void;
}

/** Wraps a clean-up step so it can be registered like any other disposable. */
export function toDisposable(dispose: () => void): Disposable {
  return { dispose };
}

/**
 * Base for objects that own disposables: each one is registered once (usually in the constructor), and
 * disposing the owner disposes all of them together, in reverse order. Something registered after the
 * owner was disposed is disposed at once, so a late registration cannot leak.
 */
export abstract class DisposableBase implements Disposable {
  private readonly disposables: Disposable[] = [];
  private disposed = false;

  protected _register<T extends Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.disposables.push(d);
    return d;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposable must not keep the others alive
      }
    }
  }
}
