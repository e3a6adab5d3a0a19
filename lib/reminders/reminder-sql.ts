/**
 * The reminder row's statements, defined once for every writer: the API's explicit reminders
 * (api/reminders/reminder-service.ts), reminder-scheduler-cg's due-date reminders and dismissals
 * (consumers/reminder-scheduler/) and reminder-trigger-cg's firing (consumers/reminder-trigger/).
 * Raw SQL on `SqlTx`, like every write; Prisma keeps the schema, the migrations and the reads.
 */
import { Prisma, type Reminder } from '@prisma/client';

/** Where a reminder comes from: a task's due date (reminder-scheduler-cg) or a chat request. */
export type ReminderSource = 'due_date' | 'explicit';

/**
 * A data-modifying CTE body that inserts new reminders (status Scheduled, version 1, every value
 * the application's) and returns the ids of those it inserted: a row whose id is already there is
 * left as it is (`on conflict do nothing`), so the caller writes an event only for a new row.
 */
export function insertNewReminders(rows: readonly Reminder[]): Prisma.Sql {
  const col = <T>(f: (r: Reminder) => T) => rows.map(f);
  return Prisma.sql`
      insert into reminders (id, task_id, user_id, remind_at, status, source, version, created_at, updated_at)
      select id, task_id, user_id, remind_at, 'Scheduled'::"ReminderStatus", source, 1, created_at, updated_at
        from unnest(${col((r) => r.id)}::uuid[], ${col((r) => r.taskId)}::uuid[], ${col((r) => r.userId)}::text[],
                    ${col((r) => r.remindAt)}::timestamptz[], ${col((r) => r.source)}::text[],
                    ${col((r) => r.createdAt)}::timestamptz[], ${col((r) => r.updatedAt)}::timestamptz[])
             as r(id, task_id, user_id, remind_at, source, created_at, updated_at)
      on conflict (id) do nothing
      returning id`;
}

/** Dismisses a reminder that is still Scheduled (version + 1); returns its new version, or no row. */
export function dismissReminderRow(id: string, at: Date): Prisma.Sql {
  return Prisma.sql`
    update reminders set status = 'Dismissed', version = version + 1, updated_at = ${at}
    where id = ${id}::uuid and status = 'Scheduled'
    returning version`;
}

/** Marks a (locked, checked Scheduled) reminder Triggered (version + 1); returns its new version. */
export function triggerReminderRow(id: string, at: Date): Prisma.Sql {
  return Prisma.sql`
    update reminders set status = 'Triggered', version = version + 1, updated_at = ${at}
    where id = ${id}::uuid
    returning version`;
}
