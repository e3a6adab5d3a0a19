/**
 * task-broadcaster-cg and the SSE endpoint on the real stack: API → outbox → relay → Kafka →
 * broadcaster (TaskChanged through the outbox again) → relay → Kafka → the API's TaskChangeHub →
 * GET /api/:userId/events. A user's stream carries that user's changes only, in order; a
 * redelivered task event causes no second TaskChanged.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import {
  taskBroadcasterHandler,
  taskBroadcasterService,
} from '../../consumers/task-broadcaster/task-broadcaster-handler.js';
import type { ConsumedEvent } from '../../lib/consumer/consumed-event.js';
import { connectionConfig } from '../../lib/env.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import { TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { TopicCollector, testKafka, type CollectedRecord } from '../helpers/kafka.js';
import { produce, taskCreatedRecord } from '../helpers/task-records.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

interface SseFrame {
  id?: string;
  event?: string;
  data?: any;
}

/** An SSE client on fetch's streaming body: collects frames and comment lines. */
class SseClient {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  private readonly abort = new AbortController();
  private buffer = '';
  status = 0;
  contentType = '';
  done: Promise<void> = Promise.resolve();

  async open(url: string, token: string): Promise<this> {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    this.status = res.status;
    this.contentType = res.headers.get('content-type') ?? '';
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      return this;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          this.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        // aborted by close()
      }
    })();
    return this;
  }

  private feed(text: string): void {
    this.buffer += text;
    let end: RegExpExecArray | null;
    while ((end = /\r?\n\r?\n/.exec(this.buffer))) {
      const block = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end[0].length);
      const frame: SseFrame = {};
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else {
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'id') frame.id = value;
          else if (field === 'event') frame.event = value;
          else if (field === 'data') data.push(value);
        }
      }
      if (data.length) frame.data = JSON.parse(data.join('\n'));
      if (frame.event || frame.data) this.frames.push(frame);
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

describe('task-broadcaster-cg and GET /api/:userId/events', () => {
  const kafka = testKafka('broadcaster-test');
  const registry = new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl });
  const userA = `bcast-a-${randomUUID()}`;
  const userB = `bcast-b-${randomUUID()}`;
  let api: TestApi;
  let relay: RelayService;
  let service: RunningConsumerService;
  let collector: TopicCollector;
  const clients: SseClient[] = [];

  const connect = async (user: string, pathUser = user) => {
    const c = await new SseClient().open(`${api.baseUrl}/api/${pathUser}/events`, await api.token(user));
    clients.push(c);
    return c;
  };

  /** Distinct TaskChanged events on Kafka (by event id), decoded, caused by the source event. */
  const decoded = new Map<string, Record<string, unknown>>();
  async function taskChangedOnKafka(filter: (p: Record<string, unknown>, r: CollectedRecord) => boolean) {
    const out = new Map<string, { payload: Record<string, unknown>; record: CollectedRecord }>();
    for (const r of collector.records) {
      if (r.topic !== TOPICS.broadcast || !r.value) continue;
      const id = r.headers['event-id']!;
      if (!decoded.has(id)) decoded.set(id, (await registry.decode(r.value)) as Record<string, unknown>);
      if (filter(decoded.get(id)!, r)) out.set(id, { payload: decoded.get(id)!, record: r });
    }
    return [...out.values()];
  }

  beforeAll(async () => {
    api = await startTestApi({ sse: { heartbeatMs: 300 } });
    collector = await new TopicCollector(kafka, [TOPICS.tasks, TOPICS.broadcast]).start(false);
    relay = await startTestRelay(api.database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    service = await startTestConsumer(taskBroadcasterService, api.database.url);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await service?.stop();
    await relay?.stop();
    await collector?.stop();
    await api?.stop();
  });

  it("streams a user's task changes in order, and never another user's", async () => {
    const [a, b] = [await connect(userA), await connect(userB)];
    expect(a.status).toBe(200);
    expect(a.contentType).toMatch(/^text\/event-stream/);
    await waitFor(
      () => api.taskChanges!.subscriberCount(userA) === 1 && api.taskChanges!.subscriberCount(userB) === 1,
      { what: 'subscriptions' },
    );

    /** One task's whole life: created, updated, completed, deleted. */
    const lifecycle = async (user: string, title: string) => {
      const created = await api.call(user, 'POST', '/tasks', { title, priority: 'High', tags: ['live'] });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect(
        (await api.call(user, 'PATCH', `/tasks/${id}`, { title: `${title} (edited)`, description: 'more' })).status,
      ).toBe(200);
      expect((await api.call(user, 'POST', `/tasks/${id}/complete`)).status).toBe(200);
      expect((await api.call(user, 'DELETE', `/tasks/${id}`)).status).toBe(200);
      return id;
    };
    // Both users work at the same time, each on two tasks at once.
    const [a1, a2, b1, b2] = await Promise.all([
      lifecycle(userA, 'a one'),
      lifecycle(userA, 'a two'),
      lifecycle(userB, 'b one'),
      lifecycle(userB, 'b two'),
    ]);

    await waitFor(() => a.frames.length >= 8 && b.frames.length >= 8, {
      what: 'eight changes on each stream',
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 300)); // a stray extra frame would show up now

    for (const [client, user, mine, theirs] of [
      [a, userA, [a1, a2], [b1, b2]],
      [b, userB, [b1, b2], [a1, a2]],
    ] as const) {
      expect(client.frames).toHaveLength(8);
      for (const f of client.frames) {
        expect(f.event).toBe('TaskChanged');
        expect(f.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(f.data.userId).toBe(user);
        expect(mine).toContain(f.data.taskId);
        expect(theirs).not.toContain(f.data.taskId);
      }
      // The user's stream is one sequence: strictly increasing, here exactly 1..8 (a new user).
      expect(client.frames.map((f) => f.data.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(client.frames.map((f) => f.id)).size).toBe(8);
      for (const id of mine) {
        const own = client.frames.filter((f) => f.data.taskId === id).map((f) => f.data);
        expect(own.map((d) => d.changeKind)).toEqual(['Created', 'Updated', 'Completed', 'Deleted']);
        expect(own.map((d) => d.version)).toEqual([1, 2, 3, 4]);
        expect(own[3]!.snapshot).toBeNull();
        // Created and Updated carry the task (its current row, or the event's fields once the row
        // is gone); Completed carries the row, or nothing when the task is deleted already.
        for (const d of own.slice(0, 2)) {
          expect(d.snapshot).toEqual(
            expect.objectContaining({ priority: 'High', tags: ['live'], isRecurringTemplate: false, templateId: null }),
          );
          expect(d.snapshot.title).toMatch(/^[ab] (one|two)/);
        }
        if (own[2]!.snapshot !== null)
          expect(own[2]!.snapshot).toEqual(
            expect.objectContaining({ completed: true, completedAt: expect.any(String) }),
          );
        for (const d of own) {
          expect(Date.parse(d.occurredAt)).not.toBeNaN();
          expect(d.sourceEventId).toMatch(/^[0-9a-f-]{36}$/);
        }
      }
    }

    // On Kafka: keyed by the user, aggregate-version = the user's sequence.
    const onKafka = await taskChangedOnKafka((p) => p.user_id === userA);
    expect(onKafka).toHaveLength(8);
    for (const { record } of onKafka) {
      expect(record.key).toBe(userA);
      expect(record.headers['event-type']).toBe('TaskChanged');
      expect(record.headers['user-id']).toBe(userA);
    }
    expect(onKafka.map(({ record }) => Number(record.headers['aggregate-version'])).sort((x, y) => x - y)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(Number((await api.database.db.broadcastSequence.findUnique({ where: { userId: userA } }))!.seq)).toBe(8);
  });

  it('sends heartbeats, and ends the subscription when the client disconnects', async () => {
    const user = `bcast-hb-${randomUUID()}`;
    const c = await connect(user);
    await waitFor(() => c.comments.includes('heartbeat'), { what: 'a heartbeat comment', timeoutMs: 3_000 });
    expect(api.taskChanges!.subscriberCount(user)).toBe(1);
    await c.close();
    await waitFor(() => api.taskChanges!.subscriberCount(user) === 0, {
      what: 'the subscription to end',
      timeoutMs: 3_000,
    });
  });

  it('is authenticated like every /api route', async () => {
    const anonymous = await fetch(`${api.baseUrl}/api/${userA}/events`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    const other = await connect(userB, userA);
    expect(other.status).toBe(404);
    expect(api.taskChanges!.subscriberCount(userA)).toBe(1); // only the stream of the first test
  });

  it('publishes one TaskChanged per task event, however often the event is delivered', async () => {
    const user = `bcast-redeliver-${randomUUID()}`;
    const created = await api.call(user, 'POST', '/tasks', { title: 'once' });
    const id = created.body.id as string;
    expect((await api.call(user, 'PATCH', `/tasks/${id}`, { priority: 'Low' })).status).toBe(200);
    const original = await waitFor(
      () =>
        collector.records.find(
          (r) => r.topic === TOPICS.tasks && r.key === id && r.headers['event-type'] === 'TaskUpdated',
        ),
      { what: 'the TaskUpdated record' },
    );
    const sourceId = original.headers['event-id']!;
    await waitFor(async () => (await taskChangedOnKafka((p) => p.source_event_id === sourceId)).length === 1, {
      what: 'its TaskChanged',
    });

    // The identical record twice more (same key, value, headers, partition), then a later change
    // of the same task: once that one is broadcast, both copies have been consumed.
    const copy = { key: original.key, value: original.value, headers: original.headers, partition: original.partition };
    await produce(kafka, TOPICS.tasks, [copy, copy]);
    expect((await api.call(user, 'PATCH', `/tasks/${id}`, { priority: 'High' })).status).toBe(200);
    await waitFor(async () => (await taskChangedOnKafka((p) => p.task_id === id && p.version === 3)).length === 1, {
      what: 'the later change',
    });
    await new Promise((r) => setTimeout(r, 300));

    expect(await taskChangedOnKafka((p) => p.source_event_id === sourceId)).toHaveLength(1);
    const all = await taskChangedOnKafka((p) => p.user_id === user);
    expect(all.map(({ payload }) => [payload.change_kind, payload.version])).toEqual(
      expect.arrayContaining([
        ['Created', 1],
        ['Updated', 2],
        ['Updated', 3],
      ]),
    );
    expect(all).toHaveLength(3);
    expect(
      await api.database.db.processedEvent.count({
        where: { consumerGroup: 'task-broadcaster-cg', eventId: sourceId },
      }),
    ).toBe(1);
    expect(Number((await api.database.db.broadcastSequence.findUnique({ where: { userId: user } }))!.seq)).toBe(3);
    expect(await (await fetch(service.metricsUrl)).text()).toMatch(
      /consumer_events_duplicate_total\{group="task-broadcaster-cg"\} [1-9]/,
    );
  });

  it('takes the snapshot from the event when the task is not in the database', async () => {
    const record = await taskCreatedRecord();
    const sourceId = record.headers!['event-id'] as string;
    await produce(kafka, TOPICS.tasks, [record]);
    const [change] = await waitFor(
      async () => {
        const got = await taskChangedOnKafka((p) => p.source_event_id === sourceId);
        return got.length > 0 && got;
      },
      { what: 'the TaskChanged of an unknown task' },
    );
    expect(change!.payload).toEqual(
      expect.objectContaining({
        task_id: record.key,
        change_kind: 'Created',
        version: 1,
        snapshot: expect.objectContaining({ title: 'relay test event', completed: false }),
      }),
    );
  });

  it("hands out each user's sequence in event order when one chunk carries several users", async () => {
    const [userX, userY] = [`bcast-chunk-x-${randomUUID()}`, `bcast-chunk-y-${randomUUID()}`];
    const created = (user: string, title: string): ConsumedEvent => ({
      eventId: randomUUID(),
      eventType: 'TaskCreated',
      topic: TOPICS.tasks,
      partition: 0,
      offset: '0',
      key: randomUUID(),
      aggregateVersion: 1,
      userId: user,
      traceparent: '',
      occurredAt: new Date(),
      headers: {},
      payload: { user_id: user, title, completed: false, is_recurring_template: false, tags: [] },
    });
    const chunk = [created(userX, 'x1'), created(userY, 'y1'), created(userX, 'x2'), created(userX, 'x3')];
    const ctx = { group: 'task-broadcaster-cg' as const, codec: api.codec, clock: () => new Date() };
    await api.database.db.$transaction(async (prismaTx) => {
      const tx = prismaSqlTx(prismaTx);
      await taskBroadcasterHandler.handleChunk!(tx, chunk, ctx);
    });
    const sequences = await waitFor(
      async () => {
        const got = await taskChangedOnKafka((p) => p.user_id === userX || p.user_id === userY);
        return got.length === 4 && got;
      },
      { what: "the chunk's four TaskChanged" },
    );
    const bySource = new Map(
      sequences.map(({ payload, record }) => [payload.source_event_id, Number(record.headers['aggregate-version'])]),
    );
    expect(chunk.map((e) => bySource.get(e.eventId))).toEqual([1, 1, 2, 3]);
  });
});
