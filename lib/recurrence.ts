/**
 * Recurring task templates: parsing, formatting and expanding the `recurrencePattern` strings a
 * task stores. Pure (no I/O, no clock): callers pass every instant in. A pattern fires at
 * wall-clock time in an IANA zone (UTC unless given), so "weekly:mon" at 9:00 in Berlin stays at
 * 9:00 across daylight-saving changes. Cron expressions are read and expanded by croner; the
 * calendar kinds croner has no words for (monthly clamped to short months, every N days) by luxon.
 *
 * Grammar (case-insensitive; canonical form is lowercase):
 *   daily | weekdays | weekly:mon,wed,fri | monthly:15 | every:3:days | every:2:weeks | cron:<5 fields>
 */
import { Cron } from 'croner';
import { DateTime } from 'luxon';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** `weekly:` lists days Monday first, the way people write them. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
/** A fixed instant to ask croner whether an expression ever fires, so parsing stays clock-free. */
const CRON_PROBE_FROM = new Date('2000-01-01T00:00:00Z');

/** A parsed recurrence pattern; `formatRecurrencePattern` turns it back into its canonical string. */
export type RecurrencePattern =
  | { kind: 'daily' }
  | { kind: 'weekdays' }
  | { kind: 'weekly'; days: number[] /* 0=Sun..6, sorted */ }
  | { kind: 'monthly'; dayOfMonth: number }
  | { kind: 'every'; n: number; unit: 'days' | 'weeks' }
  | { kind: 'cron'; expression: string };

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
 * itself if anchor > after). Non-cron patterns fire at the anchor's wall-clock hours:minutes in
 * `timeZone`, so an anchor with seconds skips that day's slot, which would fall before it; cron
 * fields are read in `timeZone` too. Occurrences are whole minutes. On a day when the clocks
 * spring forward over the firing time it fires at the first valid minute after the gap; when they
 * fall back over it, it fires once.
 */
export function occurrencesBetween(
  p: RecurrencePattern,
  anchor: Date,
  after: Date,
  until: Date,
  limit: number,
  timeZone = 'UTC',
): Date[] {
  const from = Math.max(time(anchor, 'anchor'), time(after, 'after') + 1);
  const to = time(until, 'until');
  const out: Date[] = [];
  if (!(limit >= 1) || from > to) return out;
  const next = stepper(p, anchor, timeZone);
  for (let cursor = from - 1; out.length < limit;) {
    const t = next(cursor);
    if (t === null || !(t <= to)) break;
    out.push(new Date(t));
    cursor = t;
  }
  return out;
}

/**
 * The first occurrence after `after` (and not before `anchor`), or null when there is none within
 * 5 years of whichever of the two is later, so a template starting in the future still reports its first.
 */
export function nextOccurrence(p: RecurrencePattern, anchor: Date, after: Date, timeZone = 'UTC'): Date | null {
  const horizon = new Date(Math.max(time(anchor, 'anchor'), time(after, 'after')));
  horizon.setUTCFullYear(horizon.getUTCFullYear() + 5);
  return occurrencesBetween(p, anchor, after, horizon, 1, timeZone)[0] ?? null;
}

function time(d: Date, name: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

/** A function giving the first occurrence strictly after an instant (epoch ms), or null. */
type Stepper = (afterMs: number) => number | null;

function stepper(p: RecurrencePattern, anchor: Date, timeZone: string): Stepper {
  const local = DateTime.fromJSDate(anchor, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`unknown time zone "${timeZone}"`);
  const at = `${local.minute} ${local.hour}`;
  switch (p.kind) {
    case 'daily':
      return cronStepper(`${at} * * *`, timeZone);
    case 'weekdays':
      return cronStepper(`${at} * * 1-5`, timeZone);
    case 'weekly':
      return p.days.length ? cronStepper(`${at} * * ${p.days.join(',')}`, timeZone) : () => null;
    case 'cron':
      return cronStepper(p.expression, timeZone);
    case 'monthly':
      return monthlyStepper(p.dayOfMonth, local);
    case 'every':
      return intervalStepper(p.unit === 'weeks' ? 7 * p.n : p.n, local);
  }
}

function cronStepper(expression: string, timeZone: string): Stepper {
  // No callback: croner only computes runs, it never starts a timer.
  const job = new Cron(expression, { timezone: timeZone, ...cronOptions(expression) });
  return (afterMs) => job.nextRun(new Date(afterMs))?.getTime() ?? null;
}

/** The day of month, or the month's last day when it is shorter ("monthly:31" fires on 30 April). */
function monthlyStepper(dayOfMonth: number, anchor: DateTime): Stepper {
  return (afterMs) => {
    const month = DateTime.fromMillis(afterMs, { zone: anchor.zone }).startOf('month');
    for (let k = 0; k < 3; k++) {
      const m = month.plus({ months: k });
      const t = m.set({ day: Math.min(dayOfMonth, m.daysInMonth!), hour: anchor.hour, minute: anchor.minute });
      if (t.toMillis() > afterMs) return t.toMillis();
    }
    return null;
  };
}

/** Every `periodDays` calendar days from the anchor's day, at its wall-clock time. */
function intervalStepper(periodDays: number, anchor: DateTime): Stepper {
  const anchorDay = anchor.startOf('day');
  const slot = (k: number): number =>
    anchorDay
      .plus({ days: k * periodDays })
      .set({ hour: anchor.hour, minute: anchor.minute })
      .toMillis();
  return (afterMs) => {
    const elapsed = DateTime.fromMillis(afterMs, { zone: anchor.zone }).startOf('day').diff(anchorDay, 'days').days;
    const k0 = Math.max(0, Math.floor(Math.round(elapsed) / periodDays));
    for (let k = k0; k < k0 + 3; k++) if (slot(k) > afterMs) return slot(k);
    return null;
  };
}

/**
 * Vixie cron's day rule, which stored patterns were written for: a day-of-month or day-of-week
 * field starting with `*` is unrestricted, and both days must match; two restricted fields are OR-ed.
 */
function cronOptions(expression: string): { mode: '5-part'; domAndDow: boolean } {
  const [, , dom = '*', , dow = '*'] = expression.split(' ');
  return { mode: '5-part', domAndDow: dom.startsWith('*') || dow.startsWith('*') };
}

/** Reads a 5-field cron expression with croner; only expressions that ever fire are accepted. */
function parseCron(expr: string, bad: (reason: string) => InvalidRecurrencePatternError): RecurrencePattern {
  const parts = expr.split(/\s+/).filter((x) => x !== '');
  if (parts.length !== 5) {
    throw bad(`cron needs 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const expression = parts.join(' ');
  // croner reads "?" as the current time: a pattern must not depend on when it was parsed.
  if (expression.includes('?')) throw bad('"?" is not supported; use *');
  let job: Cron;
  try {
    job = new Cron(expression, cronOptions(expression));
  } catch (err) {
    throw bad((err as Error).message.replace(/^CronPattern:\s*/, ''));
  }
  if (job.nextRun(CRON_PROBE_FROM) === null) throw bad('cron never fires');
  return { kind: 'cron', expression };
}
