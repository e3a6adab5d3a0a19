/**
 * What a task event means for the task's reminders. Pure: reads the decoded Avro payload of
 * TaskCreated / TaskUpdated / TaskCompleted / TaskDeleted, no I/O, no clock.
 *
 * - A task with a due date that is neither a recurring template nor completed should have exactly
 *   one Scheduled due-date reminder, at due date − lead (the task's reminder_lead_minutes, else
 *   the configured default).
 * - Due date cleared, or the task became a template: its due-date reminders go.
 * - Completed (TaskCompleted, or TaskUpdated with completed = true) or deleted: every Scheduled
 *   reminder of the task goes, explicit ones (asked for in chat) included.
 */
import type { ConsumedEvent } from '../../lib/consumer/consumed-event.js';
import { isUuid } from './reminder-ids.js';

const MINUTE = 60_000;

/** The `reason` of ReminderDismissed. */
export type DismissReason = 'rescheduled' | 'due_date_cleared' | 'recurring_template' | 'completed' | 'deleted';

/** The due-date reminder the task should have after this event (null: none). */
export interface DesiredReminder {
  remindAt: Date;
  title: string;
}

export type ReminderPlan =
  /** Make the task's Scheduled due-date reminders match `desired`; dismiss the others with `reason`. */
  | { kind: 'reconcile'; taskId: string; userId: string; desired: DesiredReminder | null; reason: DismissReason }
  /** Dismiss every Scheduled reminder of the task, whatever its source. */
  | { kind: 'dismiss-all'; taskId: string; userId: string; reason: 'completed' | 'deleted' }
  | { kind: 'ignore'; why: string };

/** Avro timestamp-millis decodes as a number (or a long-like value, or a Date with logical types on). */
export function millisOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = v instanceof Date ? v.getTime() : Number(v);
  return Number.isFinite(n) ? n : null;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The task id: the record key (the aggregate id), else the payload's id. */
function taskIdOf(e: ConsumedEvent): string | null {
  if (isUuid(e.key)) return e.key.toLowerCase();
  const id = text(e.payload.id);
  return isUuid(id) ? id.toLowerCase() : null;
}

/** The plan for one task event; `defaultLeadMinutes` applies when the task has no lead time of its own. */
export function reminderPlanOf(e: ConsumedEvent, defaultLeadMinutes: number): ReminderPlan {
  const p = e.payload;
  const taskId = taskIdOf(e);
  if (!taskId) return { kind: 'ignore', why: 'no task id' };
  const userId = text(p.user_id) || e.userId;
  if (!userId) return { kind: 'ignore', why: 'no user id' };
  switch (e.eventType) {
    case 'TaskDeleted':
      return { kind: 'dismiss-all', taskId, userId, reason: 'deleted' };
    case 'TaskCompleted':
      return { kind: 'dismiss-all', taskId, userId, reason: 'completed' };
    case 'TaskCreated':
    case 'TaskUpdated': {
      if (p.completed === true) return { kind: 'dismiss-all', taskId, userId, reason: 'completed' };
      if (p.is_recurring_template === true)
        return { kind: 'reconcile', taskId, userId, desired: null, reason: 'recurring_template' };
      const due = millisOf(p.due_date);
      if (due === null) return { kind: 'reconcile', taskId, userId, desired: null, reason: 'due_date_cleared' };
      const lead =
        typeof p.reminder_lead_minutes === 'number' && p.reminder_lead_minutes >= 0
          ? p.reminder_lead_minutes
          : defaultLeadMinutes;
      return {
        kind: 'reconcile',
        taskId,
        userId,
        desired: { remindAt: new Date(due - lead * MINUTE), title: text(p.title) ?? '' },
        reason: 'rescheduled',
      };
    }
    default:
      return { kind: 'ignore', why: `not a task event: ${e.eventType}` };
  }
}
