// Time for the bulk runner: the real one, or a test's, so rate limits are tested without waiting.
import { sleep } from '../gateway/callControl';

export interface BulkClock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: BulkClock = {
  now: () => Date.now(),
  // The gateway client's abortable sleep: one implementation for both.
  sleep: (ms, signal) => sleep(Math.max(0, ms), signal),
};

/**
 * At most `perSecond` starts in any 1000 ms window (a sliding window, so a burst up to the limit is
 * allowed, then starts follow the oldest one out). 0 or Infinity means no limit.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly limit: number;

  constructor(
    perSecond: number,
    private readonly clock: BulkClock,
  ) {
    this.limit = Number.isFinite(perSecond) && perSecond > 0 ? Math.max(1, Math.floor(perSecond)) : Infinity;
  }

  /** Waits for a free slot and takes it; false when the signal aborted first. */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    if (this.limit === Infinity) return !signal?.aborted;
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.clock.now();
      while (this.starts.length > 0 && this.starts[0] <= now - 1000) this.starts.shift();
      if (this.starts.length < this.limit) {
        this.starts.push(now);
        return true;
      }
      try {
        await this.clock.sleep(this.starts[0] + 1000 - now, signal);
      } catch {
        return false;
      }
    }
  }
}
