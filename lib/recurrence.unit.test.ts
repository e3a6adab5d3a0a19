import {
  InvalidRecurrencePatternError,
  formatRecurrencePattern,
  isValidRecurrencePattern,
  nextOccurrence,
  occurrencesBetween,
  parseRecurrencePattern,
} from './recurrence.js';
import { DateTime } from 'luxon';

const d = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((x) => x.toISOString().replace(':00.000Z', 'Z'));
const between = (pattern: string, anchor: string, after: string, until: string, limit = 100) =>
  iso(occurrencesBetween(parseRecurrencePattern(pattern), d(anchor), d(after), d(until), limit));

describe('parse / format', () => {
  it.each([
    ['daily', 'daily'],
    [' WEEKDAYS ', 'weekdays'],
    ['weekly:FRI,mon, wed,mon', 'weekly:mon,wed,fri'],
    ['weekly:sun,sat', 'weekly:sat,sun'],
    ['Monthly:05', 'monthly:5'],
    ['every:3:DAYS', 'every:3:days'],
    ['every:2:weeks', 'every:2:weeks'],
    ['cron:0  9 * *   MON-FRI', 'cron:0 9 * * mon-fri'],
  ])('normalises %j to %j and round-trips', (input, canonical) => {
    const p = parseRecurrencePattern(input);
    expect(formatRecurrencePattern(p)).toBe(canonical);
    expect(parseRecurrencePattern(canonical)).toEqual(p);
  });

  it('parses weekly days as 0=Sun..6 and keeps a cron expression as written, lower-cased', () => {
    expect(parseRecurrencePattern('weekly:sun,sat,mon')).toEqual({ kind: 'weekly', days: [0, 1, 6] });
    expect(parseRecurrencePattern('cron:*/15 9-17/4 1,15 JAN-MAR 5-7')).toEqual({
      kind: 'cron',
      expression: '*/15 9-17/4 1,15 jan-mar 5-7',
    });
  });

  it.each([
    ['', /is empty/],
    ['hourly', /unknown kind "hourly"/],
    ['daily:2', /takes no argument/],
    ['weekly:', /at least one day/],
    ['weekly:mon,funday', /unknown day "funday"/],
    ['monthly:0', /1 to 31/],
    ['monthly:32', /1 to 31/],
    ['monthly:last', /1 to 31/],
    ['every:3', /every:N:days/],
    ['every:3:months', /every:N:days/],
    ['every:0:days', /at least 1/],
    ['cron:0 9 * *', /5 fields.*got 4/],
    ['cron:60 * * * *', /minute: 60/],
    ['cron:0 24 * * *', /hour: 24/],
    ['cron:0 0 0 * *', /Invalid value for day/],
    ['cron:0 0 * 13 *', /month/],
    ['cron:0 0 * * 8', /dayOfWeek|day of week|8/],
    ['cron:0 0 * foo *', /foo/],
    ['cron:0 0 * * jan', /jan|illegal/],
    ['cron:0 17-9 * * *', /larger than to value/],
    ['cron:*/0 * * * *', /illegal stepping/],
    ['cron:5/10 * * * *', /\*\/step/],
    ['cron:1,,2 * * * *', /minute \(\) is empty/],
    ['cron:? 9 * * *', /not supported/],
    ['cron:0 0 30 2 *', /never fires/],
  ])('rejects %j', (text, message) => {
    expect(isValidRecurrencePattern(text)).toBe(false);
    let err: unknown;
    try {
      parseRecurrencePattern(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRecurrencePatternError);
    expect((err as InvalidRecurrencePatternError).field).toBe('recurrencePattern');
    expect((err as Error).message).toContain(`"${text}"`);
    expect((err as Error).message).toMatch(message);
  });

  it('accepts what it can expand', () => {
    expect(isValidRecurrencePattern('cron:0 0 29 2 *')).toBe(true); // leap days only
    expect(isValidRecurrencePattern('cron:0 0 31 2 mon')).toBe(true); // OR rule: Mondays in Feb
  });
});

describe('occurrencesBetween', () => {
  it('daily fires at the anchor time of day, strictly after `after`, up to `until` inclusive', () => {
    expect(between('daily', '2024-01-01T09:30:00Z', '2024-01-02T09:30:00Z', '2024-01-05T09:30:00Z')).toEqual([
      '2024-01-03T09:30Z',
      '2024-01-04T09:30Z',
      '2024-01-05T09:30Z',
    ]);
  });

  it('can fire at the anchor itself, never before it', () => {
    expect(between('daily', '2024-01-10T08:00:00Z', '2024-01-01T00:00:00Z', '2024-01-11T23:00:00Z')).toEqual([
      '2024-01-10T08:00Z',
      '2024-01-11T08:00Z',
    ]);
    // Seconds on the anchor put that day's 08:00 slot before it.
    expect(between('daily', '2024-01-10T08:00:30Z', '2024-01-01T00:00:00Z', '2024-01-11T23:00:00Z')).toEqual([
      '2024-01-11T08:00Z',
    ]);
  });

  it('respects limit and empty bounds', () => {
    const p = parseRecurrencePattern('daily');
    const a = d('2024-01-01T00:00:00Z');
    expect(occurrencesBetween(p, a, a, d('2030-01-01T00:00:00Z'), 2)).toHaveLength(2);
    expect(occurrencesBetween(p, a, a, d('2030-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(occurrencesBetween(p, a, d('2024-02-01T00:00:00Z'), d('2024-01-15T00:00:00Z'), 10)).toEqual([]);
    expect(() => occurrencesBetween(p, new Date(NaN), a, a, 1)).toThrow(RangeError);
  });

  it('computes 1,000 daily occurrences, on whole minutes', () => {
    const out = occurrencesBetween(
      parseRecurrencePattern('daily'),
      d('2024-01-01T07:45:59.999Z'),
      d('2024-01-01T00:00:00Z'),
      d('2100-01-01T00:00:00Z'),
      1000,
    );
    expect(out).toHaveLength(1000);
    expect(out.every((x) => x.getUTCSeconds() === 0 && x.getUTCMilliseconds() === 0)).toBe(true);
    expect(out[999]!.toISOString()).toBe('2026-09-27T07:45:00.000Z');
  });

  it('weekdays skips Saturday and Sunday', () => {
    // 2024-01-05 is a Friday.
    expect(between('weekdays', '2024-01-01T09:00:00Z', '2024-01-05T00:00:00Z', '2024-01-09T23:59:00Z')).toEqual([
      '2024-01-05T09:00Z',
      '2024-01-08T09:00Z',
      '2024-01-09T09:00Z',
    ]);
  });

  it('weekly fires on the listed days', () => {
    expect(between('weekly:sun,wed', '2024-01-01T18:00:00Z', '2024-01-01T00:00:00Z', '2024-01-15T00:00:00Z')).toEqual([
      '2024-01-03T18:00Z',
      '2024-01-07T18:00Z',
      '2024-01-10T18:00Z',
      '2024-01-14T18:00Z',
    ]);
  });

  it('monthly:31 clamps to the last day of shorter months, including leap February', () => {
    expect(between('monthly:31', '2024-01-01T12:00:00Z', '2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z')).toEqual([
      '2024-01-31T12:00Z',
      '2024-02-29T12:00Z',
      '2024-03-31T12:00Z',
      '2024-04-30T12:00Z',
      '2024-05-31T12:00Z',
    ]);
    expect(between('monthly:30', '2023-02-01T12:00:00Z', '2023-02-01T00:00:00Z', '2023-03-31T00:00:00Z')).toEqual([
      '2023-02-28T12:00Z',
      '2023-03-30T12:00Z',
    ]);
  });

  it('monthly starts in the next month when the day has passed', () => {
    expect(between('monthly:15', '2024-03-20T06:00:00Z', '2024-03-20T00:00:00Z', '2024-05-31T00:00:00Z')).toEqual([
      '2024-04-15T06:00Z',
      '2024-05-15T06:00Z',
    ]);
  });

  it('every:N:days and every:2:weeks count from the anchor day', () => {
    expect(between('every:3:days', '2024-01-01T10:00:00Z', '2024-01-02T00:00:00Z', '2024-01-12T00:00:00Z')).toEqual([
      '2024-01-04T10:00Z',
      '2024-01-07T10:00Z',
      '2024-01-10T10:00Z',
    ]);
    // Anchored on Wednesday 2024-01-03: every other Wednesday, however late the window starts.
    expect(between('every:2:weeks', '2024-01-03T10:00:00Z', '2024-01-18T00:00:00Z', '2024-03-01T00:00:00Z')).toEqual([
      '2024-01-31T10:00Z',
      '2024-02-14T10:00Z',
      '2024-02-28T10:00Z',
    ]);
  });

  it('cron ranges, steps and lists', () => {
    expect(between('cron:0 9 * * 1-5', '2024-01-05T00:00:00Z', '2024-01-05T00:00:00Z', '2024-01-09T00:00:00Z')).toEqual(
      ['2024-01-05T09:00Z', '2024-01-08T09:00Z'],
    );
    expect(
      between('cron:*/20 8-9 * * *', '2024-01-01T00:00:00Z', '2024-01-01T08:20:00Z', '2024-01-01T12:00:00Z'),
    ).toEqual(['2024-01-01T08:40Z', '2024-01-01T09:00Z', '2024-01-01T09:20Z', '2024-01-01T09:40Z']);
    expect(
      between('cron:5,35 0-12/6 1 * *', '2024-01-01T00:00:00Z', '2023-12-31T00:00:00Z', '2024-01-02T00:00:00Z'),
    ).toEqual([
      '2024-01-01T00:05Z',
      '2024-01-01T00:35Z',
      '2024-01-01T06:05Z',
      '2024-01-01T06:35Z',
      '2024-01-01T12:05Z',
      '2024-01-01T12:35Z',
    ]);
  });

  it('cron names, 7 = Sunday and a wrapping fri-sun range', () => {
    const window = ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-15T00:00:00Z'] as const;
    const sundays = ['2024-01-07T00:00Z', '2024-01-14T00:00Z'];
    expect(between('cron:0 0 * * 0', ...window)).toEqual(sundays);
    expect(between('cron:0 0 * * 7', ...window)).toEqual(sundays);
    expect(between('cron:0 0 * * SUN', ...window)).toEqual(sundays);
    expect(between('cron:0 0 * * fri-sun', ...window)).toEqual([
      '2024-01-05T00:00Z',
      '2024-01-06T00:00Z',
      '2024-01-07T00:00Z',
      '2024-01-12T00:00Z',
      '2024-01-13T00:00Z',
      '2024-01-14T00:00Z',
    ]);
    expect(
      between('cron:30 6 1 mar,SEP *', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
    ).toEqual(['2024-03-01T06:30Z', '2024-09-01T06:30Z', '2025-03-01T06:30Z', '2025-09-01T06:30Z']);
  });

  it('cron fires when either a restricted day of month or day of week matches', () => {
    // The 13th, or any Friday, in January 2024.
    expect(
      between('cron:0 0 13 1 fri', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'),
    ).toEqual([
      '2024-01-05T00:00Z',
      '2024-01-12T00:00Z',
      '2024-01-13T00:00Z',
      '2024-01-19T00:00Z',
      '2024-01-26T00:00Z',
    ]);
    // A `*`-prefixed day of month is unrestricted, so both must match: odd days that are Fridays.
    expect(
      between('cron:0 0 */2 1 fri', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'),
    ).toEqual(['2024-01-05T00:00Z', '2024-01-19T00:00Z']);
  });

  it('cron on 29 February finds only leap years', () => {
    expect(
      between('cron:0 12 29 feb *', '2023-01-01T00:00:00Z', '2023-01-01T00:00:00Z', '2033-01-01T00:00:00Z'),
    ).toEqual(['2024-02-29T12:00Z', '2028-02-29T12:00Z', '2032-02-29T12:00Z']);
  });
});

describe('nextOccurrence', () => {
  it('returns the first occurrence after `after`', () => {
    const p = parseRecurrencePattern('weekly:mon');
    expect(nextOccurrence(p, d('2024-01-01T09:00:00Z'), d('2024-01-01T09:00:00Z'))?.toISOString()).toBe(
      '2024-01-08T09:00:00.000Z',
    );
  });

  it('finds the first occurrence of a template anchored far in the future', () => {
    const p = parseRecurrencePattern('daily');
    expect(nextOccurrence(p, d('2040-06-01T09:00:00Z'), d('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2040-06-01T09:00:00.000Z',
    );
  });

  it('returns null when nothing falls within 5 years', () => {
    const p = parseRecurrencePattern('every:2000:days');
    expect(nextOccurrence(p, d('2024-01-01T00:00:00Z'), d('2024-01-01T00:00:00Z'))).toBeNull();
    expect(nextOccurrence(p, d('2024-01-01T00:00:00Z'), d('2023-12-31T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
  });
});

describe('time zones and daylight saving (2027)', () => {
  const local = (dates: Date[], zone: string) =>
    dates.map((x) => DateTime.fromJSDate(x, { zone }).toFormat('ccc yyyy-LL-dd HH:mm'));
  const inZone = (pattern: string, anchor: string, after: string, until: string, zone: string) =>
    occurrencesBetween(parseRecurrencePattern(pattern), d(anchor), d(after), d(until), 100, zone);

  it.each([
    // New York: clocks go forward on Sun 14 March and back on Sun 7 November 2027.
    [
      'America/New_York',
      '2027-03-01T14:00:00Z',
      '2027-03-01T00:00:00Z',
      '2027-03-23T00:00:00Z',
      ['2027-03-01T14:00Z', '2027-03-08T14:00Z', '2027-03-15T13:00Z', '2027-03-22T13:00Z'],
    ],
    [
      'America/New_York',
      '2027-10-25T13:00:00Z',
      '2027-10-25T00:00:00Z',
      '2027-11-16T00:00:00Z',
      ['2027-10-25T13:00Z', '2027-11-01T13:00Z', '2027-11-08T14:00Z', '2027-11-15T14:00Z'],
    ],
    // Berlin: forward on Sun 28 March, back on Sun 31 October 2027.
    [
      'Europe/Berlin',
      '2027-03-15T08:00:00Z',
      '2027-03-15T00:00:00Z',
      '2027-04-06T00:00:00Z',
      ['2027-03-15T08:00Z', '2027-03-22T08:00Z', '2027-03-29T07:00Z', '2027-04-05T07:00Z'],
    ],
    [
      'Europe/Berlin',
      '2027-10-18T07:00:00Z',
      '2027-10-18T00:00:00Z',
      '2027-11-09T00:00:00Z',
      ['2027-10-18T07:00Z', '2027-10-25T07:00Z', '2027-11-01T08:00Z', '2027-11-08T08:00Z'],
    ],
  ])('weekly:mon at 9:00 in %s stays at 9:00 local across the change', (zone, anchor, after, until, utc) => {
    const out = inZone('weekly:mon', anchor, after, until, zone);
    expect(iso(out)).toEqual(utc);
    expect(local(out, zone).every((x) => x.startsWith('Mon') && x.endsWith('09:00'))).toBe(true);
  });

  it.each([
    ['America/New_York', '2027-03-14', '2027-11-07'],
    ['Europe/Berlin', '2027-03-28', '2027-10-31'],
  ])('weekly:sun at 9:00 in %s fires once at 9:00 local on each change day itself', (zone, spring, autumn) => {
    for (const day of [spring, autumn]) {
      const anchor = DateTime.fromISO(`${day}T09:00`, { zone }).minus({ weeks: 2 }).toJSDate();
      const out = occurrencesBetween(
        parseRecurrencePattern('weekly:sun'),
        anchor,
        anchor,
        DateTime.fromISO(`${day}T23:59`, { zone }).plus({ weeks: 1 }).toJSDate(),
        100,
        zone,
      );
      expect(local(out, zone).filter((x) => x.includes(day))).toEqual([`Sun ${day} 09:00`]);
      // The anchor itself is not after `after`: the next three Sundays, the change day in the middle.
      expect(out).toHaveLength(3);
      expect(local(out, zone).every((x) => x.endsWith('09:00'))).toBe(true);
    }
  });

  it('daily at 9:00 in New York: one occurrence per local day through both changes', () => {
    for (const [from, to] of [
      ['2027-03-12T00:00:00Z', '2027-03-17T00:00:00Z'],
      ['2027-11-05T00:00:00Z', '2027-11-10T00:00:00Z'],
    ] as const) {
      const out = inZone('daily', '2027-01-04T14:00:00Z', from, to, 'America/New_York');
      const days = local(out, 'America/New_York');
      expect(new Set(days.map((x) => x.slice(4, 14))).size).toBe(days.length);
      expect(days.every((x) => x.endsWith('09:00'))).toBe(true);
    }
  });

  it('a time the clocks skip fires once just after the gap; a time they repeat fires once', () => {
    const ny = 'America/New_York';
    const spring = inZone(
      'cron:30 2 * * *',
      '2027-03-12T00:00:00Z',
      '2027-03-13T00:00:00Z',
      '2027-03-16T00:00:00Z',
      ny,
    );
    expect(local(spring, ny)).toEqual(['Sat 2027-03-13 02:30', 'Sun 2027-03-14 03:00', 'Mon 2027-03-15 02:30']);
    const autumn = inZone(
      'cron:30 1 * * *',
      '2027-11-01T00:00:00Z',
      '2027-11-06T00:00:00Z',
      '2027-11-09T00:00:00Z',
      ny,
    );
    expect(local(autumn, ny)).toEqual(['Sat 2027-11-06 01:30', 'Sun 2027-11-07 01:30', 'Mon 2027-11-08 01:30']);
  });

  it('monthly and every-N-days keep the local time of day across a change', () => {
    const berlin = 'Europe/Berlin';
    const monthly = inZone(
      'monthly:31',
      '2027-01-31T08:00:00Z',
      '2027-02-01T00:00:00Z',
      '2027-05-01T00:00:00Z',
      berlin,
    );
    expect(local(monthly, berlin)).toEqual(['Sun 2027-02-28 09:00', 'Wed 2027-03-31 09:00', 'Fri 2027-04-30 09:00']);
    const every = inZone(
      'every:3:days',
      '2027-03-25T08:00:00Z',
      '2027-03-25T00:00:00Z',
      '2027-04-01T00:00:00Z',
      berlin,
    );
    expect(local(every, berlin)).toEqual(['Thu 2027-03-25 09:00', 'Sun 2027-03-28 09:00', 'Wed 2027-03-31 09:00']);
  });

  it('Tokyo has no daylight saving: 9:00 local is always 00:00Z', () => {
    const out = inZone(
      'weekdays',
      '2027-02-28T00:00:00Z',
      '2027-02-28T00:00:00Z',
      '2027-03-07T00:00:00Z',
      'Asia/Tokyo',
    );
    expect(iso(out)).toEqual([
      '2027-03-01T00:00Z',
      '2027-03-02T00:00Z',
      '2027-03-03T00:00Z',
      '2027-03-04T00:00Z',
      '2027-03-05T00:00Z',
    ]);
  });

  it('an unknown zone is an error, not UTC in disguise', () => {
    expect(() =>
      inZone('daily', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z', 'Mars/Olympus'),
    ).toThrow(RangeError);
  });
});
