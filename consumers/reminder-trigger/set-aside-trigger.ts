/**
 * Triggers the ticker can never fire are set aside once — state `failed` with the reason — instead
 * of being claimed, failing and being claimed again every tick (which also made every other user's
 * reminders wait behind them).
 *
 * Fireable times: Prisma and JavaScript dates carry years 1 to 9999 only; a `remind_at` outside
 * them (a BC year, a year past 9999, ±infinity) comes back as an Invalid Date and firing it throws.
 * Such due triggers are set aside in one statement per tick, before any trigger is claimed, and the
 * claim never returns them. A trigger whose firing fails for any other reason that is not an outage
 * or a failed delivery is set aside by `setAsideTrigger` after that one attempt.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';

/** The range of remind_at the ticker can fire (both ends included), as SQL timestamptz literals. */
export const FIREABLE_FROM = '0001-01-01 00:00:00+00';
export const FIREABLE_UNTIL = '9999-12-31 23:59:59.999+00';

export interface SetAsideTrigger {
  reminderId: string;
  userId: string;
  reason: string;
}

/** Sets aside the due pending triggers whose remind_at is outside the fireable range; returns them. */
export async function setAsideUnfireableTriggers(sql: SqlTx, now: Date): Promise<SetAsideTrigger[]> {
  const rows = await sql.query<{ reminder_id: string; user_id: string; failure_reason: string }>(Prisma.sql`
    update reminder_triggers
    set state = 'failed', updated_at = ${now},
        failure_reason = 'remind_at ' || remind_at::text || ' is outside the times the ticker can fire (years 1 to 9999)'
    where state = 'pending' and remind_at <= ${now}
      and not (remind_at between ${FIREABLE_FROM}::timestamptz and ${FIREABLE_UNTIL}::timestamptz)
    returning reminder_id::text, user_id, failure_reason`);
  return rows.map((r) => ({ reminderId: r.reminder_id, userId: r.user_id, reason: r.failure_reason }));
}

/** Sets one pending trigger aside with `reason` (its firing failed in a way retrying will not fix). */
export async function setAsideTrigger(sql: SqlTx, reminderId: string, reason: string, now: Date): Promise<boolean> {
  const n = await sql.execute(Prisma.sql`
    update reminder_triggers set state = 'failed', failure_reason = ${reason.slice(0, 2000)}, updated_at = ${now}
    where reminder_id = ${reminderId}::uuid and state = 'pending'`);
  return n === 1;
}
