/** The API's Prometheus metrics. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly outboxRows = new Counter({
    name: 'outbox_rows_written_total',
    help: 'Outbox rows written, by event type',
    labelNames: ['event_type'],
    registers: [this.registry],
  });

  /** The text a scrape answers: this process's metrics, or with API_WORKERS > 1 every worker's, summed (api/cluster.ts). */
  readonly exposition: () => Promise<string>;

  constructor(clusterExposition?: (registry: Registry) => () => Promise<string>) {
    collectDefaultMetrics({ register: this.registry });
    this.exposition = clusterExposition ? clusterExposition(this.registry) : () => this.registry.metrics();
  }
}
