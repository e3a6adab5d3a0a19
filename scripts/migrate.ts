/**
 * `npm run db:migrate`: creates the database named in DATABASE_URL if it does not exist, then
 * applies prisma/migrations with `prisma migrate deploy`.
 */
import { spawnSync } from 'node:child_process';
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

export async function migrate(databaseUrl: string = connectionConfig().databaseUrl): Promise<void> {
  await ensureDatabaseExists(databaseUrl);
  const res = spawnSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    throw new Error(`prisma migrate deploy failed for ${new URL(databaseUrl).pathname.slice(1)}:\n${res.stdout}${res.stderr}`);
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
