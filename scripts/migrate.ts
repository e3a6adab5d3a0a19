/**
 * `npm run db:migrate`: creates the database named in DATABASE_URL if it does not exist, then
 * applies prisma/migrations with `prisma migrate deploy`, unless the database already records
 * every migration folder as applied: the Prisma CLI takes over 10 s even with nothing to do (a
 * timer in its engine keeps it alive), and `npm test`, `npm start` and the chaos run all migrate.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';

export async function ensureDatabaseExists(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) await admin.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

/** Whether `_prisma_migrations` lists every folder of prisma/migrations as applied and none as failed. */
async function upToDate(databaseUrl: string): Promise<boolean> {
  const folders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ migration_name: string; ok: boolean }>(
      `select migration_name, finished_at is not null and rolled_back_at is null as ok
         from _prisma_migrations`,
    );
    if (rows.some((r) => !r.ok)) return false;
    const applied = new Set(rows.map((r) => r.migration_name));
    return folders.every((f) => applied.has(f));
  } catch {
    return false; // no _prisma_migrations yet: a fresh database
  } finally {
    await c.end();
  }
}

export async function migrate(databaseUrl: string = connectionConfig().databaseUrl): Promise<void> {
  await ensureDatabaseExists(databaseUrl);
  if (await upToDate(databaseUrl)) return;
  const res = spawnSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    throw new Error(
      `prisma migrate deploy failed for ${new URL(databaseUrl).pathname.slice(1)}:\n${res.stdout}${res.stderr}`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  migrate().then(
    () => console.log('[migrate] database is up to date'),
    (err: Error) => {
      console.error(`[migrate] ${err.message}`);
      process.exit(1);
    },
  );
}
