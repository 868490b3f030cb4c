// Edge doubles for the account tests: an in-memory SecretStorage and Memento (the two storage
// edges VS Code gives an extension), scripted prompts, and fixed settings. Everything else is real.
import * as vscode from 'vscode';
import type { Settings } from '../../src/config';
import type { AccountPickItem, AccountPrompts, MessageKind } from '../../src/commands/accounts';

/** SecretStorage in memory; `failReads` makes get() reject like a keyring that cannot decrypt. */
export class MemorySecretStorage implements vscode.SecretStorage {
  private readonly values = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
  readonly onDidChange = this.emitter.event;
  failReads = false;

  async get(key: string): Promise<string | undefined> {
    if (this.failReads) throw new Error('secret could not be decrypted');
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    this.emitter.fire({ key });
  }

  async delete(key: string): Promise<void> {
    if (this.values.delete(key)) this.emitter.fire({ key });
  }

  /** Every stored key and value, for asserting where a password went. */
  dump(): ReadonlyMap<string, string> {
    return new Map(this.values);
  }
}

/** globalState in memory. */
export class MemoryMemento implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  readonly syncedKeys: string[][] = [];

  keys(): readonly string[] {
    return [...this.values.keys()];
  }

  get<T>(key: string, defaultValue?: T): T | undefined {
    return this.values.has(key) ? (structuredClone(this.values.get(key)) as T) : defaultValue;
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, structuredClone(value));
  }

  setKeysForSync(keys: readonly string[]): void {
    this.syncedKeys.push([...keys]);
  }

  /** Everything stored, as the JSON VS Code would write. */
  json(): string {
    return JSON.stringify(Object.fromEntries(this.values));
  }
}

type InputAnswer = string | undefined | ((options: vscode.InputBoxOptions) => string | undefined);
type PickAnswer = (items: AccountPickItem[]) => AccountPickItem | undefined;

/** Prompts that answer from queues and record what was asked and said. Running out of answers cancels. */
export class ScriptedPrompts implements AccountPrompts {
  readonly inputsAsked: vscode.InputBoxOptions[] = [];
  readonly picksShown: AccountPickItem[][] = [];
  readonly confirmsAsked: string[] = [];
  readonly messages: Array<{ kind: MessageKind; text: string; actions: string[] }> = [];

  constructor(
    private readonly inputs: InputAnswer[] = [],
    private readonly picks: PickAnswer[] = [],
    private readonly confirms: boolean[] = [],
    private readonly messageAnswers: Array<string | undefined> = [],
  ) {}

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    this.inputsAsked.push(options);
    const answer = this.inputs.shift();
    const value = typeof answer === 'function' ? answer(options) : answer;
    // The real input box refuses to accept a value its validator rejects.
    if (value !== undefined && options.validateInput) {
      const problem = await options.validateInput(value);
      if (problem) throw new Error(`scripted answer "${value}" fails validation: ${String(problem)}`);
    }
    return value;
  }

  async pick(items: AccountPickItem[]): Promise<AccountPickItem | undefined> {
    this.picksShown.push(items);
    return this.picks.shift()?.(items);
  }

  async confirm(message: string): Promise<boolean> {
    this.confirmsAsked.push(message);
    return this.confirms.shift() ?? false;
  }

  async message(kind: MessageKind, text: string, ...actions: string[]): Promise<string | undefined> {
    this.messages.push({ kind, text, actions });
    return this.messageAnswers.shift();
  }
}

/** Settings with every field fixed, so a test never depends on the machine's user settings. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    baseUrl: 'http://127.0.0.1:9',
    sendUrl: '',
    useProxy: false,
    timeoutSeconds: 5,
    defaultCountry: '39',
    defaultSender: '',
    lowCostRoute: false,
    pollIntervalSeconds: 5,
    maxAgeHours: 48,
    maxConcurrency: 4,
    notifyOn: 'all',
    balanceCountryPrefix: '39',
    balanceRefreshMinutes: 0,
    balanceWarningBelow: 5,
    balanceErrorBelow: 1,
    groupBy: 'day',
    ...overrides,
  };
}

/** Resolves when `event` next fires, or rejects after `ms`. */
export function nextEvent<T>(event: vscode.Event<T>, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`event did not fire within ${ms} ms`));
    }, ms);
    const sub = event((value) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

/** Polls `check` until it returns true, or fails after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
