/**
 * reminder-trigger-cg's own schedule (`reminder_triggers`), written from reminder events in the
 * runtime's inbox transaction. States: pending → triggered (by the tick) or pending → dismissed.
 * triggered and dismissed are final: no later event brings a trigger back to pending.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';

export interface TriggerFields {
  reminderId: string;
  taskId: string;
  userId: string;
  taskTitle: string | null;
  remindAt: Date;
}

/**
 * ReminderScheduled of a reminder that is still Scheduled: a new pending trigger, or a later
 * remind_at for one still pending (its failed attempts start over). An earlier remind_at never
 * replaces a later one (a replayed old event must not make a reminder fire early), and a trigger
 * that already fired or was dismissed stays as it is. True when a row was written.
 */
export async function upsertPendingTrigger(tx: SqlTx, t: TriggerFields, now: Date): Promise<boolean> {
  const n = await tx.execute(Prisma.sql`
    insert into reminder_triggers (reminder_id, task_id, user_id, task_title, remind_at, state, attempts, updated_at)
    values (${t.reminderId}::uuid, ${t.taskId}::uuid, ${t.userId}, ${t.taskTitle}, ${t.remindAt}, 'pending', 0, ${now})
    on conflict (reminder_id) do update
      set remind_at = excluded.remind_at,
          task_title = coalesce(excluded.task_title, reminder_triggers.task_title),
          attempts = 0,
          updated_at = excluded.updated_at
      where reminder_triggers.state = 'pending' and excluded.remind_at > reminder_triggers.remind_at`);
  return n > 0;
}

/**
 * A trigger in a final state for a reminder that is no longer Scheduled: a tombstone that a later
 * (replayed) ReminderScheduled cannot turn into a pending trigger. A pending trigger becomes
 * `state`; a final one stays. Without a row yet, `remindAt` is whatever the event knows (for a
 * dismissal: the time it was dismissed). True when a row was written.
 */
export async function finalizeTrigger(
  tx: SqlTx,
  t: TriggerFields,
  state: 'dismissed' | 'triggered',
  now: Date,
): Promise<boolean> {
  const n = await tx.execute(Prisma.sql`
    insert into reminder_triggers (reminder_id, task_id, user_id, task_title, remind_at, state, attempts, updated_at)
    values (${t.reminderId}::uuid, ${t.taskId}::uuid, ${t.userId}, ${t.taskTitle}, ${t.remindAt}, ${state}, 0, ${now})
    on conflict (reminder_id) do update
      set state = excluded.state, updated_at = excluded.updated_at
      where reminder_triggers.state = 'pending'`);
  return n > 0;
}
