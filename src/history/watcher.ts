// Notices other windows' changes to the history folder: a directory watch where the file system
// has one, and a periodic check as a fallback (some network drives never report). Bursts of events
// become one call of `onChange`.
import * as fs from 'node:fs';
import { SNAPSHOT_FILE } from './format';

export class HistoryWatcher {
  private watcher: fs.FSWatcher | undefined;
  private interval: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly options: { watch: boolean; pollIntervalMs: number },
    private readonly onChange: () => void,
  ) {}

  start(): void {
    if (this.options.watch) {
      try {
        this.watcher = fs.watch(this.dir, { persistent: false }, (_event, name) => {
          if (!name || name.startsWith('history.journal') || name === SNAPSHOT_FILE) this.schedule();
        });
        this.watcher.on('error', () => {
          // e.g. the directory went away; the periodic check still runs
          this.watcher?.close();
          this.watcher = undefined;
        });
      } catch {
        this.watcher = undefined; // not supported here (some network drives); rely on the periodic check
      }
    }
    if (this.options.pollIntervalMs > 0) {
      this.interval = setInterval(() => this.schedule(), this.options.pollIntervalMs);
      this.interval.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.interval) clearInterval(this.interval);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.interval = this.syncTimer = undefined;
  }

  /** Coalesces bursts of watch events into one catch-up. */
  private schedule(): void {
    if (this.syncTimer || this.stopped) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (!this.stopped) this.onChange();
    }, 20);
    this.syncTimer.unref();
  }
}
