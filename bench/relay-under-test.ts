/**
 * The relays the relay bench can measure. A relay is anything that, once started, moves committed
 * outbox rows of the bench database to the bench topic. The bench measures what lands on the topic
 * (topic-log.ts), so a relay only has to say when each row it published was committed:
 *
 * - the TypeScript relay deletes a row once Kafka acknowledged it, so the commit time cannot be
 *   looked up afterwards; it comes from the relay's own `onPublished` report, which carries
 *   `pg_xact_commit_timestamp(xmin)` as read with the row (the same column its latency metric uses).
 *   That costs the write path nothing, unlike a bench-only trigger copying commit times to a log
 *   table, which would add work to every writing transaction of both relays.
 * - Debezium leaves the rows in place (debezium-relay-under-test.ts): it looks them up afterwards.
 *
 * The TypeScript relay runs in a process of its own (ts-relay-process.ts), as Debezium does in
 * Connect. Its own acknowledgement times are kept beside the Kafka-side figures: they show that
 * broker append time and producer acknowledgement agree, i.e. that measuring on the topic neither
 * flatters nor penalises it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { relayConfig, type RelayConfig } from '../relay/config.js';
import { BENCH_DIR } from './bench-kit.js';
import type { FromRelayProcess, PublishedRow, ToRelayProcess } from './ts-relay-process.js';

export interface RelayUnderTest {
  readonly name: string;
  /** Ready to pick up rows written from now on, without publishing them yet (Debezium's slot must exist before the rows). */
  prepare(): Promise<void>;
  /** Starts or resumes publishing; resolves once it runs (it may still be connecting). */
  start(): Promise<void>;
  /** Stops publishing after the batch in flight; nothing more reaches the topic once it resolves. */
  stop(): Promise<void>;
  /** Commit time (epoch ms) by event id of the rows the relay published since its last start. */
  commitTimes(): Promise<Map<string, number>>;
  /** Acknowledgement − commit, ms, of rows committed since `sinceMs`, when the relay reports acknowledgements. */
  ackLatenciesMs?(sinceMs: number): number[];
  /** Whether a process does this relay's work, for CPU accounting (the relay's own process; the Connect worker). */
  isRelayProcess(pid: number): boolean;
  /** Removes whatever the relay created outside this process. Safe to call again, and after a failure. */
  dispose(): Promise<void>;
}

/** What the bench varies in the TypeScript relay; everything else is relay/config.ts as production runs it. */
export type TsRelayOverrides = Partial<Pick<RelayConfig, 'commitSignal' | 'pollIntervalMs' | 'batchSize'>>;

let lockSeq = 0;

/** The next message of `type` from the relay process; fails when it reports a failure or exits. */
function next<T extends FromRelayProcess['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs = 60_000,
): Promise<Extract<FromRelayProcess, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error, m?: FromRelayProcess) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m as Extract<FromRelayProcess, { type: T }>);
    };
    const onMessage = (m: FromRelayProcess) => {
      if (m.type === type) done(undefined, m);
      else if (m.type === 'failed') done(new Error(`the TypeScript relay process failed: ${m.message}`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`the TypeScript relay process exited (${signal ?? `code ${code}`}) before "${type}"`));
    const timer = setTimeout(
      () => done(new Error(`the TypeScript relay process did not say "${type}" within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** The TypeScript relay (relay/), in a child process, with its own lock id and an ephemeral metrics port. */
export function tsRelay(name: string, databaseUrl: string, overrides: TsRelayOverrides = {}): RelayUnderTest {
  let child: ChildProcess | undefined;
  let pid = -1;
  let published: PublishedRow[] = [];
  const tell = (m: ToRelayProcess) => child!.send(m);
  const relay: RelayUnderTest = {
    name,
    async prepare() {
      if (child) return;
      // Loaded ahead of the start, so that the drain's clock does not include Node loading TypeScript.
      child = fork(path.join(BENCH_DIR, 'ts-relay-process.ts'), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      pid = child.pid ?? -1;
      // A send to a process that died (Ctrl-C reaches it too) must not crash the bench; next() reports the exit.
      child.on('error', () => undefined);
      await next(child, 'ready');
    },
    async start() {
      await relay.prepare();
      published = [];
      const config: RelayConfig = {
        ...relayConfig(),
        ...overrides,
        databaseUrl,
        leaderLockId: 7_390_000 + (process.pid % 1000) * 10 + lockSeq++,
        metricsHost: '127.0.0.1',
        metricsPort: 0,
        instanceId: `bench-${name.replace(/\W+/g, '-')}-${process.pid}`,
      };
      const started = next(child!, 'started');
      tell({ type: 'start', config });
      await started;
    },
    async stop() {
      const c = child;
      if (!c?.connected) return;
      const stopped = next(c, 'stopped');
      tell({ type: 'stop' });
      published = (await stopped).published;
    },
    async commitTimes() {
      const without = published.filter(([, committedAt]) => committedAt === null).length;
      if (without > 0)
        throw new Error(`the relay reported ${without} row(s) without a commit time: is track_commit_timestamp on?`);
      return new Map(published.map(([eventId, committedAt]) => [eventId, committedAt!]));
    },
    ackLatenciesMs(sinceMs) {
      return published.filter(([, c]) => c !== null && c >= sinceMs).map(([, c, acked]) => acked - c!);
    },
    isRelayProcess: (p) => p === pid,
    async dispose() {
      const c = child;
      child = undefined;
      if (!c) return;
      if (!c.connected) {
        c.kill('SIGKILL');
        return;
      }
      const exited = new Promise((r) => c.once('exit', r));
      c.send({ type: 'exit' } satisfies ToRelayProcess);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      c.kill('SIGKILL');
    },
  };
  return relay;
}
