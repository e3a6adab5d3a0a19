/**
 * recurring-task-cg on the real stack: API (REST and chat) → outbox → relay → Kafka → the
 * consumer's schedule, and its ticker creating instances through the outbox again. Time is an
 * injected clock the test moves a day at a time; ticks are driven by the test.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { consumerConfig } from '../../consumers/config.js';
import type { RunningConsumerService, Ticker } from '../../consumers/consumer-service.js';
import { recurringTaskService } from '../../consumers/recurring-task/recurring-task-service.js';
import { connectionConfig } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { TopicCollector, testKafka, type CollectedRecord } from '../helpers/kafka.js';
import { produce } from '../helpers/task-records.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('recurring-task-cg', () => {
  const kafka = testKafka('recurring-task-test');
  const registry = new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl });
  const user = `recurring-${randomUUID()}`;
  let now = new Date();
  const clock = () => new Date(now.getTime());
  let api: TestApi;
  let relay: RelayService;
  let collector: TopicCollector;
  let service: RunningConsumerService & { kafkaGroupId: string };

  const startConsumer = (cap?: number) =>
    startTestConsumer(recurringTaskService, api.database.url, {
      clock,
      kafkaGroupId: service?.kafkaGroupId,
      ...(cap !== undefined && { config: { recurrenceCatchUpCap: cap } }),
    });

  /** A second scheduler (another replica), sharing only the database with the service. */
  const otherScheduler = (cap?: number): Ticker =>
    recurringTaskService.createTicker!({
      db: api.database.db,
      codec: api.codec,
      config: {
        ...consumerConfig('recurring-task-cg'),
        databaseUrl: api.database.url,
        ...(cap !== undefined && { recurrenceCatchUpCap: cap }),
      },
      logger: createLogger('recurring-test', 'silent'),
      clock,
    });

  const schedule = (templateId: string) => api.database.db.recurrenceSchedule.findUnique({ where: { templateId } });
  const instances = (templateId: string) =>
    api.database.db.task.findMany({ where: { templateId }, orderBy: { dueDate: 'asc' } });

  /** TaskCreated records on Kafka for instances of the template, one per event id (the relay may duplicate). */
  const decoded = new Map<string, Record<string, unknown>>();
  async function kafkaInstances(templateId: string): Promise<Record<string, unknown>[]> {
    const byEvent = new Map<string, Record<string, unknown>>();
    for (const r of collector.records as CollectedRecord[]) {
      if (r.headers['event-type'] !== 'TaskCreated' || !r.value) continue;
      const id = r.headers['event-id']!;
      if (!decoded.has(id)) decoded.set(id, (await registry.decode(r.value)) as Record<string, unknown>);
      if (decoded.get(id)!.template_id === templateId) byEvent.set(id, decoded.get(id)!);
    }
    return [...byEvent.values()];
  }
  async function expectOnKafka(templateId: string, occurrences: number[]): Promise<void> {
    const want = [...occurrences].sort((a, b) => a - b);
    const seen = await waitFor(
      async () => {
        const got = await kafkaInstances(templateId);
        return got.length >= want.length && got;
      },
      { what: `${want.length} instance events on Kafka` },
    );
    // Give a stray extra event the chance to show up before counting exactly.
    await new Promise((r) => setTimeout(r, 300));
    const all = await kafkaInstances(templateId);
    expect(all).toHaveLength(seen.length);
    expect(all.map((p) => Number(p.occurrence_at)).sort((a, b) => a - b)).toEqual(want);
  }

  beforeAll(async () => {
    api = await startTestApi({ clock });
    collector = await new TopicCollector(kafka, [TOPICS.tasks]).start(false);
    relay = await startTestRelay(api.database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    service = await startConsumer();
  });
  afterAll(async () => {
    await service?.stop();
    await relay?.stop();
    await collector?.stop();
    await api?.stop();
  });

  const DAILY_TEMPLATE = {
    title: 'stretch',
    isRecurringTemplate: true,
    recurrencePattern: 'daily',
    priority: 'High',
    tags: ['health'],
  };

  /**
   * Each test makes its own daily template (so any one runs alone with -t): created through the API,
   * its schedule in place, and — when `days` is given — one instance for each of its first `days`
   * occurrences, as the first test makes them. `first` is the first occurrence.
   */
  async function dailyTemplate(days = 0): Promise<{ daily: string; first: number }> {
    // The template's anchor is its real creation time, so the clock starts from real time again.
    now = new Date();
    const res = await api.call(user, 'POST', '/tasks', DAILY_TEMPLATE);
    const daily = res.body.id as string;
    const s = await waitFor(() => schedule(daily).then((x) => x?.nextOccurrenceAt ?? undefined), {
      what: 'the schedule',
    });
    const first = s.getTime();
    for (let day = 0; day < days; day++) {
      now = new Date(first + day * DAY + HOUR);
      await service.tick();
    }
    await waitFor(async () => (await kafkaInstances(daily)).length >= days, { what: 'the instances on Kafka' });
    return { daily, first };
  }
  const occurrencesFrom = (first: number) => (days: number[]) => days.map((d) => first + d * DAY);

  it('creates exactly one instance per day of a daily template, however often and concurrently it ticks', async () => {
    let daily = '';
    let first = 0;
    const dailyOccurrences = (days: number[]) => days.map((d) => first + d * DAY);
    const res = await api.call(user, 'POST', '/tasks', DAILY_TEMPLATE);
    expect(res.status).toBe(201);
    daily = res.body.id as string;
    const s = await waitFor(() => schedule(daily).then((x) => x ?? undefined), { what: 'the schedule' });
    expect(s).toEqual(
      expect.objectContaining({
        pattern: 'daily',
        active: true,
        templateVersion: 1,
        title: 'stretch',
        priority: 'High',
        tags: ['health'],
        userId: user,
      }),
    );
    // No due date: the anchor is the template's creation time; the first occurrence is the next
    // day at that hour and minute (the creation time itself has seconds, so it is not one).
    expect(s.anchor.toISOString()).toBe(res.body.createdAt);
    first = s.nextOccurrenceAt!.getTime();
    expect(first).toBeGreaterThan(s.anchor.getTime());
    expect(first - s.anchor.getTime()).toBeLessThanOrEqual(DAY);

    await service.tick();
    expect(await instances(daily)).toHaveLength(0);

    const others = [otherScheduler(), otherScheduler()];
    for (let day = 0; day < 6; day++) {
      now = new Date(first + day * DAY + HOUR);
      if (day % 3 === 0) await service.tick();
      else if (day % 3 === 1) {
        await service.tick();
        await service.tick();
      } else await Promise.all([service.tick(), ...others.map((o) => o.tick())]);
      expect(await instances(daily)).toHaveLength(day + 1);
    }

    const made = await instances(daily);
    expect(made.map((t) => t.dueDate!.getTime())).toEqual(dailyOccurrences([0, 1, 2, 3, 4, 5]));
    for (const t of made) {
      expect(t).toEqual(
        expect.objectContaining({
          userId: user,
          title: 'stretch',
          priority: 'High',
          tags: ['health'],
          isRecurringTemplate: false,
          recurrencePattern: null,
        }),
      );
    }
    expect(await api.database.db.recurrenceInstance.count({ where: { templateId: daily } })).toBe(6);
    expect((await schedule(daily))!.nextOccurrenceAt!.getTime()).toBe(first + 6 * DAY);

    // A schedule set back (as a rescheduling could) meets the instances' primary key: no duplicates.
    await api.database.db.recurrenceSchedule.update({
      where: { templateId: daily },
      data: { nextOccurrenceAt: new Date(first + 2 * DAY) },
    });
    await Promise.all([service.tick(), ...others.map((o) => o.tick())]);
    expect(await instances(daily)).toHaveLength(6);
    expect((await schedule(daily))!.nextOccurrenceAt!.getTime()).toBe(first + 6 * DAY);

    await expectOnKafka(daily, dailyOccurrences([0, 1, 2, 3, 4, 5]));
  });

  it('catches up the days missed while it was down, at most the catch-up cap (the latest), never twice', async () => {
    const { daily, first } = await dailyTemplate(6);
    const dailyOccurrences = occurrencesFrom(first);
    // Down for four days: all four are made up on the first tick after the restart.
    await service.stop();
    now = new Date(first + 9 * DAY + HOUR);
    service = await startConsumer();
    await service.tick();
    await service.tick();
    expect((await instances(daily)).map((t) => t.dueDate!.getTime())).toEqual(
      dailyOccurrences([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    );

    // Down for six days with a cap of three: the three latest are made, the older three skipped.
    await service.stop();
    now = new Date(first + 15 * DAY + HOUR);
    service = await startConsumer(3);
    await Promise.all([service.tick(), otherScheduler(3).tick()]);
    await service.tick();
    const days = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15];
    expect((await instances(daily)).map((t) => t.dueDate!.getTime())).toEqual(dailyOccurrences(days));
    expect((await schedule(daily))!.nextOccurrenceAt!.getTime()).toBe(first + 16 * DAY);
    await expectOnKafka(daily, dailyOccurrences(days));
  });

  it('changes nothing when the template TaskCreated record is delivered again', async () => {
    const { daily } = await dailyTemplate();
    await waitFor(() => collector.records.some((r) => r.key === daily && r.headers['event-type'] === 'TaskCreated'), {
      what: "the template's TaskCreated on Kafka",
    });
    const original = collector.records.find((r) => r.key === daily && r.headers['event-type'] === 'TaskCreated');
    expect(original).toBeDefined();
    const before = await schedule(daily);
    const count = (await instances(daily)).length;
    const redelivered = {
      key: original!.key,
      value: original!.value,
      headers: original!.headers,
      partition: original!.partition,
    };
    // The same record again (inbox dedupe), and once more under a new event id, as a second relay
    // with its own ids might publish it (the template version check).
    const copyId = randomUUID();
    await produce(kafka, TOPICS.tasks, [
      redelivered,
      { ...redelivered, headers: { ...original!.headers, 'event-id': copyId } },
    ]);
    // A later change of the same key: once it is applied, both copies were handled before it.
    expect((await api.call(user, 'PATCH', `/tasks/${daily}`, { description: 'ten minutes' })).status).toBe(200);
    const after = await waitFor(() => schedule(daily).then((s) => s?.templateVersion === 2 && s), {
      what: 'the update after the copies',
    });
    await waitFor(async () => (await api.database.db.processedEvent.count({ where: { eventId: copyId } })) === 1, {
      what: 'the copy to be consumed',
    });

    expect(after).toEqual({ ...before, description: 'ten minutes', templateVersion: 2, updatedAt: after.updatedAt });
    expect(await api.database.db.processedEvent.count({ where: { eventId: original!.headers['event-id']! } })).toBe(1);
    await service.tick();
    expect(await instances(daily)).toHaveLength(count);
    expect(await (await fetch(service.metricsUrl)).text()).toMatch(
      /consumer_events_duplicate_total\{group="recurring-task-cg"\} [1-9]/,
    );
  });

  it('stops making instances once the template is deleted', async () => {
    // A template that was changed once (version 2) before its deletion.
    const { daily } = await dailyTemplate();
    await api.call(user, 'PATCH', `/tasks/${daily}`, { description: 'ten minutes' });
    await waitFor(() => schedule(daily).then((s) => s?.templateVersion === 2), { what: 'the change' });
    const count = (await instances(daily)).length;
    expect((await api.call(user, 'DELETE', `/tasks/${daily}`)).status).toBe(200);
    const s = await waitFor(() => schedule(daily).then((x) => x?.active === false && x), {
      what: 'the schedule to stop',
    });
    expect(s.templateVersion).toBe(3);
    now = new Date(now.getTime() + 3 * DAY);
    await service.tick();
    expect(await instances(daily)).toHaveLength(count);

    // A template whose deletion has not reached the consumer yet makes no instance either.
    const res = await api.call(user, 'POST', '/tasks', { title: 'gone soon', recurrencePattern: 'daily' });
    const gone = res.body.id as string;
    const next = await waitFor(() => schedule(gone).then((x) => x?.nextOccurrenceAt ?? undefined), {
      what: 'the second schedule',
    });
    await api.database.db.task.delete({ where: { id: gone } });
    now = new Date(next.getTime() + HOUR);
    await service.tick();
    expect(await instances(gone)).toHaveLength(0);
    expect((await schedule(gone))!.active).toBe(false);
  });

  it('turns "every monday remind me to water the plants" into a weekly:mon template with Monday instances only', async () => {
    // The template's anchor is its real creation time, so the clock starts from real time again.
    now = new Date();
    const start = now.getTime();
    const res = await api.call(user, 'POST', '/chat', { message: 'every monday remind me to water the plants' });
    expect(res.status).toBe(200);
    const template = res.body.tool_calls[0].result;
    expect(template).toEqual(
      expect.objectContaining({
        title: 'water the plants',
        isRecurringTemplate: true,
        recurrencePattern: 'weekly:mon',
      }),
    );
    const s = await waitFor(() => schedule(template.id).then((x) => x ?? undefined), { what: 'the weekly schedule' });
    expect(s.pattern).toBe('weekly:mon');
    const firstMonday = s.nextOccurrenceAt!.getTime();
    expect(new Date(firstMonday).getUTCDay()).toBe(1);
    expect(firstMonday - start).toBeLessThanOrEqual(7 * DAY);

    const expected = (t: number) => [0, 1, 2, 3].map((w) => firstMonday + w * 7 * DAY).filter((o) => o <= t);
    for (let day = 1; day <= 15; day++) {
      now = new Date(start + day * DAY);
      await service.tick();
      expect((await instances(template.id)).map((t) => t.dueDate!.getTime())).toEqual(expected(now.getTime()));
    }
    const made = await instances(template.id);
    expect(made.length).toBeGreaterThanOrEqual(2);
    for (const t of made) expect(t.dueDate!.getUTCDay()).toBe(1);
    await expectOnKafka(template.id, expected(now.getTime()));
  });

  it('"every monday at 9am standup" said in Berlin fires at 9:00 Berlin time on both sides of the DST change, once', async () => {
    const berliner = `${user}-berlin`;
    expect((await api.call(berliner, 'PUT', '/settings', { timeZone: 'Europe/Berlin' })).status).toBe(200);
    now = new Date('2027-03-19T10:00:00.000Z'); // Friday 11:00 CET; clocks go forward on Sunday 28 March
    const res = await api.call(berliner, 'POST', '/chat', { message: 'every monday at 9am standup' });
    expect(res.status).toBe(200);
    const template = res.body.tool_calls[0].result;
    expect(template).toEqual(
      expect.objectContaining({
        title: 'standup',
        dueDate: '2027-03-22T08:00:00.000Z',
        isRecurringTemplate: true,
        recurrencePattern: 'weekly:mon',
      }),
    );
    const s = await waitFor(() => schedule(template.id).then((x) => x ?? undefined), { what: 'the Berlin schedule' });
    expect(s).toEqual(expect.objectContaining({ pattern: 'weekly:mon', timeZone: 'Europe/Berlin' }));
    expect(s.nextOccurrenceAt!.toISOString()).toBe('2027-03-22T08:00:00.000Z');

    const dueDates = async () => (await instances(template.id)).map((t) => t.dueDate!.toISOString());
    for (const [at, want] of [
      ['2027-03-22T08:00:00.000Z', ['2027-03-22T08:00:00.000Z']],
      // 07:00Z is 9:00 CEST: the first Monday after the change fires an hour earlier in UTC…
      ['2027-03-29T06:59:00.000Z', ['2027-03-22T08:00:00.000Z']],
      ['2027-03-29T07:00:00.000Z', ['2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z']],
      // …and not again at 08:00Z.
      ['2027-03-29T08:30:00.000Z', ['2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z']],
      [
        '2027-04-05T07:00:00.000Z',
        ['2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z', '2027-04-05T07:00:00.000Z'],
      ],
    ] as const) {
      now = new Date(at);
      await service.tick();
      expect(await dueDates()).toEqual(want);
    }
    const next = (await schedule(template.id))!.nextOccurrenceAt!.toISOString();
    expect(next).toBe('2027-04-12T07:00:00.000Z');
  });
});
