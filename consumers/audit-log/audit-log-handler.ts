/**
 * audit-log-cg: every event of every topic becomes one append-only audit row, unique by event id.
 * Rows are readable by their user at GET /api/:userId/audit.
 */
import { Prisma } from '@prisma/client';
import type { ConsumedEvent, EventHandler } from '../../lib/consumer/consumed-event.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
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

/**
 * The audit rows of `events` in one statement, ids assigned in the events' order (newest-first
 * reads rely on it): one round trip per chunk instead of one per event.
 */
async function insertAuditRows(tx: SqlTx, events: readonly ConsumedEvent[]): Promise<void> {
  await tx.execute(Prisma.sql`
    insert into audit_log (event_id, topic, partition, "offset", event_type, key, user_id, task_id, payload, headers)
    select event_id, topic, partition, "offset", event_type, key, user_id, task_id, payload, headers
      from unnest(${events.map((e) => e.eventId)}::uuid[], ${events.map((e) => e.topic)}::text[], ${events.map((e) => e.partition)}::int[],
                  ${events.map((e) => e.offset)}::bigint[], ${events.map((e) => e.eventType)}::text[], ${events.map((e) => e.key)}::text[],
                  ${events.map((e) => e.userId)}::text[], ${events.map((e) => taskIdOf(e.topic, e.key, e.payload))}::text[],
                  ${events.map((e) => jsonText(e.payload))}::jsonb[], ${events.map((e) => jsonText(e.headers))}::jsonb[])
           with ordinality as r(event_id, topic, partition, "offset", event_type, key, user_id, task_id, payload, headers, n)
     order by n`);
}

/** A chunk's rows are written in one statement; `handle` writes an event processed record at a time. */
export const auditLogHandler: EventHandler = {
  topics: [TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast],
  async handle(tx, e) {
    await insertAuditRows(tx, [e]);
  },
  async handleChunk(tx, events) {
    await insertAuditRows(tx, events);
  },
};

export const auditLogService: ConsumerServiceDefinition = {
  group: 'audit-log-cg',
  createHandler: () => auditLogHandler,
};
