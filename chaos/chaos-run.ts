/**
 * One chaos run, start to verdict:
 * 1. the stack is prepared; the run gets a fresh database with the event-log trigger
 *    (chaos-database.ts), and the end offsets of every event and DLQ topic are noted;
 * 2. the product's services start against that database (product-services.ts), each consumer
 *    under a Kafka group id of the run's own, committed at the noted offsets, so the consumers see
 *    exactly the records of this run and nothing older on a shared broker (CONSUMER_KAFKA_GROUP_ID
 *    is the consumers' existing override; processed_events still says the real group name);
 * 3. one deliberately poisoned record (not Avro) goes to todo.tasks.events: every group reading
 *    that topic must dead-letter it — the only DLQ records allowed;
 * 4. the workload (workload.ts) and the fault injector (fault-injector.ts) run until the duration
 *    or the event count is reached; then faults stop, the recurring templates are deleted;
 * 5. quiescence (quiescence.ts); then the services stop, so nothing moves while the facts are read;
 * 6. the facts are read from the database and from Kafka (kafka-range.ts), and judged (checks.ts).
 * The stack is brought back up at the end whatever happened (a fault may have left Kafka down).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, GroupDescription, Kafka } from 'kafkajs';
import { dropConnector } from '../debezium/register.js';
import { defaultNames, connectUrl } from '../debezium/connector.js';
import { consumerConfig } from '../consumers/config.js';
import { serviceDefinition } from '../consumers/services.js';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { createLogger } from '../lib/logger.js';
import { CONSUMER_GROUPS, consumerDlqTopic, relayDlqTopic, TOPICS, type ConsumerGroup } from '../lib/topics.js';
import { prepareAll } from '../scripts/prepare.js';
import { stackConfig } from '../scripts/stack/stack-config.js';
import { ensureStack } from '../scripts/stack/stack.js';
import { ChaosDatabase } from './chaos-database.js';
import { evaluate, type ChaosVerdict } from './checks.js';
import { FaultInjector } from './fault-injector.js';
import { gatherSideEffects } from './gather-facts.js';
import { endOffsets, readRange, seedGroup, type TopicOffsets } from './kafka-range.js';
import { NotificationReceiver } from './notification-receiver.js';
import { waitForQuiescence, waitForRecurrences } from './quiescence.js';
import type { ChaosOptions } from './options.js';
import { ProductServices } from './product-services.js';
import { Random } from './random.js';
import { Workload } from './workload.js';

export interface ChaosReport {
  runId: string;
  relay: string;
  seed: number;
  clients: number;
  database: string;
  workloadSeconds: number;
  quiesced: boolean;
  quiesceSeconds: number;
  faults: Record<string, number>;
  faultsTotal: number;
  unplannedExits: Record<string, number>;
  requests: { ok: number; clientErrors: number; retries: number; gaveUp: number };
  verdict: ChaosVerdict;
}

const EVENT_TOPICS = Object.values(TOPICS);
const DLQ_TOPICS = [...EVENT_TOPICS.map(relayDlqTopic), ...CONSUMER_GROUPS.map(consumerDlqTopic)];

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function topicsOfGroups(): Promise<Record<ConsumerGroup, readonly string[]>> {
  const out = {} as Record<ConsumerGroup, readonly string[]>;
  for (const g of CONSUMER_GROUPS) {
    // Handlers only keep their dependencies at creation; the topics list is all that is read here.
    const deps = {
      db: undefined,
      codec: undefined,
      config: consumerConfig(g),
      logger: createLogger(g, 'silent'),
      clock: () => new Date(),
    } as never;
    out[g] = (await serviceDefinition(g)).createHandler(deps).topics;
  }
  return out;
}

async function waitForApi(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await fetch(`${baseUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(250);
  }
  throw new Error(`the API did not answer ${baseUrl}/healthz within ${timeoutMs / 1000} s`);
}

/**
 * Waits until every run group has a member in a stable group, i.e. every consumer service has
 * started (tsx, seven processes on a small machine: many seconds) and joined. Faults start only
 * then: a consumer whose first connection meets a killed broker exits and is restarted with
 * backoff, which slows the run down without testing anything more.
 */
async function waitForConsumers(
  admin: Admin,
  groupIds: Record<ConsumerGroup, string>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waiting: string[] = Object.keys(groupIds);
  while (Date.now() < deadline) {
    const { groups } = await admin
      .describeGroups(Object.values(groupIds))
      .catch(() => ({ groups: [] as GroupDescription[] }));
    const ready = new Set(groups.filter((g) => g.state === 'Stable' && g.members.length > 0).map((g) => g.groupId));
    waiting = CONSUMER_GROUPS.filter((g) => !ready.has(groupIds[g]));
    if (waiting.length === 0) return;
    await sleep(250);
  }
  throw new Error(`consumers not in their groups within ${timeoutMs / 1000} s: ${waiting.join(', ')}`);
}

async function injectPoison(kafka: Kafka, userPrefix: string): Promise<string> {
  const eventId = randomUUID();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({
      topic: TOPICS.tasks,
      acks: -1,
      messages: [
        {
          key: `${userPrefix}-poison`,
          value: Buffer.from('deliberately not Avro'),
          headers: {
            'event-id': eventId,
            'event-type': 'TaskCreated',
            'aggregate-version': '1',
            'occurred-at': new Date().toISOString(),
            'user-id': `${userPrefix}-poison`,
          },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
  return eventId;
}

/**
 * Wall-clock time per phase of the run: `next(name)` closes the phase in progress, `done()` logs
 * the whole breakdown, so a slow CI run says where its minutes went.
 */
class PhaseClock {
  private readonly spent: [string, number][] = [];
  private current: string | undefined;
  private since = Date.now();

  constructor(private readonly log: (m: string) => void) {}

  next(name: string): void {
    const now = Date.now();
    if (this.current !== undefined) this.spent.push([this.current, (now - this.since) / 1000]);
    this.current = name;
    this.since = now;
  }

  done(): void {
    this.next('');
    const total = this.spent.reduce((sum, [, s]) => sum + s, 0);
    this.log(`phases: ${this.spent.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}; total ${total.toFixed(1)} s`);
  }
}

/** Stamps each progress line with the seconds since the run began, so slow phases show. */
function stampedLog(): (m: string) => void {
  const t0 = Date.now();
  return (m) => console.error(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
}

export async function runChaos(o: ChaosOptions, log: (m: string) => void = stampedLog()): Promise<ChaosReport> {
  const phases = new PhaseClock(log);
  const random = new Random(o.seed);
  const runId = `${new Date().toISOString().replace(/\D/g, '').slice(2, 14)}-${o.seed.toString(36)}`;
  const userPrefix = `chaos-${runId}`;
  phases.next('prepare');
  // The run works in its own clone of the migrated template (chaos-database.ts), never in the default database.
  await prepareAll((m) => log(m), { migrateDefaultDatabase: false });
  phases.next('database');
  const db = await ChaosDatabase.create();
  log(`run ${runId}: database ${db.name}, relay ${o.relay}, seed ${o.seed}`);
  const kafka = createKafka({
    brokers: connectionConfig().kafkaBrokers,
    clientId: 'chaos',
    principal: 'admin',
    retries: 10,
  });
  const admin = kafka.admin();
  const receiver = new NotificationReceiver();
  let services: ProductServices | undefined;
  let faults: FaultInjector | undefined;
  let workload: Workload | undefined;
  let ok = false;
  try {
    phases.next('offsets+groups');
    await admin.connect();
    const startOffsets: TopicOffsets = await endOffsets(admin, [...EVENT_TOPICS, ...DLQ_TOPICS]);
    const topicsByGroup = await topicsOfGroups();
    const groupIds = Object.fromEntries(CONSUMER_GROUPS.map((g) => [g, `${g}-${userPrefix}`])) as Record<
      ConsumerGroup,
      string
    >;
    await Promise.all(CONSUMER_GROUPS.map((g) => seedGroup(kafka, admin, groupIds[g], startOffsets, topicsByGroup[g])));

    const notifyUrl = await receiver.start();
    const apiPort = await freePort();
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    const jwtSecret = randomBytes(24).toString('hex');
    services = ProductServices.forRun({
      repoRoot: stackConfig().repoRoot,
      logDir: path.join(stackConfig().logDir, 'chaos', runId),
      databaseUrl: db.url,
      apiPort,
      jwtSecret,
      notifyUrl,
      groupIdOf: (g) => groupIds[g],
      relay: o.relay,
    });
    phases.next('services start');
    services.startAll();
    await waitForApi(baseUrl, 90_000);
    await waitForConsumers(admin, groupIds, 120_000);
    log('every service is up');
    const poisonId = await injectPoison(kafka, userPrefix);
    const poisonGroups = CONSUMER_GROUPS.filter((g) => topicsByGroup[g].includes(TOPICS.tasks));

    workload = new Workload({ baseUrl, jwtSecret, userPrefix, clients: o.clients, random });
    // Quick: Kafka first, the slowest fault to recover from, so the rest land after it (options.ts).
    faults = new FaultInjector({
      services,
      random,
      relay: o.relay,
      meanGapMs: o.faultEveryS * 1000,
      firstKind: o.quick ? 'kafka' : undefined,
      log,
    });
    phases.next('workload');
    const started = Date.now();
    await workload.start();
    faults.start();
    let lastReport = Date.now();
    for (;;) {
      await sleep(1000);
      const elapsed = (Date.now() - started) / 1000;
      const logged =
        o.durationS === undefined || Date.now() - lastReport > 10_000 ? await db.eventsLogged().catch(() => -1) : -1;
      if (Date.now() - lastReport > 10_000) {
        log(
          `${elapsed.toFixed(0)} s: ${logged} events committed, ${workload.stats.ok} requests answered, faults ${JSON.stringify(faults.counts)}`,
        );
        lastReport = Date.now();
      }
      const targetReached = o.durationS !== undefined ? elapsed >= o.durationS : logged >= o.events;
      // The quick run is a test that every kind of fault is survived: it goes on until each landed.
      if ((targetReached && (!o.quick || faults.everyKindInjected())) || faults.failed) break;
    }
    log('workload target reached; stopping faults and clients');
    phases.next('stop faults+clients');
    await faults.stop();
    await workload.stop();
    const workloadSeconds = (Date.now() - started) / 1000;
    // The instance check expects every occurrence up to the moment recurring-task-cg caught up.
    const templates = await workload.templates();
    const recurrencesCaughtUpAt = await waitForRecurrences({
      db,
      admin,
      groupIds,
      topicsByGroup,
      timeoutMs: o.quiesceTimeoutS * 1000,
      log,
    });
    log(
      `recurrences caught up at ${recurrencesCaughtUpAt.toISOString()}; deleted ${await workload.finish()} recurring templates`,
    );

    phases.next('quiescence');
    const quiesceStart = Date.now();
    const quietAt = await waitForQuiescence({
      db,
      admin,
      groupIds,
      topicsByGroup,
      timeoutMs: o.quiesceTimeoutS * 1000,
      log,
    });
    const quiesced = quietAt !== undefined;
    const quiesceSeconds = (Date.now() - quiesceStart) / 1000;
    log(
      quiesced
        ? `quiet after ${quiesceSeconds.toFixed(0)} s; stopping the services`
        : `not quiet after ${quiesceSeconds.toFixed(0)} s; checking anyway`,
    );
    phases.next('services stop');
    await services.stopAll();

    phases.next('read kafka+db, judge');
    const endNow = await endOffsets(admin, [...EVENT_TOPICS, ...DLQ_TOPICS]);
    const pick = (offsets: TopicOffsets, topics: readonly string[]) =>
      Object.fromEntries(topics.map((t) => [t, offsets[t]!]));
    const [records, dlqRecords] = await Promise.all([
      readRange(kafka, pick(startOffsets, EVENT_TOPICS), pick(endNow, EVENT_TOPICS)),
      readRange(kafka, pick(startOffsets, DLQ_TOPICS), pick(endNow, DLQ_TOPICS)),
    ]);
    const verdict = evaluate({
      logged: await db.loggedEvents(),
      records,
      dlqRecords,
      userPrefix,
      poison: { eventId: poisonId, expectedGroups: poisonGroups },
      effects: await gatherSideEffects(db, topicsByGroup),
      notificationCalls: receiver.calls,
      templates,
      recurrencesCaughtUpAt,
      quietAt,
      defaultLeadMinutes: consumerConfig('reminder-scheduler-cg').reminderLeadMinutes,
    });
    if (!quiesced) {
      verdict.violations.push(`the system did not become quiet within ${o.quiesceTimeoutS} s after the workload`);
      verdict.ok = false;
    }
    ok = verdict.ok;
    return {
      runId,
      relay: o.relay,
      seed: o.seed,
      clients: o.clients,
      database: db.name,
      workloadSeconds,
      quiesced,
      quiesceSeconds,
      faults: faults.counts as Record<string, number>,
      faultsTotal: Object.values(faults.counts).reduce<number>((sum, n) => sum + (n ?? 0), 0),
      unplannedExits: services.unplannedExits as Record<string, number>,
      requests: workload.stats,
      verdict,
    };
  } finally {
    phases.next('teardown');
    await faults?.stop().catch(() => undefined);
    await workload?.stop();
    await services?.stopAll();
    await receiver.stop();
    await admin.disconnect().catch(() => undefined);
    // A fault may have been the last thing to touch Kafka or Connect: leave the stack as found.
    phases.next('ensure stack');
    await ensureStack(() => undefined);
    if (o.relay === 'debezium') {
      await dropConnector({ connectUrl: connectUrl(), databaseUrl: db.url, names: defaultNames(db.url), log }).catch(
        (err: Error) => log(`could not drop the run's connector: ${err.message}`),
      );
    }
    phases.next('drop database');
    const drop = ok && !o.keepDatabase;
    await db.close(drop);
    if (!drop) log(`database ${db.name} kept for inspection`);
    phases.done();
  }
}
