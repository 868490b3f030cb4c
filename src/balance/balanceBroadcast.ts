// Balance changes seen in one window reach the others at once: the window that checked the balance
// writes it to a small file in the shared history folder, and every window watches that file.
// Plain Node, no 'vscode'. Holds the balance figures only: never a username or password.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { BalanceReport } from '../gateway/types';
import { writeFileDurable } from '../common/durable';
import { DisposableBase, toDisposable, type Disposable } from '../common/lifecycle';

export const BALANCE_FILE = 'balance.json';

export interface SharedBalance {
  /** The account id the balance is for. */
  account: string;
  report: BalanceReport;
  /** The prefix the SMS count refers to; undefined when none was asked. */
  countryPrefix?: string;
  /** Epoch ms of the check. */
  at: number;
}

function isReport(o: unknown): o is BalanceReport {
  if (typeof o !== 'object' || o === null) return false;
  const r = o as Record<string, unknown>;
  return (
    typeof r.balance === 'number' && Number.isFinite(r.balance) && typeof r.raw === 'string' &&
    (r.smsRemainCount === undefined || typeof r.smsRemainCount === 'number') &&
    (r.countryprefix === undefined || typeof r.countryprefix === 'string')
  );
}

/** Reads a broadcast back; anything torn or foreign is ignored. */
export function parseSharedBalance(text: string): (SharedBalance & { from: string }) | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null) return undefined;
    if (typeof o.account !== 'string' || typeof o.from !== 'string' || typeof o.at !== 'number' || !Number.isFinite(o.at)) return undefined;
    if (!isReport(o.report) || (o.countryPrefix !== undefined && typeof o.countryPrefix !== 'string')) return undefined;
    const b: SharedBalance & { from: string } = { account: o.account, report: o.report, at: o.at, from: o.from };
    if (typeof o.countryPrefix === 'string') b.countryPrefix = o.countryPrefix;
    return b;
  } catch {
    return undefined;
  }
}

export interface BalanceBroadcastOptions {
  onError?: (err: unknown) => void;
}

export class BalanceBroadcast extends DisposableBase {
  private readonly file: string;
  private readonly from = randomBytes(8).toString('hex');
  private readonly listeners = new Set<(balance: SharedBalance) => void>();
  private watcher: fs.FSWatcher | undefined;
  private lastSeen = '';

  constructor(private readonly dir: string, private readonly options: BalanceBroadcastOptions = {}) {
    super();
    this._register(toDisposable(() => {
      this.listeners.clear();
      this.watcher?.close();
      this.watcher = undefined;
    }));
    this.file = path.join(dir, BALANCE_FILE);
  }

  /** Tells the other windows; a failure only means they learn it at their own next check. */
  async publish(balance: SharedBalance): Promise<void> {
    if (this.isDisposed) return;
    try {
      await fsp.mkdir(this.dir, { recursive: true });
      await writeFileDurable(this.file, JSON.stringify({ ...balance, from: this.from }), { what: 'the shared balance' });
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** Another window's balance check; starts watching with the first listener. */
  onDidReceive(listener: (balance: SharedBalance) => void): Disposable {
    this.listeners.add(listener);
    this.watch();
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Reads the file now (the watcher calls this; tests may too). */
  async check(): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch {
      return; // none yet, or being replaced: the next event brings it
    }
    if (this.isDisposed || text === this.lastSeen) return;
    this.lastSeen = text;
    const shared = parseSharedBalance(text);
    if (!shared || shared.from === this.from) return;
    const { from: _from, ...balance } = shared;
    for (const l of [...this.listeners]) l(balance);
  }

  private watch(): void {
    if (this.watcher || this.isDisposed) return;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      this.watcher = fs.watch(this.dir, (_event, name) => {
        if (!name || name === BALANCE_FILE) void this.check();
      });
      this.watcher.on('error', (err) => this.options.onError?.(err));
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
