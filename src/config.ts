import * as vscode from 'vscode';
import { isEndpointSet, type EndpointSet, type SendCharset, type SendMethod } from './gateway/endpoints';
import { isKnownTimeZone } from './gateway/time';

/** The endpoint set a new install uses: HTTPS (docs/PROTOCOL.md, "Endpoints"). */
export const DEFAULT_ENDPOINTS: EndpointSet = 'webservice';
export const DEFAULT_GATEWAY_TIME_ZONE = 'Europe/Rome';
const SECTION = 'inviosmart';

export type NotifyOn = 'all' | 'failures' | 'none';
export type GroupBy = 'day' | 'status';

/** Every setting the extension reads, typed, with defaults that match package.json. */
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

/** A number setting kept within [min, max]; `fallback` when it is not a finite number. The one clamp for settings. */
function num(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
}
/** The same, whole numbers only (rounded down). */
function int(v: unknown, fallback: number, min: number, max: number): number {
  return Math.floor(num(v, fallback, min, max));
}
function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v.trim() : fallback;
}

/**
 * Reads the settings. The gateway URLs are application-scoped, so only user (never workspace)
 * values count: read them through `inspect` to be sure a workspace cannot redirect credentials.
 */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const userOnly = (key: string, fallback: string): string => {
    const i = c.inspect<string>(key);
    return str(i?.globalValue ?? i?.defaultValue, fallback);
  };
  const notifyOn = c.get<string>('notifications.onFinalStatus');
  const groupBy = c.get<string>('history.groupBy');
  const endpoints = userOnly('gateway.endpoints', DEFAULT_ENDPOINTS);
  const charset = c.get<string>('send.charset');
  const sendMethod = userOnly('gateway.sendMethod', 'auto');
  const timeZone = str(c.get('gateway.timeZone'), DEFAULT_GATEWAY_TIME_ZONE);
  return {
    endpoints: isEndpointSet(endpoints) ? endpoints : DEFAULT_ENDPOINTS,
    baseUrl: userOnly('gateway.baseUrl', ''),
    sendUrl: userOnly('gateway.sendUrl', ''),
    charset: charset === 'utf-8' || charset === 'iso-8859-1' ? charset : 'auto',
    sendMethod: sendMethod === 'GET' || sendMethod === 'POST' ? sendMethod : 'auto',
    gatewayTimeZone: timeZone !== '' && isKnownTimeZone(timeZone) ? timeZone : DEFAULT_GATEWAY_TIME_ZONE,
    useProxy: c.get<boolean>('gateway.useProxy', true) !== false,
    timeoutSeconds: num(c.get('gateway.timeoutSeconds'), 30, 1, 300),
    // Only spaces go: 'abc' must reach the destination check and be reported, not become '' and
    // let a national number through as if its first digits were a country code.
    defaultCountry: str(c.get('send.defaultCountry'), '39').replace(/\s/g, ''),
    defaultSender: str(c.get('send.defaultSender'), ''),
    lowCostRoute: c.get<boolean>('send.lowCostRoute', false) === true,
    pollIntervalSeconds: num(c.get('status.pollIntervalSeconds'), 5, 1, 3600),
    maxAgeHours: num(c.get('status.maxAgeHours'), 48, 1, 24 * 30),
    maxConcurrency: num(c.get('status.maxConcurrency'), 4, 1, 16),
    notifyOn: notifyOn === 'failures' || notifyOn === 'none' ? notifyOn : 'all',
    balanceCountryPrefix: str(c.get('balance.countryPrefix'), '39').replace(/\D/g, ''),
    balanceRefreshMinutes: num(c.get('balance.refreshMinutes'), 10, 0, 24 * 60),
    balanceWarningBelow: num(c.get('balance.warningBelow'), 5, 0, 1e9),
    balanceErrorBelow: num(c.get('balance.errorBelow'), 1, 0, 1e9),
    groupBy: groupBy === 'status' ? 'status' : 'day',
  };
}

/** The history retention settings (see src/history/retention.ts for the rule); 0 turns a limit off. */
export function readRetentionSettings(): { maxAgeDays: number; maxEntries: number } {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    maxAgeDays: int(c.get('history.maxAgeDays'), 365, 0, 36_500),
    maxEntries: int(c.get('history.maxEntries'), 100_000, 0, 100_000_000),
  };
}

/** The guards on SMS sent by tasks and task-end notifications (user settings only: a workspace cannot raise the cap). */
export function readTaskSettings(): { dailyLimit: number; notificationNumber: string } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const limit = c.inspect<number>('tasks.dailyLimit');
  const number = c.inspect<string>('tasks.notificationNumber');
  return {
    dailyLimit: int(limit?.globalValue ?? limit?.defaultValue, 20, 0, 10_000),
    notificationNumber: str(number?.globalValue, ''),
  };
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
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    concurrency: int(c.get('bulk.concurrency'), 4, 1, 16),
    maxPerSecond: int(c.get('bulk.maxPerSecond'), 10, 1, 100),
    maxPerRequest: int(c.get('bulk.maxDestinationsPerRequest'), 50, 1, 50),
  };
}

/** True when a configuration change touches our section (optionally one key under it). */
export function affects(e: vscode.ConfigurationChangeEvent, key?: string): boolean {
  return e.affectsConfiguration(key ? `${SECTION}.${key}` : SECTION);
}
