/**
 * Deactivating a template's schedule (template deleted or recurrence turned off). Only a newer
 * version stops it, so a replayed older event cannot undo a later re-activation, and a replayed
 * older TaskCreated cannot revive a deleted template's schedule (its version is now the deletion's).
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';

/** True when a schedule was stopped; false when there is none or it already saw a newer version. */
export async function stopSchedule(tx: SqlTx, templateId: string, version: number, now: Date): Promise<boolean> {
  const n = await tx.execute(Prisma.sql`
    update recurrence_schedules
    set active = false, template_version = ${version}, updated_at = ${now}
    where template_id = ${templateId}::uuid and template_version < ${version}`);
  return n > 0;
}
