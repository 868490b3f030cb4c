// The daily cap on SMS sent by tasks and task-end notifications: a count per local calendar day,
// kept in globalState. Plain functions, no VS Code API.

export interface DailyCount {
  /** Local date, YYYY-MM-DD. */
  day: string;
  count: number;
}

/** The local calendar day of `date` as YYYY-MM-DD. */
export function dayKey(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

/** Today's count from what was stored (a count from another day, or anything malformed, is 0). */
export function usedToday(stored: unknown, today: string): number {
  if (typeof stored !== 'object' || stored === null) return 0;
  const s = stored as Partial<DailyCount>;
  return s.day === today && typeof s.count === 'number' && Number.isFinite(s.count) && s.count > 0 ? Math.floor(s.count) : 0;
}

/**
 * Whether `n` more SMS fit under `limit` today; when they do, `next` is the count to store before
 * sending (counted first, so a crash mid-send can only under-use the cap, never exceed it).
 */
export function reserve(stored: unknown, today: string, limit: number, n: number): { allowed: true; next: DailyCount } | { allowed: false; used: number } {
  const used = usedToday(stored, today);
  if (used + n > limit) return { allowed: false, used };
  return { allowed: true, next: { day: today, count: used + n } };
}
