/**
 * Several API processes behind one port (API_WORKERS > 1): node:cluster hands each accepted
 * connection to a worker, so the API's JavaScript runs on more than one core. The primary serves
 * no HTTP; it forks the workers, replaces one that dies, stops them all on SIGTERM/SIGINT, and
 * sums their metrics when one of them is scraped (a scrape lands on a single worker).
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import type { StartedService } from '../lib/service/run-service.js';

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

/** The primary: forks the workers and replaces one that dies; `stop` ends them all and waits for them. */
export function runPrimary(workers: number, logger: Logger): StartedService {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let allExited: () => void = () => undefined;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) allExited();
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
  logger.info({ workers }, 'api starting its workers');
  for (let i = 0; i < workers; i++) fork();
  return {
    stop() {
      stopping = true;
      const exited = new Promise<void>((resolve) => (allExited = resolve));
      const running = Object.values(cluster.workers ?? {});
      if (running.length === 0) return Promise.resolve();
      for (const w of running) w?.process.kill('SIGTERM');
      return exited;
    },
  };
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
