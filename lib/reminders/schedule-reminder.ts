/**
 * Scheduling reminders, the one write path for it: a reminder row (status Scheduled, version 1)
 * and its ReminderScheduled through the outbox, in the caller's transaction, in one statement.
 * Both ways a reminder is made use it and differ only in what they choose:
 * - an explicit reminder asked for in chat (api/reminders/reminder-service.ts): a random id and
 *   event id, source `explicit`, the user's own id;
 * - a task's due-date reminder (consumers/reminder-scheduler/): an id and event id derived from
 *   the task event that asked for it (a replay finds the row and writes nothing), source
 *   `due_date`, the task's user.
 */
import { Prisma, type Reminder } from '@prisma/client';
import type { EventCodec } from '../avro/event-codec.js';
import type { SqlTx } from '../db/sql-tx.js';
import {
  encodeOutboxEvent,
  outboxInsertForRowsOf,
  type EncodedOutboxEvent,
  type OutboxEventInput,
} from '../outbox/append-outbox-event.js';
import { insertNewReminders, type ReminderSource } from './reminder-sql.js';

export interface NewReminder {
  id: string;
  taskId: string;
  userId: string;
  /** The task's title, which the event carries. */
  title: string;
  remindAt: Date;
  source: ReminderSource;
  /** The row's created_at and updated_at, and the event's occurred-at. */
  at: Date;
  traceparent: string;
  /** The ReminderScheduled's event id; a random one when not given. */
  eventId?: string;
}

/** A reminder ready to be written: its row and its encoded (validated) ReminderScheduled. */
export interface PlannedReminder {
  id: string;
  reminder: Reminder;
  event: EncodedOutboxEvent;
}

/** The ReminderScheduled of a new reminder (key = its id, version 1). */
export function reminderScheduledEvent(r: NewReminder): OutboxEventInput {
  return {
    eventType: 'ReminderScheduled',
    eventId: r.eventId,
    key: r.id,
    aggregateVersion: 1,
    userId: r.userId,
    traceparent: r.traceparent,
    occurredAt: r.at,
    payload: {
      id: r.id,
      task_id: r.taskId,
      user_id: r.userId,
      remind_at: r.remindAt.getTime(),
      task_title: r.title,
      source: r.source,
    },
  };
}

/** The row and its encoded event; throws EventSchemaError before anything is written. */
export async function planReminder(codec: EventCodec, r: NewReminder): Promise<PlannedReminder> {
  const reminder: Reminder = {
    id: r.id,
    taskId: r.taskId,
    userId: r.userId,
    remindAt: r.remindAt,
    status: 'Scheduled',
    source: r.source,
    version: 1,
    createdAt: r.at,
    updatedAt: r.at,
  };
  return { id: r.id, reminder, event: await encodeOutboxEvent(codec, reminderScheduledEvent(r)) };
}

/**
 * Writes the reminders and their ReminderScheduled rows in one statement, whatever their number:
 * an event's outbox row only if its reminder row was inserted (a reminder whose id is already
 * there writes neither), outbox rows in the given order. Returns how many reminders were new.
 */
export async function writeReminders(tx: SqlTx, planned: readonly PlannedReminder[]): Promise<number> {
  if (planned.length === 0) return 0;
  return tx.execute(
    Prisma.sql`with reminder as (${insertNewReminders(planned.map((p) => p.reminder))}) ${outboxInsertForRowsOf('reminder', planned)}`,
  );
}
