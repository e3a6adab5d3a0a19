/** Avro payloads of the task events, built from a task row (field names as in schemas/). */
import type { Task } from '@prisma/client';

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

/** The task's own fields, as TaskUpdated and the TaskChanged snapshot both carry them. */
function taskFields(t: Task) {
  return {
    title: t.title,
    description: t.description,
    due_date: ms(t.dueDate),
    priority: t.priority,
    tags: t.tags,
    is_recurring_template: t.isRecurringTemplate,
    recurrence_pattern: t.recurrencePattern,
    completed: t.completed,
  };
}

export function taskCreatedPayload(t: Task, occurrenceAt: Date | null = null) {
  return {
    id: t.id,
    user_id: t.userId,
    title: t.title,
    description: t.description,
    created_at: t.createdAt.getTime(),
    due_date: ms(t.dueDate),
    priority: t.priority,
    tags: t.tags,
    is_recurring_template: t.isRecurringTemplate,
    recurrence_pattern: t.recurrencePattern,
    template_id: t.templateId,
    occurrence_at: ms(occurrenceAt),
    reminder_lead_minutes: t.reminderLeadMinutes,
  };
}

export function taskUpdatedPayload(t: Task, changedFields: string[]) {
  return {
    id: t.id,
    user_id: t.userId,
    ...taskFields(t),
    reminder_lead_minutes: t.reminderLeadMinutes,
    changed_fields: changedFields,
    updated_at: t.updatedAt.getTime(),
  };
}

export function taskCompletedPayload(t: Task) {
  return { id: t.id, user_id: t.userId, completed_at: (t.completedAt ?? t.updatedAt).getTime() };
}

export function taskDeletedPayload(t: Task, deletedAt: Date) {
  return { id: t.id, user_id: t.userId, deleted_at: deletedAt.getTime(), is_recurring_template: t.isRecurringTemplate };
}

/** The TaskChanged snapshot of a task row (schemas/TaskChanged.avsc, TaskSnapshot). */
export function taskSnapshotPayload(t: Task) {
  return {
    ...taskFields(t),
    completed_at: ms(t.completedAt),
    template_id: t.templateId,
  };
}
