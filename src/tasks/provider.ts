// tasks.json type "inviosmart": a custom execution whose terminal shows what was sent and the SMSId.
//   { "label": "Text me", "type": "inviosmart", "destinations": ["+39 333 1234567"], "text": "Build of ${workspaceFolderBasename} done" }
import * as vscode from 'vscode';
import type { TaskSms } from './taskSms';

export const TASK_TYPE = 'inviosmart';

/** The task's terminal: writes each line of the send and closes with 0 when every SMS was accepted. */
class SmsTaskTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;

  constructor(
    private readonly sms: TaskSms,
    private readonly name: string,
    private readonly definition: vscode.TaskDefinition,
  ) {}

  open(): void {
    const { destinations, sender, text } = this.definition as { destinations?: unknown; sender?: unknown; text?: unknown };
    void this.sms
      .send({ origin: 'task', label: this.name, input: { destinations, sender, text } }, (line) => this.written.fire(`${line.replace(/\r?\n/g, '\r\n')}\r\n`))
      .then((r) => this.closed.fire(r.outcome === 'sent' ? 0 : 1));
  }

  close(): void {
    // Closing the terminal cannot take back a request already sent; the send finishes on its own.
  }
}

function smsTask(sms: TaskSms, definition: vscode.TaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name: string): vscode.Task {
  // VS Code substitutes the usual variables (${workspaceFolder}, ${env:NAME}, ...) in the definition it passes here.
  const execution = new vscode.CustomExecution(async (resolved) => new SmsTaskTerminal(sms, name, resolved));
  const task = new vscode.Task(definition, scope, name, TASK_TYPE, execution, []);
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent };
  return task;
}

/**
 * Resolves the "inviosmart" tasks written in tasks.json; it offers none of its own. src/extension.ts
 * registers it (for the type package.json's taskDefinitions declare) at activation.
 */
export function smsTaskProvider(sms: TaskSms): vscode.TaskProvider {
  return {
    provideTasks: () => [],
    resolveTask: (task) => smsTask(sms, task.definition, task.scope ?? vscode.TaskScope.Workspace, task.name),
  };
}
