/**
 * The relays the relay bench can measure. A relay is anything that, once started, moves committed
 * outbox rows of the bench database to Kafka and reports each acknowledged batch. The bench only
 * relies on that report, never on the relay deleting rows, so a log-based relay (Debezium, which
 * leaves the outbox to be cleaned by someone else) fits the same entry: its adapter would report
 * batches from a Kafka consumer of the topic, with the commit time taken from the record's source
 * metadata and the acknowledgement time from the record's broker timestamp.
 */
import { connectionConfig } from '../lib/env.js';
import type { RelayConfig } from '../relay/config.js';
import { startRelayService, type RelayService } from '../relay/relay-service.js';
import { stderrLogger } from './bench-kit.js';

export interface PublishedEvent {
  key: string;
  aggregateVersion: number;
  /** When the writing transaction committed (null when the server does not track it). */
  committedAt: Date | null;
}

export type OnPublished = (events: PublishedEvent[], ackedAt: Date) => void;

export interface RelayUnderTest {
  readonly name: string;
  /** Starts relaying; resolves once the relay runs (it may still be connecting to Kafka). */
  start(onPublished: OnPublished): Promise<void>;
  /** Stops after the batch in flight; nothing is reported after it resolves. */
  stop(): Promise<void>;
}

export interface TsRelayOptions {
  databaseUrl: string;
  listen: boolean;
  batchSize?: number;
  pollIntervalMs?: number;
}

let lockSeq = 0;

/** The TypeScript relay (relay/), in-process, with its own lock id and an ephemeral metrics port. */
export function tsRelay(name: string, o: TsRelayOptions): RelayUnderTest {
  let service: RelayService | undefined;
  return {
    name,
    async start(onPublished) {
      const cfg: RelayConfig = {
        ...connectionConfig(),
        databaseUrl: o.databaseUrl,
        // The relay's own defaults (relay/config.ts), so the bench measures what production runs.
        batchSize: o.batchSize ?? 2000,
        pollIntervalMs: o.pollIntervalMs ?? 100,
        listen: o.listen,
        leaderLockId: 7_390_000 + (process.pid % 1000) * 10 + lockSeq++,
        standbyRetryMs: 1000,
        metricsHost: '127.0.0.1',
        metricsPort: 0,
        stalledWriterWarnMs: 30_000,
        instanceId: `bench-${name.replace(/\W+/g, '-')}-${process.pid}`,
      };
      service = await startRelayService(cfg, stderrLogger('relay'), {
        onPublished: (rows, ackedAt) =>
          onPublished(
            rows.map((r) => ({ key: r.messageKey, aggregateVersion: Number(r.aggregateVersion), committedAt: r.committedAt })),
            ackedAt,
          ),
      });
    },
    async stop() {
      await service?.stop();
      service = undefined;
    },
  };
}
