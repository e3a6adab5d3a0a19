/** The node-postgres pool of a service whose hot path runs raw statements (the API, the consumers). */
import pg from 'pg';
import type { Logger } from '../logger.js';

export function createServicePool(o: {
  databaseUrl: string;
  max: number;
  applicationName: string;
  logger: Logger;
  /** Longest wait for a connection, pooled or new, before `connect` fails; default 10 s. */
  connectionTimeoutMillis?: number;
}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.databaseUrl,
    max: o.max,
    application_name: o.applicationName,
    // These bound what Prisma's transaction timeout used to: a stuck statement or an abandoned
    // transaction must not hold row locks (and every later write to those rows) for long.
    connectionTimeoutMillis: o.connectionTimeoutMillis ?? 10_000,
    statement_timeout: 20_000,
    idle_in_transaction_session_timeout: 30_000,
    // Kept open: the default 10 s idle timeout closed warm connections mid-run and reopened them
    // in bursts, which showed as 200-500 ms stalls in the API's latency.
    idleTimeoutMillis: 0,
  });
  // An idle connection's error (a database restart) must not crash the process: the next query retries.
  pool.on('error', (err) => o.logger.warn({ err: err.message }, 'idle database connection failed'));
  return pool;
}
