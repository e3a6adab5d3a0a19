/** The relay's Prometheus metrics. Backlog figures are read from the database at scrape time. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type pg from 'pg';
import { TOPICS } from '../lib/topics.js';
import { registerReplicationSlotGauge } from '../lib/db/replication-slot-gauge.js';
import { backlogStats } from './outbox-store.js';

export class RelayMetrics {
  readonly registry = new Registry();
  readonly published = new Counter({
    name: 'relay_published_total',
    help: 'Events acknowledged by Kafka',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'relay_dead_lettered_total',
    help: 'Events Kafka refused for good, sent to the DLQ',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'relay_errors_total',
    help: 'Errors by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly active = new Gauge({
    name: 'relay_active',
    help: '1 when this instance holds the lock and publishes',
    registers: [this.registry],
  });
  readonly commitSignal = {
    streaming: new Gauge({
      name: 'relay_commit_signal_streaming',
      help: '1 while this relay streams its commit-signal slot (relay/commit-signal.ts); 0: polling alone',
      registers: [this.registry],
    }),
    wakeups: new Counter({
      name: 'relay_commit_signal_wakeups_total',
      help: 'Commits of outbox rows the commit-signal slot reported (each wakes the relay)',
      registers: [this.registry],
    }),
    interruptions: new Counter({
      name: 'relay_commit_signal_interruptions_total',
      help: 'Commit-signal sessions closed by a failure (error) or by the retained-WAL bound (lag)',
      labelNames: ['reason'] as const,
      registers: [this.registry],
    }),
    retainedWal: new Gauge({
      name: 'relay_commit_signal_retained_wal_bytes',
      help: 'WAL the commit-signal slot retains (pg_current_wal_lsn() - restart_lsn), checked every second',
      registers: [this.registry],
    }),
  };
  readonly publishLatency = new Histogram({
    name: 'relay_publish_latency_seconds',
    help: "From the writing transaction's commit to the Kafka acknowledgement",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(pool: pg.Pool) {
    collectDefaultMetrics({ register: this.registry });
    // Exported at zero from start-up, so a panel or an alert over them has data before the first event.
    for (const topic of Object.values(TOPICS)) {
      this.published.inc({ topic }, 0);
      this.deadLettered.inc({ topic }, 0);
    }
    const oldest = new Gauge({
      name: 'relay_oldest_row_age_seconds',
      help: 'Age of the oldest waiting outbox row',
      registers: [],
    });
    const held = new Gauge({ name: 'relay_held_keys', help: 'Keys held back after a dead letter', registers: [] });
    // One query per scrape refreshes all three; the backlog gauge is registered first, so it runs first.
    new Gauge({
      name: 'relay_backlog_rows',
      help: 'Outbox rows waiting to be published',
      registers: [this.registry],
      async collect() {
        const s = await backlogStats(pool).catch(() => undefined);
        if (!s) return;
        this.set(s.waiting);
        oldest.set(s.oldestAgeSeconds);
        held.set(s.heldKeys);
      },
    });
    for (const reason of ['error', 'lag']) this.commitSignal.interruptions.inc({ reason }, 0);
    this.registry.registerMetric(oldest);
    this.registry.registerMetric(held);
    registerReplicationSlotGauge(this.registry, pool);
  }
}
