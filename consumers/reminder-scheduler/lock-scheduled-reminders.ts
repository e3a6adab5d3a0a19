/**
 * The task's Scheduled reminders, locked for this transaction (`FOR UPDATE`). A reminder-trigger
 * tick firing one of them holds the same lock; whoever comes second sees the other's result (under
 * READ COMMITTED a blocked row is re-checked against `status = 'Scheduled'`), so a reminder is
 * never both fired and dismissed.
 */
import type { Tx } from '../../lib/db/prisma.js';

export interface ScheduledReminder {
  id: string;
  taskId: string;
  userId: string;
  remindAt: Date;
  source: string;
  version: number;
}

/** Oldest first; `source` narrows to due-date or explicit reminders. */
export async function lockScheduledReminders(tx: Tx, taskId: string, source?: 'due_date' | 'explicit'): Promise<ScheduledReminder[]> {
  const rows = await tx.$queryRaw<{ id: string; task_id: string; user_id: string; remind_at: Date; source: string; version: number }[]>`
    select id::text, task_id::text, user_id, remind_at, source, version from reminders
    where task_id = ${taskId}::uuid and status = 'Scheduled' and (${source ?? null}::text is null or source = ${source ?? null}::text)
    order by created_at, id
    for update`;
  return rows.map((r) => ({ id: r.id, taskId: r.task_id, userId: r.user_id, remindAt: r.remind_at, source: r.source, version: Number(r.version) }));
}
