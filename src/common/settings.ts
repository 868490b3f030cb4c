// Every setting the extension reads, declared once with its kind. Defaults and bounds are not
// retyped here: they come from package.json's `contributes.configuration` (see `declaredSettings`),
// and test/unit/settings.test.ts checks that each key below is declared there with a default of
// its kind. Plain TypeScript: src/config.ts reads the values through VS Code.

export const SETTINGS_SECTION = 'inviosmart';

export const SettingKinds = {
  'gateway.endpoints': 'enum',
  'gateway.baseUrl': 'string',
  'gateway.sendUrl': 'string',
  'gateway.sendMethod': 'enum',
  'gateway.timeZone': 'string',
  'gateway.useProxy': 'boolean',
  'gateway.timeoutSeconds': 'number',
  'send.charset': 'enum',
  'send.defaultCountry': 'string',
  'send.defaultSender': 'string',
  'send.lowCostRoute': 'boolean',
  'status.pollIntervalSeconds': 'number',
  'status.maxAgeHours': 'number',
  'status.maxConcurrency': 'number',
  'notifications.onFinalStatus': 'enum',
  'balance.countryPrefix': 'string',
  'balance.refreshMinutes': 'number',
  'balance.warningBelow': 'number',
  'balance.errorBelow': 'number',
  'history.groupBy': 'enum',
  'history.maxAgeDays': 'integer',
  'history.maxEntries': 'integer',
  'bulk.concurrency': 'integer',
  'bulk.maxPerSecond': 'integer',
  'bulk.maxDestinationsPerRequest': 'integer',
  'tasks.dailyLimit': 'integer',
  'tasks.notificationNumber': 'string',
} as const;

export type SettingKey = keyof typeof SettingKinds;
export type SettingKind = (typeof SettingKinds)[SettingKey];
interface KindValues {
  string: string;
  enum: string;
  number: number;
  integer: number;
  boolean: boolean;
}
export type SettingValue<K extends SettingKey> = KindValues[(typeof SettingKinds)[K]];

/** What package.json declares for one setting (the parts read here). */
export interface DeclaredSetting {
  type?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

/**
 * The declared settings by key without the section (`gateway.baseUrl`), from package.json's
 * `contributes.configuration` (one object or a list of them).
 */
export function declaredSettings(configuration: unknown): Map<string, DeclaredSetting> {
  const out = new Map<string, DeclaredSetting>();
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  for (const section of sections) {
    const properties = (section as { properties?: Record<string, DeclaredSetting> } | undefined)?.properties ?? {};
    for (const [name, declared] of Object.entries(properties)) {
      if (name.startsWith(`${SETTINGS_SECTION}.`)) out.set(name.slice(SETTINGS_SECTION.length + 1), declared);
    }
  }
  return out;
}

/** True when `value` has the kind's type (and, for an enum, is one of the declared values). */
export function fitsKind(kind: SettingKind, value: unknown, declared: DeclaredSetting): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'enum':
      return typeof value === 'string' && (declared.enum ?? []).includes(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/**
 * A raw value as its key's kind: strings trimmed, numbers kept within the declared minimum and
 * maximum (rounded down for whole numbers), an enum only when it is one of the declared values.
 * Anything else gives the declared default. The one clamp for settings.
 */
export function coerceSetting<K extends SettingKey>(key: K, raw: unknown, declared: DeclaredSetting): SettingValue<K> {
  const kind: SettingKind = SettingKinds[key];
  const fallback = declared.default as SettingValue<K>;
  const value = typeof raw === 'string' ? raw.trim() : raw;
  if (kind === 'number' || kind === 'integer') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
    const kept = Math.min(declared.maximum ?? Infinity, Math.max(declared.minimum ?? -Infinity, value));
    return (kind === 'integer' ? Math.floor(kept) : kept) as SettingValue<K>;
  }
  if (kind === 'enum') return (typeof value === 'string' && (declared.enum ?? []).includes(value) ? value : fallback) as SettingValue<K>;
  return (typeof value === typeof fallback ? value : fallback) as SettingValue<K>;
}
