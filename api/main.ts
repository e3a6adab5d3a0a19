/**
 * The API service: `npm run api`. Wires config, database, schema codec and HTTP; stops on SIGTERM.
 * With API_WORKERS > 1 this process is the cluster's primary and each worker runs the API (api/cluster.ts).
 */
import cluster from 'node:cluster';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EventCodec } from '../lib/avro/event-codec.js';
import { createPrismaOnPool } from '../lib/db/prisma.js';
import { createServicePool } from '../lib/db/service-pool.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { createLogger } from '../lib/logger.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';
import { runService, type StartedService } from '../lib/service/run-service.js';
import { createApp } from './app.js';
import { ChatService } from './chat/chat-service.js';
import { interpreterFromConfig } from './chat/interpreter-from-config.js';
import { clusterExposition, runPrimary } from './cluster.js';
import { apiConfig, type ApiConfig } from './config.js';
import { TaskChangeHub } from './events/task-change-hub.js';
import { NotificationFeed } from './notifications/notification-feed.js';
import { Admission } from './http/admission.js';
import { createExpressServer } from './http/express-server.js';
import { ApiMetrics } from './http/metrics.js';
import { ReminderService } from './reminders/reminder-service.js';
import { TaskService } from './tasks/task-service.js';

const logger = createLogger('api');

async function serve(cfg: ApiConfig): Promise<StartedService> {
  installKafkajsPatches();
  // One pool: Prisma runs reads and chat turns on it, REST writes their raw statements.
  const pool = createServicePool({
    databaseUrl: cfg.databaseUrl,
    max: cfg.dbPoolMax,
    applicationName: 'todo-api',
    logger,
    // Admission control: a request that cannot get a connection soon is refused with 503 (api/http/admission.ts).
    connectionTimeoutMillis: cfg.admission.dbWaitMs,
  });
  const db = createPrismaOnPool(pool);
  const codec = EventCodec.forUrl(cfg.schemaRegistryUrl);
  // Resolve schema ids before taking traffic; later writes never ask the registry again.
  await codec.resolveAll();
  const metrics = new ApiMetrics(cluster.isWorker ? clusterExposition : undefined);
  const admission = new Admission(cfg.admission, metrics.registry);
  const onEventWritten = (eventType: string) => metrics.outboxRows.inc({ event_type: eventType });
  const tasks = new TaskService({ codec, onEventWritten, outboxEnabled: !cfg.outboxDisabled });
  const reminders = new ReminderService({ codec, onEventWritten });
  const chat = new ChatService({
    tasks,
    reminders,
    interpreter: interpreterFromConfig({
      llmBaseUrl: cfg.llm.baseUrl,
      llmApiKey: cfg.llm.apiKey,
      llmModel: cfg.llm.model,
    }),
  });
  // Live updates (SSE): reading the broadcast topic must not hold up the REST API, so it starts in the background.
  const taskChanges = new TaskChangeHub({
    kafka: createKafka({ brokers: cfg.kafkaBrokers, clientId: 'api-sse', principal: 'api' }),
    registry: new SchemaRegistry({ host: cfg.schemaRegistryUrl }),
    logger,
  });
  void taskChanges.start();
  const notificationFeed = new NotificationFeed({ databaseUrl: cfg.databaseUrl, db, logger });
  void notificationFeed.start();
  const app = createApp({
    db,
    pool,
    codec,
    tasks,
    chat,
    logger,
    metrics,
    jwtSecret: cfg.jwtSecret,
    jwtMaxLifetimeSeconds: cfg.jwtMaxLifetimeSeconds,
    bodyLimitBytes: cfg.bodyLimitBytes,
    taskChanges,
    admission,
    notificationFeed,
    devTokens: cfg.devTokens,
  });

  const server = createExpressServer(app, cfg.httpTimeouts, admission.admit).listen(cfg.port, cfg.host, () =>
    logger.info({ host: cfg.host, port: cfg.port, pid: process.pid }, 'api listening'),
  );
  server.keepAliveTimeout = 65_000;
  return {
    async stop() {
      void taskChanges.stop().catch(() => undefined);
      void notificationFeed.stop();
      await new Promise((resolve) => server.close(resolve));
      await db.$disconnect();
      await pool.end();
    },
  };
}

/** The primary of a cluster (API_WORKERS > 1) forks the workers; a worker, or a single process, serves. */
function main(): void {
  let cfg: ApiConfig;
  try {
    cfg = apiConfig();
  } catch (err) {
    logger.fatal({ err }, 'api failed to start');
    process.exit(1);
  }
  if (cfg.workers > 1 && cluster.isPrimary) {
    const workers = cfg.workers;
    runService({
      name: 'api',
      logger,
      stoppingMessage: 'api stopping its workers',
      start: async () => runPrimary(workers, logger),
      stopTimeoutMs: 12_000,
    });
    return;
  }
  runService({
    name: 'api',
    logger,
    start: () => serve(cfg),
    stopTimeoutMs: 10_000,
    // Ctrl-C signals a cluster's primary and workers alike, and the primary then sends SIGTERM too.
    forceOnSecondSignal: !cluster.isWorker,
  });
}

main();
