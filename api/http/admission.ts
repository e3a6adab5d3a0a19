/**
 * Admission control: past what the API can serve promptly it refuses at once rather than queueing.
 * Without it an overload was all accepted and served late (3,000 POST/s against ~310/s sustained
 * gave a p99 of 86 s): every client waited, and most gave up before their answer came.
 *
 * Two bounds, each answered with 503, `Retry-After` and a problem body before anything is written:
 * - requests in flight under /api (per API process): one past `maxInFlight` is refused before its
 *   body is read or its token checked, so a refusal costs next to nothing;
 * - the wait for a pooled database connection: the pool gives up after `dbWaitMs` (its
 *   `connectionTimeoutMillis`), and the request, which has not run a statement yet, is refused.
 * Streams (GET …/events) are long-lived by design and not counted; /healthz, /readyz and /metrics
 * are outside /api and always answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface AdmissionSettings {
  /** Requests under /api admitted at once, per API process. */
  maxInFlight: number;
  /** Longest a request waits for a pooled database connection, in ms (the pool's connectionTimeoutMillis). */
  dbWaitMs: number;
  /** What `Retry-After` tells a refused client, in seconds. */
  retryAfterSeconds: number;
}

/** Server-Sent Events routes: open for as long as the client listens, so not requests in flight. */
const STREAM = /^\/api\/[^/?]+\/(?:notifications\/)?events\/?(?:\?|$)/;

/**
 * pg-pool's errors when no connection came within connectionTimeoutMillis (from a busy pool, or a
 * new connection that took too long to open), and Prisma's on the same pool.
 */
const CONNECTION_WAIT =
  /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Unable to start a transaction in the given time|Timed out fetching a new connection/i;

export function isConnectionWaitTimeout(err: unknown): boolean {
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.message === 'string' && CONNECTION_WAIT.test(e.message)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export class Admission {
  private inFlight = 0;
  private readonly refusal: (detail: string) => Buffer;
  /** Built once: a refusal must cost next to nothing. */
  private readonly inFlightRefusal: Buffer;
  private readonly shedInFlight: Counter.Internal;
  private readonly shedDbWait: Counter.Internal;

  constructor(
    readonly settings: AdmissionSettings,
    registry: Registry,
  ) {
    const shed = new Counter({
      name: 'api_requests_shed_total',
      help: 'Requests refused with 503 by admission control, by the bound they hit',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.shedInFlight = shed.labels({ reason: 'in_flight' });
    this.shedDbWait = shed.labels({ reason: 'db_wait' });
    const inFlight = () => this.inFlight;
    new Gauge({
      name: 'api_requests_in_flight',
      help: 'Requests under /api admitted and not yet answered (streams excluded)',
      registers: [registry],
      // Read when scraped rather than updated per request.
      collect() {
        this.set(inFlight());
      },
    });
    this.refusal = (detail) =>
      Buffer.from(
        JSON.stringify({
          type: 'about:blank',
          title: 'the API is at capacity, retry later',
          status: 503,
          code: 'overloaded',
          detail,
        }),
      );
    this.inFlightRefusal = this.refusal(`more than ${settings.maxInFlight} requests in flight`);
  }

  /** Requests admitted and not yet answered. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Called by the HTTP server before Express sees the request (api/http/express-server.ts): admits
   * it (true) or answers 503 at once (false). Express's routing alone doubled what a refusal cost
   * (measured on a bare 503: about 35 µs of CPU on node:http, 45–75 µs behind an Express `use`), and
   * under overload refusals are most of what the API does.
   */
  readonly admit = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (!url.startsWith('/api/') || (req.method === 'GET' && STREAM.test(url))) return true;
    if (this.inFlight >= this.settings.maxInFlight) {
      this.shedInFlight.inc();
      const body = this.inFlightRefusal;
      res.writeHead(503, {
        'content-type': 'application/problem+json; charset=utf-8',
        'content-length': body.length,
        'retry-after': String(this.settings.retryAfterSeconds),
      });
      res.end(body);
      return false;
    }
    this.inFlight++;
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      this.inFlight--;
    });
    return true;
  };

  /** Mount before the problem handler: a request that waited too long for a connection is refused, not failed. */
  readonly connectionWait: ErrorRequestHandler = (err, _req, res, next) => {
    if (!isConnectionWaitTimeout(err) || res.headersSent) return next(err);
    this.shedDbWait.inc();
    res
      .status(503)
      .set('retry-after', String(this.settings.retryAfterSeconds))
      .type('application/problem+json')
      .send(this.refusal(`no database connection within ${this.settings.dbWaitMs} ms`));
  };
}
