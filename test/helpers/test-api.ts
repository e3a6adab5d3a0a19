/** The real API app on an ephemeral port, against a test database and the real registry. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import pg from 'pg';
import { createApp } from '../../api/app.js';
import { ChatService } from '../../api/chat/chat-service.js';
import type { HttpTimeouts } from '../../api/config.js';
import { RuleInterpreter } from '../../api/chat/rule-interpreter.js';
import { TaskChangeHub } from '../../api/events/task-change-hub.js';
import { NotificationFeed } from '../../api/notifications/notification-feed.js';
import { signToken } from '../../api/http/auth.js';
import { createExpressServer } from '../../api/http/express-server.js';
import { Admission, type AdmissionSettings } from '../../api/http/admission.js';
import { ApiMetrics } from '../../api/http/metrics.js';
import { ReminderService } from '../../api/reminders/reminder-service.js';
import { TaskService, type TaskServiceDeps } from '../../api/tasks/task-service.js';
import type { Interpreter } from '../../api/chat/tool-calls.js';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { connectionConfig } from '../../lib/env.js';
import { createKafka } from '../../lib/kafka/kafka-client.js';
import { createLogger } from '../../lib/logger.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef';

const TEST_ADMISSION: AdmissionSettings = { maxInFlight: 1000, dbWaitMs: 30_000, retryAfterSeconds: 1 };

export interface TestApi {
  baseUrl: string;
  database: TestDatabase;
  codec: EventCodec;
  /** The live TaskChanged feed behind GET /api/:userId/events (only with the `sse` option). */
  taskChanges?: TaskChangeHub;
  /** The feed behind GET /api/:userId/notifications/events (only with the `notifications` option). */
  notificationFeed?: NotificationFeed;
  token(userId: string, expiresIn?: string | number): Promise<string>;
  /** fetch with the user's token and a JSON body. */
  call(
    userId: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/**
 * `sse`: also start the TaskChangeHub (a Kafka consumer) for GET /api/:userId/events.
 * `notifications`: also start the NotificationFeed for GET /api/:userId/notifications/events.
 * `database`: run on that database (another API's) instead of a new one; stop() then leaves it.
 * `port`: listen there instead of an ephemeral port (an API restarted at the same address).
 */
export async function startTestApi(
  opts: {
    clock?: () => Date;
    codec?: EventCodec;
    sse?: boolean | { heartbeatMs?: number };
    notifications?: boolean;
    database?: TestDatabase;
    port?: number;
    /** The chat's interpreter; default the offline rules. */
    interpreter?: Interpreter;
    /** Builds the task service (a test may wrap the real one); default `new TaskService(deps)`. */
    tasks?: (deps: TaskServiceDeps) => TaskService;
    /** Connections of the REST pool; default 10. */
    poolMax?: number;
    /** Where the REST writes' pool connects (default: the test database); e.g. a proxy in front of it. */
    poolConnectionString?: string;
    /** Admission control; default bounds no test reaches (one file's requests never queue for long). */
    admission?: Partial<AdmissionSettings>;
    /** The server's header and request timeouts (API_HEADERS_TIMEOUT_MS, API_REQUEST_TIMEOUT_MS). */
    httpTimeouts?: HttpTimeouts;
    /** JWT_MAX_LIFETIME_SECONDS. */
    jwtMaxLifetimeSeconds?: number;
  } = {},
): Promise<TestApi> {
  const database = opts.database ?? (await createTestDatabase());
  const codec = opts.codec ?? EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  await codec.resolveAll();
  const metrics = new ApiMetrics();
  const taskDeps: TaskServiceDeps = { codec, onEventWritten: (t) => metrics.outboxRows.inc({ event_type: t }) };
  const tasks = opts.tasks ? opts.tasks(taskDeps) : new TaskService(taskDeps);
  const reminders = new ReminderService({ codec });
  const chat = new ChatService({
    tasks,
    reminders,
    interpreter: opts.interpreter ?? new RuleInterpreter(),
    clock: opts.clock,
  });
  const logger = createLogger('api-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  let taskChanges: TaskChangeHub | undefined;
  if (opts.sse) {
    const c = connectionConfig();
    taskChanges = new TaskChangeHub({
      kafka: createKafka({ brokers: c.kafkaBrokers, clientId: 'api-sse-test', principal: 'api' }),
      registry: new SchemaRegistry({ host: c.schemaRegistryUrl }),
      logger,
      heartbeatMs: typeof opts.sse === 'object' ? opts.sse.heartbeatMs : undefined,
    });
    await taskChanges.start();
  }
  let notificationFeed: NotificationFeed | undefined;
  if (opts.notifications) {
    notificationFeed = new NotificationFeed({ databaseUrl: database.url, db: database.db, logger });
    await notificationFeed.start();
  }
  // REST writes run on their own pool here; in production it is the pool under Prisma.
  const admission = new Admission({ ...TEST_ADMISSION, ...opts.admission }, metrics.registry);
  // As in api/main.ts, the pool's connection timeout is admission control's bound on the wait.
  const pool = new pg.Pool({
    connectionString: opts.poolConnectionString ?? database.url,
    max: opts.poolMax ?? 10,
    connectionTimeoutMillis: admission.settings.dbWaitMs,
  });
  // pool.end() in stop() resolves before its idle clients are closed; the database's forced drop
  // then terminates them, which is no failure of the test.
  pool.on('error', () => undefined);
  const app = createApp({
    db: database.db,
    pool,
    codec,
    tasks,
    chat,
    logger,
    metrics,
    jwtSecret: TEST_JWT_SECRET,
    jwtMaxLifetimeSeconds: opts.jwtMaxLifetimeSeconds,
    bodyLimitBytes: 64 * 1024,
    taskChanges,
    notificationFeed,
    devTokens: true,
    admission,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = createExpressServer(app, opts.httpTimeouts, admission.admit).listen(opts.port ?? 0, '127.0.0.1', () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = (userId: string, expiresIn: string | number = '1h') => signToken(TEST_JWT_SECRET, userId, expiresIn);
  return {
    baseUrl,
    database,
    codec,
    taskChanges,
    notificationFeed,
    token,
    async call(userId, method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}/api/${userId}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await token(userId)}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async stop() {
      await taskChanges?.stop();
      await notificationFeed?.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.end();
      if (!opts.database) await database.drop();
    },
  };
}
