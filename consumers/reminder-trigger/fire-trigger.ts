/**
 * Firing one claimed trigger, all in the caller's transaction (which holds the trigger's lock):
 * lock the reminder row; if it is still Scheduled, deliver the notification (HTTP to NOTIFY_URL,
 * or a Notification row when none is set), mark the trigger triggered, set the reminder Triggered
 * (version + 1) and write ReminderTriggered to the outbox. The delivery record and the state change
 * commit together, so a fired reminder is never fired again; a delivery that fails throws
 * DeliveryFailedError and rolls everything back (the trigger stays pending).
 */
import { Prisma } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { appendOutboxEvent } from '../../lib/outbox/append-outbox-event.js';
import { triggerReminderRow } from '../../lib/reminders/reminder-sql.js';
import { notificationId, reminderEventId } from '../reminder-scheduler/reminder-ids.js';
import type { ClaimedTrigger } from './claim-due-trigger.js';
import type { NotificationPayload } from './deliver-notification.js';

export interface FireContext {
  codec: EventCodec;
  now: Date;
  traceparent: string;
  /** HTTP delivery (returns the number of calls it took); undefined: store a Notification row. */
  deliver?: (n: NotificationPayload) => Promise<number>;
}

export type FireOutcome =
  | { outcome: 'delivered'; via: 'http' | 'notification'; attempts: number }
  /** The reminder was dismissed (its dismissal had not reached this group yet): never fires. */
  | { outcome: 'dismissed' }
  | { outcome: 'already-triggered' }
  /** No reminder row for the trigger: nothing to fire. */
  | { outcome: 'orphaned' };

async function setTriggerState(
  tx: SqlTx,
  reminderId: string,
  state: 'dismissed' | 'triggered',
  now: Date,
  attempts = 0,
): Promise<void> {
  await tx.execute(Prisma.sql`
    update reminder_triggers
    set state = ${state}, attempts = attempts + ${attempts}, updated_at = ${now},
        triggered_at = case when ${state} = 'triggered' then ${now}::timestamptz else triggered_at end
    where reminder_id = ${reminderId}::uuid`);
}

/** Fires (or closes) one claimed trigger; throws DeliveryFailedError when the receiver could not be reached. */
export async function fireTrigger(tx: SqlTx, t: ClaimedTrigger, ctx: FireContext): Promise<FireOutcome> {
  const [reminder] = await tx.query<{ user_id: string; status: string; version: number }>(Prisma.sql`
    select user_id, status::text as status, version from reminders where id = ${t.reminderId}::uuid for update`);
  if (!reminder) {
    await setTriggerState(tx, t.reminderId, 'dismissed', ctx.now);
    return { outcome: 'orphaned' };
  }
  if (reminder.status === 'Dismissed') {
    await setTriggerState(tx, t.reminderId, 'dismissed', ctx.now);
    return { outcome: 'dismissed' };
  }
  if (reminder.status === 'Triggered') {
    await setTriggerState(tx, t.reminderId, 'triggered', ctx.now);
    return { outcome: 'already-triggered' };
  }

  // The task's title now (it may have been renamed since the reminder was scheduled).
  const [task] = await tx.query<{ title: string }>(Prisma.sql`select title from tasks where id = ${t.taskId}::uuid`);
  const n: NotificationPayload = {
    reminderId: t.reminderId,
    taskId: t.taskId,
    userId: reminder.user_id,
    title: task?.title ?? t.taskTitle ?? '',
    remindAt: t.remindAt.toISOString(),
  };
  let attempts = 0;
  if (ctx.deliver) attempts = await ctx.deliver(n);
  else {
    await tx.execute(Prisma.sql`
      insert into notifications (id, user_id, reminder_id, task_id, title, remind_at, created_at)
      values (${notificationId(t.reminderId)}::uuid, ${n.userId}, ${t.reminderId}::uuid, ${t.taskId}::uuid, ${n.title}, ${t.remindAt}, ${ctx.now})
      on conflict (reminder_id) do nothing`);
  }

  await setTriggerState(tx, t.reminderId, 'triggered', ctx.now, attempts);
  const [updated] = await tx.query<{ version: number }>(triggerReminderRow(t.reminderId, ctx.now));
  await appendOutboxEvent(tx, ctx.codec, {
    eventType: 'ReminderTriggered',
    eventId: reminderEventId('ReminderTriggered', t.reminderId),
    key: t.reminderId,
    aggregateVersion: Number(updated!.version),
    userId: n.userId,
    traceparent: ctx.traceparent,
    occurredAt: ctx.now,
    payload: {
      id: t.reminderId,
      task_id: t.taskId,
      user_id: n.userId,
      remind_at: t.remindAt.getTime(),
      triggered_at: ctx.now.getTime(),
    },
  });
  return { outcome: 'delivered', via: ctx.deliver ? 'http' : 'notification', attempts };
}
