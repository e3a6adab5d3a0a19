/**
 * How a consumer treats the schema registry's answers, on the real Kafka and the real registry:
 * audit-log-cg reads the registry through a small HTTP pass-through that forwards every request
 * to the real registry, except that it answers chosen schema ids with a chosen status (the one
 * fault a healthy registry will not produce on demand: an auth proxy's 403, a 400). A 4xx other than
 * 408/429 is the record's problem: it goes to the DLQ at once with the status in the reason, and the
 * records after it on its partition are processed. A 5xx is an outage: the record waits, nothing is
 * dead-lettered, and it is processed once the registry answers again.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from 'kafkajs';
import { auditLogService } from '../../consumers/audit-log/audit-log-handler.js';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { schemaIdOf } from '../../lib/avro/wire-format.js';
import { connectionConfig } from '../../lib/env.js';
import { consumerDlqTopic, TOPICS, type EventType } from '../../lib/topics.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { produce, taskCreatedRecord } from '../helpers/task-records.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { waitFor } from '../helpers/wait-for.js';

/** Forwards to the real registry; `refuse` maps a schema id to the status answered instead. */
class RegistryPassThrough {
  readonly refuse = new Map<number, number>();
  /** Requests answered with a refusal, per schema id. */
  readonly refused = new Map<number, number>();
  private server: http.Server | undefined;
  url = '';

  constructor(private readonly target: URL) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const id = Number(/\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1]);
      const status = this.refuse.get(id);
      if (status !== undefined) {
        this.refused.set(id, (this.refused.get(id) ?? 0) + 1);
        req.resume();
        res
          .writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
          .end(JSON.stringify({ error_code: status * 100, message: `refused by the pass-through (${status})` }));
        return;
      }
      const upstream = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.target.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.target.pathname.replace(/\/$/, '')}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

describe('registry answers: 4xx is poison, 5xx is an outage', () => {
  const kafka = testKafka('registry-refusals-test');
  const codec = EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  const registry = new RegistryPassThrough(new URL(connectionConfig().schemaRegistryUrl));
  const user = 'runtime-test';
  let database: TestDatabase;
  let service: RunningConsumerService;
  let dlq: TopicCollector;

  const audited = (eventId: string) => database.db.auditEntry.count({ where: { eventId } });
  const dead = (eventId: string) =>
    dlq.records.filter((r) => r.topic === consumerDlqTopic('audit-log-cg') && r.headers['event-id'] === eventId);

  /** A real record of task `key` with a schema of its own (so its id is fetched from the registry). */
  async function record(eventType: EventType, key: string, payload: Record<string, unknown>): Promise<Message> {
    const value = await codec.encode(eventType, { id: key, user_id: user, ...payload });
    return {
      key,
      value,
      headers: {
        'event-id': randomUUID(),
        'event-type': eventType,
        'aggregate-version': '2',
        'occurred-at': new Date().toISOString(),
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'user-id': user,
      },
    };
  }
  const idOf = (m: Message) => String(m.headers!['event-id']);

  beforeAll(async () => {
    await registry.start();
    database = await createTestDatabase();
    dlq = await new TopicCollector(kafka, [consumerDlqTopic('audit-log-cg')]).start(false);
    // The service resolves its own schema ids through the pass-through too; nothing is refused yet.
    service = await startTestConsumer(auditLogService, database.url, {
      config: { schemaRegistryUrl: registry.url, outageRetryMaxMs: 300 },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await dlq?.stop();
    await database?.drop();
    await registry.stop();
  });

  it.each([403, 400])(
    'a registry %i for a record’s schema id dead-letters that record with the status, and the partition goes on',
    async (status) => {
      const key = randomUUID();
      const refusedRecord =
        status === 403
          ? await record('TaskCompleted', key, { completed_at: Date.now() })
          : await record('TaskUpdated', key, {
              title: 't',
              description: null,
              due_date: null,
              priority: null,
              tags: [],
              is_recurring_template: false,
              recurrence_pattern: null,
              completed: false,
              reminder_lead_minutes: null,
              changed_fields: [],
              updated_at: Date.now(),
            });
      const schemaId = schemaIdOf(refusedRecord.value as Buffer)!;
      registry.refuse.set(schemaId, status);
      const after = await taskCreatedRecord(key); // same key: same partition, after it
      await produce(kafka, TOPICS.tasks, [refusedRecord, after]);

      const [entry] = await waitFor(() => dead(idOf(refusedRecord)).length > 0 && dead(idOf(refusedRecord)), {
        what: `the record refused with ${status} in the DLQ`,
      });
      expect(entry!.headers['error-class']).toBe('PoisonEventError');
      expect(entry!.headers['error-message']).toMatch(
        new RegExp(`^schema registry refused schema id ${schemaId}: HTTP ${status}: .*refused by the pass-through`),
      );
      expect(entry!.headers.attempts).toBe('0');
      await waitFor(async () => (await audited(idOf(after))) === 1, { what: 'the record after it' });
      expect(await audited(idOf(refusedRecord))).toBe(0);
      expect(registry.refused.get(schemaId)).toBeGreaterThan(0);
      expect(dead(idOf(after))).toEqual([]);
    },
  );

  it('a registry 503 holds the record without dead-lettering it; it is processed once the registry answers', async () => {
    const key = randomUUID();
    const waiting = await record('TaskDeleted', key, { deleted_at: Date.now(), is_recurring_template: false });
    const schemaId = schemaIdOf(waiting.value as Buffer)!;
    registry.refuse.set(schemaId, 503);
    await produce(kafka, TOPICS.tasks, [waiting]);
    await waitFor(() => (registry.refused.get(schemaId) ?? 0) >= 3, { what: 'the consumer to keep asking' });
    expect(dead(idOf(waiting))).toEqual([]);
    expect(await audited(idOf(waiting))).toBe(0);

    registry.refuse.delete(schemaId);
    await waitFor(async () => (await audited(idOf(waiting))) === 1, { what: 'the record once the registry answers' });
    expect(dead(idOf(waiting))).toEqual([]);
  });
});
