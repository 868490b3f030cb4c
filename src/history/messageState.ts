// The one answer to "where does this message stand?": its state, whether it is final, whether the
// poller asks about it, whether the badge counts it, and how every view groups and draws it.
// The tree, the panel, the export, the poller, the store's pending index, retention, the chat tools
// and the bulk summary all ask here. Plain TypeScript, no 'vscode': the table is in docs/ARCHITECTURE.md.
import type { L10n } from '../gateway/l10n';
import type { StateFields } from './types';

/** Where one message stands. */
export type MessageState =
  | 'sending' // recorded before the request went out; no answer yet
  | 'accepted' // the gateway gave an SMSId, no status asked yet
  | 'queued' // the gateway's queued statuses (1, 2, 4)
  | 'pending' // the gateway's pending statuses (16, 32)
  | 'unrecognized' // a status number the protocol table does not list (never final)
  | 'lookup' // HLR number lookup sent, not completed
  | 'stale' // no final status within the poller's max age: no longer checked by itself
  | 'held' // the gateway holds it until its cost is confirmed on the website (1022)
  | 'unknownOutcome' // the request went out, no answer came: it may have been sent
  | 'failed'
  | 'delivered'
  | 'lookupDone'; // HLR number lookup completed

/** The poller's max age when the `inviosmart.status.maxAgeHours` setting is not read (48 h, its default). */
export const DEFAULT_MAX_AGE_MS = 48 * 3600_000;

/** How the tree groups, the panel filters and the export picks. One list, in display order. */
export const STATUS_GROUPS = ['sending', 'queued', 'pending', 'lookup', 'stale', 'held', 'unknown', 'failed', 'delivered'] as const;
export type StatusGroup = (typeof STATUS_GROUPS)[number];

/** A codicon id and a theme colour id; the tree builds `new ThemeIcon(codicon, new ThemeColor(color))`. */
export interface IconSpec {
  codicon: string;
  color: string;
}

export interface StateFacts {
  /** Nothing will change by itself any more; retention may remove it. */
  final: boolean;
  /** The poller asks the gateway about it (when it has an SMSId). */
  polled: boolean;
  /** Counted in the Messages badge: the gateway may still change it and we are watching. */
  inFlight: boolean;
  group: StatusGroup;
  icon: IconSpec;
}

const STATE_FACTS: Readonly<Record<MessageState, StateFacts>> = {
  sending: { final: false, polled: false, inFlight: true, group: 'sending', icon: { codicon: 'sync~spin', color: 'charts.blue' } },
  accepted: { final: false, polled: true, inFlight: true, group: 'queued', icon: { codicon: 'clock', color: 'charts.yellow' } },
  queued: { final: false, polled: true, inFlight: true, group: 'queued', icon: { codicon: 'clock', color: 'charts.yellow' } },
  pending: { final: false, polled: true, inFlight: true, group: 'pending', icon: { codicon: 'watch', color: 'charts.yellow' } },
  unrecognized: { final: false, polled: true, inFlight: true, group: 'pending', icon: { codicon: 'question', color: 'charts.orange' } },
  lookup: { final: false, polled: true, inFlight: true, group: 'lookup', icon: { codicon: 'search', color: 'charts.blue' } },
  stale: { final: false, polled: false, inFlight: false, group: 'stale', icon: { codicon: 'clock', color: 'disabledForeground' } },
  held: { final: false, polled: false, inFlight: false, group: 'held', icon: { codicon: 'debug-pause', color: 'charts.orange' } },
  unknownOutcome: { final: false, polled: false, inFlight: false, group: 'unknown', icon: { codicon: 'question', color: 'charts.orange' } },
  failed: { final: true, polled: false, inFlight: false, group: 'failed', icon: { codicon: 'error', color: 'charts.red' } },
  delivered: { final: true, polled: false, inFlight: false, group: 'delivered', icon: { codicon: 'pass-filled', color: 'charts.green' } },
  lookupDone: { final: true, polled: false, inFlight: false, group: 'lookup', icon: { codicon: 'search', color: 'charts.green' } },
};

const GROUP_ICONS: Readonly<Record<StatusGroup, IconSpec>> = {
  sending: { codicon: 'sync', color: 'charts.blue' },
  queued: { codicon: 'clock', color: 'charts.yellow' },
  pending: { codicon: 'watch', color: 'charts.yellow' },
  lookup: { codicon: 'search', color: 'charts.blue' },
  stale: { codicon: 'clock', color: 'disabledForeground' },
  held: { codicon: 'debug-pause', color: 'charts.orange' },
  unknown: { codicon: 'question', color: 'charts.orange' },
  failed: { codicon: 'error', color: 'charts.red' },
  delivered: { codicon: 'pass-filled', color: 'charts.green' },
};

/**
 * The poller's age limit and the time to judge it at. Without it no message is ever `stale`
 * (what a caller that does not poll, such as a batch's summary, wants).
 */
export interface Staleness {
  /** Epoch ms. */
  now: number;
  /** The `inviosmart.status.maxAgeHours` setting in ms. */
  maxAgeMs: number;
}

/** The state before age is considered: what the entry's own fields say. */
function ownState(e: StateFields): MessageState {
  switch (e.state) {
    case 'sending':
      return 'sending';
    case 'unknown':
      return 'unknownOutcome';
    case 'held':
      return 'held';
    case 'failed':
      return 'failed';
    case 'sent':
      break;
  }
  const s = e.status;
  if (!s) return 'accepted';
  // decodeStatus never marks a queued or pending number final; a file that says so is read as
  // settled, so nothing polls it forever.
  switch (s.statusClass) {
    case 'queued':
      return s.final ? 'delivered' : 'queued';
    case 'pending':
      return s.final ? 'delivered' : 'pending';
    case 'delivered':
      return 'delivered';
    case 'failed':
      return 'failed';
    case 'lookup':
      return s.final ? 'lookupDone' : 'lookup';
    case 'unknown':
      return 'unrecognized';
  }
}

/** Milliseconds since the message was recorded; NaN when its time does not parse. */
function ageAt(e: StateFields, now: number): number {
  return now - Date.parse(e.createdAt);
}

/** Where the message stands now. A waiting message older than `at.maxAgeMs` is `stale`. */
export function messageState(e: StateFields, at?: Staleness): MessageState {
  const own = ownState(e);
  if (at && STATE_FACTS[own].polled && ageAt(e, at.now) > at.maxAgeMs) return 'stale';
  return own;
}

export function stateFacts(state: MessageState): StateFacts {
  return STATE_FACTS[state];
}

/** The gateway will not change it, or it never went out: nothing more to wait for. */
export function isFinal(e: StateFields): boolean {
  return STATE_FACTS[ownState(e)].final;
}

/**
 * Has an SMSId and waits for a final status, whatever its age: the store's pending index, and
 * what "Refresh Status" may ask about (by hand even when `stale`).
 */
export function awaitsStatus(e: StateFields): boolean {
  return e.smsId !== undefined && STATE_FACTS[ownState(e)].polled;
}

/** The poller asks about it now: it awaits a status and is not older than the max age. */
export function shouldPoll(e: StateFields, at: Staleness): boolean {
  return awaitsStatus(e) && !(ageAt(e, at.now) > at.maxAgeMs);
}

/** Counted in the badge: being sent, or watched for a status that may still change. */
export function isInFlight(e: StateFields, at?: Staleness): boolean {
  return STATE_FACTS[messageState(e, at)].inFlight;
}

/**
 * When the message turns `stale` by age alone (epoch ms; the first instant past the max age), or
 * undefined when age cannot change its state. A view redraws it then.
 */
export function staleAt(e: StateFields, maxAgeMs: number): number | undefined {
  if (!STATE_FACTS[ownState(e)].polled) return undefined;
  const created = Date.parse(e.createdAt);
  return Number.isNaN(created) ? undefined : created + maxAgeMs + 1;
}

export function statusGroupOf(e: StateFields, at?: Staleness): StatusGroup {
  return STATE_FACTS[messageState(e, at)].group;
}

export function stateIcon(state: MessageState): IconSpec {
  return STATE_FACTS[state].icon;
}

export function statusGroupIcon(group: StatusGroup): IconSpec {
  return GROUP_ICONS[group];
}

export function isStatusGroup(value: unknown): value is StatusGroup {
  return (STATUS_GROUPS as readonly unknown[]).includes(value);
}

/** The key of a group's name in the panel's strings (`status_stale`). */
export type StatusGroupKey = `status_${StatusGroup}`;

export function statusGroupKey(group: StatusGroup): StatusGroupKey {
  return `status_${group}`;
}

/** A group's name as every view shows it (tree group, panel filter and indicator, export picker). */
export function statusGroupLabel(group: StatusGroup, l10n: L10n): string {
  switch (group) {
    case 'sending':
      return l10n.t('Sending');
    case 'queued':
      return l10n.t('Queued');
    case 'pending':
      return l10n.t('Pending');
    case 'lookup':
      return l10n.t('Number lookup');
    case 'stale':
      return l10n.t('No final status — stopped checking');
    case 'held':
      return l10n.t('Held: awaiting cost confirmation');
    case 'unknown':
      return l10n.t('Unknown outcome');
    case 'failed':
      return l10n.t('Failed');
    case 'delivered':
      return l10n.t('Delivered');
  }
}
