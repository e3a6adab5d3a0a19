/**
 * audit-log-cg: every event of every topic becomes one append-only audit row, unique by event id.
 * Rows are readable by their user at GET /api/:userId/audit.
 */
import type { EventHandler } from '../../lib/consumer/consumed-event.js';
import { TOPICS } from '../../lib/topics.js';
import type { ConsumerServiceDefinition } from '../consumer-service.js';

/** The task an event concerns: the key of task events, the task_id field of the others. */
function taskIdOf(topic: string, key: string, payload: Record<string, unknown>): string | null {
  if (topic === TOPICS.tasks) return key;
  const id = payload.task_id;
  return typeof id === 'string' ? id : null;
}

/** JSON text for a jsonb column; Avro longs may decode as bigint-like values, written as plain numbers. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

export const auditLogHandler: EventHandler = {
  topics: [TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast],
  async handle(tx, e) {
    // Raw SQL rather than auditEntry.create: Prisma's query compiler costs about 1 ms of CPU per
    // model query, the largest cost of this handler.
    await tx.$executeRaw`
      insert into audit_log (event_id, topic, partition, "offset", event_type, key, user_id, task_id, payload, headers)
      values (${e.eventId}::uuid, ${e.topic}, ${e.partition}, ${BigInt(e.offset)}, ${e.eventType}, ${e.key}, ${e.userId},
              ${taskIdOf(e.topic, e.key, e.payload)}, ${jsonText(e.payload)}::jsonb, ${jsonText(e.headers)}::jsonb)`;
  },
};

export const auditLogService: ConsumerServiceDefinition = {
  group: 'audit-log-cg',
  createHandler: () => auditLogHandler,
};
