import { newestFirst } from '../history/rows';
import * as vscode from 'vscode';
import { DisposableBase } from '../common/lifecycle';
import type { Log } from '../common/log';
import { formatEuro } from '../common/money';
import { displayGatewayTime } from '../gateway/time';
import type { SessionProvider } from '../credentials/types';
import { statusPatch } from '../history/statusPatch';
import type { HistoryEntry, HistoryPatch, HistoryReader } from '../history/types';
import { DEFAULT_MAX_AGE_MS, messageState } from '../history/messageState';
import { formatDestination, statusLabel, statusName } from '../views/entryPresentation';
import { describeError, showError, windowConfirm, windowNotify, type Confirm, type Notify } from './errors';
import { CommandIds } from '../common/commandIds';
import type { SendCommand } from './send';

/** A command argument naming one message: its history key, or a tree/panel node carrying `key`. */
export type EntryArg = string | { key?: unknown } | undefined;

export function keyOf(arg: EntryArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof arg.key === 'string') return arg.key;
  return undefined;
}

export interface MessageCommandDeps {
  history: HistoryReader & {
    update(key: string, patch: HistoryPatch): Promise<HistoryEntry | undefined>;
    remove(keys: readonly string[]): Promise<void>;
  };
  sessions: SessionProvider;
  send: SendCommand;
  poller: { refreshNow(keys?: readonly string[]): Promise<void> };
  openPanel: (key?: string) => void;
  log: Log;
  /** The entries selected in the tree, used when a command is run without an argument. */
  selection?: () => readonly string[];
  /** The poller's max age in ms, to word a message it stopped checking; default 48 h. */
  maxAgeMs?: () => number;
  /** How results are told; defaults to VS Code notifications. */
  notify?: Notify;
  /** Asks before a risky resend or a delete; defaults to a modal warning. */
  confirm?: Confirm;
  /** False leaves the commands unregistered (a second instance in tests). */
  register?: boolean;
}

/** Status, resend, copy and delete: everything that acts on messages already in history. */
export class MessageCommands extends DisposableBase {
  private readonly notify: Notify;
  private readonly confirm: Confirm;

  constructor(private readonly deps: MessageCommandDeps) {
    super();
    this.notify = deps.notify ?? windowNotify;
    this.confirm = deps.confirm ?? windowConfirm;
    if (deps.register === false) return;
    const r = (id: string, run: (...args: never[]) => unknown) => this._register(vscode.commands.registerCommand(id, run));
    r(CommandIds.checkStatus, (arg?: EntryArg) => this.checkStatus(arg));
    r(CommandIds.refreshStatus, (arg?: EntryArg, many?: EntryArg[]) => this.refreshStatus(arg, many));
    r(CommandIds.resend, (arg?: EntryArg) => this.resend(arg));
    r(CommandIds.copyId, (arg?: EntryArg) => this.copy(arg, 'id'));
    r(CommandIds.copyText, (arg?: EntryArg) => this.copy(arg, 'text'));
    r(CommandIds.deleteEntry, (arg?: EntryArg, many?: EntryArg[]) => this.delete(arg, many));
    r(CommandIds.openEntryInPanel, (arg?: EntryArg) => this.deps.openPanel(keyOf(arg)));
  }

  private entry(arg: EntryArg): HistoryEntry | undefined {
    const key = keyOf(arg) ?? this.deps.selection?.()[0];
    return key ? this.deps.history.get(key) : undefined;
  }

  private keys(arg: EntryArg, many?: EntryArg[]): string[] {
    const all = (many && many.length > 0 ? many : [arg]).map(keyOf).filter((k): k is string => !!k);
    return all.length > 0 ? all : [...(this.deps.selection?.() ?? [])];
  }

  /** Asks the gateway for one message's status and shows it; the history entry is updated too. */
  async checkStatus(arg?: EntryArg): Promise<HistoryEntry | undefined> {
    let entry = this.entry(arg);
    if (!entry) {
      entry = await this.pickEntry();
      if (!entry) return undefined;
    }
    if (entry.smsId === undefined) {
      void this.notify('warning', vscode.l10n.t('This message has no SMS ID: the gateway never accepted it, so it has no status to check.'));
      return entry;
    }
    try {
      const session = await this.deps.sessions.forAccount(entry.account);
      const report = await session.client.status(session.credentials, entry.smsId);
      const updated = (await this.deps.history.update(entry.key, statusPatch(report, new Date().toISOString()))) ?? entry;
      const when = report.deliveredOn.date ? ` · ${displayGatewayTime(report.deliveredOn.raw) ?? ''} ${vscode.l10n.t('(provider local time)')}` : '';
      void this.notify(
        'info',
        vscode.l10n.t('SMS {0} to {1}: {2} (status {3}){4} · {5} SMS · {6}', report.smsId, formatDestination(report.destination), statusName(report.status, vscode.l10n), report.status.code, when, report.quantity, formatEuro(report.charge, vscode.env.language)),
      );
      return updated;
    } catch (e) {
      void showError(vscode.l10n.t('The status of SMS {0} could not be checked:', entry.smsId), e, () => this.deps.log.show(), this.notify);
      return entry;
    }
  }

  private async pickEntry(): Promise<HistoryEntry | undefined> {
    await this.deps.history.ready?.catch(() => undefined); // the pick lists the history, all of it
    const withId: HistoryEntry[] = [];
    for (const e of newestFirst(this.deps.history, (rows, row) => rows.field(row, 'smsId') !== undefined)) if (withId.push(e) >= 200) break;
    if (withId.length === 0) {
      void this.notify('info', vscode.l10n.t('No sent message has an SMS ID yet. Send one first.'));
      return undefined;
    }
    const at = { now: Date.now(), maxAgeMs: this.deps.maxAgeMs?.() ?? DEFAULT_MAX_AGE_MS };
    const pick = await vscode.window.showQuickPick(
      withId.map((e) => ({
        label: `${e.smsId}`,
        description: `${formatDestination(e.destination)} · ${statusLabel(e, vscode.l10n, messageState(e, at))}`,
        detail: e.text.split('\n')[0].slice(0, 80),
        key: e.key,
      })),
      { title: vscode.l10n.t('Check Message Status'), placeHolder: vscode.l10n.t('Choose a message (type to filter by ID, number or text)'), matchOnDescription: true, matchOnDetail: true },
    );
    return pick ? this.deps.history.get(pick.key) : undefined;
  }

  async refreshStatus(arg?: EntryArg, many?: EntryArg[]): Promise<void> {
    const keys = this.keys(arg, many);
    await vscode.window.withProgress(
      { location: { viewId: 'inviosmart.history' }, title: vscode.l10n.t('Refreshing status…') },
      () => this.deps.poller.refreshNow(keys.length > 0 ? keys : undefined),
    );
  }

  async resend(arg?: EntryArg): Promise<HistoryEntry[] | undefined> {
    const entry = this.entry(arg);
    if (!entry) return undefined;
    const warning =
      entry.state === 'unknown' || entry.state === 'sending'
        ? vscode.l10n.t('The first attempt to {0} had no answer: it may already have been delivered. Resending could deliver it twice, and you would pay twice.', formatDestination(entry.destination))
        : entry.state === 'held'
          ? vscode.l10n.t('The gateway is holding the SMS to {0} until its cost is confirmed on the Inviosmart website. Confirming it there would send it; resending it here as well would send it twice, and you would pay twice.', formatDestination(entry.destination))
          : undefined;
    if (warning && !(await this.confirm(warning, undefined, vscode.l10n.t('Resend Anyway')))) return undefined;
    // The message's own account: resending a sandbox message must never charge a real account.
    const account = { id: entry.account, label: entry.accountLabel || entry.account };
    return this.deps.send.run({ destinations: entry.destination, sender: entry.sender, text: entry.text, account });
  }

  async copy(arg: EntryArg, what: 'id' | 'text'): Promise<void> {
    const entry = this.entry(arg);
    if (!entry) return;
    if (what === 'id' && entry.smsId === undefined) {
      void this.notify('warning', vscode.l10n.t('This message has no SMS ID.'));
      return;
    }
    await vscode.env.clipboard.writeText(what === 'id' ? String(entry.smsId) : entry.text);
    vscode.window.setStatusBarMessage(what === 'id' ? vscode.l10n.t('SMS ID copied') : vscode.l10n.t('Message text copied'), 2500);
  }

  async delete(arg?: EntryArg, many?: EntryArg[]): Promise<boolean> {
    const keys = this.keys(arg, many).filter((k) => this.deps.history.get(k));
    if (keys.length === 0) return false;
    const confirmed = await this.confirm(
      keys.length === 1 ? vscode.l10n.t('Delete this message from the history?') : vscode.l10n.t('Delete {0} messages from the history?', keys.length),
      vscode.l10n.t('Only the local record is removed; the gateway keeps its own.'),
      vscode.l10n.t('Delete'),
    );
    if (!confirmed) return false;
    try {
      await this.deps.history.remove(keys);
      return true;
    } catch (e) {
      void this.notify('error', vscode.l10n.t('The history could not be changed: {0}', describeError(e).full));
      return false;
    }
  }
}
