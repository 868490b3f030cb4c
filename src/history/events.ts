// A tiny typed event emitter shaped like vscode.EventEmitter, for code that must run in plain Node.
import type { Disposable } from './types';

/** Subscribe with a listener; dispose the result to unsubscribe. Same shape as `vscode.Event<T>`. */
export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners: Array<(e: T) => void> = [];
  private disposed = false;

  /** @param onListenerError called when a listener throws; the other listeners still run. */
  constructor(private readonly onListenerError?: (err: unknown) => void) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    this.listeners.push(listener);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        const i = this.listeners.indexOf(listener);
        if (i >= 0) this.listeners.splice(i, 1);
      },
    };
  };

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  fire(e: T): void {
    // A copy, so a listener that unsubscribes (or subscribes) during delivery does not skip anyone.
    for (const listener of this.listeners.slice()) {
      try {
        listener(e);
      } catch (err) {
        this.onListenerError?.(err);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
