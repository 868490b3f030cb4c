// Shared pieces for the command and panel tests: the running extension's API, scripted send prompts,
// a notification recorder, user settings that wait for their change event, and a real sandbox account.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Confirm, NoticeKind, Notify } from '../../src/commands/errors';
import type { MessageCommands } from '../../src/commands/messages';
import type { SendCommand, SendDeps, SendPrompts } from '../../src/commands/send';
import { readSettings } from '../../src/config';
import { SANDBOX_ACCOUNT_ID, type Account } from '../../src/credentials/types';
import type { InviosmartApi } from '../../src/extension';
import type { HistoryEntry } from '../../src/history/types';
import { FaultySandbox } from '../../src/sandbox/faults';
import { LEAK_CANARY } from '../shared/canary';
import { MemoryMemento, waitFor } from './accountDoubles';

export const EXTENSION_ID = 'inviosmart-sms-team.inviosmart-sms';
export const TESTER = { username: 'tester', password: LEAK_CANARY } as const;

/**
 * The extension's test API (src/testApi.ts): what `activate` returns under ExtensionMode.Test, and nothing
 * that reads a password. Outside test mode `activate` returns nothing, and this fails.
 */
export async function extensionApi(): Promise<InviosmartApi> {
  const ext = vscode.extensions.getExtension<InviosmartApi | undefined>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  const api = await ext.activate();
  assert.ok(api, `${EXTENSION_ID} exported nothing: it is not running in ExtensionMode.Test`);
  // activate returns before the history is read; the suites start from a history that is in.
  await api.history.ready;
  return api;
}

/**
 * Sets a user setting (of `inviosmart`, or of another `section` such as `http`) and resolves once VS Code has
 * announced the change (so listeners have run).
 */
export async function setUserSetting(key: string, value: unknown, section = 'inviosmart'): Promise<void> {
  const config = vscode.workspace.getConfiguration(section);
  if (JSON.stringify(config.inspect(key)?.globalValue) === JSON.stringify(value)) return;
  const changed = new Promise<void>((resolve) => {
    const sub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(`${section}.${key}`)) return;
      sub.dispose();
      resolve();
    });
  });
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  await changed;
}

/** A scripted answer that accepts whatever the prompt offered first (its initial value or first choice). */
export const KEEP = Symbol('keep the offered value');
type Answer = string | undefined | typeof KEEP;

export interface SendScript {
  destinations?: Answer;
  sender?: Answer;
  message?: Answer;
  confirm?: boolean;
}

/** SendPrompts that answer from a script and record every question; a step without an answer cancels. */
export class ScriptedSendPrompts implements SendPrompts {
  readonly asked: Array<'destinations' | 'sender' | 'message' | 'confirm'> = [];
  destinationsInitial?: string;
  destinationsProblem?: string;
  sendersOffered?: string[];
  senderProblem?: string;
  messageInitial?: string;
  /** What the live description said about the final text. */
  messageInfo?: { info: string; error?: string };
  confirmSummary?: string;
  confirmDetail?: string;

  constructor(private readonly script: SendScript) {}

  async destinations(initial: string, validate: (v: string) => string | undefined): Promise<string | undefined> {
    this.asked.push('destinations');
    this.destinationsInitial = initial;
    const value = this.answer(this.script.destinations, initial);
    // The real input box shows the problem and still lets the test see it; the command re-checks on accept.
    if (value !== undefined) this.destinationsProblem = validate(value);
    return value;
  }

  async sender(recent: string[], validate: (v: string) => string | undefined): Promise<string | undefined> {
    this.asked.push('sender');
    this.sendersOffered = recent;
    const value = this.answer(this.script.sender, recent[0]);
    if (value !== undefined) this.senderProblem = validate(value);
    return value;
  }

  async message(initial: string, describe: (v: string) => { info: string; error?: string }): Promise<string | undefined> {
    this.asked.push('message');
    this.messageInitial = initial;
    const value = this.answer(this.script.message, initial);
    if (value !== undefined) this.messageInfo = describe(value);
    return value;
  }

  async confirm(summary: string, detail: string): Promise<boolean> {
    this.asked.push('confirm');
    this.confirmSummary = summary;
    this.confirmDetail = detail;
    return this.script.confirm ?? false;
  }

  private answer(answer: Answer, offered: string | undefined): string | undefined {
    return answer === KEEP ? offered : answer;
  }
}

/** Records notifications instead of showing them; answers with the queued actions (none: dismissed). */
export class Notices {
  readonly shown: Array<{ kind: NoticeKind; text: string; actions: string[] }> = [];
  private readonly answers: Array<string | undefined> = [];

  readonly notify: Notify = async (kind, text, ...actions) => {
    this.shown.push({ kind, text, actions });
    return this.answers.shift();
  };

  answerNext(action: string | undefined): void {
    this.answers.push(action);
  }

  last(): { kind: NoticeKind; text: string; actions: string[] } {
    const n = this.shown.at(-1);
    assert.ok(n, 'nothing was shown');
    return n;
  }
}

/** A modal confirmation that answers from a queue (running out declines) and records the questions. */
export class ScriptedConfirm {
  readonly asked: Array<{ message: string; detail?: string; action: string }> = [];
  constructor(private readonly answers: boolean[] = []) {}

  readonly confirm: Confirm = async (message, detail, action) => {
    this.asked.push({ message, detail, action });
    return this.answers.shift() ?? false;
  };
}

export interface SendRig {
  send: SendCommand;
  prompts: ScriptedSendPrompts;
  notices: Notices;
  afterSendCalls: () => number;
}

/**
 * A SendCommand built by the extension's own class from its real services; only the prompts (and
 * the notifications and confirmations, through `notices` and `extra.confirm`) are scripted.
 */
export function sendWith(api: InviosmartApi, script: SendScript, notices = new Notices(), extra: Pick<SendDeps, 'confirm' | 'historyRetryMs'> = {}): SendRig {
  const prompts = new ScriptedSendPrompts(script);
  let afterSend = 0;
  const send = scriptedSend(api, prompts, notices.notify, () => {
    afterSend++;
    void api.accounts.balance.refresh();
  }, extra);
  return { send, prompts, notices, afterSendCalls: () => afterSend };
}

export interface MessageRig {
  messages: MessageCommands;
  notices: Notices;
  confirm: ScriptedConfirm;
}

/** MessageCommands built by the extension's own class; `confirms` answers its modal questions in turn. */
export function messagesWith(api: InviosmartApi, send: SendCommand, confirms: boolean[] | ScriptedConfirm = [], notices = new Notices()): MessageRig {
  const confirm = confirms instanceof ScriptedConfirm ? confirms : new ScriptedConfirm(confirms);
  const Messages = api.classes.MessageCommands;
  const messages = new Messages({
    history: api.history,
    sessions: api.accounts.sessions,
    send,
    poller: api.poller,
    openPanel: () => assert.fail('no command here opens the panel'),
    log: api.log,
    notify: notices.notify,
    confirm: confirm.confirm,
    // The extension registered the commands already; this instance is called directly.
    register: false,
  });
  return { messages, notices, confirm };
}

/**
 * A real sandbox gateway with one real account (`tester`), configured as the user's gateway and
 * saved as the active account in the extension's real SecretStorage. `close` undoes all of it,
 * including the history entries the test made, so the running poller never asks a closed gateway.
 */
export class TesterGateway {
  private readonly entryKeys = new Set<string>();
  private readonly watch: vscode.Disposable;

  private constructor(
    readonly api: InviosmartApi,
    readonly sandbox: FaultySandbox,
    readonly account: Account,
    private readonly previousActive: string | undefined,
    private readonly password: string = TESTER.password,
  ) {
    const sub = api.history.onDidChange(({ upserted }) => {
      for (const e of upserted) this.entryKeys.add(e.key);
    });
    this.watch = { dispose: () => sub.dispose() };
  }

  static async start(options: { balance?: number; password?: string } = {}): Promise<TesterGateway> {
    const api = await extensionApi();
    const sandbox = await FaultySandbox.start({ port: 0, accounts: [{ username: TESTER.username, password: TESTER.password, balance: options.balance ?? 10 }] });
    await setUserSetting('gateway.baseUrl', sandbox.url);
    // The suites were written for the UTF-8 httpapi set; protocol.test.ts covers the webservice set.
    await setUserSetting('gateway.endpoints', 'httpapi');
    const previous = api.accounts.accounts.active()?.id;
    const account = await api.accounts.accounts.save({ username: TESTER.username, password: options.password ?? TESTER.password }, { activate: true });
    return new TesterGateway(api, sandbox, account, previous, options.password ?? TESTER.password);
  }

  /**
   * Saves the account again, bound to the gateway address configured now, as signing in there would: a test
   * that points the extension at another test gateway on purpose calls this after changing the setting.
   */
  async rebind(): Promise<void> {
    await this.api.accounts.accounts.save({ username: TESTER.username, password: this.password }, { activate: true });
  }

  /** Every history entry recorded or changed since start. */
  entries(): HistoryEntry[] {
    return [...this.entryKeys].map((k) => this.api.history.get(k)).filter((e): e is HistoryEntry => e !== undefined);
  }

  async close(): Promise<void> {
    this.watch.dispose();
    const keys = [...this.entryKeys].filter((k) => this.api.history.get(k));
    if (keys.length > 0) await this.api.history.remove(keys);
    await this.api.accounts.accounts.remove(this.account.id);
    await this.api.accounts.accounts.setActive(this.previousActive === this.account.id ? undefined : this.previousActive);
    await setUserSetting('gateway.endpoints', undefined);
    await this.sandbox.close();
  }
}

/** A TesterGateway started before the suite's tests and closed after them; call the result inside a test. */
export function suiteTesterGateway(options: { balance?: number } = {}): () => TesterGateway {
  let gw: TesterGateway | undefined;
  suiteSetup(async function () {
    this.timeout(60_000);
    gw = await TesterGateway.start(options);
  });
  suiteTeardown(async () => {
    await gw?.close();
  });
  return () => {
    assert.ok(gw, 'the suite gateway is running');
    return gw;
  };
}

/** Removes every entry recorded while `fn` runs (for tests on the built-in Sandbox account). */
export async function withSandboxAccount<T>(api: InviosmartApi, fn: () => Promise<T>): Promise<T> {
  const keys = new Set<string>();
  const sub = api.history.onDidChange(({ upserted }) => upserted.forEach((e) => keys.add(e.key)));
  const previous = api.accounts.accounts.active()?.id;
  await api.accounts.accounts.setActive(SANDBOX_ACCOUNT_ID);
  try {
    return await fn();
  } finally {
    sub.dispose();
    const left = [...keys].filter((k) => api.history.get(k));
    if (left.length > 0) await api.history.remove(left);
    await api.accounts.accounts.setActive(previous);
  }
}

export { waitFor };

/** Send SMS built by the extension's own class from its real services; only the prompts and notifications are scripted. */
export function scriptedSend(
  api: InviosmartApi,
  prompts: SendPrompts | ConstructorParameters<typeof ScriptedSendPrompts>[0],
  notify: Notify = new Notices().notify,
  afterSend: () => void = () => undefined,
  extra: Pick<SendDeps, 'confirm' | 'historyRetryMs'> = {},
): SendCommand {
  const deps: SendDeps = {
    sessions: api.accounts.sessions,
    history: api.history,
    state: new MemoryMemento(),
    settings: readSettings,
    log: api.log,
    prompts: typeof (prompts as SendPrompts).destinations === 'function' ? (prompts as SendPrompts) : new ScriptedSendPrompts(prompts as ConstructorParameters<typeof ScriptedSendPrompts>[0]),
    notify,
    afterSend,
    ...extra,
  };
  const Send = api.classes.SendCommand;
  return new Send(deps);
}
