// The keys the extension keeps in globalState, declared once with the type stored under each, and
// the prefix of its SecretStorage keys. Plain TypeScript: the state is any object with Memento's get/update.

export const StorageKeys = {
  /** Senders used last, newest first; shared by the single and the bulk send. */
  recentSenders: 'inviosmart.send.recentSenders',
  /** What was typed in the destinations box of the last single send. */
  lastDestinations: 'inviosmart.send.lastDestinations',
  /** The last bulk template. */
  lastTemplate: 'inviosmart.bulk.lastTemplate',
  /** The tasks' daily SMS count (read back through tasks/dailyCap, which checks its shape). */
  tasksSentToday: 'inviosmart.tasks.sentToday',
  /** Task definitions the user approved to send SMS, newest first. */
  tasksApproved: 'inviosmart.tasks.approvedDefinitions',
  /** Every real account's metadata (never a password); read back through the account store, which checks its shape. */
  accounts: 'inviosmart.accounts',
  /** The active account id; absent = first run (sandbox), null = signed out. */
  activeAccount: 'inviosmart.activeAccount',
  /** The plain-http gateway URLs the user was warned about and accepted, so the warning comes once. */
  cleartextAccepted: 'inviosmart.gateway.cleartextAccepted',
} as const;

/** SecretStorage: an account's password is kept under `${SECRET_KEY_PREFIX}<account id>.password`. */
export const SECRET_KEY_PREFIX = 'inviosmart.account.';

/** What is stored under each key. */
export interface StoredValues {
  [StorageKeys.recentSenders]: string[];
  [StorageKeys.lastDestinations]: string;
  [StorageKeys.lastTemplate]: string;
  [StorageKeys.tasksSentToday]: unknown;
  [StorageKeys.tasksApproved]: string[];
  [StorageKeys.accounts]: unknown;
  [StorageKeys.activeAccount]: string | null;
  [StorageKeys.cleartextAccepted]: string[];
}

export type StorageKey = keyof StoredValues;
/** The keys that hold a list of strings. */
export type ListKey = { [K in StorageKey]: StoredValues[K] extends string[] ? K : never }[StorageKey];

/** How many recent senders the send boxes offer. */
export const RECENT_SENDERS_KEPT = 10;

/** The part of vscode.Memento this module uses. */
export interface KeyValueState {
  get<T>(key: string, defaultValue: T): T;
  update(key: string, value: unknown): PromiseLike<void>;
}

export function readStored<K extends StorageKey>(state: KeyValueState, key: K, fallback: StoredValues[K]): StoredValues[K] {
  return state.get<StoredValues[K]>(key, fallback);
}

export function writeStored<K extends StorageKey>(state: KeyValueState, key: K, value: StoredValues[K]): PromiseLike<void> {
  return state.update(key, value);
}

/** Puts `value` first in the list under `key`, without repeats, keeping at most `max`. */
export function rememberFirst(state: KeyValueState, key: ListKey, value: string, max: number): PromiseLike<void> {
  const list = readStored(state, key, []);
  return writeStored(state, key, [value, ...list.filter((v) => v !== value)].slice(0, max));
}
