// The gateway's timestamps, `YYYYMMDDHHmmSS` in the provider's wall clock: one parser, one writer
// (for the sandbox) and one display form, shared by the host and the webview. Plain TypeScript.
import type { GatewayTime } from './types';

const GATEWAY_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;


// Offsets are asked of Intl (the bundled ICU data), so no time-zone table ships with the extension.
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of `ms` in `timeZone`, as if they were UTC. */
function wallClockMs(ms: number, timeZone: string): number {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    zoneFormats.set(timeZone, f);
  }
  const part = (parts: Intl.DateTimeFormatPart[], type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const p = f.formatToParts(new Date(ms));
  return Date.UTC(part(p, 'year'), part(p, 'month') - 1, part(p, 'day'), part(p, 'hour'), part(p, 'minute'), part(p, 'second'));
}

/** True when `timeZone` is a zone this runtime knows (`UTC`, `Europe/Rome`, ...). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The instant whose wall clock in `timeZone` reads `wallMs` (taken as UTC fields); the earlier one in a DST overlap. */
function fromWallClock(wallMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return wallMs;
  // Two passes settle the offset, also for times just after a DST change.
  let guess = wallMs - (wallClockMs(wallMs, timeZone) - wallMs);
  guess = wallMs - (wallClockMs(guess, timeZone) - guess);
  return guess;
}

/**
 * Reads `YYYYMMDDHHmmSS` as a wall-clock time in `timeZone` (default UTC; the real gateway writes
 * provider-local time, Europe/Rome: docs/PROTOCOL.md). The raw text is always kept.
 */
export function parseGatewayTime(raw: string, timeZone = 'UTC'): GatewayTime {
  const m = GATEWAY_TIME.exec(raw);
  if (!m) return { raw };
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (y === 0) return { raw };
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 31 February over into March; a timestamp that does not round-trip is not a real time.
  const valid =
    wall.getUTCFullYear() === y && wall.getUTCMonth() === mo - 1 && wall.getUTCDate() === d &&
    wall.getUTCHours() === h && wall.getUTCMinutes() === mi && wall.getUTCSeconds() === s;
  if (!valid) return { raw };
  return { raw, date: new Date(fromWallClock(wall.getTime(), timeZone)) };
}

/** Writes a Date as the gateway's `YYYYMMDDHHmmSS` wall clock in `timeZone` (the inverse of parseGatewayTime). */
export function formatGatewayTime(date: Date, timeZone = 'UTC'): string {
  const w = new Date(timeZone === 'UTC' ? date.getTime() : wallClockMs(date.getTime(), timeZone));
  const p = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${p(w.getUTCFullYear(), 4)}${p(w.getUTCMonth() + 1)}${p(w.getUTCDate())}` +
    `${p(w.getUTCHours())}${p(w.getUTCMinutes())}${p(w.getUTCSeconds())}`;
}

/**
 * A gateway time as `YYYY-MM-DD HH:mm:ss`, left in the provider's zone (what the user compares with the
 * Inviosmart website); undefined when empty or all zeros ("nothing yet"); other text as received.
 */
export function displayGatewayTime(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (!text || /^0+$/.test(text)) return undefined;
  const m = GATEWAY_TIME.exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : text;
}
