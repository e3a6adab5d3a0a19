/**
 * One error model for every service: a code, whether retrying can help, an HTTP status where the
 * error reaches a client, and the cause. Transient failures (database or broker down) are
 * retriable and must never dead-letter an event; the rest are not.
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

export function isRetriable(err: unknown): boolean {
  return err instanceof AppError ? err.retriable : false;
}
