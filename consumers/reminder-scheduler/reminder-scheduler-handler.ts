/**
 * reminder-scheduler-cg: task events on todo.tasks.events keep each task's reminders in step with
 * its due date. A task with a due date (not a template, not completed) gets one Scheduled reminder
 * at due date − lead time and a ReminderScheduled; a due-date or lead-time change dismisses the old
 * reminder (ReminderDismissed, reason "rescheduled") and schedules a new one; a cleared due date
 * dismisses it; completion or deletion dismisses every Scheduled reminder of the task, explicit
 * ones included. Everything runs in the runtime's inbox transaction, events through the outbox.
 *
 * Ordering and unknown tasks: the consumer shares the database with the API, so it checks the
 * task row first. No row: the task is unknown here (another database's event on the shared topic)
 * or already deleted (its TaskDeleted dismisses): nothing to schedule. A row at a newer version
 * than the event: a later event of this task follows and brings the reminders in line, so this
 * stale one (a replay) changes nothing. See README.md in this folder.
 *
 * A chunk's task rows and Scheduled reminders are read in two queries for all of its events before
 * they are handled, and its new reminders with their ReminderScheduled written after them in one
 * statement (`handleChunk`, reminder-chunk.ts).
 */
import type { ConsumedEvent, EventHandler, HandlerContext } from '../../lib/consumer/consumed-event.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import type { Logger } from '../../lib/logger.js';
import { TOPICS } from '../../lib/topics.js';
import type { ConsumerServiceDefinition } from '../consumer-service.js';
import { dismissReminder, type ReminderWriteContext } from './dismiss-reminder.js';
import { ReminderChunk } from './reminder-chunk.js';
import { planDueDateReminder } from './schedule-reminder.js';
import { reminderPlanOf, type ReminderPlan } from './task-reminder-plan.js';

export interface ReminderSchedulerDeps {
  /** Minutes before the due date when the task has no reminder_lead_minutes of its own. */
  defaultLeadMinutes: number;
  logger: Logger;
}

type Reconcile = Extract<ReminderPlan, { kind: 'reconcile' }>;

/** Keeps the one due-date reminder that already fires at the desired time; replaces the rest. */
async function reconcile(
  tx: SqlTx,
  reads: ReminderChunk,
  plan: Reconcile,
  userId: string,
  e: ConsumedEvent,
  w: ReminderWriteContext,
): Promise<string> {
  const existing = await reads.scheduledReminders(plan.taskId, 'due_date');
  const keep = plan.desired && existing.find((r) => r.remindAt.getTime() === plan.desired!.remindAt.getTime());
  for (const r of existing) if (r !== keep) await dismissReminder(tx, r, plan.reason, w);
  if (!plan.desired || keep) return keep ? 'unchanged' : existing.length ? 'dismissed' : 'nothing';
  await reads.schedule(
    await planDueDateReminder(
      {
        taskId: plan.taskId,
        userId,
        title: plan.desired.title,
        remindAt: plan.desired.remindAt,
        sourceEventId: e.eventId,
      },
      w,
    ),
  );
  return existing.length ? 'rescheduled' : 'scheduled';
}

/** The handler of reminder-scheduler-cg (see the module comment). */
export function createReminderSchedulerHandler(d: ReminderSchedulerDeps): EventHandler {
  async function handleOne(tx: SqlTx, reads: ReminderChunk, e: ConsumedEvent, ctx: HandlerContext): Promise<void> {
    const plan = reminderPlanOf(e, d.defaultLeadMinutes);
    const log = { eventId: e.eventId, eventType: e.eventType, key: e.key };
    if (plan.kind === 'ignore') {
      d.logger.debug({ ...log, why: plan.why }, 'task event ignored');
      return;
    }
    const w: ReminderWriteContext = { codec: ctx.codec, now: ctx.clock(), traceparent: e.traceparent };
    if (plan.kind === 'dismiss-all' && e.eventType === 'TaskDeleted') {
      // The row is gone with the deletion; whatever is still Scheduled for the task goes.
      for (const r of await reads.scheduledReminders(plan.taskId)) await dismissReminder(tx, r, plan.reason, w);
      return;
    }
    const row = await reads.taskRow(plan.taskId);
    if (!row) {
      d.logger.debug(log, 'task not in this database (unknown or deleted): no reminders');
      return;
    }
    if (row.version > e.aggregateVersion) {
      d.logger.debug(
        { ...log, rowVersion: row.version, eventVersion: e.aggregateVersion },
        'stale task event: a newer one follows',
      );
      return;
    }
    if (plan.kind === 'dismiss-all') {
      for (const r of await reads.scheduledReminders(plan.taskId)) await dismissReminder(tx, r, plan.reason, w);
      return;
    }
    const outcome = await reconcile(tx, reads, plan, row.userId, e, w);
    d.logger.debug({ ...log, outcome }, 'task reminders reconciled');
  }

  return {
    topics: [TOPICS.tasks],
    async handle(tx, e, ctx) {
      await handleOne(tx, ReminderChunk.single(tx), e, ctx);
    },
    async handleChunk(tx, events, ctx) {
      const rowTaskIds = new Set<string>();
      const reminderTaskIds = new Set<string>();
      for (const e of events) {
        const plan = reminderPlanOf(e, d.defaultLeadMinutes);
        if (plan.kind === 'ignore') continue;
        reminderTaskIds.add(plan.taskId);
        if (e.eventType !== 'TaskDeleted') rowTaskIds.add(plan.taskId);
      }
      const reads = await ReminderChunk.load(tx, [...rowTaskIds], [...reminderTaskIds]);
      for (const e of events) {
        await handleOne(tx, reads, e, ctx);
        await ctx.heartbeat?.();
      }
      await reads.flush();
    },
  };
}

/** reminder-scheduler-cg: handler only (no tick). */
export const reminderSchedulerService: ConsumerServiceDefinition = {
  group: 'reminder-scheduler-cg',
  createHandler: ({ config, logger }) =>
    createReminderSchedulerHandler({
      defaultLeadMinutes: config.reminderLeadMinutes,
      logger: logger.child({ component: 'reminder-scheduler' }),
    }),
};
