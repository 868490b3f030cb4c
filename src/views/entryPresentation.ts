// How a history entry looks in the UI: labels, icons, day groups, tooltip Markdown.
// Pure: no 'vscode' import, so plain-Node tests cover it; the tree turns ids into ThemeIcon/MarkdownString.
import { cleanText, escapeMarkdown } from '../common/markdown';
import { formatNumber } from '../gateway/countries';
import { statusGroupLabel, type MessageState } from '../history/messageState';
import { displayGatewayTime } from '../gateway/time';
import { formatEuro } from '../common/money';
import type { HistoryEntry } from '../history/types';

import type { L10n } from '../gateway/l10n';
import { wordExplanation } from '../gateway/messages';

// The tree passes `vscode.l10n` itself.
export { englishL10n, type L10n } from '../gateway/l10n';

// ---------------------------------------------------------------------------------------------
// Status

// States, groups and their icons and names: src/history/messageState.ts.

/**
 * A gateway status in the user's language. History keeps the protocol's English label; the
 * documented numbers are translated when shown, an undocumented one reads `unknown status N`.
 */
export function statusName(status: { code: number; label: string }, l10n: L10n): string {
  switch (status.code) {
    case 1: return l10n.t('Queued');
    case 2: return l10n.t('Queued on SMSC');
    case 4: return l10n.t('Waiting validation');
    case 8: return l10n.t('Unknown subscriber');
    case 16: return l10n.t('Temporarily unavailable');
    case 32: return l10n.t('Pending');
    case 64: return l10n.t('Undelivered');
    case 128: return l10n.t('Expired');
    case 256: return l10n.t('Not delivered to SMSC');
    case 512: return l10n.t('Error');
    case 1024: return l10n.t('Unknown error');
    case 2048: return l10n.t('Delivered');
    case 16384: return l10n.t('HLR sent');
    case 32768: return l10n.t('HLR completed');
    default: return /^unknown status /.test(status.label) ? l10n.t('unknown status {0}', status.code) : status.label;
  }
}

/**
 * Short status text for one message: the gateway's status when there is one, else the local state.
 * Pass the message's state (messageState.ts) to word a message the poller stopped checking.
 */
export function statusLabel(entry: HistoryEntry, l10n: L10n, state?: MessageState): string {
  if (state === 'stale') return statusGroupLabel('stale', l10n);
  if (entry.status) return statusName(entry.status, l10n);
  switch (entry.state) {
    case 'sending':
      return l10n.t('Sending…');
    case 'sent':
      return l10n.t('Accepted, waiting for status');
    case 'failed':
      return l10n.t('Not sent');
    case 'unknown':
      return l10n.t('Unknown outcome: may have been sent');
    case 'held':
      return l10n.t('Held: awaiting cost confirmation');
  }
}

/**
 * `message.<state>[.id][.sandbox]`, e.g. `message.sent.id`, `message.failed`, `message.unknown.sandbox`.
 * `.id` marks an SMSId (Copy ID, Refresh Status); menus match with `viewItem =~ /^message\.\w+\.id\b/`.
 */
export function contextValueOf(entry: HistoryEntry): string {
  return `message.${entry.state}${entry.smsId !== undefined ? '.id' : ''}${entry.sandbox ? '.sandbox' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Text

/** The first non-blank line, whitespace collapsed, cut to `max` characters (code points) with an ellipsis. */
export function messageLabel(text: string, l10n: L10n, max = 40): string {
  const line = cleanText(text)
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .find((l) => l.length > 0);
  if (!line) return l10n.t('(empty message)');
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** A number as every view shows it (`+39 339 123 4567`): one formatting, from the country's numbering plan. */
export const formatDestination = formatNumber;

// ---------------------------------------------------------------------------------------------
// Time

const QUARTER_HOUR = 15 * 60 * 1000;
const DAY = 24 * 60 * 60 * 1000;

export interface WallParts {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Wall-clock reading of instants in one time zone (the system's when none is given). Offsets are
 * cached per quarter hour: every zone's offset and transitions sit on quarter-hour boundaries, and a
 * 100k-entry history then costs one Intl call per distinct quarter hour, not per entry.
 */
export class WallClock {
  private readonly offsets = new Map<number, number>();
  private readonly fmt?: Intl.DateTimeFormat;

  constructor(readonly timeZone?: string) {
    if (timeZone) {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    }
  }

  /** Milliseconds to add to a UTC instant to get its wall-clock time read as UTC. */
  offsetAt(ms: number): number {
    const bucket = Math.floor(ms / QUARTER_HOUR);
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * QUARTER_HOUR;
      if (!this.fmt) {
        off = -new Date(at).getTimezoneOffset() * 60_000;
      } else {
        const p: Record<string, number> = {};
        for (const part of this.fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
        off = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - at;
      }
      if (this.offsets.size > 50_000) this.offsets.clear();
      this.offsets.set(bucket, off);
    }
    return off;
  }

  parts(ms: number): WallParts {
    const d = new Date(ms + this.offsetAt(ms));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }

  /** `YYYY-MM-DD` of the local calendar day the instant falls on. */
  dayKey(ms: number): string {
    const p = this.parts(ms);
    return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
  }

  /** The first instant of the local day after the one `ms` falls on. */
  nextMidnight(ms: number): number {
    const p = this.parts(ms);
    // Start from the next day's midnight in "wall as UTC" time, then correct by the offset there.
    const wallMidnight = Date.UTC(p.year, p.month - 1, p.day + 1);
    let guess = wallMidnight - this.offsetAt(wallMidnight);
    guess = wallMidnight - this.offsetAt(guess);
    return guess > ms ? guess : ms + DAY;
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function dayKeyToUtc(dayKey: string): number {
  const [y, m, d] = dayKey.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

/** Whole calendar days from `dayKey` to `todayKey` (1 = yesterday, negative = in the future). */
export function daysBetween(dayKey: string, todayKey: string): number {
  return Math.round((dayKeyToUtc(todayKey) - dayKeyToUtc(dayKey)) / DAY);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(id);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
    } catch {
      // an unknown VS Code display language must not break the tree
      f = new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' });
    }
    formatters.set(id, f);
  }
  return f;
}

/** Locale-formatted calendar date of a day key (formatted as UTC: the key already is local). */
function formatDay(dayKey: string, locale: string, options: Intl.DateTimeFormatOptions): string {
  return dateFormat(locale, options).format(dayKeyToUtc(dayKey));
}

/** Label of a day group: Today, Yesterday, the weekday for the past week, then the date. */
export function dayGroupLabel(dayKey: string, todayKey: string, l10n: L10n, locale: string): string {
  const ago = daysBetween(dayKey, todayKey);
  if (ago === 0) return l10n.t('Today');
  if (ago === 1) return l10n.t('Yesterday');
  if (ago > 1 && ago < 7) return formatDay(dayKey, locale, { weekday: 'long' });
  const sameYear = dayKey.slice(0, 4) === todayKey.slice(0, 4);
  return formatDay(dayKey, locale, sameYear ? { day: 'numeric', month: 'long' } : { day: 'numeric', month: 'long', year: 'numeric' });
}

/** Long form of a day for tooltips, e.g. "Sunday, 10 March 2024". */
export function dayLongLabel(dayKey: string, locale: string): string {
  return formatDay(dayKey, locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

export interface TimeContext {
  clock: WallClock;
  /** Now, epoch ms. */
  now: number;
  locale: string;
}

/** `destination · HH:mm` for today's messages (or always when `timeOnly`, as under a day group), else `destination · date`. */
export function messageDescription(entry: HistoryEntry, ctx: TimeContext, timeOnly: boolean): string {
  const dest = formatDestination(entry.destination);
  const ms = Date.parse(entry.createdAt);
  if (Number.isNaN(ms)) return dest;
  const p = ctx.clock.parts(ms);
  const key = `${p.year}-${pad(p.month)}-${pad(p.day)}`;
  const todayKey = ctx.clock.dayKey(ctx.now);
  if (timeOnly || key === todayKey) return `${dest} · ${pad(p.hour)}:${pad(p.minute)}`;
  const sameYear = p.year === Number(todayKey.slice(0, 4));
  return `${dest} · ${formatDay(key, ctx.locale, sameYear ? { day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

/** `YYYY-MM-DD HH:mm:ss` of an ISO instant in the clock's zone; the input itself when it does not parse. */
export function formatLocalTime(iso: string, clock: WallClock): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const p = clock.parts(ms);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

// ---------------------------------------------------------------------------------------------
// Counts

export function messageCountLabel(n: number, l10n: L10n): string {
  return n === 1 ? l10n.t('1 message') : l10n.t('{0} messages', n);
}

// ---------------------------------------------------------------------------------------------
// Tooltip Markdown

/** Heading of an error in the tooltip: the gateway's code when numbered, else what kind of failure. */
export function errorTitle(err: NonNullable<HistoryEntry['error']>, l10n: L10n): string {
  switch (err.kind) {
    case 'gateway':
      return err.code !== undefined ? l10n.t('Error {0}', err.code) : l10n.t('Gateway error');
    case 'http':
      return err.code !== undefined ? l10n.t('HTTP error {0}', err.code) : l10n.t('HTTP error');
    case 'unnumbered':
      return l10n.t('Gateway error');
    case 'malformed':
      return l10n.t('Unreadable gateway answer');
    case 'timeout':
      return l10n.t('Timed out');
    case 'network':
      return l10n.t('Network error');
    case 'aborted':
      return l10n.t('Cancelled');
    case 'config':
      return l10n.t('Configuration error');
  }
}

export interface TooltipContext {
  l10n: L10n;
  clock: WallClock;
  locale: string;
  /** The message's state now (messageState.ts); tells when the poller stopped checking it. */
  state?: MessageState;
}

/**
 * Markdown source for a message's tooltip, listing every field. Only our own labels use Markdown;
 * everything from the user or the gateway goes through `escapeMarkdown`. Render it with
 * `isTrusted = false`, `supportHtml = false`, `supportThemeIcons = false`.
 */
export function tooltipMarkdown(entry: HistoryEntry, ctx: TooltipContext): string {
  const { l10n } = ctx;
  const e = escapeMarkdown;
  const field = (label: string, value: string): string => `**${e(label)}:** ${value}`;
  const fields: string[] = [];

  let status = `**${e(statusLabel(entry, l10n, ctx.state))}**`;
  if (entry.status) status += ` ${e(l10n.t('(status {0})', entry.status.code))}`;
  const head = [status];
  if (entry.state === 'unknown') {
    head.push(e(l10n.t('The request went out but no answer came: the SMS may or may not have been sent. Check before resending.')));
  }
  if (ctx.state === 'stale') {
    head.push(e(l10n.t('No final status came in time, so it is no longer checked by itself. Refresh Status asks the gateway once.')));
  }
  if (entry.state === 'held') {
    head.push(e(l10n.t('The gateway holds this SMS until its cost is confirmed on the Inviosmart website; confirming it there sends it.')));
  }

  if (entry.smsId !== undefined) fields.push(field(l10n.t('SMSId'), e(String(entry.smsId))));
  fields.push(field(l10n.t('Destination'), e(formatDestination(entry.destination))));
  fields.push(field(l10n.t('Sender'), e(entry.sender)));
  const name = entry.accountLabel || entry.account;
  const account = entry.sandbox ? l10n.t('{0} (sandbox: nothing really sent)', name) : name;
  fields.push(field(l10n.t('Account'), e(account)));
  fields.push(field(l10n.t('Created'), e(formatLocalTime(entry.createdAt, ctx.clock))));
  const submitted = displayGatewayTime(entry.submittedOn);
  if (submitted) fields.push(field(l10n.t('Submitted'), e(l10n.t('{0} (provider local time)', submitted))));
  const changed = displayGatewayTime(entry.lastChangeOn);
  if (changed) fields.push(field(l10n.t('Last status change'), e(l10n.t('{0} (provider local time)', changed))));
  fields.push(field(l10n.t('Parts'), e(String(entry.parts))));
  if (entry.quantity !== undefined) fields.push(field(l10n.t('Charged as'), e(l10n.t('{0} SMS', entry.quantity))));
  if (entry.charge !== undefined) fields.push(field(l10n.t('Charge'), e(formatEuro(entry.charge, ctx.locale))));
  if (entry.batchId) fields.push(field(l10n.t('Batch'), e(entry.batchId)));

  const blocks = [head.join('\\\n'), fields.join('\\\n'), e(entry.text.length > 0 ? entry.text : l10n.t('(empty message)'))];

  if (entry.error) {
    const err = entry.error;
    const title = errorTitle(err, l10n);
    const lines = [`**${e(title)}:** ${e(err.gatewayText)}`];
    if (err.explanation) lines.push(e(wordExplanation(err, l10n)));
    blocks.push(lines.join('\\\n'));
  }
  return blocks.join('\n\n---\n\n');
}
