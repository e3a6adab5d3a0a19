/**
 * Creating a task, the one write path for it: the API's REST and chat commands (api/tasks/task-service.ts)
 * and recurring-task-cg's instances (consumers/recurring-task/create-instance-task.ts) both build
 * the row, encode its TaskCreated, and write both in one statement here.
 */
import { Prisma, type Task } from '@prisma/client';
import type { SqlTx } from '../db/sql-tx.js';
import { taskCreatedPayload } from '../events/task-event-payloads.js';
import { outboxInsert, type EncodedOutboxEvent, type OutboxEventInput } from '../outbox/append-outbox-event.js';
import type { EventType } from '../topics.js';
import { insertTask } from './task-sql.js';

/** An event of the task's (the key is the task id, the version the task's unless given). */
export function taskEvent(
  eventType: Extract<EventType, `Task${string}`>,
  task: Task,
  traceparent: string,
  payload: unknown,
  occurredAt: Date,
  aggregateVersion = task.version,
): OutboxEventInput {
  return { eventType, key: task.id, aggregateVersion, userId: task.userId, traceparent, payload, occurredAt };
}

/** The TaskCreated of a new task (to encode, which validates it, before anything is written). */
export function taskCreatedEvent(task: Task, traceparent: string, occurrenceAt: Date | null): OutboxEventInput {
  return taskEvent('TaskCreated', task, traceparent, taskCreatedPayload(task, occurrenceAt), task.createdAt);
}

/**
 * One statement writes the task row and its TaskCreated outbox row (both or neither); without an
 * event (the API's benchmark switch that turns the outbox off) the row alone.
 */
export async function insertTaskWithEvent(
  sql: SqlTx,
  task: Task,
  event: EncodedOutboxEvent | undefined,
): Promise<void> {
  await sql.execute(event ? Prisma.sql`with task as (${insertTask(task)}) ${outboxInsert(event)}` : insertTask(task));
}
