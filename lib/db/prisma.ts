/** The Prisma client on node-postgres (driver adapter, Rust-free engine: nothing native to download). */
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '@prisma/client';
import type pg from 'pg';

export type Db = PrismaClient;
/** A transaction client: what repository functions take so the caller owns the transaction. */
export type Tx = Prisma.TransactionClient;

export function createPrisma(databaseUrl: string, poolMax = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolMax }) });
}

/** A Prisma client on a pool the caller also queries directly (the API's raw write path); $disconnect leaves it open. */
export function createPrismaOnPool(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

/** True for errors that mean the database is unreachable or restarting, not that the query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: unknown };
  if (
    e?.code &&
    ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003', 'P1001', 'P1017'].includes(e.code)
  )
    return true;
  if (
    /ECONNREFUSED|Connection terminated|terminating connection|the database system is (starting up|shutting down)|Can't reach database/i.test(
      e?.message ?? '',
    )
  ) {
    return true;
  }
  return e?.cause ? isDatabaseUnavailable(e.cause) : false;
}
