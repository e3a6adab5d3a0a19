/**
 * Finding a point in time in everyday English ("tomorrow at 5pm", "next friday", "June 3",
 * "in 2 hours") and cutting it out of the message so the rest can become a title. Everything is
 * computed in UTC from the caller's `now`: the chat has no per-user time zone yet, and a fixed clock
 * keeps the interpreter deterministic.
 */

const DAY_MS = 86_400_000;

/** Hour and minute of day. */
export interface Time {
  h: number;
  m: number;
}

/** What a date without a time means: people plan the day in the morning. */
export const DEFAULT_TIME: Time = { h: 9, m: 0 };

/** Three-letter weekday keys indexed like `Date#getUTCDay()`, the spelling the recurrence grammar uses. */
export const WEEKDAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Full weekday names only: "sun", "sat" and "wed" are ordinary words too often to match bare. */
export const WEEKDAY_NAME = '(?:sun|mon|tues|wednes|thurs|fri|satur)day';

const MONTH_NAME =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const MONTH_KEYS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  'a couple of': 2,
  'a few': 3,
};
/** A count written as digits or a small English number. */
export const COUNT = '(\\d{1,3}|a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)';

/** Reads a count matched by {@link COUNT}. */
export function countValue(raw: string): number {
  return NUMBER_WORDS[raw.toLowerCase()] ?? Number.parseInt(raw, 10);
}

/** Midnight UTC of the day containing `d`. */
export function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** `d` shifted by whole days. */
export function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * DAY_MS);
}

/** The last millisecond of the UTC day containing `d`. */
export function endOfDay(d: Date): Date {
  return new Date(utcDay(d).getTime() + DAY_MS - 1);
}

/** Monday 00:00 UTC of the ISO week containing `d`. */
export function startOfIsoWeek(d: Date): Date {
  const day = utcDay(d);
  return addDays(day, -((day.getUTCDay() + 6) % 7));
}

/** `day` (midnight) at the given time of day. */
export function atTime(day: Date, t: Time): Date {
  return new Date(utcDay(day).getTime() + (t.h * 60 + t.m) * 60_000);
}

/** Index 0-6 (Sunday first) of a weekday name or abbreviation. */
export function weekdayIndex(name: string): number {
  return WEEKDAY_KEYS.indexOf(name.slice(0, 3).toLowerCase() as (typeof WEEKDAY_KEYS)[number]);
}

/** The coming `dow` strictly after today: on a Friday, "friday" means next week's. */
export function nextWeekday(now: Date, dow: number): Date {
  const today = utcDay(now);
  const diff = (dow - today.getUTCDay() + 7) % 7;
  return addDays(today, diff === 0 ? 7 : diff);
}

function calendarDate(y: number, m: number, d: number): Date | undefined {
  const dt = new Date(Date.UTC(y, m, d));
  return dt.getUTCMonth() === m && dt.getUTCDate() === d && d > 0 ? dt : undefined;
}

function addMonths(day: Date, n: number): Date {
  const first = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(day.getUTCDate(), last)));
}

/** A month/day without a year is the next one that is not already past. */
function monthDay(now: Date, month: number, day: number, year?: number): Date | undefined {
  if (year !== undefined) return calendarDate(year, month, day);
  const y = now.getUTCFullYear();
  const candidate = calendarDate(y, month, day);
  if (candidate && candidate.getTime() >= utcDay(now).getTime()) return candidate;
  return calendarDate(y + 1, month, day) ?? calendarDate(y + 4 - (y % 4), month, day);
}

interface DateHit {
  day: Date;
  time?: Time;
  exact?: Date;
}
interface Rule<T> {
  re: RegExp;
  hit(m: RegExpExecArray, now: Date): T | undefined;
}

/** Times people mean by a part of the day. */
export const PART_OF_DAY: Record<string, Time> = {
  morning: { h: 9, m: 0 },
  afternoon: { h: 15, m: 0 },
  evening: { h: 18, m: 0 },
  night: { h: 20, m: 0 },
};
const num = (s: string | undefined): number => Number.parseInt(s ?? '', 10);
const monthIndex = (name: string): number => MONTH_KEYS.indexOf(name.slice(0, 3).toLowerCase());
const dayHit = (day: Date | undefined): DateHit | undefined => (day ? { day } : undefined);

const DATE_RULES: Rule<DateHit>[] = [
  {
    re: /\b(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::\d{2}(?:\.\d+)?)?Z?)?(?![\w-])/i,
    hit: (m) => {
      const day = calendarDate(num(m[1]), num(m[2]) - 1, num(m[3]));
      return day && { day, ...(m[4] ? { time: { h: num(m[4]), m: num(m[5]) } } : {}) };
    },
  },
  {
    re: new RegExp(`\\b(${MONTH_NAME})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`, 'i'),
    hit: (m, now) => dayHit(monthDay(now, monthIndex(m[1]!), num(m[2]), m[3] ? num(m[3]) : undefined)),
  },
  {
    re: new RegExp(
      `\\b(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${MONTH_NAME})\\b(?:,?\\s+(\\d{4})\\b)?`,
      'i',
    ),
    hit: (m, now) => dayHit(monthDay(now, monthIndex(m[2]!), num(m[1]), m[3] ? num(m[3]) : undefined)),
  },
  { re: /\b(?:the\s+)?day\s+after\s+tomorrow\b/i, hit: (_m, now) => ({ day: addDays(utcDay(now), 2) }) },
  { re: /\btonight\b/i, hit: (_m, now) => ({ day: utcDay(now), time: PART_OF_DAY.night }) },
  {
    re: /\bthis\s+(morning|afternoon|evening)\b/i,
    hit: (m, now) => ({ day: utcDay(now), time: PART_OF_DAY[m[1]!.toLowerCase()] }),
  },
  { re: /\btoday\b/i, hit: (_m, now) => ({ day: utcDay(now) }) },
  { re: /\b(?:tomorrow|tomorow|tommorow|tmrw|tmr)\b/i, hit: (_m, now) => ({ day: addDays(utcDay(now), 1) }) },
  { re: /\bnext\s+week\b/i, hit: (_m, now) => ({ day: addDays(startOfIsoWeek(now), 7) }) },
  {
    re: /\bnext\s+month\b/i,
    hit: (_m, now) => ({ day: addMonths(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), 1) }),
  },
  {
    re: /\b(?:the\s+)?end\s+of\s+(?:the\s+)?month\b/i,
    hit: (_m, now) => ({ day: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)) }),
  },
  {
    re: /\b(?:this\s+)?weekend\b/i,
    hit: (_m, now) => ({ day: now.getUTCDay() === 6 || now.getUTCDay() === 0 ? utcDay(now) : nextWeekday(now, 6) }),
  },
  {
    re: /\bin\s+half\s+an?\s+hour\b/i,
    hit: (_m, now) => ({ day: utcDay(now), exact: new Date(now.getTime() + 30 * 60_000) }),
  },
  {
    re: new RegExp(`\\bin\\s+${COUNT}\\s+(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\\b`, 'i'),
    hit: (m, now) => {
      const n = countValue(m[1]!);
      const unit = m[2]!.toLowerCase();
      if (/^(?:min|h)/.test(unit)) {
        const exact = new Date(now.getTime() + n * (unit.startsWith('h') ? 3_600_000 : 60_000));
        return { day: utcDay(exact), exact };
      }
      if (unit.startsWith('month')) return { day: addMonths(utcDay(now), n) };
      return { day: addDays(utcDay(now), unit.startsWith('w') ? 7 * n : n) };
    },
  },
  {
    re: new RegExp(`\\b(?:(?:next|this|coming|this\\s+coming)\\s+)?(${WEEKDAY_NAME})\\b`, 'i'),
    hit: (m, now) => ({ day: nextWeekday(now, weekdayIndex(m[1]!)) }),
  },
  {
    re: /\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b/i,
    hit: (m, now) => {
      const today = utcDay(now);
      for (let k = 0; k < 12; k++) {
        const d = calendarDate(now.getUTCFullYear(), now.getUTCMonth() + k, num(m[1]));
        if (d && d.getTime() >= today.getTime()) return { day: d };
      }
      return undefined;
    },
  },
];

function clock(h: number, m: number, meridiem?: string): Time | undefined {
  if (m > 59) return undefined;
  if (meridiem) {
    if (h < 1 || h > 12) return undefined;
    const pm = meridiem.toLowerCase() === 'p';
    return { h: (h % 12) + (pm ? 12 : 0), m };
  }
  return h <= 23 ? { h, m } : undefined;
}

const AT = '(?:(?:\\bat|\\bby|\\baround|\\bfrom)\\s+|@\\s*)';
const TIME_RULES: Rule<Time>[] = [
  {
    re: new RegExp(`${AT}?\\b(\\d{1,2})(?:[:.]([0-5]\\d))?\\s*([ap])\\.?m\\b\\.?`, 'i'),
    hit: (m) => clock(num(m[1]), m[2] ? num(m[2]) : 0, m[3]),
  },
  { re: new RegExp(`${AT}?\\b([01]?\\d|2[0-3]):([0-5]\\d)\\b`, 'i'), hit: (m) => clock(num(m[1]), num(m[2])) },
  {
    re: new RegExp(`${AT}?\\b(noon|midday|midnight)\\b`, 'i'),
    hit: (m) => (m[1]!.toLowerCase() === 'midnight' ? { h: 0, m: 0 } : { h: 12, m: 0 }),
  },
  {
    // A bare "at 5" is almost always afternoon: nobody books chores at 5am by saying "at 5".
    re: /\b(?:at|by|around)\s+(\d{1,2})\b(?![:.]\d|\s*(?:%|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b)/i,
    hit: (m) => {
      const h = num(m[1]);
      return h > 23 ? undefined : { h: h >= 1 && h <= 7 ? h + 12 : h, m: 0 };
    },
  },
  { re: /\bin\s+the\s+(morning|afternoon|evening)\b/i, hit: (m) => PART_OF_DAY[m[1]!.toLowerCase()] },
  { re: /\bat\s+night\b/i, hit: () => PART_OF_DAY.night },
];

const CONNECTOR_TAIL = /(?:[\s,]*\b(?:on|by|at|due|for|until|till|before|from|starting|beginning)\b)+[\s,]*$/i;

/** Removes `m` from `text`, plus the preposition that introduced it ("due by", "on", "at"). */
function cut(text: string, start: number, end: number): string {
  const before = text.slice(0, start).replace(CONNECTOR_TAIL, ' ');
  return `${before} ${text.slice(end)}`.replace(/\s+/g, ' ').trim();
}

function firstHit<T>(text: string, rules: Rule<T>[], now: Date): { value: T; start: number; end: number } | undefined {
  for (const rule of rules) {
    const m = rule.re.exec(text);
    if (!m) continue;
    const value = rule.hit(m, now);
    if (value !== undefined) return { value, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}

/** The outcome of {@link extractWhen}. */
export interface WhenResult {
  /** The message with the date and time phrases (and their prepositions) removed. */
  rest: string;
  /** The resolved instant, when the message named a date or a time. */
  date?: Date;
  /** The calendar day named explicitly, if any (midnight UTC). */
  day?: Date;
  /** The time of day named explicitly, if any. */
  time?: Time;
}

/**
 * Finds at most one date phrase and one time phrase in `text`. A date without a time gets
 * {@link DEFAULT_TIME}; a time without a date means its next occurrence (today, else tomorrow).
 */
export function extractWhen(text: string, now: Date): WhenResult {
  let rest = text;
  let dateHit: DateHit | undefined;
  const d = firstHit(rest, DATE_RULES, now);
  if (d) {
    dateHit = d.value;
    let end = d.end;
    const part = /^\s+(?:in\s+the\s+)?(morning|afternoon|evening|night)\b/i.exec(rest.slice(end));
    if (part && !dateHit.exact) {
      dateHit = { ...dateHit, time: PART_OF_DAY[part[1]!.toLowerCase()] };
      end += part[0].length;
    }
    rest = cut(rest, d.start, end);
  }
  let time: Time | undefined;
  if (!dateHit?.exact) {
    const t = firstHit(rest, TIME_RULES, now);
    if (t) {
      time = t.value;
      rest = cut(rest, t.start, t.end);
    }
  }
  if (dateHit?.exact) return { rest, date: dateHit.exact, day: dateHit.day };
  if (dateHit)
    return {
      rest,
      date: atTime(dateHit.day, time ?? dateHit.time ?? DEFAULT_TIME),
      day: dateHit.day,
      ...(time || dateHit.time ? { time: time ?? dateHit.time } : {}),
    };
  if (time) {
    const today = atTime(now, time);
    return { rest, date: today.getTime() > now.getTime() ? today : addDays(today, 1), time };
  }
  return { rest };
}
