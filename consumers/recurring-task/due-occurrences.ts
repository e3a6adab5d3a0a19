/**
 * Which occurrences a due schedule creates now: those in [nextOccurrenceAt, now], at most `cap`,
 * and the MOST RECENT ones when more are due (after downtime a person wants this week's tasks,
 * not the oldest backlog). Pure: no I/O, no clock.
 */
import { occurrencesBetween, type RecurrencePattern } from '../../lib/recurrence.js';

const DAY = 86_400_000;

export interface DueOccurrences {
  /** Occurrences to create, ascending; at most `cap`. */
  due: Date[];
  /** True when older due occurrences exist that the cap leaves out (they are skipped for good). */
  skippedOlder: boolean;
}

/**
 * The latest `cap` occurrences of `pattern` in [`from`, `until`] (both inclusive), ascending, at
 * wall-clock time in `timeZone`.
 * Searches backwards from `until` in a window that doubles until it holds `cap` occurrences or
 * reaches `from`, so a per-minute cron after a month of downtime does not expand every minute.
 */
export function dueOccurrences(
  pattern: RecurrencePattern,
  anchor: Date,
  from: Date,
  until: Date,
  cap: number,
  timeZone = 'UTC',
): DueOccurrences {
  const start = from.getTime();
  const end = until.getTime();
  if (!(cap >= 1) || start > end) return { due: [], skippedOlder: false };
  let found: Date[] = [];
  let windowStart = end;
  for (let span = DAY; ; span *= 2) {
    windowStart = Math.max(start, end - span);
    // occurrencesBetween takes occurrences strictly after `after`: step back one millisecond.
    found = occurrencesBetween(pattern, anchor, new Date(windowStart - 1), until, Number.POSITIVE_INFINITY, timeZone);
    if (found.length >= cap || windowStart === start) break;
  }
  const due = found.slice(-cap);
  const firstKept = due[0];
  const skippedOlder =
    firstKept !== undefined &&
    (found.length > cap ||
      (windowStart > start &&
        occurrencesBetween(pattern, anchor, new Date(start - 1), new Date(firstKept.getTime() - 1), 1, timeZone)
          .length > 0));
  return { due, skippedOlder };
}
