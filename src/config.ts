// The one settings reader: every `inviosmart.*` value the extension uses is read here, typed, with
// the defaults and bounds package.json declares (read once from the bundled package.json, never
// retyped), and `settingsChanged` is the one place a configuration change is sent on to the services.
import * as vscode from 'vscode';
import { contributes } from '../package.json';
import { coerceSetting, declaredSettings, SETTINGS_SECTION as SECTION, type SettingKey, type SettingValue } from './common/settings';
import type { EndpointSet, SendCharset, SendMethod } from './gateway/endpoints';
import { isKnownTimeZone } from './gateway/time';

const declared = declaredSettings(contributes.configuration);

/**
 * One setting as its declared kind. `userOnly`: only the user's own value (or the default) counts,
 * never a workspace's (the gateway URLs, the task guards).
 */
function read<K extends SettingKey>(c: vscode.WorkspaceConfiguration, key: K, userOnly = false): SettingValue<K> {
  const spec = declared.get(key);
  if (!spec) throw new Error(`inviosmart.${key} is not declared in package.json`);
  const inspected = userOnly ? c.inspect(key) : undefined;
  return coerceSetting(key, userOnly ? (inspected?.globalValue ?? inspected?.defaultValue) : c.get(key), spec);
}

/** A setting's default as package.json declares it. */
export function settingDefault<K extends SettingKey>(key: K): SettingValue<K> {
  return declared.get(key)?.default as SettingValue<K>;
}

export type NotifyOn = 'all' | 'failures' | 'none';
export type GroupBy = 'day' | 'status';

/** Every setting the extension reads, typed; the values and defaults are package.json's (see `read`). */
export interface Settings {
  /** Which documented addresses to use; readSettings always sets it (tests may leave it out: the client's default). */
  endpoints?: EndpointSet;
  /** Empty means: the endpoint set's own address. */
  baseUrl: string;
  /** Empty means: send through baseUrl. */
  sendUrl: string;
  /** `auto` follows the send endpoint (Latin-1 for sendSMSHTTP.php). */
  charset?: SendCharset | 'auto';
  /** `auto`: POST for the webservice .php endpoints, GET otherwise. */
  sendMethod?: SendMethod | 'auto';
  /** IANA zone the gateway writes its times in. */
  gatewayTimeZone?: string;
  useProxy: boolean;
  timeoutSeconds: number;
  defaultCountry: string;
  defaultSender: string;
  lowCostRoute: boolean;
  pollIntervalSeconds: number;
  maxAgeHours: number;
  maxConcurrency: number;
  notifyOn: NotifyOn;
  balanceCountryPrefix: string;
  balanceRefreshMinutes: number;
  balanceWarningBelow: number;
  balanceErrorBelow: number;
  groupBy: GroupBy;
}

/**
 * Reads the settings. The gateway URLs are application-scoped, so only user (never workspace)
 * values count: read them through `inspect` to be sure a workspace cannot redirect credentials.
 */
export function readSettings(): Settings {
  return { ...remembered('settings', readSettingsNow) };
}

/**
 * What has been read, by reader, until the configuration changes. VS Code's `inspect` and `get` walk every
 * configuration scope: one `readSettings` took 15 to 40 ms of the extension host's shared thread, and
 * building the services or bringing a large history in asks dozens of times. Forgotten at any
 * configuration change (VS Code updates its values and fires the event in the same task, and this
 * listener, registered at the first read, runs before any service's) and when the workspace is trusted.
 */
let memo: Map<string, unknown> | undefined;
let watching = false;

function remembered<T>(name: string, read: () => T): T {
  if (!watching) {
    watching = true;
    // For the life of the extension host, like the module itself: nothing to dispose.
    vscode.workspace.onDidChangeConfiguration(forgetSettings);
    vscode.workspace.onDidGrantWorkspaceTrust(forgetSettings);
  }
  memo ??= new Map();
  if (!memo.has(name)) memo.set(name, read());
  return memo.get(name) as T;
}

/** Drops what has been read (the configuration changed). */
export function forgetSettings(): void {
  memo = undefined;
}

/**
 * Reads the settings the start needs once, so that the services built after find them read: steps
 * src/extension.ts runs each in a task of its own before the start. The first makes the time-zone data ready
 * (the first `Intl.DateTimeFormat` with a zone loads it: 10 to 15 ms), which `readSettings` checks the zone
 * against. The task settings are left to the first task that sends: nothing at the start reads them.
 */
export const warmSettings: ReadonlyArray<() => unknown> = [
  () => isKnownTimeZone(settingDefault('gateway.timeZone')),
  readSettings,
  readRetentionSettings,
];

function readSettingsNow(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const timeZone = read(c, 'gateway.timeZone');
  return {
    endpoints: read(c, 'gateway.endpoints', true) as EndpointSet,
    baseUrl: read(c, 'gateway.baseUrl', true),
    sendUrl: read(c, 'gateway.sendUrl', true),
    charset: read(c, 'send.charset') as SendCharset | 'auto',
    sendMethod: read(c, 'gateway.sendMethod', true) as SendMethod | 'auto',
    gatewayTimeZone: timeZone !== '' && isKnownTimeZone(timeZone) ? timeZone : settingDefault('gateway.timeZone'),
    useProxy: read(c, 'gateway.useProxy'),
    timeoutSeconds: read(c, 'gateway.timeoutSeconds'),
    // Only spaces go: 'abc' must reach the destination check and be reported, not become '' and
    // let a national number through as if its first digits were a country code.
    defaultCountry: read(c, 'send.defaultCountry').replace(/\s/g, ''),
    defaultSender: read(c, 'send.defaultSender'),
    lowCostRoute: read(c, 'send.lowCostRoute'),
    pollIntervalSeconds: read(c, 'status.pollIntervalSeconds'),
    maxAgeHours: read(c, 'status.maxAgeHours'),
    maxConcurrency: read(c, 'status.maxConcurrency'),
    notifyOn: read(c, 'notifications.onFinalStatus') as NotifyOn,
    balanceCountryPrefix: read(c, 'balance.countryPrefix').replace(/\D/g, ''),
    balanceRefreshMinutes: read(c, 'balance.refreshMinutes'),
    balanceWarningBelow: read(c, 'balance.warningBelow'),
    balanceErrorBelow: read(c, 'balance.errorBelow'),
    groupBy: read(c, 'history.groupBy') as GroupBy,
  };
}

/** The history retention settings (see src/history/retention.ts for the rule); 0 turns a limit off. */
export function readRetentionSettings(): { maxAgeDays: number; maxEntries: number } {
  return { ...remembered('retention', () => {
    const c = vscode.workspace.getConfiguration(SECTION);
    return { maxAgeDays: read(c, 'history.maxAgeDays'), maxEntries: read(c, 'history.maxEntries') };
  }) };
}

/** The guards on SMS sent by tasks and task-end notifications (user settings only: a workspace cannot raise the cap). */
export function readTaskSettings(): { dailyLimit: number; notificationNumber: string } {
  return { ...remembered('tasks', () => {
    const c = vscode.workspace.getConfiguration(SECTION);
    return { dailyLimit: read(c, 'tasks.dailyLimit', true), notificationNumber: read(c, 'tasks.notificationNumber', true) };
  }) };
}

/** The status poller's settings, in the poller's units. */
export function readPollerSettings(): { baseIntervalMs: number; maxAgeMs: number; maxConcurrency: number } {
  const s = readSettings();
  return { baseIntervalMs: s.pollIntervalSeconds * 1000, maxAgeMs: s.maxAgeHours * 3600_000, maxConcurrency: s.maxConcurrency };
}

/** The `inviosmart.bulk.*` settings. */
export interface BulkSettings {
  concurrency: number;
  /** Requests started per second at most. */
  maxPerSecond: number;
  /** Destinations per request for rows with the same text (1 = no grouping). */
  maxPerRequest: number;
}

export function readBulkSettings(): BulkSettings {
  return { ...remembered('bulk', () => {
    const c = vscode.workspace.getConfiguration(SECTION);
    return {
      concurrency: read(c, 'bulk.concurrency'),
      maxPerSecond: read(c, 'bulk.maxPerSecond'),
      maxPerRequest: read(c, 'bulk.maxDestinationsPerRequest'),
    };
  }) };
}

/** The services a settings change is sent on to (the container passes them). */
export interface SettingsListeners {
  /** `gateway.*`, `send.charset` or VS Code's `http.*` (the proxy) changed: new gateway client options. */
  gateway(): void;
  /** `status.*`: the poller's interval, age limit or concurrency. */
  poller(): void;
  /** `history.maxAgeDays` or `history.maxEntries`. */
  retention(): void;
  /** `balance.*`, `gateway.*` or `http.proxy`: check again; `reschedule` when the refresh interval changed. */
  balance(reschedule: boolean): void;
  /** `history.groupBy`. */
  groupBy(): void;
}

/** The one configuration change handler: tells each service whose settings changed, gateway first. */
export function settingsChanged(e: vscode.ConfigurationChangeEvent, to: SettingsListeners): void {
  forgetSettings();
  if (affects(e, 'gateway') || affects(e, 'send.charset') || e.affectsConfiguration('http')) to.gateway();
  if (affects(e, 'status')) to.poller();
  if (affects(e, 'history.maxAgeDays') || affects(e, 'history.maxEntries')) to.retention();
  if (affects(e, 'balance') || affects(e, 'gateway') || e.affectsConfiguration('http.proxy')) to.balance(affects(e, 'balance.refreshMinutes'));
  if (affects(e, 'history.groupBy')) to.groupBy();
}

/** True when a configuration change touches our section (optionally one key under it). */
export function affects(e: vscode.ConfigurationChangeEvent, key?: string): boolean {
  return e.affectsConfiguration(key ? `${SECTION}.${key}` : SECTION);
}
