/**
 * The API process's feed of TaskChanged events for Server-Sent Events: one kafkajs consumer per
 * process on todo.task_updates.broadcast, in a consumer group of its own (`api-sse-<uuid>`), so
 * every API process sees every user's changes and hands each one to that user's subscribers only
 * (the record key is the user id).
 *
 * This is a live feed, not a durable one: it starts at the topic's end when the process starts
 * and commits no offsets (the group disappears with the process). Positions are kept in memory,
 * so a rebalance or a restart of the kafkajs consumer resumes where it was instead of skipping
 * to the end. A record is decoded only when its user has a subscriber here.
 */
import { randomUUID } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeEvent } from '../../lib/consumer/event-decoder.js';
import { PoisonEventError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { TOPICS } from '../../lib/topics.js';
import { openWithRetry, UserSubscribers } from '../http/user-subscribers.js';

export interface TaskSnapshotJson {
  title: string;
  description: string | null;
  dueDate: string | null;
  priority: 'Low' | 'Medium' | 'High' | null;
  tags: string[];
  isRecurringTemplate: boolean;
  recurrencePattern: string | null;
  completed: boolean;
  completedAt: string | null;
  templateId: string | null;
}

/** A TaskChanged as JSON: the decoded Avro fields with camelCase names, timestamps as ISO strings. */
export interface TaskChangeJson {
  taskId: string;
  userId: string;
  changeKind: 'Created' | 'Updated' | 'Completed' | 'Deleted';
  /** The task's version after the change (the task event's aggregate-version). */
  version: number;
  occurredAt: string;
  sourceEventId: string;
  /** The position of this change in the user's stream (the record's aggregate-version). */
  sequence: number;
  /** The task after the change; null when it was deleted. */
  snapshot: TaskSnapshotJson | null;
}

export interface TaskChangeEvent {
  /** The TaskChanged's event id. */
  id: string;
  data: TaskChangeJson;
}

export interface TaskChangeSubscriber {
  onChange(e: TaskChangeEvent): void;
  /** The hub is stopping: end the stream. */
  onClose?(): void;
}

export interface TaskChangeHubOptions {
  kafka: Kafka;
  registry: SchemaRegistry;
  logger: Logger;
  /** Interval of the SSE heartbeat comments; 15 s unless told. */
  heartbeatMs?: number;
  groupId?: string;
}

const iso = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const d = new Date(typeof v === 'bigint' ? Number(v) : (v as number));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The camelCase JSON of a decoded TaskChanged value. */
export function taskChangeJson(p: Record<string, unknown>, sequence: number): TaskChangeJson {
  const s = p.snapshot as Record<string, unknown> | null | undefined;
  return {
    taskId: String(p.task_id),
    userId: String(p.user_id),
    changeKind: p.change_kind as TaskChangeJson['changeKind'],
    version: Number(p.version),
    occurredAt: iso(p.occurred_at) ?? '',
    sourceEventId: String(p.source_event_id),
    sequence,
    snapshot: s
      ? {
          title: String(s.title),
          description: str(s.description),
          dueDate: iso(s.due_date),
          priority: (str(s.priority) as TaskSnapshotJson['priority']) ?? null,
          tags: Array.isArray(s.tags) ? s.tags.map(String) : [],
          isRecurringTemplate: s.is_recurring_template === true,
          recurrencePattern: str(s.recurrence_pattern),
          completed: s.completed === true,
          completedAt: iso(s.completed_at),
          templateId: str(s.template_id),
        }
      : null,
  };
}

export class TaskChangeHub {
  readonly groupId: string;
  readonly heartbeatMs: number;
  private readonly subscribers = new UserSubscribers<TaskChangeSubscriber>();
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, string>();
  private consumer: Consumer | undefined;
  private stopped = false;
  private joined = false;

  constructor(private readonly o: TaskChangeHubOptions) {
    this.groupId = o.groupId ?? `api-sse-${randomUUID()}`;
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
  }

  /** True once the consumer is in its group and reading. */
  get ready(): boolean {
    return this.joined;
  }

  /**
   * Connects and joins; resolves once the consumer reads (from the topic's end as of this call).
   * Retries while Kafka is unreachable, until stopped.
   */
  async start(): Promise<void> {
    await openWithRetry(
      {
        open: () => this.connect(),
        onFailure: async () => {
          await this.consumer?.disconnect().catch(() => undefined);
          this.consumer = undefined;
        },
        stopped: () => this.stopped,
      },
      this.o.logger,
      'task change feed cannot reach Kafka; retrying',
    );
  }

  private async connect(): Promise<void> {
    const { kafka, logger } = this.o;
    const topic = TOPICS.broadcast;
    if (this.positions.size === 0) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        for (const p of await admin.fetchTopicOffsets(topic)) this.positions.set(p.partition, p.high);
      } finally {
        await admin.disconnect();
      }
    }
    const consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // The broker answers a fetch as soon as a record arrives, so this only paces the empty polls of
      // a quiet topic: at 100 ms they cost an idle API about 3 % of a core, which its requests then lacked.
      maxWaitTimeInMs: 1_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    let resolveJoin: () => void = () => undefined;
    const joined = new Promise<void>((r) => (resolveJoin = r));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Resume each assigned partition where this process left it (the group commits nothing).
      for (const partition of e.payload.memberAssignment[topic] ?? []) {
        const offset = this.positions.get(partition);
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
      this.joined = true;
      resolveJoin();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      logger.warn({ err: e.payload.error.message, restart: e.payload.restart }, 'task change feed consumer crashed');
      // kafkajs restarts after retriable errors itself; after any other, start over with a new consumer.
      if (!e.payload.restart && !this.stopped && this.consumer === consumer) {
        this.consumer = undefined;
        this.joined = false;
        void consumer
          .disconnect()
          .catch(() => undefined)
          .then(() => this.start());
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message, heartbeat }) => {
        await this.dispatch(topic, partition, message, heartbeat);
        this.positions.set(partition, (BigInt(message.offset) + 1n).toString());
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('task change feed did not join its consumer group within 30 s')),
        30_000,
      );
    });
    try {
      await Promise.race([joined, timeout]);
    } finally {
      clearTimeout(timer);
    }
    logger.info({ groupId: this.groupId }, 'task change feed started');
  }

  private async dispatch(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const userId = message.key?.toString() ?? '';
    if (this.subscribers.count(userId) === 0) return;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const e = await decodeEvent(this.o.registry, topic, partition, message);
        const change: TaskChangeEvent = { id: e.eventId, data: taskChangeJson(e.payload, e.aggregateVersion) };
        for (const s of this.subscribers.of(userId)) {
          try {
            s.onChange(change);
          } catch (err) {
            this.o.logger.warn({ err: (err as Error).message }, 'task change subscriber failed');
          }
        }
        return;
      } catch (err) {
        if (err instanceof PoisonEventError) {
          this.o.logger.warn(
            { partition, offset: message.offset, err: err.message },
            'skipping a broadcast record that does not decode',
          );
          return;
        }
        // The registry is unreachable: hold this partition (order) and retry.
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  /** Registers a user's subscriber; the returned function removes it. */
  subscribe(userId: string, s: TaskChangeSubscriber): () => void {
    return this.subscribers.add(userId, s);
  }

  /** Open subscriptions, of one user or of all. */
  subscriberCount(userId?: string): number {
    return this.subscribers.count(userId);
  }

  /** Ends every subscriber's stream and leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribers.closeAll();
    await this.consumer?.disconnect();
    this.consumer = undefined;
    this.joined = false;
  }
}
