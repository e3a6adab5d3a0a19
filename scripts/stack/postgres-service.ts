/**
 * The stack's PostgreSQL: either the user's own (DATABASE_URL, checked for wal_level=logical) or a
 * project-owned cluster initialised in `.stack/pg` from the machine's PostgreSQL binaries. PostgreSQL
 * refuses to run as root, so as root the cluster runs as an unprivileged OS user (default `postgres`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PG_BIN, read } from '../../lib/config/settings.js';
import { isAlive } from './processes.js';
import type { StackConfig } from './stack-config.js';
import { stackDatabaseUrl } from './stack-config.js';
import type { StackService } from './stack-service.js';

function pgBinDir(): string {
  const configured = read(PG_BIN);
  if (configured) return configured;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(path.join(base, v, 'bin', 'initdb'))) return path.join(base, v, 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL server binaries not found: install PostgreSQL 14+ or set PG_BIN to its bin folder');
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * As root, the cluster's files must be reachable by the unprivileged server user. A checkout under
 * a folder that user cannot enter (a 0700 home, say) gets its cluster in the temp folder instead,
 * named after the checkout so two checkouts never share one.
 */
function clusterCandidates(cfg: StackConfig): { inRepo: string; inTemp: string } {
  const tag = createHash('sha1').update(cfg.dir).digest('hex').slice(0, 10);
  return { inRepo: path.join(cfg.dir, 'pg'), inTemp: path.join(tmpdir(), `todo-stack-pg-${tag}`) };
}

/**
 * Where this checkout's cluster lives, decided once and recorded in `<stack>/pg-location`: every
 * later command (status, down, the tests) reads the record, so none of them can look in one folder
 * while the server runs from the other. The stack folder is created before the probe, so the
 * decision does not depend on whether an earlier command happened to create it.
 */
export function clusterDir(cfg: StackConfig, asRoot: boolean): string {
  const record = path.join(cfg.dir, 'pg-location');
  if (existsSync(record)) return readFileSync(record, 'utf8').trim();
  const { inRepo, inTemp } = clusterCandidates(cfg);
  mkdirSync(cfg.dir, { recursive: true });
  // A cluster made before the record existed keeps its place.
  const existing = [inRepo, inTemp].find((d) => existsSync(path.join(d, 'data', 'PG_VERSION')));
  const reachable = () => !asRoot || spawnSync('runuser', ['-u', cfg.pgUser, '--', 'test', '-x', cfg.dir]).status === 0;
  const chosen = existing ?? (reachable() ? inRepo : inTemp);
  writeFileSync(record, `${chosen}\n`);
  return chosen;
}

/** The postmaster's pid from `<data>/postmaster.pid` when that process is alive. */
function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

export function postgresService(cfg: StackConfig): StackService {
  const asRoot = process.getuid?.() === 0;
  const base = clusterDir(cfg, asRoot);
  const dataDir = path.join(base, 'data');
  // pg_ctl opens the log as the server user: keep it where that user can write.
  const logFile = base.startsWith(cfg.dir) ? path.join(cfg.logDir, 'postgres.log') : path.join(base, 'postgres.log');
  const adminUrl = stackDatabaseUrl(cfg, 'postgres');

  function run(bin: string, args: string[]): string {
    const full = path.join(pgBinDir(), bin);
    const [cmd, argv] = asRoot ? ['runuser', ['-u', cfg.pgUser, '--', full, ...args]] : [full, args];
    return execFileSync(cmd, argv as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  function ownedByServer(p: string): void {
    if (!asRoot) return;
    const uid = Number(execFileSync('id', ['-u', cfg.pgUser], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', cfg.pgUser], { encoding: 'utf8' }).trim());
    chownSync(p, uid, gid);
  }

  function init(): void {
    if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(path.dirname(logFile), { recursive: true });
    ownedByServer(path.dirname(dataDir));
    ownedByServer(dataDir);
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
    // Logical decoding for Debezium and the relay's commit signal (a slot each, per test database
    // too), commit timestamps for the relay benchmark, and a bound on the WAL a forgotten
    // replication slot can pin.
    appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `port = ${cfg.pgPort}`,
        "unix_socket_directories = ''",
        'wal_level = logical',
        'max_wal_senders = 20',
        'max_replication_slots = 20',
        'max_slot_wal_keep_size = 1GB',
        'track_commit_timestamp = on',
        'max_connections = 300',
        'shared_buffers = 256MB',
        'synchronous_commit = on',
        'log_min_messages = warning',
        '',
      ].join('\n'),
    );
  }

  return {
    name: 'postgres',
    logFile,
    async isReady() {
      const url = cfg.externalDatabaseUrl ?? adminUrl;
      const rows = await query<{ wal_level: string }>(url, 'show wal_level');
      if (rows[0]?.wal_level !== 'logical') {
        throw new Error(
          `PostgreSQL at ${url} has wal_level=${rows[0]?.wal_level}; set wal_level=logical and restart it`,
        );
      }
      return true;
    },
    isRunning() {
      if (cfg.externalDatabaseUrl) return true;
      return postmasterPid(dataDir) !== undefined;
    },
    async start() {
      if (cfg.externalDatabaseUrl) return;
      init();
      if (!existsSync(logFile)) writeFileSync(logFile, '');
      ownedByServer(logFile);
      run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
    },
    async stop() {
      if (cfg.externalDatabaseUrl) return false;
      // Also a server left in the other candidate folder by a version that chose its folder per
      // process: `down` stops every server of this checkout.
      const { inRepo, inTemp } = clusterCandidates(cfg);
      let stopped = false;
      for (const d of new Set([dataDir, path.join(inRepo, 'data'), path.join(inTemp, 'data')])) {
        if (postmasterPid(d) === undefined) continue;
        run('pg_ctl', ['-D', d, '-m', 'fast', '-w', 'stop']);
        stopped = true;
      }
      return stopped;
    },
    async kill() {
      if (!cfg.externalDatabaseUrl) run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    },
  };
}

/** Creates `database` on the stack's server if it does not exist. */
export async function ensureDatabase(cfg: StackConfig, database: string): Promise<void> {
  const admin = stackDatabaseUrl(cfg, 'postgres');
  const rows = await query<{ n: number }>(admin, `select 1 as n from pg_database where datname = '${database}'`);
  if (rows.length === 0) await query(admin, `create database "${database}"`);
}
