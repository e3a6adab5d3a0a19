/** The Express application: health, metrics, and the authenticated /api/:userId routes. */
import express, { type Express } from 'express';
import type pg from 'pg';
import type { EventCodec } from '../lib/avro/event-codec.js';
import type { Db } from '../lib/db/prisma.js';
import { NotFoundError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { auditRoutes } from './audit/audit-routes.js';
import { chatRoutes } from './chat/chat-routes.js';
import { eventStreamRoutes } from './events/event-stream-routes.js';
import type { TaskChangeHub } from './events/task-change-hub.js';
import type { NotificationFeed } from './notifications/notification-feed.js';
import { notificationRoutes } from './notifications/notification-routes.js';
import { settingsRoutes } from './settings/settings-routes.js';
import { notificationStreamRoutes } from './notifications/notification-stream-routes.js';
import type { ChatService } from './chat/chat-service.js';
import type { Admission } from './http/admission.js';
import { requireUser } from './http/auth.js';
import { devTokenRoutes } from './http/dev-token-routes.js';
import type { ApiMetrics } from './http/metrics.js';
import { refuseNulCharacters } from './http/nul-characters.js';
import { problemHandler } from './http/problem.js';
import { requestContext } from './http/request-context.js';
import { taskRoutes } from './tasks/task-routes.js';
import type { TaskService } from './tasks/task-service.js';
import { webRoutes } from './web/web-routes.js';

export interface AppDeps {
  db: Db;
  /** The pool under `db`: REST writes run their raw statements on it directly. */
  pool: pg.Pool;
  codec: EventCodec;
  tasks: TaskService;
  chat: ChatService;
  logger: Logger;
  metrics: ApiMetrics;
  jwtSecret: string;
  /** Longest a bearer token may live (`exp` after issue or after now); default JWT_MAX_LIFETIME_SECONDS's. */
  jwtMaxLifetimeSeconds?: number;
  bodyLimitBytes: number;
  /** The live TaskChanged feed behind GET /api/:userId/events; without it that route answers 503. */
  taskChanges?: TaskChangeHub;
  /**
   * Admission control (api/http/admission.ts): its bound on requests in flight is applied by the
   * HTTP server before the app (`createExpressServer`); here, its answer to a request that waited
   * too long for a database connection. Without it, no bound.
   */
  admission?: Admission;
  /** New in-app notifications behind GET /api/:userId/notifications/events; without it that route answers 503. */
  notificationFeed?: NotificationFeed;
  /** POST /api/dev/token signs tokens for anyone: only when NODE_ENV is not production. */
  devTokens?: boolean;
}

export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(d.logger, d.metrics));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const database = await d.db.$queryRaw`select 1`.then(
      () => true,
      () => false,
    );
    const schemas = d.codec.resolved;
    res.status(database && schemas ? 200 : 503).json({ database, schemas });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(d.metrics.registry.contentType).send(await d.metrics.exposition());
  });

  app.use(webRoutes());
  if (d.devTokens) app.use('/api/dev', devTokenRoutes(d.jwtSecret, d.bodyLimitBytes));

  const api = express.Router({ mergeParams: true });
  api.use(requireUser(d.jwtSecret, d.jwtMaxLifetimeSeconds));
  api.use(express.json({ limit: d.bodyLimitBytes, strict: true }));
  api.use(refuseNulCharacters);
  api.use(taskRoutes(d.db, d.pool, d.tasks));
  api.use(chatRoutes(d.db, d.chat));
  api.use(auditRoutes(d.db));
  api.use(notificationRoutes(d.db));
  api.use(settingsRoutes(d.db, d.pool));
  api.use(notificationStreamRoutes(d.db, d.notificationFeed));
  api.use(eventStreamRoutes(d.taskChanges));
  app.use('/api/:userId', api);

  app.use((_req, _res, next) => next(new NotFoundError('route')));
  if (d.admission) app.use(d.admission.connectionWait);
  app.use(problemHandler(d.logger));
  return app;
}
