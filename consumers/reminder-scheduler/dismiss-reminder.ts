/**
 * Dismissing one (locked) Scheduled reminder: status Dismissed, version + 1, and its
 * ReminderDismissed through the outbox, in the caller's transaction.
 */
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { appendOutboxEvent } from '../../lib/outbox/append-outbox-event.js';
import { dismissReminderRow } from '../../lib/reminders/reminder-sql.js';
import type { ScheduledReminder } from './lock-scheduled-reminders.js';
import { reminderEventId } from './reminder-ids.js';

export interface ReminderWriteContext {
  codec: EventCodec;
  /** The consumer's clock: updated_at, dismissed_at and the event's occurred-at. */
  now: Date;
  /** The trace of the task event that caused this. */
  traceparent: string;
}

/** True when dismissed; false when the reminder was no longer Scheduled. */
export async function dismissReminder(
  tx: SqlTx,
  r: ScheduledReminder,
  reason: string,
  ctx: ReminderWriteContext,
): Promise<boolean> {
  const rows = await tx.query<{ version: number }>(dismissReminderRow(r.id, ctx.now));
  const version = rows[0]?.version;
  if (version === undefined) return false;
  await appendOutboxEvent(tx, ctx.codec, {
    eventType: 'ReminderDismissed',
    eventId: reminderEventId('ReminderDismissed', r.id),
    key: r.id,
    aggregateVersion: Number(version),
    userId: r.userId,
    traceparent: ctx.traceparent,
    occurredAt: ctx.now,
    payload: { id: r.id, task_id: r.taskId, user_id: r.userId, dismissed_at: ctx.now.getTime(), reason },
  });
  return true;
}
