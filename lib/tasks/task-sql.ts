/**
 * The task row in raw SQL for the write path. Prisma's model API runs every query through its
 * WebAssembly query compiler (about 1 ms of CPU each, most of what a write request cost); these
 * statements skip it. Prisma stays the schema, the migrations and the client for reads.
 */
import { Prisma, type Task } from '@prisma/client';

/** A RETURNING list naming columns as the model's fields, so a returned row is a `Task`. */
export const TASK_FIELDS = Prisma.raw(
  'id, user_id as "userId", title, description, due_date as "dueDate", priority, tags, completed, completed_at as "completedAt", ' +
    'is_recurring_template as "isRecurringTemplate", recurrence_pattern as "recurrencePattern", template_id as "templateId", ' +
    'reminder_lead_minutes as "reminderLeadMinutes", version, created_at as "createdAt", updated_at as "updatedAt"',
);

/** The INSERT of a task whose every value (id and timestamps included) the application chose. */
export function insertTask(t: Task): Prisma.Sql {
  return Prisma.sql`
    insert into tasks (id, user_id, title, description, due_date, priority, tags, completed, completed_at, is_recurring_template,
                       recurrence_pattern, template_id, reminder_lead_minutes, version, created_at, updated_at)
    values (${t.id}::uuid, ${t.userId}, ${t.title}, ${t.description}, ${t.dueDate}, ${t.priority}::"Priority", ${t.tags}::text[], ${t.completed},
            ${t.completedAt}, ${t.isRecurringTemplate}, ${t.recurrencePattern}, ${t.templateId}::uuid, ${t.reminderLeadMinutes}, ${t.version},
            ${t.createdAt}, ${t.updatedAt})`;
}

/** Fields a change may set, with the column each is stored in. */
export type TaskChange = Partial<
  Pick<
    Task,
    | 'title'
    | 'description'
    | 'dueDate'
    | 'priority'
    | 'tags'
    | 'isRecurringTemplate'
    | 'recurrencePattern'
    | 'reminderLeadMinutes'
    | 'completed'
    | 'completedAt'
  >
>;

const CHANGE_COLUMNS: Record<keyof TaskChange, Prisma.Sql> = {
  title: Prisma.raw('title'),
  description: Prisma.raw('description'),
  dueDate: Prisma.raw('due_date'),
  priority: Prisma.raw('priority'),
  tags: Prisma.raw('tags'),
  isRecurringTemplate: Prisma.raw('is_recurring_template'),
  recurrencePattern: Prisma.raw('recurrence_pattern'),
  reminderLeadMinutes: Prisma.raw('reminder_lead_minutes'),
  completed: Prisma.raw('completed'),
  completedAt: Prisma.raw('completed_at'),
};

/** Column values need a cast where a text parameter would not fit the column's type. */
function valueOf(field: keyof TaskChange, value: unknown): Prisma.Sql {
  if (field === 'priority') return Prisma.sql`${value}::"Priority"`;
  if (field === 'tags') return Prisma.sql`${value}::text[]`;
  return Prisma.sql`${value}`;
}

/**
 * One change of the user's task: sets the fields, bumps the version and updated_at, and returns
 * the new row. The UPDATE holds the row's lock until commit. It returns no row, and writes none,
 * when the user has no such task or when the change would leave a recurring template without a
 * pattern: that rule depends on the row's current values, so the statement checks it before it
 * writes rather than the caller after.
 */
export function updateTask(id: string, userId: string, change: TaskChange, at: Date): Prisma.Sql {
  const set = (Object.keys(change) as (keyof TaskChange)[]).map(
    (f) => Prisma.sql`${CHANGE_COLUMNS[f]} = ${valueOf(f, change[f])}`,
  );
  set.push(Prisma.sql`version = version + 1`, Prisma.sql`updated_at = ${at}`);
  const templateAfter =
    change.isRecurringTemplate === undefined
      ? Prisma.raw('is_recurring_template')
      : Prisma.sql`${change.isRecurringTemplate}::boolean`;
  const patternAfter =
    change.recurrencePattern === undefined
      ? Prisma.raw('recurrence_pattern')
      : Prisma.sql`${change.recurrencePattern}::text`;
  return Prisma.sql`update tasks set ${Prisma.join(set)}
     where id = ${id}::uuid and user_id = ${userId} and not (${templateAfter} and ${patternAfter} is null)
     returning ${TASK_FIELDS}`;
}
