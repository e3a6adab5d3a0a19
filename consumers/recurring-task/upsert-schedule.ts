/**
 * Creating or updating a template's RecurrenceSchedule from one of its events, inside the
 * handler's transaction. The schedule row is locked first, so a concurrent ticker run for the
 * same template waits (or skips it) rather than using half-updated fields.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { formatRecurrencePattern, nextOccurrence, parseRecurrencePattern } from '../../lib/recurrence.js';
import type { TemplateSnapshot } from './template-change.js';

export type UpsertOutcome = 'created' | 'rescheduled' | 'updated' | 'stale';

interface LockedSchedule {
  pattern: string;
  anchor: Date;
  time_zone: string;
  active: boolean;
  template_version: number;
  next_occurrence_at: Date | null;
}

/**
 * Anchor rule: the template's due date; without one, its creation time (TaskCreated carries it;
 * for TaskUpdated it is read from the task row, else kept from the schedule, else the event time).
 */
async function anchorOf(tx: SqlTx, t: TemplateSnapshot, existing: LockedSchedule | undefined): Promise<Date> {
  if (t.dueDate) return t.dueDate;
  if (t.createdAt) return t.createdAt;
  const [row] = await tx.query<{ created_at: Date }>(
    Prisma.sql`select created_at from tasks where id = ${t.templateId}::uuid`,
  );
  return row?.created_at ?? existing?.anchor ?? t.occurredAt;
}

/**
 * The zone the series fires in: its owner's zone (user_settings) when it is (re)scheduled, so
 * "every monday at 9am" means 9:00 where the person lives. Stored with the schedule.
 */
async function timeZoneOf(tx: SqlTx, userId: string): Promise<string> {
  const [row] = await tx.query<{ time_zone: string }>(
    Prisma.sql`select time_zone from user_settings where user_id = ${userId}`,
  );
  return row?.time_zone ?? 'UTC';
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
export async function upsertSchedule(tx: SqlTx, t: TemplateSnapshot, now: Date): Promise<UpsertOutcome> {
  const [existing] = await tx.query<LockedSchedule>(Prisma.sql`
    select pattern, anchor, time_zone, active, template_version, next_occurrence_at
    from recurrence_schedules where template_id = ${t.templateId}::uuid for update`);
  if (existing && t.version <= existing.template_version) return 'stale';

  // The API only stores valid patterns; an invalid one here is a bad event: throwing sends it,
  // after its attempts, to the group's DLQ with the reason.
  const parsed = parseRecurrencePattern(t.pattern);
  const pattern = formatRecurrencePattern(parsed);
  const anchor = await anchorOf(tx, t, existing);
  const timeZone = await timeZoneOf(tx, t.userId);
  const reschedule =
    !existing ||
    !existing.active ||
    existing.pattern !== pattern ||
    existing.anchor.getTime() !== anchor.getTime() ||
    existing.time_zone !== timeZone;
  const after = new Date(Math.min(now.getTime(), t.occurredAt.getTime()));
  const nextOccurrenceAt = reschedule ? nextOccurrence(parsed, anchor, after, timeZone) : existing.next_occurrence_at;

  // Instances are due at their occurrence (the anchor is the template's due date when it has one): due_offset_minutes 0.
  await tx.execute(Prisma.sql`
    insert into recurrence_schedules
      (template_id, user_id, pattern, anchor, time_zone, next_occurrence_at, title, description, priority, tags, due_offset_minutes, active, template_version, updated_at)
    values (${t.templateId}::uuid, ${t.userId}, ${pattern}, ${anchor}, ${timeZone}, ${nextOccurrenceAt}, ${t.title}, ${t.description}, ${t.priority}::"Priority", ${t.tags}::text[], 0, true, ${t.version}, ${now})
    on conflict (template_id) do update set
      user_id = excluded.user_id, pattern = excluded.pattern, anchor = excluded.anchor, time_zone = excluded.time_zone, next_occurrence_at = excluded.next_occurrence_at,
      title = excluded.title, description = excluded.description, priority = excluded.priority, tags = excluded.tags,
      due_offset_minutes = excluded.due_offset_minutes, active = excluded.active, template_version = excluded.template_version, updated_at = excluded.updated_at`);
  return !existing ? 'created' : reschedule ? 'rescheduled' : 'updated';
}
