// Sending on behalf of a task (tasks.json type "inviosmart") or a task-end notification. A
// workspace's tasks.json is not the user's own choice, so every send passes the guards: never from
// an untrusted workspace, at most inviosmart.tasks.dailyLimit SMS a day, and the first run of each
// distinct definition (numbers + sender + text) asks the user, with the cost. Everything sent is
// recorded in the history like any other message.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { Settings } from '../config';
import { describeError, explain, inertNotificationText, windowConfirm, type Confirm } from '../commands/errors';
import { sendConfirmation } from '../commands/send';
import { NotSignedInError, type GatewaySession, type SessionProvider } from '../credentials/types';
import type { DispatchStore } from '../history/dispatch';
import type { HistoryEntry } from '../history/types';
import { DisposableBase } from '../common/lifecycle';
import type { Log } from '../common/log';
import { checkDraft, dispatchDraft, sendCharsetOf, type SmsDraft } from '../lm/draft';
import { readStored, rememberFirst, StorageKeys, writeStored } from '../common/storageKeys';
import { dayKey, reserve, usedToday } from './dailyCap';

/** Approved definitions remembered; the oldest are forgotten (and asked again) beyond this. */
const MAX_APPROVED = 500;

export type TaskSmsOrigin = 'task' | 'notification';
export type TaskSmsOutcome = 'sent' | 'failed' | 'refused' | 'declined';

export interface TaskSmsRequest {
  origin: TaskSmsOrigin;
  /** The task's name, for messages. */
  label: string;
  input: { destinations?: unknown; sender?: unknown; text?: unknown };
}

export interface TaskSmsReport {
  origin: TaskSmsOrigin;
  label: string;
  outcome: TaskSmsOutcome;
  /** What the user was told (also written to the task's terminal). */
  message: string;
  entries: HistoryEntry[];
}

export interface TaskSmsDeps {
  sessions: SessionProvider;
  history: DispatchStore;
  state: vscode.Memento;
  settings: () => Settings;
  taskSettings: () => { dailyLimit: number };
  log: Log;
  isTrusted?: () => boolean;
  /** The first-run question; defaults to a modal warning. */
  confirm?: Confirm;
  afterSend?: () => void;
  now?: () => Date;
}

/**
 * Identifies a definition by what it would send and the account that pays, so an edited number or text, or
 * another account (one allowed on the free Sandbox, then run with a real one), asks again.
 */
export function definitionKey(draft: SmsDraft, accountId: string): string {
  return createHash('sha256').update(JSON.stringify([[...draft.destinations].sort(), draft.sender, draft.text, accountId])).digest('hex');
}

export class TaskSms extends DisposableBase {
  private readonly reported = this._register(new vscode.EventEmitter<TaskSmsReport>());
  /** Fires after every attempt, sent or not (tests and the task terminal read it). */
  readonly onDidReport = this.reported.event;
  private confirm: Confirm;
  /** One send at a time, so two tasks ending together cannot both pass the cap. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: TaskSmsDeps) {
    super();
    this.confirm = deps.confirm ?? windowConfirm;
  }

  /**
   * Replaces the first-run question (undefined: the modal again). Only the test API reaches it:
   * VS Code refuses modal dialogs while extension tests run.
   */
  confirmWith(confirm: Confirm | undefined): void {
    this.confirm = confirm ?? this.deps.confirm ?? windowConfirm;
  }

  /** How many SMS tasks and notifications sent today. */
  sentToday(): number {
    return usedToday(readStored(this.deps.state, StorageKeys.tasksSentToday, undefined), dayKey(this.now()));
  }

  /** Sends after the guards; `out` receives the lines for the task's terminal. Never throws. */
  send(request: TaskSmsRequest, out: (line: string) => void = () => undefined): Promise<TaskSmsReport> {
    const run = this.queue.then(() => this.sendNow(request, out));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async sendNow(request: TaskSmsRequest, out: (line: string) => void): Promise<TaskSmsReport> {
    let capped = false;
    const report = (outcome: TaskSmsOutcome, message: string, entries: HistoryEntry[] = []): TaskSmsReport => {
      out(message);
      const r = { origin: request.origin, label: request.label, outcome, message, entries };
      // The numbers and text stay out of the log; the history has them.
      this.deps.log.info(`tasks: ${request.origin} "${request.label}" ${outcome}${entries.length > 0 ? ` (${entries.length} SMS)` : ''}`);
      // A task's terminal shows the outcome; a notification that could not be sent must still be seen.
      if (request.origin === 'notification' && outcome !== 'sent' && !capped) void vscode.window.showWarningMessage(inertNotificationText(message));
      this.reported.fire(r);
      return r;
    };
    let dispatched = false;
    try {
      if (!(this.deps.isTrusted ?? (() => vscode.workspace.isTrusted))()) {
        return report('refused', vscode.l10n.t('Not sent: this workspace is not trusted, and SMS are never sent from tasks in an untrusted workspace. Trust the workspace (Workspaces: Manage Workspace Trust) to send.'));
      }
      const settings = this.deps.settings();
      const checked = checkDraft(request.input, settings);
      if (!checked.ok) return report('refused', checked.problems.join('\n'));
      const draft = checked.draft;

      let session: GatewaySession;
      try {
        session = await this.deps.sessions.forActive();
      } catch (e) {
        return report('refused', e instanceof NotSignedInError ? vscode.l10n.t('Not sent: {0} Run "Inviosmart: Sign In" first.', e.message) : vscode.l10n.t('Not sent: {0}', describeError(e).full));
      }

      const limit = this.deps.taskSettings().dailyLimit;
      const today = dayKey(this.now());
      if (!reserve(readStored(this.deps.state, StorageKeys.tasksSentToday, undefined), today, limit, draft.destinations.length).allowed) {
        const message = vscode.l10n.t('Not sent: tasks and task notifications already sent {0} SMS today, the daily limit is {1} (setting inviosmart.tasks.dailyLimit). It starts again tomorrow.', this.sentToday(), limit);
        capped = true;
        void vscode.window.showWarningMessage(inertNotificationText(message));
        return report('refused', message);
      }

      const key = definitionKey(draft, session.account.id);
      const approved = readStored(this.deps.state, StorageKeys.tasksApproved, []);
      if (request.origin === 'task' && !approved.includes(key)) {
        const { summary, detail } = await sendConfirmation(session, draft.destinations, draft.sender, draft.text, sendCharsetOf(session));
        const why = vscode.l10n.t('The task "{0}" wants to send an SMS. This definition has not run before: allow it? Later runs of the same numbers and text will not ask again.', request.label);
        const ok = await this.confirm(summary, `${why}\n\n${detail}\n${vscode.l10n.t('Text: {0}', draft.text)}`, vscode.l10n.t('Send'));
        if (!ok) return report('declined', vscode.l10n.t('Not sent: the first run of this task was not allowed.'));
        await rememberFirst(this.deps.state, StorageKeys.tasksApproved, key, MAX_APPROVED);
      }

      // Counted before sending (and re-read, since the question above may have taken a while).
      const reserved = reserve(readStored(this.deps.state, StorageKeys.tasksSentToday, undefined), dayKey(this.now()), limit, draft.destinations.length);
      if (!reserved.allowed) {
        return report('refused', vscode.l10n.t('Not sent: tasks and task notifications already sent {0} SMS today, the daily limit is {1} (setting inviosmart.tasks.dailyLimit). It starts again tomorrow.', reserved.used, limit));
      }
      await writeStored(this.deps.state, StorageKeys.tasksSentToday, reserved.next);

      out(vscode.l10n.t('Sending to {0} from {1} ({2}): {3}', draft.destinations.map((d) => `+${d}`).join(', '), draft.sender, session.account.sandbox ? vscode.l10n.t('Sandbox (no real SMS, no cost)') : session.account.label, draft.text));
      dispatched = true;
      const outcome = await dispatchDraft(this.deps.history, session, draft, settings);
      this.deps.afterSend?.();
      const lines = outcome.entries.map((e) =>
        e.state === 'sent'
          ? vscode.l10n.t('Sent to +{0}: SMSId {1}', e.destination, String(e.smsId))
          : e.state === 'unknown'
            ? vscode.l10n.t('No answer for +{0}: it may or may not have been sent, so it was not retried. {1}', e.destination, e.error ? explain(e.error) : '')
            : vscode.l10n.t('Failed for +{0}: {1}', e.destination, e.error ? `${explain(e.error)} (${e.error.gatewayText})` : ''),
      );
      const allSent = outcome.entries.every((e) => e.state === 'sent');
      return report(allSent ? 'sent' : 'failed', lines.join('\n'), outcome.entries);
    } catch (e) {
      // Once the request may have gone out, "not sent" could be false: say so and point at the history.
      return report('failed', dispatched
        ? vscode.l10n.t('The SMS may or may not have been sent ({0}). Check the history before running the task again.', describeError(e).full)
        : vscode.l10n.t('Not sent: {0}', describeError(e).full));
    }
  }
}
