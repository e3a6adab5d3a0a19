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
