/**
 * Claiming one due schedule for this transaction: `FOR UPDATE SKIP LOCKED`, so concurrent tickers
 * (several replicas, or overlapping ticks) each take a different schedule and never wait on one
 * another; the lock is held until the transaction that creates its instances commits.
 */
import type { RecurrenceSchedule } from '@prisma/client';
import type { Tx } from '../../lib/db/prisma.js';

/** The earliest-due active schedule not in `exclude` and not locked by anyone else, locked; or undefined. */
export async function claimDueSchedule(
  tx: Tx,
  now: Date,
  exclude: readonly string[],
): Promise<RecurrenceSchedule | undefined> {
  const rows = await tx.$queryRaw<{ template_id: string }[]>`
    select template_id::text from recurrence_schedules
    where active and next_occurrence_at <= ${now}
      and not (template_id::text = any(${exclude}::text[]))
    order by next_occurrence_at
    limit 1
    for update skip locked`;
  const id = rows[0]?.template_id;
  return id ? ((await tx.recurrenceSchedule.findUnique({ where: { templateId: id } })) ?? undefined) : undefined;
}
