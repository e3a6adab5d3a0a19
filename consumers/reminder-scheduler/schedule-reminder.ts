/**
 * Tasks' due-date reminders (source due_date), written as every reminder is
 * (lib/reminders/schedule-reminder.ts): the row and its ReminderScheduled through the outbox, in
 * the caller's transaction. A reminder id is derived from the task event that asked for it, and its
 * event id from the reminder id, so the same event can never create two.
 */
import { planReminder, type PlannedReminder } from '../../lib/reminders/schedule-reminder.js';
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

export function planDueDateReminder(r: NewDueDateReminder, ctx: ReminderWriteContext): Promise<PlannedReminder> {
  const id = dueDateReminderId(r.sourceEventId);
  return planReminder(ctx.codec, {
    id,
    eventId: reminderEventId('ReminderScheduled', id),
    taskId: r.taskId,
    userId: r.userId,
    title: r.title,
    remindAt: r.remindAt,
    source: 'due_date',
    at: ctx.now,
    traceparent: ctx.traceparent,
  });
}
