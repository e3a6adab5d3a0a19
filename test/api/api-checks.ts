/** Shared checks for the API integration tests: outbox rows, row counts, payload decoding. */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Db } from '../../lib/db/prisma.js';
import { connectionConfig } from '../../lib/env.js';

export const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface OutboxRow {
  id: bigint;
  eventId: string;
  topic: string;
  messageKey: string;
  eventType: string;
  aggregateVersion: number;
  payload: Buffer;
  occurredAt: string;
  traceparent: string;
  userId: string;
}

/** Outbox rows in id (commit) order, optionally only those of one message key. */
export async function outboxRows(db: Db, key?: string): Promise<OutboxRow[]> {
  const rows = await db.outboxEvent.findMany({
    where: key === undefined ? {} : { messageKey: key },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => ({
    id: r.id,
    eventId: r.eventId,
    topic: r.topic,
    messageKey: r.messageKey,
    eventType: r.eventType,
    aggregateVersion: Number(r.aggregateVersion),
    payload: Buffer.from(r.payload),
    occurredAt: r.occurredAt,
    traceparent: r.traceparent,
    userId: r.userId,
  }));
}

export interface Counts {
  tasks: number;
  outbox: number;
  reminders: number;
  conversations: number;
  messages: number;
  idempotent: number;
}

export async function counts(db: Db): Promise<Counts> {
  const [tasks, outbox, reminders, conversations, messages, idempotent] = await Promise.all([
    db.task.count(),
    db.outboxEvent.count(),
    db.reminder.count(),
    db.conversation.count(),
    db.message.count(),
    db.idempotentRequest.count(),
  ]);
  return { tasks, outbox, reminders, conversations, messages, idempotent };
}

let registry: SchemaRegistry | undefined;

/** Decodes a Confluent-wire value through the real registry (the schema is looked up by its id). */
export async function decodePayload(payload: Buffer): Promise<Record<string, unknown>> {
  registry ??= new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl });
  return (await registry.decode(payload)) as Record<string, unknown>;
}

/** Asserts the wire format: magic byte 0 then a positive 4-byte schema id; returns the id. */
export function expectWireFormat(payload: Buffer): number {
  expect(payload.length).toBeGreaterThan(5);
  expect(payload.readUInt8(0)).toBe(0);
  const id = payload.readUInt32BE(1);
  expect(id).toBeGreaterThan(0);
  return id;
}

/** Asserts the row-level header columns every outbox row must carry. */
export function expectOutboxHeader(
  row: OutboxRow,
  want: { eventType: string; key: string; version: number; userId: string; topic: string },
): void {
  expect({
    eventType: row.eventType,
    key: row.messageKey,
    version: row.aggregateVersion,
    userId: row.userId,
    topic: row.topic,
  }).toEqual({
    eventType: want.eventType,
    key: want.key,
    version: want.version,
    userId: want.userId,
    topic: want.topic,
  });
  expect(row.traceparent).toMatch(TRACEPARENT);
  expect(row.eventId).toMatch(/^[0-9a-f-]{36}$/);
  expect(Number.isNaN(Date.parse(row.occurredAt))).toBe(false);
  expectWireFormat(row.payload);
}

/** A fresh user id per test, so tests of one file never see each other's tasks. */
let n = 0;
export function newUser(prefix = 'user'): string {
  n += 1;
  return `${prefix}-${n}-${Math.random().toString(36).slice(2, 8)}`;
}

/** An app's /metrics as series (name and labels, as printed) → value. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^#\s]\S*)\s+(\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
