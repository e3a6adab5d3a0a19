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
import { createApp } from './app.js';
import { ChatService } from './chat/chat-service.js';
import { interpreterFromConfig } from './chat/interpreter-from-env.js';
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

async function serve(cfg: ApiConfig): Promise<void> {
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

  const server = createExpressServer(app, cfg.httpTimeouts).listen(cfg.port, cfg.host, () =>
    logger.info({ host: cfg.host, port: cfg.port, pid: process.pid }, 'api listening'),
  );
  server.keepAliveTimeout = 65_000;
  let stopping = false;
  const stop = (signal: string) => {
    // Ctrl-C signals a cluster's primary and workers alike, and the primary then sends SIGTERM too.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    void taskChanges.stop().catch(() => undefined);
    void notificationFeed.stop();
    server.close(() => {
      void db
        .$disconnect()
        .then(() => pool.end())
        .then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const cfg = apiConfig();
  if (cfg.workers > 1 && cluster.isPrimary) runPrimary(cfg.workers, logger);
  else await serve(cfg);
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'api failed to start');
  process.exit(1);
});
