/**
 * A fresh, migrated database per test file: cloned from a template database that is migrated once
 * per run, so a test owns its outbox and its rows without paying for migrations each time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { createPrisma, type Db } from '../lib/db/prisma.js';
import { migrate } from './migrate.js';

/** Named after the migrations' contents, so a new migration gets a new template. */
const TEMPLATE = `todo_tpl_${migrationsHash()}`;

function migrationsHash(): string {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../prisma/migrations');
  const h = createHash('sha1');
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql');
    if (existsSync(file)) h.update(name).update(readFileSync(file));
  }
  return h.digest('hex').slice(0, 12);
}

function urlFor(database: string): string {
  const u = new URL(connectionConfig().databaseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: urlFor('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let templateReady: Promise<void> | undefined;

async function ensureTemplate(): Promise<void> {
  // Migrate a scratch copy and rename it, so a run that died half-way never leaves a bad template.
  const exists = await admin(
    async (c) => (await c.query('select 1 from pg_database where datname = $1', [TEMPLATE])).rowCount === 1,
  );
  if (exists) return;
  const scratch = `todo_tpl_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await migrate(urlFor(scratch));
  await admin(async (c) => {
    await c.query(`alter database "${scratch}" rename to "${TEMPLATE}"`).catch(async (err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // another process made it first
      await c.query(`drop database "${scratch}"`);
    });
  });
}

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  templateReady ??= ensureTemplate();
  await templateReady;
  const name = `todo_t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await admin((c) => c.query(`create database "${name}" template "${TEMPLATE}"`));
  const url = urlFor(name);
  const db = createPrisma(url, 30);
  return {
    name,
    url,
    db,
    async drop() {
      await db.$disconnect();
      // A relay killed just before may still have a walsender ending, its temporary slot with it
      // (relay/commit-signal.ts): DROP DATABASE refuses an active slot, so it is retried briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
}
