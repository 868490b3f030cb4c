// The message history model. Plain data (JSON-serialisable), no VS Code API.
import type { Disposable } from '../common/lifecycle';
import type { GatewayErrorInfo, StatusClass } from '../gateway/types';

/** Where an attempt stands from the extension's point of view. */
export type EntryState =
  | 'sending' // recorded before the request went out; no answer yet
  | 'sent' // the gateway accepted it and gave an SMSId; status may still change
  | 'failed' // the gateway refused it (or a final failure status arrived)
  | 'unknown' // the request went out but no answer came: it may have been sent
  | 'held'; // the gateway holds it until its cost is confirmed on the website (1022): not sent yet, not failed

export interface EntryStatus {
  code: number;
  label: string;
  statusClass: StatusClass;
  final: boolean;
}

export interface HistoryEntry {
  /** Local id (uuid), stable across windows. Not the gateway's SMSId. */
  key: string;
  /** Gateway SMSId once accepted. */
  smsId?: number;
  /** Digits with country code. */
  destination: string;
  sender: string;
  text: string;
  /** Account id the message was sent with ('sandbox' for the built-in sandbox). */
  account: string;
  /** The account's name when the message was recorded, for display (the id stays in `account`). */
  accountLabel?: string;
  /** True when sent through the sandbox gateway. */
  sandbox?: boolean;
  /** Batch id for bulk sends. */
  batchId?: string;
  state: EntryState;
  /** ISO time the attempt was recorded (before the request). */
  createdAt: string;
  /** Gateway SubmittedOn, raw `YYYYMMDDHHmmSS`, when known. */
  submittedOn?: string;
  /** Gateway DeliveredOn (time of the last status change), raw, when known. */
  lastChangeOn?: string;
  /** ISO time this entry last changed locally. */
  updatedAt: string;
  /** ISO time the status was last asked. */
  lastPolledAt?: string;
  status?: EntryStatus;
  /** SMS parts as counted locally before sending. */
  parts: number;
  /** Parts the gateway charged (Quantity), when known. */
  quantity?: number;
  /** Euro charged, when known. */
  charge?: number;
  error?: Pick<GatewayErrorInfo, 'kind' | 'code' | 'gatewayText' | 'explanation'>;
  /** Monotonic revision, bumped on every change; merges keep the higher. */
  rev: number;
}

export type { Disposable };

/** What "where does this message stand?" reads of an entry (messageState.ts); the table gives it without the rest. */
export type StateFields = Pick<HistoryEntry, 'state' | 'status' | 'smsId' | 'createdAt'>;

/** What views need from the history: a snapshot and change events (from this window or another). */
export interface HistoryReader {
  /** Every entry, newest first. */
  all(): readonly HistoryEntry[];
  get(key: string): HistoryEntry | undefined;
  /** Fires after entries were added/changed (`upserted`) or deleted (`removed` keys). */
  onDidChange(listener: (change: { upserted: HistoryEntry[]; removed: string[] }) => void): Disposable;
  /** False while the history is still being read (views show a loading state); absent means loaded. */
  readonly loaded?: boolean;
  /** Fires once, when the first load has ended. */
  onDidLoad?(listener: () => void): Disposable;
  /** Resolves when the first load has ended; what reads the whole history for a user (export, search) waits for it. */
  readonly ready?: Promise<void>;
  /** The same entries by row number, for views that index the whole history (the store has them; see history/rows.ts). */
  readonly rows?: HistoryRows;
}

/**
 * The history by row number (history/table.ts): a row keeps its number while the store is open,
 * removed or not, so a view may index by it and make an entry only for what it shows.
 */
export interface HistoryRows {
  /** Live rows, newest first (createdAt, then key); shared until the next change: do not modify it. */
  rowsNewestFirst(): Int32Array;
  /** The key's row, live or removed; -1 when the key was never seen. */
  rowOf(key: string): number;
  isLive(row: number): boolean;
  /** The row's entry, made now. */
  entryAt(row: number): HistoryEntry;
  keyOf(row: number): string;
  /** createdAt in epoch ms; NaN when it is not a time. */
  createdMs(row: number): number;
  stateFields(row: number): StateFields;
  /** One field of the row, without making the entry (a status or error object is shared: read it only). */
  field<K extends RowField>(row: number, name: K): HistoryEntry[K];
  /** Orders two rows by key as comparing the key strings would (-1, 0, 1). */
  compareKeys(a: number, b: number): number;
}

/** The fields a view reads by row (HistoryRows.field). */
export type RowField = 'text' | 'state' | 'status' | 'error' | 'destination' | 'sender' | 'batchId' | 'account' | 'accountLabel' | 'smsId' | 'rev' | 'parts' | 'quantity' | 'charge';

/** Entries read by index (a plain array is one; the store's makes each entry when it is read). */
export interface EntryList {
  readonly length: number;
  at(index: number): HistoryEntry | undefined;
}

/** What a caller gives to record a new attempt; the store assigns key, rev and times (state defaults to 'sending'). */
export type HistoryDraft = Omit<HistoryEntry, 'key' | 'rev' | 'createdAt' | 'updatedAt' | 'state'> & { state?: EntryState };

/** Fields a caller may change on an entry; the store bumps rev and updatedAt. An `undefined` value clears the field. */
export type HistoryPatch = Partial<Omit<HistoryEntry, 'key' | 'rev' | 'createdAt' | 'updatedAt'>>;
