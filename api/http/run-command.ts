/**
 * Runs a state-changing request in one transaction, with Idempotency-Key handling for POSTs, and
 * sends the answer. Everything the command writes (rows, outbox events, the stored response)
 * commits together or not at all. REST task writes run on node-postgres (`runSqlCommand`); a
 * command that needs Prisma's model API (a chat turn) runs in a Prisma transaction (`runCommand`).
 */
import type { Request, Response } from 'express';
import type pg from 'pg';
import type { Db, Tx } from '../../lib/db/prisma.js';
import type { ActorContext } from '../tasks/task-service.js';
import {
  bodyHashOf,
  claimIdempotencyKey,
  idempotencyKeyOf,
  storeIdempotentResponse,
  type IdempotencyClaim,
  type StoredResponse,
} from './idempotency.js';
import { inSingleStatement, inSqlTransaction, prismaSqlTx, type SqlTx } from '../../lib/db/sql-tx.js';

export type Command<T> = (tx: T, actor: ActorContext) => Promise<StoredResponse>;

export function actorOf(res: Response): ActorContext {
  return {
    userId: res.locals.userId as string,
    traceparent: (res.locals.trace as { traceparent: string }).traceparent,
  };
}

/** The claim, the command and the stored response, in the caller's transaction. */
async function claimedRun<T>(
  tx: T,
  sql: SqlTx,
  claim: IdempotencyClaim | undefined,
  actor: ActorContext,
  command: Command<T>,
): Promise<{ result: StoredResponse; replayed: boolean }> {
  if (claim) {
    const prior = await claimIdempotencyKey(sql, claim);
    if (prior) return { result: prior, replayed: true };
  }
  const result = await command(tx, actor);
  if (claim) await storeIdempotentResponse(sql, claim, result);
  return { result, replayed: false };
}

type InTransaction<T> = <R>(fn: (tx: T, sql: SqlTx) => Promise<R>) => Promise<R>;

/** `alone`: how to run the command when there is no Idempotency-Key to claim in its transaction. */
async function run<T>(
  req: Request,
  res: Response,
  inTransaction: InTransaction<T>,
  command: Command<T>,
  alone: InTransaction<T> = inTransaction,
): Promise<void> {
  const actor = actorOf(res);
  const key = req.method === 'POST' ? idempotencyKeyOf(req.header('idempotency-key')) : undefined;
  const claim = key
    ? { userId: actor.userId, key, method: req.method, path: req.baseUrl + req.path, bodyHash: bodyHashOf(req.body) }
    : undefined;
  const { result, replayed } = await (claim ? inTransaction : alone)((tx, sql) =>
    claimedRun(tx, sql, claim, actor, command),
  );
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(result.status).json(result.body);
}

/**
 * A command of raw statements, in a node-postgres transaction. `singleStatement`: the command is
 * one statement, which then runs without BEGIN and COMMIT unless an Idempotency-Key adds its own.
 */
export function runSqlCommand(
  pool: pg.Pool,
  req: Request,
  res: Response,
  command: Command<SqlTx>,
  opts: { singleStatement?: boolean } = {},
): Promise<void> {
  const inTransaction: InTransaction<SqlTx> = (fn) => inSqlTransaction(pool, (sql) => fn(sql, sql));
  const alone: InTransaction<SqlTx> = opts.singleStatement
    ? (fn) => inSingleStatement(pool, (sql) => fn(sql, sql))
    : inTransaction;
  return run(req, res, inTransaction, command, alone);
}

/** A command that uses Prisma's model API, in a Prisma transaction. */
export function runCommand(db: Db, req: Request, res: Response, command: Command<Tx>): Promise<void> {
  return run(
    req,
    res,
    (fn) => db.$transaction((tx) => fn(tx, prismaSqlTx(tx)), { maxWait: 10_000, timeout: 20_000 }),
    command,
  );
}
