// "Inviosmart: Text Me When a Task Ends": pick a running task (or the command running in the
// active terminal, where shell integration reports it); when it ends, an SMS with its name, exit
// code and duration goes to the user's notification number, through the same guards as tasks.
import * as vscode from 'vscode';
import { localized } from '../commands/errors';
import { CommandIds } from '../common/commandIds';
import { DisposableBase, toDisposable } from '../common/lifecycle';
import type { Settings } from '../config';
import { normalizeDestination } from '../gateway/validation';
import type { TaskSms, TaskSmsReport } from './taskSms';

const NUMBER_SETTING = 'tasks.notificationNumber';
/** Sender when the user set none (the gateway needs one; this one passes its rules). */
const FALLBACK_SENDER = 'VSCode'; // the platform's sender set has no space

export interface TextMeDeps {
  sms: TaskSms;
  settings: () => Settings;
  taskSettings: () => { notificationNumber: string };
  now?: () => number;
}

/** "12 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return vscode.l10n.t('{0} s', s);
  if (s < 3600) return vscode.l10n.t('{0} min {1} s', Math.floor(s / 60), s % 60);
  return vscode.l10n.t('{0} h {1} min', Math.floor(s / 3600), Math.floor((s % 3600) / 60));
}

/** The SMS text for an ended task or command. */
export function endText(name: string, exitCode: number | undefined, ms: number): string {
  const short = name.length > 60 ? `${name.slice(0, 59)}…` : name;
  const took = formatDuration(ms);
  if (exitCode === undefined) return vscode.l10n.t('"{0}" ended after {1} (exit code not reported).', short, took);
  return exitCode === 0
    ? vscode.l10n.t('"{0}" finished with exit code 0 after {1}.', short, took)
    : vscode.l10n.t('"{0}" failed with exit code {1} after {2}.', short, exitCode, took);
}

/** Called once when the watched task or command ends; `name` is what ended when known better than the label (a command line). */
type Watch = (exitCode: number | undefined, name?: string) => void;

export class TextMeWhenDone extends DisposableBase {
  private readonly taskStarts = new Map<vscode.TaskExecution, number>();
  private readonly commandStarts = new Map<vscode.Terminal, number>();
  private readonly taskWatches = new Map<vscode.TaskExecution, Watch>();
  private readonly terminalWatches = new Map<vscode.Terminal, Watch>();

  /** Task ends waiting for their process's exit code (see onDidEndTask). */
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: TextMeDeps) {
    super();
    this._register(toDisposable(() => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
    }));
    const now = () => this.now();
    // An argument names a running task, or is one of this window's terminals (for other extensions and tests).
    this._register(vscode.commands.registerCommand(CommandIds.textMeWhenTaskEnds, (target?: unknown) =>
      this.run(typeof target === 'string' ? target : vscode.window.terminals.find((t) => t === target))));
    this._register(vscode.tasks.onDidStartTask((e) => this.taskStarts.set(e.execution, now())));
    this._register(vscode.tasks.onDidEndTaskProcess((e) => this.taskEnded(e.execution, e.exitCode)));
    this._register(vscode.tasks.onDidEndTask((e) => {
      // A custom execution has no process: its end comes only here, without an exit code. For a
      // process, give its own end event (which carries the code) a moment to arrive first.
      if (e.execution.task.execution instanceof vscode.CustomExecution) this.taskEnded(e.execution, undefined);
      else this.after(3000, () => this.taskEnded(e.execution, undefined));
    }));
    this._register(vscode.window.onDidStartTerminalShellExecution((e) => this.commandStarts.set(e.terminal, now())));
    this._register(vscode.window.onDidEndTerminalShellExecution((e) => {
      this.commandStarts.delete(e.terminal);
      const watch = this.terminalWatches.get(e.terminal);
      if (!watch) return;
      this.terminalWatches.delete(e.terminal);
      watch(e.exitCode, e.execution.commandLine.value.trim() || undefined);
    }));
  }

  /** Runs `work` later unless this is disposed first (a closing window sends nothing). */
  private after(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, ms);
    this.timers.add(timer);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private taskEnded(execution: vscode.TaskExecution, exitCode: number | undefined): void {
    this.taskStarts.delete(execution);
    const watch = this.taskWatches.get(execution);
    if (!watch) return;
    this.taskWatches.delete(execution);
    watch(exitCode);
  }

  /**
   * Asks what to watch (or takes the running task named `target`, or the terminal) and resolves once the watch is
   * set; the SMS report arrives through `TaskSms.onDidReport`. Undefined when nothing was chosen.
   */
  async run(target?: string | vscode.Terminal): Promise<string | undefined> {
    const taskName = typeof target === 'string' ? target : undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(vscode.l10n.t('This workspace is not trusted: Inviosmart sends no SMS for its tasks. Trust the workspace first.'));
      return undefined;
    }
    type Pick = vscode.QuickPickItem & { execution?: vscode.TaskExecution; terminal?: vscode.Terminal };
    const running = vscode.tasks.taskExecutions.filter((e) => !this.taskWatches.has(e));
    let choice: Pick | undefined;
    if (target !== undefined && typeof target !== 'string') {
      if (!target.shellIntegration || this.terminalWatches.has(target)) {
        void vscode.window.showWarningMessage(vscode.l10n.t('The terminal "{0}" does not report its commands (no shell integration): watch a task instead.', target.name));
        return undefined;
      }
      choice = { label: vscode.l10n.t('Command in terminal "{0}"', target.name), terminal: target };
    } else if (taskName !== undefined) {
      const execution = running.find((e) => e.task.name === taskName);
      if (!execution) {
        void vscode.window.showWarningMessage(vscode.l10n.t('No task named "{0}" is running.', taskName));
        return undefined;
      }
      choice = { label: taskName, execution };
    } else {
      const items: Pick[] = running.map((execution) => ({ label: execution.task.name, description: execution.task.source, execution }));
      const terminal = vscode.window.activeTerminal;
      if (terminal?.shellIntegration && !this.terminalWatches.has(terminal)) {
        items.push({ label: vscode.l10n.t('The command running in terminal "{0}"', terminal.name), description: vscode.l10n.t('reported by shell integration'), terminal });
      }
      if (items.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No task is running. Start the task first, then run this command again.'));
        return undefined;
      }
      choice = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Text Me When a Task Ends'), placeHolder: vscode.l10n.t('Choose the task to watch') });
      if (!choice) return undefined;
    }

    const number = await this.notificationNumber();
    if (!number) return undefined;
    const sender = this.deps.settings().defaultSender || FALLBACK_SENDER;
    const send = (label: string, startedAt: number) => (exitCode: number | undefined, name?: string): Promise<TaskSmsReport> =>
      this.deps.sms.send({ origin: 'notification', label, input: { destinations: [number], sender, text: endText(name ?? label, exitCode, this.now() - startedAt) } });

    if (choice.execution) {
      const startedAt = this.taskStarts.get(choice.execution) ?? this.now();
      const notify = send(choice.label, startedAt);
      this.taskWatches.set(choice.execution, (code) => void notify(code));
    } else if (choice.terminal) {
      const terminal = choice.terminal;
      const startedAt = this.commandStarts.get(terminal) ?? this.now();
      const label = vscode.l10n.t('Command in terminal "{0}"', terminal.name);
      const notify = send(label, startedAt);
      this.terminalWatches.set(terminal, (code, name) => void notify(code, name));
    }
    vscode.window.setStatusBarMessage(vscode.l10n.t('Inviosmart will text +{0} when "{1}" ends.', number, choice.label), 5000);
    return choice.label;
  }

  /** The user's notification number: the setting, or asked once and saved to it. */
  private async notificationNumber(): Promise<string | undefined> {
    const country = this.deps.settings().defaultCountry;
    const saved = this.deps.taskSettings().notificationNumber;
    if (saved) {
      const n = normalizeDestination(saved, country);
      if (n.ok) return n.destination;
      void vscode.window.showWarningMessage(vscode.l10n.t('The notification number in inviosmart.tasks.notificationNumber is not valid: {0}', localized(n.message)));
    }
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Text Me When a Task Ends: your number'),
      prompt: vscode.l10n.t('Your mobile number with country code, e.g. +39 333 1234567. It is saved in the setting inviosmart.tasks.notificationNumber.'),
      ignoreFocusOut: true,
      validateInput: (v) => {
        const n = normalizeDestination(v, country);
        return n.ok ? undefined : localized(n.message);
      },
    });
    if (typed === undefined) return undefined;
    const n = normalizeDestination(typed, country);
    if (!n.ok) return undefined;
    await vscode.workspace.getConfiguration('inviosmart').update(NUMBER_SETTING, `+${n.destination}`, vscode.ConfigurationTarget.Global);
    return n.destination;
  }
}
