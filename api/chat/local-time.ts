/**
 * How the chat says an instant or a recurrence to a person: in their zone, in words
 * ("Sat 5 Dec, 5:00 PM"), never as a raw ISO string.
 */
import { DateTime } from 'luxon';
import { parseRecurrencePattern } from '../../lib/recurrence.js';

/** "Sat 5 Dec, 5:00 PM" in `timeZone`; the year is added when it is not the current one. */
export function formatLocal(instant: Date, timeZone: string, now: Date = new Date()): string {
  const local = DateTime.fromJSDate(instant, { zone: timeZone }).setLocale('en-GB');
  const sameYear = local.year === DateTime.fromJSDate(now, { zone: timeZone }).year;
  const time = local.setLocale('en-US').toFormat('h:mm a');
  return `${local.toFormat(sameYear ? 'ccc d LLL' : 'ccc d LLL yyyy')}, ${time}`;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ordinal = (n: number): string =>
  `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

/** "every Mon and Thu", "on the 15th of every month", "every 3 days"; cron is quoted as written. */
export function describeRecurrence(pattern: string): string {
  try {
    const p = parseRecurrencePattern(pattern);
    switch (p.kind) {
      case 'daily':
        return 'every day';
      case 'weekdays':
        return 'every weekday';
      case 'weekly': {
        const names = [1, 2, 3, 4, 5, 6, 0].filter((d) => p.days.includes(d)).map((d) => DAY_NAMES[d]!);
        return `every ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]}`;
      }
      case 'monthly':
        return `on the ${ordinal(p.dayOfMonth)} of every month`;
      case 'every':
        return `every ${p.n} ${p.unit}`;
      case 'cron':
        return `on the schedule "${p.expression}"`;
    }
  } catch {
    return `repeating ${pattern}`;
  }
}
