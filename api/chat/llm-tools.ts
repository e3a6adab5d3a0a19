/**
 * The six tools as an LLM sees them (OpenAI function-tool JSON schemas) and the validation of what
 * it sends back. One zod schema per tool drives both, so the advertised shape and the accepted
 * shape cannot drift apart.
 */
import { z } from 'zod';
import { formatRecurrencePattern, isValidRecurrencePattern, parseRecurrencePattern } from '../../lib/recurrence.js';
import { nulFields } from '../http/nul-characters.js';
import {
  MAX_SEARCH_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_TITLE_LENGTH,
  PRIORITIES,
  type ToolCall,
  type ToolName,
} from './tool-calls.js';

/** Models drop the zone often; the chat works in UTC, so a zone-less timestamp is read as UTC. */
function normalizeIso(s: string): string | undefined {
  const trimmed = s.trim();
  if (!/^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(trimmed)) return undefined;
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(trimmed)
    ? `${trimmed.replace(' ', 'T')}Z`
    : trimmed;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const isoDate = z
  .string()
  .describe('ISO-8601 date-time in UTC, e.g. 2026-11-26T17:00:00Z')
  .refine((s) => normalizeIso(s) !== undefined, 'not an ISO-8601 date-time')
  .transform((s) => normalizeIso(s)!);
const text = (max: number) => z.string().trim().min(1).max(max);
const taskRef = text(MAX_TITLE_LENGTH).describe(
  'Words identifying an existing task, as the user referred to it (e.g. "report", "buy milk")',
);
// Same rule as the task service: one word, so "#work" from a model is accepted as "work".
const tag = z
  .string()
  .trim()
  .transform((t) => t.replace(/^#+/, '').toLowerCase())
  .pipe(
    z
      .string()
      .min(1)
      .max(MAX_TAG_LENGTH)
      .regex(/^[^\s#,]+$/),
  );
const priority = z.enum(PRIORITIES as [string, ...string[]]).describe('Task priority');

const taskFields = {
  title: text(MAX_TITLE_LENGTH).describe('Short task title without dates, priority or tags'),
  description: z.string().max(5000).nullable().optional().describe('Longer notes; null clears them'),
  dueDate: isoDate.nullable().optional().describe('When the task is due, ISO-8601 UTC; null clears it'),
  dueDay: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .describe("A new due day (YYYY-MM-DD, user's zone) that keeps the task's time of day; instead of dueDate"),
  dueTime: z
    .string()
    .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/)
    .optional()
    .describe("A new time of day (HH:mm, user's zone) that keeps the task's day; instead of dueDate"),
  dueShift: z
    .object({
      amount: z.number().int().min(-100_000).max(100_000),
      unit: z.enum(['minutes', 'hours', 'days', 'weeks']),
    })
    .optional()
    .describe('Move the current due date by this amount (negative: earlier); instead of dueDate'),
  reminderLeadMinutes: z
    .number()
    .int()
    .min(0)
    .max(10_080)
    .nullable()
    .optional()
    .describe('Minutes before the due date at which to remind (0: at the due time)'),
  priority: priority.optional(),
  tags: z.array(tag).max(MAX_TAGS).optional().describe('Tags without the leading #'),
  isRecurringTemplate: z.boolean().optional().describe('True when the task repeats'),
  recurrencePattern: z
    .string()
    .refine(isValidRecurrencePattern, 'not a recurrence pattern')
    .transform((p) => formatRecurrencePattern(parseRecurrencePattern(p)))
    .nullable()
    .optional()
    .describe('daily | weekdays | weekly:mon,wed | monthly:15 | every:3:days | every:2:weeks | cron:<5 fields>'),
};

const SCHEMAS = {
  add_task: z.object(taskFields),
  list_tasks: z.object({
    status: z
      .enum(['pending', 'completed', 'all'])
      .optional()
      .describe('Which tasks to show: pending unless the user asks for completed or all tasks'),
    dueFrom: isoDate.optional().describe('Only tasks due at or after this instant (ISO-8601 UTC)'),
    dueTo: isoDate.optional().describe('Only tasks due at or before this instant (ISO-8601 UTC)'),
    priority: priority.optional(),
    tag: tag.optional().describe('Only tasks with this tag (no #)'),
    search: text(MAX_SEARCH_LENGTH).optional().describe('Free text to look for in titles and descriptions'),
  }),
  complete_task: z.object({ task: taskRef }),
  delete_task: z.object({ task: taskRef }),
  update_task: z.object({
    task: taskRef,
    changes: z
      .object({ ...taskFields, title: taskFields.title.optional() })
      .refine((c) => Object.keys(c).length > 0, 'no changes')
      .describe('Only the fields to change'),
  }),
  set_reminder: z.object({ task: taskRef, remindAt: isoDate.describe('When to remind, ISO-8601 UTC') }),
} satisfies Record<ToolName, z.ZodType>;

const DESCRIPTIONS: Record<ToolName, string> = {
  add_task: 'Create a new task (or a recurring task template).',
  list_tasks: 'List or search tasks, optionally filtered by status, due-date range, priority, tag or text.',
  complete_task: 'Mark an existing task as done.',
  delete_task: 'Delete an existing task.',
  update_task: 'Change fields of an existing task (title, description, due date, priority, tags, recurrence).',
  set_reminder:
    'Set a reminder for an existing task at a given time (use update_task reminderLeadMinutes for "N minutes before").',
};

/** OpenAI `tools` entries for the chat completions request. */
export const TOOL_DEFINITIONS = (Object.keys(SCHEMAS) as ToolName[]).map((name) => {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(SCHEMAS[name], { io: 'input' }) as Record<
    string,
    unknown
  >;
  return { type: 'function' as const, function: { name, description: DESCRIPTIONS[name], parameters } };
});

function isToolName(name: unknown): name is ToolName {
  return typeof name === 'string' && Object.hasOwn(SCHEMAS, name);
}

/** Removes undefined values that zod leaves for absent optional keys, so results compare cleanly. */
function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Validates one tool call from the model. Arguments arrive as a JSON string (OpenAI) or, from some
 * compatible servers, as an object. Returns undefined for anything unusable.
 */
export function toToolCall(name: unknown, rawArgs: unknown): ToolCall | undefined {
  if (!isToolName(name)) return undefined;
  let args: unknown = rawArgs;
  if (typeof rawArgs === 'string') {
    try {
      args = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
    } catch {
      return undefined;
    }
  }
  // PostgreSQL text cannot hold U+0000; requests carrying it are refused at the API's edge, and so is a model's call.
  if (nulFields(args).length > 0) return undefined;
  const parsed = SCHEMAS[name].safeParse(args);
  if (!parsed.success) return undefined;
  return compact({ tool: name, args: parsed.data } as ToolCall);
}
