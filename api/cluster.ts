/**
 * Several API processes behind one port (API_WORKERS > 1): node:cluster hands each accepted
 * connection to a worker, so the API's JavaScript runs on more than one core. The primary serves
 * no HTTP; it forks the workers, replaces one that dies, stops them all on SIGTERM/SIGINT, and
 * sums their metrics when one of them is scraped (a scrape lands on a single worker).
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';

const METRICS_REQUEST = 'api:cluster-metrics-request';
const METRICS_RESPONSE = 'api:cluster-metrics-response';

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/** The primary: runs until a signal, then waits for the workers to finish their requests. */
export function runPrimary(workers: number, logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'api worker died, starting another');
    fork();
  });
  cluster.on('message', (worker: Worker, msg: MetricsRequest) => {
    if (msg?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_RESPONSE, id: msg.id, text } satisfies MetricsResponse),
      (err: Error) => worker.send({ type: METRICS_RESPONSE, id: msg.id, error: err.message } satisfies MetricsResponse),
    );
  });
  const stop = (signal: string) => {
    stopping = true;
    logger.info({ signal, workers }, 'api stopping its workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 12_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  logger.info({ workers }, 'api starting its workers');
  for (let i = 0; i < workers; i++) fork();
}

/** In a worker: answers the primary's requests for `registry`, and asks it for every worker's metrics, summed. */
export function clusterExposition(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener that answers the primary's requests.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  process.on('message', (msg: MetricsResponse) => {
    if (msg?.type !== METRICS_RESPONSE) return;
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.text !== undefined) w.resolve(msg.text);
    else w.reject(new Error(`cluster metrics: ${msg.error ?? 'no answer'}`));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      process.send!({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
    });
}
