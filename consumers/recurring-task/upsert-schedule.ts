/**
 * Creating or updating a template's RecurrenceSchedule from one of its events, inside the
 * handler's transaction. The schedule row is locked first, so a concurrent ticker run for the
 * same template waits (or skips it) rather than using half-updated fields.
 */
import type { Tx } from '../../lib/db/prisma.js';
import { formatRecurrencePattern, nextOccurrence, parseRecurrencePattern } from '../../lib/recurrence.js';
import type { TemplateSnapshot } from './template-change.js';

export type UpsertOutcome = 'created' | 'rescheduled' | 'updated' | 'stale';

interface LockedSchedule {
  pattern: string;
  anchor: Date;
  active: boolean;
  template_version: number;
  next_occurrence_at: Date | null;
}

/**
 * Anchor rule: the template's due date; without one, its creation time (TaskCreated carries it;
 * for TaskUpdated it is read from the task row, else kept from the schedule, else the event time).
 */
async function anchorOf(tx: Tx, t: TemplateSnapshot, existing: LockedSchedule | undefined): Promise<Date> {
  if (t.dueDate) return t.dueDate;
  if (t.createdAt) return t.createdAt;
  const row = await tx.task.findUnique({ where: { id: t.templateId }, select: { createdAt: true } });
  return row?.createdAt ?? existing?.anchor ?? t.occurredAt;
}

/**
 * Applies the snapshot unless the schedule already reflects this or a newer version. The next
 * occurrence is recomputed only when the pattern or anchor changed or the schedule was inactive:
 * a title change must not skip an occurrence that is already due but not yet created.
 * It is then the first occurrence strictly after the change (the event's occurred-at, or the
 * clock if that is earlier) and not before the anchor, so a template due next Monday 09:00 gets
 * its first instance at that very time, and occurrences between the change and a late consumer
 * are still created (by the ticker, within the catch-up cap).
 */
export async function upsertSchedule(tx: Tx, t: TemplateSnapshot, now: Date): Promise<UpsertOutcome> {
  const [existing] = await tx.$queryRaw<LockedSchedule[]>`
    select pattern, anchor, active, template_version, next_occurrence_at
    from recurrence_schedules where template_id = ${t.templateId}::uuid for update`;
  if (existing && t.version <= existing.template_version) return 'stale';

  // The API only stores valid patterns; an invalid one here is a bad event: throwing sends it,
  // after its attempts, to the group's DLQ with the reason.
  const parsed = parseRecurrencePattern(t.pattern);
  const pattern = formatRecurrencePattern(parsed);
  const anchor = await anchorOf(tx, t, existing);
  const reschedule = !existing || !existing.active || existing.pattern !== pattern || existing.anchor.getTime() !== anchor.getTime();
  const after = new Date(Math.min(now.getTime(), t.occurredAt.getTime()));
  const nextOccurrenceAt = reschedule ? nextOccurrence(parsed, anchor, after) : existing.next_occurrence_at;

  const fields = {
    userId: t.userId,
    pattern,
    anchor,
    nextOccurrenceAt,
    title: t.title,
    description: t.description,
    priority: t.priority,
    tags: t.tags,
    // Instances are due at their occurrence (the anchor is the template's due date when it has one).
    dueOffsetMinutes: 0,
    active: true,
    templateVersion: t.version,
    updatedAt: now,
  };
  await tx.recurrenceSchedule.upsert({ where: { templateId: t.templateId }, create: { templateId: t.templateId, ...fields }, update: fields });
  return !existing ? 'created' : reschedule ? 'rescheduled' : 'updated';
}
