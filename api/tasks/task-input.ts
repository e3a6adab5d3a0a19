/** Validation of task input from REST and chat: every offending field is named in the error. */
import { z } from 'zod';
import { ValidationError } from '../../lib/errors.js';
import { isValidRecurrencePattern } from '../../lib/recurrence.js';
import { pageLimit } from '../http/pagination.js';

/**
 * An ISO-8601 date-time whose calendar date exists: Date.parse alone turns 2026-02-30 into March 2.
 * Expanded years (`+010000-01-01`) are ISO too; the range check then refuses them by name.
 */
function isIsoDate(s: string): boolean {
  const m = /^(\d{4}|[+-]\d{6})-(\d{2})-(\d{2})/.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * The instants a task's dates may take: every part stores, renders and schedules them. From the
 * Unix epoch to the last millisecond of year 9999, the last year ISO-8601 writes with four digits;
 * year 0 and earlier come back from PostgreSQL as BC dates that JavaScript cannot render.
 */
export const EARLIEST_DATE = new Date(Date.UTC(1970, 0, 1));
export const LATEST_DATE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
export const DATE_RANGE_MESSAGE = `must be between ${EARLIEST_DATE.toISOString()} and ${LATEST_DATE.toISOString()}`;

/** Whether `d` is a date inside the supported range (false for an invalid Date). */
export function isSupportedDate(d: Date): boolean {
  const ms = d.getTime();
  return ms >= EARLIEST_DATE.getTime() && ms <= LATEST_DATE.getTime();
}

const isoDate = z.string().superRefine((s, ctx) => {
  if (!isIsoDate(s)) ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time' });
  else if (!isSupportedDate(new Date(s))) ctx.addIssue({ code: 'custom', message: DATE_RANGE_MESSAGE });
});
const tag = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .regex(/^[^\s#,]+$/, 'must be one word without #');

const fields = {
  title: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  description: z.string().max(5000, 'must be at most 5000 characters').nullable(),
  dueDate: isoDate.nullable(),
  priority: z.enum(['Low', 'Medium', 'High'], { message: 'must be Low, Medium or High' }),
  tags: z.array(tag).max(20, 'must have at most 20 tags'),
  isRecurringTemplate: z.boolean({ message: 'must be true or false' }),
  recurrencePattern: z
    .string()
    .refine(
      isValidRecurrencePattern,
      'must be a recurrence pattern: daily, weekdays, weekly:mon,wed, monthly:15, every:3:days, every:2:weeks or cron:<5 fields>',
    )
    .nullable(),
  reminderLeadMinutes: z
    .number()
    .int('must be a whole number')
    .min(0)
    .max(10_080, 'must be at most 10080 (a week)')
    .nullable(),
};

/** Every field optional: what a create leaves out takes its default, and an update changes only what it names. */
const optionalFields = z.object(fields).partial();

export const createTaskSchema = optionalFields.extend({ title: fields.title }).strict();

export const updateTaskSchema = optionalFields
  .extend({ completed: z.boolean({ message: 'must be true or false' }).optional() })
  .strict()
  .refine((o) => Object.keys(o).length > 0, { message: 'must change at least one field', path: ['body'] });

export const listTasksSchema = z
  .object({
    status: z.enum(['pending', 'completed', 'all'], { message: 'must be pending, completed or all' }).default('all'),
    priority: fields.priority.optional(),
    tag: tag.optional(),
    dueFrom: isoDate.optional(),
    dueTo: isoDate.optional(),
    q: z.string().max(200).optional(),
    sort: z
      .enum(['dueDate', 'priority', 'createdAt'], { message: 'must be dueDate, priority or createdAt' })
      .default('createdAt'),
    order: z.enum(['asc', 'desc'], { message: 'must be asc or desc' }).default('desc'),
    limit: pageLimit,
    cursor: z.string().uuid('must be a cursor returned by a previous page').optional(),
  })
  .strict();

export type CreateTaskInput = z.infer<typeof createTaskSchema>;
export type UpdateTaskInput = z.infer<typeof updateTaskSchema>;
export type ListTasksQuery = z.infer<typeof listTasksSchema>;

/** Parses or throws a ValidationError naming each offending field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where = 'body'): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError([{ field: where, message: 'must be a JSON object' }]);
  }
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const out: { field: string; message: string }[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push({ field: k, message: 'is not a known field' });
    } else {
      out.push({ field: issue.path.map(String).join('.') || where, message: issue.message });
    }
  }
  throw new ValidationError(out);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
