/**
 * The fault injector: at random moments, one fault of a random kind, one at a time — SIGKILL and
 * restart of the API, the relay (Kafka Connect with RELAY=debezium) and each consumer service; on
 * Kafka, a SIGKILL of the leader of a partition being written and, while it is still down, of a
 * second node (no quorum, too few in-sync replicas: writes stop), then both restarted; and a 1–3 s
 * pause of PostgreSQL. Kinds are drawn as shuffled rounds of all kinds
 * (a "bag"), so every kind lands early and about equally often, yet order and timing are random.
 * A fault ends when its service is back (Kafka: ready again), so two faults never overlap by
 * accident; the gap before the next one is random around `meanGapMs`.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectService } from '../scripts/stack/jvm-services.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { connectionConfig } from '../lib/env.js';
import { kafkaNodeName, kafkaNodeServices, kafkaService } from '../scripts/stack/kafka-nodes.js';
import { waitUntil } from '../scripts/stack/processes.js';
import { stackConfig, stackDatabaseUrl } from '../scripts/stack/stack-config.js';
import type { StackService } from '../scripts/stack/stack-service.js';
import { CONSUMER_GROUPS, TOPICS } from '../lib/topics.js';
import { pausePostgres } from './postgres-pause.js';
import type { ProductServices, ServiceName } from './product-services.js';
import type { Random } from './random.js';

export type FaultKind = 'api' | 'relay' | 'connect' | `consumer:${string}` | 'kafka' | 'postgres-pause';

export interface FaultInjectorOptions {
  services: ProductServices;
  random: Random;
  relay: 'ts' | 'debezium';
  meanGapMs: number;
  /**
   * Inject this kind first, then go on with shuffled rounds. The quick run puts `kafka` first: it
   * is by far the slowest to recover, so the other kinds land after it instead of waiting for it
   * at the end of the run.
   */
  firstKind?: FaultKind;
  log: (m: string) => void;
}

/** Every fault kind this stack and relay allow. */
export function faultKinds(relay: 'ts' | 'debezium'): FaultKind[] {
  const kinds: FaultKind[] = [
    'api',
    relay === 'debezium' ? 'connect' : 'relay',
    ...CONSUMER_GROUPS.map((g) => `consumer:${g}` as const),
    'kafka',
  ];
  if (!stackConfig().externalDatabaseUrl) kinds.push('postgres-pause');
  return kinds;
}

async function restartJvm(service: StackService, downMs: number): Promise<void> {
  await service.kill();
  await sleep(downMs);
  await startAndWait(service);
}

/** Starts a stack service in a child process (start-stack-service.ts) and waits until it is ready. */
async function startAndWait(service: StackService): Promise<void> {
  const starter = spawn(process.execPath, ['--import', 'tsx', 'chaos/start-stack-service.ts', service.name], {
    cwd: stackConfig().repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  starter.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => starter.once('exit', resolve));
  if (code !== 0) throw new Error(`restarting ${service.name} failed: ${stderr.trim()}`);
  // A JVM recovering from SIGKILL on a busy machine can take minutes; longer means it is broken.
  const ready = await waitUntil(() => service.isReady(), 300_000, 250);
  if (!ready) throw new Error(`${service.name} did not come back within 300 s after the fault; see ${service.logFile}`);
}

export class FaultInjector {
  readonly counts: Partial<Record<FaultKind, number>> = {};
  private stopped = false;
  private loop: Promise<void> | undefined;
  private bag: FaultKind[] = [];
  private firstDrawn = false;
  private failure: Error | undefined;

  constructor(private readonly o: FaultInjectorOptions) {}

  start(): void {
    // A fault whose service never comes back ends the loop; stop() reports it as a harness error.
    this.loop = this.run().catch((err: Error) => {
      this.stopped = true;
      this.failure = err;
    });
  }

  /** Lets the fault in progress finish (its service is back), then returns. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.failure) throw this.failure;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** True once every kind this run can inject has been injected at least once. */
  everyKindInjected(): boolean {
    return faultKinds(this.o.relay).every((k) => (this.counts[k] ?? 0) > 0);
  }

  private nextKind(): FaultKind {
    const first = this.o.firstKind;
    if (!this.firstDrawn && first !== undefined && faultKinds(this.o.relay).includes(first)) {
      this.firstDrawn = true;
      // The first round is the rest of the kinds, so every kind still lands once per round.
      this.bag = this.o.random.shuffled(faultKinds(this.o.relay).filter((k) => k !== first));
      return first;
    }
    if (this.bag.length === 0) this.bag = this.o.random.shuffled(faultKinds(this.o.relay));
    return this.bag.pop()!;
  }

  private async run(): Promise<void> {
    const { random, meanGapMs } = this.o;
    for (;;) {
      const gap = random.between(0.5, 1.5) * meanGapMs;
      const until = Date.now() + gap;
      while (!this.stopped && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
      if (this.stopped) return;
      const kind = this.nextKind();
      const started = Date.now();
      await this.inject(kind);
      this.counts[kind] = (this.counts[kind] ?? 0) + 1;
      this.o.log(`fault ${kind} (${((Date.now() - started) / 1000).toFixed(1)} s until recovered)`);
    }
  }

  /**
   * SIGKILLs the leader of a partition of the task topic (every partition is written under the
   * workload), then, after 1–4 s and while it is still down, a second node: the cluster loses its
   * controller quorum and every partition its second in-sync replica, so producers wait. Both come
   * back after `downMs`. With one node, that node is the leader and the whole of Kafka.
   */
  private async killKafkaNodes(downMs: number): Promise<void> {
    const cfg = stackConfig();
    const nodes = kafkaNodeServices(cfg);
    const partition = this.o.random.int(6);
    const leader = await leaderOf(TOPICS.tasks, partition).catch(() => 1);
    const first = nodes.find((n) => n.name === kafkaNodeName(leader)) ?? nodes[0]!;
    await first.kill();
    this.o.log(`SIGKILL ${first.name}, leader of ${TOPICS.tasks}/${partition}`);
    if (nodes.length > 1) {
      await sleep(this.o.random.between(1000, 4000));
      const others = nodes.filter((n) => n !== first);
      const second = others[this.o.random.int(others.length)]!;
      await second.kill();
      this.o.log(`SIGKILL ${second.name} while ${first.name} is down`);
    }
    await sleep(downMs);
    await startAndWait(kafkaService(cfg));
  }

  private async inject(kind: FaultKind): Promise<void> {
    const { services, random } = this.o;
    const downMs = random.between(100, 1500);
    const cfg = stackConfig();
    if (kind === 'kafka') return this.killKafkaNodes(downMs);
    if (kind === 'connect') return restartJvm(connectService(cfg), downMs);
    if (kind === 'postgres-pause') return pausePostgres(stackDatabaseUrl(cfg, 'postgres'), random.between(1000, 3000));
    const name = (kind.startsWith('consumer:') ? kind.slice('consumer:'.length) : kind) as ServiceName;
    await services.crash(name, downMs);
  }
}

/** The node leading `topic`/`partition` now. */
async function leaderOf(topic: string, partition: number): Promise<number> {
  const admin = createKafka({
    brokers: connectionConfig().kafkaBrokers,
    clientId: 'chaos-leader',
    principal: 'admin',
    quiet: true,
    retries: 1,
  }).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
  } finally {
    await admin.disconnect();
  }
}
