/**
 * Waiting until the system has nothing left to do after the workload: the outbox is empty (every
 * row published and, with Debezium, confirmed), no reminder or recurrence is due, every consumer
 * group of the run has committed the end of its topics, and the event log did not grow between two
 * polls (a consumer's side effect may write new events, which then need consuming too).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { CONSUMER_GROUPS, TOPICS, type ConsumerGroup } from '../lib/topics.js';
import type { ChaosDatabase } from './chaos-database.js';
import { endOffsets } from './kafka-range.js';

/** The groups whose committed offsets are not yet at the end of their topics. */
async function groupsBehind(
  admin: Admin,
  groupIds: Record<ConsumerGroup, string>,
  topicsByGroup: Record<ConsumerGroup, readonly string[]>,
): Promise<ConsumerGroup[]> {
  const ends = await endOffsets(admin, Object.values(TOPICS));
  const behind: ConsumerGroup[] = [];
  for (const g of CONSUMER_GROUPS) {
    const committed = await admin.fetchOffsets({ groupId: groupIds[g], topics: [...topicsByGroup[g]] });
    if (committed.some((t) => t.partitions.some((p) => BigInt(p.offset) < BigInt(ends[t.topic]![p.partition]!))))
      behind.push(g);
  }
  return behind;
}

export interface QuiescenceOptions {
  db: ChaosDatabase;
  admin: Admin;
  groupIds: Record<ConsumerGroup, string>;
  topicsByGroup: Record<ConsumerGroup, readonly string[]>;
  timeoutMs: number;
  log: (m: string) => void;
}

/**
 * The database time at which the system was quiet (every reminder due by then had been fired or
 * dismissed), or undefined when it did not get quiet within the timeout; logs what it still waits
 * for every 10 s.
 */
export async function waitForQuiescence(o: QuiescenceOptions): Promise<Date | undefined> {
  const deadline = Date.now() + o.timeoutMs;
  let previous = -1;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    await sleep(1500);
    try {
      const logged = await o.db.eventsLogged();
      const [due] = (
        await o.db.pool.query<{ n: string; at: Date }>(
          "select count(*) filter (where state = 'pending' and remind_at <= now()) as n, now() as at from reminder_triggers",
        )
      ).rows;
      const waiting = {
        outbox: await o.db.count('select count(*) as n from outbox'),
        dueReminders: Number(due!.n),
        dueRecurrences: await o.db.count(
          'select count(*) as n from recurrence_schedules where active and next_occurrence_at <= now()',
        ),
        groupsBehind: await groupsBehind(o.admin, o.groupIds, o.topicsByGroup),
      };
      const caughtUp =
        waiting.outbox + waiting.dueReminders + waiting.dueRecurrences + waiting.groupsBehind.length === 0;
      if (caughtUp && logged === previous) return due!.at;
      previous = caughtUp ? logged : -1;
      if (Date.now() - lastReport > 10_000) {
        o.log(`waiting for quiescence: ${JSON.stringify(waiting)}`);
        lastReport = Date.now();
      }
    } catch {
      previous = -1; // a dependency still recovering; poll again
    }
  }
  return undefined;
}

/**
 * Waits until recurring-task-cg has consumed every task event (so each template has its schedule)
 * and no active schedule is due; returns the database time of that check: every occurrence up to
 * it has its instance by then. Run before the templates are deleted, so the instance check can
 * expect exactly the occurrences up to that moment. A consumer that records template events as
 * processed without keeping schedules passes this wait at once, and then lacks the instances.
 * After the timeout it returns the time it gave up.
 */
export async function waitForRecurrences(o: QuiescenceOptions): Promise<Date> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    try {
      const behind = await groupsBehind(o.admin, o.groupIds, o.topicsByGroup);
      const [row] = (
        await o.db.pool.query<{ n: string; at: Date }>(
          'select count(*) filter (where active and next_occurrence_at <= now()) as n, now() as at from recurrence_schedules',
        )
      ).rows;
      if ((!behind.includes('recurring-task-cg') && Number(row!.n) === 0) || Date.now() > deadline) return row!.at;
    } catch {
      if (Date.now() > deadline) return new Date();
    }
    await sleep(500);
  }
}
