/**
 * A schedule's row writes besides `upsertSchedule` (upsert-schedule.ts), in raw SQL on `SqlTx`
 * like every write: the handler's stop, and the ticker's two steps (a template gone, the next
 * occurrence). Prisma keeps the schema, the migrations and the reads.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';

/**
 * Deactivating a template's schedule (template deleted or recurrence turned off). Only a newer
 * version stops it, so a replayed older event cannot undo a later re-activation, and a replayed
 * older TaskCreated cannot revive a deleted template's schedule (its version is now the deletion's).
 * True when a schedule was stopped; false when there is none or it already saw a newer version.
 */
export async function stopSchedule(tx: SqlTx, templateId: string, version: number, now: Date): Promise<boolean> {
  const n = await tx.execute(Prisma.sql`
    update recurrence_schedules
    set active = false, template_version = ${version}, updated_at = ${now}
    where template_id = ${templateId}::uuid and template_version < ${version}`);
  return n > 0;
}

/** The ticker found the schedule's template gone: the schedule stops here (whatever its version). */
export async function deactivateSchedule(tx: SqlTx, templateId: string, now: Date): Promise<void> {
  await tx.execute(Prisma.sql`
    update recurrence_schedules set active = false, updated_at = ${now}
    where template_id = ${templateId}::uuid`);
}

/** The ticker's step done: the next occurrence to create (null: the pattern has none). */
export async function advanceSchedule(tx: SqlTx, templateId: string, next: Date | null, now: Date): Promise<void> {
  await tx.execute(Prisma.sql`
    update recurrence_schedules set next_occurrence_at = ${next}::timestamptz, updated_at = ${now}
    where template_id = ${templateId}::uuid`);
}
