/**
 * Creating one instance of a template for one occurrence: the RecurrenceInstance claim, the task
 * row and its TaskCreated outbox row, all in the caller's transaction. The claim's primary key
 * (template_id, occurrence_at) is what makes this exactly-once: `on conflict do nothing`, and the
 * task is created only when this insert is the one that happened.
 */
import { randomUUID } from 'node:crypto';
import type { RecurrenceSchedule, Task } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { Tx } from '../../lib/db/prisma.js';
import { taskCreatedPayload } from '../../lib/events/task-event-payloads.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import { appendOutboxEvent } from '../../lib/outbox/append-outbox-event.js';

const MINUTE = 60_000;

export interface InstanceContext {
  codec: EventCodec;
  traceparent: string;
  /** The scheduler's clock at this tick: the instance's created-at and its event's occurred-at. */
  now: Date;
}

/** The created task, or undefined when this occurrence already has its instance. */
export async function createInstanceTask(
  tx: Tx,
  s: RecurrenceSchedule,
  occurrenceAt: Date,
  ctx: InstanceContext,
): Promise<Task | undefined> {
  const taskId = randomUUID();
  const claimed = await tx.$executeRaw`
    insert into recurrence_instances (template_id, occurrence_at, task_id)
    values (${s.templateId}::uuid, ${occurrenceAt}, ${taskId}::uuid)
    on conflict do nothing`;
  if (claimed === 0) return undefined;
  const task = await tx.task.create({
    data: {
      id: taskId,
      userId: s.userId,
      title: s.title,
      description: s.description,
      dueDate: new Date(occurrenceAt.getTime() + (s.dueOffsetMinutes ?? 0) * MINUTE),
      priority: s.priority,
      tags: s.tags,
      isRecurringTemplate: false,
      recurrencePattern: null,
      templateId: s.templateId,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    },
  });
  await appendOutboxEvent(prismaSqlTx(tx), ctx.codec, {
    eventType: 'TaskCreated',
    key: task.id,
    aggregateVersion: task.version,
    userId: task.userId,
    traceparent: ctx.traceparent,
    payload: taskCreatedPayload(task, occurrenceAt),
    occurredAt: task.createdAt,
  });
  return task;
}
