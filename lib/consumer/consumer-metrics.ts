/** A consumer service's Prometheus metrics; lag per partition is read from Kafka at scrape time. */
import type { Admin } from 'kafkajs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The `reason` label of consumer_events_dead_lettered_total. */
export const DEAD_LETTER_REASONS = ['poison', 'attempts_exhausted'] as const;

export class ConsumerMetrics {
  readonly registry = new Registry();
  readonly processed = new Counter({
    name: 'consumer_events_processed_total',
    help: 'Events whose side effect committed',
    labelNames: ['group', 'event_type'],
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'consumer_events_duplicate_total',
    help: 'Redelivered events skipped by inbox dedupe',
    labelNames: ['group'],
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'consumer_events_retried_total',
    help: 'Retries, by cause',
    labelNames: ['group', 'cause'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'consumer_events_dead_lettered_total',
    help: 'Events sent to the group DLQ',
    labelNames: ['group', 'reason'],
    registers: [this.registry],
  });
  readonly setAside = new Counter({
    name: 'consumer_ticker_set_aside_total',
    help: 'Due items a scheduler tick cannot fire, set aside once for good (never retried), by reason',
    labelNames: ['group', 'reason'],
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'consumer_chunks_total',
    help: "Chunks of a partition's records, by path: one transaction (batch) or, after a failure in it, one record at a time",
    labelNames: ['group', 'path'],
    registers: [this.registry],
  });
  readonly processing = new Histogram({
    name: 'consumer_processing_seconds',
    help: "Handler transaction time per event (a chunk's transaction time shared among its events)",
    labelNames: ['group'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly endToEnd = new Histogram({
    name: 'consumer_end_to_end_seconds',
    help: "From the event's occurred-at to its processing",
    labelNames: ['group'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 15, 60],
    registers: [this.registry],
  });

  constructor(group: string, kafkaGroupId: string, topics: readonly string[], admin: Admin) {
    collectDefaultMetrics({ register: this.registry });
    // Exported at zero from start-up, so a panel or an alert over them has data before the first failure.
    for (const reason of DEAD_LETTER_REASONS) this.deadLettered.inc({ group, reason }, 0);
    this.duplicates.inc({ group }, 0);
    new Gauge({
      name: 'consumer_lag',
      help: 'Messages not yet committed by the group, per partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [this.registry],
      async collect() {
        try {
          const committed = await admin.fetchOffsets({ groupId: kafkaGroupId, topics: [...topics] });
          for (const t of committed) {
            const ends = await admin.fetchTopicOffsets(t.topic);
            for (const p of t.partitions) {
              const end = ends.find((e) => e.partition === p.partition);
              const done = Number(p.offset) < 0 ? 0 : Number(p.offset);
              this.set(
                { group, topic: t.topic, partition: String(p.partition) },
                Math.max(0, Number(end?.high ?? 0) - done),
              );
            }
          }
        } catch {
          // The broker is unreachable: keep the last known values.
        }
      },
    });
  }
}
