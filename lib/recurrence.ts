/**
 * Recurring task templates: parsing, formatting and expanding the `recurrencePattern` strings a
 * task stores. Pure (no I/O, no clock): callers pass every instant in, and all arithmetic is UTC
 * so an occurrence never depends on the server's time zone.
 *
 * Grammar (case-insensitive; canonical form is lowercase):
 *   daily | weekdays | weekly:mon,wed,fri | monthly:15 | every:3:days | every:2:weeks | cron:<5 fields>
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
/** `weekly:` lists days Monday first, the way people write them. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];

/** The expanded fields of a 5-field cron expression; every list is sorted and de-duplicated. */
export interface CronFields {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[]; // 1..12
  daysOfWeek: number[]; // 0=Sun..6 (7 is folded into 0)
  /** False when the field starts with `*` (Vixie cron's rule); decides whether dom/dow are OR-ed. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

/** A parsed recurrence pattern; `formatRecurrencePattern` turns it back into its canonical string. */
export type RecurrencePattern =
  | { kind: 'daily' }
  | { kind: 'weekdays' }
  | { kind: 'weekly'; days: number[] /* 0=Sun..6, sorted */ }
  | { kind: 'monthly'; dayOfMonth: number }
  | { kind: 'every'; n: number; unit: 'days' | 'weeks' }
  | { kind: 'cron'; expression: string; fields: CronFields };

/** Thrown for a pattern string that cannot be used; the message names the pattern and the problem. */
export class InvalidRecurrencePatternError extends Error {
  override readonly name = 'InvalidRecurrencePatternError';
  /** Lets API layers report the error against the request field it came from. */
  readonly field = 'recurrencePattern';
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid recurrence pattern "${pattern}": ${reason}`);
  }
}

/** Parses a pattern string (case-insensitive, surrounding spaces ignored); throws InvalidRecurrencePatternError. */
export function parseRecurrencePattern(text: string): RecurrencePattern {
  const bad = (reason: string) => new InvalidRecurrencePatternError(String(text), reason);
  if (typeof text !== 'string') throw bad('must be a string');
  const s = text.trim().toLowerCase();
  if (s === '') throw bad('is empty');
  const colon = s.indexOf(':');
  const kind = colon < 0 ? s : s.slice(0, colon).trim();
  const arg = colon < 0 ? undefined : s.slice(colon + 1).trim();

  switch (kind) {
    case 'daily':
    case 'weekdays':
      if (arg !== undefined) throw bad(`"${kind}" takes no argument`);
      return { kind };
    case 'weekly': {
      if (!arg) throw bad('weekly needs at least one day, e.g. "weekly:mon,wed,fri"');
      const days = new Set<number>();
      for (const name of arg.split(',').map((x) => x.trim())) {
        const d = (DAY_NAMES as readonly string[]).indexOf(name);
        if (d < 0) throw bad(`unknown day "${name}" (use mon,tue,wed,thu,fri,sat,sun)`);
        days.add(d);
      }
      return { kind: 'weekly', days: [...days].sort((a, b) => a - b) };
    }
    case 'monthly': {
      const n = /^\d{1,2}$/.test(arg ?? '') ? Number(arg) : NaN;
      if (!(n >= 1 && n <= 31)) throw bad('monthly needs a day of month from 1 to 31, e.g. "monthly:15"');
      return { kind: 'monthly', dayOfMonth: n };
    }
    case 'every': {
      const m = /^(\d+)\s*:\s*(days|weeks)$/.exec(arg ?? '');
      if (!m) throw bad('expected "every:N:days" or "every:N:weeks", e.g. "every:3:days"');
      const n = Number(m[1]);
      if (!Number.isSafeInteger(n) || n < 1) throw bad(`N must be a whole number of at least 1, got "${m[1]}"`);
      return { kind: 'every', n, unit: m[2] as 'days' | 'weeks' };
    }
    case 'cron':
      return parseCron(arg ?? '', bad);
    default:
      throw bad(
        `unknown kind "${kind}" (expected daily, weekdays, weekly:<days>, monthly:<day>, every:<n>:days|weeks or cron:<expression>)`,
      );
  }
}

/** The canonical string for a pattern produced by `parseRecurrencePattern`; parsing it gives the same pattern. */
export function formatRecurrencePattern(p: RecurrencePattern): string {
  switch (p.kind) {
    case 'daily':
    case 'weekdays':
      return p.kind;
    case 'weekly':
      return `weekly:${WEEK_ORDER.filter((d) => p.days.includes(d))
        .map((d) => DAY_NAMES[d])
        .join(',')}`;
    case 'monthly':
      return `monthly:${p.dayOfMonth}`;
    case 'every':
      return `every:${p.n}:${p.unit}`;
    case 'cron':
      return `cron:${p.expression}`;
  }
}

/** True when `parseRecurrencePattern` would accept the text. */
export function isValidRecurrencePattern(text: string): boolean {
  try {
    parseRecurrencePattern(text);
    return true;
  } catch (err) {
    if (err instanceof InvalidRecurrencePatternError) return false;
    throw err;
  }
}

/**
 * Occurrences strictly after `after` and at or before `until`, ascending, at most `limit`.
 * `anchor` is the template's start: nothing is ever before it (its first occurrence can be at anchor
 * itself if anchor > after). Non-cron patterns fire at the anchor's UTC hours:minutes, so an anchor
 * with seconds skips that day's slot, which would fall before it. Occurrences are whole minutes.
 */
export function occurrencesBetween(
  p: RecurrencePattern,
  anchor: Date,
  after: Date,
  until: Date,
  limit: number,
): Date[] {
  const from = Math.max(time(anchor, 'anchor'), time(after, 'after') + 1);
  const to = time(until, 'until');
  const out: Date[] = [];
  if (!(limit >= 1) || from > to) return out;

  if (p.kind === 'cron') {
    const f = p.fields;
    for (let d = Math.floor(from / DAY); d * DAY <= to; d++) {
      const date = new Date(d * DAY);
      if (!f.months.includes(date.getUTCMonth() + 1)) {
        // Jump to the 1st of next month (minus one for the loop's d++): rare months stay cheap.
        d = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY - 1;
        continue;
      }
      if (!cronDayMatches(f, date)) continue;
      for (const h of f.hours) {
        for (const m of f.minutes) {
          const t = d * DAY + (h * 60 + m) * MINUTE;
          if (t > to) return out;
          if (t < from) continue;
          out.push(new Date(t));
          if (out.length >= limit) return out;
        }
      }
    }
    return out;
  }

  // At most one slot per day, so jump straight from one matching day to the next.
  const timeOfDay = (anchor.getUTCHours() * 60 + anchor.getUTCMinutes()) * MINUTE;
  const anchorDay = Math.floor(anchor.getTime() / DAY);
  for (let d = Math.floor(from / DAY); out.length < limit; d++) {
    d = nextMatchingDay(p, d, anchorDay);
    const t = d * DAY + timeOfDay;
    if (!(t <= to)) break; // also stops on Infinity from a hand-built weekly pattern with no days
    if (t >= from) out.push(new Date(t));
  }
  return out;
}

/**
 * The first occurrence after `after` (and not before `anchor`), or null when there is none within
 * 5 years of whichever of the two is later, so a template starting in the future still reports its first.
 */
export function nextOccurrence(p: RecurrencePattern, anchor: Date, after: Date): Date | null {
  const horizon = new Date(Math.max(time(anchor, 'anchor'), time(after, 'after')));
  horizon.setUTCFullYear(horizon.getUTCFullYear() + 5);
  return occurrencesBetween(p, anchor, after, horizon, 1)[0] ?? null;
}

function time(d: Date, name: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

/** Day numbers count days since 1970-01-01, which was a Thursday. */
function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** The first day number >= `day` on which a non-cron pattern fires. */
function nextMatchingDay(p: Exclude<RecurrencePattern, { kind: 'cron' }>, day: number, anchorDay: number): number {
  switch (p.kind) {
    case 'daily':
      return day;
    case 'weekdays': {
      const dow = weekday(day);
      return dow === 6 ? day + 2 : dow === 0 ? day + 1 : day;
    }
    case 'weekly': {
      const dow = weekday(day);
      return day + Math.min(...p.days.map((x) => (x - dow + 7) % 7));
    }
    case 'monthly': {
      const date = new Date(day * DAY);
      const y = date.getUTCFullYear();
      const m = date.getUTCMonth();
      const target = Math.min(p.dayOfMonth, daysInMonth(y, m));
      if (date.getUTCDate() <= target) return day + target - date.getUTCDate();
      return Date.UTC(y, m + 1, Math.min(p.dayOfMonth, daysInMonth(y, m + 1))) / DAY;
    }
    case 'every': {
      const period = p.unit === 'weeks' ? 7 * p.n : p.n;
      if (day <= anchorDay) return anchorDay;
      return anchorDay + Math.ceil((day - anchorDay) / period) * period;
    }
  }
}

function cronDayMatches(f: CronFields, date: Date): boolean {
  const dom = f.daysOfMonth.includes(date.getUTCDate());
  const dow = f.daysOfWeek.includes(date.getUTCDay());
  return f.dayOfMonthRestricted && f.dayOfWeekRestricted ? dom || dow : dom && dow;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  nameBase?: number;
}

const CRON_SPECS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function parseCron(expr: string, bad: (reason: string) => InvalidRecurrencePatternError): RecurrencePattern {
  const parts = expr.split(/\s+/).filter((x) => x !== '');
  if (parts.length !== 5) {
    throw bad(`cron needs 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((text, i) =>
    parseCronField(text, CRON_SPECS[i]!, bad),
  ) as [number[], number[], number[], number[], number[]];
  const fields: CronFields = {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthRestricted: !parts[2]!.startsWith('*'),
    dayOfWeekRestricted: !parts[4]!.startsWith('*'),
  };
  // With day-of-week unrestricted only the dates can fire; "0 0 30 2 *" never would.
  const maxDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (!fields.dayOfWeekRestricted && !months.some((m) => daysOfMonth.some((d) => d <= maxDays[m - 1]!))) {
    throw bad('cron never fires: no chosen month has the chosen day of month');
  }
  return { kind: 'cron', expression: parts.join(' '), fields };
}

function parseCronField(
  text: string,
  spec: FieldSpec,
  bad: (reason: string) => InvalidRecurrencePatternError,
): number[] {
  const value = (tok: string): number => {
    const named = spec.names?.indexOf(tok) ?? -1;
    const n = /^\d+$/.test(tok) ? Number(tok) : named >= 0 ? named + (spec.nameBase ?? 0) : NaN;
    if (!(n >= spec.min && n <= spec.max)) {
      const names = spec.names ? ` or ${spec.names[0]}..${spec.names.at(-1)}` : '';
      throw bad(`${spec.name} "${tok}" is not a number from ${spec.min} to ${spec.max}${names}`);
    }
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(?:\*|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw bad(`cannot read ${spec.name} "${item}" (use *, n, a-b, a,b, */n or a-b/n)`);
    const [, a, b, stepText] = m;
    let lo = spec.min;
    let hi = spec.max;
    if (a !== undefined) {
      if (b === undefined && stepText !== undefined)
        throw bad(`${spec.name} step "${item}" needs * or a range, e.g. "*/${stepText}"`);
      lo = value(a);
      hi = b === undefined ? lo : value(b);
      // SUN is 0, yet "fri-sun" plainly means Friday through Sunday.
      if (spec.max === 7 && hi === 0 && lo > 0) hi = 7;
      if (lo > hi) throw bad(`${spec.name} range "${item}" runs backwards`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1)) throw bad(`${spec.name} step in "${item}" must be at least 1`);
    for (let v = lo; v <= hi; v += step) out.add(spec.max === 7 && v === 7 ? 0 : v);
  }
  return [...out].sort((x, y) => x - y);
}
