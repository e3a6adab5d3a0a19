/**
 * Finding a point in time in everyday English ("tomorrow at 5pm", "next friday", "June 3",
 * "in 2 hours") and cutting it out of the message so the rest can become a title. chrono-node
 * finds and reads the phrase; luxon turns the person's wall-clock reading into an instant in their
 * IANA zone (so "9am" in Tokyo is 00:00Z and a day that loses an hour to daylight saving still
 * has its 9:00). What remains here are our conventions: a date alone means 9:00, "evening" is
 * 18:00, "at 5" is 5 pm, a weekday named on that weekday means next week's.
 */
import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';

/** Hour and minute of day. */
export interface Time {
  h: number;
  m: number;
}

/** What a date without a time means: people plan the day in the morning. */
const DEFAULT_TIME: Time = { h: 9, m: 0 };

/** Three-letter weekday keys indexed Sunday first, the spelling the recurrence grammar uses. */
export const WEEKDAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Times people mean by a part of the day. */
export const PART_OF_DAY: Record<string, Time> = {
  morning: { h: 9, m: 0 },
  afternoon: { h: 15, m: 0 },
  evening: { h: 18, m: 0 },
  night: { h: 20, m: 0 },
  tonight: { h: 20, m: 0 },
};

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
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  'forty-five': 45,
  'a couple of': 2,
  'a few': 3,
};
/** A count written as digits or a small English number. */
export const COUNT =
  '(\\d{1,4}|a couple of|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty-five|forty)';

/** Reads a count matched by {@link COUNT}. */
export function countValue(raw: string): number {
  return NUMBER_WORDS[raw.toLowerCase()] ?? Number.parseInt(raw, 10);
}

/** `day` (any instant of it) at the given wall-clock time in its zone; a time skipped by DST moves forward. */
export function atTime(day: DateTime, t: Time): DateTime {
  return day.set({ hour: t.h, minute: t.m, second: 0, millisecond: 0 });
}

/** The coming `weekday` (luxon: 1 = Monday … 7 = Sunday) strictly after today: on a Friday, "friday" is next week's. */
function nextWeekday(now: DateTime, weekday: number): DateTime {
  const today = now.startOf('day');
  const diff = (weekday - today.weekday + 7) % 7;
  return today.plus({ days: diff === 0 ? 7 : diff });
}

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';

/** Readers chrono lacks: "the 30th", "by 5", "end of day". They run inside chrono, on its reference. */
const EXTRA_PARSERS: chrono.Parser[] = [
  {
    // "pay rent on the 1st": the next such day of a month that is not already past.
    pattern: () =>
      new RegExp(`\\bthe\\s+(\\d{1,2})(?:st|nd|rd|th)\\b(?!\\s+(?:day\\s+)?(?:of\\s+)?(?:${MONTH}|every|each))`, 'i'),
    extract: (context, match) => {
      const ref = DateTime.fromJSDate(context.refDate, { zone: 'utc' });
      const wanted = Number(match[1]);
      for (let k = 0; k < 12; k++) {
        const month = ref.startOf('month').plus({ months: k });
        if (wanted >= 1 && wanted <= month.daysInMonth! && (k > 0 || wanted >= ref.day))
          return { day: wanted, month: month.month, year: month.year };
      }
      return null;
    },
  },
  {
    pattern: () =>
      /\b(?:by|around|before)\s+(\d{1,2})\b(?![:.]\d|\s*(?:%|[ap]\.?m\b|o'?clock|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|st|nd|rd|th)\b)/i,
    extract: (_context, match) => {
      const h = Number(match[1]);
      return h <= 23 ? { hour: h, minute: 0 } : null;
    },
  },
  {
    // chrono reads "day after tomorrow" without "the" as plain "tomorrow".
    pattern: () => /\b(?:the\s+)?day\s+after\s+(?:tomorrow|tomorow|tmrw|tmr)\b/i,
    extract: (context) => {
      const day = DateTime.fromJSDate(context.refDate, { zone: 'utc' }).plus({ days: 2 });
      return { year: day.year, month: day.month, day: day.day };
    },
  },
  {
    // "by end of week": Friday, end of the working day.
    pattern: () => /\b(?:eow|end\s+of\s+(?:the\s+)?(?:work\s*)?week)\b/i,
    extract: (context) => {
      const ref = DateTime.fromJSDate(context.refDate, { zone: 'utc' });
      const friday = ref.plus({ days: (5 - ref.weekday + 7) % 7 });
      return { year: friday.year, month: friday.month, day: friday.day, hour: 17, minute: 0 };
    },
  },
  {
    // "half past 5", "quarter to 6": a bare hour from 1 to 7 is afternoon, as with "at 5".
    pattern: () =>
      /\b(?:at\s+)?(half|quarter)\s+(past|after|to|before)\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b(?!\s*[ap]\.?m\b)/i,
    extract: (_context, match) => {
      let h = countValue(match[3]!);
      if (!(h >= 1 && h <= 12)) return null;
      if (h <= 7) h += 12;
      const half = match[1]!.toLowerCase() === 'half';
      const to = /^(?:to|before)$/i.test(match[2]!);
      if (half && to) return null;
      return to ? { hour: h - 1, minute: 45 } : { hour: h, minute: half ? 30 : 15 };
    },
  },
  {
    pattern: () => /\b(?:eod|cob|end\s+of\s+(?:the\s+)?(?:day|business\s+day|work\s*day))\b/i,
    extract: (context) => {
      const ref = DateTime.fromJSDate(context.refDate, { zone: 'utc' });
      return { year: ref.year, month: ref.month, day: ref.day, hour: 17, minute: 0 };
    },
  },
];

const parser = chrono.casual.clone();
parser.parsers.push(...EXTRA_PARSERS);

/** Words chrono reads as dates that are more often plain words in a title ("sat", "may", "a week"). */
const NOT_A_DATE = new RegExp(
  `^(?:on\\s+)?(?:sun|mon|tue|tues|wed|thu|thur|thurs|fri|sat|${MONTH}[a-z]*|an?\\s+(?:second|minute|hour|day|week|month|year)|\\d+)\\.?$`,
  'i',
);

/** A relative phrase must say from when: "in 3 days", "3 days from now", not "3 days of exercise". */
const RELATIVE_ANCHORED =
  /^(?:in|within|after|next|this|coming|last|(?:the\s+)?day\s+after)\s|\b(?:from\s+now|later|hence)$/i;

function isDatePhrase(r: chrono.ParsedResult): boolean {
  const text = r.text.trim();
  if (NOT_A_DATE.test(text)) return false;
  if (r.tags().has('result/relativeDate') && !RELATIVE_ANCHORED.test(text)) return false;
  const year = r.start.get('year') ?? 0;
  return year >= 1970 && year <= 9999;
}

/** chrono reads in the zone it is given; it gets the person's wall clock, as if it were UTC. */
function wallClock(now: DateTime): Date {
  return new Date(Date.UTC(now.year, now.month - 1, now.day, now.hour, now.minute, now.second, now.millisecond));
}

const CONNECTOR_TAIL =
  /(?:[\s,]*\b(?:on|by|at|due|for|until|till|before|from|starting|beginning|around|the)\b)+[\s,]*$/i;

/** Removes [start, end) from `text`, plus the preposition that introduced it ("due by", "on", "at"). */
function cut(text: string, start: number, end: number): string {
  const before = text.slice(0, start).replace(CONNECTOR_TAIL, ' ');
  return `${before} ${text.slice(end)}`.replace(/\s+/g, ' ').trim();
}

/** The outcome of {@link extractWhen}. */
export interface WhenResult {
  /** The message with the date and time phrases (and their prepositions) removed. */
  rest: string;
  /** The resolved instant, when the message named a date or a time. */
  date?: Date;
  /** The calendar day named explicitly, if any (local midnight). */
  day?: DateTime;
  /** The time of day named explicitly, if any. */
  time?: Time;
}

interface Reading {
  day?: DateTime;
  time?: Time;
  exact?: DateTime;
}

/** Our conventions on top of chrono's reading of one phrase. */
function readingOf(r: chrono.ParsedResult, now: DateTime): Reading {
  const s = r.start;
  const text = r.text.toLowerCase();
  if (r.tags().has('result/relativeDateAndTime')) {
    // "in 2 hours": elapsed time from the real instant, whatever the clocks do meanwhile.
    return { exact: now.plus({ milliseconds: s.date().getTime() - wallClock(now).getTime() }) };
  }
  let time: Time | undefined;
  if (s.isCertain('hour')) {
    let h = s.get('hour') ?? 0;
    // A bare "at 5" is almost always afternoon: nobody books chores at 5am by saying "at 5".
    if (
      !s.isCertain('meridiem') &&
      /(?:^|(?:^|\s)(?:at|by|around|before|@)\s*)[1-9](?:[:.][0-5]\d)?(?:\s*o'?clock)?(?:\s|$)/.test(text) &&
      !/\b(?:morning|am|a\.m)\b/.test(text) &&
      h >= 1 &&
      h <= 7
    )
      h += 12;
    time = { h, m: s.get('minute') ?? 0 };
  } else {
    const part = /\b(morning|afternoon|evening|tonight|night)\b/.exec(text);
    if (part) time = PART_OF_DAY[part[1]!];
  }
  const local = (y: number, mo: number, d: number) =>
    DateTime.fromObject({ year: y, month: mo, day: d }, { zone: now.zone });
  let day: DateTime | undefined;
  if (/\bnext\s+week\b/.test(text)) day = now.startOf('week').plus({ weeks: 1 });
  else if (/\bnext\s+month\b/.test(text)) day = now.startOf('month').plus({ months: 1 });
  else if (/\bweekend\b/.test(text)) day = now.weekday >= 6 ? now.startOf('day') : nextWeekday(now, 6);
  else if (s.isCertain('weekday') && !s.isCertain('day'))
    day = nextWeekday(now, (((s.get('weekday') ?? 0) + 6) % 7) + 1);
  else if (
    s.isCertain('day') ||
    s.isCertain('month') ||
    !s.isCertain('hour') ||
    /\b(?:today|tonight|tomorrow|tmrw|tmr)\b/.test(text)
  ) {
    day = local(s.get('year')!, s.get('month')!, s.get('day')!);
    // A month and day without a year is the next one not already past (today counts).
    if (s.isCertain('month') && !s.isCertain('year')) {
      const thisYear = local(now.year, s.get('month')!, s.get('day')!);
      day =
        thisYear.isValid && thisYear >= now.startOf('day')
          ? thisYear
          : local(now.year + 1, s.get('month')!, s.get('day')!);
    }
  }
  return { ...(day && { day }), ...(time && { time }) };
}

/**
 * Finds at most one date phrase and one time phrase in `text`, read on `now`'s wall clock and zone.
 * A date without a time gets {@link DEFAULT_TIME}; a time without a date means its next
 * occurrence (today, else tomorrow).
 */
export function extractWhen(text: string, now: DateTime): WhenResult {
  let found: chrono.ParsedResult[];
  try {
    found = parser
      .parse(text, { instant: wallClock(now), timezone: 0 }, { forwardDate: true })
      .filter((r) => isDatePhrase(r));
  } catch {
    return { rest: text };
  }
  const first = found[0];
  if (!first) return { rest: text };
  let reading = readingOf(first, now);
  const spans: [number, number][] = [[first.index, first.index + first.text.length]];
  if (!reading.exact && (!reading.day || !reading.time)) {
    // "at 5pm … tomorrow": a time and a date said apart make one instant.
    for (const other of found.slice(1)) {
      const more = readingOf(other, now);
      if (more.exact) continue;
      if (!reading.day && more.day && !more.time) reading = { ...reading, day: more.day };
      else if (!reading.time && more.time && !more.day) reading = { ...reading, time: more.time };
      else continue;
      spans.push([other.index, other.index + other.text.length]);
      break;
    }
  }
  let rest = text;
  for (const [start, end] of spans.sort((a, b) => b[0] - a[0])) rest = cut(rest, start, end);

  if (reading.exact) {
    const exact = reading.exact.set({ second: 0, millisecond: 0 });
    return { rest, date: exact.toJSDate(), day: exact.startOf('day') };
  }
  if (reading.day) {
    const at = atTime(reading.day, reading.time ?? DEFAULT_TIME);
    return { rest, date: at.toJSDate(), day: reading.day.startOf('day'), ...(reading.time && { time: reading.time }) };
  }
  if (reading.time) {
    const today = atTime(now, reading.time);
    const at = today > now ? today : atTime(now.startOf('day').plus({ days: 1 }), reading.time);
    return { rest, date: at.toJSDate(), time: reading.time };
  }
  return { rest: text };
}

/** An offset before an event: "30 minutes before", "an hour before", "1 day earlier". */
export const LEAD_TIME = new RegExp(
  `\\b${COUNT}\\s*(minutes?|mins?|m|hours?|hrs?|h|days?)\\s+(?:before|ahead|earlier|in\\s+advance|prior)\\b|\\b(half\\s+an?\\s+hour)\\s+(?:before|ahead|earlier|in\\s+advance|prior)\\b`,
  'i',
);

/** Minutes of a {@link LEAD_TIME} match. */
export function leadMinutes(m: RegExpExecArray): number {
  if (m[3]) return 30;
  const n = countValue(m[1]!);
  const unit = m[2]!.toLowerCase();
  return unit.startsWith('d') ? n * 1440 : unit.startsWith('h') ? n * 60 : n;
}
