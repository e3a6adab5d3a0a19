/** Validation of task input from REST and chat: every offending field is named in the error. */
import { z } from 'zod';
import { ValidationError } from '../../lib/errors.js';
import { isValidRecurrencePattern } from '../../lib/recurrence.js';
import { pageLimit } from '../http/pagination.js';

/** An ISO-8601 date-time whose calendar date exists: Date.parse alone turns 2026-02-30 into March 2. */
function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
const isoDate = z.string().refine(isIsoDate, 'must be an ISO-8601 date-time');
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

export const createTaskSchema = z
  .object({
    ...fields,
    description: fields.description.optional(),
    dueDate: fields.dueDate.optional(),
    priority: fields.priority.optional(),
    tags: fields.tags.optional(),
    isRecurringTemplate: fields.isRecurringTemplate.optional(),
    recurrencePattern: fields.recurrencePattern.optional(),
    reminderLeadMinutes: fields.reminderLeadMinutes.optional(),
  })
  .strict();

export const updateTaskSchema = z
  .object({
    title: fields.title.optional(),
    description: fields.description.optional(),
    dueDate: fields.dueDate.optional(),
    priority: fields.priority.optional(),
    tags: fields.tags.optional(),
    isRecurringTemplate: fields.isRecurringTemplate.optional(),
    recurrencePattern: fields.recurrencePattern.optional(),
    reminderLeadMinutes: fields.reminderLeadMinutes.optional(),
    completed: z.boolean({ message: 'must be true or false' }).optional(),
  })
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
