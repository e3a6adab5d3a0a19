/**
 * reminder-trigger-cg's tick against the real PostgreSQL and registry, with a real HTTP receiver:
 * one user's reminders whose remind_at the ticker cannot fire (1 BC, 44 BC, -infinity: Prisma hands
 * them back as Invalid Dates and firing them throws `RangeError: Invalid time value`) are set aside
 * once — state `failed`, the reason, the metric, one log line each — and never claimed again, while
 * another user's reminder due at the same time is delivered in the very first tick.
 *
 * The tick's budget (`maxTriggersPerTick`, 100 here) makes the harm of the old behaviour countable
 * instead of timed: bad triggers come first in claim order (fewest attempts, earliest remind_at), so
 * a tick that claims and fails them one by one spends its budget on them every time and the good
 * reminder waits (with 300 of them, for several ticks, each logging an error per bad row).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createReminderTicker } from '../../consumers/reminder-trigger/reminder-ticker.js';
import { fireTrigger } from '../../consumers/reminder-trigger/fire-trigger.js';
import type { Ticker } from '../../consumers/consumer-service.js';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { ConsumerMetrics } from '../../lib/consumer/consumer-metrics.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import { connectionConfig } from '../../lib/env.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { testKafka } from '../helpers/kafka.js';

const BAD_USER = `unfireable-${randomUUID()}`;
const GOOD_USER = `on-time-${randomUUID()}`;
const BAD_TIMES = ['0001-01-01 00:00:00+00 BC', '0044-03-15 12:00:00+00 BC', '-infinity'];
const BAD_COUNT = 300;

describe('reminder-trigger-cg: a reminder the ticker cannot fire is set aside once', () => {
  const calls = new Map<string, number>();
  const logLines: { msg: string; reminderId?: string; reason?: string; level: number }[] = [];
  const kafka = testKafka('reminder-set-aside-test');
  const admin = kafka.admin();
  let database: TestDatabase;
  let receiver: http.Server;
  let codec: EventCodec;
  let metrics: ConsumerMetrics;
  let ticker: Ticker;
  const now = new Date();

  const db = () => database.db;
  const badTriggers = () =>
    db().reminderTrigger.findMany({ where: { userId: BAD_USER }, orderBy: { reminderId: 'asc' } });
  /** What a tick could change on a trigger (remind_at itself is an Invalid Date, which never equals itself). */
  const stateOf = (ts: Awaited<ReturnType<typeof badTriggers>>) =>
    ts.map((t) => [t.reminderId, t.state, t.attempts, t.failureReason, t.updatedAt.getTime()]);
  const setAsideCount = async () =>
    (await metrics.setAside.get()).values.find((v) => v.labels.reason === 'unfireable_remind_at')?.value ?? 0;

  /** A Scheduled reminder and its pending trigger, as reminder-scheduler-cg and the trigger handler leave them. */
  async function plant(userId: string, remindAt: string, count = 1): Promise<void> {
    await db().$executeRawUnsafe(
      `with r as (
         insert into reminders (id, task_id, user_id, remind_at, status, source, updated_at)
         select gen_random_uuid(), gen_random_uuid(), $1, $2::timestamptz, 'Scheduled', 'due_date', now()
           from generate_series(1, $3::int)
         returning id, task_id, user_id, remind_at)
       insert into reminder_triggers (reminder_id, task_id, user_id, task_title, remind_at, state, attempts, updated_at)
       select id, task_id, user_id, 'a task', remind_at, 'pending', 0, now() from r`,
      userId,
      remindAt,
      count,
    );
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = http.createServer((req, res) => {
      const key = String(req.headers['idempotency-key'] ?? '');
      calls.set(key, (calls.get(key) ?? 0) + 1);
      req.resume();
      req.on('end', () => res.writeHead(200).end('{}'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    codec = EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
    await codec.resolveAll();
    metrics = new ConsumerMetrics('reminder-trigger-cg', `set-aside-test-${randomUUID()}`, [], admin);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    ticker = createReminderTicker({
      db: db(),
      codec,
      logger,
      metrics,
      clock: () => now,
      notifyUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`,
      maxTriggersPerTick: 100,
    });

    for (let i = 0; i < BAD_COUNT; i++) await plant(BAD_USER, BAD_TIMES[i % BAD_TIMES.length]!);
    await plant(GOOD_USER, new Date(now.getTime() - 1000).toISOString());
  });
  afterAll(async () => {
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
    await database?.drop();
  });

  it('the planted rows really are unfireable: Prisma reads an Invalid Date and firing throws RangeError', async () => {
    const rows = await badTriggers();
    expect(rows).toHaveLength(BAD_COUNT);
    for (const t of rows) expect(Number.isNaN(t.remindAt.getTime())).toBe(true);
    const t = rows[0]!;
    await expect(
      db().$transaction((tx) =>
        fireTrigger(
          prismaSqlTx(tx),
          { ...t, attempts: 0 },
          { codec, now, traceparent: '00-' + '1'.repeat(32) + '-' + '2'.repeat(16) + '-01' },
        ),
      ),
    ).rejects.toThrow(/Invalid time value/);
    expect((await db().reminderTrigger.findUniqueOrThrow({ where: { reminderId: t.reminderId } })).state).toBe(
      'pending',
    );
  });

  it("the first tick delivers the other user's due reminder and sets every unfireable one aside, once", async () => {
    const [good] = await db().reminderTrigger.findMany({ where: { userId: GOOD_USER } });
    await ticker.tick();

    expect(calls.get(good!.reminderId)).toBe(1);
    expect(await db().reminderTrigger.findUniqueOrThrow({ where: { reminderId: good!.reminderId } })).toMatchObject({
      state: 'triggered',
    });
    expect(await db().reminder.findUniqueOrThrow({ where: { id: good!.reminderId } })).toMatchObject({
      status: 'Triggered',
    });

    const bad = await badTriggers();
    expect(bad.map((t) => t.state)).toEqual(bad.map(() => 'failed'));
    for (const t of bad) {
      expect(t.failureReason).toMatch(/^remind_at .* is outside the times the ticker can fire \(years 1 to 9999\)$/);
      expect(t.attempts).toBe(0);
    }
    // Nothing was delivered for them, and their reminders are untouched.
    expect([...calls.keys()]).toEqual([good!.reminderId]);
    expect(await db().reminder.count({ where: { userId: BAD_USER, status: 'Scheduled' } })).toBe(BAD_COUNT);

    const setAsideLines = logLines.filter((l) => l.msg === 'reminder trigger set aside: it cannot be fired');
    expect(setAsideLines).toHaveLength(BAD_COUNT);
    expect(new Set(setAsideLines.map((l) => l.reminderId)).size).toBe(BAD_COUNT);
    expect(await setAsideCount()).toBe(BAD_COUNT);
  });

  it('later ticks never touch them again: no log line, no metric, no change; a new due reminder fires in its first tick', async () => {
    const before = stateOf(await badTriggers());
    const linesBefore = logLines.length;
    await plant(GOOD_USER, new Date(now.getTime() - 500).toISOString());
    const fresh = (await db().reminderTrigger.findMany({ where: { userId: GOOD_USER, state: 'pending' } }))[0]!;

    await ticker.tick();
    await ticker.tick();

    expect(calls.get(fresh.reminderId)).toBe(1);
    const newLines = logLines.slice(linesBefore);
    expect(newLines.map((l) => l.msg)).toEqual(['reminder trigger handled']);
    expect(await setAsideCount()).toBe(BAD_COUNT);
    expect(stateOf(await badTriggers())).toEqual(before);
  });
});
