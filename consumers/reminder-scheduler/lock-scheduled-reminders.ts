/**
 * The task's Scheduled reminders, locked for this transaction (`FOR UPDATE`). A reminder-trigger
 * tick firing one of them holds the same lock; whoever comes second sees the other's result (under
 * READ COMMITTED a blocked row is re-checked against `status = 'Scheduled'`), so a reminder is
 * never both fired and dismissed.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';

export interface ScheduledReminder {
  id: string;
  taskId: string;
  userId: string;
  remindAt: Date;
  source: string;
  version: number;
}

interface ReminderRow {
  id: string;
  task_id: string;
  user_id: string;
  remind_at: Date;
  source: string;
  version: number;
}

const scheduledReminderOf = (r: ReminderRow): ScheduledReminder => ({
  id: r.id,
  taskId: r.task_id,
  userId: r.user_id,
  remindAt: r.remind_at,
  source: r.source,
  version: Number(r.version),
});

/** Oldest first; `source` narrows to due-date or explicit reminders. */
export async function lockScheduledReminders(
  tx: SqlTx,
  taskId: string,
  source?: 'due_date' | 'explicit',
): Promise<ScheduledReminder[]> {
  const rows = await tx.query<ReminderRow>(Prisma.sql`
    select id::text, task_id::text, user_id, remind_at, source, version from reminders
    where task_id = ${taskId}::uuid and status = 'Scheduled' and (${source ?? null}::text is null or source = ${source ?? null}::text)
    order by created_at, id
    for update`);
  return rows.map(scheduledReminderOf);
}

/** Every Scheduled reminder of the tasks, locked in one query; by task id, each task's oldest first. */
export async function lockScheduledRemindersOfTasks(
  tx: SqlTx,
  taskIds: string[],
): Promise<Map<string, ScheduledReminder[]>> {
  const byTask = new Map<string, ScheduledReminder[]>(taskIds.map((id) => [id, []]));
  if (taskIds.length === 0) return byTask;
  const rows = await tx.query<ReminderRow>(Prisma.sql`
    select id::text, task_id::text, user_id, remind_at, source, version from reminders
    where task_id = any(${taskIds}::uuid[]) and status = 'Scheduled'
    order by created_at, id
    for update`);
  for (const r of rows) byTask.get(r.task_id)?.push(scheduledReminderOf(r));
  return byTask;
}
