// A bulk send tells its story once: a progress notification while it runs (BulkCommand), then one
// summary when every message of the batch has settled ("customers.csv: 998 delivered, 2 failed").
// A batch's messages raise no toast each; single sends keep theirs.
import { batchEntries } from '../history/rows';
import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import type { NotifyOn } from '../config';
import type { HistoryEntry, HistoryReader } from '../history/types';
import { isFinal, messageState } from '../history/messageState';
import type { Notify } from './errors';

/** Whether one message's final status gets its own notification: a batch's messages are counted in the batch summary instead. */
export function toastOnFinal(entry: HistoryEntry, notifyOn: NotifyOn): boolean {
  if (entry.batchId !== undefined && entry.batchId !== '') return false;
  return notifyOn === 'all' || (notifyOn === 'failures' && messageState(entry) === 'failed');
}

/** Where the messages of one batch stand. */
export interface BatchTally {
  total: number;
  delivered: number;
  failed: number;
  unknown: number;
  /** Still sending, queued or pending. */
  open: number;
  /** The entry "Show" opens: the first failure, else the first message. */
  showKey?: string;
}

type Settled = 'delivered' | 'failed' | 'unknown' | 'open';

/** A batch's message is open until nothing more will happen to it by itself (messageState.ts). */
function settledAs(entry: HistoryEntry): Settled {
  const state = messageState(entry);
  if (state === 'unknownOutcome') return 'unknown';
  if (!isFinal(entry)) return 'open';
  return state === 'failed' ? 'failed' : 'delivered';
}

/**
 * Follows one batch's messages through history changes and tells, once, when none is open any more.
 * Only the batch's own entries are looked at on each change, so a 100k history costs one pass at start.
 */
export class BatchSettleWatch extends DisposableBase {
  private readonly states = new Map<string, Settled>();
  private told = false;

  constructor(
    history: Pick<HistoryReader, 'all' | 'get' | 'rows' | 'onDidChange'>,
    readonly batchId: string,
    private readonly source: string,
    private readonly tell: (tally: BatchTally, source: string) => void,
  ) {
    super();
    for (const e of batchEntries(history, batchId)) this.states.set(e.key, settledAs(e));
    this._register(history.onDidChange(({ upserted, removed }) => {
      let touched = false;
      for (const e of upserted) {
        if (e.batchId !== batchId) continue;
        this.states.set(e.key, settledAs(e));
        touched = true;
      }
      for (const key of removed) touched = this.states.delete(key) || touched;
      if (touched) this.check();
    }));
  }

  /** Tells now when everything has already settled (e.g. every row was refused). */
  start(): this {
    this.check();
    return this;
  }

  tally(): BatchTally {
    const t: BatchTally = { total: 0, delivered: 0, failed: 0, unknown: 0, open: 0 };
    let firstFailed: string | undefined;
    let first: string | undefined;
    for (const [key, state] of this.states) {
      t.total++;
      t[state]++;
      first ??= key;
      if (state === 'failed') firstFailed ??= key;
    }
    t.showKey = firstFailed ?? first;
    return t;
  }

  private check(): void {
    if (this.told) return;
    const t = this.tally();
    if (t.total === 0 || t.open > 0) return;
    this.told = true;
    this.dispose();
    this.tell(t, this.source);
  }
}

/** The summary's words: `customers.csv: 998 delivered, 2 failed` (and the unknown ones when there are). */
export function batchSummaryText(source: string, t: BatchTally): string {
  const counts = [vscode.l10n.t('{0} delivered', t.delivered), vscode.l10n.t('{0} failed', t.failed)];
  if (t.unknown > 0) counts.push(vscode.l10n.t('{0} with unknown outcome', t.unknown));
  return vscode.l10n.t('{0}: {1}', source, counts.join(', '));
}

/** Shows the summary (as the `notifications.onFinalStatus` setting allows) with a Show action opening the panel. */
export async function tellSettled(notify: Notify, notifyOn: NotifyOn, source: string, t: BatchTally, show: (key?: string) => void): Promise<void> {
  const trouble = t.failed > 0 || t.unknown > 0;
  if (notifyOn === 'none' || (notifyOn === 'failures' && !trouble)) return;
  const action = vscode.l10n.t('Show');
  const pick = await notify(trouble ? 'warning' : 'info', batchSummaryText(source, t), action);
  if (pick === action) show(t.showKey);
}
