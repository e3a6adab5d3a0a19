/**
 * What the Debezium relay needs in PostgreSQL, as idempotent SQL run by an administrator (the
 * DATABASE_URL user, a superuser on the local stack):
 *
 * - a least-privilege role for the connector: LOGIN REPLICATION, SELECT on the outbox only, and
 *   INSERT/DELETE on the heartbeat table (nothing else of the application is readable to it);
 * - the heartbeat table the connector's `heartbeat.action.query` writes to;
 * - the publication, created by us (the connector runs with `publication.autocreate.mode=disabled`):
 *   inserts only, of the outbox and the heartbeat table. The heartbeat table has to be in it:
 *   pgoutput does not send transactions that touch no published table, so a heartbeat written
 *   elsewhere would never reach the connector and an idle database would still pin WAL;
 * - `debezium_handover`, where the handover (handover.ts) records per slot whether the rows
 *   committed before the slot existed have been published.
 *
 * The role's password comes from DEBEZIUM_DB_PASSWORD, or is generated once and kept in
 * `.stack/debezium-db-password` (mode 0600, outside git). The stack's pg_hba trusts 127.0.0.1, so
 * locally the password is not checked; on a real cluster it is.
 */
import pg from 'pg';
import { DEBEZIUM_DB_PASSWORD, DEBEZIUM_DB_USER, read } from '../lib/config/settings.js';
import { isRetriable, sqlState } from '../lib/errors.js';
import { stackSecret } from '../lib/stack-secret.js';
import { HEARTBEAT_TABLE } from './connector.js';

export const HANDOVER_TABLE = 'debezium_handover';

export function debeziumRole(): string {
  return read(DEBEZIUM_DB_USER);
}

/** DEBEZIUM_DB_PASSWORD, or the generated one in `.stack/debezium-db-password` (created on first use). */
export function debeziumPassword(): string {
  return read(DEBEZIUM_DB_PASSWORD) ?? stackSecret('debezium-db-password');
}

export interface SetupOptions {
  role: string;
  password: string;
  publicationName: string;
}

function ident(s: string): string {
  return pg.escapeIdentifier(s);
}

/** The statements, in order; each is idempotent. */
export function setupStatements(o: SetupOptions): string[] {
  const role = ident(o.role);
  const roleLit = pg.escapeLiteral(o.role);
  const pub = ident(o.publicationName);
  const pubLit = pg.escapeLiteral(o.publicationName);
  const tables = `public.outbox, public.${HEARTBEAT_TABLE}`;
  return [
    // Roles are cluster-wide: another database's setup may create it at the same moment.
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${roleLit}) THEN
         CREATE ROLE ${role};
       END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$`,
    `ALTER ROLE ${role} WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${pg.escapeLiteral(o.password)}`,
    `CREATE TABLE IF NOT EXISTS public.${HEARTBEAT_TABLE} (beat_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS public.${HANDOVER_TABLE} (
       slot_name text PRIMARY KEY,
       state text NOT NULL CHECK (state IN ('pending', 'done')),
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `GRANT SELECT ON public.outbox TO ${role}`,
    `GRANT INSERT, DELETE ON public.${HEARTBEAT_TABLE} TO ${role}`,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = ${pubLit}) THEN
         CREATE PUBLICATION ${pub} FOR TABLE ${tables} WITH (publish = 'insert');
       ELSE
         ALTER PUBLICATION ${pub} SET TABLE ${tables};
         ALTER PUBLICATION ${pub} SET (publish = 'insert');
       END IF;
     END $$`,
  ];
}

/** Thrown when the setup cannot be applied; names the database and the cause. */
export class DebeziumSetupError extends Error {
  override readonly name = 'DebeziumSetupError';
}

// Concurrent setups on one cluster (several databases, parallel tests) may collide on the shared
// role: besides what is transient anyway (serialization failures, deadlocks), PostgreSQL reports
// such a race on the catalogs as "tuple concurrently updated" (XX000) or a duplicate key (23505).
const CATALOG_RACE = new Set(['XX000', '23505']);

/** Applies the setup in one transaction (retried when a concurrent setup on the cluster collides). */
export async function runSetup(databaseUrl: string, o: SetupOptions): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'debezium-setup' });
  try {
    await client.connect();
  } catch (err) {
    throw new DebeziumSetupError(`cannot connect to the database for the Debezium setup: ${(err as Error).message}`);
  }
  try {
    const outbox = await client.query(`SELECT to_regclass('public.outbox') IS NOT NULL AS ok`);
    if (!outbox.rows[0]?.ok)
      throw new DebeziumSetupError(`database ${client.database} has no outbox table: run npm run db:migrate first`);
    const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
    if (wal.rows[0]?.wal_level !== 'logical') {
      throw new DebeziumSetupError(
        `wal_level is ${wal.rows[0]?.wal_level}, Debezium needs wal_level=logical (set it and restart PostgreSQL)`,
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query('BEGIN');
        for (const sql of setupStatements(o)) await client.query(sql);
        await client.query('COMMIT');
        return;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = sqlState(err);
        if (attempt < 5 && (isRetriable(err) || (code !== undefined && CATALOG_RACE.has(code)))) {
          await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
          continue;
        }
        if (code === '42501')
          throw new DebeziumSetupError(
            `the DATABASE_URL user may not set up Debezium (${(err as Error).message}): run the setup as a superuser or the database owner with CREATEROLE`,
          );
        throw err;
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
