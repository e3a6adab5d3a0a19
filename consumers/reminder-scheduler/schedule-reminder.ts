/**
 * Creating a task's due-date reminder (status Scheduled, source due_date, version 1) and its
 * ReminderScheduled through the outbox, in the caller's transaction. The reminder id is derived
 * from the task event that asked for it, so the same event can never create two.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { encodeOutboxEvent, outboxInsertPerRowOf } from '../../lib/outbox/append-outbox-event.js';
import type { ReminderWriteContext } from './dismiss-reminder.js';
import { dueDateReminderId, reminderEventId } from './reminder-ids.js';

export interface NewDueDateReminder {
  taskId: string;
  userId: string;
  title: string;
  remindAt: Date;
  /** The task event's id: the reminder id is derived from it. */
  sourceEventId: string;
}

/**
 * The new reminder's id, or undefined when this event already created its reminder. The reminder
 * and its ReminderScheduled are written by one statement: the outbox row only if the reminder row
 * was inserted.
 */
export async function scheduleDueDateReminder(tx: SqlTx, r: NewDueDateReminder, ctx: ReminderWriteContext): Promise<string | undefined> {
  const id = dueDateReminderId(r.sourceEventId);
  const event = await encodeOutboxEvent(ctx.codec, {
    eventType: 'ReminderScheduled',
    eventId: reminderEventId('ReminderScheduled', id),
    key: id,
    aggregateVersion: 1,
    userId: r.userId,
    traceparent: ctx.traceparent,
    occurredAt: ctx.now,
    payload: { id, task_id: r.taskId, user_id: r.userId, remind_at: r.remindAt.getTime(), task_title: r.title, source: 'due_date' },
  });
  const inserted = await tx.execute(Prisma.sql`
    with reminder as (
      insert into reminders (id, task_id, user_id, remind_at, status, source, version, created_at, updated_at)
      values (${id}::uuid, ${r.taskId}::uuid, ${r.userId}, ${r.remindAt}, 'Scheduled', 'due_date', 1, ${ctx.now}, ${ctx.now})
      on conflict (id) do nothing
      returning id)
    ${outboxInsertPerRowOf('reminder', event)}`);
  return inserted === 0 ? undefined : id;
}
