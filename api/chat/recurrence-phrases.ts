/**
 * Recognising "every monday", "on the 1st of every month", "every 2 weeks" and friends, and
 * writing them in the recurrence grammar of lib/recurrence.ts.
 */
import { DateTime } from 'luxon';
import {
  formatRecurrencePattern,
  isValidRecurrencePattern,
  nextOccurrence,
  parseRecurrencePattern,
} from '../../lib/recurrence.js';
import { COUNT, PART_OF_DAY, WEEKDAY_KEYS, atTime, countValue, type Time } from './date-phrases.js';

/**
 * A recurrence found in a message. `pattern` takes an anchor (the due date, else now) because
 * "weekly" and "monthly" without a day mean "on the same weekday / day of month as the task".
 */
export interface RecurrenceResult {
  rest: string;
  pattern?: (anchor: DateTime) => string;
  /** Time of day implied by the phrase itself ("every morning"). */
  time?: Time;
}

const DAY = '(?:sun|mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?)(?:day)?';
const DAY_LIST = `${DAY}s?(?:\\s*(?:,\\s*and|,|and|&|or)\\s*${DAY}s?)*`;
const PLURAL_DAY = '(?:sun|mon|tues|wednes|thurs|fri|satur)days';
const PLURAL_LIST = `${PLURAL_DAY}(?:\\s*(?:,\\s*and|,|and|&|or)\\s*${PLURAL_DAY})*`;
const ORD = '(\\d{1,2})(?:st|nd|rd|th)?';
const EVERY = '(?:every|each)';

/** Index 0-6 (Sunday first) of a weekday name or abbreviation. */
const weekdayIndex = (name: string): number =>
  WEEKDAY_KEYS.indexOf(name.slice(0, 3).toLowerCase() as (typeof WEEKDAY_KEYS)[number]);
/** The grammar key of a local date's weekday (luxon counts Monday 1 … Sunday 7). */
const weekdayKey = (a: DateTime): string => WEEKDAY_KEYS[a.weekday % 7]!;

/** Days named in a list, as grammar keys in calendar order starting Monday. */
function weeklyOf(list: string): string {
  const found = new Set<number>();
  for (const m of list.toLowerCase().matchAll(new RegExp(DAY, 'g'))) found.add(weekdayIndex(m[0]));
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => found.has(d));
  return `weekly:${order.map((d) => WEEKDAY_KEYS[d]).join(',')}`;
}

function dayOfMonth(raw: string | undefined): number | undefined {
  const d = Number.parseInt(raw ?? '', 10);
  return d >= 1 && d <= 31 ? d : undefined;
}

const fixed = (p: string) => () => p;
/** Grammar typed literally by the user counts only if the scheduler would accept it. */
const literal = (p: string) =>
  isValidRecurrencePattern(p) ? { pattern: fixed(formatRecurrencePattern(parseRecurrencePattern(p))) } : undefined;
type Rule = [RegExp, (m: RegExpExecArray) => { pattern: (anchor: DateTime) => string; time?: Time } | undefined];

const RULES: Rule[] = [
  [/\bcron:\s*((?:[\w*/,?-]+\s+){4}[\w*/,?-]+)/i, (m) => literal(`cron:${m[1]!.trim().replace(/\s+/g, ' ')}`)],
  [/\b(every:\d{1,4}:(?:days|weeks)|weekly:[a-z]{3}(?:,[a-z]{3})*|monthly:\d{1,2})\b/i, (m) => literal(m[1]!)],
  [
    new RegExp(`\\b(?:on\\s+)?(?:the\\s+)?${ORD}\\s+(?:day\\s+)?of\\s+${EVERY}\\s+month\\b`, 'i'),
    (m) => {
      const d = dayOfMonth(m[1]);
      return d ? { pattern: fixed(`monthly:${d}`) } : undefined;
    },
  ],
  [
    new RegExp(`\\b(?:${EVERY}\\s+month|monthly)\\s+on\\s+the\\s+${ORD}\\b`, 'i'),
    (m) => {
      const d = dayOfMonth(m[1]);
      return d ? { pattern: fixed(`monthly:${d}`) } : undefined;
    },
  ],
  [
    /\b(?:every|each)\s+(first|last)\s+(?:day\s+)?of\s+(?:the\s+)?month\b|\b(?:on\s+)?the\s+(first|last)\s+(?:day\s+)?of\s+(?:every|each)\s+month\b/i,
    // "monthly:31" fires on the last day of shorter months.
    (m) => ({ pattern: fixed((m[1] ?? m[2])!.toLowerCase() === 'first' ? 'monthly:1' : 'monthly:31') }),
  ],
  [
    /\b(?:(?:every|each)\s+(?:week\s*day|work\s*day|business\s+day)|(?:on\s+)?weekdays|monday\s+(?:to|through|thru|-)\s+friday)\b/i,
    () => ({ pattern: fixed('weekdays') }),
  ],
  [/\b(?:every|each)\s+weekend\b|\bon\s+weekends\b/i, () => ({ pattern: fixed('weekly:sat,sun') })],
  [
    /\b(?:every|each)\s+(morning|afternoon|evening|night)\b|\bnightly\b/i,
    (m) => ({
      pattern: fixed('daily'),
      time: PART_OF_DAY[m[1]?.toLowerCase() ?? 'night'],
    }),
  ],
  [/\b(?:(?:every|each)\s+(?:single\s+)?day|everyday|daily)\b/i, () => ({ pattern: fixed('daily') })],
  [new RegExp(`\\b(?:${EVERY}|weekly\\s+on)\\s+(${DAY_LIST})\\b`, 'i'), (m) => ({ pattern: fixed(weeklyOf(m[1]!)) })],
  [new RegExp(`\\b(?:on\\s+)?(${PLURAL_LIST})\\b`, 'i'), (m) => ({ pattern: fixed(weeklyOf(m[1]!)) })],
  [/\bevery\s+other\s+(day|week|month)\b/i, (m) => interval(2, m[1]!)],
  [/\b(?:(?:every|each)\s+hour|hourly)\b/i, () => interval(1, 'hour')],
  [
    new RegExp(`\\bevery\\s+${COUNT}\\s+(hours?|days?|weeks?|months?)\\b`, 'i'),
    (m) => interval(countValue(m[1]!), m[2]!),
  ],
  [/\b(?:(?:every|each)\s+week|weekly)\b/i, () => ({ pattern: (a) => `weekly:${weekdayKey(a)}` })],
  [/\b(?:(?:every|each)\s+month|monthly)\b/i, () => ({ pattern: (a) => `monthly:${a.day}` })],
  [
    /\b(?:(?:every|each)\s+year|yearly|annually)\b/i,
    () => ({
      pattern: (a) => `cron:${a.minute} ${a.hour} ${a.day} ${a.month} *`,
    }),
  ],
];

/** Intervals the grammar has no word for are written as cron, which the scheduler already runs. */
function interval(n: number, unitRaw: string): ReturnType<Rule[1]> {
  if (!(n >= 1 && n <= 999)) return undefined;
  const unit = unitRaw.toLowerCase().replace(/s$/, '');
  if (unit === 'day') return { pattern: fixed(n === 1 ? 'daily' : `every:${n}:days`) };
  if (unit === 'week') return { pattern: n === 1 ? (a) => `weekly:${weekdayKey(a)}` : fixed(`every:${n}:weeks`) };
  if (unit === 'hour')
    return n <= 23 ? { pattern: fixed(n === 1 ? 'cron:0 * * * *' : `cron:0 */${n} * * *`) } : undefined;
  if (n > 12) return undefined;
  return {
    pattern: (a) => `cron:${a.minute} ${a.hour} ${Math.min(a.day, 28)} ${n === 1 ? '*' : `*/${n}`} *`,
  };
}

/** Finds the first recurrence phrase and removes it (and a "repeat"/"recurring" next to it). */
export function extractRecurrence(text: string): RecurrenceResult {
  for (const [re, read] of RULES) {
    const m = re.exec(text);
    const hit = m ? read(m) : undefined;
    if (!m || !hit) continue;
    const before = text
      .slice(0, m.index)
      .replace(/[\s,]*\b(?:repeat(?:s|ing)?|recurring|recur(?:s|ring)?|and)?\s*$/i, ' ');
    let after = text.slice(m.index + m[0].length);
    // "every saturday morning": the part of day belongs to the recurrence, not to the title.
    const part = /^\s+(?:in\s+the\s+)?(morning|afternoon|evening|night)\b/i.exec(after);
    const time = part ? PART_OF_DAY[part[1]!.toLowerCase()] : hit.time;
    if (part) after = after.slice(part[0].length);
    const rest = `${before} ${after}`.replace(/\s+/g, ' ').trim();
    return { rest, pattern: hit.pattern, ...(time ? { time } : {}) };
  }
  return { rest: text };
}

/**
 * The first instant after `now` at `time` (wall clock in `now`'s zone) on a day the pattern fires,
 * so a recurring template gets a sensible first due date: the same expansion the scheduler runs.
 */
export function firstOccurrence(pattern: string, now: DateTime, time: Time): DateTime {
  const today = atTime(now, time);
  const start = today > now ? today : atTime(now.startOf('day').plus({ days: 1 }), time);
  const first = nextOccurrence(
    parseRecurrencePattern(pattern),
    start.toJSDate(),
    new Date(start.toMillis() - 1),
    now.zoneName ?? 'UTC',
  );
  return first ? DateTime.fromJSDate(first, { zone: now.zone }) : start;
}
