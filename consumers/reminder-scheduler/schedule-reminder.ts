/**
 * Creating tasks' due-date reminders (status Scheduled, source due_date, version 1) and their
 * ReminderScheduled through the outbox, in the caller's transaction. A reminder id is derived from
 * the task event that asked for it, so the same event can never create two.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import {
  encodeOutboxEvent,
  outboxInsertForRowsOf,
  type EncodedOutboxEvent,
} from '../../lib/outbox/append-outbox-event.js';
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

/** A reminder ready to be written: its row's fields and its encoded (validated) ReminderScheduled. */
export interface PlannedReminder {
  id: string;
  taskId: string;
  userId: string;
  remindAt: Date;
  at: Date;
  event: EncodedOutboxEvent;
}

export async function planDueDateReminder(r: NewDueDateReminder, ctx: ReminderWriteContext): Promise<PlannedReminder> {
  const id = dueDateReminderId(r.sourceEventId);
  const event = await encodeOutboxEvent(ctx.codec, {
    eventType: 'ReminderScheduled',
    eventId: reminderEventId('ReminderScheduled', id),
    key: id,
    aggregateVersion: 1,
    userId: r.userId,
    traceparent: ctx.traceparent,
    occurredAt: ctx.now,
    payload: {
      id,
      task_id: r.taskId,
      user_id: r.userId,
      remind_at: r.remindAt.getTime(),
      task_title: r.title,
      source: 'due_date',
    },
  });
  return { id, taskId: r.taskId, userId: r.userId, remindAt: r.remindAt, at: ctx.now, event };
}

/**
 * Writes the reminders and their ReminderScheduled rows in one statement, whatever their number:
 * an event's outbox row only if its reminder row was inserted (a replayed event finds it and
 * writes neither), outbox rows in the given order.
 */
export async function writeDueDateReminders(tx: SqlTx, planned: readonly PlannedReminder[]): Promise<void> {
  if (planned.length === 0) return;
  const col = <T>(f: (p: PlannedReminder) => T) => planned.map(f);
  await tx.execute(Prisma.sql`
    with reminder as (
      insert into reminders (id, task_id, user_id, remind_at, status, source, version, created_at, updated_at)
      select id, task_id, user_id, remind_at, 'Scheduled'::"ReminderStatus", 'due_date', 1, at, at
        from unnest(${col((p) => p.id)}::uuid[], ${col((p) => p.taskId)}::uuid[], ${col((p) => p.userId)}::text[],
                    ${col((p) => p.remindAt)}::timestamptz[], ${col((p) => p.at)}::timestamptz[]) as r(id, task_id, user_id, remind_at, at)
      on conflict (id) do nothing
      returning id)
    ${outboxInsertForRowsOf('reminder', planned)}`);
}
