/**
 * The one write path: every write (rows and their outbox events) is a raw statement (`Prisma.sql`)
 * run on a `SqlTx`; Prisma keeps the schema, the migrations and the reads (its model API).
 *
 * Where the transaction comes from:
 * - `inSqlTransaction` / `inSingleStatement`, on node-postgres, for the hot paths: the API's REST
 *   and settings writes and every consumer's event handling. Prisma's interactive transactions and
 *   raw queries cost about 0.5 ms more CPU per request than the same statements on a pg pool, and
 *   in a consumer they were 40 % of its CPU;
 * - `prismaSqlTx`, for work that also reads through Prisma's model API or needs its transaction
 *   options (maxWait, timeout): a chat turn, and the scheduler ticks of recurring-task-cg and
 *   reminder-trigger-cg. The same statements run inside the Prisma transaction.
 */
import type { Prisma } from '@prisma/client';
import type pg from 'pg';
import type { Db, Tx } from './prisma.js';

export interface SqlTx {
  /** The rows of a statement (a SELECT, or a write with RETURNING). */
  query<T>(statement: Prisma.Sql): Promise<T[]>;
  /** The number of rows a statement wrote. */
  execute(statement: Prisma.Sql): Promise<number>;
}

/** The statements of a Prisma transaction, or of the client itself (each statement its own transaction). */
export function prismaSqlTx(tx: Tx | Db): SqlTx {
  return {
    query: <T>(s: Prisma.Sql) => tx.$queryRaw<T[]>(s),
    execute: (s) => tx.$executeRaw(s),
  };
}

/**
 * Names each distinct statement text, so that PostgreSQL parses and plans it once per connection
 * rather than on every request (node-postgres prepares a named statement on first use). The texts
 * are the code's own, a bounded set (values always travel as parameters; a multi-row statement has
 * one text per row count up to the chunk size); past `MAX_NAMED` texts, statements run unnamed, so
 * a text built from data could never grow this map or the connections' prepared statements.
 */
const MAX_NAMED = 2_000;
const statementNames = new Map<string, string>();

function prepared(s: Prisma.Sql): pg.QueryConfig {
  let name = statementNames.get(s.text);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `stmt_${statementNames.size}`;
    statementNames.set(s.text, name);
  }
  return name === undefined ? { text: s.text, values: s.values } : { name, text: s.text, values: s.values };
}

/**
 * Runs `fn` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it
 * throws. The one transaction helper: `inSqlTransaction` (statements as `Prisma.sql`) and the
 * relay's and its operator commands' SQL (text and parameters on the client) both run on it.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    client.release();
    return result;
  } catch (err) {
    // A connection whose rollback failed is in an unknown state: destroy it rather than pool it.
    await client.query('rollback').then(
      () => client.release(),
      (rollbackErr: Error) => client.release(rollbackErr),
    );
    throw err;
  }
}

/** `inTransaction` with the statements as `SqlTx` (prepared by name: see `prepared`). */
export function inSqlTransaction<T>(pool: pg.Pool, fn: (sql: SqlTx) => Promise<T>): Promise<T> {
  return inTransaction(pool, (client) =>
    fn({
      query: async <R>(s: Prisma.Sql) => (await client.query(prepared(s))).rows as R[],
      execute: async (s) => (await client.query(prepared(s))).rowCount ?? 0,
    }),
  );
}

/**
 * For a command that is one statement: it runs on its own, in the implicit transaction every
 * statement has, which is just as atomic as BEGIN … COMMIT and saves two round trips (a third of
 * a create's CPU in the API and PostgreSQL went to them). A second statement is a programming
 * error: it would not be atomic with the first, so it throws instead of running.
 */
export async function inSingleStatement<T>(pool: pg.Pool, fn: (sql: SqlTx) => Promise<T>): Promise<T> {
  let used = false;
  const run = (s: Prisma.Sql) => {
    if (used) throw new Error('inSingleStatement: the command ran a second statement; it needs inSqlTransaction');
    used = true;
    return pool.query(prepared(s));
  };
  return fn({
    query: async <R>(s: Prisma.Sql) => (await run(s)).rows as R[],
    execute: async (s) => (await run(s)).rowCount ?? 0,
  });
}
