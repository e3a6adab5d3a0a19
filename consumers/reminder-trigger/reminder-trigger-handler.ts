/**
 * reminder-trigger-cg's event side: todo.reminders.events keep the trigger schedule in step.
 * - ReminderScheduled → a pending trigger (a later remind_at replaces an earlier pending one);
 *   when the reminder row says it was dismissed (or fired) meanwhile, a final trigger instead.
 * - ReminderDismissed → the trigger is dismissed, or a dismissed tombstone is written so that a
 *   Scheduled event arriving later (a replay) cannot arm it: a dismissed reminder never fires.
 * - ReminderTriggered → nothing (this group's own output).
 * A ReminderScheduled whose reminder row does not exist in this database (another database's
 * event on the shared topic) is ignored: the tick could not fire it (it fires through the row).
 */
import { Prisma, type ReminderStatus } from '@prisma/client';
import type { ConsumedEvent, EventHandler, HandlerContext } from '../../lib/consumer/consumed-event.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import type { Logger } from '../../lib/logger.js';
import { TOPICS } from '../../lib/topics.js';
import { isUuid } from '../reminder-scheduler/reminder-ids.js';
import { millisOf } from '../reminder-scheduler/task-reminder-plan.js';
import { finalizeTrigger, upsertPendingTrigger, type TriggerFields } from './upsert-trigger.js';

const FINAL_STATE: Record<Exclude<ReminderStatus, 'Scheduled'>, 'dismissed' | 'triggered'> = {
  Dismissed: 'dismissed',
  Triggered: 'triggered',
};

/** The trigger fields an event carries; `timeField` is remind_at or dismissed_at. A malformed event throws (and ends in the DLQ). */
function fieldsOf(e: ConsumedEvent, timeField: 'remind_at' | 'dismissed_at'): TriggerFields {
  const p = e.payload;
  const at = millisOf(p[timeField]);
  const userId = typeof p.user_id === 'string' && p.user_id ? p.user_id : e.userId;
  if (!isUuid(p.id) || !isUuid(p.task_id) || at === null || !userId)
    throw new Error(`${e.eventType} without a valid id, task_id, user_id or ${timeField}`);
  return {
    reminderId: p.id.toLowerCase(),
    taskId: p.task_id.toLowerCase(),
    userId,
    taskTitle: typeof p.task_title === 'string' ? p.task_title : null,
    remindAt: new Date(at),
  };
}

/** The reminders' statuses by id; a reminder not in this database has none. */
async function readStatuses(tx: SqlTx, reminderIds: string[]): Promise<Map<string, ReminderStatus>> {
  if (reminderIds.length === 0) return new Map();
  const rows = await tx.query<{ id: string; status: ReminderStatus }>(
    Prisma.sql`select id::text as id, status::text as status from reminders where id = any(${reminderIds}::uuid[])`,
  );
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** The event side of reminder-trigger-cg (see the module comment). */
export function createReminderTriggerHandler(d: { logger: Logger }): EventHandler {
  /**
   * One event; `statuses` holds what a chunk read ahead (every ReminderScheduled of the chunk: a
   * reminder not in it is not in this database), undefined for an event alone.
   */
  async function handleOne(
    tx: SqlTx,
    e: ConsumedEvent,
    ctx: HandlerContext,
    statuses?: Map<string, ReminderStatus>,
  ): Promise<void> {
    const now = ctx.clock();
    const log = { eventId: e.eventId, eventType: e.eventType, reminderId: e.key };
    switch (e.eventType) {
      case 'ReminderScheduled': {
        const t = fieldsOf(e, 'remind_at');
        const status = statuses
          ? statuses.get(t.reminderId)
          : (await readStatuses(tx, [t.reminderId])).get(t.reminderId);
        if (!status) {
          d.logger.debug(log, 'reminder not in this database: ignored');
          return;
        }
        const written =
          status === 'Scheduled'
            ? await upsertPendingTrigger(tx, t, now)
            : await finalizeTrigger(tx, t, FINAL_STATE[status], now);
        d.logger.debug({ ...log, status, written }, 'trigger scheduled');
        return;
      }
      case 'ReminderDismissed': {
        const written = await finalizeTrigger(tx, fieldsOf(e, 'dismissed_at'), 'dismissed', now);
        d.logger.debug({ ...log, written }, 'trigger dismissed');
        return;
      }
      default:
        return;
    }
  }

  return {
    topics: [TOPICS.reminders],
    handle: (tx, e, ctx) => handleOne(tx, e, ctx),
    // One query for the chunk's reminder statuses instead of one per event (this handler writes no reminder row).
    async handleChunk(tx, events, ctx) {
      const ids = [
        ...new Set(
          events.filter((e) => e.eventType === 'ReminderScheduled').map((e) => fieldsOf(e, 'remind_at').reminderId),
        ),
      ];
      const statuses = await readStatuses(tx, ids);
      for (const e of events) {
        await handleOne(tx, e, ctx, statuses);
        await ctx.heartbeat?.();
      }
    },
  };
}
