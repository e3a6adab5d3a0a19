/** The API service: `npm run api`. Wires config, database, schema codec and HTTP; stops on SIGTERM. */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EventCodec } from '../lib/avro/event-codec.js';
import { createPrisma } from '../lib/db/prisma.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { createLogger } from '../lib/logger.js';
import { createApp } from './app.js';
import { ChatService } from './chat/chat-service.js';
import { interpreterFromConfig } from './chat/interpreter-from-env.js';
import { apiConfig } from './config.js';
import { TaskChangeHub } from './events/task-change-hub.js';
import { ApiMetrics } from './http/metrics.js';
import { ReminderService } from './reminders/reminder-service.js';
import { TaskService } from './tasks/task-service.js';

const logger = createLogger('api');

async function main(): Promise<void> {
  const cfg = apiConfig();
  const db = createPrisma(cfg.databaseUrl, cfg.dbPoolMax);
  const codec = EventCodec.forUrl(cfg.schemaRegistryUrl);
  // Resolve schema ids before taking traffic; later writes never ask the registry again.
  await codec.resolveAll();
  const metrics = new ApiMetrics();
  const onEventWritten = (eventType: string) => metrics.outboxRows.inc({ event_type: eventType });
  const tasks = new TaskService({ codec, onEventWritten, outboxEnabled: process.env.API_OUTBOX_DISABLED !== 'true' });
  const reminders = new ReminderService({ codec, onEventWritten });
  const chat = new ChatService({ tasks, reminders, interpreter: interpreterFromConfig({ llmBaseUrl: cfg.llm.baseUrl, llmApiKey: cfg.llm.apiKey, llmModel: cfg.llm.model }) });
  // Live updates (SSE): reading the broadcast topic must not hold up the REST API, so it starts in the background.
  const taskChanges = new TaskChangeHub({ kafka: createKafka({ brokers: cfg.kafkaBrokers, clientId: 'api-sse' }), registry: new SchemaRegistry({ host: cfg.schemaRegistryUrl }), logger });
  void taskChanges.start();
  const app = createApp({ db, codec, tasks, chat, logger, metrics, jwtSecret: cfg.jwtSecret, bodyLimitBytes: cfg.bodyLimitBytes, taskChanges });

  const server = app.listen(cfg.port, cfg.host, () => logger.info({ host: cfg.host, port: cfg.port }, 'api listening'));
  server.keepAliveTimeout = 65_000;
  const stop = (signal: string) => {
    logger.info({ signal }, 'api stopping');
    void taskChanges.stop().catch(() => undefined);
    server.close(() => {
      void db.$disconnect().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'api failed to start');
  process.exit(1);
});
