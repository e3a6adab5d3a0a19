/**
 * Creating one instance of a template for one occurrence: the RecurrenceInstance claim, the task
 * row and its TaskCreated outbox row (written as the API writes them: lib/tasks/create-task.ts), all
 * in the caller's transaction. The claim's primary key
 * (template_id, occurrence_at) is what makes this exactly-once: `on conflict do nothing`, and the
 * task is created only when this insert is the one that happened.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type RecurrenceSchedule, type Task } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { encodeOutboxEvent } from '../../lib/outbox/append-outbox-event.js';
import { insertTaskWithEvent, taskCreatedEvent } from '../../lib/tasks/create-task.js';

const MINUTE = 60_000;

export interface InstanceContext {
  codec: EventCodec;
  traceparent: string;
  /** The scheduler's clock at this tick: the instance's created-at and its event's occurred-at. */
  now: Date;
}

/** The created task, or undefined when this occurrence already has its instance. */
export async function createInstanceTask(
  tx: SqlTx,
  s: RecurrenceSchedule,
  occurrenceAt: Date,
  ctx: InstanceContext,
): Promise<Task | undefined> {
  const taskId = randomUUID();
  const claimed = await tx.execute(Prisma.sql`
    insert into recurrence_instances (template_id, occurrence_at, task_id)
    values (${s.templateId}::uuid, ${occurrenceAt}, ${taskId}::uuid)
    on conflict do nothing`);
  if (claimed === 0) return undefined;
  const task: Task = {
    id: taskId,
    userId: s.userId,
    title: s.title,
    description: s.description,
    dueDate: new Date(occurrenceAt.getTime() + (s.dueOffsetMinutes ?? 0) * MINUTE),
    priority: s.priority,
    tags: s.tags,
    completed: false,
    completedAt: null,
    isRecurringTemplate: false,
    recurrencePattern: null,
    templateId: s.templateId,
    reminderLeadMinutes: null,
    version: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const event = await encodeOutboxEvent(ctx.codec, taskCreatedEvent(task, ctx.traceparent, occurrenceAt));
  await insertTaskWithEvent(tx, task, event);
  return task;
}
