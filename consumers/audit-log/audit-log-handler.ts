/**
 * audit-log-cg: every event of every topic becomes one append-only audit row, unique by event id.
 * Rows are readable by their user at GET /api/:userId/audit.
 */
import type { Prisma } from '@prisma/client';
import type { EventHandler } from '../../lib/consumer/consumed-event.js';
import { TOPICS } from '../../lib/topics.js';
import type { ConsumerServiceDefinition } from '../consumer-service.js';

/** The task an event concerns: the key of task events, the task_id field of the others. */
function taskIdOf(topic: string, key: string, payload: Record<string, unknown>): string | null {
  if (topic === TOPICS.tasks) return key;
  const id = payload.task_id;
  return typeof id === 'string' ? id : null;
}

/** Avro longs may decode as bigint-like values; JSON columns need plain numbers and strings. */
function jsonSafe(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Prisma.InputJsonValue;
}

export const auditLogHandler: EventHandler = {
  topics: [TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast],
  async handle(tx, e) {
    await tx.auditEntry.create({
      data: {
        eventId: e.eventId,
        topic: e.topic,
        partition: e.partition,
        offset: BigInt(e.offset),
        eventType: e.eventType,
        key: e.key,
        userId: e.userId,
        taskId: taskIdOf(e.topic, e.key, e.payload),
        payload: jsonSafe(e.payload),
        headers: e.headers,
      },
    });
  },
};

export const auditLogService: ConsumerServiceDefinition = {
  group: 'audit-log-cg',
  createHandler: () => auditLogHandler,
};
