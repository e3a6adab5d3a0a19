/**
 * One error model for every service: a code, whether retrying can help, an HTTP status where the
 * error reaches a client, and the cause. Transient failures (database or broker down) are
 * retriable and must never dead-letter an event; the rest are not.
 *
 * Errors the services throw themselves are `AppError`s and say so with `retriable`, as kafkajs's
 * errors do. Errors that come from libraries (node-postgres, Prisma, kafkajs, the registry client)
 * carry codes and messages instead: this module is the one place that reads those and decides
 * "is this transient?" (`isRetriable`). Every caller asks it; what a caller does with an error that
 * is not transient (burn an attempt, dead-letter, fail the start) is the caller's policy.
 */
export class AppError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly status: number;

  constructor(message: string, opts: { code: string; retriable: boolean; status?: number; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.retriable = opts.retriable;
    this.status = opts.status ?? 500;
  }
}

/** Bad input: one entry per offending field. */
export class ValidationError extends AppError {
  readonly fields: { field: string; message: string }[];
  constructor(fields: { field: string; message: string }[], message = 'request is invalid') {
    super(`${message}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, {
      code: 'validation_failed',
      retriable: false,
      status: 400,
    });
    this.fields = fields;
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, { code: 'not_found', retriable: false, status: 404 });
  }
}

/** An event payload that does not fit its registered Avro schema: a bug, never retried. */
export class EventSchemaError extends AppError {
  readonly paths: string[];
  constructor(eventType: string, paths: string[]) {
    super(`${eventType} payload does not fit its schema at: ${paths.join(', ')}`, {
      code: 'event_schema_mismatch',
      retriable: false,
    });
    this.paths = paths;
  }
}

/** A dependency (registry, database, broker) is unreachable for now. */
export class UnavailableError extends AppError {
  constructor(what: string, cause?: unknown) {
    super(`${what} is unavailable`, { code: 'unavailable', retriable: true, status: 503, cause });
  }
}

/**
 * A consumed record no retry can fix (not in the wire format, unknown schema id, undecodable, not
 * what it says): dead-lettered at once, never handled.
 */
export class PoisonEventError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'poison_event', retriable: false, cause });
  }
}

type ErrorLike = { name?: string; code?: unknown; message?: string; cause?: unknown; originalError?: unknown };

/** The error and its causes (`cause`, or kafkajs's `originalError`), outermost first. */
function* causeChain(err: unknown): Generator<ErrorLike> {
  let e = err as ErrorLike | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    yield e;
    e = (e.originalError ?? e.cause) as ErrorLike | undefined;
  }
}

// --- PostgreSQL (node-postgres) and Prisma -------------------------------------------------------

const DB_UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  '57P01',
  '57P03',
  '08006',
  '08001',
  '08003',
  'P1001',
  'P1017',
]);
const DB_UNREACHABLE_MESSAGE =
  /ECONNREFUSED|Connection terminated|terminating connection|the database system is (starting up|shutting down)|Can't reach database/i;
// SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention: shutdown, restart),
// 58 (system); plus serialization failures, deadlocks, lock timeouts and a missing database.
const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '55P03', '3D000']);
const TRANSIENT_PG_CLASSES = new Set(['08', '53', '57', '58']);
// Prisma: P1xxx are connection-level (unreachable, timed out, database missing); P2024 pool
// timeout, P2028 transaction API error, P2034 write conflict.
const TRANSIENT_PRISMA_CODES = new Set(['P2024', 'P2028', 'P2034']);

/** True for errors that mean the database is unreachable or restarting, not that the query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (typeof e.code === 'string' && DB_UNREACHABLE_CODES.has(e.code)) return true;
    if (DB_UNREACHABLE_MESSAGE.test(e.message ?? '')) return true;
  }
  return false;
}

/** The SQLSTATE (or Prisma code) of a database error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as ErrorLike | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTransientDatabaseCode(code: string): boolean {
  return (
    TRANSIENT_PG_CODES.has(code) ||
    TRANSIENT_PG_CLASSES.has(code.slice(0, 2)) ||
    TRANSIENT_PRISMA_CODES.has(code) ||
    /^P1\d{3}$/.test(code)
  );
}

// --- kafkajs -------------------------------------------------------------------------------------

/** kafkajs's "could not reach a broker" errors, whatever their own retriable flag after its retries ran out. */
const KAFKA_UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSConnectionClosedError',
]);

/** Error types with which a broker refuses a record itself: retrying the same record cannot help. */
const KAFKA_RECORD_REFUSED = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
]);
/** Error types that mean an idempotent producer's session is broken: a new producer fixes it. */
const KAFKA_SESSION_BROKEN = new Set([
  // The relay's own PartitionsNotAcknowledgedError (relay/kafka-publisher.ts on main since cf22d90):
  // start fresh producer sessions before publishing again.
  'PARTITIONS_NOT_ACKNOWLEDGED',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'DUPLICATE_SEQUENCE_NUMBER',
]);

/** The kafkajs error type (e.g. MESSAGE_TOO_LARGE) anywhere in an error's cause chain. */
export function kafkaErrorType(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    const type = (e as { type?: string }).type;
    if (type && (KAFKA_RECORD_REFUSED.has(type) || KAFKA_SESSION_BROKEN.has(type))) return type;
  }
  return (err as { type?: string } | undefined)?.type;
}

/**
 * What a failed produce says: `record` (the broker refuses this record for good), `session` (the
 * idempotent producer must be recreated), or undefined (anything else: transient for a producer,
 * which must never drop an event).
 */
export function kafkaRefusal(err: unknown): 'record' | 'session' | undefined {
  const t = kafkaErrorType(err);
  if (t && KAFKA_RECORD_REFUSED.has(t)) return 'record';
  if (t && KAFKA_SESSION_BROKEN.has(t)) return 'session';
  return undefined;
}

// --- HTTP dependencies (the schema registry) -----------------------------------------------------

// The registry client (mappersmith) reports a connection failure or timeout as an HTTP 400 (or
// 408) carrying the socket error's message: those are outages, whatever the status says.
const HTTP_UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|socket|timeout|timed out|fetch failed/i;

/** An HTTP dependency that is unreachable, timed out, throttled or answering 5xx: it may answer later. */
export function isHttpOutage(status: number | undefined, message: string): boolean {
  if (HTTP_UNREACHABLE.test(message)) return true;
  return status !== undefined && (status >= 500 || status === 408 || status === 429);
}

// --- the one decision ----------------------------------------------------------------------------

/**
 * "Is this transient?": true when the error, or anything in its cause chain, says try again later:
 * an AppError marked retriable, the database unreachable or a transient SQLSTATE or Prisma code, or
 * a Kafka broker out of reach. Everything else is not (a bug or bad data: retrying will not help).
 */
export function isRetriable(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  for (const e of causeChain(err)) {
    if (e instanceof AppError && e.retriable) return true;
    if (typeof e.code === 'string' && isTransientDatabaseCode(e.code)) return true;
    if (e.name === 'PrismaClientInitializationError' || (e.name !== undefined && KAFKA_UNREACHABLE.has(e.name)))
      return true;
  }
  return false;
}
