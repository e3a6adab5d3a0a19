/**
 * Claiming one due trigger for this transaction: `FOR UPDATE SKIP LOCKED`, so concurrent tickers
 * (replicas, overlapping ticks) each take a different trigger and never fire one twice; the lock is
 * held until the transaction that delivers and marks it triggered commits (or rolls back).
 * Triggers whose deliveries failed more often come last, so they cannot crowd out fresh ones. A
 * remind_at the ticker cannot carry is never claimed (set-aside-trigger.ts sets those aside).
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { FIREABLE_FROM, FIREABLE_UNTIL } from './set-aside-trigger.js';

export interface ClaimedTrigger {
  reminderId: string;
  taskId: string;
  userId: string;
  taskTitle: string | null;
  remindAt: Date;
  attempts: number;
}

/** A pending trigger with remind_at <= now, not in `exclude`, not locked by anyone else; or undefined. */
export async function claimDueTrigger(
  tx: SqlTx,
  now: Date,
  exclude: readonly string[],
): Promise<ClaimedTrigger | undefined> {
  const rows = await tx.query<{
    reminder_id: string;
    task_id: string;
    user_id: string;
    task_title: string | null;
    remind_at: Date;
    attempts: number;
  }>(Prisma.sql`
    select reminder_id::text, task_id::text, user_id, task_title, remind_at, attempts from reminder_triggers
    where state = 'pending' and remind_at <= ${now}
      and remind_at between ${FIREABLE_FROM}::timestamptz and ${FIREABLE_UNTIL}::timestamptz
      and not (reminder_id::text = any(${exclude}::text[]))
    order by attempts, remind_at
    limit 1
    for update skip locked`);
  const r = rows[0];
  return (
    r && {
      reminderId: r.reminder_id,
      taskId: r.task_id,
      userId: r.user_id,
      taskTitle: r.task_title,
      remindAt: r.remind_at,
      attempts: Number(r.attempts),
    }
  );
}
